/* report_check.c — a results directory read strictly (see report_data.h):
 * every field the report layer reads has the type DESIGN.md gives it, or the
 * load fails naming the file, the entry and the field; and the throughput of
 * every successful run is recomputed from the iperf3 JSON it references
 * under raw/, so an edited runs[] cannot pass as a measurement. */
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

enum want { W_BOOL, W_NUM, W_STR, W_OBJ, W_ARR };

struct field {
	const char *key;
	enum want want;
	bool required;              /* present and not null */
};

static const struct field run_fields[] = {
	{ "variant", W_STR, true }, { "scenario", W_STR, true }, { "ok", W_BOOL, true },
	{ "error", W_STR, false }, { "repeat", W_NUM, false }, { "throughput_bps", W_NUM, false },
	{ "sender_bps", W_NUM, false }, { "retransmits", W_NUM, false },
	{ "lost_percent", W_NUM, false }, { "jitter_ms", W_NUM, false },
	{ "packets_per_s", W_NUM, false }, { "cpu", W_OBJ, false }, { "drops", W_OBJ, false },
	{ "window", W_OBJ, false }, { "latency", W_OBJ, false }, { "interference", W_OBJ, false },
	{ "raw", W_ARR, false }, { "per_flow", W_ARR, false }, { "samples", W_STR, false },
};
static const struct field latency_fields[] = {
	{ "sent", W_NUM, false }, { "lost", W_NUM, false }, { "interval_ms", W_NUM, false },
	{ "rtt_ms", W_OBJ, false }, { "idle_rtt_ms", W_OBJ, false },
	{ "owd_fwd_ms", W_OBJ, false }, { "owd_rev_ms", W_OBJ, false },
};
static const struct field quantile_fields[] = {
	{ "p50", W_NUM, false }, { "p90", W_NUM, false }, { "p99", W_NUM, false },
	{ "max", W_NUM, false },
};
static const struct field interference_fields[] = {
	{ "foreign_cpu_percent", W_NUM, false }, { "steal_percent", W_NUM, false },
};
static const struct field flow_fields[] = {
	{ "ok", W_BOOL, false }, { "throughput_bps", W_NUM, false }, { "raw", W_STR, false },
};
/* "after" is null until the run's end (a run looking at itself, a killed run) */
static const struct field canary_fields[] = { { "before", W_OBJ, true }, { "after", W_OBJ, false } };
static const struct field canary_side_fields[] = { { "ops_per_s", W_NUM, true } };

static const char *want_text(enum want w)
{
	switch (w) {
	case W_BOOL: return "true or false";
	case W_NUM: return "a finite number >= 0";
	case W_STR: return "a string";
	case W_OBJ: return "an object";
	case W_ARR: return "an array";
	}
	return "?";
}

static void found_text(struct json_object *v, char *buf, size_t len)
{
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_null: snprintf(buf, len, "null"); return;
	case json_type_boolean: snprintf(buf, len, "%s", json_object_get_boolean(v) ? "true" : "false"); return;
	case json_type_double:
	case json_type_int: snprintf(buf, len, "%s", json_object_to_json_string(v)); return;
	case json_type_object: snprintf(buf, len, "an object"); return;
	case json_type_array: snprintf(buf, len, "an array"); return;
	case json_type_string:
		s = json_object_get_string(v);
		snprintf(buf, len, "the string \"%.40s%s\"", s, strlen(s) > 40 ? "..." : "");
		return;
	}
	snprintf(buf, len, "?");
}

static bool type_ok(struct json_object *v, enum want w)
{
	double x;

	switch (w) {
	case W_BOOL: return json_object_is_type(v, json_type_boolean);
	case W_STR: return json_object_is_type(v, json_type_string);
	case W_OBJ: return json_object_is_type(v, json_type_object);
	case W_ARR: return json_object_is_type(v, json_type_array);
	case W_NUM:
		if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
			return false;
		x = json_object_get_double(v);
		return isfinite(x) && x >= 0;
	}
	return false;
}

/* Checks the fields of o; where names the object ("runs[3]"). */
static int check_fields(const char *file, const char *where, struct json_object *o,
			const struct field *f, size_t n)
{
	struct json_object *v;
	char found[80];
	size_t i;

	for (i = 0; i < n; i++) {
		bool have = json_object_object_get_ex(o, f[i].key, &v) && !json_object_is_type(v, json_type_null);

		if (!have && !f[i].required)
			continue;
		if (have && type_ok(v, f[i].want))
			continue;
		if (have)
			found_text(v, found, sizeof(found));
		wgb_err("%s: %s.%s: expected %s%s, found %s", file, where, f[i].key, want_text(f[i].want),
			f[i].required ? "" : " or null", have ? found : "nothing");
		return -EINVAL;
	}
	return 0;
}

