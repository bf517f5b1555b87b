/* tune_judge.c — one step's verdicts and the decision.
 *
 * A step is one run of [best, candidate], interleaved repeat by repeat in a
 * seeded shuffled order (run.c). Its results directory is read strictly
 * (report_data_load(): every throughput recomputed from raw/) and judged by
 * verdict.h, in two Holm families:
 *   the targets   throughput of each target scenario; the candidate needs an
 *                 `improvement` on one and no `regression`/`failed` on any;
 *   the guards    throughput of every other scenario, RTT p99 (the latency
 *                 probe, lower is better) of every scenario, and softnet and
 *                 interface drops of every scenario whose sender is paced
 *                 (TCP, or UDP with a rate); no `regression` or `failed`.
 * Drops are judged on 1 + the count per run (a ratio scale that allows 0),
 * and only where the candidate's median is beyond the trivial level of
 * reference 002 §5.3/§10 (100 per 30 s): an unlimited UDP sender overdrives
 * the path by design, so its drops measure how fast it could send, not what
 * the knob did. An RTT p99 regression smaller than the slack (ms) is said
 * and tolerated: a knob that lets TCP fill the path moves the queue to the
 * next bottleneck, and a few ms of it is not the bufferbloat this guard is
 * for.
 *
 * Interference: a repeat whose window was disturbed (processes outside the
 * testbed above VERDICT_FOREIGN_CPU_LIMIT, steal above VERDICT_STEAL_LIMIT)
 * is set aside while each side keeps two calm ones; when it cannot, the
 * side is judged on all its repeats and the pair says so. Within one run
 * the sides were interleaved in a shuffled order, so what disturbs the
 * machine lands on either side at random: noise, which widens the interval,
 * not a difference between the sides (between two runs it would be one,
 * and compare calls it `disturbed`).
 */
#include "tune_impl.h"
#include "jsonx.h"
#include "report_data.h"
#include "scenario.h"
#include "util.h"
#include "verdict.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tj_metric { TJ_THROUGHPUT, TJ_RTT_P99, TJ_SOFTNET, TJ_IFDROPS, TJ_COUNT };

static const char *const metric_name[TJ_COUNT] = { "throughput", "rtt_p99", "softnet_drops",
						    "interface_drops" };

/* One side of one metric: the values of the successful repeats. */
struct tj_side {
	double *x;                      /* n values (owned) */
	size_t n, n_runs, n_aside, n_disturbed;
	double worst_foreign;           /* % of a core, the largest of a disturbed repeat */
	bool all_kept;                  /* fewer than 2 calm: judged on every repeat */
};

struct tj_pair {
	const char *scenario;
	enum tj_metric m;
	bool target;
	struct tj_side s[2];
	struct verdict_pair p;
	double med[2];                  /* medians in the metric's unit */
	bool counts;                    /* blocks the candidate */
	char note[200];
};

struct tj_ctx {
	const struct tune_judge_in *in;
	struct report_data *d;
	size_t v[2];                    /* the best's and the candidate's index */
	struct tj_pair *pairs;
	size_t n, cap;
};

static double run_value(struct json_object *run, enum tj_metric m)
{
	double x;

	switch (m) {
	case TJ_THROUGHPUT:
		return jsonx_num_at(run, "throughput_bps", &x) ? x : NAN;
	case TJ_RTT_P99:
		return jsonx_num_at(run, "latency.rtt_ms.p99", &x) && x > 0 ? x : NAN;
	case TJ_SOFTNET:
		x = report_run_metric(run, RM_SOFTNET_DROPS);
		return isnan(x) ? NAN : 1 + x;
	case TJ_IFDROPS:
		x = report_run_metric(run, RM_IF_DROPS);
		return isnan(x) ? NAN : 1 + x;
	default:
		return NAN;
	}
}

