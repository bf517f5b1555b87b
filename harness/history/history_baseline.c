/* history_baseline.c — see history_baseline.h. */
#include "history_baseline.h"
#include "history_impl.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void history_baseline_spec_clear(struct history_baseline_spec *s)
{
	free(s->text);
	memset(s, 0, sizeof(*s));
}

static int spec_key(struct history_baseline_spec *s, char *kv)
{
	char *eq = strchr(kv, '=');
	uint64_t n;

	if (!eq || eq == kv || !eq[1]) {
		wgb_err("history filter '%s': expected key=value", kv);
		return -EINVAL;
	}
	*eq++ = '\0';
	if (!strcmp(kv, "last")) {
		if (util_parse_u64(eq, 1, 100000, &n)) {
			wgb_err("history filter last='%s': expected a number of runs from 1", eq);
			return -EINVAL;
		}
		s->last = (size_t)n;
	} else if (!strcmp(kv, "kernel")) {
		s->kernel = eq;
	} else if (!strcmp(kv, "variant")) {
		s->variant = eq;
	} else if (!strcmp(kv, "scenario")) {
		s->scenario = eq;
	} else if (!strcmp(kv, "hash") && !strcmp(eq, "any")) {
		s->any_hash = true;
	} else {
		wgb_err("history filter: unknown '%s=%s' (known: last=N, kernel=, variant=, scenario=, hash=any)",
			kv, eq);
		return -EINVAL;
	}
	return 0;
}

int history_baseline_parse(const char *filter, struct history_baseline_spec *out)
{
	char *save = NULL, *kv;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!strncmp(filter, "history", 7))
		filter += filter[7] == ':' ? 8 : 7;
	if (!(out->text = strdup(filter)))
		return -ENOMEM;
	for (kv = strtok_r(out->text, ",", &save); kv && !ret; kv = strtok_r(NULL, ",", &save))
		ret = spec_key(out, kv);
	if (!ret && !out->last) {
		wgb_err("history baseline: how many runs? give last=N (e.g. history:last=5)");
		ret = -EINVAL;
	}
	if (ret)
		history_baseline_spec_clear(out);
	return ret;
}

/* One candidate cell of a matching run. */
struct cand {
	int64_t run;
	double start;
	char *variant, *scenario, *vsha, *ssha;
	double bps, rtt;
};

struct cands {
	struct cand *c;
	size_t n, cap;
};

static char *cdup(const struct hval *v)
{
	return hv_str(v) ? strdup(hv_str(v)) : NULL;
}

static int row_cand(void *arg, const struct hval *c, size_t n)
{
	struct cands *cs = arg;
	struct cand *x;

	if (n < 8 || util_grow(&cs->c, &cs->cap, cs->n + 1, sizeof(*x)))
		return -ENOMEM;
	x = &cs->c[cs->n++];
	x->run = hv_i64(&c[0]);
	x->start = hv_num(&c[1]);
	x->variant = cdup(&c[2]);
	x->scenario = cdup(&c[3]);
	x->vsha = cdup(&c[4]);
	x->ssha = cdup(&c[5]);
	x->bps = hv_num(&c[6]);
	x->rtt = hv_num(&c[7]);
	return x->variant && x->scenario ? 0 : -ENOMEM;
}

static void cands_free(struct cands *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		free(cs->c[i].variant);
		free(cs->c[i].scenario);
		free(cs->c[i].vsha);
		free(cs->c[i].ssha);
	}
	free(cs->c);
}

static int cmp_newest(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->start != y->start)
		return x->start > y->start ? -1 : 1;
	return (x->run < y->run) - (x->run > y->run);
}

/* Cells of runs on NEW's machine and backend before NEW; the rest of the
 * fingerprint is compared where NEW records it. */
static int candidates(struct history *h, const struct history_run *nw,
		      const struct history_baseline_spec *sp, struct cands *cs)
{
	const struct { const char *col, *val; } opt[] = {
		{ "r.kernel_release", sp->kernel }, { "r.wg_implementation", nw->wg_implementation },
		{ "r.cpu_model", nw->cpu_model },
	};
	struct hval p[8] = { hv_text(nw->machine), hv_text(nw->backend), hv_real(nw->start), hv_text(nw->key) };
	char sql[1024];
	size_t np = 4, i, used;
	int ret;

	used = (size_t)snprintf(sql, sizeof(sql), "SELECT c.run_id, r.start_time, c.variant, c.scenario, "
				"c.variant_sha256, c.scenario_sha256, c.median_bps, c.rtt_p99_ms FROM cells c "
				"JOIN runs r ON r.id = c.run_id WHERE r.machine = ? AND r.backend = ? AND "
				"r.start_time < ? AND r.run_key <> ?");
	for (i = 0; i < ARRAY_SIZE(opt); i++)
		if (opt[i].val) {
			used += (size_t)snprintf(sql + used, sizeof(sql) - used, " AND %s = ?", opt[i].col);
			p[np++] = hv_text(opt[i].val);
		}
	if (nw->cores > 0) {
		used += (size_t)snprintf(sql + used, sizeof(sql) - used, " AND r.cores = ?");
		p[np++] = hv_int(nw->cores);
	}
	if (used >= sizeof(sql))
		return -ENAMETOOLONG;
	if ((ret = history_exec(h, sql, p, np, row_cand, cs)))
		return ret;
	if (cs->n)
		qsort(cs->c, cs->n, sizeof(*cs->c), cmp_newest);
	return 0;
}

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static int push(struct history_vec *v, double x)
{
	double *n;

	if (!isfinite(x))
		return 0;
	if (!(n = realloc(v->v, (v->n + 1) * sizeof(*n))))
		return -ENOMEM;
	n[v->n++] = x;
	v->v = n;
	return 0;
}

