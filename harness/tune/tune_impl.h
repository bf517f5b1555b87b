/* tune_impl.h — internal to tune: the session's state shared by tune.c (the
 * loop), tune_cand.c (the candidate table and each round's order),
 * tune_merge.c (variants as JSON: normalised, merged, written), tune_step.c
 * (one measured step and the doctor), tune_judge.c (a step's verdicts and
 * the decision), tune_md.c (tune.md) and tune_persist.c (reference 002 §8's
 * files). The session's record is one JSON document, tune.json; tune.md and
 * the persistence files are rendered from it by pure functions (tests drive
 * them with fixtures). Not a public contract.
 */
#ifndef WGB_TUNE_IMPL_H
#define WGB_TUNE_IMPL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "opts.h"
#include "tune.h"

struct bed;
struct json_object;
struct scenario_set;

#define TUNE_SCHEMA "wgbench.tune/1"
/* Reference 002 §5.3/§10: "sub-100 per 30s test" drops are trivial. */
#define TUNE_DROPS_TRIVIAL_PER_30S 100.0
#define TUNE_DOCTOR_DURATION 3           /* s, the doctor's own default */
#define TUNE_NAME_MAX 64                 /* a variant name (variant_parse.c) */

enum tune_cand_state { CAND_NEW, CAND_REJECTED, CAND_SKIPPED, CAND_KEPT };

/* One candidate of the pool: a row of the table or a --candidates file. */
struct tune_cand {
	char name[TUNE_NAME_MAX + 1];
	char file[PATH_MAX];
	const char *minus;              /* the row's cumulative base, or NULL */
	const char *ref;                /* where the field guides name it */
	bool listed;                    /* from --candidates (else the table) */
	enum tune_cand_state state;
	struct json_object *tried_for;  /* finding ids that proposed it when it was rejected */
	/* this round: */
	bool listed_now;                /* in this round's listing already */
	struct json_object *proposed_by;   /* ids (array of strings), owned */
	char vname[TUNE_NAME_MAX + 1];  /* its merged variant's name */
	char vfile[PATH_MAX];           /* OUT/variants/<vname>.json */
	struct json_object *adds;       /* the entries it adds to the best (owned) */
	bool runnable;                  /* merged, checked: to be measured */
};

struct tune_ctx {
	const struct tune_opts *t;
	const struct opts *o;
	struct bed *bed;
	FILE *tty;
	const char *out;
	double t0;                      /* util_now_mono() at the start */
	struct scenario_set *all;
	const char *measured[OPTS_MAX_LIST];   /* scenarios of every step */
	size_t n_measured;
	const char *targets[OPTS_MAX_LIST];
	size_t n_targets;
	struct tune_cand *cands;
	size_t n_cands;
	char vdir[PATH_MAX];            /* the shipped variants */
	/* Variants as normalised JSON (tune_merge.c). */
	struct json_object *start, *best;
	/* Parallel to best's "set": {"step", "candidate", "read_back"} per entry. */
	struct json_object *prov;
	char start_file[PATH_MAX], best_file[PATH_MAX];
	struct json_object *doc;        /* tune.json */
	bool doctor_unavailable;        /* this backend has no doctor (round 1 said why) */
	bool history_failed;            /* a run could not be recorded in --history */
	int n_steps, round;
};

/* tune_cand.c */
/* The pool from --candidates or the table; -EINVAL (printed) on a bad name. */
int tune_cand_pool(struct tune_ctx *c);
void tune_cand_free(struct tune_ctx *c);
/* This round's order (indices into c->cands, *n of them) from the
 * findings (NULL: none): proposed ones first, then the sequence. Writes the
 * round's "candidates" and "unaddressed" into round. */
int tune_cand_order(struct tune_ctx *c, struct json_object *findings, struct json_object *round,
		    size_t *order, size_t *n);
/* Merge each ordered candidate onto the best and check it on the bed (up
 * for the checks, down again); sets runnable, else records it skipped. */
int tune_cand_prepare(struct tune_ctx *c, const size_t *order, size_t n);
/* "rps-rfs threaded-napi ..." for a finding id, or NULL. */
const char *tune_cand_advice(const char *finding);

