/* t_hosts_file.c — the hosts file read strictly (hosts_file.h): good files
 * of both shapes, every kind of bad input named with its file and field,
 * buffers that are not NUL-terminated, and a mutation loop over a good
 * file (under ASan: nothing the parser is fed may crash it). */
#include "hosts_file.h"
#include "agent_ssh.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_NAME "t_hosts_file"
#define CHECK T_CHECK_MSG
#include "t_common.h"

static const char good_site[] =
	"{\"topology\": \"site\", \"nodes\": {\n"
	" \"source\": {\"ssh\": \"root@10.0.0.11\", \"links\": {\"lan\": \"enp1s0\"}},\n"
	" \"gw1\": {\"ssh\": \"root@10.0.0.12\", \"links\": {\"lan\": \"enp1s0\", \"underlay\": \"enp2s0\"}},\n"
	" \"gw2\": {\"ssh\": \"root@10.0.0.13:2222\", \"links\": {\"underlay\": \"enp2s0\", \"lan\": \"enp1s0\"}},\n"
	" \"drain\": {\"ssh\": \"root@10.0.0.14\", \"links\": {\"lan\": \"enp1s0\"}}}}\n";

static const char good_p2p[] =
	"{\"topology\": \"p2p\", \"nodes\": {\n"
	" \"gw1\": {\"ssh\": \"ubuntu@[2001:db8::1]:22\", \"links\": {\"underlay\": {\"dev\": \"ens5\", \"address\": \"172.31.0.10/20\"}}},\n"
	" \"gw2\": {\"ssh\": \"gw2.example.net\", \"links\": {\"underlay\": {\"dev\": \"ens5\", \"address\": \"172.31.9.20/20\"}}}}}";

static int parse(const char *text, struct hosts_file *hf, struct hosts_errs *e)
{
	return hosts_file_parse(text, strlen(text), "h.json", hf, e);
}

static bool has(const struct hosts_errs *e, const char *want)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strstr(e->msg[i], want))
			return true;
	return false;
}

static void test_good(void)
{
	static struct hosts_file hf;
	static struct hosts_errs e;
	char ip[INET_ADDRSTRLEN];

	CHECK(parse(good_site, &hf, &e) == 0, "good site: %s", e.n ? e.msg[0] : "");
	CHECK(hf.shape == TOPO_SITE, "shape");
	CHECK(hf.node[NODE_DRAIN].present && !strcmp(hf.node[NODE_DRAIN].ssh, "root@10.0.0.14"), "drain ssh");
	CHECK(!strcmp(hf.node[NODE_GW2].link[LINK_UNDERLAY].dev, "enp2s0"), "gw2 underlay dev");
	CHECK(!hf.node[NODE_GW1].link[LINK_LAN].given, "plan address on gw1's lan");
	CHECK(parse(good_p2p, &hf, &e) == 0, "good p2p: %s", e.n ? e.msg[0] : "");
	CHECK(hf.shape == TOPO_P2P && !hf.node[NODE_SOURCE].present, "p2p has no source");
	inet_ntop(AF_INET, &hf.node[NODE_GW2].link[LINK_UNDERLAY].addr, ip, sizeof(ip));
	CHECK(hf.node[NODE_GW2].link[LINK_UNDERLAY].given && !strcmp(ip, "172.31.9.20") &&
	      hf.node[NODE_GW2].link[LINK_UNDERLAY].plen == 20, "given underlay %s", ip);
	/* no topology key: site; trailing blanks are fine; not NUL-terminated */
	CHECK(hosts_file_parse(good_site + 24, sizeof(good_site) - 25, "h", &hf, &e) != 0, "cut file");
	{
		char *copy = malloc(sizeof(good_site) - 1);

		memcpy(copy, good_site, sizeof(good_site) - 1);   /* no NUL after it */
		CHECK(hosts_file_parse(copy, sizeof(good_site) - 1, "h", &hf, &e) == 0, "unterminated buffer");
		free(copy);
	}
}

