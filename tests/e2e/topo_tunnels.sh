#!/bin/sh
# topo_tunnels — `--tunnels 4`: four tunnels, each carrying only its own drain
# address: a ping to drain address k moves tunnel k's counters and no other.
. "$WGB_TOP/tests/e2e/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"

expect_exit 0 "$WGBENCH" topo up --wg wireguard-go --tunnels 4 --prefix "$PFX"
expect_exit 0 "$WGBENCH" topo status --json --prefix "$PFX"
echo "$OUT" | jq -e '.tunnels | length == 4' >/dev/null || fail "not 4 tunnels"
echo "$OUT" | jq -e '.drain_addresses == ["10.103.0.10","10.103.0.11","10.103.0.12","10.103.0.13"]' \
	>/dev/null || fail "drain addresses"
echo "$OUT" | jq -e '[.tunnels[].listen_ports[0]] == [51820,51821,51822,51823]' >/dev/null || fail "ports"

counters() {
	"$WGBENCH" topo status --json --prefix "$PFX" |
		jq -r '[.tunnels[] | .stats.gw1.tx_bytes + .stats.gw2.rx_bytes] | @tsv'
}
for k in 0 1 2 3; do
	before=$(counters)
	poll 10 ip netns exec "${PFX}source" ping -c 1 -W 1 "10.103.0.1$k" || fail "no reply from 10.103.0.1$k"
	after=$(counters)
	echo "ping 10.103.0.1$k: before [$before] after [$after]"
	i=0
	for b in $before; do
		a=$(echo "$after" | cut -f$((i + 1)))
		if [ $i = $k ]; then
			[ "$a" -gt "$b" ] || fail "tunnel $k did not carry the ping to 10.103.0.1$k"
		else
			# WireGuard's own keepalives (32 bytes sent at one end, received at
			# the other) may pass on an idle tunnel; a ping's packet is 128 each way
			d=$((a - b))
			[ "$d" = 0 ] || { [ $((d % 64)) = 0 ] && [ "$d" -lt 256 ]; } ||
				fail "tunnel $i moved ($b -> $a) for a ping to 10.103.0.1$k"
			[ "$d" = 0 ] || echo "tunnel $i: $d bytes of keepalives"
		fi
		i=$((i + 1))
	done
done
ok "each tunnel carries only its own drain address"
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers
ok "topo_tunnels"
