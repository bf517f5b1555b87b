/* history_import.c — one results directory read into a struct history_run:
 * the fingerprint from run.json, the cells from results.json's summary[]
 * (as `wgbench report` computed them from runs[]), the per-repeat values
 * from runs[]. Old and new layouts are both read: results.json /1
 * (ci95_low_bps, no verdict) and /2 (ci_low_bps, ci_level, rtt_*, verdict);
 * run.json's host as an object or a bare name, start as ISO text or epoch
 * seconds. A field of the wrong type is an error naming file and field. */
#include "history.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct json_object *jget(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v = jget(o, k);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static double jnum(struct json_object *o, const char *k)
{
	struct json_object *v = jget(o, k);

	if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
		return json_object_get_double(v);
	return NAN;
}

static char *dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static double iso_time(const char *s)
{
	struct tm tm = { 0 };
	char *end;

	if (!s || !(end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return NAN;
	return (double)timegm(&tm) + (*end == '.' ? strtod(end, NULL) : 0);
}

static int sha256_hex(const char *text, char **out)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof(h) + 1];

	crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	*out = strdup(hex);
	return *out ? 0 : -ENOMEM;
}

void history_run_free(struct history_run *r)
{
	history_runs_free(r, r ? 1 : 0);
}

static void cell_clear(struct history_cell *c)
{
	free(c->variant);
	free(c->variant_sha256);
	free(c->scenario);
	free(c->scenario_params);
	free(c->scenario_sha256);
	free(c->verdict);
	free(c->samples);
}

void history_runs_free(struct history_run *r, size_t n)
{
	size_t i, k;

	if (!r)
		return;
	for (i = 0; i < n; i++) {
		struct history_run *x = &r[i];
		char *strs[] = { x->key, x->dir, x->start_iso, x->machine, x->machine_id, x->hostname,
				 x->cpu_model, x->kernel_release, x->kernel_version, x->backend,
				 x->wg_implementation, x->wg_version, x->iperf_version,
				 x->wgbench_version, x->wgbench_git, x->results_schema };

		for (k = 0; k < ARRAY_SIZE(strs); k++)
			free(strs[k]);
		for (k = 0; k < x->n_cells; k++)
			cell_clear(&x->cells[k]);
		free(x->cells);
	}
	free(r);
}

/* The machine: the physical host for a guest (vm.host, when recorded), else
 * run.json's host; its id from /etc/machine-id when recorded, else its name. */
static int read_host(struct history_run *r, struct json_object *run)
{
	struct json_object *host = jget(run, "host"), *phys = jget(jget(run, "vm"), "host");
	struct json_object *m = phys ? phys : host;
	const char *id = jstr(m, "machine_id"), *name;
	double cores = jnum(host, "cores");

	name = json_object_is_type(m, json_type_string) ? json_object_get_string(m) : jstr(m, "hostname");
	r->machine_id = dup(id);
	r->hostname = dup(name);
	r->cpu_model = dup(jstr(host, "cpu_model"));
	r->cores = isfinite(cores) ? (int64_t)cores : 0;
	r->kernel_release = dup(jstr(host, "kernel_release"));
	r->kernel_version = dup(jstr(host, "kernel_version"));
	if (id && *id)
		r->machine = strdup(id);
	else if (asprintf(&r->machine, "host:%s", name ? name : "unknown") < 0)
		r->machine = NULL;
	return r->machine ? 0 : -ENOMEM;
}

static int read_times(struct history_run *r, struct json_object *run, const char *file)
{
	const char *iso = jstr(run, "start");
	char buf[40];
	time_t t;

	r->start = iso ? iso_time(iso) : jnum(run, "start_time");
	r->end = jstr(run, "end") ? iso_time(jstr(run, "end")) : jnum(run, "end_time");
	if (!isfinite(r->start)) {
		wgb_err("history: %s: no start time (\"start\": ISO 8601 text, or \"start_time\")", file);
		return -EINVAL;
	}
	if (!iso) {
		t = (time_t)r->start;
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		iso = buf;
	}
	r->start_iso = strdup(iso);
	return r->start_iso ? 0 : -ENOMEM;
}

