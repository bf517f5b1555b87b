/* sample_snap.c — one snapshot: the layout of the flat vectors (which
 * columns exist), reading every source into them, and keeping snapshots
 * (and timeline rows) as the sampler thread takes them. sample.c owns the
 * thread and the sampler's lifetime. */
#include "sample.h"
#include "sample_impl.h"
#include "sample_thread.h"
#include "sample_foreign.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The per-node snmp/netstat counters kept (DESIGN.md drops; guides §5.1). */
const struct sample_key sample_keys[] = {
	{ "Udp.InDatagrams", "udp_in_datagrams" },
	{ "Udp.OutDatagrams", "udp_out_datagrams" },
	{ "Udp.InErrors", "udp_in_errors" },
	{ "Udp.RcvbufErrors", "udp_rcvbuf_errors" },
	{ "Udp.SndbufErrors", "udp_sndbuf_errors" },
	{ "Udp.NoPorts", "udp_no_ports" },
	{ "Udp.MemErrors", "udp_mem_errors" },
	{ "Tcp.InSegs", "tcp_in_segs" },
	{ "Tcp.OutSegs", "tcp_out_segs" },
	{ "Tcp.RetransSegs", "tcp_retrans_segs" },
	{ "Tcp.InErrs", "tcp_in_errs" },
	{ "TcpExt.TCPTimeouts", "tcp_timeouts" },
	{ "TcpExt.TCPBacklogDrop", "tcp_backlog_drop" },
	{ "TcpExt.TCPRcvQDrop", "tcp_rcvq_drop" },
	{ "TcpExt.ListenOverflows", "tcp_listen_overflows" },
	{ "Ip.InReceives", "ip_in_receives" },
	{ "Ip.ForwDatagrams", "ip_forw_datagrams" },
	{ "Ip.InDiscards", "ip_in_discards" },
	{ "Ip.OutDiscards", "ip_out_discards" },
	{ "Ip.OutNoRoutes", "ip_out_no_routes" },
	{ "Ip.FragFails", "ip_frag_fails" },
	{ "Icmp.InDestUnreachs", "icmp_in_dest_unreachs" },
	{ "Icmp.OutDestUnreachs", "icmp_out_dest_unreachs" },
	/* not procfs: counted egress drop rules (sample_link.h) */
	{ SAMPLE_NFT_KEY, "nft_egress_dropped" },
};
const size_t sample_nkeys = ARRAY_SIZE(sample_keys);

/* Read and parse every source; each failure only marks its part missing. */
enum { SRC_STAT = 1, SRC_SOFTIRQS = 2, SRC_INTR = 4, SRC_SOFTNET = 8 };

static unsigned int read_host(struct sampler *s)
{
	unsigned int ok = 0;

	if (!sample_pread_all(s->fd_stat, &s->buf, &s->cap, NULL) && !sample_proc_parse_stat(s->buf, &s->st))
		ok |= SRC_STAT;
	if (!sample_pread_all(s->fd_softirqs, &s->buf, &s->cap, NULL) && !sample_proc_parse_softirqs(s->buf, &s->si))
		ok |= SRC_SOFTIRQS;
	if (!sample_pread_all(s->fd_interrupts, &s->buf, &s->cap, NULL) &&
	    !sample_proc_parse_interrupts(s->buf, &s->in))
		ok |= SRC_INTR;
	if (!sample_pread_all(s->fd_softnet, &s->buf, &s->cap, NULL) && !sample_proc_parse_softnet(s->buf, &s->sn))
		ok |= SRC_SOFTNET;
	return ok;
}

static void warn_once(struct sampler *s, unsigned int bit, const char *what)
{
	if (s->warned & bit)
		return;
	s->warned |= bit;
	wgb_warn("sample: %s could not be read; its counters are missing from here on until it reads again", what);
}

