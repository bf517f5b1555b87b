/* nlx.h — the few rtnetlink operations the testbed needs, through libnl-3.
 *
 * One struct nlx is one NETLINK_ROUTE socket, bound to the network namespace
 * the calling thread was in when nlx_open() ran (a netlink socket keeps the
 * namespace it was created in), so a testbed opens one per node, once.
 * On a kernel error each function prints one line with what it was doing,
 * the errno text and the kernel's extended-ACK message when there is one,
 * and returns -errno.
 */
#ifndef WGB_NLX_H
#define WGB_NLX_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;

struct nlx;

/* label names the namespace in messages ("wgb-gw1"). */
int nlx_open(const char *label, struct nlx **out);
void nlx_close(struct nlx *nl);

/* For code that speaks libnl itself (dumps, generic netlink): a socket of
 * protocol proto (NETLINK_ROUTE, NETLINK_GENERIC) opened in the namespace at
 * netns_path (NULL: the calling thread's), extended ACKs on, its libnl
 * socket in nlx_sock(). nlx_check() turns a libnl result into 0 or -errno
 * and prints a failure with what was being done and the kernel's message;
 * nlx_errno() is the same, silent (an expected -ENODEV, say). */
int nlx_open_in(const char *netns_path, int proto, const char *label, struct nlx **out);
struct nl_sock *nlx_sock(struct nlx *nl);
int nlx_check(struct nlx *nl, int r, const char *what);
int nlx_errno(struct nlx *nl, int r);

/* veth pair: name here, peer in the namespace of peer_netns_fd (-1: here);
 * up brings this end up (the peer needs nlx_link_set() from its side). */
int nlx_veth_add(struct nlx *nl, const char *name, const char *peer, int peer_netns_fd, bool up);
int nlx_ifindex(struct nlx *nl, const char *name, int *ifindex);
/* mtu 0 keeps it. */
int nlx_link_set(struct nlx *nl, const char *name, unsigned int mtu, bool up);
int nlx_addr_add(struct nlx *nl, const char *ifname, struct in_addr a, unsigned int plen);
/* dst/plen into table (0: main) via gw (NULL: none) and/or dev oif (NULL: none). */
int nlx_route_add(struct nlx *nl, uint32_t table, struct in_addr dst, unsigned int plen,
		  const struct in_addr *gw, const char *oif);
/* "from src/plen lookup table" at priority prio. */
int nlx_rule_add(struct nlx *nl, struct in_addr src, unsigned int plen, uint32_t table, uint32_t prio);
/* The same for either family (AF_INET: struct in_addr, AF_INET6: struct
 * in6_addr); IPv6 addresses are added without duplicate detection. */
int nlx_addr_add_ip(struct nlx *nl, const char *ifname, int family, const void *a, unsigned int plen);
int nlx_route_add_ip(struct nlx *nl, uint32_t table, int family, const void *dst, unsigned int plen,
		     const void *gw, const char *oif);
int nlx_rule_add_ip(struct nlx *nl, int family, const void *src, unsigned int plen, uint32_t table,
		    uint32_t prio);

struct nlx_link_info {
	int ifindex;
	unsigned int mtu;
	bool up;
	struct in_addr addr[8];
	unsigned int plen[8];
	size_t n_addr;
	struct in6_addr addr6[8];      /* global and ULA ones, not link-local */
	unsigned int plen6[8];
	size_t n_addr6;
};
/* -ENODEV if there is no such interface. */
int nlx_link_info(struct nlx *nl, const char *name, struct nlx_link_info *out);

#endif
