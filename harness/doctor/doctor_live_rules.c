/* doctor_live_rules.c — pure: the live doctor's input (doctor.h "live")
 * in, findings out, on node "local" (this machine): route-bypasses-tunnel,
 * handshake-stale, endpoint-roaming, lossy-underlay (ICMP to the
 * endpoint), rp-filter-strict, qdisc-drops while the doctor only watched,
 * conntrack-full. The MTU rules of doctor.c read its "mtu" as the netns
 * doctor's; the scenarios' CPU and loss rules read "scenarios". Every
 * threshold is a named constant with its reason. */
#include "doctor_impl.h"
#include "doctor_live_impl.h"

#include "util.h"
#include "jsonx.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A peer sending (keepalive, or the doctor's own probes) renews its session
 * every REKEY_AFTER_TIME (120 s) and has none left after REJECT_AFTER_TIME
 * (180 s); give it one keepalive interval and REKEY_TIMEOUT (5 s) more. */
#define HANDSHAKE_REKEY_TIMEOUT_S 5
/* Reference 000 Task 3: loss on the underlay "VPN will amplify". Two lost
 * echoes and 2% at least: one lost datagram of 30 on a busy host is noise. */
#define UNDERLAY_LOSS_MIN 2
#define UNDERLAY_LOSS_PCT_WARN 2.0
#define UNDERLAY_LOSS_PCT_CRIT 10.0
/* Task 3's example: mdev 16.8 ms on an average of 28.5 ms (a 62 ms spike
 * among 20 ms). Jitter at least 10 ms and half the average RTT. */
#define UNDERLAY_JITTER_MS 10.0
#define UNDERLAY_JITTER_SHARE 0.5
/* Drops of the underlay's qdisc while the doctor only probed: a few are
 * noise, tens are the production traffic being dropped (doctor_loss.c). */
#define QDISC_WATCHED_DROPS_MIN 10
/* conntrack: new flows are dropped when the table is full; 75% is where
 * a burst of new flows (a tunnel's re-handshakes, a scan) gets there. */
#define CONNTRACK_WARN_SHARE 0.75
#define CONNTRACK_CRIT_SHARE 0.9

static bool jbool(struct json_object *o, const char *path)
{
	struct json_object *v = jsonx_get(o, path);

	return v && json_object_get_boolean(v);
}

/* ---- 1. route ---- */

static void rule_route(struct json_object *in, struct json_object *out)
{
	struct json_object *r = jsonx_get(in, "route"), *ev;
	const char *oif = jsonx_str_at(r, "oif"), *want = jsonx_str_at(r, "expected"), *why;
	double tx = -1;

	if (!r || !want)
		return;
	jsonx_num_at(r, "wg_tx_delta", &tx);
	if (!oif || strcmp(oif, want))
		why = "the kernel routes the peer address out of another interface";
	else if (!jbool(r, "allowed_by_peer"))
		why = "no peer of the interface allows the peer address (AllowedIPs): WireGuard drops it";
	else if (jbool(r, "probe_reply") && tx == 0)
		why = "a probe to the peer address was answered while the tunnel sent nothing";
	else
		return;
	ev = doctor_finding(out, "route-bypasses-tunnel", "local", "tunnel", DOCTOR_CRITICAL,
			"Fix the route or AllowedIPs before measuring anything: traffic that does not use the "
			"tunnel makes every number garbage (reference 000 Task 1: 'If you don't see dev wg0, "
			"stop', Checklist A).", "%s (%s: %s)", why, jsonx_str_at(r, "dst") ? jsonx_str_at(r, "dst") : "?",
			jsonx_str_at(r, "text") ? jsonx_str_at(r, "text") : "no route");
	doctor_ev_str(ev, "peer_address", jsonx_str_at(r, "dst"));
	doctor_ev_str(ev, "route", jsonx_str_at(r, "text"));
	doctor_ev_str(ev, "route_oif", oif);
	doctor_ev_str(ev, "expected_oif", want);
	json_object_object_add(ev, "allowed_by_peer", json_object_get(jsonx_get(r, "allowed_by_peer")));
	json_object_object_add(ev, "probe_reply", json_object_get(jsonx_get(r, "probe_reply")));
	if (tx >= 0)
		doctor_ev_int(ev, "tunnel_tx_bytes_during_probe", (long long)tx);
}

/* ---- 2. handshakes and endpoints ---- */

