/* tun_kernel_guest.c — /init of a QEMU guest that exercises the kernel
 * implementation (topo/tun_kernel.c) for real; built statically and run by
 * tests/tools/tun_kernel_qemu.sh. The host has no WireGuard module.
 *
 * In the manner of the kernel's wireguard selftests (netns.sh): both devices
 * are born in ns0, where their UDP sockets stay on loopback, then moved into
 * ns1 and ns2, which only see the tunnel.
 *
 *     ns1: wgk1 10.9.0.1/24  ~~ ns0: 127.0.0.1:10001 <-> 127.0.0.1:10002 ~~  ns2: wgk2 10.9.0.2/24
 *
 * Steps: load the modules, probe and select, create both ends, move them,
 * address them, send one UDP datagram through, read peer statistics, check
 * the failure path of a duplicate name, destroy, power off. Every check
 * prints one line; the last line is "TUN-KERNEL-GUEST: PASS" or "...: FAIL".
 */
#include "netns.h"
#include "node.h"
#include "tun.h"
#include "tun_impl.h"
#include "../guest/modules.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netlink/route/link.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;
static int ns_fd[3];
static char ns_path[3][32];

#define CHECK(cond, ...) do { \
	if (cond) { \
		printf("ok   "); printf(__VA_ARGS__); printf("\n"); \
	} else { \
		failures++; \
		printf("FAIL %s: ", #cond); printf(__VA_ARGS__); printf("\n"); \
	} \
	fflush(stdout); \
} while (0)

static void mount_fs(void)
{
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
}

static void load_modules(void)
{
	int loaded, left;

	guest_load_modules("/mods", &loaded, &left);
	printf("loaded %d modules\n", loaded);
}

/* ns0 is the initial namespace; ns1 and ns2 are new. Paths go through our
 * own fds, so they stay valid whichever namespace we are in. */
static int make_namespaces(void)
{
	for (int i = 0; i < 3; i++) {
		if (i && unshare(CLONE_NEWNET) < 0)
			return -errno;
		ns_fd[i] = open("/proc/self/ns/net", O_RDONLY);
		if (ns_fd[i] < 0)
			return -errno;
		snprintf(ns_path[i], sizeof(ns_path[i]), "/proc/1/fd/%d", ns_fd[i]);
	}
	return setns(ns_fd[0], CLONE_NEWNET) < 0 ? -errno : 0;
}

/* ioctl-based: the test needs no `ip` inside the guest. */
static int if_up_addr(int ns, const char *ifname, const char *addr)
{
	struct ifreq ifr;
	struct sockaddr_in *sa = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, ret = 0;

	if (netns_join(ns_path[ns]) < 0)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (addr) {
		sa->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &sa->sin_addr);
		if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
			ret = -1;
		inet_pton(AF_INET, "255.255.255.0", &sa->sin_addr);
		if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
			ret = -1;
	}
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		ret = -1;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		ret = -1;
	close(fd);
	setns(ns_fd[0], CLONE_NEWNET);
	return ret;
}

static int move_link(const char *ifname, int to)
{
	struct nl_sock *s = nl_socket_alloc();
	struct rtnl_link *orig = NULL, *chg = rtnl_link_alloc();
	int err = -1;

	if (s && chg && nl_connect(s, NETLINK_ROUTE) == 0 &&
	    rtnl_link_get_kernel(s, 0, ifname, &orig) == 0) {
		rtnl_link_set_ns_fd(chg, ns_fd[to]);
		err = rtnl_link_change(s, orig, chg, 0);
	}
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	nl_socket_free(s);
	return err;
}

static int udp_recv(void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9000) };
	int *ready = arg, fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[64];
	ssize_t n;

	inet_pton(AF_INET, "10.9.0.2", &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || write(ready[1], "r", 1) != 1)
		return 10;
	if (poll(&pfd, 1, 20000) != 1)
		return 11;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return 12;
	buf[n] = '\0';
	return strcmp(buf, "kernel tunnel") ? 13 : 0;
}

static int udp_send(void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9000) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, "10.9.0.2", &sa.sin_addr);
	/* The kernel queues the first packet until the handshake completes. */
	return sendto(fd, "kernel tunnel", 13, 0, (struct sockaddr *)&sa, sizeof(sa)) == 13 ? 0 : 20;
}

static void cfg(struct tun_end_cfg *c, int side, const uint8_t *priv, const uint8_t *peer_pub)
{
	memset(c, 0, sizeof(*c));
	c->netns_path = ns_path[0];
	c->ifname = side ? "wgk2" : "wgk1";
	c->listen_port = side ? 10002 : 10001;
	memcpy(c->private_key, priv, 32);
	memcpy(c->peer_public_key, peer_pub, 32);
	c->peer_endpoint.sin_family = AF_INET;
	c->peer_endpoint.sin_port = htons(side ? 10001 : 10002);
	inet_pton(AF_INET, "127.0.0.1", &c->peer_endpoint.sin_addr);
	inet_pton(AF_INET, side ? "10.9.0.1" : "10.9.0.2", &c->allowed[0].addr);
	c->allowed[0].cidr = 32;
	c->n_allowed = 1;
}

