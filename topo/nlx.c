/* nlx.c — see nlx.h. libnl-3.7 does not surface extended ACKs, so a custom
 * error callback reads NLMSGERR_ATTR_MSG from the error message itself
 * (iproute2's nl_dump_ext_ack does the same). */
#include "nlx.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct nlx {
	struct nl_sock *sk;
	char label[32];
	int err;              /* -errno of the last kernel error */
	char ext_ack[256];    /* its extended-ACK message, or "" */
};

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlx *nl = arg;
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	struct nlattr *a;
	int rem;

	nl->err = e->error;
	nl->ext_ack[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (off >= h->nlmsg_len)
		return NL_STOP;
	nla_for_each_attr(a, (struct nlattr *)((char *)h + off), (int)(h->nlmsg_len - off), rem) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0) {
			snprintf(nl->ext_ack, sizeof(nl->ext_ack), "%.*s", nla_len(a), (char *)nla_data(a));
			break;
		}
	}
	return NL_STOP;
}

int nlx_open(const char *label, struct nlx **out)
{
	struct nlx *nl;
	int one = 1, ret;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	snprintf(nl->label, sizeof(nl->label), "%s", label);
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return -ENOMEM;
	}
	ret = nl_connect(nl->sk, NETLINK_ROUTE);
	if (ret < 0) {
		wgb_err("netlink socket in %s: %s", label, nl_geterror(ret));
		nlx_close(nl);
		return -EIO;
	}
	/* Best effort: older kernels lack these and still work. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, on_error, nl);
	*out = nl;
	return 0;
}

void nlx_close(struct nlx *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

/* Turn a libnl result into -errno and print it with what was being done. */
static int check(struct nlx *nl, int r, const char *what)
{
	int err;

	if (r >= 0)
		return 0;
	err = nl->err ? nl->err : -EIO;
	if (nl->err && nl->ext_ack[0])
		wgb_err("%s in %s: %s (kernel: %s)", what, nl->label, strerror(-err), nl->ext_ack);
	else if (nl->err)
		wgb_err("%s in %s: %s", what, nl->label, strerror(-err));
	else
		wgb_err("%s in %s: %s", what, nl->label, nl_geterror(r));
	return err;
}

static void reset(struct nlx *nl)
{
	nl->err = 0;
	nl->ext_ack[0] = '\0';
}

int nlx_veth_add(struct nlx *nl, const char *name, const char *peer_name, int peer_netns_fd, bool up)
{
	struct rtnl_link *link, *peer;
	char what[96];
	int r;

	link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, name);
	rtnl_link_set_name(peer, peer_name);
	if (peer_netns_fd >= 0)
		rtnl_link_set_ns_fd(peer, peer_netns_fd);
	/* Only this end: the kernel configures the peer before this end
	 * exists, and a veth cannot open without its peer (ENOTCONN). */
	if (up)
		rtnl_link_set_flags(link, IFF_UP);
	reset(nl);
	r = rtnl_link_add(nl->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	snprintf(what, sizeof(what), "creating veth %s/%s", name, peer_name);
	return check(nl, r, what);
}

int nlx_ifindex(struct nlx *nl, const char *name, int *ifindex)
{
	struct rtnl_link *link = NULL;
	char what[64];
	int r;

	reset(nl);
	r = rtnl_link_get_kernel(nl->sk, 0, name, &link);
	if (r < 0) {
		snprintf(what, sizeof(what), "looking up %s", name);
		return check(nl, r, what);
	}
	*ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return 0;
}

