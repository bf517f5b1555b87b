/* t_topo_plan.c — the names and address plan of topo.h's comment. */
#include "topo_plan.h"
#include "tun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define T_NAME "t_topo_plan"
#define CHECK T_CHECK_WHAT
#include "t_common.h"

/* One planned name or address: node, link role, index, the text wanted. */
struct plan_case {
	enum topo_node_id n;
	enum topo_link_role r;
	unsigned int k;
	const char *want;
};

static const char *ifname(const char *prefix, enum topo_node_id n, enum topo_link_role r, unsigned int k,
			  char *buf, size_t len)
{
	int ret = topo_plan_ifname(prefix, n, r, k, buf, len);

	return ret ? strerror(-ret) : buf;
}

static void test_names(void)
{
	static const struct plan_case cases[] = {
		{ NODE_SOURCE, LINK_LAN, 0, "wgb-sl" },
		{ NODE_GW1, LINK_LAN, 0, "wgb-g1l" },
		{ NODE_GW1, LINK_UNDERLAY, 0, "wgb-g1u" },
		{ NODE_GW2, LINK_UNDERLAY, 0, "wgb-g2u" },
		{ NODE_GW2, LINK_LAN, 0, "wgb-g2l" },
		{ NODE_DRAIN, LINK_LAN, 0, "wgb-dl" },
		{ NODE_GW1, LINK_TUNNEL, 0, "wgb-g1t0" },
		{ NODE_GW2, LINK_TUNNEL, 127, "wgb-g2t127" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(!strcmp(ifname("wgb-", cases[i].n, cases[i].r, cases[i].k, buf, sizeof(buf)),
			      cases[i].want), cases[i].want);
	CHECK(topo_plan_ifname("wgb-", NODE_SOURCE, LINK_UNDERLAY, 0, buf, sizeof(buf)) == -ENOENT,
	      "source has no underlay");
	CHECK(topo_plan_ifname("wgb-", NODE_DRAIN, LINK_TUNNEL, 0, buf, sizeof(buf)) == -ENOENT,
	      "drain has no tunnel");
	/* 9 characters of prefix + "g1t127" is exactly 15. */
	CHECK(!strcmp(ifname("abcdefghi", NODE_GW1, LINK_TUNNEL, 127, buf, sizeof(buf)), "abcdefghig1t127"),
	      "15-character name");
	CHECK(topo_plan_ifname("abcdefghij", NODE_GW1, LINK_TUNNEL, 127, buf, sizeof(buf)) == -ENAMETOOLONG,
	      "16 characters refused");
	CHECK(topo_plan_ifname("wgb-", NODE_GW1, LINK_LAN, 0, buf, 4) == -ENAMETOOLONG, "small buffer");
	CHECK(!topo_plan_netns("wgb-", NODE_GW2, buf, sizeof(buf)) && !strcmp(buf, "wgb-gw2"), "netns name");
	CHECK(!topo_plan_netns("x-", NODE_SOURCE, buf, sizeof(buf)) && !strcmp(buf, "x-source"), "netns name");
}

static void test_node_names(void)
{
	enum topo_node_id n;

	CHECK(!strcmp(topo_node_name(NODE_SOURCE), "source") && !strcmp(topo_node_name(NODE_DRAIN), "drain"),
	      "node names");
	CHECK(topo_node_from_name("gw2", &n) == 0 && n == NODE_GW2, "gw2 parses");
	CHECK(topo_node_from_name("gw3", &n) == -EINVAL, "gw3 refused");
	CHECK(!strcmp(topo_link_name(LINK_UNDERLAY), "underlay"), "link name");
}

static const char *addr(enum topo_node_id n, enum topo_link_role r, unsigned int k, char *buf)
{
	struct in_addr a;
	unsigned int plen;
	int ret = topo_plan_addr(n, r, k, &a, &plen);

	if (ret)
		return strerror(-ret);
	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
	snprintf(buf + strlen(buf), 5, "/%u", plen);
	return buf;
}

static void test_addresses(void)
{
	static const struct plan_case cases[] = {
		{ NODE_SOURCE, LINK_LAN, 0, "10.101.0.2/24" },
		{ NODE_GW1, LINK_LAN, 0, "10.101.0.1/24" },
		{ NODE_GW1, LINK_UNDERLAY, 0, "10.100.0.1/24" },
		{ NODE_GW2, LINK_UNDERLAY, 0, "10.100.0.2/24" },
		{ NODE_GW2, LINK_LAN, 0, "10.103.0.1/24" },
		{ NODE_DRAIN, LINK_LAN, 0, "10.103.0.10/24" },
		{ NODE_DRAIN, LINK_LAN, 3, "10.103.0.13/24" },
		{ NODE_DRAIN, LINK_LAN, 127, "10.103.0.137/24" },
		{ NODE_GW1, LINK_TUNNEL, 0, "10.102.0.1/24" },
		{ NODE_GW2, LINK_TUNNEL, 5, "10.102.5.2/24" },
	};
	char buf[INET_ADDRSTRLEN + 8];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(!strcmp(addr(cases[i].n, cases[i].r, cases[i].k, buf), cases[i].want), cases[i].want);
	CHECK(!strcmp(addr(NODE_SOURCE, LINK_TUNNEL, 0, buf), strerror(ENOENT)), "source has no tunnel");
	CHECK(!strcmp(addr(NODE_DRAIN, LINK_LAN, 128, buf), strerror(EINVAL)), "drain address 128");
	CHECK(topo_plan_port(0) == 51820 && topo_plan_port(7) == 51827, "ports");
}

static const char *addr6(enum topo_node_id n, enum topo_link_role r, unsigned int k, char *buf)
{
	struct in6_addr a;
	unsigned int plen;
	int ret = topo_plan_addr6(n, r, k, &a, &plen);

	if (ret)
		return strerror(-ret);
	inet_ntop(AF_INET6, &a, buf, INET6_ADDRSTRLEN);
	snprintf(buf + strlen(buf), 5, "/%u", plen);
	return buf;
}

static void test_addresses6(void)
{
	static const struct plan_case cases[] = {
		{ NODE_SOURCE, LINK_LAN, 0, "fd77:101::2/64" },
		{ NODE_GW1, LINK_LAN, 0, "fd77:101::1/64" },
		{ NODE_GW1, LINK_UNDERLAY, 0, "fd77:100::1/64" },
		{ NODE_GW2, LINK_UNDERLAY, 0, "fd77:100::2/64" },
		{ NODE_GW2, LINK_LAN, 0, "fd77:103::1/64" },
		{ NODE_DRAIN, LINK_LAN, 0, "fd77:103::10/64" },
		{ NODE_DRAIN, LINK_LAN, 3, "fd77:103::13/64" },
		{ NODE_DRAIN, LINK_LAN, 127, "fd77:103::8f/64" },
		{ NODE_GW1, LINK_TUNNEL, 0, "fd77:102::1/64" },
		{ NODE_GW2, LINK_TUNNEL, 26, "fd77:102:1a::2/64" },
	};
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned int f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(!strcmp(addr6(cases[i].n, cases[i].r, cases[i].k, buf), cases[i].want), cases[i].want);
	CHECK(!strcmp(addr6(NODE_SOURCE, LINK_TUNNEL, 0, buf), strerror(ENOENT)), "source has no tunnel (6)");
	CHECK(!strcmp(addr6(NODE_DRAIN, LINK_LAN, 128, buf), strerror(EINVAL)), "drain address 128 (6)");
	CHECK(topo_family_from_name("dual", &f) == 0 && f == TOPO_FAM_DUAL && !strcmp(topo_family_name(f), "dual"),
	      "dual parses");
	CHECK(topo_family_from_name("ipv6", &f) == -EINVAL, "ipv6 refused (6 is the word)");
	CHECK(!strcmp(topo_family_name(0), "4"), "0 means 4");
	CHECK(topo_family_tunnel_af(TOPO_FAM_4, 1) == AF_INET && topo_family_tunnel_af(TOPO_FAM_6, 0) == AF_INET6 &&
	      topo_family_tunnel_af(TOPO_FAM_DUAL, 0) == AF_INET && topo_family_tunnel_af(TOPO_FAM_DUAL, 1) == AF_INET6,
	      "tunnel endpoint families");
}

/* Tunnel ends: the endpoint in --ip's family, allowed IPs for each of --inner's. */
static void test_tun_end(void)
{
	struct tun_end_cfg c;
	char buf[INET6_ADDRSTRLEN];

	memset(&c, 0, sizeof(c));
	topo_plan_tun_end(1, 0, TOPO_FAM_6, TOPO_FAM_DUAL, &c);
	inet_ntop(AF_INET6, &c.peer_endpoint6.sin6_addr, buf, sizeof(buf));
	CHECK(c.peer_endpoint.sin_family == AF_INET6 && !strcmp(buf, "fd77:100::2") &&
	      ntohs(c.peer_endpoint6.sin6_port) == 51821, "gw1's peer over IPv6");
	CHECK(c.n_allowed == 4 && c.allowed[0].family == AF_INET && c.allowed[2].family == AF_INET6 &&
	      c.allowed[2].cidr == 128 && c.allowed[3].cidr == 128, "dual inner: both families allowed");
	inet_ntop(AF_INET6, &c.allowed[2].addr6, buf, sizeof(buf));
	CHECK(!strcmp(buf, "fd77:103::11"), "gw1 sends drain address 1 (6) into tunnel 1");
	memset(&c, 0, sizeof(c));
	topo_plan_tun_end(0, 1, TOPO_FAM_4, TOPO_FAM_6, &c);
	inet_ntop(AF_INET6, &c.allowed[0].addr6, buf, sizeof(buf));
	CHECK(c.peer_endpoint.sin_family == AF_INET && c.n_allowed == 2 && !strcmp(buf, "fd77:101::") &&
	      c.allowed[0].cidr == 64, "gw2 answers the source lan /64 over an IPv4 underlay");
	memset(&c, 0, sizeof(c));
	topo_plan_tun_end(0, 0, 0, 0, &c);
	CHECK(c.peer_endpoint.sin_family == AF_INET && c.n_allowed == 2 && c.allowed[0].cidr == 32,
	      "0 means IPv4");
}

int main(void)
{
	test_names();
	test_node_names();
	test_addresses();
	test_addresses6();
	test_tun_end();
	if (failures)
		fprintf(stderr, "t_topo_plan: %d failure(s)\n", failures);
	return failures != 0;
}
