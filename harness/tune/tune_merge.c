/* tune_merge.c — variants as JSON documents: normalised to one knob per
 * "set" entry (so "best + one knob" replaces exactly what the knob sets),
 * differenced, merged and written. What a knob is comes from the knob table
 * (knob.h: each row's key and the extra keys it takes), so a new knob row
 * needs nothing here. The variant parser validates every file tune writes
 * before a run uses it (run_execute() loads them like any --variant).
 */
#include "tune_impl.h"
#include "jsonx.h"
#include "knob.h"
#include "topo.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_extra_of(const struct knob_ops *row, const char *key)
{
	const char *const *x;

	for (x = row ? row->extra_keys : NULL; x && *x; x++)
		if (!strcmp(*x, key))
			return true;
	return false;
}

/* Another key of the entry is a row that takes key as its parameter. */
static bool is_parameter(struct json_object *entry, const char *key)
{
	json_object_object_foreach(entry, k, v) {
		(void)v;
		if (strcmp(k, key) && is_extra_of(knob_find(k), key))
			return true;
	}
	return false;
}

/* The knob key of a normalised entry (its one key that is a row). */
static const char *entry_knob(struct json_object *e)
{
	json_object_object_foreach(e, k, v) {
		(void)v;
		if (strcmp(k, "node") && strcmp(k, "link") && knob_find(k) && !is_parameter(e, k))
			return k;
	}
	return NULL;
}

/* One entry per knob of obj, each with node, link and the knob's own
 * parameters; appended to set. */
static int split_entry(struct json_object *obj, struct json_object *set)
{
	struct json_object *v;

	if (!json_object_is_type(obj, json_type_object))
		return -EINVAL;
	json_object_object_foreach(obj, key, val) {
		const struct knob_ops *row = knob_find(key);
		struct json_object *e;

		(void)val;
		if (!row || !strcmp(key, "node") || !strcmp(key, "link") || is_parameter(obj, key))
			continue;
		e = json_object_new_object();
		if (json_object_object_get_ex(obj, "node", &v))
			json_object_object_add(e, "node", json_object_get(v));
		if (json_object_object_get_ex(obj, "link", &v))
			json_object_object_add(e, "link", json_object_get(v));
		json_object_object_add(e, key, json_object_get(val));
		json_object_object_foreach(obj, k2, v2)
			if (is_extra_of(row, k2))
				json_object_object_add(e, k2, json_object_get(v2));
		json_object_array_add(set, e);
	}
	return 0;
}

int tune_variant_normalize(struct json_object *doc, struct json_object **out)
{
	struct json_object *n, *set, *v;
	size_t i;

	*out = NULL;
	if (!json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "set", &set) || !json_object_is_type(set, json_type_array))
		return -EINVAL;
	n = json_object_new_object();
	json_object_object_foreach(doc, key, val)
		if (strcmp(key, "set"))
			json_object_object_add(n, key, json_object_get(val));
	v = json_object_new_array();
	json_object_object_add(n, "set", v);
	for (i = 0; i < json_object_array_length(set); i++)
		if (split_entry(json_object_array_get_idx(set, i), v)) {
			json_object_put(n);
			return -EINVAL;
		}
	*out = n;
	return 0;
}

int tune_variant_load(const char *path, struct json_object **out)
{
	struct json_object *doc = json_object_from_file(path);
	int ret;

	*out = NULL;
	if (!doc) {
		wgb_err("%s: cannot be read as JSON (%s)", path, json_util_get_last_err());
		return -EINVAL;
	}
	ret = tune_variant_normalize(doc, out);
	json_object_put(doc);
	if (ret)
		wgb_err("%s: not a variant (an object with a \"set\" list of entries)", path);
	return ret;
}

struct json_object *tune_variant_baseline(void)
{
	struct json_object *v = json_object_new_object();

	json_object_object_add(v, "name", json_object_new_string("baseline"));
	json_object_object_add(v, "description", json_object_new_string(
		"The testbed as built, no knob changed (tune's start without --variant)."));
	json_object_object_add(v, "set", json_object_new_array());
	return v;
}

static const char *str_or_empty(struct json_object *e, const char *key)
{
	const char *s = jsonx_str_at(e, key);

	return s ? s : "";
}

void tune_entry_key(struct json_object *e, char *buf, size_t len)
{
	const char *knob = entry_knob(e);
	struct json_object *v;

	snprintf(buf, len, "%s|%s|%s|%s", str_or_empty(e, "node"), str_or_empty(e, "link"),
		 knob ? knob : "?", knob && !strcmp(knob, "sysctl") &&
		 json_object_object_get_ex(e, "sysctl", &v) ? json_object_get_string(v) : "");
}

static bool has_equal(struct json_object *set, struct json_object *e)
{
	size_t i;

	for (i = 0; set && i < json_object_array_length(set); i++)
		if (json_object_equal(json_object_array_get_idx(set, i), e))
			return true;
	return false;
}

int tune_variant_delta(struct json_object *cand, struct json_object *minus, struct json_object *best,
		       struct json_object **adds)
{
	struct json_object *cs = NULL, *ms = NULL, *bs = NULL;
	size_t i;

	*adds = json_object_new_array();
	json_object_object_get_ex(cand, "set", &cs);
	if (minus)
		json_object_object_get_ex(minus, "set", &ms);
	json_object_object_get_ex(best, "set", &bs);
	for (i = 0; cs && i < json_object_array_length(cs); i++) {
		struct json_object *e = json_object_array_get_idx(cs, i);

		if (!has_equal(ms, e) && !has_equal(bs, e))
			json_object_array_add(*adds, json_object_get(e));
	}
	return 0;
}

