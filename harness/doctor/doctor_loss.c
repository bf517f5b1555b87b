/* doctor_loss.c — the fourth step of reference 000 ("If all three look sane,
 * treat it as UDP loss/queuing"), pure: the sampler's drop deltas of each
 * scenario (doctor.h's input) -> udp-rcvbuf, udp-sndbuf, softnet-backlog,
 * qdisc-drops, tx-queue-drops, nic-drops, rate-limited, lossy-underlay.
 * For each node (and interface) the scenario with the most drops is the
 * evidence. Also the text output of the findings.
 */
#include "doctor.h"
#include "doctor_impl.h"
#include "util.h"
#include "jsonx.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* UDP socket errors: at least this many, and this share of the datagrams
 * the node's sockets handled, before they are a finding. Reference 000:
 * "Only increase [buffers] if you have evidence of buffer errors"; a handful
 * at the start of a flood is not a bottleneck, 0.1% of the traffic is. */
#define UDP_ERR_MIN 50
#define UDP_ERR_SHARE_WARN 0.001
/* One datagram in 20 lost at a socket: that socket is the bottleneck. */
#define UDP_ERR_SHARE_CRIT 0.05

/* Reference 002 §5.3: "A few drops in a 30-second test is normal. Thousands
 * per second is a real problem." */
#define SOFTNET_DROPS_PER_S_WARN 10.0
#define SOFTNET_DROPS_PER_S_CRIT 1000.0
/* netdev_budget running out (squeezed) is not a loss by itself: info only,
 * and only when it happens constantly. */
#define SOFTNET_SQUEEZED_PER_S_INFO 100.0

/* Queue and interface drops: a short test on a healthy veth drops nothing,
 * so a few are noise from setup, tens are real (same reading of §5.3). */
#define QUEUE_DROP_MIN 10
#define QUEUE_DROP_SHARE_CRIT 0.01

/* A shaper is "the limit" when it is busy (overlimits) and the tunnel's
 * payload throughput reaches this share of its rate: the rest is
 * WireGuard's and the headers' overhead (tbf 40mbit carried 36.6 Mbit/s of
 * TCP payload here, doc/variant.md). */
#define RATE_PINNED_SHARE 0.7

/* Underlay loss the local counters do not explain, in percent of the
 * tunnel's UDP packets sent by a gateway; the sampler's edge interpolation
 * and the read skew between two namespaces stay well below it. */
#define UNDERLAY_LOSS_PCT 0.5
#define UNDERLAY_MIN_PACKETS 1000

static double window_of(struct json_object *s)
{
	double w;

	if (jsonx_num_at(s, "cpu.window_s", &w) && w > 0)
		return w;
	return jsonx_num_at(s, "duration_s", &w) && w > 0 ? w : NAN;
}

/* ---- what kernel WireGuard's tx_dropped holds ----
 * Kernel WireGuard hands each encrypted packet to ip_local_out() itself
 * (iptunnel_xmit) and counts one that did not leave as tx_dropped on its own
 * device: its staged queue overflowing, but also a qdisc's drop or a
 * firewall drop further down the node's output path (measured here: 1%
 * nftables loss on the underlay read as 1.03% tx_dropped on wg). Those two
 * have counters of their own — the qdiscs on the node's underlay, and the
 * node's counted egress drop rules (sample.h nft_egress_dropped) — so the
 * device's own share is what they leave. wireguard-go's TUN device counts
 * only its own queue: the packets it hands on go out through a socket,
 * whose failures are ip_out_discards. */
static bool kernel_wg(struct json_object *in)
{
	const char *wg = jsonx_str_at(in, "wg");

	return wg && !strcmp(wg, "kernel");
}

struct below_tunnel {
	double qdisc, nft;      /* drops on node's underlay qdiscs; egress drop rules */
};

static struct below_tunnel below_tunnel(struct json_object *in, struct json_object *s, const char *node)
{
	struct below_tunnel b = { 0, 0 };
	char path[160];
	size_t i;

