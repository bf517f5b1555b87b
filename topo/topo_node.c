/* topo_node.c — one node by itself (topo_node.h). */
#include "topo_node.h"
#include "topo_impl.h"
#include "topo_plan.h"
#include "nlx.h"
#include "util.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* gw1 routes drain address k into tunnel k; gw2 answers what drain address
 * k sends through tunnel k (a policy rule per drain address), in each family. */
static int routes_tunnel(struct nlx *nl, enum topo_node_id n, const char *ifname, unsigned int k,
			 int af)
{
	struct in6_addr any = IN6ADDR_ANY_INIT, drain;
	unsigned int plen, full = af == AF_INET6 ? 128 : 32;
	int ret;

	if (af == AF_INET6)
		topo_plan_addr6(NODE_DRAIN, LINK_LAN, k, &drain, &plen);
	else
		topo_plan_addr(NODE_DRAIN, LINK_LAN, k, (struct in_addr *)&drain, &plen);
	if (n == NODE_GW1)
		return nlx_route_add_ip(nl, 0, af, &drain, full, NULL, ifname);
	ret = nlx_rule_add_ip(nl, af, &drain, full, TOPO_RULE_TABLE_BASE + k, TOPO_RULE_PRIO_BASE + k);
	if (!ret)
		ret = nlx_route_add_ip(nl, TOPO_RULE_TABLE_BASE + k, af, &any, 0, NULL, ifname);
	return ret;
}

static int routes_tunnels(struct nlx *nl, enum topo_node_id n, const char *prefix, unsigned int tunnels,
			  unsigned int inner)
{
	char ifname[IFNAMSIZ];
	unsigned int k;
	int ret = 0;

	for (k = 0; k < tunnels && !ret; k++) {
		ret = topo_plan_ifname(prefix, n, LINK_TUNNEL, k, ifname, sizeof(ifname));
		if (!ret && (inner & TOPO_FAM_4))
			ret = routes_tunnel(nl, n, ifname, k, AF_INET);
		if (!ret && (inner & TOPO_FAM_6))
			ret = routes_tunnel(nl, n, ifname, k, AF_INET6);
	}
	return ret;
}

/* The lans' default routes and, with --wg none, the gateways' routes of
 * the far lan over the underlay, in family af. */
static int routes_plain(struct nlx *nl, enum topo_node_id n, bool tunnel, int af)
{
	struct in6_addr any = IN6ADDR_ANY_INIT, gw, net;
	enum topo_node_id via = n == NODE_SOURCE ? NODE_GW1 : NODE_GW2;
	enum topo_link_role r = LINK_LAN;
	unsigned int plen;
	bool v6 = af == AF_INET6;

	if (n == NODE_GW1 || n == NODE_GW2) {
		if (tunnel)
			return 0;
		/* --wg none: the lans over the underlay */
		via = n == NODE_GW1 ? NODE_GW2 : NODE_GW1;
		r = LINK_UNDERLAY;
	}
	if (v6)
		topo_plan_addr6(via, r, 0, &gw, &plen);
	else
		topo_plan_addr(via, r, 0, (struct in_addr *)&gw, &plen);
	if (r == LINK_LAN)
		return nlx_route_add_ip(nl, 0, af, &any, 0, &gw, NULL);
	if (v6)
		net = topo_plan_ip6(n == NODE_GW1 ? 0x103 : 0x101, 0, 0);
	else
		*(struct in_addr *)&net = topo_plan_ip(10, n == NODE_GW1 ? 103 : 101, 0, 0);
	return nlx_route_add_ip(nl, 0, af, &net, v6 ? 64 : 24, &gw, NULL);
}

int topo_node_routes(struct nlx *nl, enum topo_node_id n, const char *prefix,
		     unsigned int tunnels, bool tunnel, unsigned int inner)
{
	int ret = 0;

	if ((unsigned int)n >= NODE__COUNT)
		return -EINVAL;
	inner = inner ? inner : TOPO_FAM_4;
	if (inner & TOPO_FAM_4)
		ret = routes_plain(nl, n, tunnel, AF_INET);
	if (!ret && (inner & TOPO_FAM_6))
		ret = routes_plain(nl, n, tunnel, AF_INET6);
	if (!ret && tunnel && (n == NODE_GW1 || n == NODE_GW2))
		ret = routes_tunnels(nl, n, prefix, tunnels, inner);
	return ret;
}

void topo_node_mac(enum topo_node_id n, enum topo_link_role r, uint8_t mac[6])
{
	const uint8_t m[6] = { 0x52, 0x54, 0x00, 0x77, (uint8_t)n, (uint8_t)r };

	memcpy(mac, m, 6);
}

