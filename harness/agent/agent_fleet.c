/* agent_fleet.c — traffic, samplers and variants over every node's agent
 * (agent_fleet.h). Moved here from the vms bed so that the hosts bed says
 * the same commands the same way. */
#include "agent_fleet.h"
#include "traffic.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t agent_fleet_chans(const struct agent_fleet *f, struct agent_chan **out)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < NODE__COUNT; i++)
		if (f->ch[i])
			out[n++] = f->ch[i];
	return n;
}

int agent_fleet_sync(struct agent_fleet *f, unsigned int k)
{
	unsigned int n;
	int ret = 0;

	for (n = 0; n < NODE__COUNT && !ret; n++)
		if (f->ch[n])
			ret = agent_chan_clock(f->ch[n], k, f->call_timeout, &f->clock[n]);
	return ret;
}

int agent_fleet_call_all(struct agent_fleet *f, double timeout, const char *fmt, ...)
{
	struct agent_chan *ch[NODE__COUNT];
	size_t n = agent_fleet_chans(f, ch), i;
	char *line = NULL;
	va_list ap;
	int ret = 0, r;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return -ENOMEM;
	/* every node that can be told is told (a dead one does not keep the
	 * others from "down"), and every one told answers */
	for (i = 0; i < n; i++) {
		r = agent_chan_send(ch[i], "%s", line);
		if (r) {
			ret = ret ? ret : r;
			ch[i] = NULL;
		}
	}
	free(line);
	r = agent_chan_reply_all(ch, n, timeout);
	return ret ? ret : r;
}

/* ---- traffic ---- */

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

/* A client's process as its node read it back (pid on that machine). */
static void take_proc(struct json_object *f, struct traffic_proc *p)
{
	struct json_object *procs, *c, *x;

	if (!json_object_object_get_ex(f, "processes", &procs) || !json_object_object_get_ex(procs, "client", &c) || !c)
		return;
	if (json_object_object_get_ex(c, "pid", &x))
		p->pid = json_object_get_int(x);
	if (json_object_object_get_ex(c, "requested", &x) && x)
		snprintf(p->requested, sizeof(p->requested), "%s", json_object_get_string(x));
	if (json_object_object_get_ex(c, "cpus_allowed_list", &x) && x)
		snprintf(p->cpus, sizeof(p->cpus), "%s", json_object_get_string(x));
	else
		p->err = -EIO;   /* its machine could not read it back */
}

/* The client node's reply: each flow's iperf3 JSON, parsed here as
 * traffic.c does, and the clients' start on that node's clock. */