static void rule_handshake_peer(struct json_object *out, struct json_object *p, double watched)
{
	bool ours = jbool(p, "carries_peer_address");
	double keep = 0, age = -1, limit;
	struct json_object *ev;
	char when[64];

	jsonx_num_at(p, "keepalive_s", &keep);
	jsonx_num_at(p, "age_s", &age);
	/* an idle peer without keepalive has no reason to handshake: not judged */
	if (!ours && keep <= 0)
		return;
	limit = DOCTOR_HANDSHAKE_REJECT_S + keep + HANDSHAKE_REKEY_TIMEOUT_S;
	if (age >= 0 && age <= limit)
		return;
	/* none yet, but WireGuard retries every REKEY_TIMEOUT: too soon to tell */
	if (age < 0 && watched < HANDSHAKE_REKEY_TIMEOUT_S)
		return;
	if (age < 0)
		snprintf(when, sizeof(when), "never completed a handshake");
	else
		snprintf(when, sizeof(when), "last completed a handshake %.0f s ago", age);
	ev = doctor_finding(out, "handshake-stale", "local", "tunnel", ours ? DOCTOR_CRITICAL : DOCTOR_WARNING,
			"The peer does not complete handshakes: its endpoint is wrong or unreachable, a NAT or "
			"firewall expires the UDP state, or its keys changed. Check the endpoint and the path "
			"(reference 000 Task 2); set PersistentKeepalive behind NAT (reference 001 'Rekeys and "
			"handshake churn').", "peer %.12s... %s (%s; stale after %.0f s)",
			jsonx_str_at(p, "public_key") ? jsonx_str_at(p, "public_key") : "?", when,
			ours ? "it carries the peer address" : "it sends keepalives", limit);
	doctor_ev_str(ev, "public_key", jsonx_str_at(p, "public_key"));
	doctor_ev_str(ev, "endpoint", jsonx_str_at(p, "endpoint"));
	if (age >= 0)
		doctor_ev_int(ev, "handshake_age_s", (long long)age);
	else
		json_object_object_add(ev, "handshake_age_s", NULL);
	doctor_ev_int(ev, "stale_after_s", (long long)limit);
	doctor_ev_int(ev, "persistent_keepalive_s", (long long)keep);
	json_object_object_add(ev, "carries_peer_address", json_object_new_boolean(ours));
	if (jsonx_num_at(p, "tx_delta", &age))
		doctor_ev_int(ev, "tx_bytes_while_watched", (long long)age);
	if (jsonx_num_at(p, "rx_delta", &age))
		doctor_ev_int(ev, "rx_bytes_while_watched", (long long)age);
	doctor_ev_int(ev, "watched_s", (long long)watched);
}

static void rule_handshakes(struct json_object *in, struct json_object *out)
{
	struct json_object *peers = jsonx_get(in, "handshake.peers");
	double watched = 0;
	size_t i;

	jsonx_num_at(in, "handshake.watched_s", &watched);
	for (i = 0; peers && i < json_object_array_length(peers); i++) {
		struct json_object *p = json_object_array_get_idx(peers, i), *seen = jsonx_get(p, "endpoints_seen"), *ev;

		rule_handshake_peer(out, p, watched);
		if (!seen || json_object_array_length(seen) < 2)
			continue;
		ev = doctor_finding(out, "endpoint-roaming", "local", "underlay", DOCTOR_WARNING,
				"The peer's endpoint changed while the doctor watched: roaming, or a NAT that "
				"rebinds its UDP port. Expect loss and jitter at each change; keep the NAT mapping "
				"with PersistentKeepalive (reference 000 Task 2, common mistake 4).",
				"peer %.12s... came from %zu endpoints in %.0f s", jsonx_str_at(p, "public_key") ?
				jsonx_str_at(p, "public_key") : "?", json_object_array_length(seen), watched);
		doctor_ev_str(ev, "public_key", jsonx_str_at(p, "public_key"));
		json_object_object_add(ev, "endpoints_seen", json_object_get(seen));
		doctor_ev_int(ev, "watched_s", (long long)watched);
	}
}

/* ---- 3. the underlay ---- */

