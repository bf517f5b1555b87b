/* variant_parse.c — variant files parsed and validated as data: every
 * problem of every file reported at once (file, field, what was expected);
 * the built-in baseline; the accessors and the description document. */
#include "variant.h"
#include "variant_impl.h"
#include "topo_node.h"
#include "knob.h"
#include "topo.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char builtin_baseline[] =
	"{\n  \"name\": \"baseline\",\n"
	"  \"description\": \"The testbed as built: no knob changed (built in, used when no --variant is given)\",\n"
	"  \"set\": []\n}\n";

/* --- parsing ------------------------------------------------------------ */

static const char *const node_words = "source, gw1, gw2, drain, gateways, all or host";

static int parse_node(struct knob_entry *e, struct json_object *v, struct knob_errs *errs)
{
	enum topo_node_id n;
	const char *s;

	if (!json_object_is_type(v, json_type_string)) {
		knob_errf(errs, e->index, "node", "expected a string (%s), got %s", node_words,
			  knob_json_type(v));
		return -EINVAL;
	}
	s = json_object_get_string(v);
	if (!strcmp(s, "host")) {
		e->host = true;
	} else if (!strcmp(s, "gateways")) {
		e->nodes = KNOB_NODE_BIT(NODE_GW1) | KNOB_NODE_BIT(NODE_GW2);
		e->group = true;
	} else if (!strcmp(s, "all")) {
		e->nodes = KNOB_NODES_ALL;
		e->group = true;
	} else if (!topo_node_from_name(s, &n)) {
		e->nodes = KNOB_NODE_BIT(n);
	} else {
		knob_errf(errs, e->index, "node", "\"%.30s\" is not a node (%s)", s, node_words);
		return -EINVAL;
	}
	return 0;
}

static bool node_has_link(enum topo_node_id n, enum topo_link_role l)
{
	return l == LINK_LAN || n == NODE_GW1 || n == NODE_GW2;
}

static int parse_link(struct knob_entry *e, struct json_object *obj, struct knob_errs *errs)
{
	static const enum topo_link_role roles[] = { LINK_LAN, LINK_UNDERLAY, LINK_TUNNEL };
	const char *key = e->ops->key, *s;
	struct json_object *v;
	unsigned int n, keep = 0;
	size_t i;

	if (e->ops->scope != KNOB_SCOPE_LINK) {
		if (json_object_object_get_ex(obj, "link", NULL)) {
			knob_errf(errs, e->index, "link", "%s takes no link", key);
			return -EINVAL;
		}
		return 0;
	}
	if (e->host) {
		knob_errf(errs, e->index, "node", "host has no links: %s needs a node (source, gw1, gw2, "
			  "drain, gateways or all)", key);
		return -EINVAL;
	}
	if (!json_object_object_get_ex(obj, "link", &v)) {
		knob_errf(errs, e->index, "link", "missing: %s needs a link (lan, underlay or tunnel)", key);
		return -EINVAL;
	}
	s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	for (i = 0; i < ARRAY_SIZE(roles); i++)
		if (!strcmp(s, topo_link_name(roles[i])))
			break;
	if (i == ARRAY_SIZE(roles)) {
		if (json_object_is_type(v, json_type_string))
			knob_errf(errs, e->index, "link", "\"%.30s\" is not a link (lan, underlay or tunnel)", s);
		else
			knob_errf(errs, e->index, "link", "expected a string (lan, underlay or tunnel), got %s",
				  knob_json_type(v));
		return -EINVAL;
	}
	e->link = roles[i];
	e->has_link = true;
	for (n = 0; n < NODE__COUNT; n++)
		if ((e->nodes & KNOB_NODE_BIT(n)) && node_has_link(n, e->link))
			keep |= KNOB_NODE_BIT(n);
	if (!e->group && keep != e->nodes) {
		for (n = 0; !(e->nodes & KNOB_NODE_BIT(n)); n++)
			;
		knob_errf(errs, e->index, "link", "%s has no %s link (the underlay and the tunnels join "
			  "gw1 and gw2)", topo_node_name(n), s);
		return -EINVAL;
	}
	e->nodes = keep;
	return 0;
}

static bool is_extra(const struct knob_ops *ops, const char *key)
{
	const char *const *x;

	for (x = ops ? ops->extra_keys : NULL; x && *x; x++)
		if (!strcmp(*x, key))
			return true;
	return false;
}

