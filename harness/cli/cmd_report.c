/* cmd_report.c — `wgbench report RESULTS_DIR`: re-make summary[], tables,
 * plots and report.html from the raw data of a results directory. */
#include "cmd.h"
#include "report.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: wgbench report RESULTS_DIR [--quiet]\n"
		"Recomputes summary[] in results.json, summary.md, summary.csv, plots/ and\n"
		"report.html from runs[], samples/ and the raw iperf3 data. Exit 2 when a field\n"
		"has the wrong type or a throughput differs from its raw iperf3 JSON.\n");
}

int report_main(int argc, char *argv[])
{
	const char *dir = NULL;
	bool quiet = false;
	int i, r;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return WGB_EXIT_OK;
		} else if (!strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (argv[i][0] == '-' || dir) {
			wgb_err("report: unexpected argument '%s'", argv[i]);
			usage(stderr);
			return WGB_EXIT_USAGE;
		} else {
			dir = argv[i];
		}
	}
	if (!dir) {
		usage(stderr);
		return WGB_EXIT_USAGE;
	}
	r = report_write(dir, quiet);
	/* a malformed results directory is bad input too, here */
	return cmd_exit_code(r == -EPROTO ? -EINVAL : r);
}
