#!/bin/sh
# SIGINT in the middle of a run: the children are killed, the testbed removed,
# results.json stays valid JSON with the runs that finished, exit non-zero.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/wgb-e2e-run-int.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT

"$WGBENCH" run --prefix "$PFX" --no-warmup --no-sampler --duration 3 --omit 0 --repeat 3 \
	--scenario tcp-single --scenario udp --out "$tmp/out" > "$tmp/log" 2>&1 &
pid=$!
finished() { [ -f "$tmp/out/results.json" ] && [ "$(jq '.runs | length' "$tmp/out/results.json")" -ge 1 ]; }
poll 120 finished || { kill -9 $pid; cat "$tmp/log"; fail "no run finished"; }
kill -INT $pid
wait $pid; rc=$?
cat "$tmp/log"
[ $rc != 0 ] || fail "an interrupted run exited 0"
n=$(jq '.runs | length' "$tmp/out/results.json") || fail "results.json is not valid JSON"
[ "$n" -ge 1 ] && [ "$n" -lt 6 ] || fail "results.json has $n runs"
jq -e '.schema == "wgbench.results/2" and (.runs | all(.ok == true))' "$tmp/out/results.json" >/dev/null \
	|| fail "results.json content (an interrupted scenario must not be kept)"
jq -e '.interrupted == true and .completed >= 1 and .end != null' "$tmp/out/run.json" >/dev/null \
	|| fail "run.json does not say it was interrupted"
grep -q "stopped by signal 2" "$tmp/log" || fail "no message about the signal"
# processes naming the prefix; not kernel threads (no command line), such as
# the kworkers of kernel WireGuard's wg-crypt-IFNAME workqueues, which keep
# that name in their comm until they next run other work
left=$(for p in $(pgrep -f "$PFX"); do
	cmd=$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)
	[ -n "$cmd" ] && echo "$p $cmd"
done)
[ -z "$left" ] || fail "processes left: $left"
no_leftovers
ok "interrupted run: $n runs kept, exit $rc, nothing left"
