/* report_run.c — the readers of one runs[] entry's sampler objects (`cpu`,
 * `drops`), in one place so a change in the sampler's keys is a change here
 * only. See report_data.h. */
#include "report_data.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static double num_any(struct json_object *o, const char *const keys[])
{
	double x;

	for (; *keys; keys++) {
		x = report_json_num(report_json_get(o, *keys));
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
				x = report_json_num(v);
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
	struct json_object *nodes = report_json_get(cpu, "nodes");
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

	return num_any(report_json_get(report_json_get(report_json_get(run, "cpu"), "nodes"), node), k_tun);
}

static double cores_reduce(struct json_object *cpu, bool busy)
{
	struct json_object *cores = report_json_get(cpu, "cores");
	double acc = NAN, x;
	size_t i;

	if (!cores || !json_object_is_type(cores, json_type_array))
		return NAN;
	for (i = 0; i < json_object_array_length(cores); i++) {
		struct json_object *c = json_object_array_get_idx(cores, i);

		/* "busy" excludes iowait as well as idle; older data has only idle */
		x = busy ? report_json_num(report_json_get(c, "busy")) : num_any(c, k_soft);
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
	struct json_object *cpu = report_json_get(run, "cpu"), *drops = report_json_get(run, "drops");
	double x;

	switch (m) {
	case RM_RETRANSMITS:
		return report_json_num(report_json_get(run, "retransmits"));
	case RM_LOST_PERCENT:
		return report_json_num(report_json_get(run, "lost_percent"));
	case RM_TOP_SOFTIRQ:
		x = num_any(report_json_get(cpu, "top_core"), k_soft);
		return isnan(x) ? cores_reduce(cpu, false) : x;
	/* The sampler puts machine totals at the top of `drops` and the same
	 * counters per node below it: take the totals, never both. */
	case RM_SOFTNET_DROPS:
		x = report_json_num(report_json_get(drops, "softnet_dropped"));
		return isnan(x) ? sum_keys(drops, k_sn, 0) : x;
	case RM_IF_DROPS:
		return sum_keys(report_json_get(drops, "interfaces") ? report_json_get(drops, "interfaces") : drops, k_if, 0);
	case RM_UDP_BUF_ERRORS: {
		double r = report_json_num(report_json_get(drops, "udp_rcvbuf_errors")), w = report_json_num(report_json_get(drops, "udp_sndbuf_errors"));

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
	struct json_object *cores = report_json_get(report_json_get(run, "cpu"), "cores");
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
