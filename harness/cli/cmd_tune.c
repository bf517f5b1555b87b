/* cmd_tune.c — `wgbench tune [run options] [--target SCENARIO]...
 * [--budget MIN] [--candidates LIST] [--out DIR]`: tune's own flags are
 * taken here, every other one is a run option (opts.c); then the bed of
 * --backend (backend_open()), tune_execute() on it, and the bed closed on
 * every path, also after a signal. `doctor --apply-advice` comes here too
 * (tune_advice_main): tune limited to one round and to what the findings
 * propose. --history DB records each step's run as `run --history` does.
 * --backend vm has no bed here: tune is checked here (tune_check()), then
 * runs whole in the guest (vm_run_cmd(); the guest's agent calls
 * tune_guest_main()) and its directory comes back into --out.
 * Exit 0 when tune ran to its end (whatever it kept), 1 when it failed, was
 * stopped or a run could not be recorded, 2 on bad usage or input.
 */
#include "cmd.h"
#include "bed.h"
#include "opts.h"
#include "stop.h"
#include "tune.h"
#include "util.h"
#include "vm.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TUNE_GROUPS (OPTS_TOPO | OPTS_RUN | OPTS_VM | OPTS_ATTACH)

struct tune_args {
	struct tune_opts t;
	char *copies[OPTS_MAX_LIST];    /* --candidates values, split in place */
	size_t n_copies;
	char *rest[256];                /* what opts_parse() gets */
	int n_rest;
};

static void usage(const char *cmd)
{
	fprintf(stderr, "Usage: wgbench %s [run options] [tune options]\n\n"
		"Reference 002 §7's workflow on the testbed: the start (--variant FILE, or the testbed as\n"
		"built), the doctor's findings and §4's sequence as candidates, one knob at a time merged\n"
		"onto the best and measured interleaved against it (the run's --repeat), kept only when a\n"
		"target improves and nothing guarded (other scenarios' throughput, RTT p99, drops) gets\n"
		"worse; again until the plateau. Writes tune.md (§7.1's table, every rejected candidate\n"
		"with why), tune.json, tuned.json and persist/ (§8: sysctl.d file, systemd unit and script,\n"
		"never installed) into --out; each step's run under steps/.\n\nTune options:\n"
		"    --target     NAME   a scenario to improve (repeatable; default every measured one)\n"
		"    --budget     MIN    minutes for the whole session (default: none)\n"
		"    --candidates LIST   names (multi-queue, rps-rfs, backlog-budget, socket-buffers, bbr,\n"
		"                        mtu-1420, threaded-napi, tunnels-2, tunnels-4, port-spread-4,\n"
		"                        mss-clamp, underlay-aqm) or variant files, comma-separated\n"
		"    --rounds     N      at most N rounds (default: until no candidate is kept)\n"
		"    --threshold  PCT    of every verdict (5)\n"
		"    --rtt-slack  MS     an RTT p99 rise below this is tolerated (%.0f)\n"
		"    --no-doctor         candidates from the sequence alone\n\nRun options:\n",
		cmd, TUNE_RTT_SLACK_DEFAULT);
	opts_usage(TUNE_GROUPS);
}

static int add_candidates(struct tune_args *a, const char *v)
{
	char *copy, *p, *save = NULL;

	if (a->n_copies == OPTS_MAX_LIST || !(copy = strdup(v)))
		return -EINVAL;
	a->copies[a->n_copies++] = copy;
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (a->t.n_candidates == OPTS_MAX_LIST) {
			wgb_err("--candidates: more than %d", OPTS_MAX_LIST);
			return -EINVAL;
		}
		a->t.candidates[a->t.n_candidates++] = p;
	}
	return 0;
}

/* One of tune's own flags with its value; -ENOENT when flag is none of them. */
static int tune_flag(struct tune_args *a, const char *flag, const char *v)
{
	uint64_t n;

	if (!strcmp(flag, "--target")) {
		if (a->t.n_targets == OPTS_MAX_LIST)
			return -EINVAL;
		a->t.targets[a->t.n_targets++] = v;
	} else if (!strcmp(flag, "--budget")) {
		if (util_parse_double(v, 0.1, 10080, &a->t.budget_min)) {
			wgb_err("--budget '%s': expected minutes, from 0.1 to 10080", v);
			return -EINVAL;
		}
	} else if (!strcmp(flag, "--candidates")) {
		return add_candidates(a, v);
	} else if (!strcmp(flag, "--rounds")) {
		if (util_parse_u64(v, 1, 100, &n)) {
			wgb_err("--rounds '%s': expected an integer from 1 to 100", v);
			return -EINVAL;
		}
		a->t.max_rounds = (unsigned int)n;
	} else if (!strcmp(flag, "--threshold")) {
		if (util_parse_double(v, 0.1, 99, &a->t.threshold_percent)) {
			wgb_err("--threshold '%s': expected a percentage from 0.1 to 99", v);
			return -EINVAL;
		}
	} else if (!strcmp(flag, "--rtt-slack")) {
		if (util_parse_double(v, 0, 10000, &a->t.rtt_slack_ms)) {
			wgb_err("--rtt-slack '%s': expected milliseconds from 0 to 10000", v);
			return -EINVAL;
		}
	} else {
		return -ENOENT;
	}
	return 0;
}

