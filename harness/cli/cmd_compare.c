/* cmd_compare.c — `wgbench compare BASE NEW [--threshold PCT] [--junit FILE]
 * [--metric M] [--bisect] [--json]`: a markdown (or JSON) verdict on stdout;
 * the exit code is compare_exit_code()'s (0, 1, 3), 2 on bad input. Both
 * sides are recomputed from their runs[]. */
#include "cmd.h"
#include "compare.h"
#include "report_data.h"
#include "history.h"
#include "history_baseline.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: wgbench compare BASE_DIR|history:FILTER NEW_DIR [--threshold PCT] [--junit FILE]\n"
		"                       [--metric throughput|latency|both] [--bisect] [--json] [--history DB]\n"
		"  history:FILTER   BASE is the last N runs of the history that match NEW's fingerprint,\n"
		"                   one value (its median) per run: history:last=N[,kernel=R][,variant=V]\n"
		"                   [,scenario=S][,hash=any] (doc/history.md); the DB is --history DB\n"
		"                   or $WGB_HISTORY\n"
		"  --threshold PCT  a change beyond PCT %% (default 5), significant after Holm's\n"
		"                   correction, is a regression or an improvement; an interval\n"
		"                   inside +-PCT %% is equivalent (doc/report.md)\n"
		"  --junit FILE     also write JUnit XML, one testcase per pair\n"
		"  --metric M       throughput (default), latency (p99 RTT) or both\n"
		"  --bisect         exit for git bisect run: 0 good, 1 bad, 125 cannot tell\n"
		"  --json           the verdict as JSON instead of markdown\n"
		"Exit: 0 every pair improved or equivalent, 1 a regression or a failed NEW,\n"
		"2 bad input, 3 inconclusive (also disturbed or missing pairs).\n");
}

static int load(const char *dir, struct report_data **d)
{
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		wgb_err("compare: %s: not a directory", dir);
		return -ENOTDIR;
	}
	return report_data_load(dir, d);
}

static void add_entry(struct json_object *runs, const struct history_baseline_cell *c, size_t k)
{
	struct json_object *e = json_object_new_object(), *lat, *rtt;

	json_object_object_add(e, "variant", json_object_new_string(c->variant));
	json_object_object_add(e, "scenario", json_object_new_string(c->scenario));
	json_object_object_add(e, "repeat", json_object_new_int((int)k + 1));
	json_object_object_add(e, "history_run", json_object_new_int64(c->runs[k]));
	json_object_object_add(e, "ok", json_object_new_boolean(true));
	json_object_object_add(e, "error", NULL);
	json_object_object_add(e, "throughput_bps", json_object_new_double(c->bps_runs.v[k]));
	/* RTT per run only where every run of the cell had one: the pairs stay aligned */
	if (c->rtt_runs.n == c->bps_runs.n) {
		lat = json_object_new_object();
		rtt = json_object_new_object();
		json_object_object_add(rtt, "p99", json_object_new_double(c->rtt_runs.v[k]));
		json_object_object_add(lat, "rtt_ms", rtt);
		json_object_object_add(e, "latency", lat);
	}
	json_object_array_add(runs, e);
}

/* The baseline cells as a results document (and the run.json facts compare
 * prints: names in NEW's order, the newest baseline run's start). */
static int history_docs(const struct history_baseline *b, struct json_object **res, struct json_object **run)
{
	struct json_object *runs = json_object_new_array(), *vs = json_object_new_array(),
			   *ss = json_object_new_array();
	double newest = 0;
	size_t i, k, used = 0;

	for (i = 0; i < b->n; i++) {
		const struct history_baseline_cell *c = &b->cells[i];

		json_object_array_add(vs, json_object_new_string(c->variant));
		json_object_array_add(ss, json_object_new_string(c->scenario));
		for (k = 0; k < c->n_runs && k < c->bps_runs.n; k++, used++) {
			add_entry(runs, c, k);
			if (c->starts[k] > newest)
				newest = c->starts[k];
		}
	}
	*res = json_object_new_object();
	json_object_object_add(*res, "schema", json_object_new_string(REPORT_SCHEMA_2));
	json_object_object_add(*res, "runs", runs);
	*run = json_object_new_object();
	json_object_object_add(*run, "variants", vs);
	json_object_object_add(*run, "scenarios", ss);
	json_object_object_add(*run, "start", newest > 0 ? json_object_new_double(newest) : NULL);
	return used ? 0 : -ENOENT;
}

