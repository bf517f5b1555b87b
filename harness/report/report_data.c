/* report_data.c — see report_data.h. */
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

static const char *const scenario_order[] = { "tcp-fwd", "tcp-rev", "udp", "udp-small", "tcp-single" };

static int name_index(char ***list, size_t *n, const char *name, bool add)
{
	char **grown;
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*list)[i], name))
			return (int)i;
	if (!add)
		return -ENOENT;
	grown = realloc(*list, (*n + 1) * sizeof(**list));
	if (!grown)
		return -ENOMEM;
	*list = grown;
	grown[*n] = strdup(name);
	if (!grown[*n])
		return -ENOMEM;
	return (int)(*n)++;
}

/* Names listed in run.json ("variants": [{"name"}], "scenarios": [{"name"}|"name"]). */
static int names_from_run(struct json_object *arr, char ***list, size_t *n)
{
	size_t i;
	int r;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *name = json_object_is_type(e, json_type_string) ?
				   json_object_get_string(e) : report_json_str(e, "name");

		if (name && (r = name_index(list, n, name, true)) < 0)
			return r;
	}
	return 0;
}

static int load_json(const char *dir, const char *name, bool required, struct json_object **out)
{
	char path[4096];
	char *text = NULL;
	enum json_tokener_error jerr;
	size_t len;
	int r;

	*out = NULL;
	if (util_fmt(path, sizeof(path), "%s/%s", dir, name))
		return -ENAMETOOLONG;
	r = util_read_file(path, &text, &len);
	if (r) {
		if (required || r != -ENOENT)
			wgb_err("%s: %s", path, strerror(-r));
		return required || r != -ENOENT ? r : 0;
	}
	*out = json_tokener_parse_verbose(text, &jerr);
	free(text);
	if (!*out) {
		wgb_err("%s: not JSON (%s)", path, json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	return 0;
}

static int check_results(const char *dir, struct json_object *res, struct json_object **runs)
{
	const char *schema = report_json_str(res, "schema");

	if (!schema) {
		wgb_err("%s/results.json: no \"schema\": expected \"%s\" or \"%s\"", dir,
			REPORT_SCHEMA_2, REPORT_SCHEMA_1);
		return -EPROTO;
	}
	if (strcmp(schema, REPORT_SCHEMA_1) && strcmp(schema, REPORT_SCHEMA_2)) {
		wgb_err("%s/results.json: schema \"%s\", expected \"%s\" or \"%s\"", dir, schema,
			REPORT_SCHEMA_2, REPORT_SCHEMA_1);
		return -EPROTO;
	}
	*runs = report_json_get(res, "runs");
	if (!*runs || !json_object_is_type(*runs, json_type_array)) {
		wgb_err("%s/results.json: \"runs\" must be an array", dir);
		return -EINVAL;
	}
	return 0;
}

/* Every entry typed, every successful throughput against raw/, before any
 * number is used. */
static int check_runs(struct report_data *d, struct json_object *runs)
{
	char file[4096];
	size_t i;
	bool verified;
	int r;

	if (util_fmt(file, sizeof(file), "%s/results.json", d->dir))
		return -ENAMETOOLONG;
	for (i = 0; i < json_object_array_length(runs); i++) {
		struct json_object *e = json_object_array_get_idx(runs, i);

		if ((r = report_check_run_entry(file, i, e)) ||
		    (r = report_raw_verify(d->dir, file, i, e, &verified)))
			return r;
		d->n_raw_verified += verified;
	}
	if (util_fmt(file, sizeof(file), "%s/run.json", d->dir))
		return -ENAMETOOLONG;
	if ((r = report_check_sequential(file, d->run, &d->alpha)))
		return r;
	d->sequential = report_json_get(d->run, "sequential");
	return report_check_canary(file, d->run, &d->canary_before, &d->canary_after);
}

/* run.json variants[].skipped: the variants the run could not do here. */
static int collect_skipped(struct report_data *d)
{
	struct json_object *arr = report_json_get(d->run, "variants");
	size_t i;
	int v;

	d->skipped = calloc(d->n_variants + 1, sizeof(*d->skipped));
	if (!d->skipped)
		return -ENOMEM;
	for (i = 0; arr && json_object_is_type(arr, json_type_array) &&
		    i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *why = report_json_str(e, "skipped"), *name = report_json_str(e, "name");

		if (!why || !name || (v = name_index(&d->variants, &d->n_variants, name, false)) < 0)
			continue;
		free(d->skipped[v]);
		if (!(d->skipped[v] = strdup(why)))
			return -ENOMEM;
	}
	return 0;
}

static int collect_names(struct report_data *d, struct json_object *runs)
{
	size_t i, k;
	int r;

	if ((r = names_from_run(report_json_get(d->run, "variants"), &d->variants, &d->n_variants)) ||
	    (r = names_from_run(report_json_get(d->run, "scenarios"), &d->scenarios, &d->n_scenarios)))
		return r;
	for (k = 0; k < ARRAY_SIZE(scenario_order); k++)
		for (i = 0; i < json_object_array_length(runs); i++) {
			const char *s = report_json_str(json_object_array_get_idx(runs, i), "scenario");

			if (s && !strcmp(s, scenario_order[k])) {
				if ((r = name_index(&d->scenarios, &d->n_scenarios, s, true)) < 0)
					return r;
				break;
			}
		}
	for (i = 0; i < json_object_array_length(runs); i++) {
		struct json_object *e = json_object_array_get_idx(runs, i);
		const char *v = report_json_str(e, "variant"), *s = report_json_str(e, "scenario");

		if (!v || !s) {
			wgb_err("%s/results.json: runs[%zu] needs \"variant\" and \"scenario\" strings",
				d->dir, i);
			return -EINVAL;
		}
		if ((r = name_index(&d->variants, &d->n_variants, v, true)) < 0 ||
		    (r = name_index(&d->scenarios, &d->n_scenarios, s, true)) < 0)
			return r;
	}
	return 0;
}

/* Successful: "ok" and something came through (0 bit/s carried nothing). */
static bool run_ok(struct json_object *e)
{
	return json_object_get_boolean(report_json_get(e, "ok")) &&
	       report_json_num(report_json_get(e, "throughput_bps")) > 0;
}

static int push(double **arr, size_t n, double x)
{
	double *g = realloc(*arr, (n + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	g[n] = x;
	*arr = g;
	return 0;
}

static int cell_interference(struct report_cell *c, struct json_object *e, int rep)
{
	struct json_object *in = report_json_get(e, "interference");
	double fc = report_json_num(report_json_get(in, "foreign_cpu_percent"));
	double st = report_json_num(report_json_get(in, "steal_percent"));
	int r;

	/* per ok repeat, in the order of bps[]: the summary sets aside the disturbed */
	if ((r = push(&c->ok_foreign, c->n_ok - 1, fc)) || (r = push(&c->ok_steal, c->n_ok - 1, st)))
		return r;
	if (isnan(fc) && isnan(st))
		return 0;
	c->n_interference++;
	if (!isnan(fc) && (isnan(c->foreign_cpu_max) || fc > c->foreign_cpu_max)) {
		c->foreign_cpu_max = fc;
		c->foreign_repeat = rep;
	}
	if (!isnan(st) && (isnan(c->steal_max) || st > c->steal_max)) {
		c->steal_max = st;
		c->steal_repeat = rep;
	}
	return 0;
}

static int cell_add(struct report_cell *c, struct json_object *e)
{
	struct json_object **grown = realloc(c->runs, (c->n_runs + 1) * sizeof(*grown));
	double rep = report_json_num(report_json_get(e, "repeat")), rtt;
	int *g, r;

	if (!grown)
		return -ENOMEM;
	c->runs = grown;
	c->runs[c->n_runs++] = e;
	if (!run_ok(e))
		return 0;
	g = realloc(c->ok_repeat, (c->n_ok + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	c->ok_repeat = g;
	g[c->n_ok] = isnan(rep) ? -1 : (int)rep;
	if ((r = push(&c->bps, c->n_ok, report_json_num(report_json_get(e, "throughput_bps")))))
		return r;
	c->n_ok++;
	rtt = report_json_num(report_json_get(report_json_get(report_json_get(e, "latency"), "rtt_ms"),
					      "p99"));
	if (rtt > 0) {
		if ((r = push(&c->rtt_p99, c->n_rtt, rtt)))
			return r;
		c->n_rtt++;
	}
	return cell_interference(c, e, g[c->n_ok - 1]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_of(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median over the ok repeats of one per-run reading. */
static double cell_median(const struct report_cell *c, double *v, double (*read)(struct json_object *, int),
			  int arg)
{
	size_t i, n = 0;
	double x;

	for (i = 0; i < c->n_runs; i++) {
		if (!run_ok(c->runs[i]))
			continue;
		x = read(c->runs[i], arg);
		if (!isnan(x))
			v[n++] = x;
	}
	return median_of(v, n);
}

static double read_metric(struct json_object *run, int m)
{
	return report_run_metric(run, (enum report_metric)m);
}

static double read_rtt(struct json_object *run, int p99)
{
	struct json_object *q = report_json_get(report_json_get(run, "latency"), "rtt_ms");

	return report_json_num(report_json_get(q, p99 ? "p99" : "p50"));
}

static int cell_metrics(struct report_cell *c)
{
	double *v = malloc((c->n_runs + 1) * sizeof(*v));
	size_t m;

	if (!v)
		return -ENOMEM;
	for (m = 0; m < RM_COUNT; m++)
		c->metric[m] = cell_median(c, v, read_metric, (int)m);
	c->rtt_p50_ms = cell_median(c, v, read_rtt, 0);
	c->rtt_p99_ms = cell_median(c, v, read_rtt, 1);
	free(v);
	c->udp = !strncmp(c->scenario, "udp", 3);
	return 0;
}

void report_cell_side(const struct report_data *d, const struct report_cell *c, bool latency,
		      struct verdict_side *out)
{
	memset(out, 0, sizeof(*out));
	out->present = c && c->n_runs > 0;
	out->foreign_cpu = out->steal = out->canary_before = out->canary_after = NAN;
	if (!out->present)
		return;
	out->x = latency ? c->rtt_p99 : c->bps;
	out->n = latency ? c->n_rtt : c->n_ok;
	/* ok repeats without a latency reading are neither successes nor failures */
	out->n_runs = out->n + (c->n_runs - c->n_ok);
	out->not_measured = latency && c->n_ok && !c->n_rtt;
	out->foreign_cpu = c->foreign_cpu_max;
	out->steal = c->steal_max;
	out->foreign_repeat = c->foreign_repeat;
	out->steal_repeat = c->steal_repeat;
	out->n_interference = c->n_interference;
	out->canary_before = d->canary_before;
	out->canary_after = d->canary_after;
}

static int compute(struct report_data *d)
{
	size_t i;
	int r;

	for (i = 0; i < d->n_variants * d->n_scenarios; i++) {
		struct report_cell *c = &d->cells[i];

		if ((r = cell_metrics(c)))
			return r;
		d->n_ok_runs += c->n_ok;
		if (c->n_ok && (r = stats_summarize(c->bps, c->n_ok, &c->s)))
			return r;
	}
	return report_summary_judge(d);
}

static int from_json(struct report_data *d, struct report_data **out)
{
	struct json_object *runs;
	size_t i, nc;
	int r;

	if ((r = check_results(d->dir, d->results, &runs)) ||
	    (r = check_runs(d, runs)) ||
	    (r = collect_names(d, runs)) ||
	    (r = collect_skipped(d)))
		goto fail;
	nc = d->n_variants * d->n_scenarios;
	d->cells = calloc(nc ? nc : 1, sizeof(*d->cells));
	r = -ENOMEM;
	if (!d->cells)
		goto fail;
	for (i = 0; i < nc; i++) {
		d->cells[i].variant = d->variants[i / d->n_scenarios];
		d->cells[i].scenario = d->scenarios[i % d->n_scenarios];
		d->cells[i].foreign_cpu_max = d->cells[i].steal_max = NAN;
		d->cells[i].foreign_repeat = d->cells[i].steal_repeat = -1;
	}
	for (i = 0; i < json_object_array_length(runs); i++) {
		struct json_object *e = json_object_array_get_idx(runs, i);
		int v = name_index(&d->variants, &d->n_variants, report_json_str(e, "variant"), false);
		int s = name_index(&d->scenarios, &d->n_scenarios, report_json_str(e, "scenario"), false);

		if ((r = cell_add(report_cell(d, (size_t)v, (size_t)s), e)))
			goto fail;
	}
	/* every value was checked above: only memory can fail here */
	if ((r = compute(d)))
		goto fail;
	*out = d;
	return 0;
fail:
	report_data_free(d);
	return r;
}

int report_data_load(const char *dir, struct report_data **out)
{
	struct report_data *d;
	int r;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->dir = strdup(dir))) {
		free(d);
		return -ENOMEM;
	}
	if ((r = load_json(dir, "results.json", true, &d->results)) ||
	    (r = load_json(dir, "run.json", false, &d->run))) {
		report_data_free(d);
		return r;
	}
	return from_json(d, out);
}

static int parse_text(const char *dir, const char *name, const char *text, struct json_object **out)
{
	enum json_tokener_error jerr;

	*out = json_tokener_parse_verbose(text, &jerr);
	if (!*out) {
		wgb_err("%s/%s: not JSON (%s)", dir, name, json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	return 0;
}

int report_data_parse(const char *dir, const char *results, const char *run,
		      struct report_data **out)
{
	struct json_object *res = NULL, *rdoc = NULL;
	int r;

	*out = NULL;
	if ((r = parse_text(dir, "results.json", results, &res)) ||
	    (run && (r = parse_text(dir, "run.json", run, &rdoc)))) {
		json_object_put(res);
		return r;
	}
	return report_data_from_json(dir, res, rdoc, out);
}

int report_data_from_json(const char *label, struct json_object *results, struct json_object *run,
			  struct report_data **out)
{
	struct report_data *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d || !(d->dir = strdup(label))) {
		free(d);
		json_object_put(results);
		json_object_put(run);
		return -ENOMEM;
	}
	d->results = results;
	d->run = run;
	return from_json(d, out);
}

void report_data_free(struct report_data *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; d->cells && i < d->n_variants * d->n_scenarios; i++) {
		free(d->cells[i].bps);
		free(d->cells[i].ok_repeat);
		free(d->cells[i].rtt_p99);
		free(d->cells[i].ok_foreign);
		free(d->cells[i].ok_steal);
		free(d->cells[i].runs);
	}
	free(d->cells);
	for (i = 0; i < d->n_variants; i++) {
		free(d->variants[i]);
		free(d->skipped ? d->skipped[i] : NULL);
	}
	free(d->skipped);
	for (i = 0; i < d->n_scenarios; i++)
		free(d->scenarios[i]);
	free(d->variants);
	free(d->scenarios);
	json_object_put(d->results);
	json_object_put(d->run);
	free(d->dir);
	free(d);
}

struct report_cell *report_cell(const struct report_data *d, size_t v, size_t s)
{
	return &d->cells[v * d->n_scenarios + s];
}

double report_run_start(const struct report_data *d)
{
	static const char *const keys[] = { "start_time", "started", "start", "started_at", NULL };
	const char *const *k;
	struct json_object *v;
	struct tm tm;
	const char *s, *end;

	for (k = keys; *k; k++) {
		v = report_json_get(d->run, *k);
		if (!v)
			continue;
		if (!isnan(report_json_num(v)))
			return report_json_num(v);
		if (!json_object_is_type(v, json_type_string))
			continue;
		s = json_object_get_string(v);
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
		if (end)  /* the harness writes UTC, with milliseconds */
			return (double)timegm(&tm) + (*end == '.' ? strtod(end, NULL) : 0);
	}
	return NAN;
}

void report_fmt_bps(char *buf, size_t len, double bps)
{
	if (isnan(bps))
		snprintf(buf, len, "–");
	else if (bps >= 1e9)
		snprintf(buf, len, "%.2f Gbit/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%.1f Mbit/s", bps / 1e6);
	else
		snprintf(buf, len, "%.1f kbit/s", bps / 1e3);
}

void report_fmt_median(char *buf, size_t len, const struct stats_summary *s, size_t n_ok)
{
	char m[32], lo[32], hi[32];

	if (!n_ok) {
		snprintf(buf, len, "–");
		return;
	}
	report_fmt_bps(m, sizeof(m), s->median);
	if (n_ok < 2) {
		snprintf(buf, len, "%s (n = 1: no interval)", m);
		return;
	}
	report_fmt_bps(lo, sizeof(lo), s->ci_low);
	report_fmt_bps(hi, sizeof(hi), s->ci_high);
	snprintf(buf, len, "%s [%s – %s, %.1f%%]", m, lo, hi, s->ci_level * 100);
}

void report_fmt_num(char *buf, size_t len, double v, int decimals)
{
	if (isnan(v))
		snprintf(buf, len, "–");
	else
		snprintf(buf, len, "%.*f", decimals, v);
}

void report_safe_name(char *buf, size_t len, const char *name)
{
	size_t i;

	for (i = 0; len && i + 1 < len && name[i]; i++) {
		char c = name[i];

		buf[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '+' || c == '-') ? c : '_';
	}
	if (len)
		buf[i] = '\0';
	if (len > 1 && buf[0] == '.')
		buf[0] = '_';  /* no hidden files, no ".." */
}
