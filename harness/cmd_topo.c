/* cmd_topo.c — `wgbench topo up|down|status`: a testbed that outlives the
 * command (its wireguard-go processes are persistent), for manual work,
 * `wgbench sample` and the tests. Human-readable output by default, the
 * status document of DESIGN.md with --json (errors then go into it too). */
#include "cmd.h"
#include "opts.h"
#include "topo.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static void usage(void)
{
	fprintf(stderr, "Usage: wgbench topo up|down|status [options]\n"
		"  up       build the testbed and leave it running\n"
		"  down     remove it\n"
		"  status   show it (--json: the status document)\n"
		"Options:\n");
	opts_usage(OPTS_TOPO);
}

static int exit_code(int err)
{
	switch (err) {
	case 0:
		return WGB_EXIT_OK;
	case -EINVAL: case -ENOENT: case -EEXIST: case -EPERM: case -EACCES:
	case -EBUSY: case -ENOTSUP: case -ENAMETOOLONG:
		return WGB_EXIT_USAGE;
	default:
		return WGB_EXIT_FAIL;
	}
}

static void json_error(bool json, int err)
{
	if (json)
		printf("{\"error\":\"%s\"}\n", strerror(-err));
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

static struct json_object *field(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

/* The text form, printed from the same document as --json. */
static void print_human(struct json_object *doc)
{
	struct json_object *nodes = field(doc, "nodes"), *tuns = field(doc, "tunnels");
	size_t i, j, a;

	printf("testbed %s: backend %s, tunnel %s (%s)\n", str(doc, "prefix"), str(doc, "backend"),
	       str(doc, "wg"), str(doc, "wg_version"));
	for (i = 0; i < json_object_array_length(nodes); i++) {
		struct json_object *n = json_object_array_get_idx(nodes, i), *ifs = field(n, "interfaces");

		printf("  %-7s netns %s\n", str(n, "name"), str(n, "netns"));
		for (j = 0; j < json_object_array_length(ifs); j++) {
			struct json_object *f = json_object_array_get_idx(ifs, j), *ad = field(f, "addresses");

			printf("    %-13s %-9s %-5s mtu %-5s", str(f, "name"), str(f, "role"), str(f, "state"),
			       str(f, "mtu"));
			for (a = 0; a < json_object_array_length(ad); a++)
				printf(" %s", json_object_get_string(json_object_array_get_idx(ad, a)));
			printf("\n");
		}
	}
	for (i = 0; i < json_object_array_length(tuns); i++) {
		struct json_object *t = json_object_array_get_idx(tuns, i), *st = field(t, "stats");
		struct json_object *s1 = field(st, "gw1"), *s2 = field(st, "gw2");

		printf("  tunnel %s: %s <-> %s, udp port %s, ", str(t, "index"), str(t, "gw1_interface"),
		       str(t, "gw2_interface"), json_object_get_string(json_object_array_get_idx(field(t, "listen_ports"), 0)));
		if (s1 && s2)
			printf("gw1 rx %s tx %s bytes, gw2 rx %s tx %s bytes\n", str(s1, "rx_bytes"),
			       str(s1, "tx_bytes"), str(s2, "rx_bytes"), str(s2, "tx_bytes"));
		else
			printf("statistics unavailable\n");
	}
	printf("  drain addresses:");
	for (i = 0; i < json_object_array_length(field(doc, "drain_addresses")); i++)
		printf(" %s", json_object_get_string(json_object_array_get_idx(field(doc, "drain_addresses"), i)));
	printf("\n");
}

static int show(struct topo *t, bool json)
{
	struct json_object *doc = NULL;
	int ret;

	ret = topo_status_json(t, &doc);
	if (ret) {
		wgb_err("reading the testbed's state: %s", strerror(-ret));
		return ret;
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
								    JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_human(doc);
	json_object_put(doc);
	return 0;
}

static int do_up(const struct opts *o)
{
	struct topo_config cfg;
	struct topo *t = NULL;
	double start = util_now_mono();
	int ret;

	topo_config_from_opts(&cfg, o);
	cfg.persistent = true;   /* the testbed stays after this process exits */
	ret = topo_up(&cfg, &t);
	if (ret)
		return ret;
	if (o->json) {
		ret = show(t, true);
	} else {
		printf("testbed %s up in %.0f ms: namespaces %s %s %s %s, %u drain address(es), ",
		       topo_prefix(t), (util_now_mono() - start) * 1e3, topo_node_netns(t, NODE_SOURCE),
		       topo_node_netns(t, NODE_GW1), topo_node_netns(t, NODE_GW2),
		       topo_node_netns(t, NODE_DRAIN), topo_tunnels(t));
		if (topo_wg(t) == TUN_NONE)
			printf("no tunnel (--wg none)\n");
		else
			printf("%u tunnel(s), %s\n", topo_tunnels(t), topo_wg_version(t));
	}
	topo_free(t);
	return ret;
}

static int do_down(const struct opts *o)
{
	struct topo *t = NULL;
	double start = util_now_mono();
	int ret;

	ret = topo_attach(o->prefix, &t);
	if (ret)
		return ret;
	ret = topo_down(t);
	topo_free(t);
	if (ret)
		return ret;
	if (o->json)
		printf("{\"down\":\"%s\"}\n", o->prefix);
	else
		printf("testbed %s down in %.0f ms\n", o->prefix, (util_now_mono() - start) * 1e3);
	return 0;
}

static int do_status(const struct opts *o)
{
	struct topo *t = NULL;
	int ret;

	ret = topo_attach(o->prefix, &t);
	if (ret)
		return ret;
	ret = show(t, o->json);
	topo_free(t);
	return ret;
}

int topo_main(int argc, char *argv[])
{
	const char *pos[1];
	struct opts o;
	size_t n_pos;
	int i, ret;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return WGB_EXIT_OK;
		}
	opts_init(&o);
	if (opts_parse(&o, OPTS_TOPO, argc, argv, pos, 1, &n_pos))
		return WGB_EXIT_USAGE;
	if (n_pos != 1) {
		wgb_err("topo: expected up, down or status");
		usage();
		return WGB_EXIT_USAGE;
	}
	if (o.backend != TOPO_BACKEND_NETNS) {
		wgb_err("topo: --backend %s is not supported here; only netns", opts_backend_name(o.backend));
		return WGB_EXIT_USAGE;
	}
	if (!strcmp(pos[0], "up"))
		ret = do_up(&o);
	else if (!strcmp(pos[0], "down"))
		ret = do_down(&o);
	else if (!strcmp(pos[0], "status"))
		ret = do_status(&o);
	else {
		wgb_err("topo: unknown action '%s': expected up, down or status", pos[0]);
		return WGB_EXIT_USAGE;
	}
	if (ret)
		json_error(o.json, ret);
	return exit_code(ret);
}
