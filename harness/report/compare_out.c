/* compare_out.c — the renderers of a compare_result (compare.h): markdown
 * for a person, JUnit XML for a CI, JSON for a program. Each is built in
 * memory; the caller writes it. */
#include "compare.h"
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static const char *const exit_meaning[4] = {
	[0] = "every pair improved or shown equivalent",
	[1] = "a regression or a failure",
	[3] = "inconclusive: a pair neither a regression nor shown equivalent",
};

static void fmt_apart(char *buf, size_t len, double s)
{
	double a = fabs(s);

	if (isnan(s))
		snprintf(buf, len, "unknown (a run.json without a start time)");
	else if (a < 120)
		snprintf(buf, len, "%.0f s", a);
	else if (a < 3600)
		snprintf(buf, len, "%.0f min", a / 60);
	else if (a < 172800)
		snprintf(buf, len, "%.1f h", a / 3600);
	else
		snprintf(buf, len, "%.1f days", a / 86400);
}

static void fmt_value(char *buf, size_t len, double x, bool latency)
{
	if (latency)
		snprintf(buf, len, "%.2f ms", x);
	else
		report_fmt_bps(buf, len, x);
}

/* "900.1 Mbit/s [880.0 Mbit/s – 910.2 Mbit/s, 93.8%] n=5 (1 failed)" */
static void fmt_side(char *buf, size_t len, const struct compare_row *w, bool base)
{
	const struct verdict_side *s = base ? &w->p.base : &w->p.new_;
	const struct stats_summary *st = base ? &w->sb : &w->sn;
	char m[32], lo[32], hi[32], failed[32] = "";

	if (!s->present) {
		snprintf(buf, len, "–");
		return;
	}
	if (s->not_measured) {
		snprintf(buf, len, "not measured");
		return;
	}
	if (s->n_runs > s->n)
		snprintf(failed, sizeof(failed), " (%zu failed)", s->n_runs - s->n);
	if (!s->n) {
		snprintf(buf, len, "–%s", failed);
		return;
	}
	fmt_value(m, sizeof(m), st->median, w->latency);
	if (s->n < 2) {
		snprintf(buf, len, "%s (no interval) n=1%s", m, failed);
		return;
	}
	fmt_value(lo, sizeof(lo), st->ci_low, w->latency);
	fmt_value(hi, sizeof(hi), st->ci_high, w->latency);
	snprintf(buf, len, "%s [%s – %s, %.1f%%] n=%zu%s", m, lo, hi, st->ci_level * 100, s->n, failed);
}

