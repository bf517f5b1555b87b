/* history_out.c — see history_out.h. */
#include "history_out.h"
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *jnum(double x)
{
	return isfinite(x) ? json_object_new_double(x) : NULL;
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static int finish_json(struct json_object *o, char **out)
{
	const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	*out = NULL;
	if (t && asprintf(out, "%s\n", t) < 0)
		*out = NULL;
	json_object_put(o);
	return *out ? 0 : -ENOMEM;
}

static int finish_stream(FILE *f, char **buf, char **out)
{
	if (fclose(f)) {
		free(*buf);
		return -ENOMEM;
	}
	*out = *buf;
	return 0;
}

/* A level in its unit: bit/s as report tables print it, RTT in ms. */
static void fmt_level(char *buf, size_t len, double v, enum history_metric m)
{
	if (m == HISTORY_THROUGHPUT)
		report_fmt_bps(buf, len, v);
	else if (isfinite(v))
		snprintf(buf, len, "%.3f ms", v);
	else
		snprintf(buf, len, "–");
}

static struct json_object *run_json(const struct history_run *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(r->id));
	json_object_object_add(o, "start", jstr(r->start_iso));
	json_object_object_add(o, "dir", jstr(r->dir));
	json_object_object_add(o, "machine", jstr(r->machine));
	json_object_object_add(o, "machine_id", jstr(r->machine_id));
	json_object_object_add(o, "hostname", jstr(r->hostname));
	json_object_object_add(o, "cpu_model", jstr(r->cpu_model));
	json_object_object_add(o, "cores", r->cores ? json_object_new_int64(r->cores) : NULL);
	json_object_object_add(o, "kernel_release", jstr(r->kernel_release));
	json_object_object_add(o, "kernel_version", jstr(r->kernel_version));
	json_object_object_add(o, "backend", jstr(r->backend));
	json_object_object_add(o, "wg_implementation", jstr(r->wg_implementation));
	json_object_object_add(o, "wg_version", jstr(r->wg_version));
	json_object_object_add(o, "iperf_version", jstr(r->iperf_version));
	json_object_object_add(o, "wgbench_version", jstr(r->wgbench_version));
	json_object_object_add(o, "wgbench_git", jstr(r->wgbench_git));
	json_object_object_add(o, "results_schema", jstr(r->results_schema));
	return o;
}

int history_out_list(const struct history_run *runs, size_t n, bool json, char **out)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	if (json) {
		struct json_object *o = json_object_new_object(), *a = json_object_new_array();

		for (i = 0; i < n; i++)
			json_object_array_add(a, run_json(&runs[i]));
		json_object_object_add(o, "runs", a);
		return finish_json(o, out);
	}
	if (!(f = open_memstream(&buf, &len)))
		return -errno;
	fprintf(f, "%5s  %-24s  %-12s  %-7s  %-26s  %-12s  %s\n", "run", "start", "host", "backend",
		"kernel", "wireguard", "results");
	for (i = 0; i < n; i++)
		fprintf(f, "%5lld  %-24s  %-12s  %-7s  %-26s  %-12s  %s\n", (long long)runs[i].id,
			runs[i].start_iso, runs[i].hostname ? runs[i].hostname : "?", runs[i].backend,
			runs[i].kernel_release ? runs[i].kernel_release : "?",
			runs[i].wg_implementation ? runs[i].wg_implementation : "?", runs[i].dir);
	if (!n)
		fprintf(f, "(no runs)\n");
	return finish_stream(f, &buf, out);
}

static struct json_object *cell_json(const struct history_cell *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "variant", jstr(c->variant));
	json_object_object_add(o, "variant_sha256", jstr(c->variant_sha256));
	json_object_object_add(o, "scenario", jstr(c->scenario));
	json_object_object_add(o, "scenario_params", c->scenario_params ?
			       json_tokener_parse(c->scenario_params) : NULL);
	json_object_object_add(o, "n", json_object_new_int64(c->n));
	json_object_object_add(o, "n_failed", json_object_new_int64(c->n_failed));
	json_object_object_add(o, "median_bps", jnum(c->median_bps));
	json_object_object_add(o, "ci_low_bps", jnum(c->ci_low_bps));
	json_object_object_add(o, "ci_high_bps", jnum(c->ci_high_bps));
	json_object_object_add(o, "ci_level", jnum(c->ci_level));
	json_object_object_add(o, "cv_percent", jnum(c->cv_percent));
	json_object_object_add(o, "rtt_p50_ms", jnum(c->rtt_p50_ms));
	json_object_object_add(o, "rtt_p99_ms", jnum(c->rtt_p99_ms));
	json_object_object_add(o, "verdict", jstr(c->verdict));
	json_object_object_add(o, "delta_percent", jnum(c->delta_percent));
	json_object_object_add(o, "p_value", jnum(c->p_value));
	return o;
}