/* Fixed by the first snapshot: which CPUs, IRQs, interfaces, qdiscs. */
int sample_build_layout(struct sampler *s)
{
	long conf = sysconf(_SC_NPROCESSORS_CONF);
	size_t i, n, q;

	s->ncpu = conf > 0 ? (int)conf : 1;
	for (i = 0; i < s->st.n; i++)
		if (s->st.cpus[i].cpu >= s->ncpu)
			s->ncpu = s->st.cpus[i].cpu + 1;
	s->nirq = s->in.nirq;
	s->irqs = calloc(s->nirq ? s->nirq : 1, sizeof(*s->irqs));
	for (n = q = 0, i = 0; i < s->n_nodes; i++) {
		n += s->lsnap[i].nif;
		q += s->lsnap[i].nqd;
	}
	s->ifs = calloc(n ? n : 1, sizeof(*s->ifs));
	s->qds = calloc(q ? q : 1, sizeof(*s->qds));
	if (!s->irqs || !s->ifs || !s->qds)
		return -ENOMEM;
	for (i = 0; i < s->nirq; i++) {
		memcpy(s->irqs[i].name, s->in.irq[i].name, sizeof(s->irqs[i].name));
		memcpy(s->irqs[i].label, s->in.irq[i].label, sizeof(s->irqs[i].label));
		s->irqs[i].hint = i;
	}
	for (i = 0; i < s->n_nodes; i++) {
		const struct sample_link_snap *l = &s->lsnap[i];
		size_t j;

		for (j = 0; j < l->nif; j++) {
			struct sif *f = &s->ifs[s->nif++];

			f->node = (int)i;
			f->ifindex = l->ifs[j].ifindex;
			memcpy(f->name, l->ifs[j].name, sizeof(f->name));
			f->hint = j;
		}
		for (j = 0; j < l->nqd; j++) {
			struct sqd *d = &s->qds[s->nqd++];

			d->node = (int)i;
			memcpy(d->ifname, l->qd[j].ifname, sizeof(d->ifname));
			memcpy(d->kind, l->qd[j].kind, sizeof(d->kind));
			d->parent = l->qd[j].parent;
			d->handle = l->qd[j].handle;
		}
		for (j = 0; j < sample_nkeys; j++)
			s->kv_hint[i][j] = -1;
	}
	s->cpu_base = 0;
	s->sirq_base = s->cpu_base + (size_t)s->ncpu * SAMPLE_PROC_CPU_NFIELDS;
	s->sn_base = s->sirq_base + (size_t)s->ncpu * 2;
	s->irq_base = s->sn_base + (size_t)s->ncpu * 3;
	s->link_base = s->irq_base + s->nirq * (size_t)s->ncpu;
	s->q_base = s->link_base + s->nif * SAMPLE_LINK_NSTATS;
	s->kv_base = s->q_base + s->nqd * SAMPLE_LINK_Q_NSTATS;
	s->thr_base = s->kv_base + s->n_nodes * sample_nkeys;
	s->fgn_base = s->thr_base + s->n_nodes;
	s->wg_base = s->fgn_base + 1;
	if (sample_wg_layout(s))
		return -ENOMEM;
	s->ncol = s->wg_base + s->nwgp * SAMPLE_WG_NSTATS;
	return 0;
}

int sample_snap_alloc(const struct sampler *s, struct snap *p)
{
	p->v = calloc(s->ncol, sizeof(*p->v));
	p->ok = calloc(s->ncol, 1);
	return p->v && p->ok ? 0 : -ENOMEM;
}

void sample_snap_free(struct snap *p)
{
	free(p->v);
	free(p->ok);
	p->v = NULL;
	p->ok = NULL;
}

static void put(struct snap *p, size_t i, uint64_t v)
{
	p->v[i] = v;
	p->ok[i] = 1;
}

static void fill_cpu(struct sampler *s, struct snap *p, unsigned int src)
{
	size_t i, c;

	if (src & SRC_STAT)
		for (i = 0; i < s->st.n; i++) {
			const struct sample_proc_cpu *k = &s->st.cpus[i];

			if (k->cpu < s->ncpu)
				for (c = 0; c < SAMPLE_PROC_CPU_NFIELDS; c++)
					put(p, s->cpu_base + (size_t)k->cpu * SAMPLE_PROC_CPU_NFIELDS + c, k->f[c]);
		}
	if (src & SRC_SOFTIRQS)
		for (i = 0; i < s->si.n; i++)
			if (s->si.cpu[i] < s->ncpu) {
				put(p, s->sirq_base + (size_t)s->si.cpu[i] * 2, s->si.net_rx[i]);
				put(p, s->sirq_base + (size_t)s->si.cpu[i] * 2 + 1, s->si.net_tx[i]);
			}
	if (src & SRC_SOFTNET)
		for (i = 0; i < s->sn.n; i++) {
			const struct sample_proc_softnet_cpu *k = &s->sn.cpus[i];
			size_t b = s->sn_base + (size_t)k->cpu * 3;

			if (k->cpu >= s->ncpu)
				continue;
			put(p, b, k->processed);
			put(p, b + 1, k->dropped);
			put(p, b + 2, k->squeezed);
		}
}

static void fill_irq(struct sampler *s, struct snap *p)
{
	size_t r, j, c;

	for (r = 0; r < s->nirq; r++) {
		struct sirq_row *row = &s->irqs[r];

		j = row->hint;
		if (j >= s->in.nirq || strcmp(s->in.irq[j].name, row->name))
			for (j = 0; j < s->in.nirq && strcmp(s->in.irq[j].name, row->name); j++)
				;
		if (j == s->in.nirq)
			continue;   /* the IRQ went away */
		row->hint = j;
		for (c = 0; c < s->in.ncpu; c++)
			if (s->in.cpu[c] < s->ncpu)
				put(p, s->irq_base + r * (size_t)s->ncpu + (size_t)s->in.cpu[c],
				    s->in.count[j * s->in.ncpu + c]);
	}
}

