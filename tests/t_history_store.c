/* t_history_store.c — the SQLite store: a version-1 database made here by
 * plain SQL (as an older wgbench left it) is migrated on open with its data
 * kept; a database of a newer version is refused; a run stored twice is one
 * run; series come back grouped and in time order; and two processes
 * writing 100 runs each into one file at once leave all 200 there. */
#include "history.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define T_NAME "t_history_store"
#define CHECK T_CHECK_MSG
#include "t_common.h"

static char dir[] = "/tmp/t_history_store.XXXXXX";

static void path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int sql(const char *db, const char *text)
{
	sqlite3 *s = NULL;
	char *err = NULL;
	int rc = sqlite3_open(db, &s);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s, text, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "t_history_store: sqlite: %s\n", err ? err : sqlite3_errmsg(s));
	sqlite3_free(err);
	sqlite3_close(s);
	return rc;
}

static const char v1_db[] =
	"CREATE TABLE wgbench_schema (version BIGINT NOT NULL);"
	"INSERT INTO wgbench_schema VALUES (1);"
	"CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, run_key TEXT NOT NULL UNIQUE,"
	" dir TEXT NOT NULL, start_time DOUBLE PRECISION NOT NULL, imported_at DOUBLE PRECISION NOT NULL,"
	" machine TEXT NOT NULL, hostname TEXT, cpu_model TEXT, cores BIGINT, kernel_release TEXT,"
	" backend TEXT NOT NULL, wg_implementation TEXT, wg_version TEXT);"
	"CREATE TABLE cells (run_id BIGINT NOT NULL, variant TEXT NOT NULL, variant_sha256 TEXT,"
	" scenario TEXT NOT NULL, n BIGINT NOT NULL, median_bps DOUBLE PRECISION,"
	" ci_low_bps DOUBLE PRECISION, ci_high_bps DOUBLE PRECISION, cv_percent DOUBLE PRECISION,"
	" PRIMARY KEY (run_id, variant, scenario));"
	"CREATE INDEX runs_series ON runs (machine, backend, start_time);"
	"INSERT INTO runs VALUES (1, 'm1/2025-01-01T00:00:00Z/1', '/r/old', 1735689600, 1735689700,"
	" 'm1', 'box', 'Xeon', 8, '6.1.0-25-amd64', 'netns', 'kernel', '1.0.0');"
	"INSERT INTO cells VALUES (1, 'baseline', 'aa', 'tcp-fwd', 3, 941.5e6, 930e6, 950e6, 1.5);";

static void t_migrate(void)
{
	struct history *h = NULL;
	struct history_run *r = NULL;
	struct history_set *set = NULL;
	char db[256];

	path(db, sizeof(db), "v1.db");
	CHECK(!sql(db, v1_db), "making a version-1 database");
	CHECK(!history_open(db, &h), "opening (migrating) it");
	if (!h)
		return;
	CHECK(history_schema_version(h) == 2, "version after opening: %d", history_schema_version(h));
	CHECK(!history_get(h, 1, &r) && r, "the old run is still there");
	if (r) {
		CHECK(!strcmp(r->kernel_release, "6.1.0-25-amd64") && !strcmp(r->dir, "/r/old") &&
		      r->cores == 8 && !r->machine_id, "its fingerprint kept, new fields empty");
		CHECK(r->n_cells == 1 && r->cells[0].median_bps == 941.5e6 && r->cells[0].n == 3 &&
		      isnan(r->cells[0].ci_level) && isnan(r->cells[0].rtt_p99_ms) && !r->cells[0].verdict,
		      "its cell kept, the new columns NULL");
	}
	CHECK(!history_query(h, NULL, &set) && set && set->n == 1 && set->series[0].n == 1 &&
	      !strcmp(set->series[0].pt[0].kernel, "6.1.0-25-amd64"), "the old run is a point");
	history_set_free(set);
	history_run_free(r);
	history_close(h);
	h = NULL;
	/* opening again: already current, nothing to do */
	CHECK(!history_open(db, &h) && history_schema_version(h) == 2, "second open");
	history_close(h);
	h = NULL;
	CHECK(!sql(db, "UPDATE wgbench_schema SET version = 3"), "pretend a newer wgbench wrote it");
	CHECK(history_open(db, &h) == -EPROTO && !h, "a newer schema is refused");
}

