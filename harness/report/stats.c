/* stats.c — see stats.h. GSL does the arithmetic; this file decides what to
 * do with the small and degenerate samples a benchmark produces (n = 1,
 * zero variance), so callers never see GSL's abort-on-error handler fire. */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* The level the interval of a median aims for. */
#define STATS_CI_TARGET (1.0 - STATS_ALPHA)

static int check_finite(const double *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return -EINVAL;
	return 0;
}

/* P(k <= B <= n - k) for B ~ Bin(n, 1/2): the probability that the true
 * median lies between the k-th smallest and the k-th largest value. */
static double order_coverage(size_t n, size_t k)
{
	double c = 1, sum = 0;
	size_t i;

	if (n > 50)
		return 1.0 - 2.0 * gsl_cdf_binomial_P((unsigned int)(k - 1), 0.5, (unsigned int)n);
	/* exact below 2^53: the labels read 93.75 %, not 93.7499... */
	for (i = 0; i < k; i++) {
		sum += c;
		c = c * (double)(n - i) / (double)(i + 1);
	}
	return 1.0 - 2.0 * ldexp(sum, -(int)n);
}

double stats_median_ci(size_t n, size_t *k)
{
	size_t best = 1;

	*k = 0;
	if (n < 2)
		return NAN;
	/* the narrowest interval that still holds the target; [min, max] when none does */
	while (best + 1 <= n / 2 && order_coverage(n, best + 1) >= STATS_CI_TARGET)
		best++;
	*k = best;
	return order_coverage(n, best);
}

int stats_summarize(const double *x, size_t n, struct stats_summary *out)
{
	double *s;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (!n || check_finite(x, n))
		return -EINVAL;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, x, n * sizeof(*s));
	gsl_sort(s, 1, n);
	out->n = n;
	out->median = gsl_stats_median_from_sorted_data(s, 1, n);
	out->mean = gsl_stats_mean(s, 1, n);
	out->min = s[0];
	out->max = s[n - 1];
	out->stddev = out->cv_percent = out->ci_low = out->ci_high = NAN;
	out->ci_level = stats_median_ci(n, &k);
	if (n >= 2) {
		out->stddev = gsl_stats_sd_m(s, 1, n, out->mean);
		out->cv_percent = out->mean != 0 ? out->stddev / fabs(out->mean) * 100.0 : NAN;
		out->ci_low = s[k - 1];
		out->ci_high = s[n - k];
	}
	free(s);
	return 0;
}

static int log_moments(const double *x, size_t n, double *mean, double *var)
{
	double *l = malloc(n * sizeof(*l));
	size_t i;

	if (!l)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		l[i] = log(x[i]);
	*mean = gsl_stats_mean(l, 1, n);
	*var = gsl_stats_variance_m(l, 1, n, *mean);
	free(l);
	return 0;
}

static bool all_positive(const double *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(x[i] > 0) || !isfinite(x[i]))
			return false;
	return true;
}

static double pct(double log_ratio)
{
	return (exp(log_ratio) - 1.0) * 100.0;
}

/* One-sided p-values of the equivalence bounds lo < d < hi (log scale):
 * H0 d <= lo and H0 d >= hi, each rejected by a large enough margin. */
static double tost_p(const struct stats_ratio *r, double lo, double hi)
{
	double p_lo, p_hi;

	if (!(r->se > 0))
		return r->log_diff > lo && r->log_diff < hi ? 0.0 : 1.0;
	p_lo = isinf(lo) ? 0.0 : gsl_cdf_tdist_Q((r->log_diff - lo) / r->se, r->df);
	p_hi = gsl_cdf_tdist_P((r->log_diff - hi) / r->se, r->df);
	return fmin(1.0, 2.0 * fmax(p_lo, p_hi));
}

