/* topo_clean.c — removing what a testbed of a prefix left behind, from its
 * state file and by scanning, so that a process killed between making
 * something and recording it still leaves nothing: processes in the
 * prefix's namespaces, wireguard-go processes serving its interface names,
 * the namespaces, wireguard-go's sockets and logs, and the half-written
 * files (NAME.tmp.PID) of a writer killed mid-write.
 *
 * Nothing returns while a process it removes still runs. A process killed
 * by its parent's death (PR_SET_PDEATHSIG) may still be exiting when
 * cleanup starts: wireguard-go closes its TUN device last, after its memory
 * and namespaces are released (the file's release is deferred to the end of
 * exit), which can take a second or more under load -- and meanwhile
 * /proc/PID shows neither its command line nor its namespace. So such a
 * process is found by name and waited for, and a process counts as gone
 * only when every one of its threads has finished (a thread-group leader is
 * a zombie while its other threads still run). */
#include "topo_impl.h"
#include "topo_plan.h"
#include "netns.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WG_SOCK_DIR "/var/run/wireguard"
#define KILL_GRACE 2.0
/* How long an exiting process may take to finish, and a finished one
 * (a zombie) to be reaped by its parent (init, once its own parent died). */
#define EXIT_WAIT 15.0
#define REAP_WAIT 3.0

/* Not even a zombie is left of it. */
static bool reaped(pid_t pid)
{
	if (waitpid(pid, NULL, WNOHANG) == pid)
		return true;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

struct pid_list {
	pid_t *pid;
	size_t n, cap;
};

static int pid_add(struct pid_list *l, pid_t pid)
{
	size_t i;

	if (pid <= 0 || pid == getpid())
		return 0;
	for (i = 0; i < l->n; i++)
		if (l->pid[i] == pid)
			return 0;
	if (util_grow(&l->pid, &l->cap, l->n + 1, sizeof(*l->pid)))
		return -ENOMEM;
	l->pid[l->n++] = pid;
	return 0;
}

/* Wait until test() holds for every pid or the deadline passes; true if
 * it does for all. */
static bool wait_all(const struct pid_list *l, bool (*test)(pid_t), double secs)
{
	double deadline = util_now_mono() + secs;
	size_t i;

	for (;;) {
		for (i = 0; i < l->n && test(l->pid[i]); i++)
			;
		if (i == l->n)
			return true;
		if (util_now_mono() >= deadline)
			return false;
		nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000 * 1000 }, NULL);
	}
}

/* Names the pids still running, -EBUSY; 0 if none. */
static int still_running(const struct pid_list *l, const char *what)
{
	char buf[256];
	size_t i, o = 0, n = 0;

	buf[0] = 0;
	for (i = 0; i < l->n; i++)
		if (!util_pid_gone(l->pid[i])) {
			n++;
			if (o < sizeof(buf))
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, " %d", (int)l->pid[i]);
		}
	if (!n)
		return 0;
	wgb_err("%zu %s process(es) still running after %.0f s more:%s", n, what, EXIT_WAIT, buf);
	return -EBUSY;
}

/* SIGTERM to all at once, then SIGKILL to whoever is left after a grace
 * period (N processes cost one grace period, not N), then wait until every
 * one has finished. */
static int stop_all(const struct pid_list *l, struct topo_sweep_count *c)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!util_pid_gone(l->pid[i]) && kill(l->pid[i], SIGTERM) == 0)
			c->procs++;
	if (wait_all(l, util_pid_gone, KILL_GRACE))
		return 0;
	for (i = 0; i < l->n; i++)
		if (!util_pid_gone(l->pid[i]))
			kill(l->pid[i], SIGKILL);
	wait_all(l, util_pid_gone, EXIT_WAIT);
	return still_running(l, "testbed");
}

static int read_small(const char *path, char *buf, size_t len)
{
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -EIO;
	buf[r] = '\0';
	return 0;
}

