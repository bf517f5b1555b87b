/* history_change.c — see history_change.h. O(n^2) per scan of a segment
 * (the within sums are updated as tau moves), so a series of a few hundred
 * runs with 999 shuffles takes well under a second. */
#include "history_change.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void history_change_defaults(struct history_change_opts *o)
{
	o->alpha = 0.01;
	o->permutations = 999;
	o->min_size = 3;
	o->seed = 0;
}

/* xorshift64*: small, seeded, the same sequence everywhere. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* The best split of y[0..L): *tau in [min, L - min], its Q; -1 if none fits. */
static double best_split(const double *y, size_t L, size_t min, size_t *tau)
{
	double total = 0, wl = 0, wr, best = -1, row;
	size_t i, j, t;

	*tau = 0;
	if (L < 2 * min)
		return -1;
	for (i = 0; i < L; i++)
		for (j = i + 1; j < L; j++)
			total += fabs(y[i] - y[j]);
	wr = total;
	for (t = 1; t < L; t++) {
		/* point t-1 leaves the right side and joins the left */
		for (row = 0, j = t; j < L; j++)
			row += fabs(y[t - 1] - y[j]);
		wr -= row;
		for (row = 0, i = 0; i + 1 < t; i++)
			row += fabs(y[i] - y[t - 1]);
		wl += row;
		if (t >= min && L - t >= min) {
			double m = (double)t, k = (double)(L - t), cross = total - wl - wr;
			double e = 2 * cross / (m * k) - wl / (m * (m - 1) / 2) - wr / (k * (k - 1) / 2);
			double q = m * k / (m + k) * e;

			if (q > best) {
				best = q;
				*tau = t;
			}
		}
	}
	return best;
}

/* The best split over every segment of the partition bounds[0..nb]. */
static double best_over(const double *x, const size_t *bounds, size_t nb, size_t min, size_t *at)
{
	double best = -1, q;
	size_t s, tau;

	*at = 0;
	for (s = 0; s + 1 < nb; s++) {
		q = best_split(x + bounds[s], bounds[s + 1] - bounds[s], min, &tau);
		if (q > best) {
			best = q;
			*at = bounds[s] + tau;
		}
	}
	return best;
}

static void shuffle_within(double *y, const size_t *bounds, size_t nb, uint64_t *st)
{
	size_t s, i, j;
	double t;

	for (s = 0; s + 1 < nb; s++)
		for (i = bounds[s + 1] - 1; i > bounds[s]; i--) {
			j = bounds[s] + (size_t)(rnd(st) % (uint64_t)(i - bounds[s] + 1));
			t = y[i];
			y[i] = y[j];
			y[j] = t;
		}
}

