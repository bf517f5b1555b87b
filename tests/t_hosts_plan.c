/* t_hosts_plan.c — what each machine builds (hosts_plan.h) in both shapes,
 * with the plan's addresses and with addresses given in the hosts file,
 * with and without a tunnel; and the plan's JSON both ways (agent_host.h),
 * keys included only when asked, read back strictly. */
#include "hosts_plan.h"
#include "agent_host.h"
#include "topo_plan.h"

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

static const char *ipa(const struct agent_host_ip *a)
{
	static char buf[4][AGENT_HOST_IP_STRLEN];
	static int i;

	i = (i + 1) % 4;
	agent_host_ip_str(a, false, buf[i], sizeof(buf[i]));
	return buf[i];
}

static const char *tgt(bool tunnel, unsigned int k, int af)
{
	struct agent_host_ip a = hosts_plan_target(&hf, tunnel, k, af);

	return ipa(&a);
}

static void load(const char *text)
{
	static struct hosts_errs e;

	if (hosts_file_parse(text, strlen(text), "t", &hf, &e)) {
		fprintf(stderr, "t_hosts_plan: fixture: %s\n", e.msg[0]);
		exit(1);
	}
}

static unsigned int fam_ip, fam_inner;   /* what make() plans for: 0 (4) unless a test sets them */

static void make(enum topo_node_id n, enum tun_kind wg, unsigned int tunnels, bool with_keys)
{
	struct hosts_plan_in in = { &hf, "wgb-", wg, tunnels, with_keys ? &keys : NULL, fam_ip, fam_inner };
	int r = hosts_plan_node(&in, n, &plan);

	CHECK(r == 0, "plan of %s: %d", topo_node_name(n), r);
}

static void test_site(void)
{
	load(site);
	make(NODE_SOURCE, TUN_AUTO, 2, false);
	CHECK(plan.n_addr == 1 && !strcmp(plan.addr[0].dev, "s0") && !strcmp(ipa(&plan.addr[0].a), "10.101.0.2") &&
	      !plan.addr[0].given, "source address %s on %s", ipa(&plan.addr[0].a), plan.addr[0].dev);
	CHECK(plan.n_route == 1 && !strcmp(ipa(&plan.route[0].dst), "10.103.0.0") && plan.route[0].dst.plen == 24 &&
	      plan.route[0].has_via && !strcmp(ipa(&plan.route[0].via), "10.101.0.1"), "source route %s/%u via %s",
	      ipa(&plan.route[0].dst), plan.route[0].dst.plen, ipa(&plan.route[0].via));
	make(NODE_DRAIN, TUN_AUTO, 2, false);
	CHECK(plan.n_addr == 2 && !strcmp(ipa(&plan.addr[1].a), "10.103.0.11"), "two drain addresses");
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
	CHECK(!strcmp(plan.route[1].dev, "wgb-g1t1") && plan.route[1].dst.plen == 32, "drain address 1 into tunnel 1");
	make(NODE_GW2, TUN_AUTO, 2, true);
	CHECK(plan.n_rule == 2 && plan.rule[1].table == 1001 && !strcmp(ipa(&plan.rule[1].from), "10.103.0.11") &&
	      !strcmp(ipa(&plan.rule[1].to), "10.101.0.0") && plan.rule[1].to.plen == 24, "gw2 rule 1: from %s to %s",
	      ipa(&plan.rule[1].from), ipa(&plan.rule[1].to));
	CHECK(plan.n_route == 2 && plan.route[1].table == 1001 && !strcmp(plan.route[1].dev, "wgb-g2t1"),
	      "gw2 table 1001 into tunnel 1");
	CHECK(!memcmp(plan.tun[0].key, keys.priv[0][1], TUN_KEY_LEN) &&
	      !memcmp(plan.tun[0].peer, keys.pub[0][0], TUN_KEY_LEN), "gw2's keys");
	make(NODE_GW1, TUN_NONE, 1, false);
	CHECK(plan.n_tun == 0 && plan.n_route == 1 && !strcmp(ipa(&plan.route[0].via), "10.100.0.2") &&
	      !strcmp(ipa(&plan.route[0].dst), "10.103.0.0"), "--wg none: gw1 routes the drain lan over the underlay");
	CHECK(!strcmp(tgt(true, 3, AF_INET), "10.103.0.13"), "target of flow 3");
	CHECK(hosts_plan_client(&hf) == NODE_SOURCE && hosts_plan_server(&hf) == NODE_DRAIN, "endpoints");
}

