/* cmd.h — one entry point per subcommand, each in its own cmd_<name>.c.
 *
 * Contract: X_main(argc, argv) receives the arguments after the subcommand
 * name and returns the process exit code: 0 success, 1 a regression (compare)
 * or a failed scenario, 2 bad usage or bad input. Nothing below main() exits.
 */
#ifndef WGB_CMD_H
#define WGB_CMD_H

#include <stdbool.h>
#include <stddef.h>

#define WGB_EXIT_OK 0
#define WGB_EXIT_FAIL 1
#define WGB_EXIT_USAGE 2

struct bed;
struct opts;

/* The exit code of what a command's work returned: 0 -> 0, 1 (a scenario
 * failed) -> 1, a -errno of bad input or an unmet precondition (-EINVAL,
 * -ENOENT, -EEXIST, -EPERM, -EBUSY, -ENOTDIR, -EACCES, -EROFS, -ENOTSUP,
 * -ENAMETOOLONG, -ENOEXEC, -EHOSTUNREACH: a machine of --hosts not reached) -> 2,
 * any other -errno -> 1. */
int cmd_exit_code(int ret);
/* The default --out of a command: results/<KIND><UTC time>, sortable, and
 * two runs a second apart never collide silently (an existing non-empty
 * directory is refused). */
int cmd_default_out(const char *kind, char *buf, size_t len);

/* backend.c: the testbed backend, chosen once from o->backend. */
/* One whole run into out_dir on it (run.h's returns): the bed opened, run,
 * closed; --backend vm launches the run in a guest (vm_run()). */
int backend_run(const struct opts *o, const char *out_dir);
/* What can be known of the backend before anything is touched (available,
 * --attach allowed, root where it needs it): 0 or -errno after the message.
 * backend_run() and backend_open() check it first. */
int backend_check(const struct opts *o);
/* --history DB (if given) can be opened: 0, or -EINVAL after the message;
 * backend_run() asks it before anything runs, tune before its first step. */
int backend_check_history(const struct opts *o);
/* Its bed (bed.h), opened, not up; -ENOTSUP for the vm launcher. */
int backend_open(const struct opts *o, const char *out_dir, struct bed **out);
/* Its nodes are namespaces of this machine (the doctor's probes need them). */
bool backend_nodes_here(const struct opts *o);

int run_main(int argc, char *argv[]);
int sweep_main(int argc, char *argv[]);
int compare_main(int argc, char *argv[]);
int report_main(int argc, char *argv[]);
int topo_main(int argc, char *argv[]);
int cleanup_main(int argc, char *argv[]);
int doctor_main(int argc, char *argv[]);
/* The history database: list, show, trend, changes, add (cmd_history.c). */
int history_main(int argc, char *argv[]);
/* Sample the counters of a live testbed (brought up by `topo up`). */
int sample_main(int argc, char *argv[]);
/* Reference 002 §7's loop: one knob at a time until the plateau (cmd_tune.c). */
int tune_main(int argc, char *argv[]);
/* `doctor --apply-advice`: tune limited to one round of the findings' candidates. */
int tune_advice_main(int argc, char *argv[]);
/* Inside a --backend vm guest (cmd_agent.c): tune as the host passed it, on
 * the guest's netns testbed; returns like tune_execute() (tune.h). */
int tune_guest_main(int argc, char *argv[], bool advice);
/* Hidden: the agent that runs as init inside a QEMU guest. */
int agent_main(int argc, char *argv[]);

#endif
