/* t_compare.c — compare.c's matching and verdicts on fixture results
 * directories (tests/data/, made by mkfixture.py): every verdict kind in one
 * compare (verdict-base -> verdict-new), the canary moved between the sides
 * (verdict-slow), latency pairs, half the throughput -> regressions named,
 * the mirror -> improvements, the same configuration at n = 3 ->
 * inconclusive with what it could detect, single-variant runs matched
 * whatever the names, partial and total failures, n = 1, nothing in common;
 * exit codes, JUnit counts, JSON. And a run's own summary (report_judge):
 * a skipped variant, disturbed repeats set aside (and too many of them),
 * the per-look alpha of a --repeat auto run. */
#include "compare.h"
#include "report.h"
#include "report_data.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T_NAME "t_compare"
#define CHECK T_CHECK_MSG
#include "t_common.h"

struct two {
	struct report_data *a, *b;
	struct compare_result *r;
	int rc;
};

static struct compare_result *cmp_dirs(const char *pa, const char *pb, double thr,
				       enum compare_metric m, struct two *t)
{
	memset(t, 0, sizeof(*t));
	t->rc = report_data_load(pa, &t->a);
	if (!t->rc)
		t->rc = report_data_load(pb, &t->b);
	if (!t->rc)
		t->rc = compare_data(t->a, t->b, thr, m, &t->r);
	return t->r;
}

static struct compare_result *cmp(const char *a, const char *b, double thr, enum compare_metric m,
				  struct two *t)
{
	char pa[128], pb[128];

	snprintf(pa, sizeof(pa), "tests/data/%s", a);
	snprintf(pb, sizeof(pb), "tests/data/%s", b);
	return cmp_dirs(pa, pb, thr, m, t);
}

static void done(struct two *t)
{
	compare_result_free(t->r);
	report_data_free(t->a);
	report_data_free(t->b);
	memset(t, 0, sizeof(*t));
}

static const struct compare_row *row(const struct compare_result *r, const char *variant,
				     const char *scenario, bool latency)
{
	size_t i;

	for (i = 0; r && i < r->n_rows; i++) {
		const char *v = r->rows[i].variant_new ? r->rows[i].variant_new : r->rows[i].variant_base;

		if (!strcmp(v, variant) && !strcmp(r->rows[i].scenario, scenario) &&
		    r->rows[i].latency == latency)
			return &r->rows[i];
	}
	return NULL;
}

static void expect(const struct compare_result *r, const char *v, const char *s, bool lat,
		   enum verdict_kind k, const char *why_part)
{
	const struct compare_row *w = row(r, v, s, lat);

	CHECK(w && w->p.kind == k, "%s/%s%s: %s, expected %s (%s)", v, s, lat ? " latency" : "",
	      w ? verdict_name(w->p.kind) : "no row", verdict_name(k), w ? w->p.why : "");
	if (w && why_part)
		CHECK(strstr(w->p.why, why_part), "%s/%s: why '%s' lacks '%s'", v, s, w->p.why, why_part);
}

