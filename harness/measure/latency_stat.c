/* latency_stat.c — the probe's statistics, JSON and timeline (see latency.h):
 * pure functions of the per-probe records. */
#include "latency.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>

double latency_percentile(const double *sorted, size_t n, double p)
{
	size_t rank;

	if (!n || !(p >= 0 && p <= 100))
		return NAN;
	/* ceil(p/100 * n) in integers where p is whole, so 50% of 10 is rank 5
	 * and not 6 by a rounding error of the product. */
	rank = (size_t)ceil(p * (double)n / 100.0 - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int latency_dist_of(const double *v, size_t n, struct latency_dist *out)
{
	double *s = NULL;
	size_t k = 0;

	*out = (struct latency_dist){ 0, NAN, NAN, NAN, NAN };
	if (n && !(s = malloc(n * sizeof(*s))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			s[k++] = v[i];
	if (k) {
		qsort(s, k, sizeof(*s), cmp_double);
		out->n = k;
		out->p50 = latency_percentile(s, k, 50);
		out->p90 = latency_percentile(s, k, 90);
		out->p99 = latency_percentile(s, k, 99);
		out->max = s[k - 1];
	}
	free(s);
	return 0;
}

static double ns_ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static bool echo_in_time(const struct latency_rec *r, uint64_t timeout_ns)
{
	return !(r->flags & LATENCY_REC_SEND_ERR) && r->t_rx && r->t_rx >= r->t_send &&
	       r->t_rx - r->t_send <= timeout_ns;
}

/* Collects one window's delay samples; arrays of the window's size. */
struct samples {
	double *rtt, *fwd, *rev, *lag;
	size_t n_rtt, n_owd, n_lag;
};

static void count_echo(const struct latency_rec *r, struct latency_stats *st, struct samples *s)
{
	int64_t fwd = (int64_t)(r->t_refl_rx - r->t_send);
	int64_t rev = (int64_t)(r->t_rx - r->t_refl_tx);

	s->rtt[s->n_rtt++] = ns_ms((int64_t)(r->t_rx - r->t_send) -
				   (int64_t)(r->t_refl_tx - r->t_refl_rx));
	if (r->flags & LATENCY_REC_SAME_CLOCK) {
		s->fwd[s->n_owd] = ns_ms(fwd);
		s->rev[s->n_owd++] = ns_ms(rev);
	}
	if (r->flags & LATENCY_REC_KRX) {
		st->rx_kernel++;
		s->lag[s->n_lag++] = (double)r->user_lag_ns / 1e3;
	} else {
		st->rx_user++;
	}
	if (r->flags & LATENCY_REC_REFL_KRX)
		st->refl_rx_kernel++;
}

static void count_probe(const struct latency_rec *r, uint64_t timeout_ns, uint64_t horizon_ns,
			struct latency_stats *st, struct samples *s)
{
	if (echo_in_time(r, timeout_ns)) {
		st->sent++;
		count_echo(r, st, s);
	} else if ((r->flags & LATENCY_REC_SEND_ERR) || r->t_rx ||
		   r->t_send + timeout_ns <= horizon_ns) {
		st->sent++;
		st->lost++;
		st->send_errors += !!(r->flags & LATENCY_REC_SEND_ERR);
		st->late += r->t_rx && !(r->flags & LATENCY_REC_SEND_ERR);
	} else {
		st->pending++;
	}
}

static int dists(struct samples *s, struct latency_stats *st)
{
	struct latency_dist lag;
	int ret;

	if ((ret = latency_dist_of(s->rtt, s->n_rtt, &st->rtt)) ||
	    (ret = latency_dist_of(s->fwd, s->n_owd, &st->owd_fwd)) ||
	    (ret = latency_dist_of(s->rev, s->n_owd, &st->owd_rev)) ||
	    (ret = latency_dist_of(s->lag, s->n_lag, &lag)))
		return ret;
	st->user_lag_us_p50 = lag.p50;
	return 0;
}

/* Seconds to ns, clamped: a window may be given as "for ever". */
static uint64_t sec_ns(double s)
{
	if (!(s > 0))
		return 0;
	return s >= 1.8e10 ? UINT64_MAX : (uint64_t)(s * 1e9);
}

int latency_stats_of(const struct latency_rec *r, size_t n, const struct latency_window *w,
		     uint64_t timeout_ns, uint64_t horizon_ns, struct latency_stats *out)
{
	uint64_t begin = sec_ns(w->begin), end = sec_ns(w->end);
	uint64_t first = 0, last = 0, in_window = 0;
	struct samples s = { 0 };
	int ret = -ENOMEM;

	*out = (struct latency_stats){ .interval_ms = NAN, .user_lag_us_p50 = NAN };
	s.rtt = malloc((n + 1) * sizeof(double));
	s.fwd = malloc((n + 1) * sizeof(double));
	s.rev = malloc((n + 1) * sizeof(double));
	s.lag = malloc((n + 1) * sizeof(double));
	if (!s.rtt || !s.fwd || !s.rev || !s.lag)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (r[i].t_send < begin || r[i].t_send >= end)
			continue;
		if (!in_window++)
			first = r[i].t_send;
		last = r[i].t_send;
		count_probe(&r[i], timeout_ns, horizon_ns, out, &s);
	}
	if (in_window >= 2)
		out->interval_ms = ns_ms((int64_t)(last - first)) / (double)(in_window - 1);
	ret = dists(&s, out);
out:
	free(s.rtt);
	free(s.fwd);
	free(s.rev);
	free(s.lag);
	return ret;
}

/* A number rounded to `decimals`, or null. */
static struct json_object *jnum(double v, int decimals)
{
	char buf[48];

	if (!isfinite(v))
		return NULL;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(strtod(buf, NULL), buf);
}

static struct json_object *jdist(const struct latency_dist *d, bool full)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "p50", jnum(d->p50, 3));
	if (full)
		json_object_object_add(o, "p90", jnum(d->p90, 3));
	json_object_object_add(o, "p99", jnum(d->p99, 3));
	if (full)
		json_object_object_add(o, "max", jnum(d->max, 3));
	return o;
}

static const char *ts_source(const struct latency_stats *st)
{
	uint64_t echoes = st->rx_kernel + st->rx_user;

	if (!echoes)
		return NULL;
	if (st->rx_kernel == echoes && st->refl_rx_kernel == echoes)
		return "kernel";
	if (!st->rx_kernel && !st->refl_rx_kernel)
		return "user";
	return "mixed";
}

static struct json_object *jtimestamps(const struct latency_result *r)
{
	struct json_object *o = json_object_new_object();
	const char *src = ts_source(&r->load);

	if (!o)
		return NULL;
	json_object_object_add(o, "api", json_object_new_string(r->ts_api ? r->ts_api : "none"));
	json_object_object_add(o, "source", src ? json_object_new_string(src) : NULL);
	json_object_object_add(o, "rx_kernel", json_object_new_uint64(r->load.rx_kernel));
	json_object_object_add(o, "rx_user", json_object_new_uint64(r->load.rx_user));
	json_object_object_add(o, "reflector_rx_kernel", json_object_new_uint64(r->load.refl_rx_kernel));
	json_object_object_add(o, "user_lag_us_p50", jnum(r->load.user_lag_us_p50, 1));
	return o;
}

static struct json_object *jcost(const struct latency_cost *c)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "elapsed_s", jnum(c->elapsed_s, 3));
	json_object_object_add(o, "tx_packets", json_object_new_uint64(c->tx_packets));
	json_object_object_add(o, "rx_packets", json_object_new_uint64(c->rx_packets));
	json_object_object_add(o, "bytes_per_s", jnum(c->bytes_per_s, 0));
	json_object_object_add(o, "cpu_s", jnum(c->cpu_s, 4));
	json_object_object_add(o, "cpu_percent", jnum(c->cpu_percent, 3));
	return o;
}