struct bad_case {
	const char *text;
	const char *want;       /* in one of the messages */
};

#define NODE(n, ssh, links) "\"" n "\": {\"ssh\": \"" ssh "\", \"links\": {" links "}}"
#define SITE(src, g1, g2, dr) "{\"nodes\": {" src "," g1 "," g2 "," dr "}}"
#define SRC NODE("source", "root@a", "\"lan\": \"e0\"")
#define G1 NODE("gw1", "root@b", "\"lan\": \"e0\", \"underlay\": \"e1\"")
#define G2 NODE("gw2", "root@c", "\"lan\": \"e0\", \"underlay\": \"e1\"")
#define DR NODE("drain", "root@d", "\"lan\": \"e0\"")

static void test_bad(void)
{
	static const struct bad_case cases[] = {
		{ "", "h.json: not JSON" },
		{ "[1]", "h.json: expected an object" },
		{ "{\"nodes\": {}} x", "not JSON" },
		{ "{\"nodes\": {}, \"extra\": 1}", "h.json: extra: unknown key" },
		{ "{\"topology\": \"mesh\", \"nodes\": {}}", "h.json: topology: expected \"site\" or \"p2p\"" },
		{ "{\"topology\": \"site\"}", "h.json: nodes: missing" },
		{ "{\"nodes\": {" SRC "," G1 "," G2 "}}", "h.json: nodes.drain: missing (topology site has" },
		{ "{\"nodes\": {" SRC "," G1 "," G2 "," DR ", \"gw3\": {}}}", "nodes.gw3: unknown node" },
		{ "{\"topology\": \"p2p\", \"nodes\": {" SRC "," G1 "," G2 "}}", "nodes.source: not a node of topology p2p" },
		{ "{\"topology\": \"p2p\", \"nodes\": {" G1 "," G2 "}}", "nodes.gw1.links.lan: topology p2p has no lan" },
		{ SITE(NODE("source", "root@a", "\"underlay\": \"e1\""), G1, G2, DR), "nodes.source.links.underlay: source has no underlay" },
		{ SITE(SRC, NODE("gw1", "root@b", "\"lan\": \"e0\""), G2, DR), "nodes.gw1.links.underlay: missing" },
		{ SITE(SRC, G1, G2, NODE("drain", "root@d", "\"lan\": \"a/b\"")), "nodes.drain.links.lan: 'a/b' is not an interface name" },
		{ SITE(SRC, G1, G2, NODE("drain", "root@d", "\"lan\": \"abcdefghijklmnop\"")), "not an interface name" },
		{ SITE(SRC, G1, G2, NODE("drain", "root@d", "\"lan\": 3")), "nodes.drain.links.lan: expected a device name" },
		{ SITE(SRC, G1, G2, NODE("drain", "root@d", "\"wan\": \"e0\"")), "nodes.drain.links.wan: unknown link" },
		{ SITE(SRC, G1, G2, NODE("drain", "root@d", "\"lan\": {\"dev\": \"e0\", \"address\": \"10.0.0.300/24\"}")),
		  "nodes.drain.links.lan: address '10.0.0.300/24'" },
		{ SITE(SRC, G1, G2, NODE("drain", "root@d", "\"lan\": {\"dev\": \"e0\", \"address\": \"10.0.0.0/24\"}")),
		  "expected an IPv4 host address" },
		{ SITE(SRC, G1, G2, NODE("drain", "root@d", "\"lan\": {\"dev\": \"e0\", \"addr\": \"10.0.0.5/24\"}")),
		  "nodes.drain.links.lan.addr: unknown key" },
		{ SITE(SRC, G1, G2, NODE("drain", "root@d", "\"lan\": {\"dev\": \"e0\", \"address\": \"10.0.0.5/24\"}")),
		  "nodes.drain.links.lan: gives an address, nodes.gw2.links.lan does not" },
		{ SITE(SRC, G1, NODE("gw2", "root@c", "\"lan\": {\"dev\": \"e0\", \"address\": \"10.0.1.1/24\"}, \"underlay\": \"e1\""),
		       NODE("drain", "root@d", "\"lan\": {\"dev\": \"e0\", \"address\": \"10.0.2.5/24\"}")),
		  "nodes.drain.links.lan: 10.0.2.5/24 is not in the subnet of nodes.gw2.links.lan" },
		{ SITE(NODE("source", "-oProxyCommand=x", "\"lan\": \"e0\""), G1, G2, DR), "nodes.source.ssh: '-oProxyCommand=x' is no ssh destination" },
		{ SITE(NODE("source", "root@a b", "\"lan\": \"e0\""), G1, G2, DR), "nodes.source.ssh: 'root@a b' holds a blank" },
		{ SITE(NODE("source", "root@a:70000", "\"lan\": \"e0\""), G1, G2, DR), "the port is not 1-65535" },
		{ SITE(NODE("source", "root@b", "\"lan\": \"e0\""), G1, G2, DR), "nodes.gw1.ssh: the same machine as source" },
		{ "{\"nodes\": {\"source\": {\"ssh\": \"root@a\"}}}", "nodes.source.links: missing" },
		{ "{\"nodes\": {\"source\": {\"ssh\": \"root@a\", \"links\": {}, \"port\": 22}}}", "nodes.source.port: unknown key" },
	};
	static struct hosts_file hf;
	static struct hosts_errs e;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = parse(cases[i].text, &hf, &e);

		CHECK(r != 0 && has(&e, cases[i].want), "case %zu: want '%s', got %zu message(s): %s", i,
		      cases[i].want, e.n, e.n ? e.msg[0] : "(none)");
	}
}

