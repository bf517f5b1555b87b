#!/bin/sh
# tune_live — `wgbench tune --backend live` on a tunnel wgbench did not build
# (live_lib.sh): what live mode cannot do is skipped with the reason, what it
# can is measured, and the machine is as it was.
#
#   machine gw1: wgbench tune, wg0 10.77.0.1 ═══ tunnel ═══ wg0 10.77.0.2, iperf3 -s: machine gw2
#
# tunnels-2 needs a second tunnel live mode cannot have: skipped before any
# testbed is asked for (it used to stop tune with EINVAL). mtu-1420 changes
# this machine's tunnel MTU: measured against the start, reverted after.
# --no-doctor keeps it short (the live doctor is live_doctor's).
# e2e: host-wide (mtu-1420 sets machine-wide sysctls, which live machines share with the host)
# e2e: ~14 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
. "$WGB_TOP/tests/e2e/live_lib.sh"
command -v jq >/dev/null || skip "jq not installed (ci/install-deps installs it)"
live_up
D=$HOSTS_DIR
live_snapshot gw1 "$D/gw1.before"
hosts_ssh gw1 "$WGBENCH" tune --backend live --live wg0 --peer 10.77.0.2 --prefix "$PFX" \
	--target tcp-single --scenario tcp-single --candidates tunnels-2,mtu-1420 --no-doctor \
	--duration 1 --omit 0 --no-warmup --repeat 2 --out "$D/out" > "$D/log" 2>&1
rc=$?
grep "^tune:" "$D/log"
[ $rc = 0 ] || { tail -20 "$D/log"; fail "tune exited $rc"; }
T="$D/out/tune.json"
jq -e '.skipped[] | select(.candidate == "tunnels-2") | .why | test("2 tunnel.*live")' "$T" >/dev/null ||
	fail "tunnels-2 not skipped for live: $(jq -c .skipped "$T")"
ok "tunnels-2 skipped: $(jq -r '.skipped[] | select(.candidate == "tunnels-2") | .why' "$T")"
jq -e '[.steps[] | select(.candidate == "mtu-1420")] | length == 1' "$T" >/dev/null ||
	fail "mtu-1420 not measured: $(jq -c '[.steps[] | {candidate, reasons}]' "$T")"
jq -e '[.variants[] | select(.name == "r1-mtu-1420") | .applied[] | select(.object == "wg0" and .key == "mtu" and .ok)] | length >= 1' \
	"$D/out/steps/01-mtu-1420/run.json" >/dev/null || fail "mtu-1420 not applied to wg0"
ok "mtu-1420 measured on wg0: $(jq -r '.steps[0] | if .kept then "kept" else "rejected: \(.reasons[0])" end' "$T" | cut -c1-100)"
live_snapshot gw1 "$D/gw1.after"
diff "$D/gw1.before" "$D/gw1.after" > "$D/diff" || fail "gw1 changed: $(cat "$D/diff")"
ok "gw1 as it was (links, addresses, routes, rules, wg, nftables, qdiscs, sysctls)"
