/* doctor_live.c — `wgbench doctor --backend live`: a tunnel that already
 * exists, diagnosed where it is (doctor.h, live.h), in reference 000's
 * order: (1) the route to the peer address uses the interface (Task 1),
 * (2) WireGuard's own view of every peer: handshake age, endpoint (Task 2),
 * (3) the underlay to the peer's endpoint: RTT, jitter, loss (Task 3),
 * (4) the path MTU by DF probes against the interface's and the underlay's
 * MTU (Tasks 6-7), (5) strict rp_filter with policy routing (Task 13),
 * (6) the underlay qdisc and its drops (Task 12), (7) offloads (Task 15),
 * (8) conntrack table pressure (Task 14) — those in doctor_live_host.c —
 * then the CPU and loss checks with short scenarios on the live bed.
 * A route around the tunnel or a PMTU black hole stops it there. Nothing
 * is changed unless a variant is given (and then reverted).
 */
#include "doctor.h"
#include "doctor_impl.h"
#include "doctor_live_impl.h"
#include "bed.h"
#include "live.h"
#include "opts.h"
#include "stop.h"
#include "tun.h"
#include "util.h"
#include "variant.h"
#include "jsonx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Reference 000 Task 3 pings 5 times; 30 echoes give a loss resolution of
 * 3% and a usable spread, in about a second on a healthy path. */
#define UNDERLAY_PROBES 30
#define UNDERLAY_TIMEOUT_S 1.0
/* WireGuard answers a dead session's first packet with a handshake within
 * REKEY_TIMEOUT (5 s): the doctor's own probes wait that long before
 * judging the peer of the address stale. */
#define HANDSHAKE_WAIT_S 6.0

