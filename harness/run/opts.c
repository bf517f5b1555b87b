/* opts.c — see opts.h. One row per flag: name, group, whether it takes a
 * value, the function that checks and stores it, and its help line. */
#include "opts.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

struct opt_def {
	const char *name;
	unsigned int group;
	bool has_arg;
	int (*set)(struct opts *o, const char *flag, const char *val);
	const char *help;
};

static int bad(const char *flag, const char *val, const char *expected)
{
	wgb_err("%s '%s': expected %s", flag, val, expected);
	return -EINVAL;
}

static int set_backend(struct opts *o, const char *f, const char *v)
{
	if (!strcmp(v, "netns"))
		o->backend = TOPO_BACKEND_NETNS;
	else if (!strcmp(v, "vm"))
		o->backend = TOPO_BACKEND_VM;
	else if (!strcmp(v, "vms"))
		o->backend = TOPO_BACKEND_VMS;
	else if (!strcmp(v, "live"))
		o->backend = TOPO_BACKEND_LIVE;
	else if (!strcmp(v, "hosts"))
		o->backend = TOPO_BACKEND_HOSTS;
	else
		return bad(f, v, "netns, vm, vms, hosts or live");
	return 0;
}

static int set_topology(struct opts *o, const char *f, const char *v)
{
	if (topo_shape_from_name(v, &o->topology))
		return bad(f, v, "site or p2p");
	o->have_topology = true;
	return 0;
}

/* A path, never empty (it reaches ssh as one argument, not a shell). */
static int set_path(const char *f, const char *v, const char **out)
{
	if (!*v)
		return bad(f, v, "a file");
	*out = v;
	return 0;
}

static int set_hosts(struct opts *o, const char *f, const char *v)
{
	return set_path(f, v, &o->hosts);
}

static int set_ssh_config(struct opts *o, const char *f, const char *v)
{
	return set_path(f, v, &o->ssh_config);
}

static int set_wg(struct opts *o, const char *f, const char *v)
{
	if (!strcmp(v, "auto"))
		o->wg = TUN_AUTO;
	else if (!strcmp(v, "kernel"))
		o->wg = TUN_KERNEL;
	else if (!strcmp(v, "wireguard-go"))
		o->wg = TUN_WGGO;
	else if (!strcmp(v, "none"))
		o->wg = TUN_NONE;
	else
		return bad(f, v, "auto, kernel, wireguard-go or none");
	return 0;
}

static int set_family(const char *f, const char *v, unsigned int *out)
{
	if (topo_family_from_name(v, out))
		return bad(f, v, "4, 6 or dual");
	return 0;
}

static int set_ip(struct opts *o, const char *f, const char *v)
{
	o->have_family = true;
	return set_family(f, v, &o->ip);
}

static int set_inner(struct opts *o, const char *f, const char *v)
{
	o->have_family = true;
	return set_family(f, v, &o->inner);
}

static int set_uint(const char *f, const char *v, uint64_t min, uint64_t max, unsigned int *out)
{
	char what[96];
	uint64_t x;

	if (util_parse_u64(v, min, max, &x)) {
		snprintf(what, sizeof(what), "an integer from %llu to %llu",
			 (unsigned long long)min, (unsigned long long)max);
		return bad(f, v, what);
	}
	*out = (unsigned int)x;
	return 0;
}

static int set_tunnels(struct opts *o, const char *f, const char *v)
{
	o->have_tunnels = true;
	return set_uint(f, v, 1, TOPO_TUNNELS_MAX, &o->tunnels);
}

static int set_prefix(struct opts *o, const char *f, const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0 || n > TOPO_PREFIX_MAX) {
		wgb_err("%s '%s': at most %d characters, so that every interface name "
			"(prefix + up to 6) fits the kernel's 15", f, v, TOPO_PREFIX_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return bad(f, v, "lower-case letters, digits, '-' and '_'");
	}
	memcpy(o->prefix, v, n + 1);
	return 0;
}

static int set_json(struct opts *o, const char *f, const char *v)
{
	o->json = true;
	return 0;
}

static int add_list(const char **list, size_t *n, const char *f, const char *v)
{
	if (*n >= OPTS_MAX_LIST)
		return bad(f, v, "at most 64 of them");
	list[(*n)++] = v;
	return 0;
}

static int set_attach(struct opts *o, const char *f, const char *v)
{
	o->attach = true;
	return 0;
}

