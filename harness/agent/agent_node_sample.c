/* agent_node_sample.c — the node agent's sampler and clock (agent_node.h):
 * the counters of this node (sample.h) over a window the controller gives
 * on this node's clock, and that clock itself ("now"). */
#include "agent_node_impl.h"
#include "agent_host.h"
#include "sample.h"
#include "topo_plan.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIMELINE "timeline.csv"

/* A guest's gateway: the plan's interface names (wg-crypt-<tunnel>,
 * napi/<if>-N are looked up by them). */
static void guest_spec(struct node_agent *a, struct sample_node_spec *sp)
{
	unsigned int k;

	if (a->node != NODE_GW1 && a->node != NODE_GW2)
		return;
	if (!topo_plan_ifname(a->prefix, a->node, LINK_LAN, 0, a->ifnames[0], IFNAMSIZ))
		sp->kthread_ifnames[sp->n_ifnames++] = a->ifnames[0];
	if (!topo_plan_ifname(a->prefix, a->node, LINK_UNDERLAY, 0, a->ifnames[1], IFNAMSIZ))
		sp->kthread_ifnames[sp->n_ifnames++] = a->ifnames[1];
	for (k = 0; k < a->tunnels && sp->n_ifnames < SAMPLE_NODE_IFNAMES; k++)
		if (!topo_plan_ifname(a->prefix, a->node, LINK_TUNNEL, k, a->ifnames[2 + k], IFNAMSIZ)) {
			sp->kthread_ifnames[sp->n_ifnames++] = a->ifnames[2 + k];
			/* WireGuard's own counters too (none with --wg none) */
			if (sp->n_wg < SAMPLE_NODE_WG)
				sp->wg_ifnames[sp->n_wg++] = a->ifnames[2 + k];
		}
}

void agent_node_sample_start(struct node_agent *a, char **w, size_t n)
{
	struct sample_node_spec sp = { .name = topo_node_name(a->node) };
	char path[PATH_MAX];
	int r;

	sample_free(a->smp);
	a->smp = NULL;
	/* a host: its named devices, its tunnels and their processes */
	if (a->host)
		agent_host_sample_spec(a->host, &sp);
	else if (a->live)   /* the far side of a live tunnel: node "peer" */
		agent_node_live_sample_spec(a, &sp);
	else
		guest_spec(a, &sp);
	r = agent_node_path(a, TIMELINE, path, sizeof(path));
	if (!r)
		r = sample_start_nodes(&sp, 1, n > 1 ? atof(w[1]) : 0.2, path, &a->smp);
	if (r) {
		a->smp = NULL;
		agent_node_fail(a, "sampler: %s", strerror(-r));
		return;
	}
	agent_node_reply(a, NULL, NULL);
}

void agent_node_sample_stop(struct node_agent *a, char **w, size_t n)
{
	struct json_object *doc, *cpu = NULL, *drops = NULL;
	char path[PATH_MAX], *tl = NULL;
	int r;

	if (!a->smp || n < 3) {
		agent_node_fail(a, "sample-stop: %s", a->smp ? "bad arguments" : "no sampler running");
		return;
	}
	r = sample_stop(a->smp, atof(w[1]), atof(w[2]), &cpu, &drops);
	sample_free(a->smp);
	a->smp = NULL;
	if (r) {
		agent_node_fail(a, "sampler: %s", strerror(-r));
		return;
	}
	doc = json_object_new_object();
	json_object_object_add(doc, "cpu", cpu);
	json_object_object_add(doc, "drops", drops);
	if (!agent_node_path(a, TIMELINE, path, sizeof(path)))
		util_read_file(path, &tl, NULL);
	json_object_object_add(doc, "timeline", tl ? json_object_new_string(tl) : NULL);
	free(tl);
	agent_node_reply(a, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), NULL);
	json_object_put(doc);
}

void agent_node_now(struct node_agent *a, char **w, size_t n)
{
	agent_node_reply(a, NULL, "%.6f", util_now_mono());
}
