#!/bin/sh
# tun_wggo — the wireguard-go tunnel of a testbed, checked from outside:
# wg(8) reads its configuration over the same UAPI socket, ping crosses it,
# and its processes outlive `topo up` (persistent) until `topo down`.
#
#   source ──lan── gw1 ══ <P>g1t0 ~~ wireguard-go ~~ <P>g2t0 ══ gw2 ──lan── drain
#                         10.102.0.1                 10.102.0.2
. "$WGB_TOP/tests/e2e/lib.sh"

command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"
command -v wg >/dev/null || skip "wg(8) (wireguard-tools) is not installed"
if "$WGBENCH" topo status --prefix "$PFX" 2>&1 | grep -q "not built yet"; then
	skip "wgbench topo is not in this tree yet"
fi

g1="${PFX}g1t0" g2="${PFX}g2t0"
expect_exit 0 "$WGBENCH" topo up --wg wireguard-go --prefix "$PFX"

for i in "$g1" "$g2"; do
	[ -S "/var/run/wireguard/$i.sock" ] || fail "no control socket for $i"
	pgrep -f "wireguard-go -f $i\$" >/dev/null || fail "no wireguard-go for $i after topo up exited"
done

# Configuration as wg(8) sees it: listen port, peer endpoint, allowed IPs.
d1=$(ip netns exec "${PFX}gw1" wg show "$g1" dump) || fail "wg show $g1: $d1"
echo "$d1"
echo "$d1" | head -n 1 | awk -F'\t' '$3 == 51820 { ok = 1 } END { exit !ok }' || fail "gw1 listen port"
echo "$d1" | sed -n 2p | awk -F'\t' '$3 == "10.100.0.2:51820" { ok = 1 } END { exit !ok }' ||
	fail "gw1 peer endpoint"
[ "$(echo "$d1" | wc -l)" = 2 ] || fail "gw1 has not exactly one peer"
d2=$(ip netns exec "${PFX}gw2" wg show "$g2" dump) || fail "wg show $g2"
echo "$d2" | sed -n 2p | awk -F'\t' '$3 == "10.100.0.1:51820" { ok = 1 } END { exit !ok }' ||
	fail "gw2 peer endpoint"
# Each end's peer key is the other end's public key.
pub1=$(echo "$d1" | head -n 1 | cut -f2) peer2=$(echo "$d2" | sed -n 2p | cut -f1)
[ "$pub1" = "$peer2" ] || fail "gw2's peer is not gw1's key"

# Traffic crosses the tunnel: the handshake happens and the counters move.
poll 10 ip netns exec "${PFX}source" ping -c 1 -W 1 10.103.0.10 || fail "source cannot reach drain"
hs=$(ip netns exec "${PFX}gw1" wg show "$g1" latest-handshakes | cut -f2)
[ "${hs:-0}" -gt 0 ] || fail "no handshake on $g1"
tx=$(ip netns exec "${PFX}gw1" wg show "$g1" transfer | cut -f3)
[ "${tx:-0}" -gt 0 ] || fail "no bytes sent through $g1"
ok "handshake at $hs, $tx bytes sent by $g1"

expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers
ok "tun_wggo"
