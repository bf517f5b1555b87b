/* stats.h — the statistics of a results directory, with GSL underneath.
 *
 * Pure functions over arrays of doubles; no I/O. A 95% interval is the
 * percentile bootstrap of the median (seeded, so the same data give the same
 * interval); significance is Welch's t-test at alpha = 0.05, stated in every
 * table's legend.
 */
#ifndef WGB_STATS_H
#define WGB_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct stats_summary {
	size_t n;
	double median, mean, stddev;
	double ci95_low, ci95_high;    /* bootstrap of the median; = median if n < 2 */
	double cv_percent;             /* stddev / mean * 100; 0 if n < 2 */
	double min, max;
};

int stats_summarize(const double *x, size_t n, struct stats_summary *out);

struct stats_comparison {
	double delta_percent;          /* (median_new - median_base) / median_base * 100 */
	double p_value;                /* Welch's t-test, two-sided; 1 if not computable */
	bool significant;              /* p < 0.05 */
};

int stats_compare(const double *base, size_t nb, const double *new_, size_t nn,
		  struct stats_comparison *out);

#endif
