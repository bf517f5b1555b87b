/* report_data.c — see report_data.h. */
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

static const char *const scenario_order[] = { "tcp-fwd", "tcp-rev", "udp", "udp-small", "tcp-single" };

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

static double num(struct json_object *v)
{
	if (v && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return json_object_get_double(v);
	return NAN;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* First numeric value of any of the keys. */
static double num_any(struct json_object *o, const char *const keys[])
{
	double x;

	for (; *keys; keys++) {
		x = num(get(o, *keys));
		if (!isnan(x))
			return x;
	}
	return NAN;
}

/* Sum of every numeric value whose key is one of keys, anywhere below o:
 * interface drops are nested per node and per interface. */
static double sum_keys(struct json_object *o, const char *const keys[], int depth)
{
	double total = NAN, x;
	size_t i;

	if (!o || depth > 6)
		return NAN;
	if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++) {
			x = sum_keys(json_object_array_get_idx(o, i), keys, depth + 1);
			if (!isnan(x))
				total = isnan(total) ? x : total + x;
		}
		return total;
	}
	if (!json_object_is_type(o, json_type_object))
		return NAN;
	json_object_object_foreach(o, k, v) {
		const char *const *kk;

		x = NAN;
		for (kk = keys; *kk; kk++)
			if (!strcmp(k, *kk))
				x = num(v);
		if (isnan(x))
			x = sum_keys(v, keys, depth + 1);
		if (!isnan(x))
			total = isnan(total) ? x : total + x;
	}
	return total;
}

static const char *const k_usr[] = { "usr", "user", NULL };
static const char *const k_sys[] = { "sys", "system", NULL };
static const char *const k_soft[] = { "softirq", "soft", "softirq_percent", NULL };
static const char *const k_irq[] = { "irq", NULL };
static const char *const k_idle[] = { "idle", NULL };

static double tunnel_cpu(struct json_object *cpu)
{
	static const char *const k_tun[] = { "tunnel_percent", "tunnel_cpu_percent", "tunnel",
					     "tunnel_cpu", NULL };
	struct json_object *nodes = get(cpu, "nodes");
	double best = NAN, x;
	size_t i;

	if (!nodes)
		return NAN;
	if (json_object_is_type(nodes, json_type_array)) {
		for (i = 0; i < json_object_array_length(nodes); i++) {
			x = num_any(json_object_array_get_idx(nodes, i), k_tun);
			if (!isnan(x) && (isnan(best) || x > best))
				best = x;
		}
	} else if (json_object_is_type(nodes, json_type_object)) {
		json_object_object_foreach(nodes, k, v) {
			(void)k;
			x = num_any(v, k_tun);
			if (!isnan(x) && (isnan(best) || x > best))
				best = x;
		}
	}
	return best;
}

double report_run_node_tunnel_cpu(struct json_object *run, const char *node)
{
	static const char *const k_tun[] = { "tunnel_cpu_percent", "tunnel_percent", NULL };

	return num_any(get(get(get(run, "cpu"), "nodes"), node), k_tun);
}

static double cores_reduce(struct json_object *cpu, bool busy)
{
	struct json_object *cores = get(cpu, "cores");
	double acc = NAN, x;
	size_t i;

	if (!cores || !json_object_is_type(cores, json_type_array))
		return NAN;
	for (i = 0; i < json_object_array_length(cores); i++) {
		struct json_object *c = json_object_array_get_idx(cores, i);

		/* "busy" excludes iowait as well as idle; older data has only idle */
		x = busy ? num(get(c, "busy")) : num_any(c, k_soft);
		if (busy && isnan(x))
			x = 100.0 - num_any(c, k_idle);
		if (isnan(x))
			continue;
		if (isnan(acc))
			acc = x;
		else
			acc = busy ? acc + x : fmax(acc, x);
	}
	return acc;
}

