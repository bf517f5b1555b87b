/* main.c — wgbench: dispatch one subcommand from a table (wg.c's pattern). */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *help;
} subcommands[] = {
	{ "run", run_main, "build the testbed, run the scenarios, write a results directory" },
	{ "sweep", sweep_main, "one run per value of flows, tunnels or a knob, with scaling plots" },
	{ "compare", compare_main, "compare two results directories; exit 1 on a regression" },
	{ "report", report_main, "re-make tables, plots and report.html from a results directory" },
	{ "topo", topo_main, "bring the testbed up or down, or show it" },
	{ "doctor", doctor_main, "find the bottleneck: MTU, routing, CPU, loss — findings with evidence" },
	{ "tune", tune_main, "one knob at a time until the plateau: tune.md, tuned.json, sysctl.d and unit" },
	{ "history", history_main, "the runs kept in a history database: list, trends, change points" },
	{ "cleanup", cleanup_main, "remove what a killed run left behind" },
	{ "sample", sample_main, "sample the counters of a live testbed for a while" },
	{ "agent", agent_main, NULL },
};

static void show_usage(FILE *f, const char *prog)
{
	size_t i;

	fprintf(f, "Usage: %s <cmd> [<args>]\n\nAvailable subcommands:\n", prog);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (subcommands[i].help)
			fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].help);
	fprintf(f, "\n'%s <cmd> --help' shows the options of a subcommand.\n", prog);
}

int main(int argc, char *argv[])
{
	size_t i;

	if (argc < 2) {
		show_usage(stderr, argv[0]);
		return WGB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
		show_usage(stdout, argv[0]);
		return WGB_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("wgbench %s (%s)\n", WGB_VERSION, WGB_GITREV);
		return WGB_EXIT_OK;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "wgbench: invalid subcommand '%s'\n", argv[1]);
	show_usage(stderr, argv[0]);
	return WGB_EXIT_USAGE;
}
