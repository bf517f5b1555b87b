/* agent_chan.h — the controller's end of one agent's channel: the node
 * protocol of agent_node.h, lines out and "ok N words" + N bytes or
 * "err MESSAGE" back, over a pair of file descriptors. The transport is the
 * caller's: a QEMU guest's virtio-serial port behind a unix socket
 * (harness/qemu/vms_ctl.c) or an ssh process's pipes (agent_ssh.h).
 *
 * Every wait has a deadline, polls the stop flag and asks the transport
 * whether the far side is still there (alive), so a node that hangs or dies
 * is named, never waited for forever. A reply that does not come in time
 * calls hung(): its late answer would be taken for the next command's, so
 * the transport ends that node. The far side's stderr (efd, ssh's) is read
 * while waiting: each line is shown prefixed with the node, the last kept
 * for error messages.
 *
 * Errors: -ETIMEDOUT, -EINTR (*stop), -EPIPE (the far side ended), -EPROTO
 * (a malformed reply), -EIO ("err" from the node; printed here), each said
 * once with the channel's label.
 */
#ifndef WGB_AGENT_CHAN_H
#define WGB_AGENT_CHAN_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct agent_chan {
	char name[16];                /* the node ("gw1") */
	char label[160];              /* how messages name it: "guest gw1", "host gw1 (root@a)" */
	char hint[PATH_MAX + 16];     /* appended when the channel closes ("; see ...") */
	int rfd, wfd, efd;            /* efd: the far side's stderr, -1 if none */
	char in[1 << 16];
	size_t len;
	char err[2048];               /* stderr bytes not yet a whole line */
	size_t elen;
	char last_err[256];           /* the last line on efd */
	bool echo_err;                /* show the far side's stderr lines */
	int log_fd;                   /* and append them here, -1: not kept */
	bool quiet;                   /* the caller words closed channels and "err" itself */
	char last_reply_err[1024];    /* the message of the last "err" */
	const volatile sig_atomic_t *stop;
	/* 0 while the far side runs, else -EPIPE after saying how it ended. */
	int (*alive)(struct agent_chan *c);
	/* A reply did not come within its timeout: end the far side; says
	 * what was done ("killed"). */
	const char *(*hung)(struct agent_chan *c);
	void *owner;                  /* the transport's */
};

/* write() that reports a closed pipe as -EPIPE instead of dying of
 * SIGPIPE (blocked for the call, a pending one consumed): 0 or -errno. */
int agent_chan_write(int fd, const void *buf, size_t len);

/* A closed channel (fds -1) named name, labelled label. */
void agent_chan_init(struct agent_chan *c, const char *name, const char *label);
bool agent_chan_open(const struct agent_chan *c);

/* One command line (no newline in it); raw bytes after a line that
 * announced them. */
int agent_chan_send(struct agent_chan *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int agent_chan_send_data(struct agent_chan *c, const char *data, size_t len);
/* "CMD N" and the N bytes of text after it. */
int agent_chan_send_payload(struct agent_chan *c, const char *cmd, const char *text);
/* The next line within timeout seconds, copied into line; -ETIMEDOUT is
 * silent here (a caller polling for a line). */
int agent_chan_line(struct agent_chan *c, double timeout, char *line, size_t len);
/* The reply to the last command: the words after "ok N" into words (may be
 * NULL), the N bytes (malloc'd, NUL-terminated) into *payload if given.
 * Lines before it that are no reply (a guest's boot lines) are skipped. */
int agent_chan_reply(struct agent_chan *c, double timeout, char *words, size_t wlen, char **payload);
/* agent_chan_send() then agent_chan_reply(): one command's round trip. */
int agent_chan_call(struct agent_chan *c, double timeout, char *words, size_t wlen, char **payload,
		    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The far side's stderr read until it closes (or timeout seconds). */
void agent_chan_drain_err(struct agent_chan *c, double timeout);
/* After a node's error, are the other nodes' replies still to be read?
 * Yes after "err", a malformed reply or a dead node (their channels are
 * fine and would else hold a stale reply); no after a timeout or a stop. */
bool agent_chan_read_on(int ret);
/* The same command was sent on each channel of c[] (NULL entries skipped):
 * every reply is read while agent_chan_read_on(); the first error wins. */
int agent_chan_reply_all(struct agent_chan *const *c, size_t n, double timeout);

/* The node's monotonic clock against this one, as NTP does: k "now"
 * round trips, the one with the shortest round trip kept. offset = its
 * clock - ours (its time t is ours t - offset), within +-rtt/2. */
struct agent_clock {
	double offset;
	double rtt;
	double at;                    /* our time of the estimate; 0: none yet */
	unsigned int syncs;           /* estimates made */
	double first_offset, first_at;
};
int agent_chan_clock(struct agent_chan *c, unsigned int k, double timeout, struct agent_clock *out);
/* Their clock's drift against ours between the first and the last
 * estimate, in parts per million (0 with fewer than two, or under a
 * minute apart: then the offsets' own error is larger). */
double agent_clock_drift_ppm(const struct agent_clock *k);

#endif
