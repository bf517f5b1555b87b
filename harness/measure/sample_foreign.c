/* sample_foreign.c — see sample_foreign.h. */
#include "sample_foreign.h"
#include "sample_proc.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum cls { CLS_UNKNOWN, CLS_OURS, CLS_KERNEL, CLS_FOREIGN };

struct pent {
	pid_t pid;
	int ppid;
	unsigned int flags;
	uint64_t start;
	enum cls cls;
	uint64_t own, child;       /* utime+stime, cutime+cstime at this scan */
	uint64_t own_d, child_d;   /* since the previous scan (this scan only) */
	uint64_t counted;          /* foreign ticks counted for it so far */
	uint64_t credit;           /* ticks of its exited children already seen, not yet in its cutime */
	char comm[64];
};

struct sample_foreign {
	pid_t self;
	uint64_t *ns;
	size_t n_ns;
	pid_t ours[16];
	size_t n_ours;
	struct pent *cur, *next;
	size_t n_cur, cap_cur, n_next, cap_next;
	uint64_t total;
	int scanned;
};

int sample_foreign_new(pid_t self, const uint64_t *netns_inodes, size_t n,
		       struct sample_foreign **out)
{
	struct sample_foreign *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->self = self;
	if (n) {
		f->ns = calloc(n, sizeof(*f->ns));
		if (!f->ns) {
			free(f);
			return -ENOMEM;
		}
		memcpy(f->ns, netns_inodes, n * sizeof(*f->ns));
		f->n_ns = n;
	}
	*out = f;
	return 0;
}

int sample_foreign_add_ours(struct sample_foreign *f, pid_t pid)
{
	if (f->n_ours >= ARRAY_SIZE(f->ours))
		return -E2BIG;
	f->ours[f->n_ours++] = pid;
	return 0;
}

static bool named_ours(const struct sample_foreign *f, pid_t pid)
{
	size_t i;

	for (i = 0; i < f->n_ours; i++)
		if (f->ours[i] == pid)
			return true;
	return false;
}

void sample_foreign_free(struct sample_foreign *f)
{
	if (!f)
		return;
	free(f->ns);
	free(f->cur);
	free(f->next);
	free(f);
}

static int cmp_pid(const void *a, const void *b)
{
	const struct pent *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static struct pent *find(struct pent *v, size_t n, pid_t pid)
{
	struct pent key = { .pid = pid };

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_pid) : NULL;
}

static int read_stat(const char *root, const char *pid, struct sample_proc_pid *x)
{
	char path[PATH_MAX], buf[1024];
	ssize_t n;
	int fd;

	if (util_fmt(path, sizeof(path), "%s/%s/stat", root, pid))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;   /* exited between readdir and open */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return sample_proc_parse_pid(buf, x);
}

/* Every process now, sorted by pid, into f->next. */
static int collect(struct sample_foreign *f, const char *root)
{
	struct dirent *d;
	DIR *dir = opendir(root);

	if (!dir)
		return -errno;
	f->n_next = 0;
	while ((d = readdir(dir))) {
		struct sample_proc_pid x;
		struct pent *e;

		if (!isdigit((unsigned char)d->d_name[0]) || read_stat(root, d->d_name, &x))
			continue;
		if (util_grow(&f->next, &f->cap_next, f->n_next + 1, sizeof(*f->next))) {
			closedir(dir);
			return -ENOMEM;
		}
		e = &f->next[f->n_next++];
		memset(e, 0, sizeof(*e));
		e->pid = (pid_t)atoi(d->d_name);
		e->ppid = x.ppid;
		e->flags = x.flags;
		e->start = x.starttime;
		e->own = x.utime + x.stime;
		e->child = x.cutime + x.cstime;
		snprintf(e->comm, sizeof(e->comm), "%s", x.comm);
	}
	closedir(dir);
	qsort(f->next, f->n_next, sizeof(*f->next), cmp_pid);
	return 0;
}

static int in_testbed(const struct sample_foreign *f, const char *root, pid_t pid)
{
	char path[PATH_MAX], link[64];
	unsigned long long ino;
	ssize_t n;
	size_t i;

	if (!f->n_ns || util_fmt(path, sizeof(path), "%s/%d/ns/net", root, (int)pid))
		return 0;
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	if (sscanf(link, "net:[%llu]", &ino) != 1)
		return 0;
	for (i = 0; i < f->n_ns; i++)
		if (f->ns[i] == ino)
			return 1;
	return 0;
}

/* A descendant of ours is ours; the parent is resolved first (depth-bound:
 * a pid reused inside a chain cannot loop). */
