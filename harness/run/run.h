/* run.h — one complete run on a testbed backend (bed.h): testbed up,
 * variants x scenarios x repeats, testbed down, results directory written.
 * harness/cli/backend.c opens the bed from --backend and calls this, for
 * `wgbench run` once and for `wgbench sweep` once per value, each into its
 * own directory; the caller closes the bed.
 *
 * Everything a user supplied is validated before the bed is brought up.
 * SIGINT/SIGTERM (stop.h) stop the current scenario; the variant is reverted
 * and the testbed taken down on every path.
 *
 * Returns 0 when every scenario succeeded, 1 when the run completed but some
 * scenario failed, or -errno (bad input: -EINVAL etc., after printing why;
 * -EINTR when stopped by a signal).
 */
#ifndef WGB_RUN_H
#define WGB_RUN_H

struct bed;
struct opts;

int run_execute(const struct opts *o, const char *out_dir, struct bed *bed);
/* What run_execute() checks of the user's input before it touches anything
 * (durations, scenarios, variants, the plan, out_dir), without a bed: for a
 * caller that makes directories of its own first (sweep). 0 or -errno after
 * the message. */
int run_preflight(const struct opts *o, const char *out_dir);

#endif
