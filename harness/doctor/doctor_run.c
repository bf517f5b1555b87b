/* doctor_run.c — the measuring half of `wgbench doctor` (doctor.h,
 * doctor_collect): one testbed (the bed the command opened) with the
 * variant applied, then reference
 * 000's order: (1) MTU — DF probes at decreasing sizes and the MTUs along
 * the path; (2) routing — the kernel's route lookups at the gateways and the
 * tunnel counters around a probe; if either step has a critical finding the
 * doctor stops there, as the reference says; (3)+(4) short scenarios with the
 * sampler, whose cpu/drops summaries feed the CPU and loss rules. Everything
 * is reverted and removed on every path, also after SIGINT/SIGTERM.
 */
#include "doctor.h"
#include "doctor_impl.h"
#include "bed.h"
#include "opts.h"
#include "scenario.h"
#include "stop.h"
#include "topo.h"
#include "util.h"
#include "variant.h"
#include "jsonx.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* DF probes: the first must pass at the size of a default ping (84 bytes on
 * the wire) or nothing is an MTU question. Large sizes go down in 20-byte
 * steps (reference 000 Task 7 steps by tens), then a binary search between
 * the largest reply and the smallest silent size finds the exact limit. */
#define PROBE_SMALL 84
#define PROBE_STEP 20
#define PROBE_FLOOR 576              /* every IPv4 path must carry 576 (RFC 791) */
#define PROBE_ATTEMPTS 2
#define PROBE_TIMEOUT_S 0.4          /* RTT through wireguard-go here: 1-7 ms, loaded */

static const char *const default_scenarios[] = { "tcp-single", "tcp-fwd", "udp-small", "udp" };

_Static_assert(DOCTOR_MAX_SCENARIOS >= OPTS_MAX_LIST, "every --scenario fits");

struct doc_ctx {
	const struct opts *o;
	FILE *tty;
	struct doctor_inputs di;
	struct bed *bed;
	const struct topo *topo;        /* the bed's nodes, as namespaces here */
	char netns[NODE__COUNT][PATH_MAX];
	struct json_object *in;
};

void doctor_say(const struct opts *o, FILE *tty, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(tty, fmt, ap);
	va_end(ap);
	fflush(tty);
}

#define say(c, ...) doctor_say((c)->o, (c)->tty, __VA_ARGS__)

int doctor_inputs_load(const struct opts *o, struct doctor_inputs *di)
{
	char dir[PATH_MAX];
	size_t i;
	int ret;

	memset(di, 0, sizeof(*di));
	if (o->duration != floor(o->duration) || o->omit != floor(o->omit)) {
		wgb_err("--duration/--omit: expected whole seconds (libiperf 3.12 counts in seconds)");
		return -EINVAL;
	}
	di->duration = (int)o->duration;
	di->omit = (int)o->omit;
	if (o->n_variants > 1) {
		wgb_err("--variant: doctor diagnoses one configuration; got %zu files", o->n_variants);
		return -EINVAL;
	}
	if ((ret = scenario_default_dir(dir, sizeof(dir))) || (ret = scenario_load_dir(dir, &di->all)))
		return ret == -ENOENT ? -EINVAL : ret;
	for (i = 0; i < (o->n_scenarios ? o->n_scenarios : ARRAY_SIZE(default_scenarios)); i++) {
		const char *name = o->n_scenarios ? o->scenarios[i] : default_scenarios[i];
		const struct scenario *s = scenario_find(di->all, name);

		if (!s) {
			wgb_err("--scenario '%s': no such scenario", name);
			return -EINVAL;
		}
		di->sel[di->n_sel++] = s;
	}
	return variant_load_all(o->variants, o->n_variants, &di->vs);
}

void doctor_inputs_free(struct doctor_inputs *di)
{
	variant_set_free(di->vs);
	scenario_set_free(di->all);
	memset(di, 0, sizeof(*di));
}

