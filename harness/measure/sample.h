/* sample.h — counters sampled beside every scenario, never forking.
 *
 * sample_start() opens every source once (procfs files of the host, one
 * netlink socket per node namespace, the tunnels' genl sockets or UAPI
 * paths) and
 * starts a thread that takes a snapshot every `interval` seconds, writing the
 * timeline to timeline_path. sample_stop() ends it and summarises the deltas
 * over [window_start, window_end] (monotonic seconds, util_now_mono()) into
 * the `cpu` and `drops` objects of a runs[] entry (DESIGN.md).
 * Nothing forks or execs while sampling; the thread pins itself to the last
 * CPU (recorded in cpu.sampler.cpu).
 *
 * TIMELINE (timeline_path; NULL: none) — CSV, comma-separated, one header
 * line of column names, then one row per interval between two snapshots
 * (the first snapshot, at sample_start, is only the baseline). gnuplot:
 *   set datafile separator comma; plot 'F' using 't':'cpu0.softirq' w l
 * A value that does not exist for that interval (offline CPU, interface
 * deleted, counter reset, source unreadable) is NaN. Columns, in order:
 *   t, dt                      end of the interval (monotonic s), its length (s)
 *   per CPU c (0..ncpu-1, every configured CPU):
 *     cpuC.usr .nice .sys .irq .softirq .steal .idle .iowait .busy
 *                              percent of the interval (busy = 100-idle-iowait)
 *     cpuC.net_rx .net_tx      NET_RX / NET_TX softirqs run (count)
 *     cpuC.softnet_processed .softnet_dropped .softnet_squeezed   (count)
 *     cpuC.irqs                device (numbered) interrupts handled (count)
 *   per node N, per interface I present at start (lo excluded):
 *     N.I.rx_bytes .tx_bytes .rx_packets .tx_packets .rx_errors .tx_errors
 *     .rx_dropped .tx_dropped  (count in the interval)
 *   per node N, per qdisc present at start (PARENT "root" or "maj-min", hex):
 *     N.I.qdisc.KIND.PARENT.drops .overlimits .requeues (count)
 *     N.I.qdisc.KIND.PARENT.backlog (bytes) .qlen (packets)   gauges, at t
 *   per node N: N.<Snmp.Key> for every key of sample_keys[] (sample.c),
 *     e.g. gw2.Udp.RcvbufErrors, source.Tcp.RetransSegs   (count)
 *   per node with tunnel workers: N.tunnel_cpu   percent of one core
 *   foreign_cpu                processes outside the testbed (sample_foreign.h),
 *                              percent of one core
 *   per node N, per WireGuard interface I, per peer K (its order at start):
 *     N.I.peerK.rx_bytes .tx_bytes   (count in the interval, WireGuard's own)
 *     N.I.peerK.latest_handshake     gauge: unix seconds at t, 0 never
 * Column set fixed at start; things created later are not sampled.
 *
 * SUMMARY (sample_stop) — each counter's delta over [window_start,
 * window_end]: per-interval deltas summed, the edge intervals weighted by
 * their overlap with the window (linear interpolation), so counts are
 * rounded to integers. Missing intervals add nothing ("partial": true).
 * Absent values are JSON null. Stable keys:
 * cpu = { "window_s", "covered_s", "interval_s",
 *   "cores": [{"cpu","usr","nice","sys","irq","softirq","steal","idle",
 *              "iowait","busy"}]            percent; offline CPUs left out
 *   "top_core": {"cpu","softirq","busy"}     the core with the highest %softirq
 *   "busiest_core": {"cpu","busy","softirq"}
 *   "nodes": {"source"|"gw1"|"gw2"|"drain": {"tunnel_cpu_percent" (of one
 *             core), "tunnel_cpu_s"}}     null where the node has no workers
 *   "interference": {"foreign_cpu_percent" (of one core), "steal_percent" (of
 *             all cores), "foreign_top": [{"pid","comm","cpu_s"}] (<= 3, over
 *             the sampler's life)}          what else took the machine
 *   "interrupts": {"top": [{"irq","name","total","per_cpu":[...]}]}  <= 8, by total
 *   "net_rx_softirqs": [per CPU], "net_tx_softirqs": [per CPU]
 *   "sampler": {"cpu" (pinned to), "self_cpu_s", "snapshots", "late",
 *               "mean_snapshot_us", "max_snapshot_us"},
 *   "wireguard": {NODE: {IFNAME: {"implementation": "kernel"|"userspace",
 *               "peers_not_sampled" (past 64 per interface),
 *               "peers": [{"peer" (K), "public_key" (base64), "endpoint" (at
 *               start), "rx_bytes", "tx_bytes" (WireGuard's counters over the
 *               window), "latest_handshake" (unix s at the window's end, 0
 *               never), "handshake_age_s" (then), "handshakes" (new ones in
 *               the window), "partial"}]}}}   WireGuard's own view, per peer }
 * drops = { "softnet_dropped", "softnet_squeezed",
 *   "softnet_per_cpu": [{"cpu","processed","dropped","squeezed"}],
 *   "interfaces": {NODE: {IFNAME: {"rx_bytes","tx_bytes","rx_packets",
 *                  "tx_packets","rx_errors","tx_errors","rx_dropped",
 *                  "tx_dropped","partial"}}},
 *   "qdisc_drops" (total), "qdiscs": {NODE: {IFNAME: [{"kind","handle",
 *                  "parent","drops","overlimits","requeues","backlog_max",
 *                  "qlen_max","partial"}]}},
 *   "udp_rcvbuf_errors", "udp_sndbuf_errors", "udp_in_errors",
 *   "tcp_retrans_segs", "ip_in_discards", "ip_out_discards"  (sums of nodes)
 *   "nodes": {NODE: {"udp_in_datagrams","udp_out_datagrams","udp_in_errors",
 *            "udp_rcvbuf_errors","udp_sndbuf_errors","udp_no_ports",
 *            "udp_mem_errors","tcp_in_segs","tcp_out_segs","tcp_retrans_segs",
 *            "tcp_in_errs","tcp_timeouts","tcp_backlog_drop","tcp_rcvq_drop",
 *            "tcp_listen_overflows","ip_in_receives","ip_forw_datagrams",
 *            "ip_in_discards","ip_out_discards","ip_out_no_routes",
 *            "ip_frag_fails","icmp_in_dest_unreachs","icmp_out_dest_unreachs",
 *            "nft_egress_dropped" (packets dropped by the node's counted drop
 *            rules at output/postrouting; null where it had none at start)}} }
 */
