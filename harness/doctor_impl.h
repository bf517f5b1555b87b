/* doctor_impl.h — internal to the doctor: the JSON helpers and finding
 * builder shared by the rule files (doctor.c: MTU, routing, CPU;
 * doctor_loss.c: loss and queues) and the measuring side (doctor_run.c,
 * doctor_probe.c). Not a public contract. */
#ifndef WGB_DOCTOR_IMPL_H
#define WGB_DOCTOR_IMPL_H

#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct opts;
struct scenario;
struct topo;

enum doctor_severity { DOCTOR_INFO, DOCTOR_WARNING, DOCTOR_CRITICAL };

/* Walk "a.b.c" (object keys only); NULL when a step is missing or null. */
struct json_object *dj_get(struct json_object *o, const char *path);
/* A number at path; false when absent, null or not a number. */
bool dj_num(struct json_object *o, const char *path, double *out);
const char *dj_str(struct json_object *o, const char *path);

/* A new finding appended to arr; returns its evidence object (owned by the
 * finding) to fill, or NULL on allocation failure. node/link may be NULL. */
struct json_object *dj_finding(struct json_object *arr, const char *id, const char *node,
			       const char *link, enum doctor_severity sev, const char *advice,
			       const char *summary_fmt, ...) __attribute__((format(printf, 7, 8)));
void dj_ev_num(struct json_object *ev, const char *key, double v);
void dj_ev_int(struct json_object *ev, const char *key, long long v);
void dj_ev_str(struct json_object *ev, const char *key, const char *v);

/* Rules on the loss/queue counters (doctor_loss.c). */
int doctor_rules_loss(struct json_object *in, struct json_object *out);

/* Measurements (doctor_probe.c). Each enters the node's namespace (path
 * /run/netns/...) only on the calling thread, and comes back. */
enum doctor_probe_result { PROBE_REPLY, PROBE_FRAG_NEEDED, PROBE_LOCAL_EMSGSIZE, PROBE_TIMEOUT };
struct doctor_pmtu_probe {
	unsigned int size;              /* IP total length */
	enum doctor_probe_result result;
	unsigned int mtu;               /* frag-needed / local: the MTU said */
};
struct doctor_pinger;
int doctor_pinger_open(const char *netns_path, struct in_addr dst, struct doctor_pinger **out);
void doctor_pinger_close(struct doctor_pinger *p);
/* One DF echo of `size` IP bytes; up to `attempts` tries of timeout seconds
 * while nothing at all comes back. */
int doctor_ping(struct doctor_pinger *p, unsigned int size, unsigned int attempts, double timeout,
		struct doctor_pmtu_probe *out);
const char *doctor_probe_result_name(enum doctor_probe_result r);

/* Kernel's route for dst (from src arriving on iif; src/iif may be 0/NULL):
 * the outgoing interface's name into oif. */
int doctor_route_get(const char *netns_path, struct in_addr dst, struct in_addr src,
		     const char *iif, char *oif, size_t len);
int doctor_link_mtu(const char *netns_path, const char *ifname, unsigned int *mtu);
/* Root qdisc kind ("" when none) and, for tbf/htb, its rate in bit/s. */
int doctor_root_qdisc(const char *netns_path, const char *ifname, char *kind, size_t len,
		      uint64_t *rate_bps);
/* Icmp counters of the node (/proc/net/snmp in its namespace). */
int doctor_icmp_counters(const char *netns_path, uint64_t *in_dest_unreachs,
			 uint64_t *out_dest_unreachs);

/* One scenario through the traffic layer with the sampler around it
 * (doctor_traffic.c): *out = {"ok","error","protocol","flows","block_size",
 * "duration_s","throughput_bps","sender_bps","packets_per_s","lost_percent",
 * "retransmits","cpu","drops"}. timeline/raw_dir may be NULL (not kept).
 * Returns 0, or -errno when it could not run (*out still says why). */
int doctor_scenario(const struct opts *o, struct topo *t, int duration, int omit,
		    const struct scenario *s, const char *timeline, const char *raw_dir,
		    const volatile sig_atomic_t *stop, struct json_object **out);

#endif
