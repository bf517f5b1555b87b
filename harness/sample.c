/* sample.c — the sampler: sources opened once, a thread on absolute
 * CLOCK_MONOTONIC deadlines, snapshots into flat vectors (sample_int.h).
 * Timeline rows and the summary are in sample_out.c. */
#include "sample.h"
#include "sample_int.h"
#include "sample_thread.h"
#include "topo.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
};
const size_t sample_nkeys = ARRAY_SIZE(sample_keys);

static int open_ro(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		wgb_err("sample: cannot open %s: %s", path, strerror(e));
		return -e;
	}
	return fd;
}

/* Read and parse every source; each failure only marks its part missing. */
enum { SRC_STAT = 1, SRC_SOFTIRQS = 2, SRC_INTR = 4, SRC_SOFTNET = 8 };

static unsigned int read_host(struct sampler *s)
{
	unsigned int ok = 0;

	if (!sample_pread_all(s->fd_stat, &s->buf, &s->cap, NULL) && !sproc_parse_stat(s->buf, &s->st))
		ok |= SRC_STAT;
	if (!sample_pread_all(s->fd_softirqs, &s->buf, &s->cap, NULL) && !sproc_parse_softirqs(s->buf, &s->si))
		ok |= SRC_SOFTIRQS;
	if (!sample_pread_all(s->fd_interrupts, &s->buf, &s->cap, NULL) &&
	    !sproc_parse_interrupts(s->buf, &s->in))
		ok |= SRC_INTR;
	if (!sample_pread_all(s->fd_softnet, &s->buf, &s->cap, NULL) && !sproc_parse_softnet(s->buf, &s->sn))
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
static int build_layout(struct sampler *s)
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
		const struct slink_snap *l = &s->lsnap[i];
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
	s->sirq_base = s->cpu_base + (size_t)s->ncpu * SPROC_CPU_NFIELDS;
	s->sn_base = s->sirq_base + (size_t)s->ncpu * 2;
	s->irq_base = s->sn_base + (size_t)s->ncpu * 3;
	s->link_base = s->irq_base + s->nirq * (size_t)s->ncpu;
	s->q_base = s->link_base + s->nif * SLINK_NSTATS;
	s->kv_base = s->q_base + s->nqd * SLINK_Q_NSTATS;
	s->thr_base = s->kv_base + s->n_nodes * sample_nkeys;
	s->ncol = s->thr_base + s->n_nodes;
	return 0;
}

static int snap_alloc(const struct sampler *s, struct snap *p)
{
	p->v = calloc(s->ncol, sizeof(*p->v));
	p->ok = calloc(s->ncol, 1);
	return p->v && p->ok ? 0 : -ENOMEM;
}

static void snap_free(struct snap *p)
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
			const struct sproc_cpu *k = &s->st.cpus[i];

			if (k->cpu < s->ncpu)
				for (c = 0; c < SPROC_CPU_NFIELDS; c++)
					put(p, s->cpu_base + (size_t)k->cpu * SPROC_CPU_NFIELDS + c, k->f[c]);
		}
	if (src & SRC_SOFTIRQS)
		for (i = 0; i < s->si.n; i++)
			if (s->si.cpu[i] < s->ncpu) {
				put(p, s->sirq_base + (size_t)s->si.cpu[i] * 2, s->si.net_rx[i]);
				put(p, s->sirq_base + (size_t)s->si.cpu[i] * 2 + 1, s->si.net_tx[i]);
			}
	if (src & SRC_SOFTNET)
		for (i = 0; i < s->sn.n; i++) {
			const struct sproc_softnet_cpu *k = &s->sn.cpus[i];
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
	const struct slink_snap *l = &s->lsnap[node];
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
		for (k = 0; k < SLINK_NSTATS; k++)
			put(p, s->link_base + i * SLINK_NSTATS + k, l->ifs[j].v[k]);
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
		for (k = 0; k < SLINK_Q_NSTATS; k++)
			put(p, s->q_base + i * SLINK_Q_NSTATS + k, l->qd[j].v[k]);
	}
	for (k = 0; k < sample_nkeys; k++) {
		long at = sproc_kv_find(&l->kv, sample_keys[k].proc, s->kv_hint[node][k]);

		if (at < 0)
			continue;
		s->kv_hint[node][k] = at;
		put(p, s->kv_base + node * sample_nkeys + k, (uint64_t)l->kv.kv[at].val);
	}
}

