/* t_hosts_plan.c — what each machine builds (hosts_plan.h) in both shapes,
 * with the plan's addresses and with addresses given in the hosts file,
 * with and without a tunnel; and the plan's JSON both ways (agent_host.h),
 * keys included only when asked, read back strictly. */
#include "hosts_plan.h"
#include "agent_host.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_NAME "t_hosts_plan"
#define CHECK T_CHECK_MSG
#include "t_common.h"

static const char site[] =
	"{\"nodes\": {"
	"\"source\": {\"ssh\": \"a\", \"links\": {\"lan\": \"s0\"}},"
	"\"gw1\": {\"ssh\": \"b\", \"links\": {\"lan\": \"l1\", \"underlay\": \"u1\"}},"
	"\"gw2\": {\"ssh\": \"c\", \"links\": {\"lan\": \"l2\", \"underlay\": \"u2\"}},"
	"\"drain\": {\"ssh\": \"d\", \"links\": {\"lan\": \"d0\"}}}}";

static const char given[] =
	"{\"nodes\": {"
	"\"source\": {\"ssh\": \"a\", \"links\": {\"lan\": {\"dev\": \"s0\", \"address\": \"192.168.1.2/24\"}}},"
	"\"gw1\": {\"ssh\": \"b\", \"links\": {\"lan\": {\"dev\": \"l1\", \"address\": \"192.168.1.1/24\"},"
	"  \"underlay\": {\"dev\": \"u1\", \"address\": \"198.51.100.1/30\"}}},"
	"\"gw2\": {\"ssh\": \"c\", \"links\": {\"lan\": {\"dev\": \"l2\", \"address\": \"192.168.2.1/24\"},"
	"  \"underlay\": {\"dev\": \"u2\", \"address\": \"203.0.113.9/28\"}}},"
	"\"drain\": {\"ssh\": \"d\", \"links\": {\"lan\": {\"dev\": \"d0\", \"address\": \"192.168.2.7/24\"}}}}}";

static const char p2p[] =
	"{\"topology\": \"p2p\", \"nodes\": {"
	"\"gw1\": {\"ssh\": \"b\", \"links\": {\"underlay\": \"u1\"}},"
	"\"gw2\": {\"ssh\": \"c\", \"links\": {\"underlay\": \"u2\"}}}}";

static struct hosts_file hf;
static struct agent_host_plan plan, back;
static struct hosts_keys keys;

static const char *ip(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 4;
	inet_ntop(AF_INET, &a, buf[i], sizeof(buf[i]));
	return buf[i];
}

static void load(const char *text)
{
	static struct hosts_errs e;

	if (hosts_file_parse(text, strlen(text), "t", &hf, &e)) {
		fprintf(stderr, "t_hosts_plan: fixture: %s\n", e.msg[0]);
		exit(1);
	}
}

static void make(enum topo_node_id n, enum tun_kind wg, unsigned int tunnels, bool with_keys)
{
	struct hosts_plan_in in = { &hf, "wgb-", wg, tunnels, with_keys ? &keys : NULL };
	int r = hosts_plan_node(&in, n, &plan);

	CHECK(r == 0, "plan of %s: %d", topo_node_name(n), r);
}

