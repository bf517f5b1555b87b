/* live_peer.c — the far side of a live tunnel over ssh (--peer-ssh DEST,
 * live_impl.h): one `wgbench agent --stdio` there for the whole run,
 * reached with the hosts backend's transport (agent_ssh.h) and spoken to in
 * the node protocol (agent_node.h). The agent finds the peer's WireGuard
 * interface ("live-attach"), then serves iperf3 on the peer address, samples
 * that machine as node "peer" and applies the peer's half of a variant
 * (node gw2 and drain). Its clock's offset is estimated at open and again
 * at each sampler start (agent_chan_clock), so the peer's window and
 * timeline are on this machine's clock. When the channel closes — also a
 * killed controller's — the agent reverts what it set by itself.
 */
#include "live.h"
#include "live_impl.h"
#include "agent_chan.h"
#include "agent_probe.h"
#include "agent_ssh.h"
#include "opts.h"
#include "stop.h"
#include "traffic.h"
#include "util.h"
#include "variant.h"
#include "jsonx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEER_CONNECT_TIMEOUT 20.0
#define PEER_CALL_TIMEOUT 60.0
#define PEER_CLOSE_GRACE 15.0

static struct agent_chan *CH(struct live_bed *b)
{
	return agent_ssh_chan(b->peer->ssh);
}

/* ---- open: ssh, the agent, its interface, its clock ---- */

static int attach(struct live_bed *b)
{
	const struct tun_peer_info *p = live_peer(b);
	struct live_side *s = b->peer;
	char here[INET6_ADDRSTRLEN] = "", *payload = NULL;
	unsigned int port = 0;
	int ret;

	if (p && p->endpoint.ss_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)&p->endpoint)->sin_port);
	else if (p && p->endpoint.ss_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)&p->endpoint)->sin6_port);
	/* this side's tunnel address, in the peer address's family ("::" or
	 * 0.0.0.0 when the kernel names no source) */
	if (b->route.has_src)
		route_addr_str(&b->route.src, here, sizeof(here));
	if (!here[0])
		snprintf(here, sizeof(here), "%s", b->peer_addr.af == AF_INET6 ? "::" : "0.0.0.0");
	ret = agent_chan_call(CH(b), PEER_CALL_TIMEOUT, NULL, 0, &payload, "live-attach %s %u %s %s",
			      b->o->prefix, port, here, b->o->peer_live ? b->o->peer_live : "-");
	if (ret == -EIO)
		ret = -EINVAL;   /* the peer is not as asked: said by the channel, nothing touched */
	if (!ret && !(s->attach = json_tokener_parse(payload)))
		ret = -EPROTO;
	free(payload);
	if (ret)
		return ret;
	snprintf(s->ifname, sizeof(s->ifname), "%s", jsonx_str_at(s->attach, "interface"));
	snprintf(s->underlay, sizeof(s->underlay), "%s",
		 jsonx_str_at(s->attach, "underlay") ? jsonx_str_at(s->attach, "underlay") : "");
	return 0;
}

/* run: the answers must come back through the tunnel, as the questions go. */
static int check_reply_path(struct live_bed *b)
{
	struct json_object *rt = jsonx_get(b->peer->attach, "reply_through");
	const char *text = jsonx_str_at(b->peer->attach, "route_back");

	if (b->o->route_finding || (rt && json_object_get_boolean(rt)))
		return 0;
	wgb_err("--peer-ssh %s: the peer routes the answers to this side %s, not through its %s: fix the "
		"routing there first (`wgbench doctor` reports it as route-asymmetric)", b->o->peer_ssh,
		text ? text : "nowhere (no route)", b->peer->ifname);
	return -EINVAL;
}

