/* run_impl.h — internal to the run: the state of one `wgbench run` shared by
 * run.c (the steps), run_bed.c (the testbed and variant of each item, on the
 * bed), run_entry.c (one scenario measured into a runs[] entry) and
 * run_json.c (run.json). Not a public contract. */
#ifndef WGB_RUN_IMPL_H
#define WGB_RUN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "opts.h"
#include "verdict_seq.h"

struct bed;
struct json_object;
struct opts;
struct results;
struct scenario;
struct scenario_set;
struct variant;
struct variant_set;

#define RUN_WARMUP_SECONDS 3
#define RUN_CANARY_SECONDS 0.5
#define RUN_BASE_PORT 5201
#define RUN_ROUNDS_MAX 1000             /* --repeat auto's ceiling, as --repeat N's */

struct run_item {
	size_t variant;                 /* index in the variant set */
	const struct scenario *scenario;
	unsigned int repeat;            /* 1-based */
	size_t seq;                     /* 1-based position in the run order */
};

struct run_variant_state {
	char *skip;                     /* why variant_check() refused it, or NULL */
	struct json_object *applied;    /* what variant_applied_json() read back last */
};

struct run_ctx {
	/* The machine-speed canary (canary.h), around the measurements. */
	struct json_object *canary_before, *canary_after;
	const struct opts *o;
	const char *out_dir;
	FILE *tty;                      /* progress: stdout, stderr with --json */
	int duration, omit;
	struct scenario_set *all;
	const struct scenario **sel;
	size_t n_sel;
	struct variant_set *vs;
	struct run_variant_state *vstate;
	size_t vname_width;             /* longest variant name */
	uint64_t seed;
	struct run_item *plan;
	size_t n_plan, n_done;
	size_t per_round;               /* items of one round: active variants x scenarios */
	unsigned int rounds_cap;        /* rounds in plan[]: --repeat N, or auto's ceiling */
	unsigned int rounds_done;
	size_t n_expect;                /* the progress lines' total (auto: at most) */
	/* --repeat auto (verdict_seq.h): the plan, fixed after the first round
	 * from its measured length, the decision after each look, why it stopped */
	bool seq, have_seq_plan;
	struct verdict_seq_plan seq_plan;
	double budget_s;
	struct json_object *looks;
	const char *seq_stop;
	size_t n_skipped;
	struct bed *bed;                /* the testbed backend, the caller's */
	const struct variant *cur_v;    /* applied to the bed now */
	struct results *res;
	struct json_object *run_json;
	double t_start_wall, t_end_wall, t_loop_start;
	double sampler_cpu;
	const char *warmup_scenario;
	double warmup_bps;
	bool failed;
	bool down_failed;              /* a machine kept its part (bed_down) */
};

/* run_bed.c. The tunnels a variant needs (its own, else the bed's default:
 * --tunnels, or an attached testbed's). */
unsigned int run_tunnels_for(const struct run_ctx *c, const struct variant *v);
/* Every variant's tunnels on this bed (an attached one cannot be rebuilt):
 * 0, or -EINVAL after saying why, before anything is written. */
int run_check_fits(struct run_ctx *c);
int run_bring_up(struct run_ctx *c, unsigned int tunnels);
/* Revert the variant, and take the testbed down: bed_down()'s result. */
int run_bring_down(struct run_ctx *c);
/* Skip each variant the testbed cannot do (recorded in run.json and
 * results.json, not a failure); -ENOTSUP when none is left. */
int run_check_variants(struct run_ctx *c);
/* Testbed and variant as the item needs; NULL, or why not (malloc'd). */
char *run_prepare_item(struct run_ctx *c, const struct run_item *it);

/* run_entry.c. Measure one plan item (or record prep_error) into a runs[] entry. */
int run_entry(struct run_ctx *c, const struct run_item *it, const char *prep_error,
	      struct json_object **out);

/* run_seq.c. After round c->rounds_done took last_s seconds: fixes the
 * plan after the first, looks where it says; true when the rounds stop
 * (c->seq_stop says why). */
bool run_seq_after_round(struct run_ctx *c, double last_s);

int run_json_init(struct run_ctx *c);
void run_json_update(struct run_ctx *c);

#endif
