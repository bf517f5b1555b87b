/* state.c — see state.h. */
#include "state.h"
#include "topo_plan.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int state_path(const char *prefix, const char *what, char *buf, size_t len)
{
	return util_fmt(buf, len, STATE_DIR "/%s%s", prefix, what);
}

static int add(struct json_object *o, const char *k, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_object_add(o, k, v) ? -ENOMEM : 0;
}

static int ends_to_json(const struct topo_state *s, struct json_object *arr)
{
	unsigned int k, g;
	char ifname[32];

	for (k = 0; k < s->tunnels && k < TOPO_TUNNELS_MAX; k++)
		for (g = 0; g < 2; g++) {
			struct json_object *e;
			enum topo_node_id gw = g ? NODE_GW2 : NODE_GW1;

			if (!s->end[k][g].made)
				continue;
			if (topo_plan_ifname(s->prefix, gw, LINK_TUNNEL, k, ifname, sizeof(ifname)))
				return -EINVAL;
			e = json_object_new_object();
			if (!e || json_object_array_add(arr, e)) {
				json_object_put(e);
				return -ENOMEM;
			}
			if (add(e, "index", json_object_new_int((int)k)) ||
			    add(e, "gw", json_object_new_string(topo_node_name(gw))) ||
			    add(e, "ifname", json_object_new_string(ifname)) ||
			    add(e, "pid", json_object_new_int((int)s->end[k][g].pid)))
				return -ENOMEM;
		}
	return 0;
}

int state_to_json(const struct topo_state *s, char **out)
{
	struct json_object *o, *ns = NULL, *ends = NULL;
	char name[64];
	unsigned int n;
	int ret = -ENOMEM;

	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	if (add(o, "schema", json_object_new_string(STATE_SCHEMA)) ||
	    add(o, "prefix", json_object_new_string(s->prefix)) ||
	    add(o, "backend", json_object_new_string("netns")) ||
	    add(o, "topology", json_object_new_string(topo_shape_name(s->shape))) ||
	    add(o, "ip", json_object_new_string(topo_family_name(s->ip))) ||
	    add(o, "inner", json_object_new_string(topo_family_name(s->inner))) ||
	    add(o, "wg", json_object_new_string(tun_kind_name(s->wg))) ||
	    add(o, "wg_version", json_object_new_string(s->wg_version)) ||
	    add(o, "tunnels", json_object_new_int((int)s->tunnels)) ||
	    add(o, "persistent", json_object_new_boolean(s->persistent)) ||
	    add(o, "complete", json_object_new_boolean(s->complete)) ||
	    add(o, "owner_pid", json_object_new_int((int)s->owner)) ||
	    add(o, "created", json_object_new_double(s->created)) ||
	    add(o, "last_step", json_object_new_string(s->last_step)))
		goto out;
	ns = json_object_new_array();
	if (add(o, "netns", ns))
		goto out;
	for (n = 0; n < NODE__COUNT; n++) {
		if (!s->netns_made[n])
			continue;
		if (topo_plan_netns(s->prefix, (enum topo_node_id)n, name, sizeof(name))) {
			ret = -EINVAL;
			goto out;
		}
		if (json_object_array_add(ns, json_object_new_string(name)))
			goto out;
	}
	ends = json_object_new_array();
	if (add(o, "tunnel_ends", ends))
		goto out;
	ret = ends_to_json(s, ends);
	if (ret)
		goto out;
	*out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	ret = *out ? 0 : -ENOMEM;
out:
	json_object_put(o);
	return ret;
}

static int bad(char *why, size_t len, const char *field)
{
	snprintf(why, len, "field '%s' missing or of the wrong type", field);
	return -EINVAL;
}

static struct json_object *get(struct json_object *o, const char *k, json_type t)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

static int wg_from_name(const char *s, enum tun_kind *out)
{
	static const enum tun_kind kinds[] = { TUN_KERNEL, TUN_WGGO, TUN_NONE };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(s, tun_kind_name(kinds[i]))) {
			*out = kinds[i];
			return 0;
		}
	return -EINVAL;
}