static void fill_node(struct sampler *s, struct snap *p, size_t node)
{
	const struct sample_link_snap *l = &s->lsnap[node];
	size_t i, j, k;

	for (i = 0; i < s->nif; i++) {
		struct sif *f = &s->ifs[i];

		if (f->node != (int)node)
			continue;
		j = f->hint;
		if (j >= l->nif || l->ifs[j].ifindex != f->ifindex)
			for (j = 0; j < l->nif && l->ifs[j].ifindex != f->ifindex; j++)
				;
		/* gone, or its index now names another interface */
		if (j == l->nif || strcmp(l->ifs[j].name, f->name))
			continue;
		f->hint = j;
		for (k = 0; k < SAMPLE_LINK_NSTATS; k++)
			put(p, s->link_base + i * SAMPLE_LINK_NSTATS + k, l->ifs[j].v[k]);
	}
	for (i = 0; i < s->nqd; i++) {
		const struct sqd *d = &s->qds[i];

		if (d->node != (int)node)
			continue;
		for (j = 0; j < l->nqd; j++)
			if (l->qd[j].parent == d->parent && l->qd[j].handle == d->handle &&
			    !strcmp(l->qd[j].ifname, d->ifname) && !strcmp(l->qd[j].kind, d->kind))
				break;
		if (j == l->nqd)
			continue;
		for (k = 0; k < SAMPLE_LINK_Q_NSTATS; k++)
			put(p, s->q_base + i * SAMPLE_LINK_Q_NSTATS + k, l->qd[j].v[k]);
	}
	for (k = 0; k < sample_nkeys; k++) {
		long at = sample_proc_kv_find(&l->kv, sample_keys[k].proc, s->kv_hint[node][k]);

		if (at < 0)
			continue;
		s->kv_hint[node][k] = at;
		put(p, s->kv_base + node * sample_nkeys + k, (uint64_t)l->kv.kv[at].val);
	}
}

/* One snapshot of everything. With p NULL only reads (for the layout). */
void sample_take(struct sampler *s, struct snap *p)
{
	unsigned int src, workers[SAMPLE_MAX_NODES];
	double t0 = util_now_mono();
	size_t i;

	src = read_host(s);
	if (!(src & SRC_STAT))
		warn_once(s, 1u << 0, "/proc/stat");
	if (!(src & SRC_SOFTIRQS))
		warn_once(s, 1u << 1, "/proc/softirqs");
	if (!(src & SRC_INTR))
		warn_once(s, 1u << 2, "/proc/interrupts");
	if (!(src & SRC_SOFTNET))
		warn_once(s, 1u << 3, "/proc/net/softnet_stat");
	for (i = 0; i < s->n_nodes; i++) {
		int r = sample_ns_read(s->ns[i], &s->lsnap[i]);

		if (r) {
			s->lsnap[i].nif = s->lsnap[i].nqd = 0;
			s->lsnap[i].kv.n = 0;
			warn_once(s, 1u << (8 + i), s->node_name[i]);
		}
	}
	if (s->thr && s->next_rescan <= t0) {
		sample_thread_rescan(s->thr, "/proc");
		s->next_rescan = t0 + s->rescan_every;
	}
	if (s->thr)
		sample_thread_read(s->thr, s->thr_ticks, workers);
	s->fgn_ok = s->fgn && !sample_foreign_scan(s->fgn, "/proc", &s->fgn_ticks);
	sample_wg_read(s);
	if (p) {
		p->t = t0;
		memset(p->ok, 0, s->ncol);
		fill_cpu(s, p, src);
		if (src & SRC_INTR)
			fill_irq(s, p);
		for (i = 0; i < s->n_nodes; i++) {
			fill_node(s, p, i);
			if (s->thr && s->has_workers[i])
				put(p, s->thr_base + i, s->thr_ticks[i]);
		}
		if (s->fgn_ok)
			put(p, s->fgn_base, s->fgn_ticks);
		sample_wg_fill(s, p);
	}
	{
		double us = (util_now_mono() - t0) * 1e6;

		s->n_taken++;
		s->read_us_total += us;
		if (us > s->read_us_max)
			s->read_us_max = us;
	}
}

/* Keep a snapshot for the summary; past SAMPLE_KEEP_MAX drop every other
 * one (keeping the first), so memory stays bounded in long runs. */
static int keep(struct sampler *s, const struct snap *p)
{
	struct snap *d;
	size_t i, j;

	if (s->nsnap == SAMPLE_KEEP_MAX) {
		for (i = j = 0; i < s->nsnap; i++) {
			if (i % 2 == 1 && i != s->nsnap - 1) {
				sample_snap_free(&s->snaps[i]);
				continue;
			}
			s->snaps[j++] = s->snaps[i];
		}
		s->nsnap = j;
	}
	d = &s->snaps[s->nsnap];
	if (sample_snap_alloc(s, d))
		return -ENOMEM;
	d->t = p->t;
	memcpy(d->v, p->v, s->ncol * sizeof(*p->v));
	memcpy(d->ok, p->ok, s->ncol);
	s->nsnap++;
	return 0;
}

void sample_record(struct sampler *s, struct snap *cur)
{
	if (s->have_last)
		sample_timeline_row(s, &s->last, cur);
	keep(s, cur);
	/* cur becomes last: swap buffers */
	{
		struct snap tmp = s->last;

		s->last = *cur;
		*cur = tmp;
	}
	s->have_last = 1;
}
