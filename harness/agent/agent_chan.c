/* agent_chan.c — the controller's end of an agent channel (agent_chan.h).
 * The read side is one buffer per channel: a line is copied out before the
 * buffer moves, and a payload is taken byte-exact after its "ok N" line. */
#include "agent_chan.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAYLOAD_MAX (1u << 26)

void agent_chan_init(struct agent_chan *c, const char *name, const char *label)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->label, sizeof(c->label), "%s", label);
	c->rfd = c->wfd = c->efd = c->log_fd = -1;
}

bool agent_chan_open(const struct agent_chan *c)
{
	return c && c->rfd >= 0 && c->wfd >= 0;
}

/* A pipe has no MSG_NOSIGNAL: SIGPIPE is blocked around the write and a
 * pending one taken, so no process-wide disposition has to change. */
static ssize_t pipe_write(int fd, const void *p, size_t n)
{
	struct timespec zero = { 0, 0 };
	sigset_t set, old;
	ssize_t w;
	int e;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	w = write(fd, p, n);
	e = errno;
	if (w < 0 && e == EPIPE && !sigismember(&old, SIGPIPE))
		sigtimedwait(&set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return w;
}

/* send() where it is a socket (no SIGPIPE from a dead guest), else write(). */
static ssize_t put(int fd, const char *p, size_t n)
{
	ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

	if (w < 0 && errno == ENOTSOCK)
		w = pipe_write(fd, p, n);
	return w;
}

int agent_chan_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = put(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int write_all(struct agent_chan *c, const char *p, size_t n)
{
	size_t off = 0;

	if (c->wfd < 0) {
		wgb_err("%s: no channel (it ended earlier)", c->label);
		return -EPIPE;
	}
	while (off < n) {
		struct pollfd pf = { .fd = c->wfd, .events = POLLOUT };
		ssize_t w = put(c->wfd, p + off, n - off);

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			int r = -errno;

			wgb_err("%s: cannot send: the far side has gone (%s)%s", c->label, strerror(-r), c->hint);
			/* said once: later sends say it ended earlier (one socket
			 * both ways, a guest's, stays for its owner to close) */
			if (c->wfd != c->rfd)
				close(c->wfd);
			c->wfd = -1;
			return -EPIPE;
		}
		poll(&pf, 1, 100);
	}
	return 0;
}

static int send_v(struct agent_chan *c, const char *fmt, va_list ap)
{
	char *line = NULL;
	size_t n;
	int r;

	if (vasprintf(&line, fmt, ap) < 0)
		return -ENOMEM;
	n = strcspn(line, "\n");
	line[n] = '\n';   /* room: vasprintf's NUL is at or after n */
	/* keys travel in "setup" lines: only the command word is traced */
	wgb_debug("agent: -> %s: %.*s", c->name, (int)strcspn(line, " \n"), line);
	r = write_all(c, line, n + 1);
	free(line);
	return r;
}

int agent_chan_send(struct agent_chan *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = send_v(c, fmt, ap);
	va_end(ap);
	return r;
}

int agent_chan_call(struct agent_chan *c, double timeout, char *words, size_t wlen, char **payload,
		    const char *fmt, ...)
{
	va_list ap;
	int r;

	if (payload)
		*payload = NULL;
	va_start(ap, fmt);
	r = send_v(c, fmt, ap);
	va_end(ap);
	return r ? r : agent_chan_reply(c, timeout, words, wlen, payload);
}

int agent_chan_send_data(struct agent_chan *c, const char *data, size_t len)
{
	return write_all(c, data, len);
}

int agent_chan_send_payload(struct agent_chan *c, const char *cmd, const char *text)
{
	int r = agent_chan_send(c, "%s %zu", cmd, strlen(text));

	return r ? r : agent_chan_send_data(c, text, strlen(text));
}

/* Whole lines of the far side's stderr: shown, the last one kept. */
static void take_err(struct agent_chan *c)
{
	char *nl;
	ssize_t r = read(c->efd, c->err + c->elen, sizeof(c->err) - 1 - c->elen);

	if (r <= 0) {
		if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(c->efd);
			c->efd = -1;
		}
		return;
	}
	c->elen += (size_t)r;
	while ((nl = memchr(c->err, '\n', c->elen)) || c->elen == sizeof(c->err) - 1) {
		size_t n = nl ? (size_t)(nl - c->err) : c->elen;

		if (n) {
			size_t keep = n < sizeof(c->last_err) - 1 ? n : sizeof(c->last_err) - 1;

			memcpy(c->last_err, c->err, keep);
			c->last_err[keep] = 0;
			if (c->log_fd >= 0 && (write(c->log_fd, c->err, n) < 0 || write(c->log_fd, "\n", 1) < 0))
				c->log_fd = -1;
			if (c->echo_err)
				fprintf(stderr, "[%s] %s\n", c->name, c->last_err);
		}
		if (nl)
			n++;
		memmove(c->err, c->err + n, c->elen - n);
		c->elen -= n;
	}
}

