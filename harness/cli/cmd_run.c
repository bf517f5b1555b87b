/* cmd_run.c — `wgbench run`: parse the options, pick the results directory,
 * hand over to backend_run() (the backend of --backend), and turn the
 * outcome into the exit code: 0 all ok, 1 a scenario failed or the run was
 * stopped, 2 bad usage or bad input. */
#include "cmd.h"
#include "opts.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define RUN_GROUPS (OPTS_TOPO | OPTS_RUN | OPTS_VM | OPTS_ATTACH)

static void usage(void)
{
	fprintf(stderr, "Usage: wgbench run [options]\n\n"
		"Builds the testbed, runs every variant x scenario x repeat through the tunnel\n"
		"with libiperf, and writes a results directory (run.json, results.json, raw/,\n"
		"samples/, summary tables and plots).\n\nOptions:\n");
	opts_usage(RUN_GROUPS);
}

int run_main(int argc, char *argv[])
{
	char out[256];
	const char *pos[1];
	struct opts o;
	size_t n_pos;
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return WGB_EXIT_OK;
		}
	opts_init(&o);
	if (opts_parse(&o, RUN_GROUPS, argc, argv, pos, 0, &n_pos))
		return WGB_EXIT_USAGE;
	if (!o.out) {
		if (cmd_default_out("", out, sizeof(out)))
			return WGB_EXIT_FAIL;
		o.out = out;
	}
	return cmd_exit_code(backend_run(&o, o.out));
}
