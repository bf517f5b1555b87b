/* knob_nft_rows.c — the nftables rows: what each accepts, the rules it
 * writes on an interface, and how it reads them back from libnftables' JSON
 * listing (one reader gives both "before" and "after": each is what the
 * kernel lists, never an assumed default). The mechanism is knob_nft.c.
 *
 *   loss_percent P            postrouting: oifname IF numgen random mod 10000 < P*100 drop
 *   mss_clamp pmtu|N          postrouting: oifname IF tcp SYN: maxseg set rt mtu | N
 *   block_icmp_frag_needed    postrouting: oifname IF icmp frag-needed drop
 *   block_icmpv6_packet_too_big  postrouting: oifname IF icmpv6 packet-too-big drop (its
 *                             IPv6 twin: IPv6 routers never fragment, so Packet Too Big
 *                             is all PMTU discovery has)
 *   (mss_clamp's rule is in an inet table: it clamps IPv4 and IPv6 SYNs alike, and
 *   rt mtu is the route's MTU in the packet's own family)
 *   port_spread N             raw output: the tunnel's UDP dport rewritten, packet by
 *                             packet, to one of N ports (numgen inc); raw prerouting at the
 *                             other gateway rewrites them back to the listening port.
 *
 * port_spread follows reference 003 (Samuel Holland, WireGuard list, 2019),
 * whose `dnat ... numgen inc` sketch was marked untested: a NAT rule only
 * sees the first packet of a conntrack flow, so the whole tunnel would stay
 * on one port. Here the rewrite is stateless (notrack + `udp dport set`), so
 * the spreading happens per packet, which is what RSS/RPS need to see.
 */
#include "knob_nft_impl.h"
#include "jsonx.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WG_PORT_BASE 51820   /* topo.h: tunnel k listens on 51820 + k */
#define SPREAD_BASE 52000    /* alternative ports: 52000 + 16 k + j */
#define SPREAD_MAX 16

/* --- parsing ------------------------------------------------------------ */

static int loss_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
		      struct knob_errs *errs)
{
	if (knob_get_number(val, 0.01, 100, &e->real, errs, e->index, "loss_percent"))
		return -EINVAL;
	/* Kept in hundredths of a percent: the rule compares against mod 10000. */
	e->num = llround(e->real * 100);
	snprintf(e->requested, sizeof(e->requested), "%g", (double)e->num / 100);
	return 0;
}

static int mss_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
		     struct knob_errs *errs)
{
	if (json_object_is_type(val, json_type_string) && !strcmp(json_object_get_string(val), "pmtu")) {
		e->num = 0;
		snprintf(e->requested, sizeof(e->requested), "pmtu");
		return 0;
	}
	if (!json_object_is_type(val, json_type_int)) {
		knob_errf(errs, e->index, "mss_clamp", "expected \"pmtu\" or an MSS in bytes, got %s",
			  knob_json_type(val));
		return -EINVAL;
	}
	if (knob_get_int(val, 536, 65495, &e->num, errs, e->index, "mss_clamp"))
		return -EINVAL;
	snprintf(e->requested, sizeof(e->requested), "%" PRId64, e->num);
	return 0;
}

static int icmp_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
		      struct knob_errs *errs)
{
	if (knob_get_bool(val, &e->flag, errs, e->index, e->ops->key))
		return -EINVAL;
	snprintf(e->requested, sizeof(e->requested), "%s", e->flag ? "true" : "false");
	return 0;
}

static int spread_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
			struct knob_errs *errs)
{
	int r = knob_get_int(val, 2, SPREAD_MAX, &e->num, errs, e->index, "port_spread");

	if (r)
		return r;
	if (e->nodes != (KNOB_NODE_BIT(NODE_GW1) | KNOB_NODE_BIT(NODE_GW2))) {
		knob_errf(errs, e->index, "node", "port_spread needs node gateways: each gateway "
			  "rewrites what it sends and restores what it receives");
		return -EINVAL;
	}
	if (e->link != LINK_UNDERLAY) {
		knob_errf(errs, e->index, "link", "port_spread is on the underlay, where the tunnel's "
			  "UDP packets travel");
		return -EINVAL;
	}
	snprintf(e->requested, sizeof(e->requested), "%" PRId64, e->num);
	return 0;
}

