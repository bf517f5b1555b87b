/* sample.h — counters sampled beside every scenario, never forking.
 *
 * sample_start() opens every source once (procfs files of the host, one
 * netlink socket per node namespace, the tunnel's UAPI sockets or genl) and
 * starts a thread that takes a snapshot every `interval` seconds, writing the
 * timeline to timeline_path. sample_stop() ends it and summarises the deltas
 * over [window_start, window_end] (monotonic seconds, util_now_mono()) into
 * the `cpu` and `drops` objects of a runs[] entry (DESIGN.md).
 */
#ifndef WGB_SAMPLE_H
#define WGB_SAMPLE_H

#include <stddef.h>
#include <sys/types.h>

struct json_object;
struct topo;
struct sampler;

int sample_start(const struct topo *t, double interval, const char *timeline_path,
		 struct sampler **out);
int sample_stop(struct sampler *s, double window_start, double window_end,
		struct json_object **cpu, struct json_object **drops);
/* CPU seconds the sampler thread itself used so far. */
double sample_self_cpu(const struct sampler *s);
void sample_free(struct sampler *s);

/* The same sampler on nodes given directly (tests, a testbed without topo).
 * netns_path NULL: the current namespace. Kernel worker threads are looked
 * up by the interface names in kthread_ifnames (wg-crypt-IF, napi/IF-N). */
#define SAMPLE_NODE_PIDS 16
#define SAMPLE_NODE_IFNAMES 16
struct sample_node_spec {
	const char *name;
	const char *netns_path;
	pid_t tunnel_pids[SAMPLE_NODE_PIDS];
	size_t n_pids;
	const char *kthread_ifnames[SAMPLE_NODE_IFNAMES];
	size_t n_ifnames;
};
int sample_start_nodes(const struct sample_node_spec *nodes, size_t n_nodes, double interval,
		       const char *timeline_path, struct sampler **out);
/* Snapshots taken so far, mean and worst microseconds one took. */
void sample_cost(const struct sampler *s, unsigned long *snapshots, double *mean_us, double *max_us);

#endif