struct json_object *latency_result_json(const struct latency_result *r)
{
	struct json_object *o = json_object_new_object();
	const struct latency_stats *l = &r->load;
	bool owd = r->clock_shared && l->owd_fwd.n;

	if (!o)
		return NULL;
	json_object_object_add(o, "interval_ms", jnum(l->interval_ms, 3));
	json_object_object_add(o, "sent", json_object_new_uint64(l->sent));
	json_object_object_add(o, "lost", json_object_new_uint64(l->lost));
	json_object_object_add(o, "idle_rtt_ms", r->has_idle ? jdist(&r->idle.rtt, false) : NULL);
	json_object_object_add(o, "rtt_ms", jdist(&l->rtt, true));
	json_object_object_add(o, "owd_fwd_ms", owd ? jdist(&l->owd_fwd, false) : NULL);
	json_object_object_add(o, "owd_rev_ms", owd ? jdist(&l->owd_rev, false) : NULL);
	json_object_object_add(o, "late", json_object_new_uint64(l->late));
	json_object_object_add(o, "send_errors", json_object_new_uint64(l->send_errors));
	json_object_object_add(o, "idle_sent", r->has_idle ? json_object_new_uint64(r->idle.sent) : NULL);
	json_object_object_add(o, "idle_lost", r->has_idle ? json_object_new_uint64(r->idle.lost) : NULL);
	json_object_object_add(o, "rx_invalid", json_object_new_uint64(r->rx_invalid));
	json_object_object_add(o, "rx_duplicate", json_object_new_uint64(r->rx_duplicate));
	json_object_object_add(o, "clock_shared", json_object_new_boolean(r->clock_shared));
	json_object_object_add(o, "timestamps", jtimestamps(r));
	json_object_object_add(o, "cost", jcost(&r->cost));
	return o;
}

