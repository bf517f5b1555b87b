/* report_summary.c — summary[]'s verdicts (see report_data.h).
 *
 * Within one run the variants are interleaved round by round in a shuffled
 * order, so the machine's load while the run lasts (other jobs, steal) falls
 * on every variant alike: it is noise the test accounts for, not a
 * difference between the sides. What can still tilt a pair is a burst: a
 * repeat whose interference was well above the run's own level (the median
 * over all its successful repeats) by more than the limits of verdict.h.
 * Such a repeat is disturbed and set aside on its own; the calm repeats of
 * both sides are still a fair comparison (the interference is measured
 * outside the testbed, so no variant causes it, and which repeats it hits
 * is independent of the variant). Only when a side is left with fewer than
 * two calm repeats is the pair disturbed (and `--repeat auto` goes on with
 * more rounds). Between two runs the absolute limits apply (verdict.h):
 * there the load of one run is not the load of the other. */
#include "report_data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A variant the run skipped is no pair of the family: its cells say why. */
static void mark_skipped(struct report_data *d, size_t v)
{
	size_t s;

	for (s = 0; s < d->n_scenarios; s++) {
		struct report_cell *c = report_cell(d, v, s);

		memset(&c->vs, 0, sizeof(c->vs));
		c->vs.kind = VERDICT_SKIPPED;
		c->vs.p_holm = c->vs.p_equiv_holm = c->vs.mde_percent = NAN;
		snprintf(c->vs.why, sizeof(c->vs.why), "%s", d->skipped[v]);
		c->has_vs = v > 0;
	}
}

static bool pair_of(const struct report_data *d, size_t v, size_t s)
{
	return !d->skipped[v] && (report_cell(d, v, s)->n_runs || report_cell(d, 0, s)->n_runs);
}

/* The run's own level of interference: the median over every successful
 * repeat of the run, NAN when none measured it. Every variant ran under it,
 * interleaved; what matters within the run is a repeat well above it. */
static double run_level(const struct report_data *d, bool steal)
{
	size_t i, j, n = 0, cap = 0;
	double *v, m;

	for (i = 0; i < d->n_variants * d->n_scenarios; i++)
		cap += d->cells[i].n_ok;
	v = malloc((cap + 1) * sizeof(*v));
	if (!v)
		return NAN;
	for (i = 0; i < d->n_variants * d->n_scenarios; i++)
		for (j = 0; j < d->cells[i].n_ok; j++) {
			double x = steal ? d->cells[i].ok_steal[j] : d->cells[i].ok_foreign[j];

			if (!isnan(x))
				v[n++] = x;
		}
	for (i = 1; i < n; i++)   /* insertion sort: a run has few repeats */
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			m = v[j];
			v[j] = v[j - 1];
			v[j - 1] = m;
		}
	m = !n ? NAN : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return m;
}

struct levels {
	double foreign, steal;     /* the run's medians */
};

/* How far repeat i of c was above the run's level (0 when not measured). */
static double above(const struct report_cell *c, size_t i, const struct levels *l, bool steal)
{
	double x = steal ? c->ok_steal[i] : c->ok_foreign[i], m = steal ? l->steal : l->foreign;

	return isnan(x) || isnan(m) ? 0 : x - m;
}

static bool calm(const struct report_cell *c, size_t i, const struct levels *l)
{
	return above(c, i, l, false) <= VERDICT_FOREIGN_CPU_LIMIT && above(c, i, l, true) <= VERDICT_STEAL_LIMIT;
}

/* The side of cell c made of its calm repeats (x: n_ok room), their
 * interference as the excess over the run's level (so within the limits).
 * Returns how many were set aside. */
static size_t calm_side(const struct report_data *d, const struct report_cell *c, const struct levels *l,
			double *x, struct verdict_side *out)
{
	size_t i, n = 0;

	report_cell_side(d, c, false, out);
	if (!out->present || !c->n_ok)
		return 0;
	out->foreign_cpu = out->steal = NAN;
	out->n_interference = 0;
	for (i = 0; i < c->n_ok; i++) {
		if (!calm(c, i, l))
			continue;
		x[n++] = c->bps[i];
		if (isnan(c->ok_foreign[i]) && isnan(c->ok_steal[i]))
			continue;
		out->n_interference++;
		out->foreign_cpu = fmax(isnan(out->foreign_cpu) ? -INFINITY : out->foreign_cpu,
					above(c, i, l, false));
		out->steal = fmax(isnan(out->steal) ? -INFINITY : out->steal, above(c, i, l, true));
	}
	out->x = x;
	out->n_runs -= c->n_ok - n;
	out->n = n;
	return c->n_ok - n;
}

/* The worst repeat of a side above the run's level, for the reasons. */
static void worst(const struct report_cell *c, const struct levels *l, char *buf, size_t len)
{
	size_t i, w = 0;

	for (i = 1; i < c->n_ok; i++)
		if (above(c, i, l, false) > above(c, w, l, false))
			w = i;
	snprintf(buf, len, "repeat %d: %.0f%% of a core", c->ok_repeat[w], c->ok_foreign[w]);
}

static void say_aside(struct verdict_pair *p, const struct levels *l, size_t ab, size_t nb,
		      size_t an, size_t nn)
{
	size_t len = strlen(p->why);

	if (!ab && !an)
		return;
	snprintf(p->why + len, sizeof(p->why) - len, "%sset aside as disturbed (processes outside "
		 "the testbed more than %.0f%% of a core above the run's median of %.0f%%, or steal "
		 "%.0f%% above its %.1f%%): %zu of %zu repeats of the baseline, %zu of %zu of this "
		 "variant", len ? "; " : "", VERDICT_FOREIGN_CPU_LIMIT, l->foreign, VERDICT_STEAL_LIMIT,
		 isnan(l->steal) ? 0 : l->steal, ab, nb, an, nn);
}

