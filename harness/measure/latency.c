/* latency.c — the probe and the reflector (see latency.h).
 *
 * Each side is one thread polling its own socket. The socket is made in the
 * node's namespace by the calling thread (it enters, opens, returns: a
 * socket keeps the namespace it was born in), so the threads never setns.
 * The reflector never allocates; the probe grows its record array under the
 * fork gate (node.h) and its mutex, so a fork elsewhere never copies a held
 * allocator lock, and latency_probe_result() can read while it runs.
 */
#include "latency.h"
#include "latency_impl.h"
#include "node.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct latency_reflector {
	int fd, stopfd;
	pthread_t thread;
	bool running;
	uint16_t port;
	uint64_t clock_id;
	double cpu_s;              /* the thread's, written as it ends */
};

struct latency_probe {
	int fd, stopfd, timerfd;
	pthread_t thread;
	bool running;
	uint64_t session, clock_id, timeout_ns;
	unsigned int size, ip_overhead;
	const char *ts_api;
	uint64_t t_start, t_end;    /* ns; t_end 0 while running */
	double cpu_s;
	pthread_mutex_t lock;       /* what follows */
	struct latency_rec *rec;
	size_t n, cap;
	uint64_t answered, send_errors, rx_invalid, rx_dup;
};

static void reflect_one(struct latency_reflector *r, const struct latency_rx *rx, uint8_t *buf)
{
	struct latency_pkt p;

	if (latency_pkt_parse(buf, rx->len, &p) || (p.flags & LATENCY_F_REFLECTED))
		return;   /* not a probe: no echo, so garbage is never amplified */
	p.flags = LATENCY_F_REFLECTED | (rx->kernel ? LATENCY_F_REFL_KRX : 0);
	p.t_refl_rx = rx->t;
	p.clock_id = r->clock_id;
	p.t_refl_tx = latency_mono_ns();
	if (p.t_refl_tx < p.t_refl_rx)   /* a mapped kernel stamp a few ns ahead */
		p.t_refl_tx = p.t_refl_rx;
	if (latency_pkt_encode(&p, buf, LATENCY_PKT_MAX))
		return;
	/* A failed echo is a lost probe, which the prober counts. */
	(void)sendto(r->fd, buf, p.len, MSG_DONTWAIT, (struct sockaddr *)&rx->from, rx->fromlen);
}

static void *reflector_main(void *arg)
{
	struct latency_reflector *r = arg;
	uint8_t buf[LATENCY_PKT_MAX + 1];
	struct latency_rx rx;

	for (;;) {
		struct pollfd pfd[2] = { { r->fd, POLLIN, 0 }, { r->stopfd, POLLIN, 0 } };

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		while (latency_recv(r->fd, buf, sizeof(buf), &rx) == 0)
			reflect_one(r, &rx, buf);
	}
	r->cpu_s = latency_thread_cpu_s();
	return NULL;
}

