/* cmd_topo.c — PLACEHOLDER until its owner lands it; must not be submitted. */
#include "cmd.h"
#include "util.h"

int topo_main(int argc, char *argv[])
{
	wgb_err("topo: not built yet");
	return WGB_EXIT_USAGE;
}
