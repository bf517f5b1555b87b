/* run_seq.c — `--repeat auto[:MIN]`: after each round, the stopping rule of
 * verdict_seq.h on the verdicts report_judge() finds in the results
 * directory as it stands, the very computation summary[] makes at the end,
 * so the last look and the summary agree. Every look goes into run.json. */
#include "run_impl.h"
#include "report.h"
#include "util.h"
#include "verdict.h"
#include "verdict_seq.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static struct json_object *counts_json(const size_t count[VERDICT_COUNT])
{
	struct json_object *o = json_object_new_object();
	size_t k;

	for (k = 0; k < VERDICT_COUNT; k++)
		if (count[k])
			json_object_object_add(o, verdict_name((enum verdict_kind)k),
					       json_object_new_int64((int64_t)count[k]));
	return o;
}

static void say_look(const struct run_ctx *c, unsigned int look, double elapsed,
		     const size_t count[VERDICT_COUNT], struct json_object *undecided,
		     enum verdict_seq_stop stop)
{
	size_t k, i;

	if (c->o->quiet)
		return;
	fprintf(c->tty, "look %u of at most %u, after round %u (%dm%02ds), alpha %.3g:", look,
		c->seq_plan.looks, c->rounds_done, (int)elapsed / 60, (int)elapsed % 60,
		c->seq_plan.alpha_look);
	for (k = 0; k < VERDICT_COUNT; k++)
		if (count[k])
			fprintf(c->tty, " %zu %s", count[k], verdict_name((enum verdict_kind)k));
	for (i = 0; i < json_object_array_length(undecided); i++) {
		struct json_object *u = json_object_array_get_idx(undecided, i), *v, *s;

		json_object_object_get_ex(u, "variant", &v);
		json_object_object_get_ex(u, "scenario", &s);
		fprintf(c->tty, "%s%s/%s", i ? ", " : " (undecided: ", json_object_get_string(v),
			json_object_get_string(s));
	}
	fprintf(c->tty, "%s; %s\n", json_object_array_length(undecided) ? ")" : "",
		stop == VERDICT_SEQ_GO_ON ? "next round" : verdict_seq_stop_name(stop));
	fflush(c->tty);
}

/* Fixed after the first round, from its measured length, before any look:
 * the number of looks, and so each look's alpha, cannot depend on the data. */
static int fix_plan(struct run_ctx *c, double round_s)
{
	int ret = verdict_seq_plan(c->o->repeat, c->budget_s, round_s, &c->seq_plan);

	if (ret) {
		wgb_err("--repeat auto: no plan for a round of %.1f s in %.0f s", round_s, c->budget_s);
		return ret;
	}
	c->have_seq_plan = true;
	c->n_expect = c->per_round * c->seq_plan.max_rounds;
	if (!c->looks && !(c->looks = json_object_new_array()))
		return -ENOMEM;
	run_json_update(c);
	if (!c->o->quiet)
		fprintf(c->tty, "--repeat auto: a round takes %.0f s; at least %u and at most %u rounds, "
			"%u look(s), each at alpha %.3g (0.05 over the looks)\n", round_s,
			c->seq_plan.min_rounds, c->seq_plan.max_rounds, c->seq_plan.looks,
			c->seq_plan.alpha_look);
	return 0;
}

bool run_seq_after_round(struct run_ctx *c, double last_s)
{
	double elapsed = util_now_mono() - c->t_loop_start;
	size_t count[VERDICT_COUNT];
	struct json_object *undecided = NULL, *look;
	enum verdict_seq_stop stop;
	bool budget_ends;

	if (!c->have_seq_plan && fix_plan(c, last_s)) {
		c->seq_stop = "error";
		c->failed = true;
		return true;
	}
	if (c->rounds_done < c->seq_plan.min_rounds)
		return false;
	budget_ends = verdict_seq_budget_ends(&c->seq_plan, elapsed, last_s);
	if (!verdict_seq_is_look(&c->seq_plan, c->rounds_done) && !budget_ends)
		return false;
	if (report_judge(c->out_dir, count, &undecided)) {
		wgb_err("--repeat auto: the results so far could not be judged; stopping");
		c->seq_stop = "error";
		c->failed = true;
		return true;
	}
	stop = verdict_seq_after_look(&c->seq_plan, c->rounds_done, count, budget_ends);
	look = json_object_new_object();
	json_object_object_add(look, "round", json_object_new_int((int)c->rounds_done));
	json_object_object_add(look, "elapsed_s", json_object_new_double(elapsed));
	json_object_object_add(look, "alpha", json_object_new_double(c->seq_plan.alpha_look));
	json_object_object_add(look, "counts", counts_json(count));
	json_object_object_add(look, "undecided", undecided);
	json_object_object_add(look, "budget_ends", json_object_new_boolean(budget_ends));
	json_object_object_add(look, "stop", stop == VERDICT_SEQ_GO_ON ? NULL :
			       json_object_new_string(verdict_seq_stop_name(stop)));
	json_object_array_add(c->looks, look);
	say_look(c, (unsigned int)json_object_array_length(c->looks), elapsed, count, undecided, stop);
	if (stop != VERDICT_SEQ_GO_ON)
		c->seq_stop = verdict_seq_stop_name(stop);
	run_json_update(c);
	return stop != VERDICT_SEQ_GO_ON;
}