int latency_reflector_start(const char *netns_path, const char *addr, uint16_t port,
			    const struct latency_opts *o, struct latency_reflector **out)
{
	struct latency_reflector *r;
	struct latency_addr a;
	int ret;

	ret = latency_resolve(addr ? addr : "0.0.0.0", port, &a);
	if (ret)
		return ret;
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	r->fd = r->stopfd = -1;
	ret = latency_socket(netns_path, a.ss.ss_family, &r->fd);
	if (ret)
		goto out;
	latency_enable_stamps(r->fd, o && o->user_clock);
	if (bind(r->fd, (struct sockaddr *)&a.ss, a.len) < 0) {
		ret = -errno;
		wgb_err("latency: cannot bind the reflector to %s port %u: %s",
			addr ? addr : "0.0.0.0", port, strerror(-ret));
		goto out;
	}
	if ((ret = latency_bound_port(r->fd, &r->port)))
		goto out;
	r->clock_id = latency_clock_id();
	if ((r->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		ret = -errno;
		goto out;
	}
	if ((ret = node_thread_start(&r->thread, reflector_main, r))) {
		wgb_err("latency: cannot start the reflector thread: %s", strerror(-ret));
		goto out;
	}
	r->running = true;
	if (o && (ret = latency_pin(r->thread, o->cpus, o->n_cpus)))
		goto out;
	*out = r;
	r = NULL;
out:
	latency_reflector_free(r);
	return ret;
}

uint16_t latency_reflector_port(const struct latency_reflector *r)
{
	return r->port;
}

double latency_reflector_cpu_s(const struct latency_reflector *r)
{
	if (!r)
		return 0;
	return r->running ? latency_thread_cpu_of(r->thread) : r->cpu_s;
}

void latency_reflector_free(struct latency_reflector *r)
{
	if (!r)
		return;
	if (r->running) {
		latency_wake(r->stopfd);
		pthread_join(r->thread, NULL);
	}
	if (r->fd >= 0)
		close(r->fd);
	if (r->stopfd >= 0)
		close(r->stopfd);
	free(r);
}

/* ---- the probe --------------------------------------------------------- */

static void send_probe(struct latency_probe *p)
{
	uint8_t buf[LATENCY_PKT_MAX];
	struct latency_pkt pk = { 0 };
	ssize_t w;

	if (p->n == p->cap) {
		int ret;

		node_gate_hold();
		pthread_mutex_lock(&p->lock);
		ret = util_grow(&p->rec, &p->cap, p->n + 1, sizeof(*p->rec));
		pthread_mutex_unlock(&p->lock);
		node_gate_release();
		if (ret)
			return;   /* out of memory: a gap in the send times, seen as the interval */
	}
	pk.len = p->size;
	pk.session = p->session;
	pk.seq = p->n;
	pk.t_send = latency_mono_ns();
	if (latency_pkt_encode(&pk, buf, sizeof(buf)))
		return;
	w = send(p->fd, buf, pk.len, MSG_DONTWAIT);
	pthread_mutex_lock(&p->lock);
	p->rec[p->n++] = (struct latency_rec){
		.t_send = pk.t_send,
		.flags = w == (ssize_t)pk.len ? 0 : LATENCY_REC_SEND_ERR,
	};
	p->send_errors += w != (ssize_t)pk.len;
	pthread_mutex_unlock(&p->lock);
}

static void take_echo(struct latency_probe *p, const struct latency_rx *rx, const uint8_t *buf)
{
	struct latency_pkt pk;
	struct latency_rec *r;
	bool ok;

	ok = !latency_pkt_parse(buf, rx->len, &pk) && (pk.flags & LATENCY_F_REFLECTED) &&
	     pk.session == p->session;
	pthread_mutex_lock(&p->lock);
	if (!ok || pk.seq >= p->n || p->rec[pk.seq].t_send != pk.t_send ||
	    (p->rec[pk.seq].flags & LATENCY_REC_SEND_ERR)) {
		p->rx_invalid++;
	} else if (p->rec[pk.seq].t_rx) {
		p->rx_dup++;
	} else {
		r = &p->rec[pk.seq];
		r->t_rx = rx->t;
		r->t_refl_rx = pk.t_refl_rx;
		r->t_refl_tx = pk.t_refl_tx;
		r->user_lag_ns = rx->kernel ? (int64_t)(rx->t_user - rx->t) : 0;
		r->flags |= (rx->kernel ? LATENCY_REC_KRX : 0) |
			    (pk.flags & LATENCY_F_REFL_KRX ? LATENCY_REC_REFL_KRX : 0) |
			    (p->clock_id && pk.clock_id == p->clock_id ? LATENCY_REC_SAME_CLOCK : 0);
		p->answered++;
	}
	pthread_mutex_unlock(&p->lock);
}

static void drain_socket(struct latency_probe *p)
{
	uint8_t buf[LATENCY_PKT_MAX + 1];
	struct latency_rx rx;

	while (latency_recv(p->fd, buf, sizeof(buf), &rx) == 0)
		take_echo(p, &rx, buf);
}

/* After the stop: every echo is in, or the last probe's timeout passed. */
static bool drained(struct latency_probe *p, uint64_t deadline, int *wait_ms)
{
	uint64_t now = latency_mono_ns(), due;

	pthread_mutex_lock(&p->lock);
	due = p->n - p->send_errors - p->answered;
	pthread_mutex_unlock(&p->lock);
	if (!due || now >= deadline)
		return true;
	*wait_ms = (int)((deadline - now + 999999) / 1000000);
	return false;
}

static void *probe_main(void *arg)
{
	struct latency_probe *p = arg;
	uint64_t deadline = 0;
	bool stopping = false;

	for (;;) {
		/* Once stopping, neither the timer nor the (still readable) stop
		 * event is polled: only echoes, until the deadline. */
		struct pollfd pfd[3] = { { p->fd, POLLIN, 0 },
					 { stopping ? -1 : p->stopfd, POLLIN, 0 },
					 { stopping ? -1 : p->timerfd, POLLIN, 0 } };
		uint64_t exp;
		int wait_ms = -1;

		if (stopping && drained(p, deadline, &wait_ms))
			break;
		if (poll(pfd, 3, wait_ms) < 0 && errno != EINTR)
			break;
		if (pfd[2].revents && read(p->timerfd, &exp, sizeof(exp)) == sizeof(exp))
			send_probe(p);   /* one per wake-up: overruns show as a longer interval */
		if (pfd[0].revents)
			drain_socket(p);
		if (pfd[1].revents && !stopping) {
			stopping = true;
			pthread_mutex_lock(&p->lock);
			deadline = (p->n ? p->rec[p->n - 1].t_send : latency_mono_ns()) + p->timeout_ns;
			pthread_mutex_unlock(&p->lock);
		}
	}
	drain_socket(p);   /* what came in while the last poll timed out */
	p->cpu_s = latency_thread_cpu_s();
	return NULL;
}

static int check_opts(const struct latency_opts *o, struct latency_opts *v)
{
	*v = o ? *o : (struct latency_opts){ 0 };
	if (!v->interval_s)
		v->interval_s = LATENCY_INTERVAL_DEFAULT;
	if (!v->timeout_s)
		v->timeout_s = LATENCY_TIMEOUT_DEFAULT;
	if (!v->size)
		v->size = LATENCY_SIZE_DEFAULT;
	if (!(v->interval_s >= 0.001 && v->interval_s <= 10) ||
	    !(v->timeout_s >= 0.01 && v->timeout_s <= 60) ||
	    v->size < LATENCY_HDR_LEN || v->size > LATENCY_PKT_MAX) {
		wgb_err("latency: interval %g s (0.001..10), timeout %g s (0.01..60), size %u (%d..%d): out of range",
			v->interval_s, v->timeout_s, v->size, LATENCY_HDR_LEN, LATENCY_PKT_MAX);
		return -EINVAL;
	}
	return 0;
}

/* The descriptors and the timer of a probe whose socket is open. */
static int probe_arm(struct latency_probe *p, double interval_s)
{
	uint64_t ns = (uint64_t)(interval_s * 1e9);
	struct itimerspec it = {
		.it_interval = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) },
		.it_value = { 0, 1 },   /* the first probe at once */
	};

	if (getrandom(&p->session, sizeof(p->session), GRND_NONBLOCK) != sizeof(p->session))
		p->session = latency_mono_ns() ^ ((uint64_t)getpid() << 32);
	p->clock_id = latency_clock_id();
	p->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (p->stopfd < 0 || p->timerfd < 0 || timerfd_settime(p->timerfd, 0, &it, NULL) < 0) {
		int e = errno;

		wgb_err("latency: cannot make the probe's timer: %s", strerror(e));
		return -e;
	}
	return 0;
}

