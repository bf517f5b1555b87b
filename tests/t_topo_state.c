/* t_topo_state.c — the state file: a round trip through JSON, and every
 * malformed field refused with its name. */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_NAME "t_topo_state"
#define CHECK T_CHECK_WHAT
#include "t_common.h"

static void fill(struct topo_state *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->prefix, sizeof(s->prefix), "t1-");
	s->wg = TUN_WGGO;
	s->tunnels = 3;
	s->persistent = true;
	s->complete = false;
	s->owner = 4242;
	s->created = 1700000000.25;
	snprintf(s->wg_version, sizeof(s->wg_version), "wireguard-go v0.0.20220316");
	snprintf(s->last_step, sizeof(s->last_step), "tunnel1-gw1");
	s->netns_made[NODE_SOURCE] = s->netns_made[NODE_GW1] = s->netns_made[NODE_DRAIN] = true;
	s->end[0][0] = (struct state_end){ true, 100 };
	s->end[0][1] = (struct state_end){ true, 101 };
	s->end[1][0] = (struct state_end){ true, 102 };
}

static void test_round_trip(void)
{
	struct topo_state a, b;
	char *text = NULL, why[128];

	fill(&a);
	CHECK(state_to_json(&a, &text) == 0, "serialise");
	if (!text)
		return;
	CHECK(strstr(text, "\"t1-g1t1\"") != NULL, "interface names written for people");
	CHECK(state_from_json(text, &b, why, sizeof(why)) == 0, why);
	CHECK(!strcmp(b.prefix, "t1-") && b.wg == TUN_WGGO && b.tunnels == 3, "header fields");
	CHECK(b.persistent && !b.complete && b.owner == 4242 && b.created == a.created, "flags");
	CHECK(!strcmp(b.wg_version, a.wg_version) && !strcmp(b.last_step, a.last_step), "strings");
	CHECK(!memcmp(a.netns_made, b.netns_made, sizeof(a.netns_made)), "namespaces");
	CHECK(!memcmp(a.end, b.end, sizeof(a.end)), "tunnel ends");
	free(text);
}

/* Replace the first occurrence of from by to in the serialised state. */
static void expect_refused(const char *from, const char *to, const char *field)
{
	struct topo_state a, b;
	char *text = NULL, *p, buf[8192], why[128] = "";

	fill(&a);
	if (state_to_json(&a, &text))
		return;
	p = strstr(text, from);
	CHECK(p != NULL, from);
	if (p) {
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
		CHECK(state_from_json(buf, &b, why, sizeof(why)) == -EINVAL, field);
		CHECK(strstr(why, field) != NULL, why);
	}
	free(text);
}

static void test_malformed(void)
{
	struct topo_state b;
	char why[128];

	CHECK(state_from_json("[1,2]", &b, why, sizeof(why)) == -EINVAL, "not an object");
	CHECK(state_from_json("{", &b, why, sizeof(why)) == -EINVAL, "truncated");
	expect_refused("wgbench.topo-state/1", "wgbench.topo-state/9", "schema");
	expect_refused("\"wireguard-go\"", "\"quantum\"", "wg");
	expect_refused("\"tunnels\": 3", "\"tunnels\": 0", "tunnels");
	expect_refused("\"tunnels\": 3", "\"tunnels\": \"3\"", "tunnels");
	expect_refused("\"t1-gw1\"", "\"t1-gw9\"", "netns");
	expect_refused("\"gw\": \"gw1\"", "\"gw\": \"drain\"", "tunnel_ends");
	expect_refused("\"complete\": false", "\"complete\": 0", "complete");
}

static void test_paths(void)
{
	char buf[64];

	CHECK(state_path("wgb-", "state.json", buf, sizeof(buf)) == 0 &&
	      !strcmp(buf, "/run/wgbench/wgb-state.json"), "state path");
	CHECK(state_path("wgb-", "lock", buf, 8) == -ENAMETOOLONG, "small buffer");
}

int main(void)
{
	test_round_trip();
	test_malformed();
	test_paths();
	if (failures)
		fprintf(stderr, "t_topo_state: %d failure(s)\n", failures);
	return failures != 0;
}
