/* agent_node_live.c — the node agent on the far side of a live tunnel
 * (--backend live --peer-ssh, agent_node.h "live-attach"): nothing is
 * built here; the agent finds the WireGuard interface whose other end is
 * the controller's, and then samples it, serves iperf3 on it and applies
 * the peer's half of a variant to its links (node gw2 and drain: this
 * machine plays both), each change kept in this machine's host file until
 * put back, as the controller's side does (variant_apply_site).
 *
 * Which interface: the one named (--peer-live), else the one whose listen
 * port is the port of the endpoint the controller's peer entry sends to,
 * else the one with a peer that allows the controller's tunnel address.
 * Its underlay is the device of the route to that peer's endpoint; the
 * reply path is the route back to the controller's tunnel address.
 */
#include "agent_node_impl.h"
#include "route.h"
#include "sample.h"
#include "tun.h"
#include "util.h"
#include "variant.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define LIVE_NETNS_SELF "/proc/self/ns/net"

struct agent_live {
	char ifname[IFNAMSIZ];
	char underlay[IFNAMSIZ];
	pid_t pid;
};

static struct json_object *jstr(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static int link_mtu(const char *ifname)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = -1;

	if (s < 0 || !ifname[0])
		goto out;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFMTU, &ifr) == 0)
		mtu = ifr.ifr_mtu;
out:
	if (s >= 0)
		close(s);
	return mtu;
}

/* The interface by name, else the best match of every WireGuard one here. */
static int find_iface(const char *named, unsigned int port, const struct route_addr *back,
		      struct tun_device_info **out, const char **how)
{
	struct if_nameindex *ifs, *i;
	struct tun_device_info *best = NULL;
	int r;

	*out = NULL;
	if (named) {
		*how = "named";
		return tun_device_read(NULL, named, out);
	}
	if (!(ifs = if_nameindex()))
		return -errno;
	for (i = ifs; i->if_name; i++) {
		struct tun_device_info *d = NULL;

		if (tun_device_read(NULL, i->if_name, &d))
			continue;
		if (port && d->listen_port == port) {
			tun_device_free(best);
			best = d;
			*how = "listen port";
			break;
		}
		if (!best && tun_device_peer_for(d, back->af, &back->u)) {
			best = d;
			*how = "allowed ips";
			continue;
		}
		tun_device_free(d);
	}
	if_freenameindex(ifs);
	r = best ? 0 : -ENODEV;
	*out = best;
	return r;
}

static struct json_object *peer_json(const struct tun_peer_info *p)
{
	struct json_object *o = json_object_new_object();
	char key[45], ep[64];

	tun_key_to_base64(p->public_key, key);
	tun_endpoint_str(&p->endpoint, ep, sizeof(ep));
	json_object_object_add(o, "public_key", json_object_new_string(key));
	json_object_object_add(o, "endpoint", jstr(ep));
	json_object_object_add(o, "latest_handshake", json_object_new_int64(p->last_handshake_sec));
	json_object_object_add(o, "persistent_keepalive_s", json_object_new_int((int)p->keepalive_s));
	json_object_object_add(o, "rx_bytes", json_object_new_int64((int64_t)p->rx_bytes));
	json_object_object_add(o, "tx_bytes", json_object_new_int64((int64_t)p->tx_bytes));
	return o;
}

