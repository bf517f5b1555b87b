/* run.c — one complete run (see run.h): the steps of `wgbench run`.
 *
 * Everything a user supplied is validated before the machine is touched
 * (scenarios, variants, output directory). Then: testbed up, a discarded
 * warm-up, and for each repeat every variant x scenario in a seeded shuffled
 * order, so drift spreads over all of them instead of biasing the last ones.
 * results.json is rewritten after every scenario; SIGINT/SIGTERM stop the
 * current scenario, and the variant is reverted and the testbed removed on
 * every path.
 */
#include "run.h"
#include "run_impl.h"
#include "bed.h"
#include "canary.h"
#include "opts.h"
#include "report.h"
#include "results.h"
#include "scenario.h"
#include "stop.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* The five of DESIGN.md first, in its order; any other file after them. */
static const char *const canonical[] = { "tcp-fwd", "tcp-rev", "udp", "udp-small", "tcp-single" };

static int select_scenarios(struct run_ctx *c)
{
	const struct opts *o = c->o;
	size_t i, j, n = scenario_count(c->all);

	c->sel = calloc(n + OPTS_MAX_LIST, sizeof(*c->sel));
	if (!c->sel)
		return -ENOMEM;
	if (!o->n_scenarios) {
		for (i = 0; i < ARRAY_SIZE(canonical); i++)
			if (scenario_find(c->all, canonical[i]))
				c->sel[c->n_sel++] = scenario_find(c->all, canonical[i]);
		for (i = 0; i < n; i++) {
			for (j = 0; j < c->n_sel && c->sel[j] != scenario_at(c->all, i); j++)
				;
			if (j == c->n_sel)
				c->sel[c->n_sel++] = scenario_at(c->all, i);
		}
		return 0;
	}
	for (i = 0; i < o->n_scenarios; i++) {
		const struct scenario *s = scenario_find(c->all, o->scenarios[i]);

		if (!s) {
			char known[512] = "";

			for (j = 0; j < n; j++) {
				strncat(known, j ? ", " : "", sizeof(known) - strlen(known) - 1);
				strncat(known, scenario_at(c->all, j)->name, sizeof(known) - strlen(known) - 1);
			}
			wgb_err("--scenario '%s': no such scenario (known: %s)", o->scenarios[i], known);
			return -EINVAL;
		}
		for (j = 0; j < c->n_sel; j++)
			if (c->sel[j] == s) {
				wgb_err("--scenario '%s': given twice", s->name);
				return -EINVAL;
			}
		c->sel[c->n_sel++] = s;
	}
	return 0;
}