/* Tune's flags out of argv; the rest, in order, for opts_parse(). */
static int split_args(struct tune_args *a, int argc, char *argv[])
{
	static const char *const valued[] = { "--target", "--budget", "--candidates", "--rounds",
					      "--threshold", "--rtt-slack" };
	int i, r;

	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]), k;
		char flag[32];

		if (!strcmp(argv[i], "--no-doctor")) {
			a->t.no_doctor = true;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(valued) && (strlen(valued[k]) != len ||
						       strncmp(valued[k], argv[i], len)); k++)
			;
		if (k == ARRAY_SIZE(valued)) {
			if (a->n_rest == (int)ARRAY_SIZE(a->rest))
				return -EINVAL;
			a->rest[a->n_rest++] = argv[i];
			continue;
		}
		snprintf(flag, sizeof(flag), "%s", valued[k]);
		if (!eq && i + 1 >= argc) {
			wgb_err("%s needs a value", flag);
			return -EINVAL;
		}
		if ((r = tune_flag(a, flag, eq ? eq + 1 : argv[++i])))
			return r;
	}
	return 0;
}

/* The guest's copy of tune's own flags (--backend vm), numbers as parsed;
 * the candidates that are files, which vm_run_cmd() links at their paths. */
struct tune_guest_args {
	const char *v[8 + 4 * OPTS_MAX_LIST];
	size_t n;
	char num[4][32];
	const char *files[OPTS_MAX_LIST];
	size_t n_files;
};

static void guest_num(struct tune_guest_args *g, int i, const char *flag, double v)
{
	snprintf(g->num[i], sizeof(g->num[i]), "%.6g", v);
	g->v[g->n++] = flag;
	g->v[g->n++] = g->num[i];
}

static void guest_args(const struct tune_opts *t, struct tune_guest_args *g)
{
	size_t i;

	for (i = 0; i < t->n_targets; i++) {
		g->v[g->n++] = "--target";
		g->v[g->n++] = t->targets[i];
	}
	for (i = 0; i < t->n_candidates; i++) {
		const char *c = t->candidates[i];

		g->v[g->n++] = "--candidates";
		g->v[g->n++] = c;
		if (strchr(c, '/') || strstr(c, ".json"))   /* a file, as tune_cand.c tells */
			g->files[g->n_files++] = c;
	}
	if (t->budget_min > 0)
		guest_num(g, 0, "--budget", t->budget_min);
	if (t->max_rounds && !t->advice_only)
		guest_num(g, 1, "--rounds", t->max_rounds);
	guest_num(g, 2, "--threshold", t->threshold_percent);
	guest_num(g, 3, "--rtt-slack", t->rtt_slack_ms);
	if (t->no_doctor)
		g->v[g->n++] = "--no-doctor";
}

/* Seconds the guest may take: the budget, or every candidate stepped in
 * every round (four without --rounds) with its doctor, twice over. */
static double guest_timeout(const struct tune_opts *t, const struct opts *o)
{
	double scen = (double)(o->n_scenarios + t->n_targets ? o->n_scenarios + t->n_targets : 5);
	double rounds = t->max_rounds ? t->max_rounds : 4;
	double steps = (t->n_candidates ? (double)t->n_candidates : 12) * rounds + 2;
	double step = 2 * scen * (o->repeat + 1) * (o->duration + o->omit + 15) * (o->repeat_auto ? 4 : 1);

	if (t->budget_min > 0)
		return t->budget_min * 60 * 1.5 + 300;
	return 2 * (steps * step + rounds * 120);
}

static int print_file(const char *dir, const char *name)
{
	char path[PATH_MAX], *text = NULL;
	int ret;

	if ((ret = util_fmt(path, sizeof(path), "%s/%s", dir, name)) ||
	    (ret = util_read_file(path, &text, NULL))) {
		wgb_err("%s/%s: not there after the guest's tune (%s)", dir, name, strerror(-ret));
		return ret;
	}
	fputs(text, stdout);
	free(text);
	return 0;
}

/* --backend vm: tune checked here, then run whole in the guest on its netns
 * testbed (cmd_agent.c, tune_guest_main()); its directory comes back. */
