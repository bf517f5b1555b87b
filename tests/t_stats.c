/* t_stats.c — stats.c against values computed independently:
 * medians by hand; the order-statistic interval's levels against the
 * binomial sum computed here with lgamma, and its coverage simulated at
 * n = 2..20 for a normal, a log-normal and an exponential distribution
 * (within 2 points of the label); Welch on log values against
 * tests/data/welch_ref.py (Simpson integration of Student's t, no GSL);
 * equivalence <=> the 95 % interval inside the threshold; Holm by hand;
 * "repeats needed" checked by simulating the test's power; and the
 * stopping rule of --repeat auto (verdict_seq.h) simulated whole: its false
 * "decided" rate on equal samples and at the equivalence margin within the
 * stated alpha (where looking at alpha every round is not), and its power.
 * Under valgrind the simulations draw less and their rates go unchecked
 * (draws()). */
#include "stats.h"
#include "verdict.h"
#include "verdict_seq.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#define T_NAME "t_stats"
#define CHECK T_CHECK_MSG
#include "t_common.h"

static int near(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fmax(fabs(a), fabs(b));
}

/* The draws of a simulation. Under valgrind (tests/run-unit sets
 * WGB_UNIT_VALGRIND) a fiftieth: the same code paths for its memory checks,
 * in seconds instead of two minutes; the rates estimated from the draws are
 * then not checked (*rates false): that is the full run's job (make unit,
 * ASan), so few draws would only test the seed. */
static size_t draws(size_t full, bool *rates)
{
	*rates = !getenv("WGB_UNIT_VALGRIND");
	return *rates ? full : full / 50;
}

static void t_medians(void)
{
	const double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 }, one[] = { 7.5 };
	const double nine[] = { 812, 890, 770, 845, 801, 860, 799, 905, 833 };
	struct stats_summary s;

	CHECK(!stats_summarize(odd, 3, &s) && s.median == 3, "median of 5,1,3 = %g", s.median);
	CHECK(s.min == 1 && s.max == 5 && s.n == 3, "min/max/n");
	CHECK(near(s.mean, 3, 1e-12) && near(s.stddev, 2, 1e-12), "mean %g sd %g", s.mean, s.stddev);
	CHECK(near(s.cv_percent, 200.0 / 3, 1e-12), "cv %g", s.cv_percent);
	/* n = 3: no rank reaches 95 %: [min, max], labelled 75 % */
	CHECK(s.ci_low == 1 && s.ci_high == 5 && s.ci_level == 0.75, "n = 3: [%g, %g] at %g",
	      s.ci_low, s.ci_high, s.ci_level);
	CHECK(!stats_summarize(even, 4, &s) && s.median == 2.5, "median of 4,1,3,2 = %g", s.median);
	CHECK(s.ci_level == 0.875, "n = 4: %g", s.ci_level);
	/* n = 9: k = 2, [x(2), x(8)] = [799, 890] at 1 - 2 * 10/512 */
	CHECK(!stats_summarize(nine, 9, &s) && s.ci_low == 799 && s.ci_high == 890 &&
	      near(s.ci_level, 1 - 20.0 / 512, 1e-15), "n = 9: [%g, %g] at %.6f", s.ci_low,
	      s.ci_high, s.ci_level);
	/* n = 1: a median, no interval, no spread: nothing pretends otherwise */
	CHECK(!stats_summarize(one, 1, &s) && s.median == 7.5 && isnan(s.ci_low) && isnan(s.ci_high) &&
	      isnan(s.ci_level) && isnan(s.cv_percent) && isnan(s.stddev), "n = 1");
	CHECK(stats_summarize(one, 0, &s) < 0, "n = 0 must fail");
	{
		const double bad[] = { 1, NAN };
		CHECK(stats_summarize(bad, 2, &s) < 0, "NaN must fail");
	}
}

/* P(k <= B <= n-k), B ~ Bin(n, 1/2), the long way round (lgamma). */
static double coverage_ref(size_t n, size_t k)
{
	double tail = 0;
	size_t i;

	for (i = 0; i < k; i++)
		tail += exp(lgamma((double)n + 1) - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) -
			    (double)n * log(2.0));
	return 1 - 2 * tail;
}

