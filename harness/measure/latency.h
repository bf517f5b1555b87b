/* latency.h — the latency probe: small timestamped UDP packets from one
 * network namespace to a reflector in another, echoed back (doc/latency.md).
 *
 * Three parts, the first two pure:
 *  - the packet format, a strict parser and its encoder (latency_pkt.c);
 *  - statistics over the per-probe records: nearest-rank percentiles, a
 *    window's loss and delays, the runs[].latency JSON object, the (t, rtt)
 *    timeline (latency_stat.c);
 *  - the probe and the reflector, each one thread on a socket of its own
 *    created in its namespace (latency.c).
 *
 * Times are nanoseconds of CLOCK_MONOTONIC. Network namespaces do not
 * change clocks, so on one machine the prober's and the reflector's
 * monotonic clocks are the same clock and one-way delays are meaningful;
 * the reflector puts an identity of its clock (boot id and time namespace)
 * in every echo and one-way delays are computed only where it matches.
 * Receive times are the kernel's (SO_TIMESTAMPING, else SO_TIMESTAMPNS;
 * CLOCK_REALTIME, mapped onto the monotonic clock at each receive) where the
 * socket gives them, else the monotonic clock read after recvmsg; each
 * record says which. Send times are the monotonic clock just before
 * sendmsg (the kernel's software TX stamp is taken after the qdisc and
 * would hide the very queue being measured).
 *
 * RTT = (t_rx - t_send) - (t_refl_tx - t_refl_rx): the reflector's own
 * turnaround is taken out (each difference on one clock, so RTT needs no
 * shared clock); with a shared clock RTT = owd_fwd + owd_rev exactly.
 *
 * Functions return 0 or -errno and print the cause once where it is known.
 */
#ifndef WGB_LATENCY_H
#define WGB_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

/* ---- the packet (big-endian on the wire) ------------------------------
 *  off len field
 *    0   4 magic       "WGLP"
 *    4   1 version     1
 *    5   1 flags       LATENCY_F_*
 *    6   2 length      of the whole UDP payload, LATENCY_HDR_LEN..LATENCY_PKT_MAX
 *    8   8 session     the probe's random id; echoes of another session are ignored
 *   16   8 seq         0, 1, 2, ... per session
 *   24   8 t_send      prober's clock
 *   32   8 t_refl_rx   reflector's clock (0 until reflected)
 *   40   8 t_refl_tx   reflector's clock (0 until reflected)
 *   48   8 clock_id    the reflector's clock identity (0 until reflected)
 *   56   - padding     zeros up to length
 */
#define LATENCY_MAGIC       0x57474c50u
#define LATENCY_VERSION     1
#define LATENCY_HDR_LEN     56
#define LATENCY_PKT_MAX     1400
#define LATENCY_F_REFLECTED 0x01u   /* an echo */
#define LATENCY_F_REFL_KRX  0x02u   /* t_refl_rx is a kernel receive stamp */

struct latency_pkt {
	uint8_t flags;
	uint16_t len;
	uint64_t session, seq, t_send, t_refl_rx, t_refl_tx, clock_id;
};

/* Write p (p->len bytes, padding zeroed) into buf. -EINVAL if p is not a
 * packet latency_pkt_parse() accepts or cap < p->len. */
int latency_pkt_encode(const struct latency_pkt *p, uint8_t *buf, size_t cap);
/* Accept exactly what latency_pkt_encode() writes: n within the limits and
 * equal to the length field, magic, version, no unknown flag, zero padding,
 * t_send set; a probe has no reflector fields, an echo has
 * t_refl_tx >= t_refl_rx > 0. Anything else: -EBADMSG, *out untouched. */
int latency_pkt_parse(const uint8_t *buf, size_t n, struct latency_pkt *out);

/* ---- statistics (pure) ------------------------------------------------ */

