/* latency_sock.c — clocks, sockets and the receive path of the latency
 * probe (see latency_impl.h). */
#include "latency_impl.h"
#include "netns.h"
#include "node.h"
#include "util.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

uint64_t latency_mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ts_ns(&t);
}

double latency_thread_cpu_s(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) < 0)
		return 0;
	return (double)ts_ns(&t) / 1e9;
}

double latency_thread_cpu_of(pthread_t th)
{
	struct timespec t;
	clockid_t c;

	if (pthread_getcpuclockid(th, &c) || clock_gettime(c, &t) < 0)
		return 0;
	return (double)ts_ns(&t) / 1e9;
}

uint64_t latency_clock_id(void)
{
	uint64_t h = 0xcbf29ce484222325u;   /* FNV-1a */
	char *boot = NULL;
	struct stat st;
	int ret;

	ret = util_read_file("/proc/sys/kernel/random/boot_id", &boot, NULL);
	if (ret)
		return 0;
	for (const char *c = boot; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3u;
	free(boot);
	/* No time namespace support: the one namespace there is. */
	if (stat("/proc/self/ns/time", &st) == 0)
		for (int i = 0; i < 8; i++)
			h = (h ^ ((uint64_t)st.st_ino >> (8 * i) & 0xff)) * 0x100000001b3u;
	return h ? h : 1;
}

int latency_resolve(const char *addr, uint16_t port, struct latency_addr *out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	char ps[8];
	int rc;

	if (!addr) {
		wgb_err("latency: no address");
		return -EINVAL;
	}
	snprintf(ps, sizeof(ps), "%u", port);
	rc = getaddrinfo(addr, ps, &hints, &ai);
	if (rc || !ai || ai->ai_addrlen > sizeof(out->ss)) {
		wgb_err("latency: '%s' is not a numeric IPv4 or IPv6 address", addr);
		if (ai)
			freeaddrinfo(ai);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, ai->ai_addr, ai->ai_addrlen);
	out->len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int latency_socket(const char *netns_path, int family, int *fd)
{
	int back = -1, ret, e = 0;

	*fd = -1;
	if (netns_path && (ret = netns_enter(netns_path, &back))) {
		wgb_err("latency: cannot enter %s: %s", netns_path, strerror(-ret));
		return ret;
	}
	*fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (*fd < 0)
		e = errno;
	ret = netns_leave(&back);   /* says so itself when it fails */
	if (ret) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return ret;
	}
	if (e) {
		wgb_err("latency: cannot open a UDP socket: %s", strerror(e));
		return -e;
	}
	return 0;
}

const char *latency_enable_stamps(int fd, bool user_clock)
{
	int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE, on = 1;

	if (user_clock)
		return "none";
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) == 0)
		return "SO_TIMESTAMPING";
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) == 0)
		return "SO_TIMESTAMPNS";
	return "none";
}

int latency_bound_port(int fd, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		int e = errno;

		wgb_err("latency: cannot read the bound port: %s", strerror(e));
		return -e;
	}
	if (ss.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

/* The kernel's software receive stamp (CLOCK_REALTIME), 0 if none. */
static uint64_t kernel_stamp(struct msghdr *m)
{
	struct timespec ts[3];

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_TIMESTAMPING &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct scm_timestamping))) {
			memcpy(ts, CMSG_DATA(c), sizeof(ts));
			return ts_ns(&ts[0]);
		}
		if (c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(ts[0]))) {
			memcpy(ts, CMSG_DATA(c), sizeof(ts[0]));
			return ts_ns(&ts[0]);
		}
	}
	return 0;
}

int latency_recv(int fd, uint8_t *buf, size_t cap, struct latency_rx *rx)
{
	union { char b[CMSG_SPACE(sizeof(struct scm_timestamping))]; struct cmsghdr align; } ctl;
	struct iovec iov = { buf, cap };
	struct msghdr m = { .msg_name = &rx->from, .msg_namelen = sizeof(rx->from),
			    .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct timespec mono1, real, mono2;
	uint64_t k;
	ssize_t n;

	do
		n = recvmsg(fd, &m, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -EAGAIN;   /* also a pending ICMP error, which this read consumed */
	clock_gettime(CLOCK_MONOTONIC, &mono1);
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono2);
	rx->len = (m.msg_flags & MSG_TRUNC) ? cap : (size_t)n;
	rx->fromlen = m.msg_namelen;
	rx->t_user = ts_ns(&mono1);
	k = kernel_stamp(&m);
	rx->kernel = k != 0;
	if (rx->kernel) {
		/* realtime - monotonic, read around one realtime reading: the
		 * mapping's error is half the time between the two monotonic reads. */
		int64_t off = (int64_t)ts_ns(&real) - (int64_t)((ts_ns(&mono1) + ts_ns(&mono2)) / 2);

		rx->t = (uint64_t)((int64_t)k - off);
	} else {
		rx->t = rx->t_user;
	}
	return 0;
}

int latency_pin(pthread_t t, const int *cpus, int n)
{
	cpu_set_t set;
	int ret;

	if (!cpus || n <= 0)
		return 0;
	CPU_ZERO(&set);
	for (int i = 0; i < n; i++) {
		if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) {
			wgb_err("latency: no CPU %d", cpus[i]);
			return -EINVAL;
		}
		CPU_SET(cpus[i], &set);
	}
	if ((ret = pthread_setaffinity_np(t, sizeof(set), &set))) {
		wgb_err("latency: cannot pin the thread to its CPUs: %s", strerror(ret));
		return -ret;
	}
	return 0;
}

void latency_wake(int efd)
{
	uint64_t one = 1;
	ssize_t w = write(efd, &one, sizeof(one));

	(void)w;
}