/* tune_merge.c */
/* A variant document in tune's form: "set" entries one knob each. */
int tune_variant_normalize(struct json_object *doc, struct json_object **out);
int tune_variant_load(const char *path, struct json_object **out);
/* The built-in baseline: the testbed as it is. */
struct json_object *tune_variant_baseline(void);
/* "node|link|knob|sysctl-name": entries with equal keys set the same thing. */
void tune_entry_key(struct json_object *e, char *buf, size_t len);
/* wide sets the same knob as e on every node of e ("all" covers "source"). */
bool tune_entry_covers(struct json_object *wide, struct json_object *e);
/* cand's entries that neither minus (may be NULL) nor best already has. */
int tune_variant_delta(struct json_object *cand, struct json_object *minus, struct json_object *best,
		       struct json_object **adds);
/* best + adds (replacing entries of equal key), with name and description;
 * tunnels from cand when it says (0: best's). */
int tune_variant_merge(struct json_object *best, struct json_object *adds, unsigned int tunnels,
		       const char *name, const char *description, struct json_object **out);
unsigned int tune_variant_tunnels(struct json_object *v);
int tune_variant_write(struct json_object *v, const char *path);
/* A name the variant parser accepts, from any text. */
void tune_safe_name(char *buf, size_t len, const char *text);

/* tune_step.c */
/* The doctor on the best into OUT/doctor/round-K; *findings NULL when it
 * could not run (round gets "doctor" with the reason). -EINTR on a signal. */
int tune_doctor(struct tune_ctx *c, struct json_object *round, struct json_object **findings);
/* One run of [base, cand] into dir; its run_execute() result. */
int tune_run(struct tune_ctx *c, const char *base, const char *cand, const char *dir);
/* Why the run in dir skipped variant vname (run.json), malloc'd; NULL: it did not. */
char *tune_run_skipped(const char *dir, const char *vname);
/* Seconds a step / the doctor will take, for the budget. */
double tune_step_estimate(const struct tune_ctx *c);
double tune_doctor_estimate(const struct tune_ctx *c);
/* Seconds left of the budget; INFINITY without one. */
double tune_budget_left(const struct tune_ctx *c);

/* tune_final.c */
/* The candidates kept, in step order (a new array). */
struct json_object *tune_kept_names(const struct tune_ctx *c);
/* tuned.json, tune.json's "final", persist/. 0 or -errno (printed). */
int tune_write_final(struct tune_ctx *c);
/* The last lines, or tune.json on stdout with --json. */
void tune_say_end(const struct tune_ctx *c);

/* tune_judge.c */
struct tune_judge_in {
	const char *dir;
	const char *names[2];           /* the best, the candidate */
	const char *const *targets;
	size_t n_targets;
	const struct scenario_set *all;
	double threshold_percent, rtt_slack_ms, duration_s;
};
/* {"pairs":[...], "cells":{...}, "improved", "blocked", "reasons":[...]};
 * -errno when the results cannot be read (printed). */
int tune_judge(const struct tune_judge_in *in, struct json_object **out);

/* tune_md.c: tune.md from tune.json (pure). */
int tune_md_render(struct json_object *doc, char **out);

/* tune_record.c: c->doc and c->prov for a session about to start. */
void tune_record_init(struct tune_ctx *c);
/* --history: the run in dir recorded as `run --history` records one; its
 * id into st's "history_run" (null, said and remembered when it fails). */
void tune_history_add(struct tune_ctx *c, const char *dir, struct json_object *st);
/* tune.json and tune.md into OUT, atomically. */
int tune_write_record(const struct tune_ctx *c);

/* tune_persist.c: §8 from tune.json's "final" (pure): the sysctl.d file,
 * the unit and its script. */
struct tune_persist {
	char *sysctl, *unit, *script;
};
int tune_persist_render(struct json_object *doc, struct tune_persist *out);
void tune_persist_clear(struct tune_persist *p);
/* Read back values for the entries a step's variant set (its run.json). */
int tune_read_back(const char *run_dir, const char *vname, struct json_object *entry,
		   struct json_object **out);

#endif
