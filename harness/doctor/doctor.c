/* doctor.c — the pure half of `wgbench doctor` (doctor.h): the input
 * document in, findings out, in reference 000's order — MTU, routing, CPU —
 * and then the loss/queue rules of doctor_loss.c and the queueing delay of
 * doctor_latency.c. No I/O here.
 *
 * Every threshold is a named constant with the reason it has that value.
 */
#include "doctor.h"
#include "doctor_impl.h"
#include "jsonx.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* WireGuard's encapsulation: outer IPv4 20 + UDP 8 + WireGuard data header
 * 16 + Poly1305 tag 16 = 60 bytes (IPv6: 40 + 8 + 32 = 80) — reference 002
 * §4.9 "WireGuard adds ~60 bytes overhead", reference 000 Task 6. */
#define WG_OVERHEAD_V4 60
#define WG_OVERHEAD_V6 80

/* Reference 002 §3.2: "%soft ... single core hits ~90%+" is the bottleneck,
 * and "low idle on one core = local bottleneck". */
#define CPU_SATURATED_BUSY_PCT 90.0
#define CPU_SATURATED_SOFTIRQ_PCT 80.0
/* "...while three other cores sat half-idle" (§3.2): the other cores at most
 * half busy on average means the work is not spread. */
#define CPU_OTHERS_IDLE_MAX_BUSY_PCT 50.0

/* tcp-fwd runs 8 flows; if they carry less than 25% more than one flow, more
 * flows do not scale (reference 004: a single tunnel is flat in flows). 25%
 * is well above the run-to-run spread measured here (CV ~10%, DESIGN.md). */
#define PER_FLOW_SCALE_MIN 1.25

/* A byte-bound path moves block_udp/block_small times more small datagrams
 * per second (1200/64 = 18.75); below a quarter of that, the per-packet cost
 * is the ceiling (reference 002 §1.2 "PPS ceiling drops sharply", §2.2). */
#define SMALL_PKT_BYTE_BOUND_FRACTION 0.25

/* ---- JSON helpers ---------------------------------------------------- */

static const char *sev_name(enum doctor_severity s)
{
	return s == DOCTOR_CRITICAL ? "critical" : s == DOCTOR_WARNING ? "warning" : "info";
}

struct json_object *doctor_finding(struct json_object *arr, const char *id, const char *node,
			       const char *link, enum doctor_severity sev, const char *advice,
			       const char *summary_fmt, ...)
{
	struct json_object *f = json_object_new_object(), *ev = json_object_new_object();
	char summary[512];
	va_list ap;

	if (!f || !ev) {
		json_object_put(f);
		json_object_put(ev);
		return NULL;
	}
	va_start(ap, summary_fmt);
	vsnprintf(summary, sizeof(summary), summary_fmt, ap);
	va_end(ap);
	json_object_object_add(f, "id", json_object_new_string(id));
	json_object_object_add(f, "node", node ? json_object_new_string(node) : NULL);
	json_object_object_add(f, "link", link ? json_object_new_string(link) : NULL);
	json_object_object_add(f, "severity", json_object_new_string(sev_name(sev)));
	json_object_object_add(f, "summary", json_object_new_string(summary));
	json_object_object_add(f, "evidence", ev);
	json_object_object_add(f, "advice", json_object_new_string(advice));
	json_object_array_add(arr, f);
	return ev;
}

/* Two decimals at most, printed as such (json-c would print %.17g noise). */
void doctor_ev_num(struct json_object *ev, const char *key, double v)
{
	char buf[64];
	size_t n;

	if (!ev)
		return;
	if (!isfinite(v)) {
		json_object_object_add(ev, key, NULL);
		return;
	}
	n = (size_t)snprintf(buf, sizeof(buf), "%.2f", v);
	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = 0;
	if (buf[n - 1] == '.')
		buf[--n] = 0;
	json_object_object_add(ev, key, json_object_new_double_s(round(v * 100) / 100, buf));
}

void doctor_ev_int(struct json_object *ev, const char *key, long long v)
{
	if (ev)
		json_object_object_add(ev, key, json_object_new_int64(v));
}

