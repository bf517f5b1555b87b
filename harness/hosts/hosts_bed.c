/* hosts_bed.c — the bed of --backend hosts (hosts.h, bed.h): a machine
 * per node, each driven by its agent over one ssh connection.
 *
 *   controller ─ssh─ agent@source ─lan─ agent@gw1 ═underlay═ agent@gw2 ─lan─ agent@drain
 *
 * Open reaches and checks every machine and changes nothing; up sends each
 * its plan with the run's fresh keys (hosts_plan.h) and checks the path
 * end to end (source pings every drain address through the tunnel); down
 * has each remove its part; close ends the sessions (an agent whose session
 * ends removes whatever it still holds). Traffic, samplers and variants
 * are the fleet's (agent_fleet.h), the same code as --backend vms; each
 * machine's clock offset is estimated before each scenario, so every time
 * in the results is this machine's.
 */
#include "hosts.h"
#include "hosts_file.h"
#include "hosts_plan.h"
#include "agent_fleet.h"
#include "agent_ssh.h"
#include "bed.h"
#include "opts.h"
#include "stop.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONNECT_TIMEOUT 10.0
#define CALL_TIMEOUT 60.0
#define BUILD_TIMEOUT 60.0
#define PING_TIMEOUT 20.0
#define CLOSE_GRACE 15.0

struct hosts_bed {
	const struct opts *o;
	FILE *tty;
	struct hosts_file hf;
	struct agent_ssh *ssh[NODE__COUNT];
	struct agent_fleet fleet;
	unsigned int tunnels;         /* built with this many; 0: down */
	unsigned int built;           /* the last time it was up (the facts are of it) */
	char drain[2][TOPO_TUNNELS_MAX][INET6_ADDRSTRLEN];   /* [AF_INET6?][k], "": none */
	char impl[NODE__COUNT][16];
	char version[NODE__COUNT][96];
	struct json_object *facts[NODE__COUNT];
	double connect_s, build_s;
};

static struct hosts_bed *B(void *st)
{
	return st;
}

static struct agent_chan *C(struct hosts_bed *b, enum topo_node_id n)
{
	return b->ssh[n] ? agent_ssh_chan(b->ssh[n]) : NULL;
}

/* Node n's plan as JSON (keys NULL: without keys, for the check). */
static int plan_json(struct hosts_bed *b, enum topo_node_id n, unsigned int tunnels,
		     const struct hosts_keys *keys, char **out)
{
	struct hosts_plan_in in = { &b->hf, b->o->prefix, b->o->wg, tunnels, keys, b->o->ip, b->o->inner };
	struct agent_host_plan *p = malloc(sizeof(*p));
	int ret = p ? hosts_plan_node(&in, n, p) : -ENOMEM;

	if (!ret)
		ret = agent_host_plan_json(p, keys != NULL, out);
	if (p)
		agent_host_plan_wipe(p);
	free(p);
	return ret;
}

/* cmd (check, build) with each node's plan; the replies' words and
 * payloads per node. The first error wins; every reply is read. */
static int send_plans(struct hosts_bed *b, const char *cmd, unsigned int tunnels,
		      const struct hosts_keys *keys, double timeout, char (*words)[96], char **payload)
{
	bool sent[NODE__COUNT] = { false };
	unsigned int n;
	int ret = 0, r;

	for (n = 0; n < NODE__COUNT && !ret; n++) {
		char *json = NULL;

		if (!C(b, n))
			continue;
		ret = plan_json(b, n, tunnels, keys, &json);
		if (!ret)
			ret = agent_chan_send_payload(C(b, n), cmd, json);
		sent[n] = !ret;
		if (json)
			explicit_bzero(json, strlen(json));
		free(json);
	}
	for (n = 0; n < NODE__COUNT && agent_chan_read_on(ret); n++) {
		if (!sent[n])
			continue;
		r = agent_chan_reply(C(b, n), timeout, words[n], sizeof(words[n]), payload ? &payload[n] : NULL);
		if (r && (!ret || ret == -EIO))
			ret = r;
	}
	return ret;
}

