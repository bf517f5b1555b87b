/* route.c — `ip route get` without ip: one RTM_GETROUTE in this
 * namespace (route.h), the kernel's answer kept whole (device, gateway,
 * preferred source, table) so a refusal can name the route it chose. */
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

struct answer {
	struct route_info *r;
	int oif;
	bool got;
};

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
	if (tb[RTA_GATEWAY] && nla_len(tb[RTA_GATEWAY]) == 4) {
		memcpy(&a->r->gw, nla_data(tb[RTA_GATEWAY]), 4);
		a->r->has_gw = true;
	}
	if (tb[RTA_PREFSRC] && nla_len(tb[RTA_PREFSRC]) == 4) {
		memcpy(&a->r->src, nla_data(tb[RTA_PREFSRC]), 4);
		a->r->has_src = true;
	}
	return NL_OK;
}

static void describe(struct route_info *r)
{
	char dst[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN] = "", src[INET_ADDRSTRLEN] = "", table[16];
	int n;

	inet_ntop(AF_INET, &r->dst, dst, sizeof(dst));
	if (r->has_gw)
		inet_ntop(AF_INET, &r->gw, gw, sizeof(gw));
	if (r->has_src)
		inet_ntop(AF_INET, &r->src, src, sizeof(src));
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

static int oif_name(int ifindex, struct route_info *r)
{
	struct nlx *nl = NULL;
	struct rtnl_link *l = NULL;
	int ret = nlx_open_in(NULL, NETLINK_ROUTE, "route", &nl);

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

int route_get(struct in_addr dst, struct in_addr src, const char *iif, struct route_info *out)
{
	struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_dst_len = 32 };
	struct answer a = { .r = out };
	struct nlx *nl = NULL;
	struct nl_msg *m = NULL;
	int ret, ifindex = 0, err;

	memset(out, 0, sizeof(*out));
	out->dst = dst;
	if ((ret = nlx_open_in(NULL, NETLINK_ROUTE, "route", &nl)))
		return ret;
	if (iif && (ret = nlx_ifindex(nl, iif, &ifindex)))
		goto out;
	ret = -ENOMEM;
	if (src.s_addr)
		rtm.rtm_src_len = 32;
	m = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST);
	if (!m || nlmsg_append(m, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(m, RTA_DST, 4, &dst) < 0 || (src.s_addr && nla_put(m, RTA_SRC, 4, &src) < 0) ||
	    (ifindex && nla_put_u32(m, RTA_IIF, (uint32_t)ifindex) < 0))
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
		ret = oif_name(a.oif, out);
	if (!ret)
		describe(out);
out:
	nlmsg_free(m);
	nlx_close(nl);
	return ret;
}
