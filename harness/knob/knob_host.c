/* knob_host.c — the host file: host-wide values recorded before they change.
 *
 * /run/wgbench/<prefix>host.json:
 *   {"schema":"wgbench.host/1","values":[{"path":"/proc/sys/...","before":"1000"},
 *    {"record":{"key","node","link","ifname","object","netns_path","path",
 *               "before","requested","prefix","aux","aux2","snapshot"}}]}
 * Each value is added (and the file rewritten atomically) before it is
 * changed, and removed once it is put back; the file goes when empty.
 * A "record" is a whole knob record of a change to this machine's own
 * links (live mode), kept right after the change and reverted by its row.
 */
#include "knob.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define HOST_DIR "/run/wgbench"
/* The longest prefix a host-knob file may have (a name under IFNAMSIZ). */
#define HOST_PREFIX_MAX 15

static int host_path(const char *prefix, char *buf, size_t len)
{
	return util_fmt(buf, len, HOST_DIR "/%shost.json", prefix);
}

/* Only files under /proc/sys/net/ are ever written back from this file. */
static bool path_ok(const char *p)
{
	return !strncmp(p, "/proc/sys/net/", 14) && !strstr(p, "..");
}

static int load(const char *prefix, struct json_object **out)
{
	char path[256], *text = NULL;
	struct json_object *doc;
	int r;

	*out = NULL;
	r = host_path(prefix, path, sizeof(path));
	if (r)
		return r;
	r = util_read_file(path, &text, NULL);
	if (r == -ENOENT) {
		doc = json_object_new_object();
		json_object_object_add(doc, "schema", json_object_new_string("wgbench.host/1"));
		json_object_object_add(doc, "values", json_object_new_array());
		*out = doc;
		return 0;
	}
	if (r)
		return r;
	r = knob_host_parse(path, text, out);
	free(text);
	return r;
}

int knob_host_parse(const char *file, const char *text, struct json_object **out)
{
	struct json_object *doc = json_tokener_parse(text), *vals;

	*out = NULL;
	if (!doc || !json_object_object_get_ex(doc, "values", &vals) ||
	    !json_object_is_type(vals, json_type_array)) {
		json_object_put(doc);
		wgb_err("%s: not a wgbench host file", file);
		return -EINVAL;
	}
	*out = doc;
	return 0;
}

static int store(const char *prefix, struct json_object *doc)
{
	struct json_object *vals;
	const char *text;
	char path[256];
	int r;

	r = host_path(prefix, path, sizeof(path));
	if (r)
		return r;
	json_object_object_get_ex(doc, "values", &vals);
	if (json_object_array_length(vals) == 0) {
		if (unlink(path) && errno != ENOENT)
			return -errno;
		return 0;
	}
	r = util_mkdir_p(HOST_DIR, 0755);
	if (r)
		return r;
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
	return util_write_file_atomic(path, text, strlen(text));
}

