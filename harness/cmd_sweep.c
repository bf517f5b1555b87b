/* cmd_sweep.c — PLACEHOLDER until its owner lands it; must not be submitted. */
#include "cmd.h"
#include "util.h"

int sweep_main(int argc, char *argv[])
{
	wgb_err("sweep: not built yet");
	return WGB_EXIT_USAGE;
}
