#!/bin/sh
# `--backend live --peer-ssh`: the far side of a tunnel wgbench did not build
# (live_lib.sh) through its own wgbench agent, reached over ssh from gw1:
#
#   gw1: wgbench ─────────── ssh root@192.0.2.2 ──────────► gw2: wgbench agent --stdio
#   gw1: wg0 10.77.0.1 ═══════ tunnel ═══════ wg0 10.77.0.2  (the agent's iperf3 servers)
#        ul0 192.0.2.1 ─────── underlay ────── ul0 192.0.2.2
#
#   run      the plain iperf3 -s of gw2 stopped: the agent serves. Both sides'
#            CPU (cpu.nodes.local, .peer) and WireGuard counters; a variant
#            setting gw1's tunnel MTU and gw2's underlay txqueuelen (node gw2)
#            read back on each machine and reverted; both snapshots identical;
#            tcp-fwd as 8 processes: the agent serves 8 ports
#   kill     the controller killed with SIGKILL while the variant holds both
#            machines: gw2's agent reverts by itself when its session ends,
#            `wgbench cleanup` on gw1 restores this side; snapshots identical
#   reply    gw2 routes 10.77.0.1 around its wg0: run refuses (exit 2, the
#            route named), doctor finds route-asymmetric (node peer) and stops
#   ssh      nobody answers ssh at DEST: one line naming it, exit 2, nothing touched;
#            --peer-live names no WireGuard interface of the peer: exit 2
# e2e: ~38 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
. "$WGB_TOP/tests/e2e/live_lib.sh"
live_up
live_peer_ssh
D=$HOSTS_DIR
hosts_ssh gw2 "kill \$(cat $D/iperf3-gw2.pid)" || fail "cannot stop gw2's iperf3 -s"
poll 10 sh -c "! hosts_ssh gw2 'ss -ltn | grep -q 10.77.0.2:5201'" || fail "gw2's iperf3 -s still listens"
agent_gone() { [ -z "$(hosts_pids gw2 'agent --stdio')" ]; }
LIVE="--backend live --live wg0 --peer 10.77.0.2 --prefix $PFX $PEER_OPTS"

live_snapshot gw1 "$D/gw1.before"
live_snapshot gw2 "$D/gw2.before"
cat > "$D/both.json" <<'EOF'
{"name": "live-both", "description": "gw1's tunnel MTU 1380, the peer's underlay txqueuelen 500",
 "set": [{"node": "gw1", "link": "tunnel", "mtu": 1380},
         {"node": "gw2", "link": "underlay", "txqueuelen": 500}]}
EOF
hosts_ssh gw1 "$WGBENCH" run $LIVE --variant "$WGB_TOP/scenarios/variants/baseline.json" \
	--variant "$D/both.json" --scenario tcp-single --duration 2 --repeat 1 --no-warmup --out "$D/out" \
	> "$D/run.log" 2>&1 || fail "live run exited $?: $(tail -20 "$D/run.log")"
grep -q "^peer: .* over ssh $PEER_SSH: wg0 " "$D/run.log" || fail "no peer line: $(cat "$D/run.log")"
R="$D/out/run.json"
jq -e '.live.peer_side | .interface == "wg0" and .underlay == "ul0" and .reply_through and
	.found_by == "listen port" and .ssh == "root@192.0.2.2" and .agent.pid > 0 and .clock.syncs >= 1 and
	(.peer.public_key | length) == 44 and .mtu.tunnel == 1420' "$R" >/dev/null ||
	fail "run.json live.peer_side: $(jq .live.peer_side "$R")"
jq -e '.live.peer.served_by == "wgbench agent"' "$R" >/dev/null || fail "served_by: $(jq .live.peer "$R")"
ok "run: gw2's agent over ssh found wg0 (by its listen port), underlay ul0, replies through wg0"

S="$D/out/results.json"
jq -e '[.runs[] | select(.ok)] | length == 2' "$S" >/dev/null || fail "not 2 ok runs: $(jq -c '[.runs[] | .error]' "$S") $(tail -8 "$D/run.log")"
jq -e '.runs[] | select(.variant == "baseline") | .cpu | (.nodes | has("local") and has("peer")) and
	(.nodes.peer.cores | length) > 0 and
	.wireguard.local.wg0.peers[0].tx_bytes > 1000000 and .wireguard.peer.wg0.peers[0].rx_bytes > 1000000' \
	"$S" >/dev/null || fail "not both sides' CPU and WireGuard counters: $(jq -c '.runs[0].cpu | {nodes: (.nodes | keys), wireguard}' "$S")"
