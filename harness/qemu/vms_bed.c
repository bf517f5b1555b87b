/* vms_bed.c — the testbed operations of --backend vms (bed.h) over the
 * control channels: the four guests, each configured and measured by its
 * agent (harness/agent/agent_node.c). Setting the guests up is this file's;
 * traffic, samplers and variants are the fleet's (agent_fleet.h), shared
 * with --backend hosts. vms.c holds the bed's table and lifecycle.
 *
 * Clocks: each guest has its own; the fleet estimates each one's offset
 * from "now" round trips and converts times with it, so the sampler window
 * [start + omit, + duration] means the same in every guest.
 */
#include "vms_impl.h"
#include "agent_fleet.h"
#include "traffic.h"
#include "tun.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUP_TIMEOUT 120.0
#define PING_TIMEOUT 30.0
#define CALL_TIMEOUT call_timeout()

/* 60 s for one command; WGB_VMS_CALL_TIMEOUT overrides (the hang test). */
static double call_timeout(void)
{
	const char *env = getenv("WGB_VMS_CALL_TIMEOUT");

	return env && atof(env) > 0 ? atof(env) : 60.0;
}

static struct agent_chan *C(struct vms *v, enum topo_node_id n)
{
	return &v->g[n].ch;
}

/* The fleet over the four channels: clients in source, servers in drain. */
static void make_fleet(struct vms *v)
{
	unsigned int n;

	memset(&v->fleet, 0, sizeof(v->fleet));
	for (n = 0; n < NODE__COUNT; n++)
		v->fleet.ch[n] = C(v, n);
	v->fleet.client = NODE_SOURCE;
	v->fleet.server = NODE_DRAIN;
	v->fleet.call_timeout = CALL_TIMEOUT;
	v->fleet.origin_key = "guest";
}

/* "setup NODE PREFIX TUNNELS WG [PRIV PEERPUB]..." for each guest. */
static int send_setup(struct vms *v, unsigned int tunnels)
{
	uint8_t priv[2][TUN_KEY_LEN], pub[2][TUN_KEY_LEN];
	size_t cap = 64 + 2 * (size_t)tunnels * 130;
	char *keys[2] = { calloc(1, cap), calloc(1, cap) };
	char hex[2 * TUN_KEY_LEN + 1];
	unsigned int k, g, n;
	int ret = keys[0] && keys[1] ? 0 : -ENOMEM;

	for (k = 0; !ret && v->wg && k < tunnels; k++) {
		ret = tun_generate_keypair(priv[0], pub[0]);
		if (!ret)
			ret = tun_generate_keypair(priv[1], pub[1]);
		for (g = 0; !ret && g < 2; g++) {
			size_t l = strlen(keys[g]);

			tun_key_to_hex(priv[g], hex);
			l += (size_t)snprintf(keys[g] + l, cap - l, " %s", hex);
			tun_key_to_hex(pub[!g], hex);
			snprintf(keys[g] + l, cap - l, " %s", hex);
		}
	}
	explicit_bzero(priv, sizeof(priv));
	for (n = 0; !ret && n < NODE__COUNT; n++)
		ret = agent_chan_send(C(v, n), "setup %s %s %u %d%s", topo_node_name(n), v->prefix, tunnels,
				   v->wg, n == NODE_GW1 ? keys[0] : n == NODE_GW2 ? keys[1] : "");
	for (g = 0; g < 2; g++)
		if (keys[g])
			explicit_bzero(keys[g], cap);
	free(keys[0]);
	free(keys[1]);
	return ret;
}

int vms_setup(struct vms *v, unsigned int tunnels, char *wg_version, size_t len)
{
	char words[128];
	unsigned int k, n;
	int ret;

	if (v->tunnels == tunnels)
		return 0;
	if (v->tunnels) {
		wgb_err("--backend vms: changing the tunnel count (%u -> %u) within a run is not "
			"supported yet", v->tunnels, tunnels);
		return -ENOTSUP;
	}
	make_fleet(v);
	ret = send_setup(v, tunnels);
	for (n = 0; n < NODE__COUNT && (!ret || ret == -EIO); n++) {
		int r = agent_chan_reply(C(v, n), SETUP_TIMEOUT, words, sizeof(words), NULL);

		if (!r && n == NODE_GW1)
			snprintf(wg_version, len, "%s", words);
		if (r && (!ret || r != -EIO))
			ret = r;
	}
	/* The path works end to end before anything is measured. */
	for (k = 0; !ret && k < tunnels; k++) {
		char addr[16];

		snprintf(addr, sizeof(addr), "10.103.0.%u", 10 + k);
		ret = agent_chan_send(C(v, NODE_SOURCE), "ping %s %.0f", addr, PING_TIMEOUT);
		if (!ret)
			ret = agent_chan_reply(C(v, NODE_SOURCE), PING_TIMEOUT + 10, words, sizeof(words), NULL);
		if (ret)
			wgb_err("source cannot reach drain %s%s", addr, v->wg ? " through the tunnel" : "");
		else
			wgb_debug("vms: source -> drain %s: %s ms", addr, words);
	}
	if (!ret)
		v->tunnels = tunnels;
	if (!ret)
		ret = vms_clock(v, 0);
	if (!ret)
		ret = agent_fleet_sync(&v->fleet, 3);
	return ret;
}

int vms_traffic(struct vms *v, const struct traffic_test *t, const struct traffic_flow *flows,
		size_t n, double timeout, const volatile sig_atomic_t *stop,
		struct traffic_flow_result *res, double *t_clients)
{
	v->stop = stop;
	return agent_fleet_traffic(&v->fleet, t, flows, n, timeout, stop, res, t_clients);
}

int vms_sample_start(struct vms *v, double interval, const char *timeline_path)
{
	return agent_fleet_sample_start(&v->fleet, interval, timeline_path);
}

int vms_sample_stop(struct vms *v, double w0, double w1, struct json_object **cpu,
		    struct json_object **drops)
{
	return agent_fleet_sample_stop(&v->fleet, w0, w1, cpu, drops);
}

int vms_variant_check(struct vms *v, const struct variant *var, char *why, size_t len)
{
	return agent_fleet_variant_check(&v->fleet, var, why, len);
}

int vms_variant_apply(struct vms *v, const struct variant *var, struct json_object **applied)
{
	return agent_fleet_variant_apply(&v->fleet, var, applied);
}

int vms_variant_revert(struct vms *v)
{
	if (!v->tunnels)
		return 0;
	return agent_fleet_variant_revert(&v->fleet);
}

int vms_clock(struct vms *v, int slot)
{
	char words[64];
	unsigned int n;
	int ret = 0;

	for (n = 0; !ret && n < NODE__COUNT; n++) {
		double t0 = util_now_mono(), t1;

		ret = agent_chan_send(C(v, n), "now");
		if (!ret)
			ret = agent_chan_reply(C(v, n), CALL_TIMEOUT, words, sizeof(words), NULL);
		t1 = util_now_mono();
		v->g[n].clock[slot][0] = (t0 + t1) / 2;
		v->g[n].clock[slot][1] = ret ? 0 : strtod(words, NULL);
	}
	return ret;
}
