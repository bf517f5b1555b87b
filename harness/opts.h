/* opts.h — the command-line options shared by run, sweep, doctor and topo.
 *
 * One table of flags (opts.c) parses into one struct. Each command says which
 * groups of flags it accepts; anything else is a usage error. opts_parse()
 * prints one line naming the flag and what was expected, and returns -EINVAL;
 * the command then exits 2. Values are validated here as far as they can be
 * without touching the machine (ranges, names, lengths).
 */
#ifndef WGB_OPTS_H
#define WGB_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#define OPTS_MAX_LIST 64

enum opts_group {
	OPTS_TOPO = 1 << 0,   /* --backend --wg --tunnels --prefix --json */
	OPTS_RUN = 1 << 1,    /* --variant --scenario --duration --repeat --flows --out ... */
	OPTS_SWEEP = 1 << 2,  /* --param --values */
	OPTS_VM = 1 << 3,     /* --kernel --kernel-deb --modules --vcpus --memory --accel */
	OPTS_ATTACH = 1 << 4, /* --attach (run, sweep) */
};

enum topo_backend_kind { TOPO_BACKEND_NETNS, TOPO_BACKEND_VM, TOPO_BACKEND_VMS };
enum tun_kind { TUN_AUTO, TUN_KERNEL, TUN_WGGO, TUN_NONE };
enum flow_mode { FLOW_MODE_PROCESSES, FLOW_MODE_STREAMS };

#define OPTS_PREFIX_DEFAULT "wgb-"
/* Interface names are prefix + up to 6 characters ("g1t127"); IFNAMSIZ is 16. */
#define OPTS_PREFIX_MAX 9
#define OPTS_TUNNELS_MAX 128

struct opts {
	/* testbed */
	enum topo_backend_kind backend;
	enum tun_kind wg;
	unsigned int tunnels;
	char prefix[OPTS_PREFIX_MAX + 1];
	bool json;
	bool have_tunnels;      /* --tunnels given (its default, 1, is a real value) */
	bool attach;            /* run on the live `topo up --prefix` testbed */

	/* run */
	const char *variants[OPTS_MAX_LIST];
	size_t n_variants;
	const char *scenarios[OPTS_MAX_LIST];
	size_t n_scenarios;
	double duration;        /* seconds measured per scenario */
	double omit;            /* seconds of iperf3 warm-up (omit) */
	unsigned int repeat;
	unsigned int flows;     /* 0: each scenario's own flow count */
	enum flow_mode flow_mode;
	double interval;        /* sampler interval, seconds */
	const char *out;
	bool force;
	bool quiet;
	bool no_sampler;
	bool no_warmup;
	bool have_seed;
	unsigned long long seed;

	/* sweep */
	const char *param;
	const char *values;

	/* vm */
	const char *kernel;
	const char *kernel_deb;
	const char *modules;
	unsigned int vcpus;
	unsigned int memory_mb;
	const char *accel;      /* "auto", "kvm", "tcg" */
};

void opts_init(struct opts *o);
/* Parses argv[first..argc); returns 0, or -EINVAL after printing the reason.
 * Positional arguments are stored in pos[] (at most max_pos). */
int opts_parse(struct opts *o, unsigned int groups, int argc, char *argv[],
	       const char **pos, size_t max_pos, size_t *n_pos);
/* One line per flag of the given groups, for help text. */
void opts_usage(unsigned int groups);

const char *opts_backend_name(enum topo_backend_kind b);
const char *opts_wg_name(enum tun_kind k);

#endif
