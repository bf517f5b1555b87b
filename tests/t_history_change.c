/* t_history_change.c — e-divisive means on synthetic series whose answer is
 * known: a step of 15 % at index 12 of 24 (noise 2 %, from a seeded normal
 * generator here, independent of the code under test) is found at 12 with
 * the levels either side; two steps are both found; a flat series of the same
 * noise, one with a single outlier, and one too short give none; the result
 * does not depend on the order the shuffles come in beyond the seed. */
#include "history_change.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define T_NAME "t_history_change"
#define CHECK T_CHECK_MSG
#include "t_common.h"

/* Box-Muller over a 64-bit LCG: the test's own noise. */
static double gauss(uint64_t *s)
{
	double u1, u2;

	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	u1 = ((*s >> 11) + 0.5) / 9007199254740992.0;
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	u2 = ((*s >> 11) + 0.5) / 9007199254740992.0;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void series(double *x, size_t n, const double *level, const size_t *at, size_t nat,
		   double noise, uint64_t seed)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		while (k < nat && i >= at[k])
			k++;
		x[i] = level[k] * (1 + noise * gauss(&seed));
	}
}

static void t_step(void)
{
	const double level[] = { 900e6, 765e6 };
	const size_t at[] = { 12 };
	struct history_cp *cp = NULL;
	double x[24];
	size_t n = 0;

	series(x, 24, level, at, 1, 0.02, 42);
	CHECK(!history_change_find(x, 24, NULL, &cp, &n), "find");
	CHECK(n == 1, "a 15 %% step: %zu change points, expected 1", n);
	if (n >= 1) {
		CHECK(cp[0].index == 12, "the step is at index %zu, expected 12", cp[0].index);
		CHECK(cp[0].p_value <= 0.05, "p %g", cp[0].p_value);
		CHECK(fabs(cp[0].before / 900e6 - 1) < 0.02 && fabs(cp[0].after / 765e6 - 1) < 0.02,
		      "levels %g -> %g", cp[0].before, cp[0].after);
	}
	free(cp);
}

static void t_two_steps(void)
{
	const double level[] = { 500e6, 600e6, 450e6 };
	const size_t at[] = { 10, 22 };
	struct history_cp *cp = NULL;
	double x[34];
	size_t n = 0;

	series(x, 34, level, at, 2, 0.02, 7);
	CHECK(!history_change_find(x, 34, NULL, &cp, &n), "find");
	CHECK(n == 2 && cp[0].index == 10 && cp[1].index == 22,
	      "two steps: %zu found, at %zu and %zu, expected 10 and 22", n,
	      n > 0 ? cp[0].index : 0, n > 1 ? cp[1].index : 0);
	free(cp);
}

static void t_flat(void)
{
	const double level[] = { 900e6 };
	struct history_cp *cp = NULL;
	double x[24];
	size_t n = 9;

	series(x, 24, level, NULL, 0, 0.02, 42);
	CHECK(!history_change_find(x, 24, NULL, &cp, &n) && n == 0 && !cp,
	      "a flat series: %zu change points, expected none (first at %zu, p %g)", n,
	      cp ? cp[0].index : 0, cp ? cp[0].p_value : 0);
	free(cp);
	x[7] = 600e6;   /* one outlier is not a new level */
	CHECK(!history_change_find(x, 24, NULL, &cp, &n) && n == 0,
	      "a single outlier: %zu change points, expected none", n);
	free(cp);
	CHECK(!history_change_find(x, 5, NULL, &cp, &n) && n == 0, "5 points: too short");
	free(cp);
}

static void t_opts(void)
{
	const double level[] = { 900e6, 765e6 };
	const size_t at[] = { 12 };
	struct history_change_opts o;
	struct history_cp *a = NULL, *b = NULL;
	double x[24];
	size_t na = 0, nb = 0;

	series(x, 24, level, at, 1, 0.02, 42);
	history_change_defaults(&o);
	o.seed = 5;
	CHECK(!history_change_find(x, 24, &o, &a, &na) && !history_change_find(x, 24, &o, &b, &nb) &&
	      na == nb && na == 1 && a[0].p_value == b[0].p_value, "the same seed, the same p");
	free(a);
	free(b);
	o.min_size = 1;
	CHECK(history_change_find(x, 24, &o, &a, &na) == -EINVAL, "min_size 1 is refused");
	/* too few shuffles to reach alpha: nothing can be significant */
	history_change_defaults(&o);
	o.permutations = 9;
	o.alpha = 0.05;
	CHECK(!history_change_find(x, 24, &o, &a, &na) && na == 0,
	      "9 shuffles cannot give p <= 0.05: %zu found", na);
	free(a);
}

int main(void)
{
	t_step();
	t_two_steps();
	t_flat();
	t_opts();
	if (failures)
		fprintf(stderr, "t_history_change: %d failure(s)\n", failures);
	return failures != 0;
}
