/* report_timeline.c — one scenario run over time: throughput from the raw
 * iperf3 JSON (runs[].raw: one file per flow, intervals summed across flows)
 * and per-core %softirq from the sampler's CSV timeline (runs[].samples:
 * header "t,dt,cpu0.usr,...,cpu0.softirq,..."), and below them, on the same
 * time axis, the latency probe's RTT (runs[].latency_samples), idle probes
 * before the load included. One plot per variant x scenario, from its first
 * successful repeat. */
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define TL_MAX_POINTS 4096
#define TL_MAX_CORES 256

/* A path from results.json, inside the results directory only. */
static int inside(const struct report_data *d, const char *rel, char *buf, size_t len)
{
	if (!rel || !*rel || rel[0] == '/' || strstr(rel, ".."))
		return -EINVAL;
	return util_fmt(buf, len, "%s/%s", d->dir, rel);
}

/* The receiver's intervals, as the run's figures are the receiver's: the
 * client's own with -R, else the server's report the client carried
 * (--get-server-output); the client's (sender's) only when that is missing.
 * For UDP the difference is the loss: the sender may offer ten times what
 * arrives. For iperf3 without the "sender" mark on its sums. */
static struct json_object *receiver_intervals(struct json_object *o)
{
	struct json_object *st, *ts, *rev, *srv, *iv;
	bool reverse = json_object_object_get_ex(o, "start", &st) &&
		       json_object_object_get_ex(st, "test_start", &ts) &&
		       json_object_object_get_ex(ts, "reverse", &rev) && json_object_get_int(rev);

	if (!reverse && json_object_object_get_ex(o, "server_output_json", &srv) &&
	    json_object_object_get_ex(srv, "intervals", &iv) && json_object_is_type(iv, json_type_array))
		return iv;
	if (json_object_object_get_ex(o, "intervals", &iv) && json_object_is_type(iv, json_type_array))
		return iv;
	return NULL;
}

/* Adds the intervals' sums under key into sum[] (Mbit/s) over [t0[], t1[]],
 * only the receiving end's (sender false) when receiving_only; iperf3's
 * omitted (warm-up) intervals are left out, as in its end totals. Returns
 * whether any sum carried the "sender" mark. */
static bool add_sums(struct json_object *iv, const char *key, bool receiving_only, double *t0,
		     double *t1, double *sum, size_t *n)
{
	struct json_object *e, *s, *x;
	bool marked = false, sender;
	size_t i, k = 0;

	for (i = 0; iv && i < json_object_array_length(iv) && k < TL_MAX_POINTS; i++) {
		e = json_object_array_get_idx(iv, i);
		if (!json_object_object_get_ex(e, key, &s) ||
		    (json_object_object_get_ex(s, "omitted", &x) && json_object_get_boolean(x)))
			continue;
		sender = json_object_object_get_ex(s, "sender", &x) && json_object_get_boolean(x);
		marked |= x != NULL;
		if (receiving_only && (!x || sender)) {
			k++;
			continue;
		}
		if (json_object_object_get_ex(s, "start", &x))
			t0[k] = json_object_get_double(x);
		if (json_object_object_get_ex(s, "end", &x))
			t1[k] = json_object_get_double(x);
		if (json_object_object_get_ex(s, "bits_per_second", &x))
			sum[k] += json_object_get_double(x) / 1e6;
		if (++k > *n)
			*n = k;
	}
	return marked;
}

static struct json_object *intervals_of(struct json_object *doc)
{
	struct json_object *iv;

	return doc && json_object_object_get_ex(doc, "intervals", &iv) &&
	       json_object_is_type(iv, json_type_array) ? iv : NULL;
}

/* One flow's receiver throughput over time: every sum that iperf3 marks as
 * the receiving end's, in the client's and the server's report — one of
 * them forward or with -R, both directions with --bidir (sum and
 * sum_bidir_reverse) — so the line is what throughput_bps sums. */
static void add_flow(const struct report_data *d, const char *rel, double *t0, double *t1,
		     double *sum, size_t *n)
{
	static const char *const keys[] = { "sum", "sum_bidir_reverse" };
	struct json_object *o, *docs[2] = { NULL, NULL };
	bool marked = false;
	char path[4096];
	size_t i, k;

	if (inside(d, rel, path, sizeof(path)) || !(o = json_object_from_file(path)))
		return;
	docs[0] = o;
	json_object_object_get_ex(o, "server_output_json", &docs[1]);
	for (i = 0; i < 2; i++)
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			marked |= add_sums(intervals_of(docs[i]), keys[k], true, t0, t1, sum, n);
	if (!marked)
		add_sums(receiver_intervals(o), "sum", false, t0, t1, sum, n);
	json_object_put(o);
}

