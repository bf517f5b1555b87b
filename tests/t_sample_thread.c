/* t_sample_thread.c — tunnel worker CPU: name matching (full and cut names),
 * a fake /proc tree for the rescan (threads appear, exit, are renamed), and
 * a real busy child process whose ticks must grow. */
#include "sample_thread.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T_NAME "t_sample_thread"
#define CHECK T_CHECK_COND
#include "t_common.h"

static void fake(const char *root, int pid, const char *comm, unsigned int utime, unsigned int stime)
{
	char path[256], text[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	util_mkdir_p(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
	snprintf(text, sizeof(text), "%d (%s) S 2 0 0 0 -1 69238880 0 0 0 0 %u %u 0 0 20 0 1 0 5 0 0\n",
		 pid, comm, utime, stime);
	/* rewritten in place: the sampler keeps its fd, as on /proc */
	fp = fopen(path, "w");
	if (!fp || fputs(text, fp) < 0 || fclose(fp))
		abort();
}

static void unfake(const char *root, int pid)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
	/* an exited task's stat fails to read; here: empty text fails to parse */
	if (truncate(path, 0))
		abort();
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d", root, pid);
	rmdir(path);
}

static void test_names(void)
{
	CHECK(sample_thread_name_matches("napi/wgb-g1u-8193", "wgb-g1u"));
	CHECK(!sample_thread_name_matches("napi/wgb-g1u0-8193", "wgb-g1u"));
	CHECK(sample_thread_name_matches("wg-crypt-wgb-g1t0", "wgb-g1t0"));
	CHECK(!sample_thread_name_matches("wg-crypt-wgb-g1t0", "wgb-g1t1"));
	CHECK(sample_thread_name_matches("wg-crypt-wgb-g1", "wgb-g1t0"));      /* cut to 15 */
	CHECK(!sample_thread_name_matches("wg-crypt-wgb-g", "wgb-g1t0"));      /* not cut: exact */
	CHECK(sample_thread_name_matches("kworker/1:2-wg-crypt-wg0", "wg0"));
	CHECK(!sample_thread_name_matches("kworker/1:2-events", "wg0"));
	CHECK(!sample_thread_name_matches("wireguard-go", "wg0"));
}

static void test_fake_proc(void)
{
	char root[] = "/tmp/t_sample_thread.XXXXXX";
	struct sample_threads *t = NULL;
	uint64_t ticks[2];
	unsigned int workers[2];

	if (!mkdtemp(root))
		abort();
	fake(root, 100, "napi/wgb-g1u-8193", 10, 5);
	fake(root, 101, "wg-crypt-wgb-g2t0", 7, 0);
	fake(root, 102, "kworker/0:1-events", 50, 50);
	CHECK(sample_thread_new(2, &t) == 0);
	CHECK(sample_thread_add_ifname(t, 0, "wgb-g1u") == 0);
	CHECK(sample_thread_add_ifname(t, 1, "wgb-g2t0") == 0);
	CHECK(sample_thread_rescan(t, root) == 0);
	CHECK(sample_thread_read(t, ticks, workers) == 0);
	CHECK(ticks[0] == 0 && ticks[1] == 0 && workers[0] == 1 && workers[1] == 1);

	fake(root, 100, "napi/wgb-g1u-8193", 20, 10);    /* +15 */
	fake(root, 102, "kworker/0:1-wg-crypt-wgb-g2t0", 60, 50);
	CHECK(sample_thread_read(t, ticks, NULL) == 0);
	CHECK(ticks[0] == 15 && ticks[1] == 0);
	CHECK(sample_thread_rescan(t, root) == 0);         /* the kworker joins gw2 at 110 */
	fake(root, 102, "kworker/0:1-wg-crypt-wgb-g2t0", 70, 50);
	fake(root, 101, "wg-crypt-wgb-g2t0", 9, 1);       /* +3 */
	CHECK(sample_thread_read(t, ticks, workers) == 0);
	CHECK(ticks[1] == 13 && workers[1] == 2);

	unfake(root, 100);                                /* exits: ticks stay */
	CHECK(sample_thread_read(t, ticks, workers) == 0);
	CHECK(ticks[0] == 15 && workers[0] == 0);
	fake(root, 102, "kworker/0:1-events", 80, 50);    /* renamed: dropped */
	CHECK(sample_thread_rescan(t, root) == 0);
	CHECK(sample_thread_read(t, ticks, workers) == 0);
	CHECK(ticks[1] == 13 && workers[1] == 1);
	CHECK(sample_thread_add_ifname(t, 2, "x") == -22);
	sample_thread_free(t);
	sample_thread_free(NULL);
	unfake(root, 101);
	unfake(root, 102);
	rmdir(root);
}

static void test_real_process(void)
{
	struct sample_threads *t = NULL;
	uint64_t ticks[1];
	double end;
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {
		volatile unsigned long x = 0;

		for (;;)
			x++;
	}
	CHECK(sample_thread_new(1, &t) == 0);
	CHECK(sample_thread_add_pid(t, 0, pid) == 0);
	/* 0.4 s of a busy loop is ~40 ticks; on a loaded machine it may take
	 * longer to get 5: poll for them (10 s at most) */
	end = util_now_mono() + 10;
	do
		usleep(20000);
	while (sample_thread_read(t, ticks, NULL) == 0 && ticks[0] < 5 && util_now_mono() < end);
	CHECK(ticks[0] >= 5);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	CHECK(sample_thread_read(t, ticks, NULL) == 0 && ticks[0] >= 5);
	sample_thread_free(t);
}

int main(void)
{
	test_names();
	test_fake_proc();
	test_real_process();
	if (failures)
		fprintf(stderr, "t_sample_thread: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
