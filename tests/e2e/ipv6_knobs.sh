#!/bin/sh
# ipv6_knobs — the per-family knobs on an IPv6 testbed (--ip 6 --inner 6):
#
#   source --lan-- gw1 ==tunnel 1420 over IPv6== gw2 --lan-- drain
#            ✗ Packet Too Big dropped on the gateways' lan egress
#            mss clamped to the route MTU on the tunnel egress
#
# One run --attach with baseline and a variant of mss_clamp pmtu,
# block_icmpv6_packet_too_big and a net.ipv6 sysctl: each read back before
# and after from the kernel, the clamp seen in iperf3's own MSS (IPv6: 1420 -
# 40 - 20 - 12 of timestamps = 1348, against 1428 from the 1500-byte lan
# without it), everything reverted after. mtu below IPv6's 1280 on a link that
# carries IPv6: the variant refused before anything is applied (exit 2).
. "$WGB_TOP/tests/e2e/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"
command -v nft >/dev/null || skip "no nft command to list the rules"
tmp=$(mktemp -d /tmp/wgb-e2e-ipv6-knobs.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT

cat > "$tmp/mtu1200.json" <<'J'
{"name": "mtu1200", "set": [{"node": "gateways", "link": "tunnel", "mtu": 1200}]}
J
"$WGBENCH" run --prefix "$PFX" --wg wireguard-go --inner 6 --scenario tcp-single --duration 1 --omit 0 \
	--repeat 1 --no-warmup --no-sampler --variant "$tmp/mtu1200.json" --out "$tmp/m6" > "$tmp/m6.log" 2>&1
rc=$?
cat "$tmp/m6.log"
[ $rc = 2 ] || fail "mtu 1200 on an IPv6 tunnel: exit $rc, expected 2"
grep -q "mtu 1200 on gw1's tunnel: below IPv6's minimum of 1280" "$tmp/m6.log" || fail "no 1280 reason"
no_leftovers
ok "mtu 1200 refused on a tunnel that carries IPv6"

expect_exit 0 "$WGBENCH" topo up --prefix "$PFX" --wg wireguard-go --ip 6 --inner 6
ip netns exec "${PFX}gw1" nft list ruleset > "$tmp/gw1.before"
hop=$(ip netns exec "${PFX}gw1" cat /proc/sys/net/ipv6/conf/all/hop_limit)
cat > "$tmp/v6.json" <<'J'
{"name": "v6knobs", "set": [
  {"node": "gateways", "link": "tunnel", "mss_clamp": "pmtu"},
  {"node": "gateways", "link": "lan", "block_icmpv6_packet_too_big": true},
  {"node": "gateways", "sysctl": "net.ipv6.conf.all.hop_limit", "value": 32}
]}
J
"$WGBENCH" run --prefix "$PFX" --attach --scenario tcp-single --duration 1 --omit 0 --repeat 1 \
	--no-warmup --no-sampler --variant "$WGB_TOP/scenarios/variants/baseline.json" --variant "$tmp/v6.json" \
	--out "$tmp/out" > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "wgbench run exited $?"; }
cat "$tmp/log"
jq '.variants[] | select(.name == "v6knobs") | .applied' "$tmp/out/run.json" > "$tmp/applied.json"
rec() { jq -c --arg n "$1" --arg k "$2" '.[] | select(.node == $n and .key == $k)' "$tmp/applied.json"; }
for g in gw1 gw2; do
	rec $g mss_clamp | jq -e '.before == "none" and .after == "pmtu" and .ok' >/dev/null ||
		fail "$g mss_clamp: $(rec $g mss_clamp)"
	rec $g block_icmpv6_packet_too_big | jq -e '.before == "false" and .after == "true" and .ok' >/dev/null ||
		fail "$g block_icmpv6_packet_too_big: $(rec $g block_icmpv6_packet_too_big)"
	rec $g sysctl | jq -e '.before == "64" and .after == "32" and .ok' >/dev/null ||
		fail "$g net.ipv6 sysctl: $(rec $g sysctl)"
done
ok "mss_clamp, block_icmpv6_packet_too_big and net.ipv6.conf.all.hop_limit read back on both gateways"
mss() { jq -r '.start.tcp_mss_default' "$tmp/out/raw/$1/tcp-single/"r1-f0.json; }
echo "iperf3's MSS: baseline $(mss baseline), v6knobs $(mss v6knobs)"
[ "$(mss v6knobs)" = 1348 ] || fail "the clamp did not reach the IPv6 handshake: MSS $(mss v6knobs)"
[ "$(mss baseline)" = 1428 ] || fail "baseline MSS $(mss baseline), expected the lan's 1428"
ok "the IPv6 SYNs clamped to the tunnel's route MTU (1348 against 1428)"
ip netns exec "${PFX}gw1" nft list ruleset > "$tmp/gw1.after"
diff "$tmp/gw1.before" "$tmp/gw1.after" || fail "gw1's ruleset not restored"
[ "$(ip netns exec "${PFX}gw1" cat /proc/sys/net/ipv6/conf/all/hop_limit)" = "$hop" ] || fail "hop_limit not restored"
ok "rules and sysctl reverted"
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers
ok "ipv6_knobs"