static bool run_ok(struct json_object *run)
{
	struct json_object *ok = jsonx_get(run, "ok");
	double bps;

	return ok && json_object_get_boolean(ok) && jsonx_num_at(run, "throughput_bps", &bps) && bps > 0;
}

static bool disturbed(struct json_object *run, double *foreign)
{
	double f = NAN, st = NAN;

	jsonx_num_at(run, "interference.foreign_cpu_percent", &f);
	jsonx_num_at(run, "interference.steal_percent", &st);
	*foreign = f;
	return f > VERDICT_FOREIGN_CPU_LIMIT || st > VERDICT_STEAL_LIMIT;
}

/* The side of cell c for metric m, disturbed repeats set aside while two
 * calm ones remain. 0 or -ENOMEM. */
static int build_side(const struct report_cell *c, enum tj_metric m, struct tj_side *s)
{
	size_t i, n_all = 0, n_calm = 0, failed = 0, cap = c ? c->n_runs + 1 : 1;
	double *calm = calloc(cap, sizeof(double)), f;

	memset(s, 0, sizeof(*s));
	s->worst_foreign = NAN;
	s->x = calloc(cap, sizeof(double));
	if (!calm || !s->x) {
		free(calm);
		return -ENOMEM;
	}
	for (i = 0; c && i < c->n_runs; i++) {
		double x;

		if (!run_ok(c->runs[i])) {
			failed++;
			continue;
		}
		if (isnan(x = run_value(c->runs[i], m)))
			continue;   /* ok, but this metric was not measured */
		s->x[n_all++] = x;
		if (!disturbed(c->runs[i], &f))
			calm[n_calm++] = x;
		else if (isnan(s->worst_foreign) || f > s->worst_foreign)
			s->worst_foreign = f;
	}
	s->n_disturbed = n_all - n_calm;
	s->n = n_all;
	if (n_calm >= 2 && n_calm < n_all) {
		memcpy(s->x, calm, n_calm * sizeof(double));
		s->n = n_calm;
		s->n_aside = n_all - n_calm;
	}
	s->all_kept = s->n_disturbed && !s->n_aside;
	s->n_runs = s->n + failed;
	free(calm);
	return 0;
}

static double median_of(const double *x, size_t n)
{
	struct stats_summary st;

	return n && !stats_summarize(x, n, &st) ? st.median : NAN;
}

static void side_for_verdict(const struct report_cell *c, const struct tj_side *s,
			     struct verdict_side *v)
{
	memset(v, 0, sizeof(*v));
	v->present = c && c->n_runs > 0;
	v->not_measured = v->present && c->n_ok && !s->n;
	v->x = s->x;
	v->n = s->n;
	v->n_runs = s->n_runs;
	/* judged as set out above: verdict.c's own check would call every
	 * pair of a busy machine disturbed */
	v->foreign_cpu = v->steal = v->canary_before = v->canary_after = NAN;
	v->n_interference = 0;
	v->foreign_repeat = v->steal_repeat = -1;
}

static const struct scenario *scenario_of(const struct tj_ctx *j, const char *name)
{
	return scenario_find(j->in->all, name);
}

/* Paced senders only: an unlimited UDP sender's drops say how fast it was. */
static bool drops_guarded(const struct scenario *s)
{
	return s && (s->protocol == SCENARIO_TCP || s->bandwidth_bps > 0);
}

static bool is_target(const struct tj_ctx *j, const char *scen)
{
	size_t i;

	for (i = 0; i < j->in->n_targets; i++)
		if (!strcmp(j->in->targets[i], scen))
			return true;
	return false;
}

static void free_pair(struct tj_pair *p)
{
	free(p->s[0].x);
	free(p->s[1].x);
}

