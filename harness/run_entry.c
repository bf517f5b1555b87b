/* run_entry.c — one scenario measured: the flows through libiperf, the
 * sampler around them, the raw iperf3 JSON kept, and one runs[] entry. */
#include "run_impl.h"
#include "run.h"
#include "opts.h"
#include "results.h"
#include "sample.h"
#include "scenario.h"
#include "topo.h"
#include "traffic.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generous: a loaded 2-core machine can finish a test late, but a hung one
 * must not stall the whole run. */
static double scenario_timeout(int duration, int omit)
{
	return duration + omit + 30 + 0.25 * duration;
}

static void sum_flows(struct run_measure *m, bool udp)
{
	long long packets = 0, lost = 0, retr = 0;
	bool have_retr = false;
	size_t i;

	m->throughput_bps = m->sender_bps = m->packets_per_s = m->jitter_ms = 0;
	for (i = 0; i < m->n; i++) {
		const struct traffic_metrics *x = &m->res[i].m;

		m->throughput_bps += x->receiver_bps;
		m->sender_bps += x->sender_bps;
		if (udp) {
			packets += x->packets;
			lost += x->lost_packets;
			m->jitter_ms += x->jitter_ms / (double)m->n;
			m->packets_per_s += x->packets_per_s;
		} else if (x->retransmits >= 0) {
			retr += x->retransmits;
			have_retr = true;
		}
	}
	m->retransmits = have_retr ? retr : -1;
	m->lost_percent = udp && packets > 0 ? 100.0 * (double)lost / (double)packets : NAN;
	if (!udp)
		m->jitter_ms = m->packets_per_s = NAN;
}

static int fill_specs(struct run_ctx *c, const struct scenario *s, struct run_measure *m)
{
	const struct opts *o = c->o;
	unsigned int tunnels = run_tunnels(c), i;

	m->flows = o->flows ? o->flows : s->flows;
	/* iperf3 3.12 runs all -P streams on one thread: one process pair per
	 * flow (the paper's method) unless -P parity is asked for. */
	m->tests = o->flow_mode == FLOW_MODE_STREAMS ? 1 : m->flows;
	m->streams = o->flow_mode == FLOW_MODE_STREAMS ? m->flows : 1;
	m->n = m->tests;
	m->spec = calloc(m->n, sizeof(*m->spec));
	m->res = calloc(m->n, sizeof(*m->res));
	if (!m->spec || !m->res)
		return -ENOMEM;
	for (i = 0; i < m->tests; i++) {
		m->spec[i].server_addr = c->be ? c->be_drain[i % (tunnels ? tunnels : 1)]
					       : topo_drain_addr(c->topo, i % (tunnels ? tunnels : 1));
		m->spec[i].port = RUN_BASE_PORT + (int)i;
		if (!m->spec[i].server_addr)
			return -ENOENT;
	}
	return 0;
}

int run_measure(struct run_ctx *c, const struct scenario *s, int duration, int omit,
		struct run_measure *m)
{
	char src[256], dst[256];
	struct traffic_test t;
	size_t i;
	int ret;

	memset(m, 0, sizeof(*m));
	m->retransmits = -1;
	m->wall_start = util_now_wall();
	ret = fill_specs(c, s, m);
	if (!ret && !c->be)
		ret = topo_node_netns_path(c->topo, NODE_SOURCE, src, sizeof(src));
	if (!ret && !c->be)
		ret = topo_node_netns_path(c->topo, NODE_DRAIN, dst, sizeof(dst));
	if (ret) {
		if (asprintf(&m->error, "testbed: %s", strerror(-ret)) < 0)
			m->error = NULL;
		m->wall_end = util_now_wall();
		return ret;
	}
	t = (struct traffic_test){
		.udp = s->protocol == SCENARIO_UDP, .reverse = s->reverse,
		.streams = m->streams, .block_size = s->block_size, .rate_bps = s->bandwidth_bps,
		.duration = duration, .omit = omit, .client_netns = src, .server_netns = dst,
	};
	if (c->be)
		ret = c->be->traffic(c->be_arg, &t, m->spec, m->n, scenario_timeout(duration, omit),
				     run_stop_ptr(), m->res, &m->t_clients);
	else
		ret = traffic_run(&t, m->spec, m->n, scenario_timeout(duration, omit), run_stop_ptr(),
				  m->res, &m->t_clients);
	m->wall_end = util_now_wall();
	for (i = 0; i < m->n && !m->error; i++)
		if (!m->res[i].ok && m->res[i].error &&
		    asprintf(&m->error, "flow %zu (%s port %d): %s", i, m->spec[i].server_addr,
			     m->spec[i].port, m->res[i].error) < 0)
			m->error = NULL;
	if (ret && !m->error && asprintf(&m->error, "%s", strerror(-ret)) < 0)
		m->error = NULL;
	if (ret)
		return ret;
	sum_flows(m, t.udp);
	m->ok = true;
	return 0;
}

