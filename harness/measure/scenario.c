/* scenario.c — see scenario.h. */
#include "scenario.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TCP_BLOCK_MAX (1024 * 1024)   /* iperf3's MAX_BLOCKSIZE */
#define UDP_BLOCK_MIN 16              /* room for iperf3's sequence header */
#define UDP_BLOCK_MAX 65507           /* largest IPv4 UDP payload */
#define FLOWS_MAX 128

struct scenario_set {
	struct scenario **items;
	size_t n;
};

static const char *const known_keys[] = {
	"name", "description", "iperf3", "protocol", "flows", "reverse",
	"bandwidth_bps", "block_size", "bidir",
};

static int field_err(const char *file, const char *field, const char *expected)
{
	wgb_err("%s: field '%s': expected %s", file, field, expected);
	return -EINVAL;
}

static int get_string(struct json_object *o, const char *file, const char *key,
		      bool required, char **out)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return required ? field_err(file, key, "a string (missing)") : 0;
	if (!json_object_is_type(v, json_type_string))
		return field_err(file, key, "a string");
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : -ENOMEM;
}

/* A JSON integer within [min, max]; doubles such as 8.5 are refused. */
static int get_uint(struct json_object *o, const char *file, const char *key,
		    uint64_t min, uint64_t max, uint64_t *out)
{
	char what[96];
	struct json_object *v;
	int64_t x;

	snprintf(what, sizeof(what), "an integer from %llu to %llu",
		 (unsigned long long)min, (unsigned long long)max);
	if (!json_object_object_get_ex(o, key, &v))
		return field_err(file, key, what);
	if (!json_object_is_type(v, json_type_int))
		return field_err(file, key, what);
	errno = 0;
	x = json_object_get_int64(v);
	if (errno || x < 0 || (uint64_t)x < min || (uint64_t)x > max)
		return field_err(file, key, what);
	*out = (uint64_t)x;
	return 0;
}

static bool valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* "dir/tcp-fwd.json" -> does its base name equal "<name>.json"? */
static bool name_matches_file(const char *name, const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n = strlen(name);

	base = base ? base + 1 : file;
	return !strncmp(base, name, n) && !strcmp(base + n, ".json");
}

static int check_keys(struct json_object *o, const char *file)
{
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (util_name_index(known_keys, ARRAY_SIZE(known_keys), key) < 0) {
			wgb_err("%s: unknown field '%s' (known: name, description, iperf3, protocol, "
				"flows, reverse, bidir, bandwidth_bps, block_size)", file, key);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_fields(struct json_object *o, const char *file, struct scenario *s)
{
	struct json_object *v;
	char *proto = NULL;
	uint64_t x;
	int ret;

	if ((ret = check_keys(o, file)))
		return ret;
	if ((ret = get_string(o, file, "name", true, &s->name)))
		return ret;
	if (!valid_name(s->name))
		return field_err(file, "name", "1-32 characters of a-z, 0-9 and '-'");
	if (!name_matches_file(s->name, file))
		return field_err(file, "name", "the file name without .json");
	if ((ret = get_string(o, file, "description", false, &s->description)) ||
	    (ret = get_string(o, file, "iperf3", false, &s->iperf3)) ||
	    (ret = get_string(o, file, "protocol", true, &proto)))
		return ret;
	if (!strcmp(proto, "tcp"))
		s->protocol = SCENARIO_TCP;
	else if (!strcmp(proto, "udp"))
		s->protocol = SCENARIO_UDP;
	else
		ret = field_err(file, "protocol", "\"tcp\" or \"udp\"");
	free(proto);
	if (ret)
		return ret;
	if ((ret = get_uint(o, file, "flows", 1, FLOWS_MAX, &x)))
		return ret;
	s->flows = (unsigned int)x;
	if (!json_object_object_get_ex(o, "reverse", &v) || !json_object_is_type(v, json_type_boolean))
		return field_err(file, "reverse", "true or false");
	s->reverse = json_object_get_boolean(v);
	/* optional: the five scenarios of DESIGN.md predate it */
	v = NULL;
	if (json_object_object_get_ex(o, "bidir", &v) && !json_object_is_type(v, json_type_boolean))
		return field_err(file, "bidir", "true or false");
	s->bidir = v && json_object_get_boolean(v);
	if (s->bidir && (s->reverse || s->protocol != SCENARIO_TCP))
		return field_err(file, "bidir", "false with \"reverse\": true or UDP (both directions "
				 "at once is a TCP scenario here, as iperf3 refuses -R with --bidir)");
	if ((ret = get_uint(o, file, "bandwidth_bps", 0, UINT64_C(1) << 50, &s->bandwidth_bps)))
		return ret;
	if (s->protocol == SCENARIO_TCP)
		ret = get_uint(o, file, "block_size", 1, TCP_BLOCK_MAX, &x);
	else
		ret = get_uint(o, file, "block_size", UDP_BLOCK_MIN, UDP_BLOCK_MAX, &x);
	if (ret)
		return ret;
	s->block_size = (unsigned int)x;
	return 0;
}

int scenario_parse(const char *text, const char *file, struct scenario **out)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	struct scenario *s = NULL;
	int ret = -EINVAL;

	tok = json_tokener_new();
	s = calloc(1, sizeof(*s));
	if (!tok || !s) {
		ret = -ENOMEM;
		goto out;
	}
	o = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
	if (!o) {
		wgb_err("%s: not valid JSON: %s (at offset %zu)", file,
			json_tokener_error_desc(json_tokener_get_error(tok)),
			json_tokener_get_parse_end(tok));
		goto out;
	}
	if (!json_object_is_type(o, json_type_object)) {
		wgb_err("%s: expected a JSON object", file);
		goto out;
	}
	s->file = strdup(file);
	if (!s->file) {
		ret = -ENOMEM;
		goto out;
	}
	ret = parse_fields(o, file, s);
	if (ret)
		goto out;
	*out = s;
	s = NULL;
out:
	scenario_free(s);
	json_object_put(o);
	if (tok)
		json_tokener_free(tok);
	return ret;
}

int scenario_load(const char *path, struct scenario **out)
{
	char *text = NULL;
	int ret;

	ret = util_read_file(path, &text, NULL);
	if (ret) {
		wgb_err("%s: %s", path, strerror(-ret));
		return ret == -ENOENT ? -EINVAL : ret;
	}
	ret = scenario_parse(text, path, out);
	free(text);
	return ret;
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->description);
	free(s->iperf3);
	free(s->file);
	free(s);
}

