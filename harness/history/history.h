/* history.h — every run kept in a database (DESIGN.md "History").
 *
 * A store is a SQLite file (WAL and a busy timeout: two runs writing at once
 * lose nothing) or, for a `postgresql://` (or `postgres://`) URL, a PostgreSQL
 * database through libpq; history_open() picks the backend once and creates
 * or migrates the schema (a version number, migrations from every older one).
 *
 * A run is imported from its results directory (history_import.c): run.json
 * gives the fingerprint (machine id, CPU model, cores, kernel release and
 * version string, backend, WireGuard implementation and version, each
 * variant's name and content hash, the scenario parameters) and the start
 * time; results.json's summary[] gives one cell per variant x scenario (n,
 * median and its interval with the level it really has, CV, RTT p50/p99,
 * verdict, delta and p where present) and runs[] the per-repeat values.
 * Nothing is taken from the command line: what is stored is what the
 * directory says was measured.
 *
 * A series is one machine, backend, scenario and variant name in time order;
 * the kernel and the variant's content may change along it and each point
 * says which it ran. Functions return 0 or -errno after printing the cause.
 */
#ifndef WGB_HISTORY_H
#define WGB_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct history;

/* db: a file path (SQLite) or a postgresql:// URL. */
int history_open(const char *db, struct history **out);
void history_close(struct history *h);
const char *history_store_name(const struct history *h);   /* "sqlite", "postgresql" */
int history_schema_version(const struct history *h);

struct history_sample {
	int64_t repeat;
	double bps;                       /* receiver throughput; NAN if none */
	double rtt_p99_ms;                /* runs[].latency.rtt_ms.p99; NAN if not measured */
};

struct history_cell {
	char *variant, *variant_sha256, *scenario;
	char *scenario_params;            /* canonical JSON of the scenario and run options */
	char *scenario_sha256;
	int64_t n, n_failed;
	double median_bps, ci_low_bps, ci_high_bps, ci_level, cv_percent;
	double rtt_p50_ms, rtt_p99_ms;
	double rtt_p99_low_ms, rtt_p99_high_ms;   /* range of the repeats' p99 */
	char *verdict;                    /* NULL: none (the baseline, or schema /1) */
	double delta_percent, p_value;
	struct history_sample *samples;   /* the successful repeats */
	size_t n_samples;
};

struct history_run {
	int64_t id;                       /* 0 until stored */
	char *key;                        /* machine, start and seed: one run, imported twice, is one row */
	char *dir, *start_iso;
	double start, end;                /* epoch seconds; end NAN if unknown */
	char *machine;                    /* the machine id, else "host:" and the host name */
	char *machine_id, *hostname, *cpu_model;
	int64_t cores;
	char *kernel_release, *kernel_version, *backend, *wg_implementation, *wg_version;
	char *iperf_version, *wgbench_version, *wgbench_git, *results_schema;
	struct history_cell *cells;
	size_t n_cells;
};

/* Reads DIR/run.json and DIR/results.json (wgbench.results/1 or /2); -ENOENT,
 * -EPROTO (schema), -EINVAL (content; e.g. no summary[]: `wgbench report DIR`
 * makes it), each after one line naming the file and the field. */
int history_import_dir(const char *dir, struct history_run **out);
void history_run_free(struct history_run *r);
void history_runs_free(struct history_run *r, size_t n);

/* Stores a run in one transaction; a run already there (same key) is
 * replaced. *id (optional) receives its id. */
int history_add_run(struct history *h, const struct history_run *r, int64_t *id);
int history_add_dir(struct history *h, const char *dir, int64_t *id);
/* Open, add, close: what `run --history DB` calls with its results directory. */
int history_record(const char *db, const char *dir);

struct history_filter {
	const char *scenario, *variant, *machine, *backend, *kernel;   /* NULL: any */
};

/* The runs (cells not filled), oldest first; `show` reads one run whole. */
int history_list(struct history *h, const struct history_filter *f,
		 struct history_run **out, size_t *n);
/* -ENOENT when there is no run of that id. */
int history_get(struct history *h, int64_t id, struct history_run **out);

struct history_point {
	int64_t run;
	double start;
	char *start_iso, *dir, *kernel, *variant_sha256, *verdict;
	int64_t n;
	double median_bps, ci_low_bps, ci_high_bps, ci_level, cv_percent;
	double rtt_p50_ms, rtt_p99_ms, rtt_p99_low_ms, rtt_p99_high_ms;
	double delta_percent, p_value;
};

struct history_series {
	char *machine, *hostname, *backend, *scenario, *variant;
	struct history_point *pt;         /* in time order (start, then id) */
	size_t n;
};

struct history_set {
	struct history_series *series;    /* sorted by machine, backend, scenario, variant */
	size_t n;
};

int history_query(struct history *h, const struct history_filter *f, struct history_set **out);
void history_set_free(struct history_set *s);

enum history_metric { HISTORY_THROUGHPUT, HISTORY_RTT };
const char *history_metric_name(enum history_metric m);    /* "throughput", "rtt" */
int history_metric_parse(const char *s, enum history_metric *out);
/* The point's level: median_bps, or rtt_p99_ms; NAN when not measured. */
double history_point_value(const struct history_point *p, enum history_metric m);

#endif
