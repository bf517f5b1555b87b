/* t_tun_live.c — node.c and the wireguard-go implementation on real
 * namespaces (root only; exit 77 otherwise or without wireguard-go).
 *
 *     <P>a                                   <P>b
 *     <P>va 10.200.0.1/24 ===== veth ===== <P>vb 10.200.0.2/24
 *     <P>wa 10.201.0.1/24 ~~~ wireguard-go ~~~ <P>wb 10.201.0.2/24
 *
 * The test builds the namespaces and the veth with `ip` (a test may; the
 * product may not), brings up one tunnel end in each, sends a UDP datagram
 * through it, reads the peer statistics, and checks that every failure path
 * and every destroy leaves no process, socket or log behind.
 */
#include "node.h"
#include "tun.h"
#include "tun_impl.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;
static char P[10];

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		fprintf(stderr, "t_tun_live:%d: %s: ", __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

static int run(const char *const argv[])
{
	pid_t pid;
	int st = -1;

	if (node_exec(NULL, argv, &(struct node_spawn_opts){ .stdout_path = "/dev/null" }, &pid) < 0)
		return -1;
	if (node_wait(pid, 10, &st) < 0)
		return -1;
	return st;
}

#define IP(...) run((const char *const[]){ "ip", __VA_ARGS__, NULL })

static char *nm(char *buf, const char *suffix)
{
	snprintf(buf, 32, "%s%s", P, suffix);
	return buf;
}

static void teardown(void)
{
	char a[32], b[32];

	IP("netns", "del", nm(a, "a"));
	IP("netns", "del", nm(b, "b"));
}

static int setup(void)
{
	char a[32], b[32], va[32], vb[32];

	nm(a, "a"); nm(b, "b"); nm(va, "va"); nm(vb, "vb");
	if (IP("netns", "add", a) || IP("netns", "add", b) ||
	    IP("link", "add", va, "netns", a, "type", "veth", "peer", "name", vb, "netns", b) ||
	    IP("-n", a, "addr", "add", "10.200.0.1/24", "dev", va) ||
	    IP("-n", b, "addr", "add", "10.200.0.2/24", "dev", vb) ||
	    IP("-n", a, "link", "set", va, "up") || IP("-n", b, "link", "set", vb, "up") ||
	    IP("-n", a, "link", "set", "lo", "up") || IP("-n", b, "link", "set", "lo", "up"))
		return -1;
	return 0;
}

static void end_cfg(struct tun_end_cfg *c, char *ns, char *ifn, int side,
		    const uint8_t priv[32], const uint8_t peer_pub[32])
{
	memset(c, 0, sizeof(*c));
	snprintf(ns, 64, "/run/netns/%s%s", P, side ? "b" : "a");
	snprintf(ifn, 16, "%s%s", P, side ? "wb" : "wa");
	c->netns_path = ns;
	c->ifname = ifn;
	c->listen_port = 51820 + side;
	memcpy(c->private_key, priv, 32);
	memcpy(c->peer_public_key, peer_pub, 32);
	c->peer_endpoint.sin_family = AF_INET;
	c->peer_endpoint.sin_port = htons(51820 + !side);
	inet_pton(AF_INET, side ? "10.200.0.1" : "10.200.0.2", &c->peer_endpoint.sin_addr);
	inet_pton(AF_INET, side ? "10.201.0.1" : "10.201.0.2", &c->allowed[0].addr);
	c->allowed[0].cidr = 32;
	c->n_allowed = 1;
}

static bool leftovers(const char *ifname, pid_t pid)
{
	char p[128];
	bool left = false;

	snprintf(p, sizeof(p), TUN_UAPI_DIR "/%s.sock", ifname);
	if (access(p, F_OK) == 0) {
		fprintf(stderr, "t_tun_live: %s left\n", p);
		left = true;
	}
	snprintf(p, sizeof(p), "/run/wgbench/%s.wggo.log", ifname);
	if (access(p, F_OK) == 0) {
		fprintf(stderr, "t_tun_live: %s left\n", p);
		left = true;
	}
	if (pid > 0 && kill(pid, 0) == 0) {
		fprintf(stderr, "t_tun_live: pid %d left\n", (int)pid);
		left = true;
	}
	return left;
}

/* Receives one datagram on 10.201.0.2:9000 (inside <P>b), checks it. */
static int udp_recv(void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9000) };
	int *ready = arg, fd;
	char buf[64];
	struct pollfd pfd;
	ssize_t n;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "10.201.0.2", &sa.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 10;
	if (write(ready[1], "r", 1) != 1)
		return 11;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 10000) != 1)
		return 12;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return 13;
	buf[n] = '\0';
	return strcmp(buf, "through the tunnel") ? 14 : 0;
}

static int udp_send(void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9000) };
	const char msg[] = "through the tunnel";
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, "10.201.0.2", &sa.sin_addr);
	if (fd < 0)
		return 20;
	/* The first datagram waits for the handshake inside wireguard-go. */
	return sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? 21 : 0;
}

