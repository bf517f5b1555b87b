/* live_iperf.c — is an iperf3 server there? One control connection as
 * iperf3's client opens it (iperf_api.c): a 37-byte cookie (36 characters
 * of iperf's alphabet and a NUL), then the server's first state byte —
 * PARAM_EXCHANGE (9) from an idle server, ACCESS_DENIED (-1) from one that
 * runs another test. The connection is closed at once; the server logs
 * "unable to receive parameters from client" and waits for the next. */
#include "live.h"
#include "traffic.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define IPERF_COOKIE_SIZE 37
#define IPERF_PARAM_EXCHANGE 9
#define IPERF_ACCESS_DENIED ((unsigned char)-1)

static void make_cookie(char cookie[IPERF_COOKIE_SIZE])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[IPERF_COOKIE_SIZE - 1];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 7, sizeof(rnd));   /* any cookie will do for a probe */
	for (i = 0; i < sizeof(rnd); i++)
		cookie[i] = alphabet[rnd[i] % 32];
	cookie[IPERF_COOKIE_SIZE - 1] = 0;
}

/* poll one event until the deadline; 0, -ETIMEDOUT, or -errno */
static int wait_for(int fd, short ev, double deadline)
{
	for (;;) {
		double left = deadline - util_now_mono();
		struct pollfd p = { .fd = fd, .events = ev };
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			return -EINTR;
		if (r < 0)
			return -errno;
		if (r > 0)
			return 0;
	}
}

static int connect_to(int fd, const struct route_addr *addr, unsigned int port, double deadline)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = addr->u.v4, .sin_port = htons((uint16_t)port) };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_addr = addr->u.v6,
				    .sin6_port = htons((uint16_t)port) };
	bool v6 = addr->af == AF_INET6;
	socklen_t l = sizeof(int);
	int err = 0, r;

	if ((v6 ? connect(fd, (struct sockaddr *)&sa6, sizeof(sa6)) : connect(fd, (struct sockaddr *)&sa, sizeof(sa))) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	if ((r = wait_for(fd, POLLOUT, deadline)))
		return r;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
		return -errno;
	return -err;
}

int live_iperf_probe(const struct route_addr *addr, unsigned int port, double timeout, char *why, size_t len)
{
	double deadline = util_now_mono() + timeout;
	char cookie[IPERF_COOKIE_SIZE];
	unsigned char state;
	ssize_t n;
	int fd, r;

	snprintf(why, len, "%s", "");
	fd = socket(addr->af == AF_INET6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect_to(fd, addr, port, deadline);
	if (r) {
		snprintf(why, len, "%s", r == -ETIMEDOUT ? "no answer to a connection in time" : strerror(-r));
		goto out;
	}
	make_cookie(cookie);
	if (send(fd, cookie, sizeof(cookie), MSG_NOSIGNAL) != (ssize_t)sizeof(cookie)) {
		r = -errno;
		snprintf(why, len, "the connection broke: %s", strerror(errno));
		goto out;
	}
	if ((r = wait_for(fd, POLLIN, deadline))) {
		snprintf(why, len, "%s", "the connection opened but nothing answered like iperf3 in time");
		r = r == -ETIMEDOUT ? -EPROTO : r;
		goto out;
	}
	n = recv(fd, &state, 1, 0);
	if (n == 1 && state == IPERF_PARAM_EXCHANGE) {
		r = 0;
	} else if (n == 1 && state == IPERF_ACCESS_DENIED) {
		r = -EBUSY;
		snprintf(why, len, "%s", "the iperf3 server there is busy with another test");
	} else {
		r = -EPROTO;
		snprintf(why, len, "%s", n == 1 ? "something answers, but not like an iperf3 server" :
			 "the connection was closed without an iperf3 answer");
	}
out:
	close(fd);
	return r;
}

/* ---- a plain server's UDP report ----
 * The client asks for the server's output; a plain `iperf3 -s` (no -J)
 * sends it as text, so the receiver's own loss and jitter are in its last
 * "receiver" line (the [SUM] one with -P):
 *   [SUM]   0.00-2.00   sec  46.4 MBytes   195 Mbits/sec  0.015 ms  1106/41680 (2.7%)  receiver
 * The client's counts are not used for loss: 3.12 gets them wrong with
 * --omit (traffic_json.c). */
static int receiver_line(const char *line, struct traffic_metrics *m)
{
	double t0, t1, jitter;
	long long lost, total;
	const char *p = strchr(line, ']');

	if (!p || sscanf(p + 1, " %lf-%lf sec", &t0, &t1) != 2)
		return -EPROTO;
	p = strstr(p, " ms ");
	while (p && p > line && p[-1] != ' ')
		p--;
	if (!p || sscanf(p, " %lf ms %lld/%lld", &jitter, &lost, &total) != 3 || lost < 0 ||
	    total < lost || !(t1 > t0))
		return -EPROTO;
	m->jitter_ms = jitter;
	m->lost_packets = lost;
	m->packets = total;
	m->seconds = t1 - t0;
	m->packets_per_s = (double)(total - lost) / m->seconds;
	return 0;
}

static bool bps(struct json_object *top, const char *sum, double *out)
{
	struct json_object *e, *s, *v;

	if (!json_object_object_get_ex(top, "end", &e) || !json_object_object_get_ex(e, sum, &s) ||
	    !json_object_object_get_ex(s, "bits_per_second", &v))
		return false;
	*out = json_object_get_double(v);
	return true;
}

int live_udp_from_text(const char *json, struct traffic_metrics *m)
{
	struct json_object *top = json ? json_tokener_parse(json) : NULL, *t;
	const char *text, *line, *best = NULL, *sum = NULL;
	int ret = -EPROTO;

	if (!top || !json_object_object_get_ex(top, "server_output_text", &t) ||
	    !(text = json_object_get_string(t)))
		goto out;
	for (line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		while (n && (line[n - 1] == ' ' || line[n - 1] == '\r'))
			n--;
		if (n < 8 || strncmp(line + n - 8, "receiver", 8))
			continue;
		best = line;
		if (!strncmp(line, "[SUM]", 5))
			sum = line;
	}
	memset(m, 0, sizeof(*m));
	m->retransmits = -1;
	if ((sum || best) && bps(top, "sum_received", &m->receiver_bps) && bps(top, "sum_sent", &m->sender_bps))
		ret = receiver_line(sum ? sum : best, m);
out:
	json_object_put(top);
	return ret;
}
