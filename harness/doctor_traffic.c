/* doctor_traffic.c — one probe scenario of the doctor: its flows through the
 * traffic layer (libiperf, one child per endpoint) with the sampler around
 * them, summed the way `wgbench run` sums a runs[] entry (receiver side),
 * and the sampler's cpu/drops summaries over the measured window. */
#include "doctor_impl.h"
#include "opts.h"
#include "sample.h"
#include "scenario.h"
#include "topo.h"
#include "traffic.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOCTOR_BASE_PORT 5201

static struct json_object *num(double x)
{
	return isfinite(x) ? json_object_new_double(x) : NULL;
}

static void keep_raw(const char *raw_dir, const struct scenario *s,
		     const struct traffic_flow_result *res, size_t n)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; raw_dir && i < n; i++)
		if (res[i].json && !util_fmt(path, sizeof(path), "%s/%s-f%zu.json", raw_dir, s->name, i))
			util_write_file_atomic(path, res[i].json, strlen(res[i].json));
}

/* Flows summed; metrics only when every flow succeeded (a partial sum is
 * not a measurement). */
static void add_metrics(struct json_object *e, const struct traffic_flow_result *res, size_t n,
			bool udp)
{
	double thr = 0, snd = 0, pps = 0;
	long long pk = 0, lost = 0, retr = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		thr += res[i].m.receiver_bps;
		snd += res[i].m.sender_bps;
		pps += res[i].m.packets_per_s;
		pk += res[i].m.packets;
		lost += res[i].m.lost_packets;
		retr += res[i].m.retransmits > 0 ? res[i].m.retransmits : 0;
	}
	json_object_object_add(e, "throughput_bps", num(thr));
	json_object_object_add(e, "sender_bps", num(snd));
	json_object_object_add(e, "packets_per_s", udp ? num(pps) : NULL);
	json_object_object_add(e, "lost_percent", udp && pk > 0 ? num(100.0 * (double)lost / (double)pk) : NULL);
	json_object_object_add(e, "retransmits", udp ? NULL : json_object_new_int64(retr));
}

int doctor_scenario(const struct opts *o, struct topo *t, int duration, int omit,
		    const struct scenario *s, const char *timeline, const char *raw_dir,
		    const volatile sig_atomic_t *stop, struct json_object **out)
{
	unsigned int flows = o->flows ? o->flows : s->flows, tunnels = topo_tunnels(t);
	bool streams = o->flow_mode == FLOW_MODE_STREAMS, udp = s->protocol == SCENARIO_UDP;
	size_t n = streams ? 1 : flows, i;
	struct json_object *e = json_object_new_object(), *cpu = NULL, *drops = NULL;
	struct traffic_flow *spec = calloc(n, sizeof(*spec));
	struct traffic_flow_result *res = calloc(n, sizeof(*res));
	struct sampler *smp = NULL;
	char src[PATH_MAX], dst[PATH_MAX], *err = NULL;
	struct traffic_test tt;
	double t0 = 0;
	int ret = -ENOMEM;

	*out = e;
	json_object_object_add(e, "protocol", json_object_new_string(scenario_proto_name(s->protocol)));
	json_object_object_add(e, "flows", json_object_new_int((int)flows));
	json_object_object_add(e, "block_size", json_object_new_int((int)s->block_size));
	json_object_object_add(e, "duration_s", json_object_new_int(duration));
	if (!spec || !res)
		goto out;
	for (i = 0; i < n; i++) {
		spec[i].server_addr = topo_drain_addr(t, (unsigned int)i % (tunnels ? tunnels : 1));
		spec[i].port = DOCTOR_BASE_PORT + (int)i;
	}
	if ((ret = topo_node_netns_path(t, NODE_SOURCE, src, sizeof(src))) ||
	    (ret = topo_node_netns_path(t, NODE_DRAIN, dst, sizeof(dst))))
		goto out;
	tt = (struct traffic_test){
		.udp = udp, .reverse = s->reverse, .streams = streams ? flows : 1,
		.block_size = s->block_size, .rate_bps = s->bandwidth_bps, .duration = duration,
		.omit = omit, .client_netns = src, .server_netns = dst,
	};
	if (!o->no_sampler && sample_start(t, o->interval, timeline, &smp)) {
		smp = NULL;
		wgb_warn("doctor %s: the sampler could not start; no cpu/drops", s->name);
	}
	ret = traffic_run(&tt, spec, n, duration + omit + 30 + 0.25 * duration, stop, res, &t0);
	if (smp) {
		if (sample_stop(smp, t0 + omit, t0 + omit + duration, &cpu, &drops))
			wgb_warn("doctor %s: the sampler failed", s->name);
		sample_free(smp);
	}
	keep_raw(raw_dir, s, res, n);
	for (i = 0; i < n && !err; i++)
		if (!res[i].ok && res[i].error &&
		    asprintf(&err, "flow %zu (%s port %d): %s", i, spec[i].server_addr, spec[i].port,
			     res[i].error) < 0)
			err = NULL;
	if (!ret)
		add_metrics(e, res, n, udp);
out:
	if (ret && !err && asprintf(&err, "%s", strerror(-ret)) < 0)
		err = NULL;
	json_object_object_add(e, "ok", json_object_new_boolean(ret == 0));
	json_object_object_add(e, "error", err ? json_object_new_string(err) : NULL);
	json_object_object_add(e, "cpu", cpu);
	json_object_object_add(e, "drops", drops);
	for (i = 0; res && i < n; i++)
		traffic_flow_result_clear(&res[i]);
	free(res);
	free(spec);
	free(err);
	return ret;
}
