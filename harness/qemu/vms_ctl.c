/* vms_ctl.c — the host end of one guest's control channel (vms_impl.h).
 *
 * QEMU's chardev connects to a unix socket this process listens on before
 * QEMU starts (so there is no race on the socket's existence); the guest's
 * agent reads commands from the virtio-serial port and writes lines and
 * JSON payloads back. Once connected the socket is an agent channel
 * (agent_chan.h) whose transport checks are QEMU's: the process still
 * running, and killed when its guest stops answering.
 */
#include "vms_impl.h"
#include "util.h"
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int alive(struct agent_chan *c)
{
	struct vms_guest *g = c->owner;
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

/* Its late answer would be taken for the next one's: it goes. */
static const char *hung(struct agent_chan *c)
{
	struct vms_guest *g = c->owner;

	vm_qemu_kill(g->pid);
	g->pid = 0;
	return "killed";
}

void vms_ctl_init(struct vms_guest *g, enum topo_node_id n, const volatile sig_atomic_t *stop)
{
	char label[32];

	snprintf(label, sizeof(label), "guest %s", topo_node_name(n));
	g->node = n;
	g->lfd = -1;
	agent_chan_init(&g->ch, topo_node_name(n), label);
	g->ch.stop = stop;
	g->ch.alive = alive;
	g->ch.hung = hung;
	g->ch.owner = g;
}

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
	int fd;

	if (g->ch.rfd >= 0)
		return 0;
	fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	g->ch.rfd = g->ch.wfd = fd;
	g->ch.len = 0;
	snprintf(g->ch.hint, sizeof(g->ch.hint), "; see %s", g->console);
	return 0;
}

void vms_ctl_close(struct vms_guest *g)
{
	if (g->ch.rfd >= 0)
		close(g->ch.rfd);
	if (g->lfd >= 0)
		close(g->lfd);
	g->ch.rfd = g->ch.wfd = g->lfd = -1;
	g->ch.len = 0;
}
