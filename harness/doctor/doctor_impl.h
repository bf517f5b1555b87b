/* doctor_impl.h — internal to the doctor: the finding
 * builder shared by the rule files (doctor.c: MTU, routing, CPU;
 * doctor_loss.c: loss and queues; doctor_latency.c: bufferbloat) and the measuring side (doctor_run.c,
 * doctor_probe.c). Not a public contract. */
#ifndef WGB_DOCTOR_IMPL_H
#define WGB_DOCTOR_IMPL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct bed;
struct json_object;
struct opts;
struct scenario;
struct scenario_set;
struct variant_set;

enum doctor_severity { DOCTOR_INFO, DOCTOR_WARNING, DOCTOR_CRITICAL };

/* A new finding appended to arr; returns its evidence object (owned by the
 * finding) to fill, or NULL on allocation failure. node/link may be NULL. */
struct json_object *doctor_finding(struct json_object *arr, const char *id, const char *node,
			       const char *link, enum doctor_severity sev, const char *advice,
			       const char *summary_fmt, ...) __attribute__((format(printf, 7, 8)));
void doctor_ev_num(struct json_object *ev, const char *key, double v);
void doctor_ev_int(struct json_object *ev, const char *key, long long v);
/* The number at path in src (jsonx_num_at), if there is one, as an integer. */
void doctor_ev_int_at(struct json_object *ev, const char *key, struct json_object *src, const char *path);
void doctor_ev_str(struct json_object *ev, const char *key, const char *v);

/* What one doctor run is given (doctor_run.c): whole seconds, the probe
 * scenarios, at most one variant. */
#define DOCTOR_MAX_SCENARIOS 64
struct doctor_inputs {
	int duration, omit;
	struct scenario_set *all;
	const struct scenario *sel[DOCTOR_MAX_SCENARIOS];
	size_t n_sel;
	struct variant_set *vs;
};
int doctor_inputs_load(const struct opts *o, struct doctor_inputs *di);
void doctor_inputs_free(struct doctor_inputs *di);
/* --out DIR made (empty, or --force) with samples/ and raw/. */
int doctor_prepare_out(const struct opts *o);
/* A progress line unless --quiet. */
void doctor_say(const struct opts *o, FILE *tty, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The short scenarios with the sampler into in's "scenarios" (the CPU and
 * loss steps; a failure is tried once more). -EINTR when stopped. */
int doctor_scenarios(const struct opts *o, struct bed *bed, const struct doctor_inputs *di, FILE *tty,
		     struct json_object *in);
/* The step whose critical finding stops the doctor: "mtu", "routing", NULL. */
const char *doctor_stop_reason(struct json_object *in);

/* The live path (doctor_live*.c): a tunnel that already exists, on the
 * live bed; its input document has "live" (doctor.h). */
int doctor_live_collect(const struct opts *o, struct bed *bed, struct json_object **input);
/* Its rules (doctor_live_rules.c), around doctor.c's MTU rules: the path
 * (route, handshakes and endpoints, the underlay), then this machine
 * (rp_filter, the underlay qdisc at rest, conntrack). */
int doctor_rules_live_path(struct json_object *in, struct json_object *out);
int doctor_rules_live_host(struct json_object *in, struct json_object *out);

/* Rules on the loss/queue counters (doctor_loss.c). */
int doctor_rules_loss(struct json_object *in, struct json_object *out);
/* bufferbloat: RTT under load far above idle, the queue located
 * (doctor_latency.c). */
int doctor_rules_latency(struct json_object *in, struct json_object *out);

/* Measurements (doctor_probe.c). Each enters the node's namespace (path
 * /run/netns/...; NULL: stays in the caller's) only on the calling thread,
 * and comes back. */
/* PACKET_TOO_BIG: IPv6's frag-needed (ICMPv6 type 2). */
enum doctor_probe_result { PROBE_REPLY, PROBE_FRAG_NEEDED, PROBE_LOCAL_EMSGSIZE, PROBE_TIMEOUT,
			   PROBE_PACKET_TOO_BIG };
