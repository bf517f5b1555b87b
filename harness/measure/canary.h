/* canary.h — a machine-speed canary: is this still the same machine?
 *
 * A fixed ChaCha20-Poly1305 loop (the tunnel's own cipher, through
 * libsodium) on one thread pinned to each online CPU, all at once, for a
 * fixed time: sealed 1420-byte packets per second, per CPU and in all. A run
 * takes it before and after its measurements; a machine that got slower in
 * between, or between two runs that are compared (another job, a frequency
 * or thermal change, a noisy neighbour's steal), moves it, whatever the
 * tunnel did. Nothing here touches the network.
 */
#ifndef WGB_CANARY_H
#define WGB_CANARY_H

#include <stddef.h>

struct json_object;

#define CANARY_MAX_CPUS 256
#define CANARY_PACKET 1420

struct canary_result {
	double seconds;                  /* how long each thread ran */
	size_t ncpu;
	int cpu[CANARY_MAX_CPUS];
	double per_cpu[CANARY_MAX_CPUS]; /* packets per second */
	double ops_per_s;                /* their sum */
};

/* seconds: 0.05..10. 0, or -errno after saying why. */
int canary_run(double seconds, struct canary_result *out);
/* {"ops_per_s","seconds","packet_bytes","cipher","per_cpu":[{"cpu","ops_per_s"}]} */
struct json_object *canary_json(const struct canary_result *r);

#endif