static int read_run_json(struct history_run *r, struct json_object *run, const char *file)
{
	struct json_object *wg = jget(run, "wireguard");
	const char *seed = jstr(run, "seed_string");
	int ret;

	if ((ret = read_host(r, run)) || (ret = read_times(r, run, file)))
		return ret;
	r->backend = dup(jstr(run, "backend"));
	if (!r->backend) {
		wgb_err("history: %s: no \"backend\"", file);
		return -EINVAL;
	}
	r->wg_implementation = dup(jstr(wg, "implementation"));
	r->wg_version = dup(jstr(wg, "version"));
	r->iperf_version = dup(jstr(jget(run, "iperf3"), "version"));
	r->wgbench_version = dup(jstr(jget(run, "wgbench"), "version"));
	r->wgbench_git = dup(jstr(jget(run, "wgbench"), "git_revision"));
	/* without a seed (older run.json) two runs may share a start: the path tells them apart */
	if (asprintf(&r->key, "%s/%s/%s", r->machine, r->start_iso, seed ? seed : r->dir) < 0) {
		r->key = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* What a scenario measured: its traffic and the run options that shape it. */
static int scenario_params(struct json_object *run, const char *name, char **text, char **sha)
{
	struct json_object *sc = jget(run, "scenarios"), *opt = jget(run, "options"), *o, *s = NULL;
	static const char *const skeys[] = { "protocol", "flows", "reverse", "bandwidth_bps",
					     "block_size", "iperf3" };
	static const char *const okeys[] = { "duration", "omit", "flows", "flow_mode", "tunnels" };
	char key[32];
	size_t i;
	int ret;

	for (i = 0; json_object_is_type(sc, json_type_array) && i < json_object_array_length(sc); i++)
		if (jstr(json_object_array_get_idx(sc, i), "name") &&
		    !strcmp(jstr(json_object_array_get_idx(sc, i), "name"), name))
			s = json_object_array_get_idx(sc, i);
	if (!(o = json_object_new_object()))
		return -ENOMEM;
	json_object_object_add(o, "scenario", json_object_new_string(name));
	for (i = 0; i < ARRAY_SIZE(skeys); i++)
		if (jget(s, skeys[i]))
			json_object_object_add(o, skeys[i], json_object_get(jget(s, skeys[i])));
	for (i = 0; i < ARRAY_SIZE(okeys); i++)
		if (jget(opt, okeys[i]) && !util_fmt(key, sizeof(key), "run_%s", okeys[i]))
			json_object_object_add(o, key, json_object_get(jget(opt, okeys[i])));
	ret = (*text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN))) ?
		sha256_hex(*text, sha) : -ENOMEM;
	json_object_put(o);
	return ret;
}

static const char *variant_sha(struct json_object *run, const char *name)
{
	struct json_object *vs = jget(run, "variants"), *v;
	size_t i;

	for (i = 0; json_object_is_type(vs, json_type_array) && i < json_object_array_length(vs); i++) {
		v = json_object_array_get_idx(vs, i);
		if (jstr(v, "name") && !strcmp(jstr(v, "name"), name))
			return jstr(v, "sha256");
	}
	return NULL;
}

static int add_sample(struct history_cell *c, size_t *cap, struct json_object *e)
{
	struct json_object *ok = jget(e, "ok");
	double bps = jnum(e, "throughput_bps"), rep = jnum(e, "repeat");
	struct history_sample *s;

	if (!json_object_get_boolean(ok) || !(bps > 0))
		return 0;   /* a failed repeat, or one that carried nothing */
	if (util_grow(&c->samples, cap, c->n_samples + 1, sizeof(*c->samples)))
		return -ENOMEM;
	s = &c->samples[c->n_samples++];
	s->repeat = isfinite(rep) ? (int64_t)rep : (int64_t)c->n_samples;
	s->bps = bps;
	s->rtt_p99_ms = jnum(jget(jget(e, "latency"), "rtt_ms"), "p99");
	return 0;
}

static int cell_samples(struct history_cell *c, struct json_object *runs)
{
	struct json_object *e;
	size_t i, cap = 0;
	int ret = 0;
	double lo = NAN, hi = NAN;

	for (i = 0; i < json_object_array_length(runs) && !ret; i++) {
		e = json_object_array_get_idx(runs, i);
		if (jstr(e, "variant") && jstr(e, "scenario") && !strcmp(jstr(e, "variant"), c->variant) &&
		    !strcmp(jstr(e, "scenario"), c->scenario))
			ret = add_sample(c, &cap, e);
	}
	for (i = 0; i < c->n_samples; i++) {
		double x = c->samples[i].rtt_p99_ms;

		if (isfinite(x)) {
			lo = isnan(lo) || x < lo ? x : lo;
			hi = isnan(hi) || x > hi ? x : hi;
		}
	}
	c->rtt_p99_low_ms = lo;
	c->rtt_p99_high_ms = hi;
	return ret;
}

