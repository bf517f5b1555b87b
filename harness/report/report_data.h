/* report_data.h — a results directory loaded and reduced to cells, shared by
 * report_*.c, compare.c and cmd_sweep.c (internal to the report layer).
 *
 * report_data_load() reads RESULTS_DIR/results.json (schema wgbench.results/1
 * or /2) and run.json (optional) strictly: a field of the wrong type fails
 * the load naming the file, the runs[] entry and the field (report_check.c),
 * and every successful run's throughput is recomputed from the raw iperf3
 * JSON it references and must match (report_raw.c). It groups runs[] into
 * one cell per variant x scenario and computes each cell's statistics from
 * the raw per-repeat values, and each variant's verdict against the first
 * (verdict.h, one Holm family per run). Variants are ordered as run.json
 * lists them (the first is the baseline), else by first appearance;
 * scenarios in the stable order of DESIGN.md, others after. A repeat is
 * successful when "ok" is true and its throughput above 0 (0 bit/s carried
 * nothing: counted as failed). Evidence columns (retransmits, drops, CPU)
 * are medians over the successful repeats; NAN where no repeat carried the
 * value (no sampler): tables print "–".
 */
#ifndef WGB_REPORT_DATA_H
#define WGB_REPORT_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"
#include "verdict.h"

struct json_object;

#define REPORT_SCHEMA_1 "wgbench.results/1"
#define REPORT_SCHEMA_2 "wgbench.results/2"

/* Evidence columns, each the median over the ok repeats of one cell. */
enum report_metric {
	RM_RETRANSMITS,        /* TCP retransmits per run */
	RM_LOST_PERCENT,       /* UDP loss */
	RM_TOP_SOFTIRQ,        /* %softirq of the busiest core */
	RM_SOFTNET_DROPS,      /* softnet_dropped delta */
	RM_IF_DROPS,           /* rx + tx drops over every node's interfaces */
	RM_UDP_BUF_ERRORS,     /* udp_rcvbuf_errors + udp_sndbuf_errors */
	RM_TUNNEL_CPU,         /* busiest node's tunnel CPU, % of one core */
	RM_CPU_BUSY,           /* sum over cores of (100 - idle), % of one core */
	RM_COUNT
};

struct report_cell {
	const char *variant, *scenario;   /* point into report_data's name lists */
	size_t n_runs, n_ok;              /* every repeat, and those that succeeded */
	double *bps;                      /* n_ok receiver throughputs */
	int *ok_repeat;                   /* n_ok: their "repeat" numbers (-1 if absent) */
	double *rtt_p99;                  /* n_rtt: runs[].latency.rtt_ms.p99 of the ok repeats */
	size_t n_rtt;
	double rtt_p50_ms, rtt_p99_ms;    /* medians over the ok repeats; NAN: not measured */
	struct json_object **runs;        /* n_runs borrowed runs[] entries */
	struct stats_summary s;           /* valid when n_ok > 0 */
	/* interference over the ok repeats (runs[].interference); NAN: not measured */
	double foreign_cpu_max, steal_max;
	double *ok_foreign, *ok_steal;    /* n_ok, as bps[]: each ok repeat's; NAN: not measured */
	int foreign_repeat, steal_repeat;
	size_t n_interference;
	bool has_vs;                      /* false for the baseline variant's cells */
	struct verdict_pair vs;           /* against the baseline variant, same scenario */
	double metric[RM_COUNT];
	bool udp;                         /* loss, not retransmits, is the relevant column */
};

struct report_data {
	char *dir;
	struct json_object *results;      /* owned */
	struct json_object *run;          /* owned; NULL when run.json is absent */
	char **variants;
	size_t n_variants;
	char **scenarios;
	size_t n_scenarios;
	struct report_cell *cells;        /* n_variants * n_scenarios, row-major by variant */
	double canary_before, canary_after;   /* run.json canary ops_per_s; NAN: not measured */
	size_t n_ok_runs, n_raw_verified; /* successful runs, and those checked against raw/ */
	size_t n_pairs;                   /* cells with has_vs: the summary's Holm family */
	char **skipped;                   /* n_variants: why the run skipped it, or NULL */
	double alpha;                     /* of the summary's tests: STATS_ALPHA, or the
					   * per-look level of a sequential run (verdict_seq.h) */
	struct json_object *sequential;   /* borrowed: run.json "sequential", or NULL */
};

/* 0; -ENOENT (no results.json), -EPROTO (schema), -EINVAL (bad content),
 * each after printing one line naming the file and the problem. */
int report_data_load(const char *dir, struct report_data **out);
/* The same from documents in memory (a BASE that is not a directory: the
 * runs of a history); label stands for the directory in messages. Takes
 * both (run may be NULL), also on failure. */
/* The same from the two files' text (run NULL: no run.json); dir names them
 * in messages and is where raw/ paths are read from. */
int report_data_parse(const char *dir, const char *results, const char *run,
		      struct report_data **out);
int report_data_from_json(const char *label, struct json_object *results, struct json_object *run,
			  struct report_data **out);
void report_data_free(struct report_data *d);
struct report_cell *report_cell(const struct report_data *d, size_t v, size_t s);

/* The side of a cell in a verdict: throughput, or latency (p99 RTT). */
void report_cell_side(const struct report_data *d, const struct report_cell *c, bool latency,
		      struct verdict_side *out);