/* Every machine checks its part; nothing is changed. */
static int check_all(struct hosts_bed *b)
{
	char words[NODE__COUNT][96];
	char *payload[NODE__COUNT] = { 0 };
	unsigned int n;
	int ret = send_plans(b, "check", b->o->tunnels, NULL, CALL_TIMEOUT, words, payload);

	for (n = 0; n < NODE__COUNT; n++) {
		struct json_object *o = payload[n] ? json_tokener_parse(payload[n]) : NULL, *x;

		if (o && json_object_object_get_ex(o, "wg", &x))
			snprintf(b->impl[n], sizeof(b->impl[n]), "%s", json_object_get_string(x));
		json_object_put(o);
		free(payload[n]);
	}
	/* a machine that is not as the file says: bad input, nothing touched */
	return ret == -EIO ? -ENOENT : ret;
}

static int open_all(struct hosts_bed *b)
{
	struct agent_ssh_cfg cfg[NODE__COUNT];
	struct agent_ssh *ssh[NODE__COUNT];
	enum topo_node_id who[NODE__COUNT];
	size_t n = 0, i;
	unsigned int k;
	double t0 = util_now_mono();
	int ret;

	for (k = 0; k < NODE__COUNT; k++) {
		if (!b->hf.node[k].present)
			continue;
		cfg[n] = (struct agent_ssh_cfg){ .dest = b->hf.node[k].ssh, .ssh_config = b->o->ssh_config,
			.name = topo_node_name(k), .timeout = CONNECT_TIMEOUT, .stop = stop_flag() };
		who[n++] = k;
	}
	ret = agent_ssh_open_all(cfg, n, ssh);
	for (i = 0; !ret && i < n; i++)
		b->ssh[who[i]] = ssh[i];
	b->connect_s = util_now_mono() - t0;
	return ret;
}

static void make_fleet(struct hosts_bed *b)
{
	unsigned int n;

	memset(&b->fleet, 0, sizeof(b->fleet));
	for (n = 0; n < NODE__COUNT; n++)
		b->fleet.ch[n] = C(b, n);
	b->fleet.client = hosts_plan_client(&b->hf);
	b->fleet.server = hosts_plan_server(&b->hf);
	b->fleet.rebase_timeline = true;
	b->fleet.timeline_node = NODE_GW2;   /* the receiving gateway of the forward scenarios */
	b->fleet.call_timeout = CALL_TIMEOUT;
	b->fleet.origin_key = "host";
}

/* ---- up and down ---- */

static int ping_all(struct hosts_bed *b)
{
	struct agent_chan *c = C(b, b->fleet.client);
	char words[64];
	unsigned int k;
	int ret = 0;

	for (k = 0; k < 2 * b->tunnels && !ret; k++) {   /* IPv4's, then IPv6's */
		const char *d = b->drain[k / b->tunnels][k % b->tunnels];

		if (!d[0])
			continue;
		ret = agent_chan_call(c, PING_TIMEOUT + 10, words, sizeof(words), NULL, "ping %s %.0f", d,
				      PING_TIMEOUT);
		if (ret)
			wgb_err("%s cannot reach %s %s%s", topo_node_name(b->fleet.client),
				topo_node_name(b->fleet.server), d, b->o->wg != TUN_NONE ? " through the tunnel" : "");
		else
			wgb_debug("hosts: %s -> %s: %s ms", topo_node_name(b->fleet.client), d, words);
	}
	return ret;
}

static void take_facts(struct hosts_bed *b)
{
	unsigned int n;

	for (n = 0; n < NODE__COUNT; n++) {
		char *payload = NULL;

		if (!C(b, n) || agent_chan_call(C(b, n), CALL_TIMEOUT, NULL, 0, &payload, "facts"))
			continue;
		json_object_put(b->facts[n]);
		b->facts[n] = json_tokener_parse(payload);
		free(payload);
	}
}

