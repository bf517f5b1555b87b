/* run_entry.c — one plan item measured on the bed (bed_measure()) into one
 * runs[] entry: the metrics, the sampler's cpu/drops, the raw iperf3 JSON
 * kept in raw/. */
#include "run_impl.h"
#include "bed.h"
#include "opts.h"
#include "results.h"
#include "scenario.h"
#include "stop.h"
#include "traffic.h"
#include "jsonx.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_time(struct json_object *e, const char *key, double wall)
{
	char buf[40];

	json_object_object_add(e, key, results_iso_time(wall, buf, sizeof(buf)) ? NULL
			       : json_object_new_string(buf));
}

static struct json_object *flow_json(const struct bed_measure *m, size_t i, bool udp, const char *raw)
{
	const struct traffic_flow_result *r = &m->res[i];
	struct json_object *f = json_object_new_object();

	json_object_object_add(f, "flow", json_object_new_int64((int64_t)i));
	json_object_object_add(f, "server", json_object_new_string(m->spec[i].server_addr));
	json_object_object_add(f, "port", json_object_new_int(m->spec[i].port));
	json_object_object_add(f, "streams", json_object_new_int((int)m->streams));
	json_object_object_add(f, "processes", traffic_procs_json(r));
	json_object_object_add(f, "ok", json_object_new_boolean(r->ok));
	json_object_object_add(f, "error", r->error ? json_object_new_string(r->error) : NULL);
	json_object_object_add(f, "throughput_bps", r->ok ? jsonx_num(r->m.receiver_bps) : NULL);
	json_object_object_add(f, "sender_bps", r->ok ? jsonx_num(r->m.sender_bps) : NULL);
	json_object_object_add(f, "retransmits", r->ok && !udp ? jsonx_count(r->m.retransmits) : NULL);
	json_object_object_add(f, "packets", r->ok && udp ? jsonx_count(r->m.packets) : NULL);
	json_object_object_add(f, "lost_packets", r->ok && udp ? jsonx_count(r->m.lost_packets) : NULL);
	json_object_object_add(f, "jitter_ms", r->ok && udp ? jsonx_num(r->m.jitter_ms) : NULL);
	json_object_object_add(f, "packets_per_s", r->ok && udp ? jsonx_num(r->m.packets_per_s) : NULL);
	json_object_object_add(f, "bidir", traffic_bidir_json(r, 1));
	json_object_object_add(f, "raw", raw ? json_object_new_string(raw) : NULL);
	return f;
}

/* The DESIGN.md fields; metrics only when every flow succeeded, so a partial
 * sum is never mistaken for a measurement. */
