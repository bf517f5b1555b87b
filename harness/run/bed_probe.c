/* bed_probe.c — the latency probe around one scenario (bed.h, latency.h):
 * through the tunnel, the client node -> drain address 0 and echoed back,
 * and on the underlay, gw1 -> gw2 outside the tunnel, so that queueing in
 * the tunnel's path is told apart from queueing on the underlay. Where the
 * nodes are namespaces of this machine the probe and its reflectors run
 * here, entering them; elsewhere each path is the backend's probe_* (the
 * guests' or machines' agents, agent_probe.h). The two paths always make
 * one runs[].latency, with "underlay" beside the tunnel's figures. */
#include "bed.h"
#include "latency.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct probe_path {
	bool remote;                      /* the backend's probe_* hold it */
	bool running;                     /* remote: started, not finished */
	struct latency_reflector *refl;   /* in the nodes' namespaces */
	struct latency_probe *probe;
};

struct bed_probe {
	struct bed *b;
	struct probe_path path[LATENCY_PATH__COUNT];
	double t_start;
};

static int local_start(struct bed *b, enum topo_node_id from, enum topo_node_id to, const char *addr,
		       const struct latency_opts *o, struct probe_path *p)
{
	char src[PATH_MAX], dst[PATH_MAX];
	int ret;

	ret = bed_netns_path(b, from, src, sizeof(src));
	if (!ret)
		ret = bed_netns_path(b, to, dst, sizeof(dst));
	if (!ret)
		/* IPv6: on the target itself, since a reply from an unbound socket
		 * takes the newest of the drain's addresses as its source (another
		 * tunnel's); IPv4: any (NULL) */
		ret = latency_reflector_start(dst, addr && strchr(addr, ':') ? addr : NULL, 0, o, &p->refl);
	if (!ret)
		ret = latency_probe_start(src, addr, latency_reflector_port(p->refl), o, &p->probe);
	return ret;
}

void bed_probe_free(struct bed_probe *p)
{
	unsigned int k;

	if (!p)
		return;
	for (k = 0; k < LATENCY_PATH__COUNT; k++) {
		struct probe_path *x = &p->path[k];

		if (x->remote && x->running)
			bed_path_probe_cancel(p->b, (enum latency_path)k);
		latency_probe_free(x->probe);
		latency_reflector_free(x->refl);
	}
	free(p);
}

/* --inner dual: the probe in IPv6 beside the flows' IPv4 (bed_measure.c),
 * so both families cross the same tunnel at once. */
static const char *probe_target(struct bed *b)
{
	const char *v6 = bed_drain_addr(b, 0, AF_INET6);

	return v6 ? v6 : bed_drain_addr_any(b, 0);
}

/* In the nodes' namespaces: both paths (the underlay where gw2 has an
 * address on it). */
static int start_local(struct bed_probe *p, double interval)
{
	struct latency_opts o = { .interval_s = interval };
	char ul[INET6_ADDRSTRLEN];
	int ret;

	ret = local_start(p->b, NODE_SOURCE, NODE_DRAIN, probe_target(p->b), &o,
			  &p->path[LATENCY_PATH_TUNNEL]);
	if (!ret && !bed_underlay_addr(p->b, ul, sizeof(ul)))
		ret = local_start(p->b, NODE_GW1, NODE_GW2, ul, &o, &p->path[LATENCY_PATH_UNDERLAY]);
	return ret;
}

/* On the backend's nodes, through its probe_* (-ENOTSUP: it has none). */
static int start_remote(struct bed_probe *p, double interval)
{
	char ul[INET6_ADDRSTRLEN];
	const char *tunnel = probe_target(p->b);
	unsigned int k;
	int ret = tunnel && !bed_underlay_addr(p->b, ul, sizeof(ul)) ? 0 : -ENOENT;

	for (k = 0; k < LATENCY_PATH__COUNT && !ret; k++) {
		ret = bed_path_probe_start(p->b, (enum latency_path)k, k == LATENCY_PATH_TUNNEL ? tunnel : ul,
					   interval);
		p->path[k].remote = true;
		p->path[k].running = !ret;
	}
	return ret;
}

int bed_probe_start(struct bed *b, double interval, struct bed_probe **out)
{
	char path[PATH_MAX];
	struct bed_probe *p;
	int ret;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->b = b;
	p->t_start = util_now_mono();
	if (!bed_netns_path(b, NODE_SOURCE, path, sizeof(path)))
		ret = start_local(p, interval);
	else
		ret = start_remote(p, interval);
	if (ret) {
		bed_probe_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

double bed_probe_started(const struct bed_probe *p)
{
	return p->t_start;
}

/* One path's runs[].latency (NULL: not measured); timeline: its file. */
static struct json_object *path_json(struct bed_probe *p, enum latency_path k,
				     const struct latency_window *idle,
				     const struct latency_window *load, const char *timeline)
{
	struct probe_path *x = &p->path[k];
	struct json_object *j = NULL;
	struct latency_result r;

	if (x->remote) {
		if (x->running && bed_path_probe_finish(p->b, k, idle, load, timeline, &j))
			j = NULL;
		x->running = false;
		return j;
	}
	if (!x->probe || latency_probe_stop(x->probe) ||
	    latency_probe_result(x->probe, idle, load, latency_reflector_cpu_s(x->refl), &r))
		return NULL;
	/* the probe's own times: monotonic seconds, the samples' clock */
	if (timeline && latency_probe_timeline(x->probe, 0, timeline))
		wgb_warn("latency: the timeline %s could not be written", timeline);
	return latency_result_json(&r);
}

int bed_probe_finish(struct bed_probe *p, const struct latency_window *idle,
		     const struct latency_window *load, const char *timeline, struct json_object **out)
{
	struct json_object *lat = path_json(p, LATENCY_PATH_TUNNEL, idle, load, timeline);

	*out = NULL;
	if (!lat)
		return -EIO;
	json_object_object_add(lat, "underlay", path_json(p, LATENCY_PATH_UNDERLAY, idle, load, NULL));
	*out = lat;
	return 0;
}