/* A machine that could not remove its part (its agent gone, say) fails
 * the command: that machine is not as it was. */
static int hb_down(void *st)
{
	struct hosts_bed *b = B(st);
	unsigned int k;

	if (!b->tunnels)
		return 0;
	for (k = 0; k < LATENCY_PATH__COUNT; k++)
		agent_fleet_probe_cancel(&b->fleet, (enum latency_path)k);
	b->tunnels = 0;
	if (!agent_fleet_call_all(&b->fleet, CALL_TIMEOUT, "down"))
		return 0;
	wgb_err("not every machine could remove its part; `wgbench cleanup --hosts %s --prefix %s`",
		b->hf.path, b->o->prefix);
	return -EIO;
}

static void say_up(struct hosts_bed *b)
{
	enum topo_node_id g1 = NODE_GW1, g2 = NODE_GW2;

	if (b->o->quiet)
		return;
	fprintf(b->tty, "testbed up: hosts (%s, %u machines), %u tunnel(s), gw1 %s, gw2 %s; "
		"connected in %.2f s, built in %.2f s\n", topo_shape_name(b->hf.shape),
		b->hf.shape == TOPO_P2P ? 2 : 4, b->tunnels, b->version[g1][0] ? b->version[g1] : "none",
		b->version[g2][0] ? b->version[g2] : "none", b->connect_s, b->build_s);
	fflush(b->tty);
}

/* The drain addresses of each family --inner has. */
static void set_drains(struct hosts_bed *b)
{
	unsigned int inner = b->o->inner ? b->o->inner : TOPO_FAM_4, k;
	int f;

	memset(b->drain, 0, sizeof(b->drain));
	for (f = 0; f < 2; f++)
		for (k = 0; (inner & (f ? TOPO_FAM_6 : TOPO_FAM_4)) && k < b->tunnels; k++) {
			struct agent_host_ip a = hosts_plan_target(&b->hf, b->o->wg != TUN_NONE, k,
								   f ? AF_INET6 : AF_INET);

			agent_host_ip_str(&a, false, b->drain[f][k], sizeof(b->drain[f][k]));
		}
}

static int hb_up(void *st, unsigned int tunnels)
{
	struct hosts_bed *b = B(st);
	struct hosts_keys *keys;
	char why[256];
	double t0 = util_now_mono();
	int ret;

	if (b->tunnels)
		return -EBUSY;   /* down first */
	if (hosts_plan_fits(&b->hf, tunnels, why, sizeof(why))) {
		wgb_err("%s", why);
		return -EINVAL;
	}
	keys = calloc(1, sizeof(*keys));
	ret = keys ? hosts_plan_keys(tunnels, keys) : -ENOMEM;
	if (!ret)
		ret = send_plans(b, "build", tunnels, keys, BUILD_TIMEOUT, b->version, NULL);
	if (keys)
		explicit_bzero(keys, sizeof(*keys));
	free(keys);
	b->tunnels = tunnels;   /* what was built goes again on failure */
	set_drains(b);
	if (!ret)
		ret = ping_all(b);
	if (!ret)
		ret = agent_fleet_sync(&b->fleet, 5);
	if (ret) {
		hb_down(b);
		return ret;
	}
	b->build_s = util_now_mono() - t0;
	b->built = tunnels;
	take_facts(b);
	say_up(b);
	return 0;
}

/* ---- the other operations ---- */

static unsigned int hb_tunnels(void *st)
{
	return B(st)->tunnels;
}

static unsigned int hb_default_tunnels(void *st)
{
	return B(st)->o->tunnels;
}

