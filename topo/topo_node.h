/* topo_node.h — one node of the testbed on its own, in the calling thread's
 * network namespace: what the netns testbed does for each namespace and what
 * a --backend vms guest does for itself (one guest per node).
 *
 * topo_node_routes() is the route plan of topo.h for node n (both backends
 * use it). topo_node_setup() builds node n inside a guest: it renames the
 * NICs the host wired (found by MAC) to the plan's interface names, gives
 * them the plan's addresses, turns forwarding on at the gateways, makes the
 * gateway's kernel WireGuard ends (keys from the host) and adds the routes.
 * The guest powers off at the end, so there is no teardown.
 */
#ifndef WGB_TOPO_NODE_H
#define WGB_TOPO_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "topo.h"
#include "tun.h"

struct json_object;
struct nlx;

/* inner: the traffic's families (enum topo_family): routes and rules for each. */
int topo_node_routes(struct nlx *nl, enum topo_node_id n, const char *prefix,
		     unsigned int tunnels, bool tunnel, unsigned int inner);

/* MAC the host gives node n's NIC on link r: 52:54:00:77:<n>:<r>. */
void topo_node_mac(enum topo_node_id n, enum topo_link_role r, uint8_t mac[6]);

struct topo_node_cfg {
	enum topo_node_id node;
	char prefix[TOPO_PREFIX_MAX + 1];
	unsigned int tunnels;
	bool wg;                                  /* kernel WireGuard, else plain routing */
	/* TOPO_FAM_* of the underlay and of the traffic inside (0: IPv4), as
	 * --ip and --inner; the setup and the view use the plan of topo_plan.h. */
	unsigned int ip, inner;
	/* The view only (a --backend hosts machine): its devices for the lan and
	 * the underlay ("": the plan's names), the tunnel's implementation
	 * (TUN_AUTO: kernel when wg), the testbed's shape. */
	char dev[2][IFNAMSIZ];
	enum tun_kind kind;
	enum topo_shape shape;
	uint8_t private_key[TOPO_TUNNELS_MAX][TUN_KEY_LEN];   /* gateways: this end's */
	uint8_t peer_public_key[TOPO_TUNNELS_MAX][TUN_KEY_LEN];
};

int topo_node_setup(const struct topo_node_cfg *c);

/* A struct topo for the knobs of a variant (variant.h) inside a guest: only
 * c->node is present, its namespace is this one (/proc/self/ns/net), its
 * interfaces have the plan's names. topo_free() releases it; never topo_down(). */
int topo_node_view(const struct topo_node_cfg *c, struct topo **out);
/* run.json's "network" (topo_network_json) of the view's node alone, read
 * back from its interfaces and, on a gateway, its end of each tunnel (the
 * other end's peer endpoint is the other gateway's to say). */
int topo_node_view_network(struct topo *t, struct json_object **out);
/* The process that carries tunnel k at the view's node (wireguard-go), for
 * the knobs that act on it (cpus). */
void topo_node_view_set_pid(struct topo *t, unsigned int k, pid_t pid);

#endif
