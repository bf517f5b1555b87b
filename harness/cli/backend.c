/* backend.c — the testbed backend, chosen once (cmd.h): a table of rows
 * from --backend to the bed that implements it (bed.h), or to the launcher
 * --backend vm (one guest running the netns backend inside, vm.h). It sits
 * in cli/ because every backend is visible only from here. A new backend is
 * a new row. */
#include "cmd.h"
#include "bed.h"
#include "hosts.h"
#include "live.h"
#include "opts.h"
#include "run.h"
#include "history.h"
#include "stop.h"
#include "util.h"
#include "vm.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct backend_row {
	enum topo_backend_kind kind;
	bed_open_fn *open;              /* NULL: a launcher, no bed here */
	bool attach;                    /* keeps a testbed between commands (`topo up`) */
	bool nodes_here;                /* the nodes are namespaces of this machine */
	bool needs_root;                /* it makes namespaces and links here */
	bool p2p;                       /* has --topology p2p */
} rows[] = {
	{ TOPO_BACKEND_NETNS, bed_netns_open, true, true, true, true },
	{ TOPO_BACKEND_VMS, vms_bed_open, false, false, true, false },
	{ TOPO_BACKEND_VM, NULL, false, false, false, false },
	{ TOPO_BACKEND_HOSTS, hosts_bed_open, false, false, false, true },
	{ TOPO_BACKEND_LIVE, live_bed_open, false, false, false, false },
};

static const struct backend_row *row_of(enum topo_backend_kind kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].kind == kind)
			return &rows[i];
	return NULL;
}

static int check(const struct opts *o, const struct backend_row *r)
{
	if (!r) {
		wgb_err("--backend %s: not available in this build", opts_backend_name(o->backend));
		return -ENOTSUP;
	}
	if (o->attach && !r->attach) {
		wgb_err("--attach: only the netns backend keeps a testbed between commands "
			"(`topo up`); --backend %s boots its own", opts_backend_name(o->backend));
		return -EINVAL;
	}
	/* before anything is written: a refused command leaves nothing */
	if (r->needs_root && geteuid() != 0) {
		wgb_err("--backend %s needs root (it builds network namespaces and links on this "
			"machine); run as root", opts_backend_name(o->backend));
		return -EPERM;
	}
	if (o->topology == TOPO_P2P && !r->p2p) {
		wgb_err("--topology p2p: --backend %s has the four nodes only (netns and hosts have p2p)",
			opts_backend_name(o->backend));
		return -EINVAL;
	}
	if (o->hosts && o->backend != TOPO_BACKEND_HOSTS) {
		wgb_err("--hosts: only for --backend hosts (not %s)", opts_backend_name(o->backend));
		return -EINVAL;
	}
	return 0;
}

int backend_check(const struct opts *o)
{
	return check(o, row_of(o->backend));
}

bool backend_nodes_here(const struct opts *o)
{
	const struct backend_row *r = row_of(o->backend);

	return r && r->nodes_here;
}

int backend_open(const struct opts *o, const char *out_dir, struct bed **out)
{
	const struct backend_row *r = row_of(o->backend);
	int ret = check(o, r);

	*out = NULL;
	if (ret)
		return ret;
	if (!r->open) {
		wgb_err("--backend %s launches a whole run in a guest; it has no testbed here",
			opts_backend_name(o->backend));
		return -ENOTSUP;
	}
	return r->open(o, out_dir, out);
}

/* --history DB: can it be opened (and written) at all? Asked before the
 * run touches anything, so a typo in a URL costs nothing. */
int backend_check_history(const struct opts *o)
{
	struct history *h = NULL;
	int ret;

	if (!o->history)
		return 0;
	ret = history_open(o->history, &h);
	history_close(h);
	if (ret)   /* the store said why */
		wgb_err("--history %s: cannot be opened; nothing was run", o->history);
	return ret ? -EINVAL : 0;
}

/* A run that finished (all ok, or some scenario failed) goes into the
 * history; one that was stopped or refused does not. */
static int record_history(const struct opts *o, const char *out_dir, int ret)
{
	int r;

	if (!o->history || (ret != 0 && ret != 1) || stop_requested())
		return ret;
	r = history_record(o->history, out_dir);
	if (r) {
		wgb_err("--history %s: %s could not be recorded (%s)", o->history, out_dir, strerror(-r));
		return ret ? ret : 1;
	}
	return ret;
}

int backend_run(const struct opts *o, const char *out_dir)
{
	const struct backend_row *r = row_of(o->backend);
	struct stop_scope stop;
	struct bed *bed = NULL;
	int ret = check(o, r);

	if (!ret)
		ret = backend_check_history(o);
	if (ret)
		return ret;
	if (!r->open)
		return record_history(o, out_dir, vm_run(o, out_dir));
	/* One stop flag from open to close: a signal while the bed is built
	 * or closed ends the run as one during a scenario does. */
	stop_install(&stop);
	ret = r->open(o, out_dir, &bed);
	if (!ret)
		ret = run_execute(o, out_dir, bed);
	bed_close(bed);
	ret = record_history(o, out_dir, ret);
	stop_restore(&stop);
	return ret;
}

/* Below the command layer errors are -errno; these mean the input or a
 * precondition was wrong (topo.h, vm.h), so exit 2. */
int cmd_exit_code(int ret)
{
	if (ret == 0)
		return WGB_EXIT_OK;
	if (ret == 1)
		return WGB_EXIT_FAIL;
	switch (-ret) {
	case EINVAL: case ENOENT: case EEXIST: case EPERM: case EBUSY: case ENOTDIR:
	case EACCES: case EROFS: case ENOTSUP: case ENAMETOOLONG: case ENOEXEC:
	case EHOSTUNREACH:   /* a machine of --hosts that cannot be reached */
		return WGB_EXIT_USAGE;
	default:
		return WGB_EXIT_FAIL;
	}
}

int cmd_default_out(const char *kind, char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm))
		return -EINVAL;
	return util_fmt(buf, len, "results/%s%04d%02d%02dT%02d%02d%02dZ", kind, tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