static void traffic(void)
{
	pid_t rx = 0, tx = 0;
	int ready[2], st = -1;
	char c;

	if (pipe(ready) < 0)
		return;
	CHECK(node_fork(ns_path[2], udp_recv, ready, NULL, &rx) == 0, "receiver in ns2");
	close(ready[1]);
	CHECK(read(ready[0], &c, 1) == 1, "receiver bound 10.9.0.2:9000");
	CHECK(node_fork(ns_path[1], udp_send, NULL, NULL, &tx) == 0, "sender in ns1");
	CHECK(tx > 0 && node_wait(tx, 20, &st) == 0 && st == 0, "sent (status %d)", st);
	st = -1;
	CHECK(rx > 0 && node_wait(rx, 30, &st) == 0 && st == 0, "datagram crossed the kernel tunnel (status %d)", st);
}

int main(void)
{
	uint8_t k1[32], p1[32], k2[32], p2[32];
	const struct tun_ops *ops = NULL;
	struct tun_end_cfg c1, c2;
	struct tun_end e1, e2, dup, gone;
	struct tun_peer_stats s1, s2;
	char why[256], ver[128];
	int ret;

	mount_fs();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("tun_kernel_guest: start\n");
	CHECK(tun_kernel_ops.probe(why, sizeof(why)) == -ENOTSUP, "before the modules load: %s", why);
	CHECK(tun_select(TUN_KERNEL, &ops) == -ENOTSUP, "--wg kernel refused before the modules load");
	load_modules();
	CHECK(tun_kernel_ops.probe(why, sizeof(why)) == 0, "probe: kernel has WireGuard %s", why);
	CHECK(tun_select(TUN_AUTO, &ops) == 0 && ops == &tun_kernel_ops, "--wg auto picks the kernel");
	CHECK(tun_kernel_ops.version(ver, sizeof(ver)) == 0, "version: %s", ver);
	CHECK(make_namespaces() == 0, "namespaces");
	CHECK(if_up_addr(0, "lo", NULL) == 0, "ns0 lo up");
	tun_generate_keypair(k1, p1);
	tun_generate_keypair(k2, p2);
	cfg(&c1, 0, k1, p2);
	cfg(&c2, 1, k2, p1);
	CHECK(tun_kernel_ops.create_end(&c1, &e1) == 0, "create wgk1 in ns0");
	CHECK(tun_kernel_ops.create_end(&c2, &e2) == 0, "create wgk2 in ns0");
	ret = tun_kernel_ops.create_end(&c1, &dup);
	CHECK(ret == -EEXIST && !dup.ifname[0], "duplicate name refused: %d", ret);
	CHECK(tun_kernel_ops.peer_stats(&e1, &s1) == 0 && s1.rx_bytes == 0 && s1.last_handshake_sec == 0,
	      "stats before traffic: rx %llu", (unsigned long long)s1.rx_bytes);
	CHECK(move_link("wgk1", 1) == 0 && move_link("wgk2", 2) == 0, "moved into ns1, ns2");
	snprintf(e1.netns_path, sizeof(e1.netns_path), "%s", ns_path[1]);
	snprintf(e2.netns_path, sizeof(e2.netns_path), "%s", ns_path[2]);
	CHECK(if_up_addr(1, "wgk1", "10.9.0.1") == 0 && if_up_addr(2, "wgk2", "10.9.0.2") == 0, "addressed, up");
	traffic();
	CHECK(tun_kernel_ops.peer_stats(&e1, &s1) == 0 && tun_kernel_ops.peer_stats(&e2, &s2) == 0, "peer stats");
	printf("     wgk1 tx=%llu rx=%llu hs=%llu; wgk2 tx=%llu rx=%llu hs=%llu\n",
	       (unsigned long long)s1.tx_bytes, (unsigned long long)s1.rx_bytes,
	       (unsigned long long)s1.last_handshake_sec, (unsigned long long)s2.tx_bytes,
	       (unsigned long long)s2.rx_bytes, (unsigned long long)s2.last_handshake_sec);
	CHECK(s1.tx_bytes > 0 && s2.rx_bytes > 0 && s1.last_handshake_sec > 0, "counters moved, handshake done");
	gone = e1;
	CHECK(tun_kernel_ops.destroy_end(&e1) == 0 && tun_kernel_ops.destroy_end(&e2) == 0, "destroyed");
	ret = tun_kernel_ops.peer_stats(&gone, &s1);
	CHECK(ret < 0, "wgk1 gone after destroy (%s)", strerror(-ret));
	printf("TUN-KERNEL-GUEST: %s\n", failures ? "FAIL" : "PASS");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
