/* report_scaling.c — the scaling plots of a sweep (the paper's Figures 4, 6
 * and 8): for every variant x scenario found in the sweep's results
 * directories, throughput and CPU against the swept value, and the latency
 * probe's RTT (p50, p99) against it where the runs measured it. */
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *xlabel(const char *param)
{
	if (!strcmp(param, "flows"))
		return "TCP flows (one tunnel)";
	if (!strcmp(param, "tunnels"))
		return "tunnels (one flow per tunnel)";
	return param;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over a cell's successful repeats of one node's tunnel CPU. */
static double node_cpu(const struct report_cell *c, const char *node)
{
	double v[256], x;
	size_t i, n = 0;

	for (i = 0; i < c->n_runs && n < ARRAY_SIZE(v); i++) {
		x = report_run_node_tunnel_cpu(c->runs[i], node);
		if (!isnan(x))
			v[n++] = x;
	}
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmpd);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* <base>.gp = header + template, then gnuplot on it. */
static int scaling_draw(const char *out, const char *base, const char *tmpl, const char *hdr, bool *gp)
{
	char path[4096], *t = NULL, *text = NULL;
	int r;

	if ((r = report_template(tmpl, &t)))
		return r;
	r = -ENOMEM;
	if (asprintf(&text, "# drawn by wgbench sweep from plots/%s\n%s%s", tmpl, hdr, t) < 0) {
		text = NULL;
		goto out;
	}
	snprintf(path, sizeof(path), "%s.gp", base);
	if ((r = report_put(out, path, text, strlen(text))) || !*gp)
		goto out;
	r = report_gnuplot(out, path);
	if (r == -ENOENT) {
		wgb_warn("gnuplot not found: %s/%s written, no image", out, path);
		*gp = false;
		r = 0;
	}
out:
	free(t);
	free(text);
	return r;
}

/* The .dat rows of one variant x scenario, a row per value; *rtt_rows
 * counts those with an RTT. */
static size_t scaling_rows(FILE *f, struct report_data **ds, const unsigned int *values, size_t nv,
			   const char *variant, const char *scenario, size_t *rtt_rows)
{
	size_t i, v, s, rows = 0;

	*rtt_rows = 0;
	for (i = 0; i < nv; i++) {
		const struct report_cell *c;

		if (!ds[i])
			continue;
		/* variant NULL: each directory's only variant (a knob sweep names them by value) */
		for (v = 0; variant && v < ds[i]->n_variants && strcmp(ds[i]->variants[v], variant); v++)
			;
		for (s = 0; s < ds[i]->n_scenarios && strcmp(ds[i]->scenarios[s], scenario); s++)
			;
		if (v == ds[i]->n_variants || s == ds[i]->n_scenarios)
			continue;
		c = report_cell(ds[i], v, s);
		if (!c->n_ok)
			continue;
		/* gnuplot reads "NaN" as missing: an absent CPU or RTT column draws no point */
		fprintf(f, "%u %.6f %.6f %.6f %.3f %.3f %zu %.3f %.3f %.3f %.3f\n", values[i],
			c->s.median / 1e6, (c->n_ok > 1 ? c->s.ci_low : c->s.median) / 1e6,
			(c->n_ok > 1 ? c->s.ci_high : c->s.median) / 1e6, c->metric[RM_CPU_BUSY],
			c->metric[RM_TUNNEL_CPU], c->n_ok, node_cpu(c, "gw1"), node_cpu(c, "gw2"),
			c->rtt_p50_ms, c->rtt_p99_ms);
		rows++;
		*rtt_rows += !isnan(c->rtt_p50_ms);
	}
	return rows;
}

static int scaling_one(const char *out, const char *param, struct report_data **ds,
		       const unsigned int *values, size_t nv, const char *variant,
		       const char *scenario, bool *gp)
{
	char vn[128], sc[128], pn[128], base[300], dat[320], hdr[2048], *buf = NULL;
	size_t len = 0, rows, rtt_rows;
	FILE *f = open_memstream(&buf, &len);
	int r = 0;

	if (!f)
		return -errno;
	fprintf(f, "# %s median_mbps ci_low_mbps ci_high_mbps cpu_busy_percent "
		"tunnel_cpu_percent n gw1_tunnel_cpu_percent gw2_tunnel_cpu_percent "
		"rtt_p50_ms rtt_p99_ms (variant %s, scenario %s; RTT: medians over the repeats of "
		"the latency probe's p50 and p99 under load)\n", param, variant ? variant : "one per value",
		scenario);
	rows = scaling_rows(f, ds, values, nv, variant, scenario, &rtt_rows);
	if (fclose(f)) {
		free(buf);
		return -errno;
	}
	if (!rows)
		goto out;
	report_safe_name(vn, sizeof(vn), variant ? variant : "sweep");
	report_safe_name(sc, sizeof(sc), scenario);
	snprintf(base, sizeof(base), "scaling-%s-%s", vn, sc);
	snprintf(dat, sizeof(dat), "%s.dat", base);
	if ((r = report_put(out, dat, buf, len)))
		goto out;
	/* only sanitised names reach the gnuplot text */
	report_safe_name(pn, sizeof(pn), param);
	snprintf(hdr, sizeof(hdr), "datafile = '%s'\noutbase = '%s'\nplottitle = '%s, %s: throughput "
		 "and CPU against %s'\nxlabel_text = '%s'\n", dat, base, vn, sc, pn,
		 strcmp(pn, param) ? pn : xlabel(param));
	if ((r = scaling_draw(out, base, "scaling.gp", hdr, gp)) || !rtt_rows)
		goto out;
	/* the same .dat, its RTT columns: latency against the swept value */
	snprintf(base, sizeof(base), "scaling-rtt-%s-%s", vn, sc);
	snprintf(hdr, sizeof(hdr), "datafile = '%s'\noutbase = '%s'\nplottitle = '%s, %s: RTT through "
		 "the tunnel under load against %s'\nxlabel_text = '%s'\n", dat, base, vn, sc, pn,
		 strcmp(pn, param) ? pn : xlabel(param));
	r = scaling_draw(out, base, "scaling_rtt.gp", hdr, gp);
out:
	free(buf);
	return r;
}

/* Every directory holds one variant, and not all under the same name. */
static bool one_variant_each(struct report_data **ds, size_t n)
{
	const char *first = NULL;
	bool differ = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!ds[i])
			continue;
		if (ds[i]->n_variants != 1)
			return false;
		if (!first)
			first = ds[i]->variants[0];
		else if (strcmp(first, ds[i]->variants[0]))
			differ = true;
	}
	return differ;
}

