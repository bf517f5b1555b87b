/* doctor_latency.c — `bufferbloat`, pure: the latency probe of each
 * scenario (input scenarios.S.latency, with its "underlay" probe) against
 * its idle RTT, and where the queue that holds the delay is, from the
 * sampler (drops.qdiscs backlog_max/qlen_max, the shapers' rates, the
 * tunnel devices' tx drops) and the two probes (through the tunnel and on
 * the underlay; one-way delays for the direction).
 *
 * "Far above idle": the median RTT under load at least BLOAT_WARN_MS above
 * the idle p99. The median, not p99, so a sustained queue is told from the
 * scheduling spikes of a loaded machine (this 2-core machine's baseline
 * tcp-single: p99 up to 167 ms, p50 3-4 ms); the idle p99, not p50, so the
 * path's own jitter is never called bloat; and an absolute excess, not a
 * ratio, because queueing delay is what interactive traffic feels whatever
 * the path's own RTT: a namespace path idles at ~0.4 ms, so "10x idle" is
 * 4 ms, the CPU scheduling of any load through wireguard-go here.
 */
#include "doctor.h"
#include "doctor_impl.h"
#include "jsonx.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* DSLReports' bufferbloat grades (www.dslreports.com/faq/17930), the
 * latency increase of a fully used connection: under 30 ms is an A, 200 ms
 * or more a D or F; bufferbloat.net's "Tests for Bufferbloat" calls above
 * 50 ms high. Measured here (tbf 50 Mbit/s, UDP overload): a 10 ms queue
 * adds 14-18 ms through wireguard-go, a 100 ms queue ~325 ms. */
#define BLOAT_WARN_MS 30.0
#define BLOAT_CRIT_MS 200.0
/* A median of fewer answered probes is not worth a finding. */
#define BLOAT_MIN_ANSWERED 10
/* A part of the path "holds" the delay when it explains this share of it. */
#define BLOAT_SHARE 0.5

struct bloat {
	const char *scenario;
	struct json_object *s, *lat;
	double idle50, idle99, load50, load99, excess, answered, lost;
};

/* json-c's foreach walks an object's table: never hand it anything else. */
static bool is_obj(struct json_object *o)
{
	return o && json_object_is_type(o, json_type_object);
}

/* The scenario whose median RTT under load is the furthest above idle. */
static bool worst_scenario(struct json_object *in, struct bloat *b)
{
	struct json_object *sc = jsonx_get(in, "scenarios");
	double idle50, idle99, load50, load99, sent, lost;

	memset(b, 0, sizeof(*b));
	b->excess = -INFINITY;
	if (!is_obj(sc))
		return false;   /* stopped before the scenarios (doctor.h) */
	json_object_object_foreach(sc, name, s) {
		struct json_object *lat = jsonx_get(s, "latency");

		if (!jsonx_num_at(lat, "idle_rtt_ms.p99", &idle99) || !jsonx_num_at(lat, "rtt_ms.p50", &load50) ||
		    !jsonx_num_at(lat, "sent", &sent) || !jsonx_num_at(lat, "lost", &lost) ||
		    sent - lost < BLOAT_MIN_ANSWERED || load50 - idle99 <= b->excess)
			continue;
		*b = (struct bloat){ .scenario = name, .s = s, .lat = lat, .idle99 = idle99,
				     .load50 = load50, .excess = load50 - idle99, .answered = sent - lost,
				     .lost = lost };
		b->idle50 = jsonx_num_at(lat, "idle_rtt_ms.p50", &idle50) ? idle50 : NAN;
		b->load99 = jsonx_num_at(lat, "rtt_ms.p99", &load99) ? load99 : NAN;
	}
	return b->scenario != NULL;
}

/* The qdisc that held the most (backlog_max: the largest over the window):
 * its backlog as delay where a shaper gives its rate, else its bytes. */
struct held {
	const char *node, *ifname, *role, *kind;
	double backlog, qlen, rate, delay_ms;   /* delay NAN without a rate */
};

static double shaper_rate(struct json_object *in, const char *node, const char *ifname)
{
	struct json_object *sh = jsonx_get(in, "shapers");
	double rate;
	size_t i;

	for (i = 0; sh && i < json_object_array_length(sh); i++) {
		struct json_object *x = json_object_array_get_idx(sh, i);
		const char *n = jsonx_str_at(x, "node"), *f = jsonx_str_at(x, "ifname");

		if (n && f && !strcmp(n, node) && !strcmp(f, ifname) && jsonx_num_at(x, "rate_bps", &rate) &&
		    rate > 0)
			return rate;
	}
	return NAN;
}

/* role: only interfaces of that role (links), NULL for any. */
static bool largest_qdisc(struct json_object *in, struct json_object *s, const char *role,
			  struct held *h)
{
	struct json_object *links = jsonx_get(in, "links"), *qds = jsonx_get(s, "drops.qdiscs");
	size_t i;