/* verdict-base -> verdict-new: one of each kind (mkfixture.py says why). */
static void t_every_kind(void)
{
	struct two t;
	char *text = NULL;
	size_t k;

	cmp("verdict-base", "verdict-new", 5, COMPARE_THROUGHPUT, &t);
	CHECK(!t.rc && t.r && t.r->n_rows == 7, "7 pairs: %d %zu", t.rc, t.r ? t.r->n_rows : 0);
	for (k = 0; t.r && k < VERDICT_COUNT; k++)   /* skipped: a run's summary only */
		CHECK(t.r->count[k] == (k != VERDICT_SKIPPED), "one %s, not %zu", verdict_name((enum verdict_kind)k), t.r->count[k]);
	expect(t.r, "baseline", "tcp-fwd", false, VERDICT_REGRESSION, "slower by 30");
	expect(t.r, "baseline", "tcp-rev", false, VERDICT_IMPROVEMENT, "faster by");
	expect(t.r, "baseline", "udp", false, VERDICT_EQUIVALENT, "inside ±5.0%");
	expect(t.r, "baseline", "tcp-single", false, VERDICT_INCONCLUSIVE, "repeats per side would detect 5.0%");
	expect(t.r, "baseline", "udp-small", false, VERDICT_FAILED, "NEW failed 2 of 5 repeats, BASE 0 of 5");
	expect(t.r, "rps", "tcp-fwd", false, VERDICT_MISSING, "only in BASE");
	expect(t.r, "pinned", "udp", false, VERDICT_DISTURBED, "outside the testbed took");
	/* failed, disturbed and missing are not tested: the Holm family is 4 */
	CHECK(t.r && t.r->n_tested == 4 && compare_exit_code(t.r) == 1, "tested %zu, exit %d",
	      t.r ? t.r->n_tested : 0, t.r ? compare_exit_code(t.r) : -1);
	CHECK(compare_bisect_code(1) == 1 && compare_bisect_code(0) == 0 &&
	      compare_bisect_code(3) == 125 && compare_bisect_code(2) == 125, "bisect mapping");
	if (t.r && !compare_junit(t.r, &text)) {
		CHECK(strstr(text, "tests=\"7\" failures=\"2\" errors=\"0\" skipped=\"3\""), "junit:\n%s", text);
		CHECK(strstr(text, "<skipped message=\"missing: only in BASE\"/>") &&
		      strstr(text, "<failure type=\"failed\"") && strstr(text, "<skipped message=\"disturbed:"),
		      "junit reasons:\n%s", text);
		free(text);
	}
	if (t.r && !compare_markdown(t.r, &text)) {
		CHECK(strstr(text, "Verdict: exit 1, a regression or a failure (7 pairs).") &&
		      strstr(text, "- missing (1): rps/tcp-fwd") && strstr(text, "93.8%] n=5") &&
		      strstr(text, "30 min apart") && !strstr(text, "Not measured"), "markdown:\n%s", text);
		free(text);
	}
	if (t.r && !compare_json(t.r, &text)) {
		CHECK(strstr(text, "\"exit_code\":1") && strstr(text, "\"disturbed\":1") &&
		      strstr(text, "\"verdict\":\"equivalent\""), "json:\n%s", text);
		free(text);
	}
	done(&t);
}

static void t_canary_and_latency(void)
{
	struct two t;

	/* NEW's machine 20 % slower by the canary: nothing judged but failed / missing */
	cmp("verdict-base", "verdict-slow", 5, COMPARE_THROUGHPUT, &t);
	CHECK(!t.rc && t.r && t.r->count[VERDICT_DISTURBED] == 5 && t.r->count[VERDICT_FAILED] == 1 &&
	      t.r->count[VERDICT_MISSING] == 1 && !t.r->n_tested, "canary: %zu disturbed",
	      t.r ? t.r->count[VERDICT_DISTURBED] : 0);
	expect(t.r, "baseline", "tcp-fwd", false, VERDICT_DISTURBED, "canary moved -20.");
	done(&t);
	/* the canary threshold is the compare's: above 20 % it does not move "beyond" */
	cmp("verdict-base", "verdict-slow", 25, COMPARE_THROUGHPUT, &t);
	CHECK(!t.rc && t.r && t.r->count[VERDICT_DISTURBED] == 1, "threshold 25%%: %zu disturbed",
	      t.r ? t.r->count[VERDICT_DISTURBED] : 0);
	done(&t);

	/* latency: p99 RTT higher is worse; one Holm family with throughput */
	cmp("verdict-base", "verdict-new", 5, COMPARE_LATENCY, &t);
	CHECK(!t.rc && t.r && t.r->n_rows == 7, "latency rows %zu", t.r ? t.r->n_rows : 0);
	expect(t.r, "baseline", "tcp-fwd", true, VERDICT_REGRESSION, "higher by");
	done(&t);
	cmp("verdict-base", "verdict-new", 5, COMPARE_BOTH, &t);
	CHECK(!t.rc && t.r && t.r->n_rows == 14 && t.r->n_tested == 8, "both: %zu rows, %zu tested",
	      t.r ? t.r->n_rows : 0, t.r ? t.r->n_tested : 0);
	expect(t.r, "baseline", "tcp-fwd", false, VERDICT_REGRESSION, NULL);
	expect(t.r, "baseline", "tcp-fwd", true, VERDICT_REGRESSION, NULL);
	done(&t);
	/* results made before the latency probe: nothing to compare on latency */
	cmp("results-a", "results-b", 5, COMPARE_LATENCY, &t);
	CHECK(t.rc == -ENODATA && !t.r, "latency without a probe: %d", t.rc);
	done(&t);
	cmp("results-a", "results-b", 5, COMPARE_BOTH, &t);
	CHECK(!t.rc && t.r && t.r->count[VERDICT_MISSING] == 6, "both without a probe: latency "
	      "pairs missing (%zu)", t.r ? t.r->count[VERDICT_MISSING] : 0);
	expect(t.r, "baseline", "udp", true, VERDICT_MISSING, "not measured in BASE or NEW");
	done(&t);
}

