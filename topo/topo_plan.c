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
	int i = util_name_index(node_names, NODE__COUNT, name);

	if (i < 0)
		return -EINVAL;
	*out = (enum topo_node_id)i;
	return 0;
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

/* Where node n sits on link r, in both families' plans: link 0..3 (10.100+
 * and fd77:100+), the subnet (the tunnel's index), the host (1, 2) or, for
 * a drain address, its tunnel k. 0, -ENOENT (the node is not on that link)
 * or -EINVAL. */
struct plan_slot {
	unsigned int link, sub, host;
	bool drain;
};

static int plan_slot(enum topo_node_id n, enum topo_link_role r, unsigned int k, struct plan_slot *s)
{
	bool gw = n == NODE_GW1 || n == NODE_GW2;

	*s = (struct plan_slot){ .host = n == NODE_GW2 ? 2 : 1 };
	switch (r) {
	case LINK_LAN:
		switch (n) {
		case NODE_SOURCE: s->link = 1; s->host = 2; return 0;
		case NODE_GW1: s->link = 1; return 0;
		case NODE_GW2: s->link = 3; s->host = 1; return 0;
		case NODE_DRAIN:
			if (k >= TOPO_TUNNELS_MAX)
				return -EINVAL;
			s->link = 3;
			s->drain = true;
			s->host = k;
			return 0;
		default: return -EINVAL;
		}
	case LINK_UNDERLAY:
		s->link = 0;
		return gw ? 0 : -ENOENT;
	case LINK_TUNNEL:
		if (k >= TOPO_TUNNELS_MAX)
			return -EINVAL;
		s->link = 2;
		s->sub = k;
		return gw ? 0 : -ENOENT;
	}
	return -EINVAL;
}

int topo_plan_addr(enum topo_node_id n, enum topo_link_role r, unsigned int k,
		   struct in_addr *a, unsigned int *plen)
{
	struct plan_slot s;
	int ret;

	*plen = 24;
	if ((ret = plan_slot(n, r, k, &s)))
		return ret;
	*a = topo_plan_ip(10, (uint8_t)(100 + s.link), (uint8_t)s.sub,
			  (uint8_t)(s.drain ? 10 + s.host : s.host));
	return 0;
}

uint16_t topo_plan_port(unsigned int k)
{
	return (uint16_t)(TOPO_PORT_BASE + k);
}

const char *topo_shape_name(enum topo_shape s)
{
	return s == TOPO_P2P ? "p2p" : "site";
}

int topo_shape_from_name(const char *name, enum topo_shape *out)
{
	if (!strcmp(name, "site"))
		*out = TOPO_SITE;
	else if (!strcmp(name, "p2p"))
		*out = TOPO_P2P;
	else
		return -EINVAL;
	return 0;
}

struct in6_addr topo_plan_ip6(uint16_t b, uint16_t c, uint16_t d)
{
	struct in6_addr x;

	memset(&x, 0, sizeof(x));
	x.s6_addr[0] = 0xfd;
	x.s6_addr[1] = 0x77;
	x.s6_addr[2] = (uint8_t)(b >> 8);
	x.s6_addr[3] = (uint8_t)b;
	x.s6_addr[4] = (uint8_t)(c >> 8);
	x.s6_addr[5] = (uint8_t)c;
	x.s6_addr[14] = (uint8_t)(d >> 8);
	x.s6_addr[15] = (uint8_t)d;
	return x;
}

/* The IPv4 plan's link and host numbers, as hex digits of a /64 each. */
int topo_plan_addr6(enum topo_node_id n, enum topo_link_role r, unsigned int k,
		    struct in6_addr *a, unsigned int *plen)
{
	struct plan_slot s;
	int ret;

	*plen = 64;
	if ((ret = plan_slot(n, r, k, &s)))
		return ret;
	*a = topo_plan_ip6((uint16_t)(0x100 + s.link), (uint16_t)s.sub,
			   (uint16_t)(s.drain ? 0x10 + s.host : s.host));
	return 0;
}

int topo_plan_addr_str(enum topo_node_id n, enum topo_link_role r, unsigned int k, int af,
		       char *buf, size_t len)
{
	unsigned int plen;
	struct in6_addr a6;
	struct in_addr a;
	int ret;

	ret = af == AF_INET6 ? topo_plan_addr6(n, r, k, &a6, &plen) : topo_plan_addr(n, r, k, &a, &plen);
	if (ret)
		return ret;
	return inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, af == AF_INET6 ? (void *)&a6 : (void *)&a,
			 buf, (socklen_t)len) ? 0 : -ENOSPC;
}

const char *topo_family_name(unsigned int f)
{
	switch (f) {
	case 0:
	case TOPO_FAM_4: return "4";
	case TOPO_FAM_6: return "6";
	case TOPO_FAM_DUAL: return "dual";
	}
	return "?";
}

int topo_family_from_name(const char *name, unsigned int *out)
{
	if (!strcmp(name, "4"))
		*out = TOPO_FAM_4;
	else if (!strcmp(name, "6"))
		*out = TOPO_FAM_6;
	else if (!strcmp(name, "dual"))
		*out = TOPO_FAM_DUAL;
	else
		return -EINVAL;
	return 0;
}

