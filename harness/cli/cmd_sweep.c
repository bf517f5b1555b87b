/* cmd_sweep.c — `wgbench sweep --param flows|tunnels|SYSCTL --values LIST
 * [run options]`: one complete run per value into OUT/<param>-<value>/, then
 * the scaling plots in OUT/ (throughput and CPU against the value, the
 * paper's Figures 4, 6 and 8). --param tunnels also sets one flow per tunnel.
 * A sysctl name builds, per value, a one-entry variant file in OUT/variants/
 * (node "host" for net.core.*, the machine-wide ones; "gateways" otherwise)
 * that the variant layer validates like any other. Each run goes through
 * backend_run(), so --backend vm and vms measure in their guests. */
#include "cmd.h"
#include "opts.h"
#include "report_data.h"
#include "run.h"
#include "util.h"
#include "variant.h"

#include <json-c/json.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWEEP_MAX_VALUES 32

static void usage(FILE *f)
{
	fprintf(f, "Usage: wgbench sweep --param flows|tunnels|SYSCTL --values LIST [run options]\n"
		"One run per value into OUT/<param>-<value>/, then OUT/scaling-*.png/.svg/.dat.\n"
		"  flows    the scenarios' flow count, one tunnel (unless --tunnels)\n"
		"  tunnels  N tunnels and N flows, one flow per tunnel\n"
		"  SYSCTL   e.g. net.core.netdev_budget: a one-knob variant per value (node host\n"
		"           for net.core.*, gateways otherwise); not with --variant\n");
	opts_usage(OPTS_TOPO | OPTS_RUN | OPTS_SWEEP | OPTS_VM | OPTS_ATTACH);
}

/* "1,2,4,8" -> values, each within [min, max], at most SWEEP_MAX_VALUES, no repeats. */
static int parse_values(const char *list, unsigned int min, unsigned int max, unsigned int *v,
			size_t *n)
{
	char buf[512], *tok, *rest = buf;
	uint64_t x;
	size_t i;

	*n = 0;
	if (util_fmt(buf, sizeof(buf), "%s", list))
		goto bad;
	/* strsep, not strtok: "1,,2" is a mistake, not "1,2" */
	while ((tok = strsep(&rest, ","))) {
		if (*n >= SWEEP_MAX_VALUES || util_parse_u64(tok, min, max, &x))
			goto bad;
		for (i = 0; i < *n; i++)
			if (v[i] == x)
				goto bad;
		v[(*n)++] = (unsigned int)x;
	}
	if (*n)
		return 0;
bad:
	wgb_err("--values '%s': expected up to %d distinct integers from %u to %u, comma-separated",
		list, SWEEP_MAX_VALUES, min, max);
	return -EINVAL;
}

/* A sysctl name as the variant layer takes it: lower-case words and dots. */
static bool sysctl_name(const char *p)
{
	size_t i, len = strlen(p);

	if (!len || len > 96 || !strchr(p, '.') || strstr(p, "..") || p[0] == '.' || p[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_' ||
		      p[i] == '.' || p[i] == '-'))
			return false;
	return true;
}

/* {"name","description","set":[one entry]}; NULL without memory. */
static struct json_object *knob_variant_doc(const char *knob, unsigned int value)
{
	struct json_object *v = json_object_new_object(), *set = json_object_new_array(),
			   *e = json_object_new_object();
	char name[160];

	snprintf(name, sizeof(name), "%s-%u", knob, value);  /* the variant layer's name charset */
	json_object_object_add(v, "name", json_object_new_string(name));
	json_object_object_add(v, "description", json_object_new_string("made by wgbench sweep"));
	json_object_object_add(e, "node", json_object_new_string(
		!strncmp(knob, "net.core.", 9) ? "host" : "gateways"));
	json_object_object_add(e, "sysctl", json_object_new_string(knob));
	json_object_object_add(e, "value", json_object_new_int64(value));
	json_object_array_add(set, e);
	json_object_object_add(v, "set", set);
	return v;
}

/* The variant layer's verdict on that variant, before any file is written. */
static int knob_variant_check(const char *knob, unsigned int value)
{
	struct json_object *v = knob_variant_doc(knob, value);
	struct variant_set *vs = NULL;
	const char *text;
	char file[192];
	int r;

	if (!v)
		return -ENOMEM;
	text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY);
	snprintf(file, sizeof(file), "variants/%s-%u.json", knob, value);
	r = variant_parse_text(file, text, strlen(text), &vs);
	variant_set_free(vs);
	json_object_put(v);
	return r;
}

/* OUT/variants/<knob>-<value>.json */
static int knob_variant(const char *out, const char *knob, unsigned int value, char *path, size_t len)
{
	struct json_object *v = knob_variant_doc(knob, value);
	char dir[4096];
	const char *text;
	int r;

	if (!v)
		return -ENOMEM;
	text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY);
	r = util_fmt(dir, sizeof(dir), "%s/variants", out);
	if (!r)
		r = util_mkdir_p(dir, 0755);
	if (!r)
		r = util_fmt(path, len, "%s/%s-%u.json", dir, knob, value);
	if (!r)
		r = util_write_file_atomic(path, text, strlen(text));
	if (r)
		wgb_err("sweep: cannot write the variant for %s-%u: %s", knob, value, strerror(-r));
	json_object_put(v);
	return r;
}

