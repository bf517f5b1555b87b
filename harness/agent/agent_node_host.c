/* agent_node_host.c — the node agent's commands for a --backend hosts
 * machine (agent_node.h): its part of the testbed checked, built, removed
 * (agent_host.h), its facts, and the cleanup of a killed run. */
#include "agent_node_impl.h"
#include "agent_host.h"
#include "sample.h"
#include "topo_node.h"
#include "traffic.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLEANUP_GRACE 20.0   /* seconds a stopped agent has to tear its part down */

static const char *json_plain(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* The plan that follows the line (heap: it is large). */
static struct agent_host_plan *read_plan(struct node_agent *a, char **w, size_t n, char *why, size_t len)
{
	struct agent_host_plan *p = malloc(sizeof(*p));
	char *text = NULL;
	int r = agent_node_payload(a, w, n, &text);

	if (!p || r || agent_host_plan_parse(text, p, why, len)) {
		if (!why[0])
			snprintf(why, len, "the plan did not arrive whole");
		free(p);
		p = NULL;
	}
	if (text)
		explicit_bzero(text, strlen(text));
	free(text);
	return p;
}

void agent_node_check(struct node_agent *a, char **w, size_t n)
{
	struct json_object *out = NULL;
	char why[512] = "";
	struct agent_host_plan *p = read_plan(a, w, n, why, sizeof(why));

	if (!p) {
		agent_node_fail(a, "%s", why);
		return;
	}
	if (a->lock_fd < 0)
		snprintf(a->prefix, sizeof(a->prefix), "%s", p->prefix);
	if (strcmp(a->prefix, p->prefix))
		agent_node_fail(a, "check: this agent holds prefix %s, not %s", a->prefix, p->prefix);
	else if (agent_host_check(p, &a->lock_fd, &out, why, sizeof(why)))
		agent_node_fail(a, "%s", why);
	else
		agent_node_reply(a, json_plain(out), NULL);
	json_object_put(out);
	free(p);
}

/* The knobs' view: this node, with the machine's devices and tunnels. */
static int make_view(struct node_agent *a)
{
	struct topo_node_cfg c;
	unsigned int k;
	int r;

	agent_host_view_cfg(a->host, &c);
	r = topo_node_view(&c, &a->view);
	for (k = 0; !r && k < c.tunnels; k++)
		topo_node_view_set_pid(a->view, k, agent_host_tunnel_pid(a->host, k));
	a->node = c.node;
	a->tunnels = c.tunnels;
	snprintf(a->prefix, sizeof(a->prefix), "%s", c.prefix);
	return r;
}

void agent_node_build(struct node_agent *a, char **w, size_t n)
{
	char why[512] = "", ver[96] = "";
	struct agent_host_plan *p = read_plan(a, w, n, why, sizeof(why));
	int r;

	if (!p) {
		agent_node_fail(a, "%s", why);
		return;
	}
	if (a->host || a->lock_fd < 0) {
		agent_host_plan_wipe(p);
		free(p);
		agent_node_fail(a, "build: %s", a->host ? "built already (down first)" : "not checked");
		return;
	}
	r = agent_host_build(p, &a->host, ver, sizeof(ver), why, sizeof(why));
	agent_host_plan_wipe(p);
	free(p);
	if (!r && (r = make_view(a))) {
		snprintf(why, sizeof(why), "the knobs' view: %s", strerror(-r));
		agent_node_host_teardown(a);
	}
	if (r)
		agent_node_fail(a, "%s", why);
	else
		agent_node_reply(a, NULL, "%s", ver);
}

void agent_node_host_teardown(struct node_agent *a)
{
	agent_node_probe_free(a);
	traffic_serve_end(a->servers, a->n_servers, 0);
	a->n_servers = 0;
	sample_free(a->smp);
	a->smp = NULL;
	agent_node_variant_drop(a);
	topo_free(a->view);
	a->view = NULL;
	agent_host_teardown(a->host);   /* says what stayed */
	a->host = NULL;
}

void agent_node_down(struct node_agent *a, char **w, size_t n)
{
	agent_node_host_teardown(a);
	agent_node_reply(a, NULL, NULL);
}

void agent_node_facts(struct node_agent *a, char **w, size_t n)
{
	struct json_object *o = NULL;
	int r = agent_host_facts(a->host, &o);

	if (r)
		agent_node_fail(a, "facts: %s", strerror(-r));
	else
		agent_node_reply(a, json_plain(o), NULL);
	json_object_put(o);
}

static bool prefix_ok(const char *p)
{
	size_t i, n = strlen(p);

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_' && p[i] != '.')
			return false;
	return n > 0 && n <= TOPO_PREFIX_MAX;
}

void agent_node_cleanup(struct node_agent *a, char **w, size_t n)
{
	struct json_object *o = NULL;
	int r;

	if (n < 2 || !prefix_ok(w[1])) {
		agent_node_fail(a, "cleanup: bad prefix");
		return;
	}
	r = agent_host_cleanup(w[1], CLEANUP_GRACE, &o);
	if (r)
		agent_node_fail(a, "cleanup of %s: %s", w[1], strerror(-r));
	else
		agent_node_reply(a, json_plain(o), NULL);
	json_object_put(o);
}
