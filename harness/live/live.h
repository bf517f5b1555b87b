/* live.h — --backend live: a WireGuard tunnel that already exists on this
 * machine, measured and diagnosed where it is (DESIGN.md "Live mode").
 *
 *   this machine ("local")                        the peer
 *   IFACE (wg0, wt0, a wg-quick one) ═══ tunnel ═══ ADDR: iperf3 -s, port 5201
 *   (ADDR and the endpoint in either family: what the interface has)
 *   underlay: the device of the route to the peer's endpoint
 *
 * live_bed_open() is the `live` row of the testbed table (bed.h). It reads
 * and checks before anything is touched, each failure one line: IFACE
 * exists and is WireGuard (the kernel's genl knows it, or its UAPI socket
 * answers), ADDR is routed through IFACE and a peer of IFACE allows it (for
 * run; with o->route_finding, as doctor asks, that is recorded instead),
 * and an iperf3 server answers a control connection at ADDR:--peer-port.
 * Then nothing is created or removed: up/down only mark the bed in use;
 * traffic is iperf3 clients from this namespace to the peer's one server
 * (the scenario's flows as -P streams of one test, the live default; with
 * --flow-mode processes one server per flow must answer at port, port+1..);
 * the sampler reads this machine (one node, "local") and WireGuard's own
 * counters of IFACE; variants change only links of this machine (tunnel:
 * IFACE, underlay: the route to the endpoint; this machine plays gw1 and
 * source, the peer gw2 and drain, which are refused) and every change is
 * kept in the host file (knob.h) until reverted, so `wgbench cleanup`
 * restores what a killed run changed.
 *
 * --peer-ssh DEST (live_peer.c): the peer's `wgbench agent --stdio` over
 * one ssh connection for the run (the hosts backend's transport,
 * agent_ssh.h). It finds the peer's WireGuard interface (--peer-live, else
 * the one listening on the port this side's peer entry sends to, else the
 * one allowing this side's tunnel address), serves iperf3 instead of a
 * plain iperf3 -s, samples that machine as node "peer" and applies the
 * peer's half of a variant (gw2, drain; gateways/all both sides; host knobs
 * on both machines). A reply path around its interface is refused by run
 * and a finding of doctor (route-asymmetric). When the channel closes —
 * a killed controller too — the agent puts back what it set.
 *
 * The bed's facts (run.json "live", bed_facts()) say what was read: the
 * interface, its implementation and version, the peer of ADDR (key,
 * endpoint, handshake), the routes to ADDR and to the endpoint, the
 * underlay, whether iperf3 answered — the doctor reads them too.
 */
#ifndef WGB_LIVE_H
#define WGB_LIVE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bed.h"
#include "route.h"

bed_open_fn live_bed_open;


/* An iperf3 control connection to addr:port (cookie, then the server's
 * first state byte), closed at once: 0 when an idle iperf3 server answers,
 * else -errno with why: -ECONNREFUSED, -ETIMEDOUT (nothing in timeout s),
 * -EBUSY (it runs another test), -EPROTO (something else answers). The
 * server logs one "unable to receive parameters" line for it. */
int live_iperf_probe(const struct route_addr *addr, unsigned int port, double timeout, char *why, size_t len);

/* UDP: the receiver's loss, jitter and packets out of a client's JSON
 * whose server is a plain `iperf3 -s` (its report is text there), with the
 * client's receiver/sender bit rates. 0, or -EPROTO. Pure. */
struct traffic_metrics;
int live_udp_from_text(const char *json, struct traffic_metrics *m);

#endif