static struct json_object *jstr(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

/* ---- 1. route ---- */

/* The probe's window on the samplers: both sides' WireGuard counters. */
#define PROBE_WINDOW_S 0.6

/* --peer-ssh: the bytes the peer's interface took from and gave to this
 * side's peer entry over the window of the probe (its sampler). */
static void peer_probe_bytes(struct live_doc *c, struct json_object *cpu, struct json_object *rp)
{
	const char *ifname = jsonx_str_at(rp, "expected"), *key = jsonx_str_at(c->facts, "live.peer_side.peer.public_key");
	struct json_object *wg = jsonx_get(cpu, "wireguard.peer"), *peers = NULL;
	size_t i;

	if (!wg || !ifname || !key || !json_object_object_get_ex(wg, ifname, &wg) ||
	    !json_object_object_get_ex(wg, "peers", &peers))
		return;
	for (i = 0; i < json_object_array_length(peers); i++) {
		struct json_object *p = json_object_array_get_idx(peers, i);

		if (!jsonx_str_at(p, "public_key") || strcmp(jsonx_str_at(p, "public_key"), key))
			continue;
		json_object_object_add(rp, "wg_rx_delta", json_object_get(jsonx_get(p, "rx_bytes")));
		json_object_object_add(rp, "wg_tx_delta", json_object_get(jsonx_get(p, "tx_bytes")));
	}
}

/* 84-byte echoes to the peer address, counted by both sides' samplers
 * when there is a peer side (its counters are only read there). */
static void probe(struct live_doc *c, struct json_object *rp, struct doctor_pmtu_probe *p)
{
	struct doctor_pinger *pg = NULL;
	struct json_object *cpu = NULL, *drops = NULL;
	double t0 = util_now_mono(), self;
	bool smp = rp && !bed_sample_start(c->bed, 0.1, NULL);

	if (!doctor_live_pinger(&c->peer, &pg)) {
		doctor_ping(pg, 84, 3, 1.0, p);
		doctor_pinger_close(pg);
	}
	if (!smp)
		return;
	while (util_now_mono() < t0 + PROBE_WINDOW_S && !stop_requested())
		usleep(20000);
	if (!bed_sample_stop(c->bed, t0, util_now_mono(), &cpu, &drops, &self))
		peer_probe_bytes(c, cpu, rp);
	json_object_put(cpu);
	json_object_put(drops);
}

/* --peer-ssh: the route the peer's kernel chose for this side's tunnel
 * address, as its agent read it at open (live.peer_side). */
static struct json_object *reply_path(struct live_doc *c, struct json_object *r)
{
	struct json_object *ps = jsonx_get(c->facts, "live.peer_side"), *rp;

	if (!ps)
		return NULL;
	rp = json_object_new_object();
	json_object_object_add(r, "reply", rp);
	json_object_object_add(rp, "machine", jstr(jsonx_str_at(ps, "hostname")));
	json_object_object_add(rp, "ssh", jstr(jsonx_str_at(ps, "ssh")));
	json_object_object_add(rp, "dst", jstr(jsonx_str_at(ps, "route_back_dst")));
	json_object_object_add(rp, "text", jstr(jsonx_str_at(ps, "route_back")));
	json_object_object_add(rp, "oif", jstr(jsonx_str_at(ps, "route_back_oif")));
	json_object_object_add(rp, "error", jstr(jsonx_str_at(ps, "route_back_error")));
	json_object_object_add(rp, "expected", jstr(jsonx_str_at(ps, "interface")));
	json_object_object_add(rp, "found_by", jstr(jsonx_str_at(ps, "found_by")));
	json_object_object_add(rp, "allowed_by_peer", json_object_new_boolean(jsonx_get(ps, "peer.public_key") != NULL));
	return rp;
}

static void say_reply(struct live_doc *c, struct json_object *rp)
{
	struct json_object *ps = jsonx_get(c->facts, "live.peer_side");

	if (!rp)
		return;
	doctor_say(c->o, c->tty, "   reply path on the peer (%s): %s (%s %s)\n", jsonx_str_at(ps, "ssh"),
		   jsonx_str_at(rp, "text") ? jsonx_str_at(rp, "text") : "no route",
		   jsonx_str_at(rp, "oif") && jsonx_str_at(rp, "expected") &&
		   !strcmp(jsonx_str_at(rp, "oif"), jsonx_str_at(rp, "expected")) ? "through" : "NOT through",
		   jsonx_str_at(rp, "expected") ? jsonx_str_at(rp, "expected") : "?");
}

static int step_route(struct live_doc *c)
{
	struct json_object *r = json_object_new_object(), *live = jsonx_get(c->facts, "live");
	struct doctor_pmtu_probe p = { .result = PROBE_TIMEOUT };
	struct tun_peer_info before = { 0 }, after = { 0 };
	bool have = !doctor_live_peer_now(c, &before);
	struct json_object *rp;

	json_object_object_add(c->in, "route", r);
	json_object_object_add(r, "dst", json_object_new_string(c->o->peer));
	json_object_object_add(r, "text", jstr(jsonx_str_at(live, "route")));
	json_object_object_add(r, "oif", jstr(jsonx_str_at(live, "route_oif")));
	json_object_object_add(r, "expected", json_object_new_string(c->ifname));
	json_object_object_add(r, "allowed_by_peer", json_object_new_boolean(jsonx_str_at(live, "peer.public_key") != NULL));
	rp = reply_path(c, r);
	probe(c, rp, &p);
	json_object_object_add(r, "probe_reply", json_object_new_boolean(p.result == PROBE_REPLY));
	if (have && !doctor_live_peer_now(c, &after)) {
		json_object_object_add(r, "wg_tx_delta", json_object_new_int64((int64_t)(after.tx_bytes - before.tx_bytes)));
		json_object_object_add(r, "wg_rx_delta", json_object_new_int64((int64_t)(after.rx_bytes - before.rx_bytes)));
	}
	doctor_say(c->o, c->tty, "1. route: %s (%s %s)\n", jsonx_str_at(r, "text") ? jsonx_str_at(r, "text") : "no route",
		   jsonx_str_at(r, "oif") && !strcmp(jsonx_str_at(r, "oif"), c->ifname) ? "through" : "NOT through", c->ifname);
	say_reply(c, rp);
	return 0;
}

/* ---- 2. WireGuard's own view: handshakes, endpoints ---- */

static struct json_object *peer_obj(const struct live_doc *c, const struct tun_peer_info *p, time_t now)
{
	struct json_object *o = json_object_new_object(), *seen = json_object_new_array();
	char key[45], ep[64];

	tun_key_to_base64(p->public_key, key);
	tun_endpoint_str(&p->endpoint, ep, sizeof(ep));
	json_object_object_add(o, "public_key", json_object_new_string(key));
	json_object_object_add(o, "endpoint", jstr(ep));
	if (ep[0])
		json_object_array_add(seen, json_object_new_string(ep));
	json_object_object_add(o, "endpoints_seen", seen);
	json_object_object_add(o, "latest_handshake", json_object_new_int64(p->last_handshake_sec));
	json_object_object_add(o, "age_s", p->last_handshake_sec > 0 ?
			       json_object_new_int64((int64_t)now - p->last_handshake_sec) : NULL);
	json_object_object_add(o, "keepalive_s", json_object_new_int((int)p->keepalive_s));
	json_object_object_add(o, "carries_peer_address", json_object_new_boolean(
		tun_device_peer_for(c->dev0, c->peer.af, &c->peer.u) &&
		!memcmp(tun_device_peer_for(c->dev0, c->peer.af, &c->peer.u)->public_key, p->public_key, TUN_KEY_LEN)));
	json_object_object_add(o, "rx_bytes", json_object_new_int64((int64_t)p->rx_bytes));
	json_object_object_add(o, "tx_bytes", json_object_new_int64((int64_t)p->tx_bytes));
	return o;
}

/* The peer of the address with an old or no handshake: ping it while
 * WireGuard makes a new one, for up to HANDSHAKE_WAIT_S. */
static void wait_fresh(struct live_doc *c)
{
	double until = util_now_mono() + HANDSHAKE_WAIT_S;
	struct tun_peer_info p;
	struct doctor_pmtu_probe r;
	struct doctor_pinger *pg = NULL;

	if (doctor_live_pinger(&c->peer, &pg))
		return;
	while (util_now_mono() < until && !stop_requested() && !doctor_live_peer_now(c, &p) &&
	       (p.last_handshake_sec <= 0 || time(NULL) - p.last_handshake_sec > DOCTOR_HANDSHAKE_REJECT_S))
		doctor_ping(pg, 84, 1, 1.0, &r);
	doctor_pinger_close(pg);
}

static int step_handshake(struct live_doc *c)
{
	struct json_object *h = json_object_new_object(), *peers = json_object_new_array();
	struct tun_device_info *d = NULL;
	struct tun_peer_info p;
	time_t now;
	size_t i;
	int ret;

	if (!doctor_live_peer_now(c, &p) &&
	    (p.last_handshake_sec <= 0 || time(NULL) - p.last_handshake_sec > DOCTOR_HANDSHAKE_REJECT_S))
		wait_fresh(c);
	json_object_object_add(c->in, "handshake", h);
	if ((ret = tun_device_read(NULL, c->ifname, &d))) {
		json_object_object_add(h, "error", json_object_new_string(strerror(-ret)));
		return 0;
	}
	now = time(NULL);
	json_object_object_add(h, "read_at", json_object_new_int64((int64_t)now));
	json_object_object_add(h, "watched_s", json_object_new_int64((int64_t)(now - c->t0_wall)));
	for (i = 0; i < d->n_peers; i++) {
		struct json_object *o = peer_obj(c, &d->peers[i], now);
		const struct tun_peer_info *b = NULL;
		size_t j;

		for (j = 0; j < c->dev0->n_peers && !b; j++)
			if (!memcmp(c->dev0->peers[j].public_key, d->peers[i].public_key, TUN_KEY_LEN))
				b = &c->dev0->peers[j];
		if (b) {
			char ep[64];

			tun_endpoint_str(&b->endpoint, ep, sizeof(ep));
			doctor_live_seen(o, ep);
			json_object_object_add(o, "tx_delta", json_object_new_int64((int64_t)(d->peers[i].tx_bytes - b->tx_bytes)));
			json_object_object_add(o, "rx_delta", json_object_new_int64((int64_t)(d->peers[i].rx_bytes - b->rx_bytes)));
		}
		json_object_array_add(peers, o);
	}
	json_object_object_add(h, "peers", peers);
	doctor_say(c->o, c->tty, "2. WireGuard: %zu peer(s) on %s, handshakes and endpoints read (%s)\n",
		   d->n_peers, c->ifname, d->impl);
	tun_device_free(d);
	return 0;
}

/* Every peer once more at the end: a change of endpoint while the doctor
 * watched is roaming, and the handshake is judged as it is now (a peer
 * still making its first one at step 2 has had the whole session). */
static void last_endpoints(struct live_doc *c)
{
	struct json_object *peers = jsonx_get(c->in, "handshake.peers");
	struct tun_device_info *d = NULL;
	time_t now = time(NULL);
	size_t i, j;

	if (!peers || tun_device_read(NULL, c->ifname, &d))
		return;
	for (i = 0; i < json_object_array_length(peers); i++) {
		struct json_object *o = json_object_array_get_idx(peers, i);

		for (j = 0; j < d->n_peers; j++) {
			char key[45], ep[64];

			tun_key_to_base64(d->peers[j].public_key, key);
			if (!jsonx_str_at(o, "public_key") || strcmp(key, jsonx_str_at(o, "public_key")))
				continue;
			tun_endpoint_str(&d->peers[j].endpoint, ep, sizeof(ep));
			doctor_live_seen(o, ep);
			json_object_object_add(o, "latest_handshake", json_object_new_int64(d->peers[j].last_handshake_sec));
			json_object_object_add(o, "age_s", d->peers[j].last_handshake_sec > 0 ?
					       json_object_new_int64((int64_t)now - d->peers[j].last_handshake_sec) : NULL);
		}
	}
	json_object_object_add(jsonx_get(c->in, "handshake"), "watched_s",
			       json_object_new_int64((int64_t)(time(NULL) - c->t0_wall)));
	tun_device_free(d);
}

/* ---- 3. the underlay to the endpoint ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Milliseconds to the microsecond, as ping prints them. */
static void put_ms(struct json_object *o, const char *key, double ms)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.3f", ms);
	json_object_object_add(o, key, json_object_new_double_s(ms, buf));
}