static struct json_object *first_ok(const struct report_cell *c)
{
	struct json_object *best = NULL, *v;
	int best_rep = 0, rep;
	size_t i;

	for (i = 0; i < c->n_runs; i++) {
		if (json_object_object_get_ex(c->runs[i], "ok", &v) && !json_object_get_boolean(v))
			continue;
		rep = json_object_object_get_ex(c->runs[i], "repeat", &v) ? json_object_get_int(v) : 0;
		if (!best || rep < best_rep) {
			best = c->runs[i];
			best_rep = rep;
		}
	}
	return best;
}

/* The sampler's CSV -> "t softirq0 softirq1 ..." rows, t from t0 (NAN: from
 * the first snapshot); returns the core count. */
static int cores_dat(const struct report_data *d, const char *rel, double t0, FILE *out)
{
	char path[4096], *text = NULL, *line, *save = NULL, *tok, *s2;
	int col[TL_MAX_CORES], ncores = 0, c, k;
	double v[TL_MAX_CORES], t;
	size_t len;

	if (inside(d, rel, path, sizeof(path)) || util_read_file(path, &text, &len))
		return 0;
	line = strtok_r(text, "\n", &save);
	if (!line || strncmp(line, "t,", 2))
		goto out;
	/* header: which columns are cpuN.softirq */
	/* strsep, not strtok: an empty field is still a column */
	for (k = 0, s2 = line; (tok = strsep(&s2, ",")); k++) {
		int cpu, used = 0;

		/* %n is set only when the whole pattern matched */
		if (sscanf(tok, "cpu%d.softirq%n", &cpu, &used) == 1 && used && !tok[used] &&
		    cpu == ncores && ncores < TL_MAX_CORES)
			col[ncores++] = k;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		for (c = 0; c < ncores; c++)
			v[c] = NAN;
		t = NAN;
		for (k = 0, c = 0, s2 = line; (tok = strsep(&s2, ",")); k++) {
			if (k == 0)
				t = strtod(tok, NULL);
			if (c < ncores && k == col[c])
				v[c++] = strtod(tok, NULL);
		}
		if (!isfinite(t))
			continue;
		if (isnan(t0))
			t0 = t;
		fprintf(out, "%.3f", t - t0);
		for (c = 0; c < ncores; c++)
			fprintf(out, isfinite(v[c]) ? " %.2f" : " NaN", v[c]);
		fputc('\n', out);
	}
out:
	free(text);
	return ncores;
}

/* runs[].window.start_s: where iperf3's non-omitted intervals start, on
 * the samples' clock; NAN for results without it. */
static double window_start(struct json_object *run)
{
	struct json_object *w, *x;

	if (json_object_object_get_ex(run, "window", &w) && w &&
	    json_object_object_get_ex(w, "start_s", &x) && x)
		return json_object_get_double(x);
	return NAN;
}

static int put_dat(const char *plots, const char *name, char **buf, size_t *len, FILE *f)
{
	int r = fclose(f) ? -errno : 0;

	if (!r)
		r = report_put(plots, name, *buf, *len);
	free(*buf);
	*buf = NULL;
	return r;
}

/* What the RTT panel needs besides its file: its time span and losses. */
struct rtt_span {
	size_t n, lost;
	double t_first, t_last;     /* seconds from the window's start */
};

/* The probe's file -> "t rtt_ms lost" rows, t from the window's start (the
 * samples' clock, as the cores'); lost probes have rtt NaN and lost 1.
 * sp->n is 0 without a window or probe data. */
static void rtt_dat(const struct report_data *d, struct json_object *run, FILE *out,
		    struct rtt_span *sp)
{
	struct report_probe *p;
	double w0, w1;
	size_t n, i;

	memset(sp, 0, sizeof(*sp));
	if (!report_run_window(run, &w0, &w1) || report_latency_read(d, run, &p, &n))
		return;
	fprintf(out, "# seconds from the start of the measured interval, RTT ms through the tunnel "
		"(latency probe; NaN: lost), 1 when lost\n");
	for (i = 0; i < n; i++) {
		fprintf(out, isnan(p[i].rtt) ? "%.4f NaN 1\n" : "%.4f %.4f 0\n", p[i].t - w0, p[i].rtt);
		sp->lost += isnan(p[i].rtt);
	}
	if (n) {
		sp->t_first = p[0].t - w0;
		sp->t_last = p[n - 1].t - w0;
	}
	sp->n = n;
	free(p);
}

static int write_cores(const struct report_data *d, struct json_object *run, const char *plots,
		       const char *name, double t0, int *ncores)
{
	struct json_object *smp = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -errno;
	fprintf(f, isnan(t0) ? "# seconds from the sampler's first snapshot, %%softirq per core\n" :
		"# seconds from the start of the measured interval (as iperf3's), %%softirq per core\n");
	if (json_object_object_get_ex(run, "samples", &smp) && json_object_is_type(smp, json_type_string))
		*ncores = cores_dat(d, json_object_get_string(smp), t0, f);
	return put_dat(plots, name, &buf, &len, f);
}

