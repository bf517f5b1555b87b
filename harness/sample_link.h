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
 * Errors: 0 or -errno (printed once by the caller).
 */
#ifndef WGB_SAMPLE_LINK_H
#define WGB_SAMPLE_LINK_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "sample_proc.h"

struct sample_ns;

enum slink_stat {
	SLINK_RX_BYTES, SLINK_TX_BYTES, SLINK_RX_PACKETS, SLINK_TX_PACKETS,
	SLINK_RX_ERRORS, SLINK_TX_ERRORS, SLINK_RX_DROPPED, SLINK_TX_DROPPED,
	SLINK_NSTATS
};

struct slink_iface {
	int ifindex;
	char name[IFNAMSIZ];
	uint64_t v[SLINK_NSTATS];         /* 64-bit counters */
};

/* drops, overlimits, requeues are 32-bit counters; backlog (bytes) and
 * qlen (packets) are gauges. */
enum slink_qstat { SLINK_Q_DROPS, SLINK_Q_OVERLIMITS, SLINK_Q_REQUEUES,
		   SLINK_Q_BACKLOG, SLINK_Q_QLEN, SLINK_Q_NSTATS };

struct slink_qdisc {
	int ifindex;
	char ifname[IFNAMSIZ];
	char kind[16];
	uint32_t handle, parent;
	uint64_t v[SLINK_Q_NSTATS];
};

struct slink_snap {
	struct slink_iface *ifs;
	size_t nif, ifcap;
	struct slink_qdisc *qd;
	size_t nqd, qdcap;
	struct sproc_kvs kv;              /* Udp.RcvbufErrors, TcpExt.… */
};

extern const char *const slink_stat_names[SLINK_NSTATS];
extern const char *const slink_qstat_names[SLINK_Q_NSTATS];

/* netns_path NULL: the current namespace. */
int sample_ns_open(const char *netns_path, struct sample_ns **out);
int sample_ns_read(struct sample_ns *ns, struct slink_snap *out);
void sample_ns_free(struct sample_ns *ns);
void slink_snap_release(struct slink_snap *s);

/* The whole content of a procfs file from offset 0 into *buf (grown as
 * needed, NUL-terminated): one or a few pread()s, no open. */
int sample_pread_all(int fd, char **buf, size_t *cap, size_t *len);

/* Run fn in the namespace at path from the calling thread, then return to the
 * original one (used to open things that keep their namespace). */
int sample_in_netns(const char *netns_path, int (*fn)(void *arg), void *arg);

#endif
