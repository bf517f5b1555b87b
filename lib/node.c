/* node.c — see node.h.
 *
 * A child reports a failed setup step (setns, affinity, redirect, exec) to
 * the parent through a close-on-exec pipe carrying {step, errno}: an empty
 * read means the exec (or fn) started, so "program not found" is a clean
 * error in the parent instead of a silent exit status of 127.
 */
#include "node.h"
#include "netns.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum node_step { STEP_PDEATHSIG = 1, STEP_SETNS, STEP_AFFINITY, STEP_ENV, STEP_REDIRECT, STEP_CWD, STEP_EXEC };

static const char *step_name(int step)
{
	switch (step) {
	case STEP_PDEATHSIG: return "set the parent-death signal";
	case STEP_SETNS: return "enter the namespace";
	case STEP_AFFINITY: return "pin to CPUs";
	case STEP_ENV: return "set the environment";
	case STEP_REDIRECT: return "redirect output";
	case STEP_CWD: return "change directory";
	case STEP_EXEC: return "execute";
	}
	return "start";
}

/* Process-wide by nature: fork() copies the whole process. */
static pthread_rwlock_t node_gate = PTHREAD_RWLOCK_INITIALIZER;

void node_gate_hold(void)
{
	pthread_rwlock_rdlock(&node_gate);
}

void node_gate_release(void)
{
	pthread_rwlock_unlock(&node_gate);
}

struct thread_start {
	void *(*fn)(void *);
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool running;
};

static void *thread_trampoline(void *arg)
{
	struct thread_start *ts = arg;
	void *(*fn)(void *) = ts->fn;
	void *fn_arg = ts->arg;

	/* ts lives on the starter's stack: not touched after the unlock */
	pthread_mutex_lock(&ts->lock);
	ts->running = true;
	pthread_cond_signal(&ts->cond);
	pthread_mutex_unlock(&ts->lock);
	return fn(fn_arg);
}

int node_thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
	struct thread_start ts = { .fn = fn, .arg = arg, .running = false };
	int ret;

	pthread_mutex_init(&ts.lock, NULL);
	pthread_cond_init(&ts.cond, NULL);
	node_gate_hold();
	ret = -pthread_create(th, NULL, thread_trampoline, &ts);
	pthread_mutex_lock(&ts.lock);
	while (!ret && !ts.running)
		pthread_cond_wait(&ts.cond, &ts.lock);
	pthread_mutex_unlock(&ts.lock);
	node_gate_release();
	pthread_cond_destroy(&ts.cond);
	pthread_mutex_destroy(&ts.lock);
	return ret;
}

struct child_report {
	int step;
	int err;
};

static int set_env(const char *const *envp)
{
	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		char name[256];

		if (!eq || eq == *envp || (size_t)(eq - *envp) >= sizeof(name))
			return EINVAL;
		memcpy(name, *envp, eq - *envp);
		name[eq - *envp] = '\0';
		if (setenv(name, eq + 1, 1) < 0)
			return errno;
	}
	return 0;
}

static int redirect_output(const char *path, bool stdout_only)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (stdout_only ? O_TRUNC : O_APPEND), 0644);

	if (fd < 0)
		return errno;
	if (dup2(fd, STDOUT_FILENO) < 0 || (!stdout_only && dup2(fd, STDERR_FILENO) < 0)) {
		int e = errno;

		close(fd);
		return e;
	}
	close(fd);
	return 0;
}

/* The child's setup, in order. Returns 0 or {step, errno} in *r. */
static int child_setup(const char *netns_path, const struct node_spawn_opts *o,
		       bool fn_mode, pid_t parent, struct child_report *r)
{
	int e;

	if (o && o->persistent) {
		/* Out of the terminal's job control (Ctrl-C, hang-up; an ignored
		 * SIGHUP stays ignored across exec) but NOT a new session: with
		 * sched_autogroup a new session is a new scheduling group, and a
		 * tunnel in its own group got ~15% less throughput here than the
		 * same tunnel in a `wgbench run` (measured: 205 vs 246 Mbit/s). */
		setpgid(0, 0);
		signal(SIGHUP, SIG_IGN);
	} else {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
			r->step = STEP_PDEATHSIG;
			r->err = errno;
			return -1;
		}
		/* The parent may have died before the prctl(): then nobody sends it. */
		if (getppid() != parent)
			_exit(128 + SIGKILL);
	}
	if (netns_path && (e = netns_join(netns_path)) < 0) {
		r->step = STEP_SETNS;
		r->err = -e;
		return -1;
	}
	if (o && o->cpus && o->n_cpus > 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		for (int i = 0; i < o->n_cpus; i++)
			CPU_SET(o->cpus[i], &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			r->step = STEP_AFFINITY;
			r->err = errno;
			return -1;
		}
	}
	if (o && fn_mode && (e = set_env(o->envp))) {
		r->step = STEP_ENV;
		r->err = e;
		return -1;
	}
	if (o && o->stdout_path && (e = redirect_output(o->stdout_path, o->stdout_only))) {
		r->step = STEP_REDIRECT;
		r->err = e;
		return -1;
	}
	if (o && o->cwd && chdir(o->cwd) < 0) {
		r->step = STEP_CWD;
		r->err = errno;
		return -1;
	}
	if (o && o->stdin_null) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || dup2(fd, STDIN_FILENO) < 0) {
			r->step = STEP_REDIRECT;
			r->err = errno;
			return -1;
		}
		close(fd);
	}
	return 0;
}

