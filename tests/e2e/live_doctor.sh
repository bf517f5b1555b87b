#!/bin/sh
# `wgbench doctor --backend live` on a tunnel it did not build (live_lib.sh),
# healthy and then with faults the test injects, each found and named:
#
#   gw1 (doctor): wg0 10.77.0.1 ═══ tunnel ═══ wg0 10.77.0.2, iperf3 -s: gw2
#                 ul0 192.0.2.1 ──── underlay ──── ul0 192.0.2.2
#
#   healthy     every step runs, the scenarios too; none of the path's findings
#               (what the scenarios find of this loaded machine may vary)
#   pmtu        ul0 MTU 1300 on both sides under wg0's 1420, gw2 drops IP
#               fragments (nftables): small pings pass, TCP moves nothing
#               -> pmtu-blackhole (critical) at 1232 bytes (1300 - 60, the
#               plaintext padded to 16 by WireGuard) and mtu-mismatch, stops after MTU
#   route       gw1 routes 10.77.0.2 via 192.0.2.2 dev ul0, around the tunnel
#               -> route-bypasses-tunnel with the route as evidence, stops after routing
#   handshake   a second peer on gw1's wg0 with keepalive and an endpoint where
#               nothing answers: it never completes a handshake -> handshake-stale
# The doctor is read-only: gw1's snapshot is the same after each run as before.
# (A peer that worked and then went silent needs WireGuard's 180 s
# REJECT_AFTER_TIME to pass before it is stale: too slow for a test; the
# never-answering peer exercises the same rule, doc/live.md.)
# e2e: ~38 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
. "$WGB_TOP/tests/e2e/live_lib.sh"
live_up
D=$HOSTS_DIR

# doctor NAME ARGS...: the doctor on gw1 into $D/NAME.json (exit 0 required), read-only
doctor() {
	_n=$1; shift
	live_snapshot gw1 "$D/$_n.before"
	hosts_ssh gw1 "$WGBENCH" doctor --backend live --live wg0 --peer 10.77.0.2 --prefix "$PFX" --json \
		--out "$D/$_n" "$@" > "$D/$_n.json" 2> "$D/$_n.err" || fail "doctor $_n exited $?: $(tail -5 "$D/$_n.err")"
	jq -r '.findings[] | "  \(.severity) \(.id) \(.node) \(.summary)"' "$D/$_n.json"
	live_snapshot gw1 "$D/$_n.after"
	diff "$D/$_n.before" "$D/$_n.after" >/dev/null || fail "doctor $_n changed gw1: $(diff "$D/$_n.before" "$D/$_n.after" | head)"
}

doctor healthy --scenario tcp-single --scenario udp --duration 2
jq -e '[.findings[].id | select(IN("route-bypasses-tunnel", "handshake-stale", "endpoint-roaming",
	"lossy-underlay", "pmtu-blackhole", "mtu-mismatch", "rp-filter-strict", "conntrack-full"))] | length == 0' \
	"$D/healthy.json" >/dev/null || fail "path findings on a healthy tunnel: $(cat "$D/healthy.json")"
jq -e '.stopped_after == null' "$D/healthy.json" >/dev/null || fail "the healthy doctor stopped early"
I="$D/healthy/input.json"
jq -e '.route.oif == "wg0" and (.handshake.peers | length) == 1 and .handshake.peers[0].age_s < 180 and
	.underlay.received > 0 and .underlay.endpoint == "192.0.2.2" and .mtu.ends[0].tunnel_mtu == 1420 and
	.mtu.ends[0].underlay_mtu == 1500 and (.rp_filter | has("effective_interface")) and .qdisc.device == "ul0" and
	(.offloads | has("ul0")) and (.conntrack | has("present")) and .scenarios["tcp-single"].ok and
	.scenarios.udp.ok and (.scenarios["tcp-single"].cpu.wireguard.local.wg0.peers[0].tx_bytes > 0)' "$I" >/dev/null ||
	fail "healthy input.json lacks a step: $(jq -c '{route, handshake, underlay, mtu: .mtu.ends}' "$I")"
