/* cmd_run.c — PLACEHOLDER until its owner lands it; must not be submitted. */
#include "cmd.h"
#include "util.h"

int run_main(int argc, char *argv[])
{
	wgb_err("run: not built yet");
	return WGB_EXIT_USAGE;
}