static double permutation_p(const double *x, size_t n, const size_t *bounds, size_t nb,
			    double q, const struct history_change_opts *o, uint64_t *st, double *y)
{
	unsigned int r, over = 0;
	size_t at;

	for (r = 0; r < o->permutations; r++) {
		memcpy(y, x, n * sizeof(*y));
		shuffle_within(y, bounds, nb, st);
		/* a relative tolerance: a shuffle equal to the data is "as large" */
		if (best_over(y, bounds, nb, o->min_size, &at) >= q * (1 - 1e-12))
			over++;
	}
	return (1.0 + over) / (1.0 + o->permutations);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_of(const double *x, size_t n, double *tmp)
{
	memcpy(tmp, x, n * sizeof(*tmp));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static void insert_bound(size_t *bounds, size_t *nb, size_t at)
{
	bounds[(*nb)++] = at;
	qsort(bounds, *nb, sizeof(*bounds), cmp_size);
}

static void levels(const double *x, const size_t *bounds, size_t nb, struct history_cp *cp,
		   size_t ncp, double *tmp)
{
	size_t c, b;

	for (c = 0; c < ncp; c++)
		for (b = 1; b + 1 < nb; b++)
			if (bounds[b] == cp[c].index) {
				cp[c].before = median_of(x + bounds[b - 1], bounds[b] - bounds[b - 1], tmp);
				cp[c].after = median_of(x + bounds[b], bounds[b + 1] - bounds[b], tmp);
			}
}

static int cmp_cp(const void *a, const void *b)
{
	const struct history_cp *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

int history_change_find(const double *x, size_t n, const struct history_change_opts *o,
			struct history_cp **out, size_t *n_out)
{
	struct history_change_opts d;
	struct history_cp *cp = NULL;
	size_t *bounds = NULL, nb = 2, ncp = 0, at;
	double *y = NULL, q, p;
	uint64_t st;
	int ret = -ENOMEM;

	*out = NULL;
	*n_out = 0;
	if (!o) {
		history_change_defaults(&d);
		o = &d;
	}
	if (o->min_size < 2 || !o->permutations)
		return -EINVAL;
	if (n < 2 * o->min_size)
		return 0;
	st = o->seed ? o->seed : 0x9e3779b97f4a7c15ULL;
	bounds = calloc(n + 2, sizeof(*bounds));
	y = calloc(n, sizeof(*y));
	cp = calloc(n, sizeof(*cp));
	if (!bounds || !y || !cp)
		goto out;
	bounds[0] = 0;
	bounds[1] = n;
	for (;;) {
		q = best_over(x, bounds, nb, o->min_size, &at);
		if (q <= 0)
			break;
		p = permutation_p(x, n, bounds, nb, q, o, &st, y);
		if (p > o->alpha)
			break;
		cp[ncp].index = at;
		cp[ncp++].p_value = p;
		insert_bound(bounds, &nb, at);
	}
	qsort(cp, ncp, sizeof(*cp), cmp_cp);
	levels(x, bounds, nb, cp, ncp, y);
	if (ncp) {
		*out = cp;
		cp = NULL;
	}
	*n_out = ncp;
	ret = 0;
out:
	free(cp);
	free(bounds);
	free(y);
	return ret;
}

/* FNV-1a over the series' names: the same shuffles for the same series in
 * any store and any order of series. */
static uint64_t series_seed(const struct history_series *s, enum history_metric m)
{
	const char *parts[] = { s->machine, s->backend, s->scenario, s->variant, history_metric_name(m) };
	uint64_t h = 1469598103934665603ULL;
	size_t i;
	const char *c;

	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		for (c = parts[i] ? parts[i] : ""; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return h ? h : 1;
}

static int series_changes(const struct history_series *s, enum history_metric m,
			  const struct history_change_opts *o, struct history_change **out,
			  size_t *n, size_t *cap)
{
	struct history_change_opts so = *o;
	struct history_cp *cp = NULL;
	double *x = calloc(s->n ? s->n : 1, sizeof(*x));
	size_t *pos = calloc(s->n ? s->n : 1, sizeof(*pos)), k = 0, i, ncp = 0;
	int ret = -ENOMEM;

	if (!x || !pos)
		goto out;
	for (i = 0; i < s->n; i++) {
		double v = history_point_value(&s->pt[i], m);

		if (isfinite(v)) {
			pos[k] = i;
			x[k++] = v;
		}
	}
	if (!so.seed)
		so.seed = series_seed(s, m);
	if ((ret = history_change_find(x, k, &so, &cp, &ncp)))
		goto out;
	for (i = 0; i < ncp; i++) {
		struct history_change *c;

		if ((ret = util_grow(out, cap, *n + 1, sizeof(**out))))
			goto out;
		c = &(*out)[(*n)++];
		c->series = s;
		c->metric = m;
		c->index = pos[cp[i].index];
		c->run = s->pt[c->index].run;
		c->before = cp[i].before;
		c->after = cp[i].after;
		c->delta_percent = c->before ? (c->after - c->before) / c->before * 100 : NAN;
		c->p_value = cp[i].p_value;
	}
out:
	free(cp);
	free(x);
	free(pos);
	return ret;
}

int history_changes(const struct history_set *set, enum history_metric m,
		    const struct history_change_opts *o, struct history_change **out, size_t *n)
{
	struct history_change_opts d;
	size_t i, cap = 0;
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (!o) {
		history_change_defaults(&d);
		o = &d;
	}
	for (i = 0; i < set->n && !ret; i++)
		ret = series_changes(&set->series[i], m, o, out, n, &cap);
	if (ret) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}