/* --- rules --------------------------------------------------------------- */

/* One postrouting chain with one rule on the interface's egress. */
static int egress_rule(const struct knob_target *tg, const char *table, const char *chain,
		       const char *prio, const char *rule, char *cmd, size_t len)
{
	return util_fmt(cmd, len, "add table inet %s\n"
			"add chain inet %s %s { type filter hook postrouting priority %s; }\n"
			"add rule inet %s %s oifname \"%s\" %s\n",
			table, table, chain, prio, table, chain, tg->ifname, rule);
}

static int loss_rules(const struct knob_entry *e, const struct knob_target *tg, const char *table,
		      const char *chain, char *cmd, size_t len)
{
	char rule[128];
	int r = util_fmt(rule, sizeof(rule), "numgen random mod 10000 < %" PRId64 " counter drop", e->num);

	return r ? r : egress_rule(tg, table, chain, "filter", rule, cmd, len);
}

static int mss_rules(const struct knob_entry *e, const struct knob_target *tg, const char *table,
		     const char *chain, char *cmd, size_t len)
{
	char rule[128];
	int r = e->num == 0 ? util_fmt(rule, sizeof(rule), "tcp flags syn / syn,rst tcp option maxseg size set rt mtu")
			    : util_fmt(rule, sizeof(rule), "tcp flags syn / syn,rst tcp option maxseg size set %" PRId64,
				       e->num);

	return r ? r : egress_rule(tg, table, chain, "mangle", rule, cmd, len);
}

static int icmp_rules(const struct knob_entry *e, const struct knob_target *tg, const char *table,
		      const char *chain, char *cmd, size_t len)
{
	return egress_rule(tg, table, chain, "filter",
			   "icmp type destination-unreachable icmp code frag-needed counter drop", cmd, len);
}

static int icmp6_rules(const struct knob_entry *e, const struct knob_target *tg, const char *table,
		       const char *chain, char *cmd, size_t len)
{
	return egress_rule(tg, table, chain, "filter", "icmpv6 type packet-too-big counter drop", cmd, len);
}

static int spread_rules(const struct knob_entry *e, const struct knob_target *tg,
			const char *table, const char *chain, char *cmd, size_t len)
{
	unsigned int k, j, n = (unsigned int)e->num, tunnels = topo_tunnels(tg->t);
	size_t o = 0;

#define ADD(...) do { o += (size_t)snprintf(cmd + o, o < len ? len - o : 0, __VA_ARGS__); } while (0)
	ADD("add table inet %s\n", table);
	ADD("add chain inet %s %so { type filter hook output priority raw; }\n", table, chain);
	ADD("add chain inet %s %si { type filter hook prerouting priority raw; }\n", table, chain);
	for (k = 0; k < tunnels; k++) {
		unsigned int main_port = WG_PORT_BASE + k, alt = SPREAD_BASE + SPREAD_MAX * k;

		ADD("add rule inet %s %so oifname \"%s\" udp dport %u notrack udp dport set numgen inc mod %u map { 0 : %u",
		    table, chain, tg->ifname, main_port, n, main_port);
		for (j = 1; j < n; j++)
			ADD(", %u : %u", j, alt + j);
		ADD(" } counter\n");
		ADD("add rule inet %s %si iifname \"%s\" udp dport %u-%u notrack udp dport set %u counter\n",
		    table, chain, tg->ifname, alt + 1, alt + n - 1, main_port);
	}
#undef ADD
	return o < len ? 0 : -ENAMETOOLONG;
}

static bool icmp_none(const struct knob_entry *e)
{
	return !e->flag;
}

/* --- reading listed rules (libnftables JSON) ------------------------------ */

bool knob_nft_str_is(struct json_object *o, const char *s)
{
	return json_object_is_type(o, json_type_string) && !strcmp(json_object_get_string(o), s);
}

static bool has_stmt(struct json_object *expr, const char *stmt)
{
	size_t i, n = json_object_array_length(expr);

	for (i = 0; i < n; i++)
		if (json_object_object_get_ex(json_object_array_get_idx(expr, i), stmt, NULL))
			return true;
	return false;
}

