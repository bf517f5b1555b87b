/* history_trend.c — the trend plots: for each scenario x variant of a set,
 * trend-<metric>-<scenario>-<variant>.{dat,gp,png,svg} in a directory, drawn
 * from plots/trend.gp by gnuplot (forked, no shell) the way report_plot.c
 * draws a results directory's plots. Every series of that scenario x variant
 * (one per machine and backend) is a line; the x axis is the runs of all of
 * them in time order. Names reach the .gp and .dat files only through
 * report_safe_name(). */
#include "history_trend.h"
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	const struct history_series *s;
	size_t i;                          /* point in s */
	size_t pos;                        /* position on the x axis, from 1 */
};

static int cmp_slot(const void *a, const void *b)
{
	const struct history_point *x = &((const struct slot *)a)->s->pt[((const struct slot *)a)->i];
	const struct history_point *y = &((const struct slot *)b)->s->pt[((const struct slot *)b)->i];

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->run > y->run) - (x->run < y->run);
}

static size_t pos_of(const struct slot *sl, size_t n, const struct history_series *s, size_t i)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (sl[k].s == s && sl[k].i == i)
			return sl[k].pos;
	return 0;
}

static double scaled(double v, enum history_metric m)
{
	return m == HISTORY_THROUGHPUT ? v / 1e6 : v;
}

static void write_block(FILE *f, const struct history_series *s, enum history_metric m,
			const struct slot *sl, size_t n)
{
	char name[160], kern[128], prev[128] = "";
	size_t k;

	report_safe_name(name, sizeof(name), s->hostname ? s->hostname : s->machine);
	fprintf(f, "\"%s, backend %s\" level low high kernel run\n", name, s->backend);
	for (k = 0; k < n; k++) {
		const struct history_point *p = &sl[k].s->pt[sl[k].i];
		double v = history_point_value(p, m);
		double lo = m == HISTORY_THROUGHPUT ? p->ci_low_bps : p->rtt_p99_low_ms;
		double hi = m == HISTORY_THROUGHPUT ? p->ci_high_bps : p->rtt_p99_high_ms;

		report_safe_name(kern, sizeof(kern), p->kernel ? p->kernel : "unknown");
		/* the label goes where the kernel changes along the whole axis */
		if (sl[k].s == s && isfinite(v))
			fprintf(f, "%zu %.6f %.6f %.6f \"%s\" %lld\n", sl[k].pos, scaled(v, m),
				scaled(isfinite(lo) ? lo : v, m), scaled(isfinite(hi) ? hi : v, m),
				strcmp(kern, prev) ? kern : "", (long long)p->run);
		snprintf(prev, sizeof(prev), "%s", kern);
	}
	fprintf(f, "\n\n");
}

static int collect(const struct history_series *const *grp, size_t ng, struct slot **out, size_t *n)
{
	size_t g, i, k = 0, total = 0;
	struct slot *sl;

	for (g = 0; g < ng; g++)
		total += grp[g]->n;
	if (!(sl = calloc(total ? total : 1, sizeof(*sl))))
		return -ENOMEM;
	for (g = 0; g < ng; g++)
		for (i = 0; i < grp[g]->n; i++)
			sl[k++] = (struct slot){ .s = grp[g], .i = i };
	qsort(sl, total, sizeof(*sl), cmp_slot);
	for (k = 0; k < total; k++)
		sl[k].pos = k + 1;
	*out = sl;
	*n = total;
	return 0;
}

static int header(char **hdr, const char *dat, const char *base, const char *title,
		  enum history_metric m, size_t nseries, const struct slot *sl, size_t n,
		  const struct history_change *c, size_t nc)
{
	char *buf = NULL;
	size_t len = 0, k, x;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -errno;
	fprintf(f, "datafile = '%s'\noutbase = '%s'\nplottitle = '%s'\nytitle = '%s'\nnseries = %zu\n",
		dat, base, title, m == HISTORY_THROUGHPUT ?
		"throughput (Mbit/s, median of the run)" : "RTT p99 (ms, median of the run's repeats)",
		nseries);
	for (k = 0; k < nc; k++)
		if (c[k].metric == m && (x = pos_of(sl, n, c[k].series, c[k].index)))
			fprintf(f, "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lc rgb 'red'\n",
				(double)x - 0.5, (double)x - 0.5);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	*hdr = buf;
	return 0;
}