/* Adds the pair of scenario s and metric m when there is one to judge. */
static int add_pair(struct tj_ctx *j, size_t s, enum tj_metric m)
{
	const struct report_cell *c[2] = { report_cell(j->d, j->v[0], s), report_cell(j->d, j->v[1], s) };
	double trivial = TUNE_DROPS_TRIVIAL_PER_30S * j->in->duration_s / 30.0;
	struct tj_pair *p;
	size_t k;
	int r;

	if ((r = util_grow(&j->pairs, &j->cap, j->n + 1, sizeof(*j->pairs))))
		return r;
	p = &j->pairs[j->n];
	memset(p, 0, sizeof(*p));
	p->scenario = j->d->scenarios[s];
	p->m = m;
	p->target = m == TJ_THROUGHPUT && is_target(j, p->scenario);
	for (k = 0; k < 2; k++) {
		if ((r = build_side(c[k], m, &p->s[k]))) {
			free_pair(p);
			return r;
		}
		side_for_verdict(c[k], &p->s[k], k ? &p->p.new_ : &p->p.base);
		p->med[k] = median_of(p->s[k].x, p->s[k].n) - (m == TJ_SOFTNET || m == TJ_IFDROPS);
	}
	p->p.lower_is_better = m != TJ_THROUGHPUT;
	/* nothing to judge: a metric neither side measured, trivial drops */
	if ((m != TJ_THROUGHPUT && !p->s[0].n && !p->s[1].n) ||
	    ((m == TJ_SOFTNET || m == TJ_IFDROPS) && !(p->med[1] > trivial))) {
		free_pair(p);
		return 0;
	}
	j->n++;
	return 0;
}

static int collect(struct tj_ctx *j)
{
	size_t s;
	int r;

	for (s = 0; s < j->d->n_scenarios; s++) {
		const struct scenario *sc = scenario_of(j, j->d->scenarios[s]);

		if ((r = add_pair(j, s, TJ_THROUGHPUT)) || (r = add_pair(j, s, TJ_RTT_P99)))
			return r;
		if (drops_guarded(sc) && ((r = add_pair(j, s, TJ_SOFTNET)) || (r = add_pair(j, s, TJ_IFDROPS))))
			return r;
	}
	return 0;
}

/* One Holm family: the pairs whose target flag is target. */
static int judge_family(struct tj_ctx *j, bool target, double threshold)
{
	const struct verdict_rules rules = { .threshold_percent = threshold,
					     .name = { "the best", "the candidate" } };
	struct verdict_pair *v = calloc(j->n + 1, sizeof(*v));
	size_t i, n = 0;
	int r;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < j->n; i++)
		if (j->pairs[i].target == target)
			v[n++] = j->pairs[i].p;
	r = verdict_judge(v, n, &rules);
	for (i = 0, n = 0; !r && i < j->n; i++)
		if (j->pairs[i].target == target) {
			j->pairs[i].p = v[n++];
			j->pairs[i].p.unmeasured[0] = 0;   /* interference: said by the pair's note */
		}
	free(v);
	return r;
}

static const char *unit_of(enum tj_metric m)
{
	return m == TJ_THROUGHPUT ? "Mbit/s" : m == TJ_RTT_P99 ? "ms" : "per run";
}

static double in_unit(enum tj_metric m, double x)
{
	return m == TJ_THROUGHPUT ? x / 1e6 : x;
}

/* "tcp-fwd RTT p99: regression, +2480.1% [+900.0%, +6000.0%] (8.50 -> 220.00 ms): why" */
static void describe(const struct tj_pair *p, char *buf, size_t len)
{
	const char *what = p->m == TJ_THROUGHPUT ? "throughput" : p->m == TJ_RTT_P99 ? "RTT p99" :
			   p->m == TJ_SOFTNET ? "softnet drops" : "interface drops";
	char delta[96] = "";

	if (p->p.has_ratio)
		snprintf(delta, sizeof(delta), ", %+.1f%% [%+.1f%%, %+.1f%%]", p->p.r.delta_percent,
			 p->p.r.low_percent, p->p.r.high_percent);
	snprintf(buf, len, "%s %s: %s%s (%.2f -> %.2f %s)%s%s", p->scenario, what,
		 verdict_name(p->p.kind), delta, in_unit(p->m, p->med[0]), in_unit(p->m, p->med[1]),
		 unit_of(p->m), p->p.why[0] ? ": " : "", p->p.why);
}