bool knob_nft_applies(struct json_object *expr, const char *ifname)
{
	static const char *const keys[] = { "oifname", "iifname", "oif", "iif" };
	size_t i, k, n = json_object_array_length(expr);

	for (i = 0; i < n; i++) {
		struct json_object *m = jsonx_get(json_object_array_get_idx(expr, i), "match");

		for (k = 0; m && k < ARRAY_SIZE(keys); k++)
			if (knob_nft_str_is(jsonx_get(m, "left.meta.key"), keys[k]) &&
			    !(knob_nft_str_is(jsonx_get(m, "op"), "==") && knob_nft_str_is(jsonx_get(m, "right"), ifname)))
				return false;
	}
	return true;
}

/* numgen random mod M < N ... drop: a share N/M of the packets lost. */
static bool loss_read(struct json_object *expr, struct nft_seen *s)
{
	size_t i, n = json_object_array_length(expr);

	if (!has_stmt(expr, "drop"))
		return false;
	for (i = 0; i < n; i++) {
		struct json_object *m = jsonx_get(json_object_array_get_idx(expr, i), "match");
		struct json_object *ng = jsonx_get(m, "left.numgen"), *mod = jsonx_get(ng, "mod");
		int64_t M = mod ? json_object_get_int64(mod) : 0;

		if (ng && knob_nft_str_is(jsonx_get(ng, "mode"), "random") && knob_nft_str_is(jsonx_get(m, "op"), "<") &&
		    M > 0 && json_object_is_type(jsonx_get(m, "right"), json_type_int)) {
			s->pass *= 1 - (double)json_object_get_int64(jsonx_get(m, "right")) / (double)M;
			s->found = true;
			return true;
		}
	}
	return false;
}

static void loss_print(const struct nft_seen *s, char *buf, size_t len)
{
	snprintf(buf, len, "%g", (double)llround((1 - s->pass) * 10000) / 100);
}

/* tcp option maxseg size set rt mtu | N */
static bool mss_read(struct json_object *expr, struct nft_seen *s)
{
	size_t i, n = json_object_array_length(expr);

	for (i = 0; i < n; i++) {
		struct json_object *mg = jsonx_get(json_object_array_get_idx(expr, i), "mangle");
		struct json_object *opt = jsonx_get(mg, "key.tcp option"), *v = jsonx_get(mg, "value");

		if (!opt || !knob_nft_str_is(jsonx_get(opt, "name"), "maxseg"))
			continue;
		s->found = true;
		s->pmtu = knob_nft_str_is(jsonx_get(v, "rt.key"), "mtu");
		s->num = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
		return true;
	}
	return false;
}

static void mss_print(const struct nft_seen *s, char *buf, size_t len)
{
	if (!s->found)
		snprintf(buf, len, "none");
	else if (s->pmtu)
		snprintf(buf, len, "pmtu");
	else
		snprintf(buf, len, "%" PRId64, s->num);
}

/* icmp type destination-unreachable icmp code frag-needed ... drop */
static bool icmp_read(struct json_object *expr, struct nft_seen *s)
{
	size_t i, n = json_object_array_length(expr);
	bool type = false, code = false;

	for (i = 0; i < n; i++) {
		struct json_object *m = jsonx_get(json_object_array_get_idx(expr, i), "match");
		struct json_object *pl = jsonx_get(m, "left.payload");

		if (!pl || !knob_nft_str_is(jsonx_get(pl, "protocol"), "icmp"))
			continue;
		type |= knob_nft_str_is(jsonx_get(pl, "field"), "type") &&
			knob_nft_str_is(jsonx_get(m, "right"), "destination-unreachable");
		code |= knob_nft_str_is(jsonx_get(pl, "field"), "code") && knob_nft_str_is(jsonx_get(m, "right"), "frag-needed");
	}
	if (!type || !code || !has_stmt(expr, "drop"))
		return false;
	s->found = true;
	return true;
}

