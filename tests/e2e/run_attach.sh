#!/bin/sh
# run --attach: a run on the live testbed of `topo up` measures it as it is,
# puts back what a variant changed, and leaves it up (same tunnel processes);
# what would need another testbed, a missing, busy or stale one are refused
# with exit 2 before anything is written.
# e2e: host-wide (socket-buffers sets host-wide sysctls)
# e2e: ~22 s (its time alone, for the order: longest first)
. "$(dirname "$0")/lib.sh"
command -v wireguard-go >/dev/null || modprobe -n wireguard 2>/dev/null || skip "no WireGuard implementation"
V="$WGB_TOP/scenarios/variants"
tmp=$(mktemp -d /tmp/wgb-e2e-attach.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT
run() { "$WGBENCH" run --prefix "$PFX" --attach --duration 1 --omit 0 --repeat 1 --no-warmup "$@"; }
# run_bg: the same in the background, $! being wgbench itself (not a subshell).
run_bg() { "$WGBENCH" run --prefix "$PFX" --attach --omit 0 --repeat 1 --no-warmup --quiet "$@" >/dev/null 2>&1 & }
nsval() { ip netns exec "${PFX}$1" cat "/proc/sys/net/ipv4/$2"; }

expect_exit 2 run --scenario tcp-single --out "$tmp/none"
echo "$OUT" | grep -q "no testbed with prefix '$PFX'" || fail "no testbed: $OUT"
[ -e "$tmp/none" ] && fail "a refused run made its results directory"
ok "no testbed: exit 2, nothing written"

expect_exit 0 "$WGBENCH" topo up --prefix "$PFX"
state="/run/wgbench/${PFX}state.json"
pids=$(jq -c '[.tunnel_ends[].pid]' "$state")
status_before=$("$WGBENCH" topo status --prefix "$PFX" --json | jq -c .nodes)
rmem=$(nsval source tcp_rmem)

run --scenario tcp-single --scenario udp --variant "$V/baseline.json" --variant "$V/socket-buffers.json" \
	--out "$tmp/a" > "$tmp/out" 2>&1 || { cat "$tmp/out"; fail "attached run exited $?"; }
cat "$tmp/out"
grep -q "^testbed: '$PFX' from \`topo up\`" "$tmp/out" || fail "the run did not say it is attached"
v=$(jq -f "$WGB_TOP/tests/e2e/run-schema.jq" "$tmp/a/results.json"); [ "$v" = true ] || fail "results.json: $v"
jq -e '.options.attach == true and .completed == 4 and .wireguard.implementation != null' "$tmp/a/run.json" >/dev/null \
	|| fail "run.json: $(jq -c '{options, completed, wireguard}' "$tmp/a/run.json")"
jq -e '[.runs[] | select(.ok and .throughput_bps > 0)] | length == 4' "$tmp/a/results.json" >/dev/null \
	|| fail "not every run measured: $(jq -c '[.runs[] | {scenario, ok, error}]' "$tmp/a/results.json")"
"$WGBENCH" topo status --prefix "$PFX" >/dev/null || fail "the testbed is gone after the run"
[ "$("$WGBENCH" topo status --prefix "$PFX" --json | jq -c .nodes)" = "$status_before" ] \
	|| fail "the testbed's interfaces or addresses changed"
[ "$(jq -c '[.tunnel_ends[].pid]' "$state")" = "$pids" ] || fail "tunnel processes replaced"
[ "$(nsval source tcp_rmem)" = "$rmem" ] || fail "socket-buffers' tcp_rmem not put back: $(nsval source tcp_rmem)"
[ -e "/run/wgbench/${PFX}modified" ] && fail "the modified mark was left after a clean revert"
ok "attached: 4 runs, variant reverted, testbed left up"

expect_exit 2 run --scenario tcp-single --tunnels 2 --out "$tmp/b"
echo "$OUT" | grep -q "wants 2 tunnel(s), the testbed '$PFX' has 1" || fail "--tunnels 2: $OUT"
expect_exit 2 run --scenario tcp-single --variant "$V/tunnels-2.json" --out "$tmp/b"
echo "$OUT" | grep -q "tunnels-2 wants 2 tunnel(s)" || fail "tunnels-2 variant: $OUT"
expect_exit 2 run --scenario tcp-single --wg none --out "$tmp/b"
echo "$OUT" | grep -q -- "--attach --wg none" || fail "--wg none: $OUT"
expect_exit 2 "$WGBENCH" run --backend vm --attach --prefix "$PFX" --out "$tmp/b"
expect_exit 2 "$WGBENCH" sweep --attach --prefix "$PFX" --param tunnels --values 1,2 --out "$tmp/b"
[ -e "$tmp/b" ] && fail "a refused run made its results directory"
ok "what needs another testbed: exit 2, nothing written"

# Busy: a second run while the first holds the testbed.
run_bg --scenario tcp-single --duration 4 --out "$tmp/c"
first=$!
poll 20 test -e "/run/wgbench/${PFX}lock" || fail "the first run never took the lock"
expect_exit 2 run --scenario tcp-single --out "$tmp/d"
echo "$OUT" | grep -q "in use by another wgbench" || fail "busy: $OUT"
wait $first || fail "the first attached run failed"
ok "busy testbed: exit 2"

# Stale: a run killed while its variant is applied leaves the mark.
run_bg --scenario tcp-single --duration 30 --variant "$V/socket-buffers.json" --out "$tmp/e"
killed=$!
poll 30 test -e "/run/wgbench/${PFX}modified" || fail "no modified mark while a variant is applied"
kill -9 $killed; wait $killed 2>/dev/null
# Its iperf3 children (forked, holding the lock) die by PDEATHSIG, just after.
poll 10 flock -n "/run/wgbench/${PFX}lock" true || fail "the lock is still held after the kill"
expect_exit 2 run --scenario tcp-single --out "$tmp/f"
echo "$OUT" | grep -q "stale: wgbench run (pid $killed) applied variant 'socket-buffers'" || fail "stale mark: $OUT"
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
[ -e "/run/wgbench/${PFX}modified" ] && fail "topo down left the mark"
ok "killed attached run: the next claim refuses the changed testbed; topo down clears it"

# Stale: a tunnel process gone.
expect_exit 0 "$WGBENCH" topo up --prefix "$PFX"
pid=$(pgrep -f "wireguard-go -f ${PFX}g1t0" | head -n 1)
if [ -n "$pid" ]; then
	kill "$pid"
	poll 10 sh -c "! kill -0 $pid" || fail "wireguard-go did not exit"
	expect_exit 2 run --scenario tcp-single --out "$tmp/g"
	echo "$OUT" | grep -q "stale: the process of tunnel 0 at gw1" || fail "dead tunnel: $OUT"
	ok "dead tunnel process: exit 2"
fi
expect_exit 0 "$WGBENCH" cleanup --prefix "$PFX"
no_leftovers