static int set_variant(struct opts *o, const char *f, const char *v)
{
	return add_list(o->variants, &o->n_variants, f, v);
}

static int set_scenario(struct opts *o, const char *f, const char *v)
{
	return add_list(o->scenarios, &o->n_scenarios, f, v);
}

static int set_duration(struct opts *o, const char *f, const char *v)
{
	if (util_parse_double(v, 1, 86400, &o->duration))
		return bad(f, v, "seconds, at least 1 and at most 86400");
	return 0;
}

static int set_omit(struct opts *o, const char *f, const char *v)
{
	if (util_parse_double(v, 0, 600, &o->omit))
		return bad(f, v, "seconds from 0 to 600");
	return 0;
}

/* N, or auto[:MIN]: rounds until every pair is decided, at least MIN (3). */
static int set_repeat(struct opts *o, const char *f, const char *v)
{
	uint64_t x = 3;

	if (strncmp(v, "auto", 4)) {
		o->repeat_auto = false;
		return set_uint(f, v, 1, 1000, &o->repeat);
	}
	if ((v[4] && (v[4] != ':' || util_parse_u64(v + 5, 2, 1000, &x))))
		return bad(f, v, "an integer from 1 to 1000, or auto[:MIN] with MIN from 2 to 1000");
	o->repeat_auto = true;
	o->repeat = (unsigned int)x;
	return 0;
}

static int set_budget(struct opts *o, const char *f, const char *v)
{
	if (util_parse_double(v, 0.1, 10080, &o->budget_min))
		return bad(f, v, "minutes, from 0.1 to 10080");
	return 0;
}

static int set_flows(struct opts *o, const char *f, const char *v)
{
	return set_uint(f, v, 1, 128, &o->flows);
}

static int set_flow_mode(struct opts *o, const char *f, const char *v)
{
	o->have_flow_mode = true;
	if (!strcmp(v, "processes"))
		o->flow_mode = FLOW_MODE_PROCESSES;
	else if (!strcmp(v, "streams"))
		o->flow_mode = FLOW_MODE_STREAMS;
	else
		return bad(f, v, "processes or streams");
	return 0;
}

static int set_history(struct opts *o, const char *f, const char *v)
{
	if (!*v || strlen(v) > 1024)
		return bad(f, v, "a SQLite file path or a postgresql:// URL");
	o->history = v;
	return 0;
}

/* 0 turns the probe off (make bench measures its cost that way). */
static int set_probe_interval(struct opts *o, const char *f, const char *v)
{
	if (util_parse_double(v, 0, 10, &o->probe_interval) ||
	    (o->probe_interval > 0 && o->probe_interval < 0.001))
		return bad(f, v, "seconds between latency probes, 0.001 to 10, or 0 for no probe");
	return 0;
}

static int set_interval(struct opts *o, const char *f, const char *v)
{
	if (util_parse_double(v, 0.05, 60, &o->interval))
		return bad(f, v, "seconds from 0.05 to 60");
	return 0;
}

static int set_out(struct opts *o, const char *f, const char *v)
{
	if (!*v)
		return bad(f, v, "a directory");
	o->out = v;
	return 0;
}

static int set_force(struct opts *o, const char *f, const char *v)
{
	o->force = true;
	return 0;
}

static int set_quiet(struct opts *o, const char *f, const char *v)
{
	o->quiet = true;
	return 0;
}

static int set_no_sampler(struct opts *o, const char *f, const char *v)
{
	o->no_sampler = true;
	return 0;
}

static int set_no_warmup(struct opts *o, const char *f, const char *v)
{
	o->no_warmup = true;
	return 0;
}

static int set_seed(struct opts *o, const char *f, const char *v)
{
	uint64_t x;

	if (util_parse_u64(v, 0, UINT64_MAX, &x))
		return bad(f, v, "a non-negative integer");
	o->seed = x;
	o->have_seed = true;
	return 0;
}

