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
 * k sends through tunnel k (a policy rule per drain address). */
static int routes_tunnels(struct nlx *nl, enum topo_node_id n, const char *prefix, unsigned int tunnels)
{
	struct in_addr any = { 0 }, drain;
	char ifname[IFNAMSIZ];
	unsigned int k, plen;
	int ret = 0;

	for (k = 0; k < tunnels && !ret; k++) {
		topo_plan_addr(NODE_DRAIN, LINK_LAN, k, &drain, &plen);
		ret = topo_plan_ifname(prefix, n, LINK_TUNNEL, k, ifname, sizeof(ifname));
		if (ret)
			return ret;
		if (n == NODE_GW1) {
			ret = nlx_route_add(nl, 0, drain, 32, NULL, ifname);
		} else {
			ret = nlx_rule_add(nl, drain, 32, TOPO_RULE_TABLE_BASE + k, TOPO_RULE_PRIO_BASE + k);
			if (!ret)
				ret = nlx_route_add(nl, TOPO_RULE_TABLE_BASE + k, any, 0, NULL, ifname);
		}
	}
	return ret;
}

int topo_node_routes(struct nlx *nl, enum topo_node_id n, const char *prefix,
		     unsigned int tunnels, bool tunnel)
{
	struct in_addr any = { 0 }, gw;
	unsigned int plen;

	switch (n) {
	case NODE_SOURCE:
		topo_plan_addr(NODE_GW1, LINK_LAN, 0, &gw, &plen);
		return nlx_route_add(nl, 0, any, 0, &gw, NULL);
	case NODE_DRAIN:
		topo_plan_addr(NODE_GW2, LINK_LAN, 0, &gw, &plen);
		return nlx_route_add(nl, 0, any, 0, &gw, NULL);
	case NODE_GW1:
	case NODE_GW2:
		if (tunnel)
			return routes_tunnels(nl, n, prefix, tunnels);
		/* --wg none: the lans over the underlay */
		topo_plan_addr(n == NODE_GW1 ? NODE_GW2 : NODE_GW1, LINK_UNDERLAY, 0, &gw, &plen);
		return nlx_route_add(nl, 0, topo_plan_ip(10, n == NODE_GW1 ? 103 : 101, 0, 0), 24, &gw, NULL);
	default:
		return -EINVAL;
	}
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
	topo_plan_tun_end(k, g, &e);
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

	if (c->tunnels < 1 || c->tunnels > OPTS_TUNNELS_MAX)
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
		ret = topo_node_routes(nl, c->node, c->prefix, c->tunnels, c->wg);
	nlx_close(nl);
	return ret;
}

int topo_node_view(const struct topo_node_cfg *c, struct topo **out)
{
	struct topo_config cfg = { .tunnels = c->tunnels, .wg = c->wg ? TUN_KERNEL : TUN_NONE };
	struct topo *t = NULL;
	int ret;

	snprintf(cfg.prefix, sizeof(cfg.prefix), "%s", c->prefix);
	ret = topo_alloc(&cfg, &t);
	if (ret)
		return ret;
	t->only_nodes = 1u << c->node;
	snprintf(t->node[c->node].path, sizeof(t->node[c->node].path), "/proc/self/ns/net");
	t->ops = c->wg ? &tun_kernel_ops : NULL;
	t->wg_ops = c->wg ? &tun_kernel_ops : &tun_none_ops;
	t->st.wg = t->cfg.wg;
	*out = t;
	return 0;
}

bool topo_node_here(const struct topo *t, enum topo_node_id n)
{
	return !t->only_nodes || (t->only_nodes & (1u << n));
}
