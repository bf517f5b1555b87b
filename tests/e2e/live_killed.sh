#!/bin/sh
# A live run killed with SIGKILL while its variant holds gw1's links changed:
#
#   gw1: wg0 MTU 1420 -> 1380, ul0 txqueuelen 1000 -> 300, tcp_notsent_lowat -> 131072
#
# stays changed (nothing could revert it), the host file on gw1 lists every
# change, and `wgbench cleanup` (without --prefix: a live run leaves no
# testbed state) puts each back from it: gw1's snapshot is the one before.
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
. "$WGB_TOP/tests/e2e/live_lib.sh"
live_up
D=$HOSTS_DIR
live_snapshot gw1 "$D/gw1.before"
cat > "$D/v.json" <<'EOF'
{"name": "live-kill", "set": [
  {"node": "gw1", "link": "tunnel", "mtu": 1380},
  {"node": "gw1", "link": "underlay", "txqueuelen": 300},
  {"node": "gw1", "sysctl": "net.ipv4.tcp_notsent_lowat", "value": 131072}]}
EOF
# The run's pid comes first on its output: `exec` keeps it.
hosts_ssh gw1 "echo \$\$; exec $WGBENCH run --backend live --live wg0 --peer 10.77.0.2 --prefix $PFX \
	--variant $D/v.json --scenario tcp-single --duration 60 --repeat 1 --no-warmup --out $D/out" \
	> "$D/run.log" 2>&1 &
poll 30 sh -c "sed -n 1p '$D/run.log' | grep -qx '[0-9][0-9]*'" || fail "the run did not start: $(cat "$D/run.log")"
poll 30 hosts_ssh gw1 "ip link show wg0 | grep -q 'mtu 1380'" || fail "the variant was not applied"
pid=$(sed -n 1p "$D/run.log")
hosts_ssh gw1 kill -9 "$pid" || fail "cannot kill the run (pid $pid)"
poll 10 sh -c "! hosts_ssh gw1 kill -0 $pid 2>/dev/null" || fail "the run survived SIGKILL"
hosts_ssh gw1 ip link show wg0 | grep -q 'mtu 1380' || fail "wg0's MTU was put back without anyone to do it"
hosts_ssh gw1 cat "/run/wgbench/${PFX}host.json" > "$D/host.json" || fail "no host file on gw1"
jq -e '[.values[].record.key] | sort == ["mtu", "sysctl", "txqueuelen"]' "$D/host.json" >/dev/null ||
	fail "the host file does not list the three changes: $(cat "$D/host.json")"
ok "killed with wg0 at MTU 1380: the host file lists mtu, txqueuelen and the sysctl"

expect_exit 2 hosts_ssh gw1 "$WGBENCH" run --backend live --live wg0 --peer 10.77.0.2 --prefix "$PFX" \
	--duration 1 --repeat 1 --out "$D/out2"
echo "$OUT" | grep -q "a killed run left values" || fail "a new run on changed values: $OUT"
ok "a new run refuses to start on the changed values"

hosts_ssh gw1 "$WGBENCH" cleanup > "$D/cleanup.log" 2>&1 || fail "cleanup: $(cat "$D/cleanup.log")"
grep -q "restored mtu wg0" "$D/cleanup.log" || fail "cleanup did not say it restored wg0: $(cat "$D/cleanup.log")"
hosts_ssh gw1 test -e "/run/wgbench/${PFX}host.json" && fail "host file left after cleanup"
live_snapshot gw1 "$D/gw1.after"
diff "$D/gw1.before" "$D/gw1.after" > "$D/gw1.diff" || fail "gw1 not restored: $(head -20 "$D/gw1.diff")"
ok "wgbench cleanup restored all three; gw1's snapshot is the one before the run"
