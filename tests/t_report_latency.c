/* t_report_latency.c — the report layer's latency parts on results
 * directories written here: the probe's per-probe file read back, the RTT
 * CDF's data (window only, repeats pooled, lost probes in the denominator),
 * the RTT panel of the timeline (same axis as the counters: seconds from
 * runs[].window.start_s, idle probes before 0, lost ones marked), and
 * compare --metric both naming a pair whose throughput improved while its
 * p99 RTT regressed. Draws through a stand-in for gnuplot that keeps the
 * header it was given. */
#include "compare.h"
#include "report_data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#define T_NAME "t_report_latency"
#define CHECK T_CHECK_MSG
#include "t_common.h"

static char last_header[4096], last_tmpl[64];
static int draws;

static int fake_draw(const char *plots, const char *base, const char *tmpl, const char *header,
		     bool *gp)
{
	(void)plots;
	(void)base;
	(void)gp;
	snprintf(last_header, sizeof(last_header), "%s", header);
	snprintf(last_tmpl, sizeof(last_tmpl), "%s", tmpl);
	draws++;
	return 0;
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *dir, const char *rel)
{
	char path[512], *text = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (util_read_file(path, &text, NULL))
		return NULL;
	return text;
}

/* One run: window [100, 110) on the samples' clock; 12 probes from 99.5
 * (idle) to 110.5, k lost inside the window; its raw iperf3 file. */
static void one_run(FILE *res, const char *dir, const char *v, int rep, double bps, double p99,
		    double rtt, int lost, bool comma)
{
	char rel[128], raw[128], text[2048], line[96];
	int i, n = 0;

	snprintf(rel, sizeof(rel), "samples/%s/udp/r%d.latency.dat", v, rep);
	snprintf(text, sizeof(text), "# t_s rtt_ms owd_fwd_ms owd_rev_ms  (NaN: lost, or no shared clock)\n");
	for (i = 0; i < 12; i++) {
		double t = 99.5 + i;
		bool in = t >= 100 && t < 110, lo = in && n < lost;

		n += lo;
		snprintf(line, sizeof(line), lo ? "%.6f NaN NaN NaN\n" : "%.6f %.3f %.3f %.3f\n", t,
			 in ? rtt + i * 0.001 : 0.2, in ? rtt / 2 : 0.1, in ? rtt / 2 : 0.1);
		strcat(text, line);
	}
	put(dir, rel, text);
	snprintf(raw, sizeof(raw), "raw/%s/udp/r%d-f0.json", v, rep);
	snprintf(text, sizeof(text), "{\"start\":{\"test_start\":{\"protocol\":\"UDP\",\"reverse\":0}},"
		 "\"intervals\":[{\"sum\":{\"start\":0,\"end\":10,\"bits_per_second\":%.17g,"
		 "\"omitted\":false,\"sender\":false}}],"
		 "\"end\":{\"sum_sent\":{\"bits_per_second\":%.17g},"
		 "\"sum_received\":{\"bits_per_second\":%.17g}}}", bps, bps, bps);
	put(dir, raw, text);
	fprintf(res, "%s{\"variant\":\"%s\",\"scenario\":\"udp\",\"repeat\":%d,\"ok\":true,"
		"\"error\":null,\"throughput_bps\":%.17g,\"raw\":[\"%s\"],"
		"\"window\":{\"start_s\":100,\"end_s\":110},\"latency_samples\":\"%s\","
		"\"latency\":{\"sent\":10,\"lost\":%d,\"rtt_ms\":{\"p50\":%.3f,\"p99\":%.3f},"
		"\"idle_rtt_ms\":{\"p50\":0.2,\"p99\":0.3}}}", comma ? "," : "", v, rep, bps, raw, rel,
		lost, rtt, p99);
}

/* A results directory: each variant 4 repeats, throughput bps[v] (+-1 %),
 * p99 RTT p99[v] (+-2 %), lost[v] probes lost per repeat. */
