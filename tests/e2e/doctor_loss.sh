#!/bin/sh
# `wgbench doctor --variant underlay-loss-1pct`: 1% random drop on the
# gateways' underlay egress (nftables).
#
#   source ── gw1 ══[drop 1%]══ gw2 ── drain
#
# The udp scenario's packets leave gw1's tunnel socket and ~1% never reach
# gw2's underlay, with no local queue or buffer to explain it: lossy-underlay.
. "$WGB_TOP/tests/e2e/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; e2e_cleanup' EXIT
"$WGBENCH" doctor --prefix "$PFX" --json --variant "$WGB_TOP/scenarios/variants/underlay-loss-1pct.json" \
	--scenario udp > "$TMP/d.json" 2> "$TMP/err" || fail "doctor exited $?: $(tail -5 "$TMP/err")"
jq -r '.findings[] | "\(.severity) \(.id) \(.node) \(.summary)"' "$TMP/d.json"
jq -e '.findings[] | select(.id == "lossy-underlay" and .node == "gw1") |
	.evidence.loss_percent > 0.5 and .evidence.loss_percent < 3' "$TMP/d.json" >/dev/null ||
	fail "no lossy-underlay near 1% at gw1: $(cat "$TMP/d.json")"
ok "lossy-underlay: $(jq '.findings[] | select(.id == "lossy-underlay") | .evidence.loss_percent' "$TMP/d.json")% from gw1"
no_leftovers
