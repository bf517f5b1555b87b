/* verdict_seq.h — the stopping rule of `wgbench run --repeat auto[:MIN]`:
 * interleaved rounds (every variant x scenario once, shuffled) until every
 * pair of the run is decided, or the time budget ends. Pure: no I/O.
 *
 * Looking at the data after every round and stopping at the first round that
 * looks decided would inflate the error rates: each look is another chance
 * for noise to cross the line. So the looks are planned before the first
 * round: at most VERDICT_SEQ_LOOKS_MAX of them, at rounds spread from MIN to
 * the most rounds the budget holds (by the plan's estimate of a round), and
 * each look judges at alpha / looks (Bonferroni over the looks; Holm over the
 * pairs within a look, verdict_judge()). By the union bound the chance that
 * any look calls a change that is not there (or an equivalence that is not
 * there) is at most alpha, wherever the run stops. The looks share their
 * data, so the real rate is lower (tests/t_stats.c simulates it).
 *
 * After a look the run stops when no pair is undecided (inconclusive, or
 * disturbed: in a run's summary, fewer than two calm repeats on a side,
 * which more rounds can mend), at the last planned look, or when the next
 * round would not fit in the budget; that round is then a look too (it
 * takes the place of the looks not reached, so there are never more than
 * planned). MIN rounds always run.
 */
#ifndef WGB_VERDICT_SEQ_H
#define WGB_VERDICT_SEQ_H

#include <stdbool.h>
#include <stddef.h>

#include "verdict.h"

#define VERDICT_SEQ_LOOKS_MAX 8
#define VERDICT_SEQ_MIN_DEFAULT 3
#define VERDICT_SEQ_BUDGET_PER_SCENARIO_S 180.0

struct verdict_seq_plan {
	unsigned int min_rounds, max_rounds;
	unsigned int looks;                         /* planned, 1..VERDICT_SEQ_LOOKS_MAX */
	unsigned int look_round[VERDICT_SEQ_LOOKS_MAX];   /* increasing; the last is max_rounds */
	double alpha, alpha_look;                   /* overall; per look (alpha / looks) */
	double budget_s, round_s;                   /* the budget, a round by the estimate */
};

/* The plan for at least min_rounds (>= 2) rounds of about round_s seconds
 * within budget_s; 0, or -EINVAL for values out of range. */
int verdict_seq_plan(unsigned int min_rounds, double budget_s, double round_s,
		     struct verdict_seq_plan *out);

/* The pairs more rounds could decide: inconclusive and disturbed. */
size_t verdict_seq_undecided(const size_t count[VERDICT_COUNT]);

/* Whether the run judges after round (1-based) by the plan. */
bool verdict_seq_is_look(const struct verdict_seq_plan *p, unsigned int round);

enum verdict_seq_stop {
	VERDICT_SEQ_GO_ON,          /* no stop */
	VERDICT_SEQ_DECIDED,        /* no pair inconclusive */
	VERDICT_SEQ_LOOKS_USED,     /* the last planned look */
	VERDICT_SEQ_BUDGET,         /* the next round would not fit */
};

/* After a round, elapsed_s into the rounds, the last one taking last_s:
 * whether the next one would not fit in the budget. */
bool verdict_seq_budget_ends(const struct verdict_seq_plan *p, double elapsed_s, double last_s);

/* After a look at round `round` with the verdicts of its pairs counted in
 * count[]: why the run stops, or VERDICT_SEQ_GO_ON. budget_ends from
 * verdict_seq_budget_ends(). */
enum verdict_seq_stop verdict_seq_after_look(const struct verdict_seq_plan *p, unsigned int round,
					     const size_t count[VERDICT_COUNT], bool budget_ends);

/* "decided", "looks used", "budget", "" for GO_ON: as in run.json. */
const char *verdict_seq_stop_name(enum verdict_seq_stop s);

#endif
