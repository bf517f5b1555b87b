/* doctor_run.c — the measuring half of `wgbench doctor` (doctor.h,
 * doctor_collect): one testbed with the variant applied, then reference
 * 000's order: (1) MTU — DF probes at decreasing sizes and the MTUs along
 * the path; (2) routing — the kernel's route lookups at the gateways and the
 * tunnel counters around a probe; if either step has a critical finding the
 * doctor stops there, as the reference says; (3)+(4) short scenarios with the
 * sampler, whose cpu/drops summaries feed the CPU and loss rules. Everything
 * is reverted and removed on every path, also after SIGINT/SIGTERM.
 */
#include "doctor.h"
#include "doctor_impl.h"
#include "opts.h"
#include "sample.h"
#include "scenario.h"
#include "topo.h"
#include "traffic.h"
#include "util.h"
#include "variant.h"

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

/* DF probes: the first must pass at the size of a default ping (84 bytes on
 * the wire) or nothing is an MTU question. Large sizes go down in 20-byte
 * steps (reference 000 Task 7 steps by tens), then a binary search between
 * the largest reply and the smallest silent size finds the exact limit. */
#define PROBE_SMALL 84
#define PROBE_STEP 20
#define PROBE_FLOOR 576              /* every IPv4 path must carry 576 (RFC 791) */
#define PROBE_ATTEMPTS 2
#define PROBE_TIMEOUT_S 0.4          /* RTT through wireguard-go here: 1-7 ms, loaded */
#define PROBE_BASE_PORT 5201

static const char *const default_scenarios[] = { "tcp-single", "tcp-fwd", "udp-small", "udp" };

/* Signals force one global: the flag the traffic layer polls. */
static volatile sig_atomic_t doctor_stop;

static void on_signal(int sig)
{
	doctor_stop = sig;
}

struct doc_ctx {
	const struct opts *o;
	FILE *tty;
	int duration, omit;
	struct scenario_set *all;
	const struct scenario *sel[OPTS_MAX_LIST];
	size_t n_sel;
	struct variant_set *vs;
	struct topo *topo;
	struct variant_applied *applied;
	char netns[NODE__COUNT][PATH_MAX];
	struct json_object *in;
};

static void say(struct doc_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct doc_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->o->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(c->tty, fmt, ap);
	va_end(ap);
	fflush(c->tty);
}

static int load_inputs(struct doc_ctx *c)
{
	const struct opts *o = c->o;
	char dir[PATH_MAX];
	size_t i;
	int ret;

	if (o->duration != floor(o->duration) || o->omit != floor(o->omit)) {
		wgb_err("--duration/--omit: expected whole seconds (libiperf 3.12 counts in seconds)");
		return -EINVAL;
	}
	c->duration = (int)o->duration;
	c->omit = (int)o->omit;
	if (o->n_variants > 1) {
		wgb_err("--variant: doctor diagnoses one configuration; got %zu files", o->n_variants);
		return -EINVAL;
	}
	if ((ret = scenario_default_dir(dir, sizeof(dir))) || (ret = scenario_load_dir(dir, &c->all)))
		return ret == -ENOENT ? -EINVAL : ret;
	for (i = 0; i < (o->n_scenarios ? o->n_scenarios : ARRAY_SIZE(default_scenarios)); i++) {
		const char *name = o->n_scenarios ? o->scenarios[i] : default_scenarios[i];
		const struct scenario *s = scenario_find(c->all, name);

		if (!s) {
			wgb_err("--scenario '%s': no such scenario", name);
			return -EINVAL;
		}
		c->sel[c->n_sel++] = s;
	}
	return variant_load_all(o->variants, o->n_variants, &c->vs);
}