void doctor_ev_int_at(struct json_object *ev, const char *key, struct json_object *src, const char *path)
{
	double x;

	if (jsonx_num_at(src, path, &x))
		doctor_ev_int(ev, key, (long long)x);
}

void doctor_ev_str(struct json_object *ev, const char *key, const char *v)
{
	if (ev)
		json_object_object_add(ev, key, v ? json_object_new_string(v) : NULL);
}

/* ---- 1. MTU ----------------------------------------------------------- */

struct probe_view {
	double largest_reply;           /* -1: none */
	double limit_said;              /* smallest MTU a frag-needed/local error said; INFINITY */
	long long frag_needed, local, timeouts;
	struct json_object *timeout_sizes;
};

static void view_probes(struct json_object *probes, struct probe_view *v)
{
	size_t i, n = probes ? json_object_array_length(probes) : 0;

	memset(v, 0, sizeof(*v));
	v->largest_reply = -1;
	v->limit_said = INFINITY;
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(probes, i);
		const char *r = jsonx_str_at(p, "result");
		double size, mtu;

		if (!r || !jsonx_num_at(p, "size", &size))
			continue;
		if (!strcmp(r, "reply") && size > v->largest_reply)
			v->largest_reply = size;
		/* packet_too_big: IPv6's frag-needed */
		if (!strcmp(r, "frag_needed") || !strcmp(r, "packet_too_big") || !strcmp(r, "local_emsgsize")) {
			if (strcmp(r, "local_emsgsize"))
				v->frag_needed++;
			else
				v->local++;
			if (jsonx_num_at(p, "mtu", &mtu) && mtu > 0 && mtu < v->limit_said)
				v->limit_said = mtu;
		}
	}
	/* Timeouts that nothing explains: above every reply, at or below any
	 * limit an ICMP error or the local route announced. */
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(probes, i);
		const char *r = jsonx_str_at(p, "result");
		double size;

		if (r && !strcmp(r, "timeout") && jsonx_num_at(p, "size", &size) &&
		    size > v->largest_reply && size <= v->limit_said) {
			if (!v->timeout_sizes)
				v->timeout_sizes = json_object_new_array();
			json_object_array_add(v->timeout_sizes, json_object_new_int((int)size));
			v->timeouts++;
		}
	}
}

static void mtu_ends_evidence(struct json_object *ev, struct json_object *mtu)
{
	struct json_object *ends = jsonx_get(mtu, "ends");
	size_t i;

	for (i = 0; ends && i < json_object_array_length(ends); i++) {
		struct json_object *e = json_object_array_get_idx(ends, i);
		const char *node = jsonx_str_at(e, "node");
		char key[64];
		double x;

		if (!node)
			continue;
		snprintf(key, sizeof(key), "%s_tunnel_mtu", node);
		if (jsonx_num_at(e, "tunnel_mtu", &x))
			doctor_ev_int(ev, key, (long long)x);
		snprintf(key, sizeof(key), "%s_underlay_mtu", node);
		if (jsonx_num_at(e, "underlay_mtu", &x))
			doctor_ev_int(ev, key, (long long)x);
	}
}

/* Where the DF probes started ("node", the netns doctor's are gw1's view of
 * the source) and what they aimed at ("target": live mode's peer address). */
static const char *probe_node(struct json_object *mtu)
{
	return jsonx_str_at(mtu, "node") ? jsonx_str_at(mtu, "node") : "gw1";
}

