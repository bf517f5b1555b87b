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
#include "jsonx.h"
#include "topo_plan.h"
#include "traffic.h"
#include "tun.h"
#include "util.h"
#include "variant.h"

#include <arpa/inet.h>
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

/* "setup NODE PREFIX TUNNELS WG IP INNER [PRIV PEERPUB]..." for each guest. */
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
		ret = agent_chan_send(C(v, n), "setup %s %s %u %d %s %s%s", topo_node_name(n), v->prefix,
				      tunnels, v->wg, topo_family_name(v->ip), topo_family_name(v->inner),
				      n == NODE_GW1 ? keys[0] : n == NODE_GW2 ? keys[1] : "");
	for (g = 0; g < 2; g++)
		if (keys[g])
			explicit_bzero(keys[g], cap);
	free(keys[0]);
	free(keys[1]);
	return ret;
}

/* Each guest's reply: gw1's WireGuard version, every guest's read-back. */
static int setup_replies(struct vms *v, int ret, char *wg_version, size_t len)
{
	char words[128], *json;
	unsigned int n;

	for (n = 0; n < NODE__COUNT && (!ret || ret == -EIO); n++) {
		int r = agent_chan_reply(C(v, n), SETUP_TIMEOUT, words, sizeof(words), &json);

		if (!r && n == NODE_GW1)
			snprintf(wg_version, len, "%s", words);
		json_object_put(v->network[n]);
		v->network[n] = r ? NULL : json_tokener_parse(json ? json : "");
		if (!r && !v->network[n]) {
			wgb_err("guest %s: its setup reply is no JSON", topo_node_name(n));
			r = -EPROTO;
		}
		free(json);
		if (r && (!ret || r != -EIO))
			ret = r;
	}
	return ret;
}

/* Node n's addresses on link r as its guest read them back ("A/P", ...). */
static struct json_object *read_back(const struct vms *v, enum topo_node_id n, enum topo_link_role r)
{
	struct json_object *nodes = jsonx_get(v->network[n], "nodes"), *ifs;
	size_t i;

	ifs = json_object_is_type(nodes, json_type_array) && json_object_array_length(nodes) == 1 ?
		jsonx_get(json_object_array_get_idx(nodes, 0), "interfaces") : NULL;
	for (i = 0; json_object_is_type(ifs, json_type_array) && i < json_object_array_length(ifs); i++) {
		struct json_object *f = json_object_array_get_idx(ifs, i);
		const char *role = jsonx_str_at(f, "role");

		if (role && !strcmp(role, topo_link_name(r)))
			return jsonx_get(f, "addresses");
	}
	return NULL;
}

static bool has_addr(struct json_object *addrs, const char *a)
{
	size_t i, l = strlen(a);

	for (i = 0; json_object_is_type(addrs, json_type_array) && i < json_object_array_length(addrs); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(addrs, i));

		if (s && !strncmp(s, a, l) && s[l] == '/')
			return true;
	}
	return false;
}

/* The drain addresses of each --inner family: the plan's, where the drain
 * guest says they are. */
static int find_drains(struct vms *v, unsigned int tunnels)
{
	struct json_object *addrs = read_back(v, NODE_DRAIN, LINK_LAN);
	unsigned int k, f;

	memset(v->drain, 0, sizeof(v->drain));
	for (f = 0; f < 2; f++)
		for (k = 0; (v->inner & (f ? TOPO_FAM_6 : TOPO_FAM_4)) && k < tunnels; k++) {
			struct in6_addr a6 = topo_plan_target6(TOPO_SITE, v->wg, k);
			struct in_addr a = topo_plan_target(TOPO_SITE, v->wg, k);
			char *d = v->drain[f][k];

			inet_ntop(f ? AF_INET6 : AF_INET, f ? (void *)&a6 : (void *)&a, d, INET6_ADDRSTRLEN);
			if (!has_addr(addrs, d)) {
				wgb_err("guest drain: %s is not on its lan interface (it has %s)", d,
					addrs ? json_object_to_json_string(addrs) : "none");
				return -EIO;
			}
		}
	return 0;
}

/* The path works end to end, in each family, before anything is measured. */
static int ping_drains(struct vms *v, unsigned int tunnels)
{
	char words[64];
	unsigned int k, f;
	int ret = 0;

	for (f = 0; f < 2; f++)
		for (k = 0; !ret && k < tunnels && v->drain[f][k][0]; k++) {
			const char *addr = v->drain[f][k];

			ret = agent_chan_call(C(v, NODE_SOURCE), PING_TIMEOUT + 10, words, sizeof(words), NULL,
					      "ping %s %.0f", addr, PING_TIMEOUT);
			if (ret)
				wgb_err("source cannot reach drain %s%s", addr, v->wg ? " through the tunnel" : "");
			v->reach_ms[f][k] = ret ? 0 : strtod(words, NULL);
			wgb_debug("vms: source -> drain %s: %s ms", addr, ret ? "-" : words);
		}
	return ret;
}

