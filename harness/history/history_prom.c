/* history_prom.c — the OpenMetrics text export (a node_exporter textfile or
 * anything that scrapes the format): per series and kernel, the latest run's
 * numbers as gauges labelled {machine, host, backend, scenario, variant,
 * kernel}, each family once with # TYPE and # HELP, ending in # EOF, and the
 * file replaced atomically so a scrape never reads half of it. Units are the
 * base units the format asks for (bit/s, seconds). */
#include "history_prom.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fam { F_BPS, F_LOW, F_HIGH, F_N, F_RTT99, F_RTT50, F_VERDICT, F_DELTA, F_START, F_RUN, F_COUNT };

static const struct {
	const char *name, *help;
} fams[F_COUNT] = {
	[F_BPS] = { "wgbench_throughput_bps", "Median receiver throughput of the latest run on this kernel, bit/s" },
	[F_LOW] = { "wgbench_throughput_ci_low_bps", "Lower end of the interval of that median, bit/s" },
	[F_HIGH] = { "wgbench_throughput_ci_high_bps", "Upper end of the interval of that median, bit/s" },
	[F_N] = { "wgbench_repeats", "Successful repeats behind the median" },
	[F_RTT99] = { "wgbench_rtt_p99_seconds", "Median over the repeats of the probe's p99 round-trip time under load" },
	[F_RTT50] = { "wgbench_rtt_p50_seconds", "Median over the repeats of the probe's median round-trip time under load" },
	[F_VERDICT] = { "wgbench_verdict", "1 for the verdict of this variant against the run's baseline variant" },
	[F_DELTA] = { "wgbench_delta_percent", "Change against the run's baseline variant, percent" },
	[F_START] = { "wgbench_run_start_timestamp_seconds", "Start of the run, Unix time" },
	[F_RUN] = { "wgbench_run_id", "The run's id in the history database" },
};

/* Label values: backslash, double quote and newline escaped. */
static void put_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void put_labels(FILE *f, const struct history_series *s, const struct history_point *p,
		       const char *verdict)
{
	const char *k[] = { "machine", "host", "backend", "scenario", "variant", "kernel" };
	const char *v[] = { s->machine, s->hostname ? s->hostname : "", s->backend, s->scenario,
			    s->variant, p->kernel ? p->kernel : "unknown" };
	size_t i;

	fputc('{', f);
	for (i = 0; i < ARRAY_SIZE(k); i++) {
		fprintf(f, "%s%s=\"", i ? "," : "", k[i]);
		put_escaped(f, v[i]);
		fputc('"', f);
	}
	if (verdict) {
		fputs(",verdict=\"", f);
		put_escaped(f, verdict);
		fputc('"', f);
	}
	fputc('}', f);
}

static double fam_value(enum fam fm, const struct history_point *p)
{
	switch (fm) {
	case F_BPS: return p->median_bps;
	case F_LOW: return p->ci_low_bps;
	case F_HIGH: return p->ci_high_bps;
	case F_N: return (double)p->n;
	case F_RTT99: return p->rtt_p99_ms / 1e3;
	case F_RTT50: return p->rtt_p50_ms / 1e3;
	case F_VERDICT: return p->verdict ? 1 : NAN;
	case F_DELTA: return p->delta_percent;
	case F_START: return p->start;
	case F_RUN: return (double)p->run;
	default: return NAN;
	}
}

/* Is p the latest point of its series on its kernel? */
static bool latest_on_kernel(const struct history_series *s, size_t i)
{
	size_t k;
	const char *kern = s->pt[i].kernel ? s->pt[i].kernel : "";

	for (k = i + 1; k < s->n; k++)
		if (!strcmp(s->pt[k].kernel ? s->pt[k].kernel : "", kern))
			return false;
	return true;
}

static void put_family(FILE *f, const struct history_set *set, enum fam fm)
{
	size_t i, k;
	double v;

	fprintf(f, "# TYPE %s gauge\n# HELP %s %s.\n", fams[fm].name, fams[fm].name, fams[fm].help);
	for (i = 0; i < set->n; i++)
		for (k = 0; k < set->series[i].n; k++) {
			const struct history_point *p = &set->series[i].pt[k];

			if (!latest_on_kernel(&set->series[i], k) || !isfinite(v = fam_value(fm, p)))
				continue;
			fputs(fams[fm].name, f);
			put_labels(f, &set->series[i], p, fm == F_VERDICT ? p->verdict : NULL);
			fprintf(f, " %.17g\n", v);
		}
}

int history_prom_render(const struct history_set *set, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	int fm;

	if (!f)
		return -errno;
	for (fm = 0; fm < F_COUNT; fm++)
		put_family(f, set, (enum fam)fm);
	fputs("# EOF\n", f);
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int history_prom_write(const struct history_set *set, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = history_prom_render(set, &text, &len)))
		return r;
	r = util_write_file_atomic(path, text, len);
	if (r)
		wgb_err("history: %s: %s", path, strerror(-r));
	free(text);
	return r;
}
