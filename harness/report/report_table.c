/* report_table.c — summary.md (one table per scenario, the field guide's
 * §7.1 comparison table with intervals and a verdict per variant) and
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

static void md_verdict(FILE *f, const struct report_cell *c)
{
	const struct verdict_pair *p = &c->vs;
	bool bold = p->kind == VERDICT_REGRESSION || p->kind == VERDICT_FAILED;

	if (!c->has_vs) {
		fputs(" | – | – | –", f);
		return;
	}
	if (p->has_ratio)
		fprintf(f, " | %+.1f%% [%+.1f%%, %+.1f%%]", p->r.delta_percent, p->r.low_percent,
			p->r.high_percent);
	else
		fputs(" | –", f);
	if (p->tested)
		fprintf(f, " | %.3g", p->p_holm);
	else
		fputs(" | –", f);
	fprintf(f, " | %s%s%s (", bold ? "**" : "", verdict_name(p->kind), bold ? "**" : "");
	md_escape(f, p->why);
	fputc(')', f);
}

static void md_row(FILE *f, const struct report_data *d, size_t v, size_t s)
{
	const struct report_cell *c = report_cell(d, v, s);
	char med[160], m[RM_COUNT][32], cv[32], r50[32], r99[32];
	size_t k;

	for (k = 0; k < RM_COUNT; k++)
		report_fmt_num(m[k], sizeof(m[k]), c->metric[k],
			       k == RM_LOST_PERCENT || k == RM_TOP_SOFTIRQ || k == RM_TUNNEL_CPU ? 1 : 0);
	report_fmt_median(med, sizeof(med), &c->s, c->n_ok);
	report_fmt_num(cv, sizeof(cv), c->n_ok ? c->s.cv_percent : NAN, 1);
	report_fmt_num(r50, sizeof(r50), c->rtt_p50_ms, 2);
	report_fmt_num(r99, sizeof(r99), c->rtt_p99_ms, 2);
	fputs("| ", f);
	md_escape(f, c->variant);
	if (!v && strcmp(c->variant, "baseline"))
		fputs(" (baseline)", f);
	fprintf(f, " | %zu", c->n_ok);
	if (c->n_runs > c->n_ok)
		fprintf(f, " (%zu failed)", c->n_runs - c->n_ok);
	fprintf(f, " | %s | %s", med, cv);
	md_verdict(f, c);
	fprintf(f, " | %s | %s | %s | %s | %s | %s | %s / %s |\n",
		m[c->udp ? RM_LOST_PERCENT : RM_RETRANSMITS], m[RM_TOP_SOFTIRQ], m[RM_SOFTNET_DROPS],
		m[RM_IF_DROPS], m[RM_UDP_BUF_ERRORS], m[RM_TUNNEL_CPU], r50, r99);
}

/* What the tables rest on: how much was checked against raw/, and what the
 * machine's own measurements say (or that they were not taken). */
static void md_evidence(FILE *f, const struct report_data *d)
{
	size_t i, with = 0;

	if (d->n_raw_verified)
		fprintf(f, "Throughput of %zu of %zu successful runs recomputed from their raw iperf3 "
			"JSON (raw/) and found equal%s.", d->n_raw_verified, d->n_ok_runs,
			d->n_raw_verified < d->n_ok_runs ? "; the others reference none" : "");
	else
		fputs("Throughput not checked against raw iperf3 JSON: runs[] references none.", f);
	for (i = 0; i < d->n_variants * d->n_scenarios; i++)
		with += d->cells[i].n_interference;
	if (!with)
		fputs(" Interference (CPU of processes outside the testbed, steal) was not measured "
		      "in this run: a busy machine cannot be told apart here.", f);
	else if (with < d->n_ok_runs)
		fprintf(f, " Interference measured in %zu of %zu successful runs.", with, d->n_ok_runs);
	if (isnan(d->canary_before) || isnan(d->canary_after))
		fputs(" Machine-speed canary: not measured.", f);
	else
		fprintf(f, " Machine-speed canary: %.0f ops/s before, %.0f after (%+.1f%%).",
			d->canary_before, d->canary_after, (d->canary_after / d->canary_before - 1) * 100);
	if (d->sequential)
		fprintf(f, " --repeat auto: %.0f round(s), stopped: %s; every test below at α = %.3g, "
			"this run's share per look of α = 0.05 over at most %.0f looks (so 0.05 holds "
			"for the whole run).",
			report_json_num(report_json_get(d->sequential, "rounds_done")),
			report_json_str(d->sequential, "stopped") ? report_json_str(d->sequential, "stopped") : "?",
			d->alpha, report_json_num(report_json_get(d->sequential, "looks")));
}

