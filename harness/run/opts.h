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

#include "topo.h"
#include "tun.h"

#define OPTS_MAX_LIST 64

enum opts_group {
	OPTS_TOPO = 1 << 0,   /* --backend --wg --ip --inner --tunnels --prefix --json --topology --hosts --ssh-config */
	OPTS_RUN = 1 << 1,    /* --variant --scenario --duration --repeat --flows --out ...
			       * and --live --peer --peer-port --peer-ssh (--backend live) */
	OPTS_SWEEP = 1 << 2,  /* --param --values */
	OPTS_VM = 1 << 3,     /* --kernel --kernel-deb --modules --vcpus --memory --accel */
	OPTS_ATTACH = 1 << 4, /* --attach (run, sweep) */
};

enum topo_backend_kind { TOPO_BACKEND_NETNS, TOPO_BACKEND_VM, TOPO_BACKEND_VMS, TOPO_BACKEND_HOSTS,
			 TOPO_BACKEND_LIVE };
enum flow_mode { FLOW_MODE_PROCESSES, FLOW_MODE_STREAMS };


struct opts {
	/* testbed */
	enum topo_backend_kind backend;
	enum tun_kind wg;
	unsigned int tunnels;
	char prefix[TOPO_PREFIX_MAX + 1];
	bool json;
	bool have_tunnels;      /* --tunnels given (its default, 1, is a real value) */
	bool attach;            /* run on the live `topo up --prefix` testbed */
	enum topo_shape topology;   /* --topology site|p2p */
	unsigned int ip, inner;     /* --ip, --inner: enum topo_family */
	bool have_family;       /* --ip or --inner given (--attach: must match the testbed) */
	bool have_topology;     /* --topology given (hosts: the file says it otherwise) */
	const char *hosts;      /* --hosts FILE: the machines of --backend hosts */
	const char *ssh_config; /* --ssh-config FILE: ssh -F FILE for every ssh it runs */

	/* run */
	const char *variants[OPTS_MAX_LIST];
	size_t n_variants;
	const char *scenarios[OPTS_MAX_LIST];
	size_t n_scenarios;
	double duration;        /* seconds measured per scenario */
	double omit;            /* seconds of iperf3 warm-up (omit) */
	unsigned int repeat;    /* --repeat N; with auto: the minimum number of rounds */
	bool repeat_auto;       /* --repeat auto[:MIN]: rounds until decided (verdict_seq.h) */
	double budget_min;      /* --budget: minutes of rounds for auto; 0: 3 per scenario */
	unsigned int flows;     /* 0: each scenario's own flow count */
	enum flow_mode flow_mode;
	double interval;        /* sampler interval, seconds */
	double probe_interval;  /* latency probe interval, seconds; 0: no probe */
	const char *out;
	const char *history;    /* --history DB: record each run there */
	bool force;
	bool quiet;
	bool no_sampler;
	bool no_warmup;
	bool have_seed;
	unsigned long long seed;

	/* live (--backend live; all or none of them with it) */
	const char *live_if;    /* --live IFACE: a WireGuard interface of this machine */
	const char *peer;       /* --peer ADDR: an IPv4 address on its far side */
	unsigned int peer_port; /* --peer-port: where iperf3 -s answers there (5201) */
	const char *peer_ssh;   /* --peer-ssh DEST: the peer's wgbench agent over ssh */
	const char *peer_live;  /* --peer-live IFACE: the peer's interface (else its agent finds it) */
	bool have_flow_mode;    /* --flow-mode given (live's default is streams) */
	bool have_peer_port;    /* --peer-port given */
	bool route_finding;     /* set by doctor: a route around the tunnel is a finding, not a refusal */

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
/* The testbed of these options (prefix, tunnel kind, count), not persistent. */
void opts_topo_config(const struct opts *o, struct topo_config *cfg);

#endif
