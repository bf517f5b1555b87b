/* tune_step.c — what tune runs: the doctor on the current best, and one
 * step, a run of [best, candidate] interleaved (run_execute(), the same run
 * as `wgbench run --variant BEST --variant CANDIDATE`), each on the caller's
 * bed and each with the user's run options except what tune decides: the
 * variants, the scenarios, the output directory. Every run reverts its
 * variant and takes the testbed down before it returns, so between two of
 * them nothing tune applied is left on the machine.
 */
#include "tune_impl.h"
#include "doctor.h"
#include "jsonx.h"
#include "run.h"
#include "stop.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The run options of one of tune's runs: the user's, but never --json
 * (tune prints its own document) and no history here (tune records each
 * step's run itself, tune_history_add()); --force lets a step write over an
 * old session's. */
static void step_opts(const struct tune_ctx *c, struct opts *o, const char *out)
{
	*o = *c->o;
	o->out = out;
	o->json = false;
	o->quiet = c->o->quiet || c->o->json;
	o->history = NULL;
}

static void keep(const char *dir, const char *name, struct json_object *doc)
{
	char path[PATH_MAX];
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!util_fmt(path, sizeof(path), "%s/%s", dir, name))
		util_write_file_atomic(path, text, strlen(text));
}

/* Each finding as the round records it: what it is, not its evidence
 * (findings.json in the doctor's directory has that). */
static struct json_object *brief(struct json_object *findings)
{
	static const char *const keys[] = { "id", "node", "link", "severity", "advice" };
	struct json_object *arr = json_object_new_array();
	size_t i, k;

	for (i = 0; i < json_object_array_length(findings); i++) {
		struct json_object *f = json_object_array_get_idx(findings, i), *o = json_object_new_object();

		for (k = 0; k < ARRAY_SIZE(keys); k++)
			json_object_object_add(o, keys[k], jsonx_str(jsonx_str_at(f, keys[k])));
		json_object_array_add(arr, o);
	}
	return arr;
}

static void doctor_said(struct json_object *round, const char *rel, struct json_object *findings,
			const char *error)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "dir", jsonx_str(rel));
	json_object_object_add(d, "findings", findings ? brief(findings) : NULL);
	json_object_object_add(d, "error", jsonx_str(error));
	json_object_object_add(round, "doctor", d);
}

int tune_doctor(struct tune_ctx *c, struct json_object *round, struct json_object **findings)
{
	struct json_object *input = NULL, *doc;
	char dir[PATH_MAX], rel[64], why[256];
	const char *paths[1] = { c->best_file };
	struct opts o;
	double t;
	int ret;

	*findings = NULL;
	snprintf(rel, sizeof(rel), "doctor/round-%d", c->round);
	if ((ret = util_fmt(dir, sizeof(dir), "%s/%s", c->out, rel)))
		return ret;
	step_opts(c, &o, dir);
	memcpy(o.variants, paths, sizeof(paths));
	o.n_variants = 1;
	o.n_scenarios = 0;   /* the doctor's own probe scenarios */
	o.duration = fmin(floor(c->o->duration), TUNE_DOCTOR_DURATION);
	if (!c->o->quiet && !c->o->json)
		fprintf(c->tty, "tune: round %d: doctor on %s (%s)\n", c->round,
			jsonx_str_at(c->best, "name"), dir);
	t = util_now_mono();
	ret = doctor_collect(&o, c->bed, &input);
	json_object_object_add(round, "doctor_elapsed_s", jsonx_num(util_now_mono() - t));
	if (ret == -EINTR || stop_requested()) {
		json_object_put(input);
		return -EINTR;
	}
	if (!ret)
		ret = doctor_diagnose(input, findings);
	if (ret) {
		c->doctor_unavailable = ret == -ENOTSUP;
		snprintf(why, sizeof(why), "%s", ret == -ENOTSUP ? "the doctor's probes need the nodes' "
			 "namespaces on this machine" : strerror(-ret));
		doctor_said(round, rel, NULL, why);
		json_object_put(input);
		return 0;   /* the sequence still proposes candidates */
	}
	keep(dir, "input.json", input);
	doc = json_object_new_object();
	json_object_object_add(doc, "findings", json_object_get(*findings));
	keep(dir, "findings.json", doc);
	json_object_put(doc);
	doctor_said(round, rel, *findings, NULL);
	json_object_put(input);
	return 0;
}

int tune_run(struct tune_ctx *c, const char *base, const char *cand, const char *dir)
{
	struct opts o;
	size_t i;

	step_opts(c, &o, dir);
	o.variants[0] = base;
	o.variants[1] = cand;
	o.n_variants = 2;
	for (i = 0; i < c->n_measured; i++)
		o.scenarios[i] = c->measured[i];
	o.n_scenarios = c->n_measured;
	return run_execute(&o, dir, c->bed);
}

/* As run.c's plan line: per item the measured and omitted seconds and
 * about 1.5 s of setup; then the warm-up, the testbed, canary and report. */
double tune_step_estimate(const struct tune_ctx *c)
{
	double per = floor(c->o->duration) + floor(c->o->omit) + 1.5;

	return per * 2.0 * (double)c->n_measured * (double)c->o->repeat +
	       (c->o->no_warmup ? 0 : 5) + 10;
}

double tune_doctor_estimate(const struct tune_ctx *c)
{
	return 4.0 * (fmin(floor(c->o->duration), TUNE_DOCTOR_DURATION) + floor(c->o->omit) + 2.0) + 15;
}

double tune_budget_left(const struct tune_ctx *c)
{
	if (c->t->budget_min <= 0)
		return INFINITY;
	return c->t->budget_min * 60.0 - (util_now_mono() - c->t0);
}

char *tune_run_skipped(const char *dir, const char *vname)
{
	struct json_object *run, *vs;
	char path[PATH_MAX], *why = NULL;
	size_t i;

	if (util_fmt(path, sizeof(path), "%s/run.json", dir) || !(run = json_object_from_file(path)))
		return NULL;
	vs = jsonx_get(run, "variants");
	for (i = 0; vs && i < json_object_array_length(vs); i++) {
		struct json_object *v = json_object_array_get_idx(vs, i);
		const char *name = jsonx_str_at(v, "name"), *s = jsonx_str_at(v, "skipped");

		if (name && !strcmp(name, vname) && s)
			why = strdup(s);
	}
	json_object_put(run);
	return why;
}