static int hb_fits(void *st, unsigned int tunnels, const char *who)
{
	char why[256];

	if (!hosts_plan_fits(&B(st)->hf, tunnels, why, sizeof(why)))
		return 0;
	wgb_err("%s: %s", who, why);
	return -EINVAL;
}

static const char *hb_drain_addr(void *st, unsigned int k, int af)
{
	const char *a = k < B(st)->tunnels ? B(st)->drain[af == AF_INET6][k] : "";

	return a[0] ? a : NULL;
}

static const struct topo *hb_topo(void *st)
{
	return NULL;   /* the nodes are machines, not namespaces here */
}

static int hb_variant_check(void *st, const struct variant *v, char *why, size_t len)
{
	return B(st)->tunnels ? agent_fleet_variant_check(&B(st)->fleet, v, why, len) : -ENOENT;
}

static int hb_variant_apply(void *st, const struct variant *v, struct json_object **applied)
{
	*applied = NULL;
	return B(st)->tunnels ? agent_fleet_variant_apply(&B(st)->fleet, v, applied) : -ENOENT;
}

static int hb_variant_revert(void *st)
{
	return B(st)->tunnels ? agent_fleet_variant_revert(&B(st)->fleet) : 0;
}

static int hb_traffic(void *st, const struct traffic_test *t, const struct traffic_flow *flows,
		      size_t n, double timeout, const volatile sig_atomic_t *stop,
		      struct traffic_flow_result *res, double *t_clients)
{
	if (!B(st)->tunnels)
		return -ENOENT;
	return agent_fleet_traffic(&B(st)->fleet, t, flows, n, timeout, stop, res, t_clients);
}

static int hb_sample_start(void *st, double interval, const char *timeline_path)
{
	if (!B(st)->tunnels)
		return -ENOENT;
	return agent_fleet_sample_start(&B(st)->fleet, interval, timeline_path);
}

static int hb_sample_stop(void *st, double w0, double w1, struct json_object **cpu,
			  struct json_object **drops, double *self_cpu_s)
{
	*self_cpu_s = 0;   /* each machine's sampler: counted in its own CPU */
	return agent_fleet_sample_stop(&B(st)->fleet, w0, w1, cpu, drops);
}

/* The hosts file's (or the plan's) gw2 underlay address. */
static int hb_underlay_addr(void *st, char *buf, size_t len)
{
	unsigned int ip = B(st)->o->ip ? B(st)->o->ip : TOPO_FAM_4;
	struct agent_host_ip a = hosts_plan_underlay(&B(st)->hf, topo_family_tunnel_af(ip, 0));

	agent_host_ip_str(&a, false, buf, len);
	return 0;
}

static int hb_probe_start(void *st, enum latency_path path, const char *addr, double interval)
{
	return B(st)->tunnels ? agent_fleet_probe_start(&B(st)->fleet, path, addr, interval) : -ENOENT;
}

static int hb_probe_finish(void *st, enum latency_path path, const struct latency_window *idle,
			   const struct latency_window *load, const char *timeline, struct json_object **out)
{
	return agent_fleet_probe_finish(&B(st)->fleet, path, idle, load, timeline, out);
}

static void hb_probe_cancel(void *st, enum latency_path path)
{
	agent_fleet_probe_cancel(&B(st)->fleet, path);
}

/* ---- run.json ---- */

static struct json_object *clock_json(const struct agent_clock *k)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "offset_s", json_object_new_double(k->offset));
	json_object_object_add(o, "rtt_s", json_object_new_double(k->rtt));
	json_object_object_add(o, "uncertainty_s", json_object_new_double(k->rtt / 2));
	json_object_object_add(o, "syncs", json_object_new_int((int)k->syncs));
	json_object_object_add(o, "drift_ppm", json_object_new_double(agent_clock_drift_ppm(k)));
	return o;
}

/* hosts.<node>: the machine as its agent read it, how it was reached, and
 * its clock against this one. */
