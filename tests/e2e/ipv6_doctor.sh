#!/bin/sh
# ipv6_doctor — the doctor in IPv6, from a raw ICMPv6 socket (IPv6 never
# fragments in transit: every probe is "DF"):
#
#   source ─1500─ gw1 ══ tunnel 1380 ══ gw2 ─1500─ drain        (--inner 6)
#            ✗ ICMPv6 Packet Too Big dropped on the gateways' lan egress
#   → pmtu-blackhole: nothing above 1380 comes back, no Packet Too Big arrives
#     although gw1 sent some.
#
#   gw1 ─1500─▶ gw2 (receives at most 1400 + 4)                 (--ip 4, --ip 6)
#   → the largest inner packet that passes is the underlay's limit minus
#     WireGuard's overhead, 60 bytes over IPv4 and 80 over IPv6 (20 apart),
#     rounded down to WireGuard's 16-byte padding of what it encrypts.
#
#   --inner dual with only IPv4's frag-needed dropped → one pmtu-blackhole,
#     probe_family 4: the doctor probes both families and blames one.
#
#   underlay 1492, tunnel 1420, --ip 6 → mtu-mismatch with the IPv6
#     overhead (80) in its evidence, 8 bytes in excess.
# e2e: ~36 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"
tmp=$(mktemp -d /tmp/wgb-e2e-ipv6-doctor.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT
V="$WGB_TOP/scenarios/variants"

doctor() {
	name=$1; shift
	"$WGBENCH" doctor --prefix "$PFX" --wg wireguard-go --json "$@" > "$tmp/$name.json" 2> "$tmp/$name.err" ||
		fail "$name: doctor exited $?: $(tail -5 "$tmp/$name.err")"
	cat "$tmp/$name.err"
	jq -r '.findings[] | "\(.severity) \(.id) \(.node) \(.summary)"' "$tmp/$name.json"
	no_leftovers
}
finding() { jq -c --arg id "$2" '[.findings[] | select(.id == $id)][0]' "$tmp/$1.json"; }

# ---- the IPv6 black hole ----
doctor bh --inner 6 --variant "$V/pmtu-blackhole-v6.json"
grep -q "ICMPv6 (never fragmented) probe(s) from source to fd77:103::10" "$tmp/bh.err" || fail "not IPv6 probes"
finding bh pmtu-blackhole | jq -e '.severity == "critical" and .evidence.largest_reply_bytes == 1380 and
	.evidence.probe_family == 6 and .evidence.packet_too_big_received == 0 and
	.evidence.gw1_icmp6_out_packet_too_big > 0 and .evidence.source_icmp6_in_packet_too_big == 0' >/dev/null ||
	fail "no IPv6 pmtu-blackhole at 1380: $(finding bh pmtu-blackhole)"
jq -e '.stopped_after == "mtu"' "$tmp/bh.json" >/dev/null || fail "did not stop after the MTU step"
ok "IPv6 black hole: largest reply 1380, gw1 sent Packet Too Big, none reached the source"

# ---- dual stack: IPv4's frag-needed dropped, IPv6's Packet Too Big passes ----
doctor dual --inner dual --variant "$V/pmtu-blackhole.json"
grep -q "ICMPv6 (never fragmented) probe(s) from source to fd77:103::10" "$tmp/dual.err" || fail "dual: no IPv6 series"
jq -e '[.findings[] | select(.id == "pmtu-blackhole") | .evidence.probe_family] == [4]' "$tmp/dual.json" \
	>/dev/null || fail "dual: expected one IPv4 black hole only: $(jq -c '[.findings[] | {id, evidence}]' "$tmp/dual.json")"
ok "dual: the IPv4 black hole found, IPv6 (Packet Too Big let through) not blamed"

# ---- the overhead, over an IPv4 and an IPv6 underlay ----
doctor o4 --ip 4 --variant "$V/underlay-narrow-hop.json"
doctor o6 --ip 6 --variant "$V/underlay-narrow-hop.json"
l4=$(finding o4 pmtu-blackhole | jq -r '.evidence.largest_reply_bytes')
l6=$(finding o6 pmtu-blackhole | jq -r '.evidence.largest_reply_bytes')
finding o4 pmtu-blackhole | jq -e '.evidence.underlay_family == 4' >/dev/null || fail "o4: underlay family"
finding o6 pmtu-blackhole | jq -e '.evidence.underlay_family == 6' >/dev/null || fail "o6: underlay family"
# the underlay's own limit, measured the same way in both families (ping -M do, no tunnel)
expect_exit 0 "$WGBENCH" topo up --prefix "$PFX" --wg wireguard-go --ip dual
ip netns exec "${PFX}gw2" ip link set "${PFX}g2u" mtu 1400
limit() {   # limit FAMILY DST HEADER: the largest IP packet gw1 gets through to gw2
	poll 10 ip netns exec "${PFX}gw1" ping -"$1" -c 1 -W 1 "$2" || fail "gw2 unreachable over IPv$1"
	n=1390 last=0
	while [ $n -le 1500 ]; do   # upwards from a size that passes, until 4 in a row fail
		ip netns exec "${PFX}gw1" ping -"$1" -M do -c 1 -W 0.3 -s $((n - $3 - 8)) "$2" >/dev/null 2>&1 && last=$n
		[ $last -gt 0 ] && [ $last -le $((n - 4)) ] && break
		n=$((n + 1))
	done
	echo $last
}
u4=$(limit 4 10.100.0.2 20) u6=$(limit 6 fd77:100::2 40)
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers
echo "underlay limit: IPv4 $u4, IPv6 $u6; largest inner packet: over IPv4 $l4, over IPv6 $l6"
[ "$u4" = "$u6" ] && [ "$u4" -gt 1300 ] || fail "the underlay's limit differs by family: $u4 / $u6"
want4=$(( (u4 - 60) / 16 * 16 )) want6=$(( (u6 - 80) / 16 * 16 ))
[ "$l4" = "$want4" ] || fail "over IPv4: largest $l4, expected ($u4 - 60) rounded down to 16 = $want4"
[ "$l6" = "$want6" ] || fail "over IPv6: largest $l6, expected ($u6 - 80) rounded down to 16 = $want6"
[ $((l4 - l6)) -ge 16 ] || fail "IPv6's overhead not visible: $l4 vs $l6"
finding o6 mtu-mismatch | jq -e '.evidence.wireguard_overhead == 80 and .evidence.underlay_family == 6' \
	>/dev/null || fail "o6: mtu-mismatch without the IPv6 overhead: $(finding o6 mtu-mismatch)"
ok "overhead: $l4 over IPv4 = ($u4 - 60) and $l6 over IPv6 = ($u6 - 80), each rounded down to 16"

# ---- 1420 over a 1492 underlay: fits IPv4, 8 bytes too large for IPv6 ----
doctor pp --ip 6 --variant "$V/ipv6-1420-pppoe.json" --scenario udp-small --duration 1 --omit 0
finding pp mtu-mismatch | jq -e '.evidence.wireguard_overhead == 80 and .evidence.excess_bytes == 8 and
	.evidence.underlay_mtu == 1492 and .evidence.tunnel_mtu == 1420' >/dev/null ||
	fail "no mtu-mismatch with 80 bytes of overhead: $(finding pp mtu-mismatch)"
ok "1420 over 1492 with an IPv6 underlay: mtu-mismatch, overhead 80, 8 bytes in excess"
ok "ipv6_doctor"