unsigned int tune_variant_tunnels(struct json_object *v)
{
	struct json_object *t;

	return json_object_object_get_ex(v, "tunnels", &t) ? (unsigned int)json_object_get_int(t) : 0;
}

/* The nodes an entry names, as bits (variant.md's node words); 0 for
 * "host" or anything else, which only an equal word covers. */
static unsigned int node_bits(struct json_object *e)
{
	const char *n = str_or_empty(e, "node");
	enum topo_node_id id;

	if (!strcmp(n, "all"))
		return 0xf;
	if (!strcmp(n, "gateways"))
		return 0x6;
	return topo_node_from_name(n, &id) ? 0 : 1u << id;
}

/* The key without the node: "link|knob|sysctl-name". */
static void knob_key(struct json_object *e, char *buf, size_t len)
{
	char k[256];
	const char *bar;

	tune_entry_key(e, k, sizeof(k));
	bar = strchr(k, '|');
	snprintf(buf, len, "%s", bar ? bar + 1 : k);
}

bool tune_entry_covers(struct json_object *wide, struct json_object *e)
{
	char kw[256], ke[256];

	knob_key(wide, kw, sizeof(kw));
	knob_key(e, ke, sizeof(ke));
	return node_bits(e) && !strcmp(kw, ke) && (node_bits(wide) & node_bits(e)) == node_bits(e);
}

/* e on the nodes of left only (a part of what it named): "gateways" when
 * that is what is left, else one entry per node. */
static void add_rest(struct json_object *set, struct json_object *e, unsigned int left)
{
	unsigned int i;

	for (i = 0; i < NODE__COUNT; i++) {
		struct json_object *c = NULL;   /* json_object_deep_copy() wants NULL */

		if (!(left & (1u << i)) || (left == 0x6 && i == NODE_GW2))
			continue;
		if (json_object_deep_copy(e, &c, NULL))
			continue;
		json_object_object_add(c, "node", json_object_new_string(left == 0x6 ? "gateways" :
									topo_node_name((enum topo_node_id)i)));
		json_object_array_add(set, c);
	}
}

/* What of the best's entry e the adds leave: none (they set it on all of
 * its nodes), all of it, or the rest of its nodes (a candidate that sets a
 * sysctl on the gateways overrides the start's "all" there only: two
 * entries for one node would not validate). */
static void keep_rest(struct json_object *set, struct json_object *e, struct json_object *adds)
{
	unsigned int bits = node_bits(e), covered = 0;
	char kb[256], ka[256], nb[256], na[256];
	size_t j;

	tune_entry_key(e, kb, sizeof(kb));
	knob_key(e, nb, sizeof(nb));
	for (j = 0; j < json_object_array_length(adds); j++) {
		struct json_object *a = json_object_array_get_idx(adds, j);

		tune_entry_key(a, ka, sizeof(ka));
		knob_key(a, na, sizeof(na));
		if (!strcmp(ka, kb))
			return;   /* the same node word: replaced */
		if (bits && !strcmp(na, nb))
			covered |= node_bits(a);
	}
	if (!(bits & covered))
		json_object_array_add(set, json_object_get(e));
	else if (bits & ~covered)
		add_rest(set, e, bits & ~covered);
}

int tune_variant_merge(struct json_object *best, struct json_object *adds, unsigned int tunnels,
		       const char *name, const char *description, struct json_object **out)
{
	struct json_object *m = json_object_new_object(), *set = json_object_new_array(), *bs = NULL;
	size_t i, j;

	json_object_object_add(m, "name", json_object_new_string(name));
	json_object_object_add(m, "description", json_object_new_string(description));
	if (tunnels || tune_variant_tunnels(best))
		json_object_object_add(m, "tunnels", json_object_new_int((int)(tunnels ? tunnels :
						tune_variant_tunnels(best))));
	json_object_object_get_ex(best, "set", &bs);
	for (i = 0; bs && i < json_object_array_length(bs); i++)
		keep_rest(set, json_object_array_get_idx(bs, i), adds);
	for (j = 0; j < json_object_array_length(adds); j++)
		json_object_array_add(set, json_object_get(json_object_array_get_idx(adds, j)));
	json_object_object_add(m, "set", set);
	*out = m;
	return 0;
}

int tune_variant_write(struct json_object *v, const char *path)
{
	const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	int ret = util_write_file_atomic(path, text, strlen(text));

	if (ret)
		wgb_err("%s: %s", path, strerror(-ret));
	return ret;
}

void tune_safe_name(char *buf, size_t len, const char *text)
{
	size_t i, o = 0;

	for (i = 0; text[i] && o + 1 < len && o < TUNE_NAME_MAX; i++) {
		unsigned char ch = (unsigned char)tolower((unsigned char)text[i]);

		buf[o++] = isalnum(ch) || ch == '.' || ch == '_' || ch == '-' ? (char)ch : '-';
	}
	buf[o] = 0;
	if (len > 2 && (!o || !isalnum((unsigned char)buf[0]))) {
		/* the parser wants a letter or digit first */
		if (o + 2 > len || o >= TUNE_NAME_MAX)
			o--;
		memmove(buf + 1, buf, o + 1);
		buf[0] = 'v';
		buf[o + 1] = 0;
	}
}
