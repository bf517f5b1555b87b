/* vms_bed.c — the run_backend of --backend vms (run.h): the testbed is four
 * guests, each configured and measured by its agent over the control port.
 *
 * Clocks: each guest has its own; a time crosses the channel as "seconds
 * before now" (the channel's latency, milliseconds, is the error). The
 * clients' start is converted to this machine's monotonic clock, so run.c's
 * sampler window [start + omit, + duration] means the same in every guest.
 */
#include "vms_impl.h"
#include "traffic.h"
#include "tun.h"
#include "util.h"

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

static struct vms_guest *G(struct vms *v, enum topo_node_id n)
{
	return &v->g[n];
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
		ret = vms_ctl_send(G(v, n), "setup %s %s %u %d%s", topo_node_name(n), v->prefix, tunnels,
				   v->wg, n == NODE_GW1 ? keys[0] : n == NODE_GW2 ? keys[1] : "");
	for (g = 0; g < 2; g++)
		if (keys[g])
			explicit_bzero(keys[g], cap);
	free(keys[0]);
	free(keys[1]);
	return ret;
}

static int bed_up(void *arg, unsigned int tunnels, char *wg_version, size_t len)
{
	struct vms *v = arg;
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
	ret = send_setup(v, tunnels);
	for (n = 0; n < NODE__COUNT && (!ret || ret == -EIO); n++) {
		int r = vms_ctl_reply(v, G(v, n), SETUP_TIMEOUT, words, sizeof(words), NULL);

		if (!r && n == NODE_GW1)
			snprintf(wg_version, len, "%s", words);
		if (r && (!ret || r != -EIO))
			ret = r;
	}
	/* The path works end to end before anything is measured. */
	for (k = 0; !ret && k < tunnels; k++) {
		char addr[16];

		snprintf(addr, sizeof(addr), "10.103.0.%u", 10 + k);
		ret = vms_ctl_send(G(v, NODE_SOURCE), "ping %s %.0f", addr, PING_TIMEOUT);
		if (!ret)
			ret = vms_ctl_reply(v, G(v, NODE_SOURCE), PING_TIMEOUT + 10, words, sizeof(words), NULL);
		if (ret)
			wgb_err("source cannot reach drain %s%s", addr, v->wg ? " through the tunnel" : "");
		else
			wgb_debug("vms: source -> drain %s: %s ms", addr, words);
	}
	if (!ret)
		v->tunnels = tunnels;
	if (!ret)
		ret = vms_clock(v, 0);
	return ret;
}

static void bed_down(void *arg)
{
	/* The guests go as a whole when the run ends (vms.c). */
	(void)arg;
}

static int flows_words(const struct traffic_flow *flows, size_t n, char **out)
{
	size_t cap = 16 + n * 32, l, i;
	char *s = malloc(cap);

	if (!s)
		return -ENOMEM;
	l = (size_t)snprintf(s, cap, "%zu", n);
	for (i = 0; i < n; i++)
		l += (size_t)snprintf(s + l, cap - l, " %s %d", flows[i].server_addr, flows[i].port);
	*out = s;
	return 0;
}

static void set_error(struct traffic_flow_result *r, const char *msg)
{
	if (!r->error)
		r->error = strdup(msg);
	r->ok = false;
}

