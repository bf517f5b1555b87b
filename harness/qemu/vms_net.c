/* vms_net.c — the wires between the --backend vms guests, in a network
 * namespace of their own that nothing names: three Linux bridges, one per
 * link, each with the two QEMU taps of that link as its ports.
 *
 *   [source]=tap─┐      ┌─tap=[gw1]=tap─┐      ┌─tap=[gw2]=tap─┐      ┌─tap=[drain]
 *             bridge lan1          bridge underlay          bridge lan2
 *
 * Why taps: QEMU's tap backend is the one with several queues (queues=N,
 * IFF_MULTI_QUEUE), so virtio-net's multi-queue, RSS, IRQ affinity and ring
 * knobs mean something inside the guests; the socket/dgram backends have one
 * queue. Why an unnamed namespace: only the QEMUs (started inside it) and one
 * descriptor here keep it alive, so however wgbench ends -- kill -9 included,
 * the QEMUs die with it (PR_SET_PDEATHSIG) -- the kernel removes it with its
 * bridges and taps, and the host's own network never sees a tap or a bridge.
 */
#include "vms_impl.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const bridge_name[3] = { "br-lan1", "br-underlay", "br-lan2" };

/* The tap of node n on link r, and which bridge (link index) it joins. */
void vms_net_tap(enum topo_node_id n, enum topo_link_role r, char *buf, size_t len, int *link)
{
	static const char *const short_name[NODE__COUNT] = { "src", "gw1", "gw2", "drn" };

	snprintf(buf, len, "t-%s-%s", short_name[n], r == LINK_UNDERLAY ? "u" : "l");
	*link = r == LINK_UNDERLAY ? 1 : (n == NODE_SOURCE || n == NODE_GW1) ? 0 : 2;
}

static int enter(int fd, int *back)
{
	*back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET)) {
		int r = -errno;

		close(*back);
		*back = -1;
		return r;
	}
	return 0;
}

static void leave(int *back)
{
	if (*back >= 0 && setns(*back, CLONE_NEWNET))
		wgb_err("vms: cannot return to the host's network namespace: %s", strerror(errno));
	if (*back >= 0)
		close(*back);
	*back = -1;
}

static int nl_sock_here(struct nl_sock **out)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		return -EIO;
	}
	*out = sk;
	return 0;
}

/* A namespace only fd holds, with the three bridges up. */
int vms_net_create(struct vms *v)
{
	struct nl_sock *sk = NULL;
	int back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), i, ret = 0;

	if (back < 0)
		return -errno;
	if (unshare(CLONE_NEWNET)) {
		ret = -errno;
		wgb_err("vms: a network namespace for the links: %s", strerror(errno));
		close(back);
		return ret;
	}
	v->netns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (v->netns_fd < 0)
		ret = -errno;
	if (!ret)
		ret = nl_sock_here(&sk);
	for (i = 0; !ret && i < 3; i++) {
		struct rtnl_link *l = rtnl_link_bridge_alloc();
		int e;

		if (!l) {
			ret = -ENOMEM;
			break;
		}
		rtnl_link_set_name(l, bridge_name[i]);
		rtnl_link_set_flags(l, IFF_UP);
		e = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
		rtnl_link_put(l);
		if (e < 0) {
			wgb_err("vms: bridge %s: %s", bridge_name[i], nl_geterror(e));
			ret = -EIO;
		}
	}
	nl_socket_free(sk);
	leave(&back);
	if (!ret)
		/* for QEMU's child, which inherits the descriptor until its exec */
		snprintf(v->netns_path, sizeof(v->netns_path), "/proc/self/fd/%d", v->netns_fd);
	return ret;
}

void vms_net_free(struct vms *v)
{
	if (v->netns_fd >= 0)
		close(v->netns_fd);
	v->netns_fd = -1;
	v->netns_path[0] = 0;
}

/* Each tap into its link's bridge, up. QEMU makes its taps as it starts:
 * polled until timeout. 0, or -ETIMEDOUT/-EIO after saying which. */
int vms_net_attach(struct vms *v, double timeout)
{
	static const struct { enum topo_node_id n; enum topo_link_role r; } taps[] = {
		{ NODE_SOURCE, LINK_LAN }, { NODE_GW1, LINK_LAN }, { NODE_GW1, LINK_UNDERLAY },
		{ NODE_GW2, LINK_UNDERLAY }, { NODE_GW2, LINK_LAN }, { NODE_DRAIN, LINK_LAN },
	};
	double deadline = util_now_mono() + timeout;
	struct nl_sock *sk = NULL;
	int back = -1, ret;
	size_t i;

	ret = enter(v->netns_fd, &back);
	if (!ret)
		ret = nl_sock_here(&sk);
	for (i = 0; !ret && i < ARRAY_SIZE(taps); i++) {
		struct rtnl_link *tap = NULL, *br = NULL, *change;
		char name[IFNAMSIZ];
		int link, e;

		vms_net_tap(taps[i].n, taps[i].r, name, sizeof(name), &link);
		while (rtnl_link_get_kernel(sk, 0, name, &tap) < 0) {
			if (v->stop && *v->stop) {
				wgb_err("interrupted: guests killed");
				ret = -EINTR;
				break;
			}
			if (util_now_mono() > deadline) {
				wgb_err("vms: QEMU of %s made no tap %s within %.0f s; see %s",
					topo_node_name(taps[i].n), name, timeout, v->g[taps[i].n].qlog);
				ret = -ETIMEDOUT;
				break;
			}
			usleep(20000);
		}
		if (ret)
			break;
		if (rtnl_link_get_kernel(sk, 0, bridge_name[link], &br) < 0 || !(change = rtnl_link_alloc())) {
			rtnl_link_put(tap);
			rtnl_link_put(br);
			ret = -EIO;
			break;
		}
		rtnl_link_set_master(change, rtnl_link_get_ifindex(br));
		rtnl_link_set_flags(change, IFF_UP);
		e = rtnl_link_change(sk, tap, change, 0);
		if (e < 0) {
			wgb_err("vms: %s into %s: %s", name, bridge_name[link], nl_geterror(e));
			ret = -EIO;
		}
		rtnl_link_put(change);
		rtnl_link_put(tap);
		rtnl_link_put(br);
	}
	nl_socket_free(sk);
	if (back >= 0)
		leave(&back);
	return ret;
}