static const char *entry_str(struct json_object *e, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(e, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int knob_host_entry(struct json_object *values, size_t i, const char **path, const char **before)
{
	struct json_object *e = json_object_array_get_idx(values, i);

	*path = entry_str(e, "path");
	*before = entry_str(e, "before");
	return *path && *before && path_ok(*path) ? 0 : -EINVAL;
}

int knob_host_record(const char *prefix, const char *path, const char *before,
		     char *orig, size_t len)
{
	struct json_object *doc, *vals, *e;
	size_t i;
	int r;

	r = load(prefix, &doc);
	if (r)
		return r;
	json_object_object_get_ex(doc, "values", &vals);
	for (i = 0; i < json_object_array_length(vals); i++) {
		const char *p, *b;

		e = json_object_array_get_idx(vals, i);
		p = entry_str(e, "path");
		b = entry_str(e, "before");
		if (p && b && !strcmp(p, path)) {
			snprintf(orig, len, "%s", b);
			json_object_put(doc);
			return 1;
		}
	}
	e = json_object_new_object();
	json_object_object_add(e, "path", json_object_new_string(path));
	json_object_object_add(e, "before", json_object_new_string(before));
	json_object_array_add(vals, e);
	r = store(prefix, doc);
	json_object_put(doc);
	if (r)
		wgb_err("cannot record %s in the host file: %s", path, strerror(-r));
	return r;
}

int knob_host_forget(const char *prefix, const char *path)
{
	struct json_object *doc, *vals;
	size_t i;
	int r;

	r = load(prefix, &doc);
	if (r)
		return r;
	json_object_object_get_ex(doc, "values", &vals);
	for (i = json_object_array_length(vals); i-- > 0;) {
		const char *p = entry_str(json_object_array_get_idx(vals, i), "path");

		if (p && !strcmp(p, path))
			json_object_array_del_idx(vals, i, 1);
	}
	r = store(prefix, doc);
	json_object_put(doc);
	return r;
}

/* ---- whole records ---- */

static void put_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static bool same_rec(struct json_object *e, const struct knob_rec *r)
{
	struct json_object *rec;

	if (!json_object_object_get_ex(e, "record", &rec))
		return false;
	return entry_str(rec, "key") && !strcmp(entry_str(rec, "key"), r->ops->key) &&
	       entry_str(rec, "object") && !strcmp(entry_str(rec, "object"), r->object) &&
	       entry_str(rec, "path") && !strcmp(entry_str(rec, "path"), r->path) &&
	       entry_str(rec, "ifname") && !strcmp(entry_str(rec, "ifname"), r->ifname) &&
	       entry_str(rec, "netns_path") && !strcmp(entry_str(rec, "netns_path"), r->netns_path);
}

int knob_host_keep(const struct knob_rec *r)
{
	struct json_object *doc, *vals, *e, *rec;
	int ret = load(r->prefix, &doc);

	if (ret)
		return ret;
	json_object_object_get_ex(doc, "values", &vals);
	rec = json_object_new_object();
	put_str(rec, "key", r->ops->key);
	put_str(rec, "node", r->node);
	put_str(rec, "link", r->link);
	put_str(rec, "ifname", r->ifname);
	put_str(rec, "object", r->object);
	put_str(rec, "netns_path", r->netns_path);
	put_str(rec, "path", r->path);
	put_str(rec, "before", r->before);
	put_str(rec, "requested", r->requested);
	put_str(rec, "prefix", r->prefix);
	json_object_object_add(rec, "aux", json_object_new_int64(r->aux));
	json_object_object_add(rec, "aux2", json_object_new_int64(r->aux2));
	json_object_object_add(rec, "snapshot", r->snapshot ? json_object_new_string(r->snapshot) : NULL);
	e = json_object_new_object();
	json_object_object_add(e, "record", rec);
	json_object_array_add(vals, e);
	ret = store(r->prefix, doc);
	json_object_put(doc);
	if (ret)
		wgb_err("cannot record %s %s in the host file: %s", r->ops->key, r->object, strerror(-ret));
	return ret;
}

int knob_host_drop(const struct knob_rec *r)
{
	struct json_object *doc, *vals;
	size_t i;
	int ret = load(r->prefix, &doc);

	if (ret)
		return ret;
	json_object_object_get_ex(doc, "values", &vals);
	for (i = json_object_array_length(vals); i-- > 0;)
		if (same_rec(json_object_array_get_idx(vals, i), r)) {
			json_object_array_del_idx(vals, i, 1);
			break;
		}
	ret = store(r->prefix, doc);
	json_object_put(doc);
	return ret;
}

static void get_str(struct json_object *rec, const char *k, char *buf, size_t len)
{
	const char *v = entry_str(rec, k);

	snprintf(buf, len, "%s", v ? v : "");
}

/* A kept record back through its row's revert. */
static int revert_rec(const char *prefix, struct json_object *rec, bool quiet)
{
	struct knob_rec r;
	struct json_object *v;
	const char *key = entry_str(rec, "key");
	int ret;

	memset(&r, 0, sizeof(r));
	r.ops = key ? knob_find(key) : NULL;
	if (!r.ops) {
		wgb_err("host file of %s: a record of unknown key '%s'; left as is", prefix, key ? key : "");
		return -EINVAL;
	}
	get_str(rec, "node", r.node, sizeof(r.node));
	get_str(rec, "link", r.link, sizeof(r.link));
	get_str(rec, "ifname", r.ifname, sizeof(r.ifname));
	get_str(rec, "object", r.object, sizeof(r.object));
	get_str(rec, "netns_path", r.netns_path, sizeof(r.netns_path));
	get_str(rec, "path", r.path, sizeof(r.path));
	get_str(rec, "before", r.before, sizeof(r.before));
	get_str(rec, "requested", r.requested, sizeof(r.requested));
	snprintf(r.prefix, sizeof(r.prefix), "%s", prefix);
	r.aux = json_object_object_get_ex(rec, "aux", &v) ? json_object_get_int64(v) : 0;
	r.aux2 = json_object_object_get_ex(rec, "aux2", &v) ? json_object_get_int64(v) : 0;
	if (entry_str(rec, "snapshot") && !(r.snapshot = strdup(entry_str(rec, "snapshot"))))
		return -ENOMEM;
	r.written = r.ok = true;
	ret = r.ops->revert(&r);
	if (!ret && !quiet)
		printf("restored %s %s on %s to %s\n", key, r.object, r.node, r.before);
	free(r.snapshot);
	return ret;
}

int knob_host_prefixes(char ***prefixes, size_t *n)
{
	return util_dir_stems(HOST_DIR, "host.json", HOST_PREFIX_MAX, prefixes, n);
}

int knob_host_restore(const char *prefix, bool quiet)
{
	struct json_object *doc, *vals;
	size_t i;
	int r, n = 0, bad = 0;

	r = load(prefix, &doc);
	if (r)
		return r;
	json_object_object_get_ex(doc, "values", &vals);
	for (i = json_object_array_length(vals); i-- > 0;) {
		struct json_object *e = json_object_array_get_idx(vals, i), *rec;
		const char *p, *b;

		if (json_object_object_get_ex(e, "record", &rec)) {
			if (revert_rec(prefix, rec, quiet)) {
				bad++;
				continue;
			}
			json_object_array_del_idx(vals, i, 1);
			n++;
			continue;
		}
		if (knob_host_entry(vals, i, &p, &b)) {
			wgb_err("host file of %s: entry %zu is not a /proc/sys/net value; left as is",
				prefix, i);
			bad++;
			continue;
		}
		r = util_write_str(p, b);
		if (r) {
			wgb_err("cannot restore %s to %s: %s", p, b, strerror(-r));
			bad++;
			continue;
		}
		if (!quiet)
			printf("restored %s = %s\n", p, b);
		json_object_array_del_idx(vals, i, 1);
		n++;
	}
	r = store(prefix, doc);
	json_object_put(doc);
	if (r)
		return r;
	return bad ? -EIO : n;
}
