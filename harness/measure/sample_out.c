/* sample_out.c — the timeline (CSV rows, one per interval) and the summary
 * (json-c objects over a window). Formats are documented in sample.h. */
#include "sample.h"
#include "sample_impl.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* Output order of the CPU percentages, and the /proc/stat field of each. */
static const struct { const char *name; int field; } cpu_out[] = {
	{ "usr", SAMPLE_PROC_USER }, { "nice", SAMPLE_PROC_NICE }, { "sys", SAMPLE_PROC_SYSTEM },
	{ "irq", SAMPLE_PROC_IRQ }, { "softirq", SAMPLE_PROC_SOFTIRQ }, { "steal", SAMPLE_PROC_STEAL },
	{ "idle", SAMPLE_PROC_IDLE }, { "iowait", SAMPLE_PROC_IOWAIT },
};

static const char *const softnet_names[3] = { "processed", "dropped", "squeezed" };

unsigned int sample_col_bits(const struct sampler *s, size_t col)
{
	if (col < s->sirq_base || (col >= s->link_base && col < s->q_base) || col >= s->kv_base)
		return 64;
	return 32;
}

bool sample_col_gauge(const struct sampler *s, size_t col)
{
	size_t k;

	if (sample_wg_gauge(s, col))
		return 1;
	if (col < s->q_base || col >= s->kv_base)
		return 0;
	k = (col - s->q_base) % SAMPLE_LINK_Q_NSTATS;
	return k == SAMPLE_LINK_Q_BACKLOG || k == SAMPLE_LINK_Q_QLEN;
}

static int delta(const struct sampler *s, const struct snap *a, const struct snap *b, size_t col, uint64_t *d)
{
	if (!a->ok[col] || !b->ok[col])
		return -ENOENT;
	return sample_proc_delta(a->v[col], b->v[col], sample_col_bits(s, col), d);
}

static void qdisc_parent(const struct sqd *d, char *buf, size_t len)
{
	if (d->parent == 0xffffffffu)
		snprintf(buf, len, "root");
	else
		snprintf(buf, len, "%x-%x", d->parent >> 16, d->parent & 0xffff);
}

/* ---- timeline ---- */