static void t_levels(void)
{
	size_t n, k;
	double lvl;

	CHECK(isnan(stats_median_ci(1, &k)) && k == 0, "n = 1 has no interval");
	for (n = 2; n <= 60; n++) {
		lvl = stats_median_ci(n, &k);
		CHECK(k >= 1 && k <= n / 2 && near(lvl, coverage_ref(n, k), 1e-9), "n %zu: k %zu level %g",
		      n, k, lvl);
		/* the largest k that holds 95 %, or [min, max] when none does */
		if (n <= 5)
			CHECK(k == 1 && near(lvl, 1 - pow(2, 1 - (double)n), 1e-12), "n %zu: [min, max]", n);
		else
			CHECK(lvl >= 0.95 && (k + 1 > n / 2 || coverage_ref(n, k + 1) < 0.95),
			      "n %zu: k %zu is not the narrowest 95%% interval", n, k);
	}
}

/* The interval's real coverage, by simulation, against its label. */
static void t_coverage(void)
{
	bool rates;
	const size_t SIMS = draws(20000, &rates);
	const char *const names[] = { "normal", "log-normal", "exponential" };
	const double true_median[] = { 0, 1, log(2.0) };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	struct stats_summary s;
	double x[20], worst = 0;
	size_t n, i, j, dist, hit;

	gsl_rng_set(r, 12);
	for (dist = 0; dist < 3; dist++)
		for (n = 2; n <= 20; n++) {
			for (i = hit = 0; i < SIMS; i++) {
				for (j = 0; j < n; j++)
					x[j] = dist == 0 ? gsl_ran_gaussian(r, 1) :
					       dist == 1 ? gsl_ran_lognormal(r, 0, 1) : gsl_ran_exponential(r, 1);
				stats_summarize(x, n, &s);
				hit += s.ci_low <= true_median[dist] && true_median[dist] <= s.ci_high;
			}
			worst = fmax(worst, fabs((double)hit / SIMS - s.ci_level));
			CHECK(!rates || fabs((double)hit / SIMS - s.ci_level) <= 0.02, "%s n = %zu: "
			      "coverage %.3f, label %.3f", names[dist], n, (double)hit / SIMS, s.ci_level);
		}
	if (rates)
		fprintf(stderr, "t_stats: interval coverage within %.4f of its label at n = 2..20\n", worst);
	gsl_rng_free(r);
}

static void t_ratio(void)
{
	const double b1[] = { 941e6, 902e6, 955e6, 921e6, 930e6 };
	const double b2[] = { 812e6, 890e6, 770e6, 845e6, 801e6, 860e6, 799e6 };
	const double c1[] = { 1.00, 1.10, 0.95, 1.05 };
	const double c2[] = { 1.02, 0.98, 1.08, 1.01, 0.97 };
	const double k1[] = { 5, 5, 5 }, k2[] = { 6, 6 }, zero[] = { 1, 0 };
	struct stats_ratio r;

	/* references: tests/data/welch_ref.py log_ratio(), threshold 10 % */
	CHECK(!stats_ratio(b1, 5, b2, 7, 10, &r), "tput");
	CHECK(near(r.delta_percent, -11.31905284, 1e-8) && near(r.p_diff, 0.0003532085664, 1e-6) &&
	      near(r.p_equiv, 1, 1e-9), "tput: %.10g%% p %.10g pe %.10g", r.delta_percent, r.p_diff,
	      r.p_equiv);
	CHECK(r.high_percent < 0 && r.low_percent < r.delta_percent, "tput interval [%g, %g]",
	      r.low_percent, r.high_percent);
	CHECK(!stats_ratio(c1, 4, c2, 5, 10, &r), "same");
	CHECK(near(r.delta_percent, -1.191973583, 1e-8) && near(r.p_diff, 0.7573600547, 1e-6) &&
	      near(r.p_equiv, 0.05145759068, 1e-6), "same: %.10g%% p %.10g pe %.10g", r.delta_percent,
	      r.p_diff, r.p_equiv);
	/* the mirror: the same p, the reciprocal ratio */
	CHECK(!stats_ratio(c2, 5, c1, 4, 10, &r) && near(r.p_diff, 0.7573600547, 1e-6) &&
	      near((1 + r.delta_percent / 100) * (1 - 0.01191973583), 1, 1e-9), "swap");
	/* degenerate: n = 1 and values <= 0 refused; no spread: equal or certainly not */
	CHECK(stats_ratio(b1, 1, b2, 7, 5, &r) < 0, "n = 1 is not a sample to test");
	CHECK(stats_ratio(zero, 2, b2, 7, 5, &r) < 0, "0 has no log");
	CHECK(!stats_ratio(k1, 3, k2, 2, 5, &r) && r.p_diff == 0 && r.p_equiv == 1 &&
	      near(r.delta_percent, 20, 1e-12), "constant 5 -> 6");
	CHECK(!stats_ratio(k1, 3, k1, 2, 5, &r) && r.p_diff == 1 && r.p_equiv == 0 &&
	      r.delta_percent == 0 && r.low_percent == 0, "constant equal");
}