static void add_metrics(struct json_object *e, const struct bed_measure *m, bool udp)
{
	bool ok = m->ok;

	json_object_object_add(e, "throughput_bps", ok ? jsonx_num(m->throughput_bps) : NULL);
	json_object_object_add(e, "sender_bps", ok ? jsonx_num(m->sender_bps) : NULL);
	json_object_object_add(e, "retransmits", ok && !udp ? jsonx_count(m->retransmits) : NULL);
	json_object_object_add(e, "lost_percent", ok && udp ? jsonx_num(m->lost_percent) : NULL);
	json_object_object_add(e, "jitter_ms", ok && udp ? jsonx_num(m->jitter_ms) : NULL);
	json_object_object_add(e, "packets_per_s", ok && udp ? jsonx_num(m->packets_per_s) : NULL);
	/* --bidir: throughput_bps is both directions' sum; each alone here */
	json_object_object_add(e, "bidir", ok ? traffic_bidir_json(m->res, m->n) : NULL);
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

static void keep_raw(struct run_ctx *c, const struct run_item *it, const struct bed_measure *m,
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
 * iperf3's intervals (which restart at 0 after the omit) on one axis. Not
 * where the timelines are each guest's own clock (vms). */
static void add_window(struct json_object *e, const struct run_ctx *c, const struct bed_measure *m)
{
	struct json_object *w;

	if (!bed_local_clock(c->bed) || !m->sampled || !(m->t_clients > 0)) {
		json_object_object_add(e, "window", NULL);
		return;
	}
	w = json_object_new_object();
	json_object_object_add(w, "start_s", json_object_new_double(m->t_clients + c->omit));
	json_object_object_add(w, "end_s", json_object_new_double(m->t_clients + c->omit + c->duration));
	json_object_object_add(e, "window", w);
}

static void measure(struct run_ctx *c, const struct run_item *it, struct bed_measure *m, char **srel)
{
	const char *vname = variant_name(variant_get(c->vs, it->variant));
	struct bed_measure_spec sp = {
		.s = it->scenario, .duration = c->duration, .omit = c->omit, .flows = c->o->flows,
		.streams = c->o->flow_mode == FLOW_MODE_STREAMS, .base_port = RUN_BASE_PORT,
		.interval = c->o->no_sampler ? 0 : c->o->interval, .stop = stop_flag(),
		.probe_interval = c->o->probe_interval,
	};
	char *sabs = NULL, *labs = NULL;
	bool no_path = false;

	if ((sp.interval > 0 || sp.probe_interval > 0) &&
	    results_sample_path(c->res, vname, it->scenario->name, it->repeat, srel, &sabs)) {
		wgb_warn("%s %s r%u: no samples file; no cpu/drops", vname, it->scenario->name, it->repeat);
		sp.interval = 0;
		no_path = true;
	}
	sp.timeline = sp.interval > 0 ? sabs : NULL;
	/* samples/V/S/rK.csv: the counters; rK.latency.dat: every probe */
	if (sabs && asprintf(&labs, "%.*s.latency.dat", (int)strlen(sabs) - 4, sabs) > 0)
		sp.latency_timeline = labs;
	bed_measure(c->bed, &sp, m);
	if (no_path && !m->sampler_error)
		m->sampler_error = strdup("the sampler could not start");
	c->sampler_cpu += m->sampler_cpu_s;
	free(sabs);
	free(labs);
}

/* The probe's per-probe file beside the counters' (rK.latency.dat). */
static void add_latency_samples(struct json_object *e, const char *srel)
{
	char *rel = NULL;

	if (srel && asprintf(&rel, "%.*s.latency.dat", (int)strlen(srel) - 4, srel) < 0)
		rel = NULL;
	json_object_object_add(e, "latency_samples", rel ? json_object_new_string(rel) : NULL);
	free(rel);
}

/* What else took the machine in the window, lifted from the sampler's cpu
 * so a verdict can find it at the entry's top level; null: not measured. */
static void add_interference(struct json_object *e, struct json_object *cpu)
{
	struct json_object *i = NULL;

	json_object_object_add(e, "interference", cpu && json_object_object_get_ex(cpu, "interference", &i) ?
			       json_object_get(i) : NULL);
}

int run_entry(struct run_ctx *c, const struct run_item *it, const char *prep_error,
	      struct json_object **out)
{
	struct json_object *e = new_entry(c, it);
	struct bed_measure m;
	char *srel = NULL;
	bool udp = it->scenario->protocol == SCENARIO_UDP;

	if (prep_error) {
		memset(&m, 0, sizeof(m));
		m.retransmits = -1;
		m.error = strdup(prep_error);
		m.wall_start = m.wall_end = util_now_wall();
	} else {
		measure(c, it, &m, &srel);
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
	add_interference(e, m.cpu);
	json_object_object_add(e, "cpu", m.cpu);
	json_object_object_add(e, "drops", m.drops);
	json_object_object_add(e, "latency", m.latency);
	json_object_object_add(e, "latency_error", m.latency_error ? json_object_new_string(m.latency_error) : NULL);
	add_latency_samples(e, m.latency ? srel : NULL);
	m.cpu = m.drops = m.latency = NULL;   /* the entry's now */
	json_object_object_add(e, "samples", m.sampled ? json_object_new_string(srel) : NULL);
	json_object_object_add(e, "sampler_error", m.sampler_error ? json_object_new_string(m.sampler_error) : NULL);
	add_window(e, c, &m);
	keep_raw(c, it, &m, e);
	bed_measure_clear(&m);
	free(srel);
	*out = e;
	return 0;
}
