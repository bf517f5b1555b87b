/* traffic.h — iperf3 endpoints through libiperf, one forked child each.
 *
 * libiperf 3.12 keeps process-global state and runs every stream of a test on
 * one thread, so each endpoint is its own child: node_fork() enters the node's
 * namespace, the child configures a test exactly as iperf3's command line
 * would (block size, rate, omit, duration set explicitly: libiperf's defaults
 * are not the command line's) and runs it. Servers (drain) are one-off, on
 * their own port each, started first; a flow's client starts only once its
 * server's socket is listening (read from /proc/<pid>/net/tcp, never a fixed
 * sleep and never a probing connection, which would end a one-off server).
 * The client asks for the server's output too, so the one JSON document a
 * client writes back over a pipe holds both ends; it is kept verbatim.
 *
 * Each side may be pinned to CPUs (the cpus knob): the child pins itself
 * before libiperf starts, and the affinity the kernel then holds for each
 * started process is read back into its flow's result.
 *
 * traffic_run() never exits and never leaves a child behind: on a timeout or
 * when *stop becomes non-zero (a signal), every child is killed and reaped.
 */
#ifndef WGB_TRAFFIC_H
#define WGB_TRAFFIC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;

struct traffic_test {
	bool udp;
	bool reverse;
	bool bidir;                 /* --bidir: both directions at once (TCP) */
	unsigned int streams;       /* -P within one test */
	unsigned int block_size;    /* -l */
	uint64_t rate_bps;          /* -b per stream; 0: unlimited */
	int duration;               /* -t */
	int omit;                   /* -O */
	const char *client_netns;   /* /run/netns/<prefix>source */
	const char *server_netns;   /* /run/netns/<prefix>drain */
	bool servers_elsewhere;     /* servers run on another machine (vms): clients only */
	/* Pin every client (source) / server (drain) to these CPUs, as the
	 * cpus knob asks; n 0: not pinned (they keep wgbench's affinity). */
	const int *client_cpus;
	size_t n_client_cpus;
	const int *server_cpus;
	size_t n_server_cpus;
};

/* One started endpoint and the CPUs it may run on as the kernel holds
 * them: sched_getaffinity(pid) once its setup (namespace, pinning) is done,
 * in the kernel's cpulist form, as /proc/<pid>/status Cpus_allowed_list. */
struct traffic_proc {
	pid_t pid;                  /* 0: not started here */
	char requested[256];        /* the pinning asked for (cpulist), "" for none */
	char cpus[256];             /* what sched_getaffinity() read, "" if it failed */
	int err;                    /* -errno of that read, else 0 */
};

struct traffic_flow {
	const char *server_addr;    /* where the server listens (a drain address) */
	int port;
};

/* What one flow's iperf3 JSON says, receiver side taken from the receiver's
 * own report (iperf3 3.12's client-side UDP loss count is wrong with --omit).
 * A --bidir test carries two directions: receiver_bps, sender_bps and
 * retransmits are then their sums, and each direction is also kept alone
 * (fwd: client -> server, source -> drain; rev: server -> client). */
struct traffic_metrics {
	double receiver_bps;
	double sender_bps;
	long long retransmits;      /* TCP; -1 when unknown or UDP */
	bool bidir;                 /* the document holds both directions */
	double fwd_receiver_bps, rev_receiver_bps;     /* bidir only */
	double fwd_sender_bps, rev_sender_bps;
	long long fwd_retransmits, rev_retransmits;    /* -1 when unknown */
	long long packets;          /* UDP datagrams the receiver expected */
	long long lost_packets;     /* UDP */
	double jitter_ms;           /* UDP */
	double packets_per_s;       /* UDP datagrams received per second */
	double seconds;             /* the receiver's measured interval */
};

struct traffic_flow_result {
	bool ok;
	char *error;                /* NULL when ok */
	char *json;                 /* the raw iperf3 JSON, NULL if none came back */
	struct traffic_metrics m;
	struct traffic_proc client, server;
};

/* Run n flows at once; res[] (n entries, zeroed by the caller) receives each
 * flow's outcome. Returns 0 if every flow succeeded, -EIO if some failed
 * (each says why), -EINTR when stopped, -ETIMEDOUT, or another -errno.
 * *t_measure_start receives the monotonic time the clients were started. */
int traffic_run(const struct traffic_test *t, const struct traffic_flow *flows, size_t n,
		double timeout, const volatile sig_atomic_t *stop,
		struct traffic_flow_result *res, double *t_clients_started);
void traffic_flow_result_clear(struct traffic_flow_result *r);

/* The server half alone, for a server on another machine than its client
 * (--backend vms: drain and source are guests): starts n one-off servers in
 * t->server_netns and returns once each listens, pids[] receiving them.
 * On failure nothing is left running and why (malloc'd) may say more.
 * traffic_serve_end() waits up to timeout seconds for them, then kills. */
int traffic_serve(const struct traffic_test *t, const struct traffic_flow *flows, size_t n,
		  const volatile sig_atomic_t *stop, pid_t *pids, char **why);
void traffic_serve_end(pid_t *pids, size_t n, double timeout);

/* Pure: extract the metrics of one iperf3 3.12 client JSON document (with the
 * server's output inside, as traffic_run asks for). -EPROTO with the iperf3
 * error string or what is missing in err. */
int traffic_parse_json(const char *json, struct traffic_metrics *m, char *err, size_t errlen);

/* Pure: CPU numbers as a cpulist ("0-2,5", the kernel's Cpus_allowed_list
 * form), sorted and merged; "" for none. */
void traffic_cpulist(const int *cpus, size_t n, char *buf, size_t len);
/* {"client": PROC, "server": PROC} of one flow, PROC being {"pid",
 * "requested", "cpus_allowed_list", "error"} or null when the end did not
 * start here. */
struct json_object *traffic_procs_json(const struct traffic_flow_result *r);

/* The two directions of n --bidir flows, summed over the flows (n = 1: one
 * flow's): {"sum_of": "forward + reverse", "forward_bps", "reverse_bps"
 * (receivers), "forward_sender_bps", "reverse_sender_bps",
 * "forward_retransmits", "reverse_retransmits"}, forward being source ->
 * drain. NULL when a flow is not --bidir or failed: a runs[] entry's
 * throughput_bps is then one direction's. */
struct json_object *traffic_bidir_json(const struct traffic_flow_result *res, size_t n);

/* libiperf's version ("3.12"). */
const char *traffic_iperf_version(void);

#endif