	memset(h, 0, sizeof(*h));
	if (!is_obj(qds))
		return false;
	json_object_object_foreach(qds, node, ifs) {
		if (!is_obj(ifs))
			continue;
		json_object_object_foreach(ifs, ifname, qs) {
			for (i = 0; qs && json_object_is_type(qs, json_type_array) &&
			     i < json_object_array_length(qs); i++) {
				struct json_object *q = json_object_array_get_idx(qs, i);
				double bl, ql = 0;

				const char *r = jsonx_str_at(jsonx_get(links, node), ifname);

				if (!jsonx_num_at(q, "backlog_max", &bl) || bl <= h->backlog ||
				    (role && (!r || strcmp(r, role))))
					continue;
				jsonx_num_at(q, "qlen_max", &ql);
				*h = (struct held){ .node = node, .ifname = ifname, .kind = jsonx_str_at(q, "kind"),
						    .backlog = bl, .qlen = ql, .role = r };
			}
		}
	}
	if (!h->node)
		return false;
	h->rate = shaper_rate(in, h->node, h->ifname);
	h->delay_ms = isnan(h->rate) ? NAN : h->backlog * 8 / h->rate * 1000;
	return true;
}

/* tx drops of the tunnel devices: a TUN's ring (txqueuelen packets) full. */
static double tunnel_tx_dropped(struct json_object *in, struct json_object *s, const char **node,
				const char **ifname)
{
	struct json_object *links = jsonx_get(in, "links");
	double best = 0, x;
	char path[160];

	*node = *ifname = NULL;
	if (!is_obj(links))
		return 0;
	json_object_object_foreach(links, n, ifs) {
		if (!is_obj(ifs))
			continue;
		json_object_object_foreach(ifs, f, role) {
			if (!role || strcmp(json_object_get_string(role), "tunnel"))
				continue;
			snprintf(path, sizeof(path), "drops.interfaces.%s.%s", n, f);
			if (jsonx_num_at(jsonx_get(s, path), "tx_dropped", &x) && x > best) {
				best = x;
				*node = n;
				*ifname = f;
			}
		}
	}
	return best;
}

/* The underlay probe's own excess: what the underlay path (gw1 <-> gw2)
 * holds; NAN when it was not measured. */
static double underlay_excess(const struct bloat *b)
{
	double i99, l50;

	if (!jsonx_num_at(b->lat, "underlay.idle_rtt_ms.p99", &i99) || !jsonx_num_at(b->lat, "underlay.rtt_ms.p50", &l50))
		return NAN;
	return fmax(0, l50 - i99);
}

/* Forward (source -> drain: gw1's egress) or reverse, from the one-way
 * delays where both ends shared a clock; NULL when not told. */
static const char *direction(const struct bloat *b, const char **gw)
{
	double f, r;

	*gw = NULL;
	if (!jsonx_num_at(b->lat, "owd_fwd_ms.p50", &f) || !jsonx_num_at(b->lat, "owd_rev_ms.p50", &r))
		return NULL;
	*gw = f >= r ? "gw1" : "gw2";
	return f >= r ? "forward" : "reverse";
}

static const char advice_qdisc[] =
	"A queue that long is a latency cannon (reference 000, 'an optimization that backfired'; "
	"common mistake 8, 'shaping without AQM'): shorten it to a few ms at its rate (its limit, "
	"or txqueuelen under a default qdisc; variant underlay-aqm is 10 ms at 50 Mbit/s), use "
	"fq_codel or cake where the kernel has them (they keep the standing queue near 5 ms), and "
	"on a real NIC keep BQL (byte queue limits) on so the driver's ring stays short. Measure "
	"ping under load after the change (reference 000).";
static const char advice_wggo[] =
	"The delay sits behind the qdisc, in wireguard-go's queues and the TUN device's ring "
	"(txqueuelen packets): the shaper does not drop but pushes back on wireguard-go's UDP "
	"socket (its send buffer bounds what the qdisc holds), so the backlog moves into the "
	"tunnel, where no AQM can reach it. Make the bottleneck drop instead: a short shaper queue "
	"(variant underlay-aqm: 10 ms), fq_codel or cake where the kernel has them, a shorter "
	"txqueuelen on the tunnel device, BQL on a real NIC; kernel WireGuard queues less (reference "
	"000 'an optimization that backfired', common mistake 8; reference 002 §3.4).";
static const char advice_path[] =
	"The RTT under load is far above idle: a queue on the path fills (reference 000 common "
	"mistake 8). The sampler saw no qdisc that holds it; look at the devices' queues "
	"(txqueuelen, a NIC ring: BQL keeps it short) and use fq_codel or cake where the kernel has "
	"them; measure ping under load after each change (reference 000).";