/* Value i's options: the run that OUT/<param>-<value>/ will hold. */
static void one_value(const struct opts *o, unsigned int value, bool tunnels, bool knob,
		      struct opts *one)
{
	*one = *o;
	if (tunnels) {
		one->tunnels = value;
		one->have_tunnels = true;
		one->flows = value;
	} else if (!knob) {
		one->flows = value;
	}
}

/* Everything every value's run would refuse, refused before OUT or any
 * directory in it is made: the backend (root), the knob's variants, the
 * run's inputs, and each value's directory. */
static int preflight(const struct opts *o, const char *out, const unsigned int *values, size_t n,
		     bool tunnels, bool knob)
{
	char dir[4096];
	struct opts one;
	size_t i;
	int r = backend_check(o);

	for (i = 0; !r && i < n; i++) {
		one_value(o, values[i], tunnels, knob, &one);
		if (knob)
			r = knob_variant_check(o->param, values[i]);
		if (!r && util_fmt(dir, sizeof(dir), "%s/%s-%u", out, o->param, values[i]))
			r = -ENAMETOOLONG;
		if (!r)
			r = run_preflight(&one, dir);
	}
	return r;
}

int sweep_main(int argc, char *argv[])
{
	unsigned int values[SWEEP_MAX_VALUES], failed = 0;
	char out[2048], dir[4096];
	const char *pos[1];
	char vpath[4096];
	struct opts o, one;
	size_t n_pos, n, i;
	bool tunnels, knob;
	int i_arg, r;

	for (i_arg = 0; i_arg < argc; i_arg++)
		if (!strcmp(argv[i_arg], "--help") || !strcmp(argv[i_arg], "-h")) {
			usage(stdout);
			return WGB_EXIT_OK;
		}
	opts_init(&o);
	if (opts_parse(&o, OPTS_TOPO | OPTS_RUN | OPTS_SWEEP | OPTS_VM | OPTS_ATTACH, argc, argv, pos, 0, &n_pos))
		return WGB_EXIT_USAGE;
	if (!o.param || !o.values) {
		wgb_err("sweep: --param and --values are required");
		return WGB_EXIT_USAGE;
	}
	tunnels = !strcmp(o.param, "tunnels");
	knob = strcmp(o.param, "flows") && !tunnels;
	if (knob && !sysctl_name(o.param)) {
		wgb_err("sweep: --param '%s': expected flows, tunnels or a sysctl name such as "
			"net.core.netdev_budget (other knobs: one variant file per value, in one run)",
			o.param);
		return WGB_EXIT_USAGE;
	}
	if (tunnels && o.attach) {
		wgb_err("sweep: --param tunnels builds a testbed per value; it cannot --attach to one");
		return WGB_EXIT_USAGE;
	}
	if (knob && o.n_variants) {
		wgb_err("sweep: --param %s builds its own variant per value; --variant cannot be added",
			o.param);
		return WGB_EXIT_USAGE;
	}
	if (parse_values(o.values, knob ? 0 : 1, tunnels ? TOPO_TUNNELS_MAX : knob ? INT32_MAX : 1024,
			 values, &n))
		return WGB_EXIT_USAGE;
	if (o.out ? util_fmt(out, sizeof(out), "%s", o.out) : cmd_default_out("sweep-", out, sizeof(out))) {
		wgb_err("sweep: --out too long");
		return WGB_EXIT_USAGE;
	}
	if ((r = preflight(&o, out, values, n, tunnels, knob)))
		return cmd_exit_code(r);
	if ((r = util_mkdir_p(out, 0755))) {
		wgb_err("sweep: %s: %s", out, strerror(-r));
		return WGB_EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		one_value(&o, values[i], tunnels, knob, &one);
		if (knob) {
			if (knob_variant(out, o.param, values[i], vpath, sizeof(vpath)))
				return WGB_EXIT_FAIL;
			one.variants[0] = vpath;
			one.n_variants = 1;
		}
		if (util_fmt(dir, sizeof(dir), "%s/%s-%u", out, o.param, values[i]))
			return WGB_EXIT_USAGE;
		if (!o.quiet)
			fprintf(stderr, "wgbench: sweep %s = %u -> %s\n", o.param, values[i], dir);
		r = backend_run(&one, dir);
		if (r < 0) {
			wgb_err("sweep: the run for %s = %u failed (%s); stopping", o.param, values[i],
				strerror(-r));
			return cmd_exit_code(r);
		}
		failed += r != 0;
	}
	if (report_scaling_write(out, o.param, values, n, o.quiet))
		return WGB_EXIT_FAIL;
	return failed ? WGB_EXIT_FAIL : WGB_EXIT_OK;
}