static int take_flows(const char *payload, size_t n, struct traffic_flow_result *res, double *t_clients)
{
	struct json_object *doc = json_tokener_parse(payload), *flows, *f, *x;
	size_t i, failed = 0;
	char err[512];

	if (!doc || !json_object_object_get_ex(doc, "flows", &flows) ||
	    json_object_array_length(flows) != n) {
		json_object_put(doc);
		for (i = 0; i < n; i++)
			set_error(&res[i], "the client node's reply is malformed");
		return -EPROTO;
	}
	*t_clients = json_object_object_get_ex(doc, "t_clients", &x) ? json_object_get_double(x) : 0;
	for (i = 0; i < n; i++) {
		f = json_object_array_get_idx(flows, i);
		take_proc(f, &res[i].client);
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

static int serve(struct agent_fleet *f, bool udp, const char *fl)
{
	return agent_chan_call(f->ch[f->server], f->call_timeout, NULL, 0, NULL, "serve %d %s", udp, fl);
}

static int client(struct agent_fleet *f, const struct traffic_test *t, const char *fl,
		  double timeout, struct traffic_flow_result *res, size_t n, double *t_clients)
{
	struct agent_chan *c = f->ch[f->client];
	char *payload = NULL;
	double them = 0;
	size_t i;
	int ret;

	ret = agent_chan_call(c, timeout + f->call_timeout, NULL, 0, &payload,
			      "client %d %d %u %u %llu %d %d %.0f %s", t->udp, t->bidir ? 2 : t->reverse,
			      t->streams, t->block_size, (unsigned long long)t->rate_bps, t->duration, t->omit,
			      timeout, fl);
	if (!ret)
		ret = take_flows(payload, n, res, &them);
	else
		for (i = 0; i < n; i++)
			set_error(&res[i], ret == -EINTR ? "interrupted" : "the client node did not report");
	if (them > 0)   /* their clock to ours */
		*t_clients = them - f->clock[f->client].offset;
	free(payload);
	return ret;
}

int agent_fleet_traffic(struct agent_fleet *f, const struct traffic_test *t,
			const struct traffic_flow *flows, size_t n, double timeout,
			const volatile sig_atomic_t *stop, struct traffic_flow_result *res,
			double *t_clients)
{
	char *fl = NULL;
	unsigned int k;
	size_t i;
	int ret, r;

	for (k = 0; k < NODE__COUNT; k++)
		if (f->ch[k])
			f->ch[k]->stop = stop;
	ret = flows_words(flows, n, &fl);
	if (!ret)
		ret = serve(f, t->udp, fl);
	*t_clients = util_now_mono();
	if (!ret)
		ret = client(f, t, fl, timeout, res, n, t_clients);
	else
		for (i = 0; i < n; i++)
			set_error(&res[i], ret == -EINTR ? "interrupted" :
				  "the server node could not start the iperf3 servers");
	if (ret != -EINTR && ret != -EPIPE && ret != -ETIMEDOUT) {
		r = agent_chan_call(f->ch[f->server], f->call_timeout, NULL, 0, NULL, "serve-end 5");
		if (r && !ret)
			ret = r;
	}
	free(fl);
	return ret;
}

/* ---- samplers ---- */

int agent_fleet_sample_start(struct agent_fleet *f, double interval, const char *timeline_path)
{
	int ret;

	snprintf(f->timeline, sizeof(f->timeline), "%s", timeline_path ? timeline_path : "");
	ret = agent_fleet_sync(f, 3);   /* offsets drift over a long run */
	return ret ? ret : agent_fleet_call_all(f, f->call_timeout, "sample-start %.3f", interval);
}

static double foreign_of(struct json_object *interference)
{
	struct json_object *x;

	return interference && json_object_object_get_ex(interference, "foreign_cpu_percent", &x) ?
	       json_object_get_double(x) : -1;
}

/* cpu.interference: the most disturbed machine's (each has its own other
 * processes and steal), naming it. */
static void merge_interference(struct json_object *cpu, const char *node, struct json_object *gcpu)
{
	struct json_object *mine, *cur = NULL, *copy = NULL;

	if (!gcpu || !json_object_object_get_ex(gcpu, "interference", &mine) || !mine)
		return;
	json_object_object_get_ex(cpu, "interference", &cur);
	if (cur && foreign_of(cur) >= foreign_of(mine))
		return;
	json_object_deep_copy(mine, &copy, NULL);
	json_object_object_add(copy, "node", json_object_new_string(node));
	json_object_object_add(cpu, "interference", copy);
}

/* The node's own sampler says its tunnel's CPU under its nodes.<node>: the
 * same figure at the node's level of the merged object, where a one-machine
 * run has it (cpu.nodes.<node>.tunnel_cpu_percent). */
static void lift_tunnel_cpu(struct json_object *gcpu, const char *node)
{
	static const char *const keys[] = { "tunnel_cpu_percent", "tunnel_cpu_s" };
	struct json_object *nodes, *me, *x;
	size_t i;

	if (!gcpu || !json_object_object_get_ex(gcpu, "nodes", &nodes) ||
	    !json_object_object_get_ex(nodes, node, &me) || !me)
		return;
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (json_object_object_get_ex(me, keys[i], &x))
			json_object_object_add(gcpu, keys[i], json_object_get(x));
}

/* cpu.nodes.<node> is that node's whole cpu object (its cores); the top
 * level keeps the gateways' cores, each with its node, and their top core. */
static void merge_cpu(struct json_object *cpu, const char *node, struct json_object *gcpu, bool gw)
{
	struct json_object *nodes, *cores, *gcores, *top, *cur, *x;
	size_t i;

	json_object_object_get_ex(cpu, "nodes", &nodes);
	lift_tunnel_cpu(gcpu, node);
	json_object_object_add(nodes, node, json_object_get(gcpu));
	merge_interference(cpu, node, gcpu);
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

/* drops.nodes.<node> is that node's drops; numbers at the top are summed. */
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

/* One node's CSV; with rebase, each row's t (the first field) moved from
 * its clock onto ours, so the window of runs[] applies to every section. */
static void write_timeline(FILE *tl, const char *node, const char *csv, double offset, bool rebase)
{
	const char *line = csv, *nl;

	if (node)
		fprintf(tl, "# node %s\n", node);
	if (!rebase) {
		fputs(csv, tl);
		return;
	}
	for (; *line; line = nl + 1) {
		char *end;
		double t;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		t = strtod(line, &end);
		if (end != line && *end == ',')
			fprintf(tl, "%.6f%.*s\n", t - offset, (int)(nl - end), end);
		else
			fprintf(tl, "%.*s\n", (int)(nl - line), line);
		if (!nl[0] || !nl[1])
			break;
	}
}

static void empty_cpu_drops(struct json_object **cpu, struct json_object **drops)
{
	*cpu = json_object_new_object();
	*drops = json_object_new_object();
	json_object_object_add(*cpu, "nodes", json_object_new_object());
	json_object_object_add(*cpu, "cores", json_object_new_array());
	json_object_object_add(*cpu, "top_core", NULL);
	json_object_object_add(*drops, "nodes", json_object_new_object());
}

/* The timeline files: every node's section in one (path), or with rebase
 * that node's CSV alone in path (what report.html plots) and every node's
 * section in <path>.nodes.csv. */
static void open_timelines(const struct agent_fleet *f, FILE **all, FILE **one)
{
	char path[PATH_MAX + 16];
	size_t n = strlen(f->timeline);

	*all = *one = NULL;
	if (!n)
		return;
	if (!f->rebase_timeline) {
		*all = fopen(f->timeline, "we");
		return;
	}
	*one = fopen(f->timeline, "we");
	if (n > 4 && !strcmp(f->timeline + n - 4, ".csv"))
		n -= 4;
	snprintf(path, sizeof(path), "%.*s.nodes.csv", (int)n, f->timeline);
	*all = fopen(path, "we");
}

int agent_fleet_sample_stop(struct agent_fleet *f, double w0, double w1, struct json_object **cpu,
			    struct json_object **drops)
{
	double now = util_now_mono();
	bool sent[NODE__COUNT];
	FILE *tl, *one;
	unsigned int n;
	int ret = 0, r = 0;

	if (!(w1 > w0) || w1 > now) {   /* the traffic never started: stop only */
		w1 = now;
		w0 = now - 1;
	}
	empty_cpu_drops(cpu, drops);
	open_timelines(f, &tl, &one);
	for (n = 0; n < NODE__COUNT; n++) {   /* the window on each node's own clock */
		sent[n] = f->ch[n] && !(r = agent_chan_send(f->ch[n], "sample-stop %.6f %.6f",
							     w0 + f->clock[n].offset, w1 + f->clock[n].offset));
		if (f->ch[n] && !sent[n] && !ret)
			ret = r;
	}
	for (n = 0; n < NODE__COUNT && agent_chan_read_on(ret); n++) {
		struct json_object *doc, *x;
		char *payload = NULL;

		if (!sent[n])
			continue;
		r = agent_chan_reply(f->ch[n], f->call_timeout, NULL, 0, &payload);
		doc = r ? NULL : json_tokener_parse(payload);
		free(payload);
		if (!doc) {
			ret = r ? r : -EPROTO;
			continue;
		}
		merge_cpu(*cpu, topo_node_name(n), json_object_object_get(doc, "cpu"),
			  n == NODE_GW1 || n == NODE_GW2);
		merge_drops(*drops, topo_node_name(n), json_object_object_get(doc, "drops"));
		if (json_object_object_get_ex(doc, "timeline", &x) && x) {
			if (tl)
				write_timeline(tl, topo_node_name(n), json_object_get_string(x),
					       f->clock[n].offset, f->rebase_timeline);
			if (one && n == f->timeline_node)
				write_timeline(one, NULL, json_object_get_string(x), f->clock[n].offset, true);
		}
		json_object_put(doc);
	}
	if (tl)
		fclose(tl);
	if (one)
		fclose(one);
	f->timeline[0] = 0;
	if (ret) {
		json_object_put(*cpu);
		json_object_put(*drops);
		*cpu = *drops = NULL;
	}
	return ret;
}

/* ---- variants ---- */

/* cmd (and text, NULL: none) to every node that can be told; sent[] says
 * which were (only those answer). */
static int send_all(struct agent_fleet *f, const char *cmd, const char *text, bool *sent)
{
	unsigned int n;
	int ret = 0, r;

	for (n = 0; n < NODE__COUNT; n++) {
		sent[n] = false;
		if (!f->ch[n])
			continue;
		r = text ? agent_chan_send_payload(f->ch[n], cmd, text) : agent_chan_send(f->ch[n], "%s", cmd);
		sent[n] = !r;
		if (r && !ret)
			ret = r;
	}
	return ret;
}

/* A variant file's text, NULL for one that sets nothing (the baseline). */
static char *variant_text(const struct variant *var)
{
	struct json_object *d = NULL, *t;
	char *text = NULL;

	if (!variant_knob_count(var) || variant_describe(var, &d))
		return NULL;
	if (json_object_object_get_ex(d, "text", &t) && t)
		text = strdup(json_object_get_string(t));
	json_object_put(d);
	return text;
}

/* Every node checks the knobs for itself (and "host" ones: each node is a
 * machine); the first reason not to run wins. */
static int check_text(struct agent_fleet *f, const char *text, char *why, size_t len)
{
	bool sent[NODE__COUNT];
	unsigned int n;
	int ret = send_all(f, "variant-check", text, sent), r;

	for (n = 0; n < NODE__COUNT && (!ret || ret == -ENOTSUP || ret == -EPIPE); n++) {
		char *reason = NULL;

		if (!sent[n])
			continue;
		r = agent_chan_reply(f->ch[n], f->call_timeout, NULL, 0, &reason);
		if (r && !agent_chan_read_on(r))
			return r;   /* timed out or stopped: no more replies to read */
		if (r && !ret)
			snprintf(why, len, "%s could not check it", f->ch[n]->label);
		else if (!r && reason[0] && !ret)
			snprintf(why, len, "%s: %s", topo_node_name(n), reason);
		if (r || reason[0])   /* reason is set whenever r is 0 */
			ret = -ENOTSUP;
		free(reason);
	}
	return ret;
}

int agent_fleet_variant_check(struct agent_fleet *f, const struct variant *v, char *why, size_t len)
{
	char *text = variant_text(v);
	int ret = text ? check_text(f, text, why, len) : 0;

	free(text);
	return ret;
}

/* The records of one node's reply into all, each naming the node. */
static void take_records(struct json_object *all, const char *payload, const char *key,
			 const char *node)
{
	struct json_object *arr = json_tokener_parse(payload);
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *rec = json_object_array_get_idx(arr, i);

		/* "host" knobs are set on every node: say which */
		json_object_object_add(rec, key, json_object_new_string(node));
		json_object_array_add(all, json_object_get(rec));
	}
	json_object_put(arr);
}

/* Each node answers with the records of what it set; text NULL: every node
 * back to the testbed as built. */
static int apply_text(struct agent_fleet *f, const char *text, struct json_object **applied)
{
	struct json_object *all = json_object_new_array();
	bool sent[NODE__COUNT];
	unsigned int n;
	int ret, r;

	ret = send_all(f, text ? "variant-apply" : "variant-revert", text, sent);
	for (n = 0; n < NODE__COUNT && agent_chan_read_on(ret); n++) {
		char *payload = NULL;

		if (!sent[n])
			continue;
		r = agent_chan_reply(f->ch[n], f->call_timeout, NULL, 0, &payload);
		if (r && (!ret || ret == -EIO))
			ret = r;   /* "err" lines: read the others' replies still */
		if (!r)
			take_records(all, payload, f->origin_key, topo_node_name(n));
		free(payload);
	}
	if (applied && !ret)
		*applied = all;
	else
		json_object_put(all);
	return ret;
}

int agent_fleet_variant_apply(struct agent_fleet *f, const struct variant *v,
			      struct json_object **applied)
{
	char *text = variant_text(v);
	int ret;

	*applied = NULL;
	agent_fleet_variant_revert(f);
	if (!text)
		return 0;   /* nothing to set */
	f->applied = v;   /* even a failed apply may have set something */
	ret = apply_text(f, text, applied);
	free(text);
	return ret;
}

int agent_fleet_variant_revert(struct agent_fleet *f)
{
	int ret;

	if (!f->applied)
		return 0;
	ret = apply_text(f, NULL, NULL);
	if (ret)
		wgb_warn("variant '%s': not every value could be restored", variant_name(f->applied));
	f->applied = NULL;
	return ret;
}
