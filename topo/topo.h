/* topo.h — the testbed: four nodes, their links, addresses, routes and tunnels.
 *
 *      source ──lan── gw1 ══underlay══ gw2 ──lan── drain       (site)
 *                      └──── tunnel k ────┘
 *                     gw1 ══underlay══ gw2                      (p2p)
 *                      └──── tunnel k ────┘
 *
 * Address plan (IPv4; identical in every backend):
 *   lan source–gw1   10.101.0.0/24   source .2   gw1 .1
 *   underlay         10.100.0.0/24   gw1 .1      gw2 .2
 *   tunnel k         10.102.k.0/24   gw1 .1      gw2 .2    UDP port 51820+k
 *   lan gw2–drain    10.103.0.0/24   gw2 .1      drain .10+k (one address per tunnel)
 * gw1 routes drain address k into tunnel k; gw2 sends what drain address k
 * answers back through tunnel k (a policy rule per source address).
 * With --wg none the gateways route the lans over the underlay instead.
 *
 * IPv6 (ULA fd77::/16, a /64 per link; the same host numbers in hex):
 *   lan source–gw1   fd77:101::/64     source ::2  gw1 ::1
 *   underlay         fd77:100::/64     gw1 ::1     gw2 ::2
 *   tunnel k         fd77:102:k::/64   gw1 ::1     gw2 ::2   (k in hex)
 *   lan gw2–drain    fd77:103::/64     gw2 ::1     drain ::10+k (::10, ::11, ...)
 * --ip (the underlay's families) gives the underlay its IPv4 and/or IPv6
 * addresses; tunnel k's endpoints are IPv4 with --ip 4, IPv6 with --ip 6,
 * and alternate with --ip dual (even k IPv4, odd k IPv6: one testbed has
 * both overheads). --inner (the traffic's families) gives the lans and the
 * tunnels theirs, with routes, rules and allowed IPs for each. With --wg
 * none the lans are routed over the underlay, so --inner must lie in --ip.
 *
 * p2p (--topology p2p, reference 002's two-peer mesh): gw1 and gw2 only, the
 * underlay and the tunnels, no lans and no routes; the traffic's endpoints
 * run on the gateways themselves, so the "drain address" k is gw2's tunnel k
 * address 10.102.k.2 (its underlay address with --wg none). The roles keep
 * their names: topo_role_node() says gw1 plays source and gw2 drain, and
 * topo_node_netns*() of source/drain give those gateways' namespaces.
 *
 * Names: the namespace of node N is <prefix>N ("wgb-gw1"); every interface is
 * <prefix><suffix> ("wgb-g1t0"), so tunnel names are unique on the machine.
 *
 * Ownership: topo_up() returns a struct topo that owns everything it made;
 * topo_down() removes it all and topo_free() releases the memory. A state
 * file (/run/wgbench/<prefix>state.json) records each thing as it is made, so
 * topo_cleanup() can remove a testbed whose owner was killed.
 *
 * Errors: 0 or -errno; the cause is printed once where it is known.
 * -EINVAL/-ENOENT/-EEXIST/-EPERM/-EBUSY mean bad input or an unmet
 * precondition (exit 2 at the command layer).
 */
#ifndef WGB_TOPO_H
#define WGB_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tun.h"

#define TOPO_PREFIX_DEFAULT "wgb-"
/* Interface names are prefix + up to 6 characters ("g1t127"); IFNAMSIZ is 16. */
#define TOPO_PREFIX_MAX 9
#define TOPO_TUNNELS_MAX 128

struct json_object;
struct topo;

enum topo_node_id { NODE_SOURCE, NODE_GW1, NODE_GW2, NODE_DRAIN, NODE__COUNT };
enum topo_link_role { LINK_LAN, LINK_UNDERLAY, LINK_TUNNEL };
enum topo_shape { TOPO_SITE, TOPO_P2P };

/* "site", "p2p"; from_name: -EINVAL for anything else. */
const char *topo_shape_name(enum topo_shape s);
int topo_shape_from_name(const char *name, enum topo_shape *out);

/* Address families: a bit each, so dual is both; 0 in a config means 4. */
enum topo_family { TOPO_FAM_4 = 1, TOPO_FAM_6 = 2, TOPO_FAM_DUAL = 3 };
/* "4", "6", "dual"; from_name: -EINVAL for anything else. */
const char *topo_family_name(unsigned int f);
int topo_family_from_name(const char *name, unsigned int *out);
/* AF_INET or AF_INET6: the family of tunnel k's endpoints for --ip f. */
int topo_family_tunnel_af(unsigned int f, unsigned int k);

