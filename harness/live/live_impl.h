/* live_impl.h — the live bed's state, shared by live.c (open: the checks,
 * the facts, close) and live_bed.c (the operations: traffic, sampler,
 * variants). Not a public contract. */
#ifndef WGB_LIVE_IMPL_H
#define WGB_LIVE_IMPL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>

#include "agent_chan.h"
#include "latency.h"
#include "live.h"
#include "tun.h"

struct agent_probe;
struct agent_ssh;
struct json_object;
struct opts;
struct sampler;
struct traffic_flow;
struct variant;
struct variant_applied;

#define LIVE_NODE "local"               /* the sampler's node: this machine */
#define LIVE_PEER_NODE "peer"           /* --peer-ssh: the far side's */
#define LIVE_IPERF_TIMEOUT_S 3.0

/* One side of the tunnel. */
struct live_side {
	const char *name;               /* "local" (this machine), "peer" */
	char ifname[IFNAMSIZ];          /* the WireGuard interface */
	char underlay[IFNAMSIZ];        /* where the route to the peer's endpoint leaves; "" unknown */
	struct tun_device_info *dev;    /* as read at open (local) */
	struct sampler *smp;            /* local */
	/* the peer (--peer-ssh): its agent over ssh, what it found there */
	struct agent_ssh *ssh;
	struct json_object *attach;     /* the agent's live-attach reply */
	struct agent_clock clock;       /* its clock against ours */
	bool applied;                   /* it holds a variant's half */
	struct agent_probe *probe[LATENCY_PATH__COUNT];   /* to its reflectors */
	char timeline[PATH_MAX];        /* the running sampler's peer CSV, "" none */
};

struct live_bed {
	const struct opts *o;
	FILE *tty;                      /* progress: stdout, stderr with --json */
	struct route_addr peer_addr;    /* --peer, either family */
	struct route_info route;        /* the kernel's, to the peer address */
	bool routed;                    /* ... through the interface */
	int peer_index;                 /* dev's peer that allows the address; -1 none */
	char endpoint[64];              /* that peer's, "" none */
	struct route_addr endpoint_addr;   /* af 0: none (either family) */
	struct route_info ep_route;     /* to the endpoint (its device: the underlay) */
	char version[96];               /* the implementation's, "" unknown */
	int iperf_err;                  /* the probe at open: 0 answered, else -errno */
	char iperf_why[160];
	bool up;
	struct variant_applied *applied;
	char applied_name[128];
	struct live_side local;
	struct live_side *peer;         /* --peer-ssh, else NULL */
};

/* live_bed.c: the operations, on a state live.c filled and owns. */
extern const struct bed_ops live_ops;
void live_bed_release(struct live_bed *b);   /* revert, stop the sampler, free */
/* live.c: "backend", "live" and "wireguard" of run.json. */
void live_facts(struct live_bed *b, struct json_object *run_json);

/* live_peer.c: the far side over ssh (--peer-ssh). Open reaches its agent,
 * which finds its interface (-EHOSTUNREACH: not reached, -EINVAL: it is not
 * as asked; said once), and, for run, refuses a reply path around it. */
int live_peer_open(struct live_bed *b);
void live_peer_close(struct live_bed *b);   /* NULL-safe in b->peer */
int live_peer_serve(struct live_bed *b, bool udp, const struct traffic_flow *f, size_t n);
int live_peer_serve_end(struct live_bed *b);
int live_peer_sample_start(struct live_bed *b, double interval, const char *timeline_path);
/* cpu.nodes.peer, cpu.wireguard.peer, drops.*.peer merged into this side's. */
int live_peer_sample_stop(struct live_bed *b, double w0, double w1, struct json_object *cpu,
			  struct json_object *drops);
int live_peer_variant_check(struct live_bed *b, const struct variant *v, char *why, size_t len);
/* The peer's read-back records appended to all. */
int live_peer_variant_apply(struct live_bed *b, const struct variant *v, struct json_object *all);
int live_peer_variant_revert(struct live_bed *b);
/* bed.h's probe_*: from this process to a reflector the peer's agent runs
 * on addr (agent_probe.h); -ENOTSUP without --peer-ssh (no reflector). */
int live_peer_probe_start(struct live_bed *b, enum latency_path path, const char *addr,
			  double interval);
int live_peer_probe_finish(struct live_bed *b, enum latency_path path, const struct latency_window *idle,
			   const struct latency_window *load, const char *timeline, struct json_object **out);
void live_peer_probe_cancel(struct live_bed *b, enum latency_path path);
/* run.json live.peer_side (NULL without --peer-ssh). */
struct json_object *live_peer_json(const struct live_bed *b);

/* The peer of the address (or NULL). */
const struct tun_peer_info *live_peer(const struct live_bed *b);

#endif