void agent_chan_drain_err(struct agent_chan *c, double timeout)
{
	double deadline = util_now_mono() + timeout;

	while (c->efd >= 0 && util_now_mono() < deadline) {
		struct pollfd p = { .fd = c->efd, .events = POLLIN };

		if (poll(&p, 1, 50) > 0)
			take_err(c);
	}
}

/* Waits until c->in holds at least need bytes (need 0: a whole line). */
static int fill(struct agent_chan *c, double deadline, size_t need)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = c->rfd, .events = POLLIN }, { .fd = c->efd, .events = POLLIN } };
		ssize_t r;
		int ret;

		if (need ? c->len >= need : memchr(c->in, '\n', c->len) != NULL)
			return 0;
		if (c->rfd < 0) {
			wgb_err("%s: no channel (it ended earlier)", c->label);
			return -EPIPE;
		}
		if (c->stop && *c->stop)
			return -EINTR;
		if (c->alive && (ret = c->alive(c)))
			return ret;
		if (util_now_mono() > deadline)
			return -ETIMEDOUT;
		if (c->len >= sizeof(c->in) - 1) {
			wgb_err("%s: control line too long", c->label);
			return -EPROTO;
		}
		if (poll(p, c->efd >= 0 ? 2 : 1, 100) <= 0)
			continue;
		if (c->efd >= 0 && (p[1].revents & (POLLIN | POLLHUP)))
			take_err(c);
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read(c->rfd, c->in + c->len, sizeof(c->in) - 1 - c->len);
		if (r == 0) {
			/* what the far side said last names the cause */
			while (c->efd >= 0)
				take_err(c);
			if (!c->quiet)
				wgb_err("%s: channel closed%s%s%s", c->label, c->last_err[0] ? ": " : "",
					c->last_err, c->hint);
			return -EPIPE;
		}
		if (r > 0)
			c->len += (size_t)r;
	}
}

static void drop(struct agent_chan *c, size_t n)
{
	memmove(c->in, c->in + n, c->len - n);
	c->len -= n;
}

int agent_chan_line(struct agent_chan *c, double timeout, char *out, size_t len)
{
	char *nl;
	int ret = fill(c, util_now_mono() + timeout, 0);

	if (ret)
		return ret;
	nl = memchr(c->in, '\n', c->len);
	snprintf(out, len, "%.*s", (int)(nl - c->in), c->in);
	drop(c, (size_t)(nl - c->in) + 1);
	wgb_debug("agent: <- %s: %.120s", c->name, out);
	return 0;
}

