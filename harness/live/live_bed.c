/* live_bed.c — the live bed's operations (bed.h, live.h): nothing to build
 * or take down; traffic from this namespace to the peer's iperf3 (a plain
 * iperf3 -s, or its agent's servers with --peer-ssh); the sampler on this
 * machine with WireGuard's counters of the interface, and the peer's agent
 * sampling its side; variants on this machine's named links, kept in the
 * host file until put back, and the peer's half through its agent
 * (live_peer.c). */
#include "live.h"
#include "live_impl.h"
#include "opts.h"
#include "sample.h"
#include "traffic.h"
#include "util.h"
#include "variant.h"
#include "jsonx.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The namespace this process runs in, as a path a forked child (the knob
 * layer's sysfs and procfs work) resolves to the same namespace. */
#define LIVE_NETNS_SELF "/proc/self/ns/net"

static unsigned int lb_default_tunnels(void *st)
{
	(void)st;
	return 1;
}

static int lb_fits(void *st, unsigned int tunnels, const char *who)
{
	struct live_bed *b = st;

	if (tunnels == 1)
		return 0;
	wgb_err("%s wants %u tunnels: live mode measures the one tunnel %s is", who, tunnels, b->local.ifname);
	return -EINVAL;
}

static int lb_up(void *st, unsigned int tunnels)
{
	struct live_bed *b = st;
	const struct tun_peer_info *p = live_peer(b);
	char key[45] = "?";
	int ret = lb_fits(b, tunnels, "the run");

	if (ret)
		return ret;
	b->up = true;
	if (b->o->quiet)
		return 0;
	if (p)
		tun_key_to_base64(p->public_key, key);
	fprintf(b->tty, "live: %s (%s%s%s) to %s port %u through peer %.8s... at %s, underlay %s; "
		"nothing is created or removed\n", b->local.ifname, b->local.dev->impl,
		b->version[0] ? ", " : "", b->version, b->o->peer, b->o->peer_port, key,
		b->endpoint[0] ? b->endpoint : "(no endpoint)", b->local.underlay[0] ? b->local.underlay : "unknown");
	if (b->peer)
		fprintf(b->tty, "peer: %s over ssh %s: %s (%s), underlay %s, replies %s; clock offset %+.6f s "
			"(+-%.6f)\n", jsonx_str_at(b->peer->attach, "hostname") ? jsonx_str_at(b->peer->attach, "hostname") : "?",
			b->o->peer_ssh, b->peer->ifname, jsonx_str_at(b->peer->attach, "implementation"),
			b->peer->underlay[0] ? b->peer->underlay : "unknown",
			jsonx_str_at(b->peer->attach, "route_back") ? jsonx_str_at(b->peer->attach, "route_back") : "unrouted",
			b->peer->clock.offset, b->peer->clock.rtt / 2);
	fflush(b->tty);
	return 0;
}

static int lb_down(void *st)
{
	struct live_bed *b = st;

	sample_free(b->local.smp);
	b->local.smp = NULL;
	b->up = false;
	return 0;
}

static unsigned int lb_tunnels(void *st)
{
	struct live_bed *b = st;

	return b->up ? 1 : 0;
}

/* The peer address in its own family, none in the other. */
static const char *lb_drain_addr(void *st, unsigned int k, int af)
{
	struct live_bed *b = st;

	(void)k;
	return b->up && af == b->peer_addr.af ? b->o->peer : NULL;
}

static const struct topo *lb_topo(void *st)
{
	(void)st;
	return NULL;   /* no namespaces of ours */
}

/* ---- variants: where each (node, link) is on this machine ---- */

static int refuse(char *why, size_t wlen, const char *fmt, const char *a)
{
	snprintf(why, wlen, fmt, a);
	return -ENOTSUP;
}

/* This machine plays gw1 and source (the traffic starts here), the peer gw2
 * and drain; a group's part on the peer is skipped, a named peer node
 * refused. Links: tunnel is the interface, underlay the route to the
 * endpoint; there is no lan. */
