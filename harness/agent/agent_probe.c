/* agent_probe.c — one latency probe path over agents (agent_probe.h). */
#include "agent_probe.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

struct agent_probe {
	enum latency_path path;
	struct agent_probe_end from, to;
	double timeout;
	struct latency_reflector *refl;     /* to is this process */
	struct latency_probe *probe;        /* from is this process */
	bool refl_on, probe_on;             /* started on the node, not yet stopped */
};

static const char *name(const struct agent_probe *p)
{
	return latency_path_name(p->path);
}

static int reflect_start(struct agent_probe *p, const char *addr, uint16_t *port)
{
	const char *bind = strchr(addr, ':') ? addr : NULL;
	char words[64];
	unsigned long v;
	char *end;
	int ret;

	if (!p->to.ch) {
		ret = latency_reflector_start(NULL, bind, 0, NULL, &p->refl);
		if (!ret)
			*port = latency_reflector_port(p->refl);
		return ret;
	}
	ret = agent_chan_call(p->to.ch, p->timeout, words, sizeof(words), NULL, "reflect-start %s %s",
			      name(p), bind ? bind : "-");
	if (ret)
		return ret;
	p->refl_on = true;
	v = strtoul(words, &end, 10);
	if (end == words || v < 1 || v > 65535) {
		wgb_err("%s: no port in its answer to reflect-start", p->to.ch->label);
		return -EPROTO;
	}
	*port = (uint16_t)v;
	return 0;
}

static int probe_start(struct agent_probe *p, const char *addr, uint16_t port, double interval)
{
	struct latency_opts o = { .interval_s = interval };
	int ret;

	if (!p->from.ch)
		return latency_probe_start(NULL, addr, port, &o, &p->probe);
	ret = agent_chan_call(p->from.ch, p->timeout, NULL, 0, NULL, "probe-start %s %.6f %s %u",
			      name(p), interval, addr, port);
	p->probe_on = !ret;
	return ret;
}

int agent_probe_start(enum latency_path path, struct agent_probe_end from, struct agent_probe_end to,
		      const char *addr, double interval, double timeout, struct agent_probe **out)
{
	struct agent_probe *p = calloc(1, sizeof(*p));
	uint16_t port = 0;
	int ret;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	*p = (struct agent_probe){ .path = path, .from = from, .to = to, .timeout = timeout };
	ret = reflect_start(p, addr, &port);
	if (!ret)
		ret = probe_start(p, addr, port, interval);
	if (ret) {
		agent_probe_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

static int probe_stop(struct agent_probe *p)
{
	int ret;

	if (!p->from.ch)
		return p->probe ? latency_probe_stop(p->probe) : 0;
	if (!p->probe_on)
		return 0;
	ret = agent_chan_call(p->from.ch, p->timeout, NULL, 0, NULL, "probe-stop %s", name(p));
	p->probe_on = false;   /* stopped, or beyond reach: the node frees it */
	return ret;
}

static int reflect_stop(struct agent_probe *p, double *cpu_s)
{
	char words[64];
	int ret;

	*cpu_s = 0;
	if (!p->to.ch) {
		*cpu_s = latency_reflector_cpu_s(p->refl);
		latency_reflector_free(p->refl);
		p->refl = NULL;
		return 0;
	}
	if (!p->refl_on)
		return 0;
	ret = agent_chan_call(p->to.ch, p->timeout, words, sizeof(words), NULL, "reflect-stop %s", name(p));
	p->refl_on = false;
	if (!ret)
		*cpu_s = strtod(words, NULL);
	return ret;
}

/* The prober's figures and timeline (its rows on our clock). */
static int result(struct agent_probe *p, const struct latency_window *idle,
		  const struct latency_window *load, double refl_cpu_s, struct json_object **lat,
		  char **timeline)
{
	struct json_object *doc, *x;
	struct latency_result r;
	char *payload = NULL;
	double off;
	size_t len;
	int ret;

	if (!p->from.ch) {
		ret = latency_probe_result(p->probe, idle, load, refl_cpu_s, &r);
		if (!ret && !(*lat = latency_result_json(&r)))
			ret = -ENOMEM;
		if (!ret && latency_probe_timeline_text(p->probe, 0, timeline, &len))
			*timeline = NULL;
		return ret;
	}
	off = p->from.clock ? p->from.clock->offset : 0;
	ret = agent_chan_call(p->from.ch, p->timeout, NULL, 0, &payload,
			      "probe-result %s %.6f %.6f %.6f %.6f %.6f %.6f", name(p), off,
			      idle->begin + off, idle->end + off, load->begin + off, load->end + off,
			      refl_cpu_s);
	doc = ret ? NULL : json_tokener_parse(payload);
	free(payload);
	if (!ret && (!doc || !json_object_object_get_ex(doc, "latency", &x) ||
		     !json_object_is_type(x, json_type_object))) {
		wgb_err("%s: its probe-result is no latency object", p->from.ch->label);
		ret = -EPROTO;
	}
	if (!ret) {
		*lat = json_object_get(x);
		if (json_object_object_get_ex(doc, "timeline", &x) && json_object_is_type(x, json_type_string))
			*timeline = strdup(json_object_get_string(x));
	}
	json_object_put(doc);
	return ret;
}

int agent_probe_finish(struct agent_probe *p, const struct latency_window *idle,
		       const struct latency_window *load, const char *timeline, struct json_object **out)
{
	char *tl = NULL;
	double cpu = 0;
	int ret, r;

	*out = NULL;
	ret = probe_stop(p);
	r = reflect_stop(p, &cpu);   /* after the prober: its last echoes came back */
	if (!ret)
		ret = r;
	if (!ret)
		ret = result(p, idle, load, cpu, out, &tl);
	if (!ret && timeline && (!tl || util_write_file_atomic(timeline, tl, strlen(tl))))
		wgb_warn("latency: the %s timeline %s could not be written", name(p), timeline);
	free(tl);
	return ret;
}

void agent_probe_free(struct agent_probe *p)
{
	double cpu;

	if (!p)
		return;
	probe_stop(p);
	reflect_stop(p, &cpu);
	latency_probe_free(p->probe);
	latency_reflector_free(p->refl);
	free(p);
}
