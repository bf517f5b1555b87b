/* cmd_cleanup.c — PLACEHOLDER until its owner lands it; must not be submitted. */
#include "cmd.h"
#include "util.h"

int cleanup_main(int argc, char *argv[])
{
	wgb_err("cleanup: not built yet");
	return WGB_EXIT_USAGE;
}
