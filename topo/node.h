/* node.h — run code and programs inside a node's network namespace.
 *
 * Every child: enters the namespace at netns_path with setns(), gets
 * PR_SET_PDEATHSIG(SIGKILL) unless `persistent`, optionally pins itself to
 * `cpus`, then runs fn(arg) (its return value is the exit status) or execs
 * argv. Nothing goes through a shell. The parent owns the pid and reaps it
 * with node_wait()/node_kill().
 */
#ifndef WGB_NODE_H
#define WGB_NODE_H

#include <stdbool.h>
#include <sys/types.h>

struct node_spawn_opts {
	bool persistent;            /* survive the parent (own process group, SIGHUP ignored, no PDEATHSIG) */
	const char *const *envp;    /* extra NAME=VALUE entries, NULL-terminated */
	const char *stdout_path;    /* redirect stdout+stderr there (else inherit) */
	const int *cpus;            /* pin to these CPUs */
	int n_cpus;
};

int node_fork(const char *netns_path, int (*fn)(void *arg), void *arg,
	      const struct node_spawn_opts *o, pid_t *pid);
int node_exec(const char *netns_path, const char *const argv[],
	      const struct node_spawn_opts *o, pid_t *pid);
/* Wait up to timeout seconds (<0: forever); *status is the exit code, or
 * 128+signal. -ETIMEDOUT if still running. */
int node_wait(pid_t pid, double timeout, int *status);
/* SIGTERM, then SIGKILL after grace seconds; reaps it. */
int node_kill(pid_t pid, double grace);
/* The fork gate. A child that runs code (node_fork) may allocate, and a
 * fork() taken while another thread is inside the allocator leaves that lock
 * held in the child for ever (ASan's allocator has no fork handler). A thread
 * that allocates while forks may happen (the sampler) holds the gate around
 * that work; every fork here waits for it. */
void node_gate_hold(void);
void node_gate_release(void);

/* Enter a namespace in the calling thread. */
int node_enter(const char *netns_path);
/* The same, keeping in *back an fd of the namespace the thread was in, for
 * node_return(); on failure *back is -1 and the thread has not moved. Both
 * are silent (0 or -errno): the caller words the message. */
int node_enter_save(const char *netns_path, int *back);
/* Return to *back and close it; a no-op on -1. *back is -1 afterwards. */
int node_return(int *back);

#endif
