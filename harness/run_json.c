/* run_json.c — run.json: what was run and where (DESIGN.md "Results
 * directory"). Written at the start, after the testbed is up, and at the end,
 * so even a killed run says what it was. */
#include "run_impl.h"
#include "run.h"
#include "opts.h"
#include "results.h"
#include "scenario.h"
#include "topo.h"
#include "traffic.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>

#define RUN_SCHEMA "wgbench.run/1"

static struct json_object *str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

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
	json_object_object_add(j, "repeat", json_object_new_int((int)o->repeat));
	json_object_object_add(j, "flows", o->flows ? json_object_new_int((int)o->flows) : NULL);
	json_object_object_add(j, "flow_mode", json_object_new_string(
		o->flow_mode == FLOW_MODE_STREAMS ? "streams" : "processes"));
	json_object_object_add(j, "tunnels", json_object_new_int(
		(int)(c->attached ? topo_tunnels(c->topo) : o->tunnels)));
	json_object_object_add(j, "prefix", json_object_new_string(o->prefix));
	/* A `topo up` testbed measured as it is, not built for this run. */
	json_object_object_add(j, "attach", json_object_new_boolean(c->attached));
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

static struct json_object *order_json(const struct run_ctx *c)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < c->n_plan; i++) {
		const struct run_item *it = &c->plan[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "seq", json_object_new_int64((int64_t)it->seq));
		json_object_object_add(o, "variant", str(variant_name(variant_get(c->vs, it->variant))));
		json_object_object_add(o, "scenario", str(it->scenario->name));
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
		json_object_object_add(d, "skipped", str(c->vstate[i].skip));
		json_object_object_add(d, "applied", json_object_get(c->vstate[i].applied));
		json_object_array_add(a, d);
	}
	return a;
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
	json_object_object_add(j, "backend", json_object_new_string(opts_backend_name(c->o->backend)));
	sub = json_object_new_object();
	json_object_object_add(sub, "requested", json_object_new_string(opts_wg_name(c->o->wg)));
	json_object_object_add(sub, "implementation", NULL);
	json_object_object_add(sub, "version", NULL);
	json_object_object_add(j, "wireguard", sub);
	sub = json_object_new_object();
	json_object_object_add(sub, "library", json_object_new_string("libiperf"));
	json_object_object_add(sub, "version", str(traffic_iperf_version()));
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
	c->run_json = j;
	ret = results_write_run_json(c->res, j);
	return ret;
}

void run_json_update(struct run_ctx *c)
{
	struct json_object *j = c->run_json, *wg, *sub;

	if (!j)
		return;
	if (c->topo && json_object_object_get_ex(j, "wireguard", &wg)) {
		json_object_object_add(wg, "implementation", json_object_new_string(opts_wg_name(topo_wg(c->topo))));
		json_object_object_add(wg, "version", str(topo_wg_version(c->topo)));
	} else if (c->be && c->be_wg_version[0] && json_object_object_get_ex(j, "wireguard", &wg)) {
		json_object_object_add(wg, "implementation", json_object_new_string(
			opts_wg_name(c->o->wg == TUN_NONE ? TUN_NONE : TUN_KERNEL)));
		json_object_object_add(wg, "version", str(c->be_wg_version));
	}
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
	json_object_object_add(j, "completed", json_object_new_int64((int64_t)c->n_done));
	json_object_object_add(j, "planned", json_object_new_int64((int64_t)c->n_plan));
	json_object_object_add(j, "interrupted", json_object_new_boolean(run_stopped()));
	if (results_write_run_json(c->res, j))
		wgb_warn("%s/run.json could not be written", c->out_dir);
}
