/* knob_nft.c — the nftables mechanism: libnftables inside the node's
 * namespace, one table per testbed ("wgbench_<prefix>"), one chain (or two)
 * per record; each row (knob_nft_rows.c) writes its rules and reads them.
 *
 * Before applying, the namespace's ruleset is listed (libnftables with JSON
 * output, as `nft -j list ruleset`): the row reads its state on the
 * interface from every rule that applies there ("before"), and the record's
 * own chains, should they exist already, are kept as JSON to be put back.
 * After applying, the same listing gives "after", and the rules it was read
 * from go into the record as evidence. Revert deletes the record's chains,
 * puts the snapshot back, and checks that the state reads as before.
 *
 * Rule text is built only from validated numbers and from interface names
 * the testbed made; nothing from a variant file is pasted in as text.
 */
#include "knob_nft_impl.h"
#include "jsonx.h"
#include "nftx.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct nft_row *row_of(const struct knob_ops *ops)
{
	return ops->data;
}

/* One nft command batch in a namespace, on a context of its own: a knob
 * runs a handful, so none is kept (nftx.h). */
static int nft_run(const char *netns, const char *cmd, bool json, char **out, char *err,
		   size_t errlen)
{
	struct nftx *x;
	int r = nftx_open(netns, &x);

	if (r)
		return r;
	r = nftx_run(x, cmd, json, out, err, errlen);
	nftx_close(x);
	wgb_debug("nft in %s: %s -> %d", netns[0] ? netns : "host", cmd, r);
	return r;
}

/* The namespace's whole ruleset as libnftables lists it (a reference the
 * caller puts). */
static int nft_ruleset(const char *netns, struct json_object **out)
{
	struct nftx *x;
	int r = nftx_open(netns, &x);

	*out = NULL;
	if (r)
		return r;
	r = nftx_ruleset(x, out);
	nftx_close(x);
	return r;
}

static void chain_name(const struct knob_entry *e, const struct knob_target *tg, char *buf,
		       size_t len)
{
	size_t i, o = (size_t)snprintf(buf, len, "s%zu_%s_", e->index, e->ops->key);

	for (i = 0; tg->ifname[i] && o + 1 < len; i++, o++)
		buf[o] = tg->ifname[i] == '-' ? '_' : tg->ifname[i];
	buf[o < len ? o : len - 1] = 0;
}

/* --- state, probe, apply, read back, revert ------------------------------ */

/* The row's state on r's interface, from every rule of the namespace that
 * applies to it; *rules (if rules) receives those rules as listed. */
static int nft_state(const struct knob_rec *r, char *buf, size_t len, struct json_object **rules)
{
	const struct nft_row *row = row_of(r->ops);
	struct nft_seen s = { .pass = 1 };
	struct json_object *all, *mine = rules ? json_object_new_array() : NULL;
	size_t i, n;
	int ret = nft_ruleset(r->netns_path, &all);

	if (ret) {
		json_object_put(mine);
		return ret;
	}
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *rule = jsonx_get(json_object_array_get_idx(all, i), "rule");
		struct json_object *expr = jsonx_get(rule, "expr");

		if (json_object_is_type(expr, json_type_array) && knob_nft_applies(expr, r->ifname) &&
		    row->read(expr, &s) && mine)
			json_object_array_add(mine, json_object_get(rule));
	}
	row->print(&s, buf, len);
	json_object_put(all);
	if (rules)
		*rules = mine;
	return 0;
}

static bool own_chain(const struct knob_rec *r, struct json_object *o)
{
	const char *const *sfx;
	char name[160];

	if (!knob_nft_str_is(jsonx_get(o, "table"), r->path) || !knob_nft_str_is(jsonx_get(o, "family"), "inet"))
		return false;
	for (sfx = row_of(r->ops)->chains; *sfx; sfx++) {
		snprintf(name, sizeof(name), "%s%s", r->object, *sfx);
		if (knob_nft_str_is(jsonx_get(o, "name"), name) || knob_nft_str_is(jsonx_get(o, "chain"), name))
			return true;
	}
	return false;
}

/* This record's chains as they are before apply, as libnftables JSON input
 * that re-creates them; NULL when there are none (the usual case). */
static int own_snapshot(struct knob_rec *r)
{
	struct json_object *all, *keep;
	size_t i, n;
	int ret = nft_ruleset(r->netns_path, &all);

	if (ret)
		return ret;
	keep = json_object_new_array();
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(all, i);
		struct json_object *obj = jsonx_get(item, "chain");

		obj = obj ? obj : jsonx_get(item, "rule");
		if (obj && own_chain(r, obj))
			json_object_array_add(keep, json_object_get(item));
	}
	if (json_object_array_length(keep)) {
		struct json_object *doc = json_object_new_object();

		json_object_object_add(doc, "nftables", json_object_get(keep));
		r->snapshot = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
		json_object_put(doc);
		ret = r->snapshot ? 0 : -ENOMEM;
	}
	json_object_put(keep);
	json_object_put(all);
	return ret;
}

/* libnftables is there and the kernel takes the chain: tried on a scratch
 * table in the node's namespace, removed at once. */
