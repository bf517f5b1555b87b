/* topo_addr.c — the testbed's addresses in each family it carries: the
 * strings run and doctor aim at, and the addresses a step adds (topo.h's
 * plan, topo_plan.c's numbers). */
#include "topo_impl.h"
#include "topo_plan.h"
#include "nlx.h"

#include <arpa/inet.h>
#include <string.h>

/* The drain addresses (where the servers listen) and the source's: a
 * tunnel's, or the underlay's with --wg none in p2p. */
void topo_set_addrs(struct topo *t, bool tunnel)
{
	bool v4 = t->cfg.inner & TOPO_FAM_4, v6 = t->cfg.inner & TOPO_FAM_6;
	struct in6_addr a6;
	struct in_addr a;
	unsigned int k;

	memset(t->drain_addr, 0, sizeof(t->drain_addr));
	memset(t->source_addr, 0, sizeof(t->source_addr));
	for (k = 0; k < t->cfg.tunnels; k++) {
		a = topo_plan_target(t->cfg.shape, tunnel, k);
		a6 = topo_plan_target6(t->cfg.shape, tunnel, k);
		if (v4)
			inet_ntop(AF_INET, &a, t->drain_addr[0][k], sizeof(t->drain_addr[0][k]));
		if (v6)
			inet_ntop(AF_INET6, &a6, t->drain_addr[1][k], sizeof(t->drain_addr[1][k]));
	}
	a = topo_plan_origin(t->cfg.shape, tunnel);
	a6 = topo_plan_origin6(t->cfg.shape, tunnel);
	if (v4)
		inet_ntop(AF_INET, &a, t->source_addr[0], sizeof(t->source_addr[0]));
	if (v6)
		inet_ntop(AF_INET6, &a6, t->source_addr[1], sizeof(t->source_addr[1]));
}

int topo_addr_add(struct nlx *nl, unsigned int fam, enum topo_node_id n, enum topo_link_role r,
		  unsigned int k, const char *ifname)
{
	unsigned int plen;
	struct in6_addr a6;
	struct in_addr a;
	int ret = 0;

	if (fam & TOPO_FAM_4) {
		ret = topo_plan_addr(n, r, k, &a, &plen);
		if (!ret)
			ret = nlx_addr_add(nl, ifname, a, plen);
	}
	if (!ret && (fam & TOPO_FAM_6)) {
		ret = topo_plan_addr6(n, r, k, &a6, &plen);
		if (!ret)
			ret = nlx_addr_add_ip(nl, ifname, AF_INET6, &a6, plen);
	}
	return ret;
}

int topo_add_addr(struct topo *t, enum topo_node_id n, enum topo_link_role r, unsigned int k,
		    const char *ifname)
{
	return topo_addr_add(t->node[n].nl, r == LINK_UNDERLAY ? t->cfg.ip : t->cfg.inner, n, r, k, ifname);
}
