/* t_doctor.c — the doctor's rules on fixture inputs (doctor.h's input
 * document): a healthy testbed gives no finding; for every finding id one
 * patched fixture triggers it and a near-miss does not. The healthy base is
 * shaped like a real input.json of this machine with healthy numbers. */
#include "doctor.h"
#include "doctor_impl.h"
#include "jsonx.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CPU_OK "{\"window_s\":3,\"cores\":[{\"cpu\":0,\"busy\":60,\"softirq\":10,\"sys\":30,\"usr\":20}," \
	"{\"cpu\":1,\"busy\":55,\"softirq\":8,\"sys\":30,\"usr\":17}]," \
	"\"nodes\":{\"gw1\":{\"tunnel_cpu_percent\":40},\"gw2\":{\"tunnel_cpu_percent\":35}}}"
#define DROPS_OK "{\"softnet_dropped\":0,\"softnet_squeezed\":0,\"qdisc_drops\":0,\"qdiscs\":{}," \
	"\"interfaces\":{\"gw1\":{\"t-g1u\":{\"tx_packets\":10000,\"tx_dropped\":0,\"tx_errors\":0," \
	"\"rx_packets\":50,\"rx_dropped\":0,\"rx_errors\":0},\"t-g1t0\":{\"tx_packets\":10000," \
	"\"tx_dropped\":0,\"tx_errors\":0,\"rx_packets\":10,\"rx_dropped\":0,\"rx_errors\":0}}," \
	"\"gw2\":{\"t-g2u\":{\"tx_packets\":50,\"tx_dropped\":0,\"tx_errors\":0,\"rx_packets\":10000," \
	"\"rx_dropped\":0,\"rx_errors\":0}}},\"nodes\":{\"gw1\":{\"udp_out_datagrams\":10000," \
	"\"ip_out_discards\":0,\"udp_sndbuf_errors\":0,\"udp_rcvbuf_errors\":0,\"udp_in_datagrams\":10}," \
	"\"gw2\":{\"udp_in_datagrams\":10000,\"udp_rcvbuf_errors\":0,\"udp_out_datagrams\":50," \
	"\"ip_out_discards\":0,\"udp_sndbuf_errors\":0},\"drain\":{\"udp_in_datagrams\":10000," \
	"\"udp_rcvbuf_errors\":0}}}"
/* The latency probe as this machine measures a healthy load through
 * wireguard-go: idle ~0.3 ms, a few ms under load, p99 spikes. */
#define LAT_OK "{\"interval_ms\":10,\"sent\":300,\"lost\":2,\"idle_rtt_ms\":{\"p50\":0.3,\"p99\":0.6}," \
	"\"rtt_ms\":{\"p50\":4.0,\"p90\":9.0,\"p99\":40.0,\"max\":60.0},\"owd_fwd_ms\":{\"p50\":2.5,\"p99\":30}," \
	"\"owd_rev_ms\":{\"p50\":1.5,\"p99\":10},\"underlay\":{\"sent\":300,\"lost\":0," \
	"\"idle_rtt_ms\":{\"p50\":0.01,\"p99\":0.03},\"rtt_ms\":{\"p50\":0.02,\"p90\":0.05,\"p99\":0.1}}}"
#define SCEN(proto, flows, bs, bps, pps) "{\"ok\":true,\"protocol\":\"" proto "\",\"flows\":" flows \
	",\"block_size\":" bs ",\"duration_s\":3,\"throughput_bps\":" bps ",\"packets_per_s\":" pps \
	",\"cpu\":" CPU_OK ",\"drops\":" DROPS_OK ",\"latency\":" LAT_OK "}"
/* underlay-bufferbloat as measured here (wgbench doctor, 2026-12): tbf
 * 50 Mbit/s with a 625000-byte limit holds only ~119 KB (wireguard-go's
 * socket buffer pushes back), the rest waits in wireguard-go and the TUN. */
#define TBF50 "shapers=[{\"node\":\"gw1\",\"link\":\"underlay\",\"ifname\":\"t-g1u\",\"kind\":\"tbf\"," \
	"\"rate_bps\":50e6}]"
