/* history.c — see history.h: the store chosen once, transactions, and
 * storing one run. Queries are in history_query.c. */
#include "history.h"
#include "history_impl.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hval hv_int(int64_t i)
{
	return (struct hval){ .t = HV_INT, .i = i, .d = (double)i };
}

struct hval hv_real(double d)
{
	return isfinite(d) ? (struct hval){ .t = HV_REAL, .d = d } : (struct hval){ .t = HV_NULL };
}

struct hval hv_text(const char *s)
{
	return s ? (struct hval){ .t = HV_TEXT, .s = s } : (struct hval){ .t = HV_NULL };
}

double hv_num(const struct hval *v)
{
	if (v->t == HV_INT || v->t == HV_REAL)
		return v->d;
	return v->t == HV_TEXT && v->s ? strtod(v->s, NULL) : NAN;
}

int64_t hv_i64(const struct hval *v)
{
	if (v->t == HV_INT)
		return v->i;
	if (v->t == HV_REAL)
		return (int64_t)v->d;
	return v->t == HV_TEXT && v->s ? strtoll(v->s, NULL, 10) : 0;
}

const char *hv_str(const struct hval *v)
{
	return v->t == HV_TEXT ? v->s : NULL;
}

static const struct history_ops *pick(const char *db)
{
	if (!strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11))
		return &history_pg_ops;
	return &history_sqlite_ops;
}

int history_open(const char *db, struct history **out)
{
	struct history *h;
	int ret;

	*out = NULL;
	if (!db || !*db) {
		wgb_err("history: no database given");
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h || !(h->where = strdup(db))) {
		free(h);
		return -ENOMEM;
	}
	h->ops = pick(db);
	if ((ret = h->ops->open(db, &h->db)) || (ret = history_schema_ensure(h))) {
		history_close(h);
		return ret;
	}
	*out = h;
	return 0;
}

void history_close(struct history *h)
{
	if (!h)
		return;
	if (h->db)
		h->ops->close(h->db);
	free(h->where);
	free(h);
}

const char *history_store_name(const struct history *h)
{
	return h->ops->name;
}

int history_schema_version(const struct history *h)
{
	return h->version;
}

int history_exec(struct history *h, const char *sql, const struct hval *p, size_t np,
		 history_row_fn fn, void *arg)
{
	return h->ops->exec(h->db, sql, p, np, fn, arg);
}

int history_begin(struct history *h)
{
	return history_exec(h, h->ops->begin_write, NULL, 0, NULL, NULL);
}

int history_commit(struct history *h)
{
	return history_exec(h, "COMMIT", NULL, 0, NULL, NULL);
}

void history_rollback(struct history *h)
{
	history_exec(h, "ROLLBACK", NULL, 0, NULL, NULL);
}

static int row_id(void *arg, const struct hval *c, size_t n)
{
	*(int64_t *)arg = n ? hv_i64(&c[0]) : 0;
	return 0;
}

static int delete_run(struct history *h, const char *key)
{
	static const char *const sql[] = {
		"DELETE FROM samples WHERE run_id IN (SELECT id FROM runs WHERE run_key = ?)",
		"DELETE FROM cells WHERE run_id IN (SELECT id FROM runs WHERE run_key = ?)",
		"DELETE FROM runs WHERE run_key = ?",
	};
	struct hval k = hv_text(key);
	size_t i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(sql) && !ret; i++)
		ret = history_exec(h, sql[i], &k, 1, NULL, NULL);
	return ret;
}

