/* sample_thread.c — see sample_thread.h. */
#include "sample_thread.h"
#include "sample_link.h"
#include "sample_proc.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COMM_TRUNC 15   /* TASK_COMM_LEN - 1 on kernels that cut names */

struct worker {
	pid_t pid;
	size_t node;
	int fd;
	int kernel;         /* found by name (rescanned), else registered */
	int seen;           /* still present at the last rescan */
	uint64_t last;      /* utime+stime at the last read */
};

struct wifname {
	size_t node;
	char name[IFNAMSIZ];
};

struct sample_threads {
	size_t n_nodes;
	struct worker *w;
	size_t nw, wcap;
	struct wifname *ifs;
	size_t nifs, ifcap;
	uint64_t *acc;      /* per node: ticks of every worker since first seen */
	char *buf;
	size_t cap;
};

int sample_thread_new(size_t n_nodes, struct sample_threads **out)
{
	struct sample_threads *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->n_nodes = n_nodes;
	t->acc = calloc(n_nodes ? n_nodes : 1, sizeof(*t->acc));
	if (!t->acc) {
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

static int read_ticks(struct sample_threads *t, int fd, uint64_t *ticks)
{
	uint64_t u, s;
	int ret;

	ret = sample_pread_all(fd, &t->buf, &t->cap, NULL);
	if (ret)
		return ret;
	ret = sample_proc_parse_pid_stat(t->buf, NULL, 0, &u, &s);
	if (ret)
		return ret;
	*ticks = u + s;
	return 0;
}

static int add_worker(struct sample_threads *t, size_t node, pid_t pid, int fd, int kernel)
{
	struct worker *w;
	uint64_t ticks;
	int ret;

	ret = read_ticks(t, fd, &ticks);
	if (!ret)
		ret = util_grow(&t->w, &t->wcap, t->nw + 1, sizeof(*t->w));
	if (ret) {
		close(fd);
		return ret;
	}
	w = &t->w[t->nw++];
	w->pid = pid;
	w->node = node;
	w->fd = fd;
	w->kernel = kernel;
	w->seen = 1;
	w->last = ticks;   /* what it used before it was seen is not counted */
	return 0;
}

int sample_thread_add_pid(struct sample_threads *t, size_t node, pid_t pid)
{
	char path[64];
	int fd;

	if (node >= t->n_nodes || pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return add_worker(t, node, pid, fd, 0);
}

int sample_thread_add_ifname(struct sample_threads *t, size_t node, const char *ifname)
{
	struct wifname *w;

	if (node >= t->n_nodes || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	if (util_grow(&t->ifs, &t->ifcap, t->nifs + 1, sizeof(*t->ifs)))
		return -ENOMEM;
	w = &t->ifs[t->nifs++];
	w->node = node;
	snprintf(w->name, sizeof(w->name), "%s", ifname);
	return 0;
}

/* rest: what follows "wg-crypt-" or "napi/" in a thread name. */
static int rest_matches(const char *rest, size_t full_len, const char *ifname, int napi)
{
	size_t n = strlen(ifname);

	if (!strncmp(rest, ifname, n))
		return napi ? rest[n] == '-' : (rest[n] == '\0');
	/* a name cut to 15 characters: what is left must be a prefix */
	return full_len == COMM_TRUNC && *rest && !strncmp(ifname, rest, strlen(rest));
}

int sample_thread_name_matches(const char *comm, const char *ifname)
{
	const char *p;
	size_t len = strlen(comm);

	if (!strncmp(comm, "napi/", 5))
		return rest_matches(comm + 5, len, ifname, 1);
	if (!strncmp(comm, "wg-crypt-", 9))
		return rest_matches(comm + 9, len, ifname, 0);
	/* kworker/1:2-wg-crypt-wg0: a shared worker that last ran that queue */
	if (!strncmp(comm, "kworker/", 8) && (p = strstr(comm, "wg-crypt-")))
		return !strcmp(p + 9, ifname);
	return 0;
}

static struct worker *find_worker(struct sample_threads *t, pid_t pid)
{
	size_t i;

	for (i = 0; i < t->nw; i++)
		if (t->w[i].pid == pid)
			return &t->w[i];
	return NULL;
}

static void consider(struct sample_threads *t, const char *proc_root, const char *pidstr)
{
	char path[512], comm[64];
	uint64_t u, s;
	struct worker *w;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/stat", proc_root, pidstr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (sample_pread_all(fd, &t->buf, &t->cap, NULL) ||
	    sample_proc_parse_pid_stat(t->buf, comm, sizeof(comm), &u, &s))
		goto skip;
	for (i = 0; i < t->nifs; i++) {
		if (!sample_thread_name_matches(comm, t->ifs[i].name))
			continue;
		w = find_worker(t, atoi(pidstr));
		if (w) {
			w->seen = 1;
			goto skip;
		}
		add_worker(t, t->ifs[i].node, atoi(pidstr), fd, 1);
		return;
	}
skip:
	close(fd);
}

int sample_thread_rescan(struct sample_threads *t, const char *proc_root)
{
	struct dirent *de;
	size_t i, j;
	DIR *d;

	if (!t->nifs)
		return 0;
	d = opendir(proc_root);
	if (!d)
		return -errno;
	for (i = 0; i < t->nw; i++)
		if (t->w[i].kernel)
			t->w[i].seen = 0;
	while ((de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			consider(t, proc_root, de->d_name);
	closedir(d);
	/* a kworker that now runs something else is no longer the tunnel's */
	for (i = j = 0; i < t->nw; i++) {
		if (t->w[i].kernel && !t->w[i].seen) {
			close(t->w[i].fd);
			continue;
		}
		t->w[j++] = t->w[i];
	}
	t->nw = j;
	return 0;
}

int sample_thread_read(struct sample_threads *t, uint64_t *ticks, unsigned int *workers)
{
	size_t i, j;

	if (workers)
		memset(workers, 0, t->n_nodes * sizeof(*workers));
	for (i = j = 0; i < t->nw; i++) {
		struct worker *w = &t->w[i];
		uint64_t now;

		if (read_ticks(t, w->fd, &now)) {
			/* exited: what it used is already counted */
			close(w->fd);
			continue;
		}
		if (now >= w->last)
			t->acc[w->node] += now - w->last;
		w->last = now;
		if (workers)
			workers[w->node]++;
		t->w[j++] = *w;
	}
	t->nw = j;
	memcpy(ticks, t->acc, t->n_nodes * sizeof(*ticks));
	return 0;
}

void sample_thread_free(struct sample_threads *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nw; i++)
		close(t->w[i].fd);
	free(t->w);
	free(t->ifs);
	free(t->acc);
	free(t->buf);
	free(t);
}
