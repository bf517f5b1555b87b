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

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

struct node_spawn_opts {
	bool persistent;            /* survive the parent (own process group, SIGHUP ignored, no PDEATHSIG) */
	const char *const *envp;    /* extra NAME=VALUE entries, NULL-terminated */
	const char *stdout_path;    /* redirect stdout+stderr there, appending (else inherit) */
	bool stdout_only;           /* ... stdout alone, the file truncated (a program's output as data) */
	bool stdin_null;            /* stdin from /dev/null */
	const char *cwd;            /* chdir there first (NULL: stay) */
	const int *cpus;            /* pin to these CPUs */
	int n_cpus;
};

int node_fork(const char *netns_path, int (*fn)(void *arg), void *arg,
	      const struct node_spawn_opts *o, pid_t *pid);
int node_exec(const char *netns_path, const char *const argv[],
	      const struct node_spawn_opts *o, pid_t *pid);
/* Run argv to completion in the namespace (NULL: this one): node_exec() and
 * node_wait(). 0 when it exited 0, else -EIO after one line naming the
 * program and how it ended (-errno when it could not start). */
int node_run(const char *netns_path, const char *const argv[], const struct node_spawn_opts *o);
/* fn(arg, reply) in a child (in the namespace at netns_path, NULL: this
 * one) that sends reply's size bytes back: for work that must not touch
 * this process (entering a namespace for good, unshare). 0 when the whole
 * reply came back, -EIO if not, -errno if the child could not start. */
int node_call(const char *netns_path, void (*fn)(void *arg, void *reply), void *arg,
	      void *reply, size_t size);
/* The program's path as exec will find it (a name with '/' as it is, else
 * the first executable on PATH); -ENOENT when there is none. */
int node_which(const char *prog, char *buf, size_t len);
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
/* pthread_create() behind the gate: returns once the new thread runs fn, so
 * no fork copies a thread half started (its stack being set up and, under
 * ASan, the allocator's thread registry locked). Every thread of wgbench
 * starts here. 0 or -errno. */
int node_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);


#endif
