/* nlx.c — see nlx.h. libnl-3.7 does not surface extended ACKs, so a custom
 * error callback reads NLMSGERR_ATTR_MSG from the error message itself
 * (iproute2's nl_dump_ext_ack does the same). */
#include "nlx.h"
#include "netns.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/errno.h>
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

/* libnl's own error numbers, as errno. */
static int nle_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_EXIST: return -EEXIST;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_MSGSIZE: return -EMSGSIZE;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NODEV: return -ENODEV;
	case NLE_PERM: return -EPERM;
	case NLE_BUSY: return -EBUSY;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	default: return -EIO;
	}
}

static int open_proto(const char *label, int proto, struct nlx **out)
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
	ret = nl_connect(nl->sk, proto);
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

int nlx_open(const char *label, struct nlx **out)
{
	return open_proto(label, NETLINK_ROUTE, out);
}

struct open_in {
	const char *label;
	int proto;
	struct nlx **out;
};

static int open_here(void *arg)
{
	struct open_in *a = arg;

	return open_proto(a->label, a->proto, a->out);
}

int nlx_open_in(const char *netns_path, int proto, const char *label, struct nlx **out)
{
	struct open_in a = { label, proto, out };

	/* A netlink socket keeps the namespace it was made in. */
	return netns_call(netns_path, open_here, &a);
}

struct nl_sock *nlx_sock(struct nlx *nl)
{
	return nl->sk;
}