static int where(void *arg, const struct variant_spot *q, char *netns, size_t nlen, char *ifname,
		 size_t ilen, char *why, size_t wlen)
{
	struct live_bed *b = arg;
	bool here = q->node == NODE_GW1 || q->node == NODE_SOURCE;

	if (!strcmp(q->key, "cpus") || !strcmp(q->key, "port_spread"))
		return refuse(why, wlen, "%s needs a testbed of wgbench's own (its tunnel processes, both "
			      "ends); live mode cannot apply it", q->key);
	if (q->has_link && q->link == LINK_LAN)
		return q->group ? 1 : refuse(why, wlen, "%s", "live mode has no lan link: it knows the tunnel "
					     "and the underlay of each side only");
	if (!here && b->peer)
		return 2;   /* the peer's agent sets gw2's and drain's (live_peer.c) */
	if (!here && q->group)
		return 1;
	if (!here)
		return refuse(why, wlen, "node %s is the peer's side: without --peer-ssh live mode changes "
			      "this machine only", topo_node_name((enum topo_node_id)q->node));
	/* gateways/all reach this machine once, as gw1 */
	if (q->group && q->node == NODE_SOURCE)
		return 1;
	snprintf(netns, nlen, "%s", LIVE_NETNS_SELF);
	ifname[0] = 0;
	if (!q->has_link)
		return 0;
	if (q->node == NODE_SOURCE)
		return refuse(why, wlen, "%s", "node source has only a lan link; in live mode name gw1 "
			      "(this machine) for its tunnel or underlay");
	if (q->link == LINK_UNDERLAY && !b->local.underlay[0])
		return refuse(why, wlen, "the peer of %s has no endpoint yet, so no route names the underlay",
			      b->o->peer);
	snprintf(ifname, ilen, "%s", q->link == LINK_TUNNEL ? b->local.ifname : b->local.underlay);
	return 0;
}

static void site(struct live_bed *b, struct variant_site *s)
{
	s->prefix = b->o->prefix;
	s->where = where;
	s->arg = b;
}

static int lb_variant_check(void *st, const struct variant *v, char *why, size_t len)
{
	struct live_bed *b = st;
	struct variant_site s;

	int ret;

	if (variant_tunnels(v) > 1) {
		snprintf(why, len, "needs %u tunnels; live mode measures the one there", variant_tunnels(v));
		return -ENOTSUP;
	}
	site(b, &s);
	ret = variant_check_site(v, &s, why, len);
	if (!ret && b->peer)
		ret = live_peer_variant_check(b, v, why, len);
	return ret;
}

static int lb_variant_revert(void *st)
{
	struct live_bed *b = st;
	int rp = live_peer_variant_revert(b), ret;   /* the peer's half first: NULL-safe */

	if (!b->applied)
		return rp;
	ret = variant_revert(b->applied);
	if (ret)
		wgb_warn("variant '%s': not every value could be restored; `wgbench cleanup --prefix %s` "
			 "tries again from the host file", b->applied_name, b->o->prefix);
	variant_applied_free(b->applied);
	b->applied = NULL;
	return ret ? ret : rp;
}

/* Each record says whose machine it changed: "local" or "peer". */
static void tag_records(struct json_object *arr, const char *machine)
{
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++)
		json_object_object_add(json_object_array_get_idx(arr, i), "machine", json_object_new_string(machine));
}

static int lb_variant_apply(void *st, const struct variant *v, struct json_object **applied)
{
	struct live_bed *b = st;
	struct variant_site s;
	int ret;

	*applied = NULL;
	if (!b->up)
		return -ENOENT;
	lb_variant_revert(b);
	site(b, &s);
	ret = variant_apply_site(v, &s, &b->applied);
	if (ret) {
		b->applied = NULL;   /* the variant layer put back what it had set */
		return ret;
	}
	snprintf(b->applied_name, sizeof(b->applied_name), "%s", variant_name(v));
	if (variant_applied_json(b->applied, applied))
		*applied = NULL;
	if (!b->peer)
		return 0;
	if (!*applied)
		*applied = json_object_new_array();
	tag_records(*applied, LIVE_NODE);
	ret = live_peer_variant_apply(b, v, *applied);
	if (ret) {   /* both sides back as they were */
		lb_variant_revert(b);
		json_object_put(*applied);
		*applied = NULL;
	}
	return ret;
}

