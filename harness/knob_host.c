/* knob_host.c — the host file: host-wide values recorded before they change.
 *
 * /run/wgbench/<prefix>host.json:
 *   {"schema":"wgbench.host/1","values":[{"path":"/proc/sys/...","before":"1000"}]}
 * Each value is added (and the file rewritten atomically) before it is
 * changed, and removed once it is put back; the file goes when empty.
 */
#include "knob.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define HOST_DIR "/run/wgbench"

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
	struct json_object *doc, *vals;
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
	doc = json_tokener_parse(text);
	free(text);
	if (!doc || !json_object_object_get_ex(doc, "values", &vals) ||
	    !json_object_is_type(vals, json_type_array)) {
		json_object_put(doc);
		wgb_err("%s: not a wgbench host file", path);
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
		struct json_object *e = json_object_array_get_idx(vals, i);
		const char *p = entry_str(e, "path"), *b = entry_str(e, "before");

		if (!p || !b || !path_ok(p)) {
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