/* Fewer than two calm repeats left on a side that had two: disturbed, not
 * judged (and not in the Holm family); more rounds can mend it. */
static void too_few_calm(struct verdict_pair *p, const struct report_cell *b, const struct report_cell *c,
			 const struct levels *l, size_t nb, size_t nn)
{
	char wb[64] = "", wn[64] = "";

	if (b->n_ok - nb < 2 || !nb)
		worst(b, l, wb, sizeof(wb));
	if (c->n_ok - nn < 2 || !nn)
		worst(c, l, wn, sizeof(wn));
	memset(p, 0, sizeof(*p));
	p->kind = VERDICT_DISTURBED;
	p->p_holm = p->p_equiv_holm = p->mde_percent = NAN;
	snprintf(p->why, sizeof(p->why), "fewer than 2 calm repeats left: %zu of %zu of the baseline%s%s%s "
		 "and %zu of %zu of this variant%s%s%s were disturbed (processes outside the testbed more "
		 "than %.0f%% of a core above the run's median of %.0f%%, or steal %.0f%% above its level)",
		 nb, b->n_ok, wb[0] ? " (" : "", wb, wb[0] ? ")" : "", nn, c->n_ok, wn[0] ? " (" : "", wn,
		 wn[0] ? ")" : "", VERDICT_FOREIGN_CPU_LIMIT, l->foreign, VERDICT_STEAL_LIMIT);
}

struct side_room {
	double *xb, *xn;
	size_t ab, an;
	bool judged;               /* in the family, else too_few_calm() */
};

/* A side that had two successful repeats and kept fewer than two calm. */
static bool too_few(const struct verdict_side *side, const struct report_cell *c)
{
	return side->present && c->n_ok >= 2 && side->n < 2;
}

/* verdict.c's failed: NEW failed a larger share of its repeats than BASE */
static bool failed_more(const struct verdict_pair *p)
{
	const struct verdict_side *b = &p->base, *n = &p->new_;

	return n->n_runs && n->n < n->n_runs &&
	       (double)(n->n_runs - n->n) / (double)n->n_runs >
	       (b->n_runs ? (double)(b->n_runs - b->n) / (double)b->n_runs : 0);
}

static int build_pairs(struct report_data *d, const struct levels *l, struct verdict_pair *p,
		       struct side_room *room, size_t *n_pairs, size_t *n_judged)
{
	size_t v, s, n = 0, k = 0;

	for (v = 1; v < d->n_variants; v++)
		for (s = 0; s < d->n_scenarios; s++) {
			const struct report_cell *c = report_cell(d, v, s), *b = report_cell(d, 0, s);
			struct side_room *r = &room[n++];

			if (!pair_of(d, v, s))
				continue;
			r->xb = malloc((b->n_ok + 1) * sizeof(double));
			r->xn = malloc((c->n_ok + 1) * sizeof(double));
			if (!r->xb || !r->xn) {
				*n_pairs = n;
				return -ENOMEM;
			}
			r->ab = calm_side(d, b, l, r->xb, &p[k].base);
			r->an = calm_side(d, c, l, r->xn, &p[k].new_);
			r->judged = !too_few(&p[k].base, b) && !too_few(&p[k].new_, c);
			/* missing and failed stay the findings (as in verdict.c) */
			r->judged |= !p[k].base.present || !p[k].new_.present || failed_more(&p[k]);
			k += r->judged;
		}
	*n_pairs = n;
	*n_judged = k;
	return 0;
}

int report_summary_judge(struct report_data *d)
{
	const struct verdict_rules rules = { .threshold_percent = VERDICT_THRESHOLD_DEFAULT,
					     .name = { "the baseline", "this variant" },
					     .alpha = d->alpha };
	struct levels l = { run_level(d, false), run_level(d, true) };
	size_t cap = d->n_variants * d->n_scenarios + 1, v, s, i = 0, k = 0, n = 0, judged = 0;
	struct verdict_pair *p = calloc(cap, sizeof(*p));
	struct side_room *room = calloc(cap, sizeof(*room));
	int r = -ENOMEM;

	if (!p || !room || (r = build_pairs(d, &l, p, room, &n, &judged)) ||
	    (r = verdict_judge(p, judged, &rules)))
		goto out;
	for (v = 1; v < d->n_variants; v++)
		for (s = 0; s < d->n_scenarios; s++, i++) {
			struct report_cell *c = report_cell(d, v, s), *b = report_cell(d, 0, s);

			if (!pair_of(d, v, s))
				continue;
			if (room[i].judged) {
				c->vs = p[k++];
				say_aside(&c->vs, &l, room[i].ab, b->n_ok, room[i].an, c->n_ok);
			} else {
				too_few_calm(&c->vs, b, c, &l, room[i].ab, room[i].an);
			}
			c->vs.base.x = c->vs.new_.x = NULL;   /* room is freed below */
			c->has_vs = true;
			d->n_pairs++;
		}
	for (v = 0; v < d->n_variants; v++)
		if (d->skipped[v])
			mark_skipped(d, v);
out:
	for (i = 0; room && i < n; i++) {
		free(room[i].xb);
		free(room[i].xn);
	}
	free(room);
	free(p);
	return r;
}
