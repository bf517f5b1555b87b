/* run.h — one complete run: testbed up, variants x scenarios x repeats,
 * testbed down, results directory written. `wgbench run` is a thin wrapper;
 * `wgbench sweep` calls it once per value, each into its own subdirectory.
 *
 * Returns 0 when every scenario succeeded, 1 when the run completed but some
 * scenario failed, or -errno (bad input: -EINVAL etc., after printing why).
 */
#ifndef WGB_RUN_H
#define WGB_RUN_H

struct opts;

int run_execute(const struct opts *o, const char *out_dir);

#endif
