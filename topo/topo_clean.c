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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void wait_gone(pid_t pid, double secs)
{
	double deadline = util_now_mono() + secs;

	while (!gone(pid) && util_now_mono() < deadline)
		nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000 * 1000 }, NULL);
}

/* SIGTERM, then SIGKILL after a grace period. */
static void stop_process(pid_t pid, struct topo_sweep_count *c)
{
	if (pid <= 0 || pid == getpid() || kill(pid, SIGTERM) < 0)
		return;
	wait_gone(pid, KILL_GRACE);
	if (!gone(pid)) {
		kill(pid, SIGKILL);
		wait_gone(pid, KILL_GRACE);
	}
	c->procs++;
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

static void stop_wireguard_go(const char *prefix, struct topo_sweep_count *c)
{
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && serves_prefix(prefix, de->d_name))
			stop_process((pid_t)atoi(de->d_name), c);
	closedir(d);
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
	char name[64];
	pid_t *pids = NULL;
	size_t np, i;
	unsigned int n, k, g;
	int ret = 0, r;

	/* Recorded processes first, checked to still be wireguard-go. */
	for (k = 0; st && k < st->tunnels; k++)
		for (g = 0; g < 2; g++) {
			char pid[16];

			if (!st->end[k][g].made || st->end[k][g].pid <= 0)
				continue;
			snprintf(pid, sizeof(pid), "%d", (int)st->end[k][g].pid);
			if (serves_prefix(prefix, pid))
				stop_process(st->end[k][g].pid, c);
		}
	stop_wireguard_go(prefix, c);
	for (n = 0; n < NODE__COUNT; n++) {
		if (topo_plan_netns(prefix, (enum topo_node_id)n, name, sizeof(name)) || !netns_exists(name))
			continue;
		if (!netns_pids(name, &pids, &np))
			for (i = 0; i < np; i++)
				stop_process(pids[i], c);
		free(pids);
		pids = NULL;
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
