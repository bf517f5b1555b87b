#!/bin/sh
# tune_hosts — `wgbench tune --backend hosts --topology p2p`: the loop on
# machines over ssh (hosts_lib.sh), one candidate kept, one the machines
# cannot take skipped with the reason.
#
#   controller ─ssh─ gw1 ═ul0═ gw2      the start: TCP windows capped at 8 KB
#
# The candidate kept: 4 MB TCP windows (tcp_rmem/tcp_wmem, per network
# namespace, so a test machine takes them). socket-buffers sets the
# machine-wide net.core.rmem_max too, which these machines (network
# namespaces) show read-only: the check skips it before anything runs.
# tunnels-2 would need the testbed rebuilt with 2 tunnels for its check and
# its step; it comes after the kept one, in round 2, and is measured there
# (kept or not: on this busy machine a second tunnel can win by a few %).
# The hosts backend has no doctor (its probes enter namespaces on the
# controller): tune says so and takes the sequence. The latency probe runs
# on hosts too, and 4 MB windows buy their throughput with queueing (RTT p99
# under tcp-single's load from ~5 ms to 25-45 ms here): the RTT guard
# rejects that by default, as it should (tune_buffers); --rtt-slack 1000
# accepts it, and the test checks that the rise was said, not hidden.
# e2e: ~41 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
command -v jq >/dev/null || skip "jq not installed (ci/install-deps installs it)"
hosts_up p2p
hosts_opts p2p
D=$HOSTS_DIR
cat > "$D/windows-4m.json" <<'J'
{"name": "windows-4m", "description": "4 MB TCP windows (per network namespace)",
 "set": [{"node": "gateways", "sysctl": "net.ipv4.tcp_rmem", "value": "4096 131072 4194304"},
         {"node": "gateways", "sysctl": "net.ipv4.tcp_wmem", "value": "4096 16384 4194304"}]}
J
O="$D/out"
# shellcheck disable=SC2086
"$WGBENCH" tune $HOSTS_OPTS --topology p2p --variant "$WGB_TOP/scenarios/variants/tcp-windows-8k.json" \
	--target tcp-single --scenario tcp-single --candidates "$D/windows-4m.json,socket-buffers,tunnels-2" \
	--duration 2 --omit 0 --no-warmup --repeat 3 --rtt-slack 1000 --out "$O" > "$D/log" 2>&1
rc=$?
grep "^tune:" "$D/log"
[ $rc = 0 ] || { tail -30 "$D/log"; fail "tune exited $rc"; }
T="$O/tune.json"
for d in "$O"/steps/*/; do
	jq -r '.runs[] | "\(.variant) r\(.repeat): \(.throughput_bps / 1e6 | floor) Mbit/s"' "$d/results.json" \
		2>/dev/null | sed "s|^|$(basename "$d"): |"
done
hosts_no_leftovers
ok "tune on hosts ran; the machines hold nothing of it"

grep -q "^tune: --backend hosts: this backend has no doctor" "$D/log" || fail "no line saying there is no doctor"
jq -e '.rounds[0].doctor_skipped | test("no doctor")' "$T" >/dev/null || fail "round 1: $(jq -c '.rounds[0]' "$T")"
# rmem_max is not the machines' own (their namespaces share the host's):
# read-only there on this kernel, absent on Debian 12's 6.1
jq -e '.skipped[] | select(.candidate == "socket-buffers") | .why |
	test("rmem_max (is read-only|does not exist)")' "$T" \
	>/dev/null || fail "socket-buffers not skipped for rmem_max: $(jq -c .skipped "$T")"
ok "no doctor on hosts, said; socket-buffers skipped: $(jq -r '.skipped[] | select(.candidate == "socket-buffers") | .why' "$T" | cut -c1-100)"

jq -e '.steps[0] | .candidate == "windows-4m" and .kept == true' "$T" >/dev/null ||
	fail "windows-4m not kept: $(jq -c '.steps[0] | {candidate, kept, reasons}' "$T")"
# the confirmation: step 1 itself, or (when tunnels-2 won too) a run of its own
jq -e '.confirm.pairs[] | select(.role == "target") | .verdict == "improvement"' \
	"$T" >/dev/null || fail "confirmation: $(jq -c '.confirm' "$T")"
ok "windows-4m kept on hosts: $(jq -r '.confirm.pairs[] | select(.role == "target") |
	"\(.verdict) \(.delta_percent | floor)% [\(.low_percent | floor)%, \(.high_percent | floor)%]"' "$T")"
# the probe measured on hosts: an RTT pair judged, a rise said and tolerated
jq -e '.steps[0] | [.pairs[] | select(.metric == "rtt_p99")] | length >= 1 and
	all(.verdict != "regression" or (.counts == false and (.note | test("tolerated"))))' "$T" >/dev/null ||
	fail "step 1's RTT pair: $(jq -c '[.steps[0].pairs[] | select(.metric == "rtt_p99")]' "$T")"
ok "RTT p99 with 4 MB windows: $(jq -r '.steps[0].pairs[] | select(.metric == "rtt_p99") |
	"\(.medians[0]) -> \(.medians[1]) ms, \(.verdict)"' "$T")"

# tunnels-2: checked and measured on a testbed of 2 tunnels, not skipped for the count
jq -e '[.steps[] | select(.candidate == "tunnels-2")] | length == 1' "$T" >/dev/null ||
	fail "tunnels-2 not measured: $(jq -c '{skipped, steps: [.steps[] | {candidate, reasons}]}' "$T")"
jq -e '[.runs[] | select(.variant == "r2-tunnels-2")] | length == 3 and all(.ok)' \
	"$O/steps/02-tunnels-2/results.json" >/dev/null || fail "tunnels-2's runs: $(jq -c '[.runs[] | {variant, ok, error}]' "$O/steps/02-tunnels-2/results.json")"
ok "tunnels-2 measured on 2 tunnels in round 2: $(jq -r '.steps[] | select(.candidate == "tunnels-2") | if .kept then "kept" else "rejected: \(.reasons[0])" end' "$T" | cut -c1-110)"
jq -e '.name == "tuned" and ([.set[] | select(.sysctl == "net.ipv4.tcp_rmem" and .node == "gateways")][0].value == "4096 131072 4194304")' \
	"$O/tuned.json" >/dev/null || fail "tuned.json: $(cat "$O/tuned.json")"
grep -q '^net.ipv4.tcp_rmem = 4096 131072 4194304$' "$O/persist/99-wgbench-tuned.conf" || fail "sysctl.d file"
ok "tuned.json and persist/ from the kept step"