/* p_equiv < alpha exactly when the printed 95 % interval lies inside. */
static void t_equivalence_is_the_interval(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double a[6], b[6];
	struct stats_ratio q;
	bool rates;
	size_t i, j, agree = 0, inside = 0, sims = draws(2000, &rates);

	gsl_rng_set(r, 5);
	for (i = 0; i < sims; i++) {
		double shift = gsl_rng_uniform(r) * 0.08 - 0.04;

		for (j = 0; j < 6; j++) {
			a[j] = exp(gsl_ran_gaussian(r, 0.01));
			b[j] = exp(shift + gsl_ran_gaussian(r, 0.01));
		}
		stats_ratio(a, 6, b, 6, 3, &q);
		inside += q.low_percent > -3 && q.high_percent < 3;
		agree += (q.p_equiv < STATS_ALPHA) == (q.low_percent > -3 && q.high_percent < 3);
	}
	/* an identity, whatever the draws; the share inside only with enough */
	CHECK(agree == sims && (!rates || (inside > sims / 20 && inside < sims - sims / 20)),
	      "TOST and the interval disagree: %zu of %zu (%zu inside)", sims - agree, sims, inside);
	gsl_rng_free(r);
}

static void t_holm(void)
{
	const double p[] = { 0.01, 0.04, 0.03, 0.005, NAN };
	const double one[] = { 0.2 };
	double adj[5];

	/* by hand: 0.005*4 = 0.02; 0.01*3 = 0.03; 0.03*2 = 0.06; 0.04*1 -> max(0.04, 0.06) */
	stats_holm(p, 5, adj);
	CHECK(near(adj[3], 0.02, 1e-12) && near(adj[0], 0.03, 1e-12) && near(adj[2], 0.06, 1e-12) &&
	      near(adj[1], 0.06, 1e-12) && isnan(adj[4]), "holm %g %g %g %g %g", adj[0], adj[1],
	      adj[2], adj[3], adj[4]);
	stats_holm(one, 1, adj);
	CHECK(adj[0] == 0.2, "a family of one is not corrected");
	memcpy(adj, p, sizeof(p));
	stats_holm(adj, 4, adj);
	CHECK(near(adj[1], 0.06, 1e-12), "in place");
}

/* At the repeats it names, the test detects the threshold with ~80 %. */
static void t_repeats_needed(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	const double sd = 0.04, thr = 5;
	size_t n = stats_repeats_needed(sd, thr, STATS_ALPHA, 1000), i, j, hit = 0;
	double a[64], b[64];
	struct stats_ratio q;
	bool rates;
	size_t sims = draws(4000, &rates);

	CHECK(n >= 3 && n < 64, "repeats needed %zu", n);
	CHECK(stats_repeats_needed(sd, thr, STATS_ALPHA, 2) == 0, "beyond max: 0");
	CHECK(stats_repeats_needed(0, thr, STATS_ALPHA, 1000) == 2, "no noise: 2");
	gsl_rng_set(r, 7);
	for (i = 0; n < 64 && i < sims; i++) {
		for (j = 0; j < n; j++) {
			a[j] = exp(gsl_ran_gaussian(r, sd));
			b[j] = exp(log1p(thr / 100) + gsl_ran_gaussian(r, sd));
		}
		stats_ratio(a, n, b, n, thr, &q);
		hit += q.p_diff < STATS_ALPHA;
	}
	CHECK(!rates || (hit >= 0.77 * sims && hit <= 0.92 * sims), "power at n = %zu: %.3f", n,
	      (double)hit / sims);
	/* the detectable change at that n is the threshold or less */
	stats_ratio(a, n, b, n, thr, &q);
	CHECK(stats_mde_percent(&q, STATS_ALPHA) < 3 * thr, "mde %g", stats_mde_percent(&q, STATS_ALPHA));
	gsl_rng_free(r);
}

