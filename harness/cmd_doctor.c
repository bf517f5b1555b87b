/* cmd_doctor.c — PLACEHOLDER until its owner lands it; must not be submitted. */
#include "cmd.h"
#include "util.h"

int doctor_main(int argc, char *argv[])
{
	wgb_err("doctor: not built yet");
	return WGB_EXIT_USAGE;
}
