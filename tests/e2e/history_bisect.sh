#!/bin/sh
# ci/kernel-bisect, one real step between two Debian kernel packages:
#
#   GOOD linux-image-6.1.0-53-cloud-amd64 ... 54 55 56 ... BAD 6.1.0-57
#        measured in a guest            ^ step 1: measured, judged by
#                                         `compare --bisect` against GOOD
# BAD is taken as known bad (WGB_BISECT_BAD_KNOWN=1: whether it really is
# slower is the kernels' business, not this test's); the step must be the
# middle package, its verdict one of good / bad / cannot tell, the range left
# must follow from it (exit 3: the step limit), and both runs must be in the
# history database with their own kernel, so `history trend` labels both.
# e2e: ~54 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (ci/install-deps)"
good=linux-image-6.1.0-53-cloud-amd64 bad=linux-image-6.1.0-57-cloud-amd64 mid=linux-image-6.1.0-55-cloud-amd64
for p in $good $mid; do
	"$WGB_TOP/ci/fetch-kernel-deb" $p >/dev/null 2>&1 || skip "$p cannot be downloaded (apt-get download)"
done
make -C "$WGB_TOP" -s build/wgbench >/dev/null || fail "make wgbench (the guest's agent)"
export WGB_AGENT_BIN="$WGB_TOP/build/wgbench"
tmp=$(mktemp -d /tmp/wgb-bisect.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT

rc=0
WGB_HISTORY=$tmp/h.db WGB_BISECT_STEPS=1 WGB_BISECT_BAD_KNOWN=1 \
	"$WGB_TOP/ci/kernel-bisect" $good $bad "$tmp/out" -- \
	--scenario tcp-single --duration 2 --repeat 2 --prefix "$PFX" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
log=$(cat "$tmp/out/bisect.log" 2>/dev/null)
[ "$rc" = 3 ] || fail "exit $rc, expected 3 (stopped after one step): $log $(tail -n 5 "$tmp/stderr")"
echo "$log" | grep -q "5 packages from $good to $bad" || fail "candidates: $log"
echo "$log" | grep -Eq "step 1: $mid (good|bad|cannot tell)" || fail "step: $log"
if echo "$log" | grep -q "step 1: $mid good"; then
	echo "$log" | grep -q "after $mid, at or before $bad" || fail "range after good: $log"
elif echo "$log" | grep -q "step 1: $mid bad"; then
	echo "$log" | grep -q "after $good, at or before $mid" || fail "range after bad: $log"
fi
[ -s "$tmp/out/$mid/compare.md" ] || echo "$log" | grep -q "cannot tell" || fail "no compare output for the step"
ok "one bisect step: $(echo "$log" | grep 'step 1')"

expect_exit 0 "$WGBENCH" history list --db "$tmp/h.db" --json
echo "$OUT" | jq -e '.runs | length == 2 and .[0].kernel_release == "6.1.0-53-cloud-amd64" and
	.[1].kernel_release == "6.1.0-55-cloud-amd64" and all(.backend == "vm") and
	.[0].machine == .[1].machine' >/dev/null || fail "history: $OUT"
expect_exit 0 "$WGBENCH" history trend --db "$tmp/h.db" --out "$tmp/trend"
for k in 6.1.0-53-cloud-amd64 6.1.0-55-cloud-amd64; do
	grep -q "\"$k\"" "$tmp/trend/trend-throughput-tcp-single-baseline.dat" || fail "kernel $k not labelled"
done
ok "both guests in the history, one series, each kernel labelled"
no_leftovers
