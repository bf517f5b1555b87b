/* run_impl.h — internal to the run: the state of one `wgbench run` shared by
 * run.c (the steps), run_entry.c (one scenario measured into a runs[] entry)
 * and run_json.c (run.json). Not a public contract. */
#ifndef WGB_RUN_IMPL_H
#define WGB_RUN_IMPL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "opts.h"

struct json_object;
struct opts;
struct results;
struct scenario;
struct scenario_set;
struct topo;
struct traffic_flow;
struct traffic_flow_result;
struct variant;
struct variant_applied;
struct variant_set;

#define RUN_WARMUP_SECONDS 3
#define RUN_BASE_PORT 5201

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
	struct topo *topo;
	bool attached;                  /* topo is `topo up`'s (--attach): left up */
	const struct variant *cur_v;
	struct variant_applied *applied;
	struct results *res;
	struct json_object *run_json;
	double t_start_wall, t_end_wall, t_loop_start;
	double sampler_cpu;
	const char *warmup_scenario;
	double warmup_bps;
	bool failed;
	/* Another testbed (run.h's run_backend); NULL: topo here. */
	const struct run_backend *be;
	void *be_arg;
	unsigned int be_tunnels;        /* 0: its testbed is down */
	char be_wg_version[96];
	char be_drain[OPTS_TUNNELS_MAX][16]; /* drain addresses, the plan's */
};

/* run_bed.c. Tunnels of the live testbed, 0 when none is up; the tunnels a
 * variant needs (its own, else --tunnels, else an attached testbed's). */
unsigned int run_tunnels(const struct run_ctx *c);
unsigned int run_tunnels_for(const struct run_ctx *c, const struct variant *v);
/* --attach: claim `topo up`'s testbed and refuse what it cannot do (-EINVAL
 * etc., printed); without --attach, nothing. */
int run_attach(struct run_ctx *c);
int run_bring_up(struct run_ctx *c, unsigned int tunnels);
/* Revert the variant, and remove the testbed (release it, when attached). */
void run_bring_down(struct run_ctx *c);
/* Skip (recorded in run.json) each variant the testbed cannot do. */
void run_check_variants(struct run_ctx *c);
/* Testbed and variant as the item needs; NULL, or why not (malloc'd). */
char *run_prepare_item(struct run_ctx *c, const struct run_item *it);

/* One scenario's traffic, flows summed (DESIGN.md's runs[] metrics). */
struct run_measure {
	bool ok;
	char *error;
	unsigned int flows, tests, streams;
	double throughput_bps, sender_bps, lost_percent, jitter_ms, packets_per_s;
	long long retransmits;          /* -1: not TCP or unknown */
	double t_clients;               /* monotonic start of the clients */
	double wall_start, wall_end;
	struct traffic_flow *spec;      /* per test: address, port */
	struct traffic_flow_result *res;
	size_t n;
};

int run_measure(struct run_ctx *c, const struct scenario *s, int duration, int omit,
		struct run_measure *m);
void run_measure_clear(struct run_measure *m);
/* Measure one plan item (or record prep_error) into a runs[] entry. */
int run_entry(struct run_ctx *c, const struct run_item *it, const char *prep_error,
	      struct json_object **out);

int run_json_init(struct run_ctx *c);
void run_json_update(struct run_ctx *c);

bool run_stopped(void);
const volatile sig_atomic_t *run_stop_ptr(void);

#endif
