/* report_plot.c — plots/: for each plot a .dat (data only), a .gp (a few
 * variable definitions naming files, then a template from plots/NAME.gp) and
 * the PNG and SVG gnuplot draws from them. Names that reach the .gp text are
 * file names built by report_safe_name() and the scenario names; variant
 * names go into .dat files only, sanitised the same way. */
#include "report_data.h"
#include "node.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

static int template_from(const char *dir, const char *name, char **out)
{
	char path[PATH_MAX];
	size_t len;

	if (util_fmt(path, sizeof(path), "%s/%s", dir, name))
		return -ENAMETOOLONG;
	return util_read_file(path, out, &len);
}

int report_template(const char *name, char **out)
{
	char exe[PATH_MAX], dir[PATH_MAX + 16], *slash;
	const char *env = getenv("WGB_PLOTS_DIR");
	ssize_t n;

	*out = NULL;
	if (env && !template_from(env, name, out))
		return 0;
	/* build/wgbench and build-san/wgbench sit one level below the tree */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (!util_fmt(dir, sizeof(dir), "%s/../plots", exe) && !template_from(dir, name, out))
				return 0;
		}
	}
	if (!template_from(WGB_DATADIR "/plots", name, out) || !template_from("plots", name, out))
		return 0;
	wgb_err("plot template %s not found (WGB_PLOTS_DIR, <binary>/../plots, %s/plots, ./plots)",
		name, WGB_DATADIR);
	return -ENOENT;
}

int report_gnuplot(const char *dir, const char *script)
{
	/* in the plots' directory: the scripts name their .dat files there */
	const struct node_spawn_opts o = { .stdout_path = "/dev/null", .stdout_only = true,
					   .stdin_null = true, .cwd = dir };
	const char *argv[] = { "gnuplot", script, NULL };
	char path[PATH_MAX];

	if (node_which("gnuplot", path, sizeof(path)))
		return -ENOENT;
	return node_run(NULL, argv, &o) ? -ECHILD : 0;
}

/* Writes <base>.gp = header + template, runs gnuplot on it. */
static int draw(const char *plots, const char *base, const char *tmpl, const char *header,
		bool *have_gnuplot)
{
	char name[512], *t = NULL, *text = NULL;
	int r;

	if ((r = report_template(tmpl, &t)))
		return r;
	r = -ENOMEM;
	if (asprintf(&text, "# drawn by wgbench from plots/%s; run `gnuplot %s.gp` here to redraw\n%s%s",
		     tmpl, base, header, t) < 0) {
		text = NULL;
		goto out;
	}
	if ((r = util_fmt(name, sizeof(name), "%s.gp", base)) ||
	    (r = report_put(plots, name, text, strlen(text))))
		goto out;
	if (!*have_gnuplot)
		goto out;
	r = report_gnuplot(plots, name);
	if (r == -ENOENT) {
		wgb_warn("gnuplot not found: plots/*.gp and .dat written, no images");
		*have_gnuplot = false;
		r = 0;
	} else if (r) {
		wgb_warn("%s/%s: gnuplot failed", plots, name);
	}
out:
	free(t);
	free(text);
	return r;
}

/* buf and len belong to the memstream f: valid only once it is closed. */
static int put_memstream(const char *plots, const char *name, char **buf, size_t *len, FILE *f)
{
	int r = fclose(f) ? -errno : 0;

	if (!r)
		r = report_put(plots, name, *buf, *len);
	free(*buf);
	*buf = NULL;
	return r;
}

static int plot_throughput(const struct report_data *d, const char *plots, size_t s, bool *gp)
{
	char sc[128], base[160], dat[200], hdr[600], vn[128], *buf = NULL;
	size_t len = 0, v;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return -errno;
	report_safe_name(sc, sizeof(sc), d->scenarios[s]);
	fprintf(f, "# index variant median_mbps ci_low_mbps ci_high_mbps n ci_level (order-statistic interval of the median; n = 1: low = high = median)\n");
	for (v = 0; v < d->n_variants; v++) {
		const struct report_cell *c = report_cell(d, v, s);

		if (!c->n_ok)
			continue;
		report_safe_name(vn, sizeof(vn), c->variant);
		/* n = 1 has no interval: the bar collapses onto the point */
		fprintf(f, "%zu %s %.6f %.6f %.6f %zu %.4f\n", v, vn, c->s.median / 1e6,
			(c->n_ok > 1 ? c->s.ci_low : c->s.median) / 1e6,
			(c->n_ok > 1 ? c->s.ci_high : c->s.median) / 1e6, c->n_ok,
			c->n_ok > 1 ? c->s.ci_level : 0.0);
	}
	snprintf(base, sizeof(base), "throughput-%s", sc);
	snprintf(dat, sizeof(dat), "%s.dat", base);
	if ((r = put_memstream(plots, dat, &buf, &len, f)))
		return r;
	snprintf(hdr, sizeof(hdr), "datafile = '%s'\noutbase = '%s'\nplottitle = '%s'\n", dat, base, sc);
	return draw(plots, base, "throughput.gp", hdr, gp);
}

