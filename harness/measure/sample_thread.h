/* sample_thread.h — CPU time of the tunnel's workers, attributed to a node.
 *
 * Two kinds of workers:
 *  - a user-space tunnel process (wireguard-go): its /proc/PID/stat, whose
 *    utime+stime already sum every thread, including threads that exited,
 *    so Go's changing thread set needs no rescans;
 *  - kernel threads found by name: "wg-crypt-<ifname>" (kernel WireGuard's
 *    crypt workqueue, also the kworkers whose name shows it last ran it) and
 *    "napi/<ifname>-<id>" (threaded NAPI). They are found by scanning /proc
 *    once in sample_start and again by sample_thread_rescan() at a low rate,
 *    never per snapshot. Names cut to 15 characters by older kernels match
 *    the interface names they are a prefix of.
 *
 * sample_thread_read() returns, per node, the CPU ticks (USER_HZ) used since the
 * worker was first seen: a cumulative counter that never goes backwards
 * when a thread exits (its ticks stay counted) or appears (it starts at 0).
 * Every /proc/PID/stat is opened once and pread from offset 0.
 */
#ifndef WGB_SAMPLE_THREAD_H
#define WGB_SAMPLE_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sample_threads;

int sample_thread_new(size_t n_nodes, struct sample_threads **out);
int sample_thread_add_pid(struct sample_threads *t, size_t node, pid_t pid);
int sample_thread_add_ifname(struct sample_threads *t, size_t node, const char *ifname);
/* Look for kernel threads of the registered interfaces. proc_root: "/proc"
 * (tests pass a directory of fake entries). */
int sample_thread_rescan(struct sample_threads *t, const char *proc_root);
/* ticks[n_nodes]: cumulative CPU ticks per node; workers[n_nodes]: how
 * many workers are tracked now (may be NULL). */
int sample_thread_read(struct sample_threads *t, uint64_t *ticks, unsigned int *workers);
void sample_thread_free(struct sample_threads *t);

/* Pure: does kernel thread name comm belong to interface ifname? */
int sample_thread_name_matches(const char *comm, const char *ifname);

#endif
