/* jsonx.c — see jsonx.h. */
#include "jsonx.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>

struct json_object *jsonx_num(double x)
{
	return isfinite(x) ? json_object_new_double(x) : NULL;
}

struct json_object *jsonx_count(long long x)
{
	return x >= 0 ? json_object_new_int64(x) : NULL;
}

struct json_object *jsonx_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *jsonx_get(struct json_object *o, const char *path)
{
	char key[128];
	const char *p = path;

	while (o && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		struct json_object *v = NULL;

		if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, p, n);
		key[n] = 0;
		if (!json_object_object_get_ex(o, key, &v))
			return NULL;
		o = v;
		p = dot ? dot + 1 : p + n;
	}
	return o;
}

bool jsonx_num_at(struct json_object *o, const char *path, double *out)
{
	struct json_object *v = jsonx_get(o, path);

	if (!v || !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return false;
	*out = json_object_get_double(v);
	return isfinite(*out);
}

const char *jsonx_str_at(struct json_object *o, const char *path)
{
	struct json_object *v = jsonx_get(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}
