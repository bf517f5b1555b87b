/* report_raw.c — a successful run's throughput recomputed from the iperf3
 * JSON it references (runs[].per_flow[].raw, else runs[].raw) and compared
 * with runs[].throughput_bps; see report_data.h. The receiver's rate is
 * end.sum_received.bits_per_second, the field the traffic layer reads (plus
 * end.sum_received_bidir_reverse's in a --bidir test: both directions). */
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* runs[] holds the very doubles parsed from these files (json-c both ways,
 * %.17g in between), so anything beyond rounding is an edit. */
#define RAW_REL_TOL 1e-9

static bool same(double a, double b)
{
	return fabs(a - b) <= RAW_REL_TOL * fmax(fmax(fabs(a), fabs(b)), 1.0);
}

/* A path from a results file: relative, inside the directory. */
static bool safe_rel(const char *p)
{
	const char *s;

	if (!*p || *p == '/')
		return false;
	for (s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || !s[2]))
			return false;
	return true;
}

static int raw_bps(const char *dir, const char *file, size_t i, const char *rel, double *out)
{
	char path[4096];
	struct json_object *o = NULL, *v;
	char *text = NULL;
	int r;

	*out = NAN;
	if (!safe_rel(rel)) {
		wgb_err("%s: runs[%zu]: raw path \"%s\" is not inside the results directory", file, i, rel);
		return -EINVAL;
	}
	if (util_fmt(path, sizeof(path), "%s/%s", dir, rel))
		return -ENAMETOOLONG;
	r = util_read_file(path, &text, NULL);
	if (r) {
		wgb_err("%s: runs[%zu] references %s: %s", file, i, path, strerror(-r));
		return -EINVAL;
	}
	o = json_tokener_parse(text);
	free(text);
	v = report_json_get(report_json_get(report_json_get(o, "end"), "sum_received"), "bits_per_second");
	*out = report_json_num(v);
	/* --bidir: the traffic layer adds the reverse direction, in this order */
	v = report_json_get(report_json_get(report_json_get(o, "end"), "sum_received_bidir_reverse"),
			    "bits_per_second");
	if (v)
		*out += report_json_num(v);
	json_object_put(o);
	if (!isfinite(*out)) {
		wgb_err("%s: runs[%zu]: %s has no end.sum_received.bits_per_second (not an iperf3 result)",
			file, i, path);
		return -EINVAL;
	}
	return 0;
}

static void describe(struct json_object *e, char *buf, size_t len)
{
	const char *v = report_json_str(e, "variant"), *s = report_json_str(e, "scenario");
	double rep = report_json_num(report_json_get(e, "repeat"));

	if (isnan(rep))
		snprintf(buf, len, "%s %s", v ? v : "?", s ? s : "?");
	else
		snprintf(buf, len, "%s %s repeat %.0f", v ? v : "?", s ? s : "?", rep);
}

static int mismatch(const char *file, size_t i, struct json_object *e, const char *field,
		    double said, const char *src, double raw, size_t flows)
{
	char what[200];

	describe(e, what, sizeof(what));
	wgb_err("%s: runs[%zu] (%s): %s is %.17g, but %s says %.17g (end.sum_received."
		"bits_per_second%s): refusing a results file that does not match its raw data",
		file, i, what, field, said, src, raw, flows > 1 ? ", summed over the flows" : "");
	return -EINVAL;
}

/* Per flow: each flow's own figure, and the paths for the total. */
static int check_per_flow(const char *dir, const char *file, size_t i, struct json_object *e,
			  struct json_object *per, double *sum, size_t *have)
{
	size_t j, n = json_object_array_length(per);
	char field[64];
	double x, said;
	int r;

	for (j = 0; j < n; j++) {
		struct json_object *f = json_object_array_get_idx(per, j);
		const char *rel = report_json_str(f, "raw");

		if (!rel)
			continue;
		if ((r = raw_bps(dir, file, i, rel, &x)))
			return r;
		said = report_json_num(report_json_get(f, "throughput_bps"));
		snprintf(field, sizeof(field), "per_flow[%zu].throughput_bps", j);
		if (!isnan(said) && !same(said, x))
			return mismatch(file, i, e, field, said, rel, x, 1);
		*sum += x;
		(*have)++;
	}
	return 0;
}

int report_raw_verify(const char *dir, const char *file, size_t i, struct json_object *e,
		      bool *verified)
{
	struct json_object *per = report_json_get(e, "per_flow"), *raw = report_json_get(e, "raw");
	double said = report_json_num(report_json_get(e, "throughput_bps")), sum = 0, x;
	size_t j, n = 0, have = 0;
	int r;

	*verified = false;
	if (!json_object_get_boolean(report_json_get(e, "ok")))
		return 0;
	if (per && (n = json_object_array_length(per))) {
		if ((r = check_per_flow(dir, file, i, e, per, &sum, &have)))
			return r;
	} else if (raw) {
		n = json_object_array_length(raw);
		for (j = 0; j < n; j++) {
			if ((r = raw_bps(dir, file, i, json_object_get_string(
					 json_object_array_get_idx(raw, j)), &x)))
				return r;
			sum += x;
			have++;
		}
	}
	/* the total only when every flow left its file */
	if (!n || have != n)
		return 0;
	if (!same(said, sum)) {
		char src[160];

		snprintf(src, sizeof(src), "its raw iperf3 JSON (%zu file%s under raw/)", n, n > 1 ? "s" : "");
		return mismatch(file, i, e, "throughput_bps", said, src, sum, n);
	}
	*verified = true;
	return 0;
}