static void rule_pmtu(struct json_object *in, struct json_object *out)
{
	struct json_object *mtu = jsonx_get(in, "mtu"), *ev;
	const char *target = jsonx_str_at(mtu, "target");
	char to[64];
	struct probe_view v;
	double fam = 4;
	bool v6;

	jsonx_num_at(mtu, "probe_family", &fam);
	v6 = fam == 6;
	view_probes(jsonx_get(mtu, "probes"), &v);
	/* Nothing came back at any size: connectivity, not MTU (routing step). */
	if (v.largest_reply < 0 || !v.timeouts) {
		json_object_put(v.timeout_sizes);
		return;
	}
	snprintf(to, sizeof(to), "%s", target ? target : "the drain");
	ev = doctor_finding(out, "pmtu-blackhole", probe_node(mtu), "tunnel", DOCTOR_CRITICAL, v6 ?
			"Fix the MTU before anything else (reference 000, 'First: prove whether it's "
			"MTU/fragmentation'; Checklist C): IPv6 routers never fragment, so let ICMPv6 "
			"Packet Too Big through (RFC 4890 says never to filter it), set the tunnel MTU from the "
			"measured path MTU, or clamp the TCP MSS (variant mss-clamp, both families)." :
			"Fix the MTU before anything else (reference 000, 'First: prove whether it's "
			"MTU/fragmentation'; Checklist C): let ICMP 'fragmentation needed' through, set the "
			"tunnel MTU from the measured path MTU, or clamp the TCP MSS (variant mss-clamp).",
			"%s packets above %.0f bytes vanish on the way to %s and %s", v6 ? "IPv6" : "DF",
			v.largest_reply, to, v6 ? (v.frag_needed ? "some sizes got no ICMPv6 Packet Too Big either"
			: "no ICMPv6 Packet Too Big comes back") : v.frag_needed ?
			"some sizes got no ICMP 'fragmentation needed' either" : "no ICMP 'fragmentation needed' comes back");
	doctor_ev_int(ev, "largest_reply_bytes", (long long)v.largest_reply);
	json_object_object_add(ev, "silent_timeout_sizes", v.timeout_sizes);
	doctor_ev_int(ev, v6 ? "packet_too_big_received" : "frag_needed_received", v.frag_needed);
	doctor_ev_int(ev, "probe_family", (long long)fam);
	doctor_ev_int_at(ev, "underlay_family", mtu, "underlay_family");
	doctor_ev_int_at(ev, "source_lan_mtu", mtu, "source_lan_mtu");
	mtu_ends_evidence(ev, mtu);
	doctor_ev_int_at(ev, "gw1_icmp_out_dest_unreachs", mtu, "icmp.gw1_out_dest_unreachs");
	doctor_ev_int_at(ev, "source_icmp_in_dest_unreachs", mtu, "icmp.source_in_dest_unreachs");
	doctor_ev_int_at(ev, "local_icmp_in_dest_unreachs", mtu, "icmp.local_in_dest_unreachs");
	doctor_ev_int_at(ev, "local_icmp6_in_packet_too_big", mtu, "icmp.local_in_packet_too_big");
	doctor_ev_int_at(ev, "gw1_icmp6_out_packet_too_big", mtu, "icmp.gw1_out_packet_too_big");
	doctor_ev_int_at(ev, "source_icmp6_in_packet_too_big", mtu, "icmp.source_in_packet_too_big");
}

/* --inner dual: "mtu6" is the IPv6 probe series beside "mtu"'s IPv4 one;
 * the same rule, read from it (the finding says probe_family 6). */
static void rule_pmtu_dual(struct json_object *in, struct json_object *out)
{
	struct json_object *m6 = jsonx_get(in, "mtu6"), *view;

	if (!m6 || !(view = json_object_new_object()))
		return;
	json_object_object_add(view, "mtu", json_object_get(m6));
	rule_pmtu(view, out);
	json_object_put(view);
}