int vms_setup(struct vms *v, unsigned int tunnels, char *wg_version, size_t len)
{
	int ret;

	if (v->tunnels == tunnels)
		return 0;
	if (v->tunnels) {
		wgb_err("--backend vms: changing the tunnel count (%u -> %u) within a run is not "
			"supported yet", v->tunnels, tunnels);
		return -ENOTSUP;
	}
	make_fleet(v);
	ret = setup_replies(v, send_setup(v, tunnels), wg_version, len);
	if (!ret)
		ret = find_drains(v, tunnels);
	if (!ret)
		ret = ping_drains(v, tunnels);
	if (!ret)
		v->tunnels = tunnels;
	if (!ret)
		ret = vms_clock(v, 0);
	if (!ret)
		ret = agent_fleet_sync(&v->fleet, 3);
	return ret;
}

const char *vms_drain_addr(const struct vms *v, unsigned int k, int af)
{
	const char *a = k < v->tunnels ? v->drain[af == AF_INET6][k] : "";

	return a[0] && (af == AF_INET || af == AF_INET6) ? a : NULL;
}

static struct json_object *copy(struct json_object *o)
{
	struct json_object *c = NULL;   /* json_object_deep_copy() wants NULL */

	return json_object_deep_copy(o, &c, NULL) ? NULL : c;
}

/* gw1's view of tunnel k has gw1's peer endpoint, gw2's has gw2's: one
 * object with both, as netns writes it. */
static void merge_tunnels(struct json_object *into, struct json_object *from)
{
	size_t k;

	for (k = 0; json_object_is_type(from, json_type_array) && k < json_object_array_length(from); k++) {
		struct json_object *t = json_object_array_get_idx(from, k), *eps = jsonx_get(t, "peer_endpoints");
		struct json_object *mine = json_object_array_get_idx(into, k), *dst;

		if (!mine) {
			json_object_array_put_idx(into, k, copy(t));
			continue;
		}
		dst = jsonx_get(mine, "peer_endpoints");
		if (json_object_is_type(dst, json_type_object) && json_object_is_type(eps, json_type_object)) {
			json_object_object_foreach(eps, key, val)
				json_object_object_add(dst, key, copy(val));
		}
	}
}

static struct json_object *reach_json(const struct vms *v)
{
	struct json_object *r = json_object_new_object();
	unsigned int f, k;

	for (f = 0; f < 2; f++)
		for (k = 0; k < v->tunnels && v->drain[f][k][0]; k++)
			json_object_object_add(r, v->drain[f][k], jsonx_num(v->reach_ms[f][k]));
	return r;
}

struct json_object *vms_network_json(const struct vms *v)
{
	struct json_object *o, *nodes, *tunnels;
	unsigned int n;

	if (!v->tunnels)
		return NULL;
	o = json_object_new_object();
	nodes = json_object_new_array();
	tunnels = json_object_new_array();
	json_object_object_add(o, "ip", json_object_new_string(topo_family_name(v->ip)));
	json_object_object_add(o, "inner", json_object_new_string(topo_family_name(v->inner)));
	json_object_object_add(o, "nodes", nodes);
	json_object_object_add(o, "tunnels", tunnels);
	for (n = 0; n < NODE__COUNT; n++) {
		struct json_object *mine = jsonx_get(v->network[n], "nodes");
		size_t i;

		for (i = 0; json_object_is_type(mine, json_type_array) && i < json_object_array_length(mine); i++) {
			struct json_object *one = copy(json_object_array_get_idx(mine, i));

			json_object_object_del(one, "netns");   /* the guest's own, not a namespace here */
			json_object_array_add(nodes, one);
		}
		merge_tunnels(tunnels, jsonx_get(v->network[n], "tunnels"));
	}
	/* source -> each drain address at setup: ICMP or ICMPv6 echo, ms */
	json_object_object_add(o, "reach_ms", reach_json(v));
	return o;
}

void vms_network_free(struct vms *v)
{
	unsigned int n;

	for (n = 0; n < NODE__COUNT; n++) {
		json_object_put(v->network[n]);
		v->network[n] = NULL;
	}
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

		ret = agent_chan_call(C(v, n), CALL_TIMEOUT, words, sizeof(words), NULL, "now");
		t1 = util_now_mono();
		v->g[n].clock[slot][0] = (t0 + t1) / 2;
		v->g[n].clock[slot][1] = ret ? 0 : strtod(words, NULL);
	}
	return ret;
}