struct doctor_pmtu_probe {
	unsigned int size;              /* IP total length */
	enum doctor_probe_result result;
	unsigned int mtu;               /* frag-needed / local: the MTU said */
	double rtt_ms;                  /* reply: from the send to the answer */
};
struct doctor_pinger;
int doctor_pinger_open(const char *netns_path, struct in_addr dst, struct doctor_pinger **out);
/* IPv6 (doctor_ping.c): a raw ICMPv6 socket that never fragments. */
int doctor_pinger_open6(const char *netns_path, const struct in6_addr *dst, struct doctor_pinger **out);
/* Either family, from a numeric address (-EINVAL, said, if it is none). */
int doctor_pinger_open_str(const char *netns_path, const char *dst, struct doctor_pinger **out);
int doctor_pinger_family(const struct doctor_pinger *p);
void doctor_pinger_close(struct doctor_pinger *p);
/* One DF echo of `size` IP bytes; up to `attempts` tries of timeout seconds
 * while nothing at all comes back. */
int doctor_ping(struct doctor_pinger *p, unsigned int size, unsigned int attempts, double timeout,
		struct doctor_pmtu_probe *out);
const char *doctor_probe_result_name(enum doctor_probe_result r);
/* The DF descent of reference 000 Task 7 from start (largest first, down
 * until one passes, then a binary search to the exact limit) into arr. */
int doctor_probe_sizes(struct doctor_pinger *pg, unsigned int start, struct json_object *arr);
void doctor_add_probe(struct json_object *arr, const struct doctor_pmtu_probe *p);

/* Kernel's route (route.h) for dst, a numeric address of either family
 * (from src arriving on iif; src/iif may be NULL): the outgoing
 * interface's name into oif. -EINVAL for a bad address. */
int doctor_route_get_str(const char *netns_path, const char *dst, const char *src,
			 const char *iif, char *oif, size_t len);
/* Enter a node's namespace on this thread (NULL: stay), and come back. */
int doctor_ns_enter(const char *netns_path, int *saved);
void doctor_ns_leave(int saved);
int doctor_link_mtu(const char *netns_path, const char *ifname, unsigned int *mtu);
/* Root qdisc kind ("" when none) and, for tbf/htb, its rate in bit/s. */
int doctor_root_qdisc(const char *netns_path, const char *ifname, char *kind, size_t len,
		      uint64_t *rate_bps);
/* The root qdisc's kind and counters (since it was made): drops,
 * overlimits, backlog (bytes, now). -ENOENT when the device has none. */
int doctor_qdisc_stats(const char *netns_path, const char *ifname, char *kind, size_t len,
		      uint64_t *drops, uint64_t *overlimits, uint64_t *backlog);
/* Icmp counters of the node (/proc/net/snmp in its namespace). */
int doctor_icmp_counters(const char *netns_path, uint64_t *in_dest_unreachs,
			 uint64_t *out_dest_unreachs);
/* IPv6's: Icmp6InPktTooBigs and Icmp6OutPktTooBigs (/proc/net/snmp6). */
int doctor_icmp6_counters(const char *netns_path, uint64_t *in_too_big, uint64_t *out_too_big);

/* One scenario measured on the bed as `wgbench run` measures it
 * (bed_measure(), doctor_traffic.c): *out = {"ok","error","protocol","flows",
 * "block_size","duration_s","throughput_bps","sender_bps","packets_per_s",
 * "lost_percent","retransmits","cpu","drops"}. timeline/raw_dir may be NULL
 * (not kept). Returns 0, or -errno when it could not run (*out still says why). */
int doctor_scenario(const struct opts *o, struct bed *bed, int duration, int omit,
		    const struct scenario *s, const char *timeline, const char *raw_dir,
		    struct json_object **out);

#endif