	json_object_object_foreach(jsonx_get(jsonx_get(in, "links"), node), ifname, role) {
		struct json_object *qs;

		if (strcmp(json_object_get_string(role), "underlay"))
			continue;
		snprintf(path, sizeof(path), "drops.qdiscs.%s.%s", node, ifname);
		qs = jsonx_get(s, path);
		for (i = 0; qs && i < json_object_array_length(qs); i++) {
			double d;

			if (jsonx_num_at(json_object_array_get_idx(qs, i), "drops", &d))
				b.qdisc += d;
		}
	}
	snprintf(path, sizeof(path), "drops.nodes.%s", node);
	jsonx_num_at(jsonx_get(s, path), "nft_egress_dropped", &b.nft);
	return b;
}

/* ---- UDP socket errors (per node) ---- */

static void udp_errors(struct json_object *in, struct json_object *out, bool rcv)
{
	const char *key = rcv ? "udp_rcvbuf_errors" : "udp_sndbuf_errors";
	const char *base = rcv ? "udp_in_datagrams" : "udp_out_datagrams";
	struct json_object *sc = jsonx_get(in, "scenarios");
	static const char *const nodes[] = { "source", "gw1", "gw2", "drain", "local" };
	size_t i;

	for (i = 0; sc && i < ARRAY_SIZE(nodes); i++) {
		double best = 0, best_base = 0, x, b;
		const char *bname = NULL;
		struct json_object *ev;

		json_object_object_foreach(sc, name, s) {
			struct json_object *n = jsonx_get(jsonx_get(s, "drops.nodes"), nodes[i]);

			if (jsonx_num_at(n, key, &x) && x > best) {
				best = x;
				best_base = jsonx_num_at(n, base, &b) ? b : 0;
				bname = name;
			}
		}
		if (!bname || best < UDP_ERR_MIN)
			continue;
		x = best / (best + best_base);
		if (x < UDP_ERR_SHARE_WARN)
			continue;
		if (rcv)
			ev = doctor_finding(out, "udp-rcvbuf", nodes[i], !strcmp(nodes[i], "gw2") ||
					!strcmp(nodes[i], "gw1") ? "underlay" : "lan",
					x >= UDP_ERR_SHARE_CRIT ? DOCTOR_CRITICAL : DOCTOR_WARNING,
					strcmp(nodes[i], "gw1") && strcmp(nodes[i], "gw2") ?
					"The receiving application's socket overflowed: it cannot keep up with the "
					"offered rate; raise net.core.rmem_max (variant socket-buffers) — reference "
					"002 §5.2 (udp_in_errors -> rmem_max), reference 000 Task 11." :
					"The tunnel's UDP socket overflowed its receive buffer: raise "
					"net.core.rmem_max (variant socket-buffers) — reference 002 §5.2, reference 000 "
					"'Socket buffers: only after you see buffer errors'.",
					"%s's UDP receive buffers overflowed %.0f times during %s (%.2f%% of its datagrams)",
					nodes[i], best, bname, 100 * x);
		else
			ev = doctor_finding(out, "udp-sndbuf", nodes[i], !strcmp(nodes[i], "gw2") ||
					!strcmp(nodes[i], "gw1") ? "underlay" : "lan",
					x >= UDP_ERR_SHARE_CRIT ? DOCTOR_CRITICAL : DOCTOR_WARNING,
					"The UDP sender could not queue (ENOBUFS): a full qdisc or device queue is "
					"behind it (see qdisc-drops, rate-limited); fix that first, then consider "
					"net.core.wmem_max (variant socket-buffers) — reference 000 Task 11.",
					"%s's UDP sends failed for lack of buffer %.0f times during %s (%.2f%%)",
					nodes[i], best, bname, 100 * x);
		doctor_ev_str(ev, "scenario", bname);
		doctor_ev_int(ev, key, (long long)best);
		doctor_ev_int(ev, base, (long long)best_base);
		doctor_ev_num(ev, "error_percent", 100 * x);
	}
}

