/* cmd.h — one entry point per subcommand, each in its own cmd_<name>.c.
 *
 * Contract: X_main(argc, argv) receives the arguments after the subcommand
 * name and returns the process exit code: 0 success, 1 a regression (compare)
 * or a failed scenario, 2 bad usage or bad input. Nothing below main() exits.
 */
#ifndef WGB_CMD_H
#define WGB_CMD_H

#define WGB_EXIT_OK 0
#define WGB_EXIT_FAIL 1
#define WGB_EXIT_USAGE 2

int run_main(int argc, char *argv[]);
int sweep_main(int argc, char *argv[]);
int compare_main(int argc, char *argv[]);
int report_main(int argc, char *argv[]);
int topo_main(int argc, char *argv[]);
int cleanup_main(int argc, char *argv[]);
int doctor_main(int argc, char *argv[]);
/* Sample the counters of a live testbed (brought up by `topo up`). */
int sample_main(int argc, char *argv[]);
/* Hidden: the agent that runs as init inside a QEMU guest. */
int agent_main(int argc, char *argv[]);

#endif
