/* agent_node.h — the node agent: one node of the testbed, driven by a
 * controller over one channel, one command line at a time.
 *
 * Where it runs: as PID 1 of a --backend vms guest (the channel is the
 * virtio-serial port wgbench.control), or as `wgbench agent --stdio` on a
 * --backend hosts machine, started by the controller's ssh (the channel is
 * the session's stdin/stdout). The controller's side: agent_chan.h (one
 * channel), agent_fleet.h (traffic, samplers, variants over all of them).
 *
 * The agent says "hello wgbench-agent PROTO VERSION GITREV PID" (stdio) or "boot
 * <uptime>" and "ready <uptime>" (guest), then answers each command with
 * "ok <n> [words]" followed by n bytes (JSON, may be 0), or "err <message>".
 * Times are each node's own monotonic clock (the controller knows the
 * offsets, from "now").
 *
 *   setup NODE PREFIX TUNNELS WG IP INNER [PRIV PEERPUB]...
 *                                                  a guest's node (topo_node_setup; IP,
 *                                                  INNER: 4, 6 or dual, as --ip/--inner):
 *                                                  ok <n> <wireguard version>, then its
 *                                                  "network" read back (topo_network_json)
 *   check N / build N                              a host's part (agent_host.h): the N
 *                                                  bytes after the line are its plan;
 *                                                  check touches nothing: ok {"wg",
 *                                                  "wg_version"}; build makes it (recorded
 *                                                  in the host's state file first): ok 0 <ver>
 *   down                                           a host's part removed (and the variant)
 *   facts                                          {"hostname","kernel","cpu_model","cores",
 *                                                  "nics":{link:{dev,driver,firmware,...}},...}
 *   cleanup PREFIX                                 what a killed run of PREFIX left on this
 *                                                  host: {"removed":[...],"left":[...]}
 *   ping ADDR TIMEOUT                              ICMP echo; ok 0 <ms>
 *   sample-start INTERVAL                          the sampler on this node
 *   sample-stop T0 T1                              window [T0, T1] (its clock):
 *                                                  {"cpu","drops","timeline"}
 *   serve UDP N ADDR PORT...                       N one-off iperf3 servers, ok once listening
 *   serve-end TIMEOUT                              wait for them (then kill)
 *   client UDP DIR STREAMS BLK RATE DUR OMIT TIMEOUT N ADDR PORT...
 *                                                  the clients; {"t_clients","ret",
 *                                                  "flows":[{"json","error"}]}
 *   variant-check N                                the N bytes after the line are a variant
 *                                                  file: ok with the reason it cannot run
 *                                                  here as payload (empty: it can)
 *   variant-apply N                                reverts the last one, applies this one
 *                                                  (the knobs for this node and "host"):
 *                                                  the read-back records as payload
 *   variant-revert                                 back to the testbed as built
 *   live-attach PREFIX PORT ADDR IFACE|-           the far side of a live tunnel: the
 *                                                  WireGuard interface named, or listening
 *                                                  on PORT, or with a peer allowing ADDR
 *                                                  (the controller's tunnel address); then
 *                                                  sample, serve and variants act on it:
 *                                                  {"interface","implementation","peer",
 *                                                  "underlay","route_back","reply_through",...}
 *   reflect-start PATH ADDR|-                      the latency probe's reflector of PATH
 *                                                  (tunnel, underlay; latency.h) on ADDR
 *                                                  (-: any address): ok 0 <port>
 *   reflect-stop PATH                              ok 0 <its thread's CPU seconds>
 *   probe-start PATH INTERVAL ADDR PORT            probes to that reflector every INTERVAL s
 *   probe-stop PATH                                stop sending; the echoes still due are
 *                                                  awaited (at most the probe's timeout)
 *   probe-result PATH ORIGIN I0 I1 L0 L1 REFLCPU   the probes sent in [I0, I1) (idle) and
 *                                                  [L0, L1) (load), this node's clock:
 *                                                  {"latency": runs[].latency, "timeline":
 *                                                  its rows with t - ORIGIN}; REFLCPU is the
 *                                                  reflector's (its cost); the probe is freed
 *   now                                            ok 0 <monotonic seconds>
 *   quit                                           end (a guest powers off)
 */