static void rule_underlay(struct json_object *in, struct json_object *out)
{
	struct json_object *u = jsonx_get(in, "underlay"), *ev;
	double sent = 0, got = 0, loss = 0, mdev = 0, avg = 0, x;
	bool lossy, jittery;

	if (!jsonx_num_at(u, "sent", &sent) || !jsonx_num_at(u, "received", &got) || got <= 0)
		return;   /* no echo came back: the endpoint does not answer ICMP */
	jsonx_num_at(u, "loss_percent", &loss);
	jsonx_num_at(u, "rtt_ms.mdev", &mdev);
	jsonx_num_at(u, "rtt_ms.avg", &avg);
	lossy = sent - got >= UNDERLAY_LOSS_MIN && loss >= UNDERLAY_LOSS_PCT_WARN;
	jittery = mdev >= UNDERLAY_JITTER_MS && mdev >= UNDERLAY_JITTER_SHARE * avg;
	if (!lossy && !jittery)
		return;
	ev = doctor_finding(out, "lossy-underlay", "local", "underlay",
			loss >= UNDERLAY_LOSS_PCT_CRIT ? DOCTOR_CRITICAL : DOCTOR_WARNING,
			"The path under the tunnel loses or delays packets; MTU or buffer tuning will not fix "
			"that: a better path or provider, queue management where it queues (reference 000 "
			"Task 3, 'Loss/buffering on UDP', common mistake 3).",
			"%.0f of %.0f ICMP echoes to the endpoint %s were lost (%.1f%%), RTT %.2f ms +- %.2f",
			sent - got, sent, jsonx_str_at(u, "endpoint") ? jsonx_str_at(u, "endpoint") : "?", loss, avg, mdev);
	doctor_ev_str(ev, "endpoint", jsonx_str_at(u, "endpoint"));
	doctor_ev_str(ev, "device", jsonx_str_at(u, "device"));
	doctor_ev_int(ev, "echoes_sent", (long long)sent);
	doctor_ev_int(ev, "echoes_received", (long long)got);
	doctor_ev_num(ev, "loss_percent", loss);
	if (jsonx_num_at(u, "rtt_ms.min", &x))
		doctor_ev_num(ev, "rtt_min_ms", x);
	doctor_ev_num(ev, "rtt_avg_ms", avg);
	if (jsonx_num_at(u, "rtt_ms.max", &x))
		doctor_ev_num(ev, "rtt_max_ms", x);
	doctor_ev_num(ev, "rtt_mdev_ms", mdev);
}

/* --peer-ssh: the peer's answers must come back through its tunnel. */
static void rule_reply(struct json_object *in, struct json_object *out)
{
	struct json_object *r = jsonx_get(in, "route.reply"), *ev;
	const char *oif = jsonx_str_at(r, "oif"), *want = jsonx_str_at(r, "expected"), *why;
	double rx = -1, tx = -1;

	if (!r || !want)
		return;
	jsonx_num_at(r, "wg_rx_delta", &rx);
	jsonx_num_at(r, "wg_tx_delta", &tx);
	if (!oif || strcmp(oif, want))
		why = "the peer routes its answers to this side out of another interface";
	else if (!jbool(r, "allowed_by_peer"))
		why = "no peer of the peer's interface allows this side's address (AllowedIPs): WireGuard drops the answers";
	else if (jbool(in, "route.probe_reply") && rx > 0 && tx == 0)
		why = "the peer's tunnel took the probes in and sent nothing back, yet they were answered";
	else
		return;
	ev = doctor_finding(out, "route-asymmetric", "peer", "tunnel", DOCTOR_CRITICAL,
			"Make both directions agree: the peer's route (or AllowedIPs) for this side's tunnel "
			"address must use its WireGuard interface, or the answers bypass the tunnel or are "
			"dropped (reference 000 Task 1 on both ends, Task 13 and common mistake 5).",
			"%s (%s: %s)", why, jsonx_str_at(r, "dst") ? jsonx_str_at(r, "dst") : "?",
			jsonx_str_at(r, "text") ? jsonx_str_at(r, "text") : jsonx_str_at(r, "error") ?
			jsonx_str_at(r, "error") : "no route");
	doctor_ev_str(ev, "reply_address", jsonx_str_at(r, "dst"));
	doctor_ev_str(ev, "peer_route", jsonx_str_at(r, "text"));
	doctor_ev_str(ev, "peer_route_error", jsonx_str_at(r, "error"));
	doctor_ev_str(ev, "route_oif", oif);
	doctor_ev_str(ev, "expected_oif", want);
	doctor_ev_str(ev, "peer_ssh", jsonx_str_at(r, "ssh"));
	json_object_object_add(ev, "allowed_by_peer", json_object_get(jsonx_get(r, "allowed_by_peer")));
	if (rx >= 0)
		doctor_ev_int(ev, "peer_tunnel_rx_bytes_during_probe", (long long)rx);
	if (tx >= 0)
		doctor_ev_int(ev, "peer_tunnel_tx_bytes_during_probe", (long long)tx);
}

int doctor_rules_live_path(struct json_object *in, struct json_object *out)
{
	rule_route(in, out);
	rule_reply(in, out);
	rule_handshakes(in, out);
	rule_underlay(in, out);
	return 0;
}

/* ---- 5. rp_filter ---- */