static void add_evidence(struct json_object *ev, const struct bloat *b, const struct held *h,
			 bool have_q, double ul, const char *dir, double tun_drop, const char *tun_if)
{
	double x;

	doctor_ev_str(ev, "scenario", b->scenario);
	doctor_ev_num(ev, "idle_rtt_p50_ms", b->idle50);
	doctor_ev_num(ev, "idle_rtt_p99_ms", b->idle99);
	doctor_ev_num(ev, "rtt_p50_ms", b->load50);
	doctor_ev_num(ev, "rtt_p99_ms", b->load99);
	doctor_ev_num(ev, "excess_ms", b->excess);
	doctor_ev_int(ev, "probes_answered", (long long)b->answered);
	doctor_ev_int(ev, "probes_lost", (long long)b->lost);
	doctor_ev_str(ev, "direction", dir);
	if (jsonx_num_at(b->lat, "owd_fwd_ms.p50", &x))
		doctor_ev_num(ev, "owd_fwd_p50_ms", x);
	if (jsonx_num_at(b->lat, "owd_rev_ms.p50", &x))
		doctor_ev_num(ev, "owd_rev_p50_ms", x);
	doctor_ev_num(ev, "underlay_excess_ms", ul);
	if (have_q) {
		doctor_ev_str(ev, "qdisc_node", h->node);
		doctor_ev_str(ev, "qdisc_interface", h->ifname);
		doctor_ev_str(ev, "qdisc_kind", h->kind);
		doctor_ev_int(ev, "qdisc_backlog_max_bytes", (long long)h->backlog);
		doctor_ev_int(ev, "qdisc_qlen_max", (long long)h->qlen);
		doctor_ev_num(ev, "qdisc_rate_bps", h->rate);
		doctor_ev_num(ev, "qdisc_delay_ms", h->delay_ms);
	}
	if (tun_if) {
		doctor_ev_str(ev, "tunnel_interface", tun_if);
		doctor_ev_int(ev, "tunnel_tx_dropped", (long long)tun_drop);
	}
}

/* Where the queue is, most direct evidence first: the underlay probe (the
 * same queues on gw1 <-> gw2, measured at the median like the tunnel's);
 * without it, the largest qdisc backlog at its shaper's rate (a maximum
 * over the window, so it can only suggest). */
struct where {
	const char *node, *link, *advice;
	char text[240];
};

static void locate(struct json_object *in, const struct bloat *b, double ul, const char *gw,
		   struct where *w)
{
	bool wggo = jsonx_str_at(in, "wg") && !strcmp(jsonx_str_at(in, "wg"), "wireguard-go");
	struct held h;
	bool have_q;

	w->node = gw ? gw : "gw1";
	if (!isnan(ul) && ul < BLOAT_SHARE * b->excess) {
		w->link = "tunnel";
		w->advice = wggo ? advice_wggo : advice_path;
		snprintf(w->text, sizeof(w->text), "~%.0f ms in the tunnel's path, behind the underlay "
			 "(which holds %.0f ms)%s", b->excess - ul, ul,
			 wggo ? ": wireguard-go's queues and the TUN device" : "");
		return;
	}
	have_q = largest_qdisc(in, b->s, isnan(ul) ? NULL : "underlay", &h);
	if (have_q && (!isnan(ul) || (!isnan(h.delay_ms) && h.delay_ms >= BLOAT_SHARE * b->excess))) {
		w->node = h.node;
		w->link = h.role ? h.role : "underlay";
		w->advice = advice_qdisc;
		if (isnan(h.delay_ms))
			snprintf(w->text, sizeof(w->text), "the %s qdisc on %s %s held up to %.0f bytes",
				 h.kind ? h.kind : "?", h.node, h.ifname, h.backlog);
		else
			snprintf(w->text, sizeof(w->text), "the %s qdisc on %s %s held up to %.0f ms "
				 "(%.0f bytes at its rate)", h.kind ? h.kind : "?", h.node, h.ifname,
				 h.delay_ms, h.backlog);
		if (!isnan(ul))
			snprintf(w->text + strlen(w->text), sizeof(w->text) - strlen(w->text),
				 "; the underlay probe sees %.0f ms", ul);
		return;
	}
	w->link = "underlay";
	w->advice = advice_path;
	if (!isnan(ul))
		snprintf(w->text, sizeof(w->text), "the underlay holds %.0f ms (underlay probe), in no "
			 "qdisc the sampler saw", ul);
	else
		snprintf(w->text, sizeof(w->text), "not located (no underlay probe, no qdisc backlog "
			 "that explains it)");
}

int doctor_rules_latency(struct json_object *in, struct json_object *out)
{
	const char *dir, *gw, *tnode, *tif;
	struct json_object *ev;
	struct where w;
	struct held h;
	struct bloat b;
	double ul, tdrop;
	bool have_q;

	if (!worst_scenario(in, &b) || b.excess < BLOAT_WARN_MS)
		return 0;
	ul = underlay_excess(&b);
	dir = direction(&b, &gw);
	locate(in, &b, ul, gw, &w);
	have_q = largest_qdisc(in, b.s, NULL, &h);
	tdrop = tunnel_tx_dropped(in, b.s, &tnode, &tif);
	ev = doctor_finding(out, "bufferbloat", w.node, w.link,
			b.excess >= BLOAT_CRIT_MS ? DOCTOR_CRITICAL : DOCTOR_WARNING, w.advice,
			"%s: RTT under load p50 %.1f ms against %.2f ms idle (p99): +%.0f ms; %s",
			b.scenario, b.load50, b.idle99, b.excess, w.text);
	add_evidence(ev, &b, &h, have_q, ul, dir, tdrop, tif);
	return 0;
}