/* summary[]'s verdicts (report_summary.c): each variant against the first,
 * every scenario, one Holm family at d->alpha. Within one run the sides were
 * interleaved, so the run's own level of interference (its median) is the
 * machine as every variant had it; a repeat more than the limits above it is
 * set aside on its own and the pair judged on the calm ones, said in its
 * why; the pair is disturbed when fewer than 2 calm repeats are left on a
 * side. Variants the run skipped are VERDICT_SKIPPED. */
int report_summary_judge(struct report_data *d);

/* Lenient readers (report_json.c): absent, null or another type is NULL/NAN. */
struct json_object *report_json_get(struct json_object *o, const char *key);
double report_json_num(struct json_object *v);
const char *report_json_str(struct json_object *o, const char *key);

/* Strict checks (report_check.c), each printing one line naming the file,
 * the entry and the field: 0 or -EINVAL. */
int report_check_run_entry(const char *file, size_t i, struct json_object *e);
int report_check_canary(const char *file, struct json_object *run, double *before, double *after);
/* run.json "sequential" (--repeat auto): null/absent, or an object whose
 * "alpha_per_look" is null or in (0, STATS_ALPHA]; *alpha that, else
 * STATS_ALPHA. */
int report_check_sequential(const char *file, struct json_object *run, double *alpha);
/* Recomputes runs[i]'s throughput from its raw iperf3 JSON (report_raw.c);
 * *verified when every flow had its file and the sum matched; -EINVAL on a
 * mismatch or an unreadable referenced file (message printed). */
int report_raw_verify(const char *dir, const char *file, size_t i, struct json_object *e,
		      bool *verified);

/* The `cpu` / `drops` readers (report_run.c), in one place so a change in
 * the sampler's keys is a change here only. NAN when absent. */
double report_run_metric(struct json_object *run, enum report_metric m);
/* The tunnel's CPU on one node (% of one core), NAN when not measured. */
double report_run_node_tunnel_cpu(struct json_object *run, const char *node);
/* Per-core averages of one run: *n cores, arrays of usr/sys/softirq/irq/idle
 * (caller frees *out, 5 * n doubles, core-major). -ENOENT without cpu data. */
int report_run_cores(struct json_object *run, double **out, size_t *n);
/* run.json start time as epoch seconds; NAN if unknown. */
double report_run_start(const struct report_data *d);

/* Number formatting shared by the tables: "941.2 Mbit/s", "–" for NAN. */
void report_fmt_bps(char *buf, size_t len, double bps);
void report_fmt_num(char *buf, size_t len, double v, int decimals);
/* "92.7 Mbit/s [85.8 Mbit/s – 139.2 Mbit/s, 75.0%]": the median, its
 * interval and the interval's real level; "(n = 1: no interval)". */
void report_fmt_median(char *buf, size_t len, const struct stats_summary *s, size_t n_ok);
/* Names safe in a gnuplot data file and a file name: [A-Za-z0-9._+-], else '_'. */
void report_safe_name(char *buf, size_t len, const char *name);

/* The writers behind report_write(), one file each. The *_render functions
 * build text in memory (tests compare it); the *_write ones put files in
 * d->dir. 0 or -errno. */
int report_table_md(const struct report_data *d, char **out);
int report_table_csv(const struct report_data *d, char **out);
int report_table_write(const struct report_data *d);
/* The line above the tables: what was checked against raw/, interference
 * and canary measured or not (malloc'd; NULL without memory). */
char *report_table_evidence(const struct report_data *d);
/* plots/: .dat, .gp, PNG, SVG; a missing gnuplot is a warning, not an error. */
int report_plot_write(const struct report_data *d, bool quiet);
int report_html_write(const struct report_data *d);
/* Timelines of scenario s (report_timeline.c), drawn through report_plot.c's draw(). */
int report_plot_timelines(const struct report_data *d, const char *plots, size_t s,
			  int (*draw)(const char *plots, const char *base, const char *tmpl,
				      const char *header, bool *have_gnuplot),
			  bool *have_gnuplot);
/* The latency probe's per-probe file of one run (report_latency.c):
 * runs[].latency_samples, t on the samples' monotonic clock, rtt NAN for a
 * lost probe; caller frees *out. -ENOENT when the run has none. */
struct report_probe {
	double t, rtt;
};
int report_latency_read(const struct report_data *d, struct json_object *run,
			struct report_probe **out, size_t *n);
/* runs[].window: the measured interval on the samples' clock; false without. */
bool report_run_window(struct json_object *run, double *w0, double *w1);
/* The RTT CDF of scenario s, a line per variant (rtt-cdf-<scenario>.*). */
int report_plot_rtt_cdf(const struct report_data *d, const char *plots, size_t s,
			int (*draw)(const char *plots, const char *base, const char *tmpl,
				    const char *header, bool *have_gnuplot),
			bool *have_gnuplot);
/* Runs `gnuplot SCRIPT` in dir (fork/exec, no shell); 0, or -errno / -ECHILD. */
int report_gnuplot(const char *dir, const char *script);
/* A plot template from plots/ (WGB_PLOTS_DIR, ./plots, next to the binary,
 * or the installed data dir); caller frees. */
int report_template(const char *name, char **out);
/* A sweep's scaling plots in out_dir from out_dir/<param>-<value>/ (each a
 * results directory): per variant x scenario, aggregate throughput (median,
 * interval) and CPU against the value; scaling-*.dat/.gp/.png/.svg. Values
 * whose directory is missing or unreadable are left out with a warning. */
int report_scaling_write(const char *out_dir, const char *param, const unsigned int *values,
			 size_t n_values, bool quiet);
/* Write a file under dir, atomically. */
int report_put(const char *dir, const char *name, const char *text, size_t len);

#endif
