/* sample_link.h — the per-namespace counters of one node.
 *
 * sample_ns_open() enters the namespace once (setns in the calling thread),
 * opens a NETLINK_ROUTE socket and /proc/thread-self/net/{snmp,netstat}
 * there, and returns to the namespace it came from: a socket and a procfs
 * file keep the namespace they were opened in (tests/t_sample_link.c checks
 * both), so every later read needs no setns and no fork.
 *
 * sample_ns_read() takes one snapshot: an RTM_GETLINK dump (IFLA_STATS64 of
 * every interface but lo), an RTM_GETQDISC dump (TCA_STATS2 queue stats of
 * every qdisc) and the snmp/netstat key/value pairs. Arrays are reused.
 * When the namespace had counted egress drop rules at open (nftx.h), each
 * read also lists its ruleset (libnftables, ~0.14 ms here) and adds their packets
 * as the pseudo key "Nft.EgressDropped": kernel WireGuard counts such a drop
 * of its own packets as tx_dropped on its device, like its own queue's
 * overflow, and doctor needs the two apart. A namespace without such rules
 * costs nothing and has no such key.
 * Errors: 0 or -errno (printed once by the caller).
 */
#ifndef WGB_SAMPLE_LINK_H
#define WGB_SAMPLE_LINK_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "sample_proc.h"

/* The pseudo key of the counted egress drop rules' packets (above). */
#define SAMPLE_NFT_KEY "Nft.EgressDropped"

struct sample_ns;

enum sample_link_stat {
	SAMPLE_LINK_RX_BYTES, SAMPLE_LINK_TX_BYTES, SAMPLE_LINK_RX_PACKETS, SAMPLE_LINK_TX_PACKETS,
	SAMPLE_LINK_RX_ERRORS, SAMPLE_LINK_TX_ERRORS, SAMPLE_LINK_RX_DROPPED, SAMPLE_LINK_TX_DROPPED,
	SAMPLE_LINK_NSTATS
};

struct sample_link_iface {
	int ifindex;
	char name[IFNAMSIZ];
	uint64_t v[SAMPLE_LINK_NSTATS];         /* 64-bit counters */
};

/* drops, overlimits, requeues are 32-bit counters; backlog (bytes) and
 * qlen (packets) are gauges. */
enum sample_link_qstat { SAMPLE_LINK_Q_DROPS, SAMPLE_LINK_Q_OVERLIMITS, SAMPLE_LINK_Q_REQUEUES,
		   SAMPLE_LINK_Q_BACKLOG, SAMPLE_LINK_Q_QLEN, SAMPLE_LINK_Q_NSTATS };

struct sample_link_qdisc {
	int ifindex;
	char ifname[IFNAMSIZ];
	char kind[16];
	uint32_t handle, parent;
	uint64_t v[SAMPLE_LINK_Q_NSTATS];
};

struct sample_link_snap {
	struct sample_link_iface *ifs;
	size_t nif, ifcap;
	struct sample_link_qdisc *qd;
	size_t nqd, qdcap;
	struct sample_proc_kvs kv;              /* Udp.RcvbufErrors, TcpExt.… */
};

extern const char *const sample_link_stat_names[SAMPLE_LINK_NSTATS];
extern const char *const sample_link_qstat_names[SAMPLE_LINK_Q_NSTATS];

/* netns_path NULL: the current namespace. */
int sample_ns_open(const char *netns_path, struct sample_ns **out);
int sample_ns_read(struct sample_ns *ns, struct sample_link_snap *out);
void sample_ns_free(struct sample_ns *ns);
void sample_link_snap_release(struct sample_link_snap *s);

/* The whole content of a procfs file from offset 0 into *buf (grown as
 * needed, NUL-terminated): one or a few pread()s, no open. */
int sample_pread_all(int fd, char **buf, size_t *cap, size_t *len);

#endif
