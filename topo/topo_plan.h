/* topo_plan.h — the pure part of the testbed: names and the address plan of
 * topo.h's comment, computed without touching the machine (unit-tested). */
#ifndef WGB_TOPO_PLAN_H
#define WGB_TOPO_PLAN_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "topo.h"

#define TOPO_PORT_BASE 51820
#define TOPO_TUNNEL_MTU 1420
#define TOPO_RULE_TABLE_BASE 1000
#define TOPO_RULE_PRIO_BASE 1000

/* <prefix><node name>; -ENAMETOOLONG if it does not fit. */
int topo_plan_netns(const char *prefix, enum topo_node_id n, char *buf, size_t len);
/* <prefix><suffix> of node n's interface on link r (tunnel k); -ENOENT if
 * the node has none there (source has no underlay), -ENAMETOOLONG past 15. */
int topo_plan_ifname(const char *prefix, enum topo_node_id n, enum topo_link_role r,
		     unsigned int k, char *buf, size_t len);
/* Node n's address on link r (tunnel k, or drain address k on the lan);
 * -ENOENT if none. */
int topo_plan_addr(enum topo_node_id n, enum topo_link_role r, unsigned int k,
		   struct in_addr *a, unsigned int *plen);
/* The same in IPv6 (topo.h's plan): fd77:<link>[:<k>]::<host>/64. */
int topo_plan_addr6(enum topo_node_id n, enum topo_link_role r, unsigned int k,
		    struct in6_addr *a, unsigned int *plen);
/* Either of the two in family af (AF_INET, AF_INET6), as text. */
int topo_plan_addr_str(enum topo_node_id n, enum topo_link_role r, unsigned int k, int af,
		       char *buf, size_t len);
/* fd77:b:c::d */
struct in6_addr topo_plan_ip6(uint16_t b, uint16_t c, uint16_t d);
/* Network of a link ("10.101.0.0/24" is lan of the source side). */
struct in_addr topo_plan_ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
uint16_t topo_plan_port(unsigned int k);
/* Where flow k's server listens (the "drain address" k) in a testbed of
 * this shape, with a tunnel or without (--wg none); and where its clients
 * send from (the source's address). */
struct in_addr topo_plan_target(enum topo_shape s, bool tunnel, unsigned int k);
struct in_addr topo_plan_origin(enum topo_shape s, bool tunnel);
struct in6_addr topo_plan_target6(enum topo_shape s, bool tunnel, unsigned int k);
struct in6_addr topo_plan_origin6(enum topo_shape s, bool tunnel);

struct tun_end_cfg;
/* The plan part of tunnel k's end at gateway g (0: gw1, 1: gw2): listen
 * port, peer endpoint (of the family --ip gives tunnel k) and allowed IPs
 * (each family of --inner) (no names, keys or namespace). ip, inner: enum
 * topo_family, 0 meaning 4. */
void topo_plan_tun_end(unsigned int k, int g, unsigned int ip, unsigned int inner,
		       struct tun_end_cfg *c);

#endif