static int check_sub(const char *file, const char *where, struct json_object *o, const char *key,
		     const struct field *f, size_t n)
{
	char sub[96];

	o = report_json_get(o, key);
	if (!o)
		return 0;
	snprintf(sub, sizeof(sub), "%s.%s", where, key);
	return check_fields(file, sub, o, f, n);
}

static int check_flows(const char *file, const char *where, struct json_object *e)
{
	struct json_object *arr = report_json_get(e, "per_flow"), *raw = report_json_get(e, "raw");
	char sub[96];
	size_t i;
	int r;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *f = json_object_array_get_idx(arr, i);

		snprintf(sub, sizeof(sub), "%s.per_flow[%zu]", where, i);
		if (!json_object_is_type(f, json_type_object)) {
			wgb_err("%s: %s: expected an object", file, sub);
			return -EINVAL;
		}
		if ((r = check_fields(file, sub, f, flow_fields, ARRAY_SIZE(flow_fields))))
			return r;
	}
	for (i = 0; raw && i < json_object_array_length(raw); i++)
		if (!json_object_is_type(json_object_array_get_idx(raw, i), json_type_string)) {
			wgb_err("%s: %s.raw[%zu]: expected a path (a string)", file, where, i);
			return -EINVAL;
		}
	return 0;
}

int report_check_run_entry(const char *file, size_t i, struct json_object *e)
{
	char where[48];
	int r;

	snprintf(where, sizeof(where), "runs[%zu]", i);
	if (!json_object_is_type(e, json_type_object)) {
		wgb_err("%s: %s: expected an object", file, where);
		return -EINVAL;
	}
	if ((r = check_fields(file, where, e, run_fields, ARRAY_SIZE(run_fields))) ||
	    (r = check_sub(file, where, e, "latency", latency_fields, ARRAY_SIZE(latency_fields))) ||
	    (r = check_sub(file, where, e, "interference", interference_fields,
			   ARRAY_SIZE(interference_fields))) ||
	    (r = check_flows(file, where, e)))
		return r;
	snprintf(where, sizeof(where), "runs[%zu].latency", i);
	if ((r = check_sub(file, where, report_json_get(e, "latency"), "rtt_ms", quantile_fields,
			   ARRAY_SIZE(quantile_fields))))
		return r;
	if (json_object_get_boolean(report_json_get(e, "ok")) && !report_json_get(e, "throughput_bps")) {
		wgb_err("%s: runs[%zu].throughput_bps: null in a run whose \"ok\" is true", file, i);
		return -EINVAL;
	}
	return 0;
}

int report_check_canary(const char *file, struct json_object *run, double *before, double *after)
{
	struct json_object *c = report_json_get(run, "canary");
	int r;

	*before = *after = NAN;
	if (!c)
		return 0;
	if (!json_object_is_type(c, json_type_object)) {
		wgb_err("%s: canary: expected an object {\"before\":{\"ops_per_s\"},\"after\":{...}}", file);
		return -EINVAL;
	}
	if ((r = check_fields(file, "canary", c, canary_fields, ARRAY_SIZE(canary_fields))) ||
	    (r = check_sub(file, "canary", c, "before", canary_side_fields, 1)) ||
	    (r = check_sub(file, "canary", c, "after", canary_side_fields, 1)))
		return r;
	*before = report_json_num(report_json_get(report_json_get(c, "before"), "ops_per_s"));
	*after = report_json_num(report_json_get(report_json_get(c, "after"), "ops_per_s"));
	if (!(*before > 0) || (report_json_get(c, "after") && !(*after > 0))) {
		wgb_err("%s: canary: ops_per_s must be > 0 before and after", file);
		return -EINVAL;
	}
	return 0;
}

int report_check_sequential(const char *file, struct json_object *run, double *alpha)
{
	struct json_object *q = report_json_get(run, "sequential"), *a;
	double x;

	*alpha = STATS_ALPHA;
	if (!q)
		return 0;
	if (!json_object_is_type(q, json_type_object)) {
		wgb_err("%s: sequential: expected an object or null", file);
		return -EINVAL;
	}
	/* null: the plan was not made yet (stopped in the first round), no look
	 * was taken, so nothing was spent */
	if (!(a = report_json_get(q, "alpha_per_look")))
		return 0;
	x = json_object_is_type(a, json_type_double) || json_object_is_type(a, json_type_int) ?
	    json_object_get_double(a) : NAN;
	if (!(x > 0 && x <= STATS_ALPHA)) {
		wgb_err("%s: sequential.alpha_per_look: expected a number in (0, %g] or null (the "
			"level of each look of --repeat auto)", file, STATS_ALPHA);
		return -EINVAL;
	}
	*alpha = x;
	return 0;
}
