/* run_json.c — run.json: what was run and where (DESIGN.md "Results
 * directory"). Written at the start, after the testbed is up, and at the end,
 * so even a killed run says what it was. */
#include "run_impl.h"
#include "bed.h"
#include "opts.h"
#include "results.h"
#include "scenario.h"
#include "stats.h"
#include "stop.h"
#include "traffic.h"
#include "jsonx.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>

#define RUN_SCHEMA "wgbench.run/1"

static struct json_object *time_json(double wall)
{
	char buf[40];

	return wall > 0 && !results_iso_time(wall, buf, sizeof(buf)) ? json_object_new_string(buf) : NULL;
}

static struct json_object *options_json(const struct run_ctx *c)
{
	const struct opts *o = c->o;
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "duration", json_object_new_int(c->duration));
	json_object_object_add(j, "omit", json_object_new_int(c->omit));
	/* auto: the rounds are in "sequential"; here the minimum */
	json_object_object_add(j, "repeat", c->seq ? json_object_new_string("auto") :
			       json_object_new_int((int)o->repeat));
	json_object_object_add(j, "min_rounds", c->seq ? json_object_new_int((int)o->repeat) : NULL);
	json_object_object_add(j, "budget_s", c->seq ? json_object_new_double(c->budget_s) : NULL);
	json_object_object_add(j, "flows", o->flows ? json_object_new_int((int)o->flows) : NULL);
	json_object_object_add(j, "flow_mode", json_object_new_string(
		o->flow_mode == FLOW_MODE_STREAMS ? "streams" : "processes"));
	json_object_object_add(j, "tunnels", json_object_new_int((int)bed_default_tunnels(c->bed)));
	json_object_object_add(j, "prefix", json_object_new_string(o->prefix));
	/* A `topo up` testbed measured as it is, not built for this run (the
	 * bed was opened: it is claimed). */
	json_object_object_add(j, "attach", json_object_new_boolean(o->attach));
	json_object_object_add(j, "warmup", json_object_new_boolean(!o->no_warmup));
	json_object_object_add(j, "sampler", json_object_new_boolean(!o->no_sampler));
	json_object_object_add(j, "interval", json_object_new_double(o->interval));
	json_object_object_add(j, "base_port", json_object_new_int(RUN_BASE_PORT));
	return j;
}

static struct json_object *scenarios_json(const struct run_ctx *c)
{
	struct json_object *a = json_object_new_array(), *s;
	size_t i;

	for (i = 0; i < c->n_sel; i++)
		if (!scenario_to_json(c->sel[i], &s))
			json_object_array_add(a, s);
	return a;
}

/* The order of the rounds planned; with --repeat auto, those begun. */
static struct json_object *order_json(const struct run_ctx *c)
{
	struct json_object *a = json_object_new_array();
	size_t i, n = c->n_plan;

	if (c->seq && (size_t)(c->rounds_done + 1) * c->per_round < n)
		n = (size_t)(c->rounds_done + 1) * c->per_round;
	for (i = 0; i < n; i++) {
		const struct run_item *it = &c->plan[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "seq", json_object_new_int64((int64_t)it->seq));
		json_object_object_add(o, "variant", jsonx_str(variant_name(variant_get(c->vs, it->variant))));
		json_object_object_add(o, "scenario", jsonx_str(it->scenario->name));
		json_object_object_add(o, "repeat", json_object_new_int((int)it->repeat));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *variants_json(const struct run_ctx *c)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < variant_count(c->vs); i++) {
		const struct variant *v = variant_get(c->vs, i);
		struct json_object *d = NULL;

		if (variant_describe(v, &d) || !d)
			d = json_object_new_object();
		json_object_object_add(d, "tunnels", json_object_new_int((int)variant_tunnels(v)));
		json_object_object_add(d, "skipped", jsonx_str(c->vstate[i].skip));
		json_object_object_add(d, "applied", json_object_get(c->vstate[i].applied));
		json_object_array_add(a, d);
	}
	return a;
}

static struct json_object *uint_array(const unsigned int *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_int((int)v[i]));
	return a;
}

/* --repeat auto: the plan, the stopping rule and every look (verdict_seq.h);
 * null for --repeat N. */
static struct json_object *sequential_json(const struct run_ctx *c)
{
	const struct verdict_seq_plan *p = &c->seq_plan;
	struct json_object *j;
	bool fixed = c->have_seq_plan;