double report_run_metric(struct json_object *run, enum report_metric m)
{
	static const char *const k_sn[] = { "softnet_dropped", NULL };
	static const char *const k_if[] = { "rx_dropped", "tx_dropped", "rx_drops", "tx_drops", NULL };
	static const char *const k_udp[] = { "udp_rcvbuf_errors", "udp_sndbuf_errors", NULL };
	struct json_object *cpu = get(run, "cpu"), *drops = get(run, "drops");
	double x;

	switch (m) {
	case RM_RETRANSMITS:
		return num(get(run, "retransmits"));
	case RM_LOST_PERCENT:
		return num(get(run, "lost_percent"));
	case RM_TOP_SOFTIRQ:
		x = num_any(get(cpu, "top_core"), k_soft);
		return isnan(x) ? cores_reduce(cpu, false) : x;
	/* The sampler puts machine totals at the top of `drops` and the same
	 * counters per node below it: take the totals, never both. */
	case RM_SOFTNET_DROPS:
		x = num(get(drops, "softnet_dropped"));
		return isnan(x) ? sum_keys(drops, k_sn, 0) : x;
	case RM_IF_DROPS:
		return sum_keys(get(drops, "interfaces") ? get(drops, "interfaces") : drops, k_if, 0);
	case RM_UDP_BUF_ERRORS: {
		double r = num(get(drops, "udp_rcvbuf_errors")), w = num(get(drops, "udp_sndbuf_errors"));

		if (isnan(r) && isnan(w))
			return sum_keys(drops, k_udp, 0);
		return (isnan(r) ? 0 : r) + (isnan(w) ? 0 : w);
	}
	case RM_TUNNEL_CPU:
		return tunnel_cpu(cpu);
	case RM_CPU_BUSY:
		return cores_reduce(cpu, true);
	case RM_COUNT:
		break;
	}
	return NAN;
}

int report_run_cores(struct json_object *run, double **out, size_t *n)
{
	struct json_object *cores = get(get(run, "cpu"), "cores");
	const char *const *keys[5] = { k_usr, k_sys, k_soft, k_irq, k_idle };
	size_t i, k, len;
	double *v;

	*out = NULL;
	*n = 0;
	if (!cores || !json_object_is_type(cores, json_type_array) ||
	    !(len = json_object_array_length(cores)))
		return -ENOENT;
	v = calloc(len * 5, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < len; i++)
		for (k = 0; k < 5; k++)
			v[i * 5 + k] = num_any(json_object_array_get_idx(cores, i), keys[k]);
	*out = v;
	*n = len;
	return 0;
}

static int name_index(char ***list, size_t *n, const char *name, bool add)
{
	char **grown;
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*list)[i], name))
			return (int)i;
	if (!add)
		return -ENOENT;
	grown = realloc(*list, (*n + 1) * sizeof(**list));
	if (!grown)
		return -ENOMEM;
	*list = grown;
	grown[*n] = strdup(name);
	if (!grown[*n])
		return -ENOMEM;
	return (int)(*n)++;
}

/* Names listed in run.json ("variants": [{"name"}], "scenarios": [{"name"}|"name"]). */
static int names_from_run(struct json_object *arr, char ***list, size_t *n)
{
	size_t i;
	int r;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *name = json_object_is_type(e, json_type_string) ?
				   json_object_get_string(e) : str(e, "name");

		if (name && (r = name_index(list, n, name, true)) < 0)
			return r;
	}
	return 0;
}