static enum cls classify(struct sample_foreign *f, const char *root, struct pent *e, int depth)
{
	struct pent *p;

	if (e->cls != CLS_UNKNOWN)
		return e->cls;
	if (e->flags & SAMPLE_PROC_PF_KTHREAD)
		e->cls = CLS_KERNEL;
	else if (e->pid == f->self || named_ours(f, e->pid))
		e->cls = CLS_OURS;
	else if (depth < 64 && e->ppid > 0 && (p = find(f->next, f->n_next, e->ppid)) && p != e &&
		 classify(f, root, p, depth + 1) == CLS_OURS)
		e->cls = CLS_OURS;
	else if (in_testbed(f, root, e->pid))
		e->cls = CLS_OURS;
	else
		e->cls = CLS_FOREIGN;
	return e->cls;
}

/* Carry what is known of each process over from the previous scan. */
static void carry(struct sample_foreign *f)
{
	size_t i;

	for (i = 0; i < f->n_next; i++) {
		struct pent *e = &f->next[i], *o = find(f->cur, f->n_cur, e->pid);

		if (o && o->start == e->start) {
			e->cls = o->cls;
			e->counted = o->counted;
			e->credit = o->credit;
			e->own_d = e->own > o->own ? e->own - o->own : 0;
			e->child_d = e->child > o->child ? e->child - o->child : 0;
		} else if (f->scanned) {   /* born since: all of it is new */
			e->own_d = e->own;
			e->child_d = e->child;
		}
	}
}

static int alive(const struct sample_foreign *f, const struct pent *o)
{
	struct pent *e = find(f->next, f->n_next, o->pid);

	return e && e->start == o->start;
}

/* A foreign process that exited: the cutime of the first ancestor still
 * alive will hold it whole (a parent that exited too passed it on), and all
 * it had at the last scan was counted then or came before the baseline; so
 * that, and what it had been credited for its own exited children, is the
 * credit of that ancestor, and only the rest counts when it is reaped. */
static void credit_exited(struct sample_foreign *f)
{
	size_t i;

	for (i = 0; i < f->n_cur; i++) {
		const struct pent *o = &f->cur[i], *a = o;
		struct pent *p;
		int depth;

		if (o->cls != CLS_FOREIGN || alive(f, o))
			continue;
		for (depth = 0; depth < 64; depth++) {
			const struct pent *up = find(f->cur, f->n_cur, a->ppid);

			if (!up || up == a || alive(f, up))
				break;
			a = up;
		}
		p = find(f->next, f->n_next, a->ppid);
		if (p && p->cls == CLS_FOREIGN)
			p->credit += o->own + o->child + o->credit;
	}
}

int sample_foreign_scan(struct sample_foreign *f, const char *proc_root, uint64_t *ticks)
{
	struct pent *swap;
	size_t i, cap;
	int ret;

	ret = collect(f, proc_root);
	if (ret)
		return ret;
	carry(f);
	for (i = 0; i < f->n_next; i++)
		classify(f, proc_root, &f->next[i], 0);
	credit_exited(f);
	for (i = 0; i < f->n_next; i++) {
		struct pent *e = &f->next[i];
		uint64_t reaped = e->child_d, c;

		if (e->cls != CLS_FOREIGN)
			continue;
		c = e->credit < reaped ? e->credit : reaped;
		e->credit -= c;
		reaped -= c;
		e->counted += e->own_d + reaped;
		f->total += e->own_d + reaped;
	}
	swap = f->cur;
	f->cur = f->next;
	f->next = swap;
	cap = f->cap_cur;
	f->cap_cur = f->cap_next;
	f->cap_next = cap;
	f->n_cur = f->n_next;
	f->scanned = 1;
	*ticks = f->total;
	return 0;
}

size_t sample_foreign_top(const struct sample_foreign *f, struct sample_foreign_proc *top, size_t n)
{
	size_t i, k = 0, j;

	for (i = 0; i < f->n_cur; i++) {
		const struct pent *e = &f->cur[i];

		if (e->cls != CLS_FOREIGN || !e->counted)
			continue;
		/* insertion into the sorted top n */
		for (j = k < n ? k++ : n; j > 0 && top[j - 1].ticks < e->counted; j--)
			if (j < n)
				top[j] = top[j - 1];
		if (j < n) {
			top[j].pid = e->pid;
			top[j].ticks = e->counted;
			snprintf(top[j].comm, sizeof(top[j].comm), "%s", e->comm);
		}
	}
	return k;
}
