/* hosts_plan.c — each machine's part of the testbed (hosts_plan.h). */
#include "hosts_plan.h"
#include "topo_plan.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The address of a link end in family af: the file's (IPv4), or the
 * plan's (topo_plan.h). */
static struct agent_host_ip end_of(const struct hosts_file *hf, enum topo_node_id n, enum topo_link_role r,
				   unsigned int k, int af)
{
	const struct hosts_link *l = r == LINK_TUNNEL ? NULL : &hf->node[n].link[r];
	struct agent_host_ip e = { .af = af };

	if (af == AF_INET6) {   /* given addresses are IPv4 (hosts_plan_families) */
		topo_plan_addr6(n, r, k, &e.v6, &e.plen);
		return e;
	}
	if (l && l->given) {
		e.v4 = l->addr;
		e.plen = l->plen;
		if (n == NODE_DRAIN)   /* fits() allows one tunnel with a given drain address */
			e.v4.s_addr = htonl(ntohl(e.v4.s_addr) + k);
		return e;
	}
	topo_plan_addr(n, r, k, &e.v4, &e.plen);
	return e;
}

/* One address alone (/32, /128). */
static struct agent_host_ip host_of(struct agent_host_ip e)
{
	e.plen = e.af == AF_INET6 ? 128 : 32;
	return e;
}

/* The families a link carries: the underlay --ip's, the lans and tunnels --inner's. */
static unsigned int fams(const struct hosts_plan_in *in, enum topo_link_role r)
{
	unsigned int f = r == LINK_UNDERLAY ? in->ip : in->inner;

	return f ? f : TOPO_FAM_4;
}

static const int afs[2] = { AF_INET, AF_INET6 };

static bool has_af(unsigned int fam, int af)
{
	return fam & (af == AF_INET6 ? TOPO_FAM_6 : TOPO_FAM_4);
}

int hosts_plan_fits(const struct hosts_file *hf, unsigned int tunnels, char *why, size_t len)
{
	if (hf->shape == TOPO_SITE && hf->node[NODE_DRAIN].link[LINK_LAN].given && tunnels > 1) {
		snprintf(why, len, "%s gives drain's lan address: one drain address, so one tunnel, not %u",
			 hf->path, tunnels);
		return -EINVAL;
	}
	return 0;
}

int hosts_plan_families(const struct hosts_file *hf, unsigned int ip, unsigned int inner, char *why,
			size_t len)
{
	unsigned int n;
	int r;

	for (n = 0; n < NODE__COUNT; n++)
		for (r = LINK_LAN; r <= LINK_UNDERLAY; r++) {
			const struct hosts_link *l = &hf->node[n].link[r];
			unsigned int f = r == LINK_UNDERLAY ? ip : inner;
			char a[INET_ADDRSTRLEN];

			if (!l->given || !(f & TOPO_FAM_6))
				continue;
			inet_ntop(AF_INET, &l->addr, a, sizeof(a));
			snprintf(why, len, "%s: nodes.%s.links.%s: gives the IPv4 address %s/%u, and --%s %s puts "
				 "IPv6 on this link: a given address is IPv4 only (name the device alone to have the "
				 "plan's addresses added, or use --%s 4)", hf->path, topo_node_name(n),
				 topo_link_name(r), a, l->plen, r == LINK_UNDERLAY ? "ip" : "inner",
				 topo_family_name(f), r == LINK_UNDERLAY ? "ip" : "inner");
			return -EINVAL;
		}
	return 0;
}

struct agent_host_ip hosts_plan_target(const struct hosts_file *hf, bool tunnel, unsigned int k, int af)
{
	if (hf->shape == TOPO_SITE)
		return end_of(hf, NODE_DRAIN, LINK_LAN, k, af);
	if (tunnel)
		return end_of(hf, NODE_GW2, LINK_TUNNEL, k, af);
	return hosts_plan_underlay(hf, af);
}

struct agent_host_ip hosts_plan_underlay(const struct hosts_file *hf, int af)
{
	return end_of(hf, NODE_GW2, LINK_UNDERLAY, 0, af);
}

enum topo_node_id hosts_plan_client(const struct hosts_file *hf)
{
	return hf->shape == TOPO_P2P ? NODE_GW1 : NODE_SOURCE;
}

enum topo_node_id hosts_plan_server(const struct hosts_file *hf)
{
	return hf->shape == TOPO_P2P ? NODE_GW2 : NODE_DRAIN;
}

int hosts_plan_keys(unsigned int tunnels, struct hosts_keys *k)
{
	unsigned int i, g;
	int ret = 0;

	for (i = 0; i < tunnels && !ret; i++)
		for (g = 0; g < 2 && !ret; g++)
			ret = tun_generate_keypair(k->priv[i][g], k->pub[i][g]);
	return ret;
}

/* ---- one node ---- */

