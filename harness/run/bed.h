/* bed.h — the testbed under a run, behind one table of operations
 * (DESIGN.md "Testbed backends behind one interface"; ipc.h's pattern).
 *
 * Backends: netns (bed_netns.c: namespaces on this machine, built for the
 * run or, with --attach, `topo up`'s claimed and left up) and vms
 * (harness/qemu/vms*.c: a QEMU guest per node). Each keeps its state private
 * behind the opaque struct bed. harness/cli/backend.c picks one from
 * --backend, once; run, sweep and doctor then use only the calls below.
 *
 * Lifecycle: open (validates what it can from the options and touches
 * nothing) -> up(n) -> variant apply/revert, traffic, samples -> down ->
 * up(m) ... -> bed_close() (which downs a testbed still up, then frees).
 *
 * Errors: 0 or -errno, the cause printed once where it is known;
 * -EINVAL/-ENOENT/-EBUSY/... mean bad input or an unmet precondition (exit 2).
 */
#ifndef WGB_BED_H
#define WGB_BED_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "latency.h"
#include "topo.h"

struct bed;
struct json_object;
struct opts;
struct scenario;
struct traffic_flow;
struct traffic_flow_result;
struct traffic_test;
struct variant;

/* What a backend implements; st is its private state. */
struct bed_ops {
	const char *name;               /* run.json's "backend" */
	/* The samples' t column is this machine's util_now_mono() (not a guest's). */
	bool local_clock;
	/* Tunnels when nothing asks for a number: --tunnels, or an attached testbed's. */
	unsigned int (*default_tunnels)(void *st);
	/* Can it have this many tunnels (for `who`, a variant or "--tunnels")?
	 * 0, or -EINVAL after saying why (an attached testbed cannot be rebuilt). */
	int (*fits)(void *st, unsigned int tunnels, const char *who);
	/* Testbed up with n tunnels (prints one progress line unless quiet). */
	int (*up)(void *st, unsigned int tunnels);
	/* Testbed down; 0, or -EIO after saying what a machine could not
	 * remove (its part is left for `wgbench cleanup`). */
	int (*down)(void *st);
	unsigned int (*tunnels)(void *st);          /* 0: down */
	/* Tunnel k's drain address in family af (AF_INET, AF_INET6); NULL when
	 * down or the traffic inside the tunnel has no such family. Both
	 * families: --inner dual (bed_measure.c alternates them). */
	const char *(*drain_addr)(void *st, unsigned int k, int af);
	/* The nodes as namespaces of this machine, for probes that enter them
	 * (doctor); NULL where the nodes are elsewhere. Read-only. */
	const struct topo *(*topo)(void *st);
	/* Can the variant run on the live testbed: 0, or -ENOTSUP and why. */
	int (*variant_check)(void *st, const struct variant *v, char *why, size_t len);
	/* Apply it; *applied: what was read back ([{"node","link","key","before",
	 * "requested","after","ok",...}], as variant_applied_json()). */
	int (*variant_apply)(void *st, const struct variant *v, struct json_object **applied);
	/* Back to the testbed as built (nothing applied: nothing to do). */
	int (*variant_revert)(void *st);
	/* As traffic_run(); the backend says where the endpoints run. */
	int (*traffic)(void *st, const struct traffic_test *t, const struct traffic_flow *flows,
		       size_t n, double timeout, const volatile sig_atomic_t *stop,
		       struct traffic_flow_result *res, double *t_clients_started);
	/* As sample_start()/sample_stop() (sample.h); the timeline to timeline_path. */
	int (*sample_start)(void *st, double interval, const char *timeline_path);
	int (*sample_stop)(void *st, double w0, double w1, struct json_object **cpu,
			   struct json_object **drops, double *self_cpu_s);
	/* gw2's underlay address in the family tunnel 0 runs over (the
	 * underlay probe's target); NULL: the plan's (topo_plan.h) for topo's
	 * --ip. 0, or -ENOENT. */
	int (*underlay_addr)(void *st, char *buf, size_t len);
	/* The latency probe's path (bed_probe.c) where the nodes are not
	 * namespaces here: a reflector at addr and its prober started on the
	 * nodes; finish stops them and gives runs[].latency for the windows
	 * (this machine's clock) and, if timeline is not NULL, the per-probe
	 * file; cancel stops what runs. NULL: bed_probe.c probes in the
	 * nodes' namespaces (topo), or nowhere. -ENOTSUP: not measured here. */
	int (*probe_start)(void *st, enum latency_path path, const char *addr, double interval);
	int (*probe_finish)(void *st, enum latency_path path, const struct latency_window *idle,
			    const struct latency_window *load, const char *timeline,
			    struct json_object **out);
	void (*probe_cancel)(void *st, enum latency_path path);
	/* Facts into run.json: "backend", "wireguard" {"implementation",
	 * "version"} as read from the testbed, and the backend's own. */
	void (*facts)(void *st, struct json_object *run_json);
	void (*close)(void *st);
};

/* A handle for st (which bed_close() hands to ops->close). */
int bed_new(const struct bed_ops *ops, void *st, struct bed **out);
/* Down if up, then the backend's close; NULL-safe. */
void bed_close(struct bed *b);

/* A backend's open: from the options (kept, not copied: they must outlive
 * the bed); out_dir, if not NULL, is where the backend may keep its logs.
 * The netns backend (bed_netns.c): with o->attach, `topo up --prefix`'s
 * testbed, claimed (its lock) and refused when missing, busy, stale or of
 * another --wg. */