int latency_probe_start(const char *netns_path, const char *addr, uint16_t port,
			const struct latency_opts *o, struct latency_probe **out)
{
	struct latency_probe *p = NULL;
	struct latency_opts v;
	struct latency_addr a;
	int ret;

	if ((ret = check_opts(o, &v)) || (ret = latency_resolve(addr, port, &a)))
		return ret;
	if (!port) {
		wgb_err("latency: the reflector's port is 0");
		return -EINVAL;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	p->fd = p->stopfd = p->timerfd = -1;
	pthread_mutex_init(&p->lock, NULL);
	p->size = v.size;
	p->timeout_ns = (uint64_t)(v.timeout_s * 1e9);
	p->ip_overhead = 8 + (a.ss.ss_family == AF_INET6 ? 40 : 20);
	if ((ret = latency_socket(netns_path, a.ss.ss_family, &p->fd)))
		goto out;
	p->ts_api = latency_enable_stamps(p->fd, v.user_clock);
	/* Connected: the kernel delivers only the reflector's datagrams. */
	if (connect(p->fd, (struct sockaddr *)&a.ss, a.len) < 0) {
		ret = -errno;
		wgb_err("latency: cannot reach %s port %u from %s: %s", addr, port,
			netns_path ? netns_path : "this namespace", strerror(-ret));
		goto out;
	}
	if ((ret = probe_arm(p, v.interval_s)))
		goto out;
	p->t_start = latency_mono_ns();
	if ((ret = node_thread_start(&p->thread, probe_main, p))) {
		wgb_err("latency: cannot start the probe thread: %s", strerror(-ret));
		goto out;
	}
	p->running = true;
	if ((ret = latency_pin(p->thread, v.cpus, v.n_cpus)))
		goto out;
	*out = p;
	p = NULL;
out:
	latency_probe_free(p);
	return ret;
}

int latency_probe_stop(struct latency_probe *p)
{
	if (!p->running)
		return 0;
	latency_wake(p->stopfd);
	pthread_join(p->thread, NULL);
	p->running = false;
	p->t_end = latency_mono_ns();
	return 0;
}

/* A copy of the records, and the horizon up to which they are complete. */
static int snapshot(struct latency_probe *p, struct latency_rec **rec, size_t *n,
		    uint64_t *horizon, struct latency_result *res)
{
	int ret = 0;

	pthread_mutex_lock(&p->lock);
	*n = p->n;
	*rec = malloc((p->n + 1) * sizeof(**rec));
	if (!*rec)
		ret = -ENOMEM;
	else if (p->n)
		memcpy(*rec, p->rec, p->n * sizeof(**rec));
	if (res) {
		res->rx_invalid = p->rx_invalid;
		res->rx_duplicate = p->rx_dup;
		res->cost.tx_packets = p->n - p->send_errors;
		res->cost.rx_packets = p->answered + p->rx_dup;
	}
	/* Running: an echo that came in time may still wait in the socket for
	 * the thread, so a probe is called lost only 200 ms after its timeout. */
	*horizon = p->running ? latency_mono_ns() - 200000000u : UINT64_MAX;
	pthread_mutex_unlock(&p->lock);
	return ret;
}

static void fill_cost(struct latency_probe *p, double refl_cpu_s, struct latency_cost *c)
{
	uint64_t end = p->running ? latency_mono_ns() : p->t_end;

	c->elapsed_s = (double)(end - p->t_start) / 1e9;
	c->cpu_s = (p->running ? latency_thread_cpu_of(p->thread) : p->cpu_s) +
		   refl_cpu_s;
	if (c->elapsed_s > 0) {
		c->bytes_per_s = (double)((c->tx_packets + c->rx_packets) *
					  (p->size + p->ip_overhead)) / c->elapsed_s;
		c->cpu_percent = 100.0 * c->cpu_s / c->elapsed_s;
	}
}

int latency_probe_result(struct latency_probe *p, const struct latency_window *idle,
			 const struct latency_window *load, double refl_cpu_s,
			 struct latency_result *out)
{
	struct latency_rec *rec = NULL;
	uint64_t horizon;
	size_t n;
	int ret;

	*out = (struct latency_result){ .ts_api = p->ts_api, .has_idle = idle != NULL };
	if ((ret = snapshot(p, &rec, &n, &horizon, out)))
		goto out;
	if (idle && (ret = latency_stats_of(rec, n, idle, p->timeout_ns, horizon, &out->idle)))
		goto out;
	if ((ret = latency_stats_of(rec, n, load, p->timeout_ns, horizon, &out->load)))
		goto out;
	out->clock_shared = out->load.owd_fwd.n > 0;
	fill_cost(p, refl_cpu_s, &out->cost);
out:
	free(rec);
	return ret;
}

int latency_probe_timeline_text(struct latency_probe *p, double origin_s, char **text, size_t *len)
{
	struct latency_rec *rec = NULL;
	uint64_t horizon;
	FILE *f = NULL;
	size_t n;
	int ret;

	*text = NULL;
	*len = 0;
	if ((ret = snapshot(p, &rec, &n, &horizon, NULL)))
		goto out;
	if (!(f = open_memstream(text, len))) {
		ret = -errno;
		goto out;
	}
	ret = latency_timeline_format(f, rec, n, origin_s, p->timeout_ns, horizon);
	if (fclose(f) && !ret)
		ret = -EIO;
	if (ret) {
		free(*text);
		*text = NULL;
		*len = 0;
	}
out:
	free(rec);
	return ret;
}

int latency_probe_timeline(struct latency_probe *p, double origin_s, const char *path)
{
	char *text;
	size_t len;
	int ret = latency_probe_timeline_text(p, origin_s, &text, &len);

	if (!ret && (ret = util_write_file_atomic(path, text, len)))
		wgb_err("latency: cannot write %s: %s", path, strerror(-ret));
	free(text);
	return ret;
}

void latency_probe_free(struct latency_probe *p)
{
	if (!p)
		return;
	latency_probe_stop(p);
	if (p->fd >= 0)
		close(p->fd);
	if (p->stopfd >= 0)
		close(p->stopfd);
	if (p->timerfd >= 0)
		close(p->timerfd);
	pthread_mutex_destroy(&p->lock);
	free(p->rec);
	free(p);
}