static void test_traffic(const char *nsa, const char *nsb)
{
	pid_t rx = 0, tx = 0;
	int ready[2], st = -1, st2 = -1;
	char c;

	if (pipe(ready) < 0)
		return;
	CHECK(node_fork(nsb, udp_recv, ready, NULL, &rx) == 0, "fork receiver");
	close(ready[1]);
	CHECK(read(ready[0], &c, 1) == 1, "receiver not ready");
	close(ready[0]);
	CHECK(node_fork(nsa, udp_send, NULL, NULL, &tx) == 0, "fork sender");
	if (tx > 0)
		CHECK(node_wait(tx, 10, &st2) == 0 && st2 == 0, "sender status %d", st2);
	if (rx > 0)
		CHECK(node_wait(rx, 15, &st) == 0 && st == 0, "receiver status %d", st);
}

static void test_stats(const struct tun_end *ea, const struct tun_end *eb)
{
	struct tun_peer_stats sa, sb;

	CHECK(tun_wggo_ops.peer_stats(ea, &sa) == 0, "stats a");
	CHECK(tun_wggo_ops.peer_stats(eb, &sb) == 0, "stats b");
	CHECK(sa.tx_bytes > 0 && sb.rx_bytes > 0, "tx %llu rx %llu",
	      (unsigned long long)sa.tx_bytes, (unsigned long long)sb.rx_bytes);
	CHECK(sa.last_handshake_sec > 1600000000 && sb.last_handshake_sec > 1600000000,
	      "handshake %llu %llu", (unsigned long long)sa.last_handshake_sec,
	      (unsigned long long)sb.last_handshake_sec);
	printf("t_tun_live: a tx=%llu rx=%llu, b tx=%llu rx=%llu, handshake at %llu\n",
	       (unsigned long long)sa.tx_bytes, (unsigned long long)sa.rx_bytes,
	       (unsigned long long)sb.tx_bytes, (unsigned long long)sb.rx_bytes,
	       (unsigned long long)sa.last_handshake_sec);
}

/* wg(8) reads the configuration back over the same socket: an independent
 * check of what set=1 configured. */
