/* cmd_cleanup.c — `wgbench cleanup [--prefix P] [--list] [--hosts FILE]`:
 * remove what a killed run or `topo up` left behind. With --prefix, that
 * prefix (from its state file and by scanning), whatever it is; without,
 * every prefix with a state file that a run that died left
 * (topo_clean_orphaned): a testbed up on purpose and alive, or one a running
 * wgbench holds, is listed and left. With --hosts, on the machines of that
 * file instead (each one's agent removes what the prefix's run left there:
 * hosts.h). */
#include "cmd.h"
#include "hosts.h"
#include "opts.h"
#include "stop.h"
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

/* Without --prefix: every testbed with a state file that a run which died
 * left; the others are listed and left. With list, only said. */
static int clean_orphans(bool list)
{
	char **prefixes = NULL, why[200];
	size_t n = 0, i;
	int ret, r;

	ret = state_list(&prefixes, &n);
	if (ret)
		wgb_err("listing " STATE_DIR ": %s", strerror(-ret));
	if (!ret && n == 0)
		printf("cleanup: no testbed state in " STATE_DIR ", nothing to do\n");
	for (i = 0; i < n; i++) {
		r = topo_clean_orphaned(prefixes[i], why, sizeof(why));
		if (r == 0)
			printf("cleanup %s: left: %s\n", prefixes[i], why);
		else if (r > 0 && list)
			printf("cleanup %s: would be removed (left by a run that died)\n", prefixes[i]);
		if (r > 0 && !list) {
			/* host-wide variant values first: they outlive any namespace */
			r = variant_restore_host(prefixes[i], false);
			if (r && !ret)
				ret = r;
			r = topo_cleanup(prefixes[i], false);
		}
		if (r < 0 && !ret)
			ret = r;
		free(prefixes[i]);
	}
	free(prefixes);
	return ret;
}

int cleanup_main(int argc, char *argv[])
{
	const char *pos[1];
	char *args[64];
	bool list = false;
	struct opts o;
	size_t n_pos;
	int ret, r, i, n = 0;

	if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		fprintf(stderr, "Usage: wgbench cleanup [--prefix P] [--list] [--hosts FILE [--ssh-config FILE]]\n"
			"  removes the namespaces, processes and files of the testbed of prefix P;\n"
			"  without --prefix, of every testbed in " STATE_DIR " that a run which died\n"
			"  left (one up on purpose with `topo up` and alive is listed and left)\n"
			"  --list  without --prefix: say what would be removed and what left; remove nothing\n"
			"  --hosts FILE  what the run of prefix P (wgb-) left on each machine of FILE\n");
		return WGB_EXIT_OK;
	}
	for (i = 0; i < argc && n < (int)ARRAY_SIZE(args); i++)
		if (!strcmp(argv[i], "--list"))
			list = true;
		else
			args[n++] = argv[i];
	opts_init(&o);
	if (i < argc || opts_parse(&o, OPTS_TOPO, n, args, pos, 0, &n_pos))
		return WGB_EXIT_USAGE;
	if (o.hosts) {   /* nothing of this machine's: the machines' agents clean */
		struct stop_scope stop;

		stop_install(&stop);
		ret = hosts_cleanup(&o);
		stop_restore(&stop);
		return cmd_exit_code(ret);
	}
	if (geteuid() != 0) {
		wgb_err("cleanup needs root (it removes network namespaces and processes); run as root");
		return WGB_EXIT_USAGE;
	}
	if (list && has_prefix_flag(argc, argv)) {
		wgb_err("cleanup: --list is for the testbeds cleanup would judge without --prefix");
		return WGB_EXIT_USAGE;
	}
	if (!has_prefix_flag(argc, argv)) {
		ret = clean_orphans(list);
		/* a killed live run leaves a host file and no state file */
		if (!list && (r = variant_restore_host_all(false)) && !ret)
			ret = r;
		return cmd_exit_code(ret);
	}
	/* host-wide variant values first: they outlive any namespace */
	r = variant_restore_host(o.prefix, false);
	ret = topo_cleanup(o.prefix, false);
	vm_tmpdir_sweep("vm", o.prefix);
	vm_tmpdir_sweep("vms", o.prefix);
	if (r && !ret)
		ret = r;
	return cmd_exit_code(ret);
}