/* An interface name as the kernel takes it: never a path, never blank. */
static int set_live(struct opts *o, const char *f, const char *v)
{
	size_t i, n = strlen(v);

	if (!n || n >= IFNAMSIZ || !strcmp(v, ".") || !strcmp(v, ".."))
		return bad(f, v, "an interface name of 1 to 15 characters");
	for (i = 0; i < n; i++)
		if (v[i] == '/' || v[i] == ':' || (unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 127)
			return bad(f, v, "an interface name (no '/', ':', blanks or control characters)");
	o->live_if = v;
	return 0;
}

/* A literal address: nothing the user gives is resolved or handed on. */
static int set_peer(struct opts *o, const char *f, const char *v)
{
	struct in6_addr a6;
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) != 1 && inet_pton(AF_INET6, v, &a6) != 1)
		return bad(f, v, "an IPv4 or IPv6 address on the far side of the tunnel (a.b.c.d, fd00::2)");
	o->peer = v;
	return 0;
}

static int set_peer_port(struct opts *o, const char *f, const char *v)
{
	o->have_peer_port = true;
	return set_uint(f, v, 1, 65535, &o->peer_port);
}

static int set_peer_ssh(struct opts *o, const char *f, const char *v)
{
	if (!*v || *v == '-')
		return bad(f, v, "an ssh destination ([user@]host[:port])");
	o->peer_ssh = v;
	return 0;
}

static int set_peer_live(struct opts *o, const char *f, const char *v)
{
	if (!*v || strlen(v) >= IFNAMSIZ || strchr(v, '/') || strchr(v, ' '))
		return bad(f, v, "an interface name of the peer (at most 15 characters)");
	o->peer_live = v;
	return 0;
}

static int set_param(struct opts *o, const char *f, const char *v)
{
	if (!*v)
		return bad(f, v, "flows, tunnels or a knob");
	o->param = v;
	return 0;
}

static int set_values(struct opts *o, const char *f, const char *v)
{
	if (!*v)
		return bad(f, v, "a comma-separated list");
	o->values = v;
	return 0;
}

static int set_kernel(struct opts *o, const char *f, const char *v)
{
	o->kernel = v;
	return 0;
}

static int set_kernel_deb(struct opts *o, const char *f, const char *v)
{
	o->kernel_deb = v;
	return 0;
}

static int set_modules(struct opts *o, const char *f, const char *v)
{
	o->modules = v;
	return 0;
}

static int set_vcpus(struct opts *o, const char *f, const char *v)
{
	return set_uint(f, v, 1, 64, &o->vcpus);
}

static int set_memory(struct opts *o, const char *f, const char *v)
{
	return set_uint(f, v, 128, 65536, &o->memory_mb);
}

static int set_accel(struct opts *o, const char *f, const char *v)
{
	if (strcmp(v, "auto") && strcmp(v, "kvm") && strcmp(v, "tcg"))
		return bad(f, v, "auto, kvm or tcg");
	o->accel = v;
	return 0;
}

