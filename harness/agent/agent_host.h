/* agent_host.h — one machine's part of a --backend hosts testbed, made by
 * the agent on that machine (agent_node.h: check, build, down, facts,
 * cleanup).
 *
 * The plan says everything and is computed by the controller
 * (harness/hosts/hosts_plan.c): which addresses go on which of the
 * machine's devices (extra addresses; or given in the hosts file and
 * already there), the routes and policy rules, the tunnel ends (keys, port,
 * peer endpoint, allowed IPs, address), whether the machine forwards. It
 * crosses the channel as JSON (agent_host_plan_json/_parse, pure).
 *
 * The build records each thing in the host's state file
 * /run/wgbench/<prefix>agent.json BEFORE making it, so what a killed agent
 * made can be removed by the next one (agent_host_cleanup, `wgbench cleanup
 * --hosts`); the teardown removes it all in reverse order and puts back
 * what it changed (ip_forward). Nothing of the machine's own is replaced:
 * routes are added, never changed; tunnel interfaces carry the prefix. The
 * prefix's lock (/run/wgbench/<prefix>agent.lock) is held from the check
 * to the agent's end, so two runs of one prefix never share a machine.
 *
 * Errors: 0 or -errno, why says it in one line for the controller.
 */
#ifndef WGB_AGENT_HOST_H
#define WGB_AGENT_HOST_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo.h"
#include "tun.h"

/* Per family: a drain address per tunnel, and the links' own. */
#define AGENT_HOST_ADDRS (2 * (TOPO_TUNNELS_MAX + 4))
#define AGENT_HOST_ROUTES (2 * (TOPO_TUNNELS_MAX + 4))
#define AGENT_HOST_RULES (2 * TOPO_TUNNELS_MAX)
#define AGENT_HOST_IP_STRLEN (INET6_ADDRSTRLEN + 4)   /* "X::Y/128" */
#define AGENT_HOST_STATE_SCHEMA "wgbench.agent-state/1"

struct json_object;
struct sample_node_spec;
struct topo_node_cfg;

/* An address of either family, with its prefix length where one is meant. */
struct agent_host_ip {
	int af;                       /* AF_INET: v4, AF_INET6: v6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	unsigned int plen;
};

struct agent_host_addr {
	char dev[IFNAMSIZ];
	struct agent_host_ip a;
	bool given;                   /* the hosts file's: already there, never removed */
};

struct agent_host_route {
	struct agent_host_ip dst;     /* its family is the route's */
	bool has_via;
	struct agent_host_ip via;
	char dev[IFNAMSIZ];           /* "" : the kernel picks it from via */
	uint32_t table;               /* 0: main */
};

/* "from FROM/P to TO/P lookup TABLE" at priority PRIO, in from's family. */
struct agent_host_rule {
	struct agent_host_ip from, to;
	uint32_t table, prio;
};

struct agent_host_tun {
	char ifname[IFNAMSIZ];
	uint16_t port;
	uint8_t key[TUN_KEY_LEN];     /* this end's private key */
	uint8_t peer[TUN_KEY_LEN];    /* the other end's public key */
	union {                       /* endpoint.sin_family says which */
		struct sockaddr_in endpoint;
		struct sockaddr_in6 endpoint6;
	};
	struct tun_allowed_ip allowed[TUN_MAX_ALLOWED];
	size_t n_allowed;
	struct agent_host_ip addr[2]; /* one per family of --inner */
	size_t n_addr;
};

struct agent_host_plan {
	enum topo_node_id node;
	char prefix[TOPO_PREFIX_MAX + 1];
	enum topo_shape shape;
	enum tun_kind wg;             /* as asked: auto, kernel, wireguard-go, none */
	unsigned int tunnels;
	unsigned int ip, inner;       /* TOPO_FAM_* of the underlay and the traffic */
	char dev[2][IFNAMSIZ];        /* [LINK_LAN], [LINK_UNDERLAY]: "" where it has none */
	bool forward;                 /* a site gateway: ip_forward on (and IPv6's with --inner 6|dual) */
	struct agent_host_addr addr[AGENT_HOST_ADDRS];
	size_t n_addr;
	struct agent_host_route route[AGENT_HOST_ROUTES];
	size_t n_route;
	struct agent_host_rule rule[AGENT_HOST_RULES];
	size_t n_rule;
	struct agent_host_tun tun[TOPO_TUNNELS_MAX];
	size_t n_tun;
};