static int whole_seconds(const char *flag, double v, int *out)
{
	if (v != floor(v)) {
		wgb_err("%s '%g': expected whole seconds (libiperf 3.12 counts in seconds)", flag, v);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

static int load_inputs(struct run_ctx *c)
{
	char dir[PATH_MAX];
	size_t i, j, nv;
	int ret;

	if ((ret = whole_seconds("--duration", c->o->duration, &c->duration)) ||
	    (ret = whole_seconds("--omit", c->o->omit, &c->omit)))
		return ret;
	if ((ret = scenario_default_dir(dir, sizeof(dir))))
		return ret;
	if ((ret = scenario_load_dir(dir, &c->all)))
		return ret == -ENOENT ? -EINVAL : ret;
	if ((ret = select_scenarios(c)))
		return ret;
	if ((ret = variant_load_all(c->o->variants, c->o->n_variants, &c->vs)))
		return ret;
	nv = variant_count(c->vs);
	for (i = 0; i < nv; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(variant_name(variant_get(c->vs, i)), variant_name(variant_get(c->vs, j)))) {
				wgb_err("variant name '%s' used by two files: names key the results",
					variant_name(variant_get(c->vs, i)));
				return -EINVAL;
			}
	for (i = 0, c->vname_width = 8; i < nv; i++)   /* the progress lines' column */
		if (strlen(variant_name(variant_get(c->vs, i))) > c->vname_width)
			c->vname_width = strlen(variant_name(variant_get(c->vs, i)));
	c->vstate = calloc(nv, sizeof(*c->vstate));
	return c->vstate ? 0 : -ENOMEM;
}

/* splitmix64: a tiny, documented generator, so a seed gives the same order
 * on every machine and libc. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Every round: each variant the bed can do x each scenario, in an order
 * shuffled afresh (Fisher-Yates, seeded). --repeat N plans N rounds; auto
 * plans up to the most any budget could hold and runs as many as its rule
 * says. Called again when variants were skipped: the same seed, without them. */
static int make_plan(struct run_ctx *c)
{
	size_t nv = variant_count(c->vs), r, i, k = 0, *active, na = 0;
	uint64_t state;

	active = calloc(nv ? nv : 1, sizeof(*active));
	if (!active)
		return -ENOMEM;
	for (i = 0; i < nv; i++)
		if (!c->vstate[i].skip)
			active[na++] = i;
	state = c->seed;
	c->per_round = na * c->n_sel;
	c->rounds_cap = c->seq ? RUN_ROUNDS_MAX : c->o->repeat;
	c->n_plan = c->per_round * c->rounds_cap;
	free(c->plan);
	c->plan = calloc(c->n_plan ? c->n_plan : 1, sizeof(*c->plan));
	if (!c->plan) {
		free(active);
		return -ENOMEM;
	}
	for (r = 0; r < c->rounds_cap; r++) {
		struct run_item *blk = &c->plan[r * c->per_round];

		for (i = 0; i < c->per_round; i++)
			blk[i] = (struct run_item){ .variant = active[i / c->n_sel],
						    .scenario = c->sel[i % c->n_sel],
						    .repeat = (unsigned int)r + 1 };
		for (i = c->per_round; i > 1; i--) {   /* Fisher-Yates within the round */
			size_t j = (size_t)(splitmix64(&state) % i);
			struct run_item tmp = blk[i - 1];

			blk[i - 1] = blk[j];
			blk[j] = tmp;
		}
		for (i = 0; i < c->per_round; i++)
			blk[i].seq = ++k;
	}
	c->n_expect = c->per_round * (c->seq ? c->o->repeat : c->rounds_cap);
	free(active);
	return 0;
}

static int make_seed(struct run_ctx *c)
{
	if (c->o->have_seed)
		c->seed = c->o->seed;
	else if (getrandom(&c->seed, sizeof(c->seed), 0) != sizeof(c->seed))
		c->seed = (uint64_t)util_now_wall() ^ ((uint64_t)getpid() << 32);
	c->seq = c->o->repeat_auto;
	if (c->o->budget_min > 0 && !c->seq) {
		wgb_err("--budget: only with --repeat auto[:MIN] (a fixed --repeat runs its rounds)");
		return -EINVAL;
	}
	c->budget_s = c->o->budget_min > 0 ? c->o->budget_min * 60 :
		      VERDICT_SEQ_BUDGET_PER_SCENARIO_S * (double)c->n_sel;
	return make_plan(c);
}

static double item_seconds(const struct run_ctx *c)
{
	return c->duration + c->omit + 1.5;
}

static void print_plan(const struct run_ctx *c)
{
	double total = item_seconds(c) * (double)c->n_expect + (c->o->no_warmup ? 0 : 5);

	if (c->o->quiet)
		return;
	if (c->seq)
		fprintf(c->tty, "wgbench run: %zu scenario(s) x %zu variant(s), rounds until every pair is "
			"decided (at least %u, within %.1f min of rounds); a round is %zu runs of %d s "
			"(+%d s omitted), about %dm%02ds; seed %llu\n", c->n_sel, variant_count(c->vs),
			c->o->repeat, c->budget_s / 60, c->per_round, c->duration, c->omit,
			(int)(item_seconds(c) * (double)c->per_round) / 60,
			(int)(item_seconds(c) * (double)c->per_round) % 60, (unsigned long long)c->seed);
	else
		fprintf(c->tty, "wgbench run: %zu scenario(s) x %zu variant(s) x %u repeat(s) = %zu runs of %d s "
			"(+%d s omitted), about %dm%02ds; seed %llu\n", c->n_sel, variant_count(c->vs),
			c->o->repeat, c->n_plan, c->duration, c->omit, (int)total / 60, (int)total % 60,
			(unsigned long long)c->seed);
	fprintf(c->tty, "results: %s\n", c->out_dir);
	fflush(c->tty);
}

static void warm_up(struct run_ctx *c)
{
	const struct scenario *s = scenario_find(c->all, "tcp-single");
	struct bed_measure_spec sp = {
		.duration = RUN_WARMUP_SECONDS, .omit = 1, .flows = c->o->flows,
		.streams = c->o->flow_mode == FLOW_MODE_STREAMS, .base_port = RUN_BASE_PORT,
		.stop = stop_flag(),
	};
	struct bed_measure m;

	if (c->o->no_warmup || !bed_tunnels(c->bed))
		return;
	if (!s)
		s = c->sel[0];
	sp.s = s;
	if (bed_measure(c->bed, &sp, &m)) {
		if (!c->o->quiet)
			fprintf(c->tty, "warm-up (discarded): %s %d s failed: %s\n", s->name, RUN_WARMUP_SECONDS,
			       m.error ? m.error : "?");
	} else if (!c->o->quiet) {
		fprintf(c->tty, "warm-up (discarded): %s %d s: %.1f Mbit/s\n", s->name, RUN_WARMUP_SECONDS,
		       m.throughput_bps / 1e6);
	}
	c->warmup_bps = m.ok ? m.throughput_bps : NAN;
	c->warmup_scenario = s->name;
	bed_measure_clear(&m);
	fflush(c->tty);
}

static void progress_line(struct run_ctx *c, const struct run_item *it, struct json_object *e)
{
	const char *vname = variant_name(variant_get(c->vs, it->variant));
	struct json_object *v;
	double elapsed = util_now_mono() - c->t_loop_start;
	double eta = elapsed / (double)c->n_done *
		     (double)(c->n_expect > c->n_done ? c->n_expect - c->n_done : 0);
	char extra[96] = "";

	if (!json_object_object_get_ex(e, "ok", &v) || !json_object_get_boolean(v)) {
		json_object_object_get_ex(e, "error", &v);
		wgb_err("[%zu/%s%zu] %s %s r%u FAILED: %s", c->n_done, c->seq ? "≤" : "", c->n_expect, vname,
			it->scenario->name, it->repeat, json_object_get_string(v));
		return;
	}
	if (c->o->quiet)
		return;
	if (it->scenario->protocol == SCENARIO_UDP) {
		json_object_object_get_ex(e, "lost_percent", &v);
		snprintf(extra, sizeof(extra), "loss %.2f%%", json_object_get_double(v));
	} else {
		json_object_object_get_ex(e, "retransmits", &v);
		snprintf(extra, sizeof(extra), "retransmits %lld", (long long)json_object_get_int64(v));
	}
	json_object_object_get_ex(e, "throughput_bps", &v);
	fprintf(c->tty, "[%*zu/%s%zu] %-*s %-10s r%-2u %10.1f Mbit/s  %-18s ETA %s%dm%02ds\n",
		snprintf(NULL, 0, "%zu", c->n_expect), c->n_done, c->seq ? "≤" : "", c->n_expect,
		(int)c->vname_width, vname,
		it->scenario->name, it->repeat, json_object_get_double(v) / 1e6, extra,
		c->seq ? "≤ " : "", (int)eta / 60, (int)eta % 60);
	fflush(c->tty);
}

/* One round: its items in their shuffled order; false when stopped. */
static bool run_round(struct run_ctx *c, unsigned int r)
{
	size_t i;

	for (i = (size_t)r * c->per_round; i < (size_t)(r + 1) * c->per_round; i++) {
		const struct run_item *it = &c->plan[i];
		struct json_object *entry = NULL;
		char *err;

		if (stop_requested())
			return false;
		err = run_prepare_item(c, it);
		if (stop_requested()) {
			free(err);
			return false;
		}
		if (run_entry(c, it, err, &entry) == 0 && stop_requested()) {
			/* Cut short by the signal: not a measurement, not kept. */
			json_object_put(entry);
		} else if (entry) {
			if (results_add_run(c->res, entry))
				wgb_err("%s/results.json could not be written", c->out_dir);
			c->n_done++;
			progress_line(c, it, entry);
		}
		free(err);
	}
	return !stop_requested();
}

static void run_all(struct run_ctx *c)
{
	unsigned int r;

	c->t_loop_start = util_now_mono();
	for (r = 0; r < c->rounds_cap; r++) {
		double t0 = util_now_mono();

		if (!run_round(c, r))
			break;
		c->rounds_done = r + 1;
		if (c->seq && run_seq_after_round(c, util_now_mono() - t0))
			break;
	}
	if (c->seq && !c->seq_stop)
		c->seq_stop = stop_requested() ? "interrupted" : "rounds";
}

/* The machine's speed with the testbed up and idle, before and after the
 * measurements: a verdict between two runs can then tell a slower machine
 * from a slower tunnel. */
static void take_canary(struct run_ctx *c, struct json_object **slot)
{
	struct canary_result r;

	if (stop_requested() || canary_run(RUN_CANARY_SECONDS, &r))
		return;
	json_object_put(*slot);
	*slot = canary_json(&r);
	if (!c->o->quiet)
		fprintf(c->tty, "canary %s: %.0f ChaCha20-Poly1305 packets/s on %zu CPU(s)\n",
			slot == &c->canary_before ? "before" : "after", r.ops_per_s, r.ncpu);
}

static void ctx_free(struct run_ctx *c)
{
	size_t i;

	json_object_put(c->canary_before);
	json_object_put(c->canary_after);
	json_object_put(c->looks);
	for (i = 0; c->vstate && i < variant_count(c->vs); i++) {
		free(c->vstate[i].skip);
		json_object_put(c->vstate[i].applied);
	}
	free(c->vstate);
	free(c->plan);
	free(c->sel);
	variant_set_free(c->vs);
	scenario_set_free(c->all);
	results_free(c->res);
	json_object_put(c->run_json);
}

static void print_summary_json(const struct run_ctx *c)
{
	struct json_object *doc, *sum = NULL, *out;
	char path[PATH_MAX];

	if (util_fmt(path, sizeof(path), "%s/results.json", c->out_dir))
		return;
	doc = json_object_from_file(path);
	out = json_object_new_object();
	if (doc)
		json_object_object_get_ex(doc, "summary", &sum);
	json_object_object_add(out, "results_dir", json_object_new_string(c->out_dir));
	json_object_object_add(out, "ok", json_object_new_boolean(!c->failed && !stop_requested()));
	json_object_object_add(out, "summary", sum ? json_object_get(sum) : json_object_new_array());
	printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	json_object_put(doc);
}

static int finish(struct run_ctx *c)
{
	int ret;

	c->t_end_wall = util_now_wall();
	run_json_update(c);
	ret = results_flush(c->res);
	if (stop_requested()) {
		wgb_err("stopped by signal %d: %zu of %zu runs finished, kept in %s/results.json "
			"(`wgbench report %s` makes the tables)", stop_signal(), c->n_done,
			c->n_plan, c->out_dir, c->out_dir);
		return -EINTR;
	}
	if (!ret && report_write(c->out_dir, c->o->quiet || c->o->json))
		wgb_warn("the report of %s could not be made completely", c->out_dir);
	if (c->o->json)
		print_summary_json(c);
	else if (!c->o->quiet)
		printf("done: %zu runs%s%s, %s%s%s; results in %s\n", c->n_done,
		       c->seq ? " in rounds until " : "", c->seq ? c->seq_stop : "",
		       c->failed ? "some FAILED" : "all ok",
		       c->n_skipped ? ", variant(s) skipped (see summary.md)" : "",
		       c->down_failed ? ", but the testbed was NOT fully taken down" : "", c->out_dir);
	if (ret)
		return ret;
	return c->failed || c->down_failed ? 1 : 0;
}

int run_preflight(const struct opts *o, const char *out_dir)
{
	struct run_ctx c = { .o = o, .out_dir = out_dir, .tty = stderr };
	int ret = load_inputs(&c);

	if (!ret)
		ret = make_plan(&c);
	if (!ret)
		ret = results_check_dir(out_dir, o->force);
	ctx_free(&c);
	return ret;
}

int run_execute(const struct opts *o, const char *out_dir, struct bed *bed)
{
	struct run_ctx c = { .o = o, .out_dir = out_dir, .bed = bed,
			     .tty = o->json ? stderr : stdout };
	struct stop_scope stop;
	int ret;

	ret = load_inputs(&c);
	if (!ret)
		ret = make_seed(&c);
	if (!ret)
		ret = run_check_fits(&c);
	if (!ret)
		ret = results_open(out_dir, o->force, &c.res);
	if (ret)
		goto out;
	c.t_start_wall = util_now_wall();
	if ((ret = run_json_init(&c)))
		goto out;
	print_plan(&c);
	stop_install(&stop);
	ret = run_bring_up(&c, run_tunnels_for(&c, variant_get(c.vs, c.plan[0].variant)));
	if (ret) {
		wgb_err("the testbed could not be built: %s", strerror(-ret));
	} else {
		run_json_update(&c);
		ret = run_check_variants(&c);
		if (!ret && c.n_skipped)
			ret = make_plan(&c);   /* the same seed, without them */
	}
	if (!ret) {
		run_json_update(&c);
		take_canary(&c, &c.canary_before);
		warm_up(&c);
		run_all(&c);
		take_canary(&c, &c.canary_after);
	}
	c.down_failed = run_bring_down(&c) != 0;
	stop_restore(&stop);
	if (ret) {
		c.failed = true;
		c.t_end_wall = util_now_wall();
		run_json_update(&c);
		results_flush(c.res);
		goto out;
	}
	ret = finish(&c);
out:
	ctx_free(&c);
	return ret;
}