int history_out_show(const struct history_run *r, bool json, char **out)
{
	char *buf = NULL, med[32], lo[32], hi[32], lvl[16];
	size_t len = 0, i;
	FILE *f;

	if (json) {
		struct json_object *o = run_json(r), *a = json_object_new_array();

		for (i = 0; i < r->n_cells; i++)
			json_object_array_add(a, cell_json(&r->cells[i]));
		json_object_object_add(o, "cells", a);
		return finish_json(o, out);
	}
	if (!(f = open_memstream(&buf, &len)))
		return -errno;
	fprintf(f, "run %lld  %s\n  results    %s\n  machine    %s (%s)\n  cpu        %s, %lld cores\n"
		"  kernel     %s %s\n  backend    %s, wireguard %s %s\n", (long long)r->id, r->start_iso,
		r->dir, r->machine, r->hostname ? r->hostname : "?", r->cpu_model ? r->cpu_model : "?",
		(long long)r->cores, r->kernel_release ? r->kernel_release : "?",
		r->kernel_version ? r->kernel_version : "", r->backend,
		r->wg_implementation ? r->wg_implementation : "?", r->wg_version ? r->wg_version : "");
	fprintf(f, "\n%-16s %-12s %3s %14s  %-32s %8s %10s  %s\n", "variant", "scenario", "n", "median",
		"interval", "cv %", "rtt p99", "verdict");
	for (i = 0; i < r->n_cells; i++) {
		const struct history_cell *c = &r->cells[i];
		char iv[128], cv[16], rtt[24];

		report_fmt_bps(med, sizeof(med), c->median_bps);
		report_fmt_bps(lo, sizeof(lo), c->ci_low_bps);
		report_fmt_bps(hi, sizeof(hi), c->ci_high_bps);
		report_fmt_num(lvl, sizeof(lvl), c->ci_level * 100, 1);
		if (isfinite(c->ci_low_bps))
			snprintf(iv, sizeof(iv), "[%s, %s] %s%%", lo, hi, lvl);
		else
			snprintf(iv, sizeof(iv), "(no interval)");
		report_fmt_num(cv, sizeof(cv), c->cv_percent, 1);
		fmt_level(rtt, sizeof(rtt), c->rtt_p99_ms, HISTORY_RTT);
		fprintf(f, "%-16s %-12s %3lld %14s  %-32s %8s %10s  %s\n", c->variant, c->scenario,
			(long long)c->n, med, iv, cv, rtt, c->verdict ? c->verdict : "–");
	}
	return finish_stream(f, &buf, out);
}

int history_out_changes(const struct history_change *c, size_t n, size_t n_series,
			const struct history_change_opts *o, bool json, char **out)
{
	char *buf = NULL, b[32], a[32];
	size_t len = 0, i;
	FILE *f;

	if (json) {
		struct json_object *root = json_object_new_object(), *arr = json_object_new_array(), *e;

		for (i = 0; i < n; i++) {
			e = json_object_new_object();
			json_object_object_add(e, "scenario", jstr(c[i].series->scenario));
			json_object_object_add(e, "variant", jstr(c[i].series->variant));
			json_object_object_add(e, "metric", jstr(history_metric_name(c[i].metric)));
			json_object_object_add(e, "index", json_object_new_int64((int64_t)c[i].index));
			json_object_object_add(e, "run", json_object_new_int64(c[i].run));
			json_object_object_add(e, "before", jnum(c[i].before));
			json_object_object_add(e, "after", jnum(c[i].after));
			json_object_object_add(e, "delta_percent", jnum(c[i].delta_percent));
			json_object_object_add(e, "p_value", jnum(c[i].p_value));
			json_object_array_add(arr, e);
		}
		json_object_object_add(root, "changes", arr);
		return finish_json(root, out);
	}
	if (!(f = open_memstream(&buf, &len)))
		return -errno;
	for (i = 0; i < n; i++) {
		const struct history_series *s = c[i].series;
		const struct history_point *p = &s->pt[c[i].index];

		fmt_level(b, sizeof(b), c[i].before, c[i].metric);
		fmt_level(a, sizeof(a), c[i].after, c[i].metric);
		fprintf(f, "%s %s %s/%s %s: at index %zu, run %lld (%s, kernel %s): %s -> %s (%+.1f %%), p %.3f\n",
			s->hostname ? s->hostname : s->machine, s->backend, s->scenario, s->variant,
			history_metric_name(c[i].metric), c[i].index, (long long)c[i].run, p->start_iso,
			p->kernel ? p->kernel : "?", b, a, c[i].delta_percent, c[i].p_value);
	}
	fprintf(f, "%zu change point(s) in %zu series (e-divisive means, %u permutations, alpha %g, "
		"at least %zu points either side)\n", n, n_series, o->permutations, o->alpha, o->min_size);
	return finish_stream(f, &buf, out);
}

