/* doctor_traffic.c — one probe scenario of the doctor, measured on the bed
 * exactly as `wgbench run` measures a runs[] entry (bed_measure(): flows
 * summed on the receiver side, the sampler's cpu/drops over the measured
 * window), put into the doctor's input document; the raw iperf3 JSON kept. */
#include "doctor_impl.h"
#include "bed.h"
#include "opts.h"
#include "scenario.h"
#include "stop.h"
#include "traffic.h"
#include "jsonx.h"
#include "util.h"

#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#define DOCTOR_BASE_PORT 5201

static void keep_raw(const char *raw_dir, const struct scenario *s, const struct bed_measure *m)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; raw_dir && i < m->n; i++)
		if (m->res[i].json && !util_fmt(path, sizeof(path), "%s/%s-f%zu.json", raw_dir, s->name, i))
			util_write_file_atomic(path, m->res[i].json, strlen(m->res[i].json));
}

/* Metrics only when every flow succeeded (a partial sum is not a measurement). */
static void add_metrics(struct json_object *e, const struct bed_measure *m, bool udp)
{
	json_object_object_add(e, "throughput_bps", jsonx_num(m->throughput_bps));
	json_object_object_add(e, "sender_bps", jsonx_num(m->sender_bps));
	json_object_object_add(e, "packets_per_s", udp ? jsonx_num(m->packets_per_s) : NULL);
	json_object_object_add(e, "lost_percent", udp ? jsonx_num(m->lost_percent) : NULL);
	json_object_object_add(e, "retransmits", !udp && m->retransmits >= 0 ?
			       json_object_new_int64(m->retransmits) : NULL);
}

int doctor_scenario(const struct opts *o, struct bed *bed, int duration, int omit,
		    const struct scenario *s, const char *timeline, const char *raw_dir,
		    struct json_object **out)
{
	struct bed_measure_spec sp = {
		.s = s, .duration = duration, .omit = omit, .flows = o->flows,
		.streams = o->flow_mode == FLOW_MODE_STREAMS, .base_port = DOCTOR_BASE_PORT,
		.interval = o->no_sampler ? 0 : o->interval, .timeline = timeline, .stop = stop_flag(),
		.probe_interval = o->probe_interval,
	};
	struct json_object *e = json_object_new_object();
	bool udp = s->protocol == SCENARIO_UDP;
	struct bed_measure m;
	int ret;

	*out = e;
	ret = bed_measure(bed, &sp, &m);
	json_object_object_add(e, "protocol", json_object_new_string(scenario_proto_name(s->protocol)));
	json_object_object_add(e, "flows", json_object_new_int((int)(o->flows ? o->flows : s->flows)));
	json_object_object_add(e, "block_size", json_object_new_int((int)s->block_size));
	json_object_object_add(e, "duration_s", json_object_new_int(duration));
	if (!ret)
		add_metrics(e, &m, udp);
	keep_raw(raw_dir, s, &m);
	json_object_object_add(e, "ok", json_object_new_boolean(ret == 0));
	json_object_object_add(e, "error", m.error ? json_object_new_string(m.error) : NULL);
	json_object_object_add(e, "cpu", m.cpu);
	json_object_object_add(e, "drops", m.drops);
	json_object_object_add(e, "latency", m.latency);
	m.cpu = m.drops = m.latency = NULL;   /* the entry's now */
	bed_measure_clear(&m);
	return ret;
}
