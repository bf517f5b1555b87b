/* cmd_cleanup.c — `wgbench cleanup [--prefix P]`: remove what a killed run or
 * `topo up` left behind. With --prefix, that prefix (from its state file and
 * by scanning); without, every prefix that has a state file. */
#include "cmd.h"
#include "opts.h"
#include "state.h"
#include "topo.h"
#include "util.h"
#include "variant.h"
#include "vm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool has_prefix_flag(int argc, char *argv[])
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--prefix") || !strncmp(argv[i], "--prefix=", 9))
			return true;
	return false;
}

int cleanup_main(int argc, char *argv[])
{
	char **prefixes = NULL;
	size_t n = 0, i, n_pos;
	const char *pos[1];
	struct opts o;
	int ret = 0, r;

	if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		fprintf(stderr, "Usage: wgbench cleanup [--prefix P]\n"
			"  removes the namespaces, processes and files of a testbed whose owner died;\n"
			"  without --prefix, of every testbed that has a state file in " STATE_DIR "\n");
		return WGB_EXIT_OK;
	}
	opts_init(&o);
	if (opts_parse(&o, OPTS_TOPO, argc, argv, pos, 0, &n_pos))
		return WGB_EXIT_USAGE;
	if (geteuid() != 0) {
		wgb_err("cleanup needs root (it removes network namespaces and processes); run as root");
		return WGB_EXIT_USAGE;
	}
	if (has_prefix_flag(argc, argv)) {
		/* host-wide variant values first: they outlive any namespace */
		r = variant_restore_host(o.prefix, false);
		ret = topo_cleanup(o.prefix, false);
		vm_tmpdir_sweep("vm", o.prefix);
		vm_tmpdir_sweep("vms", o.prefix);
		if (r && !ret)
			ret = r;
	} else {
		ret = state_list(&prefixes, &n);
		if (ret)
			wgb_err("listing " STATE_DIR ": %s", strerror(-ret));
		if (!ret && n == 0)
			printf("cleanup: no testbed state in " STATE_DIR ", nothing to do\n");
		for (i = 0; i < n; i++) {
			r = variant_restore_host(prefixes[i], false);
			if (r && !ret)
				ret = r;
			r = topo_cleanup(prefixes[i], false);
			if (r && !ret)
				ret = r;
			free(prefixes[i]);
		}
		free(prefixes);
	}
	if (ret == -EBUSY || ret == -EPERM)
		return WGB_EXIT_USAGE;
	return ret ? WGB_EXIT_FAIL : WGB_EXIT_OK;
}