int live_peer_open(struct live_bed *b)
{
	struct agent_ssh_cfg cfg = { .dest = b->o->peer_ssh, .ssh_config = b->o->ssh_config, .name = "peer",
		.timeout = PEER_CONNECT_TIMEOUT, .stop = stop_flag() };
	int ret;

	b->peer = calloc(1, sizeof(*b->peer));
	if (!b->peer)
		return -ENOMEM;
	b->peer->name = LIVE_PEER_NODE;
	ret = agent_ssh_open(&cfg, &b->peer->ssh);
	if (ret == -ETIMEDOUT || ret == -EPIPE)
		ret = -EHOSTUNREACH;   /* no agent there to talk to: bad input, exit 2 */
	if (!ret)
		ret = attach(b);
	if (!ret)
		ret = agent_chan_clock(CH(b), 5, PEER_CALL_TIMEOUT, &b->peer->clock);
	if (!ret)
		ret = check_reply_path(b);
	return ret;
}

void live_peer_close(struct live_bed *b)
{
	unsigned int k;

	if (!b->peer)
		return;
	for (k = 0; k < LATENCY_PATH__COUNT; k++)
		live_peer_probe_cancel(b, (enum latency_path)k);
	agent_ssh_close(b->peer->ssh, PEER_CLOSE_GRACE);
	json_object_put(b->peer->attach);
	free(b->peer);
	b->peer = NULL;
}

/* ---- traffic: the agent's one-off iperf3 servers on the peer address ---- */

int live_peer_serve(struct live_bed *b, bool udp, const struct traffic_flow *f, size_t n)
{
	char *line = NULL;
	size_t cap = 32 + n * 32, l, i;
	int ret;

	if (!(line = malloc(cap)))
		return -ENOMEM;
	l = (size_t)snprintf(line, cap, "serve %d %zu", udp, n);
	for (i = 0; i < n; i++)
		l += (size_t)snprintf(line + l, cap - l, " %s %d", f[i].server_addr, f[i].port);
	ret = agent_chan_call(CH(b), PEER_CALL_TIMEOUT, NULL, 0, NULL, "%s", line);
	free(line);
	return ret;
}

int live_peer_serve_end(struct live_bed *b)
{
	return agent_chan_call(CH(b), PEER_CALL_TIMEOUT, NULL, 0, NULL, "serve-end 5");
}

/* ---- the sampler: the peer as node "peer" ---- */

int live_peer_sample_start(struct live_bed *b, double interval, const char *timeline_path)
{
	size_t n = timeline_path ? strlen(timeline_path) : 0;
	int ret;

	b->peer->timeline[0] = 0;
	if (n > 4 && !strcmp(timeline_path + n - 4, ".csv"))
		n -= 4;
	if (n)
		snprintf(b->peer->timeline, sizeof(b->peer->timeline), "%.*s.peer.csv", (int)n, timeline_path);
	ret = agent_chan_clock(CH(b), 3, PEER_CALL_TIMEOUT, &b->peer->clock);   /* drift */
	return ret ? ret : agent_chan_call(CH(b), PEER_CALL_TIMEOUT, NULL, 0, NULL, "sample-start %.3f", interval);
}

/* The peer's CSV with each row's t moved from its clock onto ours. */
static void write_timeline(const char *path, const char *csv, double offset)
{
	FILE *f = fopen(path, "we");
	const char *line, *nl;

	if (!f)
		return;
	for (line = csv; *line; line = nl + 1) {
		char *end;
		double t = strtod(line, &end);

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		if (end != line && *end == ',')
			fprintf(f, "%.6f%.*s\n", t - offset, (int)(nl - end), end);
		else
			fprintf(f, "%.*s\n", (int)(nl - line), line);
		if (!*nl)
			break;
	}
	fclose(f);
}

static void move_member(struct json_object *to, const char *key, struct json_object *from)
{
	struct json_object *dst, *src, *x;

	if (!json_object_object_get_ex(from, key, &src) || !src ||
	    !json_object_object_get_ex(src, LIVE_PEER_NODE, &x))
		return;
	if (!json_object_object_get_ex(to, key, &dst) || !dst) {
		dst = json_object_new_object();
		json_object_object_add(to, key, dst);
	}
	json_object_object_add(dst, LIVE_PEER_NODE, json_object_get(x));
}

