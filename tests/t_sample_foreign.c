/* t_sample_foreign.c — CPU of processes outside the testbed: a fake /proc
 * tree (ours by descent and by namespace, a kernel thread, foreign processes
 * that run, exit, are reaped, and a reused pid), then this machine's real
 * /proc with a busy foreign child (not a descendant: started by a grandchild
 * that exits, so it is reparented away from us) whose ticks must show. */
#include "sample_foreign.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T_NAME "t_sample_foreign"
#define CHECK T_CHECK_COND
#include "t_common.h"

struct fake_proc {
	int pid, ppid;
	unsigned int flags;
	unsigned long long start, utime, stime, cutime, cstime;
	unsigned long long netns;
};

static void fake(const char *root, const struct fake_proc *p)
{
	char path[256], text[512], ns[64];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%d/ns", root, p->pid);
	util_mkdir_p(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/ns/net", root, p->pid);
	snprintf(ns, sizeof(ns), "net:[%llu]", p->netns);
	unlink(path);
	if (symlink(ns, path))
		abort();
	snprintf(path, sizeof(path), "%s/%d/stat", root, p->pid);
	snprintf(text, sizeof(text), "%d (p %d) S %d 0 0 0 -1 %u 0 0 0 0 %llu %llu %llu %llu 20 0 1 0 %llu 0 0\n",
		 p->pid, p->pid, p->ppid, p->flags, p->utime, p->stime, p->cutime, p->cstime, p->start);
	fp = fopen(path, "w");
	if (!fp || fputs(text, fp) < 0 || fclose(fp))
		abort();
}

static void unfake(const char *root, int pid)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d/ns/net", root, pid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d/ns", root, pid);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/%d", root, pid);
	rmdir(path);
}

static void test_fake(void)
{
	char root[] = "/tmp/t_sample_foreign.XXXXXX";
	const uint64_t testbed_ns[] = { 4026532001ull };
	struct fake_proc self = { 10, 1, 0, 100, 50, 50, 0, 0, 1 },
			 child = { 11, 10, 0, 101, 10, 0, 0, 0, 4026532001ull },
			 wggo = { 12, 1, 0, 90, 300, 30, 0, 0, 4026532001ull },
			 kthr = { 2, 0, 0x00200000, 1, 0, 500, 0, 0, 1 },
			 job = { 20, 1, 0, 80, 40, 10, 0, 0, 1 },
			 sub = { 21, 20, 0, 95, 5, 0, 0, 0, 1 },
			 born = { 30, 1, 0, 200, 4, 0, 0, 0, 1 };
	struct sample_foreign *f = NULL;
	struct sample_foreign_proc top[3];
	uint64_t ticks = 99;

	if (!mkdtemp(root))
		abort();
	fake(root, &self); fake(root, &child); fake(root, &wggo);
	fake(root, &kthr); fake(root, &job); fake(root, &sub);
	CHECK(sample_foreign_new(10, testbed_ns, 1, &f) == 0);
	CHECK(sample_foreign_scan(f, root, &ticks) == 0 && ticks == 0);   /* the baseline */

	/* ours, the testbed's and the kernel's work do not count; foreign does */
	self.utime += 100; child.utime += 200; wggo.utime += 300; kthr.stime += 50;
	job.utime += 5; sub.utime += 3;
	fake(root, &self); fake(root, &child); fake(root, &wggo);
	fake(root, &kthr); fake(root, &job); fake(root, &sub);
	CHECK(sample_foreign_scan(f, root, &ticks) == 0 && ticks == 8);

	/* sub exits: job reaps it (its 8 seen + 2 unseen) and a job never seen
	 * alive (7); job itself +1; a foreign process is born with 4 */
	unfake(root, 21);
	job.utime += 1;
	job.cutime += 10 + 7;
	fake(root, &job);
	fake(root, &born);
	CHECK(sample_foreign_scan(f, root, &ticks) == 0 && ticks == 8 + 1 + 2 + 7 + 4);

	/* pid 21 reused by a new process: all of its time is new */
	sub.start = 300;
	sub.utime = 6;
	fake(root, &sub);
	CHECK(sample_foreign_scan(f, root, &ticks) == 0 && ticks == 22 + 6);

	CHECK(sample_foreign_top(f, top, 2) == 2);
	CHECK(top[0].pid == 20 && top[0].ticks == 5 + 1 + 2 + 7 && !strcmp(top[0].comm, "p 20"));
	CHECK(top[1].pid == 21 && top[1].ticks == 6);
	CHECK(sample_foreign_top(f, top, 3) == 3 && top[2].pid == 30);
	sample_foreign_free(f);
	sample_foreign_free(NULL);
	unfake(root, 10); unfake(root, 11); unfake(root, 12); unfake(root, 2);
	unfake(root, 20); unfake(root, 21); unfake(root, 30);
	CHECK(rmdir(root) == 0);
}

static void spin(double seconds)
{
	double end = util_now_mono() + seconds;
	volatile unsigned long x = 0;

	while (util_now_mono() < end)
		x++;
}

/* A busy process that is not our descendant: a child forks it and exits, so
 * it is reparented to init (or a subreaper) and counts as foreign. */
static void test_real(void)
{
	struct sample_foreign *f = NULL;
	uint64_t t0 = 0, t1 = 0;
	int p[2], st;
	pid_t mid, busy = 0;

	if (pipe(p))
		abort();
	mid = fork();
	if (mid == 0) {
		pid_t b = fork();

		if (b == 0) {
			close(p[0]);
			close(p[1]);
			sleep(1);   /* until the middle one is gone */
			spin(1.5);
			_exit(0);
		}
		if (write(p[1], &b, sizeof(b)) != sizeof(b))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &busy, sizeof(busy)) != sizeof(busy))
		abort();
	close(p[0]);
	waitpid(mid, &st, 0);
	CHECK(sample_foreign_new(getpid(), NULL, 0, &f) == 0);
	CHECK(sample_foreign_scan(f, "/proc", &t0) == 0);
	usleep(2200 * 1000);
	CHECK(sample_foreign_scan(f, "/proc", &t1) == 0);
	/* about 150 ticks of spinning; allow for a loaded machine */
	CHECK(t1 - t0 >= 50);
	kill(busy, SIGKILL);
	sample_foreign_free(f);
}

int main(void)
{
	test_fake();
	test_real();
	if (failures)
		fprintf(stderr, "t_sample_foreign: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