struct topo_config {
	char prefix[TOPO_PREFIX_MAX + 1];
	enum topo_shape shape;
	enum tun_kind wg;           /* TUN_AUTO is resolved by topo_up() */
	unsigned int tunnels;
	/* Processes (wireguard-go) outlive this process: for `topo up`, whose
	 * testbed stays after it exits. Otherwise they die with their owner. */
	bool persistent;
	unsigned int ip;            /* the underlay's families (enum topo_family) */
	unsigned int inner;         /* the traffic's, inside the tunnel */
};

/* Build the whole testbed; on failure nothing is left behind. */
int topo_up(const struct topo_config *cfg, struct topo **out);
/* Load a live testbed built earlier (by `topo up`) from its state file. */
int topo_attach(const char *prefix, struct topo **out);
/* topo_attach() for exclusive use until topo_free(): takes the testbed's
 * lock (-EBUSY while another wgbench holds it) and refuses a stale one whose
 * tunnel processes are gone (-ENOENT). topo_free() leaves it up. */
int topo_claim(const char *prefix, struct topo **out);
/* Mark a claimed testbed as changed from what `topo up` built (what: who
 * changed it and how), until topo_mark_clear(); a later claim refuses it
 * while marked. */
int topo_mark_modified(const struct topo *t, const char *what);
int topo_mark_clear(const struct topo *t);
/* Remove everything the testbed made. */
int topo_down(struct topo *t);
void topo_free(struct topo *t);
/* topo_down() then topo_free(), *t set to NULL (NULL-safe); if anything
 * remained, a warning names the `wgbench cleanup` command that removes it. */
void topo_teardown(struct topo **t);
/* Remove whatever a testbed with this prefix left behind, from its state
 * file and by scanning (namespaces, processes, sockets, host knobs). */
int topo_cleanup(const char *prefix, bool quiet);
/* May `cleanup` without --prefix remove this testbed? 1 when a run that
 * died left it (its state says it was not up on purpose, or is incomplete,
 * corrupt or missing pieces); 0 with the reason in why when it is kept: a
 * running wgbench holds it, or `topo up` left it up with everything alive. */
int topo_clean_orphaned(const char *prefix, char *why, size_t len);

/* The status document of DESIGN.md ("Testbed status"). */
int topo_status_json(const struct topo *t, struct json_object **out);
/* run.json's "network": {"ip", "inner", "nodes" (interfaces with the
 * addresses read back), "tunnels": [{"index", "peer_endpoints"}]}. */
int topo_network_json(const struct topo *t, struct json_object **out);

const char *topo_node_name(enum topo_node_id n);
int topo_node_from_name(const char *name, enum topo_node_id *out);
const char *topo_link_name(enum topo_link_role r);
const char *topo_prefix(const struct topo *t);
enum topo_shape topo_shape(const struct topo *t);
/* Is node n one of the testbed's (all four in site; gw1 and gw2 in p2p;
 * the one node of a guest's or a host's view, topo_node.h)? */
bool topo_node_here(const struct topo *t, enum topo_node_id n);
/* The node that plays role (source: the traffic's clients, drain: its
 * servers): itself, but gw1 and gw2 in p2p. */
enum topo_node_id topo_role_node(const struct topo *t, enum topo_node_id role);
enum tun_kind topo_wg(const struct topo *t);
unsigned int topo_tunnels(const struct topo *t);

/* Namespace name and path (/run/netns/<name>) of a node. */
const char *topo_node_netns(const struct topo *t, enum topo_node_id n);
int topo_node_netns_path(const struct topo *t, enum topo_node_id n, char *buf, size_t len);
/* Interface of a node on a link (k: tunnel index, else 0); NULL if none. */
const char *topo_ifname(const struct topo *t, enum topo_node_id n, enum topo_link_role r, unsigned int k);

/* Addresses as strings: the traffic's first family (IPv4 unless --inner 6). */
const char *topo_source_addr(const struct topo *t);
const char *topo_drain_addr(const struct topo *t, unsigned int k);
/* The same in family af (AF_INET, AF_INET6); NULL if --inner has not it. */
const char *topo_source_addr_af(const struct topo *t, int af);
const char *topo_drain_addr_af(const struct topo *t, unsigned int k, int af);
/* The families (enum topo_family) of the underlay and of the traffic. */
unsigned int topo_ip(const struct topo *t);
unsigned int topo_inner(const struct topo *t);

/* Tunnel end statistics (one peer per end). */
struct topo_tunnel_stats {
	uint64_t rx_bytes, tx_bytes;
	uint64_t last_handshake_sec;   /* 0: never */
};
int topo_tunnel_stats(const struct topo *t, unsigned int k, enum topo_node_id gw,
		      struct topo_tunnel_stats *out);
/* PIDs of the processes that carry tunnel k at a gateway (wireguard-go), or
 * none for the kernel implementation (its threads are found by name). */
pid_t topo_tunnel_pid(const struct topo *t, unsigned int k, enum topo_node_id gw);
/* "kernel <release>" or "wireguard-go <version>" or "none". */
const char *topo_wg_version(const struct topo *t);

#endif
