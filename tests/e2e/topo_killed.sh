#!/bin/sh
# topo_killed — `cleanup` after `kill -9` of a `topo up` that holds a
# half-built testbed. The test hook WGB_TEST_PAUSE_AFTER=<step> stops topo_up
# after a step (recorded in the state file), or after making it but before
# recording it (<step>-unrecorded), so the kill lands at a known point.
. "$WGB_TOP/tests/e2e/lib.sh"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"
log=/tmp/wgb-e2e-topo_killed.$$.log

# up_paused STEP: start `topo up` in the background, wait until it pauses.
up_paused() {
	WGB_TEST_PAUSE_AFTER=$1 "$WGBENCH" topo up --wg wireguard-go --tunnels 2 --prefix "$PFX" 2>"$log" &
	pid=$!
	poll 20 grep -q "paused after $1" "$log" || fail "topo up did not pause after $1: $(cat "$log")"
}

for step in netns-gw2 lan1 tunnel0-gw1 tunnel1-gw2-unrecorded routes; do
	up_paused "$step"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	ip netns list | grep -q "^${PFX}gw1" || fail "$step: nothing was built before the kill"
	case $step in tunnel*)
		pgrep -f "wireguard-go -f ${PFX}g" >/dev/null || fail "$step: no wireguard-go before cleanup" ;;
	esac
	if [ "$step" = tunnel1-gw2-unrecorded ]; then
		# The state file does not know gw2's end of tunnel 1: scanning must find it.
		grep -q "${PFX}g2t1" "/run/wgbench/${PFX}state.json" && fail "the hook ran after recording"
		pgrep -f "wireguard-go -f ${PFX}g2t1" >/dev/null || fail "no unrecorded wireguard-go"
	fi
	expect_exit 0 "$WGBENCH" cleanup --prefix "$PFX"
	echo "$step: $OUT"
	no_leftovers
	ls /run/wgbench 2>/dev/null | grep -q "^$PFX" && fail "$step: files left: $(ls /run/wgbench)"
	ok "cleanup after kill -9 at $step"
done

# (`cleanup` without --prefix is not tested here: on a shared machine it
# would also remove the testbeds of other tests running at the same time.)
rm -f "$log"
ok "topo_killed"
