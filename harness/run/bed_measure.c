/* bed_measure.c — one scenario measured on a bed (bed.h): the flows
 * through the backend's traffic, the sampler around them, flows summed.
 * `wgbench run` (run_entry.c) and `wgbench doctor` (doctor_traffic.c) both
 * measure with this, so a doctor's figure is a run's figure. */
#include "bed.h"
#include "latency.h"
#include "scenario.h"
#include "traffic.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Generous: a loaded 2-core machine can finish a test late, but a hung one
 * must not stall the whole run. */
static double scenario_timeout(int duration, int omit)
{
	return duration + omit + 30 + 0.25 * duration;
}

static void sum_flows(struct bed_measure *m, bool udp)
{
	long long packets = 0, lost = 0, retr = 0;
	bool have_retr = false;
	size_t i;

	m->throughput_bps = m->sender_bps = m->packets_per_s = m->jitter_ms = 0;
	for (i = 0; i < m->n; i++) {
		const struct traffic_metrics *x = &m->res[i].m;

		m->throughput_bps += x->receiver_bps;
		m->sender_bps += x->sender_bps;
		if (udp) {
			packets += x->packets;
			lost += x->lost_packets;
			m->jitter_ms += x->jitter_ms / (double)m->n;
			m->packets_per_s += x->packets_per_s;
		} else if (x->retransmits >= 0) {
			retr += x->retransmits;
			have_retr = true;
		}
	}
	m->retransmits = have_retr ? retr : -1;
	m->lost_percent = udp && packets > 0 ? 100.0 * (double)lost / (double)packets : NAN;
	if (!udp)
		m->jitter_ms = m->packets_per_s = NAN;
}

/* Flow i's server: drain address i mod tunnels; with --inner dual every
 * other round of flows in IPv6, so both families share each tunnel. */
static const char *flow_addr(struct bed *b, unsigned int i, unsigned int tunnels)
{
	const char *v6 = bed_drain_addr(b, i % tunnels, AF_INET6);

	if (v6 && (i / tunnels) % 2)
		return v6;
	return bed_drain_addr_any(b, i % tunnels);
}

static int fill_specs(struct bed *b, const struct bed_measure_spec *sp, struct bed_measure *m)
{
	unsigned int tunnels = bed_tunnels(b), i;

	m->flows = sp->flows ? sp->flows : sp->s->flows;
	/* iperf3 3.12 runs all -P streams on one thread: one process pair per
	 * flow (the paper's method) unless -P parity is asked for. */
	m->tests = sp->streams ? 1 : m->flows;
	m->streams = sp->streams ? m->flows : 1;
	m->n = m->tests;
	m->spec = calloc(m->n, sizeof(*m->spec));
	m->res = calloc(m->n, sizeof(*m->res));
	if (!m->spec || !m->res)
		return -ENOMEM;
	if (!tunnels)
		return -ENOENT;   /* the testbed is down */
	for (i = 0; i < m->tests; i++) {
		m->spec[i].server_addr = flow_addr(b, i, tunnels);
		m->spec[i].port = sp->base_port + (int)i;
		if (!m->spec[i].server_addr)
			return -ENOENT;
	}
	return 0;
}

static void set_error(char **err, int ret, const struct bed_measure *m)
{
	size_t i;

	for (i = 0; i < m->n && !*err; i++)
		if (!m->res[i].ok && m->res[i].error &&
		    asprintf(err, "flow %zu (%s port %d): %s", i, m->spec[i].server_addr,
			     m->spec[i].port, m->res[i].error) < 0)
			*err = NULL;
	if (ret && !*err && asprintf(err, "%s", strerror(-ret)) < 0)
		*err = NULL;
}

static void start_sampler(struct bed *b, const struct bed_measure_spec *sp, struct bed_measure *m)
{
	if (!(sp->interval > 0))
		return;
	if (bed_sample_start(b, sp->interval, sp->timeline)) {
		m->sampler_error = strdup("the sampler could not start");
		wgb_warn("%s: the sampler could not start; no cpu/drops", sp->s->name);
		return;
	}
	m->sampled = true;
}

