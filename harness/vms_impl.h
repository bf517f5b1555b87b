/* vms_impl.h — internals of --backend vms (one QEMU guest per node).
 *
 * vms.c      vms_run(): check the input, boot the four guests, hand the run
 *            to run_execute_on() with vms_backend, amend run.json, clean up
 * vms_ctl.c  the control channel to one guest: a unix socket QEMU connects
 *            to (its virtio-serial port wgbench.control), lines and replies
 * vms_bed.c  the run_backend: testbed up, traffic, sampler, over the channel
 * vms_net.c  the links: taps and bridges in a namespace of their own
 * agent_node.c  the guest side (and the protocol's description)
 */
#ifndef WGB_VMS_IMPL_H
#define WGB_VMS_IMPL_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "run.h"
#include "topo.h"

struct vms_guest {
	enum topo_node_id node;
	pid_t pid;
	int lfd, fd;                  /* listening socket, QEMU's connection */
	char sock[PATH_MAX], console[PATH_MAX], qlog[PATH_MAX];
	char in[1 << 16];
	size_t len;
	bool booted, ready;
	double boot_s, ready_s, uptime_ready;
	unsigned int first_cpu;       /* host CPU its vCPU 0 is pinned to */
	double clock[2][2];           /* [first/last]["now" here, guest's answer] */
	int pinned;
};

struct vms {
	struct vms_guest g[NODE__COUNT];
	const volatile sig_atomic_t *stop;
	const char *prefix;
	bool wg;                      /* kernel WireGuard between the gateways */
	unsigned int tunnels;         /* set up in the guests; 0 none yet */
	char timeline[PATH_MAX];      /* of the running sampler */
	int netns_fd;                 /* the links' namespace (vms_net.c), -1 if none */
	char netns_path[64];
	double t_start;
};

/* Socket at g->sock, listening (before QEMU starts). */
int vms_ctl_listen(struct vms_guest *g);
/* Accept QEMU's connection if it is there (0), else -EAGAIN. */
int vms_ctl_accept(struct vms_guest *g);
void vms_ctl_close(struct vms_guest *g);
/* Sends one command line (no newline in it). */
int vms_ctl_send(struct vms_guest *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Raw bytes after a command line that announced them. */
int vms_ctl_send_data(struct vms_guest *g, const char *data, size_t len);
/* Next line from the guest within timeout seconds, copied into line.
 * -ETIMEDOUT, -EINTR (*v->stop), -EPIPE
 * (the guest or QEMU ended), after saying which guest and why. */
int vms_ctl_line(struct vms *v, struct vms_guest *g, double timeout, char *line, size_t len);
/* The reply to the last command: words after "ok" into words (may be NULL),
 * the payload (malloc'd, NUL-terminated) into *payload if given. "err MSG"
 * is printed and gives -EIO. */
int vms_ctl_reply(struct vms *v, struct vms_guest *g, double timeout, char *words, size_t wlen,
		  char **payload);
/* The command was sent to every guest: waits for each one's reply. */
int vms_ctl_reply_all(struct vms *v, double timeout);

/* Asks every guest for its clock (slot 0: first, 1: last); the rate of a
 * guest's clock against this one's is (g1 - g0) / (h1 - h0). */
int vms_clock(struct vms *v, int slot);

/* The links (vms_net.c): a namespace with a bridge per link; the taps of
 * QEMUs started in it (v->netns_path) join their bridge in attach. */
int vms_net_create(struct vms *v);
void vms_net_tap(enum topo_node_id n, enum topo_link_role r, char *buf, size_t len, int *link);
int vms_net_attach(struct vms *v, double timeout);
void vms_net_free(struct vms *v);

extern const struct run_backend vms_backend;

#endif