static void test_given(void)
{
	char why[256];

	load(given);
	CHECK(hosts_plan_fits(&hf, 1, why, sizeof(why)) == 0, "one tunnel fits");
	CHECK(hosts_plan_fits(&hf, 2, why, sizeof(why)) != 0 && strstr(why, "one tunnel"), "two do not: %s", why);
	make(NODE_SOURCE, TUN_AUTO, 1, false);
	CHECK(plan.n_addr == 1 && plan.addr[0].given && !strcmp(ipa(&plan.route[0].dst), "192.168.2.0") &&
	      !strcmp(ipa(&plan.route[0].via), "192.168.1.1"), "source: given address, route %s via %s",
	      ipa(&plan.route[0].dst), ipa(&plan.route[0].via));
	make(NODE_GW1, TUN_AUTO, 1, false);
	CHECK(!strcmp(ip(plan.tun[0].endpoint.sin_addr), "203.0.113.9"), "gw1 reaches gw2 at its given address");
	CHECK(!strcmp(ip(plan.tun[0].allowed[0].addr), "192.168.2.7"), "tunnel carries the given drain address");
	make(NODE_GW2, TUN_AUTO, 1, false);
	CHECK(!strcmp(ipa(&plan.rule[0].to), "192.168.1.0") && !strcmp(ip(plan.tun[0].allowed[0].addr), "192.168.1.0") &&
	      plan.tun[0].allowed[0].cidr == 24, "gw2: the given source lan");
	CHECK(!strcmp(tgt(true, 0, AF_INET), "192.168.2.7"), "target: the given drain address");
}

static void test_p2p(void)
{
	load(p2p);
	make(NODE_GW1, TUN_AUTO, 3, false);
	CHECK(!plan.forward && plan.n_addr == 1 && plan.n_route == 0 && plan.n_rule == 0 && plan.n_tun == 3,
	      "p2p gw1: %zu addresses %zu routes %zu tunnels", plan.n_addr, plan.n_route, plan.n_tun);
	CHECK(plan.tun[2].n_allowed == 1 && !strcmp(ip(plan.tun[2].allowed[0].addr), "10.102.2.2"),
	      "p2p tunnel 2 carries gw2's tunnel address only");
	CHECK(!strcmp(tgt(true, 2, AF_INET), "10.102.2.2") &&
	      !strcmp(tgt(false, 2, AF_INET), "10.100.0.2"), "p2p targets");
	CHECK(hosts_plan_client(&hf) == NODE_GW1 && hosts_plan_server(&hf) == NODE_GW2, "p2p endpoints");
	CHECK(hosts_plan_node(&(struct hosts_plan_in){ &hf, "wgb-", TUN_AUTO, 1, NULL, 0, 0 }, NODE_SOURCE, &plan) != 0,
	      "no source in p2p");
}

static const char *ep6(const struct agent_host_tun *t)
{
	static char buf[INET6_ADDRSTRLEN];

	if (t->endpoint.sin_family != AF_INET6)
		return "not IPv6";
	inet_ntop(AF_INET6, &t->endpoint6.sin6_addr, buf, sizeof(buf));
	return buf;
}

