/* report.c — see report.h. Loads the directory, recomputes summary[] from
 * runs[], writes it back into results.json atomically, then the tables,
 * plots and report.html. Nothing here trusts a previous summary[]. */
#include "report.h"
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static struct json_object *num_or_null(double x)
{
	return isnan(x) ? NULL : json_object_new_double(x);
}

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

static struct json_object *cell_json(const struct report_cell *c, bool baseline)
{
	struct json_object *o = json_object_new_object(), *ev;
	bool have = c->n_ok > 0;
	size_t m;

	if (!o)
		return NULL;
	json_object_object_add(o, "variant", json_object_new_string(c->variant));
	json_object_object_add(o, "scenario", json_object_new_string(c->scenario));
	json_object_object_add(o, "n", json_object_new_int64((int64_t)c->n_ok));
	json_object_object_add(o, "n_failed", json_object_new_int64((int64_t)(c->n_runs - c->n_ok)));
	json_object_object_add(o, "median_bps", have ? json_object_new_double(c->s.median) : NULL);
	json_object_object_add(o, "ci95_low_bps", have ? json_object_new_double(c->s.ci95_low) : NULL);
	json_object_object_add(o, "ci95_high_bps", have ? json_object_new_double(c->s.ci95_high) : NULL);
	json_object_object_add(o, "cv_percent", have ? json_object_new_double(c->s.cv_percent) : NULL);
	json_object_object_add(o, "mean_bps", have ? json_object_new_double(c->s.mean) : NULL);
	json_object_object_add(o, "stddev_bps", have ? json_object_new_double(c->s.stddev) : NULL);
	json_object_object_add(o, "baseline", json_object_new_boolean(baseline));
	json_object_object_add(o, "delta_percent", c->has_cmp ? json_object_new_double(c->cmp.delta_percent) :
				   baseline && have ? json_object_new_double(0) : NULL);
	json_object_object_add(o, "significant", json_object_new_boolean(c->has_cmp && c->cmp.significant));
	json_object_object_add(o, "p_value", c->has_cmp ? json_object_new_double(c->cmp.p_value) : NULL);
	ev = json_object_new_object();
	for (m = 0; m < RM_COUNT; m++)
		json_object_object_add(ev, metric_keys[m], num_or_null(c->metric[m]));
	json_object_object_add(o, "evidence", ev);
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
			json_object_array_add(arr, cell_json(report_cell(d, v, s), v == 0));
	json_object_object_add(d->results, "summary", arr);
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
