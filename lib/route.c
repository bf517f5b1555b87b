/* route.c — `ip route get` without ip: one RTM_GETROUTE in a namespace
 * (route.h), of either family, the kernel's answer kept whole (device,
 * gateway, preferred source, table) so a refusal can name the route it
 * chose. */
#include "route.h"
#include "nlx.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <string.h>

static size_t addr_len(int af)
{
	return af == AF_INET6 ? sizeof(struct in6_addr) : af == AF_INET ? sizeof(struct in_addr) : 0;
}

int route_addr_parse(const char *s, struct route_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (s && inet_pton(AF_INET, s, &out->u.v4) == 1)
		out->af = AF_INET;
	else if (s && inet_pton(AF_INET6, s, &out->u.v6) == 1)
		out->af = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

const char *route_addr_str(const struct route_addr *a, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = 0;
	if (!a->af || !inet_ntop(a->af, &a->u, buf, (socklen_t)len))
		buf[0] = 0;
	return buf;
}

void route_addr_of(const struct sockaddr_storage *ss, struct route_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (ss->ss_family == AF_INET)
		out->u.v4 = ((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss->ss_family == AF_INET6)
		out->u.v6 = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	else
		return;
	out->af = ss->ss_family;
}

struct answer {
	struct route_info *r;
	int oif;
	bool got;
};

/* An address attribute of the answer's family into a. */
static bool take_addr(struct nlattr *at, int af, struct route_addr *a)
{
	if (!at || (size_t)nla_len(at) != addr_len(af))
		return false;
	a->af = af;
	memcpy(&a->u, nla_data(at), addr_len(af));
	return true;
}

static int on_route(struct nl_msg *msg, void *arg)
{
	struct answer *a = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct rtmsg *rtm = nlmsg_data(h);
	struct nlattr *tb[RTA_MAX + 1];

	if (nlmsg_parse(h, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return NL_SKIP;
	a->got = true;
	a->r->type = rtm->rtm_type;
	a->r->table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	a->oif = tb[RTA_OIF] ? (int)nla_get_u32(tb[RTA_OIF]) : 0;
	a->r->has_gw = take_addr(tb[RTA_GATEWAY], rtm->rtm_family, &a->r->gw);
	a->r->has_src = take_addr(tb[RTA_PREFSRC], rtm->rtm_family, &a->r->src);
	return NL_OK;
}

static void describe(struct route_info *r)
{
	char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN] = "", src[INET6_ADDRSTRLEN] = "", table[16];
	int n;

	route_addr_str(&r->dst, dst, sizeof(dst));
	if (r->has_gw)
		route_addr_str(&r->gw, gw, sizeof(gw));
	if (r->has_src)
		route_addr_str(&r->src, src, sizeof(src));
	if (r->table == RT_TABLE_MAIN)
		snprintf(table, sizeof(table), "main");
	else if (r->table == RT_TABLE_LOCAL)
		snprintf(table, sizeof(table), "local");
	else
		snprintf(table, sizeof(table), "%u", r->table);
	n = snprintf(r->text, sizeof(r->text), "%s%s%s%s%s%s%s%s table %s",
		     r->type == RTN_LOCAL ? "local " : "", dst, r->has_gw ? " via " : "", gw,
		     r->oif[0] ? " dev " : "", r->oif, r->has_src ? " src " : "", src, table);
	if (n < 0)
		r->text[0] = 0;
}

static int oif_name(const char *netns_path, int ifindex, struct route_info *r)
{
	struct nlx *nl = NULL;
	struct rtnl_link *l = NULL;
	int ret = nlx_open_in(netns_path, NETLINK_ROUTE, "route", &nl);

	if (ret)
		return ret;
	if (rtnl_link_get_kernel(nlx_sock(nl), ifindex, NULL, &l) >= 0 && l)
		snprintf(r->oif, sizeof(r->oif), "%s", rtnl_link_get_name(l));
	else
		ret = -ENODEV;
	rtnl_link_put(l);
	nlx_close(nl);
	return ret;
}

/* The RTM_GETROUTE request: dst (and src) as host routes of their family. */
static int request(const struct route_addr *dst, const struct route_addr *src, int ifindex,
		   struct nl_msg **out)
{
	int alen = (int)addr_len(dst->af);
	struct rtmsg rtm = { .rtm_family = (unsigned char)dst->af, .rtm_dst_len = (unsigned char)(alen * 8) };
	struct nl_msg *m;

	if (src)
		rtm.rtm_src_len = (unsigned char)(alen * 8);
	m = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST);
	if (!m || nlmsg_append(m, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(m, RTA_DST, alen, &dst->u) < 0 || (src && nla_put(m, RTA_SRC, alen, &src->u) < 0) ||
	    (ifindex && nla_put_u32(m, RTA_IIF, (uint32_t)ifindex) < 0)) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

int route_get(const char *netns_path, const struct route_addr *dst, const struct route_addr *src,
	      const char *iif, struct route_info *out)
{
	struct answer a = { .r = out };
	struct nlx *nl = NULL;
	struct nl_msg *m = NULL;
	int ret, ifindex = 0, err;

	memset(out, 0, sizeof(*out));
	if (src && !src->af)
		src = NULL;   /* none given */
	if (!addr_len(dst->af) || (src && src->af != dst->af))
		return -EINVAL;
	out->dst = *dst;
	if ((ret = nlx_open_in(netns_path, NETLINK_ROUTE, "route", &nl)))
		return ret;
	if (iif && (ret = nlx_ifindex(nl, iif, &ifindex)))
		goto out;
	if ((ret = request(dst, src, ifindex, &m)))
		goto out;
	nl_socket_modify_cb(nlx_sock(nl), NL_CB_VALID, NL_CB_CUSTOM, on_route, &a);
	err = nl_send_auto(nlx_sock(nl), m);
	if (err >= 0)
		err = nl_recvmsgs_default(nlx_sock(nl));
	/* The kernel's refusal is the answer (EXDEV: rp_filter), said by the caller. */
	ret = nlx_errno(nl, err);
	if (!ret && !a.got)
		ret = -ENOENT;
	if (!ret && a.oif)
		ret = oif_name(netns_path, a.oif, out);
	if (!ret)
		describe(out);
out:
	nlmsg_free(m);
	nlx_close(nl);
	return ret;
}
