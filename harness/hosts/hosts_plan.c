/* hosts_plan.c — each machine's part of the testbed (hosts_plan.h). */
#include "hosts_plan.h"
#include "topo_plan.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* An address of a link end: the file's, or the plan's. */
struct end {
	struct in_addr a;
	unsigned int plen;
};

static struct end end_of(const struct hosts_file *hf, enum topo_node_id n, enum topo_link_role r,
			 unsigned int k)
{
	const struct hosts_link *l = &hf->node[n].link[r];
	struct end e;

	if (l->given) {
		e.a = l->addr;
		e.plen = l->plen;
		if (n == NODE_DRAIN)   /* fits() allows one tunnel with a given drain address */
			e.a.s_addr = htonl(ntohl(e.a.s_addr) + k);
		return e;
	}
	topo_plan_addr(n, r, k, &e.a, &e.plen);
	return e;
}

static struct end net_of(struct end e)
{
	e.a.s_addr = htonl(ntohl(e.a.s_addr) & (e.plen ? ~0u << (32 - e.plen) : 0));
	return e;
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

struct in_addr hosts_plan_target(const struct hosts_file *hf, bool tunnel, unsigned int k)
{
	if (hf->shape == TOPO_SITE)
		return end_of(hf, NODE_DRAIN, LINK_LAN, k).a;
	if (tunnel)
		return topo_plan_target(TOPO_P2P, true, k);
	return end_of(hf, NODE_GW2, LINK_UNDERLAY, 0).a;
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

static int add_addr(struct agent_host_plan *p, enum topo_link_role r, struct end e, bool given)
{
	struct agent_host_addr *a;

	if (p->n_addr == AGENT_HOST_ADDRS)
		return -E2BIG;
	a = &p->addr[p->n_addr++];
	memcpy(a->dev, p->dev[r], sizeof(a->dev));
	a->a = e.a;
	a->plen = e.plen;
	a->given = given;
	return 0;
}

static int add_route(struct agent_host_plan *p, struct end dst, const struct in_addr *via,
		     const char *dev, uint32_t table)
{
	struct agent_host_route *r;

	if (p->n_route == AGENT_HOST_ROUTES)
		return -E2BIG;
	r = &p->route[p->n_route++];
	r->dst = dst.a;
	r->plen = dst.plen;
	r->has_via = via != NULL;
	if (via)
		r->via = *via;
	memset(r->dev, 0, sizeof(r->dev));
	if (dev)   /* dev may be one of p's own names: no snprintf onto p */
		memcpy(r->dev, dev, strnlen(dev, sizeof(r->dev) - 1));
	r->table = table;
	return 0;
}

/* Tunnel k's end at gateway g (0: gw1): the plan's ports, names and tunnel
 * addresses; the peer reached at its underlay address; allowed: what this
 * end sends into it (site: drain address k, or the source lan), and the
 * peer's tunnel address. */
static int add_tunnel(const struct hosts_plan_in *in, struct agent_host_plan *p, unsigned int k, int g)
{
	enum topo_node_id self = g ? NODE_GW2 : NODE_GW1, peer = g ? NODE_GW1 : NODE_GW2;
	struct agent_host_tun *t = &p->tun[p->n_tun];
	struct end pu = end_of(in->hf, peer, LINK_UNDERLAY, 0), pt;
	int ret;

	ret = topo_plan_ifname(in->prefix, self, LINK_TUNNEL, k, t->ifname, sizeof(t->ifname));
	if (ret)
		return ret;
	t->port = topo_plan_port(k);
	t->endpoint.sin_family = AF_INET;
	t->endpoint.sin_addr = pu.a;
	t->endpoint.sin_port = htons(topo_plan_port(k));
	topo_plan_addr(self, LINK_TUNNEL, k, &t->addr, &t->plen);
	topo_plan_addr(peer, LINK_TUNNEL, k, &pt.a, &pt.plen);
	t->n_allowed = 0;
	if (in->hf->shape == TOPO_SITE) {
		struct end x = g ? net_of(end_of(in->hf, NODE_SOURCE, LINK_LAN, 0)) :
				   end_of(in->hf, NODE_DRAIN, LINK_LAN, k);

		t->allowed[t->n_allowed].addr = x.a;
		t->allowed[t->n_allowed++].cidr = (uint8_t)(g ? x.plen : 32);
	}
	t->allowed[t->n_allowed].addr = pt.a;
	t->allowed[t->n_allowed++].cidr = 32;
	if (in->keys) {
		memcpy(t->key, in->keys->priv[k][g], TUN_KEY_LEN);
		memcpy(t->peer, in->keys->pub[k][!g], TUN_KEY_LEN);
	}
	p->n_tun++;
	return 0;
}

/* A site gateway: tunnel k carries drain address k (gw1: a route; gw2:
 * replies from it towards the source lan, a rule and a table each). */
static int gateway_routes(const struct hosts_plan_in *in, struct agent_host_plan *p, int g)
{
	struct end l1 = net_of(end_of(in->hf, NODE_SOURCE, LINK_LAN, 0));
	unsigned int k;
	int ret = 0;

	for (k = 0; k < in->tunnels && !ret; k++) {
		struct end d = end_of(in->hf, NODE_DRAIN, LINK_LAN, k);

		if (!g) {
			d.plen = 32;
			ret = add_route(p, d, NULL, p->tun[k].ifname, 0);
			continue;
		}
		p->rule[p->n_rule] = (struct agent_host_rule){ .from = d.a, .from_plen = 32, .to = l1.a,
			.to_plen = l1.plen, .table = TOPO_RULE_TABLE_BASE + k, .prio = TOPO_RULE_PRIO_BASE + k };
		p->n_rule++;
		ret = add_route(p, l1, NULL, p->tun[k].ifname, TOPO_RULE_TABLE_BASE + k);
	}
	return ret;
}

static int plan_gateway(const struct hosts_plan_in *in, struct agent_host_plan *p, int g)
{
	enum topo_node_id self = g ? NODE_GW2 : NODE_GW1, peer = g ? NODE_GW1 : NODE_GW2;
	const struct hosts_node *hn = &in->hf->node[self];
	bool site = in->hf->shape == TOPO_SITE, tunnel = in->wg != TUN_NONE;
	unsigned int k;
	int ret = 0;

	if (site)
		ret = add_addr(p, LINK_LAN, end_of(in->hf, self, LINK_LAN, 0), hn->link[LINK_LAN].given);
	if (!ret)
		ret = add_addr(p, LINK_UNDERLAY, end_of(in->hf, self, LINK_UNDERLAY, 0),
			       hn->link[LINK_UNDERLAY].given);
	for (k = 0; tunnel && k < in->tunnels && !ret; k++)
		ret = add_tunnel(in, p, k, g);
	p->forward = site;
	if (ret || !site)
		return ret;
	if (tunnel)
		return gateway_routes(in, p, g);
	/* --wg none: the far lan over the underlay */
	{
		struct end far = net_of(end_of(in->hf, g ? NODE_SOURCE : NODE_DRAIN, LINK_LAN, 0));
		struct end via = end_of(in->hf, peer, LINK_UNDERLAY, 0);

		return add_route(p, far, &via.a, NULL, 0);
	}
}

static int plan_end(const struct hosts_plan_in *in, struct agent_host_plan *p, enum topo_node_id n)
{
	bool drain = n == NODE_DRAIN;
	struct end far = net_of(end_of(in->hf, drain ? NODE_SOURCE : NODE_DRAIN, LINK_LAN, 0));
	struct end gw = end_of(in->hf, drain ? NODE_GW2 : NODE_GW1, LINK_LAN, 0);
	bool given = in->hf->node[n].link[LINK_LAN].given;
	unsigned int k;
	int ret = 0;

	for (k = 0; k < (drain ? in->tunnels : 1) && !ret; k++)
		ret = add_addr(p, LINK_LAN, end_of(in->hf, n, LINK_LAN, k), given && k == 0);
	return ret ? ret : add_route(p, far, &gw.a, p->dev[LINK_LAN], 0);
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
	for (r = LINK_LAN; r <= LINK_UNDERLAY; r++)
		if (hn->link[r].present)
			snprintf(out->dev[r], IFNAMSIZ, "%s", hn->link[r].dev);
	if (n == NODE_GW1 || n == NODE_GW2)
		return plan_gateway(in, out, n == NODE_GW2);
	return plan_end(in, out, n);
}
