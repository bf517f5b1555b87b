/* doctor.h — `wgbench doctor`: bottleneck verdicts with their evidence, in
 * reference 000's order (MTU, routing, CPU, loss/queues).
 *
 * Two halves:
 *  - doctor_collect() (doctor_run.c, doctor_probe.c, doctor_traffic.c) brings
 *    the bed (bed.h) up with the variant applied and MEASURES: DF ICMP
 *    probes, route lookups, tunnel counters, short scenarios with the
 *    sampler (bed_measure(), as `wgbench run`). It returns one JSON document,
 *    the "input" (schema below), and takes the bed down again. The probes
 *    enter the nodes' namespaces: a bed without them (vms) is refused.
 *  - doctor_diagnose() (doctor.c) is pure: input document in, findings out.
 *    No I/O, so tests/t_doctor.c drives it with fixtures.
 *
 * INPUT document (every number is a measurement or a value read back from
 * the kernel; a key that could not be measured is absent or null):
 * { "wg": "wireguard-go"|"kernel"|"none", "tunnels": N, "variant": NAME,
 *   "mtu": { "source_lan_mtu", "underlay_family": 4|6,
 *            "ends": [{"node":"gw1"|"gw2", "tunnel_mtu", "underlay_mtu", "lan_mtu"}],
 *            "probes": [{"size" (IP bytes), "result": "reply"|"frag_needed"|
 *                        "local_emsgsize"|"timeout", "mtu" (frag-needed/local)}],
 *            "icmp": {"gw1_out_dest_unreachs", "gw2_out_dest_unreachs",
 *                     "source_in_dest_unreachs"} },
 *   "routes": [{"tunnel": k, "drain": ADDR,
 *            "gw1": {"oif", "expected"}, "gw2": {"oif", "expected"},
 *            "probe_reply": bool,
 *            "tunnel_delta": {"gw1_tx","gw1_rx","gw2_tx","gw2_rx"} (bytes)}],
 *   "scenarios": {NAME: {"ok", "protocol", "flows", "block_size",
 *            "throughput_bps", "sender_bps", "packets_per_s", "lost_percent",
 *            "cpu": <sampler cpu summary>, "drops": <sampler drops summary>}},
 *   "links": {NODE: {IFNAME: "lan"|"underlay"|"tunnel"}},
 *   "shapers": [{"node","link","ifname","kind","rate_bps"}],
 *   "stopped_after": "mtu"|"routing"|null }
 *
 * FINDINGS: {"findings":[{"id","node","link","severity","evidence":{...},
 * "advice"}]} — ids are DESIGN.md's stable list; node is source|gw1|gw2|
 * drain|host, link lan|underlay|tunnel or null; severity info|warning|critical.
 */
#ifndef WGB_DOCTOR_H
#define WGB_DOCTOR_H

#include <stdbool.h>
#include <stdio.h>

struct bed;
struct json_object;
struct opts;

/* Pure: the findings array for an input document (never NULL on success).
 * Returns 0 or -ENOMEM. */
int doctor_diagnose(struct json_object *input, struct json_object **findings);

/* One line per finding, its evidence indented below (people). */
void doctor_print_text(struct json_object *findings, struct json_object *input, FILE *f);

/* Measure on bed, opened and closed by the caller (see above). Returns 0,
 * -EINVAL etc. on bad input (after printing why), -ENOTSUP for a bed whose
 * nodes are not namespaces here, -EINTR when stopped by a signal, another
 * -errno on failure. */
int doctor_collect(const struct opts *o, struct bed *bed, struct json_object **input);

#endif
