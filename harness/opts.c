/* opts.c — see opts.h. One row per flag: name, group, whether it takes a
 * value, the function that checks and stores it, and its help line. */
#include "opts.h"
#include "util.h"

#include <errno.h>
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
	else
		return bad(f, v, "netns, vm or vms");
	return 0;
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
	return set_uint(f, v, 1, OPTS_TUNNELS_MAX, &o->tunnels);
}

static int set_prefix(struct opts *o, const char *f, const char *v)
{
	size_t i, n = strlen(v);

	if (n == 0 || n > OPTS_PREFIX_MAX) {
		wgb_err("%s '%s': at most %d characters, so that every interface name "
			"(prefix + up to 6) fits the kernel's 15", f, v, OPTS_PREFIX_MAX);
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

static int set_repeat(struct opts *o, const char *f, const char *v)
{
	return set_uint(f, v, 1, 1000, &o->repeat);
}

static int set_flows(struct opts *o, const char *f, const char *v)
{
	return set_uint(f, v, 1, 128, &o->flows);
}

static int set_flow_mode(struct opts *o, const char *f, const char *v)
{
	if (!strcmp(v, "processes"))
		o->flow_mode = FLOW_MODE_PROCESSES;
	else if (!strcmp(v, "streams"))
		o->flow_mode = FLOW_MODE_STREAMS;
	else
		return bad(f, v, "processes or streams");
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
	{ "--backend", OPTS_TOPO, true, set_backend, "netns|vm|vms   where the testbed runs (netns)" },
	{ "--wg", OPTS_TOPO, true, set_wg, "auto|kernel|wireguard-go|none   tunnel implementation (auto)" },
	{ "--tunnels", OPTS_TOPO, true, set_tunnels, "N   tunnels between gw1 and gw2 (1)" },
	{ "--prefix", OPTS_TOPO, true, set_prefix, "P   name prefix of namespaces and interfaces (wgb-)" },
	{ "--json", OPTS_TOPO, false, set_json, "  machine-readable output" },
	{ "--attach", OPTS_ATTACH, false, set_attach, "  run on the live testbed of `topo up --prefix P`; leave it up" },
	{ "--variant", OPTS_RUN, true, set_variant, "FILE   a variant (repeatable; the first is the baseline)" },
	{ "--scenario", OPTS_RUN, true, set_scenario, "NAME   a scenario (repeatable; default all five)" },
	{ "--duration", OPTS_RUN, true, set_duration, "S   measured seconds per scenario (10)" },
	{ "--omit", OPTS_RUN, true, set_omit, "S   iperf3 warm-up seconds not counted (1)" },
	{ "--repeat", OPTS_RUN, true, set_repeat, "N   repeats of every variant x scenario (3)" },
	{ "--flows", OPTS_RUN, true, set_flows, "N   override the scenarios' flow count" },
	{ "--flow-mode", OPTS_RUN, true, set_flow_mode, "processes|streams   one iperf3 pair per flow, or -P (processes)" },
	{ "--interval", OPTS_RUN, true, set_interval, "S   counter sampling interval (0.5)" },
	{ "--out", OPTS_RUN, true, set_out, "DIR   results directory (results/<time>)" },
	{ "--force", OPTS_RUN, false, set_force, "  write into a non-empty --out" },
	{ "--quiet", OPTS_RUN, false, set_quiet, "  no progress output" },
	{ "--no-sampler", OPTS_RUN, false, set_no_sampler, "  do not sample counters" },
	{ "--no-warmup", OPTS_RUN, false, set_no_warmup, "  skip the discarded warm-up run" },
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
	o->tunnels = 1;
	memcpy(o->prefix, OPTS_PREFIX_DEFAULT, sizeof(OPTS_PREFIX_DEFAULT));
	o->duration = 10;
	o->omit = 1;
	o->repeat = 3;
	o->flow_mode = FLOW_MODE_PROCESSES;
	o->interval = 0.5;
	o->vcpus = 2;
	o->memory_mb = 1024;
	o->accel = "auto";
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
	return 0;
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
	}
	return "?";
}

const char *opts_wg_name(enum tun_kind k)
{
	switch (k) {
	case TUN_AUTO: return "auto";
	case TUN_KERNEL: return "kernel";
	case TUN_WGGO: return "wireguard-go";
	case TUN_NONE: return "none";
	}
	return "?";
}
