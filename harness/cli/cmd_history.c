/* cmd_history.c — `wgbench history list|show|trend|changes|add|baseline`:
 * the runs kept in a history database (harness/history/, DESIGN.md
 * "History"). One prologue parses the options of every subcommand; each
 * subcommand is a row {name, fn, what it needs}. Exit: 0, 2 bad usage or
 * bad input (a directory that cannot be imported, a database of a newer
 * schema, no such run), 1 anything else that failed. */
#include "cmd.h"
#include "history.h"
#include "history_baseline.h"
#include "history_change.h"
#include "history_out.h"
#include "history_prom.h"
#include "history_trend.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hopts {
	const char *db, *out, *openmetrics;
	struct history_filter f;
	bool json, no_plot, metric_set;
	enum history_metric metric;
	struct history_change_opts ch;
	const char *pos[64];
	int npos;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: wgbench history list|show RUN|trend|changes|add DIR...|baseline NEW_DIR FILTER\n"
		"                       [--db DB] [--scenario S] [--variant V] [--kernel K] [--backend B]\n"
		"                       [--machine ID] [--metric throughput|rtt] [--json] [--openmetrics FILE]\n"
		"  list        the runs, oldest first            show RUN   one run: fingerprint and cells\n"
		"  add DIR...  import results directories        trend      a table per series, and plots\n"
		"  changes     change points of every series (e-divisive means, permutation test)\n"
		"  baseline NEW_DIR FILTER  what `compare history:FILTER NEW_DIR` compares against\n"
		"              (FILTER: last=N[,kernel=REL][,variant=V][,scenario=S][,hash=any])\n"
		"  --db DB            a SQLite file or a postgresql:// URL (default: $WGB_HISTORY)\n"
		"  --metric M         throughput (median bit/s) or rtt (p99 under load); changes: both\n"
		"  --out DIR          trend: where the plots go (default history-trend); --no-plot: none\n"
		"  --alpha P, --permutations N   changes: significance (default 0.01) and shuffles (999)\n"
		"  --openmetrics FILE also write the latest run of each series and kernel as\n"
		"                     OpenMetrics text (atomically), for a dashboard's textfile collector\n"
		"A series is one machine, backend, scenario and variant in time order.\n");
}

static int parse_value(struct hopts *o, const char *opt, const char *v)
{
	uint64_t n;

	if (!strcmp(opt, "--db"))
		o->db = v;
	else if (!strcmp(opt, "--scenario"))
		o->f.scenario = v;
	else if (!strcmp(opt, "--variant"))
		o->f.variant = v;
	else if (!strcmp(opt, "--kernel"))
		o->f.kernel = v;
	else if (!strcmp(opt, "--backend"))
		o->f.backend = v;
	else if (!strcmp(opt, "--machine"))
		o->f.machine = v;
	else if (!strcmp(opt, "--out"))
		o->out = v;
	else if (!strcmp(opt, "--openmetrics"))
		o->openmetrics = v;
	else if (!strcmp(opt, "--metric")) {
		if (history_metric_parse(v, &o->metric)) {
			wgb_err("history: --metric '%s': expected throughput or rtt", v);
			return -EINVAL;
		}
		o->metric_set = true;
	} else if (!strcmp(opt, "--alpha")) {
		if (util_parse_double(v, 1e-9, 0.5, &o->ch.alpha)) {
			wgb_err("history: --alpha '%s': expected a probability from 1e-9 to 0.5", v);
			return -EINVAL;
		}
	} else if (!strcmp(opt, "--permutations")) {
		if (util_parse_u64(v, 9, 1000000, &n)) {
			wgb_err("history: --permutations '%s': expected 9 to 1000000", v);
			return -EINVAL;
		}
		o->ch.permutations = (unsigned int)n;
	} else {
		return 1;
	}
	return 0;
}

static int parse(int argc, char *argv[], struct hopts *o)
{
	int i, r;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			o->json = true;
		} else if (!strcmp(argv[i], "--no-plot")) {
			o->no_plot = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			if (i + 1 >= argc || (r = parse_value(o, argv[i], argv[i + 1])) > 0) {
				wgb_err("history: unexpected option '%s'", argv[i]);
				return -EINVAL;
			}
			if (r)
				return r;
			i++;
		} else if (o->npos < (int)ARRAY_SIZE(o->pos)) {
			o->pos[o->npos++] = argv[i];
		} else {
			wgb_err("history: too many arguments");
			return -EINVAL;
		}
	}
	if (!o->db)
		o->db = getenv("WGB_HISTORY");
	if (!o->db || !*o->db) {
		wgb_err("history: which database? --db FILE|postgresql://... (or WGB_HISTORY)");
		return -EINVAL;
	}
	return 0;
}

static int put(char *text)
{
	if (text)
		fputs(text, stdout);
	free(text);
	return text ? 0 : -ENOMEM;
}

static int do_add(struct history *h, struct hopts *o)
{
	int64_t id;
	int i, r, bad = 0;

	if (o->npos < 2) {
		wgb_err("history add: which results directories?");
		return -EINVAL;
	}
	for (i = 1; i < o->npos; i++) {
		r = history_add_dir(h, o->pos[i], &id);
		if (r) {
			bad = bad ? bad : r;
			continue;
		}
		printf("%s: run %lld\n", o->pos[i], (long long)id);
	}
	return bad;
}

static int do_list(struct history *h, struct hopts *o)
{
	struct history_run *runs = NULL;
	char *text = NULL;
	size_t n = 0;
	int r;

	if (!(r = history_list(h, &o->f, &runs, &n)) && !(r = history_out_list(runs, n, o->json, &text)))
		r = put(text);
	history_runs_free(runs, n);
	return r;
}

