#!/bin/sh
# The sampler tells the testbed's CPU from the rest of the machine's: a busy
# loop inside the source namespace is the testbed's own work, the same loop
# in the root namespace (not a child of wgbench) is interference, and shows
# in cpu.interference.foreign_cpu_percent (percent of one core) and its
# foreign_top, and in the timeline's foreign_cpu column.
#
#   source ──lan── gw1 ══underlay══ gw2 ──lan── drain      (wgbench topo up)
#   [loop A: inside]                  [loop B: root namespace, outside]
# e2e: alone (tells the testbed's CPU from the machine's: another test is foreign load)
. "$WGB_TOP/tests/e2e/lib.sh"
LOOP=
trap '[ -n "$LOOP" ] && kill $LOOP 2>/dev/null; e2e_cleanup; rm -rf "$TMP"' EXIT
TMP=$(mktemp -d /tmp/wgb-e2e-foreign.XXXXXX)
"$WGBENCH" topo up --prefix "$PFX" >/dev/null || fail "topo up"
# a machine already busy with strangers cannot show one more loop: say so
"$WGBENCH" sample --prefix "$PFX" --duration 1 --json > "$TMP/base.json" || fail "sample (baseline)"
fbase=$(jq '.cpu.interference.foreign_cpu_percent' "$TMP/base.json")
awk -v b="$fbase" 'BEGIN { exit !(b < 40) }' ||
	skip "the machine is busy without us (foreign CPU $fbase% of a core): the difference would not show"

# A: inside the testbed
ip netns exec "${PFX}source" sh -c 'while :; do :; done' &
LOOP=$!
"$WGBENCH" sample --prefix "$PFX" --duration 2 --interval 0.5 --json > "$TMP/in.json" || fail "sample (inside)"
kill $LOOP; wait $LOOP 2>/dev/null; LOOP=
# B: outside, the same loop
sh -c 'exec sh -c "while :; do :; done"' &
LOOP=$!
"$WGBENCH" sample --prefix "$PFX" --duration 2 --interval 0.5 --out "$TMP/t.csv" --json > "$TMP/out.json" \
	|| fail "sample (outside)"
kill $LOOP; wait $LOOP 2>/dev/null; LOOP=

fin=$(jq '.cpu.interference.foreign_cpu_percent' "$TMP/in.json")
fout=$(jq '.cpu.interference.foreign_cpu_percent' "$TMP/out.json")
steal=$(jq '.cpu.interference.steal_percent' "$TMP/out.json")
echo "foreign CPU: loop inside $fin%, outside $fout% of a core; steal $steal%"
awk -v o="$fout" 'BEGIN { exit !(o >= 70) }' || fail "an outside busy loop gave foreign $fout% (< 70)"
# the machine may be shared: whatever else runs shows in both, the loop only outside
awk -v i="$fin" -v o="$fout" 'BEGIN { exit !(o - i >= 50) }' || fail "the inside loop counted as foreign ($fin% vs $fout%)"
# who: the loop, unless a busier stranger shares the machine
jq -e '.cpu.interference.foreign_top | length > 0 and all(.pid > 0 and (.comm | length) > 0 and .cpu_s > 0)' \
	"$TMP/out.json" >/dev/null || fail "foreign_top: $(jq -c .cpu.interference.foreign_top "$TMP/out.json")"
[ "$steal" != null ] || fail "steal_percent missing"
head -1 "$TMP/t.csv" | tr , '\n' | grep -qx foreign_cpu || fail "no foreign_cpu column in the timeline"
ok "inside $fin%, outside $fout%: the testbed's work is not interference"