#define TBF_HELD(bytes) "scenarios.udp.drops.qdiscs={\"gw1\":{\"t-g1u\":[{\"kind\":\"tbf\",\"drops\":0," \
	"\"overlimits\":57331,\"backlog_max\":" bytes ",\"qlen_max\":92}]}}"

static const char base_text[] =
	"{\"wg\":\"wireguard-go\",\"tunnels\":1,\"variant\":\"baseline\",\"duration_s\":3,"
	"\"mtu\":{\"underlay_family\":4,\"source_lan_mtu\":1500,"
	"\"ends\":[{\"node\":\"gw1\",\"tunnel_mtu\":1420,\"underlay_mtu\":1500,\"lan_mtu\":1500},"
	"{\"node\":\"gw2\",\"tunnel_mtu\":1420,\"underlay_mtu\":1500,\"lan_mtu\":1500}],"
	"\"probes\":[{\"size\":84,\"result\":\"reply\"},{\"size\":1500,\"result\":\"frag_needed\",\"mtu\":1420},"
	"{\"size\":1420,\"result\":\"reply\"}],"
	"\"icmp\":{\"source_in_dest_unreachs\":1,\"gw1_out_dest_unreachs\":1,\"gw2_out_dest_unreachs\":0}},"
	"\"routes\":[{\"tunnel\":0,\"drain\":\"10.103.0.10\",\"gw1\":{\"expected\":\"t-g1t0\",\"oif\":\"t-g1t0\"},"
	"\"gw2\":{\"expected\":\"t-g2t0\",\"oif\":\"t-g2t0\"},\"probe_reply\":true,"
	"\"tunnel_delta\":{\"gw1_tx\":128,\"gw1_rx\":128,\"gw2_tx\":128,\"gw2_rx\":128}}],"
	"\"links\":{\"source\":{\"t-sl\":\"lan\"},\"gw1\":{\"t-g1l\":\"lan\",\"t-g1u\":\"underlay\","
	"\"t-g1t0\":\"tunnel\"},\"gw2\":{\"t-g2l\":\"lan\",\"t-g2u\":\"underlay\",\"t-g2t0\":\"tunnel\"},"
	"\"drain\":{\"t-dl\":\"lan\"}},\"shapers\":[],\"stopped_after\":null,"
	"\"scenarios\":{"
	"\"tcp-single\":" SCEN("tcp", "1", "131072", "100e6", "null") ","
	"\"tcp-fwd\":" SCEN("tcp", "8", "131072", "300e6", "null") ","
	"\"udp-small\":" SCEN("udp", "1", "64", "50e6", "97656") ","
	"\"udp\":" SCEN("udp", "1", "1200", "100e6", "10416") "}}";

/* A case: patches "path=JSON" applied to the base; the id must (not) appear. */
struct tcase {
	const char *name;
	const char *id;
	int present;
	const char *patch[4];
};

