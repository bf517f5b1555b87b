/* run.h — one complete run: testbed up, variants x scenarios x repeats,
 * testbed down, results directory written. `wgbench run` is a thin wrapper;
 * `wgbench sweep` calls it once per value, each into its own subdirectory.
 *
 * Returns 0 when every scenario succeeded, 1 when the run completed but some
 * scenario failed, or -errno (bad input: -EINVAL etc., after printing why).
 */
#ifndef WGB_RUN_H
#define WGB_RUN_H

#include <signal.h>
#include <stddef.h>

struct json_object;
struct opts;
struct traffic_flow;
struct traffic_flow_result;
struct traffic_test;

int run_execute(const struct opts *o, const char *out_dir);

/* A testbed that is not namespaces on this machine (--backend vms: one
 * guest per node). run_execute_on() does the same run, calling these where
 * run_execute() uses topo, variant_check/apply, traffic_run() and the
 * sampler. Times are this machine's monotonic seconds (util_now_mono()). */
struct run_backend {
	/* Testbed up with n tunnels; wg_version like topo_wg_version(). */
	int (*up)(void *arg, unsigned int tunnels, char *wg_version, size_t len);
	void (*down)(void *arg);
	/* As traffic_run(). */
	int (*traffic)(void *arg, const struct traffic_test *t, const struct traffic_flow *flows,
		       size_t n, double timeout, const volatile sig_atomic_t *stop,
		       struct traffic_flow_result *res, double *t_clients_started);
	/* As sample_start()/sample_stop(); the timeline goes to timeline_path. */
	int (*sample_start)(void *arg, double interval, const char *timeline_path);
	int (*sample_stop)(void *arg, double w0, double w1, struct json_object **cpu,
			   struct json_object **drops);
	/* A variant file's text: can it run there (0, else -ENOTSUP and why)?
	 * Apply it (text NULL: back to the testbed as built), the read-back
	 * records as variant_applied_json() makes them into *applied. */
	int (*variant_check)(void *arg, const char *text, char *why, size_t len);
	int (*variant_apply)(void *arg, const char *text, struct json_object **applied);
};

int run_execute_on(const struct opts *o, const char *out_dir, const struct run_backend *be, void *arg);

#endif
