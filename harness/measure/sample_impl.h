/* sample_impl.h — the sampler's internals, shared by sample.c (sources,
 * thread, snapshots) and sample_out.c (timeline rows and the summary).
 *
 * A snapshot is a flat vector of counters with an "ok" flag each, in blocks
 * whose layout is fixed by the first snapshot (sample_start):
 *   cpu     ncpu x SAMPLE_PROC_CPU_NFIELDS   /proc/stat jiffies          64-bit
 *   sirq    ncpu x 2 (NET_RX, NET_TX)  /proc/softirqs              32-bit
 *   sn      ncpu x 3                   softnet_stat                32-bit
 *   irq     nirq x ncpu                /proc/interrupts rows       32-bit
 *   link    nif x SAMPLE_LINK_NSTATS         per node, per interface     64-bit
 *   q       nqd x SAMPLE_LINK_Q_NSTATS       per node, per qdisc         32-bit / gauges
 *   kv      n_nodes x SAMPLE_NKEYS     snmp/netstat per node       64-bit
 *   thr     n_nodes                    tunnel worker ticks         64-bit
 *   fgn     1                          foreign processes' ticks    64-bit
 *   wg      nwgp x SAMPLE_WG_NSTATS    per WireGuard peer: rx, tx  64-bit
 *                                      bytes; latest handshake     gauge (unix s)
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
#include "tun.h"

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

/* WireGuard's own counters (sample_wg.c): interfaces read every snapshot,
 * their peers (fixed at start, by public key) as column groups. */
#define SAMPLE_MAX_WG 16
#define SAMPLE_WG_PEERS_MAX 64          /* per interface; more are counted, not sampled */
enum { SAMPLE_WG_RX, SAMPLE_WG_TX, SAMPLE_WG_HANDSHAKE, SAMPLE_WG_NSTATS };
struct swg {
	int node;
	char ifname[IFNAMSIZ];
	struct tun_reader *rd;
	struct tun_device_info dev;     /* the latest read */
	int ok;
	size_t peers_left_out;
};
struct swgp {
	int wg;                         /* index in wgs */
	uint8_t key[TUN_KEY_LEN];
	char endpoint[64];              /* at start */
	size_t hint;
};

struct snap {
	double t;
	uint64_t *v;
	unsigned char *ok;
};

struct sampler {
	size_t n_nodes;
	char node_name[SAMPLE_MAX_NODES][16];
	struct sample_ns *ns[SAMPLE_MAX_NODES];
	struct sample_link_snap lsnap[SAMPLE_MAX_NODES];
	long kv_hint[SAMPLE_MAX_NODES][64];
	int has_workers[SAMPLE_MAX_NODES];
	struct sample_threads *thr;
	uint64_t thr_ticks[SAMPLE_MAX_NODES];
	struct sample_foreign *fgn;     /* NULL: not measured */
	uint64_t fgn_ticks;
	int fgn_ok;
	struct swg wgs[SAMPLE_MAX_WG];
	size_t nwg;
	struct swgp *wgp;
	size_t nwgp;
	double wall_minus_mono;         /* to date the snapshots (handshake ages) */

	int fd_stat, fd_softirqs, fd_interrupts, fd_softnet;
	char *buf;
	size_t cap;
	struct sample_proc_stat st;
	struct sample_proc_softirqs si;
	struct sample_proc_interrupts in;
	struct sample_proc_softnet sn;

	/* layout */
	int ncpu;
	size_t cpu_base, sirq_base, sn_base, irq_base, link_base, q_base, kv_base, thr_base, fgn_base,
		wg_base, ncol;
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

/* A column's counter width (32 or 64 bits: where it wraps), and whether it
 * is a gauge (a level, not a count: the window keeps its maximum). */
unsigned int sample_col_bits(const struct sampler *s, size_t col);
bool sample_col_gauge(const struct sampler *s, size_t col);

/* sample_wg.c */
int sample_wg_open(struct sampler *s, int node, const char *node_name, const char *netns_path,
		   const char *ifname);
/* Read every interface (a failure marks it; warned once). */
void sample_wg_read(struct sampler *s);
/* The peer column groups, from the first read. */
int sample_wg_layout(struct sampler *s);
void sample_wg_fill(const struct sampler *s, struct snap *p);
bool sample_wg_gauge(const struct sampler *s, size_t col);
void sample_wg_header(const struct sampler *s, FILE *f);
/* cpu.wireguard (sample.h) from the window's deltas v/seen/gap (per column). */
struct json_object *sample_wg_json(const struct sampler *s, double w0, double w1, const double *v,
				   const unsigned char *seen, const unsigned char *gap);
void sample_wg_free(struct sampler *s);

#endif
