#!/bin/sh
# A scenario that fails is recorded with ok=false and the reason, and the run
# goes on; `wgbench run` then exits 1. The failure is real: another program
# takes the iperf3 port in the drain namespace, so wgbench's server cannot
# listen (and the client must not talk to the squatter instead).
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/wgb-e2e-run-fail.XXXXXX)
sq=
stop_squatter() { [ -n "$sq" ] && kill "$sq" 2>/dev/null; sq=; }
trap 'stop_squatter; rm -rf "$tmp"; e2e_cleanup' EXIT

"$WGBENCH" run --prefix "$PFX" --no-warmup --no-sampler --duration 1 --omit 0 --repeat 3 \
	--scenario tcp-single --scenario udp --out "$tmp/out" > "$tmp/log" 2>&1 &
pid=$!
has_addr() { ip -n "${PFX}drain" -4 addr 2>/dev/null | grep -q "10.103.0.10/"; }
poll 60 has_addr || { kill $pid; cat "$tmp/log"; fail "no drain namespace"; }
# Keep a squatter on 10.103.0.10:5201 whenever the port is free.
while kill -0 $pid 2>/dev/null; do
	if [ -z "$sq" ] || ! kill -0 "$sq" 2>/dev/null; then
		ip netns exec "${PFX}drain" iperf3 -s -B 10.103.0.10 -p 5201 >/dev/null 2>&1 &
		sq=$!
	fi
	sleep 0.02
done
wait $pid; rc=$?
stop_squatter
cat "$tmp/log"
[ $rc = 1 ] || fail "expected exit 1 with a failed scenario, got $rc"
r="$tmp/out/results.json"
jq -e '.runs | length == 6' "$r" >/dev/null || fail "the run did not go on: $(jq '.runs | length' "$r") runs"
jq -e '[.runs[] | select(.ok == false)] | length >= 1' "$r" >/dev/null || fail "no failed run recorded"
jq -e '[.runs[] | select(.ok == false)] | all(.error | type == "string" and test("port 5201"))
       and all(.throughput_bps == null)' "$r" >/dev/null || fail "failed runs lack the reason or carry numbers"
jq -r '.runs[] | select(.ok == false) | .error' "$r" | head -n 2
grep -q "FAILED" "$tmp/log" || fail "no FAILED line on the terminal"
no_leftovers
ok "failed scenario recorded, run went on, exit 1"
