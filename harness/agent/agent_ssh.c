/* agent_ssh.c — the node agent over OpenSSH (agent_ssh.h). One ssh per
 * machine, forked through node.h's gate (PR_SET_PDEATHSIG: it dies with
 * this process, so a killed controller closes every session and each agent
 * tears its part down). Its stdin/stdout are the channel, its stderr is
 * read while the channel waits. */
#include "agent_ssh.h"
#include "agent_ssh_impl.h"
#include "agent_node.h"
#include "node.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SSH_ARGS_MAX 40
#define NODE_MAX 16   /* machines opened at once */

struct agent_ssh {
	struct agent_chan ch;
	struct agent_ssh_cfg cfg;
	char host[256];
	unsigned int port;
	char ssh[PATH_MAX];
	pid_t pid;
	int status;                   /* of ssh once it ended, -1 before */
	int agent_pid;
	char version[64];
	struct {                      /* a remote command besides the session */
		pid_t pid;
		int out;
		double deadline;
	} job;
};

/* ---- ssh processes ---- */

struct child {
	const char *path;
	char *const *argv;
	int in, out, err;
};

static int child_exec(void *arg)
{
	const struct child *c = arg;

	if (dup2(c->in, 0) < 0 || dup2(c->out, 1) < 0 || dup2(c->err, 2) < 0)
		return 126;
	execv(c->path, c->argv);
	return 127;
}

/* argv: ssh's options, "--", the destination, the remote words. */
static size_t ssh_argv(const struct agent_ssh *s, const char *const *remote, const char **av,
		       char *port, char *timeout)
{
	size_t n = 0, i;

	av[n++] = "ssh";
	if (s->cfg.ssh_config) {
		av[n++] = "-F";
		av[n++] = s->cfg.ssh_config;
	}
	snprintf(timeout, 32, "ConnectTimeout=%d", (int)(s->cfg.timeout > 1 ? s->cfg.timeout : 1));
	/* no prompt ever; a dead machine is noticed within 15 s */
	static const char *const fixed[] = { "-o", "BatchMode=yes", "-o", "ServerAliveInterval=5",
					     "-o", "ServerAliveCountMax=3", "-T", "-x", "-a" };
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		av[n++] = fixed[i];
	av[n++] = "-o";
	av[n++] = timeout;
	if (s->port) {
		snprintf(port, 12, "%u", s->port);
		av[n++] = "-p";
		av[n++] = port;
	}
	av[n++] = "--";
	av[n++] = s->host;
	for (i = 0; remote[i] && n < SSH_ARGS_MAX - 1; i++)
		av[n++] = remote[i];
	av[n] = NULL;
	return n;
}