char *report_table_evidence(const struct report_data *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	md_evidence(f, d);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char legend[] =
	"Throughput is the receiver side, the median of the n successful repeats (a repeat\n"
	"that failed or received 0 bit/s counts as failed, never averaged in). [low – high,\n"
	"level] is the distribution-free order-statistic interval of the median, [x(k),\n"
	"x(n+1−k)] with the largest k whose exact binomial coverage is at least 95%; the level\n"
	"is that coverage, the confidence the interval really has at its n: 50% at n = 2,\n"
	"75% at 3, 87.5% at 4, 93.8% at 5, 96.9% at 6, 96.1% at 9 (no interval at n = 1).\n"
	"CV = standard deviation / mean (n ≥ 2). Δ is the change against the first variant\n"
	"of the run in the same scenario: the ratio of geometric means with its 95% interval\n"
	"(Welch's t on log throughput); p is that test's, Holm-corrected over every pair of\n"
	"the run. Verdict, threshold ±5%: *regression* / *improvement* when the change is\n"
	"significant (Holm p < 0.05) and beyond the threshold; *equivalent* when the 95%\n"
	"interval of Δ lies inside ±5% (two one-sided tests, Holm-corrected); *inconclusive*\n"
	"otherwise (n < 2 on a side included), with the change this n and noise could detect\n"
	"and the repeats that would detect 5%; *failed* when the variant failed a larger\n"
	"share of its repeats than the baseline; a repeat in which processes outside the\n"
	"testbed took more than 10% of a core above the run's median (or steal 5% above\n"
	"it) is set aside as disturbed, and the pair is *disturbed* when fewer than two\n"
	"calm repeats are left on a side; *skipped*: the testbed lacks a knob. The evidence\n"
	"columns are medians over the repeats of per-run values: TCP retransmits or UDP loss\n"
	"%, %softirq of the busiest core, softnet_stat drops, rx+tx drops summed over every\n"
	"node's interfaces, UDP receive+send buffer errors, the tunnel's CPU on the busiest\n"
	"node (% of one core), and the latency probe's round-trip time (p50 / p99, ms).\n"
	"\"–\" means not measured (e.g. no sampler, no latency probe) or not computable.\n";

int report_table_md(const struct report_data *d, char **out)
{
	char *buf = NULL;
	size_t len = 0, v, s;
	FILE *f = open_memstream(&buf, &len);

	*out = NULL;
	if (!f)
		return -errno;
	fputs("# wgbench summary\n\n", f);
	md_evidence(f, d);
	fputs("\n\n", f);
	for (s = 0; s < d->n_scenarios; s++) {
		bool udp = !strncmp(d->scenarios[s], "udp", 3);

		fputs("## ", f);
		md_escape(f, d->scenarios[s]);
		fprintf(f, "\n\n| variant | n | throughput median [interval, its level] | CV %% "
			"| Δ vs baseline [95%% interval] | p (Holm) | verdict | %s | top core %%soft "
			"| softnet drops | interface drops | UDP buffer errors "
			"| tunnel CPU %% (busiest node) | RTT p50 / p99 ms |\n"
			"|---|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n",
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
	fputs("scenario,variant,baseline,n,n_failed,median_bps,ci_low_bps,ci_high_bps,ci_level,"
	      "cv_percent,delta_percent,delta_low_percent,delta_high_percent,p_value,p_value_raw,"
	      "p_equivalence,verdict,retransmits,lost_percent,top_core_softirq_percent,"
	      "softnet_dropped,interface_drops,udp_buffer_errors,tunnel_cpu_percent,"
	      "cpu_busy_percent,rtt_p50_ms,rtt_p99_ms\n", f);
	for (s = 0; s < d->n_scenarios; s++)
		for (v = 0; v < d->n_variants; v++) {
			const struct report_cell *c = report_cell(d, v, s);
			const struct verdict_pair *p = &c->vs;

			csv_str(f, c->scenario);
			fputc(',', f);
			csv_str(f, c->variant);
			fprintf(f, ",%s,%zu,%zu", v ? "false" : "true", c->n_ok, c->n_runs - c->n_ok);
			csv_num(f, c->s.median, c->n_ok);
			csv_num(f, c->s.ci_low, c->n_ok);
			csv_num(f, c->s.ci_high, c->n_ok);
			csv_num(f, c->s.ci_level, c->n_ok);
			csv_num(f, c->s.cv_percent, c->n_ok);
			csv_num(f, p->r.delta_percent, c->has_vs && p->has_ratio);
			csv_num(f, p->r.low_percent, c->has_vs && p->has_ratio);
			csv_num(f, p->r.high_percent, c->has_vs && p->has_ratio);
			csv_num(f, p->p_holm, c->has_vs && p->tested);
			csv_num(f, p->r.p_diff, c->has_vs && p->tested);
			csv_num(f, p->p_equiv_holm, c->has_vs && p->tested);
			fprintf(f, ",%s", c->has_vs ? verdict_name(p->kind) : "");
			for (k = 0; k < RM_CPU_BUSY + 1; k++)
				csv_num(f, c->metric[k], true);
			csv_num(f, c->rtt_p50_ms, true);
			csv_num(f, c->rtt_p99_ms, true);
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
