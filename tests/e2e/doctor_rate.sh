#!/bin/sh
# `wgbench doctor` with the shipped underlay-rate-500mbit variant at a rate
# this machine's wireguard-go tunnel reaches (~200 Mbit/s here): tbf 40mbit.
#
#   source ── gw1 ══[tbf 40mbit]══ gw2 ── drain
#
# tcp-single is pinned at the shaper's rate with overlimits: rate-limited.
# e2e: alone (the tunnel must reach the shaper's rate: CPU-bound)
. "$WGB_TOP/tests/e2e/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; e2e_cleanup' EXIT
sed -e 's/"underlay-rate-500mbit"/"underlay-rate-40mbit"/' -e 's/"500mbit"/"40mbit"/' \
	"$WGB_TOP/scenarios/variants/underlay-rate-500mbit.json" > "$TMP/rate40.json"
grep -q '"40mbit"' "$TMP/rate40.json" || fail "could not make the 40mbit variant"
"$WGBENCH" doctor --prefix "$PFX" --json --variant "$TMP/rate40.json" --scenario tcp-single \
	> "$TMP/d.json" 2> "$TMP/err" || fail "doctor exited $?: $(tail -5 "$TMP/err")"
jq -r '.findings[] | "\(.severity) \(.id) \(.node) \(.summary)"' "$TMP/d.json"
jq -e '.findings[] | select(.id == "rate-limited" and .link == "underlay") |
	.evidence.rate_bps == 40000000 and .evidence.overlimits > 0' "$TMP/d.json" >/dev/null ||
	fail "no rate-limited at 40 Mbit/s: $(cat "$TMP/d.json")"
ok "rate-limited: tbf 40 Mbit/s on the underlay"
no_leftovers