/* Random bytes changed, cut, repeated: never a crash, and a result. */
static void test_mutations(void)
{
	static struct hosts_file hf;
	static struct hosts_errs e;
	size_t n = sizeof(good_site) - 1, i, k;
	char *buf = malloc(2 * n);
	unsigned int seed = 12345, ok = 0;

	for (i = 0; i < 20000; i++) {
		size_t len = n;

		memcpy(buf, good_site, n);
		for (k = 0; k < 1 + (size_t)(rand_r(&seed) % 4); k++)
			buf[rand_r(&seed) % n] = (char)(rand_r(&seed) % 256);
		if (rand_r(&seed) % 8 == 0)
			len = (size_t)rand_r(&seed) % n;
		if (hosts_file_parse(buf, len, "m", &hf, &e) == 0)
			ok++;
		else
			CHECK(e.n > 0 && !strncmp(e.msg[0], "m: ", 3), "mutation %zu failed without a message", i);
	}
	free(buf);
	CHECK(ok > 0 && ok < 20000, "mutations: %u of 20000 still parse", ok);
}

static void test_dest(void)
{
	static const struct { const char *dest, *host; unsigned int port; } ok[] = {
		{ "root@10.0.0.13:2222", "root@10.0.0.13", 2222 }, { "gw", "gw", 0 },
		{ "u@[fe80::1]:22", "u@fe80::1", 22 }, { "fe80::1", "fe80::1", 0 }, { "a@b@c", "a@b@c", 0 },
	};
	static const char *const bad[] = { "", "-x", "root@-oX", "a@", "[::1", "[::1]x", "h:0", "a\tb" };
	char host[256], why[256];
	unsigned int port;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		int r = agent_ssh_dest(ok[i].dest, host, sizeof(host), &port, why, sizeof(why));

		CHECK(r == 0 && !strcmp(host, ok[i].host) && port == ok[i].port, "dest %s: %d %s %u (%s)",
		      ok[i].dest, r, host, port, why);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(agent_ssh_dest(bad[i], host, sizeof(host), &port, why, sizeof(why)) != 0, "dest '%s' taken",
		      bad[i]);
}

int main(void)
{
	test_good();
	test_bad();
	test_mutations();
	test_dest();
	if (!failures)
		printf("t_hosts_file: ok\n");
	return failures != 0;
}
