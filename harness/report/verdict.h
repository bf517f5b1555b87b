/* verdict.h — the judgement of BASE/NEW pairs (DESIGN.md "Verdicts"), shared
 * by `compare` (two results directories) and summary[] (each variant against
 * the first of one run). Pure: samples and measured interference in, one
 * verdict with its reason out; no I/O.
 *
 * In order, a pair is
 *   missing       on one side only;
 *   failed        NEW failed a larger share of its repeats than BASE did;
 *   disturbed     either side's measured interference beyond a limit:
 *                 CPU taken by processes outside the testbed above
 *                 VERDICT_FOREIGN_CPU_LIMIT % of one core or steal above
 *                 VERDICT_STEAL_LIMIT % in any successful repeat, or the
 *                 machine-speed canary moved beyond the threshold within a
 *                 side (before/after) or between the sides;
 *   inconclusive  too few successful repeats to test (n < 2 on a side);
 * else it is tested (Welch's t on log values, stats_ratio) and, with Holm's
 * correction over every tested pair of the call,
 *   regression / improvement  the change significant (Holm p < alpha,
 *                 rules->alpha or STATS_ALPHA) and
 *                 its estimate beyond the threshold, in the bad / good
 *                 direction;
 *   equivalent    the equivalence test significant (Holm): the 95 %
 *                 interval of the change inside +-threshold;
 *   inconclusive  neither; it says what change this n and noise could
 *                 detect and how many repeats would detect the threshold.
 * Interference fields that are absent are "not measured" (old results):
 * the pair is judged and `unmeasured` says what could not be checked.
 */
#ifndef WGB_VERDICT_H
#define WGB_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"

#define VERDICT_THRESHOLD_DEFAULT 5.0    /* percent */
#define VERDICT_FOREIGN_CPU_LIMIT 10.0   /* % of one core, averaged over a window */
#define VERDICT_STEAL_LIMIT 5.0          /* % of CPU time, averaged over a window */
#define VERDICT_REPEATS_MAX 1000         /* "repeats needed" beyond this: "more than" */

enum verdict_kind {
	VERDICT_REGRESSION,
	VERDICT_IMPROVEMENT,
	VERDICT_EQUIVALENT,
	VERDICT_INCONCLUSIVE,
	VERDICT_FAILED,
	VERDICT_MISSING,
	VERDICT_DISTURBED,
	VERDICT_SKIPPED,            /* summary[] only: the run skipped the variant (the
				     * testbed lacks a knob); set by the caller, never judged */
	VERDICT_COUNT
};

struct verdict_side {
	bool present;               /* false: the pair exists on the other side only */
	bool not_measured;          /* present, but its runs did not measure this metric */
	const double *x;            /* n values of the successful repeats */
	size_t n, n_runs;           /* successful repeats, every repeat */
	double foreign_cpu;         /* the largest over the successful repeats; NAN: not measured */
	double steal;               /* the same, steal time */
	int foreign_repeat, steal_repeat;   /* the repeats they came from */
	size_t n_interference;      /* successful repeats that carried interference */
	double canary_before, canary_after; /* ops/s of the side's run; NAN: not measured */
};

struct verdict_pair {
	struct verdict_side base, new_;
	bool lower_is_better;       /* latency; throughput is higher-is-better */
	/* filled by verdict_judge() */
	enum verdict_kind kind;
	bool tested;                /* in the Holm family */
	bool has_ratio;             /* r computed (n >= 2 each side), also when not tested */
	struct stats_ratio r;       /* valid when has_ratio */
	double p_holm, p_equiv_holm;
	double mde_percent;         /* inconclusive: what this n and noise could detect */
	size_t repeats_needed;      /* inconclusive: per side, to detect the threshold; 0: > max */
	char why[512];
	char unmeasured[160];       /* "" or what could not be checked */
};

struct verdict_rules {
	double threshold_percent;
	bool canary;                /* judge the canary (compare: two runs; not within one) */
	const char *name[2];        /* the sides in the reasons; NULL: "BASE", "NEW" */
	double alpha;               /* of both tests (before Holm); 0: STATS_ALPHA. A
				     * sequential run's per-look level (verdict_seq.h) */
};

/* Judges n pairs as one family (Holm over those tested). 0 or -ENOMEM. */
int verdict_judge(struct verdict_pair *pairs, size_t n, const struct verdict_rules *rules);

/* "regression", "improvement", ... as in results files and JUnit. */
const char *verdict_name(enum verdict_kind k);

/* The exit code of a set of verdicts, from how many pairs got each kind
 * (DESIGN.md): 0 every pair improved or equivalent, 1 a regression or a
 * failure, 3 anything else (inconclusive, disturbed, missing). */
int verdict_exit_code(const size_t count[VERDICT_COUNT]);

#endif
