/* cmd_compare.c — `wgbench compare BASE NEW [--threshold PCT] [--junit FILE]
 * [--json]`: a markdown (or JSON) verdict on stdout, exit 1 on a regression,
 * 2 on bad input, 0 otherwise. Both sides are recomputed from their runs[]. */
#include "cmd.h"
#include "compare.h"
#include "report_data.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: wgbench compare BASE_DIR NEW_DIR [--threshold PCT] [--junit FILE] [--json]\n"
		"  --threshold PCT  a slowdown must exceed PCT %% (default 5) and be significant\n"
		"                   (Welch, alpha 0.05) to count as a regression\n"
		"  --junit FILE     also write JUnit XML, one testcase per variant x scenario\n"
		"  --json           the verdict as JSON instead of markdown\n"
		"Exit: 0 no regression, 1 regression, 2 bad input.\n");
}

static int load(const char *dir, struct report_data **d)
{
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		wgb_err("compare: %s: not a directory", dir);
		return -ENOTDIR;
	}
	return report_data_load(dir, d);
}

int compare_main(int argc, char *argv[])
{
	const char *pos[2] = { NULL, NULL }, *junit = NULL;
	struct report_data *b = NULL, *n = NULL;
	struct compare_result *r = NULL;
	double threshold = 5.0;
	char *text = NULL, *xml = NULL;
	bool json = false;
	int i, np = 0, ret = WGB_EXIT_USAGE;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return WGB_EXIT_OK;
		} else if (!strcmp(argv[i], "--threshold") && i + 1 < argc) {
			if (util_parse_double(argv[++i], 0, 1000, &threshold)) {
				wgb_err("--threshold '%s': expected a percentage from 0 to 1000", argv[i]);
				return WGB_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--junit") && i + 1 < argc) {
			junit = argv[++i];
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] != '-' && np < 2) {
			pos[np++] = argv[i];
		} else {
			wgb_err("compare: unexpected argument '%s'", argv[i]);
			usage(stderr);
			return WGB_EXIT_USAGE;
		}
	}
	if (np != 2) {
		usage(stderr);
		return WGB_EXIT_USAGE;
	}
	if (load(pos[0], &b) || load(pos[1], &n) || compare_data(b, n, threshold, &r))
		goto out;
	ret = WGB_EXIT_FAIL;
	if (json ? compare_json(r, &text) : compare_markdown(r, &text))
		goto out;
	if (junit && (compare_junit(r, &xml) || util_write_file_atomic(junit, xml, strlen(xml)))) {
		wgb_err("compare: cannot write %s", junit);
		goto out;
	}
	fputs(text, stdout);
	ret = r->regressions ? WGB_EXIT_FAIL : WGB_EXIT_OK;
out:
	free(text);
	free(xml);
	compare_result_free(r);
	report_data_free(b);
	report_data_free(n);
	return ret;
}