static void test_wg_show(const struct tun_end_cfg *c)
{
	const char *argv[] = { "wg", "show", c->ifname, "dump", NULL };
	char out[1024] = "", fdpath[32], b64[64], ep[INET_ADDRSTRLEN], want[256];
	ssize_t n, got = 0;
	pid_t pid;
	int p[2], st = -1;

	if (access("/usr/bin/wg", X_OK) != 0) {
		printf("t_tun_live: no wg(8), configuration not read back\n");
		return;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", p[1]);
	CHECK(node_exec(c->netns_path, argv, &(struct node_spawn_opts){ .stdout_path = fdpath }, &pid) == 0,
	      "wg show");
	close(p[1]);
	while ((n = read(p[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(p[0]);
	CHECK(node_wait(pid, 10, &st) == 0 && st == 0, "wg show status %d", st);
	sodium_bin2base64(b64, sizeof(b64), c->peer_public_key, 32, sodium_base64_VARIANT_ORIGINAL);
	CHECK(strstr(out, b64) != NULL, "peer public key in: %s", out);
	sodium_bin2base64(b64, sizeof(b64), c->private_key, 32, sodium_base64_VARIANT_ORIGINAL);
	CHECK(!strncmp(out, b64, strlen(b64)), "private key in: %s", out);
	snprintf(want, sizeof(want), "\t%u\toff\n", (unsigned)c->listen_port);
	CHECK(strstr(out, want) != NULL, "listen port in: %s", out);
	snprintf(want, sizeof(want), "\t%s:%u\t", inet_ntop(AF_INET, &c->peer_endpoint.sin_addr, ep, sizeof(ep)), (unsigned)ntohs(c->peer_endpoint.sin_port));
	CHECK(strstr(out, want) != NULL, "endpoint in: %s", out);
	CHECK(strstr(out, "\t10.201.0.") && strstr(out, "/32\t"), "allowed IP in: %s", out);
}

/* Failure paths: each returns an error and leaves nothing. */
static void test_failures(struct tun_end_cfg *ca)
{
	struct tun_end e;
	struct tun_end_cfg bad = *ca;
	char ifn[16];
	int ret;

	/* Same interface name again: refused before starting anything. */
	ret = tun_wggo_ops.create_end(ca, &e);
	CHECK(ret == -EEXIST, "duplicate name: %d", ret);
	/* A namespace that does not exist: the child cannot enter it. */
	snprintf(ifn, sizeof(ifn), "%sx1", P);
	bad.ifname = ifn;
	bad.netns_path = "/run/netns/wgbench-no-such-ns";
	ret = tun_wggo_ops.create_end(&bad, &e);
	CHECK(ret == -ENOENT, "missing netns: %d", ret);
	CHECK(!leftovers(ifn, 0), "after missing netns");
	/* A name already taken by the veth: wireguard-go exits before its socket. */
	snprintf(ifn, sizeof(ifn), "%sva", P);
	bad.netns_path = ca->netns_path;
	ret = tun_wggo_ops.create_end(&bad, &e);
	CHECK(ret < 0, "name of the veth accepted");
	CHECK(!leftovers(ifn, 0), "after early exit");
}

/* A persistent end made by a child that exits: it must outlive it, and be
 * destroyable by a process that is not its parent. */
static int make_persistent(void *arg)
{
	struct tun_end_cfg *c = arg;
	struct tun_end e;

	if (tun_wggo_ops.create_end(c, &e) < 0)
		return 1;
	return write(STDOUT_FILENO, &e, sizeof(e)) == sizeof(e) ? 0 : 2;
}

static void test_persistent(struct tun_end_cfg *cb)
{
	struct tun_end e;
	struct tun_peer_stats s;
	pid_t pid;
	int p[2], st = -1;
	char fdpath[32];

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	cb->persistent = true;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", p[1]);
	CHECK(node_fork(NULL, make_persistent, cb, &(struct node_spawn_opts){ .stdout_path = fdpath }, &pid) == 0,
	      "fork maker");
	close(p[1]);
	memset(&e, 0, sizeof(e));
	CHECK(read(p[0], &e, sizeof(e)) == sizeof(e), "end from maker");
	close(p[0]);
	CHECK(node_wait(pid, 10, &st) == 0 && st == 0, "maker status %d", st);
	CHECK(e.pid > 0 && kill(e.pid, 0) == 0, "persistent wireguard-go died with its maker");
	CHECK(e.pid > 0 && getpgid(e.pid) == e.pid && getsid(e.pid) == getsid(0),
	      "not in its own process group of our session");
	CHECK(tun_wggo_ops.peer_stats(&e, &s) == 0, "stats of the persistent end");
	CHECK(tun_wggo_ops.destroy_end(&e) == 0, "destroy a foreign pid");
	CHECK(!leftovers(cb->ifname, e.pid), "after persistent destroy");
}

static void test_node(void)
{
	const char *argv[] = { "wgbench-no-such-program", NULL };
	const char *sl[] = { "sleep", "30", NULL };
	pid_t pid;
	int st = -1;

	CHECK(node_exec(NULL, argv, NULL, &pid) == -ENOENT, "exec of a missing program");
	CHECK(node_exec(NULL, sl, NULL, &pid) == 0, "sleep");
	CHECK(node_wait(pid, 0.05, &st) == -ETIMEDOUT, "wait timeout");
	CHECK(node_kill(pid, 2) == 0, "kill");
	CHECK(kill(pid, 0) < 0 && errno == ESRCH, "killed process still there");
}

int main(void)
{
	uint8_t pa[32], ka[32], pb[32], kb[32];
	char nsa[64], nsb[64], ia[16], ib[16], ver[128];
	struct tun_end_cfg ca, cb;
	struct tun_end ea, eb;
	char why[256];

	if (geteuid() != 0) {
		printf("t_tun_live: skipped, needs root\n");
		return 77;
	}
	if (tun_wggo_ops.probe(why, sizeof(why)) < 0) {
		printf("t_tun_live: skipped, %s\n", why);
		return 77;
	}
	snprintf(P, sizeof(P), "tl%d-", (int)(getpid() % 100000));
	test_node();
	CHECK(tun_wggo_ops.version(ver, sizeof(ver)) == 0, "version");
	printf("t_tun_live: %s\n", ver);
	if (setup() < 0) {
		fprintf(stderr, "t_tun_live: cannot build the namespaces\n");
		teardown();
		return 1;
	}
	tun_generate_keypair(ka, pa);
	tun_generate_keypair(kb, pb);
	end_cfg(&ca, nsa, ia, 0, ka, pb);
	end_cfg(&cb, nsb, ib, 1, kb, pa);
	memset(&ea, 0, sizeof(ea));
	memset(&eb, 0, sizeof(eb));
	if (tun_wggo_ops.create_end(&ca, &ea) < 0 || tun_wggo_ops.create_end(&cb, &eb) < 0) {
		CHECK(0, "create ends");
		goto out;
	}
	char a[32], b[32];
	if (IP("-n", nm(a, "a"), "addr", "add", "10.201.0.1/24", "dev", ia) ||
	    IP("-n", nm(b, "b"), "addr", "add", "10.201.0.2/24", "dev", ib) ||
	    IP("-n", a, "link", "set", ia, "up") || IP("-n", b, "link", "set", ib, "up")) {
		CHECK(0, "address the tunnel");
		goto out;
	}
	test_wg_show(&ca);
	test_wg_show(&cb);
	test_traffic(nsa, nsb);
	test_stats(&ea, &eb);
	test_failures(&ca);
	pid_t pa_pid = ea.pid, pb_pid = eb.pid;
	CHECK(tun_wggo_ops.destroy_end(&ea) == 0, "destroy a");
	CHECK(tun_wggo_ops.destroy_end(&eb) == 0, "destroy b");
	CHECK(!leftovers(ia, pa_pid) && !leftovers(ib, pb_pid), "after destroy");
	test_persistent(&cb);
out:
	tun_wggo_ops.destroy_end(&ea);
	tun_wggo_ops.destroy_end(&eb);
	teardown();
	if (failures)
		fprintf(stderr, "t_tun_live: %d failure(s)\n", failures);
	else
		printf("t_tun_live: ok\n");
	return failures ? 1 : 0;
}
