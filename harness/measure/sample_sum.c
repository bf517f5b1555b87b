/* sample_sum.c — the summary of a window: every counter's delta over
 * [w0, w1] as the sum of its per-interval deltas, the two edge intervals
 * weighted by how much of them lies inside the window (linear
 * interpolation). Intervals where a counter is missing (offline CPU,
 * deleted interface, reset) add nothing: the delta is "from what exists",
 * and such counters are flagged "partial". Key names: sample.h. */
#include "sample.h"
#include "sample_impl.h"
#include "sample_foreign.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define TOP_IRQS 8

struct acc {
	double *v;              /* weighted delta per column */
	double *gmax;           /* gauges: max in the window */
	unsigned char *seen;    /* some interval had it */
	unsigned char *gap;     /* some interval lacked it */
	double covered;
	size_t intervals;
};

static int accumulate(const struct sampler *s, double w0, double w1, struct acc *a)
{
	size_t i, c;

	a->v = calloc(s->ncol, sizeof(*a->v));
	a->gmax = calloc(s->ncol, sizeof(*a->gmax));
	a->seen = calloc(s->ncol, 1);
	a->gap = calloc(s->ncol, 1);
	if (!a->v || !a->gmax || !a->seen || !a->gap)
		return -ENOMEM;
	for (i = 1; i < s->nsnap; i++) {
		const struct snap *p = &s->snaps[i - 1], *q = &s->snaps[i];
		double lo = p->t > w0 ? p->t : w0, hi = q->t < w1 ? q->t : w1, w;

		if (hi <= lo || q->t <= p->t)
			continue;
		w = (hi - lo) / (q->t - p->t);
		a->covered += hi - lo;
		a->intervals++;
		for (c = 0; c < s->ncol; c++) {
			uint64_t d;

			if (sample_col_gauge(s, c)) {
				if (q->ok[c] && (double)q->v[c] > a->gmax[c])
					a->gmax[c] = (double)q->v[c];
				if (q->ok[c])
					a->seen[c] = 1;
				continue;
			}
			if (!p->ok[c] || !q->ok[c] || sample_proc_delta(p->v[c], q->v[c], sample_col_bits(s, c), &d)) {
				a->gap[c] = 1;
				continue;
			}
			a->v[c] += w * (double)d;
			a->seen[c] = 1;
		}
	}
	return 0;
}

static void acc_free(struct acc *a)
{
	free(a->v);
	free(a->gmax);
	free(a->seen);
	free(a->gap);
}

static struct json_object *jpct(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.2f", v);
	return json_object_new_double_s(v, buf);
}

static struct json_object *jsec(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.6f", v);
	return json_object_new_double_s(v, buf);
}

static struct json_object *jcount(const struct acc *a, size_t col)
{
	return a->seen[col] ? json_object_new_int64(llround(a->v[col])) : NULL;
}

static void add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

/* Per-core percentages; top_core (highest %softirq) and busiest_core. */
static struct json_object *cores_json(const struct sampler *s, const struct acc *a,
				      struct json_object *cpu)
{
	static const struct { const char *name; int f; } out[] = {
		{ "usr", SAMPLE_PROC_USER }, { "nice", SAMPLE_PROC_NICE }, { "sys", SAMPLE_PROC_SYSTEM },
		{ "irq", SAMPLE_PROC_IRQ }, { "softirq", SAMPLE_PROC_SOFTIRQ }, { "steal", SAMPLE_PROC_STEAL },
		{ "idle", SAMPLE_PROC_IDLE }, { "iowait", SAMPLE_PROC_IOWAIT },
	};
	struct json_object *cores = json_object_new_array();
	int c, top = -1, busiest = -1;
	double top_soft = -1, top_busy = 0, b_busy = -1, b_soft = 0;
	size_t k;