#ifndef WGB_SAMPLE_H
#define WGB_SAMPLE_H

#include <stddef.h>
#include <sys/types.h>

struct json_object;
struct topo;
struct sampler;

int sample_start(const struct topo *t, double interval, const char *timeline_path,
		 struct sampler **out);
int sample_stop(struct sampler *s, double window_start, double window_end,
		struct json_object **cpu, struct json_object **drops);
/* CPU seconds the sampler thread itself used so far. */
double sample_self_cpu(const struct sampler *s);
void sample_free(struct sampler *s);

/* The same sampler on nodes given directly (tests, a testbed without topo).
 * netns_path NULL: the current namespace. Kernel worker threads are looked
 * up by the interface names in kthread_ifnames (wg-crypt-IF, napi/IF-N). */
#define SAMPLE_NODE_PIDS 16
#define SAMPLE_NODE_IFNAMES 16
#define SAMPLE_NODE_WG 8
struct sample_node_spec {
	const char *name;
	const char *netns_path;
	pid_t tunnel_pids[SAMPLE_NODE_PIDS];
	size_t n_pids;
	const char *kthread_ifnames[SAMPLE_NODE_IFNAMES];
	size_t n_ifnames;
	/* WireGuard interfaces of the node whose peers are read every sample
	 * (kernel or UAPI, found at start; one that is neither is skipped). */
	const char *wg_ifnames[SAMPLE_NODE_WG];
	size_t n_wg;
};
int sample_start_nodes(const struct sample_node_spec *nodes, size_t n_nodes, double interval,
		       const char *timeline_path, struct sampler **out);
/* Snapshots taken so far, mean and worst microseconds one took. */
void sample_cost(const struct sampler *s, unsigned long *snapshots, double *mean_us, double *max_us);

#endif