/* cpu.nodes.peer: the peer's whole cpu object (its cores, top core,
 * interference) with its tunnel's CPU at its top, as a machine of
 * --backend hosts has it; cpu.wireguard.peer its WireGuard counters. */
static void merge_cpu(struct json_object *cpu, struct json_object *pcpu)
{
	struct json_object *nodes, *copy = NULL, *x;

	if (!cpu || !pcpu)
		return;
	move_member(cpu, "wireguard", pcpu);
	json_object_deep_copy(pcpu, &copy, NULL);
	if ((x = jsonx_get(pcpu, "nodes." LIVE_PEER_NODE))) {
		json_object_object_foreach(x, k, v)
			json_object_object_add(copy, k, json_object_get(v));
	}
	json_object_object_del(copy, "nodes");
	json_object_object_del(copy, "wireguard");
	if (json_object_object_get_ex(cpu, "nodes", &nodes) && nodes)
		json_object_object_add(nodes, LIVE_PEER_NODE, copy);
	else
		json_object_put(copy);
}

/* drops.{interfaces,qdiscs,nodes}.peer; the numbers at the top summed. */
static void merge_drops(struct json_object *drops, struct json_object *pd)
{
	if (!drops || !pd)
		return;
	json_object_object_foreach(pd, key, val) {
		struct json_object *sum;

		if (json_object_is_type(val, json_type_object)) {
			move_member(drops, key, pd);
		} else if (json_object_is_type(val, json_type_int)) {
			if (json_object_object_get_ex(drops, key, &sum) && sum)
				json_object_object_add(drops, key, json_object_new_int64(
					json_object_get_int64(sum) + json_object_get_int64(val)));
			else
				json_object_object_add(drops, key, json_object_get(val));
		}
	}
}

int live_peer_sample_stop(struct live_bed *b, double w0, double w1, struct json_object *cpu,
			  struct json_object *drops)
{
	double off = b->peer->clock.offset;
	struct json_object *doc, *x;
	char *payload = NULL;
	int ret = agent_chan_call(CH(b), PEER_CALL_TIMEOUT, NULL, 0, &payload, "sample-stop %.6f %.6f",
				  w0 + off, w1 + off);

	doc = ret ? NULL : json_tokener_parse(payload);
	free(payload);
	if (!doc)
		return ret ? ret : -EPROTO;
	merge_cpu(cpu, jsonx_get(doc, "cpu"));
	merge_drops(drops, jsonx_get(doc, "drops"));
	if (b->peer->timeline[0] && json_object_object_get_ex(doc, "timeline", &x) && x)
		write_timeline(b->peer->timeline, json_object_get_string(x), off);
	json_object_put(doc);
	return 0;
}

/* ---- variants: the peer's half (gw2, drain; host knobs there too) ---- */

/* A variant file's text; NULL for one that sets nothing (the baseline). */
static char *variant_text(const struct variant *v)
{
	struct json_object *d = NULL;
	char *text = NULL;

	if (!variant_knob_count(v) || variant_describe(v, &d))
		return NULL;
	if (jsonx_str_at(d, "text"))
		text = strdup(jsonx_str_at(d, "text"));
	json_object_put(d);
	return text;
}

int live_peer_variant_check(struct live_bed *b, const struct variant *v, char *why, size_t len)
{
	char *text = variant_text(v), *reason = NULL;
	int ret;

	if (!text)
		return 0;
	ret = agent_chan_send_payload(CH(b), "variant-check", text);
	if (!ret)
		ret = agent_chan_reply(CH(b), PEER_CALL_TIMEOUT, NULL, 0, &reason);
	if (ret)
		snprintf(why, len, "the peer (%s) could not check it", b->o->peer_ssh);
	else if (reason[0])
		snprintf(why, len, "on the peer: %s", reason);
	else
		ret = 1;   /* it can run there */
	free(reason);
	free(text);
	return ret == 1 ? 0 : -ENOTSUP;
}

