#!/bin/sh
# A real before/after on this machine:
#
#   source -> gw1 <=> gw2 -> drain      BASE: the testbed as built
#                 ^^^ tbf               NEW:  underlay rate-limited to half of
#                                             BASE's slowest repeat (any scenario)
#
# `wgbench compare BASE NEW` must find the regression (exit 1) and name each
# scenario; the same run compared with a copy of itself is exit 0 with Δ 0.
# (The false-alarm rate of two separate runs is measured by make bench:
# tests/bench.d/compare.sh.)
. "$WGB_TOP/tests/e2e/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT
command -v jq >/dev/null || skip "jq not installed (ci/install-deps installs it)"
V="$WGB_TOP/scenarios/variants"
# 5 repeats: on this shared 2-core machine a scenario's CV reaches 40%, and
# the verdict needs the difference to be significant, not only large.
common="--prefix $PFX --scenario tcp-single --scenario udp --duration 3 --repeat 5 --quiet"

# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" run $common --variant "$V/baseline.json" --out "$tmp/base"
slowest=$(jq '[.runs[] | select(.ok) | .throughput_bps] | min' "$tmp/base/results.json")
half=$(awk -v m="$slowest" 'BEGIN { printf "%d", m / 2 }')
[ "$half" -gt 100000 ] || fail "baseline too slow to halve: $slowest bit/s"
cat > "$tmp/half.json" <<JSON
{"name": "underlay-half", "description": "tbf at half the baseline's slowest repeat",
 "set": [{"node": "gateways", "link": "underlay", "qdisc": "tbf", "rate": $half}]}
JSON
# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" run $common --variant "$tmp/half.json" --out "$tmp/new"
ok "base $(jq -c '[.summary[] | {(.scenario): .median_bps}] | add' "$tmp/base/results.json"), tbf $half bit/s"

expect_exit 1 "$WGBENCH" compare "$tmp/base" "$tmp/new" --junit "$tmp/junit.xml"
echo "$OUT"
echo "$OUT" | grep -q "regression(s):.*tcp-single" || fail "tcp-single not named"
echo "$OUT" | grep -q "regression(s):.*udp" || fail "udp not named"
echo "$OUT" | grep -q "baseline → underlay-half" || fail "single variants not paired"
[ "$(grep -c '<failure' "$tmp/junit.xml")" = 2 ] || fail "junit: $(cat "$tmp/junit.xml")"
ok "rate-limited underlay: regression found in both scenarios"

cp -r "$tmp/base" "$tmp/copy"
expect_exit 0 "$WGBENCH" compare "$tmp/base" "$tmp/copy"
echo "$OUT" | grep -q "Verdict: no regression" || fail "$OUT"
ok "a run against itself: no regression"

python3 "$WGB_TOP/tests/data/recompute.py" "$tmp/base" || fail "real run: summary not recomputable"
ok "real run: every summary number recomputed from runs[]"
no_leftovers
