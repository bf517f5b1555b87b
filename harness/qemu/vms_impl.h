/* vms_impl.h — internals of --backend vms (one QEMU guest per node).
 *
 * vms.c      the bed (bed.h): open checks the input, the first up boots the
 *            four guests, close kills them; run.json's facts; the ops table
 * vms_boot.c starting, watching and stopping the guests (vms_host.h)
 * vms_ctl.c  the control channel to one guest: a unix socket QEMU connects
 *            to (its virtio-serial port wgbench.control), an agent channel
 *            (harness/agent/agent_chan.h) once connected
 * vms_bed.c  the bed's operations: the guests set up and checked; traffic,
 *            samplers and variants through harness/agent/agent_fleet.h
 * vms_net.c  the links: taps and bridges in a namespace of their own
 * harness/agent/agent_node.c  the guest side (and the protocol's description)
 */
#ifndef WGB_VMS_IMPL_H
#define WGB_VMS_IMPL_H

#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent_chan.h"
#include "agent_fleet.h"
#include "topo.h"

struct json_object;
struct traffic_flow;
struct traffic_flow_result;
struct traffic_test;
struct variant;

struct vms_guest {
	enum topo_node_id node;
	pid_t pid;
	int lfd;                      /* listening socket */
	struct agent_chan ch;         /* QEMU's connection, once accepted */
	char sock[PATH_MAX], console[PATH_MAX], qlog[PATH_MAX];
	bool booted, ready;
	double boot_s, ready_s, uptime_ready;
	unsigned int first_cpu;       /* host CPU its vCPU 0 is pinned to */
	double clock[2][2];           /* [first/last]["now" here, guest's answer] */
	int pinned;
};

struct vms {
	struct vms_guest g[NODE__COUNT];
	const volatile sig_atomic_t *stop;
	const char *prefix;
	bool wg;                      /* kernel WireGuard between the gateways */
	unsigned int ip, inner;       /* TOPO_FAM_*: the underlay's, the traffic's (--ip, --inner) */
	unsigned int tunnels;         /* set up in the guests; 0 none yet */
	/* What each guest read back at setup: its run.json "network" part. */
	struct json_object *network[NODE__COUNT];
	/* Drain address k per family ([0] IPv4, [1] IPv6; "" none): the plan's,
	 * found on the drain guest's lan interface and pinged from the source. */
	char drain[2][TOPO_TUNNELS_MAX][INET6_ADDRSTRLEN];
	double reach_ms[2][TOPO_TUNNELS_MAX];   /* that ping's round trip */
	struct agent_fleet fleet;     /* traffic, samplers, variants over the channels */
	int netns_fd;                 /* the links' namespace (vms_net.c), -1 if none */
	char netns_path[64];
	double t_start;
};

/* Guest g is node n, its channel closed, watching *stop. */
void vms_ctl_init(struct vms_guest *g, enum topo_node_id n, const volatile sig_atomic_t *stop);
/* Socket at g->sock, listening (before QEMU starts). */
int vms_ctl_listen(struct vms_guest *g);
/* Accept QEMU's connection if it is there (0), else -EAGAIN; then g->ch
 * speaks the protocol, watching QEMU's pid (a guest that does not answer
 * in time is killed). */
int vms_ctl_accept(struct vms_guest *g);
void vms_ctl_close(struct vms_guest *g);

/* Asks every guest for its clock (slot 0: first, 1: last); the rate of a
 * guest's clock against this one's is (g1 - g0) / (h1 - h0). */
int vms_clock(struct vms *v, int slot);

/* The links (vms_net.c): a namespace with a bridge per link; the taps of
 * QEMUs started in it (v->netns_path) join their bridge in attach. */
int vms_net_create(struct vms *v);
void vms_net_tap(enum topo_node_id n, enum topo_link_role r, char *buf, size_t len, int *link);
int vms_net_attach(struct vms *v, double timeout);
void vms_net_free(struct vms *v);

/* The bed's operations (vms_bed.c), as bed.h's: the guests set up with n
 * tunnels (wg_version: gw1's "kernel <release>"), checked end to end. */
int vms_setup(struct vms *v, unsigned int tunnels, char *wg_version, size_t len);
/* Drain address k in family af (AF_INET, AF_INET6) once set up; NULL if none. */
const char *vms_drain_addr(const struct vms *v, unsigned int k, int af);
/* run.json's "network" as netns writes it (topo_network_json), merged from
 * the four guests' read-backs, plus "reach" (the setup's pings); NULL
 * before setup. vms_network_free() drops the read-backs. */
struct json_object *vms_network_json(const struct vms *v);
void vms_network_free(struct vms *v);
int vms_traffic(struct vms *v, const struct traffic_test *t, const struct traffic_flow *flows,
		size_t n, double timeout, const volatile sig_atomic_t *stop,
		struct traffic_flow_result *res, double *t_clients);
int vms_sample_start(struct vms *v, double interval, const char *timeline_path);
int vms_sample_stop(struct vms *v, double w0, double w1, struct json_object **cpu,
		    struct json_object **drops);
int vms_variant_check(struct vms *v, const struct variant *var, char *why, size_t len);
int vms_variant_apply(struct vms *v, const struct variant *var, struct json_object **applied);
int vms_variant_revert(struct vms *v);

#endif