/* The peer's read-back records into all, each saying it is the peer's. */
static void take_records(struct json_object *all, const char *payload)
{
	struct json_object *arr = json_tokener_parse(payload);
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *rec = json_object_array_get_idx(arr, i);

		json_object_object_add(rec, "machine", json_object_new_string(LIVE_PEER_NODE));
		json_object_array_add(all, json_object_get(rec));
	}
	json_object_put(arr);
}

int live_peer_variant_apply(struct live_bed *b, const struct variant *v, struct json_object *all)
{
	char *text = variant_text(v), *payload = NULL;
	int ret;

	if (!text)
		return 0;
	b->peer->applied = true;   /* even a failed apply may have set something */
	ret = agent_chan_send_payload(CH(b), "variant-apply", text);
	if (!ret)
		ret = agent_chan_reply(CH(b), PEER_CALL_TIMEOUT, NULL, 0, &payload);
	if (!ret)
		take_records(all, payload);
	free(payload);
	free(text);
	return ret;
}

int live_peer_variant_revert(struct live_bed *b)
{
	int ret;

	if (!b->peer || !b->peer->applied)
		return 0;
	b->peer->applied = false;
	ret = agent_chan_call(CH(b), PEER_CALL_TIMEOUT, NULL, 0, NULL, "variant-revert");
	if (ret)
		wgb_warn("--peer-ssh %s: the peer could not restore every value; its agent tries again when "
			 "the session ends, and `wgbench cleanup --prefix %s` there does", b->o->peer_ssh,
			 b->o->prefix);
	return ret;
}

/* ---- run.json live.peer_side ---- */

struct json_object *live_peer_json(const struct live_bed *b)
{
	struct json_object *o = NULL, *ag, *k;
	const struct agent_clock *c;

	if (!b->peer || !b->peer->attach)
		return NULL;
	json_object_deep_copy(b->peer->attach, &o, NULL);
	json_object_object_add(o, "ssh", json_object_new_string(b->o->peer_ssh));
	ag = json_object_new_object();
	json_object_object_add(ag, "version", json_object_new_string(agent_ssh_version(b->peer->ssh)));
	json_object_object_add(ag, "pid", json_object_new_int(agent_ssh_agent_pid(b->peer->ssh)));
	json_object_object_add(o, "agent", ag);
	c = &b->peer->clock;
	k = json_object_new_object();
	json_object_object_add(k, "offset_s", json_object_new_double(c->offset));
	json_object_object_add(k, "rtt_s", json_object_new_double(c->rtt));
	json_object_object_add(k, "uncertainty_s", json_object_new_double(c->rtt / 2));
	json_object_object_add(k, "syncs", json_object_new_int((int)c->syncs));
	json_object_object_add(k, "drift_ppm", json_object_new_double(agent_clock_drift_ppm(c)));
	json_object_object_add(o, "clock", k);
	return o;
}

/* ---- the latency probe: this process to the peer's reflector ---- */

int live_peer_probe_start(struct live_bed *b, enum latency_path path, const char *addr,
			  double interval)
{
	if (!b->peer)
		return -ENOTSUP;
	live_peer_probe_cancel(b, path);
	return agent_probe_start(path, (struct agent_probe_end){ NULL, NULL },
				 (struct agent_probe_end){ CH(b), &b->peer->clock }, addr, interval,
				 PEER_CALL_TIMEOUT, &b->peer->probe[path]);
}

int live_peer_probe_finish(struct live_bed *b, enum latency_path path, const struct latency_window *idle,
			   const struct latency_window *load, const char *timeline, struct json_object **out)
{
	int ret = b->peer && b->peer->probe[path] ?
		agent_probe_finish(b->peer->probe[path], idle, load, timeline, out) : -ENOENT;

	live_peer_probe_cancel(b, path);
	return ret;
}

void live_peer_probe_cancel(struct live_bed *b, enum latency_path path)
{
	if (!b->peer)
		return;
	agent_probe_free(b->peer->probe[path]);
	b->peer->probe[path] = NULL;
}