static void note_interference(struct tj_pair *p)
{
	const struct tj_side *b = &p->s[0], *n = &p->s[1];
	size_t o = 0;

	if (b->n_aside || n->n_aside)
		o += (size_t)snprintf(p->note + o, sizeof(p->note) - o, "set aside as disturbed: %zu "
				      "of the best's repeats, %zu of the candidate's", b->n_aside, n->n_aside);
	if ((b->all_kept || n->all_kept) && o < sizeof(p->note))
		snprintf(p->note + o, sizeof(p->note) - o, "%sjudged on every repeat, %zu + %zu disturbed "
			 "(up to %.0f%% of a core outside the testbed; interleaved and shuffled, it falls "
			 "on either side at random)", o ? "; " : "",
			 b->n_disturbed, n->n_disturbed, fmax(isnan(b->worst_foreign) ? 0 : b->worst_foreign,
							   isnan(n->worst_foreign) ? 0 : n->worst_foreign));
}

static void decide(struct tj_ctx *j, struct json_object *out)
{
	struct json_object *reasons = json_object_new_array(), *tol = json_object_new_array();
	bool improved = false, blocked = false;
	char line[700];
	size_t i;

	for (i = 0; i < j->n; i++) {
		struct tj_pair *p = &j->pairs[i];
		bool bad = p->p.kind == VERDICT_REGRESSION || p->p.kind == VERDICT_FAILED;

		note_interference(p);
		improved |= p->target && p->p.kind == VERDICT_IMPROVEMENT;
		p->counts = bad;
		if (bad && p->m == TJ_RTT_P99 && p->p.kind == VERDICT_REGRESSION &&
		    p->med[1] - p->med[0] < j->in->rtt_slack_ms) {
			p->counts = false;
			describe(p, line, sizeof(line));
			json_object_array_add(tol, json_object_new_string(line));
			snprintf(p->note + strlen(p->note), sizeof(p->note) - strlen(p->note),
				 "%stolerated: below the RTT slack of %.0f ms", p->note[0] ? "; " : "",
				 j->in->rtt_slack_ms);
		}
		if (p->counts) {
			describe(p, line, sizeof(line));
			json_object_array_add(reasons, json_object_new_string(line));
			blocked = true;
		}
	}
	for (i = 0; !improved && i < j->n; i++)
		if (j->pairs[i].target && !j->pairs[i].counts) {
			char d[640];

			describe(&j->pairs[i], d, sizeof(d));
			snprintf(line, sizeof(line), "no improvement of the target: %s", d);
			json_object_array_add(reasons, json_object_new_string(line));
		}
	if (!improved && !json_object_array_length(reasons))
		json_object_array_add(reasons, json_object_new_string("no target scenario was measured"));
	json_object_object_add(out, "improved", json_object_new_boolean(improved));
	json_object_object_add(out, "blocked", json_object_new_boolean(blocked));
	json_object_object_add(out, "kept", json_object_new_boolean(improved && !blocked));
	json_object_object_add(out, "reasons", reasons);
	json_object_object_add(out, "tolerated", tol);
}

static struct json_object *pair_json(const struct tj_pair *p)
{
	struct json_object *o = json_object_new_object(), *a;
	const struct verdict_pair *v = &p->p;
	size_t k;