/* Its window is the measured interval: after iperf3's omit. */
static void stop_sampler(struct bed *b, const struct bed_measure_spec *sp, struct bed_measure *m)
{
	double w0 = m->t_clients + sp->omit;

	if (!m->sampled)
		return;
	if (bed_sample_stop(b, w0, w0 + sp->duration, &m->cpu, &m->drops, &m->sampler_cpu_s)) {
		m->sampler_error = strdup("the sampler failed");
		m->cpu = m->drops = NULL;
	}
}

/* The probe starts before the load: BED_PROBE_IDLE_S of idle RTT first. */
static struct bed_probe *start_probe(struct bed *b, const struct bed_measure_spec *sp,
				     struct bed_measure *m, struct latency_window *idle)
{
	struct bed_probe *p = NULL;
	int ret;

	if (!(sp->probe_interval > 0))
		return NULL;
	ret = bed_probe_start(b, sp->probe_interval, &p);
	if (ret) {
		if (asprintf(&m->latency_error, "%s", ret == -ENOTSUP ?
			     "not measured on this testbed (no reflector can run on its far side)" :
			     "the latency probe could not start") < 0)
			m->latency_error = NULL;
		return NULL;
	}
	idle->begin = bed_probe_started(p);
	idle->end = idle->begin + BED_PROBE_IDLE_S;
	while (util_now_mono() < idle->end && !(sp->stop && *sp->stop))
		usleep(10000);
	return p;
}

static void finish_probe(struct bed_probe *p, const struct bed_measure_spec *sp,
			 struct bed_measure *m, const struct latency_window *idle)
{
	struct latency_window load = { m->t_clients + sp->omit, m->t_clients + sp->omit + sp->duration };

	if (!p)
		return;
	if (!(m->t_clients > 0) || bed_probe_finish(p, idle, &load, sp->latency_timeline, &m->latency))
		m->latency_error = strdup("the latency probe failed");
	bed_probe_free(p);
}

int bed_measure(struct bed *b, const struct bed_measure_spec *sp, struct bed_measure *m)
{
	struct latency_window idle = { 0, 0 };
	struct bed_probe *probe;
	struct traffic_test t;
	int ret;

	memset(m, 0, sizeof(*m));
	m->retransmits = -1;
	m->wall_start = util_now_wall();
	ret = fill_specs(b, sp, m);
	if (ret) {
		if (asprintf(&m->error, "testbed: %s", strerror(-ret)) < 0)
			m->error = NULL;
		m->wall_end = util_now_wall();
		return ret;
	}
	t = (struct traffic_test){
		.udp = sp->s->protocol == SCENARIO_UDP, .reverse = sp->s->reverse,
		.bidir = sp->s->bidir,
		.streams = m->streams, .block_size = sp->s->block_size,
		.rate_bps = sp->s->bandwidth_bps, .duration = sp->duration, .omit = sp->omit,
	};
	probe = start_probe(b, sp, m, &idle);
	start_sampler(b, sp, m);
	ret = bed_traffic(b, &t, m->spec, m->n, scenario_timeout(sp->duration, sp->omit), sp->stop,
			  m->res, &m->t_clients);
	m->wall_end = util_now_wall();
	stop_sampler(b, sp, m);
	finish_probe(probe, sp, m, &idle);
	set_error(&m->error, ret, m);
	if (ret)
		return ret;
	sum_flows(m, t.udp);
	m->ok = true;
	return 0;
}

void bed_measure_clear(struct bed_measure *m)
{
	size_t i;

	for (i = 0; m->res && i < m->n; i++)
		traffic_flow_result_clear(&m->res[i]);
	free(m->res);
	free(m->spec);
	free(m->error);
	free(m->sampler_error);
	free(m->latency_error);
	json_object_put(m->latency);
	json_object_put(m->cpu);
	json_object_put(m->drops);
	memset(m, 0, sizeof(*m));
}