static void put_ms(FILE *f, double v, bool have)
{
	if (have)
		fprintf(f, " %.3f", v);
	else
		fputs(" NaN", f);
}

int latency_timeline_format(FILE *f, const struct latency_rec *r, size_t n, double origin_s,
			    uint64_t timeout_ns, uint64_t horizon_ns)
{
	fputs("# t_s rtt_ms owd_fwd_ms owd_rev_ms  (NaN: lost, or no shared clock)\n", f);
	for (size_t i = 0; i < n; i++) {
		bool echo = echo_in_time(&r[i], timeout_ns);
		bool owd = echo && (r[i].flags & LATENCY_REC_SAME_CLOCK);

		if (!echo && !(r[i].flags & LATENCY_REC_SEND_ERR) && !r[i].t_rx &&
		    r[i].t_send + timeout_ns > horizon_ns)
			continue;   /* pending */
		fprintf(f, "%.6f", (double)r[i].t_send / 1e9 - origin_s);
		put_ms(f, ns_ms((int64_t)(r[i].t_rx - r[i].t_send) -
				(int64_t)(r[i].t_refl_tx - r[i].t_refl_rx)), echo);
		put_ms(f, ns_ms((int64_t)(r[i].t_refl_rx - r[i].t_send)), owd);
		put_ms(f, ns_ms((int64_t)(r[i].t_rx - r[i].t_refl_tx)), owd);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

static const char *const path_names[LATENCY_PATH__COUNT] = { "tunnel", "underlay" };

const char *latency_path_name(enum latency_path p)
{
	return (unsigned int)p < LATENCY_PATH__COUNT ? path_names[p] : "?";
}

int latency_path_from_name(const char *s, enum latency_path *out)
{
	int i = util_name_index(path_names, LATENCY_PATH__COUNT, s);

	if (i < 0)
		return -EINVAL;
	*out = (enum latency_path)i;
	return 0;
}