jq -e '.runs[0].drops.interfaces.peer.ul0.rx_packets > 0 and .runs[0].drops.interfaces.local.ul0.tx_packets > 0' \
	"$S" >/dev/null || fail "no peer interface counters: $(jq -c '.runs[0].drops.interfaces | keys' "$S")"
ls "$D/out/samples/baseline/tcp-single/r1.peer.csv" >/dev/null || fail "no peer timeline"
ok "sampler: cpu.nodes.local and .peer, WireGuard's bytes on both wg0s, the peer's timeline"
# The latency probe: from this side to reflectors the peer's agent runs, on
# its tunnel address and on its endpoint (the underlay); one kernel here,
# so one clock: one-way delays exactly where the echoes say so.
jq -e 'all(.runs[] | select(.ok); .latency.sent > 0 and .latency.lost < .latency.sent
	and .latency.rtt_ms.p50 > 0 and .latency.idle_sent > 0
	and .latency.underlay.sent > 0 and .latency.underlay.lost < .latency.underlay.sent
	and .latency.clock_shared and (.latency.owd_fwd_ms != null) == .latency.clock_shared)' "$S" >/dev/null ||
	fail "latency to the peer's reflectors: $(jq -c '[.runs[] | {latency_error, sent: .latency.sent, lost: .latency.lost, shared: .latency.clock_shared, ul: .latency.underlay.sent}]' "$S")"
ok "latency: RTT p50 $(jq -r '.runs[0].latency.rtt_ms.p50' "$S") ms through wg0, $(jq -r '.runs[0].latency.underlay.rtt_ms.p50' "$S") ms on the underlay"

A=$(jq -c '[.variants[] | select(.name == "live-both") | .applied[] | {machine, key, node, object, before, after, ok}]' "$R")
echo "$A" | jq -e 'length == 2 and
	any(.[]; .machine == "local" and .key == "mtu" and .object == "wg0" and .after == "1380" and .ok) and
	any(.[]; .machine == "peer" and .key == "txqueuelen" and .node == "gw2" and .object == "ul0" and
	    .before == "1000" and .after == "500" and .ok)' >/dev/null || fail "variant not read back on both: $A"
for m in gw1 gw2; do
	hosts_ssh $m ls /run/wgbench/ 2>/dev/null | grep -q host.json && fail "host file left on $m"
done
poll 15 agent_gone || fail "the agent still runs on gw2"
hosts_ssh gw2 'ls -d /tmp/wgbench-agent-* 2>/dev/null' | grep -q . && fail "the agent's scratch directory left on gw2"
live_snapshot gw1 "$D/gw1.after"
live_snapshot gw2 "$D/gw2.after"
diff "$D/gw1.before" "$D/gw1.after" > "$D/gw1.diff" || fail "gw1 changed: $(head -20 "$D/gw1.diff")"
diff "$D/gw2.before" "$D/gw2.after" > "$D/gw2.diff" || fail "gw2 changed: $(head -20 "$D/gw2.diff")"
ok "variant: wg0 MTU 1380 on gw1, ul0 txqueuelen 500 on gw2, reverted; both snapshots identical"

# --- one test per flow: the agent serves each flow its own server ---
hosts_ssh gw1 "$WGBENCH" run $LIVE --scenario tcp-fwd --flow-mode processes --duration 1 --repeat 1 \
	--no-warmup --out "$D/out-procs" > "$D/procs.log" 2>&1 || fail "processes run exited $?: $(tail -5 "$D/procs.log")"
jq -e '.runs[0] | .ok and ([.per_flow[].port] == [5201,5202,5203,5204,5205,5206,5207,5208])' \
	"$D/out-procs/results.json" >/dev/null || fail "8 flows, 8 servers: $(jq -c '.runs[0] | {ok, error}' "$D/out-procs/results.json")"
ok "--flow-mode processes: tcp-fwd's 8 flows to 8 servers of gw2's agent, ports 5201-5208"