static struct json_object *hosts_json(struct hosts_bed *b)
{
	struct json_object *o = json_object_new_object(), *nodes = json_object_new_object();
	unsigned int n;

	json_object_object_add(o, "file", json_object_new_string(b->hf.path));
	json_object_object_add(o, "connect_s", json_object_new_double(b->connect_s));
	for (n = 0; n < NODE__COUNT; n++) {
		struct json_object *h = NULL, *ag;

		if (!b->ssh[n])
			continue;
		if (b->facts[n])
			json_object_deep_copy(b->facts[n], &h, NULL);
		if (!h)
			h = json_object_new_object();
		json_object_object_del(h, "network");   /* run.json's "network" has it */
		json_object_object_add(h, "ssh", json_object_new_string(b->hf.node[n].ssh));
		ag = json_object_new_object();
		json_object_object_add(ag, "version", json_object_new_string(agent_ssh_version(b->ssh[n])));
		json_object_object_add(ag, "pid", json_object_new_int(agent_ssh_agent_pid(b->ssh[n])));
		json_object_object_add(h, "agent", ag);
		json_object_object_add(h, "clock", b->fleet.clock[n].syncs ? clock_json(&b->fleet.clock[n]) : NULL);
		json_object_object_add(nodes, topo_node_name(n), h);
	}
	json_object_object_add(o, "nodes", nodes);
	return o;
}

/* The gateways' implementation: one name, or each gateway's when they differ. */
static void wg_facts(struct hosts_bed *b, struct json_object *wg)
{
	const char *i1 = b->impl[NODE_GW1], *i2 = b->impl[NODE_GW2];
	char both[64];

	if (!b->version[NODE_GW1][0])
		return;
	snprintf(both, sizeof(both), "gw1 %s, gw2 %s", i1, i2);
	json_object_object_add(wg, "implementation", json_object_new_string(strcmp(i1, i2) ? both : i1));
	json_object_object_add(wg, "version", json_object_new_string(b->version[NODE_GW1]));
}

static struct json_object *fact_at(struct hosts_bed *b, enum topo_node_id n, const char *list, size_t i)
{
	struct json_object *net, *arr;

	if (!b->facts[n] || !json_object_object_get_ex(b->facts[n], "network", &net) ||
	    !json_object_object_get_ex(net, list, &arr) || !json_object_is_type(arr, json_type_array))
		return NULL;
	return i == SIZE_MAX ? arr : json_object_array_get_idx(arr, i);
}

/* run.json's "network", as the netns backend's (topo_network_json): each
 * machine's interfaces with the addresses its kernel has on them, and each
 * tunnel's peer endpoints as WireGuard reports them, read by the agents. */
static struct json_object *network_json(struct hosts_bed *b)
{
	struct json_object *o = json_object_new_object(), *nodes = json_object_new_array(), *tuns, *x;
	unsigned int n, k;
	int g;

	json_object_object_add(o, "ip", json_object_new_string(topo_family_name(b->o->ip)));
	json_object_object_add(o, "inner", json_object_new_string(topo_family_name(b->o->inner)));
	for (n = 0; n < NODE__COUNT; n++) {
		struct json_object *one;

		if (!(x = fact_at(b, n, "interfaces", SIZE_MAX)))
			continue;
		one = json_object_new_object();
		json_object_object_add(one, "name", json_object_new_string(topo_node_name(n)));
		json_object_object_add(one, "interfaces", json_object_get(x));
		json_object_array_add(nodes, one);
	}
	json_object_object_add(o, "nodes", nodes);
	tuns = json_object_new_array();
	for (k = 0; b->o->wg != TUN_NONE && k < b->built; k++) {
		struct json_object *one = json_object_new_object(), *eps = json_object_new_object();

		json_object_object_add(one, "index", json_object_new_int((int)k));
		for (g = 0; g < 2; g++) {
			struct json_object *t = fact_at(b, g ? NODE_GW2 : NODE_GW1, "tunnels", k), *ep = NULL;

			if (t)
				json_object_object_get_ex(t, "peer_endpoint", &ep);
			json_object_object_add(eps, topo_node_name(g ? NODE_GW2 : NODE_GW1), json_object_get(ep));
		}
		json_object_object_add(one, "peer_endpoints", eps);
		json_object_array_add(tuns, one);
	}
	json_object_object_add(o, "tunnels", tuns);
	return o;
}

