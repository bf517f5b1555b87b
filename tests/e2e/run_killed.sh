#!/bin/sh
# kill -9 of a run mid-scenario: the processes it started for the nodes
# (wireguard-go, iperf3 endpoints) die with it (PR_SET_PDEATHSIG), results.json
# holds what finished, and `wgbench cleanup` removes the namespaces and files.
# On a kernel with WireGuard --wg auto takes it and there is no wireguard-go:
# then the processes are the run's children only.
. "$(dirname "$0")/lib.sh"
. "$WGB_TOP/tests/e2e/kernel_lib.sh"

tmp=$(mktemp -d /tmp/wgb-e2e-run-kill.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT

"$WGBENCH" run --prefix "$PFX" --no-warmup --duration 3 --omit 0 --repeat 3 \
	--scenario tcp-single --scenario udp --out "$tmp/out" > "$tmp/log" 2>&1 &
pid=$!
finished() { [ -f "$tmp/out/results.json" ] && [ "$(jq '.runs | length' "$tmp/out/results.json")" -ge 1 ]; }
poll 120 finished || { kill -9 $pid; cat "$tmp/log"; fail "no run finished"; }
wggo=$(pgrep -f "wireguard-go -f $PFX" | tr '\n' ' ')
if kernel_has_wg; then
	[ -z "$wggo" ] || fail "--wg auto on a kernel with WireGuard started wireguard-go ($wggo)"
	wggo="none: kernel WireGuard"
else
	[ -n "$wggo" ] || fail "no wireguard-go of this run found while it runs"
fi
kill -9 $pid
wait $pid 2>/dev/null
gone() { ! pgrep -f "wireguard-go -f $PFX" >/dev/null && ! pgrep -P $pid >/dev/null; }
poll 10 gone || fail "processes outlived the killed run: $(pgrep -af "$PFX")"
jq -e '.runs | length >= 1' "$tmp/out/results.json" >/dev/null || fail "results.json is not valid after kill -9"
ip netns list | grep -q "^$PFX" || fail "expected the killed run's namespaces to remain for cleanup"
"$WGBENCH" cleanup --prefix "$PFX" > "$tmp/clean" 2>&1 || { cat "$tmp/clean"; fail "cleanup"; }
no_leftovers
ok "kill -9: wireguard-go ($wggo) died with the run, cleanup removed the rest"