static void t_old_fixtures(void)
{
	struct two t;
	char *text;

	/* the same configuration at n = 3 and CV ~3 %: neither a change nor shown equal */
	cmp("results-a", "results-b", 5, COMPARE_THROUGHPUT, &t);
	CHECK(!t.rc && t.r && t.r->n_rows == 6 && !t.r->count[VERDICT_REGRESSION], "same config");
	CHECK(t.r && fabs(t.r->apart_s - 3600) < 1e-9, "apart %g", t.r ? t.r->apart_s : NAN);
	CHECK(t.r && compare_exit_code(t.r) == 3, "same config at n = 3: inconclusive, exit 3");
	expect(t.r, "baseline", "tcp-fwd", false, VERDICT_INCONCLUSIVE, "could detect");
	if (t.r && !compare_markdown(t.r, &text)) {
		/* /1 results carry no interference: said, not assumed */
		CHECK(strstr(text, "1.0 h apart") && strstr(text, "Not measured in these results") &&
		      strstr(text, "interference (foreign CPU, steal) in BASE and NEW"), "%s", text);
		free(text);
	}
	done(&t);

	cmp("results-a", "results-half", 5, COMPARE_THROUGHPUT, &t);
	CHECK(!t.rc && t.r && t.r->count[VERDICT_REGRESSION] == 6 && compare_exit_code(t.r) == 1,
	      "half: 6 regressions");
	if (t.r && !compare_markdown(t.r, &text)) {
		CHECK(strstr(text, "- regression (6): baseline/tcp-fwd baseline/udp"), "%s", text);
		free(text);
	}
	done(&t);

	cmp("results-half", "results-a", 5, COMPARE_THROUGHPUT, &t);
	CHECK(!t.rc && t.r && t.r->count[VERDICT_IMPROVEMENT] == 5 && compare_exit_code(t.r) == 1,
	      "the mirror: 5 improvements and the failed repeat in NEW");
	expect(t.r, "rps-backlog", "udp", false, VERDICT_FAILED, NULL);
	done(&t);

	/* a 50 % drop is "the same" to whoever calls 60 % the same: the interval
	 * is what is judged, not the distance from 0 */
	cmp("results-a", "results-half", 60, COMPARE_THROUGHPUT, &t);
	CHECK(!t.rc && t.r && t.r->count[VERDICT_EQUIVALENT] == 6 && compare_exit_code(t.r) == 0,
	      "threshold 60%%: %zu equivalent", t.r ? t.r->count[VERDICT_EQUIVALENT] : 0);
	done(&t);

	/* one variant each side: matched whatever the names */
	cmp("results-one", "results-one-new", 5, COMPARE_THROUGHPUT, &t);
	CHECK(!t.rc && t.r && t.r->n_rows == 3 && t.r->count[VERDICT_REGRESSION] == 3,
	      "single-variant matching");
	CHECK(t.r && !strcmp(t.r->rows[0].variant_base, "kernel-6.1") &&
	      !strcmp(t.r->rows[0].variant_new, "kernel-6.6"), "names kept");
	done(&t);
	cmp("results-one", "results-one-new", 20, COMPARE_THROUGHPUT, &t);
	CHECK(!t.rc && t.r && !t.r->count[VERDICT_REGRESSION], "-10%% under a 20%% threshold");
	done(&t);

	cmp("results-a", "results-one", 5, COMPARE_THROUGHPUT, &t);
	CHECK(t.rc == -ENODATA && !t.r, "nothing in common: %d", t.rc);
	done(&t);
}

static void write_results(const char *dir, const char *runs)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	f = fopen(path, "w");
	fprintf(f, "{\"schema\":\"wgbench.results/2\",\"runs\":[%s]}", runs);
	fclose(f);
}

#define RUN(v, s, r, ok, bps) "{\"variant\":\"" v "\",\"scenario\":\"" s "\",\"repeat\":" #r \
	",\"ok\":" #ok ",\"error\":null,\"throughput_bps\":" #bps "}"

/* The cases: NEW failed 2 of 3 and the third was -90 %; every
 * repeat failed; --repeat 1. */
