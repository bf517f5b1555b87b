/* history_schema.c — the tables, their version and the migrations.
 *
 *   wgbench_schema(version)        one row: the layout's version
 *   runs     one per results directory: fingerprint, start time, path
 *   cells    one per run x variant x scenario: summary[]'s numbers
 *   samples  one per successful repeat (v2): what compare's baseline pools
 *
 * Version 1 had runs and cells with throughput only. Version 2 added the
 * machine id, the kernel's version string, the end time and the tool
 * versions to runs; the interval's level, failures, the scenario parameters,
 * RTT, verdict, delta and p to cells; and samples. A migration is a list of
 * statements run in order within the one transaction that also moves the
 * version, so a database is at one version or the next, never between.
 * SQL common to SQLite and PostgreSQL: BIGINT, DOUBLE PRECISION, TEXT.
 */
#include "history_impl.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D "DOUBLE PRECISION"

/* Version 1's tables as they were; new databases get them and migrate. */
static const char *const v1[] = {
	"CREATE TABLE wgbench_schema (version BIGINT NOT NULL)",
	"CREATE TABLE runs (%ID%, run_key TEXT NOT NULL UNIQUE, dir TEXT NOT NULL, "
	"start_time " D " NOT NULL, imported_at " D " NOT NULL, machine TEXT NOT NULL, "
	"hostname TEXT, cpu_model TEXT, cores BIGINT, kernel_release TEXT, "
	"backend TEXT NOT NULL, wg_implementation TEXT, wg_version TEXT)",
	"CREATE TABLE cells (run_id BIGINT NOT NULL, variant TEXT NOT NULL, "
	"variant_sha256 TEXT, scenario TEXT NOT NULL, n BIGINT NOT NULL, "
	"median_bps " D ", ci_low_bps " D ", ci_high_bps " D ", cv_percent " D ", "
	"PRIMARY KEY (run_id, variant, scenario))",
	"CREATE INDEX runs_series ON runs (machine, backend, start_time)",
	"INSERT INTO wgbench_schema (version) VALUES (1)",
	NULL
};

static const char *const v1_to_v2[] = {
	"ALTER TABLE runs ADD COLUMN machine_id TEXT",
	"ALTER TABLE runs ADD COLUMN kernel_version TEXT",
	"ALTER TABLE runs ADD COLUMN start_iso TEXT",
	"ALTER TABLE runs ADD COLUMN end_time " D,
	"ALTER TABLE runs ADD COLUMN iperf_version TEXT",
	"ALTER TABLE runs ADD COLUMN wgbench_version TEXT",
	"ALTER TABLE runs ADD COLUMN wgbench_git TEXT",
	"ALTER TABLE runs ADD COLUMN results_schema TEXT",
	"ALTER TABLE cells ADD COLUMN n_failed BIGINT",
	"ALTER TABLE cells ADD COLUMN ci_level " D,
	"ALTER TABLE cells ADD COLUMN scenario_params TEXT",
	"ALTER TABLE cells ADD COLUMN scenario_sha256 TEXT",
	"ALTER TABLE cells ADD COLUMN rtt_p50_ms " D,
	"ALTER TABLE cells ADD COLUMN rtt_p99_ms " D,
	"ALTER TABLE cells ADD COLUMN rtt_p99_low_ms " D,
	"ALTER TABLE cells ADD COLUMN rtt_p99_high_ms " D,
	"ALTER TABLE cells ADD COLUMN verdict TEXT",
	"ALTER TABLE cells ADD COLUMN delta_percent " D,
	"ALTER TABLE cells ADD COLUMN p_value " D,
	"CREATE TABLE samples (run_id BIGINT NOT NULL, variant TEXT NOT NULL, "
	"scenario TEXT NOT NULL, repeat_no BIGINT NOT NULL, throughput_bps " D ", "
	"rtt_p99_ms " D ", PRIMARY KEY (run_id, variant, scenario, repeat_no))",
	"CREATE INDEX cells_series ON cells (scenario, variant)",
	"UPDATE wgbench_schema SET version = 2",
	NULL
};

/* migrations[v] takes a database from version v to v + 1; [0] creates v1. */
static const char *const *const migrations[HISTORY_SCHEMA_VERSION] = { v1, v1_to_v2 };

static int run_list(struct history *h, const char *const *sql)
{
	char *text = NULL, *at;
	int ret = 0;

	for (; *sql && !ret; sql++) {
		at = strstr(*sql, "%ID%");
		if (at) {
			if (asprintf(&text, "%.*s%s%s", (int)(at - *sql), *sql, h->ops->id_column,
				     at + 4) < 0)
				return -ENOMEM;
			ret = history_exec(h, text, NULL, 0, NULL, NULL);
			free(text);
		} else {
			ret = history_exec(h, *sql, NULL, 0, NULL, NULL);
		}
	}
	return ret;
}

static int row_version(void *arg, const struct hval *c, size_t n)
{
	*(int *)arg = n ? (int)hv_i64(&c[0]) : -1;
	return 0;
}

static int row_count(void *arg, const struct hval *c, size_t n)
{
	*(int64_t *)arg = n ? hv_i64(&c[0]) : 0;
	return 0;
}

/* 0 when there are no tables yet, else the stored version. */
static int read_version(struct history *h, int *v)
{
	int64_t tables = 0;
	int ret;

	*v = 0;
	/* the catalogs differ; a query that works in both: is there a wgbench_schema? */
	if (h->ops == &history_sqlite_ops)
		ret = history_exec(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
				   "AND name = 'wgbench_schema'", NULL, 0, row_count, &tables);
	else
		ret = history_exec(h, "SELECT count(*) FROM information_schema.tables WHERE "
				   "table_schema = current_schema() AND table_name = 'wgbench_schema'",
				   NULL, 0, row_count, &tables);
	if (ret || !tables)
		return ret;
	*v = -1;
	ret = history_exec(h, "SELECT version FROM wgbench_schema", NULL, 0, row_version, v);
	if (!ret && *v < 1) {
		wgb_err("history: %s: wgbench_schema holds no version", h->where);
		return -EPROTO;
	}
	return ret;
}

int history_schema_ensure(struct history *h)
{
	int v, ret;

	if ((ret = history_begin(h)))
		return ret;
	if ((ret = h->ops->lock_schema(h->db)) || (ret = read_version(h, &v)))
		goto fail;
	if (v > HISTORY_SCHEMA_VERSION) {
		wgb_err("history: %s has schema version %d; this wgbench knows up to %d (upgrade wgbench)",
			h->where, v, HISTORY_SCHEMA_VERSION);
		ret = -EPROTO;
		goto fail;
	}
	if (v < HISTORY_SCHEMA_VERSION && v > 0)
		fprintf(stderr, "wgbench: history: %s: migrating schema version %d to %d\n",
			h->where, v, HISTORY_SCHEMA_VERSION);
	for (; v < HISTORY_SCHEMA_VERSION; v++)
		if ((ret = run_list(h, migrations[v])))
			goto fail;
	if ((ret = history_commit(h)))
		return ret;
	h->version = v;
	return 0;
fail:
	history_rollback(h);
	return ret;
}