static void rtt_stats(struct json_object *u, double *rtt, size_t n)
{
	struct json_object *o = json_object_new_object();
	double sum = 0, sq = 0, mean;
	size_t i;

	json_object_object_add(u, "rtt_ms", o);
	if (!n)
		return;
	for (i = 0; i < n; i++) {
		sum += rtt[i];
		sq += rtt[i] * rtt[i];
	}
	mean = sum / (double)n;
	qsort(rtt, n, sizeof(*rtt), cmp_double);
	put_ms(o, "min", rtt[0]);
	put_ms(o, "avg", mean);
	put_ms(o, "max", rtt[n - 1]);
	put_ms(o, "p50", rtt[n / 2]);
	/* as ping's mdev: the standard deviation */
	put_ms(o, "mdev", sqrt(fmax(0, sq / (double)n - mean * mean)));
}

static int step_underlay(struct live_doc *c)
{
	struct json_object *u = json_object_new_object();
	struct doctor_pinger *pg = NULL;
	double rtt[UNDERLAY_PROBES];
	char ep[INET6_ADDRSTRLEN];
	size_t i, got = 0, sent = 0;
	int ret;

	json_object_object_add(c->in, "underlay", u);
	json_object_object_add(u, "device", jstr(c->underlay));
	if (!c->have_endpoint) {
		json_object_object_add(u, "endpoint", NULL);
		doctor_say(c->o, c->tty, "3. underlay: the peer of %s has no endpoint yet: nothing to probe\n",
			   c->o->peer);
		return 0;
	}
	route_addr_str(&c->endpoint, ep, sizeof(ep));
	json_object_object_add(u, "endpoint", json_object_new_string(ep));
	json_object_object_add(u, "family", json_object_new_int(c->endpoint.af == AF_INET6 ? 6 : 4));
	if ((ret = doctor_live_pinger(&c->endpoint, &pg)))
		return ret;
	for (i = 0; i < UNDERLAY_PROBES && !stop_requested(); i++) {
		struct doctor_pmtu_probe p;

		if ((ret = doctor_ping(pg, 84, 1, UNDERLAY_TIMEOUT_S, &p)))
			break;
		sent++;
		if (p.result == PROBE_REPLY)
			rtt[got++] = p.rtt_ms;
		if (i == 1 && !got)
			break;   /* the endpoint does not answer ICMP: no loss to measure */
	}
	doctor_pinger_close(pg);
	json_object_object_add(u, "sent", json_object_new_int64((int64_t)sent));
	json_object_object_add(u, "received", json_object_new_int64((int64_t)got));
	if (sent)
		doctor_ev_num(u, "loss_percent", 100.0 * (double)(sent - got) / (double)sent);
	rtt_stats(u, rtt, got);
	doctor_say(c->o, c->tty, "3. underlay: %zu/%zu %s echoes to the endpoint %s answered\n", got, sent,
		   c->endpoint.af == AF_INET6 ? "ICMPv6" : "ICMP", ep);
	return ret;
}

