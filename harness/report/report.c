/* report.c — see report.h. Loads the directory, recomputes summary[] from
 * runs[], writes it back into results.json atomically, then the tables,
 * plots and report.html. Nothing here trusts a previous summary[]. */
#include "report.h"
#include "report_data.h"
#include "jsonx.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static const char *const metric_keys[RM_COUNT] = {
	[RM_RETRANSMITS] = "retransmits",
	[RM_LOST_PERCENT] = "lost_percent",
	[RM_TOP_SOFTIRQ] = "top_core_softirq_percent",
	[RM_SOFTNET_DROPS] = "softnet_dropped",
	[RM_IF_DROPS] = "interface_drops",
	[RM_UDP_BUF_ERRORS] = "udp_buffer_errors",
	[RM_TUNNEL_CPU] = "tunnel_cpu_percent",
	[RM_CPU_BUSY] = "cpu_busy_percent",
};

static struct json_object *num_if(bool have, double x)
{
	return have ? jsonx_num(x) : NULL;
}

static void add_verdict(struct json_object *o, const struct report_cell *c)
{
	const struct verdict_pair *p = &c->vs;
	bool r = c->has_vs && p->has_ratio, t = c->has_vs && p->tested;

	json_object_object_add(o, "delta_percent", num_if(r, p->r.delta_percent));
	json_object_object_add(o, "delta_low_percent", num_if(r, p->r.low_percent));
	json_object_object_add(o, "delta_high_percent", num_if(r, p->r.high_percent));
	json_object_object_add(o, "p_value", num_if(t, p->p_holm));
	json_object_object_add(o, "p_value_raw", num_if(t, p->r.p_diff));
	json_object_object_add(o, "p_equivalence", num_if(t, p->p_equiv_holm));
	json_object_object_add(o, "verdict", c->has_vs ? json_object_new_string(verdict_name(p->kind)) : NULL);
	json_object_object_add(o, "why", c->has_vs ? json_object_new_string(p->why) : NULL);
	json_object_object_add(o, "not_measured", c->has_vs && p->unmeasured[0] ?
			       json_object_new_string(p->unmeasured) : NULL);
	json_object_object_add(o, "mde_percent", num_if(c->has_vs, p->mde_percent));
	json_object_object_add(o, "repeats_needed", c->has_vs && p->repeats_needed ?
			       json_object_new_int64((int64_t)p->repeats_needed) : NULL);
}

static struct json_object *cell_json(const struct report_data *d, size_t v, size_t s)
{
	const struct report_cell *c = report_cell(d, v, s);
	bool baseline = v == 0;
	struct json_object *o = json_object_new_object(), *ev, *in;
	bool have = c->n_ok > 0;
	size_t m;

	if (!o)
		return NULL;
	json_object_object_add(o, "variant", json_object_new_string(c->variant));
	json_object_object_add(o, "scenario", json_object_new_string(c->scenario));
	json_object_object_add(o, "baseline", json_object_new_boolean(baseline));
	json_object_object_add(o, "skipped", d->skipped[v] ? json_object_new_string(d->skipped[v]) : NULL);
	json_object_object_add(o, "n", json_object_new_int64((int64_t)c->n_ok));
	json_object_object_add(o, "n_failed", json_object_new_int64((int64_t)(c->n_runs - c->n_ok)));
	json_object_object_add(o, "median_bps", num_if(have, c->s.median));
	json_object_object_add(o, "ci_low_bps", num_if(have, c->s.ci_low));
	json_object_object_add(o, "ci_high_bps", num_if(have, c->s.ci_high));
	json_object_object_add(o, "ci_level", num_if(have, c->s.ci_level));
	json_object_object_add(o, "cv_percent", num_if(have, c->s.cv_percent));
	json_object_object_add(o, "mean_bps", num_if(have, c->s.mean));
	json_object_object_add(o, "stddev_bps", num_if(have, c->s.stddev));
	json_object_object_add(o, "rtt_p50_ms", jsonx_num(c->rtt_p50_ms));
	json_object_object_add(o, "rtt_p99_ms", jsonx_num(c->rtt_p99_ms));
	add_verdict(o, c);
	in = json_object_new_object();
	json_object_object_add(in, "repeats_measured", json_object_new_int64((int64_t)c->n_interference));
	json_object_object_add(in, "foreign_cpu_percent_max", jsonx_num(c->foreign_cpu_max));
	json_object_object_add(in, "steal_percent_max", jsonx_num(c->steal_max));
	json_object_object_add(o, "interference", in);
	ev = json_object_new_object();
	for (m = 0; m < RM_COUNT; m++)
		json_object_object_add(ev, metric_keys[m], jsonx_num(c->metric[m]));
	json_object_object_add(o, "evidence", ev);
	return o;
}