static int add_addr(struct agent_host_plan *p, const char *dev, struct agent_host_ip e, bool given)
{
	struct agent_host_addr *a;

	if (p->n_addr == AGENT_HOST_ADDRS)
		return -E2BIG;
	a = &p->addr[p->n_addr++];
	memset(a->dev, 0, sizeof(a->dev));
	memcpy(a->dev, dev, strnlen(dev, sizeof(a->dev) - 1));
	a->a = e;
	a->given = given;
	return 0;
}

/* Link r's addresses of node n (drain address k), one per family it carries. */
static int add_addrs(const struct hosts_plan_in *in, struct agent_host_plan *p, enum topo_node_id n,
		     enum topo_link_role r, unsigned int k)
{
	bool given = in->hf->node[n].link[r].given && k == 0;
	int i, ret = 0;

	for (i = 0; i < 2 && !ret; i++)
		if (has_af(fams(in, r), afs[i]))
			ret = add_addr(p, p->dev[r], end_of(in->hf, n, r, k, afs[i]), given && afs[i] == AF_INET);
	return ret;
}

static int add_route(struct agent_host_plan *p, struct agent_host_ip dst, const struct agent_host_ip *via,
		     const char *dev, uint32_t table)
{
	struct agent_host_route *r;

	if (p->n_route == AGENT_HOST_ROUTES)
		return -E2BIG;
	r = &p->route[p->n_route++];
	r->dst = dst;
	r->has_via = via != NULL;
	if (via)
		r->via = host_of(*via);
	memset(r->dev, 0, sizeof(r->dev));
	if (dev)   /* dev may be one of p's own names: no snprintf onto p */
		memcpy(r->dev, dev, strnlen(dev, sizeof(r->dev) - 1));
	r->table = table;
	return 0;
}

static void allow(struct agent_host_tun *t, struct agent_host_ip a)
{
	t->allowed[t->n_allowed++] = agent_host_ip_allowed(a);
}

/* Tunnel k's peer, at its underlay address in the family --ip gives tunnel k. */
static void set_endpoint(const struct hosts_plan_in *in, struct agent_host_tun *t, enum topo_node_id peer,
			 unsigned int k)
{
	int af = topo_family_tunnel_af(fams(in, LINK_UNDERLAY), k);
	struct agent_host_ip pu = end_of(in->hf, peer, LINK_UNDERLAY, 0, af);

	memset(&t->endpoint6, 0, sizeof(t->endpoint6));
	if (af == AF_INET6) {
		t->endpoint6.sin6_family = AF_INET6;
		t->endpoint6.sin6_addr = pu.v6;
		t->endpoint6.sin6_port = htons(topo_plan_port(k));
		return;
	}
	t->endpoint.sin_family = AF_INET;
	t->endpoint.sin_addr = pu.v4;
	t->endpoint.sin_port = htons(topo_plan_port(k));
}

/* Tunnel k's end at gateway g (0: gw1): the plan's ports, names and tunnel
 * addresses; the peer reached at its underlay address; allowed, in each
 * family of --inner: what this end sends into it (site: drain address k,
 * or the source lan), and the peer's tunnel address. */
static int add_tunnel(const struct hosts_plan_in *in, struct agent_host_plan *p, unsigned int k, int g)
{
	enum topo_node_id self = g ? NODE_GW2 : NODE_GW1, peer = g ? NODE_GW1 : NODE_GW2;
	struct agent_host_tun *t = &p->tun[p->n_tun];
	int i, ret;

	ret = topo_plan_ifname(in->prefix, self, LINK_TUNNEL, k, t->ifname, sizeof(t->ifname));
	if (ret)
		return ret;
	t->port = topo_plan_port(k);
	set_endpoint(in, t, peer, k);
	t->n_allowed = t->n_addr = 0;
	for (i = 0; i < 2; i++) {
		if (!has_af(fams(in, LINK_TUNNEL), afs[i]))
			continue;
		t->addr[t->n_addr++] = end_of(in->hf, self, LINK_TUNNEL, k, afs[i]);
		if (in->hf->shape == TOPO_SITE)
			allow(t, g ? agent_host_ip_net(end_of(in->hf, NODE_SOURCE, LINK_LAN, 0, afs[i])) :
			      host_of(end_of(in->hf, NODE_DRAIN, LINK_LAN, k, afs[i])));
		allow(t, host_of(end_of(in->hf, peer, LINK_TUNNEL, k, afs[i])));
	}
	if (in->keys) {
		memcpy(t->key, in->keys->priv[k][g], TUN_KEY_LEN);
		memcpy(t->peer, in->keys->pub[k][!g], TUN_KEY_LEN);
	}
	p->n_tun++;
	return 0;
}

/* A site gateway: tunnel k carries drain address k (gw1: a route; gw2:
 * replies from it towards the source lan, a rule and a table each), in
 * each family of --inner. */
