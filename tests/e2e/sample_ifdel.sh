#!/bin/sh
# An interface deleted while the sampler runs: sampling goes on, the
# timeline has NaN for it from then on, the summary keeps what was counted
# before and marks it "partial"; the other interfaces are complete.
#
#   source ──lan── gw1 ══underlay══ gw2 ──lan╳── drain    (gw2's lan veth deleted)
. "$WGB_TOP/tests/e2e/lib.sh"
"$WGBENCH" topo up --prefix "$PFX" >/dev/null || fail "topo up"
TMP=$(mktemp -d)
"$WGBENCH" topo status --prefix "$PFX" --json > "$TMP/st.json" || fail "status"
L2=$(jq -r '.nodes[] | select(.name=="gw2") | .interfaces[] | select(.role=="lan") | .name' "$TMP/st.json")
U2=$(jq -r '.nodes[] | select(.name=="gw2") | .interfaces[] | select(.role=="underlay") | .name' "$TMP/st.json")

"$WGBENCH" sample --prefix "$PFX" --duration 3 --interval 0.2 --out "$TMP/t.csv" --json > "$TMP/s.json" 2>"$TMP/err" &
S=$!
poll 5 test -s "$TMP/t.csv" || fail "no timeline"
sleep 1   # a few rows with the interface present
ip -n "${PFX}gw2" link del "$L2" || fail "ip link del"
wait $S || fail "sampler failed after the delete: $(cat "$TMP/err")"

col=$(head -1 "$TMP/t.csv" | tr , '\n' | grep -nx "gw2.$L2.rx_bytes" | cut -d: -f1)
[ -n "$col" ] || fail "no column for $L2"
present=$(awk -F, -v c="$col" 'NR>1 && $c != "NaN"' "$TMP/t.csv" | wc -l)
missing=$(awk -F, -v c="$col" 'NR>1 && $c == "NaN"' "$TMP/t.csv" | wc -l)
echo "$L2: $present rows present, $missing rows NaN"
[ "$present" -ge 2 ] && [ "$missing" -ge 2 ] || fail "expected rows before and after the delete"
[ "$(jq ".drops.interfaces.gw2[\"$L2\"].partial" "$TMP/s.json")" = true ] || fail "$L2 not partial"
[ "$(jq ".drops.interfaces.gw2[\"$U2\"].partial" "$TMP/s.json")" = false ] || fail "$U2 partial"
[ "$(jq ".drops.interfaces.gw2[\"$L2\"].rx_bytes" "$TMP/s.json")" != null ] || fail "$L2 lost its counts"
ok "sampler survived deleting $L2 mid-run"
rm -rf "$TMP"
"$WGBENCH" topo down --prefix "$PFX" >/dev/null 2>&1
"$WGBENCH" cleanup --prefix "$PFX" >/dev/null 2>&1
no_leftovers
