#!/bin/sh
# `wgbench run --backend live` on a tunnel wgbench did not build (live_lib.sh):
#
#   machine gw1: wgbench, wg0 10.77.0.1 ═══ tunnel ═══ wg0 10.77.0.2, iperf3 -s: machine gw2
#                ul0 192.0.2.1 ──────── underlay ──────── ul0 192.0.2.2
#
# A baseline and a variant that changes gw1's tunnel MTU and underlay
# txqueuelen produce a results directory with all the usual files; the
# sampler has WireGuard's own counters; the variant's values were read back
# and put back; both machines' snapshots (links, addresses, routes, rules,
# wg, nftables, qdiscs, sysctls) are the same after the run as before it.
# e2e: ~28 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
. "$WGB_TOP/tests/e2e/live_lib.sh"
live_up
D=$HOSTS_DIR
live_snapshot gw1 "$D/gw1.before"
live_snapshot gw2 "$D/gw2.before"
cat > "$D/mtu.json" <<'EOF'
{"name": "live-mtu", "description": "tunnel MTU 1380, underlay txqueuelen 500 on this machine",
 "set": [{"node": "gw1", "link": "tunnel", "mtu": 1380},
         {"node": "gateways", "link": "underlay", "txqueuelen": 500}]}
EOF
hosts_ssh gw1 "$WGBENCH" run --backend live --live wg0 --peer 10.77.0.2 --prefix "$PFX" \
	--variant "$WGB_TOP/scenarios/variants/baseline.json" --variant "$D/mtu.json" \
	--scenario tcp-single --scenario udp --duration 2 --repeat 1 --out "$D/out" \
	> "$D/run.log" 2>&1 || fail "live run exited $?: $(tail -20 "$D/run.log")"
grep -q "nothing is created or removed" "$D/run.log" || fail "no live line: $(cat "$D/run.log")"
for f in run.json results.json summary.md summary.csv report.html; do
	[ -s "$D/out/$f" ] || fail "no $f in the results directory"
done
ls "$D/out/plots/"*.png >/dev/null 2>&1 || fail "no plots"
ls "$D/out/samples/live-mtu/udp/r1.csv" >/dev/null || fail "no samples"
ls "$D/out/raw/baseline/tcp-single/"* >/dev/null || fail "no raw iperf3 JSON"
ok "results directory: run.json results.json summary.md summary.csv report.html plots samples raw"

R="$D/out/run.json"
jq -e '.backend == "live" and .live.interface == "wg0" and .live.routed_through and
	.live.underlay == "ul0" and .live.peer.iperf3_answered and (.live.peer.public_key | length) == 44 and
	.live.mtu.tunnel == 1420' "$R" >/dev/null || fail "run.json live facts: $(jq .live "$R")"
jq -e --arg wg "$LIVE_WG" '.wireguard.implementation == (if $wg == "kernel" then "kernel" else "wireguard-go" end)' \
	"$R" >/dev/null || fail "implementation: $(jq .wireguard "$R")"
ok "run.json: backend live, wg0 ($LIVE_WG) routed to 10.77.0.2, underlay ul0, what was read back"

S="$D/out/results.json"
jq -e '[.runs[] | select(.ok)] | length == 4' "$S" >/dev/null || fail "not 4 ok runs: $(jq '.runs[] | .error' "$S")"
jq -e '.runs[] | select(.scenario == "tcp-single" and .variant == "baseline") |
	.cpu.wireguard.local.wg0.peers[0] | .tx_bytes > 1000000 and .latest_handshake > 0 and
	.handshake_age_s >= 0 and .handshake_age_s < 180' "$S" >/dev/null ||
	fail "no WireGuard counters: $(jq '.runs[0].cpu.wireguard' "$S")"
jq -e '.runs[0].drops.interfaces.local.ul0.tx_packets > 0' "$S" >/dev/null || fail "no local ul0 counters"
head -1 "$D/out/samples/baseline/tcp-single/r1.csv" | tr ',' '\n' | grep -qx 'local.wg0.peer0.tx_bytes' ||
	fail "no WireGuard column in the timeline"
ok "sampler: this machine as node local, WireGuard's per-peer bytes and handshake in cpu and the timeline"
# Without --peer-ssh nothing of ours runs on the peer to echo a probe: no
# latency, and said why (never a figure from one end alone).
jq -e 'all(.runs[]; .latency == null and (.latency_error | test("no reflector")))' "$S" >/dev/null ||
	fail "latency without a reflector: $(jq -c '[.runs[] | {latency, latency_error}]' "$S")"

A=$(jq -c '[.variants[] | select(.name == "live-mtu") | .applied[] | {key, node, object, before, after, ok}]' "$R")
echo "$A" | jq -e 'length == 2 and any(.[]; .key == "mtu" and .node == "gw1" and .object == "wg0" and
	.before == "1420" and .after == "1380" and .ok) and
	any(.[]; .key == "txqueuelen" and .object == "ul0" and .after == "500" and .ok)' >/dev/null ||
	fail "variant not read back on wg0/ul0: $A"
hosts_ssh gw1 ls /run/wgbench/ 2>/dev/null | grep -q host.json && fail "host file left on gw1"
ok "variant on gw1's tunnel (wg0) and underlay (ul0), read back, nothing left to restore"

live_snapshot gw1 "$D/gw1.after"
live_snapshot gw2 "$D/gw2.after"
diff "$D/gw1.before" "$D/gw1.after" > "$D/gw1.diff" || fail "gw1 changed: $(head -20 "$D/gw1.diff")"
diff "$D/gw2.before" "$D/gw2.after" > "$D/gw2.diff" || fail "gw2 changed: $(head -20 "$D/gw2.diff")"
[ "$(grep -c . "$D/gw1.before")" -gt 50 ] || fail "the snapshot is too small to prove anything"
ok "snapshots of gw1 and gw2 identical before and after ($(wc -l < "$D/gw1.before") lines each side)"
