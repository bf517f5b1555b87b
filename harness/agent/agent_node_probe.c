/* agent_node_probe.c — the node agent's half of the latency probe
 * (agent_node.h: reflect-start/-stop, probe-start/-stop/-result): a
 * reflector or a prober of latency.h per path, in this node's namespace,
 * so that a testbed of guests or machines is probed as the netns one is
 * (bed_probe.c). Times are this node's clock; the controller converts. */
#include "agent_node_impl.h"
#include "latency.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

void agent_node_probe_free(struct node_agent *a)
{
	unsigned int k;

	for (k = 0; k < LATENCY_PATH__COUNT; k++) {
		latency_probe_free(a->probe[k]);
		latency_reflector_free(a->refl[k]);
		a->probe[k] = NULL;
		a->refl[k] = NULL;
	}
}

static int parse(struct node_agent *a, char **w, size_t n, struct agent_node_probe_req *r)
{
	if (!agent_node_parse_probe(w, n, r))
		return 0;
	agent_node_fail(a, "%s: bad arguments", w[0]);
	return -EINVAL;
}

void agent_node_reflect_start(struct node_agent *a, char **w, size_t n)
{
	struct agent_node_probe_req r;
	int ret;

	if (parse(a, w, n, &r))
		return;
	latency_reflector_free(a->refl[r.path]);   /* a new run's, the old one's ended */
	a->refl[r.path] = NULL;
	ret = latency_reflector_start(NULL, r.addr[0] ? r.addr : NULL, 0, NULL, &a->refl[r.path]);
	if (ret) {
		a->refl[r.path] = NULL;
		agent_node_fail(a, "reflector on %s: %s", r.addr[0] ? r.addr : "any address", strerror(-ret));
		return;
	}
	agent_node_reply(a, NULL, "%u", latency_reflector_port(a->refl[r.path]));
}

void agent_node_reflect_stop(struct node_agent *a, char **w, size_t n)
{
	struct agent_node_probe_req r;
	double cpu;

	if (parse(a, w, n, &r))
		return;
	if (!a->refl[r.path]) {
		agent_node_fail(a, "no %s reflector running", w[1]);
		return;
	}
	cpu = latency_reflector_cpu_s(a->refl[r.path]);
	latency_reflector_free(a->refl[r.path]);
	a->refl[r.path] = NULL;
	agent_node_reply(a, NULL, "%.6f", cpu);
}

void agent_node_probe_start(struct node_agent *a, char **w, size_t n)
{
	struct agent_node_probe_req r;
	struct latency_opts o = { 0 };
	int ret;

	if (parse(a, w, n, &r))
		return;
	o.interval_s = r.interval;
	latency_probe_free(a->probe[r.path]);
	a->probe[r.path] = NULL;
	ret = latency_probe_start(NULL, r.addr, (uint16_t)r.port, &o, &a->probe[r.path]);
	if (ret) {
		a->probe[r.path] = NULL;
		agent_node_fail(a, "probe to %s port %u: %s", r.addr, r.port, strerror(-ret));
		return;
	}
	agent_node_reply(a, NULL, NULL);
}

void agent_node_probe_stop(struct node_agent *a, char **w, size_t n)
{
	struct agent_node_probe_req r;
	int ret;

	if (parse(a, w, n, &r))
		return;
	ret = a->probe[r.path] ? latency_probe_stop(a->probe[r.path]) : -ENOENT;
	if (ret)
		agent_node_fail(a, "%s probe: %s", w[1], ret == -ENOENT ? "none running" : strerror(-ret));
	else
		agent_node_reply(a, NULL, NULL);
}

static struct json_object *result_json(struct latency_probe *p, const struct agent_node_probe_req *r)
{
	struct latency_window idle = { r->idle[0], r->idle[1] }, load = { r->load[0], r->load[1] };
	struct json_object *doc, *lat;
	struct latency_result res;
	char *tl = NULL;
	size_t len;

	if (latency_probe_result(p, &idle, &load, r->refl_cpu_s, &res) ||
	    !(lat = latency_result_json(&res)))
		return NULL;
	doc = json_object_new_object();
	if (!doc) {
		json_object_put(lat);
		return NULL;
	}
	json_object_object_add(doc, "latency", lat);
	if (latency_probe_timeline_text(p, r->origin, &tl, &len))
		tl = NULL;   /* said there; the figures stand without it */
	json_object_object_add(doc, "timeline", tl ? json_object_new_string_len(tl, (int)len) : NULL);
	free(tl);
	return doc;
}

void agent_node_probe_result(struct node_agent *a, char **w, size_t n)
{
	struct agent_node_probe_req r;
	struct json_object *doc;

	if (parse(a, w, n, &r))
		return;
	if (!a->probe[r.path]) {
		agent_node_fail(a, "no %s probe", w[1]);
		return;
	}
	doc = result_json(a->probe[r.path], &r);
	latency_probe_free(a->probe[r.path]);
	a->probe[r.path] = NULL;
	if (!doc) {
		agent_node_fail(a, "%s probe: no result", w[1]);
		return;
	}
	agent_node_reply(a, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), NULL);
	json_object_put(doc);
}