int doctor_prepare_out(const struct opts *o)
{
	DIR *d;
	struct dirent *e;
	int n = 0, ret;
	char sub[PATH_MAX];

	if (!o->out)
		return 0;
	if ((ret = util_mkdir_p(o->out, 0755))) {
		wgb_err("--out %s: %s", o->out, strerror(-ret));
		return ret == -EACCES || ret == -EROFS || ret == -ENOTDIR ? -EINVAL : ret;
	}
	d = opendir(o->out);
	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	if (n && !o->force) {
		wgb_err("--out %s: directory exists and is not empty (choose another, or --force)", o->out);
		return -EINVAL;
	}
	if (util_fmt(sub, sizeof(sub), "%s/samples", o->out) || util_mkdir_p(sub, 0755) ||
	    util_fmt(sub, sizeof(sub), "%s/raw", o->out) || util_mkdir_p(sub, 0755)) {
		wgb_err("--out %s: cannot make its subdirectories", o->out);
		return -EINVAL;
	}
	return 0;
}

static int bring_up(struct doc_ctx *c)
{
	const struct variant *v = variant_get(c->di.vs, 0);
	struct json_object *applied = NULL;
	char why[512] = "";
	int ret, n;

	ret = bed_up(c->bed, variant_tunnels(v) ? variant_tunnels(v) : bed_default_tunnels(c->bed));
	if (ret)
		return ret;
	c->topo = bed_topo(c->bed);
	if (!c->topo) {
		wgb_err("doctor: --backend %s: the probes enter the nodes' namespaces, which this "
			"backend does not have here", bed_name(c->bed));
		return -ENOTSUP;
	}
	for (n = 0; n < NODE__COUNT; n++)
		if ((ret = bed_netns_path(c->bed, n, c->netns[n], sizeof(c->netns[n]))))
			return ret;
	if (bed_variant_check(c->bed, v, why, sizeof(why))) {
		wgb_err("variant %s cannot run on this testbed: %s", variant_name(v), why);
		return -ENOTSUP;
	}
	if ((ret = bed_variant_apply(c->bed, v, &applied)))
		return ret;
	json_object_put(applied);
	say(c, "wgbench doctor: variant %s on testbed %s\n", variant_name(v), c->o->prefix);
	return 0;
}

static void bring_down(struct doc_ctx *c)
{
	bed_variant_revert(c->bed);   /* says what it could not restore */
	bed_down(c->bed);
	c->topo = NULL;
}

/* 4 or 6: what tunnel 0's peer endpoint is, as its implementation says
 * (the plan's family when it cannot be read; 4 without a tunnel). */
static int underlay_family(struct doc_ctx *c)
{
	const char *ifn = topo_ifname(c->topo, NODE_GW1, LINK_TUNNEL, 0);
	struct tun_device_info *d = NULL;
	int fam = topo_family_tunnel_af(topo_ip(c->topo), 0) == AF_INET6 ? 6 : 4;

	if (topo_wg(c->topo) == TUN_NONE)
		return topo_ip(c->topo) == TOPO_FAM_6 ? 6 : 4;
	if (ifn && !tun_device_read(c->netns[NODE_GW1], ifn, &d) && d->n_peers &&
	    d->peers[0].endpoint.ss_family)
		fam = d->peers[0].endpoint.ss_family == AF_INET6 ? 6 : 4;
	tun_device_free(d);
	return fam;
}

static void put_mtu(struct doc_ctx *c, struct json_object *o, const char *key, enum topo_node_id n,
		    enum topo_link_role r)
{
	const char *ifn = topo_ifname(c->topo, n, r, 0);
	unsigned int mtu;

	if (ifn && !doctor_link_mtu(c->netns[n], ifn, &mtu))
		json_object_object_add(o, key, json_object_new_int((int)mtu));
}

void doctor_add_probe(struct json_object *arr, const struct doctor_pmtu_probe *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "size", json_object_new_int((int)p->size));
	json_object_object_add(o, "result", json_object_new_string(doctor_probe_result_name(p->result)));
	if (p->result == PROBE_FRAG_NEEDED || p->result == PROBE_LOCAL_EMSGSIZE)
		json_object_object_add(o, "mtu", p->mtu ? json_object_new_int((int)p->mtu) : NULL);
	json_object_array_add(arr, o);
}

/* The descent of reference 000 Task 7: largest size first, down until one
 * passes; an ICMP/local error that names an MTU jumps there. */
