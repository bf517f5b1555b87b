/* stats.h — the statistics of a results directory, with GSL underneath.
 *
 * Pure functions over arrays of doubles; no I/O.
 *
 * The interval of a median is the distribution-free order-statistic interval
 * [x(k), x(n+1-k)]: k is the largest rank whose exact binomial coverage is
 * at least 95 %, and that coverage is reported with it (ci_level). Below
 * n = 6 no k reaches 95 %; the interval is then [min, max] and its level the
 * one it really has, 1 - 2^(1-n) (50 % at n = 2, 75 % at n = 3). Exact for
 * any continuous distribution, at least that with ties.
 *
 * A comparison of two samples is one statistic on the ratio scale: Welch's
 * t on log(x), so the estimate (the ratio of geometric means), its interval
 * and both tests come from the same numbers.
 */
#ifndef WGB_STATS_H
#define WGB_STATS_H

#include <stdbool.h>
#include <stddef.h>

#define STATS_ALPHA 0.05       /* every test and interval: 95 % */
#define STATS_POWER 0.80       /* the power behind "could detect" */

struct stats_summary {
	size_t n;
	double median, mean, stddev;   /* stddev: NAN if n < 2 */
	double ci_low, ci_high;        /* order-statistic interval; NAN if n < 2 */
	double ci_level;               /* its exact coverage, 0..1; NAN if n < 2 */
	double cv_percent;             /* stddev / mean * 100; NAN if n < 2 */
	double min, max;
};

/* 0; -EINVAL for n = 0 or a value that is not finite. */
int stats_summarize(const double *x, size_t n, struct stats_summary *out);

/* The interval's rank k (1-based: [x(k), x(n+1-k)]) for n values and its
 * exact coverage; *k = 0 and NAN when n < 2. */
double stats_median_ci(size_t n, size_t *k);

struct stats_ratio {
	size_t nb, nn;
	double delta_percent;          /* (ratio of geometric means - 1) * 100, NEW over BASE */
	double low_percent, high_percent; /* its 95 % Welch interval */
	double p_diff;                 /* two-sided, H0: no change */
	double p_equiv;                /* equivalence within +-threshold (TOST): 2 * the larger
					* one-sided p, so p_equiv < alpha <=> the 95 % interval
					* lies inside +-threshold */
	double log_diff, se, df;       /* on log scale: estimate, standard error, Welch df */
	double sd_pooled;              /* sqrt of the mean of the two log variances */
};

/* Both samples need n >= 2 and every value > 0: -EINVAL otherwise. A
 * threshold >= 100 % has no lower bound on the ratio scale. */
int stats_ratio(const double *base, size_t nb, const double *new_, size_t nn,
		double threshold_percent, struct stats_ratio *out);

/* Holm's step-down adjustment of m p-values; NAN entries are not in the
 * family (their adjusted value is NAN too). adj may alias p. */
void stats_holm(const double *p, size_t m, double *adj);

/* The smallest change (percent, the harder direction: a speed-up, whose
 * log is the smaller) that a two-sided test at alpha would detect with
 * STATS_POWER, at this comparison's standard error and df. */
double stats_mde_percent(const struct stats_ratio *r, double alpha);
/* Repeats per side for that test to detect +-threshold_percent at a log
 * standard deviation sd; 0 when more than max would be needed. */
size_t stats_repeats_needed(double sd, double threshold_percent, double alpha, size_t max);

#endif