static void child_fail(int fd, const struct child_report *r)
{
	ssize_t n = write(fd, r, sizeof(*r));

	(void)n;
	_exit(127);
}

/* What an exec child needs, made before fork(): a child of a threaded
 * process must not allocate (another thread may have held the allocator's
 * lock at the fork — ASan's allocator has no fork handler), so it gets a
 * resolved path and a finished environment and only calls execve(). */
struct exec_prep {
	char *path;          /* NULL: not found on PATH */
	char **envp;
};

static void exec_prep_free(struct exec_prep *x)
{
	free(x->path);
	free(x->envp);
}

int node_which(const char *prog, char *buf, size_t len)
{
	const char *dirs = getenv("PATH"), *p, *end;

	if (strchr(prog, '/'))
		return util_fmt(buf, len, "%s", prog);
	for (p = dirs ? dirs : "/usr/local/bin:/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (end == p || util_fmt(buf, len, "%.*s/%s", (int)(end - p), p, prog))
			continue;
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static char *resolve_path(const char *prog)
{
	char buf[4096];

	return node_which(prog, buf, sizeof(buf)) ? NULL : strdup(buf);
}

static bool env_overridden(const char *entry, const char *const *extra)
{
	size_t n = strcspn(entry, "=");

	for (; extra && *extra; extra++)
		if (!strncmp(*extra, entry, n) && (*extra)[n] == '=')
			return true;
	return false;
}

static int exec_prep_make(const char *prog, const char *const *extra, struct exec_prep *x)
{
	size_t n = 0, m = 0, i = 0;

	x->path = resolve_path(prog);
	while (environ && environ[n])
		n++;
	while (extra && extra[m])
		m++;
	x->envp = calloc(n + m + 1, sizeof(*x->envp));
	if (!x->envp)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++)
		if (!env_overridden(environ[k], extra))
			x->envp[i++] = environ[k];
	for (size_t k = 0; k < m; k++) {
		if (!strchr(extra[k], '=') || extra[k][0] == '=')
			return -EINVAL;
		x->envp[i++] = (char *)extra[k];
	}
	return 0;
}

static int spawn(const char *netns_path, int (*fn)(void *), void *arg,
		 const char *const argv[], const struct node_spawn_opts *o,
		 const struct exec_prep *x, pid_t *pidp)
{
	struct child_report r = { 0, 0 };
	pid_t parent = getpid(), pid;
	int p[2], status;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pthread_rwlock_wrlock(&node_gate);
	pid = fork();
	if (pid != 0)
		pthread_rwlock_unlock(&node_gate);
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		/* The copy is write-locked by a thread that does not exist here. */
		pthread_rwlock_init(&node_gate, NULL);
		close(p[0]);
		if (child_setup(netns_path, o, fn != NULL, parent, &r) < 0)
			child_fail(p[1], &r);
		if (fn) {
			close(p[1]);
			_exit(fn(arg) & 0xff);
		}
		if (x->path)
			execve(x->path, (char *const *)argv, x->envp);
		r.step = STEP_EXEC;
		r.err = x->path ? errno : ENOENT;
		child_fail(p[1], &r);
	}
	close(p[1]);
	do
		n = read(p[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n == (ssize_t)sizeof(r)) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (r.step == STEP_EXEC)
			wgb_err("cannot run %s: %s", argv[0], strerror(r.err));
		else
			wgb_err("child in %s: cannot %s: %s", netns_path ? netns_path : "host",
				step_name(r.step), strerror(r.err));
		return r.err ? -r.err : -EIO;
	}
	*pidp = pid;
	return 0;
}

