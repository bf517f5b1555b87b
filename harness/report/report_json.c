/* report_json.c — the lenient JSON readers of the report layer: a key that
 * is absent, null or of another type reads as "not there" (NULL / NAN).
 * Strict type checks of what a results file must hold are report_check.c's. */
#include "report_data.h"

#include <math.h>

#include <json-c/json.h>

struct json_object *report_json_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

double report_json_num(struct json_object *v)
{
	if (v && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return json_object_get_double(v);
	return NAN;
}

const char *report_json_str(struct json_object *o, const char *key)
{
	struct json_object *v = report_json_get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}