static void hb_facts(void *st, struct json_object *j)
{
	struct hosts_bed *b = B(st);
	struct json_object *wg;

	json_object_object_add(j, "backend", json_object_new_string("hosts"));
	json_object_object_add(j, "topology", json_object_new_string(topo_shape_name(b->hf.shape)));
	if (json_object_object_get_ex(j, "wireguard", &wg) && wg)
		wg_facts(b, wg);
	json_object_object_add(j, "hosts", hosts_json(b));
	if (b->built)
		json_object_object_add(j, "network", network_json(b));
}

static void hb_close(void *st)
{
	struct hosts_bed *b = B(st);
	unsigned int n;

	if (!b)
		return;
	hb_down(b);
	for (n = 0; n < NODE__COUNT; n++) {
		agent_ssh_close(b->ssh[n], CLOSE_GRACE);
		json_object_put(b->facts[n]);
	}
	free(b);
}

static const struct bed_ops hosts_ops = {
	.name = "hosts",
	.local_clock = true,   /* the timelines' t is rebased onto this machine's clock */
	.default_tunnels = hb_default_tunnels,
	.fits = hb_fits,
	.up = hb_up,
	.down = hb_down,
	.tunnels = hb_tunnels,
	.drain_addr = hb_drain_addr,
	.topo = hb_topo,
	.variant_check = hb_variant_check,
	.variant_apply = hb_variant_apply,
	.variant_revert = hb_variant_revert,
	.traffic = hb_traffic,
	.sample_start = hb_sample_start,
	.sample_stop = hb_sample_stop,
	.underlay_addr = hb_underlay_addr,
	.probe_start = hb_probe_start,
	.probe_finish = hb_probe_finish,
	.probe_cancel = hb_probe_cancel,
	.facts = hb_facts,
	.close = hb_close,
};

static int check_opts(const struct opts *o, const struct hosts_file *hf)
{
	char why[PATH_MAX + 320];

	if (o->have_topology && o->topology != hf->shape) {
		wgb_err("--topology %s: %s is a %s testbed (its \"topology\")", topo_shape_name(o->topology),
			hf->path, topo_shape_name(hf->shape));
		return -EINVAL;
	}
	if (hosts_plan_fits(hf, o->tunnels, why, sizeof(why))) {
		wgb_err("--tunnels %u: %s", o->tunnels, why);
		return -EINVAL;
	}
	if (hosts_plan_families(hf, o->ip ? o->ip : TOPO_FAM_4, o->inner ? o->inner : TOPO_FAM_4, why,
				sizeof(why))) {
		wgb_err("%s", why);
		return -EINVAL;
	}
	return 0;
}

int hosts_bed_open(const struct opts *o, const char *out_dir, struct bed **out)
{
	struct hosts_bed *b;
	int ret;

	(void)out_dir;
	*out = NULL;
	if (!o->hosts) {
		wgb_err("--backend hosts needs --hosts FILE: the machines (doc/hosts.md)");
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->o = o;
	b->tty = o->json ? stderr : stdout;
	ret = hosts_file_load(o->hosts, &b->hf);
	if (!ret)
		ret = check_opts(o, &b->hf);
	if (!ret)
		ret = open_all(b);
	if (!ret) {
		make_fleet(b);
		ret = check_all(b);
	}
	if (!ret)
		ret = bed_new(&hosts_ops, b, out);
	if (ret)
		hb_close(b);
	return ret;
}