	if (!c->seq)
		return NULL;
	j = json_object_new_object();
	json_object_object_add(j, "rule", json_object_new_string(
		"interleaved rounds until no pair (each variant against the first, per scenario) is "
		"undecided (inconclusive, or disturbed: fewer than 2 calm repeats on a side), at least "
		"min_rounds; at most `looks` looks, at look_rounds, each judging "
		"at alpha_per_look = alpha / looks (Bonferroni over the looks, Holm over the pairs); "
		"the round after which the next would not fit in budget_s is a look too and the last"));
	json_object_object_add(j, "min_rounds", json_object_new_int((int)c->o->repeat));
	json_object_object_add(j, "budget_s", json_object_new_double(c->budget_s));
	json_object_object_add(j, "budget_from", json_object_new_string(c->o->budget_min > 0 ?
		"--budget" : "default: 3 min per scenario"));
	json_object_object_add(j, "alpha", json_object_new_double(STATS_ALPHA));
	/* fixed after the first round from its measured length, before any look */
	json_object_object_add(j, "round_s", fixed ? json_object_new_double(p->round_s) : NULL);
	json_object_object_add(j, "max_rounds", fixed ? json_object_new_int((int)p->max_rounds) : NULL);
	json_object_object_add(j, "looks", fixed ? json_object_new_int((int)p->looks) : NULL);
	json_object_object_add(j, "look_rounds", fixed ? uint_array(p->look_round, p->looks) : NULL);
	json_object_object_add(j, "alpha_per_look", fixed ? json_object_new_double(p->alpha_look) : NULL);
	json_object_object_add(j, "rounds_done", json_object_new_int((int)c->rounds_done));
	json_object_object_add(j, "stopped", jsonx_str(c->seq_stop));
	json_object_object_add(j, "decisions", c->looks ? json_object_get(c->looks) : json_object_new_array());
	return j;
}

int run_json_init(struct run_ctx *c)
{
	struct json_object *j = json_object_new_object(), *sub, *host = NULL;
	char seed[32];
	int ret;

	if (!j)
		return -ENOMEM;
	json_object_object_add(j, "schema", json_object_new_string(RUN_SCHEMA));
	sub = json_object_new_object();
	json_object_object_add(sub, "version", json_object_new_string(WGB_VERSION));
	json_object_object_add(sub, "git_revision", json_object_new_string(WGB_GITREV));
	json_object_object_add(j, "wgbench", sub);
	if (!results_host_json(&host))
		json_object_object_add(j, "host", host);
	json_object_object_add(j, "backend", json_object_new_string(bed_name(c->bed)));
	sub = json_object_new_object();
	json_object_object_add(sub, "requested", json_object_new_string(tun_kind_name(c->o->wg)));
	json_object_object_add(sub, "implementation", NULL);
	json_object_object_add(sub, "version", NULL);
	json_object_object_add(j, "wireguard", sub);
	sub = json_object_new_object();
	json_object_object_add(sub, "library", json_object_new_string("libiperf"));
	json_object_object_add(sub, "version", jsonx_str(traffic_iperf_version()));
	json_object_object_add(j, "iperf3", sub);
	json_object_object_add(j, "start", time_json(c->t_start_wall));
	json_object_object_add(j, "end", NULL);
	/* As a string too: JSON readers that keep numbers as doubles lose digits. */
	json_object_object_add(j, "seed", json_object_new_uint64(c->seed));
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)c->seed);
	json_object_object_add(j, "seed_string", json_object_new_string(seed));
	json_object_object_add(j, "options", options_json(c));
	json_object_object_add(j, "scenarios", scenarios_json(c));
	json_object_object_add(j, "variants", variants_json(c));
	json_object_object_add(j, "order", order_json(c));
	json_object_object_add(j, "sequential", sequential_json(c));
	c->run_json = j;
	ret = results_write_run_json(c->res, j);
	return ret;
}

void run_json_update(struct run_ctx *c)
{
	struct json_object *j = c->run_json, *sub;

	if (!j)
		return;
	bed_facts(c->bed, j);   /* backend, WireGuard as the testbed runs it, the backend's own */
	json_object_object_add(j, "end", time_json(c->t_end_wall));
	json_object_object_add(j, "variants", variants_json(c));
	sub = json_object_new_object();
	json_object_object_add(sub, "enabled", json_object_new_boolean(!c->o->no_sampler));
	json_object_object_add(sub, "interval", json_object_new_double(c->o->interval));
	json_object_object_add(sub, "self_cpu_seconds", json_object_new_double(c->sampler_cpu));
	json_object_object_add(j, "sampler", sub);
	if (c->warmup_scenario) {
		sub = json_object_new_object();
		json_object_object_add(sub, "scenario", json_object_new_string(c->warmup_scenario));
		json_object_object_add(sub, "duration", json_object_new_int(RUN_WARMUP_SECONDS));
		json_object_object_add(sub, "throughput_bps", isfinite(c->warmup_bps) ?
				       json_object_new_double(c->warmup_bps) : NULL);
		json_object_object_add(j, "warmup", sub);
	} else {
		json_object_object_add(j, "warmup", NULL);
	}
	sub = json_object_new_object();
	json_object_object_add(sub, "before", json_object_get(c->canary_before));
	json_object_object_add(sub, "after", json_object_get(c->canary_after));
	json_object_object_add(j, "canary", sub);
	json_object_object_add(j, "options", options_json(c));
	json_object_object_add(j, "order", order_json(c));
	json_object_object_add(j, "sequential", sequential_json(c));
	json_object_object_add(j, "completed", json_object_new_int64((int64_t)c->n_done));
	json_object_object_add(j, "planned", json_object_new_int64((int64_t)(c->seq ?
		(c->have_seq_plan ? c->per_round * c->seq_plan.max_rounds : c->n_expect) : c->n_plan)));
	json_object_object_add(j, "interrupted", json_object_new_boolean(stop_requested()));
	if (results_write_run_json(c->res, j))
		wgb_warn("%s/run.json could not be written", c->out_dir);
}