static int parse_netns(struct json_object *arr, struct topo_state *s, char *why, size_t len)
{
	size_t i, plen = strlen(s->prefix);
	enum topo_node_id n;

	for (i = 0; i < json_object_array_length(arr); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(arr, i));

		if (!name || strncmp(name, s->prefix, plen) || topo_node_from_name(name + plen, &n))
			return bad(why, len, "netns");
		s->netns_made[n] = true;
	}
	return 0;
}

static int parse_ends(struct json_object *arr, struct topo_state *s, char *why, size_t len)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *idx, *gw, *pid;
		enum topo_node_id n;
		int k;

		idx = get(e, "index", json_type_int);
		gw = get(e, "gw", json_type_string);
		pid = get(e, "pid", json_type_int);
		if (!idx || !gw || !pid)
			return bad(why, len, "tunnel_ends");
		k = json_object_get_int(idx);
		if (k < 0 || (unsigned int)k >= s->tunnels ||
		    topo_node_from_name(json_object_get_string(gw), &n) ||
		    (n != NODE_GW1 && n != NODE_GW2) || json_object_get_int(pid) < 0)
			return bad(why, len, "tunnel_ends");
		s->end[k][n == NODE_GW2].made = true;
		s->end[k][n == NODE_GW2].pid = (pid_t)json_object_get_int(pid);
	}
	return 0;
}

int state_from_json(const char *text, struct topo_state *s, char *why, size_t len)
{
	struct json_object *o, *v;
	int ret = -EINVAL, t;

	memset(s, 0, sizeof(*s));
	o = json_tokener_parse(text);
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(why, len, "not a JSON object");
		goto out;
	}
	v = get(o, "schema", json_type_string);
	if (!v || strcmp(json_object_get_string(v), STATE_SCHEMA)) {
		ret = bad(why, len, "schema");
		goto out;
	}
#define STR(field, dst) do { \
		v = get(o, field, json_type_string); \
		if (!v || util_fmt(dst, sizeof(dst), "%s", json_object_get_string(v))) { \
			ret = bad(why, len, field); goto out; } } while (0)
	STR("prefix", s->prefix);
	STR("wg_version", s->wg_version);
	STR("last_step", s->last_step);
#undef STR
	v = get(o, "topology", json_type_string);
	if (v && topo_shape_from_name(json_object_get_string(v), &s->shape)) {
		ret = bad(why, len, "topology");
		goto out;
	}
	s->ip = s->inner = TOPO_FAM_4;
	v = get(o, "ip", json_type_string);
	if (v && topo_family_from_name(json_object_get_string(v), &s->ip)) {
		ret = bad(why, len, "ip");
		goto out;
	}
	v = get(o, "inner", json_type_string);
	if (v && topo_family_from_name(json_object_get_string(v), &s->inner)) {
		ret = bad(why, len, "inner");
		goto out;
	}
	v = get(o, "wg", json_type_string);
	if (!v || wg_from_name(json_object_get_string(v), &s->wg)) {
		ret = bad(why, len, "wg");
		goto out;
	}
	v = get(o, "tunnels", json_type_int);
	t = v ? json_object_get_int(v) : -1;
	if (t < 1 || t > TOPO_TUNNELS_MAX) {
		ret = bad(why, len, "tunnels");
		goto out;
	}
	s->tunnels = (unsigned int)t;
	if (!(v = get(o, "persistent", json_type_boolean))) {
		ret = bad(why, len, "persistent");
		goto out;
	}
	s->persistent = json_object_get_boolean(v);
	if (!(v = get(o, "complete", json_type_boolean))) {
		ret = bad(why, len, "complete");
		goto out;
	}
	s->complete = json_object_get_boolean(v);
	if (!(v = get(o, "owner_pid", json_type_int))) {
		ret = bad(why, len, "owner_pid");
		goto out;
	}
	s->owner = (pid_t)json_object_get_int(v);
	v = get(o, "created", json_type_double);
	s->created = v ? json_object_get_double(v) : 0;
	if (!(v = get(o, "netns", json_type_array))) {
		ret = bad(why, len, "netns");
		goto out;
	}
	ret = parse_netns(v, s, why, len);
	if (ret)
		goto out;
	if (!(v = get(o, "tunnel_ends", json_type_array))) {
		ret = bad(why, len, "tunnel_ends");
		goto out;
	}
	ret = parse_ends(v, s, why, len);
