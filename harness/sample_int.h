/* sample_int.h — the sampler's internals, shared by sample.c (sources,
 * thread, snapshots) and sample_out.c (timeline rows and the summary).
 *
 * A snapshot is a flat vector of counters with an "ok" flag each, in blocks
 * whose layout is fixed by the first snapshot (sample_start):
 *   cpu     ncpu x SPROC_CPU_NFIELDS   /proc/stat jiffies          64-bit
 *   sirq    ncpu x 2 (NET_RX, NET_TX)  /proc/softirqs              32-bit
 *   sn      ncpu x 3                   softnet_stat                32-bit
 *   irq     nirq x ncpu                /proc/interrupts rows       32-bit
 *   link    nif x SLINK_NSTATS         per node, per interface     64-bit
 *   q       nqd x SLINK_Q_NSTATS       per node, per qdisc         32-bit / gauges
 *   kv      n_nodes x SAMPLE_NKEYS     snmp/netstat per node       64-bit
 *   thr     n_nodes                    tunnel worker ticks         64-bit
 * Something absent in a snapshot (an offline CPU, a deleted interface, a
 * source that failed to read) has ok = 0 there.
 */
#ifndef WGB_SAMPLE_INT_H
#define WGB_SAMPLE_INT_H

#include <net/if.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "sample_link.h"
#include "sample_proc.h"

#define SAMPLE_MAX_NODES 8
/* Snapshots kept for the summary; beyond, every other one is dropped (the
 * timeline file keeps them all). */
#define SAMPLE_KEEP_MAX 512

struct sample_key {
	const char *proc;    /* "Udp.RcvbufErrors" */
	const char *json;    /* "udp_rcvbuf_errors" */
};
extern const struct sample_key sample_keys[];
extern const size_t sample_nkeys;

struct sirq_row { char name[16]; char label[64]; size_t hint; };
struct sif { int node; int ifindex; char name[IFNAMSIZ]; size_t hint; };
struct sqd { int node; char ifname[IFNAMSIZ]; char kind[16]; uint32_t parent, handle; };

struct snap {
	double t;
	uint64_t *v;
	unsigned char *ok;
};

struct sampler {
	size_t n_nodes;
	char node_name[SAMPLE_MAX_NODES][16];
	struct sample_ns *ns[SAMPLE_MAX_NODES];
	struct slink_snap lsnap[SAMPLE_MAX_NODES];
	long kv_hint[SAMPLE_MAX_NODES][64];
	int has_workers[SAMPLE_MAX_NODES];
	struct sthreads *thr;
	uint64_t thr_ticks[SAMPLE_MAX_NODES];

	int fd_stat, fd_softirqs, fd_interrupts, fd_softnet;
	char *buf;
	size_t cap;
	struct sproc_stat st;
	struct sproc_softirqs si;
	struct sproc_interrupts in;
	struct sproc_softnet sn;

	/* layout */
	int ncpu;
	size_t cpu_base, sirq_base, sn_base, irq_base, link_base, q_base, kv_base, thr_base, ncol;
	struct sirq_row *irqs;
	size_t nirq;
	struct sif *ifs;
	size_t nif;
	struct sqd *qds;
	size_t nqd;

	/* snapshots */
	struct snap *snaps;
	size_t nsnap;
	struct snap last;          /* the previous snapshot, for the timeline */
	int have_last;
	double clk_tck;

	FILE *tl;
	int tl_broken;

	/* thread */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop, running, thread_started;
	double interval;
	int pinned_cpu;
	double self_cpu_final;
	unsigned long n_taken, n_late;
	double read_us_total, read_us_max;
	double rescan_every, next_rescan;
	unsigned int warned;
};

/* sample_snap.c */
int sample_build_layout(struct sampler *s);
int sample_snap_alloc(const struct sampler *s, struct snap *p);
void sample_snap_free(struct snap *p);
/* Read every source into p (a missing one only marks its columns). */
void sample_take(struct sampler *s, struct snap *p);
/* Write the timeline row since the last snapshot, keep cur, make it last. */
void sample_record(struct sampler *s, struct snap *cur);

/* sample_out.c */
int sample_timeline_header(struct sampler *s);
void sample_timeline_row(struct sampler *s, const struct snap *prev, const struct snap *cur);
int sample_summarise(const struct sampler *s, double w0, double w1,
		     struct json_object **cpu, struct json_object **drops);

#endif
