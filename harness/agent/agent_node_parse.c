/* agent_node_parse.c — the words of the host's command lines, read without
 * touching anything (agent_node.h): the guest agent acts on what these
 * accept, and the fuzz harness feeds them arbitrary lines. */
#include "agent_node.h"
#include "topo_node.h"
#include "traffic.h"
#include "tun.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *agent_node_line(char *buf, size_t len, size_t *used)
{
	char *nl = memchr(buf, '\n', len);

	if (!nl)
		return NULL;
	*nl = 0;
	*used = (size_t)(nl - buf) + 1;
	return buf;
}

size_t agent_node_split(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	return n;
}

int agent_node_parse_setup(char **w, size_t n, struct topo_node_cfg *c, char *why, size_t len)
{
	unsigned int k;

	memset(c, 0, sizeof(*c));
	if (n < 7 || topo_node_from_name(w[1], &c->node) || strlen(w[2]) > TOPO_PREFIX_MAX ||
	    atoi(w[3]) < 1 || atoi(w[3]) > TOPO_TUNNELS_MAX ||
	    topo_family_from_name(w[5], &c->ip) || topo_family_from_name(w[6], &c->inner)) {
		snprintf(why, len, "setup: bad arguments");
		return -EINVAL;
	}
	snprintf(c->prefix, sizeof(c->prefix), "%s", w[2]);
	c->tunnels = (unsigned int)atoi(w[3]);
	c->wg = atoi(w[4]) != 0;
	if (!c->wg && (c->inner & ~c->ip)) {
		snprintf(why, len, "setup: without a tunnel the inner families must lie in the underlay's");
		return -EINVAL;
	}
	if ((c->node == NODE_GW1 || c->node == NODE_GW2) && c->wg) {
		if (n != 7 + 2 * c->tunnels) {
			snprintf(why, len, "setup: expected %u keys", 2 * c->tunnels);
			return -EINVAL;
		}
		for (k = 0; k < c->tunnels; k++)
			if (tun_key_from_hex(w[7 + 2 * k], c->private_key[k]) ||
			    tun_key_from_hex(w[8 + 2 * k], c->peer_public_key[k])) {
				snprintf(why, len, "setup: bad key");
				return -EINVAL;
			}
	}
	return 0;
}

int agent_node_parse_flows(char **w, size_t n, struct traffic_flow *f, size_t *nf)
{
	size_t i, want;

	if (n < 1)
		return -EINVAL;
	want = (size_t)atoi(w[0]);
	if (want < 1 || want > AGENT_NODE_MAX_FLOWS || n != 1 + 2 * want)
		return -EINVAL;
	for (i = 0; i < want; i++) {
		f[i].server_addr = w[1 + 2 * i];
		f[i].port = atoi(w[2 + 2 * i]);
	}
	*nf = want;
	return 0;
}

int agent_node_parse_client(char **w, size_t n, struct traffic_test *t, double *timeout,
			    struct traffic_flow *f, size_t *nf)
{
	if (n < 11 || agent_node_parse_flows(w + 9, n - 9, f, nf))
		return -EINVAL;
	t->udp = atoi(w[1]) != 0;
	t->reverse = atoi(w[2]) == 1;
	t->bidir = atoi(w[2]) == 2;     /* the direction word: 0 forward, 1 -R, 2 --bidir */
	t->streams = (unsigned int)atoi(w[3]);
	t->block_size = (unsigned int)atoi(w[4]);
	t->rate_bps = strtoull(w[5], NULL, 10);
	t->duration = atoi(w[6]);
	t->omit = atoi(w[7]);
	*timeout = atof(w[8]);
	return 0;
}

int agent_node_parse_payload(char **w, size_t n, size_t *len)
{
	*len = n > 1 ? strtoul(w[1], NULL, 10) : 0;
	return *len < AGENT_NODE_PAYLOAD_MAX ? 0 : -EINVAL;
}

int agent_node_parse_live(char **w, size_t n, struct agent_node_live_req *r)
{
	unsigned long port;
	char *end;
	size_t i, plen;

	memset(r, 0, sizeof(*r));
	if (n != 5)
		return -EINVAL;
	plen = strlen(w[1]);
	for (i = 0; i < plen; i++)
		if (!isalnum((unsigned char)w[1][i]) && w[1][i] != '-' && w[1][i] != '_' && w[1][i] != '.')
			return -EINVAL;
	port = strtoul(w[2], &end, 10);
	if (!plen || plen > TOPO_PREFIX_MAX || *end || end == w[2] || port > 65535 ||
	    route_addr_parse(w[3], &r->back) || !w[4][0] || strlen(w[4]) >= IFNAMSIZ ||
	    strchr(w[4], '/'))
		return -EINVAL;
	snprintf(r->prefix, sizeof(r->prefix), "%s", w[1]);
	r->port = (unsigned int)port;
	if (strcmp(w[4], "-"))
		snprintf(r->ifname, sizeof(r->ifname), "%s", w[4]);
	return 0;
}

/* A whole word that is a finite number. */
static int num(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return end != s && !*end && isfinite(*out) ? 0 : -EINVAL;
}

static int numeric_addr(const char *s, char *out, size_t len)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (strlen(s) >= len || (inet_pton(AF_INET, s, a) != 1 && inet_pton(AF_INET6, s, a) != 1))
		return -EINVAL;
	snprintf(out, len, "%s", s);
	return 0;
}

int agent_node_parse_probe(char **w, size_t n, struct agent_node_probe_req *r)
{
	double port;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (n < 2 || latency_path_from_name(w[1], &r->path))
		return -EINVAL;
	if (!strcmp(w[0], "reflect-stop") || !strcmp(w[0], "probe-stop"))
		return n == 2 ? 0 : -EINVAL;
	if (!strcmp(w[0], "reflect-start"))
		return n == 3 && (!strcmp(w[2], "-") || !numeric_addr(w[2], r->addr, sizeof(r->addr))) ?
			0 : -EINVAL;
	if (!strcmp(w[0], "probe-start")) {
		if (n != 5 || num(w[2], &r->interval) || r->interval < 0.001 || r->interval > 10 ||
		    numeric_addr(w[3], r->addr, sizeof(r->addr)) || num(w[4], &port) ||
		    port < 1 || port > 65535 || port != floor(port))
			return -EINVAL;
		r->port = (unsigned int)port;
		return 0;
	}
	if (strcmp(w[0], "probe-result") || n != 8 || num(w[2], &r->origin))
		return -EINVAL;
	for (i = 0; i < 2; i++)
		if (num(w[3 + i], &r->idle[i]) || num(w[5 + i], &r->load[i]))
			return -EINVAL;
	return !num(w[7], &r->refl_cpu_s) && r->refl_cpu_s >= 0 && r->idle[1] >= r->idle[0] &&
		r->load[1] >= r->load[0] ? 0 : -EINVAL;
}