/* ---- softnet (host-wide) ---- */

static void softnet(struct json_object *in, struct json_object *out)
{
	struct json_object *sc = jsonx_get(in, "scenarios"), *ev;
	double best = -1, best_sq = 0, rate_sq = 0, w, d, q;
	const char *bname = NULL, *qname = NULL;

	if (!sc)
		return;
	json_object_object_foreach(sc, name, s) {
		w = window_of(s);
		if (!isfinite(w))
			continue;
		if (jsonx_num_at(s, "drops.softnet_dropped", &d) && d / w > best) {
			best = d / w;
			bname = name;
		}
		if (jsonx_num_at(s, "drops.softnet_squeezed", &q) && q / w > rate_sq) {
			rate_sq = q / w;
			best_sq = q;
			qname = name;
		}
	}
	if (bname && best >= SOFTNET_DROPS_PER_S_WARN) {
		struct json_object *s = jsonx_get(sc, bname);

		ev = doctor_finding(out, "softnet-backlog", "host", NULL,
				best >= SOFTNET_DROPS_PER_S_CRIT ? DOCTOR_CRITICAL : DOCTOR_WARNING,
				"The per-CPU input backlog overflowed (softnet_stat column 2): raise "
				"net.core.netdev_max_backlog and netdev_budget (variant backlog-budget) — "
				"reference 002 §4.5, §5.2.",
				"%.0f packets/s dropped from a full CPU backlog during %s", best, bname);
		doctor_ev_str(ev, "scenario", bname);
		jsonx_num_at(s, "drops.softnet_dropped", &d);
		doctor_ev_int(ev, "softnet_dropped", (long long)d);
		doctor_ev_num(ev, "dropped_per_s", best);
		if (jsonx_num_at(s, "drops.softnet_squeezed", &q))
			doctor_ev_int(ev, "softnet_squeezed", (long long)q);
		doctor_ev_num(ev, "window_s", window_of(s));
	} else if (qname && rate_sq >= SOFTNET_SQUEEZED_PER_S_INFO) {
		ev = doctor_finding(out, "softnet-backlog", "host", NULL, DOCTOR_INFO,
				"NAPI ran out of budget (softnet_stat 'squeezed') but nothing was dropped: "
				"netdev_budget / netdev_budget_usecs (variant backlog-budget) if drops follow — "
				"reference 002 §4.5.",
				"the softirq budget ran out %.0f times/s during %s (no backlog drops)", rate_sq, qname);
		doctor_ev_str(ev, "scenario", qname);
		doctor_ev_int(ev, "softnet_squeezed", (long long)best_sq);
		doctor_ev_num(ev, "squeezed_per_s", rate_sq);
	}
}

/* ---- per interface: tx drops, rx drops/errors, qdisc drops ---- */

