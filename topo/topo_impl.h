/* topo_impl.h — what topo.c, topo_status.c and topo_clean.c share: the
 * struct topo itself. Not for other layers (they use topo.h). */
#ifndef WGB_TOPO_IMPL_H
#define WGB_TOPO_IMPL_H

#include <arpa/inet.h>
#include <net/if.h>

#include "state.h"
#include "topo.h"
#include "tun.h"

struct nlx;
struct topo_tun_work;

struct topo_node_rt {
	char netns[32];
	char path[64];
	int fd;                        /* the namespace, -1 until made */
	struct nlx *nl;                /* its route socket, opened once */
	char ifname[2][IFNAMSIZ];      /* [LINK_LAN], [LINK_UNDERLAY]; "" if none */
};

struct topo_tun {
	char ifname[2][IFNAMSIZ];      /* [0] gw1, [1] gw2 */
	struct tun_end end[2];
};

struct topo {
	struct topo_config cfg;
	const struct tun_ops *ops;     /* NULL with --wg none */
	const struct tun_ops *wg_ops;  /* the chosen implementation, also none */
	struct topo_state st;          /* what has been made, as in the state file */
	struct topo_node_rt node[NODE__COUNT];
	struct topo_tun *tun;          /* cfg.tunnels of them when ops != NULL */
	/* [0] IPv4, [1] IPv6; "" where --inner has not that family */
	char source_addr[2][INET6_ADDRSTRLEN];
	char drain_addr[2][TOPO_TUNNELS_MAX][INET6_ADDRSTRLEN];
	struct topo_tun_work *tun_work; /* ends being made, between start and finish */
	int lock_fd;
	double t0;                     /* start of topo_up(), for debug timing */
	unsigned int only_nodes;       /* a bit per node present; 0: all (a vms guest has one) */
};

/* Allocate and name everything for cfg (no side effects). */
int topo_alloc(const struct topo_config *cfg, struct topo **out);
/* Open node n's namespace fd and route socket if not open yet. */
int topo_node_open(struct topo *t, enum topo_node_id n);
/* Record a step in the state file, then honour the test hook and signals. */
int topo_record(struct topo *t, const char *step);
/* The drain addresses and the source's in each of --inner's families: a
 * tunnel's, or the underlay's with --wg none in p2p (topo_addr.c). */
void topo_set_addrs(struct topo *t, bool tunnel);
/* Node n's plan addresses on link r (tunnel k, drain address k) in each
 * family that link carries (the underlay --ip's, the others --inner's). */
int topo_add_addr(struct topo *t, enum topo_node_id n, enum topo_link_role r, unsigned int k,
		  const char *ifname);
/* The same on route socket nl in the families fam (enum topo_family): what
 * a --backend vms guest adds for itself (topo_node.c). */
int topo_addr_add(struct nlx *nl, unsigned int fam, enum topo_node_id n, enum topo_link_role r,
		  unsigned int k, const char *ifname);
/* The tunnel ends (topo_tun.c): start creates the first few on threads
 * (the gateways' namespaces must exist) and returns; finish waits for them,
 * records them, gives them addresses, MTU and link state, and makes the
 * rest. With abort it only waits and records, for a teardown. */
int topo_tunnels_start(struct topo *t);
int topo_tunnels_finish(struct topo *t, bool abort);
/* Kill processes, delete namespaces and sockets of a prefix: what the state
 * says and what scanning finds. Adds to the counters. */
struct topo_sweep_count { unsigned int netns, procs, files; };
int topo_sweep(const char *prefix, const struct topo_state *st, struct topo_sweep_count *c);

#endif
