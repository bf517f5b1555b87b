#!/bin/sh
# A real before/after on this machine:
#
#   source -> gw1 <=> gw2 -> drain      BASE: the testbed as built
#                 ^^^ tbf               NEW:  underlay rate-limited to half of
#                                             BASE's slowest repeat (any scenario)
#
# `wgbench compare BASE NEW` must find the regression (exit 1) and name each
# scenario — or, where other jobs loaded the machine beyond the limits
# (interference, canary), call both pairs disturbed with that reason
# (exit 3), never "no change"; the same run compared with a copy of itself is never a
# regression: Δ 0, equivalent where the noise allows it, else inconclusive.
# (The false-alarm rate of two separate runs is measured by make bench:
# tests/bench.d/compare.sh.)
# e2e: alone (judges CPU-bound throughput: another test is interference)
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

"$WGBENCH" compare "$tmp/base" "$tmp/new" --junit "$tmp/junit.xml" > "$tmp/cmp.md" 2>&1
rc=$?
OUT=$(cat "$tmp/cmp.md")
echo "$OUT"
echo "$OUT" | grep -q "baseline → underlay-half" || fail "single variants not paired"
if echo "$OUT" | grep -q -- "- disturbed (2): underlay-half/tcp-single underlay-half/udp"; then
	# Two separate runs on a machine other jobs were loading (beyond the
	# limits of the interference or the canary, which the reasons name):
	# the right answer is "not judged", exit 3, never "no change".
	[ $rc = 3 ] || fail "every pair disturbed, but exit $rc"
	echo "$OUT" | grep -Eq "processes outside the testbed took|canary moved" || fail "disturbed without a reason"
	[ "$(grep -c '<skipped message="disturbed' "$tmp/junit.xml")" = 2 ] || fail "junit: $(cat "$tmp/junit.xml")"
	ok "rate-limited underlay on a busy machine: both pairs disturbed, with the measured reason (exit 3)"
else
	[ $rc = 1 ] || fail "expected exit 1, got $rc"
	echo "$OUT" | grep -q -- "- regression (2): underlay-half/tcp-single underlay-half/udp" ||
		fail "both scenarios not named"
	[ "$(grep -c '<failure' "$tmp/junit.xml")" = 2 ] || fail "junit: $(cat "$tmp/junit.xml")"
	ok "rate-limited underlay: regression found in both scenarios"
fi

cp -r "$tmp/base" "$tmp/copy"
"$WGBENCH" compare "$tmp/base" "$tmp/copy" > "$tmp/self.md" 2>&1
rc=$?
cat "$tmp/self.md"
[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "a run against itself: exit $rc"
grep -q "+0.0% \[" "$tmp/self.md" || fail "a run against itself: Δ is not 0"
# (disturbed can be right: a canary that moved within the run, on a busy machine)
grep -Eq -- "- (regression|improvement|failed)" "$tmp/self.md" && fail "a run against itself: judged changed"
ok "a run against itself: no change found (exit $rc)"

python3 "$WGB_TOP/tests/data/recompute.py" "$tmp/base" || fail "real run: summary not recomputable"
ok "real run: every summary number recomputed from runs[]"
no_leftovers
