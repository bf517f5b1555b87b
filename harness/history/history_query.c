/* history_query.c — reading the store back: runs (list, show) and series.
 * Every order is made here in C (byte order of the names, then time, then
 * id), not by the database, so SQLite and a PostgreSQL with any collation
 * give the same answers. */
#include "history.h"
#include "history_impl.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_COLS "r.id, r.run_key, r.dir, r.start_time, r.start_iso, r.end_time, r.machine, " \
	"r.machine_id, r.hostname, r.cpu_model, r.cores, r.kernel_release, r.kernel_version, " \
	"r.backend, r.wg_implementation, r.wg_version, r.iperf_version, r.wgbench_version, " \
	"r.wgbench_git, r.results_schema"

static char *cdup(const struct hval *v)
{
	const char *s = hv_str(v);

	return s ? strdup(s) : NULL;
}

/* A WHERE clause from the filter's set fields only (an untyped NULL
 * parameter is an error in PostgreSQL), with its parameters. */
static int where(const struct history_filter *f, char *buf, size_t len, struct hval *p, size_t *np)
{
	const struct { const char *col, *val; } k[] = {
		{ "c.scenario", f ? f->scenario : NULL }, { "c.variant", f ? f->variant : NULL },
		{ "r.machine", f ? f->machine : NULL }, { "r.backend", f ? f->backend : NULL },
		{ "r.kernel_release", f ? f->kernel : NULL },
	};
	size_t i, used = 0;

	*np = 0;
	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(k); i++) {
		if (!k[i].val)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s %s = ?", *np ? " AND" : " WHERE", k[i].col);
		if (used >= len)
			return -ENAMETOOLONG;
		p[(*np)++] = hv_text(k[i].val);
	}
	return 0;
}

struct run_rows {
	struct history_run *r;
	size_t n, cap;
};

static int fill_run(struct history_run *x, const struct hval *c)
{
	char **s[] = { &x->key, &x->dir, NULL, &x->start_iso, NULL, &x->machine, &x->machine_id,
		       &x->hostname, &x->cpu_model, NULL, &x->kernel_release, &x->kernel_version,
		       &x->backend, &x->wg_implementation, &x->wg_version, &x->iperf_version,
		       &x->wgbench_version, &x->wgbench_git, &x->results_schema };
	size_t i;

	x->id = hv_i64(&c[0]);
	x->start = hv_num(&c[3]);
	x->end = hv_num(&c[5]);
	x->cores = hv_i64(&c[10]);
	for (i = 0; i < ARRAY_SIZE(s); i++)
		if (s[i] && c[i + 1].t != HV_NULL && !(*s[i] = cdup(&c[i + 1])))
			return -ENOMEM;
	return 0;
}

static int row_run(void *arg, const struct hval *c, size_t n)
{
	struct run_rows *rr = arg;

	if (n < 20 || util_grow(&rr->r, &rr->cap, rr->n + 1, sizeof(*rr->r)))
		return -ENOMEM;
	memset(&rr->r[rr->n], 0, sizeof(rr->r[0]));
	return fill_run(&rr->r[rr->n++], c);
}

