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

#endif
