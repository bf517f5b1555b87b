/* cmd_topo.c — `wgbench topo up|down|status`: a testbed that outlives the
 * command (its wireguard-go processes are persistent), for manual work,
 * `wgbench sample` and the tests. Human-readable output by default, the
 * status document of DESIGN.md with --json (errors then go into it too). */
#include "cmd.h"
#include "opts.h"
#include "topo.h"
#include "jsonx.h"
#include "util.h"
#include "variant.h"

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
		"Options:\n"
		"  --variant FILE   (up) apply a variant to the testbed (repeatable); host-wide\n"
		"                   values are restored by `topo down` and `wgbench cleanup`\n");
	opts_usage(OPTS_TOPO);
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

/* The text form, printed from the same document as --json. */
static void print_human(struct json_object *doc)
{
	struct json_object *nodes = jsonx_get(doc, "nodes"), *tuns = jsonx_get(doc, "tunnels");
	size_t i, j, a;

	printf("testbed %s: backend %s, tunnel %s (%s), --ip %s --inner %s\n", str(doc, "prefix"),
	       str(doc, "backend"), str(doc, "wg"), str(doc, "wg_version"), str(doc, "ip"), str(doc, "inner"));
	for (i = 0; i < json_object_array_length(nodes); i++) {
		struct json_object *n = json_object_array_get_idx(nodes, i), *ifs = jsonx_get(n, "interfaces");

		printf("  %-7s netns %s\n", str(n, "name"), str(n, "netns"));
		for (j = 0; j < json_object_array_length(ifs); j++) {
			struct json_object *f = json_object_array_get_idx(ifs, j), *ad = jsonx_get(f, "addresses");

			printf("    %-13s %-9s %-5s mtu %-5s", str(f, "name"), str(f, "role"), str(f, "state"),
			       str(f, "mtu"));
			for (a = 0; a < json_object_array_length(ad); a++)
				printf(" %s", json_object_get_string(json_object_array_get_idx(ad, a)));
			printf("\n");
		}
	}
	for (i = 0; i < json_object_array_length(tuns); i++) {
		struct json_object *t = json_object_array_get_idx(tuns, i), *st = jsonx_get(t, "stats");
		struct json_object *s1 = jsonx_get(st, "gw1"), *s2 = jsonx_get(st, "gw2");

		printf("  tunnel %s: %s <-> %s, udp port %s, gw1 -> %s, ", str(t, "index"), str(t, "gw1_interface"),
		       str(t, "gw2_interface"), json_object_get_string(json_object_array_get_idx(jsonx_get(t, "listen_ports"), 0)),
		       str(jsonx_get(t, "peer_endpoints"), "gw1"));
		if (s1 && s2)
			printf("gw1 rx %s tx %s bytes, gw2 rx %s tx %s bytes\n", str(s1, "rx_bytes"),
			       str(s1, "tx_bytes"), str(s2, "rx_bytes"), str(s2, "tx_bytes"));
		else
			printf("statistics unavailable\n");
	}
	printf("  drain addresses:");
	for (i = 0; i < json_object_array_length(jsonx_get(doc, "drain_addresses")); i++)
		printf(" %s", json_object_get_string(json_object_array_get_idx(jsonx_get(doc, "drain_addresses"), i)));
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

/* Apply each variant to the new testbed and print what took effect. The
 * applied state is not reverted here: the testbed keeps it until `topo down`
 * (namespaced values go with the namespaces; host-wide values are in the
 * host file, which `topo down` and `wgbench cleanup` restore). */
static int apply_variants(struct topo *t, const struct variant_set *vs, bool quiet)
{
	char why[512];
	size_t i, j;
	int ret;

	for (i = 0; i < variant_count(vs); i++) {
		const struct variant *v = variant_get(vs, i);
		struct variant_applied *a = NULL;
		struct json_object *rows = NULL;

		ret = variant_check(v, t, why, sizeof(why));
		if (ret) {
			wgb_err("variant %s cannot run on this testbed: %s", variant_name(v), why);
			return ret;
		}
		ret = variant_apply(v, t, &a);
		if (ret)
			return ret;
		if (!quiet && !variant_applied_json(a, &rows)) {
			printf("variant %s applied:\n", variant_name(v));
			for (j = 0; j < json_object_array_length(rows); j++) {
				struct json_object *r = json_object_array_get_idx(rows, j);

				printf("  %-6s %-8s %-13s %-32s %s -> %s%s%s\n", str(r, "node"),
				       jsonx_get(r, "link") ? str(r, "link") : "-", str(r, "key"), str(r, "object"),
				       str(r, "before"), str(r, "after"), jsonx_get(r, "note") ? "  note: " : "",
				       jsonx_get(r, "note") ? str(r, "note") : "");
			}
			json_object_put(rows);
		}
		variant_applied_free(a);
	}
	return 0;
}

static int do_up(const struct opts *o, const char *const *variants, size_t n_variants)
{
	struct topo_config cfg;
	struct topo *t = NULL;
	struct variant_set *vs = NULL;
	double start = util_now_mono();
	int ret;

	/* Every variant is validated before anything is built. */
	if (n_variants && variant_load_all(variants, n_variants, &vs))
		return -EINVAL;
	opts_topo_config(o, &cfg);
	cfg.persistent = true;   /* the testbed stays after this process exits */
	ret = topo_up(&cfg, &t);
	if (ret) {
		variant_set_free(vs);
		return ret;
	}
	if (vs) {
		ret = apply_variants(t, vs, o->json);
		variant_set_free(vs);
		if (ret) {
			variant_restore_host(topo_prefix(t), true);
			topo_down(t);
			topo_free(t);
			return ret;
		}
	}
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
	/* Host-wide values a `topo up --variant` changed. */
	ret = variant_restore_host(o->prefix, o->json);
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

/* Takes `--variant FILE` pairs out of argv (only `up` uses them). */
static int take_variants(int *argc, char *argv[], const char **v, size_t max, size_t *n)
{
	int i, o = 0;

	*n = 0;
	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--variant")) {
			argv[o++] = argv[i];
			continue;
		}
		if (i + 1 >= *argc || *n == max) {
			wgb_err("--variant: expected a file (at most %zu)", max);
			return -EINVAL;
		}
		v[(*n)++] = argv[++i];
	}
	*argc = o;
	return 0;
}

int topo_main(int argc, char *argv[])
{
	const char *pos[1], *variants[OPTS_MAX_LIST];
	struct opts o;
	size_t n_pos, n_variants;
	int i, ret;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return WGB_EXIT_OK;
		}
	opts_init(&o);
	if (take_variants(&argc, argv, variants, OPTS_MAX_LIST, &n_variants))
		return WGB_EXIT_USAGE;
	if (opts_parse(&o, OPTS_TOPO, argc, argv, pos, 1, &n_pos))
		return WGB_EXIT_USAGE;
	if (n_variants && (n_pos != 1 || strcmp(pos[0], "up"))) {
		wgb_err("topo: --variant is only for `topo up`");
		return WGB_EXIT_USAGE;
	}
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
		ret = do_up(&o, variants, n_variants);
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
	return cmd_exit_code(ret);
}
