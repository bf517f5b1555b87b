/* knob_nft.c — nftables rows, through libnftables inside the node's
 * namespace, in one table per testbed ("wgbench_<prefix>"), one chain per
 * record. Rule text is built only from validated numbers and from interface
 * names the testbed made; nothing from a variant file is pasted in as text.
 *
 *   loss_percent P            postrouting: oifname IF numgen random mod 10000 < P*100 drop
 *   mss_clamp pmtu|N          postrouting: oifname IF tcp SYN: maxseg set rt mtu | N
 *   block_icmp_frag_needed    postrouting: oifname IF icmp frag-needed drop
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
#include "knob.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WG_PORT_BASE 51820   /* topo.h: tunnel k listens on 51820 + k */
#define SPREAD_BASE 52000    /* alternative ports: 52000 + 16 k + j */
#define SPREAD_MAX 16

/* Run nft commands in a namespace; the listing (if out) is copied. */
static int nft_run(const char *netns, const char *cmd, char *out, size_t len, char *err,
		   size_t errlen)
{
	struct nft_ctx *ctx;
	int saved, r = knob_netns_enter(netns, &saved);

	if (r)
		return r;
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		knob_netns_leave(saved);
		return -ENOMEM;
	}
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	r = nft_run_cmd_from_buffer(ctx, cmd) ? -EIO : 0;
	if (out && len)
		snprintf(out, len, "%s", nft_ctx_get_output_buffer(ctx));
	if (err && errlen) {
		const char *e = nft_ctx_get_error_buffer(ctx);
		const char *nl = strchr(e, '\n');

		snprintf(err, errlen, "%.*s", nl ? (int)(nl - e) : (int)strlen(e), e);
	}
	nft_ctx_free(ctx);
	knob_netns_leave(saved);
	wgb_debug("nft in %s: %s -> %d", netns[0] ? netns : "host", cmd, r);
	return r;
}

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
	if (knob_get_bool(val, &e->flag, errs, e->index, "block_icmp_frag_needed"))
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

static void chain_name(const struct knob_entry *e, const struct knob_target *tg, char *buf,
		       size_t len)
{
	size_t i, o = (size_t)snprintf(buf, len, "s%zu_%s_", e->index, e->ops->key);

	for (i = 0; tg->ifname[i] && o + 1 < len; i++, o++)
		buf[o] = tg->ifname[i] == '-' ? '_' : tg->ifname[i];
	buf[o < len ? o : len - 1] = 0;
}