int knob_nft_probe(const struct knob_entry *e, const struct knob_target *tg, char *why,
		     size_t len)
{
	const struct nft_row *row = row_of(e->ops);
	char table[64], chain[64], cmd[4096], err[192];
	int r;

	if (row->none && row->none(e))
		return 0;
	knob_nft_table_name(tg->prefix, table, sizeof(table));
	strncat(table, "probe", sizeof(table) - strlen(table) - 1);
	chain_name(e, tg, chain, sizeof(chain));
	r = row->rules(e, tg, table, chain, cmd, sizeof(cmd));
	if (r)
		return r;
	r = nft_run(tg->netns_path, cmd, false, NULL, err, sizeof(err));
	nft_run(tg->netns_path, strcat(strcpy(chain, "delete table inet "), table), false, NULL, NULL, 0);
	if (r) {
		snprintf(why, len, "nftables in %s refused the %s rules: %s", topo_node_name(tg->node),
			 e->ops->key, err);
		return -ENOTSUP;
	}
	return 0;
}

/* What the kernel holds now, in the terms of `requested`, with the rules
 * it was read from as evidence. */
int knob_nft_read_back(struct knob_rec *r)
{
	struct json_object *rules = NULL;
	int ret = nft_state(r, r->after, sizeof(r->after), &rules);

	if (ret)
		return ret;
	if (!r->evidence)
		r->evidence = json_object_new_object();
	json_object_object_add(r->evidence, "after", rules);
	return 0;
}

int knob_nft_apply(const struct knob_entry *e, const struct knob_target *tg,
		     struct knob_recs *out)
{
	const struct nft_row *row = row_of(e->ops);
	struct json_object *rules = NULL;
	char cmd[8192], err[192];
	struct knob_rec *r;
	int ret = knob_rec_add(out, e, tg, &r);

	if (ret)
		return ret;
	knob_nft_table_name(tg->prefix, r->path, sizeof(r->path));
	chain_name(e, tg, r->object, sizeof(r->object));
	ret = nft_state(r, r->before, sizeof(r->before), &rules);
	if (!ret)
		ret = own_snapshot(r);
	if (ret) {
		json_object_put(rules);
		snprintf(r->note, sizeof(r->note), "cannot list the nftables ruleset: %s", strerror(-ret));
		return ret;
	}
	r->evidence = json_object_new_object();
	json_object_object_add(r->evidence, "before", rules);
	if (row->none && row->none(e)) {
		r->ok = true;          /* nothing to add: no rule is what was asked */
		return 0;
	}
	ret = row->rules(e, tg, r->path, r->object, cmd, sizeof(cmd));
	if (ret)
		return ret;
	r->written = true;
	ret = nft_run(tg->netns_path, cmd, false, NULL, err, sizeof(err));
	if (ret) {
		snprintf(r->note, sizeof(r->note), "nftables refused the rules: %s", err);
		return ret;
	}
	r->ok = true;
	return 0;
}

/* Removes the record's chains that exist now (a chain with rules must be
 * flushed first); *others: the other chains of the testbed's table, -1
 * when there is no such table. */
static int drop_own_chains(const struct knob_rec *r, long *others)
{
	struct json_object *all;
	char cmd[1024] = "";
	size_t i, n, o = 0;
	int ret = nft_ruleset(r->netns_path, &all);

	*others = -1;
	if (ret)
		return ret;
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(all, i);
		struct json_object *c = jsonx_get(item, "chain");
		const char *name = json_object_get_string(jsonx_get(c, "name"));

		if (knob_nft_str_is(jsonx_get(item, "table.name"), r->path))
			*others = *others < 0 ? 0 : *others;
		if (!c || !knob_nft_str_is(jsonx_get(c, "table"), r->path))
			continue;
		if (!own_chain(r, c))
			++*others;
		else if (o < sizeof(cmd))
			o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "flush chain inet %s %s\n"
					      "delete chain inet %s %s\n", r->path, name, r->path, name);
	}
	json_object_put(all);
	if (o >= sizeof(cmd))
		return -ENAMETOOLONG;
	return o ? nft_run(r->netns_path, cmd, false, NULL, NULL, 0) : 0;
}

/* Deletes the record's chains, puts back what was there before (the table
 * goes with its last chain), and checks that the state reads as before. */
int knob_nft_revert(const struct knob_rec *r)
{
	char cmd[256], now[KNOB_STR_MAX];
	long others;
	int ret = drop_own_chains(r, &others);

	if (ret) {
		wgb_err("cannot remove nftables chain %s/%s in %s", r->path, r->object, r->node);
		return ret;
	}
	if (r->snapshot && (ret = nft_run(r->netns_path, r->snapshot, true, NULL, now, sizeof(now)))) {
		wgb_err("cannot restore nftables chain %s/%s in %s: %s", r->path, r->object, r->node, now);
		return ret;
	}
	if (!r->snapshot && others == 0 && !util_fmt(cmd, sizeof(cmd), "delete table inet %s", r->path))
		nft_run(r->netns_path, cmd, false, NULL, NULL, 0);
	/* Reverted means the kernel reads as before again. */
	ret = nft_state(r, now, sizeof(now), NULL);
	if (!ret && strcmp(now, r->before)) {
		wgb_err("nftables in %s: %s on %s reads %s after the revert, not the %s read before",
			r->node, r->ops->key, r->ifname, now, r->before);
		return -EIO;
	}
	return ret;
}

