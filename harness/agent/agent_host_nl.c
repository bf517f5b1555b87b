/* agent_host_nl.c — the netlink a host's part needs beyond nlx.h: removing
 * an address, a route, a rule, a link; a rule with a destination (so that
 * a drain address's replies go into its tunnel only towards the source lan,
 * and the machine's own traffic from that address is left alone). Raw
 * libnl on nlx's socket, its errors through nlx_check()/nlx_errno(); either
 * family, the address's. */
#include "agent_host_impl.h"
#include "nlx.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

static struct nl_addr *nl_ip(const struct agent_host_ip *a)
{
	struct nl_addr *addr = a->af == AF_INET6 ? nl_addr_build(AF_INET6, &a->v6, sizeof(a->v6)) :
			       nl_addr_build(AF_INET, &a->v4, sizeof(a->v4));

	if (addr)
		nl_addr_set_prefixlen(addr, (int)a->plen);
	return addr;
}

/* Already gone is what a removal wants. */
static int gone_ok(int ret)
{
	return ret == -EADDRNOTAVAIL || ret == -ENOENT || ret == -ESRCH || ret == -ENODEV ? 0 : ret;
}

int agent_host_nl_addr_del(struct nlx *nl, const char *dev, const struct agent_host_ip *a)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = nl_ip(a);
	int ret, ifindex = 0;

	ret = ra && local ? 0 : -ENOMEM;
	if (!ret && nlx_ifindex(nl, dev, &ifindex))
		ret = -ENODEV;   /* the device is gone, its addresses with it */
	if (!ret) {
		rtnl_addr_set_ifindex(ra, ifindex);
		rtnl_addr_set_family(ra, a->af);
		rtnl_addr_set_local(ra, local);
		rtnl_addr_set_prefixlen(ra, (int)a->plen);
		ret = nlx_errno(nl, rtnl_addr_delete(nlx_sock(nl), ra, 0));
	}
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return gone_ok(ret);
}

int agent_host_nl_route_del(struct nlx *nl, const struct agent_host_route *r)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct nl_addr *d = nl_ip(&r->dst);
	int ret = rt && d ? 0 : -ENOMEM;

	if (!ret) {
		rtnl_route_set_family(rt, r->dst.af);
		rtnl_route_set_table(rt, r->table ? r->table : RT_TABLE_MAIN);
		rtnl_route_set_dst(rt, d);
		rtnl_route_set_scope(rt, RT_SCOPE_NOWHERE);   /* any scope */
		ret = nlx_errno(nl, rtnl_route_delete(nlx_sock(nl), rt, 0));
	}
	nl_addr_put(d);
	rtnl_route_put(rt);
	return gone_ok(ret);
}

int agent_host_nl_rule(struct nlx *nl, const struct agent_host_rule *r, bool add)
{
	struct rtnl_rule *rule = rtnl_rule_alloc();
	struct nl_addr *s = nl_ip(&r->from), *d = nl_ip(&r->to);
	char what[160], a[AGENT_HOST_IP_STRLEN], b[AGENT_HOST_IP_STRLEN];
	int ret = rule && s && d ? 0 : -ENOMEM;

	if (!ret) {
		rtnl_rule_set_family(rule, r->from.af);
		rtnl_rule_set_src(rule, s);
		rtnl_rule_set_dst(rule, d);
		rtnl_rule_set_table(rule, r->table);
		rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
		rtnl_rule_set_prio(rule, r->prio);
		agent_host_ip_str(&r->from, true, a, sizeof(a));
		agent_host_ip_str(&r->to, true, b, sizeof(b));
		snprintf(what, sizeof(what), "adding rule from %s to %s lookup %u", a, b, r->table);
		if (add)
			ret = nlx_check(nl, rtnl_rule_add(nlx_sock(nl), rule, NLM_F_CREATE | NLM_F_EXCL), what);
		else
			ret = gone_ok(nlx_errno(nl, rtnl_rule_delete(nlx_sock(nl), rule, 0)));
	}
	nl_addr_put(s);
	nl_addr_put(d);
	rtnl_rule_put(rule);
	return ret;
}

struct link_walk {
	const char *prefix;
	char (*names)[IFNAMSIZ];
	size_t max, n;
};

static void take_link(struct nl_object *o, void *arg)
{
	struct link_walk *w = arg;
	const char *name = rtnl_link_get_name((struct rtnl_link *)o);

	if (name && !strncmp(name, w->prefix, strlen(w->prefix)) && w->n < w->max)
		snprintf(w->names[w->n++], IFNAMSIZ, "%s", name);
}

int agent_host_nl_links(struct nlx *nl, const char *prefix, char (*names)[IFNAMSIZ], size_t max,
			size_t *n)
{
	struct link_walk w = { prefix, names, max, 0 };
	struct nl_cache *cache = NULL;
	int ret = nlx_check(nl, rtnl_link_alloc_cache(nlx_sock(nl), AF_UNSPEC, &cache), "listing links");

	if (!ret)
		nl_cache_foreach(cache, take_link, &w);
	nl_cache_free(cache);
	*n = w.n;
	return ret;
}

int agent_host_nl_link_del(struct nlx *nl, const char *name)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int ret = l ? 0 : -ENOMEM;

	if (!ret) {
		rtnl_link_set_name(l, name);
		ret = gone_ok(nlx_errno(nl, rtnl_link_delete(nlx_sock(nl), l)));
	}
	rtnl_link_put(l);
	return ret;
}