static void rule_mtu_mismatch(struct json_object *in, struct json_object *out)
{
	struct json_object *mtu = jsonx_get(in, "mtu"), *ends = jsonx_get(mtu, "ends"), *ev;
	double fam = 4, t[2] = { -1, -1 }, x;
	int overhead;
	struct probe_view v;
	size_t i;

	if (!ends)
		return;
	jsonx_num_at(mtu, "underlay_family", &fam);
	overhead = fam == 6 ? WG_OVERHEAD_V6 : WG_OVERHEAD_V4;
	for (i = 0; i < json_object_array_length(ends) && i < 2; i++) {
		struct json_object *e = json_object_array_get_idx(ends, i);
		double tun, und;

		if (!jsonx_num_at(e, "tunnel_mtu", &tun) || !jsonx_num_at(e, "underlay_mtu", &und))
			continue;
		t[i] = tun;
		if (tun + overhead <= und)
			continue;
		ev = doctor_finding(out, "mtu-mismatch", jsonx_str_at(e, "node"), "tunnel", DOCTOR_WARNING,
				"Lower the tunnel MTU to the underlay MTU minus WireGuard's overhead, or raise "
				"the underlay MTU (reference 000 'Don't worship 1420', reference 002 §4.9).",
				"tunnel MTU %.0f + %d bytes of WireGuard overhead exceeds the underlay MTU %.0f: "
				"every full-size packet is fragmented", tun, overhead, und);
		doctor_ev_int(ev, "tunnel_mtu", (long long)tun);
		doctor_ev_int(ev, "underlay_mtu", (long long)und);
		doctor_ev_int(ev, "wireguard_overhead", overhead);
		doctor_ev_int(ev, "underlay_family", (long long)fam);
		doctor_ev_int(ev, "excess_bytes", (long long)(tun + overhead - und));
	}
	if (t[0] > 0 && t[1] > 0 && t[0] != t[1]) {
		ev = doctor_finding(out, "mtu-mismatch", "gw2", "tunnel", DOCTOR_WARNING,
				"Give both tunnel ends the same MTU (reference 000 common mistake 5: "
				"different MTU/PMTU behaviour on each path).",
				"the tunnel ends disagree: gw1 MTU %.0f, gw2 MTU %.0f", t[0], t[1]);
		doctor_ev_int(ev, "gw1_tunnel_mtu", (long long)t[0]);
		doctor_ev_int(ev, "gw2_tunnel_mtu", (long long)t[1]);
	}
	/* PMTU discovery works (an ICMP error said the size) but the path is
	 * narrower than the tunnel: something beyond it is smaller. */
	view_probes(jsonx_get(mtu, "probes"), &v);
	json_object_put(v.timeout_sizes);
	x = fmin(t[0] > 0 ? t[0] : INFINITY, t[1] > 0 ? t[1] : INFINITY);
	if (v.frag_needed && isfinite(x) && isfinite(v.limit_said) && v.limit_said < x) {
		ev = doctor_finding(out, "mtu-mismatch", probe_node(mtu), "tunnel", DOCTOR_WARNING,
				"Set the tunnel MTU to the measured path MTU so nothing depends on "
				"fragmentation (reference 000 'Practical MTU workflow you can defend').",
				"the path MTU (%.0f, announced by ICMP) is below the tunnel MTU %.0f",
				v.limit_said, x);
		doctor_ev_int(ev, "path_mtu", (long long)v.limit_said);
		doctor_ev_int(ev, "tunnel_mtu", (long long)x);
		doctor_ev_int(ev, "largest_reply_bytes", (long long)v.largest_reply);
	}
}

/* ---- 2. Routing ------------------------------------------------------- */

static void route_finding(struct json_object *out, struct json_object *r, bool bypass,
			  const char *why)
{
	const char *node = bypass ? "gw1" : "gw2";
	struct json_object *ev;
	double k = 0;
	char key[64];

	jsonx_num_at(r, "tunnel", &k);
	ev = doctor_finding(out, bypass ? "route-bypasses-tunnel" : "route-asymmetric", node, "tunnel",
			DOCTOR_CRITICAL, bypass ?
			"Fix routing/AllowedIPs before measuring anything: traffic that does not use the "
			"tunnel makes every number garbage (reference 000 Task 1, Checklist A)." :
			"Make both directions agree: the drain's answers must return through the same "
			"tunnel (policy rules, reference 000 Task 13 and common mistake 5; rp_filter).",
			"%s (drain %s, tunnel %.0f)", why, jsonx_str_at(r, "drain") ? jsonx_str_at(r, "drain") : "?", k);
	doctor_ev_int(ev, "tunnel", (long long)k);
	doctor_ev_str(ev, "drain", jsonx_str_at(r, "drain"));
	snprintf(key, sizeof(key), "%s.oif", node);
	doctor_ev_str(ev, "route_oif", jsonx_str_at(r, key));
	snprintf(key, sizeof(key), "%s.expected", node);
	doctor_ev_str(ev, "expected_oif", jsonx_str_at(r, key));
	json_object_object_add(ev, "probe_reply", json_object_get(jsonx_get(r, "probe_reply")));
	doctor_ev_int_at(ev, "tunnel_gw1_tx_bytes", r, "tunnel_delta.gw1_tx");
	doctor_ev_int_at(ev, "tunnel_gw2_rx_bytes", r, "tunnel_delta.gw2_rx");
	doctor_ev_int_at(ev, "tunnel_gw2_tx_bytes", r, "tunnel_delta.gw2_tx");
	doctor_ev_int_at(ev, "tunnel_gw1_rx_bytes", r, "tunnel_delta.gw1_rx");
}

