/* report_data.h — a results directory loaded and reduced to cells, shared by
 * report_*.c, compare.c and cmd_sweep.c (internal to the report layer).
 *
 * report_data_load() reads RESULTS_DIR/results.json (schema checked) and
 * run.json (optional), groups runs[] into one cell per variant x scenario and
 * computes each cell's statistics from the raw per-repeat values. Variants are
 * ordered as run.json lists them (the first is the baseline), else by first
 * appearance; scenarios in the stable order of DESIGN.md, others after.
 * Evidence columns (retransmits, drops, CPU) are medians over the ok repeats;
 * NAN where no repeat carried the value (no sampler): tables print "–".
 */
#ifndef WGB_REPORT_DATA_H
#define WGB_REPORT_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"

struct json_object;

#define REPORT_SCHEMA "wgbench.results/1"

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
	struct json_object **runs;        /* n_runs borrowed runs[] entries */
	struct stats_summary s;           /* valid when n_ok > 0 */
	bool has_cmp;                     /* false for the baseline row and n_ok == 0 */
	struct stats_comparison cmp;      /* against the baseline variant, same scenario */
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
};

/* 0; -ENOENT (no results.json), -EPROTO (schema), -EINVAL (bad content),
 * each after printing one line naming the file and the problem. */
int report_data_load(const char *dir, struct report_data **out);
void report_data_free(struct report_data *d);
struct report_cell *report_cell(const struct report_data *d, size_t v, size_t s);

/* The `cpu` / `drops` readers, in one place so a change in the sampler's
 * keys is a change here only. NAN when absent. */
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
/* Names safe in a gnuplot data file and a file name: [A-Za-z0-9._+-], else '_'. */
void report_safe_name(char *buf, size_t len, const char *name);

/* The writers behind report_write(), one file each. The *_render functions
 * build text in memory (tests compare it); the *_write ones put files in
 * d->dir. 0 or -errno. */
int report_table_md(const struct report_data *d, char **out);
int report_table_csv(const struct report_data *d, char **out);
int report_table_write(const struct report_data *d);
/* plots/: .dat, .gp, PNG, SVG; a missing gnuplot is a warning, not an error. */
int report_plot_write(const struct report_data *d, bool quiet);
int report_html_write(const struct report_data *d);
/* Timelines of scenario s (report_timeline.c), drawn through report_plot.c's draw(). */
int report_plot_timelines(const struct report_data *d, const char *plots, size_t s,
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
