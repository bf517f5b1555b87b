/* tune.c — the session (see tune.h): inputs checked, then rounds of doctor,
 * candidates and steps until the plateau, then the confirmation run and
 * the files. tune.json (and tune.md from it) is rewritten after every step,
 * so a stopped or killed tune leaves a record of what it did.
 */
#include "tune.h"
#include "tune_impl.h"
#include "bed.h"
#include "jsonx.h"
#include "results.h"
#include "scenario.h"
#include "stop.h"
#include "util.h"
#include "variant.h"
#include "verdict.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void tune_opts_init(struct tune_opts *t)
{
	memset(t, 0, sizeof(*t));
	t->threshold_percent = VERDICT_THRESHOLD_DEFAULT;
	t->rtt_slack_ms = TUNE_RTT_SLACK_DEFAULT;
}

/* The five of DESIGN.md first, in its order; any other file after them (as run.c). */
static const char *const canonical[] = { "tcp-fwd", "tcp-rev", "udp", "udp-small", "tcp-single" };

static bool listed(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static int add_measured(struct tune_ctx *c, const char *name)
{
	if (listed(c->measured, c->n_measured, name))
		return 0;
	if (c->n_measured == OPTS_MAX_LIST) {
		wgb_err("tune: more than %d scenarios", OPTS_MAX_LIST);
		return -EINVAL;
	}
	c->measured[c->n_measured++] = name;
	return 0;
}

static int select_scenarios(struct tune_ctx *c)
{
	char dir[PATH_MAX];
	size_t i;
	int ret;

	if ((ret = scenario_default_dir(dir, sizeof(dir))) || (ret = scenario_load_dir(dir, &c->all)))
		return ret == -ENOENT ? -EINVAL : ret;
	for (i = 0; i < c->o->n_scenarios + c->t->n_targets; i++) {
		const char *s = i < c->o->n_scenarios ? c->o->scenarios[i] : c->t->targets[i - c->o->n_scenarios];

		if (!scenario_find(c->all, s)) {
			wgb_err("%s '%s': no such scenario", i < c->o->n_scenarios ? "--scenario" : "--target", s);
			return -EINVAL;
		}
	}
	for (i = 0; i < c->o->n_scenarios; i++)
		if ((ret = add_measured(c, c->o->scenarios[i])))
			return ret;
	for (i = 0; !c->o->n_scenarios && i < ARRAY_SIZE(canonical); i++)
		if (scenario_find(c->all, canonical[i]) && (ret = add_measured(c, canonical[i])))
			return ret;
	for (i = 0; !c->o->n_scenarios && i < scenario_count(c->all); i++)
		if ((ret = add_measured(c, scenario_at(c->all, i)->name)))
			return ret;
	for (i = 0; i < c->t->n_targets; i++)
		if ((ret = add_measured(c, c->t->targets[i])))
			return ret;
	for (i = 0; i < (c->t->n_targets ? c->t->n_targets : c->n_measured); i++)
		c->targets[c->n_targets++] = c->t->n_targets ? c->t->targets[i] : c->measured[i];
	return 0;
}

static int make_dirs(struct tune_ctx *c)
{
	static const char *const sub[] = { "variants", "steps", "doctor", "persist" };
	char path[PATH_MAX];
	size_t i;
	int ret;

	if ((ret = results_check_dir(c->out, c->o->force)))
		return ret;
	for (i = 0; i < ARRAY_SIZE(sub); i++)
		if ((ret = util_fmt(path, sizeof(path), "%s/%s", c->out, sub[i])) ||
		    (ret = util_mkdir_p(path, 0755))) {
			wgb_err("--out %s: %s", path, strerror(-ret));
			return ret;
		}
	return 0;
}

/* The start: --variant FILE, or the testbed as it is; written into
 * OUT/variants/ as every later variant is. */
static int load_start(struct tune_ctx *c)
{
	const char *paths[1];
	struct variant_set *vs = NULL;
	char name[TUNE_NAME_MAX + 1];
	int ret;

	if (c->o->n_variants > 1) {
		wgb_err("--variant: tune starts from one configuration; got %zu files", c->o->n_variants);
		return -EINVAL;
	}
	if (c->o->n_variants) {
		paths[0] = c->o->variants[0];
		if ((ret = variant_load_all(paths, 1, &vs)))   /* every problem said, file and field */
			return ret;
		variant_set_free(vs);
		if ((ret = tune_variant_load(paths[0], &c->start)))
			return ret;
	} else {
		c->start = tune_variant_baseline();
	}
	snprintf(name, sizeof(name), "%s", jsonx_str_at(c->start, "name"));
	if ((ret = util_fmt(c->start_file, sizeof(c->start_file), "%s/variants/%s.json", c->out, name)))
		return ret;
	memcpy(c->best_file, c->start_file, sizeof(c->best_file));
	c->best = json_object_get(c->start);
	return 0;
}

static void stop_with(struct tune_ctx *c, const char *what, const char *why)
{
	json_object_object_add(c->doc, "stopped", json_object_new_string(what));
	json_object_object_add(c->doc, "stopped_why", jsonx_str(why));
	if (!c->o->quiet)
		fprintf(c->tty, "tune: stopped (%s): %s\n", what, why);
}

/* Enough budget for need seconds; else stopped, and false. */
static bool budget_for(struct tune_ctx *c, double need, const char *what)
{
	char why[200];
	double left = tune_budget_left(c);

	if (need <= left)
		return true;
	snprintf(why, sizeof(why), "%s needs about %.0f s, %.0f s of the %.1f min budget left", what,
		 need, fmax(left, 0), c->t->budget_min);
	stop_with(c, "budget", why);
	return false;
}

static int rel_dir(const struct tune_ctx *c, char *buf, size_t len, const char *name)
{
	return util_fmt(buf, len, "steps/%02d-%s", c->n_steps, name);
}

/* The best becomes k's merged variant; each entry keeps the step that
 * earned it (the start's entries point at the first step's run, where
 * they were applied and read back too). */
static int keep_candidate(struct tune_ctx *c, struct tune_cand *k, const char *rel)
{
	struct json_object *nb = NULL, *np = json_object_new_array(), *set;
	char ke[256], kb[256];
	size_t i, j;
	int ret;

	if ((ret = tune_variant_load(k->vfile, &nb))) {
		json_object_put(np);
		return ret;
	}
	set = jsonx_get(nb, "set");
	for (i = 0; i < json_object_array_length(set); i++) {
		struct json_object *e = json_object_array_get_idx(set, i), *p = NULL, *bs = jsonx_get(c->best, "set");

		tune_entry_key(e, ke, sizeof(ke));
		for (j = 0; !p && j < json_object_array_length(k->adds); j++)
			if (json_object_equal(json_object_array_get_idx(k->adds, j), e)) {
				p = json_object_new_object();
				json_object_object_add(p, "step", json_object_new_int(c->n_steps));
				json_object_object_add(p, "candidate", json_object_new_string(k->name));
				json_object_object_add(p, "variant", json_object_new_string(k->vname));
				json_object_object_add(p, "dir", json_object_new_string(rel));
			}
		for (j = 0; !p && j < json_object_array_length(bs); j++) {
			tune_entry_key(json_object_array_get_idx(bs, j), kb, sizeof(kb));
			if (!strcmp(ke, kb))
				p = json_object_get(json_object_array_get_idx(c->prov, j));
		}
		/* what is left of a wider entry the candidate overrode on some nodes */
		for (j = 0; !p && j < json_object_array_length(bs); j++)
			if (tune_entry_covers(json_object_array_get_idx(bs, j), e))
				p = json_object_get(json_object_array_get_idx(c->prov, j));
		json_object_array_add(np, p ? p : json_object_new_object());
	}
	json_object_put(c->prov);
	c->prov = np;
	json_object_put(c->best);
	c->best = nb;
	memcpy(c->best_file, k->vfile, sizeof(c->best_file));
	k->state = CAND_KEPT;
	return 0;
}

/* The first step ran the start: its entries were read back there. */
static void point_start_at(struct tune_ctx *c, const char *rel)
{
	size_t i;

	for (i = 0; i < json_object_array_length(c->prov); i++) {
		struct json_object *p = json_object_array_get_idx(c->prov, i);

		if (!jsonx_get(p, "dir") && json_object_get_int(jsonx_get(p, "step")) == 0)
			json_object_object_add(p, "dir", json_object_new_string(rel));
	}
}

static struct json_object *judge_dir(const struct tune_ctx *c, const char *dir, const char *base,
				     const char *cand)
{
	struct tune_judge_in in = { .dir = dir, .names = { base, cand }, .targets = c->targets,
				    .n_targets = c->n_targets, .all = c->all,
				    .threshold_percent = c->t->threshold_percent,
				    .rtt_slack_ms = c->t->rtt_slack_ms, .duration_s = floor(c->o->duration) };
	struct json_object *res = NULL, *why;

	if (!tune_judge(&in, &res))
		return res;
	res = json_object_new_object();
	why = json_object_new_array();
	json_object_array_add(why, json_object_new_string("the step's results could not be read "
							  "(see the message above)"));
	json_object_object_add(res, "kept", json_object_new_boolean(false));
	json_object_object_add(res, "improved", json_object_new_boolean(false));
	json_object_object_add(res, "reasons", why);
	return res;
}

static void say_step(const struct tune_ctx *c, const struct tune_cand *k, struct json_object *res)
{
	struct json_object *why = jsonx_get(res, "reasons");
	bool kept = json_object_get_boolean(jsonx_get(res, "kept"));
	size_t i;

	if (c->o->quiet)
		return;
	fprintf(c->tty, "tune: step %d: %s %s\n", c->n_steps, k->name, kept ? "KEPT" : "rejected");
	for (i = 0; why && i < json_object_array_length(why); i++)
		fprintf(c->tty, "tune:   %s\n", json_object_get_string(json_object_array_get_idx(why, i)));
	fflush(c->tty);
}

/* Candidate k against the best: one run, its verdicts, kept or not. */
static int step(struct tune_ctx *c, struct tune_cand *k, bool *kept)
{
	struct json_object *st, *res;
	char rel[128], dir[PATH_MAX], *skipped;
	double t;
	int ret, run;

	c->n_steps++;
	if ((ret = rel_dir(c, rel, sizeof(rel), k->name)) ||
	    (ret = util_fmt(dir, sizeof(dir), "%s/%s", c->out, rel)))
		return ret;
	if (!c->o->quiet)
		fprintf(c->tty, "tune: step %d (round %d): %s + %s, about %.0f s, in %s\n", c->n_steps,
			c->round, jsonx_str_at(c->best, "name"), k->name, tune_step_estimate(c), dir);
	st = json_object_new_object();
	json_object_object_add(st, "step", json_object_new_int(c->n_steps));
	json_object_object_add(st, "round", json_object_new_int(c->round));
	json_object_object_add(st, "candidate", json_object_new_string(k->name));
	json_object_object_add(st, "ref", json_object_new_string(k->ref));
	json_object_object_add(st, "proposed_by", k->proposed_by ? json_object_get(k->proposed_by) : NULL);
	json_object_object_add(st, "best", json_object_new_string(jsonx_str_at(c->best, "name")));
	json_object_object_add(st, "variant", json_object_new_string(k->vname));
	json_object_object_add(st, "dir", json_object_new_string(rel));
	json_object_object_add(st, "adds", json_object_get(k->adds));
	json_object_object_add(st, "run", json_object_new_string("running"));
	json_object_array_add(jsonx_get(c->doc, "steps"), st);
	tune_write_record(c);   /* a killed tune's record names the step it was in */
	t = util_now_mono();
	run = tune_run(c, c->best_file, k->vfile, dir);
	json_object_object_add(st, "elapsed_s", jsonx_num(util_now_mono() - t));
	json_object_object_add(st, "run", json_object_new_string(run == 0 ? "ok" : run == 1 ?
				"some scenario failed" : strerror(-run)));
	if (run == -EINTR || stop_requested()) {
		json_object_object_add(st, "kept", json_object_new_boolean(false));
		json_object_object_add(st, "interrupted", json_object_new_boolean(true));
		return -EINTR;
	}
	if (run == 0 || run == 1)   /* as run --history: a run that finished */
		tune_history_add(c, dir, st);
	if (c->n_steps == 1)
		point_start_at(c, rel);
	res = judge_dir(c, dir, jsonx_str_at(c->best, "name"), k->vname);
	if ((skipped = tune_run_skipped(dir, k->vname))) {
		/* the run found what the check did not: its reason first */
		struct json_object *old = jsonx_get(res, "reasons"), *why = json_object_new_array();
		char line[600];
		size_t i;

		snprintf(line, sizeof(line), "the run skipped it: %s", skipped);
		json_object_array_add(why, json_object_new_string(line));
		for (i = 0; old && i < json_object_array_length(old); i++)
			json_object_array_add(why, json_object_get(json_object_array_get_idx(old, i)));
		json_object_object_add(res, "reasons", why);
		json_object_object_add(res, "kept", json_object_new_boolean(false));
		free(skipped);
	}
	json_object_object_foreach(res, key, val)
		json_object_object_add(st, key, json_object_get(val));
	*kept = json_object_get_boolean(jsonx_get(res, "kept"));
	say_step(c, k, res);
	json_object_put(res);
	if (*kept)
		return keep_candidate(c, k, rel);
	k->state = CAND_REJECTED;
	json_object_put(k->tried_for);
	k->tried_for = k->proposed_by ? json_object_get(k->proposed_by) : json_object_new_array();
	return 0;
}

/* After the first round the doctor is there to order the candidates and
 * to bring back a rejected one; with at most one left and none rejected it
 * can change nothing, and its minute is saved (said in the round). */
static bool doctor_matters(const struct tune_ctx *c, struct json_object *round)
{
	size_t i, fresh = 0, rejected = 0;

	if (c->round == 1 || c->t->advice_only)
		return true;
	for (i = 0; i < c->n_cands; i++) {
		fresh += c->cands[i].state == CAND_NEW;
		rejected += c->cands[i].state == CAND_REJECTED;
	}
	if (rejected || fresh > 1)
		return true;
	json_object_object_add(round, "doctor_skipped", json_object_new_string(fresh ?
		"one candidate left and none rejected: its findings could change nothing" :
		"no candidate left and none rejected: its findings could change nothing"));
	return false;
}

/* One round: the doctor, the candidates, steps until one is kept. *kept
 * says whether the best changed; -EINTR on a signal. */
static int round_run(struct tune_ctx *c, bool *kept)
{
	struct json_object *r = json_object_new_object(), *findings = NULL;
	size_t *order = calloc(c->n_cands + 1, sizeof(*order)), n = 0, i;
	int ret = -ENOMEM;

	*kept = false;
	json_object_object_add(r, "round", json_object_new_int(c->round));
	json_object_object_add(r, "best", json_object_new_string(jsonx_str_at(c->best, "name")));
	json_object_array_add(jsonx_get(c->doc, "rounds"), r);
	if (!order)
		goto out;
	ret = 0;
	if (c->t->no_doctor)
		json_object_object_add(r, "doctor_skipped", json_object_new_string(
			c->t->no_doctor_why ? c->t->no_doctor_why : "--no-doctor"));
	else if (c->doctor_unavailable)
		json_object_object_add(r, "doctor_skipped", json_object_new_string(
			"this backend has no doctor (round 1 says why): the sequence alone"));
	if (!c->t->no_doctor && !c->doctor_unavailable && doctor_matters(c, r)) {
		if (!budget_for(c, tune_doctor_estimate(c) + tune_step_estimate(c), "the doctor and one step"))
			goto out;
		if ((ret = tune_doctor(c, r, &findings)))
			goto out;
	}
	if ((ret = tune_cand_order(c, findings, r, order, &n)))
		goto out;
	if ((ret = tune_cand_prepare(c, order, n)))
		goto out;
	tune_write_record(c);
	for (i = 0; i < n && !*kept && !stop_requested(); i++) {
		if (!c->cands[order[i]].runnable)
			continue;
		if (!budget_for(c, tune_step_estimate(c), "the next step"))
			goto out;
		ret = step(c, &c->cands[order[i]], kept);
		tune_write_record(c);
		if (ret)
			goto out;
	}
	if (!*kept && !stop_requested() && !jsonx_get(c->doc, "stopped"))
		stop_with(c, "plateau", n ? "no candidate of this round was kept" :
			  "no candidate left to try");
out:
	if (stop_requested())
		ret = -EINTR;
	json_object_put(findings);
	free(order);
	return ret;
}

/* The one kept step, when it measured the start against the final
 * configuration already (the first kept on the start, nothing after). */
static struct json_object *only_kept_on_start(const struct tune_ctx *c)
{
	struct json_object *steps = jsonx_get(c->doc, "steps"), *k = NULL;
	size_t i, n = 0;

	for (i = 0; i < json_object_array_length(steps); i++) {
		struct json_object *s = json_object_array_get_idx(steps, i);

		if (json_object_get_boolean(jsonx_get(s, "kept"))) {
			k = s;
			n++;
		}
	}
	return n == 1 && !strcmp(jsonx_str_at(k, "best"), jsonx_str_at(c->start, "name")) ? k : NULL;
}

/* That step is the confirmation: the same two configurations, one run. */
static void confirm_by(struct tune_ctx *c, struct json_object *k)
{
	static const char *const keys[] = { "dir", "run", "improved", "reasons", "tolerated", "pairs", "cells",
					    "history_run" };
	struct json_object *o = json_object_new_object(), *v;
	size_t i;

	json_object_object_add(o, "step", json_object_get(jsonx_get(k, "step")));
	json_object_object_add(o, "same_as_step", json_object_get(jsonx_get(k, "step")));
	json_object_object_add(o, "start", json_object_new_string(jsonx_str_at(c->start, "name")));
	json_object_object_add(o, "final", json_object_new_string(jsonx_str_at(c->best, "name")));
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if ((v = jsonx_get(k, keys[i])))
			json_object_object_add(o, keys[i], json_object_get(v));
	json_object_object_add(c->doc, "confirm", o);
	if (!c->o->quiet)
		fprintf(c->tty, "tune: confirmation: step %d measured %s against %s already, in one run\n",
			json_object_get_int(jsonx_get(k, "step")), jsonx_str_at(c->best, "name"),
			jsonx_str_at(c->start, "name"));
}

/* Start and final once more, interleaved: the claim "tuned vs start". */
static int confirm(struct tune_ctx *c)
{
	struct json_object *res, *o, *k;
	char dir[PATH_MAX], rel[128];
	int ret, run;

	if (!strcmp(c->best_file, c->start_file))
		return 0;
	if ((k = only_kept_on_start(c))) {
		confirm_by(c, k);
		return 0;
	}
	if (!budget_for(c, tune_step_estimate(c), "the confirmation run"))
		return 0;
	c->n_steps++;
	if ((ret = rel_dir(c, rel, sizeof(rel), "confirm")) ||
	    (ret = util_fmt(dir, sizeof(dir), "%s/%s", c->out, rel)))
		return ret;
	if (!c->o->quiet)
		fprintf(c->tty, "tune: confirmation: %s against %s, interleaved, in %s\n",
			jsonx_str_at(c->best, "name"), jsonx_str_at(c->start, "name"), dir);
	run = tune_run(c, c->start_file, c->best_file, dir);
	if (run == -EINTR || stop_requested())
		return -EINTR;
	res = judge_dir(c, dir, jsonx_str_at(c->start, "name"), jsonx_str_at(c->best, "name"));
	o = json_object_new_object();
	json_object_object_add(o, "step", json_object_new_int(c->n_steps));
	json_object_object_add(o, "dir", json_object_new_string(rel));
	json_object_object_add(o, "start", json_object_new_string(jsonx_str_at(c->start, "name")));
	json_object_object_add(o, "final", json_object_new_string(jsonx_str_at(c->best, "name")));
	json_object_object_add(o, "run", json_object_new_string(run == 0 ? "ok" : run == 1 ?
				"some scenario failed" : strerror(-run)));
	json_object_object_foreach(res, key, val)
		if (strcmp(key, "kept") && strcmp(key, "blocked"))
			json_object_object_add(o, key, json_object_get(val));
	json_object_put(res);
	if (run == 0 || run == 1)
		tune_history_add(c, dir, o);
	json_object_object_add(c->doc, "confirm", o);
	return 0;
}

static void ctx_free(struct tune_ctx *c)
{
	tune_cand_free(c);
	scenario_set_free(c->all);
	json_object_put(c->start);
	json_object_put(c->best);
	json_object_put(c->prov);
	json_object_put(c->doc);
}

/* Everything of the input that can be known before a testbed exists. */
static int check_input(struct tune_ctx *c)
{
	int ret;

	if (!c->o->duration || c->o->duration != floor(c->o->duration)) {
		wgb_err("--duration '%g': expected whole seconds", c->o->duration);
		return -EINVAL;
	}
	if ((ret = select_scenarios(c)) || (ret = tune_cand_pool(c)))
		return ret;
	return load_start(c);
}

static int prepare(struct tune_ctx *c)
{
	int ret;

	if ((ret = check_input(c)) || (ret = make_dirs(c)))
		return ret;
	tune_record_init(c);
	return tune_variant_write(c->start, c->start_file);
}

int tune_check(const struct tune_opts *t, const struct opts *o)
{
	struct tune_ctx c = { .t = t, .o = o, .out = t->out, .tty = stderr };
	int ret = check_input(&c);

	if (!ret)
		ret = results_check_dir(c.out, o->force);
	ctx_free(&c);
	return ret;
}

int tune_execute(const struct tune_opts *t, const struct opts *o, struct bed *bed)
{
	struct tune_ctx c = { .t = t, .o = o, .bed = bed, .out = t->out,
			      .tty = o->json ? stderr : stdout, .t0 = util_now_mono() };
	struct stop_scope stop;
	char why[128];
	bool kept = true;
	int ret;

	if ((ret = prepare(&c)))
		goto out;
	stop_install(&stop);
	for (c.round = 1; !ret && kept && !jsonx_get(c.doc, "stopped"); c.round++) {
		if (t->max_rounds && (unsigned int)c.round > t->max_rounds) {
			snprintf(why, sizeof(why), "%u round(s) done, as asked", t->max_rounds);
			stop_with(&c, "rounds", why);
			break;
		}
		ret = round_run(&c, &kept);
	}
	if (!ret)
		ret = confirm(&c);
	if (ret == -EINTR || stop_requested()) {
		snprintf(why, sizeof(why), "signal %d; every run reverted its variant and took the "
			 "testbed down", stop_signal());
		stop_with(&c, "signal", why);
		ret = -EINTR;
	} else if (ret) {
		stop_with(&c, "error", strerror(-ret));
	}
	json_object_object_add(c.doc, "elapsed_s", jsonx_num(util_now_mono() - c.t0));
	if (tune_write_final(&c) && !ret)
		ret = -EIO;
	if (tune_write_record(&c) && !ret)
		ret = -EIO;
	stop_restore(&stop);
	tune_say_end(&c);
	if (!ret && c.history_failed)
		ret = 1;   /* as run --history: the session ran, its record did not all go in */
out:
	ctx_free(&c);
	return ret;
}