/* The route back to the controller's tunnel address, and the underlay. */
static void routes_json(struct json_object *o, struct agent_live *l, const struct tun_peer_info *p,
			const struct route_addr *back)
{
	struct route_info rt, ep;
	struct route_addr epa = { 0 };
	int r = route_get(NULL, back, NULL, NULL, &rt);
	char dst[INET6_ADDRSTRLEN];

	if (p)
		route_addr_of(&p->endpoint, &epa);
	json_object_object_add(o, "route_back_dst", json_object_new_string(route_addr_str(back, dst, sizeof(dst))));
	json_object_object_add(o, "route_back", r ? NULL : jstr(rt.text));
	json_object_object_add(o, "route_back_oif", r ? NULL : jstr(rt.oif));
	json_object_object_add(o, "route_back_error", r ? json_object_new_string(strerror(-r)) : NULL);
	json_object_object_add(o, "reply_through", json_object_new_boolean(!r && !strcmp(rt.oif, l->ifname)));
	if (epa.af && !route_get(NULL, &epa, NULL, NULL, &ep)) {
		snprintf(l->underlay, sizeof(l->underlay), "%s", ep.oif);
		json_object_object_add(o, "underlay_route", jstr(ep.text));
	} else {
		json_object_object_add(o, "underlay_route", NULL);
	}
	json_object_object_add(o, "underlay", jstr(l->underlay));
}

static struct json_object *attach_json(struct agent_live *l, const struct tun_device_info *d,
				       const char *how, const struct route_addr *back)
{
	const struct tun_peer_info *p = tun_device_peer_for(d, back->af, &back->u);
	struct json_object *o = json_object_new_object(), *mtu = json_object_new_object();
	char ver[96] = "", exe[64], host[128] = "";

	if (d->kind == TUN_KERNEL)
		tun_kernel_ops.version(ver, sizeof(ver));
	else if (d->pid > 0 && !util_fmt(exe, sizeof(exe), "/proc/%d/exe", (int)d->pid))
		tun_prog_version(exe, ver, sizeof(ver));
	gethostname(host, sizeof(host) - 1);
	json_object_object_add(o, "hostname", jstr(host));
	json_object_object_add(o, "interface", json_object_new_string(d->ifname));
	json_object_object_add(o, "found_by", json_object_new_string(how));
	json_object_object_add(o, "implementation", json_object_new_string(d->impl));
	json_object_object_add(o, "pid", d->pid > 0 ? json_object_new_int((int)d->pid) : NULL);
	json_object_object_add(o, "version", jstr(ver));
	json_object_object_add(o, "listen_port", json_object_new_int((int)d->listen_port));
	json_object_object_add(o, "peers", json_object_new_int64((int64_t)d->n_peers));
	json_object_object_add(o, "peer", p ? peer_json(p) : NULL);
	routes_json(o, l, p, back);
	json_object_object_add(mtu, "tunnel", link_mtu(l->ifname) > 0 ? json_object_new_int(link_mtu(l->ifname)) : NULL);
	json_object_object_add(mtu, "underlay", link_mtu(l->underlay) > 0 ?
			       json_object_new_int(link_mtu(l->underlay)) : NULL);
	json_object_object_add(o, "mtu", mtu);
	return o;
}

/* live-attach PREFIX PORT ADDR IFACE|- */
void agent_node_live_attach(struct node_agent *a, char **w, size_t n)
{
	struct agent_node_live_req q;
	struct tun_device_info *d = NULL;
	struct json_object *o;
	const char *how = "?";
	char path[128], back[INET6_ADDRSTRLEN];
	int r;

	if (agent_node_parse_live(w, n, &q)) {
		agent_node_fail(a, "live-attach: bad arguments");
		return;
	}
	if (a->host || a->live) {
		agent_node_fail(a, "live-attach: this agent already holds a part of a testbed");
		return;
	}
	if (!util_fmt(path, sizeof(path), "/run/wgbench/%shost.json", q.prefix) && !access(path, F_OK)) {
		agent_node_fail(a, "%s: a killed run left values it changed on this machine; run `wgbench "
				"cleanup --prefix %s` there first", path, q.prefix);
		return;
	}
	route_addr_str(&q.back, back, sizeof(back));
	r = find_iface(q.ifname[0] ? q.ifname : NULL, q.port, &q.back, &d, &how);
	if (r == -ENODEV && q.ifname[0])
		agent_node_fail(a, "%s: not a WireGuard interface on this machine", q.ifname);
	else if (r == -ENODEV)
		agent_node_fail(a, "no WireGuard interface here listens on port %u or has a peer that allows "
				"%s (name it with --peer-live IFACE)", q.port, back);
	else if (r)
		agent_node_fail(a, "WireGuard interfaces cannot be read: %s", strerror(-r));
	if (r)
		return;
	a->live = calloc(1, sizeof(*a->live));
	if (!a->live) {
		tun_device_free(d);
		agent_node_fail(a, "live-attach: %s", strerror(ENOMEM));
		return;
	}
	snprintf(a->live->ifname, sizeof(a->live->ifname), "%s", d->ifname);
	a->live->pid = d->pid;
	a->node = NODE_GW2;
	snprintf(a->prefix, sizeof(a->prefix), "%s", q.prefix);
	o = attach_json(a->live, d, how, &q.back);
	agent_node_reply(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), NULL);
	json_object_put(o);
	tun_device_free(d);
}

