/* doctor.c — the pure half of `wgbench doctor` (doctor.h): the input
 * document in, findings out, in reference 000's order — MTU, routing, CPU —
 * and then the loss/queue rules of doctor_loss.c. No I/O here.
 *
 * Every threshold is a named constant with the reason it has that value.
 */
#include "doctor.h"
#include "doctor_impl.h"

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

struct json_object *dj_get(struct json_object *o, const char *path)
{
	char key[128];
	const char *p = path;

	while (o && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		struct json_object *v = NULL;

		if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, p, n);
		key[n] = 0;
		if (!json_object_object_get_ex(o, key, &v))
			return NULL;
		o = v;
		p = dot ? dot + 1 : p + n;
	}
	return o;
}

bool dj_num(struct json_object *o, const char *path, double *out)
{
	struct json_object *v = dj_get(o, path);

	if (!v || !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return false;
	*out = json_object_get_double(v);
	return isfinite(*out);
}

const char *dj_str(struct json_object *o, const char *path)
{
	struct json_object *v = dj_get(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static const char *sev_name(enum doctor_severity s)
{
	return s == DOCTOR_CRITICAL ? "critical" : s == DOCTOR_WARNING ? "warning" : "info";
}

struct json_object *dj_finding(struct json_object *arr, const char *id, const char *node,
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
void dj_ev_num(struct json_object *ev, const char *key, double v)
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

void dj_ev_int(struct json_object *ev, const char *key, long long v)
{
	if (ev)
		json_object_object_add(ev, key, json_object_new_int64(v));
}

void dj_ev_str(struct json_object *ev, const char *key, const char *v)
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
		const char *r = dj_str(p, "result");
		double size, mtu;

		if (!r || !dj_num(p, "size", &size))
			continue;
		if (!strcmp(r, "reply") && size > v->largest_reply)
			v->largest_reply = size;
		if (!strcmp(r, "frag_needed") || !strcmp(r, "local_emsgsize")) {
			if (!strcmp(r, "frag_needed"))
				v->frag_needed++;
			else
				v->local++;
			if (dj_num(p, "mtu", &mtu) && mtu > 0 && mtu < v->limit_said)
				v->limit_said = mtu;
		}
	}
	/* Timeouts that nothing explains: above every reply, at or below any
	 * limit an ICMP error or the local route announced. */
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(probes, i);
		const char *r = dj_str(p, "result");
		double size;

		if (r && !strcmp(r, "timeout") && dj_num(p, "size", &size) &&
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
	struct json_object *ends = dj_get(mtu, "ends");
	size_t i;

	for (i = 0; ends && i < json_object_array_length(ends); i++) {
		struct json_object *e = json_object_array_get_idx(ends, i);
		const char *node = dj_str(e, "node");
		char key[64];
		double x;

		if (!node)
			continue;
		snprintf(key, sizeof(key), "%s_tunnel_mtu", node);
		if (dj_num(e, "tunnel_mtu", &x))
			dj_ev_int(ev, key, (long long)x);
		snprintf(key, sizeof(key), "%s_underlay_mtu", node);
		if (dj_num(e, "underlay_mtu", &x))
			dj_ev_int(ev, key, (long long)x);
	}
}

static void rule_pmtu(struct json_object *in, struct json_object *out)
{
	struct json_object *mtu = dj_get(in, "mtu"), *ev;
	struct probe_view v;
	double x;

	view_probes(dj_get(mtu, "probes"), &v);
	/* Nothing came back at any size: connectivity, not MTU (routing step). */
	if (v.largest_reply < 0 || !v.timeouts) {
		json_object_put(v.timeout_sizes);
		return;
	}
	ev = dj_finding(out, "pmtu-blackhole", "gw1", "tunnel", DOCTOR_CRITICAL,
			"Fix the MTU before anything else (reference 000, 'First: prove whether it's "
			"MTU/fragmentation'; Checklist C): let ICMP 'fragmentation needed' through, set the "
			"tunnel MTU from the measured path MTU, or clamp the TCP MSS (variant mss-clamp).",
			"DF packets above %.0f bytes vanish on the way to the drain and %s",
			v.largest_reply, v.frag_needed ? "some sizes got no ICMP 'fragmentation needed' either"
			: "no ICMP 'fragmentation needed' comes back");
	dj_ev_int(ev, "largest_reply_bytes", (long long)v.largest_reply);
	json_object_object_add(ev, "silent_timeout_sizes", v.timeout_sizes);
	dj_ev_int(ev, "frag_needed_received", v.frag_needed);
	if (dj_num(mtu, "source_lan_mtu", &x))
		dj_ev_int(ev, "source_lan_mtu", (long long)x);
	mtu_ends_evidence(ev, mtu);
	if (dj_num(mtu, "icmp.gw1_out_dest_unreachs", &x))
		dj_ev_int(ev, "gw1_icmp_out_dest_unreachs", (long long)x);
	if (dj_num(mtu, "icmp.source_in_dest_unreachs", &x))
		dj_ev_int(ev, "source_icmp_in_dest_unreachs", (long long)x);
}

static void rule_mtu_mismatch(struct json_object *in, struct json_object *out)
{
	struct json_object *mtu = dj_get(in, "mtu"), *ends = dj_get(mtu, "ends"), *ev;
	double fam = 4, t[2] = { -1, -1 }, x;
	int overhead;
	struct probe_view v;
	size_t i;

	if (!ends)
		return;
	dj_num(mtu, "underlay_family", &fam);
	overhead = fam == 6 ? WG_OVERHEAD_V6 : WG_OVERHEAD_V4;
	for (i = 0; i < json_object_array_length(ends) && i < 2; i++) {
		struct json_object *e = json_object_array_get_idx(ends, i);
		double tun, und;

		if (!dj_num(e, "tunnel_mtu", &tun) || !dj_num(e, "underlay_mtu", &und))
			continue;
		t[i] = tun;
		if (tun + overhead <= und)
			continue;
		ev = dj_finding(out, "mtu-mismatch", dj_str(e, "node"), "tunnel", DOCTOR_WARNING,
				"Lower the tunnel MTU to the underlay MTU minus WireGuard's overhead, or raise "
				"the underlay MTU (reference 000 'Don't worship 1420', reference 002 §4.9).",
				"tunnel MTU %.0f + %d bytes of WireGuard overhead exceeds the underlay MTU %.0f: "
				"every full-size packet is fragmented", tun, overhead, und);
		dj_ev_int(ev, "tunnel_mtu", (long long)tun);
		dj_ev_int(ev, "underlay_mtu", (long long)und);
		dj_ev_int(ev, "wireguard_overhead", overhead);
		dj_ev_int(ev, "excess_bytes", (long long)(tun + overhead - und));
	}
	if (t[0] > 0 && t[1] > 0 && t[0] != t[1]) {
		ev = dj_finding(out, "mtu-mismatch", "gw2", "tunnel", DOCTOR_WARNING,
				"Give both tunnel ends the same MTU (reference 000 common mistake 5: "
				"different MTU/PMTU behaviour on each path).",
				"the tunnel ends disagree: gw1 MTU %.0f, gw2 MTU %.0f", t[0], t[1]);
		dj_ev_int(ev, "gw1_tunnel_mtu", (long long)t[0]);
		dj_ev_int(ev, "gw2_tunnel_mtu", (long long)t[1]);
	}
	/* PMTU discovery works (an ICMP error said the size) but the path is
	 * narrower than the tunnel: something beyond it is smaller. */
	view_probes(dj_get(mtu, "probes"), &v);
	json_object_put(v.timeout_sizes);
	x = fmin(t[0] > 0 ? t[0] : INFINITY, t[1] > 0 ? t[1] : INFINITY);
	if (v.frag_needed && isfinite(x) && isfinite(v.limit_said) && v.limit_said < x) {
		ev = dj_finding(out, "mtu-mismatch", "gw1", "tunnel", DOCTOR_WARNING,
				"Set the tunnel MTU to the measured path MTU so nothing depends on "
				"fragmentation (reference 000 'Practical MTU workflow you can defend').",
				"the path MTU (%.0f, announced by ICMP) is below the tunnel MTU %.0f",
				v.limit_said, x);
		dj_ev_int(ev, "path_mtu", (long long)v.limit_said);
		dj_ev_int(ev, "tunnel_mtu", (long long)x);
		dj_ev_int(ev, "largest_reply_bytes", (long long)v.largest_reply);
	}
}

/* ---- 2. Routing ------------------------------------------------------- */

static void route_finding(struct json_object *out, struct json_object *r, bool bypass,
			  const char *why)
{
	const char *node = bypass ? "gw1" : "gw2";
	struct json_object *ev;
	double k = 0, x;
	char key[64];

	dj_num(r, "tunnel", &k);
	ev = dj_finding(out, bypass ? "route-bypasses-tunnel" : "route-asymmetric", node, "tunnel",
			DOCTOR_CRITICAL, bypass ?
			"Fix routing/AllowedIPs before measuring anything: traffic that does not use the "
			"tunnel makes every number garbage (reference 000 Task 1, Checklist A)." :
			"Make both directions agree: the drain's answers must return through the same "
			"tunnel (policy rules, reference 000 Task 13 and common mistake 5; rp_filter).",
			"%s (drain %s, tunnel %.0f)", why, dj_str(r, "drain") ? dj_str(r, "drain") : "?", k);
	dj_ev_int(ev, "tunnel", (long long)k);
	dj_ev_str(ev, "drain", dj_str(r, "drain"));
	snprintf(key, sizeof(key), "%s.oif", node);
	dj_ev_str(ev, "route_oif", dj_str(r, key));
	snprintf(key, sizeof(key), "%s.expected", node);
	dj_ev_str(ev, "expected_oif", dj_str(r, key));
	json_object_object_add(ev, "probe_reply", json_object_get(dj_get(r, "probe_reply")));
	if (dj_num(r, "tunnel_delta.gw1_tx", &x))
		dj_ev_int(ev, "tunnel_gw1_tx_bytes", (long long)x);
	if (dj_num(r, "tunnel_delta.gw2_rx", &x))
		dj_ev_int(ev, "tunnel_gw2_rx_bytes", (long long)x);
	if (dj_num(r, "tunnel_delta.gw2_tx", &x))
		dj_ev_int(ev, "tunnel_gw2_tx_bytes", (long long)x);
	if (dj_num(r, "tunnel_delta.gw1_rx", &x))
		dj_ev_int(ev, "tunnel_gw1_rx_bytes", (long long)x);
}

static void rule_routes(struct json_object *in, struct json_object *out)
{
	struct json_object *routes = dj_get(in, "routes");
	size_t i;

	for (i = 0; routes && i < json_object_array_length(routes); i++) {
		struct json_object *r = json_object_array_get_idx(routes, i), *rep = dj_get(r, "probe_reply");
		const char *o1 = dj_str(r, "gw1.oif"), *e1 = dj_str(r, "gw1.expected");
		const char *o2 = dj_str(r, "gw2.oif"), *e2 = dj_str(r, "gw2.expected");
		bool replied = rep && json_object_get_boolean(rep);
		double fwd = -1, back = -1, x;

		if (dj_num(r, "tunnel_delta.gw1_tx", &x))
			fwd = x;
		if (dj_num(r, "tunnel_delta.gw2_rx", &x))
			fwd = fwd < 0 ? x : fmin(fwd, x);
		if (dj_num(r, "tunnel_delta.gw2_tx", &x))
			back = x;
		if (dj_num(r, "tunnel_delta.gw1_rx", &x))
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
	struct json_object *cores = dj_get(cpu, "cores");
	double sum = 0, best = -1;
	size_t i, n = cores ? json_object_array_length(cores) : 0;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(cores, i);
		double busy = 0, soft = 0, score;

		dj_num(c, "busy", &busy);
		dj_num(c, "softirq", &soft);
		sum += busy;
		score = fmax(busy / CPU_SATURATED_BUSY_PCT, soft / CPU_SATURATED_SOFTIRQ_PCT);
		if (score > best) {
			double x = -1;

			best = score;
			p->busy = busy;
			p->softirq = soft;
			p->sys = dj_num(c, "sys", &x) ? x : NAN;
			p->usr = dj_num(c, "usr", &x) ? x : NAN;
			p->cpu = dj_num(c, "cpu", &x) ? (int)x : (int)i;
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
	struct json_object *sc = dj_get(in, "scenarios"), *ev;
	struct core_pick best = { .busy = -1 }, p;
	double x;

	if (!sc)
		return;
	json_object_object_foreach(sc, name, s) {
		if (!pick_core(dj_get(s, "cpu"), &p))
			continue;
		if (p.busy - p.others_busy > best.busy - best.others_busy || best.busy < 0) {
			best = p;
			best.scenario = name;
		}
	}
	if (!best.scenario)
		return;
	ev = dj_finding(out, "cpu-single-core", "host", NULL, DOCTOR_WARNING,
			"One core does the work while the others idle: spread it — RPS on the underlay "
			"(variant rps-rfs, reference 002 §4.3), more tunnels (variant tunnels-4) and, with "
			"kernel WireGuard, threaded NAPI (variant threaded-napi) — reference 004.",
			"cpu%d is %.0f%% busy (%.0f%% softirq) during %s while the other cores average %.0f%%",
			best.cpu, best.busy, best.softirq, best.scenario, best.others_busy);
	dj_ev_str(ev, "scenario", best.scenario);
	dj_ev_int(ev, "cpu", best.cpu);
	dj_ev_num(ev, "busy_percent", best.busy);
	dj_ev_num(ev, "softirq_percent", best.softirq);
	dj_ev_num(ev, "sys_percent", best.sys);
	dj_ev_num(ev, "usr_percent", best.usr);
	dj_ev_num(ev, "others_mean_busy_percent", best.others_busy);
	dj_ev_int(ev, "cores", best.n);
	{
		char path[128];

		snprintf(path, sizeof(path), "%s.cpu.nodes.gw1.tunnel_cpu_percent", best.scenario);
		if (dj_num(sc, path, &x))
			dj_ev_num(ev, "gw1_tunnel_cpu_percent", x);
		snprintf(path, sizeof(path), "%s.cpu.nodes.gw2.tunnel_cpu_percent", best.scenario);
		if (dj_num(sc, path, &x))
			dj_ev_num(ev, "gw2_tunnel_cpu_percent", x);
	}
}

static bool scen_ok(struct json_object *in, const char *name, struct json_object **s)
{
	struct json_object *ok;

	*s = dj_get(dj_get(in, "scenarios"), name);
	ok = dj_get(*s, "ok");
	return *s && ok && json_object_get_boolean(ok);
}

static void rule_per_flow(struct json_object *in, struct json_object *out)
{
	struct json_object *one, *many, *ev;
	double b1, bn, flows = 8, tunnels = 1;
	size_t i;

	if (!scen_ok(in, "tcp-single", &one) || !scen_ok(in, "tcp-fwd", &many) ||
	    !dj_num(one, "throughput_bps", &b1) || !dj_num(many, "throughput_bps", &bn) || b1 <= 0)
		return;
	dj_num(many, "flows", &flows);
	dj_num(in, "tunnels", &tunnels);
	if (flows < 2 || bn / b1 >= PER_FLOW_SCALE_MIN)
		return;
	/* A shaper at its rate explains a plateau in flows by itself. */
	for (i = 0; i < json_object_array_length(out); i++)
		if (!strcmp(dj_str(json_object_array_get_idx(out, i), "id"), "rate-limited"))
			return;
	ev = dj_finding(out, "per-flow-limit", "gw1", "tunnel", DOCTOR_WARNING,
			"All flows share one tunnel, i.e. one UDP flow and the per-peer serial stages: "
			"spread the traffic over more tunnels (variant tunnels-4) or over more underlay "
			"ports (variant port-spread-4) — reference 004, reference 002 §6.4.",
			"%.0f flows carry %.1f Mbit/s, one flow %.1f Mbit/s (x%.2f): more flows do not scale",
			flows, bn / 1e6, b1 / 1e6, bn / b1);
	dj_ev_num(ev, "tcp_single_bps", b1);
	dj_ev_num(ev, "tcp_fwd_bps", bn);
	dj_ev_int(ev, "tcp_fwd_flows", (long long)flows);
	dj_ev_num(ev, "ratio", bn / b1);
	dj_ev_int(ev, "tunnels", (long long)tunnels);
}

static void rule_small_packets(struct json_object *in, struct json_object *out)
{
	struct json_object *big, *small, *ev;
	double pb, ps, lb, ls, bound;

	if (!scen_ok(in, "udp", &big) || !scen_ok(in, "udp-small", &small) ||
	    !dj_num(big, "packets_per_s", &pb) || !dj_num(small, "packets_per_s", &ps) ||
	    !dj_num(big, "block_size", &lb) || !dj_num(small, "block_size", &ls) ||
	    pb <= 0 || ls <= 0 || ls >= lb)
		return;
	bound = pb * lb / ls;
	if (ps >= SMALL_PKT_BYTE_BOUND_FRACTION * bound)
		return;
	ev = dj_finding(out, "small-packet-limit", "gw1", "tunnel", DOCTOR_WARNING,
			"The per-packet cost (encapsulation, one crypto operation and one syscall per packet) "
			"is the ceiling, not bytes: fewer, larger packets (MTU, reference 002 §4.9), RPS to "
			"spread per-packet work (variant rps-rfs), kernel WireGuard — reference 002 §1.2, §2.2.",
			"%.0f-byte datagrams reach %.0f packets/s, %.0f-byte ones %.0f/s: a byte-bound path "
			"would give ~%.0f/s", ls, ps, lb, pb, bound);
	dj_ev_num(ev, "udp_small_packets_per_s", ps);
	dj_ev_num(ev, "udp_packets_per_s", pb);
	dj_ev_int(ev, "udp_small_block_size", (long long)ls);
	dj_ev_int(ev, "udp_block_size", (long long)lb);
	dj_ev_num(ev, "byte_bound_packets_per_s", bound);
	dj_ev_num(ev, "packet_rate_ratio", ps / pb);
	if (dj_num(small, "throughput_bps", &bound))
		dj_ev_num(ev, "udp_small_bps", bound);
}

/* A scenario that could not be measured leaves its rules nothing to read:
 * say so, rather than let its silence pass for a clean bill. */
static void rule_failed(struct json_object *in, struct json_object *out)
{
	struct json_object *sc = dj_get(in, "scenarios"), *ok, *ev;

	if (!sc || !json_object_is_type(sc, json_type_object))
		return;
	json_object_object_foreach(sc, name, s) {
		const char *err = dj_str(s, "error");

		ok = dj_get(s, "ok");
		if (!ok || json_object_get_boolean(ok))
			continue;
		ev = dj_finding(out, "measurement-failed", "source", NULL, DOCTOR_WARNING,
				"The rules that read this scenario had no data, so the verdict is silent about "
				"it: run the doctor again. A path that loses the iperf3 UDP connect datagram "
				"(iperf3 3.12 waits for its answer for ever), an unreachable drain or a "
				"timeout show here.",
				"%s could not be measured: %s", name, err ? err : "unknown error");
		dj_ev_str(ev, "scenario", name);
		dj_ev_str(ev, "error", err ? err : "unknown error");
	}
}

int doctor_diagnose(struct json_object *input, struct json_object **findings)
{
	struct json_object *out = json_object_new_array();

	if (!out)
		return -ENOMEM;
	rule_pmtu(input, out);
	rule_mtu_mismatch(input, out);
	rule_routes(input, out);
	rule_cpu(input, out);
	doctor_rules_loss(input, out);
	rule_per_flow(input, out);       /* after rate-limited, which can explain it */
	rule_small_packets(input, out);
	rule_failed(input, out);
	*findings = out;
	return 0;
}
