/* route.h — the kernel's route for one IPv4 destination in the calling
 * thread's namespace, as `ip route get DST [from SRC iif IF]` shows it:
 * live mode's checks on this machine and its peer's agent both ask it. */
#ifndef WGB_ROUTE_H
#define WGB_ROUTE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct route_info {
	char oif[IFNAMSIZ];             /* "" when none (a local or unreachable route) */
	struct in_addr dst, gw, src;
	bool has_gw, has_src;
	uint32_t table;
	unsigned int type;              /* RTN_UNICAST, RTN_LOCAL... */
	char text[192];                 /* "10.77.0.2 via 192.0.2.2 dev ul0 src 192.0.2.1 table main" */
};

/* src and iif optional (0, NULL). 0, or the kernel's -errno (-EXDEV: the
 * reverse-path filter refused it, -ENETUNREACH / -EHOSTUNREACH: no route). */
int route_get(struct in_addr dst, struct in_addr src, const char *iif, struct route_info *out);

#endif