void nlx_close(struct nlx *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

static void reset(struct nlx *nl)
{
	nl->err = 0;
	nl->ext_ack[0] = '\0';
}

/* The kernel's errno when it answered one, else libnl's own error; the
 * state is reset for the next operation. */
int nlx_errno(struct nlx *nl, int r)
{
	int err = r >= 0 ? 0 : nl->err ? nl->err : nle_errno(r);

	reset(nl);
	return err;
}

int nlx_check(struct nlx *nl, int r, const char *what)
{
	int err;

	if (r >= 0) {
		reset(nl);
		return 0;
	}
	err = nl->err ? nl->err : nle_errno(r);
	if (nl->err && nl->ext_ack[0])
		wgb_err("%s in %s: %s (kernel: %s)", what, nl->label, strerror(-err), nl->ext_ack);
	else if (nl->err)
		wgb_err("%s in %s: %s", what, nl->label, strerror(-err));
	else
		wgb_err("%s in %s: %s", what, nl->label, nl_geterror(r));
	reset(nl);
	return err;
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
	return nlx_check(nl, r, what);
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
		return nlx_check(nl, r, what);
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
	ret = nlx_check(nl, rtnl_link_change(nl->sk, orig, change, 0), what);
out:
	rtnl_link_put(orig);
	rtnl_link_put(change);
	return ret;
}

static struct nl_addr *ip_addr(int family, const void *a, unsigned int plen)
{
	struct nl_addr *addr = nl_addr_build(family, a, family == AF_INET6 ?
					     sizeof(struct in6_addr) : sizeof(struct in_addr));

	if (addr)
		nl_addr_set_prefixlen(addr, (int)plen);
	return addr;
}

int nlx_addr_add_ip(struct nlx *nl, const char *ifname, int family, const void *a, unsigned int plen)
{
	struct rtnl_addr *ra = NULL;
	struct nl_addr *local = NULL;
	char what[128], txt[INET6_ADDRSTRLEN];
	int ret, ifindex;

	ret = nlx_ifindex(nl, ifname, &ifindex);
	if (ret)
		return ret;
	ra = rtnl_addr_alloc();
	local = ip_addr(family, a, plen);
	if (!ra || !local) {
		ret = -ENOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_prefixlen(ra, (int)plen);
	/* IPv6: usable at once, not tentative for a second of duplicate
	 * detection on a link that only the testbed has */
	if (family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	reset(nl);
	inet_ntop(family, a, txt, sizeof(txt));
	snprintf(what, sizeof(what), "adding address %s/%u to %s", txt, plen, ifname);
	ret = nlx_check(nl, rtnl_addr_add(nl->sk, ra, NLM_F_CREATE | NLM_F_EXCL), what);
out:
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return ret;
}

int nlx_addr_add(struct nlx *nl, const char *ifname, struct in_addr a, unsigned int plen)
{
	return nlx_addr_add_ip(nl, ifname, AF_INET, &a, plen);
}

int nlx_route_add_ip(struct nlx *nl, uint32_t table, int family, const void *dst, unsigned int plen,
		     const void *gw, const char *oif)
{
	struct rtnl_route *rt = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *d = NULL, *g = NULL;
	char what[160], txt[INET6_ADDRSTRLEN];
	int ret, ifindex = 0;

	if (oif) {
		ret = nlx_ifindex(nl, oif, &ifindex);
		if (ret)
			return ret;
	}
	rt = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	d = ip_addr(family, dst, plen);
	if (!rt || !nh || !d) {
		ret = -ENOMEM;
		goto out;
	}
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_table(rt, table ? table : RT_TABLE_MAIN);
	rtnl_route_set_dst(rt, d);
	if (ifindex)
		rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gw) {
		g = ip_addr(family, gw, family == AF_INET6 ? 128 : 32);
		if (!g) {
			ret = -ENOMEM;
			goto out;
		}
		rtnl_route_nh_set_gateway(nh, g);
	}
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* the route owns it now */
	reset(nl);
	inet_ntop(family, dst, txt, sizeof(txt));
	snprintf(what, sizeof(what), "adding route %s/%u table %u", txt, plen, table ? table : RT_TABLE_MAIN);
	ret = nlx_check(nl, rtnl_route_add(nl->sk, rt, NLM_F_CREATE | NLM_F_EXCL), what);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(g);
	nl_addr_put(d);
	rtnl_route_put(rt);
	return ret;
}

int nlx_route_add(struct nlx *nl, uint32_t table, struct in_addr dst, unsigned int plen,
		  const struct in_addr *gw, const char *oif)
{
	return nlx_route_add_ip(nl, table, AF_INET, &dst, plen, gw, oif);
}

int nlx_rule_add_ip(struct nlx *nl, int family, const void *src, unsigned int plen, uint32_t table,
		    uint32_t prio)
{
	struct rtnl_rule *rule;
	struct nl_addr *s;
	char what[160], txt[INET6_ADDRSTRLEN];
	int ret;

	rule = rtnl_rule_alloc();
	s = ip_addr(family, src, plen);
	if (!rule || !s) {
		ret = -ENOMEM;
		goto out;
	}
	rtnl_rule_set_family(rule, family);
	rtnl_rule_set_src(rule, s);
	rtnl_rule_set_table(rule, table);
	rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
	rtnl_rule_set_prio(rule, prio);
	reset(nl);
	inet_ntop(family, src, txt, sizeof(txt));
	snprintf(what, sizeof(what), "adding rule from %s/%u lookup %u", txt, plen, table);
	ret = nlx_check(nl, rtnl_rule_add(nl->sk, rule, NLM_F_CREATE | NLM_F_EXCL), what);
out:
	nl_addr_put(s);
	rtnl_rule_put(rule);
	return ret;
}

int nlx_rule_add(struct nlx *nl, struct in_addr src, unsigned int plen, uint32_t table, uint32_t prio)
{
	return nlx_rule_add_ip(nl, AF_INET, &src, plen, table, prio);
}

struct addr_walk {
	int ifindex;
	struct nlx_link_info *info;
};

/* Whether the n entries of len bytes at list hold the one at a. */
static bool seen(const void *list, size_t n, size_t len, const void *a)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (!memcmp((const uint8_t *)list + k * len, a, len))
			return true;
	return false;
}

/* An address seen twice is taken once: when the kernel marks a dump
 * interrupted (an IPv6 address leaving DAD changes the table), libnl's
 * nl_cache_refill() dumps again into the cache without clearing it, so the
 * cache can hold the same address twice (seen on a loaded machine). */
static void collect_addr(struct nl_object *o, void *arg)
{
	struct addr_walk *w = arg;
	struct rtnl_addr *ra = (struct rtnl_addr *)o;
	struct nl_addr *local = rtnl_addr_get_local(ra);
	struct nlx_link_info *i = w->info;
	const uint8_t *b;

	if (rtnl_addr_get_ifindex(ra) != w->ifindex || !local)
		return;
	b = nl_addr_get_binary_addr(local);
	if (rtnl_addr_get_family(ra) == AF_INET6) {
		/* the plan's, not the link-local ones every link has */
		if (i->n_addr6 >= ARRAY_SIZE(i->addr6) || nl_addr_get_len(local) != sizeof(struct in6_addr) ||
		    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||
		    seen(i->addr6, i->n_addr6, sizeof(i->addr6[0]), b))
			return;
		memcpy(&i->addr6[i->n_addr6], b, sizeof(struct in6_addr));
		i->plen6[i->n_addr6++] = (unsigned int)rtnl_addr_get_prefixlen(ra);
		return;
	}
	if (rtnl_addr_get_family(ra) != AF_INET)
		return;
	if (i->n_addr >= ARRAY_SIZE(i->addr) || nl_addr_get_len(local) != sizeof(struct in_addr) ||
	    seen(i->addr, i->n_addr, sizeof(i->addr[0]), b))
		return;
	memcpy(&i->addr[i->n_addr], b, sizeof(struct in_addr));
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
		/* no such interface: said by the caller (the kernel's errno, or
		 * libnl's on a socket of nlx_open_in()) */
		if (nl->err == -ENODEV || (!nl->err && nle_errno(r) == -ENODEV)) {
			reset(nl);
			return -ENODEV;
		}
		snprintf(what, sizeof(what), "looking up %s", name);
		return nlx_check(nl, r, what);
	}
	out->ifindex = rtnl_link_get_ifindex(link);
	out->mtu = rtnl_link_get_mtu(link);
	out->up = rtnl_link_get_flags(link) & IFF_UP;
	rtnl_link_put(link);
	reset(nl);
	r = rtnl_addr_alloc_cache(nl->sk, &cache);
	if (r < 0)
		return nlx_check(nl, r, "listing addresses");
	w.ifindex = out->ifindex;
	w.info = out;
	nl_cache_foreach(cache, collect_addr, &w);
	nl_cache_free(cache);
	return 0;
}