int nlx_link_set(struct nlx *nl, const char *name, unsigned int mtu, bool up)
{
	struct rtnl_link *orig = NULL, *change = NULL;
	char what[64];
	int ret, ifindex;

	ret = nlx_ifindex(nl, name, &ifindex);
	if (ret)
		return ret;
	orig = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (!orig || !change) {
		ret = -ENOMEM;
		goto out;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	if (mtu)
		rtnl_link_set_mtu(change, mtu);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	reset(nl);
	snprintf(what, sizeof(what), "setting %s%s", name, up ? " up" : "");
	ret = check(nl, rtnl_link_change(nl->sk, orig, change, 0), what);
out:
	rtnl_link_put(orig);
	rtnl_link_put(change);
	return ret;
}

static struct nl_addr *v4(struct in_addr a, unsigned int plen)
{
	struct nl_addr *addr = nl_addr_build(AF_INET, &a, sizeof(a));

	if (addr)
		nl_addr_set_prefixlen(addr, (int)plen);
	return addr;
}

int nlx_addr_add(struct nlx *nl, const char *ifname, struct in_addr a, unsigned int plen)
{
	struct rtnl_addr *ra = NULL;
	struct nl_addr *local = NULL;
	char what[96], txt[INET_ADDRSTRLEN];
	int ret, ifindex;

	ret = nlx_ifindex(nl, ifname, &ifindex);
	if (ret)
		return ret;
	ra = rtnl_addr_alloc();
	local = v4(a, plen);
	if (!ra || !local) {
		ret = -ENOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_prefixlen(ra, (int)plen);
	reset(nl);
	inet_ntop(AF_INET, &a, txt, sizeof(txt));
	snprintf(what, sizeof(what), "adding address %s/%u to %s", txt, plen, ifname);
	ret = check(nl, rtnl_addr_add(nl->sk, ra, NLM_F_CREATE | NLM_F_EXCL), what);
out:
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return ret;
}

int nlx_route_add(struct nlx *nl, uint32_t table, struct in_addr dst, unsigned int plen,
		  const struct in_addr *gw, const char *oif)
{
	struct rtnl_route *rt = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *d = NULL, *g = NULL;
	char what[128], txt[INET_ADDRSTRLEN];
	int ret, ifindex = 0;

	if (oif) {
		ret = nlx_ifindex(nl, oif, &ifindex);
		if (ret)
			return ret;
	}
	rt = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	d = v4(dst, plen);
	if (!rt || !nh || !d) {
		ret = -ENOMEM;
		goto out;
	}
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_table(rt, table ? table : RT_TABLE_MAIN);
	rtnl_route_set_dst(rt, d);
	if (ifindex)
		rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gw) {
		g = v4(*gw, 32);
		if (!g) {
			ret = -ENOMEM;
			goto out;
		}
		rtnl_route_nh_set_gateway(nh, g);
	}
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* the route owns it now */
	reset(nl);
	inet_ntop(AF_INET, &dst, txt, sizeof(txt));
	snprintf(what, sizeof(what), "adding route %s/%u table %u", txt, plen, table ? table : RT_TABLE_MAIN);
	ret = check(nl, rtnl_route_add(nl->sk, rt, NLM_F_CREATE | NLM_F_EXCL), what);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(g);
	nl_addr_put(d);
	rtnl_route_put(rt);
	return ret;
}

int nlx_rule_add(struct nlx *nl, struct in_addr src, unsigned int plen, uint32_t table, uint32_t prio)
{
	struct rtnl_rule *rule;
	struct nl_addr *s;
	char what[128], txt[INET_ADDRSTRLEN];
	int ret;

	rule = rtnl_rule_alloc();
	s = v4(src, plen);
	if (!rule || !s) {
		ret = -ENOMEM;
		goto out;
	}
	rtnl_rule_set_family(rule, AF_INET);
	rtnl_rule_set_src(rule, s);
	rtnl_rule_set_table(rule, table);
	rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
	rtnl_rule_set_prio(rule, prio);
	reset(nl);
	inet_ntop(AF_INET, &src, txt, sizeof(txt));
	snprintf(what, sizeof(what), "adding rule from %s/%u lookup %u", txt, plen, table);
	ret = check(nl, rtnl_rule_add(nl->sk, rule, NLM_F_CREATE | NLM_F_EXCL), what);
out:
	nl_addr_put(s);
	rtnl_rule_put(rule);
	return ret;
}

struct addr_walk {
	int ifindex;
	struct nlx_link_info *info;
};

static void collect_addr(struct nl_object *o, void *arg)
{
	struct addr_walk *w = arg;
	struct rtnl_addr *ra = (struct rtnl_addr *)o;
	struct nl_addr *local = rtnl_addr_get_local(ra);
	struct nlx_link_info *i = w->info;

	if (rtnl_addr_get_ifindex(ra) != w->ifindex || rtnl_addr_get_family(ra) != AF_INET || !local)
		return;
	if (i->n_addr >= ARRAY_SIZE(i->addr) || nl_addr_get_len(local) != sizeof(struct in_addr))
		return;
	memcpy(&i->addr[i->n_addr], nl_addr_get_binary_addr(local), sizeof(struct in_addr));
	i->plen[i->n_addr] = (unsigned int)rtnl_addr_get_prefixlen(ra);
	i->n_addr++;
}

int nlx_link_info(struct nlx *nl, const char *name, struct nlx_link_info *out)
{
	struct rtnl_link *link = NULL;
	struct nl_cache *cache = NULL;
	struct addr_walk w;
	char what[64];
	int r;

	memset(out, 0, sizeof(*out));
	reset(nl);
	r = rtnl_link_get_kernel(nl->sk, 0, name, &link);
	if (r < 0) {
		if (nl->err == -ENODEV)
			return -ENODEV;
		snprintf(what, sizeof(what), "looking up %s", name);
		return check(nl, r, what);
	}
	out->ifindex = rtnl_link_get_ifindex(link);
	out->mtu = rtnl_link_get_mtu(link);
	out->up = rtnl_link_get_flags(link) & IFF_UP;
	rtnl_link_put(link);
	reset(nl);
	r = rtnl_addr_alloc_cache(nl->sk, &cache);
	if (r < 0)
		return check(nl, r, "listing addresses");
	w.ifindex = out->ifindex;
	w.info = out;
	nl_cache_foreach(cache, collect_addr, &w);
	nl_cache_free(cache);
	return 0;
}
