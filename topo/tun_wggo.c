/* tun_wggo.c — wireguard-go, the userspace implementation, over its UAPI
 * socket (/var/run/wireguard/<ifname>.sock, one directory for all
 * namespaces: interface names must be unique on the machine).
 *
 * create_end() starts `wireguard-go -f <ifname>` inside the gateway's
 * namespace (so its TUN device and UDP socket live there), waits for the
 * control socket by polling with a short backoff, and configures it with one
 * "set=1" request. Its output goes to /run/wgbench/<ifname>.wggo.log, which
 * names the cause when it fails to start; destroy_end() removes the log.
 */
#include "tun.h"
#include "tun_impl.h"
#include "node.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define WGGO_PROG "wireguard-go"
#define WGGO_LOG_DIR "/run/wgbench"
#define WGGO_START_TIMEOUT 5.0
#define WGGO_IO_TIMEOUT 5
#define WGGO_KILL_GRACE 2.0

static const char *const wggo_env[] = {
	"WG_PROCESS_FOREGROUND=1",
	/* It refuses to start on a kernel that has the module otherwise. */
	"WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1",
	NULL,
};

/* ---- pure: request text and reply parsing ---- */

int tun_uapi_set_request(const struct tun_end_cfg *cfg, char *buf, size_t len)
{
	char priv[2 * TUN_KEY_LEN + 1], pub[2 * TUN_KEY_LEN + 1];
	char ep[INET6_ADDRSTRLEN + 2], a[INET6_ADDRSTRLEN];
	bool v6 = cfg->peer_endpoint.sin_family == AF_INET6;
	size_t off;
	int n;

	if (cfg->n_allowed > TUN_MAX_ALLOWED || (cfg->peer_endpoint.sin_family != AF_INET && !v6))
		return -EINVAL;
	tun_key_to_hex(cfg->private_key, priv);
	tun_key_to_hex(cfg->peer_public_key, pub);
	/* the UAPI takes an IPv6 endpoint as [addr]:port */
	if (v6) {
		ep[0] = '[';
		inet_ntop(AF_INET6, &cfg->peer_endpoint6.sin6_addr, ep + 1, sizeof(ep) - 2);
		strcat(ep, "]");
	} else {
		inet_ntop(AF_INET, &cfg->peer_endpoint.sin_addr, ep, sizeof(ep));
	}
	n = snprintf(buf, len,
		     "set=1\nprivate_key=%s\nlisten_port=%u\nreplace_peers=true\n"
		     "public_key=%s\nendpoint=%s:%u\nreplace_allowed_ips=true\n",
		     priv, (unsigned)cfg->listen_port, pub, ep,
		     (unsigned)ntohs(v6 ? cfg->peer_endpoint6.sin6_port : cfg->peer_endpoint.sin_port));
	explicit_bzero(priv, sizeof(priv));
	if (n < 0 || (size_t)n >= len)
		goto toolong;
	off = (size_t)n;
	for (size_t i = 0; i < cfg->n_allowed; i++) {
		bool a6 = cfg->allowed[i].family == AF_INET6;

		if (cfg->allowed[i].cidr > (a6 ? 128 : 32))
			return -EINVAL;
		inet_ntop(a6 ? AF_INET6 : AF_INET, &cfg->allowed[i].addr6, a, sizeof(a));
		n = snprintf(buf + off, len - off, "allowed_ip=%s/%u\n", a,
			     (unsigned)cfg->allowed[i].cidr);
		if (n < 0 || (size_t)n >= len - off)
			goto toolong;
		off += (size_t)n;
	}
	if (off + 2 > len)
		goto toolong;
	buf[off++] = '\n';
	buf[off] = '\0';
	return 0;
toolong:
	explicit_bzero(buf, len);
	return -ENAMETOOLONG;
}

/* Calls fn(key, value, ctx) for each "key=value" line; stops at the blank
 * line or at a non-zero return. */
static int each_line(const char *reply, int (*fn)(const char *, size_t, const char *, size_t, void *),
		     void *ctx)
{
	const char *p = reply;

	while (*p && *p != '\n') {
		const char *end = strchr(p, '\n'), *eq;
		int ret;

		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', end - p);
		if (!eq)
			return -EPROTO;
		ret = fn(p, eq - p, eq + 1, end - eq - 1, ctx);
		if (ret)
			return ret;
		p = *end ? end + 1 : end;
	}
	return 0;
}

static bool key_is(const char *k, size_t kl, const char *want)
{
	return kl == strlen(want) && !memcmp(k, want, kl);
}