int stats_ratio(const double *base, size_t nb, const double *new_, size_t nn,
		double threshold_percent, struct stats_ratio *out)
{
	double mb, vb, mn, vn, qb, qn, t, half, lo, hi;
	int ret;

	memset(out, 0, sizeof(*out));
	out->nb = nb;
	out->nn = nn;
	if (nb < 2 || nn < 2 || !all_positive(base, nb) || !all_positive(new_, nn) ||
	    !(threshold_percent >= 0))
		return -EINVAL;
	if ((ret = log_moments(base, nb, &mb, &vb)) || (ret = log_moments(new_, nn, &mn, &vn)))
		return ret;
	qb = vb / (double)nb;
	qn = vn / (double)nn;
	out->log_diff = mn - mb;
	out->se = sqrt(qb + qn);
	out->sd_pooled = sqrt((vb + vn) / 2.0);
	out->delta_percent = pct(out->log_diff);
	/* Welch–Satterthwaite; a zero-variance side contributes nothing */
	out->df = out->se > 0 ? (qb + qn) * (qb + qn) /
		  (qb * qb / (double)(nb - 1) + qn * qn / (double)(nn - 1)) : (double)(nb + nn - 2);
	if (out->se > 0) {
		t = out->log_diff / out->se;
		out->p_diff = fmin(1.0, 2.0 * gsl_cdf_tdist_Q(fabs(t), out->df));
		half = gsl_cdf_tdist_Qinv(STATS_ALPHA / 2, out->df) * out->se;
	} else {
		/* two samples without spread: equal, or certainly different */
		out->p_diff = out->log_diff == 0 ? 1.0 : 0.0;
		half = 0;
	}
	out->low_percent = pct(out->log_diff - half);
	out->high_percent = pct(out->log_diff + half);
	lo = threshold_percent >= 100 ? -INFINITY : log1p(-threshold_percent / 100.0);
	hi = log1p(threshold_percent / 100.0);
	out->p_equiv = tost_p(out, lo, hi);
	return 0;
}

struct holm_item {
	double p;
	size_t i;
};

static int holm_cmp(const void *a, const void *b)
{
	const struct holm_item *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void stats_holm(const double *p, size_t m, double *adj)
{
	struct holm_item *it = malloc((m ? m : 1) * sizeof(*it));
	size_t i, k = 0;
	double run = 0;

	if (!it) {
		/* Bonferroni is never less strict than Holm: a safe fallback */
		for (i = 0; i < m; i++)
			adj[i] = isnan(p[i]) ? NAN : fmin(1.0, p[i] * (double)m);
		return;
	}
	for (i = 0; i < m; i++)
		if (!isnan(p[i]))
			it[k++] = (struct holm_item){ p[i], i };
	qsort(it, k, sizeof(*it), holm_cmp);
	for (i = 0; i < m; i++)
		if (isnan(p[i]))
			adj[i] = NAN;
	for (i = 0; i < k; i++) {
		/* step-down: the j-th smallest is multiplied by (k - j + 1), and
		 * an adjusted p never falls below the one before it */
		run = fmax(run, fmin(1.0, it[i].p * (double)(k - i)));
		adj[it[i].i] = run;
	}
	free(it);
}

static double mde_log(double se, double df, double alpha)
{
	return (gsl_cdf_tdist_Pinv(1.0 - alpha / 2, df) + gsl_cdf_tdist_Pinv(STATS_POWER, df)) * se;
}

double stats_mde_percent(const struct stats_ratio *r, double alpha)
{
	if (!(r->df > 0))
		return NAN;
	return pct(mde_log(r->se, r->df, alpha));
}

static bool detects(double sd, size_t n, double target, double alpha)
{
	return mde_log(sd * sqrt(2.0 / (double)n), (double)(2 * n - 2), alpha) <= target;
}

size_t stats_repeats_needed(double sd, double threshold_percent, double alpha, size_t max)
{
	double target = log1p(threshold_percent / 100.0);
	size_t lo = 2, hi = max, mid;

	if (!(sd >= 0) || !(threshold_percent > 0) || max < 2 || !detects(sd, max, target, alpha))
		return 0;
	/* what a test can detect only shrinks with n: bisect for the first n that does */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (detects(sd, mid, target, alpha))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}
