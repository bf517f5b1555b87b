/* cmd_agent.c — PLACEHOLDER until its owner lands it; must not be submitted. */
#include "cmd.h"
#include "util.h"

int agent_main(int argc, char *argv[])
{
	wgb_err("agent: not built yet");
	return WGB_EXIT_USAGE;
}
