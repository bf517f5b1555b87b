/* report_html.c — report.html: one self-contained page (no external
 * resource: styles inline, plots as base64 PNG data URIs) with the run's
 * metadata, the summary tables and every plot, readable offline. */
#include "report_data.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char style[] =
	"body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}"
	"table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.9em}"
	"th,td{border:1px solid #bbb;padding:3px 7px;text-align:right}"
	"th{background:#eef2f7}td:first-child,th:first-child{text-align:left}"
	"td.sig{font-weight:bold;color:#a00}td.imp{font-weight:bold;color:#070}"
	"figure{display:inline-block;width:48%;margin:0.3em 0.5%;vertical-align:top}"
	"figure img{width:100%;border:1px solid #ddd}figcaption{font-size:0.8em;color:#555}"
	"td{white-space:nowrap}"
	"pre{background:#f6f6f6;padding:0.5em;overflow:auto;font-size:0.8em}"
	".legend{font-size:0.85em;color:#444;max-width:60em}";

static bool is_scalar(struct json_object *v)
{
	return !json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array);
}

/* An object of scalars only (host, wireguard, wgbench) is shown as rows. */
static bool flat_object(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_object))
		return false;
	json_object_object_foreach(v, k, m) {
		(void)k;
		if (!is_scalar(m))
			return false;
	}
	return true;
}

static void meta_row(FILE *f, const char *k1, const char *k2, struct json_object *v)
{
	fputs("<tr><th>", f);
	esc(f, k1);
	if (k2) {
		fputc('.', f);
		esc(f, k2);
	}
	fputs("</th><td style=\"text-align:left\">", f);
	esc(f, v ? json_object_get_string(v) : "null");
	fputs("</td></tr>\n", f);
}

/* run.json's scalar fields as a two-column table; the rest (variants,
 * read-back knobs, options) pretty-printed under <details>. */
