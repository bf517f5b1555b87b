/* tune.h — `wgbench tune`: reference 002 §7's workflow, automated
 * (baseline, identify, one knob at a time, compare, watch drops, record,
 * stop at the plateau), ending in a change the operator can apply (§8).
 *
 * On a bed opened (not up) and closed by the caller:
 *  1. the start: the given --variant, or the testbed as it is;
 *  2. the doctor on the current best (doctor.h); its findings propose
 *     candidates (tune_cand.c's table: finding id -> shipped variants), then
 *     reference 002 §4's sequence for what they do not cover; each candidate
 *     is one knob (or one shipped variant) merged onto the current best and
 *     written to OUT/variants/; one the testbed cannot do (variant_check on
 *     the bed) is skipped with the reason;
 *  3. each candidate measured interleaved against the best in one run
 *     (run_execute(): the two variants, the targets and the guarded
 *     scenarios, the run's repeat setting) into OUT/steps/NN-NAME/; kept
 *     only when a target improves (verdict improvement) and no guarded
 *     metric regresses (the other scenarios' throughput, RTT p99, drops);
 *  4. again from 2 on the new best, until no candidate is kept, the budget
 *     ends or max_rounds rounds ran; then start and final measured once
 *     more, interleaved, for the claim "tuned vs start".
 * Output in OUT: tune.md (reference 002 §7.1's table and every rejected
 * candidate with why), tune.json, tuned.json (the final variant) and
 * persist/ (§8: a sysctl.d file, a systemd oneshot unit and its script),
 * written, never installed. Each run reverts its variant and takes the
 * testbed down; between runs nothing of tune is applied, and a killed tune
 * leaves what `wgbench cleanup` removes (host values in /run/wgbench).
 *
 * With o->history, each step's run (and the confirmation) is recorded in
 * that history as `run --history` records a run; tune.json has their ids
 * and "final"."history_run", the run of "tuned vs start".
 * Returns 0 when tune ran to its end (whatever it kept), 1 when it did but
 * a run could not be recorded in the history, -EINTR when stopped
 * by a signal (tune.md says where), -EINVAL etc. on bad input (printed,
 * before the machine is touched), another -errno on failure.
 */
#ifndef WGB_TUNE_H
#define WGB_TUNE_H

#include <stdbool.h>
#include <stddef.h>

#include "opts.h"

struct bed;

struct tune_opts {
	const char *targets[OPTS_MAX_LIST];    /* scenario names; none: every measured one */
	size_t n_targets;
	/* Candidate names (tune_cand.c's table) or variant files; none: the table. */
	const char *candidates[OPTS_MAX_LIST];
	size_t n_candidates;
	double budget_min;              /* minutes for the whole session; 0: none */
	unsigned int max_rounds;        /* 0: until no candidate is kept */
	bool advice_only;               /* only what findings propose (doctor --apply-advice) */
	bool no_doctor;                 /* candidates from the sequence alone */
	const char *no_doctor_why;      /* why, when not --no-doctor (a backend without one) */
	double threshold_percent;       /* of every verdict (VERDICT_THRESHOLD_DEFAULT) */
	double rtt_slack_ms;            /* a significant RTT p99 rise below this is tolerated */
	const char *out;                /* OUT, new or empty (o->force: non-empty allowed) */
};

#define TUNE_RTT_SLACK_DEFAULT 20.0   /* ms */

void tune_opts_init(struct tune_opts *t);
/* What tune_execute() refuses before a testbed is built (flags, scenarios,
 * candidates, the start, --out), said the same way; writes nothing. For a
 * launcher that runs tune elsewhere (--backend vm: in a guest). */
int tune_check(const struct tune_opts *t, const struct opts *o);
int tune_execute(const struct tune_opts *t, const struct opts *o, struct bed *bed);

#endif