typedef int bed_open_fn(const struct opts *o, const char *out_dir, struct bed **out);
bed_open_fn bed_netns_open;

const char *bed_name(const struct bed *b);
bool bed_local_clock(const struct bed *b);
unsigned int bed_default_tunnels(struct bed *b);
int bed_fits(struct bed *b, unsigned int tunnels, const char *who);
int bed_up(struct bed *b, unsigned int tunnels);
int bed_down(struct bed *b);
unsigned int bed_tunnels(struct bed *b);
const char *bed_drain_addr(struct bed *b, unsigned int k, int af);
/* Tunnel k's drain address in the traffic's first family (IPv4 unless
 * --inner 6); NULL when down. */
const char *bed_drain_addr_any(struct bed *b, unsigned int k);
const struct topo *bed_topo(struct bed *b);
/* /run/netns/... of a node; -ENOTSUP where the nodes are not namespaces here. */
int bed_netns_path(struct bed *b, enum topo_node_id n, char *buf, size_t len);
int bed_variant_check(struct bed *b, const struct variant *v, char *why, size_t len);
int bed_variant_apply(struct bed *b, const struct variant *v, struct json_object **applied);
int bed_variant_revert(struct bed *b);
int bed_traffic(struct bed *b, const struct traffic_test *t, const struct traffic_flow *flows,
		size_t n, double timeout, const volatile sig_atomic_t *stop,
		struct traffic_flow_result *res, double *t_clients_started);
int bed_sample_start(struct bed *b, double interval, const char *timeline_path);
int bed_sample_stop(struct bed *b, double w0, double w1, struct json_object **cpu,
		    struct json_object **drops, double *self_cpu_s);
void bed_facts(struct bed *b, struct json_object *run_json);
int bed_underlay_addr(struct bed *b, char *buf, size_t len);
/* The backend's probe_* (-ENOTSUP, nothing: it has none). */
int bed_path_probe_start(struct bed *b, enum latency_path path, const char *addr, double interval);
int bed_path_probe_finish(struct bed *b, enum latency_path path, const struct latency_window *idle,
			  const struct latency_window *load, const char *timeline, struct json_object **out);
void bed_path_probe_cancel(struct bed *b, enum latency_path path);

/* One scenario measured on a bed (bed_measure.c), for run and doctor alike:
 * its flows through bed_traffic() (one process pair per flow, or -P
 * streams), flow i to drain address i mod tunnels, port base_port + i, the
 * sampler around them, metrics summed over the flows (DESIGN.md's runs[]). */
struct bed_measure_spec {
	const struct scenario *s;
	int duration, omit;             /* whole seconds */
	unsigned int flows;             /* 0: the scenario's */
	bool streams;                   /* one test of -P flows */
	int base_port;
	double interval;                /* sampler interval; 0: no sampler */
	const char *timeline;           /* the sampler's timeline file, or NULL */
	double probe_interval;          /* the latency probe's; 0: no probe */
	const char *latency_timeline;   /* its per-probe file, or NULL */
	const volatile sig_atomic_t *stop;
};

struct bed_measure {
	bool ok;                        /* every flow succeeded */
	char *error;                    /* why not, or NULL */
	unsigned int flows, tests, streams;
	double throughput_bps, sender_bps, lost_percent, jitter_ms, packets_per_s;
	long long retransmits;          /* -1: not TCP or unknown */
	double t_clients;               /* monotonic start of the clients */
	double wall_start, wall_end;
	struct traffic_flow *spec;      /* per test: address, port */
	struct traffic_flow_result *res; /* per test, with its raw iperf3 JSON */
	size_t n;
	/* The sampler, over [t_clients + omit, + duration]. */
	bool sampled;                   /* it ran (cpu/drops may still be NULL) */
	char *sampler_error;
	struct json_object *cpu, *drops;
	double sampler_cpu_s;
	/* The latency probe (runs[].latency): idle before the clients, then
	 * over the same window as the sampler. */
	struct json_object *latency;
	char *latency_error;            /* why there is none, or NULL */
};

/* Returns 0 when the traffic succeeded, else -errno (m->error says why);
 * m is filled either way and released with bed_measure_clear(). */
int bed_measure(struct bed *b, const struct bed_measure_spec *spec, struct bed_measure *m);
void bed_measure_clear(struct bed_measure *m);

/* The latency probe of one scenario (bed_probe.c): through the tunnel
 * (the client node -> drain address 0) and on the underlay (gw1 -> gw2),
 * each to a reflector of its own: in the nodes' namespaces where they are
 * namespaces here, else through the backend's probe_* (its agents).
 * -ENOTSUP where neither can be (live mode without the peer's agent).
 * finish stops it and makes runs[].latency (with "underlay") for the
 * probes sent in idle and in load; timeline (may be NULL) gets the tunnel
 * probe's per-probe file. */
#define BED_PROBE_IDLE_S 0.5            /* probed before the load starts */
struct bed_probe;
int bed_probe_start(struct bed *b, double interval, struct bed_probe **out);
double bed_probe_started(const struct bed_probe *p);
int bed_probe_finish(struct bed_probe *p, const struct latency_window *idle,
		     const struct latency_window *load, const char *timeline, struct json_object **out);
void bed_probe_free(struct bed_probe *p);

#endif