/* The nearest-rank percentile of sorted[0..n): the smallest sample with at
 * least p% of the samples at or below it, sorted[ceil(p/100 * n) - 1]
 * (p = 0: the minimum). Always a value that was observed. NaN if n == 0 or
 * p is outside [0, 100]. */
double latency_percentile(const double *sorted, size_t n, double p);

struct latency_dist {
	size_t n;                  /* 0: no sample, the rest NaN */
	double p50, p90, p99, max;
};
/* Of v[0..n) (not modified; NaNs are not samples). */
int latency_dist_of(const double *v, size_t n, struct latency_dist *out);

/* One probe; its sequence number is its index. */
struct latency_rec {
	uint64_t t_send;      /* prober's clock, just before sendmsg */
	uint64_t t_rx;        /* prober's clock, echo received; 0: none (yet) */
	uint64_t t_refl_rx;   /* reflector's clock */
	uint64_t t_refl_tx;
	int64_t user_lag_ns;  /* user-space receive time minus the kernel stamp (REC_KRX) */
	uint32_t flags;       /* LATENCY_REC_* */
};
#define LATENCY_REC_SEND_ERR   0x1u  /* sendmsg failed: never left */
#define LATENCY_REC_KRX        0x2u  /* t_rx is a kernel stamp */
#define LATENCY_REC_REFL_KRX   0x4u  /* t_refl_rx is a kernel stamp */
#define LATENCY_REC_SAME_CLOCK 0x8u  /* the echo's clock_id is the prober's */

struct latency_window {
	double begin, end;    /* monotonic seconds (util_now_mono()); probes sent in [begin, end) */
};

struct latency_stats {
	uint64_t sent;         /* send attempts in the window */
	uint64_t lost;         /* no echo within the timeout (late ones and send errors included) */
	uint64_t late;         /* echoed after the timeout */
	uint64_t send_errors;
	uint64_t pending;      /* neither echoed nor timed out at the horizon: not in sent */
	double interval_ms;    /* mean gap between sends, measured; NaN if fewer than 2 */
	struct latency_dist rtt, owd_fwd, owd_rev;   /* ms; owd only over SAME_CLOCK echoes */
	uint64_t rx_kernel, rx_user, refl_rx_kernel; /* of the echoes counted */
	double user_lag_us_p50; /* median user-space minus kernel receive time; NaN if none */
};

/* The probes of r[0..n) sent in w; an echo counts if it came within
 * timeout_ns, a probe without one is lost if t_send + timeout_ns <=
 * horizon_ns (the time up to which r is complete; UINT64_MAX once the
 * probe is stopped), else pending. */
int latency_stats_of(const struct latency_rec *r, size_t n, const struct latency_window *w,
		     uint64_t timeout_ns, uint64_t horizon_ns, struct latency_stats *out);

/* The probe's own cost over its whole life. */
struct latency_cost {
	double elapsed_s;
	uint64_t tx_packets, rx_packets;  /* prober's: probes sent, echoes received */
	double bytes_per_s;    /* IP bytes of both directions (probe + echo) per second */
	double cpu_s;          /* CPU time of the prober's and the local reflector's thread */
	double cpu_percent;    /* cpu_s / elapsed_s, of one core */
};

struct latency_result {
	bool has_idle;
	struct latency_stats idle, load;
	bool clock_shared;     /* some echo of the load window carried the prober's clock */
	const char *ts_api;    /* "SO_TIMESTAMPING", "SO_TIMESTAMPNS" or "none" (prober's socket) */
	uint64_t rx_invalid;   /* datagrams on the prober's socket that were no echo of its own */
	uint64_t rx_duplicate;
	struct latency_cost cost;
};

/* runs[].latency (DESIGN.md) plus the probe's cost and timestamp source;
 * NULL on ENOMEM. */
struct json_object *latency_result_json(const struct latency_result *r);

/* "t_s rtt_ms owd_fwd_ms owd_rev_ms" per probe, t from origin_s
 * (monotonic seconds), NaN (gnuplot's missing value) for a lost probe or a
 * delay without a shared clock; pending probes are left out. */