static int prepare_out(const struct opts *o)
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
	const struct variant *v = variant_get(c->vs, 0);
	struct topo_config cfg;
	char why[512] = "";
	int ret, n;

	topo_config_from_opts(&cfg, c->o);
	if (variant_tunnels(v))
		cfg.tunnels = variant_tunnels(v);
	cfg.persistent = false;   /* wireguard-go dies with this process */
	if ((ret = topo_up(&cfg, &c->topo))) {
		c->topo = NULL;
		return ret;
	}
	for (n = 0; n < NODE__COUNT; n++)
		if ((ret = topo_node_netns_path(c->topo, n, c->netns[n], sizeof(c->netns[n]))))
			return ret;
	if (variant_check(v, c->topo, why, sizeof(why))) {
		wgb_err("variant %s cannot run on this testbed: %s", variant_name(v), why);
		return -ENOTSUP;
	}
	if ((ret = variant_apply(v, c->topo, &c->applied))) {
		c->applied = NULL;
		return ret;
	}
	say(c, "wgbench doctor: testbed %s up (%s, %u tunnel(s)), variant %s\n", c->o->prefix,
	    topo_wg(c->topo) == TUN_NONE ? "no tunnel" : topo_wg_version(c->topo),
	    topo_tunnels(c->topo), variant_name(v));
	return 0;
}

static void bring_down(struct doc_ctx *c)
{
	if (c->applied) {
		if (variant_revert(c->applied))
			wgb_warn("variant: not every value could be restored");
		variant_applied_free(c->applied);
		c->applied = NULL;
	}
	topo_teardown(&c->topo);
}

static void put_mtu(struct doc_ctx *c, struct json_object *o, const char *key, enum topo_node_id n,
		    enum topo_link_role r)
{
	const char *ifn = topo_ifname(c->topo, n, r, 0);
	unsigned int mtu;

	if (ifn && !doctor_link_mtu(c->netns[n], ifn, &mtu))
		json_object_object_add(o, key, json_object_new_int((int)mtu));
}

static void add_probe(struct json_object *arr, const struct doctor_pmtu_probe *p)
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
static int probe_sizes(struct doc_ctx *c, struct doctor_pinger *pg, unsigned int start,
		       struct json_object *arr)
{
	struct doctor_pmtu_probe p;
	unsigned int s = start, reply = 0, silent = 0, lo, hi;
	int ret;

	while (s >= PROBE_FLOOR && !doctor_stop) {
		if ((ret = doctor_ping(pg, s, PROBE_ATTEMPTS, PROBE_TIMEOUT_S, &p)))
			return ret;
		add_probe(arr, &p);
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
	for (lo = reply, hi = silent; hi - lo > 1 && !doctor_stop;) {
		unsigned int mid = lo + (hi - lo) / 2;

		if ((ret = doctor_ping(pg, mid, PROBE_ATTEMPTS, PROBE_TIMEOUT_S, &p)))
			return ret;
		add_probe(arr, &p);
		if (p.result == PROBE_REPLY)
			lo = mid;
		else
			hi = mid;
	}
	return 0;
}

static void icmp_delta(struct doc_ctx *c, enum topo_node_id n, const uint64_t before[2],
		       struct json_object *icmp, const char *key, bool out)
{
	uint64_t in_now, out_now;