	json_object_object_add(o, "scenario", json_object_new_string(p->scenario));
	json_object_object_add(o, "metric", json_object_new_string(metric_name[p->m]));
	json_object_object_add(o, "role", json_object_new_string(p->target ? "target" : "guard"));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_name(v->kind)));
	json_object_object_add(o, "counts", json_object_new_boolean(p->counts));
	json_object_object_add(o, "delta_percent", v->has_ratio ? jsonx_num(v->r.delta_percent) : NULL);
	json_object_object_add(o, "low_percent", v->has_ratio ? jsonx_num(v->r.low_percent) : NULL);
	json_object_object_add(o, "high_percent", v->has_ratio ? jsonx_num(v->r.high_percent) : NULL);
	json_object_object_add(o, "p_holm", v->tested ? jsonx_num(v->p_holm) : NULL);
	json_object_object_add(o, "unit", json_object_new_string(unit_of(p->m)));
	a = json_object_new_array();
	for (k = 0; k < 2; k++)
		json_object_array_add(a, jsonx_num(in_unit(p->m, p->med[k])));
	json_object_object_add(o, "medians", a);
	a = json_object_new_array();
	for (k = 0; k < 2; k++)
		json_object_array_add(a, json_object_new_int((int)p->s[k].n));
	json_object_object_add(o, "n", a);
	json_object_object_add(o, "why", json_object_new_string(v->why));
	json_object_object_add(o, "note", jsonx_str(p->note[0] ? p->note : NULL));
	return o;
}

/* The §7.1 columns of each scenario for both sides. */
static struct json_object *cells_json(const struct tj_ctx *j)
{
	static const char *const side[2] = { "best", "candidate" };
	struct json_object *o = json_object_new_object();
	size_t k, s;

	for (k = 0; k < 2; k++) {
		struct json_object *sc = json_object_new_object();

		for (s = 0; s < j->d->n_scenarios; s++) {
			const struct report_cell *c = report_cell(j->d, j->v[k], s);
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "n_ok", json_object_new_int((int)c->n_ok));
			json_object_object_add(e, "n_runs", json_object_new_int((int)c->n_runs));
			json_object_object_add(e, "median_bps", c->n_ok ? jsonx_num(c->s.median) : NULL);
			json_object_object_add(e, "top_softirq", jsonx_num(c->metric[RM_TOP_SOFTIRQ]));
			json_object_object_add(e, "softnet_drops", jsonx_num(c->metric[RM_SOFTNET_DROPS]));
			json_object_object_add(e, "interface_drops", jsonx_num(c->metric[RM_IF_DROPS]));
			json_object_object_add(e, "udp_buffer_errors", jsonx_num(c->metric[RM_UDP_BUF_ERRORS]));
			json_object_object_add(e, "rtt_p99_ms", jsonx_num(c->rtt_p99_ms));
			json_object_object_add(sc, j->d->scenarios[s], e);
		}
		json_object_object_add(o, side[k], sc);
	}
	return o;
}

static int find_variants(struct tj_ctx *j)
{
	size_t k, i;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < j->d->n_variants && strcmp(j->d->variants[i], j->in->names[k]); i++)
			;
		if (i == j->d->n_variants) {
			wgb_err("%s: no runs of variant '%s'", j->in->dir, j->in->names[k]);
			return -EINVAL;
		}
		j->v[k] = i;
	}
	return 0;
}

int tune_judge(const struct tune_judge_in *in, struct json_object **out)
{
	struct tj_ctx j = { .in = in };
	struct json_object *o = NULL, *pairs;
	size_t i;
	int r;

	*out = NULL;
	if ((r = report_data_load(in->dir, &j.d)) || (r = find_variants(&j)) || (r = collect(&j)) ||
	    (r = judge_family(&j, true, in->threshold_percent)) ||
	    (r = judge_family(&j, false, in->threshold_percent)))
		goto out;
	o = json_object_new_object();
	decide(&j, o);
	pairs = json_object_new_array();
	for (i = 0; i < j.n; i++)
		json_object_array_add(pairs, pair_json(&j.pairs[i]));
	json_object_object_add(o, "pairs", pairs);
	json_object_object_add(o, "cells", cells_json(&j));
	*out = o;
out:
	for (i = 0; i < j.n; i++)
		free_pair(&j.pairs[i]);
	free(j.pairs);
	report_data_free(j.d);
	return r;
}