int latency_timeline_format(FILE *f, const struct latency_rec *r, size_t n, double origin_s,
			    uint64_t timeout_ns, uint64_t horizon_ns);

/* The two paths a testbed probes (bed_probe.c; the agents' reflect-* and
 * probe-* commands): through the tunnel (the traffic's client node to drain
 * address 0) and on the underlay (gw1 to gw2, outside the tunnel). */
enum latency_path { LATENCY_PATH_TUNNEL, LATENCY_PATH_UNDERLAY, LATENCY_PATH__COUNT };
/* "tunnel", "underlay"; and back: 0 or -EINVAL. */
const char *latency_path_name(enum latency_path p);
int latency_path_from_name(const char *s, enum latency_path *out);

/* ---- the probe and the reflector --------------------------------------- */

#define LATENCY_INTERVAL_DEFAULT 0.01   /* s: 100 probes a second */
#define LATENCY_TIMEOUT_DEFAULT  1.0    /* s: an echo later than this is a loss */
#define LATENCY_SIZE_DEFAULT     64     /* UDP payload bytes */

struct latency_opts {
	double interval_s;     /* 0: LATENCY_INTERVAL_DEFAULT; 0.001..10 */
	double timeout_s;      /* 0: LATENCY_TIMEOUT_DEFAULT; 0.01..60 */
	unsigned int size;     /* 0: LATENCY_SIZE_DEFAULT; LATENCY_HDR_LEN..LATENCY_PKT_MAX */
	bool user_clock;       /* do not ask the kernel for receive stamps */
	const int *cpus;       /* pin the thread there (away from the system under test) */
	int n_cpus;
};

struct latency_reflector;
struct latency_probe;

/* Echo probes arriving at addr:port (numeric IPv4 or IPv6; NULL: 0.0.0.0;
 * port 0: an ephemeral one, see latency_reflector_port()) in the namespace
 * at netns_path (NULL: the caller's), from a thread of its own. Of o (NULL:
 * defaults) only user_clock and the CPUs apply. */
int latency_reflector_start(const char *netns_path, const char *addr, uint16_t port,
			    const struct latency_opts *o, struct latency_reflector **out);
/* The port bound, read back from the socket. */
uint16_t latency_reflector_port(const struct latency_reflector *r);
/* CPU seconds of its thread so far (its whole life once stopped); 0 for NULL. */
double latency_reflector_cpu_s(const struct latency_reflector *r);
/* Stop the thread, close, free; NULL-safe. */
void latency_reflector_free(struct latency_reflector *r);

/* Send probes from the namespace at netns_path (NULL: the caller's) to the
 * reflector at addr:port, from a thread of its own, until stopped. */
int latency_probe_start(const char *netns_path, const char *addr, uint16_t port,
			const struct latency_opts *o, struct latency_probe **out);
/* Stop sending and wait for the echoes still due (at most the timeout),
 * then end the thread. Idempotent. */
int latency_probe_stop(struct latency_probe *p);
/* Statistics of the probes sent in load (and in idle, if not NULL) —
 * callable while running (probes not yet due are pending) or after stop.
 * refl_cpu_s: the reflector's CPU time (latency_reflector_cpu_s(), read on
 * whichever machine it runs), added to the cost; 0: not counted. */
int latency_probe_result(struct latency_probe *p, const struct latency_window *idle,
			 const struct latency_window *load, double refl_cpu_s,
			 struct latency_result *out);
/* Every probe's (t, rtt) as latency_timeline_format() writes it: into a
 * malloc'd *text (and its length), or into the file at path. */
int latency_probe_timeline_text(struct latency_probe *p, double origin_s, char **text, size_t *len);
int latency_probe_timeline(struct latency_probe *p, double origin_s, const char *path);
/* Stop if running, close, free; NULL-safe. */
void latency_probe_free(struct latency_probe *p);

#endif
