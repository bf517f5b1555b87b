/* hosts_plan.h — what each machine of a hosts file builds (pure): the
 * address plan of topo.h on the named devices, unless the hosts file gives
 * a link's addresses (then those, and the routes between them), the
 * routes, the policy rules and the tunnel ends (agent_host.h's plan).
 *
 *   site  source: its lan address; a route to the drain lan via gw1
 *         drain:  one address per tunnel; a route to the source lan via gw2
 *         gw1:    lan + underlay addresses, forwarding, tunnel k to gw2's
 *                 underlay address, drain address k routed into tunnel k
 *         gw2:    the same, and replies from drain address k towards the
 *                 source lan into tunnel k (a rule and a table per tunnel)
 *   p2p   gw1, gw2: the underlay address and the tunnels; nothing routed
 *   --wg none: the gateways route the lans over the underlay instead.
 *
 * Each in the families of --ip (the underlay, the tunnels' endpoints: even
 * k over IPv4, odd over IPv6 with dual) and --inner (the lans, the tunnels'
 * addresses, allowed IPs, routes and rules), with topo_plan.h's numbers.
 * Addresses given in the file are IPv4: a link that gives one carries no
 * IPv6 (hosts_plan_families refuses it).
 */
#ifndef WGB_HOSTS_PLAN_H
#define WGB_HOSTS_PLAN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent_host.h"
#include "hosts_file.h"
#include "tun.h"

/* Keys of one run: [k][0] gw1's, [k][1] gw2's. */
struct hosts_keys {
	uint8_t priv[TOPO_TUNNELS_MAX][2][TUN_KEY_LEN];
	uint8_t pub[TOPO_TUNNELS_MAX][2][TUN_KEY_LEN];
};

struct hosts_plan_in {
	const struct hosts_file *hf;
	const char *prefix;
	enum tun_kind wg;
	unsigned int tunnels;
	const struct hosts_keys *keys;   /* NULL: none in the plans (a check) */
	unsigned int ip, inner;          /* TOPO_FAM_*, 0 meaning 4 */
};

/* Can the hosts file have this many tunnels? -EINVAL and why if not (a
 * drain address given in the file is one address: one tunnel). */
int hosts_plan_fits(const struct hosts_file *hf, unsigned int tunnels, char *why, size_t len);
/* Can the file's links carry these families? -EINVAL and why (the file,
 * the field) if a link with a given (IPv4) address would need IPv6. */
int hosts_plan_families(const struct hosts_file *hf, unsigned int ip, unsigned int inner, char *why,
			size_t len);
/* Node n's plan; -ENOENT when the file has no such node. */
int hosts_plan_node(const struct hosts_plan_in *in, enum topo_node_id n, struct agent_host_plan *out);
/* Where flow k's server listens in family af (drain address k; gw2's
 * tunnel address in p2p; the underlay's with --wg none in p2p). */
struct agent_host_ip hosts_plan_target(const struct hosts_file *hf, bool tunnel, unsigned int k, int af);
/* gw2's underlay address in family af (the file's, else the plan's). */
struct agent_host_ip hosts_plan_underlay(const struct hosts_file *hf, int af);
/* The nodes of the file's shape that run the clients and the servers. */
enum topo_node_id hosts_plan_client(const struct hosts_file *hf);
enum topo_node_id hosts_plan_server(const struct hosts_file *hf);
/* Fresh keys for every tunnel (libsodium). */
int hosts_plan_keys(unsigned int tunnels, struct hosts_keys *k);

#endif
