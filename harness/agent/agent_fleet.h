/* agent_fleet.h — the testbed operations over the agents of every node
 * (one channel each, agent_chan.h), the controller's half of agent_node.h's
 * protocol that --backend vms (a guest per node) and --backend hosts (a
 * machine per node over ssh) share: traffic, the samplers, variants.
 *
 * Clocks: each node has its own monotonic clock. agent_fleet_sync()
 * estimates every node's offset from "now" round trips (agent_chan_clock);
 * times cross in the node's clock, converted with that offset: the sampler
 * window [t_clients + omit, + duration] means the same in every node, and
 * the clients' start comes back on this machine's clock. The sampler start
 * re-estimates (drift over a long run).
 *
 * Results merge as run.c expects them of one machine: cpu.nodes.<node> is
 * that node's whole cpu object; cpu.cores and cpu.top_core are the
 * gateways' cores, each naming its node; cpu.interference the most
 * disturbed node's (naming it); drops.nodes.<node> is that node's
 * drops, numbers at the top summed over the nodes. The timeline file is one
 * "# node NAME" section of that node's CSV after another (with rebase_timeline,
 * in <file>.nodes.csv, and the file is one node's, as report.html reads it).
 */
#ifndef WGB_AGENT_FLEET_H
#define WGB_AGENT_FLEET_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "agent_chan.h"
#include "latency.h"
#include "topo.h"

struct agent_probe;
struct json_object;
struct traffic_flow;
struct traffic_flow_result;
struct traffic_test;
struct variant;

struct agent_fleet {
	struct agent_chan *ch[NODE__COUNT];   /* NULL: not in this testbed (p2p) */
	enum topo_node_id client, server;      /* where iperf3's clients and servers run */
	struct agent_clock clock[NODE__COUNT];
	/* The timelines' t onto this machine's clock; then the timeline file is
	 * timeline_node's CSV alone and <file>.nodes.csv has every node's. */
	bool rebase_timeline;
	enum topo_node_id timeline_node;
	double call_timeout;                   /* one command, seconds */
	const char *origin_key;                /* names the node in applied records: "guest", "host" */
	/* what the fleet holds now */
	const struct variant *applied;         /* set in the nodes, or NULL */
	char timeline[PATH_MAX];               /* of the running samplers, "" for none */
	struct agent_probe *probe[LATENCY_PATH__COUNT];   /* running latency probes */
};

/* ch[] into an array for agent_chan_reply_all(). */
size_t agent_fleet_chans(const struct agent_fleet *f, struct agent_chan **out);
/* Every node's clock offset (k round trips each). */
int agent_fleet_sync(struct agent_fleet *f, unsigned int k);
/* One command line to every node, then every reply. */
int agent_fleet_call_all(struct agent_fleet *f, double timeout, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* bed.h's operations. */
int agent_fleet_traffic(struct agent_fleet *f, const struct traffic_test *t,
			const struct traffic_flow *flows, size_t n, double timeout,
			const volatile sig_atomic_t *stop, struct traffic_flow_result *res,
			double *t_clients);
int agent_fleet_sample_start(struct agent_fleet *f, double interval, const char *timeline_path);
int agent_fleet_sample_stop(struct agent_fleet *f, double w0, double w1, struct json_object **cpu,
			    struct json_object **drops);
int agent_fleet_variant_check(struct agent_fleet *f, const struct variant *v, char *why, size_t len);
/* applied: every node's read-back records, each with origin_key naming the
 * node that set it (a "host" knob is set on every machine). */
int agent_fleet_variant_apply(struct agent_fleet *f, const struct variant *v,
			      struct json_object **applied);
int agent_fleet_variant_revert(struct agent_fleet *f);
/* bed.h's probe_*: the path's prober and reflector (agent_probe.h) from the
 * clients' node to the servers' (tunnel) or gw1 to gw2 (underlay), to addr;
 * -ENOENT without addr or a node. The owner cancels both before freeing f. */
int agent_fleet_probe_start(struct agent_fleet *f, enum latency_path path, const char *addr,
			    double interval);
int agent_fleet_probe_finish(struct agent_fleet *f, enum latency_path path,
			     const struct latency_window *idle, const struct latency_window *load,
			     const char *timeline, struct json_object **out);
void agent_fleet_probe_cancel(struct agent_fleet *f, enum latency_path path);

#endif
