/* agent_probe.h — the controller's half of the latency probe over agents
 * (latency.h; agent_node.h's reflect-* and probe-* commands): one path, a
 * prober at one end and its reflector at the other, each end a node's
 * agent or this process (live mode's own side, in this namespace).
 *
 * Clocks: a prober on a node gets its windows on its own clock (ours plus
 * its offset, agent_chan_clock) and gives its timeline back on ours (each
 * row's t minus that offset), so runs[].latency and the timeline mean what
 * a local probe's do. One-way delays are the prober's to judge: it keeps
 * them only for echoes that carry its own clock identity (one kernel: the
 * hosts test's namespaces), never a number from two clocks.
 *
 * Errors: 0 or -errno, said once (by the channel, or here).
 */
#ifndef WGB_AGENT_PROBE_H
#define WGB_AGENT_PROBE_H

#include "agent_chan.h"
#include "latency.h"

struct json_object;

struct agent_probe_end {
	struct agent_chan *ch;              /* NULL: this process */
	const struct agent_clock *clock;    /* ch's; read when used (it is re-estimated) */
};

struct agent_probe;

/* A reflector at to (on addr when it is IPv6: a reply from an unbound
 * socket would take the node's newest address as its source), then probes
 * from `from` to addr every interval seconds; timeout bounds each command. */
int agent_probe_start(enum latency_path path, struct agent_probe_end from, struct agent_probe_end to,
		      const char *addr, double interval, double timeout, struct agent_probe **out);
/* Stop both ends: runs[].latency of the probes sent in idle and load (our
 * clock) with the reflector's CPU in its cost; the per-probe timeline into
 * the file timeline (NULL: none). p stays to be freed. */
int agent_probe_finish(struct agent_probe *p, const struct latency_window *idle,
		       const struct latency_window *load, const char *timeline, struct json_object **out);
/* Whatever still runs stopped (best effort on a node), freed; NULL-safe. */
void agent_probe_free(struct agent_probe *p);

#endif
