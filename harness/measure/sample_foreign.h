/* sample_foreign.h — CPU taken by processes outside the testbed.
 *
 * A verdict about the tunnel is only fair when the machine was the same
 * machine: a compile job, a backup or another benchmark running beside the
 * testbed takes the cores the tunnel needs. This counts their CPU.
 *
 * A scan reads /proc/PID/stat of every process and sorts it, once per
 * process (pid and start time), into
 *   ours     this process, its descendants (iperf3 endpoints, QEMU guests),
 *            any process in one of the testbed's network namespaces (a
 *            persistent wireguard-go of `topo up`), and the tunnel processes
 *            named by sample_foreign_add_ours() (a live wireguard-go);
 *   kernel   kernel threads (PF_KTHREAD): they also carry the tunnel's own
 *            work (softirq, crypt workers), so they are not counted;
 *   foreign  everything else.
 * sample_foreign_scan() adds to a cumulative counter the CPU ticks (USER_HZ)
 * the foreign processes used since the previous scan:
 *   - a process seen at both scans: its utime+stime delta;
 *   - a process born since: all of its utime+stime;
 *   - children a foreign parent reaped: the parent's cutime+cstime delta,
 *     less what was seen of them alive (counted then, or before the first
 *     scan), so short-lived jobs (a compiler's processes) count, and once.
 * The first scan is the baseline (adds nothing). What a foreign process used
 * between the last scan and its exit is counted when its parent reaps it.
 */
#ifndef WGB_SAMPLE_FOREIGN_H
#define WGB_SAMPLE_FOREIGN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sample_foreign;

struct sample_foreign_proc {
	pid_t pid;
	char comm[64];
	uint64_t ticks;            /* counted since the first scan */
};

/* self: the process whose descendants are ours (getpid()); netns_inodes:
 * the inode numbers of the testbed's network namespaces (stat() of their
 * /run/netns files), n of them. */
int sample_foreign_new(pid_t self, const uint64_t *netns_inodes, size_t n,
		       struct sample_foreign **out);
/* pid (and its descendants) is the system under test, not interference. */
int sample_foreign_add_ours(struct sample_foreign *f, pid_t pid);
/* proc_root: "/proc" (tests pass a directory of fake entries). *ticks is the
 * cumulative counter after the scan. */
int sample_foreign_scan(struct sample_foreign *f, const char *proc_root, uint64_t *ticks);
/* Up to n live foreign processes that were counted the most, most first. */
size_t sample_foreign_top(const struct sample_foreign *f, struct sample_foreign_proc *top, size_t n);
void sample_foreign_free(struct sample_foreign *f);

#endif
