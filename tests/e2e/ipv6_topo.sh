#!/bin/sh
# ipv6_topo — the IPv6 address plan (topo.h) built and carried:
#
#   source --lan-- gw1 ==underlay== gw2 --lan-- drain
#   fd77:101::2    ::1  fd77:100::1/::2  fd77:103::1  ::10, ::11 (drain address k)
#                   └── tunnel k fd77:102:k::/64 ──┘
#
# --ip dual --inner dual --tunnels 2: tunnel 0 runs over IPv4, tunnel 1 over
# IPv6 (the peer endpoints read back from the implementation say so); each
# drain address answers a ping in both families, through its own tunnel only.
# --ip 6 --inner 6: no IPv4 address anywhere, and --attach with other families
# is refused. Bad --ip/--inner: exit 2 and nothing made. Nothing left at the end.
. "$WGB_TOP/tests/e2e/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"

# ---- bad input: one line, exit 2, nothing touched ----
expect_exit 2 "$WGBENCH" topo up --prefix "$PFX" --ip 5
echo "$OUT" | grep -q "^wgbench: --ip '5': expected 4, 6 or dual" || fail "--ip 5: $OUT"
expect_exit 2 "$WGBENCH" topo up --prefix "$PFX" --inner ipv6
expect_exit 2 "$WGBENCH" topo up --prefix "$PFX" --wg none --ip 4 --inner 6
echo "$OUT" | grep -q "inner 6 needs --ip 6 or dual" || fail "--wg none --inner 6: $OUT"
no_leftovers
ok "bad --ip/--inner refused before anything is made"

# ---- dual stack, two tunnels ----
expect_exit 0 "$WGBENCH" topo up --wg wireguard-go --tunnels 2 --ip dual --inner dual --prefix "$PFX"
expect_exit 0 "$WGBENCH" topo status --json --prefix "$PFX"
st=$OUT
echo "$st" | jq -e '.ip == "dual" and .inner == "dual"' >/dev/null || fail "families: $st"
echo "$st" | jq -e '.drain_addresses == ["10.103.0.10","10.103.0.11","fd77:103::10","fd77:103::11"]' \
	>/dev/null || fail "drain addresses: $(echo "$st" | jq -c .drain_addresses)"
echo "$st" | jq -e '.tunnels[0].peer_endpoints == {"gw1":"10.100.0.2:51820","gw2":"10.100.0.1:51820"}
	and .tunnels[1].peer_endpoints == {"gw1":"[fd77:100::2]:51821","gw2":"[fd77:100::1]:51821"}' \
	>/dev/null || fail "endpoints: $(echo "$st" | jq -c '[.tunnels[].peer_endpoints]')"
echo "$st" | jq -e '[.nodes[] | select(.name == "gw2") | .interfaces[] | select(.role == "underlay") | .addresses[]]
	| sort == ["10.100.0.2/24","fd77:100::2/64"]' >/dev/null || fail "gw2's underlay addresses"
echo "$st" | jq -e '[.nodes[] | select(.name == "gw1") | .interfaces[] | select(.name | endswith("g1t1")) | .addresses[]]
	| sort == ["10.102.1.1/24","fd77:102:1::1/64"]' >/dev/null || fail "gw1's tunnel 1 addresses"
ok "dual plan: addresses, drain addresses, tunnel 0 over IPv4 and tunnel 1 over IPv6 (read back)"

counters() {
	"$WGBENCH" topo status --json --prefix "$PFX" |
		jq -r '[.tunnels[] | .stats.gw1.tx_bytes + .stats.gw2.rx_bytes] | @tsv'
}
for k in 0 1; do
	for dst in "10.103.0.1$k" "fd77:103::1$k"; do
		before=$(counters)
		poll 10 ip netns exec "${PFX}source" ping -c 1 -W 1 "$dst" || fail "no reply from $dst"
		after=$(counters)
		echo "ping $dst: before [$before] after [$after]"
		other=$((1 - k))
		b=$(echo "$before" | cut -f$((k + 1))) a=$(echo "$after" | cut -f$((k + 1)))
		[ "$a" -gt "$b" ] || fail "tunnel $k did not carry the ping to $dst"
		b=$(echo "$before" | cut -f$((other + 1))) a=$(echo "$after" | cut -f$((other + 1)))
		[ "$a" = "$b" ] || fail "tunnel $other moved ($b -> $a) for a ping to $dst"
	done
done
ok "each drain address answers in both families through its own tunnel"
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers

# ---- IPv6 only ----
expect_exit 0 "$WGBENCH" topo up --wg wireguard-go --ip 6 --inner 6 --prefix "$PFX"
expect_exit 0 "$WGBENCH" topo status --json --prefix "$PFX"
echo "$OUT" | jq -e '[.nodes[].interfaces[].addresses[]] | length > 0 and all(test(":"))' >/dev/null \
	|| fail "an IPv4 address in an IPv6-only testbed: $(echo "$OUT" | jq -c '[.nodes[].interfaces[].addresses[]]')"
echo "$OUT" | jq -e '.drain_addresses == ["fd77:103::10"]' >/dev/null || fail "IPv6 drain address"
poll 10 ip netns exec "${PFX}source" ping -c 1 -W 1 fd77:103::10 || fail "no IPv6 reply through the tunnel"
ip netns exec "${PFX}source" ping -c 1 -W 1 10.103.0.10 >/dev/null 2>&1 && fail "IPv4 answered in an IPv6-only testbed"
ok "IPv6 only: no IPv4 address, the drain answers over IPv6"
out=$(mktemp -u /tmp/wgb-e2e-ipv6-topo.XXXXXX)
expect_exit 2 "$WGBENCH" run --prefix "$PFX" --attach --ip 4 --duration 1 --repeat 1 --no-warmup --out "$out"
echo "$OUT" | grep -q "attach --ip 4 --inner 4: the testbed '$PFX' has --ip 6 --inner 6" || fail "--attach --ip 4: $OUT"
[ -e "$out" ] && { rm -rf "$out"; fail "--attach refused but $out was written"; }
ok "--attach --ip 4 to an IPv6 testbed refused, nothing written"
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers
ok "ipv6_topo"