/* "<prefix>g1t<digits>" or "<prefix>g2t<digits>" followed by end. */
static bool is_tunnel_name(const char *prefix, const char *s, const char *end)
{
	size_t n = strlen(prefix);
	const char *p;

	if ((size_t)(end - s) <= n + 3 || strncmp(s, prefix, n))
		return false;
	s += n;
	if (strncmp(s, "g1t", 3) && strncmp(s, "g2t", 3))
		return false;
	for (p = s + 3; p < end; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* wireguard-go whose arguments name one of the prefix's tunnels. */
static bool serves_prefix(const char *prefix, const char *pid)
{
	char path[64], *text = NULL, *arg, *base;
	size_t len;
	bool hit = false;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	if (util_read_file(path, &text, &len) || !len)
		goto out;
	base = strrchr(text, '/');
	base = base ? base + 1 : text;
	if (strcmp(base, "wireguard-go"))
		goto out;
	for (arg = text + strlen(text) + 1; arg < text + len; arg += strlen(arg) + 1)
		if (is_tunnel_name(prefix, arg, arg + strlen(arg)))
			hit = true;
out:
	free(text);
	return hit;
}

/* A wireguard-go that is exiting or has just finished: its name still
 * shows, its command line (its memory) is gone; a thread may still run
 * (closing its TUN), or it is a zombie its parent has yet to reap. */
static bool ending_wggo(const char *pid)
{
	char path[64], comm[32], *text = NULL;
	size_t len = 0;
	bool r;

	snprintf(path, sizeof(path), "/proc/%.10s/comm", pid);
	if (read_small(path, comm, sizeof(comm)) || strcmp(comm, "wireguard-go\n"))
		return false;
	snprintf(path, sizeof(path), "/proc/%.10s/cmdline", pid);
	r = !util_read_file(path, &text, &len) && len == 0;
	free(text);
	return r;
}

struct ns_id {
	dev_t dev;
	ino_t ino;
};

/* One pass over /proc: processes in one of the namespaces, and
 * wireguard-go processes serving one of the prefix's interfaces; with
 * exiting, also every exiting wireguard-go (whose testbed cannot be told). */
static int find_processes(const char *prefix, const struct ns_id *ns, size_t n_ns, struct pid_list *l,
			  struct pid_list *exiting)
{
	char path[64], comm[32];
	struct dirent *de;
	struct stat st;
	size_t i;
	DIR *d;
	int ret = 0;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d)) && !ret) {
		bool inside = false;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || strlen(de->d_name) > 10)
			continue;
		snprintf(path, sizeof(path), "/proc/%.10s/ns/net", de->d_name);
		if (stat(path, &st) == 0)
			for (i = 0; i < n_ns && !inside; i++)
				inside = st.st_ino == ns[i].ino && st.st_dev == ns[i].dev;
		if (inside) {
			ret = pid_add(l, (pid_t)atoi(de->d_name));
			continue;
		}
		/* comm first: cheaper than the whole command line. */
		snprintf(path, sizeof(path), "/proc/%.10s/comm", de->d_name);
		if (read_small(path, comm, sizeof(comm)) || strcmp(comm, "wireguard-go\n"))
			continue;
		if (serves_prefix(prefix, de->d_name))
			ret = pid_add(l, (pid_t)atoi(de->d_name));
		else if (exiting && ending_wggo(de->d_name))
			ret = pid_add(exiting, (pid_t)atoi(de->d_name));
	}
	closedir(d);
	return ret;
}

/* Files of dir named <tunnel name><suffix>. */
static void remove_files(const char *dir, const char *prefix, const char *suffix,
			 struct topo_sweep_count *c)
{
	size_t sl = strlen(suffix), len;
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len <= sl || strcmp(de->d_name + len - sl, suffix) ||
		    !is_tunnel_name(prefix, de->d_name, de->d_name + len - sl))
			continue;
		if (!util_fmt(path, sizeof(path), "%s/%s", dir, de->d_name) && unlink(path) == 0)
			c->files++;
	}
	closedir(d);
}

/* Files of STATE_DIR a writer killed mid-write left: <prefix><name>.tmp.<pid>
 * (util_write_file_atomic) whose writer is gone. */
static void remove_tmp_files(const char *prefix, struct topo_sweep_count *c)
{
	size_t pl = strlen(prefix);
	char path[512];
	struct dirent *de;
	DIR *d = opendir(STATE_DIR);
	const char *t;
	int pid;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, pl) || !(t = strstr(de->d_name + pl, ".tmp.")) ||
		    sscanf(t + 5, "%d", &pid) != 1 || pid <= 0 || !reaped(pid))
			continue;
		if (!util_fmt(path, sizeof(path), "%s/%s", STATE_DIR, de->d_name) && unlink(path) == 0)
			c->files++;
	}
	closedir(d);
}

/* topo_sweep(), and with exiting the exiting wireguard-go found too; *seen
 * receives every process stopped (for the caller to wait on its reaping). */
static int sweep(const char *prefix, const struct topo_state *st, struct topo_sweep_count *c,
		 struct pid_list *seen, struct pid_list *exiting)
{
	struct ns_id ns[NODE__COUNT];
	char name[64], path[256];
	struct stat sb;
	size_t n_ns = 0;
	unsigned int n, k, g;
	int ret = 0, r;

	/* Recorded processes, checked to still be wireguard-go of this prefix
	 * (or one already exiting: its pid was recorded as this prefix's). */
	for (k = 0; st && k < st->tunnels; k++)
		for (g = 0; g < 2; g++) {
			char pid[16];

			if (!st->end[k][g].made || st->end[k][g].pid <= 0)
				continue;
			snprintf(pid, sizeof(pid), "%d", (int)st->end[k][g].pid);
			if (serves_prefix(prefix, pid) || ending_wggo(pid))
				pid_add(seen, st->end[k][g].pid);
		}
	for (n = 0; n < NODE__COUNT; n++) {
		if (topo_plan_netns(prefix, (enum topo_node_id)n, name, sizeof(name)) ||
		    netns_path(name, path, sizeof(path)) || stat(path, &sb))
			continue;
		ns[n_ns].dev = sb.st_dev;
		ns[n_ns].ino = sb.st_ino;
		n_ns++;
	}
	ret = find_processes(prefix, ns, n_ns, seen, exiting);
	r = stop_all(seen, c);
	if (r && !ret)
		ret = r;
	for (n = 0; n < NODE__COUNT; n++) {
		if (topo_plan_netns(prefix, (enum topo_node_id)n, name, sizeof(name)) || !netns_exists(name))
			continue;
		r = netns_delete(name);
		if (r && !ret)
			ret = r;
		else if (!r)
			c->netns++;
	}
	remove_files(WG_SOCK_DIR, prefix, ".sock", c);
	remove_files(STATE_DIR, prefix, ".wggo.log", c);
	remove_tmp_files(prefix, c);
	return ret;
}