static int value_u64(const char *v, size_t vl, uint64_t *out)
{
	char tmp[24];

	if (vl == 0 || vl >= sizeof(tmp))
		return -EPROTO;
	memcpy(tmp, v, vl);
	tmp[vl] = '\0';
	return util_parse_u64(tmp, 0, UINT64_MAX, out) < 0 ? -EPROTO : 0;
}

struct errno_ctx {
	bool seen;
	uint64_t value;
};

static int errno_line(const char *k, size_t kl, const char *v, size_t vl, void *ctx)
{
	struct errno_ctx *c = ctx;

	if (!key_is(k, kl, "errno"))
		return 0;
	c->seen = true;
	return value_u64(v, vl, &c->value);
}

int tun_uapi_reply_errno(const char *reply, int *err)
{
	struct errno_ctx c = { false, 0 };
	int ret = each_line(reply, errno_line, &c);

	if (ret < 0)
		return ret;
	if (!c.seen || c.value > 4095)
		return -EPROTO;
	*err = (int)c.value;
	return 0;
}

struct stats_ctx {
	struct tun_peer_stats s;
	size_t peers;
	struct errno_ctx e;
};

static int stats_line(const char *k, size_t kl, const char *v, size_t vl, void *ctx)
{
	struct stats_ctx *c = ctx;
	uint64_t x;
	int ret;

	if (key_is(k, kl, "public_key")) {
		c->peers++;
		return 0;
	}
	if (key_is(k, kl, "errno"))
		return errno_line(k, kl, v, vl, &c->e);
	if (!key_is(k, kl, "rx_bytes") && !key_is(k, kl, "tx_bytes") &&
	    !key_is(k, kl, "last_handshake_time_sec"))
		return 0;
	if (c->peers == 0)
		return -EPROTO;   /* a peer's counter before any peer */
	ret = value_u64(v, vl, &x);
	if (ret < 0)
		return ret;
	if (key_is(k, kl, "rx_bytes"))
		c->s.rx_bytes += x;
	else if (key_is(k, kl, "tx_bytes"))
		c->s.tx_bytes += x;
	else if (x > c->s.last_handshake_sec)
		c->s.last_handshake_sec = x;
	return 0;
}

int tun_uapi_parse_stats(const char *reply, struct tun_peer_stats *out)
{
	struct stats_ctx c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = each_line(reply, stats_line, &c);
	if (ret < 0)
		return ret;
	if (!c.e.seen || c.e.value != 0)
		return -EPROTO;
	if (c.peers == 0)
		return -ENOENT;
	*out = c.s;
	return 0;
}

/* ---- I/O ---- */

static int sock_path(const char *ifname, char *buf, size_t len)
{
	return util_fmt(buf, len, TUN_UAPI_DIR "/%s.sock", ifname);
}

static int log_path(const char *ifname, char *buf, size_t len)
{
	return util_fmt(buf, len, WGGO_LOG_DIR "/%s.wggo.log", ifname);
}

static int uapi_connect(const char *ifname, int *fdp)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = WGGO_IO_TIMEOUT };
	int fd, ret;

	ret = sock_path(ifname, sun.sun_path, sizeof(sun.sun_path));
	if (ret < 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*fdp = fd;
	return 0;
}