static const struct tcase cases[] = {
	{ "pmtu: DF above 1380 vanish, no ICMP", "pmtu-blackhole", 1,
	  { "mtu.probes=[{\"size\":84,\"result\":\"reply\"},{\"size\":1500,\"result\":\"timeout\"},"
	    "{\"size\":1480,\"result\":\"timeout\"},{\"size\":1380,\"result\":\"reply\"}]" } },
	{ "pmtu: nothing passes at all (not an MTU question)", "pmtu-blackhole", 0,
	  { "mtu.probes=[{\"size\":84,\"result\":\"timeout\"}]" } },
	{ "pmtu: timeout above a size ICMP announced", "pmtu-blackhole", 0,
	  { "mtu.probes=[{\"size\":84,\"result\":\"reply\"},{\"size\":1500,\"result\":\"frag_needed\","
	    "\"mtu\":1420},{\"size\":1460,\"result\":\"timeout\"},{\"size\":1420,\"result\":\"reply\"}]" } },
	{ "pmtu (IPv6): above 1380 vanish, no Packet Too Big", "pmtu-blackhole", 1,
	  { "mtu.probe_family=6", "mtu.probes=[{\"size\":84,\"result\":\"reply\"},{\"size\":1500,\"result\":\"timeout\"},"
	    "{\"size\":1381,\"result\":\"timeout\"},{\"size\":1380,\"result\":\"reply\"}]" } },
	{ "pmtu (IPv6): timeout above a size Packet Too Big announced", "pmtu-blackhole", 0,
	  { "mtu.probe_family=6", "mtu.probes=[{\"size\":84,\"result\":\"reply\"},{\"size\":1500,\"result\":"
	    "\"packet_too_big\",\"mtu\":1420},{\"size\":1460,\"result\":\"timeout\"},{\"size\":1420,\"result\":\"reply\"}]" } },
	{ "pmtu (dual): the IPv6 series (mtu6) silent above 1380", "pmtu-blackhole", 1,
	  { "mtu6={\"probe_family\":6,\"probes\":[{\"size\":84,\"result\":\"reply\"},{\"size\":1500,"
	    "\"result\":\"timeout\"},{\"size\":1380,\"result\":\"reply\"}]}" } },
	{ "pmtu (dual): the IPv6 series answered by Packet Too Big", "pmtu-blackhole", 0,
	  { "mtu6={\"probe_family\":6,\"probes\":[{\"size\":84,\"result\":\"reply\"},{\"size\":1500,"
	    "\"result\":\"packet_too_big\",\"mtu\":1420},{\"size\":1420,\"result\":\"reply\"}]}" } },
	{ "mtu (IPv6 underlay): 1420 + 80 > 1492", "mtu-mismatch", 1, { "mtu.underlay_family=6",
	  "mtu.ends=[{\"node\":\"gw1\",\"tunnel_mtu\":1420,\"underlay_mtu\":1492},{\"node\":\"gw2\","
	  "\"tunnel_mtu\":1420,\"underlay_mtu\":1492}]" } },
	{ "mtu (IPv4 underlay): 1420 + 60 <= 1492 fits", "mtu-mismatch", 0, {
	  "mtu.ends=[{\"node\":\"gw1\",\"tunnel_mtu\":1420,\"underlay_mtu\":1492},{\"node\":\"gw2\","
	  "\"tunnel_mtu\":1420,\"underlay_mtu\":1492}]" } },
	{ "mtu: 1460 + 60 > 1500", "mtu-mismatch", 1, { "mtu.ends=[{\"node\":\"gw1\",\"tunnel_mtu\":1460,"
	  "\"underlay_mtu\":1500},{\"node\":\"gw2\",\"tunnel_mtu\":1460,\"underlay_mtu\":1500}]" } },
	{ "mtu: 1440 + 60 = 1500 fits", "mtu-mismatch", 0, { "mtu.ends=[{\"node\":\"gw1\",\"tunnel_mtu\":1440,"
	  "\"underlay_mtu\":1500},{\"node\":\"gw2\",\"tunnel_mtu\":1440,\"underlay_mtu\":1500}]",
	  "mtu.probes=[{\"size\":84,\"result\":\"reply\"},{\"size\":1500,\"result\":\"frag_needed\","
	  "\"mtu\":1440},{\"size\":1440,\"result\":\"reply\"}]" } },
	{ "mtu: the ends disagree", "mtu-mismatch", 1, { "mtu.ends.1.tunnel_mtu=1380" } },
	{ "mtu: ICMP says 1400 below the tunnel's 1420", "mtu-mismatch", 1,
	  { "mtu.probes=[{\"size\":84,\"result\":\"reply\"},{\"size\":1500,\"result\":\"frag_needed\","
	    "\"mtu\":1400},{\"size\":1400,\"result\":\"reply\"}]" } },
	{ "route: gw1 sends the drain out of the underlay", "route-bypasses-tunnel", 1,
	  { "routes.0.gw1.oif=\"t-g1u\"" } },
	{ "route: reply while the tunnel carried nothing", "route-bypasses-tunnel", 1,
	  { "routes.0.tunnel_delta.gw1_tx=0", "routes.0.tunnel_delta.gw2_rx=0" } },
	{ "route: no reply, counters still", "route-bypasses-tunnel", 0,
	  { "routes.0.probe_reply=false", "routes.0.tunnel_delta.gw1_tx=0" } },
	{ "route: gw2 answers out of the underlay", "route-asymmetric", 1, { "routes.0.gw2.oif=\"t-g2u\"" } },
	{ "route: no reply, no return counters", "route-asymmetric", 0,
	  { "routes.0.probe_reply=false", "routes.0.tunnel_delta.gw2_tx=0" } },
	{ "cpu: cpu0 98% (85% softirq), cpu1 30%", "cpu-single-core", 1,
	  { "scenarios.tcp-single.cpu.cores=[{\"cpu\":0,\"busy\":98,\"softirq\":85},{\"cpu\":1,\"busy\":30,\"softirq\":2}]" } },
	{ "cpu: both cores busy (a busy machine)", "cpu-single-core", 0,
	  { "scenarios.tcp-single.cpu.cores=[{\"cpu\":0,\"busy\":98,\"softirq\":85},{\"cpu\":1,\"busy\":95,\"softirq\":2}]" } },
	{ "flows: 8 flows 110 vs one 100 Mbit/s", "per-flow-limit", 1, { "scenarios.tcp-fwd.throughput_bps=110e6" } },
	{ "flows: 8 flows 130 vs one 100 Mbit/s", "per-flow-limit", 0, { "scenarios.tcp-fwd.throughput_bps=130e6" } },
	{ "flows: flat, but a shaper at its rate explains it", "per-flow-limit", 0,
	  { "scenarios.tcp-fwd.throughput_bps=110e6",
	    "shapers=[{\"node\":\"gw1\",\"link\":\"underlay\",\"ifname\":\"t-g1u\",\"kind\":\"tbf\",\"rate_bps\":120e6}]",
	    "scenarios.tcp-fwd.drops.qdiscs={\"gw1\":{\"t-g1u\":[{\"kind\":\"tbf\",\"drops\":0,\"overlimits\":900}]}}" } },
	{ "small: 15000 pps at 64 B vs 10416 at 1200 B", "small-packet-limit", 1,
	  { "scenarios.udp-small.packets_per_s=15000" } },
	{ "small: 97656 pps (half the byte bound)", "small-packet-limit", 0, { NULL } },
	{ "rcvbuf: gw2 5000 of 15000", "udp-rcvbuf", 1, { "scenarios.udp.drops.nodes.gw2.udp_rcvbuf_errors=5000" } },
	{ "rcvbuf: gw2 40 (below the minimum)", "udp-rcvbuf", 0, { "scenarios.udp.drops.nodes.gw2.udp_rcvbuf_errors=40" } },
	{ "sndbuf: gw1 500 of 10500", "udp-sndbuf", 1, { "scenarios.udp.drops.nodes.gw1.udp_sndbuf_errors=500",
	  "scenarios.udp.drops.nodes.gw1.ip_out_discards=500" } },
	{ "sndbuf: gw1 5", "udp-sndbuf", 0, { "scenarios.udp.drops.nodes.gw1.udp_sndbuf_errors=5" } },
	{ "softnet: 3000 dropped in 3 s", "softnet-backlog", 1, { "scenarios.udp.drops.softnet_dropped=3000" } },
	{ "softnet: 20 dropped in 3 s", "softnet-backlog", 0, { "scenarios.udp.drops.softnet_dropped=20" } },
	{ "qdisc: tbf dropped 200", "qdisc-drops", 1,
	  { "scenarios.udp.drops.qdiscs={\"gw1\":{\"t-g1u\":[{\"kind\":\"tbf\",\"drops\":200,\"overlimits\":500}]}}" } },
	{ "qdisc: tbf dropped 5", "qdisc-drops", 0,
	  { "scenarios.udp.drops.qdiscs={\"gw1\":{\"t-g1u\":[{\"kind\":\"tbf\",\"drops\":5,\"overlimits\":500}]}}" } },
	{ "tx: tunnel device dropped 5000", "tx-queue-drops", 1,
	  { "scenarios.udp.drops.interfaces.gw1.t-g1t0.tx_dropped=5000" } },
	{ "tx: tunnel device dropped 3", "tx-queue-drops", 0, { "scenarios.udp.drops.interfaces.gw1.t-g1t0.tx_dropped=3" } },
	{ "nic: gw2 underlay rx_dropped 100", "nic-drops", 1, { "scenarios.udp.drops.interfaces.gw2.t-g2u.rx_dropped=100" } },
	{ "nic: none", "nic-drops", 0, { "scenarios.udp.drops.interfaces.gw2.t-g2u.rx_dropped=2" } },
	{ "rate: tbf 400 Mbit/s busy, tcp-fwd 300", "rate-limited", 1,
	  { "shapers=[{\"node\":\"gw1\",\"link\":\"underlay\",\"ifname\":\"t-g1u\",\"kind\":\"tbf\",\"rate_bps\":400e6}]",
	    "scenarios.tcp-fwd.drops.qdiscs={\"gw1\":{\"t-g1u\":[{\"kind\":\"tbf\",\"drops\":0,\"overlimits\":900}]}}" } },
	{ "rate: tbf 1 Gbit/s, tcp-fwd 300 (not the limit)", "rate-limited", 0,
	  { "shapers=[{\"node\":\"gw1\",\"link\":\"underlay\",\"ifname\":\"t-g1u\",\"kind\":\"tbf\",\"rate_bps\":1e9}]",
	    "scenarios.tcp-fwd.drops.qdiscs={\"gw1\":{\"t-g1u\":[{\"kind\":\"tbf\",\"drops\":0,\"overlimits\":900}]}}" } },
	{ "rate: tbf 400 Mbit/s, never over its limit", "rate-limited", 0,
	  { "shapers=[{\"node\":\"gw1\",\"link\":\"underlay\",\"ifname\":\"t-g1u\",\"kind\":\"tbf\",\"rate_bps\":400e6}]",
	    "scenarios.tcp-fwd.drops.qdiscs={\"gw1\":{\"t-g1u\":[{\"kind\":\"tbf\",\"drops\":0,\"overlimits\":0}]}}" } },
	{ "failed: udp timed out", "measurement-failed", 1,
	  { "scenarios.udp.ok=false", "scenarios.udp.error=\"timeout after 33 s\"" } },
	{ "failed: every scenario measured", "measurement-failed", 0, { "scenarios.udp.ok=true" } },
	{ "underlay: 200 of 10200 discarded on egress", "lossy-underlay", 1,
	  { "scenarios.udp.drops.nodes.gw1.ip_out_discards=200" } },
	{ "underlay: 300 sent but 290 received on the wire", "lossy-underlay", 1,
	  { "scenarios.udp.drops.interfaces.gw2.t-g2u.rx_packets=9900" } },
	{ "bloat: udp p50 335 ms, the tbf holds 19 ms, the rest in wireguard-go", "bufferbloat", 1,
	  { "scenarios.udp.latency.rtt_ms={\"p50\":335.1,\"p90\":345,\"p99\":350,\"max\":352}",
	    "scenarios.udp.latency.underlay.rtt_ms={\"p50\":14.7,\"p99\":18}", TBF50, TBF_HELD("118952") } },
	{ "bloat: the tbf holds 100 ms itself (625000 B at 50 Mbit/s)", "bufferbloat", 1,
	  { "scenarios.udp.latency.rtt_ms={\"p50\":104,\"p99\":110}",
	    "scenarios.udp.latency.underlay.rtt_ms={\"p50\":100,\"p99\":104}", TBF50, TBF_HELD("625000") } },
	{ "bloat: +24 ms (a short queue, below 30 ms)", "bufferbloat", 0,
	  { "scenarios.udp.latency.rtt_ms.p50=24.6" } },
	{ "bloat: p99 spikes only (p50 4 ms, p99 300 ms)", "bufferbloat", 0,
	  { "scenarios.tcp-single.latency.rtt_ms.p99=300" } },
	{ "bloat: p50 335 ms of 5 answered probes", "bufferbloat", 0,
	  { "scenarios.udp.latency.rtt_ms.p50=335", "scenarios.udp.latency.lost=295" } },
	{ "bloat: a long path, idle p99 80 ms, p50 100 ms under load (+20)", "bufferbloat", 0,
	  { "scenarios.udp.latency.idle_rtt_ms={\"p50\":70,\"p99\":80}", "scenarios.udp.latency.rtt_ms.p50=100" } },
	{ "bloat: the same path, p50 125 ms (+45)", "bufferbloat", 1,
	  { "scenarios.udp.latency.idle_rtt_ms={\"p50\":70,\"p99\":80}", "scenarios.udp.latency.rtt_ms.p50=125" } },
	{ "bloat: no underlay probe, the tbf's backlog explains it", "bufferbloat", 1,
	  { "scenarios.udp.latency.rtt_ms={\"p50\":104,\"p99\":110}", "scenarios.udp.latency.underlay=null",
	    TBF50, TBF_HELD("625000") } },
	{ "bloat: no probe (--probe-interval 0)", "bufferbloat", 0, { "scenarios.udp.latency=null",
	  "scenarios.tcp-single.latency=null" } },
	{ "underlay: the discards are a full queue's (sndbuf)", "lossy-underlay", 0,
	  { "scenarios.udp.drops.nodes.gw1.ip_out_discards=200", "scenarios.udp.drops.nodes.gw1.udp_sndbuf_errors=200" } },
	/* Kernel WireGuard (measured in the guest, Debian 6.1): underlay-loss-1pct's
	 * nftables drops read as tx_dropped on wg, and no Udp OutDatagrams at all. */
	{ "kernel wg: 1% dropped by an egress rule is the underlay's", "lossy-underlay", 1,
	  { "wg=\"kernel\"", "scenarios.udp.drops.nodes.gw1.udp_out_datagrams=0",
	    "scenarios.udp.drops.interfaces.gw1.t-g1t0.tx_dropped=103",
	    "scenarios.udp.drops.nodes.gw1.nft_egress_dropped=100" } },
	{ "kernel wg: ... and not the tunnel device's queue", "tx-queue-drops", 0,
	  { "wg=\"kernel\"", "scenarios.udp.drops.nodes.gw1.udp_out_datagrams=0",
	    "scenarios.udp.drops.interfaces.gw1.t-g1t0.tx_dropped=103",
	    "scenarios.udp.drops.nodes.gw1.nft_egress_dropped=100" } },
	{ "kernel wg: tx_dropped nothing below explains is the device's own", "tx-queue-drops", 1,
	  { "wg=\"kernel\"", "scenarios.udp.drops.interfaces.gw1.t-g1t0.tx_dropped=5000" } },
	{ "kernel wg: a tbf's drops below the tunnel are not the device's", "tx-queue-drops", 0,
	  { "wg=\"kernel\"", "scenarios.udp.drops.interfaces.gw1.t-g1t0.tx_dropped=200",
	    "scenarios.udp.drops.qdiscs={\"gw1\":{\"t-g1u\":[{\"kind\":\"tbf\",\"drops\":200,\"overlimits\":500}]}}" } },
	{ "kernel wg: no OutDatagrams; the device sent 10000, 9900 arrived", "lossy-underlay", 1,
	  { "wg=\"kernel\"", "scenarios.udp.drops.nodes.gw1.udp_out_datagrams=0",
	    "scenarios.udp.drops.interfaces.gw2.t-g2u.rx_packets=9900" } },
	{ "wireguard-go: an egress rule's drops do not touch the TUN device", "tx-queue-drops", 1,
	  { "scenarios.udp.drops.interfaces.gw1.t-g1t0.tx_dropped=5000",
	    "scenarios.udp.drops.nodes.gw1.nft_egress_dropped=5000" } },
};

