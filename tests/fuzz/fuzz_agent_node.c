/* fuzz_agent_node.c — the command lines the vms guest agent reads from its
 * control port (agent_node.h), as a byte stream: each line is split and
 * its arguments read as the agent reads them; a variant-check/-apply line's
 * payload (the N bytes after it) is parsed as a variant file, as the guest
 * does; the latency probe's lines (reflect-*, probe-*) by their parser.
 * Nothing is executed. */
#include "fuzz.h"
#include "agent_node.h"
#include "topo_node.h"
#include "traffic.h"
#include "variant.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

static void args(char **w, size_t n, const char *after, size_t left, size_t *skip)
{
	struct traffic_flow f[AGENT_NODE_MAX_FLOWS];
	struct traffic_test t = { 0 };
	struct topo_node_cfg c;
	struct variant_set *vs = NULL;
	char why[96], *payload;
	double timeout;
	size_t nf, len, i;

	*skip = 0;
	if (!strcmp(w[0], "setup")) {
		if (!agent_node_parse_setup(w, n, &c, why, sizeof(why)))
			fuzz_check(c.tunnels >= 1 && c.tunnels <= TOPO_TUNNELS_MAX &&
				   memchr(c.prefix, 0, sizeof(c.prefix)) &&
				   c.ip >= TOPO_FAM_4 && c.ip <= TOPO_FAM_DUAL &&
				   c.inner >= TOPO_FAM_4 && c.inner <= TOPO_FAM_DUAL &&
				   (c.wg || !(c.inner & ~c.ip)));
	} else if (!strcmp(w[0], "serve") && n >= 3) {
		if (!agent_node_parse_flows(w + 2, n - 2, f, &nf))
			fuzz_check(nf >= 1 && nf <= AGENT_NODE_MAX_FLOWS);
	} else if (!strcmp(w[0], "client")) {
		if (!agent_node_parse_client(w, n, &t, &timeout, f, &nf))
			for (i = 0; i < nf; i++)
				fuzz_check(f[i].server_addr != NULL);
	} else if (!strcmp(w[0], "live-attach")) {
		struct agent_node_live_req q;

		if (!agent_node_parse_live(w, n, &q))
			fuzz_check(q.port <= 65535 && memchr(q.prefix, 0, sizeof(q.prefix)) &&
				   memchr(q.ifname, 0, sizeof(q.ifname)) && q.prefix[0]);
	} else if (!strncmp(w[0], "reflect-", 8) || !strncmp(w[0], "probe-", 6)) {
		struct agent_node_probe_req q;

		if (!agent_node_parse_probe(w, n, &q))
			fuzz_check(q.path < LATENCY_PATH__COUNT && memchr(q.addr, 0, sizeof(q.addr)) &&
				   q.port <= 65535 && q.refl_cpu_s >= 0 && q.idle[1] >= q.idle[0] &&
				   q.load[1] >= q.load[0] &&
				   (q.interval == 0 || (q.interval >= 0.001 && q.interval <= 10)));
	} else if (!strcmp(w[0], "variant-check") || !strcmp(w[0], "variant-apply")) {
		if (agent_node_parse_payload(w, n, &len))
			return;
		*skip = len < left ? len : left;
		/* its own copy, NUL-terminated as the guest's file read gives it */
		payload = fuzz_text((const uint8_t *)after, *skip);
		if (!variant_parse_text("/tmp/variant.json", payload, *skip, &vs))
			fuzz_check(variant_count(vs) == 1);
		variant_set_free(vs);
		free(payload);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_text(data, size), *line, *w[AGENT_NODE_MAX_WORDS];
	size_t off = 0, used, n, skip;

	while (off < size && (line = agent_node_line(buf + off, size - off, &used))) {
		fuzz_check(used >= 1 && used <= size - off);
		off += used;
		n = agent_node_split(line, w, AGENT_NODE_MAX_WORDS);
		fuzz_check(n <= AGENT_NODE_MAX_WORDS);
		if (n) {
			args(w, n, buf + off, size - off, &skip);
			off += skip;
		}
	}
	free(buf);
	return 0;
}
