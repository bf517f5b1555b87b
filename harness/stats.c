/* stats.c — see stats.h. GSL does the arithmetic; this file decides what to
 * do with the small and degenerate samples a benchmark produces (n = 1,
 * zero variance), so callers never see GSL's abort-on-error handler fire. */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* Resamples of the bootstrap; 2000 keeps the 2.5/97.5 percentiles stable to
 * well under the run-to-run noise of a throughput measurement. */
#define STATS_BOOT_N 2000
/* Fixed seed: the same data always give the same interval, so `wgbench
 * report` on a copied directory reproduces the tables byte for byte. */
#define STATS_BOOT_SEED 0x77676265UL   /* "wgbe" */
#define STATS_ALPHA 0.05

static int check_finite(const double *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return -EINVAL;
	return 0;
}

static double median_sorted(const double *s, size_t n)
{
	return gsl_stats_median_from_sorted_data(s, 1, n);
}

/* Percentile bootstrap of the median over a sorted copy of the data. */
static int boot_median(const double *sorted, size_t n, double *lo, double *hi)
{
	double *meds = NULL, *res = NULL;
	gsl_rng *r = NULL;
	size_t b, i;
	int ret = -ENOMEM;

	meds = malloc(STATS_BOOT_N * sizeof(*meds));
	res = malloc(n * sizeof(*res));
	r = gsl_rng_alloc(gsl_rng_mt19937);
	if (!meds || !res || !r)
		goto out;
	gsl_rng_set(r, STATS_BOOT_SEED);
	for (b = 0; b < STATS_BOOT_N; b++) {
		for (i = 0; i < n; i++)
			res[i] = sorted[gsl_rng_uniform_int(r, n)];
		gsl_sort(res, 1, n);
		meds[b] = median_sorted(res, n);
	}
	gsl_sort(meds, 1, STATS_BOOT_N);
	*lo = gsl_stats_quantile_from_sorted_data(meds, 1, STATS_BOOT_N, STATS_ALPHA / 2);
	*hi = gsl_stats_quantile_from_sorted_data(meds, 1, STATS_BOOT_N, 1 - STATS_ALPHA / 2);
	ret = 0;
out:
	gsl_rng_free(r);
	free(res);
	free(meds);
	return ret;
}

int stats_summarize(const double *x, size_t n, struct stats_summary *out)
{
	double *s;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!n)
		return -EINVAL;
	if (check_finite(x, n))
		return -EINVAL;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, x, n * sizeof(*s));
	gsl_sort(s, 1, n);
	out->n = n;
	out->median = median_sorted(s, n);
	out->mean = gsl_stats_mean(s, 1, n);
	out->min = s[0];
	out->max = s[n - 1];
	out->ci95_low = out->ci95_high = out->median;
	ret = 0;
	if (n >= 2) {
		out->stddev = gsl_stats_sd_m(s, 1, n, out->mean);
		if (out->mean != 0)
			out->cv_percent = out->stddev / fabs(out->mean) * 100.0;
		ret = boot_median(s, n, &out->ci95_low, &out->ci95_high);
		/* the quantile interpolates between equal medians; keep a rounding
		 * error from putting the interval outside the data */
		out->ci95_low = fmax(out->ci95_low, out->min);
		out->ci95_high = fmin(out->ci95_high, out->max);
	}
	free(s);
	return ret;
}

/* Welch's unequal-variance t-test, two-sided. Returns 1 when it cannot be
 * computed (fewer than two values on a side). Two samples without any
 * spread are equal (p = 1) or certainly different (p = 0). */
static double welch_p(const double *a, size_t na, const double *b, size_t nb)
{
	double ma, mb, va, vb, qa, qb, se2, t, df;

	if (na < 2 || nb < 2)
		return 1.0;
	ma = gsl_stats_mean(a, 1, na);
	mb = gsl_stats_mean(b, 1, nb);
	va = gsl_stats_variance_m(a, 1, na, ma);
	vb = gsl_stats_variance_m(b, 1, nb, mb);
	qa = va / (double)na;
	qb = vb / (double)nb;
	se2 = qa + qb;
	if (!(se2 > 0))
		return ma == mb ? 1.0 : 0.0;
	t = (ma - mb) / sqrt(se2);
	/* Welch–Satterthwaite; a zero-variance side contributes nothing. */
	df = se2 * se2 / ((qa * qa) / (double)(na - 1) + (qb * qb) / (double)(nb - 1));
	return fmin(1.0, 2.0 * gsl_cdf_tdist_Q(fabs(t), df));
}

int stats_compare(const double *base, size_t nb, const double *new_, size_t nn,
		  struct stats_comparison *out)
{
	struct stats_summary sb, sn;
	int ret;

	out->delta_percent = 0;
	out->p_value = 1.0;
	out->significant = false;
	if (!nb || !nn)
		return -EINVAL;
	ret = stats_summarize(base, nb, &sb);
	if (!ret)
		ret = stats_summarize(new_, nn, &sn);
	if (ret)
		return ret;
	if (sb.median != 0)
		out->delta_percent = (sn.median - sb.median) / fabs(sb.median) * 100.0;
	out->p_value = welch_p(base, nb, new_, nn);
	out->significant = out->p_value < STATS_ALPHA;
	return 0;
}