/* icmpv6 type packet-too-big ... drop */
static bool icmp6_read(struct json_object *expr, struct nft_seen *s)
{
	size_t i, n = json_object_array_length(expr);
	bool type = false;

	for (i = 0; i < n; i++) {
		struct json_object *m = jsonx_get(json_object_array_get_idx(expr, i), "match");
		struct json_object *pl = jsonx_get(m, "left.payload");

		type |= pl && knob_nft_str_is(jsonx_get(pl, "protocol"), "icmpv6") &&
			knob_nft_str_is(jsonx_get(pl, "field"), "type") &&
			knob_nft_str_is(jsonx_get(m, "right"), "packet-too-big");
	}
	if (!type || !has_stmt(expr, "drop"))
		return false;
	s->found = true;
	return true;
}

static void icmp_print(const struct nft_seen *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s->found ? "true" : "false");
}

/* udp dport set numgen inc mod N map {...} (the spread), and udp dport set
 * PORT (the way back: a rule of the row, not counted in N). */
static bool spread_read(struct json_object *expr, struct nft_seen *s)
{
	size_t i, n = json_object_array_length(expr);

	for (i = 0; i < n; i++) {
		struct json_object *mg = jsonx_get(json_object_array_get_idx(expr, i), "mangle");
		struct json_object *pl = jsonx_get(mg, "key.payload"), *ng, *mod;

		if (!pl || !knob_nft_str_is(jsonx_get(pl, "protocol"), "udp") || !knob_nft_str_is(jsonx_get(pl, "field"), "dport"))
			continue;
		ng = jsonx_get(mg, "value.map.key");
		ng = jsonx_get(ng, "numgen");
		mod = jsonx_get(ng, "mod");
		if (ng && knob_nft_str_is(jsonx_get(ng, "mode"), "inc") && mod) {
			s->found = true;
			s->num = json_object_get_int64(mod);
		}
		return true;
	}
	return false;
}

static void spread_print(const struct nft_seen *s, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRId64, s->found ? s->num : 0);
}


static const char *const one_chain[] = { "", NULL }, *const two_chains[] = { "o", "i", NULL };

const struct nft_row knob_nft_loss_row = { loss_rules, one_chain, loss_read, loss_print, NULL };
const struct nft_row knob_nft_mss_row = { mss_rules, one_chain, mss_read, mss_print, NULL };
const struct nft_row knob_nft_icmp_row = { icmp_rules, one_chain, icmp_read, icmp_print, icmp_none };
const struct nft_row knob_nft_icmp6_row = { icmp6_rules, one_chain, icmp6_read, icmp_print, icmp_none };
const struct nft_row knob_nft_spread_row = { spread_rules, two_chains, spread_read, spread_print, NULL };

const struct knob_ops knob_loss_ops = {
	.key = "loss_percent", .scope = KNOB_SCOPE_LINK, .data = &knob_nft_loss_row,
	.parse = loss_parse, .probe = knob_nft_probe, .apply = knob_nft_apply,
	.read_back = knob_nft_read_back, .revert = knob_nft_revert,
};

const struct knob_ops knob_mss_clamp_ops = {
	.key = "mss_clamp", .scope = KNOB_SCOPE_LINK, .data = &knob_nft_mss_row,
	.parse = mss_parse, .probe = knob_nft_probe, .apply = knob_nft_apply,
	.read_back = knob_nft_read_back, .revert = knob_nft_revert,
};

const struct knob_ops knob_block_icmp_ops = {
	.key = "block_icmp_frag_needed", .scope = KNOB_SCOPE_LINK, .data = &knob_nft_icmp_row,
	.parse = icmp_parse, .probe = knob_nft_probe, .apply = knob_nft_apply,
	.read_back = knob_nft_read_back, .revert = knob_nft_revert,
};

const struct knob_ops knob_block_icmpv6_ops = {
	.key = "block_icmpv6_packet_too_big", .scope = KNOB_SCOPE_LINK, .data = &knob_nft_icmp6_row,
	.parse = icmp_parse, .probe = knob_nft_probe, .apply = knob_nft_apply,
	.read_back = knob_nft_read_back, .revert = knob_nft_revert,
};

const struct knob_ops knob_port_spread_ops = {
	.key = "port_spread", .scope = KNOB_SCOPE_LINK, .data = &knob_nft_spread_row,
	.parse = spread_parse, .probe = knob_nft_probe, .apply = knob_nft_apply,
	.read_back = knob_nft_read_back, .revert = knob_nft_revert,
};