static void iface_counter(struct json_object *in, struct json_object *out, bool tx)
{
	struct json_object *sc = jsonx_get(in, "scenarios"), *links = jsonx_get(in, "links");

	if (!sc || !links)
		return;
	json_object_object_foreach(links, node, ifs) {
		json_object_object_foreach(ifs, ifname, role) {
			double best = 0, pk = 0, err = 0, x;
			const char *bname = NULL;
			char path[160];
			struct json_object *ev;
			bool split = tx && kernel_wg(in) && !strcmp(json_object_get_string(role), "tunnel");
			double below = 0, raw = 0;

			json_object_object_foreach(sc, name, s) {
				double d = 0, e = 0, own, bl = 0;

				snprintf(path, sizeof(path), "drops.interfaces.%s.%s", node, ifname);
				jsonx_num_at(jsonx_get(s, path), tx ? "tx_dropped" : "rx_dropped", &d);
				jsonx_num_at(jsonx_get(s, path), tx ? "tx_errors" : "rx_errors", &e);
				if (split) {
					struct below_tunnel b = below_tunnel(in, s, node);

					bl = fmin(d, b.qdisc + b.nft);
				}
				own = d - bl;
				if (own + e > best) {
					best = own + e;
					err = e;
					below = bl;
					raw = d;
					pk = 0;
					jsonx_num_at(jsonx_get(s, path), tx ? "tx_packets" : "rx_packets", &pk);
					bname = name;
				}
			}
			if (!bname || best < QUEUE_DROP_MIN)
				continue;
			x = best / (best + below + pk);
			ev = doctor_finding(out, tx ? "tx-queue-drops" : "nic-drops", node,
					json_object_get_string(role),
					x >= QUEUE_DROP_SHARE_CRIT ? DOCTOR_CRITICAL : DOCTOR_WARNING,
					tx ? (!strcmp(json_object_get_string(role), "tunnel") ?
					"The tunnel device's transmit queue overflowed: the tunnel implementation "
					"cannot take packets as fast as they are forwarded to it (CPU per tunnel) — "
					"spread over more tunnels (variant tunnels-4), reference 004; kernel WireGuard "
					"instead of wireguard-go (reference 002 §3.4)." :
					"Transmit drops (a full queue, or the receiving side's backlog): larger "
					"txqueuelen or qdisc limit, the receiver's backlog (variant backlog-budget) — "
					"reference 002 §5.2 ('tx_dropped: qdisc queue overflow').") :
					"Receive drops/errors: the receive path cannot keep up — RPS on the underlay "
					"(variant rps-rfs), a larger backlog (variant backlog-budget), NIC rings "
					"(reference 002 §4.3, §4.6, §5.2; reference 000 Task 8).",
					"%s %s (%s) %s %.0f packets during %s (%.2f%%)", node, ifname,
					json_object_get_string(role), tx ? "dropped on transmit" : "dropped/errored on receive",
					best, bname, 100 * x);
			doctor_ev_str(ev, "scenario", bname);
			doctor_ev_str(ev, "interface", ifname);
			doctor_ev_int(ev, tx ? "tx_dropped" : "rx_dropped", (long long)raw);
			doctor_ev_int(ev, tx ? "tx_errors" : "rx_errors", (long long)err);
			doctor_ev_int(ev, tx ? "tx_packets" : "rx_packets", (long long)pk);
			doctor_ev_num(ev, "drop_percent", 100 * x);
			if (split) {
				/* tx_dropped is the device's counter; own = it less below */
				doctor_ev_int(ev, "tx_dropped_below_tunnel", (long long)below);
				doctor_ev_int(ev, "tx_dropped_own", (long long)(best - err));
			}
		}
	}
}

static void qdisc_drops(struct json_object *in, struct json_object *out)
{
	struct json_object *sc = jsonx_get(in, "scenarios"), *links = jsonx_get(in, "links");

	if (!sc || !links)
		return;
	json_object_object_foreach(links, node, ifs) {
		json_object_object_foreach(ifs, ifname, role) {
			double best = 0, over = 0;
			const char *bname = NULL, *kind = NULL;
			char path[160];
			struct json_object *ev;
			size_t i;

			snprintf(path, sizeof(path), "drops.qdiscs.%s.%s", node, ifname);
			json_object_object_foreach(sc, name, s) {
				struct json_object *qs = jsonx_get(s, path);

				for (i = 0; qs && i < json_object_array_length(qs); i++) {
					struct json_object *q = json_object_array_get_idx(qs, i);
					double d, o = 0;

					if (jsonx_num_at(q, "drops", &d) && d > best) {
						best = d;
						over = jsonx_num_at(q, "overlimits", &o) ? o : 0;
						kind = jsonx_str_at(q, "kind");
						bname = name;
					}
				}
			}
			if (!bname || best < QUEUE_DROP_MIN)
				continue;
			ev = doctor_finding(out, "qdisc-drops", node, json_object_get_string(role), DOCTOR_WARNING,
					"The queueing discipline dropped: local congestion or shaping. Reduce the "
					"offered load or fix the shaping, and use fq_codel/cake where the kernel has "
					"them — reference 000 'Check qdisc stats for drops/overlimits', Task 12.",
					"the %s qdisc on %s %s dropped %.0f packets during %s", kind ? kind : "?",
					node, ifname, best, bname);
			doctor_ev_str(ev, "scenario", bname);
			doctor_ev_str(ev, "interface", ifname);
			doctor_ev_str(ev, "kind", kind);
			doctor_ev_int(ev, "drops", (long long)best);
			doctor_ev_int(ev, "overlimits", (long long)over);
		}
	}
}