static int insert_run(struct history *h, const struct history_run *r, int64_t *id)
{
	const struct hval p[] = {
		hv_text(r->key), hv_text(r->dir), hv_real(r->start), hv_text(r->start_iso),
		hv_real(r->end), hv_real(util_now_wall()), hv_text(r->machine),
		hv_text(r->machine_id), hv_text(r->hostname), hv_text(r->cpu_model),
		r->cores > 0 ? hv_int(r->cores) : hv_text(NULL), hv_text(r->kernel_release),
		hv_text(r->kernel_version), hv_text(r->backend), hv_text(r->wg_implementation),
		hv_text(r->wg_version), hv_text(r->iperf_version), hv_text(r->wgbench_version),
		hv_text(r->wgbench_git), hv_text(r->results_schema),
	};

	*id = 0;
	return history_exec(h, "INSERT INTO runs (run_key, dir, start_time, start_iso, end_time, "
			    "imported_at, machine, machine_id, hostname, cpu_model, cores, "
			    "kernel_release, kernel_version, backend, wg_implementation, wg_version, "
			    "iperf_version, wgbench_version, wgbench_git, results_schema) VALUES "
			    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			    p, ARRAY_SIZE(p), row_id, id);
}

static int insert_cell(struct history *h, int64_t id, const struct history_cell *c)
{
	const struct hval p[] = {
		hv_int(id), hv_text(c->variant), hv_text(c->variant_sha256), hv_text(c->scenario),
		hv_text(c->scenario_params), hv_text(c->scenario_sha256), hv_int(c->n),
		hv_int(c->n_failed), hv_real(c->median_bps), hv_real(c->ci_low_bps),
		hv_real(c->ci_high_bps), hv_real(c->ci_level), hv_real(c->cv_percent),
		hv_real(c->rtt_p50_ms), hv_real(c->rtt_p99_ms), hv_real(c->rtt_p99_low_ms),
		hv_real(c->rtt_p99_high_ms), hv_text(c->verdict), hv_real(c->delta_percent),
		hv_real(c->p_value),
	};
	size_t i;
	int ret;

	ret = history_exec(h, "INSERT INTO cells (run_id, variant, variant_sha256, scenario, "
			   "scenario_params, scenario_sha256, n, n_failed, median_bps, ci_low_bps, "
			   "ci_high_bps, ci_level, cv_percent, rtt_p50_ms, rtt_p99_ms, rtt_p99_low_ms, "
			   "rtt_p99_high_ms, verdict, delta_percent, p_value) VALUES "
			   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   p, ARRAY_SIZE(p), NULL, NULL);
	for (i = 0; i < c->n_samples && !ret; i++) {
		const struct history_sample *s = &c->samples[i];
		const struct hval q[] = {
			hv_int(id), hv_text(c->variant), hv_text(c->scenario), hv_int(s->repeat),
			hv_real(s->bps), hv_real(s->rtt_p99_ms),
		};

		ret = history_exec(h, "INSERT INTO samples (run_id, variant, scenario, repeat_no, "
				   "throughput_bps, rtt_p99_ms) VALUES (?, ?, ?, ?, ?, ?)",
				   q, ARRAY_SIZE(q), NULL, NULL);
	}
	return ret;
}

int history_add_run(struct history *h, const struct history_run *r, int64_t *id)
{
	int64_t got = 0;
	size_t i;
	int ret;

	if ((ret = history_begin(h)))
		return ret;
	if ((ret = delete_run(h, r->key)) || (ret = insert_run(h, r, &got)))
		goto fail;
	if (got <= 0) {
		wgb_err("history: %s: the new run got no id", h->where);
		ret = -EIO;
		goto fail;
	}
	for (i = 0; i < r->n_cells; i++)
		if ((ret = insert_cell(h, got, &r->cells[i])))
			goto fail;
	if ((ret = history_commit(h)))
		goto fail;
	if (id)
		*id = got;
	return 0;
fail:
	history_rollback(h);
	return ret;
}

int history_add_dir(struct history *h, const char *dir, int64_t *id)
{
	struct history_run *r = NULL;
	int ret;

	if ((ret = history_import_dir(dir, &r)))
		return ret;
	ret = history_add_run(h, r, id);
	history_run_free(r);
	return ret;
}

int history_record(const char *db, const char *dir)
{
	struct history *h = NULL;
	int64_t id = 0;
	int ret;

	if ((ret = history_open(db, &h)))
		return ret;
	ret = history_add_dir(h, dir, &id);
	if (!ret)
		fprintf(stderr, "wgbench: history: %s stored as run %lld in %s\n", dir,
			(long long)id, db);
	history_close(h);
	return ret;
}