/* One request, its reply (up to the blank line) into a malloc'd string. */
static int uapi_call(const char *ifname, const char *req, char **reply)
{
	size_t cap = 0, n = 0, left = strlen(req);
	char *buf = NULL;
	int fd = -1, ret;

	ret = uapi_connect(ifname, &fd);
	if (ret < 0)
		return ret;
	while (left) {
		ssize_t w = send(fd, req, left, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		req += w;
		left -= (size_t)w;
	}
	for (;;) {
		ssize_t r;

		ret = util_grow(&buf, &cap, n + 4096, 1);
		if (ret)
			goto out;
		r = recv(fd, buf + n, cap - n - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		n += (size_t)r;
		buf[n] = '\0';
		if (r == 0 || (n >= 2 && buf[n - 2] == '\n' && buf[n - 1] == '\n'))
			break;
	}
	*reply = buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

/* The last non-empty line of the log, for an error message. */
static void log_tail(const char *path, char *out, size_t len)
{
	char *text = NULL, *end, *start;
	size_t n;

	snprintf(out, len, "no output");
	if (util_read_file(path, &text, &n) < 0)
		return;
	end = text + n;
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	if (*start)
		snprintf(out, len, "%s", start);
	free(text);
}

/* Poll for the control socket; fail if the process exits first (then it
 * is reaped and *pid becomes 0, so nobody signals a recycled pid). */
static int wait_socket(const char *ifname, pid_t *pid, const char *logp)
{
	/* WGB_WGGO_START_TIMEOUT: a machine many times slower (a TCG guest) */
	const char *env = getenv("WGB_WGGO_START_TIMEOUT");
	double limit = env && atof(env) > 0 ? atof(env) : WGGO_START_TIMEOUT;
	double deadline = util_now_mono() + limit;
	long us = 1000;
	char tail[256];
	int status, fd, ret;

	for (;;) {
		if (uapi_connect(ifname, &fd) == 0) {
			close(fd);
			return 0;
		}
		ret = node_wait(*pid, 0, &status);
		if (ret == 0) {
			*pid = 0;
			log_tail(logp, tail, sizeof(tail));
			wgb_err("wireguard-go for %s exited (status %d) before its control socket appeared: %s",
				ifname, status, tail);
			return -EIO;
		}
		if (util_now_mono() >= deadline) {
			log_tail(logp, tail, sizeof(tail));
			wgb_err("wireguard-go for %s: no control socket " TUN_UAPI_DIR "/%s.sock after %.0fs (%s)",
				ifname, ifname, limit, tail);
			return -ETIMEDOUT;
		}
		usleep(us);
		if (us < 50000)
			us *= 2;
	}
}

static int configure(const struct tun_end_cfg *cfg)
{
	char req[1024], *reply = NULL;
	int ret, err = 0;

	ret = tun_uapi_set_request(cfg, req, sizeof(req));
	if (ret < 0) {
		wgb_err("%s: cannot build the wireguard-go configuration: %s", cfg->ifname, strerror(-ret));
		return ret;
	}
	ret = uapi_call(cfg->ifname, req, &reply);
	explicit_bzero(req, sizeof(req));
	if (ret < 0) {
		wgb_err("%s: wireguard-go control socket: %s", cfg->ifname, strerror(-ret));
		return ret;
	}
	ret = tun_uapi_reply_errno(reply, &err);
	if (ret < 0)
		wgb_err("%s: wireguard-go sent a malformed reply to set=1", cfg->ifname);
	else if (err) {
		wgb_err("%s: wireguard-go refused the configuration: %s", cfg->ifname, strerror(err));
		ret = -err;
	}
	free(reply);
	return ret;
}

static int wggo_create_end(const struct tun_end_cfg *cfg, struct tun_end *end)
{
	const char *argv[] = { WGGO_PROG, "-f", cfg->ifname, NULL };
	struct node_spawn_opts o = { .persistent = cfg->persistent, .envp = wggo_env };
	char sockp[sizeof(((struct sockaddr_un *)0)->sun_path)], logp[256];
	pid_t pid = 0;
	int fd, ret;

	memset(end, 0, sizeof(*end));
	if (!cfg->ifname || !*cfg->ifname || strlen(cfg->ifname) >= IFNAMSIZ || strchr(cfg->ifname, '/')) {
		wgb_err("bad tunnel interface name '%s'", cfg->ifname ? cfg->ifname : "");
		return -EINVAL;
	}
	if (sock_path(cfg->ifname, sockp, sizeof(sockp)) < 0 || log_path(cfg->ifname, logp, sizeof(logp)) < 0 ||
	    util_fmt(end->netns_path, sizeof(end->netns_path), "%s", cfg->netns_path) < 0)
		return -ENAMETOOLONG;
	if (uapi_connect(cfg->ifname, &fd) == 0) {
		close(fd);
		wgb_err("%s: a wireguard-go already serves this interface name (%s)", cfg->ifname, sockp);
		return -EEXIST;
	}
	ret = util_mkdir_p(WGGO_LOG_DIR, 0755);
	if (ret < 0) {
		wgb_err("cannot create " WGGO_LOG_DIR ": %s", strerror(-ret));
		return ret;
	}
	fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		wgb_err("cannot create %s: %s", logp, strerror(-ret));
		return ret;
	}
	close(fd);
	o.stdout_path = logp;
	ret = node_exec(cfg->netns_path, argv, &o, &pid);
	if (ret < 0)
		goto fail;
	ret = wait_socket(cfg->ifname, &pid, logp);
	if (ret < 0)
		goto fail;
	ret = configure(cfg);
	if (ret < 0)
		goto fail;
	snprintf(end->ifname, sizeof(end->ifname), "%s", cfg->ifname);
	end->pid = pid;
	wgb_debug("%s: wireguard-go pid %d in %s", cfg->ifname, (int)pid, cfg->netns_path);
	return 0;
fail:
	if (pid > 0)
		node_kill(pid, WGGO_KILL_GRACE);
	unlink(sockp);
	unlink(logp);
	memset(end, 0, sizeof(*end));
	return ret;
}

static int wggo_destroy_end(struct tun_end *end)
{
	char sockp[sizeof(((struct sockaddr_un *)0)->sun_path)], logp[256];
	int ret = 0;

	if (!end || !end->ifname[0])
		return 0;
	if (end->pid > 0) {
		/* On SIGTERM it closes the TUN device and removes its socket. */
		ret = node_kill(end->pid, WGGO_KILL_GRACE);
		if (ret < 0 && ret != -ESRCH)
			wgb_warn("%s: stopping wireguard-go pid %d: %s", end->ifname, (int)end->pid,
				 strerror(-ret));
		else
			ret = 0;
	}
	if (sock_path(end->ifname, sockp, sizeof(sockp)) == 0)
		unlink(sockp);
	if (log_path(end->ifname, logp, sizeof(logp)) == 0)
		unlink(logp);
	end->pid = 0;
	end->ifname[0] = '\0';
	return ret;
}

static int wggo_peer_stats(const struct tun_end *end, struct tun_peer_stats *out)
{
	char *reply = NULL;
	int ret;

	ret = uapi_call(end->ifname, "get=1\n\n", &reply);
	if (ret < 0) {
		wgb_err("%s: wireguard-go control socket: %s", end->ifname, strerror(-ret));
		return ret;
	}
	ret = tun_uapi_parse_stats(reply, out);
	if (ret < 0)
		wgb_err("%s: cannot read peer statistics from wireguard-go's reply", end->ifname);
	free(reply);
	return ret;
}

static int wggo_probe(char *why, size_t len)
{
	char path[4096];

	snprintf(why, len, "%s", "");
	if (node_which(WGGO_PROG, path, sizeof(path)) < 0) {
		snprintf(why, len, "wireguard-go is not installed (apt-get install wireguard-go)");
		return -ENOENT;
	}
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		snprintf(why, len, "/dev/net/tun is not usable (%s): wireguard-go needs TUN", strerror(errno));
		return -ENOTSUP;
	}
	return 0;
}

int tun_prog_version(const char *prog, char *buf, size_t len)
{
	const char *argv[] = { prog, "--version", NULL };
	struct node_spawn_opts o = { .envp = wggo_env };
	char out[512], fdpath[64];
	size_t n = 0;
	pid_t pid;
	int p[2], ret, status = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* The child reopens the pipe's write end as its stdout. */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", p[1]);
	o.stdout_path = fdpath;
	ret = node_exec(NULL, argv, &o, &pid);
	close(p[1]);
	if (ret < 0) {
		close(p[0]);
		return ret;
	}
	for (;;) {
		ssize_t r = read(p[0], out + n, sizeof(out) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(out) - 1)
			break;
	}
	out[n] = '\0';
	close(p[0]);
	ret = node_wait(pid, 5.0, &status);
	if (ret == -ETIMEDOUT)
		ret = node_kill(pid, 0.5);
	if (ret < 0)
		return ret;
	out[strcspn(out, "\n")] = '\0';
	if (status != 0 || !out[0]) {
		wgb_err("%s --version: unexpected output '%s' (status %d)", prog, out, status);
		return -EPROTO;
	}
	return util_fmt(buf, len, "%s", out);
}

static int wggo_version(char *buf, size_t len)
{
	int ret = tun_prog_version(WGGO_PROG, buf, len);

	if (!ret && strncmp(buf, "wireguard-go ", 13) != 0) {
		wgb_err("wireguard-go --version: unexpected output '%s'", buf);
		return -EPROTO;
	}
	return ret;
}

int tun_uapi_get(const char *ifname, char **reply)
{
	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/'))
		return -EINVAL;
	return uapi_call(ifname, "get=1\n\n", reply);
}

const struct tun_ops tun_wggo_ops = {
	.name = "wireguard-go",
	.kind = TUN_WGGO,
	.probe = wggo_probe,
	.create_end = wggo_create_end,
	.destroy_end = wggo_destroy_end,
	.peer_stats = wggo_peer_stats,
	.version = wggo_version,
};