static void rule_routes(struct json_object *in, struct json_object *out)
{
	struct json_object *routes = jsonx_get(in, "routes");
	size_t i;

	for (i = 0; routes && i < json_object_array_length(routes); i++) {
		struct json_object *r = json_object_array_get_idx(routes, i), *rep = jsonx_get(r, "probe_reply");
		const char *o1 = jsonx_str_at(r, "gw1.oif"), *e1 = jsonx_str_at(r, "gw1.expected");
		const char *o2 = jsonx_str_at(r, "gw2.oif"), *e2 = jsonx_str_at(r, "gw2.expected");
		bool replied = rep && json_object_get_boolean(rep);
		double fwd = -1, back = -1, x;

		if (jsonx_num_at(r, "tunnel_delta.gw1_tx", &x))
			fwd = x;
		if (jsonx_num_at(r, "tunnel_delta.gw2_rx", &x))
			fwd = fwd < 0 ? x : fmin(fwd, x);
		if (jsonx_num_at(r, "tunnel_delta.gw2_tx", &x))
			back = x;
		if (jsonx_num_at(r, "tunnel_delta.gw1_rx", &x))
			back = back < 0 ? x : fmin(back, x);
		if (o1 && e1 && strcmp(o1, e1))
			route_finding(out, r, true, "gw1 routes the drain address out of another interface");
		else if (replied && fwd == 0)
			route_finding(out, r, true, "a probe reached the drain while the tunnel carried nothing");
		if (o2 && e2 && strcmp(o2, e2))
			route_finding(out, r, false, "gw2 sends the drain's answers out of another interface");
		else if (replied && back == 0)
			route_finding(out, r, false, "the drain's answer came back while the tunnel carried nothing back");
	}
}

/* ---- 3. CPU ----------------------------------------------------------- */

struct core_pick {
	double busy, softirq, sys, usr, others_busy;
	int cpu, n;
	const char *scenario;
};

/* The most saturated core of one scenario and how busy the others were. */
static bool pick_core(struct json_object *cpu, struct core_pick *p)
{
	struct json_object *cores = jsonx_get(cpu, "cores");
	double sum = 0, best = -1;
	size_t i, n = cores ? json_object_array_length(cores) : 0;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(cores, i);
		double busy = 0, soft = 0, score;

		jsonx_num_at(c, "busy", &busy);
		jsonx_num_at(c, "softirq", &soft);
		sum += busy;
		score = fmax(busy / CPU_SATURATED_BUSY_PCT, soft / CPU_SATURATED_SOFTIRQ_PCT);
		if (score > best) {
			double x = -1;

			best = score;
			p->busy = busy;
			p->softirq = soft;
			p->sys = jsonx_num_at(c, "sys", &x) ? x : NAN;
			p->usr = jsonx_num_at(c, "usr", &x) ? x : NAN;
			p->cpu = jsonx_num_at(c, "cpu", &x) ? (int)x : (int)i;
		}
	}
	if (n < 2)
		return false;   /* one core: nothing to compare it with */
	p->n = (int)n;
	p->others_busy = (sum - p->busy) / (double)(n - 1);
	return best >= 1.0 && p->others_busy <= CPU_OTHERS_IDLE_MAX_BUSY_PCT;
}

