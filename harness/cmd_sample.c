/* cmd_sample.c — PLACEHOLDER until its owner lands it; must not be submitted. */
#include "cmd.h"
#include "util.h"

int sample_main(int argc, char *argv[])
{
	wgb_err("sample: not built yet");
	return WGB_EXIT_USAGE;
}