static void knob_list(char *buf, size_t len)
{
	const struct knob_ops *const *t;
	size_t i, n, o = 0;

	t = knob_table(&n);
	buf[0] = 0;
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", t[i]->key);
}

/* A row present in the entry takes key as its parameter ("value" of sysctl,
 * "delay_ms" of qdisc): then key is not a knob of its own. */
static const struct knob_ops *extra_of_present(struct json_object *obj, const char *key)
{
	const struct knob_ops *const *t;
	size_t i, n;

	t = knob_table(&n);
	for (i = 0; i < n; i++)
		if (is_extra(t[i], key) && json_object_object_get_ex(obj, t[i]->key, NULL))
			return t[i];
	return NULL;
}

/* The row whose parameter key is, when that row is absent. */
static const struct knob_ops *extra_of_any(const char *key)
{
	const struct knob_ops *const *t;
	size_t i, n;

	t = knob_table(&n);
	for (i = 0; i < n; i++)
		if (is_extra(t[i], key))
			return t[i];
	return NULL;
}

/* Which knobs the entry sets: every key of the table in it (each becomes
 * its own instance on the entry's target). 0 or -EINVAL. */
static int entry_knobs(struct json_object *obj, size_t index, const struct knob_ops **found,
		       size_t max, size_t *n, struct knob_errs *errs)
{
	char all[512];
	int bad = 0;

	*n = 0;
	knob_list(all, sizeof(all));
	json_object_object_foreach(obj, key, val) {
		const struct knob_ops *ops = knob_find(key), *x;

		(void)val;
		if (!strcmp(key, "node") || !strcmp(key, "link") || extra_of_present(obj, key))
			continue;
		if (ops && *n < max) {
			found[(*n)++] = ops;
		} else if ((x = extra_of_any(key))) {
			knob_errf(errs, index, key, "only used with %s", x->key);
			bad++;
		} else {
			knob_errf(errs, index, key, "unknown key (node, link, and one or more of: %s)", all);
			bad++;
		}
	}
	if (*n == 0 && !bad)
		knob_errf(errs, index, NULL, "no knob: an entry sets one or more of %s", all);
	return bad || *n == 0 ? -EINVAL : 0;
}

/* One knob of an entry on the entry's target (node already parsed into e). */
static int parse_knob(struct knob_entry *e, struct json_object *obj, struct knob_errs *errs)
{
	struct json_object *v;

	if (e->host && e->ops->scope == KNOB_SCOPE_NODE) {
		knob_errf(errs, e->index, "node", "host is only for sysctl; %s needs a node", e->ops->key);
		return -EINVAL;
	}
	if (parse_link(e, obj, errs))
		return -EINVAL;
	json_object_object_get_ex(obj, e->ops->key, &v);
	return e->ops->parse(e, obj, v, errs);
}

static int push_entry(struct variant *v, const struct knob_entry *e)
{
	int r = util_grow(&v->e, &v->cap, v->n + 1, sizeof(*v->e));

	if (r)
		return r;
	v->e[v->n++] = *e;
	return 0;
}

static int parse_entry(struct variant *var, struct json_object *obj, size_t index,
		       struct knob_errs *errs)
{
	const struct knob_ops *ops[KNOB_TABLE_MAX];
	struct knob_entry target, e;
	struct json_object *v;
	size_t i, n;
	int r, ret;

	memset(&target, 0, sizeof(target));
	target.index = index;
	if (!json_object_is_type(obj, json_type_object)) {
		knob_errf(errs, index, NULL, "expected an object, got %s", knob_json_type(obj));
		return -EINVAL;
	}
	ret = entry_knobs(obj, index, ops, KNOB_TABLE_MAX, &n, errs);
	if (!json_object_object_get_ex(obj, "node", &v)) {
		knob_errf(errs, index, "node", "missing (%s)", node_words);
		return -EINVAL;
	}
	if (parse_node(&target, v, errs) || ret)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		e = target;
		e.ops = ops[i];
		r = parse_knob(&e, obj, errs);
		if (!r)
			r = push_entry(var, &e);
		if (r)
			ret = r;
	}
	return ret;
}

/* Does the row change one thing per target (so two entries on one target
 * clash), or several (sysctl names, offload features)? */
