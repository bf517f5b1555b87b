/* fuzz_host_plan.c — a machine's plan as its agent reads it from the
 * channel (agent_host_plan_parse, agent_host.h): addresses, routes, rules
 * and tunnel ends of either family. What it accepts must survive a round
 * trip: written back by agent_host_plan_json and read again, the same text. */
#include "fuzz.h"
#include "agent_host.h"

#include <stdlib.h>
#include <string.h>

static struct agent_host_plan p, q;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *a = NULL, *b = NULL, why[160];

	if (!agent_host_plan_parse(text, &p, why, sizeof(why))) {
		fuzz_check(p.tunnels >= 1 && p.tunnels <= TOPO_TUNNELS_MAX && p.prefix[0]);
		fuzz_check(p.n_addr <= AGENT_HOST_ADDRS && p.n_route <= AGENT_HOST_ROUTES &&
			   p.n_rule <= AGENT_HOST_RULES && p.n_tun <= TOPO_TUNNELS_MAX);
		fuzz_check(!agent_host_plan_json(&p, true, &a));
		fuzz_check(!agent_host_plan_parse(a, &q, why, sizeof(why)));
		fuzz_check(!agent_host_plan_json(&q, true, &b));
		fuzz_check(!strcmp(a, b));
	}
	free(a);
	free(b);
	free(text);
	return 0;
}