static int spread_rules(const struct knob_entry *e, const struct knob_target *tg,
			const char *table, const char *chain, char *cmd, size_t len)
{
	unsigned int k, j, n = (unsigned int)e->num, tunnels = topo_tunnels(tg->t);
	size_t o = 0;

#define ADD(...) do { o += (size_t)snprintf(cmd + o, o < len ? len - o : 0, __VA_ARGS__); } while (0)
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

static int build(const struct knob_entry *e, const struct knob_target *tg, const char *table,
		 const char *chain, char *cmd, size_t len)
{
	const char *k = e->ops->key;
	char rule[256];
	int r;

	if (e->ops == &knob_port_spread_ops) {
		r = util_fmt(cmd, len, "add table inet %s\n", table);
		return r ? r : spread_rules(e, tg, table, chain, cmd + strlen(cmd), len - strlen(cmd));
	}
	if (e->ops == &knob_loss_ops)
		r = util_fmt(rule, sizeof(rule), "numgen random mod 10000 < %" PRId64 " counter drop",
			     e->num);
	else if (e->ops == &knob_mss_clamp_ops && e->num == 0)
		r = util_fmt(rule, sizeof(rule), "tcp flags syn / syn,rst tcp option maxseg size set rt mtu");
	else if (e->ops == &knob_mss_clamp_ops)
		r = util_fmt(rule, sizeof(rule), "tcp flags syn / syn,rst tcp option maxseg size set %" PRId64,
			     e->num);
	else if (e->ops == &knob_block_icmp_ops)
		r = util_fmt(rule, sizeof(rule), "icmp type destination-unreachable icmp code frag-needed counter drop");
	else
		return -EINVAL;
	if (r)
		return r;
	return util_fmt(cmd, len, "add table inet %s\n"
			"add chain inet %s %s { type filter hook postrouting priority %s; }\n"
			"add rule inet %s %s oifname \"%s\" %s\n",
			table, table, chain, !strcmp(k, "mss_clamp") ? "mangle" : "filter",
			table, chain, tg->ifname, rule);
}

/* libnftables is there and the kernel takes the chain: tried on a scratch
 * table in the node's namespace, removed at once. */
static int nft_probe(const struct knob_entry *e, const struct knob_target *tg, char *why,
		     size_t len)
{
	char table[64], chain[64], cmd[4096], err[192];
	int r;

	if (e->ops == &knob_block_icmp_ops && !e->flag)
		return 0;
	knob_nft_table_name(tg->prefix, table, sizeof(table));
	strncat(table, "probe", sizeof(table) - strlen(table) - 1);
	chain_name(e, tg, chain, sizeof(chain));
	r = build(e, tg, table, chain, cmd, sizeof(cmd));
	if (r)
		return r;
	r = nft_run(tg->netns_path, cmd, NULL, 0, err, sizeof(err));
	nft_run(tg->netns_path, strcat(strcpy(chain, "delete table inet "), table), NULL, 0, NULL, 0);
	if (r) {
		snprintf(why, len, "nftables in %s refused the %s rules: %s", topo_node_name(tg->node),
			 e->ops->key, err);
		return -ENOTSUP;
	}
	return 0;
}

/* What the chain holds now, in the terms of `requested`. */
static int nft_read_back(struct knob_rec *r)
{
	char cmd[256], list[8192], *p;
	int ret;

	snprintf(cmd, sizeof(cmd), "list table inet %s", r->path);
	ret = nft_run(r->netns_path, cmd, list, sizeof(list), NULL, 0);
	p = ret ? NULL : strstr(list, r->object);
	if (!p) {
		snprintf(r->after, sizeof(r->after), "absent");
		return 0;
	}
	if (r->ops == &knob_loss_ops) {
		char *q = strstr(p, "mod 10000 < ");

		snprintf(r->after, sizeof(r->after), "%g", q ? strtod(q + 12, NULL) / 100 : -1.0);
	} else if (r->ops == &knob_mss_clamp_ops) {
		char *q = strstr(p, "maxseg size set ");

		if (q && !strncmp(q + 16, "rt mtu", 6))
			snprintf(r->after, sizeof(r->after), "pmtu");
		else
			snprintf(r->after, sizeof(r->after), "%ld", q ? strtol(q + 16, NULL, 10) : -1L);
	} else if (r->ops == &knob_block_icmp_ops) {
		snprintf(r->after, sizeof(r->after), "%s", strstr(p, "frag-needed") ? "true" : "false");
	} else {
		/* port_spread: entries of the first numgen map */
		char *q = strstr(p, "numgen inc mod ");

		snprintf(r->after, sizeof(r->after), "%ld", q ? strtol(q + 15, NULL, 10) : 0L);
	}
	return 0;
}

static int nft_apply(const struct knob_entry *e, const struct knob_target *tg,
		     struct knob_recs *out)
{
	char cmd[8192], err[192];
	struct knob_rec *r;
	int ret = knob_rec_add(out, e, tg, &r);

	if (ret)
		return ret;
	knob_nft_table_name(tg->prefix, r->path, sizeof(r->path));
	chain_name(e, tg, r->object, sizeof(r->object));
	snprintf(r->before, sizeof(r->before), "%s", e->ops == &knob_block_icmp_ops ? "false" :
		 e->ops == &knob_mss_clamp_ops ? "none" : "0");
	if (e->ops == &knob_block_icmp_ops && !e->flag) {
		r->ok = true;          /* nothing to add: no rule is the default */
		return 0;
	}
	ret = build(e, tg, r->path, r->object, cmd, sizeof(cmd));
	if (ret)
		return ret;
	r->written = true;
	ret = nft_run(tg->netns_path, cmd, NULL, 0, err, sizeof(err));
	if (ret) {
		snprintf(r->note, sizeof(r->note), "nftables refused the rules: %s", err);
		return ret;
	}
	r->ok = true;
	return 0;
}

static int nft_revert(const struct knob_rec *r)
{
	char cmd[1024], list[4096];
	int ret;

	if (r->ops == &knob_port_spread_ops)
		snprintf(cmd, sizeof(cmd), "delete chain inet %s %so\ndelete chain inet %s %si\n",
			 r->path, r->object, r->path, r->object);
	else
		snprintf(cmd, sizeof(cmd), "delete chain inet %s %s\n", r->path, r->object);
	/* A chain with rules cannot be deleted: flush first. */
	{
		char flush[1024];

		if (r->ops == &knob_port_spread_ops)
			snprintf(flush, sizeof(flush), "flush chain inet %s %so\nflush chain inet %s %si\n",
				 r->path, r->object, r->path, r->object);
		else
			snprintf(flush, sizeof(flush), "flush chain inet %s %s\n", r->path, r->object);
		nft_run(r->netns_path, flush, NULL, 0, NULL, 0);
	}
	ret = nft_run(r->netns_path, cmd, NULL, 0, NULL, 0);
	if (ret) {
		wgb_err("cannot remove nftables chain %s/%s in %s", r->path, r->object, r->node);
		return ret;
	}
	/* The table goes with its last chain. */
	snprintf(cmd, sizeof(cmd), "list table inet %s", r->path);
	if (!nft_run(r->netns_path, cmd, list, sizeof(list), NULL, 0) && !strstr(list, "chain ")) {
		snprintf(cmd, sizeof(cmd), "delete table inet %s", r->path);
		nft_run(r->netns_path, cmd, NULL, 0, NULL, 0);
	}
	return 0;
}

const struct knob_ops knob_loss_ops = {
	.key = "loss_percent", .scope = KNOB_SCOPE_LINK,
	.parse = loss_parse, .probe = nft_probe, .apply = nft_apply,
	.read_back = nft_read_back, .revert = nft_revert,
};

const struct knob_ops knob_mss_clamp_ops = {
	.key = "mss_clamp", .scope = KNOB_SCOPE_LINK,
	.parse = mss_parse, .probe = nft_probe, .apply = nft_apply,
	.read_back = nft_read_back, .revert = nft_revert,
};

const struct knob_ops knob_block_icmp_ops = {
	.key = "block_icmp_frag_needed", .scope = KNOB_SCOPE_LINK,
	.parse = icmp_parse, .probe = nft_probe, .apply = nft_apply,
	.read_back = nft_read_back, .revert = nft_revert,
};

const struct knob_ops knob_port_spread_ops = {
	.key = "port_spread", .scope = KNOB_SCOPE_LINK,
	.parse = spread_parse, .probe = nft_probe, .apply = nft_apply,
	.read_back = nft_read_back, .revert = nft_revert,
};
