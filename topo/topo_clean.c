/* topo_clean.c — removing what a testbed of a prefix left behind, from its
 * state file and by scanning, so that a process killed between making
 * something and recording it still leaves nothing: processes in the
 * prefix's namespaces, wireguard-go processes serving its interface names,
 * the namespaces, and wireguard-go's sockets and logs. */
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

static bool gone(pid_t pid)
{
	char path[64], *text = NULL, *p;
	bool zombie = false;

	/* Our own child: reap it. */
	if (waitpid(pid, NULL, WNOHANG) == pid)
		return true;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (util_read_file(path, &text, NULL))
		return true;
	p = strrchr(text, ')');
	zombie = p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
	free(text);
	return zombie;
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

/* Wait until every pid is gone or the deadline passes; true if all are. */
static bool wait_all_gone(const struct pid_list *l, double secs)
{
	double deadline = util_now_mono() + secs;
	size_t i;

	for (;;) {
		for (i = 0; i < l->n && gone(l->pid[i]); i++)
			;
		if (i == l->n)
			return true;
		if (util_now_mono() >= deadline)
			return false;
		nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
	}
}

/* SIGTERM to all at once, then SIGKILL to whoever is left after a grace
 * period: N processes cost one grace period, not N. */
static void stop_all(const struct pid_list *l, struct topo_sweep_count *c)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (kill(l->pid[i], SIGTERM) == 0)
			c->procs++;
	if (wait_all_gone(l, KILL_GRACE))
		return;
	for (i = 0; i < l->n; i++)
		if (!gone(l->pid[i]))
			kill(l->pid[i], SIGKILL);
	wait_all_gone(l, KILL_GRACE);
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

struct ns_id {
	dev_t dev;
	ino_t ino;
};

/* One pass over /proc: processes in one of the namespaces, and
 * wireguard-go processes serving one of the prefix's interfaces. */
static int find_processes(const char *prefix, const struct ns_id *ns, size_t n_ns, struct pid_list *l)
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

int topo_sweep(const char *prefix, const struct topo_state *st, struct topo_sweep_count *c)
{
	struct ns_id ns[NODE__COUNT];
	struct pid_list pids = { 0 };
	char name[64], path[256];
	struct stat sb;
	size_t n_ns = 0;
	unsigned int n, k, g;
	int ret = 0, r;

	/* Recorded processes, checked to still be wireguard-go of this prefix. */
	for (k = 0; st && k < st->tunnels; k++)
		for (g = 0; g < 2; g++) {
			char pid[16];

			if (!st->end[k][g].made || st->end[k][g].pid <= 0)
				continue;
			snprintf(pid, sizeof(pid), "%d", (int)st->end[k][g].pid);
			if (serves_prefix(prefix, pid))
				pid_add(&pids, st->end[k][g].pid);
		}
	for (n = 0; n < NODE__COUNT; n++) {
		if (topo_plan_netns(prefix, (enum topo_node_id)n, name, sizeof(name)) ||
		    netns_path(name, path, sizeof(path)) || stat(path, &sb))
			continue;
		ns[n_ns].dev = sb.st_dev;
		ns[n_ns].ino = sb.st_ino;
		n_ns++;
	}
	ret = find_processes(prefix, ns, n_ns, &pids);
	stop_all(&pids, c);
	free(pids.pid);
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
	return ret;
}

int topo_cleanup(const char *prefix, bool quiet)
{
	struct topo_sweep_count c = { 0 };
	struct topo_state st;
	bool have_state;
	int fd = -1, ret;

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
	ret = topo_sweep(prefix, have_state ? &st : NULL, &c);
	if (!ret)
		ret = state_remove(prefix);
	state_unlock(prefix, &fd);
	if (!quiet)
		printf("cleanup %s: removed %u namespace(s), %u process(es), %u file(s)%s\n", prefix,
		       c.netns, c.procs, c.files, have_state ? " and the state file" : "");
	return ret;
}