void run_measure_clear(struct run_measure *m)
{
	size_t i;

	for (i = 0; m->res && i < m->n; i++)
		traffic_flow_result_clear(&m->res[i]);
	free(m->res);
	free(m->spec);
	free(m->error);
	memset(m, 0, sizeof(*m));
}

static struct json_object *num_or_null(double x)
{
	return isfinite(x) ? json_object_new_double(x) : NULL;
}

static struct json_object *count_or_null(long long x)
{
	return x >= 0 ? json_object_new_int64(x) : NULL;
}

static void add_time(struct json_object *e, const char *key, double wall)
{
	char buf[40];

	json_object_object_add(e, key, results_iso_time(wall, buf, sizeof(buf)) ? NULL
			       : json_object_new_string(buf));
}

static struct json_object *flow_json(const struct run_measure *m, size_t i, bool udp, const char *raw)
{
	const struct traffic_flow_result *r = &m->res[i];
	struct json_object *f = json_object_new_object();

	json_object_object_add(f, "flow", json_object_new_int64((int64_t)i));
	json_object_object_add(f, "server", json_object_new_string(m->spec[i].server_addr));
	json_object_object_add(f, "port", json_object_new_int(m->spec[i].port));
	json_object_object_add(f, "streams", json_object_new_int((int)m->streams));
	json_object_object_add(f, "ok", json_object_new_boolean(r->ok));
	json_object_object_add(f, "error", r->error ? json_object_new_string(r->error) : NULL);
	json_object_object_add(f, "throughput_bps", r->ok ? num_or_null(r->m.receiver_bps) : NULL);
	json_object_object_add(f, "sender_bps", r->ok ? num_or_null(r->m.sender_bps) : NULL);
	json_object_object_add(f, "retransmits", r->ok && !udp ? count_or_null(r->m.retransmits) : NULL);
	json_object_object_add(f, "packets", r->ok && udp ? count_or_null(r->m.packets) : NULL);
	json_object_object_add(f, "lost_packets", r->ok && udp ? count_or_null(r->m.lost_packets) : NULL);
	json_object_object_add(f, "jitter_ms", r->ok && udp ? num_or_null(r->m.jitter_ms) : NULL);
	json_object_object_add(f, "packets_per_s", r->ok && udp ? num_or_null(r->m.packets_per_s) : NULL);
	json_object_object_add(f, "raw", raw ? json_object_new_string(raw) : NULL);
	return f;
}

/* The DESIGN.md fields; metrics only when every flow succeeded, so a partial
 * sum is never mistaken for a measurement. */
static void add_metrics(struct json_object *e, const struct run_measure *m, bool udp)
{
	bool ok = m->ok;

	json_object_object_add(e, "throughput_bps", ok ? num_or_null(m->throughput_bps) : NULL);
	json_object_object_add(e, "sender_bps", ok ? num_or_null(m->sender_bps) : NULL);
	json_object_object_add(e, "retransmits", ok && !udp ? count_or_null(m->retransmits) : NULL);
	json_object_object_add(e, "lost_percent", ok && udp ? num_or_null(m->lost_percent) : NULL);
	json_object_object_add(e, "jitter_ms", ok && udp ? num_or_null(m->jitter_ms) : NULL);
	json_object_object_add(e, "packets_per_s", ok && udp ? num_or_null(m->packets_per_s) : NULL);
}

static struct json_object *new_entry(struct run_ctx *c, const struct run_item *it)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "variant", json_object_new_string(variant_name(variant_get(c->vs, it->variant))));
	json_object_object_add(e, "scenario", json_object_new_string(it->scenario->name));
	json_object_object_add(e, "repeat", json_object_new_int((int)it->repeat));
	json_object_object_add(e, "seq", json_object_new_int64((int64_t)it->seq));
	return e;
}

static void keep_raw(struct run_ctx *c, const struct run_item *it, const struct run_measure *m,
		     struct json_object *e)
{
	const char *vname = variant_name(variant_get(c->vs, it->variant));
	bool udp = it->scenario->protocol == SCENARIO_UDP;
	struct json_object *raw = json_object_new_array(), *per = json_object_new_array();
	size_t i;

