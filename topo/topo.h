/* topo.h — the testbed: four nodes, their links, addresses, routes and tunnels.
 *
 *      source ──lan── gw1 ══underlay══ gw2 ──lan── drain
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

#include "opts.h"

struct json_object;
struct topo;

enum topo_node_id { NODE_SOURCE, NODE_GW1, NODE_GW2, NODE_DRAIN, NODE__COUNT };
enum topo_link_role { LINK_LAN, LINK_UNDERLAY, LINK_TUNNEL };

struct topo_config {
	char prefix[OPTS_PREFIX_MAX + 1];
	enum tun_kind wg;           /* TUN_AUTO is resolved by topo_up() */
	unsigned int tunnels;
	/* Processes (wireguard-go) outlive this process: for `topo up`, whose
	 * testbed stays after it exits. Otherwise they die with their owner. */
	bool persistent;
};

void topo_config_from_opts(struct topo_config *cfg, const struct opts *o);

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

/* The status document of DESIGN.md ("Testbed status"). */
int topo_status_json(const struct topo *t, struct json_object **out);

const char *topo_node_name(enum topo_node_id n);
int topo_node_from_name(const char *name, enum topo_node_id *out);
const char *topo_link_name(enum topo_link_role r);
const char *topo_prefix(const struct topo *t);
enum tun_kind topo_wg(const struct topo *t);
unsigned int topo_tunnels(const struct topo *t);

/* Namespace name and path (/run/netns/<name>) of a node. */
const char *topo_node_netns(const struct topo *t, enum topo_node_id n);
int topo_node_netns_path(const struct topo *t, enum topo_node_id n, char *buf, size_t len);
/* Interface of a node on a link (k: tunnel index, else 0); NULL if none. */
const char *topo_ifname(const struct topo *t, enum topo_node_id n, enum topo_link_role r, unsigned int k);

/* Addresses as dotted strings. */
const char *topo_source_addr(const struct topo *t);
const char *topo_drain_addr(const struct topo *t, unsigned int k);

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