/* ---- traffic ---- */

/* --flow-mode processes: one test per flow, so one server per flow at
 * port, port + 1, ... (iperf3 -s serves one test at a time). */
static int check_servers(struct live_bed *b, size_t n, struct traffic_flow_result *res)
{
	char why[160];
	size_t i;
	int r;

	for (i = 1; i < n; i++) {
		r = live_iperf_probe(&b->peer_addr, b->o->peer_port + (unsigned int)i, LIVE_IPERF_TIMEOUT_S,
				     why, sizeof(why));
		if (!r)
			continue;
		if (asprintf(&res[0].error, "--flow-mode processes: %zu flows need %zu iperf3 servers at %s "
			     "ports %u-%zu (one test each); port %zu does not answer (%s): start them, or use "
			     "--flow-mode streams (one test of -P %zu, live mode's default)", n, n, b->o->peer,
			     b->o->peer_port, b->o->peer_port + n - 1, b->o->peer_port + i, why, n) < 0)
			res[0].error = NULL;
		return -ENOTSUP;
	}
	return 0;
}

/* A plain iperf3 -s answers its report as text: the flows that failed only
 * for want of the JSON one are read from it. */
static int udp_text_reports(struct traffic_flow_result *res, size_t n)
{
	size_t i, failed = 0;

	for (i = 0; i < n; i++) {
		struct traffic_metrics m;

		if (!res[i].ok && res[i].json && res[i].error && strstr(res[i].error, "server_output_json") &&
		    !live_udp_from_text(res[i].json, &m)) {
			res[i].m = m;
			res[i].ok = true;
			free(res[i].error);
			res[i].error = NULL;
		}
		failed += !res[i].ok;
	}
	return failed ? -EIO : 0;
}

/* --peer-ssh: the agent's one-off servers (JSON reports), one per flow. */
static int peer_traffic(struct live_bed *b, const struct traffic_test *t, struct traffic_flow *f,
			size_t n, double timeout, const volatile sig_atomic_t *stop,
			struct traffic_flow_result *res, double *t_clients)
{
	int ret = live_peer_serve(b, t->udp, f, n), r;
	size_t i;

	if (ret) {
		for (i = 0; i < n; i++)
			if (!res[i].error)
				res[i].error = strdup("the peer's agent could not start the iperf3 servers");
		return ret;
	}
	ret = traffic_run(t, f, n, timeout, stop, res, t_clients);
	if (ret != -EINTR && (r = live_peer_serve_end(b)) && !ret)
		ret = r;
	return ret;
}

static int lb_traffic(void *st, const struct traffic_test *t, const struct traffic_flow *flows,
		      size_t n, double timeout, const volatile sig_atomic_t *stop,
		      struct traffic_flow_result *res, double *t_clients)
{
	struct live_bed *b = st;
	struct traffic_test here = *t;
	struct traffic_flow *f = (struct traffic_flow *)flows;
	size_t i;
	int ret;

	if (!b->up)
		return -ENOENT;
	if (!b->peer && n > 1 && (ret = check_servers(b, n, res)))
		return ret;
	/* The peer's servers are where they are: the measurement's own flow
	 * list (bed_measure()'s, not const there) says so, so runs[].per_flow
	 * names the ports that were used. */
	for (i = 0; i < n; i++) {
		f[i].server_addr = b->o->peer;
		f[i].port = (int)(b->o->peer_port + i);
	}
	here.client_netns = NULL;       /* this namespace */
	here.server_netns = NULL;
	here.servers_elsewhere = true;  /* the peer's iperf3 -s */
	here.client_cpus = here.server_cpus = NULL;
	here.n_client_cpus = here.n_server_cpus = 0;
	if (b->peer)
		return peer_traffic(b, &here, f, n, timeout, stop, res, t_clients);
	ret = traffic_run(&here, f, n, timeout, stop, res, t_clients);
	return ret == -EIO && t->udp && !t->reverse ? udp_text_reports(res, n) : ret;
}