static int plot_group(const struct history_series *const *grp, size_t ng, enum history_metric m,
		      const struct history_change *c, size_t nc, const char *dir, bool *gp)
{
	char sc[128], vn[128], base[300], dat[320], gpf[320], title[300];
	char *buf = NULL, *hdr = NULL, *tmpl = NULL, *text = NULL;
	struct slot *sl = NULL;
	size_t len = 0, n = 0, g;
	FILE *f = NULL;
	int r;

	report_safe_name(sc, sizeof(sc), grp[0]->scenario);
	report_safe_name(vn, sizeof(vn), grp[0]->variant);
	snprintf(base, sizeof(base), "trend-%s-%s-%s", history_metric_name(m), sc, vn);
	snprintf(dat, sizeof(dat), "%s.dat", base);
	snprintf(gpf, sizeof(gpf), "%s.gp", base);
	snprintf(title, sizeof(title), "%s / %s: %s over runs", sc, vn, history_metric_name(m));
	if ((r = collect(grp, ng, &sl, &n)))
		return r;
	r = -errno;
	if (!(f = open_memstream(&buf, &len)))
		goto out;
	for (g = 0; g < ng; g++)
		write_block(f, grp[g], m, sl, n);
	r = fclose(f) ? -ENOMEM : 0;
	if (r || (r = report_put(dir, dat, buf, len)) ||
	    (r = header(&hdr, dat, base, title, m, ng, sl, n, c, nc)) ||
	    (r = report_template("trend.gp", &tmpl)))
		goto out;
	r = -ENOMEM;
	if (asprintf(&text, "# drawn by wgbench from plots/trend.gp; run `gnuplot %s` here to redraw\n%s%s",
		     gpf, hdr, tmpl) < 0) {
		text = NULL;
		goto out;
	}
	if ((r = report_put(dir, gpf, text, strlen(text))) || !*gp)
		goto out;
	r = report_gnuplot(dir, gpf);
	if (r == -ENOENT) {
		wgb_warn("gnuplot not found: %s/%s and .dat written, no images", dir, gpf);
		*gp = false;
		r = 0;
	} else if (r) {
		wgb_err("%s/%s: gnuplot failed", dir, gpf);
	}
out:
	free(buf);
	free(hdr);
	free(tmpl);
	free(text);
	free(sl);
	return r;
}

static bool has_metric(const struct history_series *s, enum history_metric m)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (isfinite(history_point_value(&s->pt[i], m)))
			return true;
	return false;
}

int history_trend_plot(const struct history_set *set, enum history_metric m,
		       const struct history_change *c, size_t nc, const char *dir, size_t *n_plots)
{
	const struct history_series **grp = calloc(set->n ? set->n : 1, sizeof(*grp));
	bool *done = calloc(set->n ? set->n : 1, sizeof(*done)), gp = true;
	size_t a, b, ng;
	int r = -ENOMEM;

	*n_plots = 0;
	if (!grp || !done)
		goto out;
	if ((r = util_mkdir_p(dir, 0755))) {
		wgb_err("history: %s: %s", dir, strerror(-r));
		goto out;
	}
	/* a group: every series (machine, backend) of one scenario x variant */
	for (a = 0; a < set->n; a++) {
		if (done[a])
			continue;
		for (ng = 0, b = a; b < set->n; b++)
			if (!done[b] && !strcmp(set->series[b].scenario, set->series[a].scenario) &&
			    !strcmp(set->series[b].variant, set->series[a].variant) &&
			    has_metric(&set->series[b], m)) {
				done[b] = true;
				grp[ng++] = &set->series[b];
			}
		/* a metric no run of the group has (RTT before the probe) draws nothing */
		if (!ng)
			continue;
		if ((r = plot_group(grp, ng, m, c, nc, dir, &gp)))
			goto out;
		(*n_plots)++;
	}
	r = 0;
out:
	free(grp);
	free(done);
	return r;
}
