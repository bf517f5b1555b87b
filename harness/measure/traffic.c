/* traffic.c — iperf3 endpoints in forked children (see traffic.h). */
#include "traffic.h"
#include "node.h"
#include "util.h"

#include <stdint.h>   /* before iperf_api.h, which needs uint64_t */
#include <iperf_api.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define LISTEN_TIMEOUT 10.0      /* seconds for a server to start listening */
#define CONNECT_TIMEOUT_MS 5000  /* a dead path is an error, not a 2-minute SYN retry */
#define REAP_GRACE 5.0           /* seconds for ends to exit after the test */

struct endpoint {
	const struct traffic_test *t;
	const struct traffic_flow *f;
	int out_fd;                  /* client: where its JSON goes */
};

/* In the child: the parent's handlers only set its flag; the child must die
 * on SIGTERM from node_kill(), and survive a peer closing a socket. */
static void child_signals(void)
{
	int devnull;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* libiperf also prints its JSON on stdout; the copy we keep is the pipe's. */
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, STDOUT_FILENO);
		close(devnull);
	}
}

static int server_child(void *p)
{
	const struct endpoint *e = p;
	struct iperf_test *it;
	int rc;

	child_signals();
	it = iperf_new_test();
	if (!it || iperf_defaults(it) < 0)
		return 1;
	iperf_set_test_role(it, 's');
	iperf_set_test_server_port(it, e->f->port);
	iperf_set_test_bind_address(it, e->f->server_addr);
	iperf_set_test_one_off(it, 1);
	/* So the client can carry the server's report (--get-server-output) as JSON. */
	iperf_set_test_json_output(it, 1);
	rc = iperf_run_server(it);
	iperf_free_test(it);
	return rc < 0 ? 1 : 0;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Mirrors what iperf3 3.12's iperf_parse_arguments() does for
 * "-c ADDR -p PORT [-u] -l BLK -b RATE -t DUR -O OMIT -P N [-R|--bidir] -J
 *  --get-server-output": libiperf's own defaults differ (128 KiB blocks for
 * UDP too, no rate), so everything is set explicitly. */
static void client_configure(struct iperf_test *it, const struct endpoint *e)
{
	const struct traffic_test *t = e->t;

	iperf_set_test_role(it, 'c');
	iperf_set_test_server_hostname(it, e->f->server_addr);
	iperf_set_test_server_port(it, e->f->port);
	if (t->udp)
		set_protocol(it, Pudp);
	iperf_set_test_blksize(it, (int)t->block_size);
	iperf_set_test_rate(it, t->rate_bps);
	iperf_set_test_duration(it, t->duration);
	iperf_set_test_omit(it, t->omit);
	iperf_set_test_num_streams(it, (int)t->streams);
	iperf_set_test_reverse(it, t->reverse ? 1 : 0);
	/* -P N --bidir: N streams each way, both measured in one test */
	iperf_set_test_bidirectional(it, t->bidir ? 1 : 0);
	iperf_set_test_json_output(it, 1);
	iperf_set_test_get_server_output(it, 1);
	iperf_set_test_connect_timeout(it, CONNECT_TIMEOUT_MS);
}

static int client_child(void *p)
{
	const struct endpoint *e = p;
	struct iperf_test *it;
	const char *json;
	int rc;

	child_signals();
	it = iperf_new_test();
	if (!it || iperf_defaults(it) < 0)
		return 1;
	client_configure(it, e);
	rc = iperf_run_client(it);
	json = iperf_get_test_json_output_string(it);
	if (json && write_all(e->out_fd, json, strlen(json)))
		rc = -1;
	iperf_free_test(it);
	return rc < 0 ? 1 : 0;
}

/* Does pid itself hold a listening TCP socket on port? /proc/<pid>/net shows
 * that process's namespace, so no probing connection is needed (it would end
 * a one-off server); matching the socket inode against pid's own descriptors
 * keeps another program on the same port from passing for our server. */