static int tune_in_guest(const struct tune_args *a, const struct opts *o, bool advice)
{
	struct tune_guest_args *g;
	struct vm_guest_cmd cmd = { .name = advice ? "tune-advice" : "tune" };
	int ret;

	if (o->history) {
		wgb_err("tune --backend vm: --history is not recorded from a guest; leave it out and "
			"`wgbench history add %s/steps/*` afterwards", o->out);
		return -EINVAL;
	}
	if ((ret = tune_check(&a->t, o)))
		return ret;
	if (!(g = calloc(1, sizeof(*g))))
		return -ENOMEM;
	guest_args(&a->t, g);
	cmd.args = g->v;
	cmd.n_args = g->n;
	cmd.files = g->files;
	cmd.n_files = g->n_files;
	cmd.out = o->out;
	cmd.timeout_s = guest_timeout(&a->t, o);
	ret = vm_run_cmd(o, o->out, &cmd);
	if ((ret == 0 || ret == 1) && o->json && print_file(o->out, "tune.json"))
		ret = -EIO;
	free(g);
	return ret;
}

/* Tune's flags and the run options; 0 or -EINVAL after the message. */
static int tune_parse(struct tune_args *a, struct opts *o, int argc, char *argv[], bool advice)
{
	const char *pos[1];
	size_t n_pos;

	tune_opts_init(&a->t);
	opts_init(o);
	if (advice) {
		a->t.max_rounds = 1;
		a->t.advice_only = true;
	}
	if (split_args(a, argc, argv) || opts_parse(o, TUNE_GROUPS, a->n_rest, a->rest, pos, 0, &n_pos))
		return -EINVAL;
	return 0;
}

/* On the bed of o->backend, one stop flag from open to close, as backend_run(). */
static int tune_here(const struct tune_args *a, const struct opts *o)
{
	struct stop_scope stop;
	struct bed *bed = NULL;
	int ret;

	stop_install(&stop);
	ret = backend_open(o, o->out, &bed);
	if (!ret)
		ret = tune_execute(&a->t, o, bed);
	bed_close(bed);
	stop_restore(&stop);
	return ret;
}

static void free_args(struct tune_args *a)
{
	size_t i;

	for (i = 0; i < a->n_copies; i++)
		free(a->copies[i]);
}

/* The guest's side of --backend vm (cmd_agent.c): tune's arguments as the
 * host wrote them, on the guest's netns testbed into its --out. */
int tune_guest_main(int argc, char *argv[], bool advice)
{
	struct tune_args a = { .n_rest = 0 };
	struct opts o;
	int ret = tune_parse(&a, &o, argc, argv, advice);

	if (!ret) {
		o.backend = TOPO_BACKEND_NETNS;
		a.t.out = o.out;
		ret = tune_here(&a, &o);
	}
	free_args(&a);
	return ret;
}

static int tune_cmd(int argc, char *argv[], const char *cmd, bool advice)
{
	struct tune_args a = { .n_rest = 0 };
	char out[256];
	struct opts o;
	size_t i;
	int ret = WGB_EXIT_USAGE;

	for (i = 0; i < (size_t)argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(cmd);
			return WGB_EXIT_OK;
		}
	if (tune_parse(&a, &o, argc, argv, advice) || backend_check_history(&o))
		goto out;
	if (!o.out) {
		if (cmd_default_out("tune-", out, sizeof(out)))
			goto out;
		o.out = out;
	}
	a.t.out = o.out;
	if (o.backend == TOPO_BACKEND_VM) {   /* the guest has a doctor: it is netns inside */
		ret = cmd_exit_code(tune_in_guest(&a, &o, advice));
		goto out;
	}
	/* the doctor's probes enter the nodes' namespaces (cmd_doctor.c) */
	if (!backend_nodes_here(&o) && o.backend != TOPO_BACKEND_LIVE) {
		if (advice) {
			wgb_err("doctor --apply-advice: --backend %s has no doctor (its probes enter the "
				"nodes' namespaces on this machine); `wgbench tune --backend %s` tries the "
				"sequence", opts_backend_name(o.backend), opts_backend_name(o.backend));
			goto out;
		}
		if (!a.t.no_doctor) {
			a.t.no_doctor_why = "this backend has no doctor (its probes enter the nodes' "
					    "namespaces on this machine): the sequence alone";
			if (!o.quiet)
				fprintf(o.json ? stderr : stdout, "tune: --backend %s: %s\n",
					opts_backend_name(o.backend), a.t.no_doctor_why);
		}
		a.t.no_doctor = true;
	}
	ret = cmd_exit_code(tune_here(&a, &o));
out:
	free_args(&a);
	return ret;
}

int tune_main(int argc, char *argv[])
{
	return tune_cmd(argc, argv, "tune", false);
}

int tune_advice_main(int argc, char *argv[])
{
	char *rest[256];
	int i, n = 0;

	/* the flag that brought us here is no option of tune's */
	for (i = 0; i < argc && n < (int)ARRAY_SIZE(rest); i++)
		if (strcmp(argv[i], "--apply-advice"))
			rest[n++] = argv[i];
	return tune_cmd(n, rest, "doctor --apply-advice", true);
}