/* One snapshot of everything. With p NULL only reads (for the layout). */
static void take(struct sampler *s, struct snap *p)
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
		sthreads_rescan(s->thr, "/proc");
		s->next_rescan = t0 + s->rescan_every;
	}
	if (s->thr)
		sthreads_read(s->thr, s->thr_ticks, workers);
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
				snap_free(&s->snaps[i]);
				continue;
			}
			s->snaps[j++] = s->snaps[i];
		}
		s->nsnap = j;
	}
	d = &s->snaps[s->nsnap];
	if (snap_alloc(s, d))
		return -ENOMEM;
	d->t = p->t;
	memcpy(d->v, p->v, s->ncol * sizeof(*p->v));
	memcpy(d->ok, p->ok, s->ncol);
	s->nsnap++;
	return 0;
}

static void record(struct sampler *s, struct snap *cur)
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

static void pin_self(struct sampler *s)
{
	cpu_set_t set;
	int cpu;

	/* the last CPU: the system under test starts on the first ones */
	cpu = s->ncpu - 1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) == 0)
		s->pinned_cpu = cpu;
	else
		s->pinned_cpu = -1;
}

static void add_ts(struct timespec *ts, double sec)
{
	long long ns = ts->tv_nsec + (long long)(sec * 1e9);

	ts->tv_sec += ns / 1000000000LL;
	ts->tv_nsec = ns % 1000000000LL;
}

static void *thread_main(void *arg)
{
	struct sampler *s = arg;
	struct snap cur = { 0 };
	struct timespec next, now, self;
	int stop = 0;

	pin_self(s);
	if (snap_alloc(s, &cur))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		add_ts(&next, s->interval);
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* late (a stalled machine): skip the missed ticks, keep the grid */
		while (next.tv_sec < now.tv_sec || (next.tv_sec == now.tv_sec && next.tv_nsec < now.tv_nsec)) {
			add_ts(&next, s->interval);
			s->n_late++;
		}
		pthread_mutex_lock(&s->mu);
		while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &next) != ETIMEDOUT)
			;
		stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		/* a stop still takes a last snapshot: the window's end is covered */
		take(s, &cur);
		record(s, &cur);
	}
out:
	snap_free(&cur);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &self);
	pthread_mutex_lock(&s->mu);
	s->self_cpu_final = (double)self.tv_sec + (double)self.tv_nsec / 1e9;
	s->running = 0;
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static int open_nodes(struct sampler *s, const struct sample_node_spec *nodes)
{
	size_t i, j;
	int ret, any = 0;

	for (i = 0; i < s->n_nodes; i++) {
		snprintf(s->node_name[i], sizeof(s->node_name[i]), "%s", nodes[i].name);
		ret = sample_ns_open(nodes[i].netns_path, &s->ns[i]);
		if (ret) {
			wgb_err("sample: node %s: cannot open its counters: %s", nodes[i].name, strerror(-ret));
			return ret;
		}
		any |= nodes[i].n_pids || nodes[i].n_ifnames;
	}
	if (!any)
		return 0;
	ret = sthreads_new(s->n_nodes, &s->thr);
	if (ret)
		return ret;
	for (i = 0; i < s->n_nodes; i++) {
		for (j = 0; j < nodes[i].n_pids && j < SAMPLE_NODE_PIDS; j++) {
			ret = sthreads_add_pid(s->thr, i, nodes[i].tunnel_pids[j]);
			if (ret) {
				wgb_err("sample: node %s: tunnel process %d: %s", nodes[i].name,
					(int)nodes[i].tunnel_pids[j], strerror(-ret));
				return ret;
			}
			s->has_workers[i] = 1;
		}
		for (j = 0; j < nodes[i].n_ifnames && j < SAMPLE_NODE_IFNAMES; j++) {
			ret = sthreads_add_ifname(s->thr, i, nodes[i].kthread_ifnames[j]);
			if (ret)
				return ret;
			s->has_workers[i] = 1;
		}
	}
	return 0;
}

