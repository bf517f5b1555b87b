/* cmd_compare.c — PLACEHOLDER until its owner lands it; must not be submitted. */
#include "cmd.h"
#include "util.h"

int compare_main(int argc, char *argv[])
{
	wgb_err("compare: not built yet");
	return WGB_EXIT_USAGE;
}
