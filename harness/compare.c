/* compare.c — see compare.h. */
#include "compare.h"
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static int find(char *const *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return (int)i;
	return -1;
}

static void judge(struct compare_row *row, double threshold)
{
	const struct report_cell *b = row->base, *n = row->new_;

	if (!b->n_ok) {
		row->verdict = COMPARE_NO_BASE;
		row->why = "no successful run in BASE";
		return;
	}
	if (!n->n_ok) {
		row->verdict = COMPARE_REGRESSION;
		row->why = "no successful run in NEW";
		row->cmp.delta_percent = -100;
		row->cmp.p_value = NAN;
		return;
	}
	stats_compare(b->bps, b->n_ok, n->bps, n->n_ok, &row->cmp);
	row->verdict = COMPARE_SAME;
	if (fabs(row->cmp.delta_percent) <= threshold)
		row->why = "within the threshold";
	else if (!row->cmp.significant)
		row->why = b->n_ok < 2 || n->n_ok < 2 ? "not testable (n < 2)" : "not significant";
	else if (row->cmp.delta_percent < 0) {
		row->verdict = COMPARE_REGRESSION;
		row->why = "slower beyond the threshold, significant";
	} else {
		row->verdict = COMPARE_IMPROVEMENT;
		row->why = "faster beyond the threshold, significant";
	}
}