static void html_meta(FILE *f, const struct report_data *d)
{
	fputs("<h2>Run (run.json)</h2>\n", f);
	if (!d->run || !json_object_is_type(d->run, json_type_object)) {
		fputs("<p>No run.json in this directory.</p>\n", f);
		return;
	}
	fputs("<table>\n", f);
	json_object_object_foreach(d->run, k, v) {
		if (is_scalar(v)) {
			meta_row(f, k, NULL, v);
		} else if (flat_object(v)) {
			json_object_object_foreach(v, k2, v2)
				meta_row(f, k, k2, v2);
		}
	}
	fputs("</table>\n", f);
	json_object_object_foreach(d->run, k3, v3) {
		if (is_scalar(v3) || flat_object(v3))
			continue;
		fputs("<details><summary>", f);
		esc(f, k3);
		fputs("</summary><pre>", f);
		esc(f, json_object_to_json_string_ext(v3, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
		fputs("</pre></details>\n", f);
	}
}

/* One line of what and where, from run.json, above the tables. */
static void html_brief(FILE *f, const struct report_data *d)
{
	static const char *const path[][2] = {
		{ "host", "hostname" }, { "host", "cpu_model" }, { "host", "kernel_release" },
		{ "backend", NULL }, { "wireguard", "implementation" }, { "wireguard", "version" },
		{ "start", NULL },
	};
	struct json_object *v;
	size_t i, shown = 0;

	for (i = 0; d->run && i < ARRAY_SIZE(path); i++) {
		if (!json_object_object_get_ex(d->run, path[i][0], &v) || !v)
			continue;
		if (path[i][1] && (!json_object_object_get_ex(v, path[i][1], &v) || !v))
			continue;
		if (!is_scalar(v))
			continue;
		fputs(shown++ ? " · " : "<br>", f);
		esc(f, json_object_get_string(v));
	}
}

static void html_verdict(FILE *f, const struct report_cell *c)
{
	const struct verdict_pair *p = &c->vs;
	enum verdict_kind k = p->kind;

	if (!c->has_vs) {
		fputs("<td>–</td><td>–</td><td>–</td>", f);
		return;
	}
	if (p->has_ratio)
		fprintf(f, "<td>%+.1f%% [%+.1f%%, %+.1f%%]</td>", p->r.delta_percent, p->r.low_percent,
			p->r.high_percent);
	else
		fputs("<td>–</td>", f);
	if (p->tested)
		fprintf(f, "<td>%.3g</td>", p->p_holm);
	else
		fputs("<td>–</td>", f);
	fprintf(f, "<td class=\"%s\" title=\"", k == VERDICT_REGRESSION || k == VERDICT_FAILED ? "sig" :
		k == VERDICT_IMPROVEMENT ? "imp" : "");
	esc(f, p->why);
	fprintf(f, "\">%s</td>", verdict_name(k));
}

static void html_table(FILE *f, const struct report_data *d, size_t s)
{
	static const char *const hdr[] = { "variant", "n", "median [interval, its level]", "CV %",
		"Δ vs baseline [95% interval]", "p (Holm)", "verdict", NULL, "top core %soft",
		"softnet drops", "interface drops", "UDP buffer errors", "tunnel CPU % (busiest node)",
		"RTT p50 / p99 ms" };
	char a[160], b[32];
	size_t v, k;

	fputs("<h3>", f);
	esc(f, d->scenarios[s]);
	fputs("</h3>\n<table><tr>", f);
	for (k = 0; k < ARRAY_SIZE(hdr); k++)
		fprintf(f, "<th>%s</th>", hdr[k] ? hdr[k] :
			!strncmp(d->scenarios[s], "udp", 3) ? "loss %" : "retransmits");
	fputs("</tr>\n", f);
	for (v = 0; v < d->n_variants; v++) {
		const struct report_cell *c = report_cell(d, v, s);
		const enum report_metric ev[] = { c->udp ? RM_LOST_PERCENT : RM_RETRANSMITS,
			RM_TOP_SOFTIRQ, RM_SOFTNET_DROPS, RM_IF_DROPS, RM_UDP_BUF_ERRORS, RM_TUNNEL_CPU };

		fputs("<tr><td>", f);
		esc(f, c->variant);
		fprintf(f, "%s</td><td>%zu", v || !strcmp(c->variant, "baseline") ? "" : " (baseline)",
			c->n_ok);
		if (c->n_runs > c->n_ok)
			fprintf(f, " (%zu failed)", c->n_runs - c->n_ok);
		fputs("</td>", f);
		report_fmt_median(a, sizeof(a), &c->s, c->n_ok);
		fprintf(f, "<td>%s</td>", a);
		report_fmt_num(a, sizeof(a), c->n_ok ? c->s.cv_percent : NAN, 1);
		fprintf(f, "<td>%s</td>", a);
		html_verdict(f, c);
		for (k = 0; k < ARRAY_SIZE(ev); k++) {
			report_fmt_num(a, sizeof(a), c->metric[ev[k]],
				       ev[k] == RM_RETRANSMITS || ev[k] == RM_SOFTNET_DROPS ||
				       ev[k] == RM_IF_DROPS || ev[k] == RM_UDP_BUF_ERRORS ? 0 : 1);
			fprintf(f, "<td>%s</td>", a);
		}
		report_fmt_num(a, sizeof(a), c->rtt_p50_ms, 2);
		report_fmt_num(b, sizeof(b), c->rtt_p99_ms, 2);
		fprintf(f, "<td>%s / %s</td></tr>\n", a, b);
	}
	fputs("</table>\n", f);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void html_plot(FILE *f, const char *plots, const char *name)
{
	char path[4096], *png = NULL, *b64 = NULL;
	size_t len, b64len;

	if (util_fmt(path, sizeof(path), "%s/%s", plots, name) || util_read_file(path, &png, &len))
		return;
	b64len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(b64len);
	if (b64) {
		sodium_bin2base64(b64, b64len, (const unsigned char *)png, len,
				  sodium_base64_VARIANT_ORIGINAL);
		fputs("<figure><img alt=\"", f);
		esc(f, name);
		fprintf(f, "\" src=\"data:image/png;base64,%s\"><figcaption>plots/", b64);
		esc(f, name);
		fputs(" (and .svg, .gp, .dat beside it)</figcaption></figure>\n", f);
	}
	free(b64);
	free(png);
}

/* Every PNG under plots/, in name order, grouped by kind (throughput first,
 * then the RTT CDFs). */
static void html_plots(FILE *f, const struct report_data *d)
{
	static const char *const kinds[] = { "throughput-", "rtt-cdf-", "cpu-", "drops-", "timeline-", "" };
	char plots[4096], **names = NULL, **g;
	struct dirent *e;
	size_t n = 0, i, k, s;
	DIR *dir;

	if (util_fmt(plots, sizeof(plots), "%s/plots", d->dir) || !(dir = opendir(plots)))
		return;
	while ((e = readdir(dir))) {
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".png"))
			continue;
		g = realloc(names, (n + 1) * sizeof(*names));
		if (!g)
			break;
		names = g;
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), name_cmp);
	fputs("<h2>Plots</h2>\n", f);
	/* kind by kind, scenarios in the tables' order, then anything else */
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		for (s = 0; s <= d->n_scenarios; s++) {
			char sc[128], want[200];

			if (s < d->n_scenarios) {
				report_safe_name(sc, sizeof(sc), d->scenarios[s]);
				snprintf(want, sizeof(want), "%s%s", kinds[k], sc);
			} else {
				snprintf(want, sizeof(want), "%s", kinds[k]);
			}
			for (i = 0; i < n; i++) {
				/* "udp" must not take "udp-small": the scenario ends at a dot
				 * (timelines are timeline-<scenario>.<variant>.png) */
				if (!names[i] || strncmp(names[i], want, strlen(want)) ||
				    (s < d->n_scenarios && names[i][strlen(want)] != '.'))
					continue;
				html_plot(f, plots, names[i]);
				free(names[i]);
				names[i] = NULL;
			}
		}
	free(names);
}

int report_html_write(const struct report_data *d)
{
	char *buf = NULL, *md = NULL, *ev;
	size_t len = 0, s;
	FILE *f;
	int ret;

	if (sodium_init() < 0)
		return -EIO;
	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<title>wgbench report: ");
	esc(f, d->dir);
	fprintf(f, "</title><style>%s</style></head><body>\n<h1>wgbench report</h1>\n<p>", style);
	esc(f, d->dir);
	html_brief(f, d);
	fputs("</p>\n<h2>Throughput and evidence</h2>\n", f);
	/* the line above the tables and the legend are summary.md's text */
	ev = report_table_evidence(d);
	if (ev) {
		fputs("<p class=\"legend\">", f);
		esc(f, ev);
		fputs("</p>\n", f);
	}
	free(ev);
	ret = report_table_md(d, &md);
	for (s = 0; s < d->n_scenarios; s++)
		html_table(f, d, s);
	if (!ret) {
		const char *leg = strstr(md, "Throughput is the receiver side");

		fputs("<p class=\"legend\">", f);
		esc(f, leg ? leg : "");
		fputs("</p>\n", f);
	}
	free(md);
	html_plots(f, d);
	html_meta(f, d);
	fputs("</body></html>\n", f);
	if (fclose(f)) {
		free(buf);
		return -errno;
	}
	if (!ret)
		ret = report_put(d->dir, "report.html", buf, len);
	free(buf);
	return ret;
}