	for (c = 0; c < s->ncpu; c++) {
		size_t base = s->cpu_base + (size_t)c * SAMPLE_PROC_CPU_NFIELDS;
		double total = 0, busy, soft;
		struct json_object *o;

		for (k = 0; k < SAMPLE_PROC_CPU_NFIELDS; k++)
			total += a->v[base + k];
		if (!a->seen[base] || total <= 0)
			continue;   /* offline through the window */
		o = json_object_new_object();
		add(o, "cpu", json_object_new_int(c));
		for (k = 0; k < ARRAY_SIZE(out); k++)
			add(o, out[k].name, jpct(100.0 * a->v[base + out[k].f] / total));
		busy = 100.0 * (total - a->v[base + SAMPLE_PROC_IDLE] - a->v[base + SAMPLE_PROC_IOWAIT]) / total;
		soft = 100.0 * a->v[base + SAMPLE_PROC_SOFTIRQ] / total;
		add(o, "busy", jpct(busy));
		json_object_array_add(cores, o);
		if (soft > top_soft || (soft == top_soft && busy > top_busy)) {
			top = c;
			top_soft = soft;
			top_busy = busy;
		}
		if (busy > b_busy) {
			busiest = c;
			b_busy = busy;
			b_soft = soft;
		}
	}
	if (top >= 0) {
		struct json_object *t = json_object_new_object(), *b = json_object_new_object();

		add(t, "cpu", json_object_new_int(top));
		add(t, "softirq", jpct(top_soft));
		add(t, "busy", jpct(top_busy));
		add(cpu, "top_core", t);
		add(b, "cpu", json_object_new_int(busiest));
		add(b, "busy", jpct(b_busy));
		add(b, "softirq", jpct(b_soft));
		add(cpu, "busiest_core", b);
	} else {
		add(cpu, "top_core", NULL);
		add(cpu, "busiest_core", NULL);
	}
	return cores;
}

static struct json_object *per_cpu_array(const struct sampler *s, const struct acc *a, size_t base, size_t stride)
{
	struct json_object *arr = json_object_new_array();
	int c;

	for (c = 0; c < s->ncpu; c++)
		json_object_array_add(arr, jcount(a, base + (size_t)c * stride));
	return arr;
}

static int cmp_desc(const void *x, const void *y)
{
	const double *a = x, *b = y;

	return a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : (a[1] > b[1]) - (a[1] < b[1]);
}

/* The IRQs that fired most in the window, with their per-CPU deltas (§3.3). */
static struct json_object *irqs_json(const struct sampler *s, const struct acc *a)
{
	struct json_object *top = json_object_new_array();
	double (*rank)[2] = calloc(s->nirq ? s->nirq : 1, sizeof(*rank));
	size_t r, n = 0;
	int c;

	if (!rank)
		return top;
	for (r = 0; r < s->nirq; r++) {
		double sum = 0;

		for (c = 0; c < s->ncpu; c++)
			sum += a->v[s->irq_base + r * (size_t)s->ncpu + (size_t)c];
		if (sum >= 0.5) {
			rank[n][0] = sum;
			rank[n++][1] = (double)r;
		}
	}
	qsort(rank, n, sizeof(*rank), cmp_desc);
	for (r = 0; r < n && r < TOP_IRQS; r++) {
		size_t row = (size_t)rank[r][1];
		struct json_object *o = json_object_new_object();

		add(o, "irq", json_object_new_string(s->irqs[row].name));
		add(o, "name", json_object_new_string(s->irqs[row].label));
		add(o, "total", json_object_new_int64(llround(rank[r][0])));
		add(o, "per_cpu", per_cpu_array(s, a, s->irq_base + row * (size_t)s->ncpu, 1));
		json_object_array_add(top, o);
	}
	free(rank);
	return top;
}

/* What else took the machine during the window: CPU of processes outside
 * the testbed (sample_foreign.h) in percent of one core, and steal time
 * (a hypervisor running someone else on our vCPUs) in percent of all
 * cores; null where not measured. */
static struct json_object *interference_json(const struct sampler *s, const struct acc *a)
{
	struct json_object *o = json_object_new_object(), *top;
	struct sample_foreign_proc p[3];
	double steal = 0, total = 0;
	size_t n, i;
	int c;

	if (s->fgn && a->seen[s->fgn_base] && a->covered > 0)
		add(o, "foreign_cpu_percent", jpct(100.0 * a->v[s->fgn_base] / s->clk_tck / a->covered));
	else
		add(o, "foreign_cpu_percent", NULL);
	for (c = 0; c < s->ncpu; c++) {
		size_t b = s->cpu_base + (size_t)c * SAMPLE_PROC_CPU_NFIELDS, f;

		if (!a->seen[b])
			continue;
		for (f = 0; f < SAMPLE_PROC_CPU_NFIELDS; f++)
			total += a->v[b + f];
		steal += a->v[b + SAMPLE_PROC_STEAL];
	}
	add(o, "steal_percent", total > 0 ? jpct(100.0 * steal / total) : NULL);
	top = json_object_new_array();
	n = s->fgn ? sample_foreign_top(s->fgn, p, ARRAY_SIZE(p)) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();