	for (i = 0; i < m->n; i++) {
		char *rel = NULL;

		if (m->res[i].json &&
		    results_write_raw(c->res, vname, it->scenario->name, it->repeat, (unsigned int)i,
				      m->res[i].json, &rel) == 0)
			json_object_array_add(raw, json_object_new_string(rel));
		json_object_array_add(per, flow_json(m, i, udp, rel));
		free(rel);
	}
	json_object_object_add(e, "raw", raw);
	json_object_object_add(e, "per_flow", per);
}

/* The measured interval (after iperf3's omit, when cpu and drops were taken)
 * on the clock of the samples' t column, so a timeline can put counters and
 * iperf3's intervals (which restart at 0 after the omit) on one axis. Not for
 * --backend vms, whose timelines are each guest's own clock. */
static void add_window(struct json_object *e, const struct run_ctx *c, const struct run_measure *m,
		       bool sampled)
{
	struct json_object *w;

	if (c->be || !sampled || !(m->t_clients > 0)) {
		json_object_object_add(e, "window", NULL);
		return;
	}
	w = json_object_new_object();
	json_object_object_add(w, "start_s", json_object_new_double(m->t_clients + c->omit));
	json_object_object_add(w, "end_s", json_object_new_double(m->t_clients + c->omit + c->duration));
	json_object_object_add(e, "window", w);
}

int run_entry(struct run_ctx *c, const struct run_item *it, const char *prep_error,
	      struct json_object **out)
{
	const char *vname = variant_name(variant_get(c->vs, it->variant));
	struct json_object *e = new_entry(c, it), *cpu = NULL, *drops = NULL;
	char *srel = NULL, *sabs = NULL, *serr = NULL;
	struct sampler *smp = NULL;
	struct run_measure m;
	bool udp = it->scenario->protocol == SCENARIO_UDP, sampled = false;

	memset(&m, 0, sizeof(m));
	m.retransmits = -1;
	if (prep_error) {
		m.error = strdup(prep_error);
		m.wall_start = m.wall_end = util_now_wall();
	} else {
		if (!c->o->no_sampler &&
		    (results_sample_path(c->res, vname, it->scenario->name, it->repeat, &srel, &sabs) ||
		     (c->be ? c->be->sample_start(c->be_arg, c->o->interval, sabs)
			    : sample_start(c->topo, c->o->interval, sabs, &smp)))) {
			smp = NULL;
			serr = strdup("the sampler could not start");
			wgb_warn("%s %s r%u: the sampler could not start; no cpu/drops", vname,
				 it->scenario->name, it->repeat);
		}
		sampled = smp != NULL || (c->be && !serr && !c->o->no_sampler);
		run_measure(c, it->scenario, c->duration, c->omit, &m);
		if (c->be && sampled) {
			if (c->be->sample_stop(c->be_arg, m.t_clients + c->omit,
					       m.t_clients + c->omit + c->duration, &cpu, &drops))
				serr = strdup("the sampler failed");
		} else if (smp) {
			if (sample_stop(smp, m.t_clients + c->omit, m.t_clients + c->omit + c->duration,
					&cpu, &drops))
				serr = strdup("the sampler failed");
			c->sampler_cpu += sample_self_cpu(smp);
			sample_free(smp);
			smp = NULL;
		}
	}
	if (!m.ok)
		c->failed = true;
	json_object_object_add(e, "ok", json_object_new_boolean(m.ok));
	json_object_object_add(e, "error", m.error ? json_object_new_string(m.error) : NULL);
	add_time(e, "start", m.wall_start);
	add_time(e, "end", m.wall_end);
	json_object_object_add(e, "flows", json_object_new_int((int)(m.flows ? m.flows :
		(c->o->flows ? c->o->flows : it->scenario->flows))));
	json_object_object_add(e, "flow_mode", json_object_new_string(
		c->o->flow_mode == FLOW_MODE_STREAMS ? "streams" : "processes"));
	add_metrics(e, &m, udp);
	json_object_object_add(e, "cpu", cpu);
	json_object_object_add(e, "drops", drops);
	json_object_object_add(e, "samples", sampled ? json_object_new_string(srel) : NULL);
	json_object_object_add(e, "sampler_error", serr ? json_object_new_string(serr) : NULL);
	add_window(e, c, &m, sampled);
	keep_raw(c, it, &m, e);
	run_measure_clear(&m);
	free(srel);
	free(sabs);
	free(serr);
	*out = e;
	return 0;
}
