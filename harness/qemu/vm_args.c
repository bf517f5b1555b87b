/* vm_args.c — the arguments the guest's agent runs with (vm_impl.h): this
 * run's options with the guest's paths; for a command (tune), its links, its
 * own arguments and the run's options with the host's paths. */
#include "vm_impl.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void arg(struct vm_agent_argv *a, const char *flag, const char *val)
{
	a->v[a->n++] = flag;
	if (val)
		a->v[a->n++] = val;
}

static void arg_num(struct vm_agent_argv *a, const char *flag, const char *fmt, double v)
{
	char *b = a->num[a->n_num++];

	snprintf(b, 32, fmt, v);
	arg(a, flag, b);
}

static void run_args(const struct opts *o, const char *out, struct vm_agent_argv *a)
{
	arg(a, "--wg", o->wg == TUN_NONE ? "none" : "kernel");
	arg(a, "--prefix", o->prefix);
	/* the guest's netns testbed builds the same address families */
	arg(a, "--ip", topo_family_name(o->ip));
	arg(a, "--inner", topo_family_name(o->inner));
	arg_num(a, "--tunnels", "%.0f", o->tunnels);
	arg_num(a, "--duration", "%.3f", o->duration);
	arg_num(a, "--omit", "%.3f", o->omit);
	if (o->repeat_auto) {   /* the guest's run keeps the rounds and their rule */
		arg_num(a, "--repeat", "auto:%.0f", o->repeat);
		if (o->budget_min > 0)
			arg_num(a, "--budget", "%.3f", o->budget_min);
	} else {
		arg_num(a, "--repeat", "%.0f", o->repeat);
	}
	arg_num(a, "--interval", "%.3f", o->interval);
	if (o->flows)
		arg_num(a, "--flows", "%.0f", o->flows);
	arg(a, "--flow-mode", o->flow_mode == FLOW_MODE_STREAMS ? "streams" : "processes");
	if (o->have_seed) {
		snprintf(a->num[a->n_num], 32, "%llu", o->seed);
		arg(a, "--seed", a->num[a->n_num++]);
	}
	if (o->no_sampler)
		arg(a, "--no-sampler", NULL);
	if (o->no_warmup)
		arg(a, "--no-warmup", NULL);
	if (o->quiet)
		arg(a, "--quiet", NULL);
	arg(a, "--out", out);
	arg(a, "--force", NULL);
}

/* One file into the initramfs as /wgbench/variants/N-NAME; its guest path. */
static const char *add_file(struct vm_agent_argv *a, const char *host)
{
	const char *b = strrchr(host, '/');
	char *name = a->names[a->n_files];

	snprintf(name, sizeof(a->names[0]), "/wgbench/variants/%zu-%.50s", a->n_files, b ? b + 1 : host);
	a->files[a->n_files].guest = name;
	a->files[a->n_files++].host = host;
	return name;
}

/* A command: its name, then a link per file and one for its output, then its
 * own flags; the run options follow, with the host's paths. */
static void cmd_args(const struct opts *o, const struct vm_guest_cmd *cmd, struct vm_agent_argv *a)
{
	size_t i;

	arg(a, cmd->name, NULL);
	for (i = 0; i < cmd->n_files + o->n_variants; i++) {
		const char *host = i < cmd->n_files ? cmd->files[i] : o->variants[i - cmd->n_files];

		arg(a, VM_LINK_FLAG, add_file(a, host));
		arg(a, host, NULL);
	}
	arg(a, VM_LINK_FLAG, VM_GUEST_OUT);
	arg(a, cmd->out, NULL);
	for (i = 0; i < cmd->n_args; i++)
		arg(a, cmd->args[i], NULL);
	run_args(o, cmd->out, a);
	for (i = 0; i < o->n_variants; i++)
		arg(a, "--variant", o->variants[i]);
}

int vm_agent_args(const struct opts *o, const struct vm_guest_cmd *cmd, struct vm_agent_argv *a)
{
	size_t i;

	if (cmd && (cmd->n_args > 4 * OPTS_MAX_LIST || cmd->n_files > OPTS_MAX_LIST)) {
		wgb_err("--backend vm: too many arguments for the guest");
		return -E2BIG;
	}
	if (cmd) {
		cmd_args(o, cmd, a);
	} else {
		run_args(o, VM_GUEST_OUT, a);
		for (i = 0; i < o->n_variants; i++)
			arg(a, "--variant", add_file(a, o->variants[i]));
	}
	for (i = 0; i < o->n_scenarios; i++)
		arg(a, "--scenario", o->scenarios[i]);
	return 0;
}