/* Set path (dots; a numeric step indexes an array) to the JSON value. */
static int patch(struct json_object *doc, const char *spec)
{
	char path[512], *p, *dot, *eq;
	struct json_object *o = doc, *v;

	snprintf(path, sizeof(path), "%s", spec);
	eq = strchr(path, '=');
	if (!eq)
		return -1;
	*eq = 0;
	v = json_tokener_parse(eq + 1);
	if (!v && strcmp(eq + 1, "null"))
		return -1;
	for (p = path; (dot = strchr(p, '.')); p = dot + 1) {
		struct json_object *n = NULL;

		*dot = 0;
		if (json_object_is_type(o, json_type_array))
			n = json_object_array_get_idx(o, (size_t)atoi(p));
		else if (!json_object_object_get_ex(o, p, &n) || !n) {
			n = json_object_new_object();
			json_object_object_add(o, p, n);
		}
		o = n;
	}
	json_object_object_add(o, p, v);
	return 0;
}

static int count_id(struct json_object *f, const char *id)
{
	size_t i;
	int n = 0;

	for (i = 0; i < json_object_array_length(f); i++)
		n += !strcmp(jsonx_str_at(json_object_array_get_idx(f, i), "id"), id);
	return n;
}

/* Every finding has the contract's keys. */
static int check_shape(struct json_object *f)
{
	static const char *const keys[] = { "id", "node", "link", "severity", "evidence", "advice" };
	size_t i, k;

	for (i = 0; i < json_object_array_length(f); i++)
		for (k = 0; k < 6; k++)
			if (!json_object_object_get_ex(json_object_array_get_idx(f, i), keys[k], NULL)) {
				printf("finding %zu lacks %s\n", i, keys[k]);
				return 1;
			}
	return 0;
}