# --- the controller killed while the variant holds both machines ---
hosts_ssh gw1 "echo \$\$; exec $WGBENCH run $LIVE --variant $D/both.json --scenario tcp-single \
	--duration 60 --repeat 1 --no-warmup --out $D/out-kill" > "$D/kill.log" 2>&1 &
poll 30 sh -c "sed -n 1p '$D/kill.log' | grep -qx '[0-9][0-9]*'" || fail "the run did not start: $(cat "$D/kill.log")"
poll 60 hosts_ssh gw2 "ip link show ul0 | grep -q 'qlen 500'" || fail "the peer's half was not applied: $(cat "$D/kill.log")"
poll 30 hosts_ssh gw1 "ip link show wg0 | grep -q 'mtu 1380'" || fail "this side's half was not applied"
pid=$(sed -n 1p "$D/kill.log")
hosts_ssh gw1 kill -9 "$pid" || fail "cannot kill the run (pid $pid)"
poll 30 hosts_ssh gw2 "ip link show ul0 | grep -q 'qlen 1000'" || fail "gw2's agent did not revert ul0 by itself"
poll 30 agent_gone || fail "the agent outlived its session on gw2"
hosts_ssh gw2 ls /run/wgbench/ 2>/dev/null | grep -q host.json && fail "host file left on gw2"
hosts_ssh gw2 'ls -d /tmp/wgbench-agent-* 2>/dev/null' | grep -q . && fail "the killed run's agent left its scratch directory"
hosts_ssh gw1 ip link show wg0 | grep -q 'mtu 1380' || fail "gw1's wg0 was put back without anyone to do it"
hosts_ssh gw1 "$WGBENCH" cleanup > "$D/cleanup.log" 2>&1 || fail "cleanup: $(cat "$D/cleanup.log")"
grep -q "restored mtu wg0" "$D/cleanup.log" || fail "cleanup did not restore wg0: $(cat "$D/cleanup.log")"
live_snapshot gw1 "$D/gw1.after-kill"
live_snapshot gw2 "$D/gw2.after-kill"
diff "$D/gw1.before" "$D/gw1.after-kill" > "$D/gw1.diff" || fail "gw1 not restored: $(head -20 "$D/gw1.diff")"
diff "$D/gw2.before" "$D/gw2.after-kill" > "$D/gw2.diff" || fail "gw2 not restored: $(head -20 "$D/gw2.diff")"
ok "kill -9: gw2's agent reverted ul0 when its session ended, wgbench cleanup restored gw1; snapshots identical"

# --- the doctor on the healthy tunnel: the reply path and the peer's counters ---
hosts_ssh gw1 "$WGBENCH" doctor $LIVE --json --scenario tcp-single --duration 1 --out "$D/doc-ok" \
	> "$D/ok.json" 2> "$D/ok.err" || fail "doctor exited $?: $(tail -5 "$D/ok.err")"
jq -e '[.findings[].id | select(IN("route-asymmetric", "route-bypasses-tunnel"))] | length == 0' "$D/ok.json" \
	>/dev/null || fail "route findings on a healthy tunnel: $(jq -c '[.findings[].id]' "$D/ok.json")"
I="$D/doc-ok/input.json"
jq -e '.route.reply | .oif == "wg0" and .expected == "wg0" and .dst == "10.77.0.1" and .wg_rx_delta > 0 and
	.wg_tx_delta > 0' "$I" >/dev/null || fail "no reply path with the peer's counters: $(jq -c .route "$I")"
jq -e '.scenarios["tcp-single"].cpu | (.nodes | has("peer")) and .wireguard.peer.wg0.peers[0].rx_bytes > 0' "$I" \
	>/dev/null || fail "the doctor's scenario lacks the peer's counters: $(jq -c '.scenarios["tcp-single"].cpu.nodes | keys' "$I")"
grep -q "reply path on the peer (root@192.0.2.2): 10.77.0.1 dev wg0 .*(through wg0)" "$D/ok.err" ||
	fail "no reply-path line: $(cat "$D/ok.err")"
ok "doctor, healthy: the reply path through gw2's wg0, its tunnel's bytes around the probe, node peer in the scenario"

