/* sample.c — the sampler: sources opened once, a thread on absolute
 * CLOCK_MONOTONIC deadlines, snapshots into flat vectors (sample_impl.h).
 * Taking one snapshot is in sample_snap.c; timeline rows and the summary
 * are in sample_out.c. */
#include "sample.h"
#include "node.h"
#include "sample_impl.h"
#include "sample_thread.h"
#include "sample_foreign.h"
#include "topo.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
	if (sample_snap_alloc(s, &cur))
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
		node_gate_hold();
		sample_take(s, &cur);
		sample_record(s, &cur);
		node_gate_release();
	}
out:
	sample_snap_free(&cur);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &self);
	pthread_mutex_lock(&s->mu);
	s->self_cpu_final = (double)self.tv_sec + (double)self.tv_nsec / 1e9;
	s->running = 0;
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* The testbed's namespaces, by inode, tell its processes from the rest. */
static int open_foreign(struct sampler *s, const struct sample_node_spec *nodes)
{
	uint64_t ino[SAMPLE_MAX_NODES];
	size_t i, n = 0;
	struct stat st;

	size_t j;
	int ret;

	for (i = 0; i < s->n_nodes; i++)
		if (nodes[i].netns_path && !stat(nodes[i].netns_path, &st))
			ino[n++] = (uint64_t)st.st_ino;
	ret = sample_foreign_new(getpid(), ino, n, &s->fgn);
	/* a tunnel process beside everything else (live): the system under test */
	for (i = 0; !ret && i < s->n_nodes; i++)
		for (j = 0; j < nodes[i].n_pids && j < SAMPLE_NODE_PIDS; j++)
			sample_foreign_add_ours(s->fgn, nodes[i].tunnel_pids[j]);
	return ret;
}

static int open_nodes(struct sampler *s, const struct sample_node_spec *nodes)
{
	size_t i, j;
	int ret, any = 0;

	ret = open_foreign(s, nodes);
	if (ret)
		return ret;
	for (i = 0; i < s->n_nodes; i++) {
		snprintf(s->node_name[i], sizeof(s->node_name[i]), "%s", nodes[i].name);
		ret = sample_ns_open(nodes[i].netns_path, &s->ns[i]);
		if (ret) {
			wgb_err("sample: node %s: cannot open its counters: %s", nodes[i].name, strerror(-ret));
			return ret;
		}
		any |= nodes[i].n_pids || nodes[i].n_ifnames;
		for (j = 0; j < nodes[i].n_wg && j < SAMPLE_NODE_WG; j++) {
			ret = sample_wg_open(s, (int)i, nodes[i].name, nodes[i].netns_path, nodes[i].wg_ifnames[j]);
			if (ret)
				return ret;
		}
	}
	if (!any)
		return 0;
	ret = sample_thread_new(s->n_nodes, &s->thr);
	if (ret)
		return ret;
	for (i = 0; i < s->n_nodes; i++) {
		for (j = 0; j < nodes[i].n_pids && j < SAMPLE_NODE_PIDS; j++) {
			ret = sample_thread_add_pid(s->thr, i, nodes[i].tunnel_pids[j]);
			if (ret) {
				wgb_err("sample: node %s: tunnel process %d: %s", nodes[i].name,
					(int)nodes[i].tunnel_pids[j], strerror(-ret));
				return ret;
			}
			s->has_workers[i] = 1;
		}
		for (j = 0; j < nodes[i].n_ifnames && j < SAMPLE_NODE_IFNAMES; j++) {
			ret = sample_thread_add_ifname(s->thr, i, nodes[i].kthread_ifnames[j]);
			if (ret)
				return ret;
			s->has_workers[i] = 1;
		}
	}
	return 0;
}

/* A sampler with its settings and the host's /proc sources open; not
 * running yet. */
static int sampler_new(size_t n_nodes, double interval, struct sampler **out)
{
	struct sampler *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd_stat = s->fd_softirqs = s->fd_interrupts = s->fd_softnet = -1;
	s->n_nodes = n_nodes;
	s->interval = interval;
	s->pinned_cpu = -1;
	s->clk_tck = (double)sysconf(_SC_CLK_TCK);
	s->rescan_every = interval * 20 > 5 ? interval * 20 : 5;
	s->wall_minus_mono = util_now_wall() - util_now_mono();
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
	if (ret < 0) {
		sample_free(s);
		return ret;
	}
	*out = s;
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
	ret = sampler_new(n_nodes, interval, &s);
	if (ret < 0)
		return ret;
	ret = open_nodes(s, nodes);
	if (ret)
		goto fail;
	/* the first read fixes the layout; every source must read now */
	s->next_rescan = 0;
	sample_take(s, NULL);
	if (s->warned) {
		wgb_err("sample: a counter source could not be read at start");
		ret = -EIO;
		goto fail;
	}
	ret = sample_build_layout(s);
	if (!ret)
		ret = sample_snap_alloc(s, &first);
	if (!ret)
		ret = sample_snap_alloc(s, &s->last);
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
	sample_take(s, &first);
	sample_record(s, &first);
	sample_snap_free(&first);
	s->running = 1;
	ret = node_thread_start(&s->th, thread_main, s);
	if (ret) {
		s->running = 0;
		wgb_err("sample: cannot start the sampler thread: %s", strerror(-ret));
		goto fail;
	}
	s->thread_started = 1;
	*out = s;
	return 0;
fail:
	sample_snap_free(&first);
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
	size_t m = 0;
	int n, ret;

	memset(spec, 0, sizeof(spec));
	for (n = 0; n < NODE__COUNT; n++) {
		struct sample_node_spec *sp = &spec[m];
		static const enum topo_link_role roles[] = { LINK_LAN, LINK_UNDERLAY };
		size_t r;

		if (!topo_node_here(t, (enum topo_node_id)n))
			continue;   /* p2p: gw1 and gw2 only */
		m++;
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
			if (ifn && topo_wg(t) != TUN_NONE && sp->n_wg < SAMPLE_NODE_WG)
				sp->wg_ifnames[sp->n_wg++] = ifn;
			for (j = 0; j < sp->n_pids && sp->tunnel_pids[j] != pid; j++)
				;
			if (pid > 0 && j == sp->n_pids && sp->n_pids < SAMPLE_NODE_PIDS)
				sp->tunnel_pids[sp->n_pids++] = pid;
		}
	}
	return sample_start_nodes(spec, m, interval, timeline_path, out);
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
		sample_link_snap_release(&s->lsnap[i]);
	}
	sample_thread_free(s->thr);
	sample_foreign_free(s->fgn);
	sample_wg_free(s);
	if (s->fd_stat >= 0)
		close(s->fd_stat);
	if (s->fd_softirqs >= 0)
		close(s->fd_softirqs);
	if (s->fd_interrupts >= 0)
		close(s->fd_interrupts);
	if (s->fd_softnet >= 0)
		close(s->fd_softnet);
	free(s->buf);
	sample_proc_stat_release(&s->st);
	sample_proc_softirqs_release(&s->si);
	sample_proc_interrupts_release(&s->in);
	sample_proc_softnet_release(&s->sn);
	for (i = 0; i < s->nsnap; i++)
		sample_snap_free(&s->snaps[i]);
	free(s->snaps);
	sample_snap_free(&s->last);
	free(s->irqs);
	free(s->ifs);
	free(s->qds);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