static int do_show(struct history *h, struct hopts *o)
{
	struct history_run *run = NULL;
	char *text = NULL;
	uint64_t id;
	int r;

	if (o->npos != 2 || util_parse_u64(o->pos[1], 1, INT64_MAX, &id)) {
		wgb_err("history show: expected one run id (see `wgbench history list`)");
		return -EINVAL;
	}
	if (!(r = history_get(h, (int64_t)id, &run)) && !(r = history_out_show(run, o->json, &text)))
		r = put(text);
	history_run_free(run);
	return r;
}

/* Change points of one metric, or of both when none was asked for. */
static int find_changes(const struct history_set *set, struct hopts *o,
			struct history_change **c, size_t *n)
{
	struct history_change *more = NULL, *all;
	size_t nm = 0;
	int r;

	if ((r = history_changes(set, o->metric_set ? o->metric : HISTORY_THROUGHPUT, &o->ch, c, n)) ||
	    o->metric_set)
		return r;
	if ((r = history_changes(set, HISTORY_RTT, &o->ch, &more, &nm)) || !nm)
		return r;
	if (!(all = realloc(*c, (*n + nm) * sizeof(*all)))) {
		free(more);
		return -ENOMEM;
	}
	memcpy(all + *n, more, nm * sizeof(*all));
	*c = all;
	*n += nm;
	free(more);
	return 0;
}

static int do_changes(struct history *h, struct hopts *o)
{
	struct history_set *set = NULL;
	struct history_change *c = NULL;
	char *text = NULL;
	size_t n = 0;
	int r;

	if (!(r = history_query(h, &o->f, &set)) && !(r = find_changes(set, o, &c, &n)) &&
	    !(r = history_out_changes(c, n, set->n, &o->ch, o->json, &text)))
		r = put(text);
	free(c);
	history_set_free(set);
	return r;
}

static int do_trend(struct history *h, struct hopts *o)
{
	struct history_set *set = NULL;
	struct history_change *c = NULL;
	const char *dir = o->out ? o->out : "history-trend";
	char *text = NULL;
	size_t n = 0, plots = 0;
	int r;

	o->metric_set = true;   /* the trend of one metric: throughput unless asked */
	if ((r = history_query(h, &o->f, &set)) || (r = find_changes(set, o, &c, &n)) ||
	    (r = history_out_trend(set, o->metric, c, n, o->json, &text)) || (r = put(text)))
		goto out;
	if (!o->no_plot && set->n && !(r = history_trend_plot(set, o->metric, c, n, dir, &plots)))
		fprintf(stderr, "wgbench: history: %zu trend plot(s) in %s/ (trend-%s-*.png, .svg, .gp, .dat)\n",
			plots, dir, history_metric_name(o->metric));
out:
	free(c);
	history_set_free(set);
	return r;
}

static int do_baseline(struct history *h, struct hopts *o)
{
	struct history_baseline_spec sp;
	struct history_baseline *b = NULL;
	char *text = NULL;
	int r;

	if (o->npos != 3) {
		wgb_err("history baseline: expected NEW_DIR and a filter such as last=5");
		return -EINVAL;
	}
	if ((r = history_baseline_parse(o->pos[2], &sp)))
		return r;
	if (!(r = history_baseline_select(h, o->pos[1], &sp, &b)) && !(r = history_baseline_json(b, &text)))
		r = put(text);
	history_baseline_free(b);
	history_baseline_spec_clear(&sp);
	return r;
}

static int export_openmetrics(struct history *h, struct hopts *o)
{
	struct history_set *set = NULL;
	int r;

	if (!(r = history_query(h, &o->f, &set)) && !(r = history_prom_write(set, o->openmetrics)))
		fprintf(stderr, "wgbench: history: OpenMetrics written to %s\n", o->openmetrics);
	history_set_free(set);
	return r;
}

static const struct {
	const char *name;
	int (*fn)(struct history *h, struct hopts *o);
} subs[] = {
	{ "list", do_list }, { "show", do_show }, { "trend", do_trend },
	{ "changes", do_changes }, { "add", do_add }, { "baseline", do_baseline },
};

static int exit_code(int r)
{
	if (!r)
		return WGB_EXIT_OK;
	/* what the user gave was wrong: a directory, a database, an id */
	if (r == -EINVAL || r == -ENOENT || r == -EPROTO || r == -ENOTDIR || r == -ECONNREFUSED)
		return WGB_EXIT_USAGE;
	return WGB_EXIT_FAIL;
}

int history_main(int argc, char *argv[])
{
	struct hopts o = { 0 };
	struct history *h = NULL;
	char *err = NULL;
	size_t i;
	int r;

	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? WGB_EXIT_USAGE : WGB_EXIT_OK;
	}
	history_change_defaults(&o.ch);
	for (i = 0; i < ARRAY_SIZE(subs) && strcmp(argv[0], subs[i].name); i++)
		;
	if (i == ARRAY_SIZE(subs)) {
		wgb_err("history: unknown subcommand '%s'", argv[0]);
		usage(stderr);
		return WGB_EXIT_USAGE;
	}
	if ((r = parse(argc, argv, &o))) {
		usage(stderr);
		return WGB_EXIT_USAGE;
	}
	r = history_open(o.db, &h);
	if (!r)
		r = subs[i].fn(h, &o);
	if (!r && o.openmetrics)
		r = export_openmetrics(h, &o);
	if (r && o.json && !history_out_error(strerror(-r), &err))
		put(err);
	history_close(h);
	return exit_code(r);
}