out:
	json_object_put(o);
	return ret;
}

int state_save(const struct topo_state *s)
{
	char path[256], *text = NULL;
	int ret;

	ret = state_path(s->prefix, "state.json", path, sizeof(path));
	if (ret)
		return ret;
	ret = state_to_json(s, &text);
	if (ret)
		return ret;
	ret = util_write_file_atomic(path, text, strlen(text));
	if (ret)
		wgb_err("writing %s: %s", path, strerror(-ret));
	free(text);
	return ret;
}

int state_load(const char *prefix, struct topo_state *s)
{
	char path[256], why[128], *text = NULL;
	int ret;

	ret = state_path(prefix, "state.json", path, sizeof(path));
	if (ret)
		return ret;
	ret = util_read_file(path, &text, NULL);
	if (ret == -ENOENT)
		return ret;
	if (ret) {
		wgb_err("reading %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = state_from_json(text, s, why, sizeof(why));
	if (!ret && strcmp(s->prefix, prefix)) {
		snprintf(why, sizeof(why), "field 'prefix' is '%s', not '%s'", s->prefix, prefix);
		ret = -EINVAL;
	}
	if (ret)
		wgb_err("%s: %s", path, why);
	free(text);
	return ret;
}

/* Remove <STATE_DIR>/<prefix><what>; absent already is fine. */
static int state_unlink(const char *prefix, const char *what)
{
	char path[256];
	int ret;

	ret = state_path(prefix, what, path, sizeof(path));
	if (ret)
		return ret;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int state_remove(const char *prefix)
{
	int ret = state_mark_clear(prefix);

	return ret ? ret : state_unlink(prefix, "state.json");
}

int state_mark_set(const char *prefix, const char *what)
{
	char path[256];
	int ret;

	ret = state_path(prefix, "modified", path, sizeof(path));
	if (!ret)
		ret = util_write_file_atomic(path, what, strlen(what));
	return ret;
}

int state_mark_clear(const char *prefix)
{
	return state_unlink(prefix, "modified");
}

int state_mark_get(const char *prefix, char **what)
{
	char path[256];
	size_t len;
	int ret;

	*what = NULL;
	ret = state_path(prefix, "modified", path, sizeof(path));
	if (!ret)
		ret = util_read_file(path, what, &len);
	return ret;
}

int state_list(char ***prefixes, size_t *n)
{
	return util_dir_stems(STATE_DIR, "state.json", TOPO_PREFIX_MAX, prefixes, n);
}

int state_lock(const char *prefix, double wait, int *fd)
{
	double deadline = util_now_mono() + wait;
	struct stat a, b;
	char path[256];
	int ret;

	*fd = -1;
	ret = state_path(prefix, "lock", path, sizeof(path));
	if (ret)
		return ret;
	ret = util_mkdir_p(STATE_DIR, 0755);
	if (ret) {
		wgb_err("creating %s: %s", STATE_DIR, strerror(-ret));
		return ret;
	}
	for (;;) {
		int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		if (f < 0) {
			ret = -errno;
			wgb_err("opening %s: %s", path, strerror(errno));
			return ret;
		}
		if (flock(f, LOCK_EX | LOCK_NB) == 0) {
			/* The holder before us may have removed the file we opened. */
			if (fstat(f, &a) == 0 && stat(path, &b) == 0 &&
			    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
				*fd = f;
				return 0;
			}
			close(f);
			continue;
		}
		ret = -errno;
		close(f);
		if (ret != -EWOULDBLOCK) {
			wgb_err("locking %s: %s", path, strerror(-ret));
			return ret;
		}
		if (util_now_mono() >= deadline)
			return -EBUSY;
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	}
}

void state_unlock(const char *prefix, int *fd)
{
	char path[256];

	if (*fd < 0)
		return;
	if (!state_path(prefix, "lock", path, sizeof(path)))
		unlink(path);
	close(*fd);
	*fd = -1;
}