int topo_family_tunnel_af(unsigned int f, unsigned int k)
{
	if (f == TOPO_FAM_6 || (f == TOPO_FAM_DUAL && k % 2))
		return AF_INET6;
	return AF_INET;
}

struct in_addr topo_plan_target(enum topo_shape s, bool tunnel, unsigned int k)
{
	struct in_addr a = { 0 };
	unsigned int plen;

	if (s == TOPO_SITE)
		topo_plan_addr(NODE_DRAIN, LINK_LAN, k, &a, &plen);
	else if (tunnel)
		topo_plan_addr(NODE_GW2, LINK_TUNNEL, k, &a, &plen);
	else
		topo_plan_addr(NODE_GW2, LINK_UNDERLAY, 0, &a, &plen);
	return a;
}

struct in_addr topo_plan_origin(enum topo_shape s, bool tunnel)
{
	struct in_addr a = { 0 };
	unsigned int plen;

	if (s == TOPO_SITE)
		topo_plan_addr(NODE_SOURCE, LINK_LAN, 0, &a, &plen);
	else
		topo_plan_addr(NODE_GW1, tunnel ? LINK_TUNNEL : LINK_UNDERLAY, 0, &a, &plen);
	return a;
}

static void allow4(struct tun_end_cfg *c, struct in_addr a, uint8_t cidr)
{
	c->allowed[c->n_allowed].family = AF_INET;
	c->allowed[c->n_allowed].addr = a;
	c->allowed[c->n_allowed++].cidr = cidr;
}

static void allow6(struct tun_end_cfg *c, struct in6_addr a, uint8_t cidr)
{
	c->allowed[c->n_allowed].family = AF_INET6;
	c->allowed[c->n_allowed].addr6 = a;
	c->allowed[c->n_allowed++].cidr = cidr;
}

static void plan_endpoint(unsigned int k, enum topo_node_id peer, unsigned int ip, struct tun_end_cfg *c)
{
	unsigned int plen;

	if (topo_family_tunnel_af(ip, k) == AF_INET6) {
		memset(&c->peer_endpoint6, 0, sizeof(c->peer_endpoint6));
		c->peer_endpoint6.sin6_family = AF_INET6;
		c->peer_endpoint6.sin6_port = htons(topo_plan_port(k));
		topo_plan_addr6(peer, LINK_UNDERLAY, 0, &c->peer_endpoint6.sin6_addr, &plen);
		return;
	}
	memset(&c->peer_endpoint6, 0, sizeof(c->peer_endpoint6));
	c->peer_endpoint.sin_family = AF_INET;
	c->peer_endpoint.sin_port = htons(topo_plan_port(k));
	topo_plan_addr(peer, LINK_UNDERLAY, 0, &c->peer_endpoint.sin_addr, &plen);
}

struct in6_addr topo_plan_target6(enum topo_shape s, bool tunnel, unsigned int k)
{
	struct in6_addr a = IN6ADDR_ANY_INIT;
	unsigned int plen;

	if (s == TOPO_SITE)
		topo_plan_addr6(NODE_DRAIN, LINK_LAN, k, &a, &plen);
	else if (tunnel)
		topo_plan_addr6(NODE_GW2, LINK_TUNNEL, k, &a, &plen);
	else
		topo_plan_addr6(NODE_GW2, LINK_UNDERLAY, 0, &a, &plen);
	return a;
}

struct in6_addr topo_plan_origin6(enum topo_shape s, bool tunnel)
{
	struct in6_addr a = IN6ADDR_ANY_INIT;
	unsigned int plen;

	if (s == TOPO_SITE)
		topo_plan_addr6(NODE_SOURCE, LINK_LAN, 0, &a, &plen);
	else
		topo_plan_addr6(NODE_GW1, tunnel ? LINK_TUNNEL : LINK_UNDERLAY, 0, &a, &plen);
	return a;
}

void topo_plan_tun_end(unsigned int k, int g, unsigned int ip, unsigned int inner,
		       struct tun_end_cfg *c)
{
	enum topo_node_id peer = g ? NODE_GW1 : NODE_GW2;
	struct in6_addr a6 = IN6ADDR_ANY_INIT;
	struct in_addr a = { 0 };
	unsigned int plen;

	inner = inner ? inner : TOPO_FAM_4;
	c->listen_port = topo_plan_port(k);
	plan_endpoint(k, peer, ip, c);
	c->n_allowed = 0;
	if (inner & TOPO_FAM_4) {
		if (g == 0) {   /* gw1 sends drain address k into tunnel k */
			topo_plan_addr(NODE_DRAIN, LINK_LAN, k, &a, &plen);
			allow4(c, a, 32);
		} else {        /* gw2 answers the whole source lan */
			allow4(c, topo_plan_ip(10, 101, 0, 0), 24);
		}
		topo_plan_addr(peer, LINK_TUNNEL, k, &a, &plen);
		allow4(c, a, 32);
	}
	if (inner & TOPO_FAM_6) {
		if (g == 0) {
			topo_plan_addr6(NODE_DRAIN, LINK_LAN, k, &a6, &plen);
			allow6(c, a6, 128);
		} else {
			allow6(c, topo_plan_ip6(0x101, 0, 0), 64);
		}
		topo_plan_addr6(peer, LINK_TUNNEL, k, &a6, &plen);
		allow6(c, a6, 128);
	}
}