static void make_dir(char *dir, size_t nv, const char *const *names, const double *bps,
		     const double *p99, const int *lost)
{
	char path[512];
	size_t v;
	int k;
	FILE *f;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/results.json", dir);
	f = fopen(path, "w");
	if (!f)
		return;
	fputs("{\"schema\":\"wgbench.results/2\",\"runs\":[", f);
	for (v = 0; v < nv; v++)
		for (k = 0; k < 4; k++)
			one_run(f, dir, names[v], k, bps[v] * (1 + 0.01 * (k - 1.5)),
				p99[v] * (1 + 0.02 * (k - 1.5)), p99[v] / 2, lost[v], v || k);
	fputs("]}", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/plots", dir);
	mkdir(path, 0755);
}

static void t_probe_file_and_cdf(void)
{
	static const char *const names[] = { "short", "long" };
	static const double bps[] = { 40e6, 45e6 }, p99[] = { 20, 350 };
	static const int lost[] = { 0, 3 };
	char dir[] = "/tmp/t_report_latency.XXXXXX", plots[256], *dat;
	struct report_data *d = NULL;
	struct report_probe *p = NULL;
	size_t n = 0, k, nan = 0;
	bool gp = false;

	make_dir(dir, 2, names, bps, p99, lost);
	CHECK(!report_data_load(dir, &d) && d, "load %s", dir);
	if (!d)
		return;
	/* the file as written: 12 probes, 3 lost in the long queue's window */
	CHECK(!report_latency_read(d, report_cell(d, 1, 0)->runs[0], &p, &n) && n == 12, "read: %zu", n);
	for (k = 0; k < n; k++)
		nan += isnan(p[k].rtt);
	CHECK(nan == 3 && fabs(p[0].t - 99.5) < 1e-9 && fabs(p[0].rtt - 0.2) < 1e-9, "lost %zu", nan);
	free(p);

	snprintf(plots, sizeof(plots), "%s/plots", dir);
	draws = 0;
	CHECK(!report_plot_rtt_cdf(d, plots, 0, fake_draw, &gp) && draws == 1 &&
	      !strcmp(last_tmpl, "rtt_cdf.gp") && strstr(last_header, "nblocks = 2"),
	      "cdf drawn: %d %s\n%s", draws, last_tmpl, last_header);
	dat = slurp(dir, "plots/rtt-cdf-udp.dat");
	/* 10 probes in each window x 4 repeats; idle probes (99.5) and the one
	 * at 110.5 are outside; the long queue lost 3 of 10 in each */
	CHECK(dat && strstr(dat, "\"short: 40 probes, 0 lost (0.0%)\" 0") &&
	      strstr(dat, "\"long: 40 probes, 12 lost (30.0%)\" 0") &&
	      strstr(dat, " 1.000000\n") && strstr(dat, " 0.700000\n\n\n") && !strstr(dat, "0.200000 "),
	      "cdf data:\n%s", dat ? dat : "(none)");
	free(dat);

	/* the timeline's RTT panel: seconds from the window start, idle at -0.5 */
	draws = 0;
	CHECK(!report_plot_timelines(d, plots, 0, fake_draw, &gp) && draws == 2, "timelines %d", draws);
	CHECK(strstr(last_header, "rttfile = 'timeline-udp.long.rtt.dat'") &&
	      strstr(last_header, "nlost = 3") && strstr(last_header, "wlen = 10.000") &&
	      strstr(last_header, "xmin = -0.500") && strstr(last_header, "xmax = 10.500"),
	      "timeline header:\n%s", last_header);
	dat = slurp(dir, "plots/timeline-udp.long.rtt.dat");
	CHECK(dat && strstr(dat, "\n-0.5000 0.2000 0\n") && strstr(dat, "\n0.5000 NaN 1\n") &&
	      strstr(dat, "\n10.5000 0.2000 0\n"), "rtt dat:\n%s", dat ? dat : "(none)");
	free(dat);
	report_data_free(d);
	rm_tree(dir);
}

static struct compare_result *cmp_both(const char *a, const char *b, struct report_data **da,
				       struct report_data **db)
{
	struct compare_result *r = NULL;

	*da = *db = NULL;
	if (report_data_load(a, da) || report_data_load(b, db) ||
	    compare_data(*da, *db, 5, COMPARE_BOTH, &r))
		return NULL;
	return r;
}

static void t_compare_both(void)
{
	static const char *const one[] = { "q" };
	static const double b_bps[] = { 40e6 }, b_p99[] = { 20 }, n_bps[] = { 45e6 }, n_p99[] = { 350 };
	static const double same_p99[] = { 20.1 };
	static const int none[] = { 0 };
	char base[] = "/tmp/t_report_latency.XXXXXX", new_[] = "/tmp/t_report_latency.XXXXXX";
	char same[] = "/tmp/t_report_latency.XXXXXX", *text = NULL;
	struct report_data *da, *db;
	struct compare_result *r;

	make_dir(base, 1, one, b_bps, b_p99, none);
	make_dir(new_, 1, one, n_bps, n_p99, none);
	make_dir(same, 1, one, n_bps, same_p99, none);

	/* +12.5 % throughput and 17x the p99 RTT: both named */
	r = cmp_both(base, new_, &da, &db);
	CHECK(r && r->n_rows == 2 && r->count[VERDICT_IMPROVEMENT] == 1 &&
	      r->count[VERDICT_REGRESSION] == 1 && compare_exit_code(r) == 1 &&
	      compare_count_both(r) == 1, "both: %zu rows, exit %d", r ? r->n_rows : 0,
	      r ? compare_exit_code(r) : -1);
	CHECK(r && !r->rows[0].latency && compare_other(r, &r->rows[0]) == &r->rows[1] &&
	      compare_both_moved(r, &r->rows[1]), "rows linked");
	if (r && !compare_markdown(r, &text)) {
		CHECK(strstr(text, "- both metrics moved (1): q/udp (throughput improvement (+12.5%) and "
			     "p99 RTT regression (+1650.0%))") &&
		      strstr(text, "; both moved: throughput improvement (+12.5%) and p99 RTT regression"),
		      "markdown:\n%s", text);
		free(text);
	}
	if (r && !compare_junit(r, &text)) {
		CHECK(strstr(text, "<failure type=\"regression\"") &&
		      strstr(text, "both moved: throughput improvement (+12.5%)"), "junit:\n%s", text);
		free(text);
	}
	if (r && !compare_json(r, &text)) {
		CHECK(strstr(text, "\"both_moved\":1") && strstr(text, "\"both_moved\":true") &&
		      strstr(text, "\"other_metric\":{") && strstr(text, "\"metric\":\"rtt_p99\""),
		      "json:\n%s", text);
		free(text);
	}
	compare_result_free(r);
	report_data_free(da);
	report_data_free(db);

	/* only throughput moved (RTT +0.5 %): nothing said about both */
	r = cmp_both(base, same, &da, &db);
	CHECK(r && compare_count_both(r) == 0 && !compare_both_moved(r, &r->rows[0]) &&
	      r->count[VERDICT_IMPROVEMENT] == 1, "one moved: %zu", r ? compare_count_both(r) : 9);
	if (r && !compare_markdown(r, &text)) {
		CHECK(!strstr(text, "both metrics moved") && !strstr(text, "both moved"), "%s", text);
		free(text);
	}
	compare_result_free(r);
	report_data_free(da);
	report_data_free(db);
	/* throughput alone: no other row */
	if (!report_data_load(base, &da) && !report_data_load(new_, &db) &&
	    !compare_data(da, db, 5, COMPARE_THROUGHPUT, &r)) {
		CHECK(r->n_rows == 1 && !compare_other(r, &r->rows[0]) && !compare_count_both(r),
		      "throughput only");
		compare_result_free(r);
	}
	report_data_free(da);
	report_data_free(db);
	rm_tree(base);
	rm_tree(new_);
	rm_tree(same);
}

int main(void)
{
	t_probe_file_and_cdf();
	t_compare_both();
	if (failures)
		fprintf(stderr, "t_report_latency: %d failures\n", failures);
	return failures ? 1 : 0;
}
