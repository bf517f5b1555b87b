/* cmd_run.c — `wgbench run`: parse the options, pick the results directory,
 * hand over to run_execute() (netns) or vm_run() (the QEMU backends), and
 * turn the outcome into the exit code: 0 all ok, 1 a scenario failed or the
 * run was stopped, 2 bad usage or bad input. */
#include "cmd.h"
#include "opts.h"
#include "run.h"
#include "util.h"
#include "vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RUN_GROUPS (OPTS_TOPO | OPTS_RUN | OPTS_VM | OPTS_ATTACH)

static void usage(void)
{
	fprintf(stderr, "Usage: wgbench run [options]\n\n"
		"Builds the testbed, runs every variant x scenario x repeat through the tunnel\n"
		"with libiperf, and writes a results directory (run.json, results.json, raw/,\n"
		"samples/, summary tables and plots).\n\nOptions:\n");
	opts_usage(RUN_GROUPS);
}

/* results/<UTC time>: sortable, and two runs a second apart never collide
 * silently (an existing non-empty directory is refused). */
static int default_out(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm))
		return -EINVAL;
	return util_fmt(buf, len, "results/%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Below the command layer errors are -errno; these mean the input or a
 * precondition was wrong (topo.h), so exit 2. */
static int exit_code(int ret)
{
	if (ret == 0)
		return WGB_EXIT_OK;
	if (ret == 1)
		return WGB_EXIT_FAIL;
	switch (-ret) {
	case EINVAL: case ENOENT: case EEXIST: case EPERM: case EBUSY:
	case ENOTDIR: case EACCES: case EROFS: case ENOTSUP: case ENAMETOOLONG: case ENOEXEC:
		return WGB_EXIT_USAGE;
	default:
		return WGB_EXIT_FAIL;
	}
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
		if (default_out(out, sizeof(out)))
			return WGB_EXIT_FAIL;
		o.out = out;
	}
	if (o.backend == TOPO_BACKEND_VM || o.backend == TOPO_BACKEND_VMS) {
		if (o.attach) {
			wgb_err("--attach: only the netns backend keeps a testbed between commands "
				"(`topo up`); --backend %s boots its own", opts_backend_name(o.backend));
			return WGB_EXIT_USAGE;
		}
		return exit_code(vm_run(&o, o.out));
	}
	return exit_code(run_execute(&o, o.out));
}