/* How summary[] was made, once for the whole array. */
static struct json_object *rules_json(const struct report_data *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "interval", json_object_new_string(
		"order-statistic interval of the median, exact binomial level (ci_level)"));
	json_object_object_add(o, "test", json_object_new_string(
		"Welch's t on log throughput against the first variant, same scenario"));
	json_object_object_add(o, "correction", json_object_new_string("holm"));
	json_object_object_add(o, "pairs", json_object_new_int64((int64_t)d->n_pairs));
	/* a sequential run (--repeat auto) judges at its per-look level, so the
	 * summary is the decision its stopping rule made */
	json_object_object_add(o, "alpha", json_object_new_double(d->alpha));
	json_object_object_add(o, "sequential", d->sequential ? json_object_new_string(
		"--repeat auto: alpha is the per-look level, the overall alpha over every look") : NULL);
	json_object_object_add(o, "threshold_percent", json_object_new_double(VERDICT_THRESHOLD_DEFAULT));
	json_object_object_add(o, "foreign_cpu_limit_percent", json_object_new_double(VERDICT_FOREIGN_CPU_LIMIT));
	json_object_object_add(o, "steal_limit_percent", json_object_new_double(VERDICT_STEAL_LIMIT));
	json_object_object_add(o, "raw_verified_runs", json_object_new_int64((int64_t)d->n_raw_verified));
	json_object_object_add(o, "ok_runs", json_object_new_int64((int64_t)d->n_ok_runs));
	return o;
}

static int write_summary(const struct report_data *d)
{
	struct json_object *arr = json_object_new_array();
	const char *text;
	size_t v, s;

	if (!arr)
		return -ENOMEM;
	for (v = 0; v < d->n_variants; v++)
		for (s = 0; s < d->n_scenarios; s++)
			json_object_array_add(arr, cell_json(d, v, s));
	/* summary[] is /2's whatever runs[] was written as: runs[] of /1 is valid /2 */
	json_object_object_add(d->results, "schema", json_object_new_string(REPORT_SCHEMA_2));
	json_object_object_add(d->results, "summary", arr);
	json_object_object_add(d->results, "summary_rules", rules_json(d));
	text = json_object_to_json_string_ext(d->results, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	return report_put(d->dir, "results.json", text, strlen(text));
}

int report_put(const char *dir, const char *name, const char *text, size_t len)
{
	char path[4096];
	int r;

	if (util_fmt(path, sizeof(path), "%s/%s", dir, name))
		return -ENAMETOOLONG;
	r = util_write_file_atomic(path, text, len);
	if (r)
		wgb_err("%s: %s", path, strerror(-r));
	return r;
}

int report_write(const char *results_dir, bool quiet)
{
	struct report_data *d = NULL;
	int ret;

	ret = report_data_load(results_dir, &d);
	if (ret)
		return ret;
	if (!d->n_variants || !d->n_scenarios)
		wgb_warn("%s/results.json: no runs; the tables are empty", results_dir);
	if ((ret = write_summary(d)) || (ret = report_table_write(d)))
		goto out;
	/* Plots are evidence but not the verdict: a gnuplot failure is reported
	 * and the page is still written without them. */
	if (report_plot_write(d, quiet))
		wgb_warn("%s/plots: some plots could not be drawn", results_dir);
	ret = report_html_write(d);
	if (!ret && !quiet)
		fprintf(stderr, "wgbench: wrote %s/{summary.md,summary.csv,plots/,report.html}\n",
			results_dir);
out:
	report_data_free(d);
	return ret;
}

int report_judge(const char *results_dir, size_t count[VERDICT_COUNT], struct json_object **undecided)
{
	struct report_data *d = NULL;
	struct json_object *arr;
	size_t i;
	int ret;

	memset(count, 0, VERDICT_COUNT * sizeof(*count));
	*undecided = NULL;
	if ((ret = report_data_load(results_dir, &d)))
		return ret;
	arr = json_object_new_array();
	for (i = 0; arr && i < d->n_variants * d->n_scenarios; i++) {
		const struct report_cell *c = &d->cells[i];
		struct json_object *o;

		if (!c->has_vs)
			continue;
		count[c->vs.kind]++;
		if (c->vs.kind != VERDICT_INCONCLUSIVE && c->vs.kind != VERDICT_DISTURBED)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "variant", json_object_new_string(c->variant));
		json_object_object_add(o, "scenario", json_object_new_string(c->scenario));
		json_object_object_add(o, "why", json_object_new_string(c->vs.why));
		json_object_array_add(arr, o);
	}
	report_data_free(d);
	if (!arr)
		return -ENOMEM;
	*undecided = arr;
	return 0;
}
