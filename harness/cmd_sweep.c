/* cmd_sweep.c — `wgbench sweep --param flows|tunnels --values LIST [run
 * options]`: one complete run per value into OUT/<param>-<value>/, then the
 * scaling plots in OUT/ (throughput and CPU against the value, the paper's
 * Figures 4, 6 and 8). --param tunnels also sets one flow per tunnel. */
#include "cmd.h"
#include "opts.h"
#include "report_data.h"
#include "run.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SWEEP_MAX_VALUES 32

static void usage(FILE *f)
{
	fprintf(f, "Usage: wgbench sweep --param flows|tunnels --values LIST [run options]\n"
		"One run per value into OUT/<param>-<value>/, then OUT/scaling-*.png/.svg/.dat.\n"
		"  flows    the scenarios' flow count, one tunnel (unless --tunnels)\n"
		"  tunnels  N tunnels and N flows, one flow per tunnel\n");
	opts_usage(OPTS_TOPO | OPTS_RUN | OPTS_SWEEP | OPTS_VM);
}

/* "1,2,4,8" -> values, each within [1, max], at most SWEEP_MAX_VALUES, no repeats. */
static int parse_values(const char *list, unsigned int max, unsigned int *v, size_t *n)
{
	char buf[512], *tok, *rest = buf;
	uint64_t x;
	size_t i;

	*n = 0;
	if (util_fmt(buf, sizeof(buf), "%s", list))
		goto bad;
	/* strsep, not strtok: "1,,2" is a mistake, not "1,2" */
	while ((tok = strsep(&rest, ","))) {
		if (*n >= SWEEP_MAX_VALUES || util_parse_u64(tok, 1, max, &x))
			goto bad;
		for (i = 0; i < *n; i++)
			if (v[i] == x)
				goto bad;
		v[(*n)++] = (unsigned int)x;
	}
	if (*n)
		return 0;
bad:
	wgb_err("--values '%s': expected up to %d distinct integers from 1 to %u, comma-separated",
		list, SWEEP_MAX_VALUES, max);
	return -EINVAL;
}

static int default_out(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	return util_fmt(buf, len, "results/sweep-%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int sweep_main(int argc, char *argv[])
{
	unsigned int values[SWEEP_MAX_VALUES], failed = 0;
	char out[2048], dir[4096];
	const char *pos[1];
	struct opts o, one;
	size_t n_pos, n, i;
	bool tunnels;
	int i_arg, r;

	for (i_arg = 0; i_arg < argc; i_arg++)
		if (!strcmp(argv[i_arg], "--help") || !strcmp(argv[i_arg], "-h")) {
			usage(stdout);
			return WGB_EXIT_OK;
		}
	opts_init(&o);
	if (opts_parse(&o, OPTS_TOPO | OPTS_RUN | OPTS_SWEEP | OPTS_VM, argc, argv, pos, 0, &n_pos))
		return WGB_EXIT_USAGE;
	if (!o.param || !o.values) {
		wgb_err("sweep: --param and --values are required");
		return WGB_EXIT_USAGE;
	}
	if (strcmp(o.param, "flows") && strcmp(o.param, "tunnels")) {
		/* A knob sweep needs a variant built from one knob; the variant
		 * layer loads variants from files only, so it is not offered yet. */
		wgb_err("sweep: --param '%s': knob sweeps are not supported yet; supported: flows, tunnels "
			"(for a knob, write one variant file per value and pass them to `wgbench run`)",
			o.param);
		return WGB_EXIT_USAGE;
	}
	tunnels = !strcmp(o.param, "tunnels");
	if (parse_values(o.values, tunnels ? OPTS_TUNNELS_MAX : 1024, values, &n))
		return WGB_EXIT_USAGE;
	if (o.out ? util_fmt(out, sizeof(out), "%s", o.out) : default_out(out, sizeof(out))) {
		wgb_err("sweep: --out too long");
		return WGB_EXIT_USAGE;
	}
	if ((r = util_mkdir_p(out, 0755))) {
		wgb_err("sweep: %s: %s", out, strerror(-r));
		return WGB_EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		one = o;
		if (tunnels) {
			one.tunnels = values[i];
			one.flows = values[i];
		} else {
			one.flows = values[i];
		}
		if (util_fmt(dir, sizeof(dir), "%s/%s-%u", out, o.param, values[i]))
			return WGB_EXIT_USAGE;
		if (!o.quiet)
			fprintf(stderr, "wgbench: sweep %s = %u -> %s\n", o.param, values[i], dir);
		r = run_execute(&one, dir);
		if (r < 0) {
			wgb_err("sweep: the run for %s = %u failed (%s); stopping", o.param, values[i],
				strerror(-r));
			return r == -EINVAL ? WGB_EXIT_USAGE : WGB_EXIT_FAIL;
		}
		failed += r != 0;
	}
	if (report_scaling_write(out, o.param, values, n, o.quiet))
		return WGB_EXIT_FAIL;
	return failed ? WGB_EXIT_FAIL : WGB_EXIT_OK;
}