/* name[0] becomes '\0' when the run has no probe data (or no window): the
 * plot then has no RTT panel. */
static int write_rtt(const struct report_data *d, struct json_object *run, const char *plots,
		     char *name, struct rtt_span *sp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -errno;
	rtt_dat(d, run, f, sp);
	if (sp->n)
		return put_dat(plots, name, &buf, &len, f);
	fclose(f);
	free(buf);
	name[0] = '\0';
	return 0;
}

static int timeline_one(const struct report_data *d, const char *plots, size_t v, size_t s,
			int (*draw)(const char *, const char *, const char *, const char *, bool *),
			bool *gp)
{
	struct json_object *run = first_ok(report_cell(d, v, s)), *raw = NULL;
	char sc[128], vn[128], base[300], dat[320], cdat[320], rdat[320], hdr[2400], *buf = NULL;
	double *t = NULL, *t1 = NULL, *sum = NULL, t0, w0, w1, wlen;
	struct rtt_span sp;
	size_t len = 0, n = 0, i;
	int ncores = 0, r = -ENOMEM;
	FILE *f;

	if (!run || !json_object_object_get_ex(run, "raw", &raw) ||
	    !json_object_is_type(raw, json_type_array) || !json_object_array_length(raw))
		return 0;   /* no raw iperf3 data: no timeline */
	t = calloc(TL_MAX_POINTS, sizeof(*t));
	t1 = calloc(TL_MAX_POINTS, sizeof(*t1));
	sum = calloc(TL_MAX_POINTS, sizeof(*sum));
	if (!t || !t1 || !sum)
		goto out;
	for (i = 0; i < json_object_array_length(raw); i++)
		add_flow(d, json_object_get_string(json_object_array_get_idx(raw, i)), t, t1, sum, &n);
	r = 0;
	if (!n)
		goto out;
	report_safe_name(sc, sizeof(sc), d->scenarios[s]);
	report_safe_name(vn, sizeof(vn), d->variants[v]);
	snprintf(base, sizeof(base), "timeline-%s.%s", sc, vn);
	snprintf(dat, sizeof(dat), "%s.dat", base);
	snprintf(cdat, sizeof(cdat), "%s.cores.dat", base);
	if (!(f = open_memstream(&buf, &len))) {
		r = -errno;
		goto out;
	}
	/* each interval as two points, start and end: drawn with lines it is a step */
	fprintf(f, "# seconds from the iperf3 test start (interval start, end), receiver Mbit/s summed over the flows\n");
	for (i = 0; i < n; i++)
		fprintf(f, "%.3f %.6f\n%.3f %.6f\n", t[i], sum[i], t1[i], sum[i]);
	if ((r = put_dat(plots, dat, &buf, &len, f)))
		goto out;
	t0 = window_start(run);
	if ((r = write_cores(d, run, plots, cdat, t0, &ncores)))
		goto out;
	snprintf(rdat, sizeof(rdat), "%s.rtt.dat", base);
	if ((r = write_rtt(d, run, plots, rdat, &sp)))
		goto out;
	wlen = report_run_window(run, &w0, &w1) ? w1 - w0 : 0.0;
	/* with an RTT panel both share the probe's span, idle probes included */
	snprintf(hdr, sizeof(hdr), "datafile = '%s'\ncoresfile = '%s'\nncores = %d\nrttfile = '%s'\n"
		 "nlost = %zu\nwlen = %.3f\nxmin = %.3f\nxmax = %.3f\noutbase = '%s'\n"
		 "plottitle = '%s, %s: receiver throughput (iperf3 intervals) and per-core softirq (sampler)'\n"
		 "xtitle = '%s'\n", dat, cdat, ncores, rdat, sp.lost, wlen, fmin(0, sp.t_first),
		 fmax(wlen, sp.t_last), base, sc, vn, isnan(t0) ?
		 "seconds (iperf3: from the test start; softirq: from the first snapshot)" :
		 "seconds from the start of the measured interval (after the omit)");
	r = draw(plots, base, "timeline.gp", hdr, gp);
out:
	free(t);
	free(t1);
	free(sum);
	return r;
}

int report_plot_timelines(const struct report_data *d, const char *plots, size_t s,
			  int (*draw)(const char *, const char *, const char *, const char *, bool *),
			  bool *gp)
{
	size_t v;
	int ret = 0, r;

	for (v = 0; v < d->n_variants; v++)
		if ((r = timeline_one(d, plots, v, s, draw, gp)))
			ret = r;
	return ret;
}
