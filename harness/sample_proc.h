/* sample_proc.h — pure parsers of the procfs counter files: text in, structs out.
 *
 * Nothing here opens a file. Each parser fills a caller-owned struct whose
 * arrays grow as needed and are reused from one snapshot to the next (the
 * sampler parses the same files every interval: no allocation once warm).
 * Each *_release() frees the arrays and is NULL-safe.
 *
 * CPUs are identified by their number as the file prints it (cpu3, CPU3,
 * softnet_stat's column 13), never by position: offline CPUs are absent and a
 * CPU may appear or disappear between two snapshots.
 *
 * Errors: 0, -EINVAL on text that is not the expected format, -ENOMEM.
 */
#ifndef WGB_SAMPLE_PROC_H
#define WGB_SAMPLE_PROC_H

#include <stddef.h>
#include <stdint.h>

/* /proc/stat per-CPU jiffies (USER_HZ). guest/guest_nice are already inside
 * user/nice, so they are not kept. */
enum sproc_cpu_field {
	SPROC_USER, SPROC_NICE, SPROC_SYSTEM, SPROC_IDLE, SPROC_IOWAIT,
	SPROC_IRQ, SPROC_SOFTIRQ, SPROC_STEAL, SPROC_CPU_NFIELDS
};

struct sproc_cpu {
	int cpu;
	uint64_t f[SPROC_CPU_NFIELDS];
};

struct sproc_stat {
	struct sproc_cpu *cpus;   /* the "cpuN" lines in file order */
	size_t n, cap;
};

int sproc_parse_stat(const char *text, struct sproc_stat *out);
void sproc_stat_release(struct sproc_stat *s);

/* /proc/softirqs: NET_RX and NET_TX per CPU column (32-bit counters). */
struct sproc_softirqs {
	int *cpu;
	uint64_t *net_rx, *net_tx;
	size_t n, cap;
};

int sproc_parse_softirqs(const char *text, struct sproc_softirqs *out);
void sproc_softirqs_release(struct sproc_softirqs *s);

/* /proc/interrupts: one row per IRQ ("41", "LOC", "ERR"), its per-CPU counts
 * (32-bit counters) and its label: for numbered IRQs the action name(s)
 * ("virtio3-rx"), else the description ("Local timer interrupts"). Rows
 * with fewer values than CPU columns (ERR, MIS) have the rest as 0. */
struct sproc_irq {
	char name[16];
	char label[64];
	int numbered;             /* a device IRQ (numeric name) */
};

struct sproc_interrupts {
	int *cpu;                 /* the CPU of each column */
	size_t ncpu, cpu_cap;
	struct sproc_irq *irq;
	size_t nirq, irq_cap;
	uint64_t *count;          /* count[i * ncpu + c] */
	size_t count_cap;
};

int sproc_parse_interrupts(const char *text, struct sproc_interrupts *out);
void sproc_interrupts_release(struct sproc_interrupts *s);

/* /proc/net/softnet_stat: hex, one line per online CPU; column 13 is the CPU
 * number on kernels that print it (4.x+), else the line's position. */
struct sproc_softnet_cpu {
	int cpu;
	uint64_t processed, dropped, squeezed;   /* 32-bit counters */
};

struct sproc_softnet {
	struct sproc_softnet_cpu *cpus;
	size_t n, cap;
};

int sproc_parse_softnet(const char *text, struct sproc_softnet *out);
void sproc_softnet_release(struct sproc_softnet *s);

/* /proc/net/snmp and /proc/net/netstat: line pairs "Udp: keys" / "Udp: values"
 * become "Udp.RcvbufErrors" = value. A parse appends to out (parse snmp,
 * then netstat, into the same list); sproc_kvs_reset() empties it. */
struct sproc_kv {
	char key[56];
	int64_t val;
};

struct sproc_kvs {
	struct sproc_kv *kv;
	size_t n, cap;
};

void sproc_kvs_reset(struct sproc_kvs *k);
int sproc_parse_kv(const char *text, struct sproc_kvs *out);
/* Index of key, or -1. hint: where it was last time (-1: unknown). */
long sproc_kv_find(const struct sproc_kvs *k, const char *key, long hint);
void sproc_kvs_release(struct sproc_kvs *k);

/* /proc/PID/stat or /proc/PID/task/TID/stat: command name and CPU ticks. */
int sproc_parse_pid_stat(const char *text, char *comm, size_t comm_len,
			 uint64_t *utime, uint64_t *stime);

/* Delta of a counter of `bits` width (32 or 64). A 32-bit counter that went
 * backwards wrapped once; a 64-bit one that went backwards was reset (its
 * interface recreated): -ERANGE, to be treated as missing. */
int sproc_delta(uint64_t prev, uint64_t cur, unsigned int bits, uint64_t *out);

#endif