static void md_name(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`' || *s == '<')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void md_variant(FILE *f, const struct compare_row *w)
{
	const char *b = w->variant_base, *n = w->variant_new;

	md_name(f, b ? b : n);
	if (b && n && strcmp(b, n)) {
		fputs(" → ", f);
		md_name(f, n);
	}
}

static void md_row(FILE *f, const struct compare_result *r, const struct compare_row *w)
{
	const struct verdict_pair *p = &w->p;
	bool bold = p->kind == VERDICT_REGRESSION || p->kind == VERDICT_FAILED;
	char a[200], b[200], both[160];

	fmt_side(a, sizeof(a), w, true);
	fmt_side(b, sizeof(b), w, false);
	fputs("| ", f);
	md_variant(f, w);
	fputs(" | ", f);
	md_name(f, w->scenario);
	fprintf(f, " | %s | %s | %s | ", w->latency ? "p99 RTT" : "throughput", a, b);
	if (p->has_ratio)
		fprintf(f, "%+.1f%% [%+.1f%%, %+.1f%%] | ", p->r.delta_percent, p->r.low_percent,
			p->r.high_percent);
	else
		fputs("– | ", f);
	if (p->tested)
		fprintf(f, "%.3g | ", p->p_holm);
	else
		fputs("– | ", f);
	fprintf(f, "%s%s%s (", bold ? "**" : "", verdict_name(p->kind), bold ? "**" : "");
	md_name(f, p->why);
	compare_fmt_both(r, w, both, sizeof(both));
	if (both[0])
		fprintf(f, "; both moved: %s", both);
	fputs(") |\n", f);
}

static void md_unmeasured(FILE *f, const struct compare_result *r)
{
	size_t i, j, k, count;
	bool first = true;

	for (i = 0; i < r->n_rows; i++) {
		const char *u = r->rows[i].p.unmeasured;

		for (j = 0; j < i && strcmp(r->rows[j].p.unmeasured, u); j++)
			;
		if (!*u || j < i)
			continue;
		for (k = i, count = 0; k < r->n_rows; k++)
			count += !strcmp(r->rows[k].p.unmeasured, u);
		if (first)
			fputs("Not measured in these results, so not checked (a busy or slower machine "
			      "cannot be told apart from a change there):\n", f);
		first = false;
		fprintf(f, "- %s (%zu pair%s)\n", u, count, count > 1 ? "s" : "");
	}
	if (!first)
		fputc('\n', f);
}

/* --metric both: the pairs whose throughput and latency each moved, so a
 * throughput gain bought with queueing is read as the trade it is. */
static void md_both(FILE *f, const struct compare_result *r)
{
	size_t i, n = compare_count_both(r);
	char both[160];

	if (!n)
		return;
	fprintf(f, "- both metrics moved (%zu):", n);
	for (i = 0; i < r->n_rows; i++) {
		const struct compare_row *w = &r->rows[i];

		if (w->latency || !compare_both_moved(r, w))
			continue;
		fputc(' ', f);
		md_name(f, w->variant_new ? w->variant_new : w->variant_base);
		fputc('/', f);
		md_name(f, w->scenario);
		compare_fmt_both(r, w, both, sizeof(both));
		fprintf(f, " (%s)", both);
	}
	fputc('\n', f);
}

static void md_verdict(FILE *f, const struct compare_result *r)
{
	static const enum verdict_kind order[] = { VERDICT_REGRESSION, VERDICT_FAILED,
		VERDICT_DISTURBED, VERDICT_INCONCLUSIVE, VERDICT_MISSING, VERDICT_IMPROVEMENT,
		VERDICT_EQUIVALENT };
	int code = compare_exit_code(r);
	size_t k, i;

	fprintf(f, "Verdict: exit %d, %s (%zu pair%s).\n", code, exit_meaning[code], r->n_rows,
		r->n_rows > 1 ? "s" : "");
	for (k = 0; k < ARRAY_SIZE(order); k++) {
		if (!r->count[order[k]])
			continue;
		fprintf(f, "- %s (%zu):", verdict_name(order[k]), r->count[order[k]]);
		for (i = 0; i < r->n_rows; i++) {
			if (r->rows[i].p.kind != order[k])
				continue;
			fputc(' ', f);
			md_name(f, r->rows[i].variant_new ? r->rows[i].variant_new : r->rows[i].variant_base);
			fputc('/', f);
			md_name(f, r->rows[i].scenario);
			if (r->rows[i].latency)
				fputs(" (p99 RTT)", f);
		}
		fputc('\n', f);
	}
	md_both(f, r);
}

int compare_markdown(const struct compare_result *r, char **out)
{
	char apart[64];
	size_t len = 0, i;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);

	*out = NULL;
	if (!f)
		return -errno;
	fmt_apart(apart, sizeof(apart), r->apart_s);
	fprintf(f, "# wgbench compare\n\nBASE: %s\nNEW:  %s\nThe two runs were started %s apart%s.\n\n",
		r->base->dir, r->new_->dir, apart,
		!isnan(r->apart_s) && r->apart_s < 0 ? " (NEW is the older one)" : "");
	fputs("| variant | scenario | metric | BASE median [interval, its level] "
	      "| NEW median [interval, its level] | Δ [95% interval] | p (Holm) | verdict |\n"
	      "|---|---|---|---|---|---:|---:|---|\n", f);
	for (i = 0; i < r->n_rows; i++)
		md_row(f, r, &r->rows[i]);
	fprintf(f, "\nRule: Δ is NEW against BASE as a ratio of geometric means, with its 95%% "
		"interval (Welch's t on log values; not the ratio of the medians shown); p is that test's, Holm-corrected over the %zu "
		"tested pair%s. A regression (improvement) is a change significant at α = 0.05 and "
		"beyond %.1f%% in the bad (good) direction — slower throughput, higher p99 RTT; "
		"equivalent: the 95%% interval of Δ inside ±%.1f%% (two one-sided tests, Holm); "
		"inconclusive: neither. Failed: NEW failed a larger share of its repeats than BASE. "
		"Disturbed (not judged): processes outside the testbed took more than %.0f%% of a "
		"core or steal exceeded %.0f%% in a repeat, or the machine-speed canary moved more "
		"than %.1f%% within a side or between them. Medians carry the distribution-free "
		"order-statistic interval, labelled with the confidence it has at its n.\n\n",
		r->n_tested, r->n_tested == 1 ? "" : "s", r->threshold_percent, r->threshold_percent,
		VERDICT_FOREIGN_CPU_LIMIT, VERDICT_STEAL_LIMIT, r->threshold_percent);
	md_unmeasured(f, r);
	md_verdict(f, r);
	if (fclose(f))
		return -errno;
	*out = buf;
	return 0;
}

static void xml_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* XML 1.0 forbids most control characters */
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

static void junit_case(FILE *f, const struct compare_result *r, const struct compare_row *w)
{
	const struct verdict_pair *p = &w->p;
	enum verdict_kind k = p->kind;
	char a[200], b[200], ev[1536], both[160];

	fmt_side(a, sizeof(a), w, true);
	fmt_side(b, sizeof(b), w, false);
	compare_fmt_both(r, w, both, sizeof(both));
	snprintf(ev, sizeof(ev), "%s: BASE %s; NEW %s; threshold %.1f%%; %s%s%s%s%s",
		 w->latency ? "p99 RTT" : "throughput", a, b, r->threshold_percent, p->why,
		 p->unmeasured[0] ? "; not measured: " : "", p->unmeasured,
		 both[0] ? "; both moved: " : "", both);
	fputs("  <testcase classname=\"wgbench.", f);
	xml_esc(f, w->scenario);
	fputs("\" name=\"", f);
	xml_esc(f, w->variant_new ? w->variant_new : w->variant_base);
	fputc(' ', f);
	xml_esc(f, w->scenario);
	fputs(w->latency ? " p99-rtt" : "", f);
	fputs("\" time=\"0\">\n", f);
	if (k == VERDICT_REGRESSION || k == VERDICT_FAILED)
		fprintf(f, "    <failure type=\"%s\" message=\"", verdict_name(k));
	else if (k != VERDICT_IMPROVEMENT && k != VERDICT_EQUIVALENT)
		fprintf(f, "    <skipped message=\"%s: ", verdict_name(k));
	else
		fprintf(f, "    <system-out>%s: ", verdict_name(k));
	xml_esc(f, k == VERDICT_IMPROVEMENT || k == VERDICT_EQUIVALENT ? ev : p->why);
	if (k == VERDICT_REGRESSION || k == VERDICT_FAILED) {
		fputs("\">", f);
		xml_esc(f, ev);
		fputs("</failure>\n", f);
	} else if (k != VERDICT_IMPROVEMENT && k != VERDICT_EQUIVALENT) {
		fputs("\"/>\n    <system-out>", f);
		xml_esc(f, ev);
		fputs("</system-out>\n", f);
	} else {
		fputs("</system-out>\n", f);
	}
	fputs("  </testcase>\n", f);
}

int compare_junit(const struct compare_result *r, char **out)
{
	size_t len = 0, i;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	size_t failures = r->count[VERDICT_REGRESSION] + r->count[VERDICT_FAILED];
	size_t skipped = r->count[VERDICT_INCONCLUSIVE] + r->count[VERDICT_DISTURBED] +
			 r->count[VERDICT_MISSING] + r->count[VERDICT_SKIPPED];

	*out = NULL;
	if (!f)
		return -errno;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
		"<testsuite name=\"wgbench compare\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		"skipped=\"%zu\">\n", r->n_rows, failures, skipped);
	for (i = 0; i < r->n_rows; i++)
		junit_case(f, r, &r->rows[i]);
	fputs("</testsuite>\n</testsuites>\n", f);
	if (fclose(f))
		return -errno;
	*out = buf;
	return 0;
}

static struct json_object *dnum(bool have, double x)
{
	return have && isfinite(x) ? json_object_new_double(x) : NULL;
}

static struct json_object *side_obj(const struct compare_row *w, bool base)
{
	const struct verdict_side *s = base ? &w->p.base : &w->p.new_;
	const struct stats_summary *st = base ? &w->sb : &w->sn;
	const char *v = base ? w->variant_base : w->variant_new;
	struct json_object *o = json_object_new_object(), *in = json_object_new_object();
	bool h = s->present && s->n > 0, i = s->n > 1;

	json_object_object_add(o, "variant", v ? json_object_new_string(v) : NULL);
	json_object_object_add(o, "present", json_object_new_boolean(s->present));
	json_object_object_add(o, "measured", json_object_new_boolean(s->present && !s->not_measured));
	json_object_object_add(o, "n", json_object_new_int64((int64_t)s->n));
	json_object_object_add(o, "n_failed", json_object_new_int64((int64_t)(s->n_runs - s->n)));
	json_object_object_add(o, "median", dnum(h, st->median));
	json_object_object_add(o, "ci_low", dnum(i, st->ci_low));
	json_object_object_add(o, "ci_high", dnum(i, st->ci_high));
	json_object_object_add(o, "ci_level", dnum(i, st->ci_level));
	json_object_object_add(in, "repeats_measured", json_object_new_int64((int64_t)s->n_interference));
	json_object_object_add(in, "foreign_cpu_percent_max", dnum(true, s->foreign_cpu));
	json_object_object_add(in, "steal_percent_max", dnum(true, s->steal));
	json_object_object_add(in, "canary_before_ops_per_s", dnum(true, s->canary_before));
	json_object_object_add(in, "canary_after_ops_per_s", dnum(true, s->canary_after));
	json_object_object_add(o, "interference", in);
	return o;
}

static struct json_object *row_obj(const struct compare_result *r, const struct compare_row *w)
{
	const struct verdict_pair *p = &w->p;
	const struct compare_row *o = compare_other(r, w);
	struct json_object *e = json_object_new_object(), *oth = NULL;

	json_object_object_add(e, "scenario", json_object_new_string(w->scenario));
	json_object_object_add(e, "metric", json_object_new_string(w->latency ? "rtt_p99" : "throughput"));
	json_object_object_add(e, "unit", json_object_new_string(w->latency ? "ms" : "bit/s"));
	json_object_object_add(e, "base", side_obj(w, true));
	json_object_object_add(e, "new", side_obj(w, false));
	json_object_object_add(e, "delta_percent", dnum(p->has_ratio, p->r.delta_percent));
	json_object_object_add(e, "delta_low_percent", dnum(p->has_ratio, p->r.low_percent));
	json_object_object_add(e, "delta_high_percent", dnum(p->has_ratio, p->r.high_percent));
	json_object_object_add(e, "p_value", dnum(p->tested, p->p_holm));
	json_object_object_add(e, "p_value_raw", dnum(p->tested, p->r.p_diff));
	json_object_object_add(e, "p_equivalence", dnum(p->tested, p->p_equiv_holm));
	json_object_object_add(e, "verdict", json_object_new_string(verdict_name(p->kind)));
	json_object_object_add(e, "why", json_object_new_string(p->why));
	json_object_object_add(e, "not_measured", p->unmeasured[0] ? json_object_new_string(p->unmeasured) : NULL);
	json_object_object_add(e, "mde_percent", dnum(true, p->mde_percent));
	json_object_object_add(e, "repeats_needed", p->repeats_needed ?
			       json_object_new_int64((int64_t)p->repeats_needed) : NULL);
	/* --metric both: the same pair's other metric, and whether both moved */
	if (o) {
		oth = json_object_new_object();
		json_object_object_add(oth, "metric", json_object_new_string(o->latency ? "rtt_p99" : "throughput"));
		json_object_object_add(oth, "verdict", json_object_new_string(verdict_name(o->p.kind)));
		json_object_object_add(oth, "delta_percent", dnum(o->p.has_ratio, o->p.r.delta_percent));
	}
	json_object_object_add(e, "other_metric", oth);
	json_object_object_add(e, "both_moved", json_object_new_boolean(compare_both_moved(r, w)));
	return e;
}

int compare_json(const struct compare_result *r, char **out)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	struct json_object *cnt = json_object_new_object();
	size_t i, k;

	*out = NULL;
	if (!o || !arr || !cnt) {
		json_object_put(o);
		json_object_put(arr);
		json_object_put(cnt);
		return -ENOMEM;
	}
	json_object_object_add(o, "base", json_object_new_string(r->base->dir));
	json_object_object_add(o, "new", json_object_new_string(r->new_->dir));
	json_object_object_add(o, "threshold_percent", json_object_new_double(r->threshold_percent));
	json_object_object_add(o, "alpha", json_object_new_double(STATS_ALPHA));
	json_object_object_add(o, "tested_pairs", json_object_new_int64((int64_t)r->n_tested));
	json_object_object_add(o, "apart_s", dnum(true, r->apart_s));
	json_object_object_add(o, "exit_code", json_object_new_int(compare_exit_code(r)));
	for (k = 0; k < VERDICT_COUNT; k++)
		json_object_object_add(cnt, verdict_name((enum verdict_kind)k),
				       json_object_new_int64((int64_t)r->count[k]));
	json_object_object_add(o, "counts", cnt);
	json_object_object_add(o, "regressions", json_object_new_int64((int64_t)r->count[VERDICT_REGRESSION]));
	json_object_object_add(o, "improvements", json_object_new_int64((int64_t)r->count[VERDICT_IMPROVEMENT]));
	json_object_object_add(o, "both_moved", json_object_new_int64((int64_t)compare_count_both(r)));
	for (i = 0; i < r->n_rows; i++)
		json_object_array_add(arr, row_obj(r, &r->rows[i]));
	json_object_object_add(o, "comparisons", arr);
	*out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return *out ? 0 : -ENOMEM;
}