/* ---- the steps ---- */

static void put_basics(struct live_doc *c)
{
	json_object_object_add(c->in, "backend", json_object_new_string("live"));
	json_object_object_add(c->in, "live", json_object_get(jsonx_get(c->facts, "live")));
	json_object_object_add(c->in, "wg", jstr(jsonx_str_at(c->facts, "wireguard.implementation")));
	json_object_object_add(c->in, "wg_version", jstr(jsonx_str_at(c->facts, "wireguard.version")));
	json_object_object_add(c->in, "tunnels", json_object_new_int(1));
	json_object_object_add(c->in, "variant", json_object_new_string(variant_name(variant_get(c->di.vs, 0))));
	json_object_object_add(c->in, "duration_s", json_object_new_int(c->di.duration));
}

static int stop_at(struct live_doc *c, const char *step)
{
	const char *why = doctor_stop_reason(c->in);

	if (!why || strcmp(why, step))
		return 0;
	json_object_object_add(c->in, "stopped_after", json_object_new_string(why));
	doctor_say(c->o, c->tty, "stopping after the %s step (reference 000: fix it before measuring the rest)\n", why);
	return 1;
}

static int measure(struct live_doc *c)
{
	int ret;

	put_basics(c);
	if ((ret = step_route(c)) || stop_requested())
		return ret ? ret : -EINTR;
	if (stop_at(c, "routing"))
		return 0;
	if ((ret = step_handshake(c)) || (ret = step_underlay(c)) || (ret = doctor_live_mtu(c)) || stop_requested())
		return ret ? ret : -EINTR;
	if (stop_at(c, "mtu")) {
		last_endpoints(c);
		return 0;
	}
	if ((ret = doctor_live_host(c)) || stop_requested())
		return ret ? ret : -EINTR;
	json_object_object_add(c->in, "stopped_after", NULL);
	doctor_say(c->o, c->tty, "9. CPU and loss: %zu scenario(s) of %d s to %s with the sampler\n",
		   c->di.n_sel, c->di.duration, c->o->peer);
	ret = doctor_scenarios(c->o, c->bed, &c->di, c->tty, c->in);
	last_endpoints(c);
	return ret;
}