/* fds[0]: its stdin (ours to write; -1 when in_fd is given), [1] stdout, [2] stderr. */
static int spawn(struct agent_ssh *s, const char *const *remote, int in_fd, pid_t *pid, int fds[3])
{
	const char *av[SSH_ARGS_MAX];
	char port[12], timeout[32];
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, ret = 0;
	struct child c;

	ssh_argv(s, remote, av, port, timeout);
	if ((in_fd < 0 && pipe2(in, O_CLOEXEC)) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		ret = -errno;
	c = (struct child){ s->ssh, (char *const *)av, in_fd >= 0 ? in_fd : in[0], out[1], err[1] };
	if (!ret)
		ret = node_fork(NULL, child_exec, &c, NULL, pid);
	if (in[0] >= 0)
		close(in[0]);
	close(out[1]);
	close(err[1]);
	if (ret) {
		if (in[1] >= 0)
			close(in[1]);
		close(out[0]);
		close(err[0]);
		return ret;
	}
	fds[0] = in[1];
	fds[1] = out[0];
	fds[2] = err[0];
	return 0;
}

static int alive(struct agent_chan *c)
{
	struct agent_ssh *s = c->owner;
	int st;

	if (s->pid <= 0)
		return -EPIPE;
	if (waitpid(s->pid, &st, WNOHANG) != s->pid)
		return 0;
	s->pid = 0;
	s->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (!c->quiet)
		wgb_err("%s: ssh ended (status %d)%s%s", c->label, s->status, c->last_err[0] ? ": " : "",
			c->last_err);
	return -EPIPE;
}

static const char *hung(struct agent_chan *c)
{
	struct agent_ssh *s = c->owner;

	if (s->pid > 0)
		node_kill(s->pid, 1);
	s->pid = 0;
	return "its ssh ended";
}

static void close_fds(struct agent_ssh *s)
{
	int *fds[3] = { &s->ch.wfd, &s->ch.rfd, &s->ch.efd };
	size_t i;

	for (i = 0; i < 3; i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	s->ch.len = s->ch.elen = 0;
}

void agent_ssh_close(struct agent_ssh *s, double grace)
{
	double deadline = util_now_mono() + grace;
	char line[256];

	if (!s)
		return;
	s->ch.quiet = true;
	if (s->ch.wfd >= 0 && s->pid > 0)
		agent_chan_send(&s->ch, "quit");
	if (s->ch.wfd >= 0)
		close(s->ch.wfd);
	s->ch.wfd = -1;
	/* the agent removes what it holds, then its session ends */
	while (s->pid > 0 && util_now_mono() < deadline &&
	       agent_chan_line(&s->ch, 0.2, line, sizeof(line)) != -EPIPE)
		;
	if (s->pid > 0 && node_wait(s->pid, 2, NULL) == 0)
		s->pid = 0;
	agent_chan_drain_err(&s->ch, 1);   /* its last words, into the log */
	if (s->pid > 0)
		node_kill(s->pid, 1);
	close_fds(s);
	if (s->ch.log_fd >= 0)
		close(s->ch.log_fd);
	free(s);
}

/* ---- the agent's start and hello ---- */

/* install_sha: path is a copy just sent, which checks itself first. */
static int start(struct agent_ssh *s, const char *path, const char *install_sha)
{
	const char *remote[] = { path, "agent", "--stdio", install_sha ? "--install" : NULL, install_sha, NULL };
	int fds[3], ret;

	close_fds(s);
	s->status = -1;
	ret = spawn(s, remote, -1, &s->pid, fds);
	if (ret) {
		wgb_err("%s: cannot start ssh: %s", s->ch.label, strerror(-ret));
		return ret;
	}
	s->ch.wfd = fds[0];
	s->ch.rfd = fds[1];
	s->ch.efd = fds[2];
	return 0;
}

/* Why ssh ended before the agent said hello, from its status and the last
 * line on stderr (ssh's own, the remote shell's, or the loader's). */
static int classify(struct agent_ssh *s, bool *missing)
{
	const char *e = s->ch.last_err;

	if (strstr(e, "error while loading shared libraries")) {
		if (strstr(e, "libiperf"))
			wgb_err("%s: no iperf3 support: the agent cannot load libiperf (%s); "
				"Debian: apt-get install libiperf0", s->ch.label, e);
		else
			wgb_err("%s: the agent cannot run there: %s", s->ch.label, e);
		return -ENOENT;
	}
	if ((s->status == 127 || s->status == 126) && strstr(e, "/agent-") &&
	    (strstr(e, "not found") || strstr(e, "No such file"))) {
		*missing = true;
		return -ENOENT;
	}
	if (s->status == 255 && (strstr(e, "config file") || strstr(e, "onfiguration option"))) {
		wgb_err("%s: ssh's configuration: %s", s->ch.label, e);
		return -EINVAL;
	}
	if (s->status == 255 && (strstr(e, "Permission denied") || strstr(e, "Host key verification") ||
				 strstr(e, "Too many authentication"))) {
		wgb_err("%s: ssh refused: %s", s->ch.label, e);
		return -EACCES;
	}
	if (s->status == 255 || s->status < 0) {
		wgb_err("%s: unreachable: %s", s->ch.label, e[0] ? e : "ssh ended");
		return -EHOSTUNREACH;
	}
	wgb_err("%s: the agent ended (status %d)%s%s", s->ch.label, s->status, e[0] ? ": " : "", e);
	return -EIO;
}

static int parse_hello(struct agent_ssh *s, const char *line)
{
	int proto = -1, pid = 0;
	char ver[32] = "", rev[32] = "";

	if (sscanf(line, "hello wgbench-agent %d %31s %31s %d", &proto, ver, rev, &pid) != 4 ||
	    proto != AGENT_PROTO) {
		wgb_err("%s: the agent there speaks another protocol (%s), this wgbench %d", s->ch.label,
			line, AGENT_PROTO);
		return -EPROTO;
	}
	snprintf(s->version, sizeof(s->version), "%s %s", ver, rev);
	s->agent_pid = pid;
	return 0;
}

static int hello(struct agent_ssh *s, double deadline, bool *missing)
{
	char line[256];
	int ret;

	*missing = false;
	s->ch.quiet = true;
	for (;;) {
		ret = agent_chan_line(&s->ch, deadline - util_now_mono(), line, sizeof(line));
		if (ret || !strncmp(line, "hello wgbench-agent ", 20))
			break;
	}
	s->ch.quiet = false;
	if (!ret)
		return parse_hello(s, line);
	if (ret == -ETIMEDOUT)
		wgb_err("%s: no answer from the agent within %.0f s%s%s", s->ch.label, s->cfg.timeout,
			s->ch.last_err[0] ? ": " : "", s->ch.last_err);
	if (ret == -ETIMEDOUT || ret == -EINTR)
		return ret;
	if (s->pid > 0 && node_wait(s->pid, 5, &s->status) == 0)
		s->pid = 0;
	agent_chan_drain_err(&s->ch, 0.5);
	return classify(s, missing);
}

/* ---- installing this binary there ---- */

/* One more ssh for a remote command, started (remote_start) and waited for
 * (remote_wait: its exit status, or -errno); several may run at once. */
static int remote_start(struct agent_ssh *s, const char *const *remote, int in_fd, double timeout)
{
	int fds[3], ret;

	s->ch.last_err[0] = 0;
	ret = spawn(s, remote, in_fd, &s->job.pid, fds);
	if (ret)
		return ret;
	if (fds[0] >= 0)
		close(fds[0]);
	s->job.out = fds[1];
	s->ch.efd = fds[2];
	s->job.deadline = util_now_mono() + timeout;
	return 0;
}

static int remote_wait(struct agent_ssh *s)
{
	double left;
	char buf[4096];
	int st = -1, ret;

	while (util_now_mono() < s->job.deadline) {   /* stdout to EOF (it says little), stderr kept */
		struct pollfd p[2] = { { .fd = s->job.out, .events = POLLIN }, { .fd = s->ch.efd, .events = POLLIN } };

		if (poll(p, s->ch.efd >= 0 ? 2 : 1, 100) <= 0)
			continue;
		if (s->ch.efd >= 0 && p[1].revents)
			agent_chan_drain_err(&s->ch, 0);
		if (p[0].revents && read(s->job.out, buf, sizeof(buf)) <= 0)
			break;
	}
	close(s->job.out);
	agent_chan_drain_err(&s->ch, 1);
	if (s->ch.efd >= 0)
		close(s->ch.efd);
	s->ch.efd = -1;
	left = s->job.deadline - util_now_mono();
	ret = node_wait(s->job.pid, left > 1 ? left : 1, &st);
	if (ret)
		node_kill(s->job.pid, 1);
	s->job.pid = 0;
	return ret ? ret : st;
}

static int run_remote(struct agent_ssh *s, const char *const *remote, int in_fd, double timeout)
{
	int ret = remote_start(s, remote, in_fd, timeout);

	return ret ? ret : remote_wait(s);
}

/* The binary to a new name of ours there, in one ssh (`install -D` makes
 * the directory too); the agent started from it checks its own sha256 and
 * moves itself into place (agent --stdio --install SHA). Started here,
 * waited for by install_wait(): the machines get their copies at once. */
static int install_start(struct agent_ssh *s, const char *sha, char *part, size_t len)
{
	char exe[PATH_MAX], rnd[17];
	unsigned char r[8];
	int fd, ret;

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(rnd, sizeof(rnd), r, sizeof(r));
	if (agent_ssh_exe(exe, sizeof(exe)) || util_fmt(part, len, AGENT_SSH_DIR "/agent-%s.part-%s", sha, rnd))
		return -ENAMETOOLONG;
	close_fds(s);
	fprintf(stderr, "wgbench: %s: sending this wgbench there (" AGENT_SSH_DIR "/agent-%.12s...)\n",
		s->ch.label, sha);
	fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	{
		const char *in[] = { "install", "-D", "-m", "0700", "/dev/stdin", part, NULL };

		ret = remote_start(s, in, fd, 600);
	}
	close(fd);
	return ret;
}

static int install_wait(struct agent_ssh *s)
{
	int st = remote_wait(s);
	bool missing;

	if (!st)
		return 0;
	s->status = st;
	return st < 0 ? st : classify(s, &missing);
}

static void remove_part(struct agent_ssh *s, const char *part)
{
	const char *rm[] = { "rm", "-f", part, NULL };
	char last[sizeof(s->ch.last_err)];

	memcpy(last, s->ch.last_err, sizeof(last));   /* the cause stays the message */
	run_remote(s, rm, -1, s->cfg.timeout + 10);
	memcpy(s->ch.last_err, last, sizeof(last));
}

static int open_one(const struct agent_ssh_cfg *cfg, struct agent_ssh **out)
{
	struct agent_ssh *s = calloc(1, sizeof(*s));
	char label[sizeof(s->ch.label)], why[256];
	int ret;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->pid = 0;
	snprintf(label, sizeof(label), "host %s (%s)", cfg->name, cfg->dest);
	agent_chan_init(&s->ch, cfg->name, label);
	s->ch.stop = cfg->stop;
	s->ch.alive = alive;
	s->ch.hung = hung;
	s->ch.owner = s;
	ret = agent_ssh_dest(cfg->dest, s->host, sizeof(s->host), &s->port, why, sizeof(why));
	if (ret)
		wgb_err("%s: %s", label, why);
	if (!ret && (ret = node_which("ssh", s->ssh, sizeof(s->ssh))))
		wgb_err("no ssh here (Debian: apt-get install openssh-client)");
	if (!ret && cfg->log_path)
		s->ch.log_fd = open(cfg->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (ret) {
		agent_ssh_close(s, 0);
		return ret;
	}
	*out = s;
	return 0;
}

int agent_ssh_open_all(const struct agent_ssh_cfg *cfg, size_t n, struct agent_ssh **out)
{
	char sha[65], path[PATH_MAX], part[NODE_MAX][PATH_MAX];
	bool missing[NODE_MAX] = { false }, again, started;
	double deadline;
	size_t i;
	int ret, r;

	memset(out, 0, n * sizeof(*out));
	if (n > NODE_MAX)
		return -E2BIG;
	ret = agent_ssh_self(sha, path, sizeof(path));
	for (i = 0; i < n && !ret; i++)
		ret = open_one(&cfg[i], &out[i]);
	for (i = 0; i < n && !ret; i++)   /* all connect at once */
		ret = start(out[i], path, NULL);
	started = !ret;
	deadline = util_now_mono() + (n ? cfg[0].timeout : 0) + 5;
	for (i = 0; started && i < n; i++) {   /* the hellos; a missing binary is noted */
		r = hello(out[i], deadline, &missing[i]);
		if (r && !missing[i] && !ret)
			ret = r;   /* every host is tried: each failing one is named */
	}
	for (i = 0; started && i < n; i++)   /* the copies go out at once */
		if (missing[i] && (r = install_start(out[i], sha, part[i], sizeof(part[i])))) {
			missing[i] = false;
			ret = ret ? ret : r;
		}
	for (i = 0; started && i < n; i++) {
		if (!missing[i])
			continue;
		r = install_wait(out[i]);
		if (!r)
			r = start(out[i], part[i], sha);
		if (!r)
			r = hello(out[i], util_now_mono() + cfg[i].timeout + 10, &again);
		if (r && again)
			wgb_err("%s: the copy sent there is not found at %s", out[i]->ch.label, part[i]);
		if (r)
			remove_part(out[i], part[i]);
		if (r && !ret)
			ret = r;
	}
	for (i = 0; !ret && i < n; i++)
		out[i]->ch.echo_err = true;
	if (ret)
		for (i = 0; i < n; i++) {
			agent_ssh_close(out[i], 5);
			out[i] = NULL;
		}
	return ret;
}

int agent_ssh_open(const struct agent_ssh_cfg *cfg, struct agent_ssh **out)
{
	return agent_ssh_open_all(cfg, 1, out);
}

struct agent_chan *agent_ssh_chan(struct agent_ssh *s)
{
	return &s->ch;
}

int agent_ssh_agent_pid(const struct agent_ssh *s)
{
	return s->agent_pid;
}

const char *agent_ssh_version(const struct agent_ssh *s)
{
	return s->version;
}