static void rule_cpu(struct json_object *in, struct json_object *out)
{
	struct json_object *sc = jsonx_get(in, "scenarios"), *ev;
	struct core_pick best = { .busy = -1 }, p;
	double x;

	if (!sc)
		return;
	json_object_object_foreach(sc, name, s) {
		if (!pick_core(jsonx_get(s, "cpu"), &p))
			continue;
		if (p.busy - p.others_busy > best.busy - best.others_busy || best.busy < 0) {
			best = p;
			best.scenario = name;
		}
	}
	if (!best.scenario)
		return;
	ev = doctor_finding(out, "cpu-single-core", "host", NULL, DOCTOR_WARNING,
			"One core does the work while the others idle: spread it — RPS on the underlay "
			"(variant rps-rfs, reference 002 §4.3), more tunnels (variant tunnels-4) and, with "
			"kernel WireGuard, threaded NAPI (variant threaded-napi) — reference 004.",
			"cpu%d is %.0f%% busy (%.0f%% softirq) during %s while the other cores average %.0f%%",
			best.cpu, best.busy, best.softirq, best.scenario, best.others_busy);
	doctor_ev_str(ev, "scenario", best.scenario);
	doctor_ev_int(ev, "cpu", best.cpu);
	doctor_ev_num(ev, "busy_percent", best.busy);
	doctor_ev_num(ev, "softirq_percent", best.softirq);
	doctor_ev_num(ev, "sys_percent", best.sys);
	doctor_ev_num(ev, "usr_percent", best.usr);
	doctor_ev_num(ev, "others_mean_busy_percent", best.others_busy);
	doctor_ev_int(ev, "cores", best.n);
	{
		char path[128];

		snprintf(path, sizeof(path), "%s.cpu.nodes.gw1.tunnel_cpu_percent", best.scenario);
		if (jsonx_num_at(sc, path, &x))
			doctor_ev_num(ev, "gw1_tunnel_cpu_percent", x);
		snprintf(path, sizeof(path), "%s.cpu.nodes.gw2.tunnel_cpu_percent", best.scenario);
		if (jsonx_num_at(sc, path, &x))
			doctor_ev_num(ev, "gw2_tunnel_cpu_percent", x);
	}
}

/* The node whose tunnel the scenarios went through: gw1's, or this
 * machine's in live mode. */
static const char *tunnel_node(struct json_object *in)
{
	return jsonx_get(in, "live") ? "local" : "gw1";
}

static bool scen_ok(struct json_object *in, const char *name, struct json_object **s)
{
	struct json_object *ok;

	*s = jsonx_get(jsonx_get(in, "scenarios"), name);
	ok = jsonx_get(*s, "ok");
	return *s && ok && json_object_get_boolean(ok);
}

static void rule_per_flow(struct json_object *in, struct json_object *out)
{
	struct json_object *one, *many, *ev;
	double b1, bn, flows = 8, tunnels = 1;
	size_t i;

	if (!scen_ok(in, "tcp-single", &one) || !scen_ok(in, "tcp-fwd", &many) ||
	    !jsonx_num_at(one, "throughput_bps", &b1) || !jsonx_num_at(many, "throughput_bps", &bn) || b1 <= 0)
		return;
	jsonx_num_at(many, "flows", &flows);
	jsonx_num_at(in, "tunnels", &tunnels);
	if (flows < 2 || bn / b1 >= PER_FLOW_SCALE_MIN)
		return;
	/* A shaper at its rate explains a plateau in flows by itself. */
	for (i = 0; i < json_object_array_length(out); i++)
		if (!strcmp(jsonx_str_at(json_object_array_get_idx(out, i), "id"), "rate-limited"))
			return;
	ev = doctor_finding(out, "per-flow-limit", tunnel_node(in), "tunnel", DOCTOR_WARNING,
			"All flows share one tunnel, i.e. one UDP flow and the per-peer serial stages: "
			"spread the traffic over more tunnels (variant tunnels-4) or over more underlay "
			"ports (variant port-spread-4) — reference 004, reference 002 §6.4.",
			"%.0f flows carry %.1f Mbit/s, one flow %.1f Mbit/s (x%.2f): more flows do not scale",
			flows, bn / 1e6, b1 / 1e6, bn / b1);
	doctor_ev_num(ev, "tcp_single_bps", b1);
	doctor_ev_num(ev, "tcp_fwd_bps", bn);
	doctor_ev_int(ev, "tcp_fwd_flows", (long long)flows);
	doctor_ev_num(ev, "ratio", bn / b1);
	doctor_ev_int(ev, "tunnels", (long long)tunnels);
}