/* Tunnel k's end at gateway g is topo_plan_tun_end's, the netns testbed's. */
static bool same_as_topo(const struct agent_host_tun *t, unsigned int k, int g)
{
	struct tun_end_cfg c;
	size_t i;

	memset(&c, 0, sizeof(c));
	topo_plan_tun_end(k, g, fam_ip, fam_inner, &c);
	if (c.listen_port != t->port || c.n_allowed != t->n_allowed ||
	    memcmp(&c.peer_endpoint6, &t->endpoint6, c.peer_endpoint.sin_family == AF_INET6 ?
		   sizeof(c.peer_endpoint6) : sizeof(c.peer_endpoint)))
		return false;
	for (i = 0; i < c.n_allowed; i++)
		if (c.allowed[i].family != t->allowed[i].family || c.allowed[i].cidr != t->allowed[i].cidr ||
		    memcmp(&c.allowed[i].addr6, &t->allowed[i].addr6, t->allowed[i].family == AF_INET6 ? 16 : 4))
			return false;
	return true;
}

static void test_ipv6(void)
{
	char why[512] = "";
	unsigned int k;
	int g;

	load(site);
	fam_ip = TOPO_FAM_6;
	fam_inner = TOPO_FAM_6;
	make(NODE_SOURCE, TUN_AUTO, 1, false);
	CHECK(plan.n_addr == 1 && !strcmp(ipa(&plan.addr[0].a), "fd77:101::2") && plan.addr[0].a.plen == 64 &&
	      plan.n_route == 1 && !strcmp(ipa(&plan.route[0].dst), "fd77:103::") && plan.route[0].dst.plen == 64 &&
	      !strcmp(ipa(&plan.route[0].via), "fd77:101::1"), "source in IPv6: %s, route %s via %s",
	      ipa(&plan.addr[0].a), ipa(&plan.route[0].dst), ipa(&plan.route[0].via));
	make(NODE_GW1, TUN_AUTO, 1, false);
	CHECK(!strcmp(ep6(&plan.tun[0]), "fd77:100::2") && ntohs(plan.tun[0].endpoint6.sin6_port) == 51820 &&
	      plan.tun[0].n_addr == 1 && !strcmp(ipa(&plan.tun[0].addr[0]), "fd77:102::1") &&
	      !strcmp(ipa(&plan.route[0].dst), "fd77:103::10") && plan.route[0].dst.plen == 128,
	      "gw1 over IPv6: endpoint %s, tunnel %s", ep6(&plan.tun[0]), ipa(&plan.tun[0].addr[0]));
	make(NODE_GW2, TUN_AUTO, 1, false);
	CHECK(plan.n_rule == 1 && !strcmp(ipa(&plan.rule[0].from), "fd77:103::10") && plan.rule[0].from.plen == 128 &&
	      !strcmp(ipa(&plan.rule[0].to), "fd77:101::") && plan.rule[0].to.plen == 64,
	      "gw2 rule from %s to %s", ipa(&plan.rule[0].from), ipa(&plan.rule[0].to));
	CHECK(!strcmp(tgt(true, 1, AF_INET6), "fd77:103::11"), "IPv6 target of flow 1");
	/* dual: both families everywhere, tunnel k's endpoint alternating */
	fam_ip = fam_inner = TOPO_FAM_DUAL;
	make(NODE_DRAIN, TUN_AUTO, 2, false);
	CHECK(plan.n_addr == 4 && !strcmp(ipa(&plan.addr[1].a), "fd77:103::10") && plan.n_route == 2,
	      "dual drain: %zu addresses, %zu routes", plan.n_addr, plan.n_route);
	for (g = 0; g < 2; g++) {
		make(g ? NODE_GW2 : NODE_GW1, TUN_AUTO, 2, false);
		CHECK(plan.n_addr == 4 && plan.n_route == 4 && plan.n_rule == (g ? 4u : 0u),
		      "dual %s: %zu addresses %zu routes %zu rules", g ? "gw2" : "gw1", plan.n_addr, plan.n_route,
		      plan.n_rule);
		for (k = 0; k < 2; k++)
			CHECK(same_as_topo(&plan.tun[k], k, g), "dual %s tunnel %u: not topo_plan_tun_end's",
			      g ? "gw2" : "gw1", k);
	}
	CHECK(plan.tun[0].endpoint.sin_family == AF_INET && plan.tun[1].endpoint.sin_family == AF_INET6 &&
	      plan.tun[1].n_addr == 2, "dual: tunnel 0 over IPv4, 1 over IPv6, both families inside");
	load(p2p);
	make(NODE_GW1, TUN_AUTO, 1, false);
	CHECK(!strcmp(tgt(true, 0, AF_INET6), "fd77:102::2") && plan.tun[0].n_allowed == 2 &&
	      !strcmp(ipa(&plan.tun[0].addr[1]), "fd77:102::1") && plan.tun[0].allowed[1].cidr == 128,
	      "p2p dual: the tunnels' addresses in both families, the peer's allowed");
	/* given addresses are IPv4: a link that gives one and would carry IPv6 is refused */
	load(given);
	CHECK(hosts_plan_families(&hf, TOPO_FAM_4, TOPO_FAM_4, why, sizeof(why)) == 0, "given, IPv4: fine");
	CHECK(hosts_plan_families(&hf, TOPO_FAM_6, TOPO_FAM_4, why, sizeof(why)) != 0 &&
	      strstr(why, "t: nodes.gw1.links.underlay: gives the IPv4 address 198.51.100.1/30") && strstr(why, "--ip 6"),
	      "given underlay, --ip 6: %s", why);
	CHECK(hosts_plan_families(&hf, TOPO_FAM_4, TOPO_FAM_DUAL, why, sizeof(why)) != 0 &&
	      strstr(why, "nodes.source.links.lan") && strstr(why, "--inner dual"), "given lan, --inner dual: %s", why);
	fam_ip = fam_inner = 0;
}