/* The source's reply: each flow's iperf3 JSON, parsed here as traffic.c does. */
static int take_flows(const char *payload, size_t n, struct traffic_flow_result *res, double *since)
{
	struct json_object *doc = json_tokener_parse(payload), *flows, *f, *x;
	size_t i, failed = 0;
	char err[512];

	if (!doc || !json_object_object_get_ex(doc, "flows", &flows) ||
	    json_object_array_length(flows) != n) {
		json_object_put(doc);
		for (i = 0; i < n; i++)
			set_error(&res[i], "the source guest's reply is malformed");
		return -EPROTO;
	}
	json_object_object_get_ex(doc, "since", &x);
	*since = json_object_get_double(x);
	for (i = 0; i < n; i++) {
		f = json_object_array_get_idx(flows, i);
		if (json_object_object_get_ex(f, "error", &x) && x)
			set_error(&res[i], json_object_get_string(x));
		if (json_object_object_get_ex(f, "json", &x) && x)
			res[i].json = strdup(json_object_get_string(x));
		if (!res[i].json)
			set_error(&res[i], "iperf3 client gave no JSON output");
		else if (traffic_parse_json(res[i].json, &res[i].m, err, sizeof(err)))
			set_error(&res[i], err);
		else if (!res[i].error)
			res[i].ok = true;
		failed += !res[i].ok;
	}
	json_object_put(doc);
	return failed ? -EIO : 0;
}

static int bed_traffic(void *arg, const struct traffic_test *t, const struct traffic_flow *flows,
		       size_t n, double timeout, const volatile sig_atomic_t *stop,
		       struct traffic_flow_result *res, double *t_clients)
{
	struct vms *v = arg;
	char *fl = NULL, *payload = NULL;
	const char *what = "the drain guest could not start the iperf3 servers";
	double since = -1, t_sent;
	size_t i;
	int ret, r;

	v->stop = stop;
	ret = flows_words(flows, n, &fl);
	if (!ret)
		ret = vms_ctl_send(G(v, NODE_DRAIN), "serve %d %s", t->udp, fl);
	if (!ret)
		ret = vms_ctl_reply(v, G(v, NODE_DRAIN), CALL_TIMEOUT, NULL, 0, NULL);
	if (!ret)
		what = "the source guest did not report";
	t_sent = util_now_mono();
	if (!ret)
		ret = vms_ctl_send(G(v, NODE_SOURCE), "client %d %d %u %u %llu %d %d %.0f %s", t->udp,
				   t->reverse, t->streams, t->block_size, (unsigned long long)t->rate_bps,
				   t->duration, t->omit, timeout, fl);
	if (!ret)
		ret = vms_ctl_reply(v, G(v, NODE_SOURCE), timeout + CALL_TIMEOUT, NULL, 0, &payload);
	if (!ret) {
		ret = take_flows(payload, n, res, &since);
		*t_clients = since >= 0 ? util_now_mono() - since : t_sent;
	} else {
		*t_clients = t_sent;
		for (i = 0; i < n; i++)
			set_error(&res[i], ret == -EINTR ? "interrupted" : what);
	}
	if (ret != -EINTR && ret != -EPIPE && ret != -ETIMEDOUT) {
		r = vms_ctl_send(G(v, NODE_DRAIN), "serve-end 5");
		if (!r)
			r = vms_ctl_reply(v, G(v, NODE_DRAIN), CALL_TIMEOUT, NULL, 0, NULL);
		if (r && !ret)
			ret = r;
	}
	free(payload);
	free(fl);
	return ret;
}

static int bed_sample_start(void *arg, double interval, const char *timeline_path)
{
	struct vms *v = arg;
	unsigned int n;
	int ret = 0;

	snprintf(v->timeline, sizeof(v->timeline), "%s", timeline_path ? timeline_path : "");
	for (n = 0; !ret && n < NODE__COUNT; n++)
		ret = vms_ctl_send(G(v, n), "sample-start %.3f", interval);
	return ret ? ret : vms_ctl_reply_all(v, CALL_TIMEOUT);
}

/* cpu.nodes.<node> is that guest's whole cpu object (its cores); the top
 * level keeps the gateways' cores, each with its node, and their top core. */
