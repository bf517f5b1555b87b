/* t_scenario.c — scenario files: the five shipped ones load with the values of
 * DESIGN.md's table; every kind of bad file is refused with -EINVAL. */
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define T_NAME "t_scenario"
#define CHECK T_CHECK_COND
#include "t_common.h"

static int parse(const char *text, const char *file)
{
	struct scenario *s = NULL;
	int ret = scenario_parse(text, file, &s);

	scenario_free(s);
	return ret;
}

#define GOOD "\"name\":\"x\",\"protocol\":\"udp\",\"flows\":2,\"reverse\":false," \
	     "\"bandwidth_bps\":0,\"block_size\":1200"

int main(void)
{
	char dir[512];
	const char *here = __FILE__, *slash = strrchr(here, '/');
	struct scenario_set *set = NULL;
	const struct scenario *s;
	struct scenario *one = NULL;

	snprintf(dir, sizeof(dir), "%.*s/../scenarios", slash ? (int)(slash - here) : 1,
		 slash ? here : ".");
	CHECK(scenario_load_dir(dir, &set) == 0);
	CHECK(scenario_count(set) == 6);
	s = scenario_find(set, "tcp-fwd");
	CHECK(s && s->protocol == SCENARIO_TCP && s->flows == 8 && !s->reverse &&
	      s->block_size == 131072 && s->bandwidth_bps == 0);
	s = scenario_find(set, "tcp-rev");
	CHECK(s && s->protocol == SCENARIO_TCP && s->flows == 8 && s->reverse);
	s = scenario_find(set, "udp");
	CHECK(s && s->protocol == SCENARIO_UDP && s->flows == 1 && s->block_size == 1200 &&
	      s->bandwidth_bps == 0);
	s = scenario_find(set, "udp-small");
	CHECK(s && s->protocol == SCENARIO_UDP && s->block_size == 64);
	s = scenario_find(set, "tcp-single");
	CHECK(s && s->protocol == SCENARIO_TCP && s->flows == 1 && !s->reverse && !s->bidir);
	s = scenario_find(set, "tcp-bidir");
	CHECK(s && s->protocol == SCENARIO_TCP && s->flows == 4 && !s->reverse && s->bidir);
	CHECK(scenario_find(set, "nope") == NULL);
	scenario_set_free(set);

	CHECK(scenario_parse("{" GOOD "}", "d/x.json", &one) == 0);
	CHECK(one && one->flows == 2 && one->protocol == SCENARIO_UDP);
	scenario_free(one);

	fprintf(stderr, "(the following error lines are expected)\n");
	CHECK(parse("{" GOOD "}", "d/y.json") == -EINVAL);                    /* name != file */
	CHECK(parse("{" GOOD ",\"flow\":1}", "x.json") == -EINVAL);           /* unknown key */
	CHECK(parse("{" GOOD, "x.json") == -EINVAL);                          /* not JSON */
	CHECK(parse("[1]", "x.json") == -EINVAL);
	CHECK(parse("{\"name\":\"x\",\"protocol\":\"sctp\",\"flows\":1,\"reverse\":false,"
		    "\"bandwidth_bps\":0,\"block_size\":100}", "x.json") == -EINVAL);
	CHECK(parse("{\"name\":\"x\",\"protocol\":\"tcp\",\"flows\":0,\"reverse\":false,"
		    "\"bandwidth_bps\":0,\"block_size\":100}", "x.json") == -EINVAL);
	CHECK(parse("{\"name\":\"x\",\"protocol\":\"tcp\",\"flows\":1.5,\"reverse\":false,"
		    "\"bandwidth_bps\":0,\"block_size\":100}", "x.json") == -EINVAL);
	CHECK(parse("{\"name\":\"x\",\"protocol\":\"tcp\",\"flows\":1,\"reverse\":\"no\","
		    "\"bandwidth_bps\":0,\"block_size\":100}", "x.json") == -EINVAL);
	CHECK(parse("{\"name\":\"x\",\"protocol\":\"udp\",\"flows\":1,\"reverse\":false,"
		    "\"bandwidth_bps\":0,\"block_size\":65508}", "x.json") == -EINVAL);
	CHECK(parse("{\"name\":\"x\",\"protocol\":\"udp\",\"flows\":1,\"reverse\":false,"
		    "\"bandwidth_bps\":-1,\"block_size\":1200}", "x.json") == -EINVAL);
	CHECK(parse("{\"name\":\"X Y\",\"protocol\":\"udp\",\"flows\":1,\"reverse\":false,"
		    "\"bandwidth_bps\":0,\"block_size\":1200}", "X Y.json") == -EINVAL);
	CHECK(parse("{\"protocol\":\"udp\",\"flows\":1,\"reverse\":false,"
		    "\"bandwidth_bps\":0,\"block_size\":1200}", "x.json") == -EINVAL);
	CHECK(parse("{" GOOD ",\"bidir\":true}", "x.json") == -EINVAL);      /* UDP --bidir */
	CHECK(parse("{\"name\":\"x\",\"protocol\":\"tcp\",\"flows\":1,\"reverse\":true,\"bidir\":true,"
		    "\"bandwidth_bps\":0,\"block_size\":100}", "x.json") == -EINVAL);
	CHECK(parse("{\"name\":\"x\",\"protocol\":\"tcp\",\"flows\":1,\"reverse\":false,\"bidir\":1,"
		    "\"bandwidth_bps\":0,\"block_size\":100}", "x.json") == -EINVAL);

	if (failures)
		fprintf(stderr, "t_scenario: %d failures\n", failures);
	return failures ? 1 : 0;
}