ok "healthy: route, handshake, underlay, MTU, rp_filter, qdisc, offloads, conntrack, scenarios; no path finding"

# --- an underlay narrower than the tunnel, its fragments dropped ---
for m in gw1 gw2; do hosts_ssh $m ip link set ul0 mtu 1300 || fail "ul0 mtu on $m"; done
hosts_ssh gw2 "nft add table ip wgbtest && nft add chain ip wgbtest pre '{ type filter hook prerouting priority -450; }' &&
	nft add rule ip wgbtest pre ip frag-off '&' 0x3fff != 0 drop" || fail "nft on gw2"
hosts_ssh gw1 ping -c 1 -W 2 10.77.0.2 >/dev/null || fail "small pings no longer pass"
hosts_ssh gw1 ping -c 1 -W 2 -M do -s 1392 10.77.0.2 >/dev/null 2>&1 && fail "a 1420-byte DF ping still passes"
doctor pmtu
jq -e '.findings[] | select(.id == "pmtu-blackhole" and .severity == "critical" and .node == "local") |
	.evidence.largest_reply_bytes == 1232 and .evidence.frag_needed_received == 0 and
	.evidence.local_tunnel_mtu == 1420 and .evidence.local_underlay_mtu == 1300' "$D/pmtu.json" >/dev/null ||
	fail "no pmtu-blackhole at 1232: $(cat "$D/pmtu.json")"
jq -e '.findings[] | select(.id == "mtu-mismatch") | .evidence.tunnel_mtu == 1420 and .evidence.underlay_mtu == 1300' \
	"$D/pmtu.json" >/dev/null || fail "no mtu-mismatch 1420/1300"
jq -e '.stopped_after == "mtu"' "$D/pmtu.json" >/dev/null || fail "did not stop after the MTU step"
hosts_ssh gw2 nft delete table ip wgbtest
for m in gw1 gw2; do hosts_ssh $m ip link set ul0 mtu 1500; done
ok "pmtu: DF replies up to 1232 only (1300 - 60, padded to 16), no frag-needed, mtu-mismatch 1420 over 1300, stopped after MTU"

# --- a route that sends the peer address around the tunnel ---
hosts_ssh gw1 ip route add 10.77.0.2/32 via 192.0.2.2 dev ul0 || fail "bypass route"
doctor route
jq -e '.findings[0] | .id == "route-bypasses-tunnel" and .severity == "critical" and .node == "local" and
	.evidence.route_oif == "ul0" and .evidence.expected_oif == "wg0" and
	(.evidence.route | test("10.77.0.2 via 192.0.2.2 dev ul0"))' "$D/route.json" >/dev/null ||
	fail "no route-bypasses-tunnel with the route: $(cat "$D/route.json")"
jq -e '.stopped_after == "routing"' "$D/route.json" >/dev/null || fail "did not stop after routing"
hosts_ssh gw1 ip route del 10.77.0.2/32 via 192.0.2.2 dev ul0
ok "route: route-bypasses-tunnel, evidence '$(jq -r '.findings[0].evidence.route' "$D/route.json")'"

# --- a peer that never completes a handshake ---
wg genkey | wg pubkey > "$D/p3"
hosts_ssh gw1 wg set wg0 peer "$(cat "$D/p3")" endpoint 192.0.2.99:51820 allowed-ips 10.77.0.99/32 \
	persistent-keepalive 1 || fail "second peer"
doctor handshake --scenario tcp-single --duration 2
jq -e --arg k "$(cat "$D/p3")" '.findings[] | select(.id == "handshake-stale") |
	.evidence.public_key == $k and .evidence.handshake_age_s == null and .evidence.persistent_keepalive_s == 1' \
	"$D/handshake.json" >/dev/null || fail "no handshake-stale for the silent peer: $(cat "$D/handshake.json")"
jq -e '[.findings[] | select(.id == "handshake-stale")] | length == 1' "$D/handshake.json" >/dev/null ||
	fail "the working peer was called stale too"
hosts_ssh gw1 wg set wg0 peer "$(cat "$D/p3")" remove
ok "handshake: the silent peer is handshake-stale (never), the working one is not"
