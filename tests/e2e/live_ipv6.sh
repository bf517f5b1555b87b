#!/bin/sh
# `--backend live` on a tunnel wgbench did not build that is IPv6 inside and
# under (live_lib.sh `live_up 6`: no IPv4 address on wg0 or ul0):
#
#   gw1: wgbench, wg0 fd77:77::1/64 ═══ tunnel ═══ wg0 fd77:77::2/64, iperf3 -s: gw2
#        ul0 2001:db8:77::1/64 ──── underlay ──── ul0 2001:db8:77::2/64
#        (endpoints [2001:db8:77::2]:51820 and [2001:db8:77::1]:51820)
#
#   run      --peer fd77:77::2 with a variant (wg0 MTU 1380): run.json reads
#            back both families (peer 6, underlay 6, wg0's IPv6 address),
#            iperf3 TCP and UDP to the IPv6 peer, WireGuard's counters;
#            both snapshots identical after it
#   doctor   healthy: route through wg0, handshake, ICMPv6 echoes to the IPv6
#            endpoint, ICMPv6 (never fragmented) DF probes, rp_filter "not
#            judged for IPv6" (no verdict), no path finding
#   ssh      --peer-ssh root@2001:db8:77::2: the peer's agent finds wg0 by its
#            listen port over IPv6, the reply route to fd77:77::1, serves iperf3
#   refused  --ip/--inner with live, an IPv6 address no peer allows: exit 2
#   pmtu     ul0 at 1480 on both sides, gw2 drops IPv6 fragments: 1420 + 80
#            bytes of WireGuard over IPv6 exceed it (1420 + 60 over IPv4 would
#            fit): mtu-mismatch (overhead 80, excess 20) and pmtu-blackhole at
#            1392 (1480 - 80, WireGuard's padding to 16), stops after MTU
# e2e: ~45 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
. "$WGB_TOP/tests/e2e/live_lib.sh"
live_up 6
D=$HOSTS_DIR
hosts_ssh gw1 ip -4 addr show dev wg0 | grep -q inet && fail "wg0 has an IPv4 address"
LIVE="--backend live --live wg0 --peer fd77:77::2 --prefix $PFX"
live_snapshot gw1 "$D/gw1.before"
live_snapshot gw2 "$D/gw2.before"

# ---- run ----
cat > "$D/mtu.json" <<'EOF'
{"name": "live-mtu", "description": "tunnel MTU 1380 on this machine",
 "set": [{"node": "gw1", "link": "tunnel", "mtu": 1380}]}
EOF
hosts_ssh gw1 "$WGBENCH" run $LIVE --variant "$WGB_TOP/scenarios/variants/baseline.json" --variant "$D/mtu.json" \
	--scenario tcp-single --scenario udp --duration 2 --repeat 1 --no-warmup --out "$D/out" \
	> "$D/run.log" 2>&1 || fail "live run exited $?: $(tail -20 "$D/run.log")"
grep -q "^live: wg0 (.*) to fd77:77::2 port 5201 through peer .* at \[2001:db8:77::2\]:51820, underlay ul0" "$D/run.log" ||
	fail "no live line: $(cat "$D/run.log")"
R="$D/out/run.json"
jq -e '.live | .peer.address == "fd77:77::2" and .peer.family == 6 and .underlay_family == 6 and
	.peer.endpoint == "[2001:db8:77::2]:51820" and .routed_through and .route_oif == "wg0" and
	(.route | startswith("fd77:77::2 dev wg0 src fd77:77::1")) and .underlay == "ul0" and
	(.underlay_route | startswith("2001:db8:77::2 dev ul0")) and .addresses == ["fd77:77::1/64"] and
	.underlay_addresses == ["2001:db8:77::1/64"] and .peer.iperf3_answered and .mtu.tunnel == 1420' "$R" >/dev/null ||
	fail "run.json live facts: $(jq -c .live "$R")"
ok "run.json: peer fd77:77::2 (IPv6) through wg0, endpoint and underlay IPv6, addresses read back"
S="$D/out/results.json"
jq -e '[.runs[] | select(.ok)] | length == 4' "$S" >/dev/null || fail "not 4 ok runs: $(jq -c '[.runs[] | .error]' "$S")"
jq -e '[.runs[] | select(.scenario == "tcp-single") | .throughput_bps > 0] | all' "$S" >/dev/null || fail "no TCP throughput"
jq -e '[.runs[] | select(.scenario == "udp") | .packets_per_s > 0 and (.lost_percent | type) == "number"] | all' \
	"$S" >/dev/null || fail "no UDP receiver report: $(jq -c '[.runs[] | {scenario, packets_per_s, lost_percent}]' "$S")"
jq -e '[.runs[].per_flow[]?.server] | length > 0 and all(. == "fd77:77::2")' "$S" >/dev/null ||
	fail "flows not to the IPv6 peer: $(jq -c '[.runs[].per_flow]' "$S")"