# --- the peer answers around its tunnel ---
hosts_ssh gw2 ip route add 10.77.0.1/32 via 192.0.2.1 dev ul0 || fail "reply route on gw2"
live_snapshot gw1 "$D/gw1.before-reply"
expect_exit 2 hosts_ssh gw1 "$WGBENCH" run $LIVE --scenario tcp-single --duration 1 --repeat 1 --out "$D/out-reply"
echo "$OUT" | grep -q "the peer routes the answers to this side 10.77.0.1 via 192.0.2.1 dev ul0 .*not through its wg0" ||
	fail "run's refusal does not name the peer's route: $OUT"
hosts_ssh gw1 test -e "$D/out-reply" && fail "a results directory was made"
hosts_ssh gw1 "$WGBENCH" doctor $LIVE --json --out "$D/doc-reply" > "$D/reply.json" 2> "$D/reply.err" ||
	fail "doctor exited $?: $(tail -5 "$D/reply.err")"
jq -r '.findings[] | "  \(.severity) \(.id) \(.node) \(.summary)"' "$D/reply.json"
jq -e '.findings[] | select(.id == "route-asymmetric" and .severity == "critical" and .node == "peer") |
	.evidence | .reply_address == "10.77.0.1" and .route_oif == "ul0" and .expected_oif == "wg0" and
	(.peer_route | test("via 192.0.2.1 dev ul0")) and .peer_tunnel_rx_bytes_during_probe > 0' "$D/reply.json" >/dev/null ||
	fail "no route-asymmetric with the peer's route: $(cat "$D/reply.json")"
jq -e '[.findings[].id] | index("route-bypasses-tunnel") == null' "$D/reply.json" >/dev/null ||
	fail "the forward route is fine, yet: $(jq -c '[.findings[].id]' "$D/reply.json")"
jq -e '.stopped_after == "routing"' "$D/doc-reply/input.json" >/dev/null || fail "the doctor did not stop after routing"
grep -q "reply path on the peer (root@192.0.2.2): 10.77.0.1 via 192.0.2.1 dev ul0 .*(NOT through wg0)" "$D/reply.err" ||
	fail "no reply-path line: $(cat "$D/reply.err")"
live_snapshot gw1 "$D/gw1.after-reply"
diff "$D/gw1.before-reply" "$D/gw1.after-reply" >/dev/null || fail "the reply-path runs changed gw1"
hosts_ssh gw2 ip route del 10.77.0.1/32 via 192.0.2.1 dev ul0
ok "reply path around gw2's wg0: run refused naming the route, doctor's route-asymmetric (node peer), stopped after routing"

# --- ssh that nobody answers ---
expect_exit 2 hosts_ssh gw1 "$WGBENCH" run --backend live --live wg0 --peer 10.77.0.2 --prefix "$PFX" \
	--peer-ssh root@192.0.2.2:2222 --ssh-config "$D/ssh_config" --duration 1 --repeat 1 --out "$D/out-ssh"
[ "$(echo "$OUT" | grep -c .)" = 1 ] || fail "not one line: $OUT"
echo "$OUT" | grep -q "root@192.0.2.2:2222.*unreachable" || fail "the line does not name DEST: $OUT"
hosts_ssh gw1 test -e "$D/out-ssh" && fail "a results directory was made"
live_snapshot gw1 "$D/gw1.after-ssh"
diff "$D/gw1.before" "$D/gw1.after-ssh" >/dev/null || fail "the ssh fault changed gw1"
ok "ssh fault: '$OUT', exit 2, nothing touched"

# --- the peer has no such WireGuard interface ---
expect_exit 2 hosts_ssh gw1 "$WGBENCH" run $LIVE --peer-live ul0 --duration 1 --repeat 1 --out "$D/out-pl"
echo "$OUT" | grep -q "ul0: not a WireGuard interface on this machine" || fail "--peer-live ul0: $OUT"
[ "$(echo "$OUT" | grep -v "sending this wgbench there" | grep -c .)" = 1 ] || fail "not one line: $OUT"
hosts_ssh gw1 test -e "$D/out-pl" && fail "a results directory was made"
poll 15 agent_gone || fail "the agent still runs on gw2 after the refusal"
ok "--peer-live ul0: '$(echo "$OUT" | tail -1)', exit 2"
