#!/bin/sh
# `wgbench compare` verdicts, exit codes and outputs on fixture results
# directories (tests/data/, made by mkfixture.py):
#   verdict-base -> verdict-new   one pair of each kind (regression, improvement,
#                                 equivalent, inconclusive, failed, missing, disturbed)
#   verdict-base -> verdict-slow  the canary 20 % slower: disturbed, not judged
#   results-a -> results-b/-half  /1 results (no interference measured), n = 3
#   results-one -> results-one-new  single variants matched by position
. "$WGB_TOP/tests/e2e/lib.sh"
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; e2e_cleanup' EXIT
D="$WGB_TOP/tests/data"

# --- every verdict kind, one compare: exit 1 (a regression, a failure) ---
expect_exit 1 "$WGBENCH" compare "$D/verdict-base" "$D/verdict-new" --junit "$tmp/all.xml"
for k in "regression (1): baseline/tcp-fwd" "improvement (1): baseline/tcp-rev" \
	 "equivalent (1): baseline/udp" "inconclusive (1): baseline/tcp-single" \
	 "failed (1): baseline/udp-small" "missing (1): rps/tcp-fwd" "disturbed (1): pinned/udp"; do
	echo "$OUT" | grep -qF -- "- $k" || fail "verdict list lacks '$k': $OUT"
done
echo "$OUT" | grep -q "Verdict: exit 1, a regression or a failure (7 pairs)" || fail "verdict line: $OUT"
echo "$OUT" | grep -q "repeats per side would detect 5.0%" || fail "inconclusive does not say what would decide"
echo "$OUT" | grep -q "processes outside the testbed took" || fail "disturbed does not say why"
grep -q 'tests="7" failures="2" errors="0" skipped="3"' "$tmp/all.xml" || fail "junit counts: $(head -3 "$tmp/all.xml")"
[ "$(grep -c '<skipped message=' "$tmp/all.xml")" = 3 ] || fail "junit skipped elements"
if command -v xmllint >/dev/null; then xmllint --noout "$tmp/all.xml" || fail "junit not XML"; fi
ok "every verdict kind: exit 1, JUnit 2 failures and 3 skipped with reasons"

expect_exit 1 "$WGBENCH" compare "$D/verdict-base" "$D/verdict-new" --json
echo "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["exit_code"] == 1 and all(v == (k != "skipped") for k, v in d["counts"].items()), d["counts"]
v = {(c["base"]["variant"] or c["new"]["variant"], c["scenario"]): c for c in d["comparisons"]}
assert v[("baseline", "udp")]["verdict"] == "equivalent"
assert v[("baseline", "tcp-single")]["repeats_needed"] > 3
assert v[("pinned", "udp")]["new"]["interference"]["foreign_cpu_percent_max"] > 10
assert v[("baseline", "tcp-fwd")]["base"]["ci_level"] == 0.9375
' || fail "json: $OUT"
ok "--json: counts, levels, interference, repeats needed"

expect_exit 1 "$WGBENCH" compare "$D/verdict-base" "$D/verdict-slow"
echo "$OUT" | grep -q "disturbed (5)" || fail "slow canary: $OUT"
echo "$OUT" | grep -q "canary moved -20.2% between BASE and NEW" || fail "canary reason: $OUT"
ok "canary 20% slower in NEW: every judged pair disturbed"

# --- latency: p99 RTT, higher is worse ---
expect_exit 1 "$WGBENCH" compare "$D/verdict-base" "$D/verdict-new" --metric latency
echo "$OUT" | grep -q "| baseline | tcp-fwd | p99 RTT |.*\*\*regression\*\* (higher by" || fail "latency: $OUT"
expect_exit 1 "$WGBENCH" compare "$D/verdict-base" "$D/verdict-new" --metric both --json
echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["comparisons"]) == 14, d' ||
	fail "both: 14 pairs"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$D/results-b" --metric latency
echo "$OUT" | grep -q "latency" || fail "no probe: $OUT"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$D/results-b" --metric jitter
ok "--metric latency|both; latency asked of results without it: exit 2"