static const struct opt_def opt_table[] = {
	{ "--backend", OPTS_TOPO, true, set_backend, "netns|vm|vms|hosts|live   where the testbed runs (netns)" },
	{ "--topology", OPTS_TOPO, true, set_topology, "site|p2p   four nodes, or gw1 and gw2 with the endpoints on them (site)" },
	{ "--hosts", OPTS_TOPO, true, set_hosts, "FILE   the machines of --backend hosts (doc/hosts.md)" },
	{ "--ssh-config", OPTS_TOPO, true, set_ssh_config, "FILE   ssh -F FILE for every ssh (default: the user's config)" },
	{ "--wg", OPTS_TOPO, true, set_wg, "auto|kernel|wireguard-go|none   tunnel implementation (auto)" },
	{ "--ip", OPTS_TOPO, true, set_ip, "4|6|dual   the underlay's address families (4; dual: tunnel k over IPv6 for odd k)" },
	{ "--inner", OPTS_TOPO, true, set_inner, "4|6|dual   the traffic's families inside the tunnel (4; dual: flows of both)" },
	{ "--tunnels", OPTS_TOPO, true, set_tunnels, "N   tunnels between gw1 and gw2 (1)" },
	{ "--prefix", OPTS_TOPO, true, set_prefix, "P   name prefix of namespaces and interfaces (wgb-)" },
	{ "--json", OPTS_TOPO, false, set_json, "  machine-readable output" },
	{ "--attach", OPTS_ATTACH, false, set_attach, "  run on the live testbed of `topo up --prefix P`; leave it up" },
	{ "--variant", OPTS_RUN, true, set_variant, "FILE   a variant (repeatable; the first is the baseline)" },
	{ "--scenario", OPTS_RUN, true, set_scenario, "NAME   a scenario (repeatable; default all six in scenarios/)" },
	{ "--duration", OPTS_RUN, true, set_duration, "S   measured seconds per scenario (10)" },
	{ "--omit", OPTS_RUN, true, set_omit, "S   iperf3 warm-up seconds not counted (1)" },
	{ "--repeat", OPTS_RUN, true, set_repeat, "N|auto[:MIN]   repeats of every variant x scenario (3); auto: rounds until every pair is decided, at least MIN (3)" },
	{ "--budget", OPTS_RUN, true, set_budget, "MIN   minutes of rounds for --repeat auto (3 per scenario)" },
	{ "--flows", OPTS_RUN, true, set_flows, "N   override the scenarios' flow count" },
	{ "--flow-mode", OPTS_RUN, true, set_flow_mode, "processes|streams   one iperf3 pair per flow, or -P (processes)" },
	{ "--interval", OPTS_RUN, true, set_interval, "S   counter sampling interval (0.5)" },
	{ "--out", OPTS_RUN, true, set_out, "DIR   results directory (results/<time>)" },
	{ "--force", OPTS_RUN, false, set_force, "  write into a non-empty --out" },
	{ "--quiet", OPTS_RUN, false, set_quiet, "  no progress output" },
	{ "--no-sampler", OPTS_RUN, false, set_no_sampler, "  do not sample counters" },
	{ "--history", OPTS_RUN, true, set_history, "DB  record the run in a history (SQLite file or postgresql:// URL)" },
	{ "--probe-interval", OPTS_RUN, true, set_probe_interval, "S   latency probe interval (0.01: 100/s; 0: none)" },
	{ "--no-warmup", OPTS_RUN, false, set_no_warmup, "  skip the discarded warm-up run" },
	{ "--live", OPTS_RUN, true, set_live, "IFACE   --backend live: a WireGuard interface of this machine" },
	{ "--peer", OPTS_RUN, true, set_peer, "ADDR   --backend live: an IPv4 address on its far side" },
	{ "--peer-port", OPTS_RUN, true, set_peer_port, "P   --backend live: the port of iperf3 -s at the peer (5201)" },
	{ "--peer-ssh", OPTS_RUN, true, set_peer_ssh, "DEST   --backend live: the peer's wgbench agent over ssh (its counters, variants)" },
	{ "--peer-live", OPTS_RUN, true, set_peer_live, "IFACE   --peer-ssh: the peer's WireGuard interface (found by default)" },
	{ "--seed", OPTS_RUN, true, set_seed, "N   seed of the scenario shuffle (random)" },
	{ "--param", OPTS_SWEEP, true, set_param, "flows|tunnels|KNOB   the swept parameter" },
	{ "--values", OPTS_SWEEP, true, set_values, "LIST   comma-separated values" },
	{ "--kernel", OPTS_VM, true, set_kernel, "PATH   kernel image to boot (vm, vms)" },
	{ "--kernel-deb", OPTS_VM, true, set_kernel_deb, "FILE   a linux-image .deb to boot (vm, vms)" },
	{ "--modules", OPTS_VM, true, set_modules, "DIR   modules tree for --kernel (lib/modules/<release>)" },
	{ "--vcpus", OPTS_VM, true, set_vcpus, "N   vCPUs per guest (2)" },
	{ "--memory", OPTS_VM, true, set_memory, "MB   memory per guest (1024)" },
	{ "--accel", OPTS_VM, true, set_accel, "auto|kvm|tcg   QEMU accelerator (auto: KVM, else TCG)" },
};

void opts_init(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->backend = TOPO_BACKEND_NETNS;
	o->wg = TUN_AUTO;
	o->ip = o->inner = TOPO_FAM_4;
	o->tunnels = 1;
	memcpy(o->prefix, TOPO_PREFIX_DEFAULT, sizeof(TOPO_PREFIX_DEFAULT));
	o->duration = 10;
	o->omit = 1;
	o->repeat = 3;
	o->flow_mode = FLOW_MODE_PROCESSES;
	o->interval = 0.5;
	o->probe_interval = 0.01;
	o->peer_port = 5201;
	o->vcpus = 2;
	o->memory_mb = 1024;
	o->accel = "auto";
}

/* --backend live and its flags go together; its peer's one iperf3 -s serves
 * one test at a time, so flows are -P streams of one test unless asked. */