static int cmp_run(const void *a, const void *b)
{
	const struct history_run *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

int history_list(struct history *h, const struct history_filter *f,
		 struct history_run **out, size_t *n)
{
	struct run_rows rr = { 0 };
	struct hval p[8];
	char w[512], *sql = NULL;
	size_t np;
	int ret;

	*out = NULL;
	*n = 0;
	if ((ret = where(f, w, sizeof(w), p, &np)))
		return ret;
	if (asprintf(&sql, "SELECT DISTINCT " RUN_COLS " FROM runs r JOIN cells c ON c.run_id = r.id%s", w) < 0)
		return -ENOMEM;
	ret = history_exec(h, sql, p, np, row_run, &rr);
	free(sql);
	if (ret) {
		history_runs_free(rr.r, rr.n);
		return ret;
	}
	if (rr.n)
		qsort(rr.r, rr.n, sizeof(*rr.r), cmp_run);
	*out = rr.r;
	*n = rr.n;
	return 0;
}

struct cell_rows {
	struct history_run *r;
	size_t cap;
};

static int row_cell(void *arg, const struct hval *c, size_t n)
{
	struct cell_rows *cr = arg;
	struct history_cell *x;

	if (n < 20 || util_grow(&cr->r->cells, &cr->cap, cr->r->n_cells + 1, sizeof(*x)))
		return -ENOMEM;
	x = &cr->r->cells[cr->r->n_cells++];
	memset(x, 0, sizeof(*x));
	x->variant = cdup(&c[0]);
	x->variant_sha256 = cdup(&c[1]);
	x->scenario = cdup(&c[2]);
	x->scenario_params = cdup(&c[3]);
	x->scenario_sha256 = cdup(&c[4]);
	x->n = hv_i64(&c[5]);
	x->n_failed = hv_i64(&c[6]);
	x->median_bps = hv_num(&c[7]);
	x->ci_low_bps = hv_num(&c[8]);
	x->ci_high_bps = hv_num(&c[9]);
	x->ci_level = hv_num(&c[10]);
	x->cv_percent = hv_num(&c[11]);
	x->rtt_p50_ms = hv_num(&c[12]);
	x->rtt_p99_ms = hv_num(&c[13]);
	x->rtt_p99_low_ms = hv_num(&c[14]);
	x->rtt_p99_high_ms = hv_num(&c[15]);
	x->verdict = cdup(&c[16]);
	x->delta_percent = hv_num(&c[17]);
	x->p_value = hv_num(&c[18]);
	return x->variant && x->scenario ? 0 : -ENOMEM;
}

static int cmp_cell(const void *a, const void *b)
{
	const struct history_cell *x = a, *y = b;
	int d = strcmp(x->variant, y->variant);

	return d ? d : strcmp(x->scenario, y->scenario);
}

int history_get(struct history *h, int64_t id, struct history_run **out)
{
	struct run_rows rr = { 0 };
	struct cell_rows cr = { 0 };
	struct hval p = hv_int(id);
	int ret;

	*out = NULL;
	ret = history_exec(h, "SELECT " RUN_COLS " FROM runs r WHERE r.id = ?", &p, 1, row_run, &rr);
	if (!ret && !rr.n) {
		wgb_err("history: no run %lld in %s", (long long)id, h->where);
		ret = -ENOENT;
	}
	if (ret)
		goto out;
	cr.r = rr.r;
	ret = history_exec(h, "SELECT variant, variant_sha256, scenario, scenario_params, "
			   "scenario_sha256, n, n_failed, median_bps, ci_low_bps, ci_high_bps, "
			   "ci_level, cv_percent, rtt_p50_ms, rtt_p99_ms, rtt_p99_low_ms, "
			   "rtt_p99_high_ms, verdict, delta_percent, p_value, run_id FROM cells "
			   "WHERE run_id = ?", &p, 1, row_cell, &cr);
	if (ret)
		goto out;
	if (rr.r->n_cells)
		qsort(rr.r->cells, rr.r->n_cells, sizeof(*rr.r->cells), cmp_cell);
	*out = rr.r;
	rr.r = NULL;
	rr.n = 0;
out:
	history_runs_free(rr.r, rr.n);
	return ret;
}

/* One flat row per point, grouped into series afterwards. */
struct flat {
	char *machine, *hostname, *backend, *scenario, *variant;
	struct history_point p;
};

struct flat_rows {
	struct flat *f;
	size_t n, cap;
};

static void point_clear(struct history_point *p)
{
	free(p->start_iso);
	free(p->dir);
	free(p->kernel);
	free(p->variant_sha256);
	free(p->verdict);
}

static int row_point(void *arg, const struct hval *c, size_t n)
{
	struct flat_rows *fr = arg;
	struct flat *f;
	struct history_point *p;

	if (n < 24 || util_grow(&fr->f, &fr->cap, fr->n + 1, sizeof(*f)))
		return -ENOMEM;
	f = &fr->f[fr->n++];
	memset(f, 0, sizeof(*f));
	p = &f->p;
	f->machine = cdup(&c[0]);
	f->hostname = cdup(&c[1]);
	f->backend = cdup(&c[2]);
	f->scenario = cdup(&c[3]);
	f->variant = cdup(&c[4]);
	p->run = hv_i64(&c[5]);
	p->start = hv_num(&c[6]);
	p->start_iso = cdup(&c[7]);
	p->dir = cdup(&c[8]);
	p->kernel = cdup(&c[9]);
	p->variant_sha256 = cdup(&c[10]);
	p->n = hv_i64(&c[11]);
	p->median_bps = hv_num(&c[12]);
	p->ci_low_bps = hv_num(&c[13]);
	p->ci_high_bps = hv_num(&c[14]);
	p->ci_level = hv_num(&c[15]);
	p->cv_percent = hv_num(&c[16]);
	p->rtt_p50_ms = hv_num(&c[17]);
	p->rtt_p99_ms = hv_num(&c[18]);
	p->rtt_p99_low_ms = hv_num(&c[19]);
	p->rtt_p99_high_ms = hv_num(&c[20]);
	p->verdict = cdup(&c[21]);
	p->delta_percent = hv_num(&c[22]);
	p->p_value = hv_num(&c[23]);
	return f->machine && f->backend && f->scenario && f->variant ? 0 : -ENOMEM;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_flat(const void *a, const void *b)
{
	const struct flat *x = a, *y = b;
	int d;

	if ((d = cmp_str(x->machine, y->machine)) || (d = cmp_str(x->backend, y->backend)) ||
	    (d = cmp_str(x->scenario, y->scenario)) || (d = cmp_str(x->variant, y->variant)))
		return d;
	if (x->p.start != y->p.start)
		return x->p.start < y->p.start ? -1 : 1;
	return (x->p.run > y->p.run) - (x->p.run < y->p.run);
}

static bool same_series(const struct history_series *a, const struct flat *b)
{
	return !cmp_str(a->machine, b->machine) && !cmp_str(a->backend, b->backend) &&
	       !cmp_str(a->scenario, b->scenario) && !cmp_str(a->variant, b->variant);
}

/* Moves the sorted flat rows into series; the flat rows keep nothing. */
static int group(struct flat *f, size_t n, struct history_set *set)
{
	size_t i, cap = 0, pcap = 0;
	struct history_series *s = NULL;

	for (i = 0; i < n; i++) {
		if (!s || !same_series(s, &f[i])) {
			if (util_grow(&set->series, &cap, set->n + 1, sizeof(*s)))
				return -ENOMEM;
			s = &set->series[set->n++];
			memset(s, 0, sizeof(*s));
			s->machine = f[i].machine;
			s->hostname = f[i].hostname;
			s->backend = f[i].backend;
			s->scenario = f[i].scenario;
			s->variant = f[i].variant;
			pcap = 0;
		} else {
			free(f[i].machine);
			free(f[i].hostname);
			free(f[i].backend);
			free(f[i].scenario);
			free(f[i].variant);
		}
		memset(&f[i], 0, offsetof(struct flat, p));
		if (util_grow(&s->pt, &pcap, s->n + 1, sizeof(*s->pt)))
			return -ENOMEM;
		s->pt[s->n++] = f[i].p;
		memset(&f[i].p, 0, sizeof(f[i].p));
	}
	return 0;
}

static void flat_free(struct flat *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(f[i].machine);
		free(f[i].hostname);
		free(f[i].backend);
		free(f[i].scenario);
		free(f[i].variant);
		point_clear(&f[i].p);
	}
	free(f);
}

int history_query(struct history *h, const struct history_filter *f, struct history_set **out)
{
	struct flat_rows fr = { 0 };
	struct history_set *set = NULL;
	struct hval p[8];
	char w[512], *sql = NULL;
	size_t np;
	int ret;

	*out = NULL;
	if ((ret = where(f, w, sizeof(w), p, &np)))
		return ret;
	if (asprintf(&sql, "SELECT r.machine, r.hostname, r.backend, c.scenario, c.variant, r.id, "
		     "r.start_time, r.start_iso, r.dir, r.kernel_release, c.variant_sha256, c.n, "
		     "c.median_bps, c.ci_low_bps, c.ci_high_bps, c.ci_level, c.cv_percent, "
		     "c.rtt_p50_ms, c.rtt_p99_ms, c.rtt_p99_low_ms, c.rtt_p99_high_ms, c.verdict, "
		     "c.delta_percent, c.p_value FROM cells c JOIN runs r ON r.id = c.run_id%s", w) < 0)
		return -ENOMEM;
	ret = history_exec(h, sql, p, np, row_point, &fr);
	free(sql);
	if (ret)
		goto out;
	if (fr.n)
		qsort(fr.f, fr.n, sizeof(*fr.f), cmp_flat);
	ret = -ENOMEM;
	if (!(set = calloc(1, sizeof(*set))))
		goto out;
	ret = group(fr.f, fr.n, set);
	if (!ret) {
		*out = set;
		set = NULL;
	}
out:
	flat_free(fr.f, fr.n);
	history_set_free(set);
	return ret;
}

void history_set_free(struct history_set *s)
{
	size_t i, k;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		struct history_series *x = &s->series[i];

		free(x->machine);
		free(x->hostname);
		free(x->backend);
		free(x->scenario);
		free(x->variant);
		for (k = 0; k < x->n; k++)
			point_clear(&x->pt[k]);
		free(x->pt);
	}
	free(s->series);
	free(s);
}

const char *history_metric_name(enum history_metric m)
{
	return m == HISTORY_RTT ? "rtt" : "throughput";
}

int history_metric_parse(const char *s, enum history_metric *out)
{
	if (!strcmp(s, "throughput"))
		*out = HISTORY_THROUGHPUT;
	else if (!strcmp(s, "rtt") || !strcmp(s, "latency"))
		*out = HISTORY_RTT;
	else
		return -EINVAL;
	return 0;
}

double history_point_value(const struct history_point *p, enum history_metric m)
{
	return m == HISTORY_RTT ? p->rtt_p99_ms : p->median_bps;
}