int node_fork(const char *netns_path, int (*fn)(void *arg), void *arg,
	      const struct node_spawn_opts *o, pid_t *pid)
{
	if (!fn || !pid)
		return -EINVAL;
	return spawn(netns_path, fn, arg, NULL, o, NULL, pid);
}

int node_exec(const char *netns_path, const char *const argv[],
	      const struct node_spawn_opts *o, pid_t *pid)
{
	struct exec_prep x = { NULL, NULL };
	int ret;

	if (!argv || !argv[0] || !pid)
		return -EINVAL;
	ret = exec_prep_make(argv[0], o ? o->envp : NULL, &x);
	if (ret == 0)
		ret = spawn(netns_path, NULL, NULL, argv, o, &x, pid);
	exec_prep_free(&x);
	return ret;
}

struct call {
	void (*fn)(void *arg, void *reply);
	void *arg, *reply;
	size_t size;
	int fd;
};

static int call_child(void *arg)
{
	struct call *c = arg;

	c->fn(c->arg, c->reply);
	return write(c->fd, c->reply, c->size) == (ssize_t)c->size ? 0 : 1;
}

int node_call(const char *netns_path, void (*fn)(void *arg, void *reply), void *arg,
	      void *reply, size_t size)
{
	struct call c = { fn, arg, reply, size, -1 };
	size_t got = 0;
	int p[2], ret;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	c.fd = p[1];
	ret = node_fork(netns_path, call_child, &c, NULL, &pid);
	close(p[1]);
	if (ret) {
		close(p[0]);
		return ret;
	}
	while (got < size && (n = read(p[0], (char *)reply + got, size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	node_wait(pid, -1, NULL);
	return got == size ? 0 : -EIO;
}

int node_run(const char *netns_path, const char *const argv[], const struct node_spawn_opts *o)
{
	pid_t pid;
	int ret, status;

	ret = node_exec(netns_path, argv, o, &pid);
	if (ret)
		return ret;
	ret = node_wait(pid, -1, &status);
	if (ret)
		return ret;
	if (status) {
		wgb_err("%s failed (%s %d)", argv[0], status > 128 ? "signal" : "exit",
			status > 128 ? status - 128 : status);
		return -EIO;
	}
	return 0;
}

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Wait for a process we did not fork (a persistent process started by an
 * earlier wgbench): it cannot be reaped, only watched. */
static int wait_foreign(pid_t pid, double timeout)
{
	double deadline = util_now_mono() + timeout;
	int fd = pidfd_open_compat(pid), ret = 0;

	if (fd < 0) {
		if (errno == ESRCH)
			return 0;
		/* No pidfd: poll for existence with a short backoff. */
		long us = 1000;

		while (kill(pid, 0) == 0) {
			if (timeout >= 0 && util_now_mono() >= deadline)
				return -ETIMEDOUT;
			usleep(us);
			us = us < 50000 ? us * 2 : us;
		}
		return 0;
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ms = -1, r;

		if (timeout >= 0) {
			double left = deadline - util_now_mono();

			ms = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		r = poll(&pfd, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			ret = -errno;
		else if (r == 0)
			ret = -ETIMEDOUT;
		break;
	}
	close(fd);
	return ret;
}

int node_wait(pid_t pid, double timeout, int *status)
{
	double deadline = util_now_mono() + timeout;
	long us = 500;
	int st;

	if (pid <= 0)
		return -EINVAL;
	for (;;) {
		pid_t r = waitpid(pid, &st, timeout < 0 ? 0 : WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ECHILD) {
			int ret = wait_foreign(pid, timeout);

			if (ret == 0 && status)
				*status = 0;   /* not ours: its status is its parent's */
			return ret;
		}
		if (r < 0)
			return -errno;
		if (util_now_mono() >= deadline)
			return -ETIMEDOUT;
		usleep(us);
		us = us < 20000 ? us * 2 : us;
	}
	if (status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

int node_kill(pid_t pid, double grace)
{
	int ret;

	if (pid <= 0)
		return -EINVAL;
	if (kill(pid, SIGTERM) < 0 && errno != ESRCH)
		return -errno;
	/* Even after ESRCH a zombie child may be waiting to be reaped. */
	ret = node_wait(pid, grace, NULL);
	if (ret == -ETIMEDOUT) {
		wgb_debug("pid %d ignored SIGTERM for %.1fs, sending SIGKILL", (int)pid, grace);
		if (kill(pid, SIGKILL) < 0 && errno != ESRCH)
			return -errno;
		ret = node_wait(pid, -1, NULL);
	}
	return ret;
}