int topo_sweep(const char *prefix, const struct topo_state *st, struct topo_sweep_count *c)
{
	struct pid_list seen = { 0 };
	int ret = sweep(prefix, st, c, &seen, NULL);

	free(seen.pid);
	return ret;
}

/* After a kill, what cleanup stopped may still be exiting, and what had
 * already been killed may be too: wait until every one has finished and
 * (briefly) until its parent reaped it, so nothing of it shows after. */
static int wait_finished(struct pid_list *seen, struct pid_list *exiting, unsigned int *n_exiting,
			 bool quiet)
{
	size_t i;
	int ret;

	*n_exiting = (unsigned int)exiting->n;
	wait_all(exiting, util_pid_gone, EXIT_WAIT);
	ret = still_running(exiting, "exiting wireguard-go");
	for (i = 0; i < exiting->n; i++)
		pid_add(seen, exiting->pid[i]);
	if (!wait_all(seen, reaped, REAP_WAIT) && !quiet)
		for (i = 0; i < seen->n; i++)
			if (!reaped(seen->pid[i]))
				wgb_warn("process %d has finished; its parent has not yet reaped it",
					 (int)seen->pid[i]);
	return ret;
}

int topo_cleanup(const char *prefix, bool quiet)
{
	struct topo_sweep_count c = { 0 };
	struct pid_list seen = { 0 }, exiting = { 0 };
	struct topo_state st;
	unsigned int n_exiting = 0;
	bool have_state;
	int fd = -1, ret, r;

	if (geteuid() != 0) {
		wgb_err("cleanup needs root (it removes network namespaces and processes); run as root");
		return -EPERM;
	}
	ret = state_lock(prefix, 3, &fd);
	if (ret == -EBUSY)
		wgb_err("the testbed with prefix '%s' is in use by a running wgbench (lock " STATE_DIR
			"/%slock held); stop it first", prefix, prefix);
	if (ret)
		return ret;
	ret = state_load(prefix, &st);
	have_state = ret == 0;
	/* A corrupt state file is no reason to leave the rest behind. */
	ret = sweep(prefix, have_state ? &st : NULL, &c, &seen, &exiting);
	r = wait_finished(&seen, &exiting, &n_exiting, quiet);
	if (r && !ret)
		ret = r;
	if (!ret)
		ret = state_remove(prefix);
	state_unlock(prefix, &fd);
	free(seen.pid);
	free(exiting.pid);
	if (!quiet) {
		printf("cleanup %s: removed %u namespace(s), %u process(es), %u file(s)%s", prefix,
		       c.netns, c.procs, c.files, have_state ? " and the state file" : "");
		if (n_exiting)
			printf("; waited for %u exiting wireguard-go", n_exiting);
		printf("\n");
	}
	return ret;
}

/* Every namespace and wireguard-go process the state file records is there. */
static bool intact(const char *prefix, const struct topo_state *st)
{
	char name[64], pid[16];
	unsigned int n, k, g;

	for (n = 0; n < NODE__COUNT; n++)
		if (st->netns_made[n] &&
		    (topo_plan_netns(prefix, (enum topo_node_id)n, name, sizeof(name)) ||
		     !netns_exists(name)))
			return false;
	for (k = 0; k < st->tunnels; k++)
		for (g = 0; g < 2; g++) {
			if (!st->end[k][g].made || st->end[k][g].pid <= 0)
				continue;
			snprintf(pid, sizeof(pid), "%d", (int)st->end[k][g].pid);
			if (!serves_prefix(prefix, pid))
				return false;
		}
	return true;
}

int topo_clean_orphaned(const char *prefix, char *why, size_t len)
{
	struct topo_state st;
	int fd = -1, r;

	r = state_lock(prefix, 0, &fd);
	if (r == -EBUSY) {
		snprintf(why, len, "in use by a running wgbench (lock " STATE_DIR "/%slock held)", prefix);
		return 0;
	}
	if (r)
		return r;
	r = state_load(prefix, &st);
	state_unlock(prefix, &fd);
	if (!r && st.persistent && st.complete && intact(prefix, &st)) {
		snprintf(why, len, "up on purpose (topo up, pid %d), its namespaces and processes alive; "
			 "`wgbench cleanup --prefix %s` removes it", (int)st.owner, prefix);
		return 0;
	}
	return 1;
}