static void test_site(void)
{
	load(site);
	make(NODE_SOURCE, TUN_AUTO, 2, false);
	CHECK(plan.n_addr == 1 && !strcmp(plan.addr[0].dev, "s0") && !strcmp(ip(plan.addr[0].a), "10.101.0.2") &&
	      !plan.addr[0].given, "source address %s on %s", ip(plan.addr[0].a), plan.addr[0].dev);
	CHECK(plan.n_route == 1 && !strcmp(ip(plan.route[0].dst), "10.103.0.0") && plan.route[0].plen == 24 &&
	      plan.route[0].has_via && !strcmp(ip(plan.route[0].via), "10.101.0.1"), "source route %s/%u via %s",
	      ip(plan.route[0].dst), plan.route[0].plen, ip(plan.route[0].via));
	make(NODE_DRAIN, TUN_AUTO, 2, false);
	CHECK(plan.n_addr == 2 && !strcmp(ip(plan.addr[1].a), "10.103.0.11"), "two drain addresses");
	make(NODE_GW1, TUN_AUTO, 2, true);
	CHECK(plan.forward && plan.n_addr == 2 && plan.n_tun == 2 && plan.n_route == 2 && plan.n_rule == 0,
	      "gw1: forward %d, %zu addresses, %zu tunnels, %zu routes", plan.forward, plan.n_addr, plan.n_tun,
	      plan.n_route);
	CHECK(!strcmp(plan.tun[1].ifname, "wgb-g1t1") && plan.tun[1].port == 51821 &&
	      !strcmp(ip(plan.tun[1].endpoint.sin_addr), "10.100.0.2") && ntohs(plan.tun[1].endpoint.sin_port) == 51821,
	      "gw1 tunnel 1: %s %u -> %s", plan.tun[1].ifname, plan.tun[1].port, ip(plan.tun[1].endpoint.sin_addr));
	CHECK(plan.tun[1].n_allowed == 2 && !strcmp(ip(plan.tun[1].allowed[0].addr), "10.103.0.11") &&
	      plan.tun[1].allowed[0].cidr == 32, "gw1 tunnel 1 carries drain address 1");
	CHECK(!memcmp(plan.tun[1].key, keys.priv[1][0], TUN_KEY_LEN) &&
	      !memcmp(plan.tun[1].peer, keys.pub[1][1], TUN_KEY_LEN), "gw1's keys: its own, gw2's public");
	CHECK(!strcmp(plan.route[1].dev, "wgb-g1t1") && plan.route[1].plen == 32, "drain address 1 into tunnel 1");
	make(NODE_GW2, TUN_AUTO, 2, true);
	CHECK(plan.n_rule == 2 && plan.rule[1].table == 1001 && !strcmp(ip(plan.rule[1].from), "10.103.0.11") &&
	      !strcmp(ip(plan.rule[1].to), "10.101.0.0") && plan.rule[1].to_plen == 24, "gw2 rule 1: from %s to %s",
	      ip(plan.rule[1].from), ip(plan.rule[1].to));
	CHECK(plan.n_route == 2 && plan.route[1].table == 1001 && !strcmp(plan.route[1].dev, "wgb-g2t1"),
	      "gw2 table 1001 into tunnel 1");
	CHECK(!memcmp(plan.tun[0].key, keys.priv[0][1], TUN_KEY_LEN) &&
	      !memcmp(plan.tun[0].peer, keys.pub[0][0], TUN_KEY_LEN), "gw2's keys");
	make(NODE_GW1, TUN_NONE, 1, false);
	CHECK(plan.n_tun == 0 && plan.n_route == 1 && !strcmp(ip(plan.route[0].via), "10.100.0.2") &&
	      !strcmp(ip(plan.route[0].dst), "10.103.0.0"), "--wg none: gw1 routes the drain lan over the underlay");
	CHECK(!strcmp(ip(hosts_plan_target(&hf, true, 3)), "10.103.0.13"), "target of flow 3");
	CHECK(hosts_plan_client(&hf) == NODE_SOURCE && hosts_plan_server(&hf) == NODE_DRAIN, "endpoints");
}