int sample_timeline_header(struct sampler *s)
{
	FILE *f = s->tl;
	size_t i, k;
	int c;

	fprintf(f, "t,dt");
	for (c = 0; c < s->ncpu; c++) {
		for (k = 0; k < ARRAY_SIZE(cpu_out); k++)
			fprintf(f, ",cpu%d.%s", c, cpu_out[k].name);
		fprintf(f, ",cpu%d.busy,cpu%d.net_rx,cpu%d.net_tx", c, c, c);
		for (k = 0; k < 3; k++)
			fprintf(f, ",cpu%d.softnet_%s", c, softnet_names[k]);
		fprintf(f, ",cpu%d.irqs", c);
	}
	for (i = 0; i < s->nif; i++)
		for (k = 0; k < SAMPLE_LINK_NSTATS; k++)
			fprintf(f, ",%s.%s.%s", s->node_name[s->ifs[i].node], s->ifs[i].name, sample_link_stat_names[k]);
	for (i = 0; i < s->nqd; i++) {
		char par[24];

		qdisc_parent(&s->qds[i], par, sizeof(par));
		for (k = 0; k < SAMPLE_LINK_Q_NSTATS; k++)
			fprintf(f, ",%s.%s.qdisc.%s.%s.%s", s->node_name[s->qds[i].node], s->qds[i].ifname,
				s->qds[i].kind, par, sample_link_qstat_names[k]);
	}
	for (i = 0; i < s->n_nodes; i++)
		for (k = 0; k < sample_nkeys; k++)
			fprintf(f, ",%s.%s", s->node_name[i], sample_keys[k].proc);
	for (i = 0; i < s->n_nodes; i++)
		if (s->has_workers[i])
			fprintf(f, ",%s.tunnel_cpu", s->node_name[i]);
	fputs(",foreign_cpu", f);
	sample_wg_header(s, f);
	fputc('\n', f);
	if (fflush(f) != 0) {
		wgb_err("sample: writing the timeline: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void put_count(FILE *f, const struct sampler *s, const struct snap *a, const struct snap *b, size_t col)
{
	uint64_t d;

	if (sample_col_gauge(s, col)) {
		if (b->ok[col])
			fprintf(f, ",%llu", (unsigned long long)b->v[col]);
		else
			fputs(",NaN", f);
		return;
	}
	if (delta(s, a, b, col, &d))
		fputs(",NaN", f);
	else
		fprintf(f, ",%llu", (unsigned long long)d);
}

static void row_cpu(FILE *f, const struct sampler *s, const struct snap *a, const struct snap *b, int c)
{
	size_t base = s->cpu_base + (size_t)c * SAMPLE_PROC_CPU_NFIELDS, k, r;
	uint64_t d[SAMPLE_PROC_CPU_NFIELDS], total = 0, irqs = 0;
	int ok = 1, irq_ok = 0;

	for (k = 0; k < SAMPLE_PROC_CPU_NFIELDS; k++) {
		if (delta(s, a, b, base + k, &d[k]))
			ok = 0;
		else
			total += d[k];
	}
	for (k = 0; k < ARRAY_SIZE(cpu_out); k++)
		if (ok && total)
			fprintf(f, ",%.2f", 100.0 * (double)d[cpu_out[k].field] / (double)total);
		else
			fputs(",NaN", f);
	if (ok && total)
		fprintf(f, ",%.2f", 100.0 * (double)(total - d[SAMPLE_PROC_IDLE] - d[SAMPLE_PROC_IOWAIT]) / (double)total);
	else
		fputs(",NaN", f);
	put_count(f, s, a, b, s->sirq_base + (size_t)c * 2);
	put_count(f, s, a, b, s->sirq_base + (size_t)c * 2 + 1);
	for (k = 0; k < 3; k++)
		put_count(f, s, a, b, s->sn_base + (size_t)c * 3 + k);
	/* device IRQs (numbered rows) handled by this CPU */
	for (r = 0; r < s->nirq; r++) {
		uint64_t x;

		if (s->irqs[r].name[0] < '0' || s->irqs[r].name[0] > '9')
			continue;
		if (!delta(s, a, b, s->irq_base + r * (size_t)s->ncpu + (size_t)c, &x)) {
			irqs += x;
			irq_ok = 1;
		}
	}
	if (irq_ok)
		fprintf(f, ",%llu", (unsigned long long)irqs);
	else
		fputs(",NaN", f);
}

void sample_timeline_row(struct sampler *s, const struct snap *a, const struct snap *b)
{
	FILE *f = s->tl;
	double dt = b->t - a->t;
	size_t i;
	int c;

	if (!f || s->tl_broken)
		return;
	fprintf(f, "%.3f,%.3f", b->t, dt);
	for (c = 0; c < s->ncpu; c++)
		row_cpu(f, s, a, b, c);
	for (i = s->link_base; i < s->kv_base + s->n_nodes * sample_nkeys; i++)
		put_count(f, s, a, b, i);
	for (i = 0; i < s->n_nodes; i++) {
		uint64_t d;

		if (!s->has_workers[i])
			continue;
		if (dt > 0 && !delta(s, a, b, s->thr_base + i, &d))
			fprintf(f, ",%.2f", 100.0 * (double)d / s->clk_tck / dt);
		else
			fputs(",NaN", f);
	}
	{
		uint64_t d;

		if (dt > 0 && !delta(s, a, b, s->fgn_base, &d))
			fprintf(f, ",%.2f", 100.0 * (double)d / s->clk_tck / dt);
		else
			fputs(",NaN", f);
	}
	for (i = s->wg_base; i < s->ncol; i++)
		put_count(f, s, a, b, i);
	fputc('\n', f);
	if (fflush(f) != 0) {
		s->tl_broken = 1;
		wgb_err("sample: writing the timeline: %s; the summary goes on without it", strerror(errno));
	}
}
