/* t_report.c — the report layer on fixture results directories
 * (tests/data/results-*, made by tests/data/mkfixture.py): grouping, order,
 * statistics recomputed from runs[], each variant's verdict against the
 * first, evidence columns, table rendering; results read strictly (a field
 * of the wrong type names the file, the entry and the field) and checked
 * against raw/. Run from the top of the tree. */
#include "report_data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
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
	CHECK(c->has_vs && c->vs.kind == VERDICT_FAILED, "rps-backlog udp failed 1 of 3, the "
	      "baseline none: %s", verdict_name(c->vs.kind));
	c = report_cell(d, 1, 0);
	CHECK(c->has_vs && c->vs.kind == VERDICT_IMPROVEMENT && c->vs.r.delta_percent > 10,
	      "rps-backlog tcp-fwd +20%% is an improvement: %+.1f%% p %g (%s)", c->vs.r.delta_percent,
	      c->vs.p_holm, c->vs.why);
	CHECK(!report_cell(d, 0, 0)->has_vs, "baseline has no comparison");
	CHECK(d->n_pairs == 3 && d->n_raw_verified == 6 && d->n_ok_runs == 17, "pairs %zu, raw "
	      "verified %zu of %zu", d->n_pairs, d->n_raw_verified, d->n_ok_runs);
	CHECK(c->metric[RM_IF_DROPS] >= 0 && c->metric[RM_TOP_SOFTIRQ] >= 20 &&
	      c->metric[RM_TUNNEL_CPU] >= 40 && c->metric[RM_CPU_BUSY] > 0, "cpu/drops read");
	CHECK(!report_table_md(d, &md) && md, "markdown");
	CHECK(md && strstr(md, "## tcp-fwd") && strstr(md, "## udp") && strstr(md, "(1 failed)") &&
	      strstr(md, "Welch") && strstr(md, "Holm") && strstr(md, "order-statistic") &&
	      strstr(md, ", 75.0%] |") && strstr(md, "| loss % |") && strstr(md, "| improvement (") &&
	      strstr(md, "| **failed** (this variant failed 1 of 3 repeats, the baseline 0 of 3)") &&
	      strstr(md, "Throughput of 6 of 17 successful runs recomputed") &&
	      strstr(md, "Interference (CPU of processes outside the testbed, steal) was not measured"),
	      "markdown content:\n%s", md);
	CHECK(!report_table_csv(d, &csv) && csv, "csv");
	for (p = csv; p && *p; p++)
		lines += *p == '\n';
	CHECK(lines == 1 + 6, "csv has a header and 6 rows: %zu", lines);
	CHECK(csv && strstr(csv, "\"udp\",\"rps-backlog\",false,2,1,") && strstr(csv, ",0.5,") &&
	      strstr(csv, ",failed,"), "csv row of the failed cell:\n%s", csv);
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
		      strstr(md, "| 100.0 Mbit/s (n = 1: no interval) | – |") &&
		      strstr(md, "| 3 | – | – | – | – | – | – / – |"), "dashes and escaping:\n%s", md);
		free(md);
		report_data_free(d);
	}
	unlink(path);
	rmdir(dir);
}

/* Loads dir after writing results.json (and run.json if given); the
 * return code, and what was printed on stderr in err. */
