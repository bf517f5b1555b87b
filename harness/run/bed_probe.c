/* bed_probe.c — the latency probe around one scenario (bed.h, latency.h):
 * through the tunnel, source -> drain address 0 and echoed back, and on the
 * underlay, gw1 -> gw2 outside the tunnel, so that queueing in the tunnel's
 * path is told apart from queueing on the underlay. On beds whose nodes are
 * namespaces of this machine (their monotonic clocks are one clock, so the
 * one-way delays are real); elsewhere the probe says it was not measured. */
#include "bed.h"
#include "latency.h"
#include "topo_plan.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct probe_path {
	struct latency_reflector *refl;
	struct latency_probe *probe;
};

struct bed_probe {
	struct probe_path tunnel, underlay;
	double t_start;
};

static int path_start(struct bed *b, enum topo_node_id from, enum topo_node_id to, const char *addr,
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

static void path_free(struct probe_path *p)
{
	latency_probe_free(p->probe);
	latency_reflector_free(p->refl);
	p->probe = NULL;
	p->refl = NULL;
}

void bed_probe_free(struct bed_probe *p)
{
	if (!p)
		return;
	path_free(&p->tunnel);
	path_free(&p->underlay);
	free(p);
}

/* --inner dual: the probe in IPv6 beside the flows' IPv4 (bed_measure.c),
 * so both families cross the same tunnel at once. */
static const char *probe_target(struct bed *b)
{
	const char *v6 = bed_drain_addr(b, 0, AF_INET6);

	return v6 ? v6 : bed_drain_addr_any(b, 0);
}

/* gw2's underlay address in the family tunnel 0 runs over. */
static int underlay_target(const struct topo *t, char *buf, size_t len)
{
	unsigned int plen;
	struct in6_addr a6;
	struct in_addr a;

	if (t && topo_family_tunnel_af(topo_ip(t), 0) == AF_INET6) {
		if (topo_plan_addr6(NODE_GW2, LINK_UNDERLAY, 0, &a6, &plen))
			return -ENOENT;
		return inet_ntop(AF_INET6, &a6, buf, (socklen_t)len) ? 0 : -ENOSPC;
	}
	if (topo_plan_addr(NODE_GW2, LINK_UNDERLAY, 0, &a, &plen))
		return -ENOENT;
	return inet_ntop(AF_INET, &a, buf, (socklen_t)len) ? 0 : -ENOSPC;
}

int bed_probe_start(struct bed *b, double interval, struct bed_probe **out)
{
	struct latency_opts o = { .interval_s = interval };
	char ul[INET6_ADDRSTRLEN], path[PATH_MAX];
	const struct topo *t = bed_topo(b);
	struct bed_probe *p;
	int ret;

	*out = NULL;
	ret = bed_netns_path(b, NODE_SOURCE, path, sizeof(path));
	if (ret)
		return ret;   /* -ENOTSUP: the nodes are not namespaces here */
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->t_start = util_now_mono();
	ret = path_start(b, NODE_SOURCE, NODE_DRAIN, probe_target(b), &o, &p->tunnel);
	if (!ret && !underlay_target(t, ul, sizeof(ul)))
		ret = path_start(b, NODE_GW1, NODE_GW2, ul, &o, &p->underlay);
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

static struct json_object *path_json(struct probe_path *p, const struct latency_window *idle,
				     const struct latency_window *load)
{
	struct latency_result r;

	if (latency_probe_stop(p->probe) ||
	    latency_probe_result(p->probe, idle, load, p->refl, &r))
		return NULL;
	return latency_result_json(&r);
}

int bed_probe_finish(struct bed_probe *p, const struct latency_window *idle,
		     const struct latency_window *load, const char *timeline, struct json_object **out)
{
	struct json_object *lat = path_json(&p->tunnel, idle, load), *ul;

	*out = NULL;
	if (!lat)
		return -EIO;
	ul = path_json(&p->underlay, idle, load);
	json_object_object_add(lat, "underlay", ul);
	/* the probe's own times: monotonic seconds, the samples' clock */
	if (timeline && latency_probe_timeline(p->tunnel.probe, 0, timeline))
		wgb_warn("latency: the timeline %s could not be written", timeline);
	*out = lat;
	return 0;
}
