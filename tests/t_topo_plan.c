/* t_topo_plan.c — the names and address plan of topo.h's comment. */
#include "topo_plan.h"

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

int main(void)
{
	test_names();
	test_node_names();
	test_addresses();
	if (failures)
		fprintf(stderr, "t_topo_plan: %d failure(s)\n", failures);
	return failures != 0;
}
