#!/bin/sh
# topo_up_down — `topo up`, `status --json`, a ping through the tunnel that
# moves its WireGuard counters, `topo down` leaving nothing; then --wg none.
#
#   source ──<P>sl/<P>g1l── gw1 ══<P>g1u/<P>g2u══ gw2 ──<P>g2l/<P>dl── drain
#   10.101.0.2             .1  \__ <P>g1t0 ~~ <P>g2t0 __/  10.103.0.1   10.103.0.10
. "$WGB_TOP/tests/e2e/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"

expect_exit 0 "$WGBENCH" topo up --wg wireguard-go --prefix "$PFX"
echo "$OUT"
expect_exit 0 "$WGBENCH" topo status --json --prefix "$PFX"
doc=$OUT
echo "$doc" | jq -e '.nodes | length == 4' >/dev/null || fail "not 4 nodes: $doc"
echo "$doc" | jq -e '[.nodes[].name] == ["source","gw1","gw2","drain"]' >/dev/null || fail "node names"
echo "$doc" | jq -e --arg p "$PFX" '[.nodes[].netns] == [$p+"source",$p+"gw1",$p+"gw2",$p+"drain"]' \
	>/dev/null || fail "namespace names"
echo "$doc" | jq -e '.tunnels | length == 1' >/dev/null || fail "not 1 tunnel"
echo "$doc" | jq -e --arg p "$PFX" '.tunnels[0] | .gw1_interface == $p+"g1t0" and .gw2_interface == $p+"g2t0"
	and .implementation == "wireguard-go" and .listen_ports == [51820,51820]' >/dev/null || fail "tunnel 0"
echo "$doc" | jq -e '.nodes[1].interfaces[] | select(.role == "tunnel") | .mtu == 1420 and
	.addresses == ["10.102.0.1/24"]' >/dev/null || fail "gw1 tunnel interface"
echo "$doc" | jq -e '.drain_addresses == ["10.103.0.10"]' >/dev/null || fail "drain addresses"
for n in source gw1 gw2 drain; do
	ip netns list | grep -q "^$PFX$n" || fail "ip netns list does not show $PFX$n"
done

tx0=$(echo "$doc" | jq '.tunnels[0].stats.gw1.tx_bytes')
rx0=$(echo "$doc" | jq '.tunnels[0].stats.gw2.rx_bytes')
poll 10 ip netns exec "${PFX}source" ping -c 1 -W 1 10.103.0.10 || fail "source cannot reach drain"
expect_exit 0 "$WGBENCH" topo status --json --prefix "$PFX"
tx1=$(echo "$OUT" | jq '.tunnels[0].stats.gw1.tx_bytes')
rx1=$(echo "$OUT" | jq '.tunnels[0].stats.gw2.rx_bytes')
[ "$tx1" -gt "$tx0" ] && [ "$rx1" -gt "$rx0" ] || fail "counters did not move: tx $tx0->$tx1 rx $rx0->$rx1"
ok "ping moved gw1 tx $tx0 -> $tx1, gw2 rx $rx0 -> $rx1"

# Human-readable status names every interface.
expect_exit 0 "$WGBENCH" topo status --prefix "$PFX"
echo "$OUT" | grep -q "${PFX}g2t0 *tunnel *up *mtu 1420 *10.102.0.2/24" || fail "status text: $OUT"

expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers
[ -e "/run/wgbench/${PFX}lock" ] && fail "lock file left"
ls /run/wgbench 2>/dev/null | grep -q "^$PFX" && fail "files left in /run/wgbench: $(ls /run/wgbench)"
expect_exit 2 "$WGBENCH" topo status --prefix "$PFX"
ok "down left nothing"

# --wg none: no tunnel, the lans routed over the underlay.
expect_exit 0 "$WGBENCH" topo up --wg none --prefix "$PFX"
expect_exit 0 "$WGBENCH" topo status --json --prefix "$PFX"
echo "$OUT" | jq -e '.tunnels == [] and .wg == "none"' >/dev/null || fail "--wg none has tunnels: $OUT"
ip netns exec "${PFX}source" ping -c 1 -W 2 10.103.0.10 >/dev/null || fail "--wg none: no route"
ls /var/run/wireguard 2>/dev/null | grep -q "^$PFX" && fail "--wg none made a wireguard socket"
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers
ok "topo_up_down"