jq -e '.runs[] | select(.scenario == "tcp-single" and .variant == "baseline") |
	.cpu.wireguard.local.wg0.peers[0] | .tx_bytes > 1000000 and .endpoint == "[2001:db8:77::2]:51820"' "$S" >/dev/null ||
	fail "no WireGuard counters: $(jq -c '.runs[0].cpu.wireguard' "$S")"
A=$(jq -c '[.variants[] | select(.name == "live-mtu") | .applied[] | {key, object, before, after, ok}]' "$R")
echo "$A" | jq -e '. == [{"key": "mtu", "object": "wg0", "before": "1420", "after": "1380", "ok": true}]' >/dev/null ||
	fail "variant not read back: $A"
ok "iperf3 TCP and UDP to the IPv6 peer, WireGuard's counters, the variant read back on wg0"
live_snapshot gw1 "$D/gw1.after"
live_snapshot gw2 "$D/gw2.after"
diff "$D/gw1.before" "$D/gw1.after" > "$D/gw1.diff" || fail "gw1 changed: $(head -20 "$D/gw1.diff")"
diff "$D/gw2.before" "$D/gw2.after" > "$D/gw2.diff" || fail "gw2 changed: $(head -20 "$D/gw2.diff")"
grep -q "inet6 fd77:77::1/64" "$D/gw1.before" || fail "the snapshot has no IPv6 address of wg0"
ok "snapshots of gw1 and gw2 identical before and after the run"

# doctor NAME ARGS...: the doctor on gw1 into $D/NAME.json (exit 0), read-only
doctor() {
	_n=$1; shift
	live_snapshot gw1 "$D/$_n.before"
	hosts_ssh gw1 "$WGBENCH" doctor $LIVE --json --out "$D/$_n" "$@" > "$D/$_n.json" 2> "$D/$_n.err" ||
		fail "doctor $_n exited $?: $(tail -5 "$D/$_n.err")"
	jq -r '.findings[] | "  \(.severity) \(.id) \(.node) \(.summary)"' "$D/$_n.json"
	live_snapshot gw1 "$D/$_n.after"
	diff "$D/$_n.before" "$D/$_n.after" >/dev/null || fail "doctor $_n changed gw1: $(diff "$D/$_n.before" "$D/$_n.after" | head)"
}

# ---- the doctor, healthy ----
doctor healthy --scenario tcp-single --duration 1
jq -e '[.findings[].id | select(IN("route-bypasses-tunnel", "handshake-stale", "endpoint-roaming", "lossy-underlay",
	"pmtu-blackhole", "mtu-mismatch", "rp-filter-strict"))] | length == 0' "$D/healthy.json" >/dev/null ||
	fail "path findings on a healthy IPv6 tunnel: $(cat "$D/healthy.json")"
I="$D/healthy/input.json"
jq -e '.route.oif == "wg0" and .route.dst == "fd77:77::2" and (.handshake.peers | length) == 1 and
	.handshake.peers[0].carries_peer_address and .handshake.peers[0].age_s < 180 and
	.underlay.endpoint == "2001:db8:77::2" and .underlay.family == 6 and .underlay.received > 0 and
	.mtu.probe_family == 6 and .mtu.underlay_family == 6 and .mtu.ends[0].tunnel_mtu == 1420 and
	([.mtu.probes[] | select(.result == "reply")] | length) > 0 and (.mtu.icmp | has("local_in_packet_too_big")) and
	(.rp_filter.not_judged.interface | test("not judged for IPv6")) and
	(.rp_filter.not_judged.underlay | test("not judged for IPv6")) and .rp_filter.effective_interface == null and
	(.rp_filter | has("reverse_interface") | not) and .scenarios["tcp-single"].ok' "$I" >/dev/null ||
	fail "healthy input.json: $(jq -c '{route, handshake, underlay, mtu: (.mtu | del(.probes)), rp_filter}' "$I")"
grep -q "^3. underlay: [1-9][0-9]*/[0-9]* ICMPv6 echoes to the endpoint 2001:db8:77::2 answered" "$D/healthy.err" ||
	fail "no ICMPv6 underlay line: $(cat "$D/healthy.err")"
grep -q "^4. MTU: .* ICMPv6 (never fragmented) probe(s) through wg0 (MTU 1420) to fd77:77::2; underlay ul0 MTU 1500 (IPv6)" \
	"$D/healthy.err" || fail "no IPv6 MTU line: $(cat "$D/healthy.err")"
grep -q "^5. rp_filter: all [0-9], wg0 not judged for IPv6, ul0 not judged for IPv6" "$D/healthy.err" ||
	fail "rp_filter judged: $(grep '^5' "$D/healthy.err")"
ok "doctor: route, handshake, ICMPv6 to the endpoint, IPv6 PMTU probes, rp_filter not judged for IPv6"