static void t_seq_plan(void)
{
	struct verdict_seq_plan p;
	unsigned int j;

	CHECK(verdict_seq_plan(1, 180, 15, &p) == -EINVAL, "MIN 1 refused");
	CHECK(verdict_seq_plan(3, 0, 15, &p) == -EINVAL, "no budget refused");
	CHECK(verdict_seq_plan(3, 180, 15, &p) == 0 && p.max_rounds == 12 && p.looks == 8 &&
	      p.look_round[0] == 3 && p.look_round[7] == 12 && fabs(p.alpha_look - 0.05 / 8) < 1e-12,
	      "3 min of 15 s rounds: max %u looks %u first %u last %u", p.max_rounds, p.looks,
	      p.look_round[0], p.look_round[p.looks - 1]);
	for (j = 1; j < p.looks; j++)
		CHECK(p.look_round[j] > p.look_round[j - 1], "look rounds increase: %u after %u",
		      p.look_round[j], p.look_round[j - 1]);
	CHECK(verdict_seq_plan(3, 60, 25, &p) == 0 && p.max_rounds == 3 && p.looks == 1 &&
	      p.alpha_look == 0.05 && verdict_seq_is_look(&p, 3) && !verdict_seq_is_look(&p, 2),
	      "a budget below MIN rounds: MIN rounds, one look at alpha");
	CHECK(verdict_seq_plan(3, 3600, 10, &p) == 0 && p.max_rounds == 360 && p.looks == 8 &&
	      p.look_round[7] == 360 && p.look_round[1] < 10, "long budget: spread looks, %u %u",
	      p.look_round[1], p.look_round[7]);
	CHECK(verdict_seq_plan(4, 100, 20, &p) == 0 && p.max_rounds == 5 && p.looks == 2 &&
	      p.look_round[0] == 4 && p.look_round[1] == 5, "every round a look when few");
	CHECK(verdict_seq_budget_ends(&p, 90, 20) && !verdict_seq_budget_ends(&p, 70, 20), "budget");
	{
		size_t c[VERDICT_COUNT] = { 0 };

		verdict_seq_plan(3, 180, 15, &p);
		c[VERDICT_REGRESSION] = c[VERDICT_FAILED] = c[VERDICT_MISSING] = c[VERDICT_SKIPPED] = 1;
		CHECK(verdict_seq_after_look(&p, 3, c, false) == VERDICT_SEQ_DECIDED,
		      "failed, missing, skipped: final findings, decided");
		c[VERDICT_DISTURBED] = 1;
		CHECK(verdict_seq_after_look(&p, 3, c, false) == VERDICT_SEQ_GO_ON &&
		      verdict_seq_undecided(c) == 1, "disturbed: more rounds can mend it");
		CHECK(verdict_seq_after_look(&p, 3, c, true) == VERDICT_SEQ_BUDGET, "the budget's last look");
		CHECK(verdict_seq_after_look(&p, 12, c, false) == VERDICT_SEQ_LOOKS_USED, "the last look");
		CHECK(!strcmp(verdict_seq_stop_name(VERDICT_SEQ_LOOKS_USED), "looks used"), "names");
	}
}

/* One simulated `run --repeat auto`: pairs variants against a baseline, log
 * values with sd, variant k shifted by shift[k] (log); judges at alpha at
 * each look of the plan (alpha 0: the plan's). *kinds gets the verdicts of
 * the last look, *any_change whether any look called a change, *rounds the
 * rounds it ran. */
struct seq_sim {
	size_t pairs;
	double sd, shift[4], alpha;
	bool every_round;       /* look at every round from MIN: the naive rule */
};

static void seq_run(gsl_rng *r, const struct seq_sim *m, const struct verdict_seq_plan *p,
		    enum verdict_kind kinds[4], bool *any_change, bool *any_equiv, unsigned int *rounds)
{
	double x[5][VERDICT_SEQ_LOOKS_MAX * 64];
	struct verdict_pair pr[4];
	const struct verdict_rules rules = { .threshold_percent = 5, .alpha = m->alpha ? m->alpha : p->alpha_look };
	size_t count[VERDICT_COUNT], k;
	unsigned int n;

	*any_change = *any_equiv = false;
	for (n = 1; n <= p->max_rounds; n++) {
		for (k = 0; k <= m->pairs; k++)
			x[k][n - 1] = exp((k ? m->shift[k - 1] : 0) + gsl_ran_gaussian(r, m->sd));
		if (n < p->min_rounds || (!m->every_round && !verdict_seq_is_look(p, n)))
			continue;
		memset(pr, 0, sizeof(pr));
		memset(count, 0, sizeof(count));
		for (k = 0; k < m->pairs; k++) {
			struct verdict_side *sd[2] = { &pr[k].base, &pr[k].new_ };
			size_t w;

			for (w = 0; w < 2; w++)
				*sd[w] = (struct verdict_side){ .present = true, .x = x[w ? k + 1 : 0], .n = n,
					.n_runs = n, .foreign_cpu = NAN, .steal = NAN,
					.canary_before = NAN, .canary_after = NAN };
		}
		verdict_judge(pr, m->pairs, &rules);
		for (k = 0; k < m->pairs; k++) {
			count[pr[k].kind]++;
			kinds[k] = pr[k].kind;
			*any_change |= pr[k].kind == VERDICT_REGRESSION || pr[k].kind == VERDICT_IMPROVEMENT;
			*any_equiv |= pr[k].kind == VERDICT_EQUIVALENT;
		}
		if (verdict_seq_after_look(p, n, count, false) != VERDICT_SEQ_GO_ON)
			break;
	}
	*rounds = n > p->max_rounds ? p->max_rounds : n;
}