static int check_live(struct opts *o)
{
	bool any = o->live_if || o->peer || o->peer_ssh || o->have_peer_port || o->peer_live;

	if (o->backend != TOPO_BACKEND_LIVE) {
		if (!any)
			return 0;
		wgb_err("--live/--peer/--peer-port/--peer-ssh/--peer-live: only with --backend live");
		return -EINVAL;
	}
	if (o->peer_live && !o->peer_ssh) {
		wgb_err("--peer-live %s: names the peer's interface for its agent; needs --peer-ssh DEST", o->peer_live);
		return -EINVAL;
	}
	if (!o->live_if || !o->peer) {
		wgb_err("--backend live: needs --live IFACE (a WireGuard interface of this machine) and "
			"--peer ADDR (an address on its far side where iperf3 -s answers)");
		return -EINVAL;
	}
	if (o->attach) {
		wgb_err("--attach: a testbed of `topo up`; --backend live measures the tunnel already there");
		return -EINVAL;
	}
	if (!o->have_flow_mode)
		o->flow_mode = FLOW_MODE_STREAMS;
	return 0;
}

/* IPv6 is built by the netns testbed (also inside a --backend vm guest);
 * the others say so rather than build IPv4 under an IPv6 label. Live
 * mode builds nothing: the interface's own families decide (--peer's,
 * its endpoint's), so it takes no --ip or --inner. */
static int check_family(const struct opts *o)
{
	unsigned int ip = o->ip ? o->ip : TOPO_FAM_4, inner = o->inner ? o->inner : TOPO_FAM_4;

	if (o->backend == TOPO_BACKEND_LIVE && o->have_family) {
		wgb_err("--ip/--inner: --backend live measures the families the interface has (--peer's "
			"address, its peer's endpoint); drop them");
		return -EINVAL;
	}
	if (o->wg == TUN_NONE && (inner & ~ip)) {
		wgb_err("--wg none routes the traffic over the underlay: --inner %s needs --ip %s or dual",
			topo_family_name(o->inner), topo_family_name(o->inner));
		return -EINVAL;
	}
	return 0;
}

static const struct opt_def *find_opt(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opt_table); i++)
		if (strlen(opt_table[i].name) == len && !strncmp(opt_table[i].name, name, len))
			return &opt_table[i];
	return NULL;
}

int opts_parse(struct opts *o, unsigned int groups, int argc, char *argv[],
	       const char **pos, size_t max_pos, size_t *n_pos)
{
	int i;

	*n_pos = 0;
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq, *val = NULL;
		const struct opt_def *d;
		size_t len;

		if (strncmp(arg, "--", 2) || !arg[2]) {
			if (*n_pos >= max_pos) {
				wgb_err("unexpected argument '%s'", arg);
				return -EINVAL;
			}
			pos[(*n_pos)++] = arg;
			continue;
		}
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg) : strlen(arg);
		d = find_opt(arg, len);
		if (!d || !(d->group & groups)) {
			wgb_err("unknown option '%.*s' (see --help)", (int)len, arg);
			return -EINVAL;
		}
		if (d->has_arg) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else {
				wgb_err("%s needs a value", d->name);
				return -EINVAL;
			}
		} else if (eq) {
			wgb_err("%s takes no value", d->name);
			return -EINVAL;
		}
		if (d->set(o, d->name, val ? val : ""))
			return -EINVAL;
	}
	if (check_family(o))
		return -EINVAL;
	return groups & OPTS_RUN ? check_live(o) : 0;
}

void opts_usage(unsigned int groups)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opt_table); i++)
		if (opt_table[i].group & groups)
			fprintf(stderr, "    %-12s %s\n", opt_table[i].name, opt_table[i].help);
}

const char *opts_backend_name(enum topo_backend_kind b)
{
	switch (b) {
	case TOPO_BACKEND_NETNS: return "netns";
	case TOPO_BACKEND_VM: return "vm";
	case TOPO_BACKEND_VMS: return "vms";
	case TOPO_BACKEND_HOSTS: return "hosts";
	case TOPO_BACKEND_LIVE: return "live";
	}
	return "?";
}

void opts_topo_config(const struct opts *o, struct topo_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->prefix, sizeof(cfg->prefix), "%s", o->prefix);
	cfg->wg = o->wg;
	cfg->tunnels = o->tunnels;
	cfg->shape = o->topology;
	cfg->ip = o->ip;
	cfg->inner = o->inner;
	cfg->persistent = false;
}