int doctor_probe_sizes(struct doctor_pinger *pg, unsigned int start, struct json_object *arr)
{
	struct doctor_pmtu_probe p;
	unsigned int s = start, reply = 0, silent = 0, lo, hi;
	int ret;

	while (s >= PROBE_FLOOR && !stop_requested()) {
		if ((ret = doctor_ping(pg, s, PROBE_ATTEMPTS, PROBE_TIMEOUT_S, &p)))
			return ret;
		doctor_add_probe(arr, &p);
		if (p.result == PROBE_REPLY) {
			reply = s;
			break;
		}
		if (p.result != PROBE_TIMEOUT && p.mtu >= PROBE_FLOOR && p.mtu < s) {
			s = p.mtu;
			continue;
		}
		if (p.result == PROBE_TIMEOUT)
			silent = s;
		s = s % PROBE_STEP ? s - s % PROBE_STEP : s - PROBE_STEP;
	}
	if (!reply || !silent)
		return 0;
	for (lo = reply, hi = silent; hi - lo > 1 && !stop_requested();) {
		unsigned int mid = lo + (hi - lo) / 2;

		if ((ret = doctor_ping(pg, mid, PROBE_ATTEMPTS, PROBE_TIMEOUT_S, &p)))
			return ret;
		doctor_add_probe(arr, &p);
		if (p.result == PROBE_REPLY)
			lo = mid;
		else
			hi = mid;
	}
	return 0;
}

/* IPv4: Icmp In/OutDestUnreachs; IPv6: Icmp6 In/OutPktTooBigs. */
static int icmp_counters(struct doc_ctx *c, enum topo_node_id n, bool v6, uint64_t *in, uint64_t *out)
{
	return v6 ? doctor_icmp6_counters(c->netns[n], in, out) : doctor_icmp_counters(c->netns[n], in, out);
}

static void icmp_delta(struct doc_ctx *c, enum topo_node_id n, bool v6, const uint64_t before[2],
		       struct json_object *icmp, const char *key, bool out)
{
	uint64_t in_now, out_now;

	if (!icmp_counters(c, n, v6, &in_now, &out_now))
		json_object_object_add(icmp, key, json_object_new_int64(
			(int64_t)((out ? out_now : in_now) - before[out ? 1 : 0])));
}

/* One family's probe series into mtu ("probes", "icmp"): from the source
 * to target, counting frag-needed (IPv4) or Packet Too Big (IPv6) around it. */
static int probe_series(struct doc_ctx *c, struct json_object *mtu, const char *target, unsigned int lan)
{
	struct json_object *probes = json_object_new_array(), *icmp = json_object_new_object();
	uint64_t b_src[2] = { 0 }, b_g1[2] = { 0 }, b_g2[2] = { 0 };
	bool v6 = target && strchr(target, ':');
	struct doctor_pinger *pg = NULL;
	struct doctor_pmtu_probe p;
	int ret;

	json_object_object_add(mtu, "probe_family", json_object_new_int(v6 ? 6 : 4));
	json_object_object_add(mtu, "probes", probes);
	json_object_object_add(mtu, "icmp", icmp);
	icmp_counters(c, NODE_SOURCE, v6, &b_src[0], &b_src[1]);
	icmp_counters(c, NODE_GW1, v6, &b_g1[0], &b_g1[1]);
	icmp_counters(c, NODE_GW2, v6, &b_g2[0], &b_g2[1]);
	if ((ret = doctor_pinger_open_str(c->netns[NODE_SOURCE], target, &pg)))
		return ret;
	ret = doctor_ping(pg, PROBE_SMALL, 3, 1.0, &p);
	if (!ret) {
		doctor_add_probe(probes, &p);
		if (p.result == PROBE_REPLY)
			ret = doctor_probe_sizes(pg, lan, probes);
	}
	doctor_pinger_close(pg);
	icmp_delta(c, NODE_SOURCE, v6, b_src, icmp, v6 ? "source_in_packet_too_big" : "source_in_dest_unreachs", false);
	icmp_delta(c, NODE_GW1, v6, b_g1, icmp, v6 ? "gw1_out_packet_too_big" : "gw1_out_dest_unreachs", true);
	icmp_delta(c, NODE_GW2, v6, b_g2, icmp, v6 ? "gw2_out_packet_too_big" : "gw2_out_dest_unreachs", true);
	say(c, "1. MTU: %zu %s probe(s) from source to %s\n", json_object_array_length(probes),
	    v6 ? "ICMPv6 (never fragmented)" : "DF", target);
	return ret;
}

/* --inner dual: the same in IPv6 as "mtu6" (the MTUs shared with "mtu"),
 * since a firewall often breaks one family's PMTU discovery and not the other's. */