static bool same_thing(const struct knob_entry *a, const struct knob_entry *b)
{
	const char *ta = a->ops->thing ? a->ops->thing : a->ops->key;
	const char *tb = b->ops->thing ? b->ops->thing : b->ops->key;

	if (strcmp(ta, tb))
		return false;
	return a->ops->same ? a->ops->same(a, b) : true;
}

/* Two entries changing the same thing would revert to the wrong value. */
static void check_overlap(const struct variant *v, struct knob_errs *errs)
{
	size_t i, j;

	for (i = 0; i < v->n; i++)
		for (j = 0; j < i; j++) {
			const struct knob_entry *a = &v->e[i], *b = &v->e[j];

			if (a->host != b->host || (!a->host && !(a->nodes & b->nodes)) ||
			    a->link != b->link || !same_thing(a, b))
				continue;
			knob_errf(errs, a->index, a->ops->key, "set[%zu] already sets this on the same node%s",
				  b->index, a->has_link ? " and link" : "");
			break;
		}
}

static bool name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
			return false;
	return true;
}

static void parse_top(struct variant *v, struct json_object *doc, struct knob_errs *errs)
{
	struct json_object *val;
	size_t i, before;

	if (!json_object_is_type(doc, json_type_object)) {
		knob_errf(errs, SIZE_MAX, NULL, "expected a JSON object at the top, got %s",
			  knob_json_type(doc));
		return;
	}
	json_object_object_foreach(doc, key, jv) {
		(void)jv;
		if (strcmp(key, "name") && strcmp(key, "description") && strcmp(key, "tunnels") &&
		    strcmp(key, "set"))
			knob_errf(errs, SIZE_MAX, key, "unknown key (name, description, tunnels, set)");
	}
	if (!json_object_object_get_ex(doc, "name", &val))
		knob_errf(errs, SIZE_MAX, "name", "missing");
	else if (!json_object_is_type(val, json_type_string) || !name_ok(json_object_get_string(val)))
		knob_errf(errs, SIZE_MAX, "name", "expected 1 to 64 lower-case letters, digits, . _ - "
			  "(starting with a letter or digit)");
	else
		snprintf(v->name, sizeof(v->name), "%s", json_object_get_string(val));
	if (json_object_object_get_ex(doc, "description", &val)) {
		if (!json_object_is_type(val, json_type_string))
			knob_errf(errs, SIZE_MAX, "description", "expected a string, got %s",
				  knob_json_type(val));
		else
			v->description = strdup(json_object_get_string(val));
	}
	if (json_object_object_get_ex(doc, "tunnels", &val)) {
		int64_t t;

		if (!knob_get_int(val, 1, TOPO_TUNNELS_MAX, &t, errs, SIZE_MAX, "tunnels"))
			v->tunnels = (unsigned int)t;
	}
	if (!json_object_object_get_ex(doc, "set", &val)) {
		knob_errf(errs, SIZE_MAX, "set", "missing (a list of knob entries, [] for none)");
		return;
	}
	if (!json_object_is_type(val, json_type_array)) {
		knob_errf(errs, SIZE_MAX, "set", "expected a list, got %s", knob_json_type(val));
		return;
	}
	v->n_set = json_object_array_length(val);
	before = errs->n;
	for (i = 0; i < v->n_set; i++)
		if (parse_entry(v, json_object_array_get_idx(val, i), i, errs) == -ENOMEM)
			knob_errf(errs, i, NULL, "out of memory");
	/* overlaps are only meaningful between entries that are valid */
	if (errs->n == before)
		check_overlap(v, errs);
}

/* Line and column of a byte offset, both from 1. */
static void line_col(const char *text, size_t off, unsigned int *line, unsigned int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static struct json_object *parse_json(const char *file, const char *text, size_t len,
				      struct knob_errs *errs)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *doc;
	enum json_tokener_error jerr;
	unsigned int line, col;
	size_t end;
	const char *why;

	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	doc = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		why = "the document ends too early";
		end = len;
	} else if (jerr != json_tokener_success) {
		why = json_tokener_error_desc(jerr);
		/* json-c may stop on the blank before the failing character */
		while (end < len && strchr(" \t\r\n", text[end]))
			end++;
	} else {
		why = NULL;
		while (end < len && strchr(" \t\r\n", text[end]))
			end++;
		if (end < len)
			why = "unexpected text after the end of the document";
	}
	json_tokener_free(tok);
	if (why) {
		json_object_put(doc);
		line_col(text, end, &line, &col);
		knob_err_raw(errs, "%s:%u:%u: not valid JSON: %s", file, line, col, why);
		return NULL;
	}
	return doc;
}

