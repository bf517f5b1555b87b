/* doctor_live_impl.h — internal to the live doctor (doctor_live.c: the
 * flow and steps 1-3; doctor_live_host.c: steps 4-8 and what they share;
 * doctor_live_rules.c: its findings). Not a public contract. */
#ifndef WGB_DOCTOR_LIVE_IMPL_H
#define WGB_DOCTOR_LIVE_IMPL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "doctor_impl.h"
#include "route.h"

struct json_object;
struct tun_device_info;
struct tun_peer_info;

/* WireGuard's REJECT_AFTER_TIME: a session older than this carries nothing
 * (the protocol paper, §6.1; the kernel's messages.h). */
#define DOCTOR_HANDSHAKE_REJECT_S 180

struct live_doc {
	const struct opts *o;
	FILE *tty;
	struct doctor_inputs di;
	struct bed *bed;
	struct json_object *in;         /* the input document */
	struct json_object *facts;      /* the bed's (bed_facts(): "live", "wireguard") */
	char ifname[IFNAMSIZ], underlay[IFNAMSIZ];
	struct route_addr peer, endpoint;   /* either family (as the interface has them) */
	bool have_endpoint;
	struct tun_device_info *dev0;   /* the interface at the doctor's start */
	time_t t0_wall;
	bool have_q0;                   /* the underlay's root qdisc at the start */
	uint64_t q0_drops, q0_overlimits;
};

/* doctor_live_host.c */
/* From the bed's facts: names, addresses, the interface and its qdisc now. */
int doctor_live_setup(struct live_doc *c);
/* The peer of the address as WireGuard holds it now; -ENOENT if none. */
int doctor_live_peer_now(struct live_doc *c, struct tun_peer_info *out);
/* A DF pinger from this namespace to a, of a's family. */
int doctor_live_pinger(const struct route_addr *a, struct doctor_pinger **out);
/* ep into peer's "endpoints_seen" unless it is there (or empty). */
void doctor_live_seen(struct json_object *peer, const char *ep);
/* 4. DF probes through the tunnel ("mtu", doctor.h's shape, node local). */
int doctor_live_mtu(struct live_doc *c);
/* 5.-8. rp_filter and policy routing, the underlay qdisc, offloads,
 * conntrack; and "links"/"shapers" for the scenarios' rules. */
int doctor_live_host(struct live_doc *c);

#endif