static void test_given(void)
{
	char why[256];

	load(given);
	CHECK(hosts_plan_fits(&hf, 1, why, sizeof(why)) == 0, "one tunnel fits");
	CHECK(hosts_plan_fits(&hf, 2, why, sizeof(why)) != 0 && strstr(why, "one tunnel"), "two do not: %s", why);
	make(NODE_SOURCE, TUN_AUTO, 1, false);
	CHECK(plan.n_addr == 1 && plan.addr[0].given && !strcmp(ip(plan.route[0].dst), "192.168.2.0") &&
	      !strcmp(ip(plan.route[0].via), "192.168.1.1"), "source: given address, route %s via %s",
	      ip(plan.route[0].dst), ip(plan.route[0].via));
	make(NODE_GW1, TUN_AUTO, 1, false);
	CHECK(!strcmp(ip(plan.tun[0].endpoint.sin_addr), "203.0.113.9"), "gw1 reaches gw2 at its given address");
	CHECK(!strcmp(ip(plan.tun[0].allowed[0].addr), "192.168.2.7"), "tunnel carries the given drain address");
	make(NODE_GW2, TUN_AUTO, 1, false);
	CHECK(!strcmp(ip(plan.rule[0].to), "192.168.1.0") && !strcmp(ip(plan.tun[0].allowed[0].addr), "192.168.1.0") &&
	      plan.tun[0].allowed[0].cidr == 24, "gw2: the given source lan");
	CHECK(!strcmp(ip(hosts_plan_target(&hf, true, 0)), "192.168.2.7"), "target: the given drain address");
}

static void test_p2p(void)
{
	load(p2p);
	make(NODE_GW1, TUN_AUTO, 3, false);
	CHECK(!plan.forward && plan.n_addr == 1 && plan.n_route == 0 && plan.n_rule == 0 && plan.n_tun == 3,
	      "p2p gw1: %zu addresses %zu routes %zu tunnels", plan.n_addr, plan.n_route, plan.n_tun);
	CHECK(plan.tun[2].n_allowed == 1 && !strcmp(ip(plan.tun[2].allowed[0].addr), "10.102.2.2"),
	      "p2p tunnel 2 carries gw2's tunnel address only");
	CHECK(!strcmp(ip(hosts_plan_target(&hf, true, 2)), "10.102.2.2") &&
	      !strcmp(ip(hosts_plan_target(&hf, false, 2)), "10.100.0.2"), "p2p targets");
	CHECK(hosts_plan_client(&hf) == NODE_GW1 && hosts_plan_server(&hf) == NODE_GW2, "p2p endpoints");
	CHECK(hosts_plan_node(&(struct hosts_plan_in){ &hf, "wgb-", TUN_AUTO, 1, NULL }, NODE_SOURCE, &plan) != 0,
	      "no source in p2p");
}

static void test_json(void)
{
	char *text = NULL, why[256] = "";
	int r;

	load(site);
	make(NODE_GW2, TUN_WGGO, 2, true);
	CHECK(agent_host_plan_json(&plan, true, &text) == 0, "json");
	r = agent_host_plan_parse(text, &back, why, sizeof(why));
	CHECK(r == 0, "parse back: %s", why);
	CHECK(back.node == NODE_GW2 && back.wg == TUN_WGGO && back.tunnels == 2 && back.forward &&
	      !strcmp(back.dev[LINK_UNDERLAY], "u2") && back.n_addr == plan.n_addr && back.n_route == plan.n_route &&
	      back.n_rule == plan.n_rule && back.n_tun == plan.n_tun, "round trip: counts");
	CHECK(!memcmp(back.tun[1].key, plan.tun[1].key, TUN_KEY_LEN) && back.tun[1].endpoint.sin_port ==
	      plan.tun[1].endpoint.sin_port && back.rule[1].prio == plan.rule[1].prio &&
	      back.route[1].table == plan.route[1].table, "round trip: values");
	free(text);
	CHECK(agent_host_plan_json(&plan, false, &text) == 0 && !strstr(text, "private_key\":\""), "no keys: %s", text);
	free(text);
	r = agent_host_plan_parse("{\"node\": \"gw9\"}", &back, why, sizeof(why));
	CHECK(r != 0 && strstr(why, "plan: node"), "strict: %s", why);
	r = agent_host_plan_parse("not json", &back, why, sizeof(why));
	CHECK(r != 0, "not json");
}

int main(void)
{
	if (hosts_plan_keys(TOPO_TUNNELS_MAX, &keys)) {
		fprintf(stderr, "t_hosts_plan: no keys\n");
		return 1;
	}
	test_site();
	test_given();
	test_p2p();
	test_json();
	if (!failures)
		printf("t_hosts_plan: ok\n");
	return failures != 0;
}
