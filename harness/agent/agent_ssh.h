/* agent_ssh.h — the node agent over OpenSSH: one ssh process per machine
 * for a whole run, agent_node.h's protocol on its stdin/stdout (an
 * agent_chan), its stderr shown prefixed with the machine's name.
 *
 *   ssh [-F FILE] -o BatchMode=yes -o ServerAliveInterval=5 ... -T [-p PORT]
 *       -- DEST /var/lib/wgbench/agent-<sha256> agent --stdio
 *
 * Only argv: DEST is one argument after "--", and the remote command is
 * made of our own words (a fixed directory and this binary's hex digest),
 * never of anything a user supplied. The system's ssh, so the user's keys,
 * agent and ~/.ssh/config apply (or FILE's, with ssh_config).
 *
 * A machine without this binary (none at that path: a missing or a
 * different one) gets it in one more ssh, `ssh DEST install -D -m 0700
 * /dev/stdin DIR/agent-<sha>.part-<random>` with the binary on stdin; the
 * agent session then starts that copy with `--install <sha>`: it computes
 * its own sha256 there and renames itself into place, or removes itself
 * and ends (a copy that cannot even load is removed with `rm -f`).
 *
 * Faults say the machine and what failed, in one line: unreachable or
 * refused (-EHOSTUNREACH), authentication (-EACCES), no iperf3 support (the
 * binary cannot load libiperf: -ENOENT), an agent that never said hello
 * (-ETIMEDOUT), a different protocol (-EPROTO).
 */
#ifndef WGB_AGENT_SSH_H
#define WGB_AGENT_SSH_H

#include <signal.h>
#include <stddef.h>

#include "agent_chan.h"

#define AGENT_SSH_DIR "/var/lib/wgbench"

struct agent_ssh_cfg {
	const char *dest;             /* [user@]host[:port], [user@][v6]:port */
	const char *ssh_config;       /* -F FILE; NULL: the user's own */
	const char *name;             /* names it in messages ("gw1") */
	double timeout;               /* seconds for the connection and the hello */
	const volatile sig_atomic_t *stop;
	const char *log_path;         /* ssh's and the agent's stderr appended; NULL: not kept */
};

struct agent_ssh;

/* Pure: is dest a destination we pass to ssh (-EINVAL and why if not);
 * host and port (0: ssh's default) split out. */
int agent_ssh_dest(const char *dest, char *host, size_t hlen, unsigned int *port, char *why,
		   size_t wlen);

/* One machine: connected, the binary installed if needed, the agent's
 * hello read. */
int agent_ssh_open(const struct agent_ssh_cfg *cfg, struct agent_ssh **out);
/* Several at once (connections and copies in parallel). On failure
 * every one opened is closed again and out[] is all NULL. */
int agent_ssh_open_all(const struct agent_ssh_cfg *cfg, size_t n, struct agent_ssh **out);
/* The channel; the agent's pid and version from its hello. */
struct agent_chan *agent_ssh_chan(struct agent_ssh *s);
int agent_ssh_agent_pid(const struct agent_ssh *s);
const char *agent_ssh_version(const struct agent_ssh *s);
/* "quit", the channel closed (the agent tears down what it still holds),
 * ssh waited for up to grace seconds, then killed. NULL-safe. */
void agent_ssh_close(struct agent_ssh *s, double grace);

/* This binary's sha256 (hex) and the remote path it runs as. */
int agent_ssh_self(char sha[65], char *path, size_t len);
/* The agent side of the install: this binary, run as
 * AGENT_SSH_DIR/agent-<sha>.part-*, checks its sha256 and renames itself to
 * AGENT_SSH_DIR/agent-<sha>; a mismatch removes it (-EBADMSG). */
int agent_ssh_install_self(const char *sha);

#endif
