/* t_stats.c — stats.c against values computed independently:
 * medians by hand, Welch p-values from tests/data/welch_ref.py (Simpson
 * integration of Student's t density, no GSL) and Wikipedia's example,
 * and the bootstrap's determinism. */
#include "stats.h"

#include <math.h>
#include <stdio.h>

#define T_NAME "t_stats"
#define CHECK T_CHECK_MSG
#include "t_common.h"

static int near(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fmax(fabs(a), fabs(b));
}

static void t_medians(void)
{
	const double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 }, one[] = { 7.5 };
	struct stats_summary s;

	CHECK(!stats_summarize(odd, 3, &s) && s.median == 3, "median of 5,1,3 = %g", s.median);
	CHECK(s.min == 1 && s.max == 5 && s.n == 3, "min/max/n");
	CHECK(near(s.mean, 3, 1e-12) && near(s.stddev, 2, 1e-12), "mean %g sd %g", s.mean, s.stddev);
	CHECK(near(s.cv_percent, 200.0 / 3, 1e-12), "cv %g", s.cv_percent);
	CHECK(s.ci95_low >= 1 && s.ci95_high <= 5 && s.ci95_low <= 3 && s.ci95_high >= 3,
	      "interval [%g, %g] must hold the median within the data", s.ci95_low, s.ci95_high);
	CHECK(!stats_summarize(even, 4, &s) && s.median == 2.5, "median of 4,1,3,2 = %g", s.median);
	CHECK(!stats_summarize(one, 1, &s) && s.median == 7.5 && s.ci95_low == 7.5 &&
	      s.ci95_high == 7.5 && s.cv_percent == 0 && s.stddev == 0, "n = 1");
	CHECK(stats_summarize(one, 0, &s) < 0, "n = 0 must fail");
	{
		const double bad[] = { 1, NAN };
		CHECK(stats_summarize(bad, 2, &s) < 0, "NaN must fail");
	}
}

static void t_welch(void)
{
	/* Wikipedia, "Welch's t-test", example 1: t = -2.46, df = 25.0, p = 0.021 */
	const double a1[] = { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6,
			      23.1, 19.6, 19.0, 21.7, 21.4 };
	const double a2[] = { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2,
			      21.9, 22.1, 22.9, 20.5, 24.4 };
	const double b1[] = { 941e6, 902e6, 955e6, 921e6, 930e6 };
	const double b2[] = { 812e6, 890e6, 770e6, 845e6, 801e6, 860e6, 799e6 };
	const double c1[] = { 1.00, 1.10, 0.95, 1.05 };
	const double c2[] = { 1.02, 0.98, 1.08, 1.01, 0.97 };
	const double k1[] = { 5, 5, 5 }, k2[] = { 6, 6 };
	struct stats_comparison c;

	CHECK(!stats_compare(a1, 15, a2, 15, &c), "wiki");
	CHECK(near(c.p_value, 0.02137800146, 1e-6) && c.significant, "wiki p = %.10g", c.p_value);
	CHECK(!stats_compare(b1, 5, b2, 7, &c), "tput");
	CHECK(near(c.p_value, 0.0002499146863, 1e-6) && c.significant, "tput p = %.10g", c.p_value);
	CHECK(near(c.delta_percent, (812e6 - 930e6) / 930e6 * 100, 1e-12), "tput delta %g",
	      c.delta_percent);
	CHECK(!stats_compare(c1, 4, c2, 5, &c), "same");
	CHECK(near(c.p_value, 0.7436308084, 1e-6) && !c.significant, "same p = %.10g", c.p_value);
	/* symmetric in its arguments */
	CHECK(!stats_compare(c2, 5, c1, 4, &c) && near(c.p_value, 0.7436308084, 1e-6), "swap");
	/* degenerate: n = 1 is never significant; no spread: equal or certainly not */
	CHECK(!stats_compare(a1, 1, a2, 15, &c) && c.p_value == 1 && !c.significant, "n=1");
	CHECK(!stats_compare(k1, 3, k2, 2, &c) && c.p_value == 0 && c.significant, "constant");
	CHECK(!stats_compare(k1, 3, k1, 2, &c) && c.p_value == 1 && !c.significant &&
	      c.delta_percent == 0, "constant equal");
}

static void t_bootstrap_deterministic(void)
{
	const double x[] = { 812, 890, 770, 845, 801, 860, 799, 905, 833 };
	const double y[] = { 905, 833, 812, 890, 770, 845, 801, 860, 799 }; /* same, reordered */
	struct stats_summary a, b, c;

	stats_summarize(x, 9, &a);
	stats_summarize(x, 9, &b);
	stats_summarize(y, 9, &c);
	CHECK(a.ci95_low == b.ci95_low && a.ci95_high == b.ci95_high, "same data, same interval");
	CHECK(a.ci95_low == c.ci95_low && a.ci95_high == c.ci95_high,
	      "order of the data must not change the interval");
	CHECK(a.ci95_low < a.median && a.ci95_high > a.median, "[%g, %g] around %g",
	      a.ci95_low, a.ci95_high, a.median);
	CHECK(a.ci95_low >= 770 && a.ci95_high <= 905, "within the data");
}

int main(void)
{
	t_medians();
	t_welch();
	t_bootstrap_deterministic();
	if (failures)
		fprintf(stderr, "t_stats: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