/* The finding of case name, by id (NULL when absent); *f to put. */
static struct json_object *finding_of(struct json_object *base, const char *name, const char *id,
				      struct json_object **f, struct json_object **doc)
{
	size_t i, k;

	*f = *doc = NULL;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]) && strcmp(cases[i].name, name); i++)
		;
	if (i == sizeof(cases) / sizeof(cases[0]))
		return NULL;
	json_object_deep_copy(base, doc, NULL);
	for (k = 0; k < 4 && cases[i].patch[k]; k++)
		patch(*doc, cases[i].patch[k]);
	doctor_diagnose(*doc, f);
	for (k = 0; k < json_object_array_length(*f); k++)
		if (!strcmp(jsonx_str_at(json_object_array_get_idx(*f, k), "id"), id))
			return json_object_array_get_idx(*f, k);
	return NULL;
}

/* bufferbloat locates the queue: behind the qdisc in wireguard-go, or the
 * qdisc itself; severity by the excess. */
static int bloat_evidence(struct json_object *base)
{
	struct json_object *f, *doc, *x;
	int fails = 0;
	double v;

	x = finding_of(base, "bloat: udp p50 335 ms, the tbf holds 19 ms, the rest in wireguard-go",
		       "bufferbloat", &f, &doc);
	if (!x || strcmp(jsonx_str_at(x, "node"), "gw1") || strcmp(jsonx_str_at(x, "link"), "tunnel") ||
	    strcmp(jsonx_str_at(x, "severity"), "critical") || !strstr(jsonx_str_at(x, "advice"), "wireguard-go") ||
	    !strstr(jsonx_str_at(x, "advice"), "fq_codel") || !jsonx_num_at(x, "evidence.qdisc_delay_ms", &v) ||
	    fabs(v - 19.03) > 0.01 || !jsonx_num_at(x, "evidence.excess_ms", &v) || fabs(v - 334.5) > 0.01 ||
	    strcmp(jsonx_str_at(x, "evidence.direction"), "forward") ||
	    !strstr(jsonx_str_at(x, "summary"), "~320 ms in the tunnel's path, behind the underlay (which holds "
		    "15 ms): wireguard-go's queues and the TUN device")) {
		printf("FAIL: bufferbloat behind the qdisc: %s\n", json_object_to_json_string(x ? x : f));
		fails++;
	}
	json_object_put(f);
	json_object_put(doc);
	x = finding_of(base, "bloat: the tbf holds 100 ms itself (625000 B at 50 Mbit/s)", "bufferbloat",
		       &f, &doc);
	if (!x || strcmp(jsonx_str_at(x, "node"), "gw1") || strcmp(jsonx_str_at(x, "link"), "underlay") ||
	    strcmp(jsonx_str_at(x, "severity"), "warning") || !strstr(jsonx_str_at(x, "advice"), "BQL") ||
	    !jsonx_num_at(x, "evidence.qdisc_delay_ms", &v) || fabs(v - 100) > 0.01 ||
	    !strstr(jsonx_str_at(x, "summary"), "the tbf qdisc on gw1 t-g1u held up to 100 ms (625000 bytes at "
		    "its rate); the underlay probe sees 100 ms")) {
		printf("FAIL: bufferbloat in the qdisc: %s\n", json_object_to_json_string(x ? x : f));
		fails++;
	}
	json_object_put(f);
	json_object_put(doc);
	x = finding_of(base, "bloat: no underlay probe, the tbf's backlog explains it", "bufferbloat", &f, &doc);
	if (!x || strcmp(jsonx_str_at(x, "link"), "underlay") ||
	    !strstr(jsonx_str_at(x, "summary"), "the tbf qdisc on gw1 t-g1u held up to 100 ms (625000 bytes at "
		    "its rate)") || strstr(jsonx_str_at(x, "summary"), "underlay probe")) {
		printf("FAIL: bufferbloat without the underlay probe: %s\n", json_object_to_json_string(x ? x : f));
		fails++;
	}
	json_object_put(f);
	json_object_put(doc);
	return fails;
}