static void rp_one(struct json_object *out, struct json_object *rp, const char *which, const char *link)
{
	char key[48];
	struct json_object *rev, *rules = jsonx_get(rp, "policy_rules"), *ev;
	double mode = 0;
	size_t nrules = rules ? json_object_array_length(rules) : 0;
	bool refused;

	snprintf(key, sizeof(key), "effective_%s", which);
	if (!jsonx_num_at(rp, key, &mode))
		return;
	snprintf(key, sizeof(key), "reverse_%s", which);
	rev = jsonx_get(rp, key);
	refused = rev && !jbool(rev, "accepted") && mode > 0;
	if (!refused && !(mode == 1 && nrules))
		return;
	ev = doctor_finding(out, "rp-filter-strict", "local", link, refused ? DOCTOR_CRITICAL : DOCTOR_WARNING,
			"Strict reverse-path filtering drops what policy routing brings in on another "
			"interface than the route back: use loose mode (rp_filter 2) or make the rules agree in "
			"both directions (reference 000 Task 13, common mistake 5).",
			refused ? "the kernel's reverse-path check refuses packets from %s arriving on %s (rp_filter %.0f)"
			: "strict rp_filter on the %s%s with %.0f policy rule(s)", refused ? jsonx_str_at(rev, "from") : which,
			refused ? jsonx_str_at(rev, "iif") : "", refused ? mode : (double)nrules);
	doctor_ev_int(ev, "rp_filter", (long long)mode);
	if (jsonx_num_at(rp, "all", &mode))
		doctor_ev_int(ev, "rp_filter_all", (long long)mode);
	json_object_object_add(ev, "policy_rules", json_object_get(rules));
	json_object_object_add(ev, "reverse_check", json_object_get(rev));
}

static void rule_rp_filter(struct json_object *in, struct json_object *out)
{
	struct json_object *rp = jsonx_get(in, "rp_filter");

	if (!rp)
		return;
	rp_one(out, rp, "interface", "tunnel");
	rp_one(out, rp, "underlay", "underlay");
}

/* ---- 6. the underlay qdisc at rest ---- */

static void rule_qdisc(struct json_object *in, struct json_object *out)
{
	struct json_object *q = jsonx_get(in, "qdisc"), *ev;
	double drops, s = 0;

	if (!jsonx_num_at(q, "drops_watched", &drops) || drops < QDISC_WATCHED_DROPS_MIN)
		return;
	jsonx_num_at(q, "watched_s", &s);
	ev = doctor_finding(out, "qdisc-drops", "local", "underlay", DOCTOR_WARNING,
			"The underlay's queueing discipline drops the traffic already on this machine: local "
			"congestion or shaping. Reduce the load or fix the shaping; fq_codel or cake where the "
			"kernel has them (reference 000 'Check qdisc stats for drops/overlimits', Task 12).",
			"the %s qdisc on %s dropped %.0f packets in %.0f s while the doctor only probed",
			jsonx_str_at(q, "kind") ? jsonx_str_at(q, "kind") : "?", jsonx_str_at(q, "device") ? jsonx_str_at(q, "device") : "?",
			drops, s);
	doctor_ev_str(ev, "interface", jsonx_str_at(q, "device"));
	doctor_ev_str(ev, "kind", jsonx_str_at(q, "kind"));
	doctor_ev_int(ev, "drops_watched", (long long)drops);
	doctor_ev_int(ev, "watched_s", (long long)s);
	doctor_ev_int_at(ev, "overlimits_watched", q, "overlimits_watched");
	doctor_ev_int_at(ev, "drops_since_created", q, "drops_total");
}

/* ---- 8. conntrack ---- */

static void rule_conntrack(struct json_object *in, struct json_object *out)
{
	struct json_object *ct = jsonx_get(in, "conntrack"), *ev;
	double count, max, x;
	static const char *const keys[] = { "drop", "early_drop", "insert_failed", "invalid" };
	size_t i;

	if (!jbool(ct, "present") || !jsonx_num_at(ct, "count", &count) || !jsonx_num_at(ct, "max", &max) || max <= 0 ||
	    count < CONNTRACK_WARN_SHARE * max)
		return;
	ev = doctor_finding(out, "conntrack-full", "local", NULL,
			count >= CONNTRACK_CRIT_SHARE * max ? DOCTOR_CRITICAL : DOCTOR_WARNING,
			"The connection tracking table is nearly full: new flows (and WireGuard's UDP state "
			"after a timeout) are dropped once it is. Raise nf_conntrack_max or exempt the tunnel's "
			"traffic from tracking (reference 000 Task 14, common mistake 7).",
			"%.0f of %.0f conntrack entries in use (%.0f%%)", count, max, 100 * count / max);
	doctor_ev_int(ev, "nf_conntrack_count", (long long)count);
	doctor_ev_int(ev, "nf_conntrack_max", (long long)max);
	doctor_ev_num(ev, "fill_percent", 100 * count / max);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (jsonx_num_at(ct, keys[i], &x))
			doctor_ev_int(ev, keys[i], (long long)x);
}

int doctor_rules_live_host(struct json_object *in, struct json_object *out)
{
	rule_rp_filter(in, out);
	rule_qdisc(in, out);
	rule_conntrack(in, out);
	return 0;
}
