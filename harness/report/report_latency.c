/* report_latency.c — the latency probe's per-probe files (runs[].
 * latency_samples, samples/V/S/rK.latency.dat: "t_s rtt_ms owd_fwd_ms
 * owd_rev_ms", t on the monotonic clock of the samples, NaN for a lost
 * probe) read back, and the RTT CDF of a scenario: one line per variant from
 * the probes sent in the measured window (runs[].window) of every successful
 * repeat, pooled. The CDF's y is the share of the window's probes answered
 * within x ms, lost ones counted in the denominator: a line that stops below
 * 1 is the loss, never hidden. */
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define PROBES_MAX (1u << 22)     /* 11 h at 100/s: a bound, not a limit met */

static bool inside(const char *rel)
{
	return rel && *rel && rel[0] != '/' && !strstr(rel, "..");
}

static int push(struct report_probe **a, size_t *n, size_t *cap, double t, double rtt)
{
	struct report_probe *g;

	if (*n == *cap) {
		if (*cap >= PROBES_MAX)
			return -E2BIG;
		g = realloc(*a, (*cap ? *cap * 2 : 1024) * sizeof(**a));
		if (!g)
			return -ENOMEM;
		*a = g;
		*cap = *cap ? *cap * 2 : 1024;
	}
	(*a)[(*n)++] = (struct report_probe){ t, rtt };
	return 0;
}

int report_latency_read(const struct report_data *d, struct json_object *run,
			struct report_probe **out, size_t *n)
{
	const char *rel = report_json_str(run, "latency_samples");
	char path[4096], *text = NULL, *line, *save = NULL, *end;
	size_t cap = 0;
	double t, rtt;
	int r;

	*out = NULL;
	*n = 0;
	if (!inside(rel))
		return -ENOENT;
	if ((r = util_fmt(path, sizeof(path), "%s/%s", d->dir, rel)) ||
	    (r = util_read_file(path, &text, NULL)))
		return r;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		t = strtod(line, &end);
		if (end == line || !isfinite(t))
			continue;
		rtt = strtod(end, NULL);   /* "NaN" reads as NAN: a lost probe */
		if ((r = push(out, n, &cap, t, isfinite(rtt) && rtt >= 0 ? rtt : NAN)))
			break;
	}
	free(text);
	if (r) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

bool report_run_window(struct json_object *run, double *w0, double *w1)
{
	struct json_object *w = report_json_get(run, "window");

	*w0 = report_json_num(report_json_get(w, "start_s"));
	*w1 = report_json_num(report_json_get(w, "end_s"));
	return isfinite(*w0) && isfinite(*w1) && *w1 > *w0;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The window's probes of every ok repeat of a cell: the answered RTTs into
 * *rtt (sorted), how many were sent into *sent. */
static int cell_probes(const struct report_data *d, const struct report_cell *c, double **rtt,
		       size_t *n_rtt, size_t *sent)
{
	struct report_probe *p;
	size_t i, k, n, cap = 0;
	double w0, w1, *g;
	int r = 0;

	*rtt = NULL;
	*n_rtt = *sent = 0;
	for (i = 0; i < c->n_runs && !r; i++) {
		if (!json_object_get_boolean(report_json_get(c->runs[i], "ok")) ||
		    !report_run_window(c->runs[i], &w0, &w1) ||
		    report_latency_read(d, c->runs[i], &p, &n))
			continue;
		for (k = 0; k < n && !r; k++) {
			if (p[k].t < w0 || p[k].t >= w1)
				continue;
			(*sent)++;
			if (isnan(p[k].rtt))
				continue;
			if (*n_rtt == cap) {
				g = realloc(*rtt, (cap ? cap * 2 : 1024) * sizeof(*g));
				if (!g) {
					r = -ENOMEM;
					break;
				}
				*rtt = g;
				cap = cap ? cap * 2 : 1024;
			}
			(*rtt)[(*n_rtt)++] = p[k].rtt;
		}
		free(p);
	}
	if (*n_rtt)
		qsort(*rtt, *n_rtt, sizeof(**rtt), cmpd);
	return r;
}

/* One index block per variant: a header line with its name and counts
 * (gnuplot's columnheader), then "rtt_ms fraction" steps. */
static void cdf_block(FILE *f, const char *variant, const double *rtt, size_t n, size_t sent)
{
	char vn[128];
	size_t i;

	report_safe_name(vn, sizeof(vn), variant);
	fprintf(f, "\"%s: %zu probes, %zu lost (%.1f%%)\" 0\n", vn, sent, sent - n,
		100.0 * (double)(sent - n) / (double)sent);
	/* from 0 at the fastest answer, each answer one step of 1/sent */
	fprintf(f, "%.6f 0\n", rtt[0]);
	for (i = 0; i < n; i++)
		fprintf(f, "%.6f %.6f\n", rtt[i], (double)(i + 1) / (double)sent);
	fputs("\n\n", f);
}

int report_plot_rtt_cdf(const struct report_data *d, const char *plots, size_t s,
			int (*draw)(const char *plots, const char *base, const char *tmpl,
				    const char *header, bool *have_gnuplot),
			bool *gp)
{
	char sc[128], base[160], dat[200], hdr[700], *buf = NULL;
	size_t len = 0, v, n, sent, blocks = 0;
	FILE *f = open_memstream(&buf, &len);
	double *rtt;
	int r = 0;

	if (!f)
		return -errno;
	fprintf(f, "# RTT CDF of the probes sent in the measured window, every successful repeat "
		"pooled: rtt_ms, share of the window's probes answered within it (lost ones count, "
		"so a line ends at 1 - loss); one block per variant\n");
	for (v = 0; v < d->n_variants && !r; v++) {
		r = cell_probes(d, report_cell(d, v, s), &rtt, &n, &sent);
		if (!r && n) {
			cdf_block(f, d->variants[v], rtt, n, sent);
			blocks++;
		}
		free(rtt);
	}
	if (fclose(f))
		r = r ? r : -errno;
	if (r || !blocks) {
		free(buf);
		return r;   /* no probe data: no CDF */
	}
	report_safe_name(sc, sizeof(sc), d->scenarios[s]);
	snprintf(base, sizeof(base), "rtt-cdf-%s", sc);
	snprintf(dat, sizeof(dat), "%s.dat", base);
	r = report_put(plots, dat, buf, len);
	free(buf);
	if (r)
		return r;
	snprintf(hdr, sizeof(hdr), "datafile = '%s'\noutbase = '%s'\nnblocks = %zu\nplottitle = '%s: "
		 "RTT through the tunnel under load (latency probe, measured window, repeats pooled)'\n",
		 dat, base, blocks, sc);
	return draw(plots, base, "rtt_cdf.gp", hdr, gp);
}