static int probe_dual(struct doc_ctx *c, struct json_object *mtu, unsigned int lan)
{
	const char *t6 = topo_drain_addr_af(c->topo, 0, AF_INET6);
	struct json_object *m6, *x;

	if (topo_inner(c->topo) != TOPO_FAM_DUAL || !t6 || stop_requested())
		return 0;
	m6 = json_object_new_object();
	json_object_object_add(c->in, "mtu6", m6);
	if (json_object_object_get_ex(mtu, "underlay_family", &x))
		json_object_object_add(m6, "underlay_family", json_object_get(x));
	if (json_object_object_get_ex(mtu, "source_lan_mtu", &x))
		json_object_object_add(m6, "source_lan_mtu", json_object_get(x));
	if (json_object_object_get_ex(mtu, "ends", &x))
		json_object_object_add(m6, "ends", json_object_get(x));
	return probe_series(c, m6, t6, lan);
}

static int step_mtu(struct doc_ctx *c)
{
	struct json_object *mtu = json_object_new_object(), *ends = json_object_new_array();
	unsigned int lan = 1500;
	int n, ret;

	json_object_object_add(c->in, "mtu", mtu);
	json_object_object_add(mtu, "underlay_family", json_object_new_int(underlay_family(c)));
	put_mtu(c, mtu, "source_lan_mtu", NODE_SOURCE, LINK_LAN);
	for (n = NODE_GW1; n <= NODE_GW2; n++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "node", json_object_new_string(topo_node_name(n)));
		if (topo_wg(c->topo) != TUN_NONE)
			put_mtu(c, e, "tunnel_mtu", n, LINK_TUNNEL);
		put_mtu(c, e, "underlay_mtu", n, LINK_UNDERLAY);
		put_mtu(c, e, "lan_mtu", n, LINK_LAN);
		json_object_array_add(ends, e);
	}
	json_object_object_add(mtu, "ends", ends);
	if (jsonx_num_at(mtu, "source_lan_mtu", &(double){ 0 }))
		lan = (unsigned int)json_object_get_int(jsonx_get(mtu, "source_lan_mtu"));
	ret = probe_series(c, mtu, topo_drain_addr(c->topo, 0), lan);
	if (!ret)
		ret = probe_dual(c, mtu, lan);
	return ret;
}

static void put_route(struct doc_ctx *c, struct json_object *r, const char *key, enum topo_node_id n,
		      const char *dst, const char *src, unsigned int k)
{
	struct json_object *o = json_object_new_object();
	char oif[64];
	int r2;

	json_object_object_add(r, key, o);
	json_object_object_add(o, "expected", json_object_new_string(topo_ifname(c->topo, n, LINK_TUNNEL, k)));
	r2 = doctor_route_get_str(c->netns[n], dst, src, topo_ifname(c->topo, n, LINK_LAN, 0), oif, sizeof(oif));
	if (r2 == -EINVAL)
		return;
	if (!r2)
		json_object_object_add(o, "oif", json_object_new_string(oif));
	else
		json_object_object_add(o, "oif", json_object_new_string("(no route)"));
}

static void tunnel_bytes(struct doc_ctx *c, unsigned int k, uint64_t v[4])
{
	struct topo_tunnel_stats s1 = { 0 }, s2 = { 0 };

	topo_tunnel_stats(c->topo, k, NODE_GW1, &s1);
	topo_tunnel_stats(c->topo, k, NODE_GW2, &s2);
	v[0] = s1.tx_bytes;
	v[1] = s1.rx_bytes;
	v[2] = s2.tx_bytes;
	v[3] = s2.rx_bytes;
}