static void t_failures_and_n1(void)
{
	char da[] = "/tmp/t_compare.XXXXXX", db[] = "/tmp/t_compare.XXXXXX", p[64];
	struct two t;

	if (!mkdtemp(da) || !mkdtemp(db))
		return;
	write_results(da, RUN("x", "udp", 0, true, 5e8) "," RUN("x", "udp", 1, true, 5.1e8) ","
		      RUN("x", "udp", 2, true, 4.9e8));
	write_results(db, RUN("x", "udp", 0, false, null) "," RUN("x", "udp", 1, false, null) ","
		      RUN("x", "udp", 2, true, 5e7));
	cmp_dirs(da, db, 5, COMPARE_THROUGHPUT, &t);
	expect(t.r, "x", "udp", false, VERDICT_FAILED, "NEW failed 2 of 3 repeats");
	CHECK(t.r && compare_exit_code(t.r) == 1, "partial failure: exit 1");
	done(&t);
	write_results(db, RUN("x", "udp", 0, false, null) "," RUN("x", "udp", 1, false, null));
	cmp_dirs(da, db, 5, COMPARE_THROUGHPUT, &t);
	expect(t.r, "x", "udp", false, VERDICT_FAILED, "NEW failed 2 of 2");
	done(&t);
	/* 0 bit/s with ok true carried nothing: a failed repeat */
	write_results(db, RUN("x", "udp", 0, true, 0) "," RUN("x", "udp", 1, true, 5e8) ","
		      RUN("x", "udp", 2, true, 5e8));
	cmp_dirs(da, db, 5, COMPARE_THROUGHPUT, &t);
	expect(t.r, "x", "udp", false, VERDICT_FAILED, "NEW failed 1 of 3");
	done(&t);
	/* n = 1: said to be too small, never "p = 1, no change" */
	write_results(da, RUN("x", "udp", 0, true, 5e8));
	write_results(db, RUN("x", "udp", 0, true, 2e8));
	cmp_dirs(da, db, 5, COMPARE_THROUGHPUT, &t);
	expect(t.r, "x", "udp", false, VERDICT_INCONCLUSIVE, "n = 1 in BASE: too few repeats");
	CHECK(t.r && !t.r->rows[0].p.tested && compare_exit_code(t.r) == 3, "n = 1: exit 3");
	done(&t);
	snprintf(p, sizeof(p), "%s/results.json", da);
	unlink(p);
	rmdir(da);
	snprintf(p, sizeof(p), "%s/results.json", db);
	unlink(p);
	rmdir(db);
}