struct rep_arg {
	struct history_baseline_cell *bc;
};

static int row_rep(void *arg, const struct hval *c, size_t n)
{
	struct history_baseline_cell *bc = ((struct rep_arg *)arg)->bc;

	if (n < 2)
		return -EIO;
	return push(&bc->bps_repeats, hv_num(&c[0])) ?: push(&bc->rtt_repeats, hv_num(&c[1]));
}

static int add_run(struct history *h, struct history_baseline_cell *bc, const struct cand *c)
{
	struct hval p[3] = { hv_int(c->run), hv_text(c->variant), hv_text(c->scenario) };
	struct rep_arg a = { bc };
	int64_t *r = realloc(bc->runs, (bc->n_runs + 1) * sizeof(*r));
	double *s;
	int ret;

	if (!r)
		return -ENOMEM;
	bc->runs = r;
	if (!(s = realloc(bc->starts, (bc->n_runs + 1) * sizeof(*s))))
		return -ENOMEM;
	bc->starts = s;
	bc->runs[bc->n_runs] = c->run;
	bc->starts[bc->n_runs++] = c->start;
	if ((ret = push(&bc->bps_runs, c->bps)) || (ret = push(&bc->rtt_runs, c->rtt)))
		return ret;
	return history_exec(h, "SELECT throughput_bps, rtt_p99_ms FROM samples WHERE run_id = ? AND "
			    "variant = ? AND scenario = ? ORDER BY repeat_no", p, 3, row_rep, &a);
}

static int select_cell(struct history *h, const struct history_cell *nc, const struct cands *cs,
		       const struct history_baseline_spec *sp, struct history_baseline_cell *bc)
{
	size_t i;
	int ret = 0;

	if (!(bc->variant = strdup(nc->variant)) || !(bc->scenario = strdup(nc->scenario)))
		return -ENOMEM;
	if ((sp->variant && strcmp(sp->variant, nc->variant)) ||
	    (sp->scenario && strcmp(sp->scenario, nc->scenario)))
		return 0;
	for (i = 0; i < cs->n && bc->n_runs < sp->last && !ret; i++) {
		const struct cand *c = &cs->c[i];

		if (same(c->variant, nc->variant) && same(c->scenario, nc->scenario) &&
		    same(c->ssha, nc->scenario_sha256) &&
		    (sp->any_hash || same(c->vsha, nc->variant_sha256)))
			ret = add_run(h, bc, c);
	}
	return ret;
}

int history_baseline_select(struct history *h, const char *new_dir,
			    const struct history_baseline_spec *sp, struct history_baseline **out)
{
	struct history_run *nw = NULL;
	struct history_baseline *b = NULL;
	struct cands cs = { 0 };
	size_t i;
	int ret;

	*out = NULL;
	if ((ret = history_import_dir(new_dir, &nw)) || (ret = candidates(h, nw, sp, &cs)))
		goto out;
	ret = -ENOMEM;
	if (!(b = calloc(1, sizeof(*b))) || !(b->cells = calloc(nw->n_cells, sizeof(*b->cells))))
		goto out;
	for (i = 0, ret = 0; i < nw->n_cells && !ret; i++) {
		ret = select_cell(h, &nw->cells[i], &cs, sp, &b->cells[i]);
		b->n = i + 1;
	}
	if (!ret) {
		*out = b;
		b = NULL;
	}
out:
	cands_free(&cs);
	history_run_free(nw);
	history_baseline_free(b);
	return ret;
}

void history_baseline_free(struct history_baseline *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n; i++) {
		struct history_baseline_cell *c = &b->cells[i];

		free(c->variant);
		free(c->scenario);
		free(c->bps_runs.v);
		free(c->bps_repeats.v);
		free(c->rtt_runs.v);
		free(c->rtt_repeats.v);
		free(c->runs);
		free(c->starts);
	}
	free(b->cells);
	free(b);
}

static struct json_object *vec_json(const struct history_vec *v)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < v->n; i++)
		json_object_array_add(a, json_object_new_double(v->v[i]));
	return a;
}

int history_baseline_json(const struct history_baseline *b, char **out)
{
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array(), *o, *r;
	size_t i, k;
	const char *t;

	for (i = 0; i < b->n; i++) {
		const struct history_baseline_cell *c = &b->cells[i];

		o = json_object_new_object();
		json_object_object_add(o, "variant", json_object_new_string(c->variant));
		json_object_object_add(o, "scenario", json_object_new_string(c->scenario));
		r = json_object_new_array();
		for (k = 0; k < c->n_runs; k++)
			json_object_array_add(r, json_object_new_int64(c->runs[k]));
		json_object_object_add(o, "runs", r);
		json_object_object_add(o, "throughput_bps_runs", vec_json(&c->bps_runs));
		json_object_object_add(o, "throughput_bps_repeats", vec_json(&c->bps_repeats));
		json_object_object_add(o, "rtt_p99_ms_runs", vec_json(&c->rtt_runs));
		json_object_object_add(o, "rtt_p99_ms_repeats", vec_json(&c->rtt_repeats));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "baseline", arr);
	t = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	*out = NULL;
	if (asprintf(out, "%s\n", t) < 0)
		*out = NULL;
	json_object_put(root);
	return *out ? 0 : -ENOMEM;
}