static int step_routes(struct doc_ctx *c)
{
	struct json_object *routes = json_object_new_array();
	unsigned int k;

	json_object_object_add(c->in, "routes", routes);
	if (topo_wg(c->topo) == TUN_NONE) {
		say(c, "2. routing: no tunnel (--wg none): nothing to check\n");
		return 0;
	}
	for (k = 0; k < topo_tunnels(c->topo) && !stop_requested(); k++) {
		static const char *const keys[4] = { "gw1_tx", "gw1_rx", "gw2_tx", "gw2_rx" };
		struct json_object *r = json_object_new_object(), *d = json_object_new_object();
		const char *drain = topo_drain_addr(c->topo, k), *src = topo_source_addr(c->topo);
		struct doctor_pinger *pg = NULL;
		struct doctor_pmtu_probe p = { .result = PROBE_TIMEOUT };
		uint64_t before[4], after[4];
		int i;

		json_object_array_add(routes, r);
		json_object_object_add(r, "tunnel", json_object_new_int((int)k));
		json_object_object_add(r, "drain", json_object_new_string(drain));
		put_route(c, r, "gw1", NODE_GW1, drain, src, k);
		put_route(c, r, "gw2", NODE_GW2, src, drain, k);
		tunnel_bytes(c, k, before);
		if (!doctor_pinger_open_str(c->netns[NODE_SOURCE], drain, &pg)) {
			doctor_ping(pg, PROBE_SMALL, 3, 1.0, &p);
			doctor_pinger_close(pg);
		}
		tunnel_bytes(c, k, after);
		/* wireguard-go counts a packet after sending it: the reply can be
		 * home before the sender's counter moves, so give it a moment */
		for (i = 0; p.result == PROBE_REPLY && i < 20 && (after[0] == before[0] || after[2] == before[2]); i++) {
			usleep(10000);
			tunnel_bytes(c, k, after);
		}
		json_object_object_add(r, "probe_reply", json_object_new_boolean(p.result == PROBE_REPLY));
		for (i = 0; i < 4; i++)
			json_object_object_add(d, keys[i], json_object_new_int64((int64_t)(after[i] - before[i])));
		json_object_object_add(r, "tunnel_delta", d);
	}
	say(c, "2. routing: route lookups at gw1 and gw2 for %u tunnel(s), tunnel counters around a probe\n",
	    topo_tunnels(c->topo));
	return 0;
}

/* Reference 000: a broken MTU or route makes every later number garbage. */
const char *doctor_stop_reason(struct json_object *in)
{
	struct json_object *f = NULL;
	const char *why = NULL;
	size_t i;

	if (doctor_diagnose(in, &f))
		return NULL;
	for (i = 0; i < json_object_array_length(f) && !why; i++) {
		const char *id = jsonx_str_at(json_object_array_get_idx(f, i), "id");

		if (!strcmp(id, "pmtu-blackhole"))
			why = "mtu";
		else if (!strncmp(id, "route-", 6))
			why = "routing";
	}
	json_object_put(f);
	return why;
}

int doctor_scenarios(const struct opts *o, struct bed *bed, const struct doctor_inputs *di, FILE *tty,
		     struct json_object *in)
{
	struct doc_ctx cc = { .o = o, .tty = tty, .di = *di, .bed = bed, .in = in }, *c = &cc;
	struct json_object *sc = json_object_new_object();
	size_t i;

	json_object_object_add(c->in, "scenarios", sc);
	for (i = 0; i < c->di.n_sel && !stop_requested(); i++) {
		char tl[PATH_MAX] = "", raw[PATH_MAX] = "";
		struct json_object *e = NULL, *v;

		if (c->o->out && (util_fmt(tl, sizeof(tl), "%s/samples/%s.csv", c->o->out, c->di.sel[i]->name) ||
				  util_fmt(raw, sizeof(raw), "%s/raw", c->o->out)))
			return -ENAMETOOLONG;
		doctor_scenario(c->o, c->bed, c->di.duration, c->di.omit, c->di.sel[i], tl[0] ? tl : NULL,
				raw[0] ? raw : NULL, &e);
		/* Once more after a failure: one lost datagram (iperf3's UDP connect
		 * on a lossy path) should not cost the verdict. Both are kept apart
		 * in "attempts"; a second failure becomes a finding. */
		if (!stop_requested() && !json_object_get_boolean(jsonx_get(e, "ok"))) {
			say(c, "   %-10s failed (%s); once more\n", c->di.sel[i]->name,
			    jsonx_str_at(e, "error") ? jsonx_str_at(e, "error") : "?");
			json_object_put(e);
			e = NULL;
			doctor_scenario(c->o, c->bed, c->di.duration, c->di.omit, c->di.sel[i], tl[0] ? tl : NULL,
					raw[0] ? raw : NULL, &e);
			json_object_object_add(e, "attempts", json_object_new_int(2));
		}
		if (stop_requested()) {
			json_object_put(e);
			break;
		}
		json_object_object_add(sc, c->di.sel[i]->name, e);
		if (json_object_get_boolean(jsonx_get(e, "ok")) && json_object_object_get_ex(e, "throughput_bps", &v))
			say(c, "   %-10s %d s: %.1f Mbit/s\n", c->di.sel[i]->name, c->di.duration,
			    json_object_get_double(v) / 1e6);
		else
			say(c, "   %-10s failed: %s\n", c->di.sel[i]->name, jsonx_str_at(e, "error") ? jsonx_str_at(e, "error") : "?");
	}
	return stop_requested() ? -EINTR : 0;
}

