/* vms_ctl.c — the host end of one guest's control channel (vms_impl.h).
 *
 * QEMU's chardev connects to a unix socket this process listens on before
 * QEMU starts (so there is no race on the socket's existence); the guest's
 * agent reads commands from the virtio-serial port and writes lines and
 * JSON payloads back. Every wait has a deadline, watches QEMU's pid and the
 * stop flag: a guest that hangs or dies is named, never waited for forever.
 */
#include "vms_impl.h"
#include "util.h"
#include "vm_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int vms_ctl_listen(struct vms_guest *g)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int ret;

	if (strlen(g->sock) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, g->sock);
	g->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (g->lfd < 0)
		return -errno;
	if (bind(g->lfd, (struct sockaddr *)&a, sizeof(a)) || listen(g->lfd, 1)) {
		ret = -errno;
		close(g->lfd);
		g->lfd = -1;
		return ret;
	}
	return 0;
}

int vms_ctl_accept(struct vms_guest *g)
{
	if (g->fd >= 0)
		return 0;
	g->fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	return g->fd >= 0 ? 0 : errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

void vms_ctl_close(struct vms_guest *g)
{
	if (g->fd >= 0)
		close(g->fd);
	if (g->lfd >= 0)
		close(g->lfd);
	g->fd = g->lfd = -1;
	g->len = 0;
}

static int write_all(struct vms_guest *g, const char *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		struct pollfd pf = { .fd = g->fd, .events = POLLOUT };
		ssize_t w = send(g->fd, p + off, n - off, MSG_NOSIGNAL);   /* a dead guest: EPIPE, not SIGPIPE */

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			int r = -errno;

			wgb_err("guest %s: control channel: %s", topo_node_name(g->node), strerror(-r));
			return r;
		}
		poll(&pf, 1, 100);
	}
	return 0;
}

int vms_ctl_send(struct vms_guest *g, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	size_t n;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	n = strcspn(line, "\n");
	line[n] = '\n';   /* room: vasprintf's NUL is at or after n */
	wgb_debug("vms: -> %s: %.*s", topo_node_name(g->node), (int)n, line);
	r = write_all(g, line, n + 1);
	free(line);
	return r;
}

int vms_ctl_send_data(struct vms_guest *g, const char *data, size_t len)
{
	return write_all(g, data, len);
}

static int alive(struct vms_guest *g)
{
	int st;

	if (g->pid <= 0) {
		wgb_err("guest %s is gone (killed or ended earlier)", topo_node_name(g->node));
		return -EPIPE;
	}
	if (waitpid(g->pid, &st, WNOHANG) == g->pid) {
		g->pid = 0;
		wgb_err("guest %s: QEMU ended (%s %d); see %s and %s", topo_node_name(g->node),
			WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			g->console, g->qlog);
		return -EPIPE;
	}
	return 0;
}

/* Waits until g->in holds at least need bytes (need 0: a whole line). */
static int fill(struct vms *v, struct vms_guest *g, double deadline, size_t need)
{
	for (;;) {
		struct pollfd p = { .fd = g->fd, .events = POLLIN };
		ssize_t r;
		int ret;

		if (need ? g->len >= need : memchr(g->in, '\n', g->len) != NULL)
			return 0;
		if (v->stop && *v->stop)
			return -EINTR;
		if ((ret = alive(g)))
			return ret;
		if (util_now_mono() > deadline)
			return -ETIMEDOUT;
		if (g->len >= sizeof(g->in) - 1) {
			wgb_err("guest %s: control line too long", topo_node_name(g->node));
			return -EPROTO;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(g->fd, g->in + g->len, sizeof(g->in) - 1 - g->len);
		if (r == 0) {
			wgb_err("guest %s: control channel closed; see %s", topo_node_name(g->node), g->console);
			return -EPIPE;
		}
		if (r > 0)
			g->len += (size_t)r;
	}
}

static void drop(struct vms_guest *g, size_t n)
{
	memmove(g->in, g->in + n, g->len - n);
	g->len -= n;
}

/* The line is copied out, so drop() may move the buffer. */
int vms_ctl_line(struct vms *v, struct vms_guest *g, double timeout, char *out, size_t len)
{
	char *nl;
	int ret = fill(v, g, util_now_mono() + timeout, 0);

	if (ret)
		return ret;
	nl = memchr(g->in, '\n', g->len);
	snprintf(out, len, "%.*s", (int)(nl - g->in), g->in);
	drop(g, (size_t)(nl - g->in) + 1);
	wgb_debug("vms: <- %s: %s", topo_node_name(g->node), out);
	return 0;
}

int vms_ctl_reply(struct vms *v, struct vms_guest *g, double timeout, char *words, size_t wlen,
		  char **payload)
{
	double deadline = util_now_mono() + timeout;
	char line[1024], *end;
	size_t n;
	int ret;

	for (;;) {
		ret = vms_ctl_line(v, g, deadline - util_now_mono(), line, sizeof(line));
		if (ret == -ETIMEDOUT) {
			/* its late answer would be taken for the next one's: it goes */
			wgb_err("guest %s did not answer within %.0f s (hung?): killed; see %s",
				topo_node_name(g->node), timeout, g->console);
			vm_qemu_kill(g->pid);
			g->pid = 0;
		}
		if (ret)
			return ret;
		if (!strncmp(line, "err ", 4)) {
			wgb_err("guest %s: %s", topo_node_name(g->node), line + 4);
			return -EIO;
		}
		if (!strncmp(line, "ok ", 3))
			break;
		/* boot/ready lines or a stray one: not a reply */
	}
	n = strtoul(line + 3, &end, 10);
	if (words)
		snprintf(words, wlen, "%s", *end == ' ' ? end + 1 : "");
	if (n > (1u << 26)) {
		wgb_err("guest %s: payload of %zu bytes refused", topo_node_name(g->node), n);
		return -EPROTO;
	}
	{
		char *buf = malloc(n + 1);
		size_t got = 0;

		if (!buf)
			return -ENOMEM;
		while (got < n) {
			size_t take;

			ret = fill(v, g, deadline, 1);
			if (ret) {
				free(buf);
				if (ret == -ETIMEDOUT)
					wgb_err("guest %s: reply cut short", topo_node_name(g->node));
				return ret;
			}
			take = g->len < n - got ? g->len : n - got;
			memcpy(buf + got, g->in, take);
			got += take;
			drop(g, take);
		}
		buf[n] = 0;
		if (payload)
			*payload = buf;
		else
			free(buf);
	}
	return 0;
}

int vms_ctl_reply_all(struct vms *v, double timeout)
{
	double deadline = util_now_mono() + timeout;
	int n, ret = 0, r;

	for (n = 0; n < NODE__COUNT && (!ret || ret == -EIO); n++) {
		r = vms_ctl_reply(v, &v->g[n], deadline - util_now_mono(), NULL, 0, NULL);
		if (r && (!ret || r != -EIO))
			ret = r;   /* after "err", the others' replies are still read */
	}
	return ret;
}