static bool owns_inode(pid_t pid, unsigned long inode)
{
	char dir[64], path[128], link[64], want[48];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		if (util_fmt(path, sizeof(path), "%s/%s", dir, de->d_name))
			continue;
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			found = !strcmp(link, want);
		}
	}
	closedir(d);
	return found;
}

static bool listening(pid_t pid, int port)
{
	static const char *const files[] = { "tcp", "tcp6" };
	char path[64], line[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, files[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned int lport, st;
			unsigned long inode;

			/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
			if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x %*x %*u %*u %lu",
				   &lport, &st, &inode) == 3 &&
			    (int)lport == port && st == 0x0A && owns_inode(pid, inode)) {
				fclose(f);
				return true;
			}
		}
		fclose(f);
	}
	return false;
}

static int wait_listening(pid_t pid, const struct traffic_flow *f,
			  const volatile sig_atomic_t *stop, char **why)
{
	double deadline = util_now_mono() + LISTEN_TIMEOUT;
	int status;

	while (!listening(pid, f->port)) {
		if (stop && *stop)
			return -EINTR;
		if (node_wait(pid, 0, &status) == 0) {
			if (asprintf(why, "iperf3 server on %s port %d exited (status %d) before listening",
				     f->server_addr, f->port, status) < 0)
				*why = NULL;
			return -EIO;
		}
		if (util_now_mono() > deadline) {
			if (asprintf(why, "iperf3 server on %s port %d not listening after %.0f s",
				     f->server_addr, f->port, LISTEN_TIMEOUT) < 0)
				*why = NULL;
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
	return 0;
}

struct flow_io {
	pid_t server, client;
	int fd;                      /* read end of the client's pipe, -1 when done */
	char *buf;
	size_t len, cap;
};

static int read_some(struct flow_io *io)
{
	ssize_t r;

	if (io->cap - io->len < 4096) {
		size_t cap = io->cap ? io->cap * 2 : 65536;
		char *grown = realloc(io->buf, cap);

		if (!grown)
			return -ENOMEM;
		io->buf = grown;
		io->cap = cap;
	}
	r = read(io->fd, io->buf + io->len, io->cap - io->len - 1);
	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (r == 0) {
		close(io->fd);
		io->fd = -1;
		return 0;
	}
	io->len += (size_t)r;
	io->buf[io->len] = '\0';
	return 0;
}

/* Read every client's JSON until all pipes close, the deadline or a stop. */
static int collect(struct flow_io *io, size_t n, double deadline, const volatile sig_atomic_t *stop)
{
	struct pollfd pfd[n];
	size_t i, open_n;
	int ret;

	for (;;) {
		double left;

		open_n = 0;
		for (i = 0; i < n; i++) {
			pfd[i].fd = io[i].fd;    /* poll ignores negative fds */
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
			open_n += io[i].fd >= 0;
		}
		if (!open_n)
			return 0;
		if (stop && *stop)
			return -EINTR;
		left = deadline - util_now_mono();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(pfd, n, (int)(fmin(left, 0.2) * 1000) + 1) < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < n; i++)
			if (io[i].fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				if ((ret = read_some(&io[i])))
					return ret;
	}
}

static void set_error(struct traffic_flow_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_error(struct traffic_flow_result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->error)   /* the first cause is the one worth reporting */
		return;
	va_start(ap, fmt);
	if (vasprintf(&r->error, fmt, ap) < 0)
		r->error = NULL;
	va_end(ap);
	r->ok = false;
}

/* The spawn options of one side: its CPUs, when the cpus knob pins it. */
static void spawn_opts(const int *cpus, size_t n, struct node_spawn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cpus = n ? cpus : NULL;
	o->n_cpus = (int)n;
}

/* What the kernel lets pid run on now: node_fork() returns once the
 * child's setup, pinning included, is done, so this is the endpoint's own. */
static void read_affinity(pid_t pid, const int *cpus, size_t n, struct traffic_proc *p)
{
	int list[CPU_SETSIZE];
	size_t k = 0;
	cpu_set_t set;
	int c;

	p->pid = pid;
	traffic_cpulist(cpus, n, p->requested, sizeof(p->requested));
	if (sched_getaffinity(pid, sizeof(set), &set)) {
		p->err = -errno;
		return;
	}
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			list[k++] = c;
	traffic_cpulist(list, k, p->cpus, sizeof(p->cpus));
}

static int start_servers(const struct traffic_test *t, const struct traffic_flow *flows, size_t n,
			 struct endpoint *ep, struct flow_io *io, const volatile sig_atomic_t *stop,
			 struct traffic_flow_result *res)
{
	struct node_spawn_opts so;
	size_t i;
	int ret;

	spawn_opts(t->server_cpus, t->n_server_cpus, &so);
	for (i = 0; i < n; i++) {
		ep[i] = (struct endpoint){ .t = t, .f = &flows[i], .out_fd = -1 };
		ret = node_fork(t->server_netns, server_child, &ep[i], &so, &io[i].server);
		if (ret) {
			set_error(&res[i], "cannot start iperf3 server: %s", strerror(-ret));
			return ret;
		}
		read_affinity(io[i].server, t->server_cpus, t->n_server_cpus, &res[i].server);
	}
	for (i = 0; i < n; i++) {
		char *why = NULL;

		ret = wait_listening(io[i].server, &flows[i], stop, &why);
		if (ret) {
			if (why)
				set_error(&res[i], "%s", why);
			free(why);
			return ret;
		}
	}
	return 0;
}

static int start_clients(const struct traffic_test *t, size_t n, struct endpoint *ep,
			 struct flow_io *io, struct traffic_flow_result *res)
{
	struct node_spawn_opts so;
	size_t i;
	int ret, p[2];

	spawn_opts(t->client_cpus, t->n_client_cpus, &so);
	for (i = 0; i < n; i++) {
		if (pipe2(p, O_CLOEXEC) < 0) {
			ret = -errno;
			set_error(&res[i], "pipe: %s", strerror(errno));
			return ret;
		}
		ep[i].out_fd = p[1];
		ret = node_fork(t->client_netns, client_child, &ep[i], &so, &io[i].client);
		/* Close our write end at once, so the next children do not inherit
		 * it and EOF means this client is done. */
		close(p[1]);
		if (ret) {
			close(p[0]);
			set_error(&res[i], "cannot start iperf3 client: %s", strerror(-ret));
			return ret;
		}
		io[i].fd = p[0];
		read_affinity(io[i].client, t->client_cpus, t->n_client_cpus, &res[i].client);
	}
	return 0;
}

/* Reap every child: a normal end gets REAP_GRACE seconds, then SIGTERM/SIGKILL. */
static void reap_all(struct flow_io *io, size_t n, bool kill_now, struct traffic_flow_result *res)
{
	double grace_end = util_now_mono() + (kill_now ? 0 : REAP_GRACE);
	size_t i;
	int st;

	for (i = 0; i < n; i++) {
		pid_t *pids[2] = { &io[i].client, &io[i].server };
		size_t k;

		for (k = 0; k < 2; k++) {
			double left = grace_end - util_now_mono();

			if (*pids[k] <= 0)
				continue;
			if (node_wait(*pids[k], left > 0 ? left : 0, &st) == -ETIMEDOUT)
				node_kill(*pids[k], 1.0);
			else if (k == 0 && st != 0 && !io[i].len)
				set_error(&res[i], "iperf3 client exited with status %d and no output", st);
			*pids[k] = 0;
		}
		if (io[i].fd >= 0) {
			close(io[i].fd);
			io[i].fd = -1;
		}
	}
}

static void finish_flow(struct flow_io *io, struct traffic_flow_result *r)
{
	char err[512];

	if (io->buf && io->len) {
		r->json = io->buf;
		io->buf = NULL;
	}
	if (!r->json) {
		set_error(r, "iperf3 client gave no JSON output");
		return;
	}
	if (traffic_parse_json(r->json, &r->m, err, sizeof(err))) {
		set_error(r, "%s", err);
		return;
	}
	if (!r->error)
		r->ok = true;
}

int traffic_run(const struct traffic_test *t, const struct traffic_flow *flows, size_t n,
		double timeout, const volatile sig_atomic_t *stop,
		struct traffic_flow_result *res, double *t_clients_started)
{
	struct endpoint *ep = calloc(n, sizeof(*ep));
	struct flow_io *io = calloc(n, sizeof(*io));
	size_t i, failed = 0;
	int ret;

	if (!ep || !io) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		io[i].fd = -1;
	ret = t->servers_elsewhere ? 0 : start_servers(t, flows, n, ep, io, stop, res);
	for (i = 0; t->servers_elsewhere && i < n; i++)
		ep[i] = (struct endpoint){ .t = t, .f = &flows[i], .out_fd = -1 };
	if (!ret) {
		if (t_clients_started)
			*t_clients_started = util_now_mono();
		ret = start_clients(t, n, ep, io, res);
	}
	if (!ret)
		ret = collect(io, n, util_now_mono() + timeout, stop);
	reap_all(io, n, ret != 0, res);
	for (i = 0; i < n; i++) {
		if (ret == -ETIMEDOUT)
			set_error(&res[i], "timed out after %.0f s", timeout);
		else if (ret == -EINTR)
			set_error(&res[i], "interrupted");
		else if (ret)
			set_error(&res[i], "%s", strerror(-ret));
		finish_flow(&io[i], &res[i]);
		failed += !res[i].ok;
	}
	if (!ret && failed)
		ret = -EIO;
out:
	for (i = 0; io && i < n; i++)
		free(io[i].buf);
	free(io);
	free(ep);
	return ret;
}

int traffic_serve(const struct traffic_test *t, const struct traffic_flow *flows, size_t n,
		  const volatile sig_atomic_t *stop, pid_t *pids, char **why)
{
	struct endpoint *ep = calloc(n, sizeof(*ep));
	struct node_spawn_opts so;
	size_t i;
	int ret = ep ? 0 : -ENOMEM;

	*why = NULL;
	spawn_opts(t->server_cpus, t->n_server_cpus, &so);
	for (i = 0; i < n; i++)
		pids[i] = 0;
	for (i = 0; !ret && i < n; i++) {
		ep[i] = (struct endpoint){ .t = t, .f = &flows[i], .out_fd = -1 };
		ret = node_fork(t->server_netns, server_child, &ep[i], &so, &pids[i]);
		if (ret && asprintf(why, "cannot start iperf3 server: %s", strerror(-ret)) < 0)
			*why = NULL;
	}
	for (i = 0; !ret && i < n; i++)
		ret = wait_listening(pids[i], &flows[i], stop, why);
	if (ret)
		traffic_serve_end(pids, n, 0);
	free(ep);   /* the children have their copy */
	return ret;
}

void traffic_serve_end(pid_t *pids, size_t n, double timeout)
{
	double end = util_now_mono() + timeout;
	size_t i;
	int st;

	for (i = 0; i < n; i++) {
		double left = end - util_now_mono();

		if (pids[i] > 0 && node_wait(pids[i], left > 0 ? left : 0, &st) == -ETIMEDOUT)
			node_kill(pids[i], 1.0);
		pids[i] = 0;
	}
}

void traffic_flow_result_clear(struct traffic_flow_result *r)
{
	if (!r)
		return;
	free(r->error);
	free(r->json);
	memset(r, 0, sizeof(*r));
}

const char *traffic_iperf_version(void)
{
	return iperf_get_iperf_version();
}