/* The interface roles and the shapers (tbf/htb at the root) of every node. */
static void describe_links(struct doc_ctx *c)
{
	struct json_object *links = json_object_new_object(), *shapers = json_object_new_array();
	int n, r;
	unsigned int k;

	for (n = 0; n < NODE__COUNT; n++) {
		struct json_object *ifs = json_object_new_object();

		for (r = LINK_LAN; r <= LINK_TUNNEL; r++)
			for (k = 0; k < (r == LINK_TUNNEL ? topo_tunnels(c->topo) : 1); k++) {
				const char *ifn = topo_ifname(c->topo, n, r, k);
				char kind[32];
				uint64_t rate;

				if (!ifn)
					continue;
				json_object_object_add(ifs, ifn, json_object_new_string(topo_link_name(r)));
				if (doctor_root_qdisc(c->netns[n], ifn, kind, sizeof(kind), &rate) || !rate)
					continue;
				{
					struct json_object *sh = json_object_new_object();

					json_object_object_add(sh, "node", json_object_new_string(topo_node_name(n)));
					json_object_object_add(sh, "link", json_object_new_string(topo_link_name(r)));
					json_object_object_add(sh, "ifname", json_object_new_string(ifn));
					json_object_object_add(sh, "kind", json_object_new_string(kind));
					json_object_object_add(sh, "rate_bps", json_object_new_int64((int64_t)rate));
					json_object_array_add(shapers, sh);
				}
			}
		json_object_object_add(links, topo_node_name(n), ifs);
	}
	json_object_object_add(c->in, "links", links);
	json_object_object_add(c->in, "shapers", shapers);
}

static int measure(struct doc_ctx *c)
{
	const char *why;
	int ret;

	json_object_object_add(c->in, "wg", json_object_new_string(tun_kind_name(topo_wg(c->topo))));
	json_object_object_add(c->in, "wg_version", json_object_new_string(topo_wg_version(c->topo)));
	json_object_object_add(c->in, "tunnels", json_object_new_int((int)topo_tunnels(c->topo)));
	json_object_object_add(c->in, "variant", json_object_new_string(variant_name(variant_get(c->di.vs, 0))));
	json_object_object_add(c->in, "duration_s", json_object_new_int(c->di.duration));
	describe_links(c);
	if ((ret = step_mtu(c)) || stop_requested())
		return ret ? ret : -EINTR;
	if ((ret = step_routes(c)) || stop_requested())
		return ret ? ret : -EINTR;
	why = doctor_stop_reason(c->in);
	json_object_object_add(c->in, "stopped_after", why ? json_object_new_string(why) : NULL);
	if (why) {
		say(c, "stopping after the %s step (reference 000: fix it before measuring the rest)\n", why);
		return 0;
	}
	say(c, "3./4. CPU and loss: %zu scenario(s) of %d s with the sampler\n", c->di.n_sel, c->di.duration);
	return doctor_scenarios(c->o, c->bed, &c->di, c->tty, c->in);
}

int doctor_collect(const struct opts *o, struct bed *bed, struct json_object **input)
{
	struct doc_ctx c = { .o = o, .bed = bed, .tty = o->json ? stderr : stdout };
	struct stop_scope stop;
	int ret;

	if (o->backend == TOPO_BACKEND_LIVE)
		return doctor_live_collect(o, bed, input);
	if ((ret = doctor_inputs_load(o, &c.di)) || (ret = doctor_prepare_out(o)))
		goto out;
	c.in = json_object_new_object();
	stop_install(&stop);
	ret = bring_up(&c);
	if (!ret && !stop_requested())
		ret = measure(&c);
	bring_down(&c);
	stop_restore(&stop);
	if (stop_requested()) {
		wgb_err("doctor: stopped by signal %d; the testbed was removed", stop_signal());
		ret = -EINTR;
	}
	if (!ret) {
		*input = c.in;
		c.in = NULL;
	}
out:
	json_object_put(c.in);
	doctor_inputs_free(&c.di);
	return ret;
}