/* "A.B.C.D/P" (0 or -EINVAL). */
int agent_host_cidr(const char *s, struct in_addr *a, unsigned int *plen);
/* Either family: "A.B.C.D/P" or "X::Y/P" (plen: with the prefix length,
 * else an address alone), and back into buf (AGENT_HOST_IP_STRLEN). */
int agent_host_ip_parse(const char *s, bool plen, struct agent_host_ip *out);
void agent_host_ip_str(const struct agent_host_ip *a, bool plen, char *buf, size_t len);
/* The network of a (host bits cleared). */
struct agent_host_ip agent_host_ip_net(struct agent_host_ip a);
/* a as a WireGuard allowed IP (a/plen). */
struct tun_allowed_ip agent_host_ip_allowed(struct agent_host_ip a);

/* Pure: the plan as JSON (keys as hex; without them when !keys, for the
 * check), and back, strictly (-EINVAL, why names the field). */
int agent_host_plan_json(const struct agent_host_plan *p, bool keys, char **out);
int agent_host_plan_parse(const char *text, struct agent_host_plan *p, char *why, size_t len);
/* The keys wiped. */
void agent_host_plan_wipe(struct agent_host_plan *p);

/* Nothing is changed: root, the devices there and up, the given addresses
 * on them, the plan's own addresses nowhere on the machine yet, the tunnel
 * implementation usable, no other run of the prefix here (its lock, taken
 * into *lock_fd and held). *out: {"wg": implementation, "wg_version"}. */
int agent_host_check(const struct agent_host_plan *p, int *lock_fd, struct json_object **out,
		     char *why, size_t len);

/* The prefix's lock released and its file removed (fd -1: nothing). */
void agent_host_unlock(const char *prefix, int *fd);

struct agent_host;
/* Makes the plan (ver: "wireguard-go 0.0.2023...", "kernel 6.1..."); on
 * failure what was made is removed again. */
int agent_host_build(const struct agent_host_plan *p, struct agent_host **out, char *ver,
		     size_t vlen, char *why, size_t len);
/* Removes everything the build made, in reverse; frees h (NULL-safe).
 * 0, or -EIO when something stayed (said on stderr, and left in the state). */
int agent_host_teardown(struct agent_host *h);
/* The applied variant's name and read-back records (NULL: none) into the
 * state file: what a killed agent may have left set. */
void agent_host_note_variant(struct agent_host *h, const char *name, struct json_object *records);
/* The sampler's view: the devices, the tunnel interfaces and processes. */
void agent_host_sample_spec(struct agent_host *h, struct sample_node_spec *sp);
/* The knobs' view of this node (topo_node_view). */
void agent_host_view_cfg(const struct agent_host *h, struct topo_node_cfg *c);
pid_t agent_host_tunnel_pid(const struct agent_host *h, unsigned int k);
const struct agent_host_plan *agent_host_plan_of(const struct agent_host *h);

/* What a killed run of prefix left on this machine, removed: another agent
 * of the prefix still running is stopped first (SIGTERM: it tears its own
 * part down; SIGKILL after grace seconds), then the state file's steps are
 * undone, host knobs restored (variant_restore_host), the prefix's tunnel
 * interfaces, wireguard-go processes, sockets and nftables table swept.
 * *out: {"removed": [...], "left": [...]} (strings). */
int agent_host_cleanup(const char *prefix, double grace, struct json_object **out);

/* The machine (run.json's hosts.<node>): hostname, kernel, CPU model,
 * cores; per device its driver and firmware (ETHTOOL_GDRVINFO); the
 * tunnel's implementation and version when built. */
int agent_host_facts(const struct agent_host *h, struct json_object **out);

#endif
