#!/bin/sh
# --topology p2p on --backend hosts (reference 002's two-peer mesh): two
# machines joined by the underlay, the iperf3 endpoints on the gateways
# themselves, the traffic gw1 -> gw2 through the tunnel; a variant on both.
#
#   controller ─ssh─ gw1 ═ul0═ gw2      tunnel k: 10.102.k.1 ══ 10.102.k.2
# e2e: ~32 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
hosts_up p2p
hosts_opts p2p
cat > "$HOSTS_DIR/mtu.json" <<'J'
{"name": "tunnel-mtu-1380", "set": [{"node": "gateways", "link": "tunnel", "mtu": 1380}]}
J
out="$HOSTS_DIR/res"
# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" run $HOSTS_OPTS --topology p2p --tunnels 2 --variant "$WGB_TOP/scenarios/variants/baseline.json" \
	--variant "$HOSTS_DIR/mtu.json" --scenario tcp-single --scenario udp --scenario tcp-fwd --duration 2 --repeat 1 \
	--no-warmup --out "$out"
echo "$OUT" | grep -q "testbed up: hosts (p2p, 2 machines), 2 tunnel(s)" || fail "no p2p testbed line: $OUT"
jq -e '(.runs | length) == 6 and all(.runs[]; .ok and .throughput_bps > 0
	and ((.cpu.nodes | keys) == ["gw1", "gw2"])
	and .latency.sent > 0 and .latency.lost < .latency.sent and .latency.underlay.sent > 0)
	and ([.runs[] | select(.scenario == "tcp-fwd") | .per_flow[].server] | unique) == ["10.102.0.2", "10.102.1.2"]' \
	"$out/results.json" >/dev/null \
	|| fail "results: $(jq -c '.runs[] | {variant, scenario, ok, error, nodes: (.cpu.nodes | keys?), flows: [.per_flow[]?.server], lat: .latency_error}' "$out/results.json")"
jq -e '.topology == "p2p" and ((.hosts.nodes | keys) == ["gw1", "gw2"])
	and ([.variants[] | select(.name == "tunnel-mtu-1380") | .applied[] | select(.ok and .after == "1380") | .host] | sort) == ["gw1", "gw1", "gw2", "gw2"]' \
	"$out/run.json" >/dev/null || fail "run.json: $(jq -c '{topology, hosts: (.hosts.nodes | keys), v: [.variants[] | .applied]}' "$out/run.json")"
# the wrong topology for the file is bad input
# shellcheck disable=SC2086
expect_exit 2 "$WGBENCH" run $HOSTS_OPTS --topology site --scenario udp --quiet --out "$HOSTS_DIR/res2"
echo "$OUT" | grep -q "is a p2p testbed" || fail "topology mismatch: $OUT"
jq -r '.runs[] | "\(.variant) \(.scenario): \(.throughput_bps / 1e6 | floor) Mbit/s"' "$out/results.json"
hosts_no_leftovers
ok "p2p on hosts: gw1 -> gw2 through the tunnel"