int main(void)
{
	struct json_object *base = json_tokener_parse(base_text), *f = NULL, *ev;
	int fails = 0;
	size_t i, k;
	double x;

	if (!base) {
		printf("FAIL: the base fixture does not parse\n");
		return 1;
	}
	if (doctor_diagnose(base, &f) || json_object_array_length(f)) {
		printf("FAIL: healthy base gave findings: %s\n", json_object_to_json_string(f));
		fails++;
	}
	json_object_put(f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *doc = NULL;
		int got;

		json_object_deep_copy(base, &doc, NULL);
		for (k = 0; k < 4 && cases[i].patch[k]; k++)
			if (patch(doc, cases[i].patch[k]))
				printf("bad patch %s\n", cases[i].patch[k]);
		f = NULL;
		doctor_diagnose(doc, &f);
		got = count_id(f, cases[i].id);
		if ((got > 0) != cases[i].present || check_shape(f)) {
			printf("FAIL: %s: %s %s, findings %s\n", cases[i].name, cases[i].id,
			       cases[i].present ? "missing" : "present", json_object_to_json_string(f));
			fails++;
		}
		json_object_put(f);
		json_object_put(doc);
	}
	/* The evidence carries the measured numbers. */
	{
		struct json_object *doc = NULL;

		json_object_deep_copy(base, &doc, NULL);
		patch(doc, cases[0].patch[0]);
		doctor_diagnose(doc, &f);
		ev = jsonx_get(json_object_array_get_idx(f, 0), "evidence");
		if (!jsonx_num_at(ev, "largest_reply_bytes", &x) || x != 1380 ||
		    json_object_array_length(jsonx_get(ev, "silent_timeout_sizes")) != 2 ||
		    strcmp(jsonx_str_at(json_object_array_get_idx(f, 0), "severity"), "critical")) {
			printf("FAIL: pmtu evidence: %s\n", json_object_to_json_string(f));
			fails++;
		}
		json_object_put(f);
		json_object_put(doc);
	}
	fails += bloat_evidence(base);
	json_object_put(base);
	printf("t_doctor: %zu cases, %d failed\n", sizeof(cases) / sizeof(cases[0]) + 5, fails);
	return fails ? 1 : 0;
}