/* ---- rate-limited: a shaper busy while the throughput sits at its rate ---- */

static void rate_limited(struct json_object *in, struct json_object *out)
{
	struct json_object *shapers = jsonx_get(in, "shapers"), *sc = jsonx_get(in, "scenarios");
	size_t i, j;

	for (i = 0; shapers && sc && i < json_object_array_length(shapers); i++) {
		struct json_object *sh = json_object_array_get_idx(shapers, i), *ev;
		const char *node = jsonx_str_at(sh, "node"), *ifname = jsonx_str_at(sh, "ifname");
		const char *kind = jsonx_str_at(sh, "kind");
		double rate, best = 0, over = 0, drops = 0;
		const char *bname = NULL;
		char path[160];

		if (!node || !ifname || !kind || !jsonx_num_at(sh, "rate_bps", &rate) || rate <= 0)
			continue;
		snprintf(path, sizeof(path), "drops.qdiscs.%s.%s", node, ifname);
		json_object_object_foreach(sc, name, s) {
			struct json_object *qs = jsonx_get(s, path);
			double thr;

			if (!jsonx_num_at(s, "throughput_bps", &thr))
				continue;
			for (j = 0; qs && j < json_object_array_length(qs); j++) {
				struct json_object *q = json_object_array_get_idx(qs, j);
				double o = 0, d = 0;

				if (!jsonx_str_at(q, "kind") || strcmp(jsonx_str_at(q, "kind"), kind) ||
				    !jsonx_num_at(q, "overlimits", &o) || o <= 0 || thr <= best)
					continue;
				jsonx_num_at(q, "drops", &d);
				best = thr;
				over = o;
				drops = d;
				bname = name;
			}
		}
		if (!bname || best < RATE_PINNED_SHARE * rate)
			continue;
		ev = doctor_finding(out, "rate-limited", node, jsonx_str_at(sh, "link"), DOCTOR_WARNING,
				"The shaper is the limit, not WireGuard: raise or remove the shaping, or fix the "
				"upstream policing (reference 000 'Policing: cloud egress shaping or middlebox "
				"rate-limits' and '...fix upstream shaping instead of blaming WireGuard').",
				"%s carried %.1f Mbit/s against the %s rate of %.1f Mbit/s on %s %s (%.0f%%), "
				"%.0f overlimits", bname, best / 1e6, kind, rate / 1e6, node, ifname,
				100 * best / rate, over);
		doctor_ev_str(ev, "scenario", bname);
		doctor_ev_str(ev, "interface", ifname);
		doctor_ev_str(ev, "kind", kind);
		doctor_ev_num(ev, "rate_bps", rate);
		doctor_ev_num(ev, "throughput_bps", best);
		doctor_ev_num(ev, "throughput_share_of_rate", best / rate);
		doctor_ev_int(ev, "overlimits", (long long)over);
		doctor_ev_int(ev, "drops", (long long)drops);
	}
}