static void merge_cpu(struct json_object *cpu, const char *node, struct json_object *gcpu, bool gw)
{
	struct json_object *nodes, *cores, *gcores, *top, *cur, *x;
	size_t i;

	json_object_object_get_ex(cpu, "nodes", &nodes);
	json_object_object_add(nodes, node, json_object_get(gcpu));
	if (!gw || !gcpu)
		return;
	json_object_object_get_ex(cpu, "cores", &cores);
	if (json_object_object_get_ex(gcpu, "cores", &gcores))
		for (i = 0; i < json_object_array_length(gcores); i++) {
			struct json_object *c = json_object_array_get_idx(gcores, i);
			struct json_object *copy = NULL;

			json_object_deep_copy(c, &copy, NULL);
			json_object_object_add(copy, "node", json_object_new_string(node));
			json_object_array_add(cores, copy);
		}
	if (!json_object_object_get_ex(gcpu, "top_core", &top) || !top)
		return;
	json_object_object_get_ex(cpu, "top_core", &cur);
	if (cur && json_object_object_get_ex(cur, "softirq", &x) &&
	    json_object_get_double(x) >= json_object_get_double(json_object_object_get(top, "softirq")))
		return;
	cur = NULL;
	json_object_deep_copy(top, &cur, NULL);
	json_object_object_add(cur, "node", json_object_new_string(node));
	json_object_object_add(cpu, "top_core", cur);
	if (json_object_object_get_ex(gcpu, "window_s", &x))
		json_object_object_add(cpu, "window_s", json_object_get(x));
}

/* drops.nodes.<node> is that guest's drops; numbers at the top are summed. */
static void merge_drops(struct json_object *drops, const char *node, struct json_object *gd)
{
	struct json_object *nodes;

	json_object_object_get_ex(drops, "nodes", &nodes);
	json_object_object_add(nodes, node, json_object_get(gd));
	if (!gd)
		return;
	json_object_object_foreach(gd, key, val) {
		struct json_object *sum;

		if (!json_object_is_type(val, json_type_int))
			continue;
		if (json_object_object_get_ex(drops, key, &sum) && sum)
			json_object_object_add(drops, key, json_object_new_int64(
				json_object_get_int64(sum) + json_object_get_int64(val)));
		else
			json_object_object_add(drops, key, json_object_new_int64(json_object_get_int64(val)));
	}
}

static int bed_sample_stop(void *arg, double w0, double w1, struct json_object **cpu,
			   struct json_object **drops)
{
	struct vms *v = arg;
	double now = util_now_mono();
	FILE *tl = v->timeline[0] ? fopen(v->timeline, "we") : NULL;
	unsigned int n;
	int ret = 0, r;

	if (!(w1 > w0) || w1 > now) {   /* the traffic never started: stop only */
		w1 = now;
		w0 = now - 1;
	}
	*cpu = json_object_new_object();
	*drops = json_object_new_object();
	json_object_object_add(*cpu, "nodes", json_object_new_object());
	json_object_object_add(*cpu, "cores", json_object_new_array());
	json_object_object_add(*cpu, "top_core", NULL);
	json_object_object_add(*drops, "nodes", json_object_new_object());
	for (n = 0; !ret && n < NODE__COUNT; n++)
		ret = vms_ctl_send(G(v, n), "sample-stop %.3f %.3f", w0 - now, w1 - now);
	for (n = 0; n < NODE__COUNT && (!ret || ret == -EIO || ret == -EPROTO); n++) {
		struct json_object *doc, *x;
		char *payload = NULL;

		r = vms_ctl_reply(v, G(v, n), CALL_TIMEOUT, NULL, 0, &payload);
		doc = r ? NULL : json_tokener_parse(payload);
		free(payload);
		if (!doc) {
			ret = r ? r : -EPROTO;
			continue;
		}
		merge_cpu(*cpu, topo_node_name(n), json_object_object_get(doc, "cpu"),
			  n == NODE_GW1 || n == NODE_GW2);
		merge_drops(*drops, topo_node_name(n), json_object_object_get(doc, "drops"));
		if (tl && json_object_object_get_ex(doc, "timeline", &x) && x)
			fprintf(tl, "# node %s\n%s", topo_node_name(n), json_object_get_string(x));
		json_object_put(doc);
	}
	if (tl)
		fclose(tl);
	if (ret) {
		json_object_put(*cpu);
		json_object_put(*drops);
		*cpu = *drops = NULL;
	}
	return ret;
}

