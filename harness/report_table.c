/* report_table.c — summary.md (one table per scenario, the field guide's
 * §7.1 comparison table with intervals and a significance test) and
 * summary.csv (the same numbers, unrounded). */
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static void md_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`' || *s == '<')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void md_row(FILE *f, const struct report_data *d, size_t v, size_t s)
{
	const struct report_cell *c = report_cell(d, v, s);
	char med[32], lo[32], hi[32], m[RM_COUNT][32];
	size_t k;

	for (k = 0; k < RM_COUNT; k++)
		report_fmt_num(m[k], sizeof(m[k]), c->metric[k],
			       k == RM_LOST_PERCENT || k == RM_TOP_SOFTIRQ || k == RM_TUNNEL_CPU ? 1 : 0);
	fputs("| ", f);
	md_escape(f, c->variant);
	if (!v && strcmp(c->variant, "baseline"))
		fputs(" (baseline)", f);
	fprintf(f, " | %zu", c->n_ok);
	if (c->n_runs > c->n_ok)
		fprintf(f, " (%zu failed)", c->n_runs - c->n_ok);
	if (c->n_ok) {
		report_fmt_bps(med, sizeof(med), c->s.median);
		report_fmt_bps(lo, sizeof(lo), c->s.ci95_low);
		report_fmt_bps(hi, sizeof(hi), c->s.ci95_high);
		fprintf(f, " | %s [%s – %s] | %.1f", med, lo, hi, c->s.cv_percent);
	} else {
		fputs(" | – | –", f);
	}
	if (c->has_cmp)
		fprintf(f, " | %+.1f%% | %.3g | %s", c->cmp.delta_percent, c->cmp.p_value,
			c->cmp.significant ? "**yes**" : "no");
	else
		fputs(" | – | – | –", f);
	fprintf(f, " | %s | %s | %s | %s | %s | %s |\n", m[c->udp ? RM_LOST_PERCENT : RM_RETRANSMITS],
		m[RM_TOP_SOFTIRQ], m[RM_SOFTNET_DROPS], m[RM_IF_DROPS], m[RM_UDP_BUF_ERRORS],
		m[RM_TUNNEL_CPU]);
}

static const char legend[] =
	"Throughput is the receiver side, the median of the n successful repeats; the\n"
	"[95% interval] is a percentile bootstrap of the median (2000 resamples, fixed\n"
	"seed; it equals the median when n = 1). CV = standard deviation / mean.\n"
	"Δ = (median − baseline median) / baseline median, against the first variant of\n"
	"the run in the same scenario. *significant?* is Welch's two-sided t-test at\n"
	"α = 0.05 (p shown); it needs n ≥ 2 on both sides. The evidence columns are\n"
	"medians over the repeats of per-run values: TCP retransmits or UDP loss %,\n"
	"%softirq of the busiest core, softnet_stat drops, rx+tx drops summed over every\n"
	"node's interfaces, UDP receive+send buffer errors, and the tunnel's CPU on the\n"
	"busiest node (% of one core). \"–\" means not measured (e.g. no sampler).\n";

int report_table_md(const struct report_data *d, char **out)
{
	char *buf = NULL;
	size_t len = 0, v, s;
	FILE *f = open_memstream(&buf, &len);

	*out = NULL;
	if (!f)
		return -errno;
	fputs("# wgbench summary\n\n", f);
	for (s = 0; s < d->n_scenarios; s++) {
		bool udp = !strncmp(d->scenarios[s], "udp", 3);

		fputs("## ", f);
		md_escape(f, d->scenarios[s]);
		fprintf(f, "\n\n| variant | n | throughput median [95%% interval] | CV %% | Δ vs baseline "
			"| p | significant? | %s | top core %%soft | softnet drops | interface drops "
			"| UDP buffer errors | tunnel CPU %% (busiest node) |\n"
			"|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n",
			udp ? "loss %" : "retransmits");
		for (v = 0; v < d->n_variants; v++)
			md_row(f, d, v, s);
		fputc('\n', f);
	}
	fputs(legend, f);
	if (fclose(f))
		return -errno;
	*out = buf;
	return 0;
}

static void csv_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double x, bool have)
{
	if (have && !isnan(x))
		fprintf(f, ",%.17g", x);
	else
		fputs(",", f);
}

int report_table_csv(const struct report_data *d, char **out)
{
	char *buf = NULL;
	size_t len = 0, v, s, k;
	FILE *f = open_memstream(&buf, &len);

	*out = NULL;
	if (!f)
		return -errno;
	fputs("scenario,variant,baseline,n,n_failed,median_bps,ci95_low_bps,ci95_high_bps,"
	      "cv_percent,delta_percent,p_value,significant,retransmits,lost_percent,"
	      "top_core_softirq_percent,softnet_dropped,interface_drops,udp_buffer_errors,"
	      "tunnel_cpu_percent,cpu_busy_percent\n", f);
	for (s = 0; s < d->n_scenarios; s++)
		for (v = 0; v < d->n_variants; v++) {
			const struct report_cell *c = report_cell(d, v, s);

			csv_str(f, c->scenario);
			fputc(',', f);
			csv_str(f, c->variant);
			fprintf(f, ",%s,%zu,%zu", v ? "false" : "true", c->n_ok, c->n_runs - c->n_ok);
			csv_num(f, c->s.median, c->n_ok);
			csv_num(f, c->s.ci95_low, c->n_ok);
			csv_num(f, c->s.ci95_high, c->n_ok);
			csv_num(f, c->s.cv_percent, c->n_ok);
			csv_num(f, c->cmp.delta_percent, c->has_cmp);
			csv_num(f, c->cmp.p_value, c->has_cmp);
			fprintf(f, ",%s", c->has_cmp ? (c->cmp.significant ? "true" : "false") : "");
			for (k = 0; k < RM_CPU_BUSY + 1; k++)
				csv_num(f, c->metric[k], true);
			fputc('\n', f);
		}
	if (fclose(f))
		return -errno;
	*out = buf;
	return 0;
}

int report_table_write(const struct report_data *d)
{
	char *md = NULL, *csv = NULL;
	int ret;

	ret = report_table_md(d, &md);
	if (!ret)
		ret = report_table_csv(d, &csv);
	if (!ret)
		ret = report_put(d->dir, "summary.md", md, strlen(md));
	if (!ret)
		ret = report_put(d->dir, "summary.csv", csv, strlen(csv));
	free(md);
	free(csv);
	return ret;
}
