#!/bin/sh
# topo_signal — SIGTERM or SIGINT during `topo up` tears down what was made:
# the command exits non-zero and nothing is left.
. "$WGB_TOP/tests/e2e/lib.sh"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"
log=/tmp/wgb-e2e-topo_signal.$$.log

for sig in TERM INT; do
	for step in netns-gw1 lan1 tunnel0-gw1 tunnel0-gw2-unrecorded; do
		WGB_TEST_PAUSE_AFTER=$step "$WGBENCH" topo up --wg wireguard-go --prefix "$PFX" 2>"$log" &
		pid=$!
		poll 20 grep -q "paused after $step" "$log" || fail "no pause after $step: $(cat "$log")"
		kill -s "$sig" "$pid"
		wait "$pid"
		rc=$?
		cat "$log"
		[ "$rc" != 0 ] || fail "SIG$sig at $step: topo up exited 0"
		grep -q "interrupted by signal" "$log" || fail "SIG$sig at $step: no message"
		no_leftovers
		ls /run/wgbench 2>/dev/null | grep -q "^$PFX" && fail "files left: $(ls /run/wgbench)"
		ok "SIG$sig at $step: exit $rc, nothing left"
	done
done
rm -f "$log"
ok "topo_signal"
