/* t_report.c — the report layer on fixture results directories
 * (tests/data/results-*, made by tests/data/mkfixture.py): grouping, order,
 * statistics recomputed from runs[], evidence columns, table rendering,
 * bad input. Run from the top of the tree. */
#include "report_data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#define T_NAME "t_report"
#define CHECK T_CHECK_MSG
#include "t_common.h"

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of one variant x scenario straight from results.json. */
static double raw_median(const char *dir, const char *variant, const char *scenario)
{
	char path[256];
	struct json_object *o, *runs, *e, *v;
	double x[64];
	size_t i, n = 0;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	o = json_object_from_file(path);
	json_object_object_get_ex(o, "runs", &runs);
	for (i = 0; i < json_object_array_length(runs); i++) {
		e = json_object_array_get_idx(runs, i);
		json_object_object_get_ex(e, "variant", &v);
		if (strcmp(json_object_get_string(v), variant))
			continue;
		json_object_object_get_ex(e, "scenario", &v);
		if (strcmp(json_object_get_string(v), scenario))
			continue;
		json_object_object_get_ex(e, "ok", &v);
		if (!json_object_get_boolean(v))
			continue;
		json_object_object_get_ex(e, "throughput_bps", &v);
		x[n++] = json_object_get_double(v);
	}
	json_object_put(o);
	qsort(x, n, sizeof(*x), cmpd);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

static void t_load(void)
{
	struct report_data *d;
	struct report_cell *c;
	char *md = NULL, *csv = NULL, *p;
	size_t lines = 0;

	CHECK(!report_data_load("tests/data/results-a", &d), "load results-a");
	if (!d)
		return;
	CHECK(d->n_variants == 2 && !strcmp(d->variants[0], "baseline") &&
	      !strcmp(d->variants[1], "rps-backlog"), "variant order from run.json");
	CHECK(d->n_scenarios == 3 && !strcmp(d->scenarios[0], "tcp-fwd") &&
	      !strcmp(d->scenarios[1], "udp") && !strcmp(d->scenarios[2], "tcp-single"),
	      "scenario order");
	c = report_cell(d, 1, 1);
	CHECK(c->n_runs == 3 && c->n_ok == 2, "failed repeat excluded: %zu/%zu", c->n_ok, c->n_runs);
	CHECK(c->s.median == raw_median("tests/data/results-a", "rps-backlog", "udp"),
	      "median recomputed from runs[]");
	CHECK(c->udp && !isnan(c->metric[RM_LOST_PERCENT]) && isnan(c->metric[RM_RETRANSMITS]),
	      "udp evidence is loss");
	CHECK(c->metric[RM_UDP_BUF_ERRORS] <= 5, "udp buffer errors counted once (totals, not "
	      "totals + per node): %g", c->metric[RM_UDP_BUF_ERRORS]);
	c = report_cell(d, 1, 0);
	CHECK(c->has_cmp && c->cmp.significant && c->cmp.delta_percent > 10,
	      "rps-backlog tcp-fwd +20%% is significant: %+.1f%% p %g", c->cmp.delta_percent,
	      c->cmp.p_value);
	CHECK(!report_cell(d, 0, 0)->has_cmp, "baseline has no comparison");
	CHECK(c->metric[RM_IF_DROPS] >= 0 && c->metric[RM_TOP_SOFTIRQ] >= 20 &&
	      c->metric[RM_TUNNEL_CPU] >= 40 && c->metric[RM_CPU_BUSY] > 0, "cpu/drops read");
	CHECK(!report_table_md(d, &md) && md, "markdown");
	CHECK(md && strstr(md, "## tcp-fwd") && strstr(md, "## udp") && strstr(md, "(1 failed)") &&
	      strstr(md, "Welch") && strstr(md, "α = 0.05") && strstr(md, "bootstrap") &&
	      strstr(md, "| loss % |") && strstr(md, "**yes**"), "markdown content:\n%s", md);
	CHECK(!report_table_csv(d, &csv) && csv, "csv");
	for (p = csv; p && *p; p++)
		lines += *p == '\n';
	CHECK(lines == 1 + 6, "csv has a header and 6 rows: %zu", lines);
	CHECK(csv && strstr(csv, "\"udp\",\"rps-backlog\",false,2,1,"), "csv row of the failed cell");
	free(md);
	free(csv);
	report_data_free(d);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void t_bad_input(void)
{
	char dir[] = "/tmp/t_report.XXXXXX", path[64];
	struct report_data *d = NULL;
	char *md = NULL;

	CHECK(report_data_load("tests/data/nonexistent", &d) == -ENOENT && !d, "missing dir");
	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/results.json", dir);
	write_file(path, "{\"schema\":\"wgbench.results/0\",\"runs\":[]}");
	CHECK(report_data_load(dir, &d) == -EPROTO, "schema mismatch");
	write_file(path, "{\"schema\":\"wgbench.results/1\",\"runs\":[{\"variant\":1}]}");
	CHECK(report_data_load(dir, &d) == -EINVAL, "runs[0] without names");
	write_file(path, "{\"schema\":\"wgbench.results/1\",\"runs\":[");
	CHECK(report_data_load(dir, &d) == -EINVAL, "truncated JSON");
	/* no sampler, no run.json: tables still render, with dashes */
	write_file(path, "{\"schema\":\"wgbench.results/1\",\"runs\":["
		   "{\"variant\":\"a|b\",\"scenario\":\"tcp-single\",\"repeat\":0,\"ok\":true,"
		   "\"throughput_bps\":1e8,\"retransmits\":3}]}");
	CHECK(!report_data_load(dir, &d), "minimal results");
	if (d) {
		CHECK(isnan(report_cell(d, 0, 0)->metric[RM_TOP_SOFTIRQ]), "no cpu: NAN");
		CHECK(!report_table_md(d, &md) && strstr(md, "| a\\|b (baseline) |") &&
		      strstr(md, "| 3 | – | – | – | – | – |"), "dashes and escaping:\n%s", md);
		free(md);
		report_data_free(d);
	}
	unlink(path);
	rmdir(dir);
}

static void t_safe_name(void)
{
	char b[32];

	report_safe_name(b, sizeof(b), "rps backlog/../x'\"$(rm)");
	CHECK(!strcmp(b, "rps_backlog_.._x____rm_"), "safe name: %s", b);
	report_safe_name(b, sizeof(b), "..");
	CHECK(!strcmp(b, "_."), "no dot-dot: %s", b);
	report_safe_name(b, 4, "abcdef");
	CHECK(!strcmp(b, "abc"), "truncated: %s", b);
}

int main(void)
{
	t_load();
	t_bad_input();
	t_safe_name();
	if (failures)
		fprintf(stderr, "t_report: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