static int load_json(const char *dir, const char *name, bool required, struct json_object **out)
{
	char path[4096];
	char *text = NULL;
	enum json_tokener_error jerr;
	size_t len;
	int r;

	*out = NULL;
	if (util_fmt(path, sizeof(path), "%s/%s", dir, name))
		return -ENAMETOOLONG;
	r = util_read_file(path, &text, &len);
	if (r) {
		if (required || r != -ENOENT)
			wgb_err("%s: %s", path, strerror(-r));
		return required || r != -ENOENT ? r : 0;
	}
	*out = json_tokener_parse_verbose(text, &jerr);
	free(text);
	if (!*out) {
		wgb_err("%s: not JSON (%s)", path, json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	return 0;
}

static int check_results(const char *dir, struct json_object *res, struct json_object **runs)
{
	const char *schema = str(res, "schema");

	if (!schema) {
		wgb_err("%s/results.json: no \"schema\": expected \"%s\"", dir, REPORT_SCHEMA);
		return -EPROTO;
	}
	if (strcmp(schema, REPORT_SCHEMA)) {
		wgb_err("%s/results.json: schema \"%s\", expected \"%s\"", dir, schema, REPORT_SCHEMA);
		return -EPROTO;
	}
	*runs = get(res, "runs");
	if (!*runs || !json_object_is_type(*runs, json_type_array)) {
		wgb_err("%s/results.json: \"runs\" must be an array", dir);
		return -EINVAL;
	}
	return 0;
}

static int collect_names(struct report_data *d, struct json_object *runs)
{
	size_t i, k;
	int r;

	if ((r = names_from_run(get(d->run, "variants"), &d->variants, &d->n_variants)) ||
	    (r = names_from_run(get(d->run, "scenarios"), &d->scenarios, &d->n_scenarios)))
		return r;
	for (k = 0; k < ARRAY_SIZE(scenario_order); k++)
		for (i = 0; i < json_object_array_length(runs); i++) {
			const char *s = str(json_object_array_get_idx(runs, i), "scenario");

			if (s && !strcmp(s, scenario_order[k])) {
				if ((r = name_index(&d->scenarios, &d->n_scenarios, s, true)) < 0)
					return r;
				break;
			}
		}
	for (i = 0; i < json_object_array_length(runs); i++) {
		struct json_object *e = json_object_array_get_idx(runs, i);
		const char *v = str(e, "variant"), *s = str(e, "scenario");

		if (!v || !s) {
			wgb_err("%s/results.json: runs[%zu] needs \"variant\" and \"scenario\" strings",
				d->dir, i);
			return -EINVAL;
		}
		if ((r = name_index(&d->variants, &d->n_variants, v, true)) < 0 ||
		    (r = name_index(&d->scenarios, &d->n_scenarios, s, true)) < 0)
			return r;
	}
	return 0;
}

static int cell_add(struct report_cell *c, struct json_object *e)
{
	struct json_object **grown = realloc(c->runs, (c->n_runs + 1) * sizeof(*grown));
	double *g2, bps;
	struct json_object *ok = get(e, "ok");

	if (!grown)
		return -ENOMEM;
	c->runs = grown;
	c->runs[c->n_runs++] = e;
	bps = num(get(e, "throughput_bps"));
	if ((ok && !json_object_get_boolean(ok)) || isnan(bps))
		return 0;
	g2 = realloc(c->bps, (c->n_ok + 1) * sizeof(*g2));
	if (!g2)
		return -ENOMEM;
	c->bps = g2;
	c->bps[c->n_ok++] = bps;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void cell_metrics(struct report_cell *c)
{
	double *v = malloc((c->n_runs + 1) * sizeof(*v)), x;
	size_t i, n, m;

	for (m = 0; m < RM_COUNT; m++) {
		c->metric[m] = NAN;
		if (!v)
			continue;
		for (i = n = 0; i < c->n_runs; i++) {
			struct json_object *ok = get(c->runs[i], "ok");

			if (ok && !json_object_get_boolean(ok))
				continue;
			x = report_run_metric(c->runs[i], (enum report_metric)m);
			if (!isnan(x))
				v[n++] = x;
		}
		if (!n)
			continue;
		qsort(v, n, sizeof(*v), cmp_double);
		c->metric[m] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	}
	free(v);
	c->udp = !strncmp(c->scenario, "udp", 3);
}

static int compute(struct report_data *d)
{
	size_t v, s;
	int r;

	for (v = 0; v < d->n_variants; v++)
		for (s = 0; s < d->n_scenarios; s++) {
			struct report_cell *c = report_cell(d, v, s), *b = report_cell(d, 0, s);

			cell_metrics(c);
			if (!c->n_ok)
				continue;
			if ((r = stats_summarize(c->bps, c->n_ok, &c->s)))
				return r;
			if (v && b->n_ok) {
				if ((r = stats_compare(b->bps, b->n_ok, c->bps, c->n_ok, &c->cmp)))
					return r;
				c->has_cmp = true;
			}
		}
	return 0;
}

int report_data_load(const char *dir, struct report_data **out)
{
	struct report_data *d;
	struct json_object *runs;
	size_t i, nc;
	int r;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d || !(d->dir = strdup(dir))) {
		free(d);
		return -ENOMEM;
	}
	if ((r = load_json(dir, "results.json", true, &d->results)) ||
	    (r = check_results(dir, d->results, &runs)) ||
	    (r = load_json(dir, "run.json", false, &d->run)) ||
	    (r = collect_names(d, runs)))
		goto fail;
	nc = d->n_variants * d->n_scenarios;
	d->cells = calloc(nc ? nc : 1, sizeof(*d->cells));
	r = -ENOMEM;
	if (!d->cells)
		goto fail;
	for (i = 0; i < nc; i++) {
		d->cells[i].variant = d->variants[i / d->n_scenarios];
		d->cells[i].scenario = d->scenarios[i % d->n_scenarios];
	}
	for (i = 0; i < json_object_array_length(runs); i++) {
		struct json_object *e = json_object_array_get_idx(runs, i);
		int v = name_index(&d->variants, &d->n_variants, str(e, "variant"), false);
		int s = name_index(&d->scenarios, &d->n_scenarios, str(e, "scenario"), false);

		if ((r = cell_add(report_cell(d, (size_t)v, (size_t)s), e)))
			goto fail;
	}
	if ((r = compute(d))) {
		wgb_err("%s/results.json: a throughput_bps is not a finite number", dir);
		goto fail;
	}
	*out = d;
	return 0;
fail:
	report_data_free(d);
	return r;
}

void report_data_free(struct report_data *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; d->cells && i < d->n_variants * d->n_scenarios; i++) {
		free(d->cells[i].bps);
		free(d->cells[i].runs);
	}
	free(d->cells);
	for (i = 0; i < d->n_variants; i++)
		free(d->variants[i]);
	for (i = 0; i < d->n_scenarios; i++)
		free(d->scenarios[i]);
	free(d->variants);
	free(d->scenarios);
	json_object_put(d->results);
	json_object_put(d->run);
	free(d->dir);
	free(d);
}

struct report_cell *report_cell(const struct report_data *d, size_t v, size_t s)
{
	return &d->cells[v * d->n_scenarios + s];
}

double report_run_start(const struct report_data *d)
{
	static const char *const keys[] = { "start_time", "started", "start", "started_at", NULL };
	const char *const *k;
	struct json_object *v;
	struct tm tm;
	const char *s, *end;

	for (k = keys; *k; k++) {
		v = get(d->run, *k);
		if (!v)
			continue;
		if (!isnan(num(v)))
			return num(v);
		if (!json_object_is_type(v, json_type_string))
			continue;
		s = json_object_get_string(v);
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
		if (end)  /* the harness writes UTC, with milliseconds */
			return (double)timegm(&tm) + (*end == '.' ? strtod(end, NULL) : 0);
	}
	return NAN;
}

void report_fmt_bps(char *buf, size_t len, double bps)
{
	if (isnan(bps))
		snprintf(buf, len, "–");
	else if (bps >= 1e9)
		snprintf(buf, len, "%.2f Gbit/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%.1f Mbit/s", bps / 1e6);
	else
		snprintf(buf, len, "%.1f kbit/s", bps / 1e3);
}

void report_fmt_num(char *buf, size_t len, double v, int decimals)
{
	if (isnan(v))
		snprintf(buf, len, "–");
	else
		snprintf(buf, len, "%.*f", decimals, v);
}

void report_safe_name(char *buf, size_t len, const char *name)
{
	size_t i;

	for (i = 0; len && i + 1 < len && name[i]; i++) {
		char c = name[i];

		buf[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '+' || c == '-') ? c : '_';
	}
	if (len)
		buf[i] = '\0';
	if (len > 1 && buf[0] == '.')
		buf[0] = '_';  /* no hidden files, no ".." */
}