static void t_seq_error_rates(void)
{
	bool rates;
	const size_t SIMS = draws(4000, &rates);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	struct verdict_seq_plan p;
	enum verdict_kind kinds[4];
	size_t i, changed = 0, naive = 0, equiv_at_margin = 0, naive_equiv = 0, detected8 = 0, detected9 = 0;
	double rounds_sum = 0;
	unsigned int rounds;
	bool ch, eq;
	/* A/A: two variants equal to the baseline, CV ~8 %, up to 12 rounds */
	struct seq_sim aa = { .pairs = 2, .sd = 0.08 }, aa_naive = aa;
	/* at the margin: a change of exactly the threshold must not be called equivalent */
	struct seq_sim margin = { .pairs = 1, .sd = 0.02, .shift = { log(0.95) } }, margin_naive = margin;
	/* the bench's slowdowns, 0.8x and 0.9x, at CV 5 % */
	struct seq_sim slow = { .pairs = 2, .sd = 0.05, .shift = { log(0.8), log(0.9) } };

	aa_naive.alpha = margin_naive.alpha = STATS_ALPHA;
	aa_naive.every_round = margin_naive.every_round = true;
	verdict_seq_plan(3, 180, 15, &p);
	gsl_rng_set(r, 2024);
	for (i = 0; i < SIMS; i++) {
		seq_run(r, &aa, &p, kinds, &ch, &eq, &rounds);
		changed += ch;
		seq_run(r, &aa_naive, &p, kinds, &ch, &eq, &rounds);
		naive += ch;
		seq_run(r, &margin, &p, kinds, &ch, &eq, &rounds);
		equiv_at_margin += eq;
		seq_run(r, &margin_naive, &p, kinds, &ch, &eq, &rounds);
		naive_equiv += eq;
		seq_run(r, &slow, &p, kinds, &ch, &eq, &rounds);
		detected8 += kinds[0] == VERDICT_REGRESSION;
		detected9 += kinds[1] == VERDICT_REGRESSION;
		rounds_sum += rounds;
	}
	if (rates) {
		fprintf(stderr, "t_stats: --repeat auto, %zu simulated runs each: a change called on equal "
			"samples %.4f (looking at alpha every round: %.4f); equivalent at the margin %.4f "
			"(every round: %.4f); 0.8x detected %.3f, 0.9x %.3f, in %.1f rounds on average\n",
			SIMS, (double)changed / SIMS, (double)naive / SIMS, (double)equiv_at_margin / SIMS,
			(double)naive_equiv / SIMS, (double)detected8 / SIMS, (double)detected9 / SIMS,
			rounds_sum / SIMS);
		CHECK(changed <= STATS_ALPHA * SIMS, "false change rate %.4f above alpha",
		      (double)changed / SIMS);
		CHECK(equiv_at_margin <= STATS_ALPHA * SIMS, "false equivalence rate %.4f above alpha",
		      (double)equiv_at_margin / SIMS);
		/* the correction is needed: without it the rates are above alpha */
		CHECK(naive > STATS_ALPHA * SIMS, "naive rule's false change rate %.4f",
		      (double)naive / SIMS);
		CHECK(naive_equiv > STATS_ALPHA * SIMS, "naive rule's false equivalence %.4f",
		      (double)naive_equiv / SIMS);
		CHECK(detected8 >= 0.95 * SIMS && detected9 >= 0.9 * SIMS, "power: 0.8x %.3f 0.9x %.3f",
		      (double)detected8 / SIMS, (double)detected9 / SIMS);
	}
	gsl_rng_free(r);
}

int main(void)
{
	t_medians();
	t_levels();
	t_coverage();
	t_ratio();
	t_equivalence_is_the_interval();
	t_holm();
	t_repeats_needed();
	t_seq_plan();
	t_seq_error_rates();
	if (getenv("WGB_UNIT_VALGRIND"))
		fprintf(stderr, "t_stats: WGB_UNIT_VALGRIND: a fiftieth of the draws, their rates "
			"not checked (make unit checks them)\n");
	if (failures)
		fprintf(stderr, "t_stats: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