#ifndef WGB_AGENT_NODE_H
#define WGB_AGENT_NODE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "latency.h"
#include "route.h"
#include "topo.h"

#define AGENT_PROTO 1

struct topo_node_cfg;
struct traffic_test;
struct traffic_flow;

#define AGENT_NODE_MAX_WORDS (16 + 2 * TOPO_TUNNELS_MAX)
/* The longest line a controller sends is setup with TOPO_TUNNELS_MAX tunnels:
 * two 64-digit keys and their spaces per tunnel, the rest is short. */
#define AGENT_NODE_SETUP_MAX (64 + TOPO_PREFIX_MAX + 2 * TOPO_TUNNELS_MAX * 65)
#define AGENT_NODE_LINE_MAX 32768
#define AGENT_NODE_MAX_FLOWS 64
/* A variant file or plan sent after its line is below this. */
#define AGENT_NODE_PAYLOAD_MAX (1u << 20)

struct agent_node_opts {
	/* The channel is a controller's session (ssh): when it closes, or on
	 * SIGTERM, the agent removes everything it made and returns. A guest's
	 * port instead waits for a host to connect. */
	bool stdio;
	const char *dir;              /* its scratch files (timeline, variant); "/tmp" if NULL */
};

/* Serves commands from rfd, replies to wfd, until "quit" or (stdio) the
 * channel's end; 0, or -errno if it could not start. */
int agent_node_serve(int rfd, int wfd, const struct agent_node_opts *o);

/* The words of the controller's lines, read without touching anything
 * (agent_node_parse.c): the agent acts on what these accept, and the fuzz
 * harness feeds them arbitrary lines. */

/* The first whole line of buf[0..len) with its newline replaced by a NUL,
 * *used its length with the newline; NULL if there is none yet. */
char *agent_node_line(char *buf, size_t len, size_t *used);
/* Split line (modified) at spaces into at most max words; the count. */
size_t agent_node_split(char *line, char **w, size_t max);
/* setup NODE PREFIX TUNNELS WG IP INNER [PRIV PEERPUB]...: 0, or -EINVAL
 * with the reason in why. */
int agent_node_parse_setup(char **w, size_t n, struct topo_node_cfg *c, char *why, size_t len);
/* N ADDR PORT... (w[0] is N): at most AGENT_NODE_MAX_FLOWS; f points into w. */
int agent_node_parse_flows(char **w, size_t n, struct traffic_flow *f, size_t *nf);
/* client UDP DIR STREAMS BLK RATE DUR OMIT TIMEOUT N ADDR PORT...
 * (DIR: 0 forward, 1 reverse, 2 both at once) */
int agent_node_parse_client(char **w, size_t n, struct traffic_test *t, double *timeout,
			    struct traffic_flow *f, size_t *nf);
/* live-attach PREFIX PORT ADDR IFACE|-: 0, or -EINVAL. */
struct agent_node_live_req {
	char prefix[TOPO_PREFIX_MAX + 1];
	unsigned int port;            /* 0: not known */
	struct route_addr back;       /* the controller's tunnel address, either family */
	char ifname[IFNAMSIZ];        /* "": find it */
};
int agent_node_parse_live(char **w, size_t n, struct agent_node_live_req *r);
/* reflect-start, reflect-stop, probe-start, probe-stop, probe-result (by
 * w[0]): 0, or -EINVAL; numbers finite, windows ordered, addresses numeric. */
struct agent_node_probe_req {
	enum latency_path path;
	char addr[INET6_ADDRSTRLEN];  /* "": any (reflect-start -) */
	unsigned int port;
	double interval;
	double origin, idle[2], load[2], refl_cpu_s;
};
int agent_node_parse_probe(char **w, size_t n, struct agent_node_probe_req *r);
/* variant-check N / variant-apply N / check N / build N: the payload's
 * length, < AGENT_NODE_PAYLOAD_MAX. */
int agent_node_parse_payload(char **w, size_t n, size_t *len);

#endif
