/* topo_plan.c — see topo_plan.h; the plan itself is in topo.h's comment. */
#include "topo_plan.h"
#include "tun.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static const char *const node_names[NODE__COUNT] = { "source", "gw1", "gw2", "drain" };

const char *topo_node_name(enum topo_node_id n)
{
	return (unsigned int)n < NODE__COUNT ? node_names[n] : "?";
}

int topo_node_from_name(const char *name, enum topo_node_id *out)
{
	unsigned int i;

	for (i = 0; i < NODE__COUNT; i++)
		if (!strcmp(name, node_names[i])) {
			*out = (enum topo_node_id)i;
			return 0;
		}
	return -EINVAL;
}

const char *topo_link_name(enum topo_link_role r)
{
	switch (r) {
	case LINK_LAN: return "lan";
	case LINK_UNDERLAY: return "underlay";
	case LINK_TUNNEL: return "tunnel";
	}
	return "?";
}

int topo_plan_netns(const char *prefix, enum topo_node_id n, char *buf, size_t len)
{
	if ((unsigned int)n >= NODE__COUNT)
		return -EINVAL;
	return util_fmt(buf, len, "%s%s", prefix, node_names[n]);
}

int topo_plan_ifname(const char *prefix, enum topo_node_id n, enum topo_link_role r,
		     unsigned int k, char *buf, size_t len)
{
	static const char *const lan[NODE__COUNT] = { "sl", "g1l", "g2l", "dl" };
	char name[32];
	int ret;

	if ((unsigned int)n >= NODE__COUNT)
		return -EINVAL;
	switch (r) {
	case LINK_LAN:
		ret = util_fmt(name, sizeof(name), "%s%s", prefix, lan[n]);
		break;
	case LINK_UNDERLAY:
		if (n != NODE_GW1 && n != NODE_GW2)
			return -ENOENT;
		ret = util_fmt(name, sizeof(name), "%s%s", prefix, n == NODE_GW1 ? "g1u" : "g2u");
		break;
	case LINK_TUNNEL:
		if (n != NODE_GW1 && n != NODE_GW2)
			return -ENOENT;
		ret = util_fmt(name, sizeof(name), "%s%s%u", prefix, n == NODE_GW1 ? "g1t" : "g2t", k);
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;
	if (strlen(name) > 15) /* IFNAMSIZ - 1 */
		return -ENAMETOOLONG;
	return util_fmt(buf, len, "%s", name);
}

struct in_addr topo_plan_ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct in_addr x;

	x.s_addr = htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
	return x;
}

int topo_plan_addr(enum topo_node_id n, enum topo_link_role r, unsigned int k,
		   struct in_addr *a, unsigned int *plen)
{
	*plen = 24;
	switch (r) {
	case LINK_LAN:
		switch (n) {
		case NODE_SOURCE: *a = topo_plan_ip(10, 101, 0, 2); return 0;
		case NODE_GW1: *a = topo_plan_ip(10, 101, 0, 1); return 0;
		case NODE_GW2: *a = topo_plan_ip(10, 103, 0, 1); return 0;
		case NODE_DRAIN:
			if (k >= OPTS_TUNNELS_MAX)
				return -EINVAL;
			*a = topo_plan_ip(10, 103, 0, (uint8_t)(10 + k));
			return 0;
		default: return -EINVAL;
		}
	case LINK_UNDERLAY:
		if (n == NODE_GW1 || n == NODE_GW2) {
			*a = topo_plan_ip(10, 100, 0, n == NODE_GW1 ? 1 : 2);
			return 0;
		}
		return -ENOENT;
	case LINK_TUNNEL:
		if (k >= OPTS_TUNNELS_MAX)
			return -EINVAL;
		if (n == NODE_GW1 || n == NODE_GW2) {
			*a = topo_plan_ip(10, 102, (uint8_t)k, n == NODE_GW1 ? 1 : 2);
			return 0;
		}
		return -ENOENT;
	}
	return -EINVAL;
}

uint16_t topo_plan_port(unsigned int k)
{
	return (uint16_t)(TOPO_PORT_BASE + k);
}

void topo_plan_tun_end(unsigned int k, int g, struct tun_end_cfg *c)
{
	enum topo_node_id peer = g ? NODE_GW1 : NODE_GW2;
	unsigned int plen;

	c->listen_port = topo_plan_port(k);
	c->peer_endpoint.sin_family = AF_INET;
	c->peer_endpoint.sin_port = htons(topo_plan_port(k));
	topo_plan_addr(peer, LINK_UNDERLAY, 0, &c->peer_endpoint.sin_addr, &plen);
	if (g == 0) {   /* gw1 sends drain address k into tunnel k */
		topo_plan_addr(NODE_DRAIN, LINK_LAN, k, &c->allowed[0].addr, &plen);
		c->allowed[0].cidr = 32;
	} else {        /* gw2 answers the whole source lan */
		c->allowed[0].addr = topo_plan_ip(10, 101, 0, 0);
		c->allowed[0].cidr = 24;
	}
	topo_plan_addr(peer, LINK_TUNNEL, k, &c->allowed[1].addr, &plen);
	c->allowed[1].cidr = 32;
	c->n_allowed = 2;
}