static void write_run_json(const char *dir, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/run.json", dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* x per repeat, with its foreign CPU */
#define IRUN(v, r, bps, fc) "{\"variant\":\"" v "\",\"scenario\":\"udp\",\"repeat\":" #r \
	",\"ok\":true,\"error\":null,\"throughput_bps\":" #bps \
	",\"interference\":{\"foreign_cpu_percent\":" #fc ",\"steal_percent\":0}}"
#define SIX(v, a, b, c, d, e, f, fa, fb) IRUN(v, 1, a, fa) "," IRUN(v, 2, b, fb) "," IRUN(v, 3, c, 0) "," \
	IRUN(v, 4, d, 0) "," IRUN(v, 5, e, 0) "," IRUN(v, 6, f, 0)
#define VARIANTS "\"variants\":[{\"name\":\"base\"},{\"name\":\"slow\"}," \
	"{\"name\":\"nofq\",\"skipped\":\"qdisc fq is not available in this kernel\"}]"

static const struct report_cell *summary_cell(const struct report_data *d, const char *v)
{
	size_t i;

	for (i = 0; d && i < d->n_variants; i++)
		if (!strcmp(d->variants[i], v))
			return report_cell(d, i, 0);
	return NULL;
}

static void t_run_summary(void)
{
	char d[] = "/tmp/t_compare.XXXXXX", p[96];
	size_t count[VERDICT_COUNT];
	struct json_object *und = NULL;
	struct report_data *rd = NULL;
	const struct report_cell *c;

	if (!mkdtemp(d))
		return;
	/* slow is 10 % below base; its repeat 1 was disturbed (80 % of a core taken
	 * from outside) and read far lower: set aside, the rest judged */
	write_results(d, SIX("base", 5.00e8, 5.05e8, 4.95e8, 5.02e8, 4.98e8, 5.01e8, 0, 2) ","
		      SIX("slow", 1.00e8, 4.52e8, 4.47e8, 4.50e8, 4.49e8, 4.51e8, 80, 1));
	write_run_json(d, "{" VARIANTS "}");
	CHECK(report_judge(d, count, &und) == 0 && count[VERDICT_REGRESSION] == 1 &&
	      count[VERDICT_SKIPPED] == 1 && json_object_array_length(und) == 0,
	      "a disturbed repeat set aside: regression %zu skipped %zu", count[VERDICT_REGRESSION],
	      count[VERDICT_SKIPPED]);
	json_object_put(und);
	report_data_load(d, &rd);
	c = summary_cell(rd, "slow");
	CHECK(c && c->vs.kind == VERDICT_REGRESSION && strstr(c->vs.why, "set aside as disturbed") &&
	      strstr(c->vs.why, "0 of 6 repeats of the baseline, 1 of 6 of this variant") &&
	      c->vs.r.nn == 5,
	      "set aside: %s (nn %zu)", c ? c->vs.why : "-", c ? c->vs.r.nn : 0);
	c = summary_cell(rd, "nofq");
	CHECK(c && c->has_vs && c->vs.kind == VERDICT_SKIPPED && strstr(c->vs.why, "fq is not available"),
	      "skipped: %s", c ? c->vs.why : "-");
	report_data_free(rd);
	/* five of six disturbed: fewer than two calm ones, the pair is disturbed */
	write_results(d, SIX("base", 5.00e8, 5.05e8, 4.95e8, 5.02e8, 4.98e8, 5.01e8, 0, 0) ","
		      "{\"variant\":\"slow\",\"scenario\":\"udp\",\"repeat\":1,\"ok\":true,"
		      "\"throughput_bps\":4.5e8,\"interference\":{\"foreign_cpu_percent\":0}},"
		      IRUN("slow", 2, 4.4e8, 50) "," IRUN("slow", 3, 4.4e8, 60));
	CHECK(report_judge(d, count, &und) == 0 && count[VERDICT_DISTURBED] == 1 &&
	      json_object_array_length(und) == 1, "too few calm repeats: disturbed %zu, undecided %zu",
	      count[VERDICT_DISTURBED], und ? json_object_array_length(und) : 0);
	json_object_put(und);
	/* a machine busy all along (every repeat ~100 % of a core taken from
	 * outside, both sides interleaved under it): judged, nothing set aside */
	write_results(d, IRUN("base", 1, 5.00e8, 100) "," IRUN("base", 2, 5.05e8, 104) "," IRUN("base", 3, 4.95e8, 98) ","
		      IRUN("base", 4, 5.02e8, 103) "," IRUN("slow", 1, 4.52e8, 96) "," IRUN("slow", 2, 4.47e8, 101) ","
		      IRUN("slow", 3, 4.50e8, 99) "," IRUN("slow", 4, 4.49e8, 102));
	report_data_load(d, &rd);
	c = summary_cell(rd, "slow");
	CHECK(c && c->vs.kind == VERDICT_REGRESSION && !strstr(c->vs.why, "set aside") && c->vs.r.nn == 4,
	      "steady load: %s", c ? c->vs.why : "-");
	report_data_free(rd);
	CHECK(report_judge(d, count, &und) == 0 && count[VERDICT_REGRESSION] == 1,
	      "a steady load is the run's level: regression %zu disturbed %zu", count[VERDICT_REGRESSION],
	      count[VERDICT_DISTURBED]);
	json_object_put(und);
	/* --repeat auto: -1 % with little noise is equivalent at 0.05; at a
	 * per-look 0.001 with n = 3 it is not decided */
	write_results(d, IRUN("base", 1, 5.00e8, 0) "," IRUN("base", 2, 5.0625e8, 0) "," IRUN("base", 3, 4.9375e8, 0) ","
		      IRUN("slow", 1, 4.95e8, 0) "," IRUN("slow", 2, 5.012e8, 0) "," IRUN("slow", 3, 4.888e8, 0));
	write_run_json(d, "{" VARIANTS "}");
	CHECK(report_judge(d, count, &und) == 0 && count[VERDICT_EQUIVALENT] == 1, "alpha 0.05: equivalent");
	json_object_put(und);
	write_run_json(d, "{" VARIANTS ",\"sequential\":{\"alpha_per_look\":0.001}}");
	CHECK(report_judge(d, count, &und) == 0 && count[VERDICT_INCONCLUSIVE] == 1, "alpha 0.001: inconclusive");
	json_object_put(und);
	write_run_json(d, "{" VARIANTS ",\"sequential\":{\"alpha_per_look\":null}}");
	CHECK(report_judge(d, count, &und) == 0 && count[VERDICT_EQUIVALENT] == 1, "no plan yet: alpha 0.05");
	json_object_put(und);
	write_run_json(d, "{" VARIANTS ",\"sequential\":{\"alpha_per_look\":\"0.01\"}}");
	CHECK(report_judge(d, count, &und) == -EINVAL && !und, "a string alpha refused");
	snprintf(p, sizeof(p), "%s/results.json", d);
	unlink(p);
	snprintf(p, sizeof(p), "%s/run.json", d);
	unlink(p);
	rmdir(d);
}

int main(void)
{
	fprintf(stderr, "(the following error lines are expected)\n");
	t_every_kind();
	t_canary_and_latency();
	t_old_fixtures();
	t_failures_and_n1();
	t_run_summary();
	if (failures)
		fprintf(stderr, "t_compare: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