void agent_node_live_free(struct node_agent *a)
{
	free(a->live);
	a->live = NULL;
}

void agent_node_live_sample_spec(struct node_agent *a, struct sample_node_spec *sp)
{
	struct agent_live *l = a->live;

	sp->name = "peer";
	sp->netns_path = NULL;
	if (l->pid > 0)
		sp->tunnel_pids[sp->n_pids++] = l->pid;
	sp->kthread_ifnames[sp->n_ifnames++] = l->ifname;
	if (l->underlay[0])
		sp->kthread_ifnames[sp->n_ifnames++] = l->underlay;
	sp->wg_ifnames[sp->n_wg++] = l->ifname;
}

/* ---- the peer's half of a variant ---- */

static int refuse(char *why, size_t wlen, const char *msg)
{
	snprintf(why, wlen, "%s", msg);
	return -ENOTSUP;
}

/* This machine plays gw2 and drain (the traffic ends here); the
 * controller's machine gw1 and source, skipped here. As live_bed.c's. */
static int where(void *arg, const struct variant_spot *q, char *netns, size_t nlen, char *ifname,
		 size_t ilen, char *why, size_t wlen)
{
	struct agent_live *l = arg;

	if (!strcmp(q->key, "cpus") || !strcmp(q->key, "port_spread"))
		return refuse(why, wlen, "it needs a testbed of wgbench's own (its tunnel processes, both "
			      "ends); live mode cannot apply it");
	if (q->has_link && q->link == LINK_LAN)
		return q->group ? 1 : refuse(why, wlen, "live mode has no lan link: it knows the tunnel and "
					     "the underlay of each side only");
	if (q->node != NODE_GW2 && q->node != NODE_DRAIN)
		return 2;   /* the controller's machine sets them */
	if (q->group && q->node == NODE_DRAIN)
		return 1;   /* gateways/all reach this machine once, as gw2 */
	snprintf(netns, nlen, "%s", LIVE_NETNS_SELF);
	ifname[0] = 0;
	if (!q->has_link)
		return 0;
	if (q->node == NODE_DRAIN)
		return refuse(why, wlen, "node drain has only a lan link; in live mode name gw2 (the peer) "
			      "for its tunnel or underlay");
	if (q->link == LINK_UNDERLAY && !l->underlay[0])
		return refuse(why, wlen, "the peer's interface has no endpoint for this side yet, so no "
			      "route names its underlay");
	snprintf(ifname, ilen, "%s", q->link == LINK_TUNNEL ? l->ifname : l->underlay);
	return 0;
}

static void site(struct node_agent *a, struct variant_site *s)
{
	s->prefix = a->prefix;
	s->where = where;
	s->arg = a->live;
}

int agent_node_live_check(struct node_agent *a, const struct variant *v, char *why, size_t len)
{
	struct variant_site s;

	site(a, &s);
	return variant_check_site(v, &s, why, len);
}

int agent_node_live_apply(struct node_agent *a, const struct variant *v, struct variant_applied **out)
{
	struct variant_site s;

	site(a, &s);
	return variant_apply_site(v, &s, out);
}
