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
		"report.html from runs[], samples/ and the raw iperf3 data.\n");
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
	/* a missing or malformed directory is bad input; anything else failed */
	if (r == -ENOENT || r == -EPROTO || r == -EINVAL || r == -ENOTDIR)
		return WGB_EXIT_USAGE;
	return r ? WGB_EXIT_FAIL : WGB_EXIT_OK;
}