/* ---- sampler: this machine, one node ---- */

static int lb_sample_start(void *st, double interval, const char *timeline_path)
{
	struct live_bed *b = st;
	struct sample_node_spec sp;
	int ret;

	if (!b->up)
		return -ENOENT;
	memset(&sp, 0, sizeof(sp));
	sp.name = LIVE_NODE;
	sp.netns_path = NULL;
	if (b->local.dev->pid > 0)
		sp.tunnel_pids[sp.n_pids++] = b->local.dev->pid;
	sp.kthread_ifnames[sp.n_ifnames++] = b->local.ifname;
	if (b->local.underlay[0])
		sp.kthread_ifnames[sp.n_ifnames++] = b->local.underlay;
	sp.wg_ifnames[sp.n_wg++] = b->local.ifname;
	sample_free(b->local.smp);
	ret = sample_start_nodes(&sp, 1, interval, timeline_path, &b->local.smp);
	if (ret)
		b->local.smp = NULL;
	if (!ret && b->peer && (ret = live_peer_sample_start(b, interval, timeline_path))) {
		sample_free(b->local.smp);
		b->local.smp = NULL;
	}
	return ret;
}

static int lb_sample_stop(void *st, double w0, double w1, struct json_object **cpu,
			  struct json_object **drops, double *self_cpu_s)
{
	struct live_bed *b = st;
	int ret, rp;

	*cpu = *drops = NULL;
	*self_cpu_s = 0;
	if (!b->local.smp)
		return -ENOENT;
	ret = sample_stop(b->local.smp, w0, w1, cpu, drops);
	*self_cpu_s = sample_self_cpu(b->local.smp);
	sample_free(b->local.smp);
	b->local.smp = NULL;
	if (b->peer && (rp = live_peer_sample_stop(b, w0, w1, ret ? NULL : *cpu, ret ? NULL : *drops)) && !ret) {
		json_object_put(*cpu);
		json_object_put(*drops);
		*cpu = *drops = NULL;
		ret = rp;
	}
	return ret;
}

/* ---- latency probe: to the peer's agent (live_peer.c) ---- */

/* The peer's endpoint: the underlay path outside the tunnel. */
static int lb_underlay_addr(void *st, char *buf, size_t len)
{
	struct live_bed *b = st;

	return b->endpoint_addr.af && route_addr_str(&b->endpoint_addr, buf, len) ? 0 : -ENOENT;
}

static int lb_probe_start(void *st, enum latency_path path, const char *addr, double interval)
{
	return live_peer_probe_start(st, path, addr, interval);
}

static int lb_probe_finish(void *st, enum latency_path path, const struct latency_window *idle,
			   const struct latency_window *load, const char *timeline, struct json_object **out)
{
	return live_peer_probe_finish(st, path, idle, load, timeline, out);
}

static void lb_probe_cancel(void *st, enum latency_path path)
{
	live_peer_probe_cancel(st, path);
}

static void lb_facts(void *st, struct json_object *j)
{
	live_facts(st, j);
}

void live_bed_release(struct live_bed *b)
{
	if (!b)
		return;
	lb_variant_revert(b);
	sample_free(b->local.smp);
	live_peer_close(b);
	tun_device_free(b->local.dev);
	free(b);
}

static void lb_close(void *st)
{
	live_bed_release(st);
}

const struct bed_ops live_ops = {
	.name = "live",
	.local_clock = true,
	.default_tunnels = lb_default_tunnels,
	.fits = lb_fits,
	.up = lb_up,
	.down = lb_down,
	.tunnels = lb_tunnels,
	.drain_addr = lb_drain_addr,
	.topo = lb_topo,
	.variant_check = lb_variant_check,
	.variant_apply = lb_variant_apply,
	.variant_revert = lb_variant_revert,
	.traffic = lb_traffic,
	.sample_start = lb_sample_start,
	.sample_stop = lb_sample_stop,
	.underlay_addr = lb_underlay_addr,
	.probe_start = lb_probe_start,
	.probe_finish = lb_probe_finish,
	.probe_cancel = lb_probe_cancel,
	.facts = lb_facts,
	.close = lb_close,
};