static int load_err(const char *dir, const char *results, const char *run, char *err, size_t len)
{
	char path[128];
	struct report_data *d = NULL;
	int fd, saved, r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	write_file(path, results);
	snprintf(path, sizeof(path), "%s/run.json", dir);
	if (run)
		write_file(path, run);
	else
		unlink(path);
	snprintf(path, sizeof(path), "%s/stderr", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	r = report_data_load(dir, &d);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	report_data_free(d);
	err[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		err[fread(err, 1, len - 1, f)] = '\0';
		fclose(f);
	}
	unlink(path);
	return r;
}

#define DOC(runs) "{\"schema\":\"wgbench.results/2\",\"runs\":[" runs "]}"
#define OK_RUN(extra) "{\"variant\":\"v\",\"scenario\":\"udp\",\"repeat\":0,\"ok\":true," \
	"\"throughput_bps\":9.4e8" extra "}"

static void t_strict(void)
{
	static const struct { const char *results, *run, *says; } bad[] = {
		{ DOC("{\"variant\":\"v\",\"scenario\":\"udp\",\"ok\":true,\"throughput_bps\":\"9.4e8\"}"), NULL,
		  "results.json: runs[0].throughput_bps: expected a finite number >= 0 or null, "
		  "found the string \"9.4e8\"" },
		{ DOC("{\"variant\":\"v\",\"scenario\":\"udp\",\"ok\":\"false\",\"throughput_bps\":null}"), NULL,
		  "runs[0].ok: expected true or false, found the string \"false\"" },
		{ DOC("{\"variant\":\"v\",\"scenario\":\"udp\",\"throughput_bps\":1}"), NULL,
		  "runs[0].ok: expected true or false, found nothing" },
		{ DOC(OK_RUN("") ",{\"variant\":\"v\",\"scenario\":\"udp\",\"ok\":true,\"throughput_bps\":null}"),
		  NULL, "runs[1].throughput_bps: null in a run whose \"ok\" is true" },
		{ DOC("{\"variant\":\"v\",\"scenario\":\"udp\",\"ok\":true,\"throughput_bps\":-5}"), NULL,
		  "runs[0].throughput_bps: expected a finite number >= 0 or null, found -5" },
		{ DOC(OK_RUN(",\"latency\":{\"rtt_ms\":{\"p99\":\"1.2\"}}")), NULL,
		  "runs[0].latency.rtt_ms.p99: expected a finite number" },
		{ DOC(OK_RUN(",\"interference\":{\"foreign_cpu_percent\":\"high\"}")), NULL,
		  "runs[0].interference.foreign_cpu_percent: expected" },
		{ DOC(OK_RUN(",\"raw\":[\"../../etc/passwd\"]")), NULL, "is not inside the results directory" },
		{ DOC(OK_RUN(",\"raw\":[\"raw/none.json\"]")), NULL, "references " },
		{ DOC(OK_RUN(",\"raw\":[\"raw/x.json\"]")), NULL,
		  "runs[0] (v udp repeat 0): throughput_bps is 940000000, but its raw iperf3 JSON (1 "
		  "file under raw/) says 94000000 (end.sum_received.bits_per_second)" },
		{ DOC(OK_RUN(",\"per_flow\":[{\"flow\":0,\"throughput_bps\":9.4e8,\"raw\":\"raw/x.json\"}]")),
		  NULL, "per_flow[0].throughput_bps is 940000000, but raw/x.json says 94000000" },
		{ DOC(OK_RUN("")), "{\"canary\":{\"before\":{\"ops_per_s\":\"fast\"},\"after\":{\"ops_per_s\":1}}}",
		  "run.json: canary.before.ops_per_s: expected a finite number >= 0, found the string" },
		/* "after" may be null (the run still going, or killed), not 0 */
		{ DOC(OK_RUN("")), "{\"canary\":{\"before\":{\"ops_per_s\":5},\"after\":{\"ops_per_s\":0}}}",
		  "run.json: canary: ops_per_s must be > 0 before and after" },
	};
	char dir[] = "/tmp/t_report.XXXXXX", path[128], err[2048];
	size_t i;
	int r;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/raw", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/raw/x.json", dir);
	write_file(path, "{\"end\":{\"sum_received\":{\"bits_per_second\":9.4e7}}}");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		r = load_err(dir, bad[i].results, bad[i].run, err, sizeof(err));
		CHECK(r == -EINVAL && strstr(err, bad[i].says), "case %zu: %d, said: %s (expected: %s)", i,
		      r, err, bad[i].says);
	}
	/* what is right passes: both schemas, the raw file agreeing, a canary */
	write_file(path, "{\"end\":{\"sum_received\":{\"bits_per_second\":9.4e8}}}");
	r = load_err(dir, DOC(OK_RUN(",\"raw\":[\"raw/x.json\"]")),
		     "{\"canary\":{\"before\":{\"ops_per_s\":5},\"after\":{\"ops_per_s\":5}}}", err, sizeof(err));
	CHECK(!r && !err[0], "a matching raw file: %d %s", r, err);
	r = load_err(dir, "{\"schema\":\"wgbench.results/1\",\"runs\":[" OK_RUN("") "]}", NULL, err, sizeof(err));
	CHECK(!r, "schema /1 still read: %s", err);
	unlink(path);
	snprintf(path, sizeof(path), "%s/raw", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/run.json", dir);
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
	fprintf(stderr, "(the following error lines are expected)\n");
	t_bad_input();
	t_strict();
	t_safe_name();
	if (failures)
		fprintf(stderr, "t_report: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