/* BASE history[:FILTER]: no stored directory, the history is the baseline. */
static int load_history(const char *base, const char *db, const char *new_dir, struct report_data **d)
{
	struct history_baseline_spec spec = { 0 };
	struct history_baseline *b = NULL;
	struct json_object *res = NULL, *run = NULL;
	struct history *h = NULL;
	int r;

	if (!db)
		db = getenv("WGB_HISTORY");
	if (!db) {
		wgb_err("compare %s: which history? give --history DB (or set WGB_HISTORY)", base);
		return -EINVAL;
	}
	r = history_baseline_parse(base, &spec);
	if (!r)
		r = history_open(db, &h);
	if (!r)
		r = history_baseline_select(h, new_dir, &spec, &b);
	if (!r && (r = history_docs(b, &res, &run)) == -ENOENT)
		wgb_err("compare %s: no run in %s matches %s (machine, backend, WireGuard, variant, scenario)",
			base, db, new_dir);
	if (!r) {
		r = report_data_from_json(base, res, run, d);
		res = run = NULL;
	}
	json_object_put(res);
	json_object_put(run);
	history_baseline_free(b);
	history_close(h);
	history_baseline_spec_clear(&spec);
	return r ? -EINVAL : 0;
}

static int compare_run(int argc, char *argv[], bool *bisect)
{
	const char *pos[2] = { NULL, NULL }, *junit = NULL, *db = NULL;
	struct report_data *b = NULL, *n = NULL;
	struct compare_result *r = NULL;
	double threshold = VERDICT_THRESHOLD_DEFAULT;
	enum compare_metric metric = COMPARE_THROUGHPUT;
	char *text = NULL, *xml = NULL;
	bool json = false;
	int i, np = 0, ret = WGB_EXIT_USAGE, w;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return WGB_EXIT_OK;
		} else if (!strcmp(argv[i], "--threshold") && i + 1 < argc) {
			if (util_parse_double(argv[++i], 0, 1000, &threshold)) {
				wgb_err("--threshold '%s': expected a percentage from 0 to 1000", argv[i]);
				return WGB_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--junit") && i + 1 < argc) {
			junit = argv[++i];
		} else if (!strcmp(argv[i], "--metric") && i + 1 < argc) {
			if (compare_metric_parse(argv[++i], &metric)) {
				wgb_err("--metric '%s': expected throughput, latency or both", argv[i]);
				return WGB_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--bisect")) {
			*bisect = true;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--history") && i + 1 < argc) {
			db = argv[++i];
		} else if (argv[i][0] != '-' && np < 2) {
			pos[np++] = argv[i];
		} else {
			wgb_err("compare: unexpected argument '%s'", argv[i]);
			usage(stderr);
			return WGB_EXIT_USAGE;
		}
	}
	if (np != 2) {
		usage(stderr);
		return WGB_EXIT_USAGE;
	}
	if (!strncmp(pos[0], "history", 7) && (!pos[0][7] || pos[0][7] == ':') ?
	    load(pos[1], &n) || load_history(pos[0], db, pos[1], &b) :
	    load(pos[0], &b) || load(pos[1], &n))
		goto out;
	if (compare_data(b, n, threshold, metric, &r))
		goto out;
	ret = WGB_EXIT_FAIL;
	if (json ? compare_json(r, &text) : compare_markdown(r, &text))
		goto out;
	/* the verdict is printed whatever happens to the JUnit file */
	fputs(text, stdout);
	fflush(stdout);
	ret = compare_exit_code(r);
	if (junit && ((w = compare_junit(r, &xml)) || (w = util_write_file_atomic(junit, xml, strlen(xml))))) {
		wgb_err("compare: cannot write --junit %s: %s", junit, strerror(-w));
		ret = WGB_EXIT_USAGE;
	}
out:
	free(text);
	free(xml);
	compare_result_free(r);
	report_data_free(b);
	report_data_free(n);
	return ret;
}

int compare_main(int argc, char *argv[])
{
	bool bisect = false;
	int i, ret;

	/* --bisect maps every exit, bad usage included, wherever it stands */
	for (i = 0; i < argc; i++)
		bisect |= !strcmp(argv[i], "--bisect");
	ret = compare_run(argc, argv, &bisect);
	return bisect ? compare_bisect_code(ret) : ret;
}