static int bring_up(struct live_doc *c)
{
	const struct variant *v = variant_get(c->di.vs, 0);
	struct json_object *applied = NULL;
	char why[512] = "";
	int ret;

	if ((ret = bed_up(c->bed, 1)))
		return ret;
	if (variant_knob_count(v) && bed_variant_check(c->bed, v, why, sizeof(why))) {
		wgb_err("variant %s cannot run here: %s", variant_name(v), why);
		return -ENOTSUP;
	}
	if (variant_knob_count(v) && (ret = bed_variant_apply(c->bed, v, &applied)))
		return ret;
	json_object_object_add(c->in, "applied", applied);
	bed_facts(c->bed, c->facts);
	return doctor_live_setup(c);
}

int doctor_live_collect(const struct opts *o, struct bed *bed, struct json_object **input)
{
	struct live_doc c = { .o = o, .bed = bed, .tty = o->json ? stderr : stdout };
	struct stop_scope stop;
	int ret;

	if ((ret = doctor_inputs_load(o, &c.di)) || (ret = doctor_prepare_out(o)))
		goto out;
	c.in = json_object_new_object();
	c.facts = json_object_new_object();
	json_object_object_add(c.facts, "wireguard", json_object_new_object());
	stop_install(&stop);
	ret = bring_up(&c);
	if (!ret && !stop_requested())
		ret = measure(&c);
	bed_down(bed);   /* reverts a variant first, says what it could not restore */
	stop_restore(&stop);
	if (stop_requested()) {
		wgb_err("doctor: stopped by signal %d; nothing was left changed", stop_signal());
		ret = -EINTR;
	}
	if (!ret) {
		*input = c.in;
		c.in = NULL;
	}
out:
	tun_device_free(c.dev0);
	json_object_put(c.facts);
	json_object_put(c.in);
	doctor_inputs_free(&c.di);
	return ret;
}
