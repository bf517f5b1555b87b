/* hosts_file.h — the hosts file of --backend hosts (DESIGN.md "Machines:
 * the hosts file"), read strictly:
 *
 *   {"topology": "site"|"p2p",                       (optional: site)
 *    "nodes": {"gw1": {"ssh": "root@10.0.0.12",
 *                      "links": {"lan": "enp1s0",
 *                                "underlay": {"dev": "enp2s0", "address": "192.0.2.1/24"}}},
 *              ...}}
 *
 * site has source, gw1, gw2 and drain (source and drain a lan, the
 * gateways a lan and the underlay); p2p has gw1 and gw2 with the underlay
 * only. A link is a device name (the plan's address is added to it) or
 * {"dev","address"} (an address already there, used as it is); a link's
 * address is given at both its ends or at neither, and the two ends of a
 * lan share a subnet. Unknown keys, missing nodes or links, bad device
 * names, addresses or ssh destinations are errors, every one reported as
 * "FILE: nodes.gw2.links.underlay: what was expected" (exit 2).
 *
 * hosts_file_parse() works on a buffer and touches nothing (fuzzing,
 * tests); hosts_file_load() reads the file and prints every error.
 */
#ifndef WGB_HOSTS_FILE_H
#define WGB_HOSTS_FILE_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "topo.h"

#define HOSTS_FILE_MAX_ERRS 32

struct hosts_link {
	bool present;
	char dev[IFNAMSIZ];
	bool given;                   /* {"dev","address"}: the address is there already */
	struct in_addr addr;
	unsigned int plen;
};

struct hosts_node {
	bool present;
	char ssh[256];
	struct hosts_link link[2];    /* [LINK_LAN], [LINK_UNDERLAY] */
};

struct hosts_file {
	char path[PATH_MAX];
	enum topo_shape shape;
	struct hosts_node node[NODE__COUNT];
};

struct hosts_errs {
	char msg[HOSTS_FILE_MAX_ERRS][320];
	size_t n;                     /* reported; more may have been dropped */
	size_t dropped;
};

/* 0, or -EINVAL with every problem in errs (name prefixes each). */
int hosts_file_parse(const char *text, size_t len, const char *name, struct hosts_file *out,
		     struct hosts_errs *errs);
/* Read and parse path; each error printed. -EINVAL, -ENOENT... */
int hosts_file_load(const char *path, struct hosts_file *out);

#endif
