/* cmd_report.c — PLACEHOLDER until its owner lands it; must not be submitted. */
#include "cmd.h"
#include "util.h"

int report_main(int argc, char *argv[])
{
	wgb_err("report: not built yet");
	return WGB_EXIT_USAGE;
}