	if (!doctor_icmp_counters(c->netns[n], &in_now, &out_now))
		json_object_object_add(icmp, key, json_object_new_int64(
			(int64_t)((out ? out_now : in_now) - before[out ? 1 : 0])));
}

static int step_mtu(struct doc_ctx *c)
{
	struct json_object *mtu = json_object_new_object(), *ends = json_object_new_array();
	struct json_object *probes = json_object_new_array(), *icmp = json_object_new_object();
	struct doctor_pinger *pg = NULL;
	struct doctor_pmtu_probe p;
	uint64_t b_src[2] = { 0 }, b_g1[2] = { 0 }, b_g2[2] = { 0 };
	struct in_addr dst;
	unsigned int lan = 1500;
	int n, ret;

	json_object_object_add(c->in, "mtu", mtu);
	json_object_object_add(mtu, "underlay_family", json_object_new_int(4));
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
	json_object_object_add(mtu, "probes", probes);
	json_object_object_add(mtu, "icmp", icmp);
	if (dj_num(mtu, "source_lan_mtu", &(double){ 0 }))
		lan = (unsigned int)json_object_get_int(dj_get(mtu, "source_lan_mtu"));
	doctor_icmp_counters(c->netns[NODE_SOURCE], &b_src[0], &b_src[1]);
	doctor_icmp_counters(c->netns[NODE_GW1], &b_g1[0], &b_g1[1]);
	doctor_icmp_counters(c->netns[NODE_GW2], &b_g2[0], &b_g2[1]);
	if (inet_pton(AF_INET, topo_drain_addr(c->topo, 0), &dst) != 1)
		return -EINVAL;
	if ((ret = doctor_pinger_open(c->netns[NODE_SOURCE], dst, &pg)))
		return ret;
	ret = doctor_ping(pg, PROBE_SMALL, 3, 1.0, &p);
	if (!ret) {
		add_probe(probes, &p);
		if (p.result == PROBE_REPLY)
			ret = probe_sizes(c, pg, lan, probes);
	}
	doctor_pinger_close(pg);
	icmp_delta(c, NODE_SOURCE, b_src, icmp, "source_in_dest_unreachs", false);
	icmp_delta(c, NODE_GW1, b_g1, icmp, "gw1_out_dest_unreachs", true);
	icmp_delta(c, NODE_GW2, b_g2, icmp, "gw2_out_dest_unreachs", true);
	say(c, "1. MTU: %zu DF probe(s) from source to %s\n", json_object_array_length(probes),
	    topo_drain_addr(c->topo, 0));
	return ret;
}

static void put_route(struct doc_ctx *c, struct json_object *r, const char *key, enum topo_node_id n,
		      const char *dst, const char *src, unsigned int k)
{
	struct json_object *o = json_object_new_object();
	struct in_addr d, s;
	char oif[64];

	json_object_object_add(r, key, o);
	json_object_object_add(o, "expected", json_object_new_string(topo_ifname(c->topo, n, LINK_TUNNEL, k)));
	if (inet_pton(AF_INET, dst, &d) != 1 || inet_pton(AF_INET, src, &s) != 1)
		return;
	if (!doctor_route_get(c->netns[n], d, s, topo_ifname(c->topo, n, LINK_LAN, 0), oif, sizeof(oif)))
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
	for (k = 0; k < topo_tunnels(c->topo) && !doctor_stop; k++) {
		static const char *const keys[4] = { "gw1_tx", "gw1_rx", "gw2_tx", "gw2_rx" };
		struct json_object *r = json_object_new_object(), *d = json_object_new_object();
		const char *drain = topo_drain_addr(c->topo, k), *src = topo_source_addr(c->topo);
		struct doctor_pinger *pg = NULL;
		struct doctor_pmtu_probe p = { .result = PROBE_TIMEOUT };
		uint64_t before[4], after[4];
		struct in_addr dst;
		int i;

		json_object_array_add(routes, r);
		json_object_object_add(r, "tunnel", json_object_new_int((int)k));
		json_object_object_add(r, "drain", json_object_new_string(drain));
		put_route(c, r, "gw1", NODE_GW1, drain, src, k);
		put_route(c, r, "gw2", NODE_GW2, src, drain, k);
		tunnel_bytes(c, k, before);
		if (inet_pton(AF_INET, drain, &dst) == 1 &&
		    !doctor_pinger_open(c->netns[NODE_SOURCE], dst, &pg)) {
			doctor_ping(pg, PROBE_SMALL, 3, 1.0, &p);
			doctor_pinger_close(pg);
		}
		tunnel_bytes(c, k, after);
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
static const char *stop_reason(struct json_object *in)
{
	struct json_object *f = NULL;
	const char *why = NULL;
	size_t i;

	if (doctor_diagnose(in, &f))
		return NULL;
	for (i = 0; i < json_object_array_length(f) && !why; i++) {
		const char *id = dj_str(json_object_array_get_idx(f, i), "id");

		if (!strcmp(id, "pmtu-blackhole"))
			why = "mtu";
		else if (!strncmp(id, "route-", 6))
			why = "routing";
	}
	json_object_put(f);
	return why;
}

static int step_scenarios(struct doc_ctx *c)
{
	struct json_object *sc = json_object_new_object();
	size_t i;

	json_object_object_add(c->in, "scenarios", sc);
	for (i = 0; i < c->n_sel && !doctor_stop; i++) {
		char tl[PATH_MAX] = "", raw[PATH_MAX] = "";
		struct json_object *e = NULL, *v;

		if (c->o->out && (util_fmt(tl, sizeof(tl), "%s/samples/%s.csv", c->o->out, c->sel[i]->name) ||
				  util_fmt(raw, sizeof(raw), "%s/raw", c->o->out)))
			return -ENAMETOOLONG;
		doctor_scenario(c->o, c->topo, c->duration, c->omit, c->sel[i], tl[0] ? tl : NULL,
				raw[0] ? raw : NULL, &doctor_stop, &e);
		/* Once more after a failure: one lost datagram (iperf3's UDP connect
		 * on a lossy path) should not cost the verdict. Both are kept apart
		 * in "attempts"; a second failure becomes a finding. */
		if (!doctor_stop && !json_object_get_boolean(dj_get(e, "ok"))) {
			say(c, "   %-10s failed (%s); once more\n", c->sel[i]->name,
			    dj_str(e, "error") ? dj_str(e, "error") : "?");
			json_object_put(e);
			e = NULL;
			doctor_scenario(c->o, c->topo, c->duration, c->omit, c->sel[i], tl[0] ? tl : NULL,
					raw[0] ? raw : NULL, &doctor_stop, &e);
			json_object_object_add(e, "attempts", json_object_new_int(2));
		}
		if (doctor_stop) {
			json_object_put(e);
			break;
		}
		json_object_object_add(sc, c->sel[i]->name, e);
		if (json_object_get_boolean(dj_get(e, "ok")) && json_object_object_get_ex(e, "throughput_bps", &v))
			say(c, "   %-10s %d s: %.1f Mbit/s\n", c->sel[i]->name, c->duration,
			    json_object_get_double(v) / 1e6);
		else
			say(c, "   %-10s failed: %s\n", c->sel[i]->name, dj_str(e, "error") ? dj_str(e, "error") : "?");
	}
	return doctor_stop ? -EINTR : 0;
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

	json_object_object_add(c->in, "wg", json_object_new_string(opts_wg_name(topo_wg(c->topo))));
	json_object_object_add(c->in, "wg_version", json_object_new_string(topo_wg_version(c->topo)));
	json_object_object_add(c->in, "tunnels", json_object_new_int((int)topo_tunnels(c->topo)));
	json_object_object_add(c->in, "variant", json_object_new_string(variant_name(variant_get(c->vs, 0))));
	json_object_object_add(c->in, "duration_s", json_object_new_int(c->duration));
	describe_links(c);
	if ((ret = step_mtu(c)) || doctor_stop)
		return ret ? ret : -EINTR;
	if ((ret = step_routes(c)) || doctor_stop)
		return ret ? ret : -EINTR;
	why = stop_reason(c->in);
	json_object_object_add(c->in, "stopped_after", why ? json_object_new_string(why) : NULL);
	if (why) {
		say(c, "stopping after the %s step (reference 000: fix it before measuring the rest)\n", why);
		return 0;
	}
	say(c, "3./4. CPU and loss: %zu scenario(s) of %d s with the sampler\n", c->n_sel, c->duration);
	return step_scenarios(c);
}

int doctor_collect(const struct opts *o, struct json_object **input)
{
	struct doc_ctx c = { .o = o, .tty = o->json ? stderr : stdout };
	struct sigaction old[2];
	int ret;

	if ((ret = load_inputs(&c)) || (ret = prepare_out(o)))
		goto out;
	c.in = json_object_new_object();
	doctor_stop = 0;
	util_signals_install(on_signal, old);
	ret = bring_up(&c);
	if (!ret && !doctor_stop)
		ret = measure(&c);
	bring_down(&c);
	util_signals_restore(old);
	if (doctor_stop) {
		wgb_err("doctor: stopped by signal %d; the testbed was removed", (int)doctor_stop);
		ret = -EINTR;
	}
	if (!ret) {
		*input = c.in;
		c.in = NULL;
	}
out:
	json_object_put(c.in);
	variant_set_free(c.vs);
	scenario_set_free(c.all);
	return ret;
}