/* Per-core averages over the ok repeats of one cell; NULL when none. */
static double *cell_cores(const struct report_cell *c, size_t *ncores)
{
	double *acc = NULL, *one;
	size_t i, k, n, used = 0;

	*ncores = 0;
	for (i = 0; i < c->n_runs; i++) {
		if (report_run_cores(c->runs[i], &one, &n))
			continue;
		if (!acc) {
			acc = calloc(n * 5, sizeof(*acc));
			*ncores = n;
		}
		if (acc && n == *ncores) {
			for (k = 0; k < n * 5; k++)
				acc[k] += isnan(one[k]) ? 0 : one[k];
			used++;
		}
		free(one);
	}
	for (k = 0; acc && k < *ncores * 5; k++)
		acc[k] /= (double)used;
	return acc;
}

static int plot_cpu(const struct report_data *d, const char *plots, size_t s, bool *gp)
{
	char sc[128], base[160], dat[200], hdr[600], vn[128], *buf = NULL;
	size_t len = 0, v, n, k, rows = 0;
	FILE *f = open_memstream(&buf, &len);
	double *cores;

	if (!f)
		return -errno;
	report_safe_name(sc, sizeof(sc), d->scenarios[s]);
	fprintf(f, "# label usr sys softirq irq idle (percent)\n");
	for (v = 0; v < d->n_variants; v++) {
		cores = cell_cores(report_cell(d, v, s), &n);
		if (!cores)
			continue;
		report_safe_name(vn, sizeof(vn), d->variants[v]);
		if (rows)
			fprintf(f, "\" \" 0 0 0 0 0\n");  /* a gap between variants */
		for (k = 0; k < n; k++, rows++)
			fprintf(f, "%s:cpu%zu %.3f %.3f %.3f %.3f %.3f\n", vn, k, cores[k * 5],
				cores[k * 5 + 1], cores[k * 5 + 2], cores[k * 5 + 3], cores[k * 5 + 4]);
		free(cores);
	}
	if (!rows) {
		fclose(f);
		free(buf);
		return 0;   /* no sampler data: no CPU plot */
	}
	snprintf(base, sizeof(base), "cpu-%s", sc);
	snprintf(dat, sizeof(dat), "%s.dat", base);
	if (put_memstream(plots, dat, &buf, &len, f))
		return -EIO;
	snprintf(hdr, sizeof(hdr), "datafile = '%s'\noutbase = '%s'\nplottitle = '%s'\n", dat, base, sc);
	return draw(plots, base, "cpu.gp", hdr, gp);
}

static int plot_drops(const struct report_data *d, const char *plots, size_t s, bool *gp)
{
	char sc[128], base[160], dat[200], hdr[600], vn[128], *buf = NULL;
	size_t len = 0, v, rows = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -errno;
	report_safe_name(sc, sizeof(sc), d->scenarios[s]);
	fprintf(f, "# variant softnet_dropped interface_drops udp_buffer_errors\n");
	for (v = 0; v < d->n_variants; v++) {
		const struct report_cell *c = report_cell(d, v, s);

		if (isnan(c->metric[RM_SOFTNET_DROPS]) && isnan(c->metric[RM_IF_DROPS]) &&
		    isnan(c->metric[RM_UDP_BUF_ERRORS]))
			continue;
		report_safe_name(vn, sizeof(vn), c->variant);
		fprintf(f, "%s %.1f %.1f %.1f\n", vn,
			isnan(c->metric[RM_SOFTNET_DROPS]) ? 0 : c->metric[RM_SOFTNET_DROPS],
			isnan(c->metric[RM_IF_DROPS]) ? 0 : c->metric[RM_IF_DROPS],
			isnan(c->metric[RM_UDP_BUF_ERRORS]) ? 0 : c->metric[RM_UDP_BUF_ERRORS]);
		rows++;
	}
	if (!rows) {
		fclose(f);
		free(buf);
		return 0;
	}
	snprintf(base, sizeof(base), "drops-%s", sc);
	snprintf(dat, sizeof(dat), "%s.dat", base);
	if (put_memstream(plots, dat, &buf, &len, f))
		return -EIO;
	snprintf(hdr, sizeof(hdr), "datafile = '%s'\noutbase = '%s'\nplottitle = '%s'\n", dat, base, sc);
	return draw(plots, base, "drops.gp", hdr, gp);
}

int report_plot_write(const struct report_data *d, bool quiet)
{
	char plots[4096];
	bool gp = true;
	size_t s;
	int ret = 0, r;

	if (util_fmt(plots, sizeof(plots), "%s/plots", d->dir) || util_mkdir_p(plots, 0755)) {
		wgb_err("%s: cannot create", plots);
		return -EIO;
	}
	for (s = 0; s < d->n_scenarios; s++) {
		if ((r = plot_throughput(d, plots, s, &gp)) ||
		    (r = plot_cpu(d, plots, s, &gp)) ||
		    (r = plot_drops(d, plots, s, &gp)) ||
		    (r = report_plot_rtt_cdf(d, plots, s, draw, &gp)) ||
		    (r = report_plot_timelines(d, plots, s, draw, &gp)))
			ret = r;
	}
	return ret;
}
