/* history_change.h — change points of a series by e-divisive means
 * (Matteson & James 2014, "A nonparametric approach for multiple change
 * point analysis of multivariate data"; the method Hunter and Otava use).
 *
 * Divisive: the split that maximises the energy statistic
 *   Q(tau) = m k / (m + k) * (2/(m k) sum|x_i - y_j| - sum|x_i - x_i'| / C(m,2)
 *                                                    - sum|y_j - y_j'| / C(k,2))
 * (alpha = 1; m points before tau, k from tau to the segment's end) over every
 * current segment is kept when a permutation test says it is significant: the
 * values are shuffled within each segment `permutations` times and p is
 * (1 + #{max Q of a shuffle >= the observed}) / (1 + permutations). Then the
 * segments are split again, until a split is not significant. No normality
 * is assumed; a single outlier does not make a change. Deterministic: the
 * shuffles come from a generator seeded by the caller.
 */
#ifndef WGB_HISTORY_CHANGE_H
#define WGB_HISTORY_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "history.h"

struct history_change_opts {
	double alpha;              /* a split is kept when p <= alpha (default 0.01) */
	unsigned int permutations; /* default 999 */
	size_t min_size;           /* points on each side of a split, at least 2 (default 3) */
	uint64_t seed;             /* 0: derived from the series' names */
};

void history_change_defaults(struct history_change_opts *o);

struct history_cp {
	size_t index;              /* the first point of the new level */
	double p_value;
	double before, after;      /* medians of the segments on either side */
};

/* The change points of x[0..n) in index order (*out NULL when none). */
int history_change_find(const double *x, size_t n, const struct history_change_opts *o,
			struct history_cp **out, size_t *n_out);

struct history_change {
	const struct history_series *series;
	enum history_metric metric;
	size_t index;              /* along the series, from 0 */
	int64_t run;               /* the run where the new level starts */
	double before, after, delta_percent, p_value;
};

/* Every series of the set, on one metric; points without that metric are
 * left out of the computation (indices still count along the series). */
int history_changes(const struct history_set *set, enum history_metric m,
		    const struct history_change_opts *o, struct history_change **out, size_t *n);

#endif