/* The NIC with this MAC gets the plan's name (the kernel calls it ethN). */
static int rename_nic(enum topo_node_id n, enum topo_link_role r, const char *want)
{
	struct if_nameindex *all = if_nameindex(), *i;
	uint8_t mac[6];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -ENODEV;

	topo_node_mac(n, r, mac);
	for (i = all; s >= 0 && i && i->if_index; i++) {
		struct ifreq ifr = { 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (ioctl(s, SIOCGIFHWADDR, &ifr) || memcmp(ifr.ifr_hwaddr.sa_data, mac, 6))
			continue;
		snprintf(ifr.ifr_newname, sizeof(ifr.ifr_newname), "%s", want);
		ret = strcmp(i->if_name, want) && ioctl(s, SIOCSIFNAME, &ifr) ? -errno : 0;
		if (ret)
			wgb_err("renaming %s to %s: %s", i->if_name, want, strerror(-ret));
		break;
	}
	if (ret == -ENODEV)
		wgb_err("%s: no NIC with MAC 52:54:00:77:%02x:%02x (is virtio_net loaded?)",
			topo_node_name(n), n, r);
	if (all)
		if_freenameindex(all);
	if (s >= 0)
		close(s);
	return ret;
}

static int setup_link(struct nlx *nl, const struct topo_node_cfg *c, enum topo_link_role r)
{
	char ifname[IFNAMSIZ];
	struct in_addr a;
	unsigned int plen, k, n_addr = c->node == NODE_DRAIN ? c->tunnels : 1;
	int ret;

	ret = topo_plan_ifname(c->prefix, c->node, r, 0, ifname, sizeof(ifname));
	if (!ret)
		ret = rename_nic(c->node, r, ifname);
	for (k = 0; !ret && k < n_addr; k++) {
		ret = topo_plan_addr(c->node, r, k, &a, &plen);
		if (!ret)
			ret = nlx_addr_add(nl, ifname, a, plen);
	}
	if (!ret)
		ret = nlx_link_set(nl, ifname, 0, true);
	return ret;
}

static int setup_tunnel(struct nlx *nl, const struct topo_node_cfg *c, unsigned int k)
{
	int g = c->node == NODE_GW2;
	struct tun_end_cfg e = { .netns_path = "/proc/self/ns/net" };
	struct tun_end end = { 0 };
	char ifname[IFNAMSIZ];
	struct in_addr a;
	unsigned int plen;
	int ret;

	ret = topo_plan_ifname(c->prefix, c->node, LINK_TUNNEL, k, ifname, sizeof(ifname));
	if (ret)
		return ret;
	e.ifname = ifname;
	memcpy(e.private_key, c->private_key[k], TUN_KEY_LEN);
	memcpy(e.peer_public_key, c->peer_public_key[k], TUN_KEY_LEN);
	topo_plan_tun_end(k, g, TOPO_FAM_4, TOPO_FAM_4, &e);
	ret = tun_kernel_ops.create_end(&e, &end);
	explicit_bzero(e.private_key, TUN_KEY_LEN);
	if (!ret)
		ret = topo_plan_addr(c->node, LINK_TUNNEL, k, &a, &plen);
	if (!ret)
		ret = nlx_addr_add(nl, ifname, a, plen);
	if (!ret)
		ret = nlx_link_set(nl, ifname, TOPO_TUNNEL_MTU, true);
	return ret;
}

int topo_node_setup(const struct topo_node_cfg *c)
{
	bool gw = c->node == NODE_GW1 || c->node == NODE_GW2;
	struct nlx *nl = NULL;
	unsigned int k;
	int ret;

	if (c->tunnels < 1 || c->tunnels > TOPO_TUNNELS_MAX)
		return -EINVAL;
	ret = nlx_open(topo_node_name(c->node), &nl);
	if (!ret)
		ret = nlx_link_set(nl, "lo", 0, true);
	if (!ret && gw) {
		/* gw2 answers through a policy route, which rp_filter would drop */
		ret = util_write_str("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
		if (!ret)
			ret = util_write_str("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
		if (!ret)
			ret = util_write_str("/proc/sys/net/ipv4/ip_forward", "1");
		if (ret)
			wgb_err("%s: forwarding sysctls: %s", topo_node_name(c->node), strerror(-ret));
	}
	if (!ret)
		ret = setup_link(nl, c, LINK_LAN);
	if (!ret && gw)
		ret = setup_link(nl, c, LINK_UNDERLAY);
	for (k = 0; !ret && gw && c->wg && k < c->tunnels; k++)
		ret = setup_tunnel(nl, c, k);
	if (!ret)
		ret = topo_node_routes(nl, c->node, c->prefix, c->tunnels, c->wg, TOPO_FAM_4);
	nlx_close(nl);
	return ret;
}

int topo_node_view(const struct topo_node_cfg *c, struct topo **out)
{
	enum tun_kind kind = !c->wg ? TUN_NONE : c->kind == TUN_AUTO ? TUN_KERNEL : c->kind;
	struct topo_config cfg = { .tunnels = c->tunnels, .wg = kind, .shape = c->shape,
				   .ip = c->ip, .inner = c->inner };
	struct topo_node_rt *nd;
	struct topo *t = NULL;
	int r, ret;

	snprintf(cfg.prefix, sizeof(cfg.prefix), "%s", c->prefix);
	ret = topo_alloc(&cfg, &t);
	if (ret)
		return ret;
	t->only_nodes = 1u << c->node;
	nd = &t->node[c->node];
	snprintf(nd->path, sizeof(nd->path), "/proc/self/ns/net");
	for (r = LINK_LAN; r <= LINK_UNDERLAY; r++)
		if (c->dev[r][0])
			snprintf(nd->ifname[r], IFNAMSIZ, "%s", c->dev[r]);
	t->ops = kind == TUN_NONE ? NULL : kind == TUN_WGGO ? &tun_wggo_ops : &tun_kernel_ops;
	t->wg_ops = t->ops ? t->ops : &tun_none_ops;
	t->st.wg = t->cfg.wg;
	*out = t;
	return 0;
}

void topo_node_view_set_pid(struct topo *t, unsigned int k, pid_t pid)
{
	enum topo_node_id n = t->only_nodes & (1u << NODE_GW2) ? NODE_GW2 : NODE_GW1;

	if (k < t->cfg.tunnels)
		t->tun[k].end[n == NODE_GW2].pid = pid;
}

bool topo_node_here(const struct topo *t, enum topo_node_id n)
{
	return !t->only_nodes || (t->only_nodes & (1u << n));
}

enum topo_node_id topo_role_node(const struct topo *t, enum topo_node_id role)
{
	if (t->cfg.shape != TOPO_P2P)
		return role;
	return role == NODE_SOURCE ? NODE_GW1 : role == NODE_DRAIN ? NODE_GW2 : role;
}