/* A synthetic run: one cell, a given kernel and level. */
static void fake_run(struct history_run *r, struct history_cell *c, struct history_sample *s,
		     char *key, size_t klen, int who, int i, const char *kernel, double bps)
{
	memset(r, 0, sizeof(*r));
	memset(c, 0, sizeof(*c));
	snprintf(key, klen, "m/%d/%d", who, i);
	r->key = key;
	r->dir = "/tmp/results";
	r->start_iso = "2026-01-01T00:00:00Z";
	r->start = 1767225600 + i * 60 + who;
	r->end = NAN;
	r->machine = "m";
	r->hostname = "box";
	r->backend = "netns";
	r->kernel_release = (char *)kernel;
	r->cells = c;
	r->n_cells = 1;
	c->variant = "baseline";
	c->scenario = "tcp-single";
	c->n = 1;
	c->median_bps = bps;
	c->ci_low_bps = c->ci_high_bps = c->ci_level = c->cv_percent = NAN;
	c->rtt_p50_ms = c->rtt_p99_ms = c->rtt_p99_low_ms = c->rtt_p99_high_ms = NAN;
	c->delta_percent = c->p_value = NAN;
	s->repeat = 1;
	s->bps = bps;
	s->rtt_p99_ms = NAN;
	c->samples = s;
	c->n_samples = 1;
}

static int writer(const char *db, int who, int count)
{
	struct history *h = NULL;
	struct history_run r;
	struct history_cell c;
	struct history_sample s;
	char key[64];
	int i, bad = 0;

	if (history_open(db, &h))
		return 1;
	for (i = 0; i < count; i++) {
		fake_run(&r, &c, &s, key, sizeof(key), who, i, "6.1", 1e8 + i);
		if (history_add_run(h, &r, NULL))
			bad++;
	}
	history_close(h);
	return bad != 0;
}

static void t_two_writers(void)
{
	struct history *h = NULL;
	struct history_run *runs = NULL;
	char db[256];
	pid_t pid[2];
	size_t n = 0, i, mine[2] = { 0, 0 };
	int k, status;

	path(db, sizeof(db), "two.db");
	for (k = 0; k < 2; k++) {
		pid[k] = fork();
		if (pid[k] == 0)
			_exit(writer(db, k, 100));
	}
	for (k = 0; k < 2; k++) {
		CHECK(waitpid(pid[k], &status, 0) == pid[k] && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0, "writer %d failed (status %d)", k, status);
	}
	CHECK(!history_open(db, &h), "open after the writers");
	if (!h)
		return;
	CHECK(!history_list(h, NULL, &runs, &n) && n == 200, "%zu runs in the file, expected 200", n);
	for (i = 0; i < n; i++)
		mine[runs[i].key[2] - '0']++;
	CHECK(mine[0] == 100 && mine[1] == 100, "%zu and %zu of each writer", mine[0], mine[1]);
	history_runs_free(runs, n);
	history_close(h);
}

static void t_series(void)
{
	struct history *h = NULL;
	struct history_set *set = NULL;
	struct history_run r, *runs = NULL;
	struct history_cell c;
	struct history_sample s;
	char db[256], key[64];
	size_t n = 0;
	int i;

	path(db, sizeof(db), "series.db");
	CHECK(!history_open(db, &h), "open");
	if (!h)
		return;
	/* stored out of time order: the series must come back sorted */
	for (i = 5; i >= 0; i--) {
		fake_run(&r, &c, &s, key, sizeof(key), 0, i, i < 3 ? "6.1" : "6.12", 1e8 * (i + 1));
		CHECK(!history_add_run(h, &r, NULL), "add %d", i);
	}
	fake_run(&r, &c, &s, key, sizeof(key), 0, 2, "6.1", 42);   /* the same run again */
	CHECK(!history_add_run(h, &r, NULL), "replace");
	CHECK(!history_list(h, NULL, &runs, &n) && n == 6, "a run stored twice is one run (%zu)", n);
	history_runs_free(runs, n);
	CHECK(!history_query(h, NULL, &set) && set->n == 1 && set->series[0].n == 6, "one series of 6");
	if (set && set->n == 1 && set->series[0].n == 6) {
		struct history_point *p = set->series[0].pt;

		CHECK(p[0].median_bps == 1e8 && p[2].median_bps == 42 && p[5].median_bps == 6e8,
		      "time order and the replaced value: %g %g %g", p[0].median_bps, p[2].median_bps,
		      p[5].median_bps);
		CHECK(!strcmp(p[2].kernel, "6.1") && !strcmp(p[3].kernel, "6.12"), "each point's kernel");
	}
	history_set_free(set);
	set = NULL;
	CHECK(!history_query(h, &(struct history_filter){ .kernel = "6.12" }, &set) && set->n == 1 &&
	      set->series[0].n == 3, "filtered by kernel");
	history_set_free(set);
	history_close(h);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	t_migrate();
	t_series();
	t_two_writers();
	if (nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS))
		fprintf(stderr, "t_history_store: could not remove %s\n", dir);
	if (failures)
		fprintf(stderr, "t_history_store: %d failure(s)\n", failures);
	return failures != 0;
}