# --- exit 3 and --bisect ---
expect_exit 3 "$WGBENCH" compare "$D/results-a" "$D/results-b" --junit "$tmp/same.xml"
echo "$OUT" | grep -q "Verdict: exit 3, inconclusive" || fail "verdict: $OUT"
echo "$OUT" | grep -q "1.0 h apart" || fail "time apart missing: $OUT"
echo "$OUT" | grep -q "interference (foreign CPU, steal) in BASE and NEW" || fail "not-measured note: $OUT"
grep -q 'failures="0" errors="0" skipped="6"' "$tmp/same.xml" || fail "junit: $(head -3 "$tmp/same.xml")"
expect_exit 125 "$WGBENCH" compare "$D/results-a" "$D/results-b" --bisect
expect_exit 1 "$WGBENCH" compare "$D/results-a" "$D/results-half" --bisect
expect_exit 0 "$WGBENCH" compare "$D/results-half" "$D/results-half" --threshold 10 --bisect
expect_exit 125 "$WGBENCH" compare "$D/results-a" "$tmp/missing" --bisect
ok "same configuration at n = 3: inconclusive, exit 3; --bisect 125 / 1 / 0, bad input 125"

expect_exit 1 "$WGBENCH" compare "$D/results-a" "$D/results-half" --junit "$tmp/half.xml"
echo "$OUT" | grep -q -- "- regression (6): baseline/tcp-fwd baseline/udp baseline/tcp-single" ||
	fail "regressions not named: $OUT"
[ "$(grep -c '<failure' "$tmp/half.xml")" = 6 ] || fail "junit failures: $(cat "$tmp/half.xml")"
ok "half throughput: exit 1, scenarios named"

expect_exit 1 "$WGBENCH" compare "$D/results-half" "$D/results-a"
echo "$OUT" | grep -q -- "- improvement (5)" || fail "improvements: $OUT"
echo "$OUT" | grep -q -- "- failed (1): rps-backlog/udp" || fail "NEW's failed repeat: $OUT"
ok "improvements never fail; a repeat NEW failed does"

expect_exit 1 "$WGBENCH" compare "$D/results-one" "$D/results-one-new" --json
echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["regressions"]==3, d' ||
	fail "json: $OUT"
expect_exit 3 "$WGBENCH" compare "$D/results-one" "$D/results-one-new" --threshold 20
ok "single variants matched by position; --json; --threshold"

# --- an unwritable --junit: exit 2, the verdict still printed ---
expect_exit 2 "$WGBENCH" compare "$D/verdict-base" "$D/verdict-new" --junit /proc/wgbench-no/junit.xml
echo "$OUT" | grep -q "Verdict: exit 1" || fail "verdict not printed: $OUT"
echo "$OUT" | grep -q "cannot write --junit /proc/wgbench-no/junit.xml" || fail "junit message: $OUT"
ok "unwritable --junit: exit 2 with the verdict printed"

# --- bad input: exit 2 ---
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$tmp/missing"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$tmp"
echo "$OUT" | grep -q "results.json" || fail "not a results dir: $OUT"
mkdir "$tmp/old" && echo '{"schema":"wgbench.results/0","runs":[]}' > "$tmp/old/results.json"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$tmp/old"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$D/results-one"
echo "$OUT" | grep -q "in common" || fail "no common: $OUT"
expect_exit 2 "$WGBENCH" compare "$D/results-a"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$D/results-b" --threshold abc
# a string throughput is bad input, not a failed run (and then a regression)
cp -r "$D/results-b" "$tmp/str"
jq '.runs[0].throughput_bps |= tostring' "$D/results-b/results.json" > "$tmp/str/results.json"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$tmp/str"
echo "$OUT" | grep -q "str/results.json: runs\[0\].throughput_bps: expected a finite number >= 0 or null, found the string" ||
	fail "string throughput: $OUT"
jq '.runs[1].ok = "false"' "$D/results-b/results.json" > "$tmp/str/results.json"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$tmp/str"
echo "$OUT" | grep -q 'runs\[1\].ok: expected true or false, found the string "false"' || fail "ok string: $OUT"
ok "bad input: exit 2, naming the file and the field"
