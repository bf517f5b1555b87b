/* agent_fleet_probe.c — the latency probe's paths between the fleet's
 * nodes (agent_fleet.h, agent_probe.h): through the tunnel from the
 * clients' node to the servers', on the underlay from gw1 to gw2. */
#include "agent_fleet.h"
#include "agent_probe.h"

#include <errno.h>

int agent_fleet_probe_start(struct agent_fleet *f, enum latency_path path, const char *addr,
			    double interval)
{
	enum topo_node_id from = path == LATENCY_PATH_TUNNEL ? f->client : NODE_GW1;
	enum topo_node_id to = path == LATENCY_PATH_TUNNEL ? f->server : NODE_GW2;

	agent_fleet_probe_cancel(f, path);
	if (!addr || !f->ch[from] || !f->ch[to])
		return -ENOENT;
	return agent_probe_start(path, (struct agent_probe_end){ f->ch[from], &f->clock[from] },
				 (struct agent_probe_end){ f->ch[to], &f->clock[to] }, addr, interval,
				 f->call_timeout, &f->probe[path]);
}

int agent_fleet_probe_finish(struct agent_fleet *f, enum latency_path path,
			     const struct latency_window *idle, const struct latency_window *load,
			     const char *timeline, struct json_object **out)
{
	int ret = f->probe[path] ? agent_probe_finish(f->probe[path], idle, load, timeline, out) : -ENOENT;

	agent_fleet_probe_cancel(f, path);
	return ret;
}

void agent_fleet_probe_cancel(struct agent_fleet *f, enum latency_path path)
{
	agent_probe_free(f->probe[path]);
	f->probe[path] = NULL;
}