static int send_variant(struct vms *v, const char *cmd, const char *text)
{
	unsigned int n;
	int ret = 0;

	for (n = 0; !ret && n < NODE__COUNT; n++) {
		ret = vms_ctl_send(G(v, n), "%s %zu", cmd, strlen(text));
		if (!ret)
			ret = vms_ctl_send_data(G(v, n), text, strlen(text));
	}
	return ret;
}

/* Every guest checks the knobs for its node (and "host" ones: each guest
 * is a machine); the first reason not to run wins. */
static int bed_variant_check(void *arg, const char *text, char *why, size_t len)
{
	struct vms *v = arg;
	unsigned int n;
	int ret = send_variant(v, "variant-check", text), r;

	for (n = 0; n < NODE__COUNT && (!ret || ret == -ENOTSUP); n++) {
		char *reason = NULL;

		r = vms_ctl_reply(v, G(v, n), CALL_TIMEOUT, NULL, 0, &reason);
		if (r && r != -EIO)
			return r;   /* the channel is gone: no more replies to read */
		if (r && !ret)
			snprintf(why, len, "guest %s could not check it", topo_node_name(n));
		else if (!r && reason[0] && !ret)
			snprintf(why, len, "%s: %s", topo_node_name(n), reason);
		if (r || reason[0])   /* reason is set whenever r is 0 */
			ret = -ENOTSUP;
		free(reason);
	}
	return ret;
}

/* Each guest answers with the records of what it set (each names its node). */
static int bed_variant_apply(void *arg, const char *text, struct json_object **applied)
{
	struct vms *v = arg;
	struct json_object *all = json_object_new_array();
	unsigned int n;
	int ret = 0, r;

	if (text)
		ret = send_variant(v, "variant-apply", text);
	for (n = 0; !text && !ret && n < NODE__COUNT; n++)
		ret = vms_ctl_send(G(v, n), "variant-revert");
	for (n = 0; n < NODE__COUNT && (!ret || ret == -EIO); n++) {
		struct json_object *arr;
		char *payload = NULL;
		size_t i;

		r = vms_ctl_reply(v, G(v, n), CALL_TIMEOUT, NULL, 0, &payload);
		arr = r ? NULL : json_tokener_parse(payload);
		free(payload);
		if (r && (!ret || r != -EIO))
			ret = r;   /* "err" lines: read the others' replies still */
		for (i = 0; arr && i < json_object_array_length(arr); i++) {
			struct json_object *rec = json_object_array_get_idx(arr, i);

			/* "host" knobs are set in every guest: say which */
			json_object_object_add(rec, "guest", json_object_new_string(topo_node_name(n)));
			json_object_array_add(all, json_object_get(rec));
		}
		json_object_put(arr);
	}
	if (applied && !ret)
		*applied = all;
	else
		json_object_put(all);
	return ret;
}

int vms_clock(struct vms *v, int slot)
{
	char words[64];
	unsigned int n;
	int ret = 0;

	for (n = 0; !ret && n < NODE__COUNT; n++) {
		double t0 = util_now_mono(), t1;

		ret = vms_ctl_send(G(v, n), "now");
		if (!ret)
			ret = vms_ctl_reply(v, G(v, n), CALL_TIMEOUT, words, sizeof(words), NULL);
		t1 = util_now_mono();
		G(v, n)->clock[slot][0] = (t0 + t1) / 2;
		G(v, n)->clock[slot][1] = ret ? 0 : strtod(words, NULL);
	}
	return ret;
}

const struct run_backend vms_backend = {
	.up = bed_up,
	.down = bed_down,
	.traffic = bed_traffic,
	.sample_start = bed_sample_start,
	.sample_stop = bed_sample_stop,
	.variant_check = bed_variant_check,
	.variant_apply = bed_variant_apply,
};