static void rule_small_packets(struct json_object *in, struct json_object *out)
{
	struct json_object *big, *small, *ev;
	double pb, ps, lb, ls, bound;

	if (!scen_ok(in, "udp", &big) || !scen_ok(in, "udp-small", &small) ||
	    !jsonx_num_at(big, "packets_per_s", &pb) || !jsonx_num_at(small, "packets_per_s", &ps) ||
	    !jsonx_num_at(big, "block_size", &lb) || !jsonx_num_at(small, "block_size", &ls) ||
	    pb <= 0 || ls <= 0 || ls >= lb)
		return;
	bound = pb * lb / ls;
	if (ps >= SMALL_PKT_BYTE_BOUND_FRACTION * bound)
		return;
	ev = doctor_finding(out, "small-packet-limit", tunnel_node(in), "tunnel", DOCTOR_WARNING,
			"The per-packet cost (encapsulation, one crypto operation and one syscall per packet) "
			"is the ceiling, not bytes: fewer, larger packets (MTU, reference 002 §4.9), RPS to "
			"spread per-packet work (variant rps-rfs), kernel WireGuard — reference 002 §1.2, §2.2.",
			"%.0f-byte datagrams reach %.0f packets/s, %.0f-byte ones %.0f/s: a byte-bound path "
			"would give ~%.0f/s", ls, ps, lb, pb, bound);
	doctor_ev_num(ev, "udp_small_packets_per_s", ps);
	doctor_ev_num(ev, "udp_packets_per_s", pb);
	doctor_ev_int(ev, "udp_small_block_size", (long long)ls);
	doctor_ev_int(ev, "udp_block_size", (long long)lb);
	doctor_ev_num(ev, "byte_bound_packets_per_s", bound);
	doctor_ev_num(ev, "packet_rate_ratio", ps / pb);
	if (jsonx_num_at(small, "throughput_bps", &bound))
		doctor_ev_num(ev, "udp_small_bps", bound);
}

/* A scenario that could not be measured leaves its rules nothing to read:
 * say so, rather than let its silence pass for a clean bill. */
static void rule_failed(struct json_object *in, struct json_object *out)
{
	struct json_object *sc = jsonx_get(in, "scenarios"), *ok, *ev;

	if (!sc || !json_object_is_type(sc, json_type_object))
		return;
	json_object_object_foreach(sc, name, s) {
		const char *err = jsonx_str_at(s, "error");

		ok = jsonx_get(s, "ok");
		if (!ok || json_object_get_boolean(ok))
			continue;
		ev = doctor_finding(out, "measurement-failed", "source", NULL, DOCTOR_WARNING,
				"The rules that read this scenario had no data, so the verdict is silent about "
				"it: run the doctor again. A path that loses the iperf3 UDP connect datagram "
				"(iperf3 3.12 waits for its answer for ever), an unreachable drain or a "
				"timeout show here.",
				"%s could not be measured: %s", name, err ? err : "unknown error");
		doctor_ev_str(ev, "scenario", name);
		doctor_ev_str(ev, "error", err ? err : "unknown error");
	}
}

int doctor_diagnose(struct json_object *input, struct json_object **findings)
{
	struct json_object *out = json_object_new_array();
	bool live = jsonx_get(input, "live") != NULL;

	if (!out)
		return -ENOMEM;
	if (live)
		doctor_rules_live_path(input, out);
	rule_pmtu(input, out);
	rule_pmtu_dual(input, out);
	rule_mtu_mismatch(input, out);
	if (live)
		doctor_rules_live_host(input, out);
	else
		rule_routes(input, out);
	rule_cpu(input, out);
	doctor_rules_loss(input, out);
	doctor_rules_latency(input, out);  /* queueing delay, beside the queues' drops */
	rule_per_flow(input, out);       /* after rate-limited, which can explain it */
	rule_small_packets(input, out);
	rule_failed(input, out);
	*findings = out;
	return 0;
}
