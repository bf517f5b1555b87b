#!/bin/sh
# `wgbench compare` exit codes and outputs on fixture results directories
# (tests/data/results-*: same configuration twice, half the throughput,
# single-variant runs with different names, nothing in common).
. "$WGB_TOP/tests/e2e/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT
D="$WGB_TOP/tests/data"

expect_exit 0 "$WGBENCH" compare "$D/results-a" "$D/results-b" --junit "$tmp/same.xml"
echo "$OUT" | grep -q "Verdict: no regression" || fail "verdict: $OUT"
echo "$OUT" | grep -q "1.0 h apart" || fail "time apart missing: $OUT"
grep -q 'failures="0"' "$tmp/same.xml" || fail "junit: $(cat "$tmp/same.xml")"
ok "same configuration: exit 0"

expect_exit 1 "$WGBENCH" compare "$D/results-a" "$D/results-half" --junit "$tmp/half.xml"
echo "$OUT" | grep -q "6 regression(s): baseline/tcp-fwd baseline/udp baseline/tcp-single" ||
	fail "regressions not named: $OUT"
grep -c '<failure' "$tmp/half.xml" | grep -qx 6 || fail "junit failures: $(cat "$tmp/half.xml")"
if command -v xmllint >/dev/null; then xmllint --noout "$tmp/half.xml" || fail "junit not XML"; fi
ok "half throughput: exit 1, scenarios named"

expect_exit 0 "$WGBENCH" compare "$D/results-half" "$D/results-a"
echo "$OUT" | grep -q "6 improvement(s)" || fail "improvements: $OUT"
ok "improvements never fail"

expect_exit 1 "$WGBENCH" compare "$D/results-one" "$D/results-one-new" --json
echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["regressions"]==3, d' ||
	fail "json: $OUT"
expect_exit 0 "$WGBENCH" compare "$D/results-one" "$D/results-one-new" --threshold 20
ok "single variants matched by position; --json; --threshold"

expect_exit 2 "$WGBENCH" compare "$D/results-a" "$tmp/missing"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$tmp"
echo "$OUT" | grep -q "results.json" || fail "not a results dir: $OUT"
mkdir "$tmp/old" && echo '{"schema":"wgbench.results/0","runs":[]}' > "$tmp/old/results.json"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$tmp/old"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$D/results-one"
echo "$OUT" | grep -q "in common" || fail "no common: $OUT"
expect_exit 2 "$WGBENCH" compare "$D/results-a"
expect_exit 2 "$WGBENCH" compare "$D/results-a" "$D/results-b" --threshold abc
ok "bad input: exit 2"
