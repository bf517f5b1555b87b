/* hosts_cleanup.c — `wgbench cleanup --hosts FILE` (hosts.h): on every
 * machine of the file, an agent of this binary removes what a killed run
 * of the prefix left there (agent_host_cleanup: a still running agent of
 * that run is stopped first and tears its part down itself; then the
 * state file's steps, host knobs, tunnels, sockets). Each machine is
 * reached on its own, so one that cannot be reached does not keep the
 * others from being cleaned. */
#include "hosts.h"
#include "hosts_file.h"
#include "agent_ssh.h"
#include "opts.h"
#include "stop.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLEANUP_TIMEOUT 90.0   /* a stopped agent may first finish its scenario */

static void print_list(const char *label, const char *what, struct json_object *list)
{
	size_t i, n = list ? json_object_array_length(list) : 0;

	for (i = 0; i < n; i++)
		printf("%s: %s%s\n", label, what, json_object_get_string(json_object_array_get_idx(list, i)));
}

static int clean_one(const struct opts *o, const struct hosts_file *hf, enum topo_node_id n)
{
	struct agent_ssh_cfg cfg = { .dest = hf->node[n].ssh, .ssh_config = o->ssh_config,
				     .name = topo_node_name(n), .timeout = 10, .stop = stop_flag() };
	struct json_object *doc = NULL, *rm = NULL, *left = NULL;
	struct agent_ssh *s = NULL;
	struct agent_chan *c;
	char *payload = NULL;
	int ret = agent_ssh_open(&cfg, &s);

	if (ret)
		return ret;
	c = agent_ssh_chan(s);
	ret = agent_chan_call(c, CLEANUP_TIMEOUT, NULL, 0, &payload, "cleanup %s", o->prefix);
	if (!ret && !(doc = json_tokener_parse(payload)))
		ret = -EPROTO;
	if (doc) {
		json_object_object_get_ex(doc, "removed", &rm);
		json_object_object_get_ex(doc, "left", &left);
		print_list(c->label, "", rm);
		print_list(c->label, "LEFT: ", left);
		if (!json_object_array_length(rm) && !json_object_array_length(left))
			printf("%s: nothing of prefix %s\n", c->label, o->prefix);
		if (left && json_object_array_length(left))
			ret = -EIO;
	}
	json_object_put(doc);
	free(payload);
	agent_ssh_close(s, 10);
	return ret;
}

int hosts_cleanup(const struct opts *o)
{
	struct hosts_file hf;
	unsigned int n;
	int ret = hosts_file_load(o->hosts, &hf), r;

	if (ret)
		return ret;
	for (n = 0; n < NODE__COUNT && !stop_requested(); n++) {
		if (!hf.node[n].present)
			continue;
		r = clean_one(o, &hf, (enum topo_node_id)n);
		if (r && !ret)
			ret = r;   /* the others are still cleaned */
	}
	fflush(stdout);
	return ret;
}
