/* bed.c — the handle of a testbed backend (bed.h): the ops and the
 * backend's state, and one call per operation. */
#include "bed.h"
#include "topo_plan.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

struct bed {
	const struct bed_ops *ops;
	void *st;
};

int bed_new(const struct bed_ops *ops, void *st, struct bed **out)
{
	struct bed *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->ops = ops;
	b->st = st;
	*out = b;
	return 0;
}

void bed_close(struct bed *b)
{
	if (!b)
		return;
	bed_down(b);
	b->ops->close(b->st);
	free(b);
}

const char *bed_name(const struct bed *b)
{
	return b->ops->name;
}

bool bed_local_clock(const struct bed *b)
{
	return b->ops->local_clock;
}

unsigned int bed_default_tunnels(struct bed *b)
{
	return b->ops->default_tunnels(b->st);
}

int bed_fits(struct bed *b, unsigned int tunnels, const char *who)
{
	return b->ops->fits(b->st, tunnels, who);
}

int bed_up(struct bed *b, unsigned int tunnels)
{
	return b->ops->up(b->st, tunnels);
}

/* The variant goes first: it was applied to this testbed. */
int bed_down(struct bed *b)
{
	bed_variant_revert(b);
	return b->ops->down(b->st);
}

unsigned int bed_tunnels(struct bed *b)
{
	return b->ops->tunnels(b->st);
}

const char *bed_drain_addr(struct bed *b, unsigned int k, int af)
{
	return b->ops->drain_addr(b->st, k, af);
}

const char *bed_drain_addr_any(struct bed *b, unsigned int k)
{
	const char *a = bed_drain_addr(b, k, AF_INET);

	return a ? a : bed_drain_addr(b, k, AF_INET6);
}

const struct topo *bed_topo(struct bed *b)
{
	return b->ops->topo(b->st);
}

int bed_netns_path(struct bed *b, enum topo_node_id n, char *buf, size_t len)
{
	const struct topo *t = bed_topo(b);

	return t ? topo_node_netns_path(t, n, buf, len) : -ENOTSUP;
}

int bed_variant_check(struct bed *b, const struct variant *v, char *why, size_t len)
{
	return b->ops->variant_check(b->st, v, why, len);
}

int bed_variant_apply(struct bed *b, const struct variant *v, struct json_object **applied)
{
	return b->ops->variant_apply(b->st, v, applied);
}

int bed_variant_revert(struct bed *b)
{
	return b->ops->variant_revert(b->st);
}

int bed_traffic(struct bed *b, const struct traffic_test *t, const struct traffic_flow *flows,
		size_t n, double timeout, const volatile sig_atomic_t *stop,
		struct traffic_flow_result *res, double *t_clients_started)
{
	return b->ops->traffic(b->st, t, flows, n, timeout, stop, res, t_clients_started);
}

int bed_sample_start(struct bed *b, double interval, const char *timeline_path)
{
	return b->ops->sample_start(b->st, interval, timeline_path);
}

int bed_sample_stop(struct bed *b, double w0, double w1, struct json_object **cpu,
		    struct json_object **drops, double *self_cpu_s)
{
	return b->ops->sample_stop(b->st, w0, w1, cpu, drops, self_cpu_s);
}

void bed_facts(struct bed *b, struct json_object *run_json)
{
	b->ops->facts(b->st, run_json);
}

int bed_underlay_addr(struct bed *b, char *buf, size_t len)
{
	const struct topo *t;

	if (b->ops->underlay_addr)
		return b->ops->underlay_addr(b->st, buf, len);
	t = bed_topo(b);
	return topo_plan_addr_str(NODE_GW2, LINK_UNDERLAY, 0,
				  topo_family_tunnel_af(t ? topo_ip(t) : TOPO_FAM_4, 0), buf, len);
}

int bed_path_probe_start(struct bed *b, enum latency_path path, const char *addr, double interval)
{
	return b->ops->probe_start ? b->ops->probe_start(b->st, path, addr, interval) : -ENOTSUP;
}

int bed_path_probe_finish(struct bed *b, enum latency_path path, const struct latency_window *idle,
			  const struct latency_window *load, const char *timeline, struct json_object **out)
{
	*out = NULL;
	return b->ops->probe_finish ? b->ops->probe_finish(b->st, path, idle, load, timeline, out) : -ENOTSUP;
}

void bed_path_probe_cancel(struct bed *b, enum latency_path path)
{
	if (b->ops->probe_cancel)
		b->ops->probe_cancel(b->st, path);
}