static int read_cell(struct history_cell *c, struct json_object *e, struct json_object *run,
		     struct json_object *runs, const char *file, size_t i)
{
	const char *v = jstr(e, "variant"), *s = jstr(e, "scenario");
	bool v1 = jget(e, "ci95_low_bps") != NULL;
	double n = jnum(e, "n"), nf = jnum(e, "n_failed");
	int ret;

	if (!v || !s || !isfinite(n)) {
		wgb_err("history: %s: summary[%zu]: expected \"variant\", \"scenario\" and \"n\"", file, i);
		return -EINVAL;
	}
	c->variant = strdup(v);
	c->scenario = strdup(s);
	c->variant_sha256 = dup(variant_sha(run, v));
	c->verdict = dup(jstr(e, "verdict"));
	if (!c->variant || !c->scenario)
		return -ENOMEM;
	c->n = (int64_t)n;
	c->n_failed = isfinite(nf) ? (int64_t)nf : 0;
	c->median_bps = jnum(e, "median_bps");
	c->ci_low_bps = jnum(e, v1 ? "ci95_low_bps" : "ci_low_bps");
	c->ci_high_bps = jnum(e, v1 ? "ci95_high_bps" : "ci_high_bps");
	/* /1's interval was a 95 % bootstrap by construction; /2 states its level */
	c->ci_level = v1 ? (isfinite(c->ci_low_bps) ? 0.95 : NAN) : jnum(e, "ci_level");
	c->cv_percent = jnum(e, "cv_percent");
	c->rtt_p50_ms = jnum(e, "rtt_p50_ms");
	c->rtt_p99_ms = jnum(e, "rtt_p99_ms");
	c->delta_percent = jnum(e, "delta_percent");
	c->p_value = jnum(e, "p_value");
	if ((ret = scenario_params(run, s, &c->scenario_params, &c->scenario_sha256)))
		return ret;
	return cell_samples(c, runs);
}

static int read_results(struct history_run *r, struct json_object *res, struct json_object *run,
			const char *file)
{
	const char *schema = jstr(res, "schema");
	struct json_object *sum = jget(res, "summary"), *runs = jget(res, "runs");
	size_t i, n;
	int ret;

	if (!schema || (strcmp(schema, "wgbench.results/1") && strcmp(schema, "wgbench.results/2"))) {
		wgb_err("history: %s: schema \"%s\", expected wgbench.results/1 or /2", file,
			schema ? schema : "(none)");
		return -EPROTO;
	}
	if (!json_object_is_type(runs, json_type_array) || !json_object_is_type(sum, json_type_array)) {
		wgb_err("history: %s: expected arrays \"runs\" and \"summary\"", file);
		return -EINVAL;
	}
	n = json_object_array_length(sum);
	if (!n) {
		wgb_err("history: %s: summary[] is empty (`wgbench report %s` computes it)", file, r->dir);
		return -EINVAL;
	}
	r->results_schema = strdup(schema);
	r->cells = calloc(n, sizeof(*r->cells));
	if (!r->cells || !r->results_schema)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ret = read_cell(&r->cells[i], json_object_array_get_idx(sum, i), run, runs, file, i);
		r->n_cells = i + 1;
		if (ret)
			return ret;
	}
	return 0;
}

static int load_json(const char *dir, const char *name, char *path, size_t len,
		     struct json_object **out)
{
	char *text = NULL;
	int ret;

	if ((ret = util_fmt(path, len, "%s/%s", dir, name)))
		return ret;
	if ((ret = util_read_file(path, &text, NULL))) {
		wgb_err("history: %s: %s", path, strerror(-ret));
		return ret;
	}
	*out = json_tokener_parse(text);
	free(text);
	if (!json_object_is_type(*out, json_type_object)) {
		wgb_err("history: %s: not a JSON object", path);
		json_object_put(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

int history_import_dir(const char *dir, struct history_run **out)
{
	struct json_object *run = NULL, *res = NULL;
	char runf[4096], resf[4096], *abs;
	struct history_run *r;
	int ret;

	*out = NULL;
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	abs = realpath(dir, NULL);
	r->dir = abs ? abs : strdup(dir);
	if ((ret = load_json(dir, "run.json", runf, sizeof(runf), &run)) ||
	    (ret = load_json(dir, "results.json", resf, sizeof(resf), &res)) ||
	    (ret = read_run_json(r, run, runf)) || (ret = read_results(r, res, run, resf)))
		goto out;
	*out = r;
	r = NULL;
out:
	json_object_put(run);
	json_object_put(res);
	history_run_free(r);
	return ret;
}