int report_scaling_write(const char *out_dir, const char *param, const unsigned int *values,
			 size_t n_values, bool quiet)
{
	struct report_data **ds = calloc(n_values ? n_values : 1, sizeof(*ds));
	char dir[4096];
	bool gp = true;
	size_t i, v, s, made = 0;
	int ret = 0, r;

	if (!ds)
		return -ENOMEM;
	for (i = 0; i < n_values; i++) {
		if (util_fmt(dir, sizeof(dir), "%s/%s-%u", out_dir, param, values[i]) ||
		    report_data_load(dir, &ds[i]))
			wgb_warn("sweep: %s left out of the scaling plot", dir);
	}
	if (one_variant_each(ds, n_values)) {
		/* a knob sweep: one variant per directory, named by its value */
		for (i = 0; i < n_values; i++)
			for (s = 0; ds[i] && s < ds[i]->n_scenarios; s++) {
				size_t j, l;
				bool seen = false;

				for (j = 0; j < i && !seen; j++)
					for (l = 0; ds[j] && l < ds[j]->n_scenarios && !seen; l++)
						seen = !strcmp(ds[j]->scenarios[l], ds[i]->scenarios[s]);
				if (seen)
					continue;
				r = scaling_one(out_dir, param, ds, values, n_values, NULL,
						ds[i]->scenarios[s], &gp);
				if (r)
					ret = r;
				else
					made++;
			}
		goto done;
	}
	/* every variant x scenario seen in any of the directories, once */
	for (i = 0; i < n_values; i++) {
		if (!ds[i])
			continue;
		for (v = 0; v < ds[i]->n_variants; v++)
			for (s = 0; s < ds[i]->n_scenarios; s++) {
				size_t j, k, l;
				bool seen = false;

				for (j = 0; j < i && !seen; j++)
					for (k = 0; ds[j] && k < ds[j]->n_variants && !seen; k++)
						for (l = 0; l < ds[j]->n_scenarios && !seen; l++)
							seen = !strcmp(ds[j]->variants[k], ds[i]->variants[v]) &&
							       !strcmp(ds[j]->scenarios[l], ds[i]->scenarios[s]);
				if (seen)
					continue;
				r = scaling_one(out_dir, param, ds, values, n_values, ds[i]->variants[v],
						ds[i]->scenarios[s], &gp);
				if (r)
					ret = r;
				else
					made++;
			}
	}
done:
	for (i = 0; i < n_values; i++)
		report_data_free(ds[i]);
	free(ds);
	if (!made && !ret) {
		wgb_err("sweep: no results directory under %s to plot", out_dir);
		return -ENOENT;
	}
	if (!quiet && !ret)
		fprintf(stderr, "wgbench: wrote %s/scaling-*.{dat,gp,png,svg} (scaling-rtt-*: latency)\n", out_dir);
	return ret;
}