static int gateway_routes(const struct hosts_plan_in *in, struct agent_host_plan *p, int g)
{
	unsigned int k;
	int i, ret = 0;

	for (i = 0; i < 2 && !ret; i++) {
		struct agent_host_ip l1 = agent_host_ip_net(end_of(in->hf, NODE_SOURCE, LINK_LAN, 0, afs[i]));

		for (k = 0; has_af(fams(in, LINK_LAN), afs[i]) && k < in->tunnels && !ret; k++) {
			struct agent_host_ip d = host_of(end_of(in->hf, NODE_DRAIN, LINK_LAN, k, afs[i]));

			if (!g) {
				ret = add_route(p, d, NULL, p->tun[k].ifname, 0);
				continue;
			}
			if (p->n_rule == AGENT_HOST_RULES)
				return -E2BIG;
			p->rule[p->n_rule++] = (struct agent_host_rule){ .from = d, .to = l1,
				.table = TOPO_RULE_TABLE_BASE + k, .prio = TOPO_RULE_PRIO_BASE + k };
			ret = add_route(p, l1, NULL, p->tun[k].ifname, TOPO_RULE_TABLE_BASE + k);
		}
	}
	return ret;
}

/* --wg none: the far lan over the underlay, in each family of --inner
 * (which --ip carries then: opts.c). */
static int gateway_plain(const struct hosts_plan_in *in, struct agent_host_plan *p, int g)
{
	enum topo_node_id peer = g ? NODE_GW1 : NODE_GW2;
	int i, ret = 0;

	for (i = 0; i < 2 && !ret; i++) {
		struct agent_host_ip far, via;

		if (!has_af(fams(in, LINK_LAN), afs[i]))
			continue;
		far = agent_host_ip_net(end_of(in->hf, g ? NODE_SOURCE : NODE_DRAIN, LINK_LAN, 0, afs[i]));
		via = end_of(in->hf, peer, LINK_UNDERLAY, 0, afs[i]);
		ret = add_route(p, far, &via, NULL, 0);
	}
	return ret;
}

static int plan_gateway(const struct hosts_plan_in *in, struct agent_host_plan *p, int g)
{
	enum topo_node_id self = g ? NODE_GW2 : NODE_GW1;
	bool site = in->hf->shape == TOPO_SITE, tunnel = in->wg != TUN_NONE;
	unsigned int k;
	int ret = 0;

	if (site)
		ret = add_addrs(in, p, self, LINK_LAN, 0);
	if (!ret)
		ret = add_addrs(in, p, self, LINK_UNDERLAY, 0);
	for (k = 0; tunnel && k < in->tunnels && !ret; k++)
		ret = add_tunnel(in, p, k, g);
	p->forward = site;
	if (ret || !site)
		return ret;
	return tunnel ? gateway_routes(in, p, g) : gateway_plain(in, p, g);
}

static int plan_end(const struct hosts_plan_in *in, struct agent_host_plan *p, enum topo_node_id n)
{
	bool drain = n == NODE_DRAIN;
	unsigned int k;
	int i, ret = 0;

	for (k = 0; k < (drain ? in->tunnels : 1) && !ret; k++)
		ret = add_addrs(in, p, n, LINK_LAN, k);
	for (i = 0; i < 2 && !ret; i++) {
		struct agent_host_ip far, gw;

		if (!has_af(fams(in, LINK_LAN), afs[i]))
			continue;
		far = agent_host_ip_net(end_of(in->hf, drain ? NODE_SOURCE : NODE_DRAIN, LINK_LAN, 0, afs[i]));
		gw = end_of(in->hf, drain ? NODE_GW2 : NODE_GW1, LINK_LAN, 0, afs[i]);
		ret = add_route(p, far, &gw, p->dev[LINK_LAN], 0);
	}
	return ret;
}

int hosts_plan_node(const struct hosts_plan_in *in, enum topo_node_id n, struct agent_host_plan *out)
{
	const struct hosts_node *hn = &in->hf->node[n];
	int r;

	memset(out, 0, sizeof(*out));
	if ((unsigned int)n >= NODE__COUNT || !hn->present)
		return -ENOENT;
	if (in->tunnels < 1 || in->tunnels > TOPO_TUNNELS_MAX)
		return -EINVAL;
	out->node = n;
	snprintf(out->prefix, sizeof(out->prefix), "%s", in->prefix);
	out->shape = in->hf->shape;
	out->wg = in->wg;
	out->tunnels = in->tunnels;
	out->ip = fams(in, LINK_UNDERLAY);
	out->inner = fams(in, LINK_LAN);
	for (r = LINK_LAN; r <= LINK_UNDERLAY; r++)
		if (hn->link[r].present)
			snprintf(out->dev[r], IFNAMSIZ, "%s", hn->link[r].dev);
	if (n == NODE_GW1 || n == NODE_GW2)
		return plan_gateway(in, out, n == NODE_GW2);
	return plan_end(in, out, n);
}
