#!/bin/sh
# --topology p2p on the netns backend: gw1 and gw2 only, joined by the
# underlay, the iperf3 endpoints on the gateways (the traffic gw1 -> gw2
# through the tunnel); topo up/status/down, a run (every node's counters are
# the two gateways'), the doctor, nothing left.
#
#   gw1 ══underlay══ gw2        tunnel k: 10.102.k.1 ══ 10.102.k.2
# e2e: ~24 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
WORK=$(mktemp -d /tmp/wgb-p2p.XXXXXX)
trap 'e2e_cleanup; rm -rf "$WORK"' EXIT
expect_exit 0 "$WGBENCH" topo up --topology p2p --prefix "$PFX" --tunnels 2
"$WGBENCH" topo status --prefix "$PFX" --json > "$WORK/status.json" || fail "topo status"
OUT=$(cat "$WORK/status.json")
echo "$OUT" | jq -e '.topology == "p2p" and ([.nodes[].name] == ["gw1", "gw2"])
	and .drain_addresses == ["10.102.0.2", "10.102.1.2"]
	and ([.nodes[].interfaces[].role] | index("lan") == null)' >/dev/null || fail "status: $OUT"
ip netns list | grep -q "^${PFX}source" && fail "a source namespace in p2p"
ip netns exec "${PFX}gw1" ping -c 1 -W 5 10.102.1.2 >/dev/null || fail "gw1 cannot reach gw2 through tunnel 1"
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers

out="$WORK/res"
expect_exit 0 "$WGBENCH" run --topology p2p --prefix "$PFX" --scenario tcp-single --scenario udp-small \
	--duration 2 --repeat 1 --no-warmup --out "$out"
echo "$OUT" | grep -q "testbed up (p2p" || fail "no p2p line: $OUT"
jq -e '(.runs | length) == 2 and all(.runs[]; .ok and .throughput_bps > 0
	and ((.cpu.nodes | keys) == ["gw1", "gw2"]) and ((.drops.interfaces | keys) == ["gw1", "gw2"])
	and .latency.rtt_ms.p50 > 0)' "$out/results.json" >/dev/null \
	|| fail "results: $(jq -c '.runs[] | {scenario, ok, error, nodes: (.cpu.nodes | keys?), lat: .latency_error}' "$out/results.json")"
jq -e '.topology == "p2p" and .backend == "netns"' "$out/run.json" >/dev/null || fail "run.json topology"
no_leftovers

"$WGBENCH" doctor --topology p2p --prefix "$PFX" --duration 1 --json > "$WORK/doctor.json" 2> "$WORK/doctor.err"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "doctor exit $rc: $(cat "$WORK/doctor.err")"
jq -e '.findings | type == "array"' "$WORK/doctor.json" >/dev/null || fail "doctor: $(cat "$WORK/doctor.json" "$WORK/doctor.err")"
jq -r '.findings[] | "doctor: \(.severity) \(.id) \(.node)"' "$WORK/doctor.json"
no_leftovers
# the backends without the shape refuse it, before anything
expect_exit 2 "$WGBENCH" run --backend vms --topology p2p --prefix "$PFX" --quiet --out "$WORK/res2"
echo "$OUT" | grep -q "topology p2p: --backend vms has the four nodes only" || fail "vms p2p: $OUT"
ok "p2p on netns: two gateways, the endpoints on them"