static void test_json6(void)
{
	char *text = NULL, why[256] = "";
	int r;

	load(site);
	fam_ip = fam_inner = TOPO_FAM_DUAL;
	make(NODE_GW2, TUN_WGGO, 2, true);
	CHECK(agent_host_plan_json(&plan, true, &text) == 0 && strstr(text, "\"endpoint\":\"[fd77:100::1]:51821\"") &&
	      strstr(text, "\"ip\":\"dual\""), "IPv6 in the JSON: %s", text);
	r = agent_host_plan_parse(text, &back, why, sizeof(why));
	CHECK(r == 0, "parse back: %s", why);
	CHECK(back.ip == TOPO_FAM_DUAL && back.inner == TOPO_FAM_DUAL && back.n_addr == plan.n_addr &&
	      back.n_route == plan.n_route && back.n_rule == plan.n_rule &&
	      !memcmp(&back.tun[1].endpoint6, &plan.tun[1].endpoint6, sizeof(plan.tun[1].endpoint6)) &&
	      !memcmp(back.tun[1].allowed, plan.tun[1].allowed, sizeof(plan.tun[1].allowed)) &&
	      back.tun[1].n_addr == 2 && !memcmp(&back.tun[1].addr[1], &plan.tun[1].addr[1], sizeof(plan.tun[1].addr[1])) &&
	      !memcmp(&back.rule[3], &plan.rule[3], sizeof(plan.rule[3])) &&
	      !memcmp(&back.route[3], &plan.route[3], sizeof(plan.route[3])), "IPv6 round trip");
	free(text);
	r = agent_host_plan_parse("{\"node\":\"gw1\",\"prefix\":\"p\",\"topology\":\"site\",\"wg\":\"auto\","
				  "\"tunnels\":1,\"ip\":\"4\",\"inner\":\"4\",\"forward\":true,\"devices\":{\"lan\":null,"
				  "\"underlay\":null},\"addresses\":[],\"routes\":[{\"dst\":\"fd77::/64\",\"via\":\"10.0.0.1\","
				  "\"dev\":null,\"table\":0}],\"rules\":[],\"tunnel_ends\":[]}", &back, why, sizeof(why));
	CHECK(r != 0 && strstr(why, "via"), "a route whose via is of another family: %s", why);
	fam_ip = fam_inner = 0;
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
	test_ipv6();
	test_json6();
	if (!failures)
		printf("t_hosts_plan: ok\n");
	return failures != 0;
}
