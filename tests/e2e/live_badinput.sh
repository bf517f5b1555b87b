#!/bin/sh
# Live mode refuses bad input with one line and exit 2, before anything is
# touched (no results directory, both machines' snapshots unchanged):
#
#   gw1: wg0 10.77.0.1 ═══ wg0 10.77.0.2 (iperf3 -s :5201) :gw2
#        ul0 192.0.2.1 ─────── ul0 192.0.2.2
#
# an interface that does not exist, one that is not WireGuard, an address
# routed around the tunnel (run; doctor reports it instead), one routed into
# wg0 that no peer allows, nothing answering on the peer, the flags without
# --backend live (and the backend without them), --peer-live without --peer-ssh
# (live_peerssh.sh has the ssh faults), an IPv6 peer this IPv4 tunnel has no
# route to, --ip/--inner (the interface decides the families).
# A scenario needing more servers than the peer offers fails with why.
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
. "$WGB_TOP/tests/e2e/live_lib.sh"
live_up
D=$HOSTS_DIR
live_snapshot gw1 "$D/gw1.before"
live_snapshot gw2 "$D/gw2.before"

# refused CODE PATTERN ARGS...: `wgbench run` on gw1 exits CODE with one line matching PATTERN
refused() {
	_code=$1 _pat=$2; shift 2
	expect_exit "$_code" hosts_ssh gw1 "$WGBENCH" "$@"
	echo "$OUT" | grep -q -- "$_pat" || fail "'$*': expected '$_pat', got: $OUT"
	[ "$(echo "$OUT" | grep -c .)" = 1 ] || fail "'$*': not one line: $OUT"
	echo "  $OUT"
}
run="run --backend live --prefix $PFX --scenario tcp-single --duration 1 --repeat 1 --out $D/out"

refused 2 "no such interface" $run --live wg9 --peer 10.77.0.2
refused 2 "ul0: not a WireGuard interface" $run --live ul0 --peer 10.77.0.2
refused 2 "routes it 192.0.2.2 dev ul0 src 192.0.2.1 table main, not through wg0" $run --live wg0 --peer 192.0.2.2
refused 2 "no peer of wg0 allows it" $run --live wg0 --peer 10.77.0.9
refused 2 "no iperf3 server answers on port 5999 (Connection refused)" $run --live wg0 --peer 10.77.0.2 --peer-port 5999
refused 2 "needs --live IFACE" $run --live wg0
refused 2 "only with --backend live" run --prefix "$PFX" --live wg0 --peer 10.77.0.2
refused 2 "needs --peer-ssh DEST" $run --live wg0 --peer 10.77.0.2 --peer-live wg0
refused 2 "fd00::2: the kernel has no route to it" $run --live wg0 --peer fd00::2
refused 2 "ip/--inner: --backend live measures the families the interface has" $run --live wg0 --peer 10.77.0.2 --ip 6
refused 2 "ip/--inner: --backend live" $run --live wg0 --peer 10.77.0.2 --inner 4
refused 2 "drop --wg" $run --live wg0 --peer 10.77.0.2 --wg kernel
refused 2 "no such interface" doctor --backend live --prefix "$PFX" --live wg9 --peer 10.77.0.2
refused 2 "no iperf3 server answers" doctor --backend live --prefix "$PFX" --live wg0 --peer 10.77.0.2 --peer-port 5999
hosts_ssh gw1 test -e "$D/out" && fail "a results directory was made for refused input"
ok "every refusal one line, exit 2, no results directory"

# tcp-fwd as 8 processes needs 8 servers; gw2 has one on 5201
expect_exit 1 hosts_ssh gw1 "$WGBENCH" run --backend live --prefix "$PFX" --live wg0 --peer 10.77.0.2 \
	--scenario tcp-fwd --flow-mode processes --duration 1 --repeat 1 --no-warmup --out "$D/procs"
jq -e '.runs[0].ok == false and (.runs[0].error | test("8 flows need 8 iperf3 servers at 10.77.0.2 ports 5201-5208.*port 5202 does not answer"))' \
	"$D/procs/results.json" >/dev/null || fail "processes without servers: $(jq '.runs[0].error' "$D/procs/results.json")"
ok "--flow-mode processes with one server at the peer: the scenario fails and says why"

live_snapshot gw1 "$D/gw1.after"
live_snapshot gw2 "$D/gw2.after"
diff "$D/gw1.before" "$D/gw1.after" >/dev/null || fail "gw1 changed: $(diff "$D/gw1.before" "$D/gw1.after" | head)"
diff "$D/gw2.before" "$D/gw2.after" >/dev/null || fail "gw2 changed: $(diff "$D/gw2.before" "$D/gw2.after" | head)"
ok "nothing touched on either machine"
