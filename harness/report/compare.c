/* compare.c — see compare.h: the pairs of two results directories and their
 * verdicts. The renderers are in compare_out.c. */
#include "compare.h"
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int compare_metric_parse(const char *s, enum compare_metric *out)
{
	if (!strcmp(s, "throughput"))
		*out = COMPARE_THROUGHPUT;
	else if (!strcmp(s, "latency"))
		*out = COMPARE_LATENCY;
	else if (!strcmp(s, "both"))
		*out = COMPARE_BOTH;
	else
		return -EINVAL;
	return 0;
}

static int find(char *const *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return (int)i;
	return -1;
}

/* The cell of variant v and scenario name s, when it holds runs. */
static const struct report_cell *cell_of(const struct report_data *d, int v, const char *s)
{
	int k = find(d->scenarios, d->n_scenarios, s);
	const struct report_cell *c;

	if (v < 0 || k < 0)
		return NULL;
	c = report_cell(d, (size_t)v, (size_t)k);
	return c->n_runs ? c : NULL;
}

static int add_row(struct compare_result *r, const struct report_cell *b, const struct report_cell *n,
		   const char *vb, const char *vn, const char *scenario, bool latency)
{
	struct compare_row *g = realloc(r->rows, (r->n_rows + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	r->rows = g;
	g = &r->rows[r->n_rows++];
	memset(g, 0, sizeof(*g));
	g->base = b;
	g->new_ = n;
	g->variant_base = vb;
	g->variant_new = vn;
	g->scenario = scenario;
	g->latency = latency;
	g->other = -1;
	g->p.lower_is_better = latency;
	report_cell_side(r->base, b, latency, &g->p.base);
	report_cell_side(r->new_, n, latency, &g->p.new_);
	if (g->p.base.n)
		stats_summarize(g->p.base.x, g->p.base.n, &g->sb);
	if (g->p.new_.n)
		stats_summarize(g->p.new_.x, g->p.new_.n, &g->sn);
	return 0;
}

static int add_rows(struct compare_result *r, const struct report_cell *b, const struct report_cell *n,
		    const char *vb, const char *vn, const char *scenario)
{
	int ret = 0;

	if (!b && !n)
		return 0;
	if (r->metric & COMPARE_THROUGHPUT)
		ret = add_row(r, b, n, vb, vn, scenario, false);
	if (!ret && (r->metric & COMPARE_LATENCY))
		ret = add_row(r, b, n, vb, vn, scenario, true);
	/* both: the pair's two rows point at each other (indices: rows grows) */
	if (!ret && r->metric == COMPARE_BOTH) {
		r->rows[r->n_rows - 2].other = (long)r->n_rows - 1;
		r->rows[r->n_rows - 1].other = (long)r->n_rows - 2;
	}
	return ret;
}

/* Every scenario of either side, BASE's order first. */
static int scenario_pairs(struct compare_result *r, int vb, int vn)
{
	const struct report_data *b = r->base, *n = r->new_;
	const char *nb = vb >= 0 ? b->variants[vb] : NULL, *nn = vn >= 0 ? n->variants[vn] : NULL;
	size_t s;
	int ret;

	for (s = 0; s < b->n_scenarios; s++)
		if ((ret = add_rows(r, cell_of(b, vb, b->scenarios[s]), cell_of(n, vn, b->scenarios[s]),
				    nb, nn, b->scenarios[s])))
			return ret;
	for (s = 0; s < n->n_scenarios; s++)
		if (find(b->scenarios, b->n_scenarios, n->scenarios[s]) < 0 &&
		    (ret = add_rows(r, NULL, cell_of(n, vn, n->scenarios[s]), nb, nn, n->scenarios[s])))
			return ret;
	return 0;
}

static int match(struct compare_result *r)
{
	const struct report_data *b = r->base, *n = r->new_;
	bool single = b->n_variants == 1 && n->n_variants == 1;
	size_t v;
	int ret;

	for (v = 0; v < b->n_variants; v++)
		if ((ret = scenario_pairs(r, (int)v, single ? 0 : find(n->variants, n->n_variants,
								     b->variants[v]))))
			return ret;
	for (v = 0; !single && v < n->n_variants; v++)
		if (find(b->variants, b->n_variants, n->variants[v]) < 0 &&
		    (ret = scenario_pairs(r, -1, (int)v)))
			return ret;
	return 0;
}

/* Something to compare at all: a pair present on both sides (and, for
 * latency alone, measured on at least one). */
static int check_common(const struct compare_result *r)
{
	size_t i, both = 0, lat = 0;

	for (i = 0; i < r->n_rows; i++) {
		const struct verdict_pair *p = &r->rows[i].p;

		both += p->base.present && p->new_.present;
		lat += r->rows[i].latency && ((p->base.present && !p->base.not_measured) ||
					      (p->new_.present && !p->new_.not_measured));
	}
	if (!both) {
		wgb_err("compare: %s and %s have no variant x scenario in common", r->base->dir,
			r->new_->dir);
		return -ENODATA;
	}
	if (r->metric == COMPARE_LATENCY && !lat) {
		wgb_err("compare: neither %s nor %s has latency (runs[].latency.rtt_ms.p99): results "
			"made without the latency probe", r->base->dir, r->new_->dir);
		return -ENODATA;
	}
	return 0;
}

static int judge(struct compare_result *r)
{
	const struct verdict_rules rules = { .threshold_percent = r->threshold_percent, .canary = true };
	struct verdict_pair *p = calloc(r->n_rows + 1, sizeof(*p));
	size_t i;
	int ret;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < r->n_rows; i++)
		p[i] = r->rows[i].p;
	ret = verdict_judge(p, r->n_rows, &rules);
	for (i = 0; !ret && i < r->n_rows; i++) {
		r->rows[i].p = p[i];
		r->count[p[i].kind]++;
		r->n_tested += p[i].tested;
	}
	free(p);
	return ret;
}

int compare_data(const struct report_data *base, const struct report_data *new_,
		 double threshold_percent, enum compare_metric metric, struct compare_result **out)
{
	struct compare_result *r = calloc(1, sizeof(*r));
	int ret;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->base = base;
	r->new_ = new_;
	r->threshold_percent = threshold_percent;
	r->metric = metric;
	r->apart_s = report_run_start(new_) - report_run_start(base);
	if ((ret = match(r)) || (ret = check_common(r)) || (ret = judge(r))) {
		compare_result_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void compare_result_free(struct compare_result *r)
{
	if (!r)
		return;
	free(r->rows);
	free(r);
}

const struct compare_row *compare_other(const struct compare_result *r, const struct compare_row *w)
{
	return w->other >= 0 && (size_t)w->other < r->n_rows ? &r->rows[w->other] : NULL;
}

static bool moved(enum verdict_kind k)
{
	return k == VERDICT_REGRESSION || k == VERDICT_IMPROVEMENT;
}

bool compare_both_moved(const struct compare_result *r, const struct compare_row *w)
{
	const struct compare_row *o = compare_other(r, w);

	return o && moved(w->p.kind) && moved(o->p.kind);
}

void compare_fmt_both(const struct compare_result *r, const struct compare_row *w, char *buf,
		      size_t len)
{
	const struct compare_row *o = compare_other(r, w), *tp, *lat;

	if (len)
		buf[0] = '\0';
	if (!compare_both_moved(r, w))
		return;
	tp = w->latency ? o : w;
	lat = w->latency ? w : o;
	snprintf(buf, len, "throughput %s (%+.1f%%) and p99 RTT %s (%+.1f%%)", verdict_name(tp->p.kind),
		 tp->p.r.delta_percent, verdict_name(lat->p.kind), lat->p.r.delta_percent);
}

size_t compare_count_both(const struct compare_result *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n_rows; i++)
		n += !r->rows[i].latency && compare_both_moved(r, &r->rows[i]);
	return n;
}

int compare_exit_code(const struct compare_result *r)
{
	return verdict_exit_code(r->count);
}

int compare_bisect_code(int exit_code)
{
	/* git bisect run: 0 good, 1..127 bad except 125, which skips the commit */
	return exit_code == 0 ? 0 : exit_code == 1 ? 1 : 125;
}