static void variant_clear(struct variant *v)
{
	free(v->description);
	free(v->file);
	free(v->text);
	free(v->e);
	memset(v, 0, sizeof(*v));
}

static int load_text(struct variant *v, const char *file, const char *text, size_t len,
		     struct knob_errs *errs)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	struct json_object *doc;
	size_t before = errs->n;

	errs->file = file;
	doc = parse_json(file ? file : "(built-in)", text, len, errs);
	if (doc) {
		parse_top(v, doc, errs);
		json_object_put(doc);
	}
	v->text = strndup(text, len);
	v->file = file ? strdup(file) : NULL;
	crypto_hash_sha256(h, (const unsigned char *)text, len);
	sodium_bin2hex(v->sha256, sizeof(v->sha256), h, sizeof(h));
	return errs->n > before ? -EINVAL : 0;
}

void variant_set_free(struct variant_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		variant_clear(&s->v[i]);
	free(s->v);
	free(s);
}

static int set_new(size_t n, struct variant_set **out)
{
	struct variant_set *s;

	*out = NULL;
	if (sodium_init() < 0)
		return -EIO;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->v = calloc(n ? n : 1, sizeof(*s->v)))) {
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

/* Every message printed, then the set handed over or freed. */
static int set_finish(struct variant_set *s, struct knob_errs *errs, int ret,
		      struct variant_set **out)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		wgb_err("%s", errs->msg[i]);
	if (errs->n || ret) {
		knob_errs_free(errs);
		variant_set_free(s);
		return -EINVAL;
	}
	knob_errs_free(errs);
	*out = s;
	return 0;
}

int variant_parse_text(const char *file, const char *text, size_t len, struct variant_set **out)
{
	struct knob_errs errs = { 0 };
	struct variant_set *s;
	int r = set_new(1, &s);

	*out = NULL;
	if (r)
		return r;
	s->n = 1;
	load_text(&s->v[0], file, text, len, &errs);
	return set_finish(s, &errs, 0, out);
}

int variant_load_all(const char *const paths[], size_t n, struct variant_set **out)
{
	struct knob_errs errs = { 0 };
	struct variant_set *s;
	size_t i, j;
	int ret = set_new(n, &s);

	*out = NULL;
	if (ret)
		return ret;
	if (n == 0) {
		s->n = 1;
		ret = load_text(&s->v[0], NULL, builtin_baseline, strlen(builtin_baseline), &errs);
	}
	for (i = 0; i < n; i++) {
		char *text = NULL;
		size_t len = 0;
		int r = util_read_file(paths[i], &text, &len);

		s->n = i + 1;
		if (r) {
			errs.file = paths[i];
			knob_errf(&errs, SIZE_MAX, NULL, "cannot read: %s", strerror(-r));
			continue;
		}
		load_text(&s->v[i], paths[i], text, len, &errs);
		free(text);
		for (j = 0; j < i; j++)
			if (s->v[i].name[0] && !strcmp(s->v[i].name, s->v[j].name)) {
				errs.file = paths[i];
				knob_errf(&errs, SIZE_MAX, "name", "\"%s\" is also the name of %s",
					  s->v[i].name, paths[j]);
			}
	}
	return set_finish(s, &errs, ret, out);
}

size_t variant_count(const struct variant_set *s)
{
	return s ? s->n : 0;
}

const struct variant *variant_get(const struct variant_set *s, size_t i)
{
	return s && i < s->n ? &s->v[i] : NULL;
}

const char *variant_name(const struct variant *v)
{
	return v->name;
}

unsigned int variant_tunnels(const struct variant *v)
{
	return v->tunnels;
}

int variant_describe(const struct variant *v, struct json_object **out)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "name", json_object_new_string(v->name));
	json_object_object_add(o, "file", v->file ? json_object_new_string(v->file) : NULL);
	json_object_object_add(o, "text", json_object_new_string(v->text ? v->text : ""));
	json_object_object_add(o, "sha256", json_object_new_string(v->sha256));
	json_object_object_add(o, "description",
			       v->description ? json_object_new_string(v->description) : NULL);
	*out = o;
	return 0;
}