static bool starts_change(const struct history_change *c, size_t nc, const struct history_series *s,
			  size_t i)
{
	size_t k;

	for (k = 0; k < nc; k++)
		if (c[k].series == s && c[k].index == i)
			return true;
	return false;
}

static void trend_series(FILE *f, const struct history_series *s, enum history_metric m,
			 const struct history_change *c, size_t nc)
{
	char v[32], lo[32], hi[32], iv[96];
	size_t i;

	fprintf(f, "%s %s %s/%s %s (%s)\n", s->hostname ? s->hostname : s->machine, s->backend,
		s->scenario, s->variant, history_metric_name(m),
		m == HISTORY_THROUGHPUT ? "median, interval of the median at its level" :
		"median of the repeats' p99, their range");
	fprintf(f, "  %5s %5s  %-24s  %-26s  %-8s %3s %14s  %s\n", "index", "run", "start", "kernel",
		"variant#", "n", "level", "interval");
	for (i = 0; i < s->n; i++) {
		const struct history_point *p = &s->pt[i];
		double l = m == HISTORY_THROUGHPUT ? p->ci_low_bps : p->rtt_p99_low_ms;
		double h = m == HISTORY_THROUGHPUT ? p->ci_high_bps : p->rtt_p99_high_ms;

		fmt_level(v, sizeof(v), history_point_value(p, m), m);
		fmt_level(lo, sizeof(lo), l, m);
		fmt_level(hi, sizeof(hi), h, m);
		if (!isfinite(l))
			snprintf(iv, sizeof(iv), "–");
		else if (m == HISTORY_THROUGHPUT && isfinite(p->ci_level))
			snprintf(iv, sizeof(iv), "[%s, %s] %.1f%%", lo, hi, p->ci_level * 100);
		else
			snprintf(iv, sizeof(iv), "[%s, %s]", lo, hi);
		fprintf(f, "%s %5zu %5lld  %-24s  %-26s  %-8.8s %3lld %14s  %s\n",
			starts_change(c, nc, s, i) ? "*" : " ", i, (long long)p->run, p->start_iso,
			p->kernel ? p->kernel : "?", p->variant_sha256 ? p->variant_sha256 : "–",
			(long long)p->n, v, iv);
	}
}

int history_out_trend(const struct history_set *set, enum history_metric m,
		      const struct history_change *c, size_t nc, bool json, char **out)
{
	char *buf = NULL;
	size_t len = 0, i, k;
	FILE *f;

	if (json) {
		struct json_object *root = json_object_new_object(), *arr = json_object_new_array();

		for (i = 0; i < set->n; i++) {
			const struct history_series *s = &set->series[i];
			struct json_object *o = json_object_new_object(), *pts = json_object_new_array();

			json_object_object_add(o, "machine", jstr(s->machine));
			json_object_object_add(o, "hostname", jstr(s->hostname));
			json_object_object_add(o, "backend", jstr(s->backend));
			json_object_object_add(o, "scenario", jstr(s->scenario));
			json_object_object_add(o, "variant", jstr(s->variant));
			for (k = 0; k < s->n; k++) {
				const struct history_point *p = &s->pt[k];
				struct json_object *e = json_object_new_object();

				json_object_object_add(e, "index", json_object_new_int64((int64_t)k));
				json_object_object_add(e, "run", json_object_new_int64(p->run));
				json_object_object_add(e, "start", jstr(p->start_iso));
				json_object_object_add(e, "kernel", jstr(p->kernel));
				json_object_object_add(e, "variant_sha256", jstr(p->variant_sha256));
				json_object_object_add(e, "n", json_object_new_int64(p->n));
				json_object_object_add(e, "value", jnum(history_point_value(p, m)));
				json_object_object_add(e, "low", jnum(m == HISTORY_THROUGHPUT ? p->ci_low_bps : p->rtt_p99_low_ms));
				json_object_object_add(e, "high", jnum(m == HISTORY_THROUGHPUT ? p->ci_high_bps : p->rtt_p99_high_ms));
				json_object_object_add(e, "ci_level", m == HISTORY_THROUGHPUT ? jnum(p->ci_level) : NULL);
				json_object_array_add(pts, e);
			}
			json_object_object_add(o, "points", pts);
			json_object_array_add(arr, o);
		}
		json_object_object_add(root, "metric", jstr(history_metric_name(m)));
		json_object_object_add(root, "series", arr);
		return finish_json(root, out);
	}
	if (!(f = open_memstream(&buf, &len)))
		return -errno;
	for (i = 0; i < set->n; i++) {
		if (i)
			fputc('\n', f);
		trend_series(f, &set->series[i], m, c, nc);
	}
	if (!set->n)
		fprintf(f, "(no series)\n");
	else if (nc)
		fprintf(f, "\n* a change point: the first run of a new level (`wgbench history changes`)\n");
	return finish_stream(f, &buf, out);
}

int history_out_error(const char *msg, char **out)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	return finish_json(o, out);
}