		add(e, "pid", json_object_new_int((int)p[i].pid));
		add(e, "comm", json_object_new_string(p[i].comm));
		add(e, "cpu_s", jsec((double)p[i].ticks / s->clk_tck));
		json_object_array_add(top, e);
	}
	/* over the sampler's life, not only the window: who it was */
	add(o, "foreign_top", top);
	return o;
}

static struct json_object *cpu_json(const struct sampler *s, const struct acc *a, double w0, double w1)
{
	struct json_object *cpu = json_object_new_object(), *nodes, *irq, *smp;
	unsigned long n;
	double mean, max;
	size_t i;

	add(cpu, "window_s", jpct(w1 - w0));
	add(cpu, "covered_s", jpct(a->covered));
	add(cpu, "interval_s", jpct(s->interval));
	add(cpu, "cores", cores_json(s, a, cpu));
	nodes = json_object_new_object();
	for (i = 0; i < s->n_nodes; i++) {
		struct json_object *o = json_object_new_object();
		size_t col = s->thr_base + i;

		if (s->has_workers[i] && a->seen[col] && a->covered > 0) {
			add(o, "tunnel_cpu_percent", jpct(100.0 * a->v[col] / s->clk_tck / a->covered));
			add(o, "tunnel_cpu_s", jpct(a->v[col] / s->clk_tck));
		} else {
			add(o, "tunnel_cpu_percent", NULL);
			add(o, "tunnel_cpu_s", NULL);
		}
		add(nodes, s->node_name[i], o);
	}
	add(cpu, "nodes", nodes);
	add(cpu, "interference", interference_json(s, a));
	irq = json_object_new_object();
	add(irq, "top", irqs_json(s, a));
	add(cpu, "interrupts", irq);
	add(cpu, "net_rx_softirqs", per_cpu_array(s, a, s->sirq_base, 2));
	add(cpu, "net_tx_softirqs", per_cpu_array(s, a, s->sirq_base + 1, 2));
	smp = json_object_new_object();
	sample_cost(s, &n, &mean, &max);
	add(smp, "cpu", s->pinned_cpu >= 0 ? json_object_new_int(s->pinned_cpu) : NULL);
	add(smp, "self_cpu_s", jsec(sample_self_cpu(s)));
	add(smp, "snapshots", json_object_new_int64((int64_t)n));
	add(smp, "late", json_object_new_int64((int64_t)s->n_late));
	add(smp, "mean_snapshot_us", jpct(mean));
	add(smp, "max_snapshot_us", jpct(max));
	add(cpu, "sampler", smp);
	return cpu;
}

static struct json_object *node_obj(struct json_object *parent, const char *name)
{
	struct json_object *o;

	if (json_object_object_get_ex(parent, name, &o))
		return o;
	o = json_object_new_object();
	add(parent, name, o);
	return o;
}

static void softnet_json(const struct sampler *s, const struct acc *a, struct json_object *d)
{
	struct json_object *per = json_object_new_array();
	double dropped = 0, squeezed = 0;
	int c, any = 0;
	size_t k;

	for (c = 0; c < s->ncpu; c++) {
		size_t b = s->sn_base + (size_t)c * 3;
		struct json_object *o;

		if (!a->seen[b])
			continue;
		any = 1;
		o = json_object_new_object();
		add(o, "cpu", json_object_new_int(c));
		for (k = 0; k < 3; k++)
			add(o, k == 0 ? "processed" : k == 1 ? "dropped" : "squeezed", jcount(a, b + k));
		json_object_array_add(per, o);
		dropped += a->v[b + 1];
		squeezed += a->v[b + 2];
	}
	add(d, "softnet_dropped", any ? json_object_new_int64(llround(dropped)) : NULL);
	add(d, "softnet_squeezed", any ? json_object_new_int64(llround(squeezed)) : NULL);
	add(d, "softnet_per_cpu", per);
}

