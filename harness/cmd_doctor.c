/* cmd_doctor.c — `wgbench doctor [run options] [--json]`: measure the
 * testbed (doctor_collect), diagnose (doctor_diagnose) and print one line
 * per finding with its evidence, or {"findings":[...]} with --json.
 * Exit 0 when it ran, whatever it found; 2 on bad input; 1 when it could not
 * measure (the testbed could not be built, a signal). */
#include "cmd.h"
#include "doctor.h"
#include "doctor_impl.h"
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
		"samples/, raw/). At most one --variant.\n\nOptions:\n", DOCTOR_DEFAULT_DURATION);
	opts_usage(DOCTOR_GROUPS);
}

static int exit_code(int ret)
{
	switch (-ret) {
	case 0:
		return WGB_EXIT_OK;
	case EINVAL: case ENOENT: case EEXIST: case EPERM: case EBUSY: case ENOTDIR:
	case EACCES: case EROFS: case ENOTSUP: case ENAMETOOLONG:
		return WGB_EXIT_USAGE;
	default:
		return WGB_EXIT_FAIL;
	}
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
	struct json_object *input = NULL, *findings = NULL, *doc;
	const char *pos[1];
	struct opts o;
	size_t n_pos, j;
	int i, ret;

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
	if (o.backend != TOPO_BACKEND_NETNS) {
		wgb_err("doctor: --backend %s: the doctor runs on the netns backend only (for now)",
			opts_backend_name(o.backend));
		return WGB_EXIT_USAGE;
	}
	ret = doctor_collect(&o, &input);
	if (ret)
		return exit_code(ret);
	ret = doctor_diagnose(input, &findings);
	if (ret) {
		json_object_put(input);
		return WGB_EXIT_FAIL;
	}
	doc = json_object_new_object();
	json_object_object_add(doc, "findings", findings);
	json_object_object_add(doc, "variant", json_object_get(dj_get(input, "variant")));
	json_object_object_add(doc, "wg", json_object_get(dj_get(input, "wg")));
	json_object_object_add(doc, "stopped_after", json_object_get(dj_get(input, "stopped_after")));
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
