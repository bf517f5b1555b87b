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
enum sample_proc_cpu_field {
	SAMPLE_PROC_USER, SAMPLE_PROC_NICE, SAMPLE_PROC_SYSTEM, SAMPLE_PROC_IDLE, SAMPLE_PROC_IOWAIT,
	SAMPLE_PROC_IRQ, SAMPLE_PROC_SOFTIRQ, SAMPLE_PROC_STEAL, SAMPLE_PROC_CPU_NFIELDS
};

struct sample_proc_cpu {
	int cpu;
	uint64_t f[SAMPLE_PROC_CPU_NFIELDS];
};

struct sample_proc_stat {
	struct sample_proc_cpu *cpus;   /* the "cpuN" lines in file order */
	size_t n, cap;
};

int sample_proc_parse_stat(const char *text, struct sample_proc_stat *out);
void sample_proc_stat_release(struct sample_proc_stat *s);

/* /proc/softirqs: NET_RX and NET_TX per CPU column (32-bit counters). */
struct sample_proc_softirqs {
	int *cpu;
	uint64_t *net_rx, *net_tx;
	size_t n, cap;
};

int sample_proc_parse_softirqs(const char *text, struct sample_proc_softirqs *out);
void sample_proc_softirqs_release(struct sample_proc_softirqs *s);

/* /proc/interrupts: one row per IRQ ("41", "LOC", "ERR"), its per-CPU counts
 * (32-bit counters) and its label: for numbered IRQs the action name(s)
 * ("virtio3-rx"), else the description ("Local timer interrupts"). Rows
 * with fewer values than CPU columns (ERR, MIS) have the rest as 0. */
struct sample_proc_irq {
	char name[16];
	char label[64];
	int numbered;             /* a device IRQ (numeric name) */
};

struct sample_proc_interrupts {
	int *cpu;                 /* the CPU of each column */
	size_t ncpu, cpu_cap;
	struct sample_proc_irq *irq;
	size_t nirq, irq_cap;
	uint64_t *count;          /* count[i * ncpu + c] */
	size_t count_cap;
};

int sample_proc_parse_interrupts(const char *text, struct sample_proc_interrupts *out);
void sample_proc_interrupts_release(struct sample_proc_interrupts *s);

/* /proc/net/softnet_stat: hex, one line per online CPU; column 13 is the CPU
 * number on kernels that print it (4.x+), else the line's position. */
struct sample_proc_softnet_cpu {
	int cpu;
	uint64_t processed, dropped, squeezed;   /* 32-bit counters */
};

struct sample_proc_softnet {
	struct sample_proc_softnet_cpu *cpus;
	size_t n, cap;
};

int sample_proc_parse_softnet(const char *text, struct sample_proc_softnet *out);
void sample_proc_softnet_release(struct sample_proc_softnet *s);

/* /proc/net/snmp and /proc/net/netstat: line pairs "Udp: keys" / "Udp: values"
 * become "Udp.RcvbufErrors" = value. A parse appends to out (parse snmp,
 * then netstat, into the same list); sample_proc_kvs_reset() empties it. */
struct sample_proc_kv {
	char key[56];
	int64_t val;
};

struct sample_proc_kvs {
	struct sample_proc_kv *kv;
	size_t n, cap;
};

void sample_proc_kvs_reset(struct sample_proc_kvs *k);
/* Append one pair read from another source ("Nft.EgressDropped"). */
int sample_proc_kv_add(struct sample_proc_kvs *k, const char *key, int64_t val);
int sample_proc_parse_kv(const char *text, struct sample_proc_kvs *out);
/* Index of key, or -1. hint: where it was last time (-1: unknown). */
long sample_proc_kv_find(const struct sample_proc_kvs *k, const char *key, long hint);
void sample_proc_kvs_release(struct sample_proc_kvs *k);

/* /proc/PID/stat or /proc/PID/task/TID/stat: command name and CPU ticks. */
int sample_proc_parse_pid_stat(const char *text, char *comm, size_t comm_len,
			 uint64_t *utime, uint64_t *stime);

/* The same line, the fields a process scan needs (proc(5) numbering). */
#define SAMPLE_PROC_PF_KTHREAD 0x00200000u   /* flags: a kernel thread */
struct sample_proc_pid {
	char comm[64];                  /* kworkers add their workqueue to the 15 */
	char state;
	int ppid;                       /* field 4 */
	unsigned int flags;             /* field 9 */
	uint64_t utime, stime;          /* 14, 15: ticks */
	uint64_t cutime, cstime;        /* 16, 17: of reaped children */
	uint64_t starttime;             /* 22: ticks after boot */
};
int sample_proc_parse_pid(const char *text, struct sample_proc_pid *out);

/* Delta of a counter of `bits` width (32 or 64). A 32-bit counter that went
 * backwards wrapped once; a 64-bit one that went backwards was reset (its
 * interface recreated): -ERANGE, to be treated as missing. */
int sample_proc_delta(uint64_t prev, uint64_t cur, unsigned int bits, uint64_t *out);

#endif
