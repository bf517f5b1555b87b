/* route.h — the kernel's route for one destination of either family, in
 * a namespace, as `ip route get DST [from SRC iif IF]` shows it: live
 * mode's checks on this machine, its peer's agent and the doctor's route
 * lookups all ask it. One address type for both families beside it. */
#ifndef WGB_ROUTE_H
#define WGB_ROUTE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 address; af 0: none. */
struct route_addr {
	int af;                         /* AF_INET, AF_INET6, 0 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

/* A numeric address of either family (nothing is resolved): 0, or -EINVAL. */
int route_addr_parse(const char *s, struct route_addr *out);
/* Its text into buf ("" for none); buf. */
const char *route_addr_str(const struct route_addr *a, char *buf, size_t len);
/* The address of a socket address (a WireGuard endpoint), af 0 for none. */
void route_addr_of(const struct sockaddr_storage *ss, struct route_addr *out);

struct route_info {
	char oif[IFNAMSIZ];             /* "" when none (a local or unreachable route) */
	struct route_addr dst, gw, src;
	bool has_gw, has_src;
	uint32_t table;
	unsigned int type;              /* RTN_UNICAST, RTN_LOCAL... */
	char text[256];                 /* "10.77.0.2 via 192.0.2.2 dev ul0 src 192.0.2.1 table main" */
};

/* In the namespace at netns_path (NULL: the caller's); src and iif
 * optional (NULL), src of dst's family. 0, or the kernel's -errno (-EXDEV:
 * the reverse-path filter refused it, -ENETUNREACH / -EHOSTUNREACH: no
 * route), -EINVAL for an address of no or another family. */
int route_get(const char *netns_path, const struct route_addr *dst, const struct route_addr *src,
	      const char *iif, struct route_info *out);

#endif