static void links_json(const struct sampler *s, const struct acc *a, struct json_object *d)
{
	struct json_object *ifs = json_object_new_object(), *qds = json_object_new_object();
	double qdrops = 0;
	size_t i, k;

	for (i = 0; i < s->nif; i++) {
		struct json_object *o = json_object_new_object();
		size_t b = s->link_base + i * SAMPLE_LINK_NSTATS;

		for (k = 0; k < SAMPLE_LINK_NSTATS; k++)
			add(o, sample_link_stat_names[k], jcount(a, b + k));
		add(o, "partial", json_object_new_boolean(a->gap[b]));
		add(node_obj(ifs, s->node_name[s->ifs[i].node]), s->ifs[i].name, o);
	}
	for (i = 0; i < s->nqd; i++) {
		const struct sqd *q = &s->qds[i];
		struct json_object *o = json_object_new_object(), *list, *byif;
		size_t b = s->q_base + i * SAMPLE_LINK_Q_NSTATS;
		char par[24], h[24];

		snprintf(par, sizeof(par), q->parent == 0xffffffffu ? "root" : "%x:%x",
			 q->parent >> 16, q->parent & 0xffff);
		snprintf(h, sizeof(h), "%x:%x", q->handle >> 16, q->handle & 0xffff);
		add(o, "kind", json_object_new_string(q->kind));
		add(o, "handle", json_object_new_string(h));
		add(o, "parent", json_object_new_string(par));
		add(o, "drops", jcount(a, b + SAMPLE_LINK_Q_DROPS));
		add(o, "overlimits", jcount(a, b + SAMPLE_LINK_Q_OVERLIMITS));
		add(o, "requeues", jcount(a, b + SAMPLE_LINK_Q_REQUEUES));
		add(o, "backlog_max", a->seen[b + SAMPLE_LINK_Q_BACKLOG] ?
		    json_object_new_int64(llround(a->gmax[b + SAMPLE_LINK_Q_BACKLOG])) : NULL);
		add(o, "qlen_max", a->seen[b + SAMPLE_LINK_Q_QLEN] ?
		    json_object_new_int64(llround(a->gmax[b + SAMPLE_LINK_Q_QLEN])) : NULL);
		add(o, "partial", json_object_new_boolean(a->gap[b]));
		qdrops += a->v[b + SAMPLE_LINK_Q_DROPS];
		byif = node_obj(qds, s->node_name[q->node]);
		if (!json_object_object_get_ex(byif, q->ifname, &list)) {
			list = json_object_new_array();
			add(byif, q->ifname, list);
		}
		json_object_array_add(list, o);
	}
	add(d, "interfaces", ifs);
	add(d, "qdisc_drops", json_object_new_int64(llround(qdrops)));
	add(d, "qdiscs", qds);
}

/* Per node: every sample_keys counter; totals of the main ones. */
static void snmp_json(const struct sampler *s, const struct acc *a, struct json_object *d)
{
	static const char *const totals[] = {
		"udp_rcvbuf_errors", "udp_sndbuf_errors", "udp_in_errors", "tcp_retrans_segs",
		"ip_in_discards", "ip_out_discards",
	};
	struct json_object *nodes = json_object_new_object();
	size_t i, k, t;

	for (i = 0; i < s->n_nodes; i++) {
		struct json_object *o = node_obj(nodes, s->node_name[i]);

		for (k = 0; k < sample_nkeys; k++)
			add(o, sample_keys[k].json, jcount(a, s->kv_base + i * sample_nkeys + k));
	}
	for (t = 0; t < ARRAY_SIZE(totals); t++) {
		double sum = 0;
		int any = 0;

		for (k = 0; k < sample_nkeys && strcmp(sample_keys[k].json, totals[t]); k++)
			;
		for (i = 0; i < s->n_nodes && k < sample_nkeys; i++) {
			size_t col = s->kv_base + i * sample_nkeys + k;

			if (a->seen[col]) {
				any = 1;
				sum += a->v[col];
			}
		}
		add(d, totals[t], any ? json_object_new_int64(llround(sum)) : NULL);
	}
	add(d, "nodes", nodes);
}

int sample_summarise(const struct sampler *s, double w0, double w1,
		     struct json_object **cpu, struct json_object **drops)
{
	struct acc a = { 0 };
	struct json_object *d;
	int ret;

	ret = accumulate(s, w0, w1, &a);
	if (ret)
		goto out;
	if (a.covered < 0.5 * (w1 - w0))
		wgb_warn("sample: the window [%.3f, %.3f] is only %.0f%% covered by snapshots",
			 w0, w1, 100.0 * a.covered / (w1 - w0));
	*cpu = cpu_json(s, &a, w0, w1);
	add(*cpu, "wireguard", sample_wg_json(s, w0, w1, a.v, a.seen, a.gap));
	d = json_object_new_object();
	softnet_json(s, &a, d);
	links_json(s, &a, d);
	snmp_json(s, &a, d);
	*drops = d;
out:
	acc_free(&a);
	return ret;
}