/* ---- lossy-underlay ----
 * Packets a gateway's tunnel handed to its UDP socket and the underlay did
 * not deliver to the other gateway's interface, minus what a local counter
 * explains: sends that failed on a full queue (udp_sndbuf_errors, also
 * counted in ip_out_discards) and device drops. What remains was dropped
 * on the egress path or the wire. It is counted before the receiving
 * gateway's CPU can matter: a receiver that cannot keep up shows as
 * udp-rcvbuf / softnet-backlog instead.
 * Kernel WireGuard sends past the UDP socket layer (udp_tunnel_xmit_skb
 * counts no OutDatagrams, a failed send no OutDiscards): its sends are its
 * devices' tx_packets, and a drop on the egress path is in their
 * tx_dropped, as far as the node's counted egress drop rules say so (see
 * below_tunnel above; the rest is the device's own, tx-queue-drops). */
struct path_count {
	double sent, discards, sndbuf, tx, tx_drop, rx;
	double wg_sent, wg_filtered;    /* kernel WireGuard's devices */
};

static void kernel_sends(struct json_object *in, struct json_object *s, const char *from,
			 struct path_count *p)
{
	struct below_tunnel b = below_tunnel(in, s, from);
	double dropped = 0;
	char path[160];

	json_object_object_foreach(jsonx_get(jsonx_get(in, "links"), from), ifname, role) {
		double v;

		if (strcmp(json_object_get_string(role), "tunnel"))
			continue;
		snprintf(path, sizeof(path), "drops.interfaces.%s.%s", from, ifname);
		if (jsonx_num_at(jsonx_get(s, path), "tx_packets", &v))
			p->wg_sent += v;
		if (jsonx_num_at(jsonx_get(s, path), "tx_dropped", &v))
			dropped += v;
	}
	p->wg_filtered = fmin(dropped, b.nft);
}

static bool path_counts(struct json_object *in, struct json_object *s, const char *from,
			const char *to, struct path_count *p)
{
	char path[160];
	const char *uf = NULL, *ut = NULL;
	struct json_object *links = jsonx_get(in, "links");

	memset(p, 0, sizeof(*p));
	if (!jsonx_get(links, from) || !jsonx_get(links, to))
		return false;   /* one end only (live mode): no path to count */
	json_object_object_foreach(jsonx_get(links, from), i1, r1)
		if (!strcmp(json_object_get_string(r1), "underlay"))
			uf = i1;
	json_object_object_foreach(jsonx_get(links, to), i2, r2)
		if (!strcmp(json_object_get_string(r2), "underlay"))
			ut = i2;
	if (!uf || !ut)
		return false;
	snprintf(path, sizeof(path), "drops.nodes.%s", from);
	if (!jsonx_num_at(jsonx_get(s, path), "udp_out_datagrams", &p->sent))
		return false;
	jsonx_num_at(jsonx_get(s, path), "ip_out_discards", &p->discards);
	jsonx_num_at(jsonx_get(s, path), "udp_sndbuf_errors", &p->sndbuf);
	snprintf(path, sizeof(path), "drops.interfaces.%s.%s", from, uf);
	jsonx_num_at(jsonx_get(s, path), "tx_packets", &p->tx);
	jsonx_num_at(jsonx_get(s, path), "tx_dropped", &p->tx_drop);
	if (kernel_wg(in))
		kernel_sends(in, s, from, p);
	snprintf(path, sizeof(path), "drops.interfaces.%s.%s", to, ut);
	return jsonx_num_at(jsonx_get(s, path), "rx_packets", &p->rx);
}

