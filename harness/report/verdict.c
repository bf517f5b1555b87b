/* verdict.c — see verdict.h. */
#include "verdict.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *verdict_name(enum verdict_kind k)
{
	static const char *const names[VERDICT_COUNT] = {
		[VERDICT_REGRESSION] = "regression", [VERDICT_IMPROVEMENT] = "improvement",
		[VERDICT_EQUIVALENT] = "equivalent", [VERDICT_INCONCLUSIVE] = "inconclusive",
		[VERDICT_FAILED] = "failed", [VERDICT_MISSING] = "missing",
		[VERDICT_DISTURBED] = "disturbed", [VERDICT_SKIPPED] = "skipped",
	};

	return (unsigned int)k < VERDICT_COUNT ? names[k] : "?";
}

int verdict_exit_code(const size_t count[VERDICT_COUNT])
{
	size_t k, other = 0;

	if (count[VERDICT_REGRESSION] || count[VERDICT_FAILED])
		return 1;
	for (k = 0; k < VERDICT_COUNT; k++)
		if (k != VERDICT_IMPROVEMENT && k != VERDICT_EQUIVALENT)
			other += count[k];
	return other ? 3 : 0;
}

/* Appends to a fixed buffer, "; "-separated; silently truncates. */
static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 3 >= len)
		return;
	if (used) {
		memcpy(buf + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static double fail_share(const struct verdict_side *s)
{
	return s->n_runs ? (double)(s->n_runs - s->n) / (double)s->n_runs : 0;
}

static const char *base_name(const struct verdict_rules *r)
{
	return r->name[0] ? r->name[0] : "BASE";
}

static const char *new_name(const struct verdict_rules *r)
{
	return r->name[1] ? r->name[1] : "NEW";
}

/* "BASE", "NEW" or "BASE and NEW" (join "or") for the sides in b, n. */
static void sides(char *buf, size_t len, const struct verdict_rules *r, bool b, bool n,
		  const char *join)
{
	snprintf(buf, len, "%s%s%s%s%s", b ? base_name(r) : "", b && n ? " " : "", b && n ? join : "",
		 b && n ? " " : "", n ? new_name(r) : "");
}

static bool judge_failed(struct verdict_pair *p, const struct verdict_rules *r)
{
	const struct verdict_side *b = &p->base, *n = &p->new_;

	if (n->n == n->n_runs || fail_share(n) <= fail_share(b))
		return false;
	p->kind = VERDICT_FAILED;
	add(p->why, sizeof(p->why), "%s failed %zu of %zu repeats, %s %zu of %zu", new_name(r),
	    n->n_runs - n->n, n->n_runs, base_name(r), b->n_runs - b->n, b->n_runs);
	return true;
}

static double moved_percent(double from, double to)
{
	return (to / from - 1.0) * 100.0;
}

/* What a side could not be checked for: [0] interference, [1] canary. */
struct unchecked {
	bool what[2];
};

/* One side's interference against the limits; true when beyond one. The
 * reasons go to why; what could not be checked to *u. */
static bool side_disturbed(struct verdict_pair *p, const struct verdict_side *s, const char *name,
			   double thr, bool canary, struct unchecked *u)
{
	bool bad = false;
	double m;

	if (!s->n_interference) {
		u->what[0] = true;
	} else {
		if (s->foreign_cpu > VERDICT_FOREIGN_CPU_LIMIT) {
			add(p->why, sizeof(p->why), "%s repeat %d: processes outside the testbed took "
			    "%.0f%% of a core (limit %.0f%%)", name, s->foreign_repeat, s->foreign_cpu,
			    VERDICT_FOREIGN_CPU_LIMIT);
			bad = true;
		}
		if (s->steal > VERDICT_STEAL_LIMIT) {
			add(p->why, sizeof(p->why), "%s repeat %d: steal %.1f%% (limit %.0f%%)", name,
			    s->steal_repeat, s->steal, VERDICT_STEAL_LIMIT);
			bad = true;
		}
		if (s->n_interference < s->n)
			add(p->unmeasured, sizeof(p->unmeasured), "interference in %zu of %zu %s repeats",
			    s->n - s->n_interference, s->n, name);
	}
	if (!canary)
		return bad;
	if (isnan(s->canary_before) || isnan(s->canary_after)) {
		u->what[1] = true;
		return bad;
	}
	m = moved_percent(s->canary_before, s->canary_after);
	if (fabs(m) > thr) {
		add(p->why, sizeof(p->why), "%s: the machine-speed canary moved %+.1f%% from before to "
		    "after the run (threshold %.1f%%)", name, m, thr);
		bad = true;
	}
	return bad;
}

static void say_unchecked(struct verdict_pair *p, const struct verdict_rules *r,
			  const struct unchecked *b, const struct unchecked *n)
{
	static const char *const what[2] = { "interference (foreign CPU, steal)", "machine-speed canary" };
	char who[64];
	size_t k;

	for (k = 0; k < 2; k++)
		if (b->what[k] || n->what[k]) {
			sides(who, sizeof(who), r, b->what[k], n->what[k], "and");
			add(p->unmeasured, sizeof(p->unmeasured), "%s in %s", what[k], who);
		}
}

static bool judge_disturbed(struct verdict_pair *p, const struct verdict_rules *rules)
{
	const struct verdict_side *b = &p->base, *n = &p->new_;
	struct unchecked ub = { { false, false } }, un = { { false, false } };
	double thr = rules->threshold_percent, m;
	bool bad;

	bad = side_disturbed(p, b, base_name(rules), thr, rules->canary, &ub);
	bad |= side_disturbed(p, n, new_name(rules), thr, rules->canary, &un);
	say_unchecked(p, rules, &ub, &un);
	if (rules->canary && !isnan(b->canary_before + b->canary_after) &&
	    !isnan(n->canary_before + n->canary_after)) {
		m = moved_percent((b->canary_before + b->canary_after) / 2,
				  (n->canary_before + n->canary_after) / 2);
		if (fabs(m) > thr) {
			add(p->why, sizeof(p->why), "the machine-speed canary moved %+.1f%% between %s "
			    "and %s (threshold %.1f%%)", m, base_name(rules), new_name(rules), thr);
			bad = true;
		}
	}
	return bad;
}

/* Everything decided before any test; true when the pair is decided. */
static bool prejudge(struct verdict_pair *p, const struct verdict_rules *rules)
{
	const struct verdict_side *b = &p->base, *n = &p->new_;
	char who[64];

	p->kind = VERDICT_INCONCLUSIVE;
	if (!b->present || !n->present) {
		p->kind = VERDICT_MISSING;
		add(p->why, sizeof(p->why), "only in %s", b->present ? base_name(rules) : new_name(rules));
		return true;
	}
	if (b->not_measured || n->not_measured) {
		p->kind = VERDICT_MISSING;
		sides(who, sizeof(who), rules, b->not_measured, n->not_measured, "or");
		add(p->why, sizeof(p->why), "not measured in %s", who);
		return true;
	}
	/* the change is shown also where it is not judged (failed, disturbed) */
	p->has_ratio = b->n >= 2 && n->n >= 2 &&
		       !stats_ratio(b->x, b->n, n->x, n->n, rules->threshold_percent, &p->r);
	/* a failure stays the finding when the machine was disturbed too; the
	 * disturbance is said in the reason */
	if (judge_failed(p, rules)) {
		judge_disturbed(p, rules);
		return true;
	}
	if (judge_disturbed(p, rules)) {
		p->kind = VERDICT_DISTURBED;
		return true;
	}
	if (!b->n || !n->n) {
		sides(who, sizeof(who), rules, !b->n, !n->n, "or");
		add(p->why, sizeof(p->why), "no successful repeat in %s", who);
		return true;
	}
	if (b->n < 2 || n->n < 2) {
		add(p->why, sizeof(p->why), "n = %zu in %s: too few repeats to estimate the noise "
		    "(at least 2 per side, 5 or more to decide)", b->n < 2 ? b->n : n->n,
		    b->n < 2 ? base_name(rules) : new_name(rules));
		return true;
	}
	if (!p->has_ratio) {
		add(p->why, sizeof(p->why), "a value <= 0: no ratio to test");
		return true;
	}
	p->tested = true;
	return false;
}

static double rules_alpha(const struct verdict_rules *rules)
{
	return rules->alpha > 0 ? rules->alpha : STATS_ALPHA;
}

static void say_inconclusive(struct verdict_pair *p, double thr, double alpha, size_t m)
{
	const struct stats_ratio *r = &p->r;
	double alpha_strict = alpha / (double)m;

	if (r->p_equiv < alpha)
		add(p->why, sizeof(p->why), "the interval [%+.1f%%, %+.1f%%] lies inside ±%.1f%%, "
		    "but not after Holm's correction for %zu pairs", r->low_percent, r->high_percent,
		    thr, m);
	else if (p->p_holm < alpha)
		add(p->why, sizeof(p->why), "a significant change of %+.1f%%, but its interval "
		    "[%+.1f%%, %+.1f%%] reaches beyond ±%.1f%%", r->delta_percent, r->low_percent,
		    r->high_percent, thr);
	else if (r->p_diff < alpha)
		add(p->why, sizeof(p->why), "%+.1f%% [%+.1f%%, %+.1f%%], not significant after Holm's "
		    "correction for %zu pairs", r->delta_percent, r->low_percent, r->high_percent, m);
	else if (r->p_diff < STATS_ALPHA || r->p_equiv < STATS_ALPHA)
		add(p->why, sizeof(p->why), "%+.1f%% [%+.1f%%, %+.1f%%] (95%%), not decided at this "
		    "look's alpha %.2g", r->delta_percent, r->low_percent, r->high_percent, alpha);
	else
		add(p->why, sizeof(p->why), "%+.1f%%: the interval [%+.1f%%, %+.1f%%] holds both no "
		    "change and a change beyond ±%.1f%%", r->delta_percent, r->low_percent,
		    r->high_percent, thr);
	/* "could detect" at Holm's strictest step, alpha / m */
	p->mde_percent = stats_mde_percent(r, alpha_strict);
	p->repeats_needed = stats_repeats_needed(r->sd_pooled, thr, alpha_strict, VERDICT_REPEATS_MAX);
	add(p->why, sizeof(p->why), "n = %zu and %zu at this noise could detect %.1f%%",
	    r->nb, r->nn, p->mde_percent);
	if (p->repeats_needed)
		add(p->why, sizeof(p->why), "%zu repeats per side would detect %.1f%%",
		    p->repeats_needed, thr);
	else
		add(p->why, sizeof(p->why), "more than %d repeats per side would be needed to "
		    "detect %.1f%%", VERDICT_REPEATS_MAX, thr);
}

static void decide(struct verdict_pair *p, double thr, double alpha, size_t m)
{
	double d = p->r.delta_percent;
	bool worse = p->lower_is_better ? d > thr : d < -thr;
	bool better = p->lower_is_better ? d < -thr : d > thr;
	const char *what = p->lower_is_better ? (d > 0 ? "higher" : "lower") :
			   (d > 0 ? "faster" : "slower");

	if (p->p_holm < alpha && (worse || better)) {
		p->kind = worse ? VERDICT_REGRESSION : VERDICT_IMPROVEMENT;
		add(p->why, sizeof(p->why), "%s by %.1f%% [%+.1f%%, %+.1f%%], beyond %.1f%%, Holm p = %.2g",
		    what, fabs(d), p->r.low_percent, p->r.high_percent, thr, p->p_holm);
	} else if (p->p_equiv_holm < alpha) {
		p->kind = VERDICT_EQUIVALENT;
		add(p->why, sizeof(p->why), "the interval [%+.1f%%, %+.1f%%] lies inside ±%.1f%%, "
		    "Holm p = %.2g", p->r.low_percent, p->r.high_percent, thr, p->p_equiv_holm);
	} else {
		p->kind = VERDICT_INCONCLUSIVE;
		say_inconclusive(p, thr, alpha, m);
	}
	if (alpha != STATS_ALPHA)
		add(p->why, sizeof(p->why), "alpha %.2g (this look's share of %.2g, sequential "
		    "stopping)", alpha, STATS_ALPHA);
}

int verdict_judge(struct verdict_pair *pairs, size_t n, const struct verdict_rules *rules)
{
	double *pd = calloc(n ? n : 1, sizeof(*pd)), *pe = calloc(n ? n : 1, sizeof(*pe));
	size_t i, m = 0;
	int ret = -ENOMEM;

	if (!pd || !pe)
		goto out;
	for (i = 0; i < n; i++) {
		pairs[i].why[0] = pairs[i].unmeasured[0] = '\0';
		pairs[i].tested = pairs[i].has_ratio = false;
		pairs[i].p_holm = pairs[i].p_equiv_holm = pairs[i].mde_percent = NAN;
		pairs[i].repeats_needed = 0;
		memset(&pairs[i].r, 0, sizeof(pairs[i].r));
		prejudge(&pairs[i], rules);
		pd[i] = pairs[i].tested ? pairs[i].r.p_diff : NAN;
		pe[i] = pairs[i].tested ? pairs[i].r.p_equiv : NAN;
		m += pairs[i].tested;
	}
	/* two families over the same pairs: "changed" and "the same" */
	stats_holm(pd, n, pd);
	stats_holm(pe, n, pe);
	for (i = 0; i < n; i++) {
		if (!pairs[i].tested)
			continue;
		pairs[i].p_holm = pd[i];
		pairs[i].p_equiv_holm = pe[i];
		decide(&pairs[i], rules->threshold_percent, rules_alpha(rules), m);
	}
	ret = 0;
out:
	free(pd);
	free(pe);
	return ret;
}