static int take_payload(struct agent_chan *c, double deadline, size_t n, char **payload)
{
	char *buf = malloc(n + 1);
	size_t got = 0;
	int ret;

	if (!buf)
		return -ENOMEM;
	while (got < n) {
		size_t take;

		ret = fill(c, deadline, 1);
		if (ret) {
			free(buf);
			if (ret == -ETIMEDOUT)
				wgb_err("%s: reply cut short", c->label);
			return ret;
		}
		take = c->len < n - got ? c->len : n - got;
		memcpy(buf + got, c->in, take);
		got += take;
		drop(c, take);
	}
	buf[n] = 0;
	if (payload)
		*payload = buf;
	else
		free(buf);
	return 0;
}

int agent_chan_reply(struct agent_chan *c, double timeout, char *words, size_t wlen, char **payload)
{
	double deadline = util_now_mono() + timeout;
	char line[1024], *end;
	size_t n;
	int ret;

	if (payload)
		*payload = NULL;
	for (;;) {
		ret = agent_chan_line(c, deadline - util_now_mono(), line, sizeof(line));
		if (ret == -ETIMEDOUT && !c->quiet)
			wgb_err("%s did not answer within %.0f s (hung?)%s%s%s", c->label, timeout,
				c->hung ? ": " : "", c->hung ? c->hung(c) : "", c->hint);
		if (ret)
			return ret;
		if (!strncmp(line, "err ", 4)) {
			snprintf(c->last_reply_err, sizeof(c->last_reply_err), "%s", line + 4);
			if (!c->quiet)
				wgb_err("%s: %s", c->label, line + 4);
			return -EIO;
		}
		if (!strncmp(line, "ok ", 3))
			break;
		/* boot/ready/hello lines or a stray one: not a reply */
	}
	n = strtoul(line + 3, &end, 10);
	if (words)
		snprintf(words, wlen, "%s", *end == ' ' ? end + 1 : "");
	if (n > PAYLOAD_MAX) {
		wgb_err("%s: payload of %zu bytes refused", c->label, n);
		return -EPROTO;
	}
	return take_payload(c, deadline, n, payload);
}

bool agent_chan_read_on(int ret)
{
	return !ret || ret == -EIO || ret == -EPROTO || ret == -EPIPE;
}

int agent_chan_reply_all(struct agent_chan *const *c, size_t n, double timeout)
{
	double deadline = util_now_mono() + timeout;
	size_t i;
	int ret = 0, r;

	for (i = 0; i < n && agent_chan_read_on(ret); i++) {
		if (!c[i])
			continue;
		r = agent_chan_reply(c[i], deadline - util_now_mono(), NULL, 0, NULL);
		if (r && (!ret || ret == -EIO))
			ret = r;   /* "err" gives way to a worse cause */
	}
	return ret;
}

int agent_chan_clock(struct agent_chan *c, unsigned int k, double timeout, struct agent_clock *out)
{
	double best_rtt = -1, best_off = 0, best_at = 0;
	char words[64];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < (k ? k : 1) && !ret; i++) {
		double t0 = util_now_mono(), t1, them;

		ret = agent_chan_send(c, "now");
		if (!ret)
			ret = agent_chan_reply(c, timeout, words, sizeof(words), NULL);
		t1 = util_now_mono();
		if (ret)
			break;
		them = strtod(words, NULL);
		if (!(them > 0)) {
			wgb_err("%s: no clock in its answer to now", c->label);
			return -EPROTO;
		}
		if (best_rtt < 0 || t1 - t0 < best_rtt) {
			best_rtt = t1 - t0;
			best_off = them - (t0 + t1) / 2;
			best_at = (t0 + t1) / 2;
		}
	}
	if (ret)
		return ret;
	if (!out->syncs) {
		out->first_offset = best_off;
		out->first_at = best_at;
	}
	out->offset = best_off;
	out->rtt = best_rtt;
	out->at = best_at;
	out->syncs++;
	return 0;
}

double agent_clock_drift_ppm(const struct agent_clock *k)
{
	double dt = k->at - k->first_at;

	/* the offsets' error (rtt/2, ~ms) swamps a drift over a short time */
	return k->syncs > 1 && dt >= 60 ? (k->offset - k->first_offset) / dt * 1e6 : 0;
}