# ---- --ip/--inner and an address no peer allows ----
expect_exit 2 hosts_ssh gw1 "$WGBENCH" run $LIVE --ip 6 --duration 1 --out "$D/x"
echo "$OUT" | grep -q "ip/--inner: --backend live measures the families the interface has" || fail "--ip 6: $OUT"
expect_exit 2 hosts_ssh gw1 "$WGBENCH" doctor $LIVE --inner 6
echo "$OUT" | grep -q "ip/--inner: --backend live" || fail "doctor --inner 6: $OUT"
expect_exit 2 hosts_ssh gw1 "$WGBENCH" run --backend live --live wg0 --peer fd77:77::9 --prefix "$PFX" --duration 1 --out "$D/x"
echo "$OUT" | grep -q "fd77:77::9: no peer of wg0 allows it" || fail "fd77:77::9: $OUT"
hosts_ssh gw1 test -e "$D/x" && fail "a results directory was made for refused input"
ok "refused with exit 2: --ip/--inner with live, an IPv6 peer address no peer allows"

# ---- --peer-ssh over the IPv6 underlay ----
live_peer_ssh
hosts_ssh gw2 "kill \$(cat $D/iperf3-gw2.pid)" || fail "cannot stop gw2's iperf3 -s"
poll 10 sh -c "! ssh -F $D/ssh_config root@$(hosts_addr gw2) 'ss -ltn | grep -q 5201'" || fail "gw2's iperf3 -s still listens"
hosts_ssh gw1 "$WGBENCH" run $LIVE $PEER_OPTS --scenario tcp-single --duration 1 --repeat 1 --no-warmup \
	--out "$D/out-ssh" > "$D/ssh.log" 2>&1 || fail "--peer-ssh run exited $?: $(tail -10 "$D/ssh.log")"
jq -e '.live.peer.served_by == "wgbench agent" and (.live.peer_side | .interface == "wg0" and
	.found_by == "listen port" and .route_back_dst == "fd77:77::1" and .route_back_oif == "wg0" and
	.reply_through and .underlay == "ul0" and .peer.endpoint == "[2001:db8:77::1]:51820" and
	.ssh == "root@2001:db8:77::2")' "$D/out-ssh/run.json" >/dev/null ||
	fail "live.peer_side: $(jq -c '.live.peer_side' "$D/out-ssh/run.json")"
jq -e '.runs[0].ok and .runs[0].cpu.wireguard.peer.wg0.peers[0].rx_bytes > 100000' "$D/out-ssh/results.json" >/dev/null ||
	fail "--peer-ssh run: $(jq -c '.runs[0] | {ok, error}' "$D/out-ssh/results.json")"
doctor ssh $PEER_OPTS --scenario tcp-single --duration 1
grep -q "reply path on the peer (root@2001:db8:77::2): fd77:77::1 dev wg0 src fd77:77::2 table main (through wg0)" \
	"$D/ssh.err" || fail "no IPv6 reply path: $(grep -A1 '^1\.' "$D/ssh.err")"
jq -e '[.findings[].id | select(IN("route-asymmetric", "route-bypasses-tunnel"))] | length == 0' "$D/ssh.json" >/dev/null ||
	fail "route findings with --peer-ssh: $(cat "$D/ssh.json")"
ok "--peer-ssh root@2001:db8:77::2: the agent found wg0, replies to fd77:77::1 through it, served iperf3"
live_iperf_up

live_snapshot gw1 "$D/gw1.after2"
live_snapshot gw2 "$D/gw2.after2"
diff "$D/gw1.before" "$D/gw1.after2" > "$D/gw1.diff" || fail "gw1 changed: $(head -20 "$D/gw1.diff")"
diff "$D/gw2.before" "$D/gw2.after2" > "$D/gw2.diff" || fail "gw2 changed: $(head -20 "$D/gw2.diff")"
ok "both snapshots identical after the runs and doctors"

# ---- an IPv6 underlay too narrow for 1420 + 80 ----
for m in gw1 gw2; do hosts_ssh $m ip link set ul0 mtu 1480 || fail "ul0 mtu on $m"; done
hosts_ssh gw2 "nft add table ip6 wgbtest && nft add chain ip6 wgbtest pre '{ type filter hook prerouting priority -450; }' &&
	nft add rule ip6 wgbtest pre exthdr frag exists drop" || fail "nft on gw2"
doctor pmtu
jq -e '.findings[] | select(.id == "pmtu-blackhole" and .severity == "critical" and .node == "local") |
	.evidence | .largest_reply_bytes == 1392 and .probe_family == 6 and .underlay_family == 6 and
	.packet_too_big_received == 0 and .local_tunnel_mtu == 1420 and .local_underlay_mtu == 1480' \
	"$D/pmtu.json" >/dev/null || fail "no IPv6 pmtu-blackhole at 1392: $(jq -c '.findings' "$D/pmtu.json")"
jq -e '.findings[] | select(.id == "mtu-mismatch") | .evidence | .wireguard_overhead == 80 and
	.underlay_family == 6 and .excess_bytes == 20' "$D/pmtu.json" >/dev/null ||
	fail "no mtu-mismatch with 80 bytes: $(jq -c '.findings' "$D/pmtu.json")"
jq -e '.stopped_after == "mtu"' "$D/pmtu/input.json" >/dev/null || fail "did not stop after the MTU step"
ok "IPv6 underlay 1480: pmtu-blackhole at 1392 (1480 - 80, padded to 16), mtu-mismatch 1420 + 80 > 1480"
