/* cmd_doctor.c — `wgbench doctor [run options] [--json]`: measure the
 * testbed (doctor_collect), diagnose (doctor_diagnose) and print one line
 * per finding with its evidence, or {"findings":[...]} with --json. With
 * --backend live --live IFACE --peer ADDR: the tunnel already there, read
 * and probed where it is (changed only by a --variant, then put back).
 * Exit 0 when it ran, whatever it found; 2 on bad input; 1 when it could not
 * measure (the testbed could not be built, a signal). */
#include "cmd.h"
#include "bed.h"
#include "doctor.h"
#include "opts.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define DOCTOR_GROUPS (OPTS_TOPO | OPTS_RUN)
/* Short on purpose: the verdicts need a steady state, not a benchmark. */
#define DOCTOR_DEFAULT_DURATION 3

/* Run options that mean nothing for one diagnosis are refused, not ignored. */
static const char *const refused[] = { "--repeat", "--seed", "--no-warmup" };

static void usage(void)
{
	fprintf(stderr, "Usage: wgbench doctor [options]\n\n"
		"Builds the testbed (with --variant: that configuration) and finds the bottleneck in\n"
		"reference 000's order: MTU (DF probes), routing (route lookups, tunnel counters),\n"
		"CPU and loss (tcp-single, tcp-fwd, udp-small, udp for --duration seconds each,\n"
		"default %d, with the sampler). Prints each finding with its evidence; --json prints\n"
		"{\"findings\":[...]}. --out DIR keeps the measurements (input.json, findings.json,\n"
		"samples/, raw/). At most one --variant.\n\n"
		"--backend live --live IFACE --peer ADDR diagnoses a tunnel already there, in reference\n"
		"000's order: the route to ADDR, WireGuard's handshakes and endpoints, the underlay to\n"
		"the peer's endpoint (ICMP), DF probes, rp_filter, the underlay qdisc, offloads,\n"
		"conntrack, then the scenarios against the peer's iperf3 -s. Read-only unless --variant.\n"
		"\nOptions:\n", DOCTOR_DEFAULT_DURATION);
	opts_usage(DOCTOR_GROUPS);
}

static void keep(const char *dir, const char *name, struct json_object *o)
{
	char path[PATH_MAX];
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!dir || util_fmt(path, sizeof(path), "%s/%s", dir, name) ||
	    util_write_file_atomic(path, text, strlen(text)))
		return;
}

int doctor_main(int argc, char *argv[])
{
	/* The input's facts the findings document repeats. */
	static const char *const copied[] = { "variant", "wg", "stopped_after" };
	struct json_object *input = NULL, *findings = NULL, *doc, *v;
	struct bed *bed = NULL;
	const char *pos[1];
	struct opts o;
	size_t n_pos, j;
	int i, ret;

	for (i = 0; i < argc; i++)   /* tune limited to one round (cmd_tune.c) */
		if (!strcmp(argv[i], "--apply-advice"))
			return tune_advice_main(argc, argv);
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return WGB_EXIT_OK;
		}
		for (j = 0; j < sizeof(refused) / sizeof(refused[0]); j++)
			if (!strncmp(argv[i], refused[j], strlen(refused[j])) &&
			    (!argv[i][strlen(refused[j])] || argv[i][strlen(refused[j])] == '=')) {
				wgb_err("doctor: %s has no meaning here (one short run per probe scenario)",
					refused[j]);
				return WGB_EXIT_USAGE;
			}
	}
	opts_init(&o);
	o.duration = 0;   /* 0: not given */
	if (opts_parse(&o, DOCTOR_GROUPS, argc, argv, pos, 0, &n_pos))
		return WGB_EXIT_USAGE;
	if (!o.duration)
		o.duration = DOCTOR_DEFAULT_DURATION;
	/* Live: a route around the tunnel is the first finding, not a refusal. */
	o.route_finding = o.backend == TOPO_BACKEND_LIVE;
	/* Refused before anything starts: the probes enter the nodes' namespaces. */
	if (!o.route_finding && !backend_nodes_here(&o)) {
		wgb_err("doctor: --backend %s: the doctor's probes enter the nodes' namespaces on this "
			"machine; only --backend netns (and live, on this machine) has them",
			opts_backend_name(o.backend));
		return WGB_EXIT_USAGE;
	}
	ret = backend_open(&o, o.out, &bed);
	if (!ret)
		ret = doctor_collect(&o, bed, &input);
	bed_close(bed);
	if (ret)
		return cmd_exit_code(ret);
	ret = doctor_diagnose(input, &findings);
	if (ret) {
		json_object_put(input);
		return WGB_EXIT_FAIL;
	}
	doc = json_object_new_object();
	json_object_object_add(doc, "findings", findings);
	for (j = 0; j < ARRAY_SIZE(copied); j++)
		json_object_object_add(doc, copied[j], json_object_object_get_ex(input, copied[j], &v) ?
				       json_object_get(v) : NULL);
	json_object_object_add(doc, "results_dir", o.out ? json_object_new_string(o.out) : NULL);
	keep(o.out, "input.json", input);
	keep(o.out, "findings.json", doc);
	if (o.json)
		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		doctor_print_text(findings, input, stdout);
	json_object_put(doc);
	json_object_put(input);
	return WGB_EXIT_OK;
}