static int cmp_scenario(const void *a, const void *b)
{
	const struct scenario *x = *(struct scenario *const *)a;
	const struct scenario *y = *(struct scenario *const *)b;

	return strcmp(x->name, y->name);
}

int scenario_load_dir(const char *dir, struct scenario_set **out)
{
	struct scenario_set *set = NULL;
	struct dirent *de;
	DIR *d = NULL;
	int ret = 0, bad = 0;

	d = opendir(dir);
	if (!d) {
		ret = -errno;
		wgb_err("scenario directory %s: %s", dir, strerror(errno));
		return ret;
	}
	set = calloc(1, sizeof(*set));
	if (!set) {
		ret = -ENOMEM;
		goto out;
	}
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct scenario *s = NULL, **grown;
		size_t n = strlen(de->d_name);
		struct stat st;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json") || de->d_name[0] == '.')
			continue;
		if ((ret = util_fmt(path, sizeof(path), "%s/%s", dir, de->d_name)))
			goto out;
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		ret = scenario_load(path, &s);
		if (ret == -EINVAL) {
			bad++;     /* keep going: report every bad file at once */
			continue;
		}
		if (ret)
			goto out;
		grown = realloc(set->items, (set->n + 1) * sizeof(*grown));
		if (!grown) {
			scenario_free(s);
			ret = -ENOMEM;
			goto out;
		}
		set->items = grown;
		set->items[set->n++] = s;
	}
	if (bad) {
		ret = -EINVAL;
		goto out;
	}
	if (set->n == 0) {
		wgb_err("scenario directory %s: no scenario files (*.json)", dir);
		ret = -EINVAL;
		goto out;
	}
	qsort(set->items, set->n, sizeof(*set->items), cmp_scenario);
	*out = set;
	set = NULL;
	ret = 0;
out:
	scenario_set_free(set);
	closedir(d);
	return ret;
}

void scenario_set_free(struct scenario_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		scenario_free(set->items[i]);
	free(set->items);
	free(set);
}

size_t scenario_count(const struct scenario_set *set)
{
	return set ? set->n : 0;
}

const struct scenario *scenario_at(const struct scenario_set *set, size_t i)
{
	return set && i < set->n ? set->items[i] : NULL;
}

const struct scenario *scenario_find(const struct scenario_set *set, const char *name)
{
	size_t i;

	for (i = 0; set && i < set->n; i++)
		if (!strcmp(set->items[i]->name, name))
			return set->items[i];
	return NULL;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

int scenario_default_dir(char *buf, size_t len)
{
	const char *env = getenv("WGB_SCENARIO_DIR");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env)
		return util_fmt(buf, len, "%s", env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* build/wgbench in the source tree -> <tree>/scenarios */
			if (!util_fmt(buf, len, "%s/../scenarios", exe) && is_dir(buf))
				return 0;
		}
	}
	return util_fmt(buf, len, "%s/scenarios", WGB_DATADIR);
}

const char *scenario_proto_name(enum scenario_proto p)
{
	return p == SCENARIO_UDP ? "udp" : "tcp";
}

int scenario_to_json(const struct scenario *s, struct json_object **out)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "description",
			       s->description ? json_object_new_string(s->description) : NULL);
	json_object_object_add(o, "iperf3", s->iperf3 ? json_object_new_string(s->iperf3) : NULL);
	json_object_object_add(o, "protocol", json_object_new_string(scenario_proto_name(s->protocol)));
	json_object_object_add(o, "flows", json_object_new_int64(s->flows));
	json_object_object_add(o, "reverse", json_object_new_boolean(s->reverse));
	json_object_object_add(o, "bidir", json_object_new_boolean(s->bidir));
	json_object_object_add(o, "bandwidth_bps", json_object_new_int64((int64_t)s->bandwidth_bps));
	json_object_object_add(o, "block_size", json_object_new_int64(s->block_size));
	json_object_object_add(o, "file", json_object_new_string(s->file));
	*out = o;
	return 0;
}