static int add_row(struct compare_result *r, const struct report_cell *b, const struct report_cell *n)
{
	struct compare_row *g = realloc(r->rows, (r->n_rows + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	r->rows = g;
	g = &r->rows[r->n_rows++];
	memset(g, 0, sizeof(*g));
	g->base = b;
	g->new_ = n;
	judge(g, r->threshold_percent);
	r->regressions += g->verdict == COMPARE_REGRESSION;
	r->improvements += g->verdict == COMPARE_IMPROVEMENT;
	return 0;
}

int compare_data(const struct report_data *base, const struct report_data *new_,
		 double threshold_percent, struct compare_result **out)
{
	struct compare_result *r = calloc(1, sizeof(*r));
	bool single = base->n_variants == 1 && new_->n_variants == 1;
	size_t v, s;
	int vn, sn, ret;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->base = base;
	r->new_ = new_;
	r->threshold_percent = threshold_percent;
	r->apart_s = report_run_start(new_) - report_run_start(base);
	for (v = 0; v < base->n_variants; v++) {
		vn = single ? 0 : find(new_->variants, new_->n_variants, base->variants[v]);
		if (vn < 0)
			continue;
		for (s = 0; s < base->n_scenarios; s++) {
			sn = find(new_->scenarios, new_->n_scenarios, base->scenarios[s]);
			if (sn < 0 || !report_cell(base, v, s)->n_runs ||
			    !report_cell(new_, (size_t)vn, (size_t)sn)->n_runs)
				continue;
			ret = add_row(r, report_cell(base, v, s), report_cell(new_, (size_t)vn, (size_t)sn));
			if (ret) {
				compare_result_free(r);
				return ret;
			}
		}
	}
	if (!r->n_rows) {
		wgb_err("compare: %s and %s have no variant x scenario in common", base->dir, new_->dir);
		compare_result_free(r);
		return -ENODATA;
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

const char *compare_verdict_name(enum compare_verdict v)
{
	switch (v) {
	case COMPARE_SAME: return "no change";
	case COMPARE_REGRESSION: return "REGRESSION";
	case COMPARE_IMPROVEMENT: return "improvement";
	case COMPARE_NO_BASE: return "not compared";
	}
	return "?";
}

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

static void fmt_cell(char *buf, size_t len, const struct report_cell *c)
{
	char m[32], lo[32], hi[32];

	if (!c->n_ok) {
		snprintf(buf, len, "– (%zu failed)", c->n_runs);
		return;
	}
	report_fmt_bps(m, sizeof(m), c->s.median);
	report_fmt_bps(lo, sizeof(lo), c->s.ci95_low);
	report_fmt_bps(hi, sizeof(hi), c->s.ci95_high);
	snprintf(buf, len, "%s [%s – %s] n=%zu", m, lo, hi, c->n_ok);
}

static void md_name(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`' || *s == '<')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

int compare_markdown(const struct compare_result *r, char **out)
{
	char a[128], b[128], apart[64];
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
	fputs("| variant | scenario | BASE median [95% interval] | NEW median [95% interval] "
	      "| Δ | p | verdict |\n|---|---|---|---|---:|---:|---|\n", f);
	for (i = 0; i < r->n_rows; i++) {
		const struct compare_row *w = &r->rows[i];

		fmt_cell(a, sizeof(a), w->base);
		fmt_cell(b, sizeof(b), w->new_);
		fputs("| ", f);
		md_name(f, w->base->variant);
		if (strcmp(w->base->variant, w->new_->variant)) {
			fputs(" → ", f);
			md_name(f, w->new_->variant);
		}
		fprintf(f, " | %s | %s | %s | ", w->base->scenario, a, b);
		if (w->verdict == COMPARE_NO_BASE)
			fputs("– | – | ", f);
		else if (isnan(w->cmp.p_value))
			fprintf(f, "%+.1f%% | – | ", w->cmp.delta_percent);
		else
			fprintf(f, "%+.1f%% | %.3g | ", w->cmp.delta_percent, w->cmp.p_value);
		fprintf(f, "%s%s%s (%s) |\n", w->verdict == COMPARE_REGRESSION ? "**" : "",
			compare_verdict_name(w->verdict), w->verdict == COMPARE_REGRESSION ? "**" : "",
			w->why);
	}
	fprintf(f, "\nRule: a regression is NEW slower by more than %.1f%% AND significant "
		"(Welch's two-sided t-test, α = 0.05); intervals are percentile bootstraps of "
		"the median.\n\n", r->threshold_percent);
	if (r->regressions) {
		fprintf(f, "Verdict: %zu regression(s):", r->regressions);
		for (i = 0; i < r->n_rows; i++)
			if (r->rows[i].verdict == COMPARE_REGRESSION) {
				fputc(' ', f);
				md_name(f, r->rows[i].new_->variant);
				fprintf(f, "/%s", r->rows[i].base->scenario);
			}
		fputc('\n', f);
	} else {
		fprintf(f, "Verdict: no regression (%zu pair(s) compared, %zu improvement(s)).\n",
			r->n_rows, r->improvements);
	}
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

int compare_junit(const struct compare_result *r, char **out)
{
	char a[128], b[128], ev[512];
	size_t len = 0, i;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);

	*out = NULL;
	if (!f)
		return -errno;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
		"<testsuite name=\"wgbench compare\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		"skipped=\"%zu\">\n", r->n_rows, r->regressions, (size_t)0);
	for (i = 0; i < r->n_rows; i++) {
		const struct compare_row *w = &r->rows[i];

		fmt_cell(a, sizeof(a), w->base);
		fmt_cell(b, sizeof(b), w->new_);
		snprintf(ev, sizeof(ev), "BASE %s; NEW %s; delta %+.2f%%; p %.4g; threshold %.1f%%; %s",
			 a, b, w->cmp.delta_percent, w->cmp.p_value, r->threshold_percent, w->why);
		fputs("  <testcase classname=\"wgbench.", f);
		xml_esc(f, w->base->scenario);
		fputs("\" name=\"", f);
		xml_esc(f, w->new_->variant);
		fputs(" ", f);
		xml_esc(f, w->base->scenario);
		fputs("\" time=\"0\">\n", f);
		if (w->verdict == COMPARE_REGRESSION) {
			fputs("    <failure type=\"regression\" message=\"", f);
			xml_esc(f, w->why);
			fputs("\">", f);
			xml_esc(f, ev);
			fputs("</failure>\n", f);
		} else {
			fputs("    <system-out>", f);
			xml_esc(f, compare_verdict_name(w->verdict));
			fputs(": ", f);
			xml_esc(f, ev);
			fputs("</system-out>\n", f);
		}
		fputs("  </testcase>\n", f);
	}
	fputs("</testsuite>\n</testsuites>\n", f);
	if (fclose(f))
		return -errno;
	*out = buf;
	return 0;
}

static struct json_object *dnum(double x)
{
	return isnan(x) ? NULL : json_object_new_double(x);
}

static struct json_object *cell_obj(const struct report_cell *c)
{
	struct json_object *o = json_object_new_object();
	bool h = c->n_ok > 0;

	json_object_object_add(o, "variant", json_object_new_string(c->variant));
	json_object_object_add(o, "n", json_object_new_int64((int64_t)c->n_ok));
	json_object_object_add(o, "n_failed", json_object_new_int64((int64_t)(c->n_runs - c->n_ok)));
	json_object_object_add(o, "median_bps", h ? dnum(c->s.median) : NULL);
	json_object_object_add(o, "ci95_low_bps", h ? dnum(c->s.ci95_low) : NULL);
	json_object_object_add(o, "ci95_high_bps", h ? dnum(c->s.ci95_high) : NULL);
	return o;
}

int compare_json(const struct compare_result *r, char **out)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	size_t i;

	*out = NULL;
	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return -ENOMEM;
	}
	json_object_object_add(o, "base", json_object_new_string(r->base->dir));
	json_object_object_add(o, "new", json_object_new_string(r->new_->dir));
	json_object_object_add(o, "threshold_percent", json_object_new_double(r->threshold_percent));
	json_object_object_add(o, "apart_s", dnum(r->apart_s));
	json_object_object_add(o, "regressions", json_object_new_int64((int64_t)r->regressions));
	json_object_object_add(o, "improvements", json_object_new_int64((int64_t)r->improvements));
	for (i = 0; i < r->n_rows; i++) {
		const struct compare_row *w = &r->rows[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "scenario", json_object_new_string(w->base->scenario));
		json_object_object_add(e, "base", cell_obj(w->base));
		json_object_object_add(e, "new", cell_obj(w->new_));
		json_object_object_add(e, "delta_percent",
				       w->verdict == COMPARE_NO_BASE ? NULL : dnum(w->cmp.delta_percent));
		json_object_object_add(e, "p_value", w->verdict == COMPARE_NO_BASE ? NULL :
				       dnum(w->cmp.p_value));
		json_object_object_add(e, "significant", json_object_new_boolean(w->cmp.significant));
		json_object_object_add(e, "verdict", json_object_new_string(
			w->verdict == COMPARE_REGRESSION ? "regression" :
			w->verdict == COMPARE_IMPROVEMENT ? "improvement" :
			w->verdict == COMPARE_NO_BASE ? "not-compared" : "same"));
		json_object_object_add(e, "why", json_object_new_string(w->why));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "comparisons", arr);
	*out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return *out ? 0 : -ENOMEM;
}