int sample_start_nodes(const struct sample_node_spec *nodes, size_t n_nodes, double interval,
		       const char *timeline_path, struct sampler **out)
{
	struct sampler *s;
	struct snap first = { 0 };
	int ret;

	if (n_nodes > SAMPLE_MAX_NODES || !(interval >= 0.01 && interval <= 3600)) {
		wgb_err("sample: %zu nodes at %g s: expected at most %d nodes and 0.01..3600 s",
			n_nodes, interval, SAMPLE_MAX_NODES);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd_stat = s->fd_softirqs = s->fd_interrupts = s->fd_softnet = -1;
	s->n_nodes = n_nodes;
	s->interval = interval;
	s->pinned_cpu = -1;
	s->clk_tck = (double)sysconf(_SC_CLK_TCK);
	s->rescan_every = interval * 20 > 5 ? interval * 20 : 5;
	pthread_mutex_init(&s->mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	ret = s->fd_stat = open_ro("/proc/stat");
	if (ret >= 0)
		ret = s->fd_softirqs = open_ro("/proc/softirqs");
	if (ret >= 0)
		ret = s->fd_interrupts = open_ro("/proc/interrupts");
	if (ret >= 0)
		ret = s->fd_softnet = open_ro("/proc/net/softnet_stat");
	if (ret < 0)
		goto fail;
	ret = open_nodes(s, nodes);
	if (ret)
		goto fail;
	/* the first read fixes the layout; every source must read now */
	s->next_rescan = 0;
	take(s, NULL);
	if (s->warned) {
		wgb_err("sample: a counter source could not be read at start");
		ret = -EIO;
		goto fail;
	}
	ret = build_layout(s);
	if (!ret)
		ret = snap_alloc(s, &first);
	if (!ret)
		ret = snap_alloc(s, &s->last);
	if (!ret) {
		s->snaps = calloc(SAMPLE_KEEP_MAX + 1, sizeof(*s->snaps));
		ret = s->snaps ? 0 : -ENOMEM;
	}
	if (ret)
		goto fail;
	if (timeline_path) {
		s->tl = fopen(timeline_path, "we");
		if (!s->tl) {
			ret = -errno;
			wgb_err("sample: cannot write the timeline %s: %s", timeline_path, strerror(-ret));
			goto fail;
		}
		ret = sample_timeline_header(s);
		if (ret)
			goto fail;
	}
	take(s, &first);
	record(s, &first);
	snap_free(&first);
	s->running = 1;
	ret = pthread_create(&s->th, NULL, thread_main, s);
	if (ret) {
		s->running = 0;
		ret = -ret;
		wgb_err("sample: cannot start the sampler thread: %s", strerror(-ret));
		goto fail;
	}
	s->thread_started = 1;
	*out = s;
	return 0;
fail:
	snap_free(&first);
	sample_free(s);
	return ret < 0 ? ret : -EIO;
}

/* The nodes of a topo testbed: its four namespaces; at the gateways the
 * tunnel processes and every interface (kernel crypt and NAPI threads). */
int sample_start(const struct topo *t, double interval, const char *timeline_path,
		 struct sampler **out)
{
	struct sample_node_spec spec[NODE__COUNT];
	char paths[NODE__COUNT][256];
	unsigned int k, nt = topo_tunnels(t);
	int n, ret;

	memset(spec, 0, sizeof(spec));
	for (n = 0; n < NODE__COUNT; n++) {
		struct sample_node_spec *sp = &spec[n];
		static const enum topo_link_role roles[] = { LINK_LAN, LINK_UNDERLAY };
		size_t r;

		ret = topo_node_netns_path(t, (enum topo_node_id)n, paths[n], sizeof(paths[n]));
		if (ret)
			return ret;
		sp->name = topo_node_name((enum topo_node_id)n);
		sp->netns_path = paths[n];
		if (n != NODE_GW1 && n != NODE_GW2)
			continue;
		for (r = 0; r < ARRAY_SIZE(roles); r++) {
			const char *ifn = topo_ifname(t, (enum topo_node_id)n, roles[r], 0);

			if (ifn && sp->n_ifnames < SAMPLE_NODE_IFNAMES)
				sp->kthread_ifnames[sp->n_ifnames++] = ifn;
		}
		for (k = 0; k < nt; k++) {
			const char *ifn = topo_ifname(t, (enum topo_node_id)n, LINK_TUNNEL, k);
			pid_t pid = topo_tunnel_pid(t, k, (enum topo_node_id)n);
			size_t j;

			if (ifn && sp->n_ifnames < SAMPLE_NODE_IFNAMES)
				sp->kthread_ifnames[sp->n_ifnames++] = ifn;
			for (j = 0; j < sp->n_pids && sp->tunnel_pids[j] != pid; j++)
				;
			if (pid > 0 && j == sp->n_pids && sp->n_pids < SAMPLE_NODE_PIDS)
				sp->tunnel_pids[sp->n_pids++] = pid;
		}
	}
	return sample_start_nodes(spec, NODE__COUNT, interval, timeline_path, out);
}

static void stop_thread(struct sampler *s)
{
	if (!s->thread_started)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	s->thread_started = 0;
}

int sample_stop(struct sampler *s, double window_start, double window_end,
		struct json_object **cpu, struct json_object **drops)
{
	stop_thread(s);
	if (s->tl) {
		if (fclose(s->tl) != 0 && !s->tl_broken) {
			s->tl_broken = 1;
			wgb_err("sample: writing the timeline failed: %s", strerror(errno));
		}
		s->tl = NULL;
	}
	if (!(window_end > window_start)) {
		wgb_err("sample: empty window [%.3f, %.3f]", window_start, window_end);
		return -EINVAL;
	}
	return sample_summarise(s, window_start, window_end, cpu, drops);
}

double sample_self_cpu(const struct sampler *s)
{
	struct sampler *m = (struct sampler *)s;   /* the mutex only */
	struct timespec ts;
	clockid_t cid;
	double v;

	pthread_mutex_lock(&m->mu);
	v = s->self_cpu_final;
	if (s->running && pthread_getcpuclockid(s->th, &cid) == 0 && clock_gettime(cid, &ts) == 0)
		v = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	pthread_mutex_unlock(&m->mu);
	return v;
}

void sample_cost(const struct sampler *s, unsigned long *snapshots, double *mean_us, double *max_us)
{
	/* after sample_stop (the thread has ended) the numbers are final */
	*snapshots = s->n_taken;
	*mean_us = s->n_taken ? s->read_us_total / (double)s->n_taken : 0;
	*max_us = s->read_us_max;
}

void sample_free(struct sampler *s)
{
	size_t i;

	if (!s)
		return;
	stop_thread(s);
	if (s->tl)
		fclose(s->tl);
	for (i = 0; i < s->n_nodes; i++) {
		sample_ns_free(s->ns[i]);
		slink_snap_release(&s->lsnap[i]);
	}
	sthreads_free(s->thr);
	if (s->fd_stat >= 0)
		close(s->fd_stat);
	if (s->fd_softirqs >= 0)
		close(s->fd_softirqs);
	if (s->fd_interrupts >= 0)
		close(s->fd_interrupts);
	if (s->fd_softnet >= 0)
		close(s->fd_softnet);
	free(s->buf);
	sproc_stat_release(&s->st);
	sproc_softirqs_release(&s->si);
	sproc_interrupts_release(&s->in);
	sproc_softnet_release(&s->sn);
	for (i = 0; i < s->nsnap; i++)
		snap_free(&s->snaps[i]);
	free(s->snaps);
	snap_free(&s->last);
	free(s->irqs);
	free(s->ifs);
	free(s->qds);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