static void lossy_underlay(struct json_object *in, struct json_object *out)
{
	struct json_object *sc = jsonx_get(in, "scenarios"), *ev;
	static const char *const dir[2][2] = { { "gw1", "gw2" }, { "gw2", "gw1" } };
	struct path_count best = { 0 }, p;
	double best_pct = 0, best_lost = 0;
	const char *bname = NULL, *bfrom = NULL, *bto = NULL;
	int d;

	if (!sc)
		return;
	json_object_object_foreach(sc, name, s) {
		const char *proto = jsonx_str_at(s, "protocol");

		if (!proto || strcmp(proto, "udp"))
			continue;
		for (d = 0; d < 2; d++) {
			double attempted, lost, pct;

			if (!path_counts(in, s, dir[d][0], dir[d][1], &p))
				continue;
			attempted = p.sent + p.wg_sent + p.wg_filtered + fmax(0, p.discards - p.sndbuf);
			lost = fmax(0, p.discards - p.sndbuf) + p.wg_filtered + fmax(0, p.tx - p.rx);
			if (attempted < UNDERLAY_MIN_PACKETS)
				continue;
			pct = 100 * lost / attempted;
			if (pct > best_pct) {
				best_pct = pct;
				best_lost = lost;
				best = p;
				bname = name;
				bfrom = dir[d][0];
				bto = dir[d][1];
			}
		}
	}
	if (!bname || best_pct < UNDERLAY_LOSS_PCT)
		return;
	ev = doctor_finding(out, "lossy-underlay", bfrom, "underlay", DOCTOR_WARNING,
			"The underlay loses the tunnel's packets: no local buffer or queue explains it. "
			"Fix the path or the provider; MTU or buffer tuning will not help — reference 000 "
			"'Loss/buffering on UDP', Task 3, common mistake 3.",
			"%.2f%% of the tunnel's UDP packets from %s never reached %s during %s",
			best_pct, bfrom, bto, bname);
	doctor_ev_str(ev, "scenario", bname);
	doctor_ev_str(ev, "from", bfrom);
	doctor_ev_str(ev, "to", bto);
	doctor_ev_int(ev, "udp_out_datagrams", (long long)best.sent);
	doctor_ev_int(ev, "ip_out_discards", (long long)best.discards);
	doctor_ev_int(ev, "udp_sndbuf_errors", (long long)best.sndbuf);
	doctor_ev_int(ev, "underlay_tx_packets", (long long)best.tx);
	doctor_ev_int(ev, "underlay_tx_dropped", (long long)best.tx_drop);
	doctor_ev_int(ev, "peer_underlay_rx_packets", (long long)best.rx);
	if (kernel_wg(in)) {
		doctor_ev_int(ev, "kernel_wg_tx_packets", (long long)best.wg_sent);
		doctor_ev_int(ev, "kernel_wg_egress_dropped", (long long)best.wg_filtered);
	}
	doctor_ev_int(ev, "lost_packets", (long long)best_lost);
	doctor_ev_num(ev, "loss_percent", best_pct);
}

int doctor_rules_loss(struct json_object *in, struct json_object *out)
{
	udp_errors(in, out, true);
	udp_errors(in, out, false);
	softnet(in, out);
	qdisc_drops(in, out);
	iface_counter(in, out, true);
	iface_counter(in, out, false);
	rate_limited(in, out);
	lossy_underlay(in, out);
	return 0;
}

/* ---- text output ---- */

void doctor_print_text(struct json_object *findings, struct json_object *input, FILE *f)
{
	size_t i, n = findings ? json_object_array_length(findings) : 0;
	int count[3] = { 0 };
	const char *stop = jsonx_str_at(input, "stopped_after");

	for (i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(findings, i);
		const char *sev = jsonx_str_at(x, "severity"), *node = jsonx_str_at(x, "node"), *link = jsonx_str_at(x, "link");

		count[!strcmp(sev, "critical") ? 2 : !strcmp(sev, "warning") ? 1 : 0]++;
		fprintf(f, "%-8s %-21s %-6s %-8s %s\n", sev, jsonx_str_at(x, "id"), node ? node : "-",
			link ? link : "-", jsonx_str_at(x, "summary"));
		json_object_object_foreach(jsonx_get(x, "evidence"), k, v)
			fprintf(f, "    %s: %s\n", k, v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)
				: "null");
		fprintf(f, "    advice: %s\n", jsonx_str_at(x, "advice"));
	}
	if (stop)
		fprintf(f, "stopped after the %s step: reference 000 says fix it before measuring the rest\n",
			stop);
	fprintf(f, "%zu finding(s): %d critical, %d warning, %d info\n", n, count[2], count[1], count[0]);
}
