#!/bin/sh
# `wgbench doctor --variant underlay-loss-1pct`: 1% random drop on the
# gateways' underlay egress (nftables).
#
#   source ── gw1 ══[drop 1%]══ gw2 ── drain
#
# The udp scenario's packets leave gw1's tunnel and ~1% never reach gw2's
# underlay, with no local queue or buffer to explain it: lossy-underlay.
# wireguard-go's sends that the rule drops fail in its socket (ip_out_discards);
# kernel WireGuard counts them as tx_dropped on its own device, which doctor
# splits with the rule's counter, read back by the sampler.
# e2e: alone (counts a 1% loss: a loaded machine's own drops would add to it)
. "$WGB_TOP/tests/e2e/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; e2e_cleanup' EXIT
"$WGBENCH" doctor --prefix "$PFX" --json --out "$TMP/out" --variant "$WGB_TOP/scenarios/variants/underlay-loss-1pct.json" \
	--scenario udp > "$TMP/d.json" 2> "$TMP/err" || fail "doctor exited $?: $(tail -5 "$TMP/err")"
jq -r '.findings[] | "\(.severity) \(.id) \(.node) \(.summary)"' "$TMP/d.json"
jq -e '.findings[] | select(.id == "lossy-underlay" and .node == "gw1") |
	.evidence.loss_percent > 0.5 and .evidence.loss_percent < 3' "$TMP/d.json" >/dev/null ||
	fail "no lossy-underlay near 1% at gw1: $(cat "$TMP/d.json")"
ok "lossy-underlay: $(jq '.findings[] | select(.id == "lossy-underlay") | .evidence.loss_percent' "$TMP/d.json")% from gw1"
nft=$(jq '.scenarios.udp.drops.nodes.gw1.nft_egress_dropped' "$TMP/out/input.json")
[ "$nft" != null ] && [ "$nft" -gt 0 ] || fail "the sampler read no egress drops of the loss rule at gw1: $nft"
wg=$(jq -r .wg "$TMP/d.json")
if [ "$wg" = kernel ]; then
	jq -e '.findings[] | select(.id == "lossy-underlay") | .evidence.kernel_wg_egress_dropped > 0' \
		"$TMP/d.json" >/dev/null || fail "kernel WireGuard: the rule's drops were not counted as the underlay's"
	# what is left to the device's own queue is not the rule's 1%
	jq -e '[.findings[] | select(.id == "tx-queue-drops" and .node == "gw1")] |
		all(.evidence.tx_dropped_below_tunnel > 0)' "$TMP/d.json" >/dev/null ||
		fail "kernel WireGuard: tx-queue-drops at gw1 without the split: $(jq -c .findings "$TMP/d.json")"
	ok "kernel WireGuard: $nft drops by the rule at gw1 taken out of wg's tx_dropped"
else
	ok "$wg: the rule dropped $nft at gw1; gw1's ip_out_discards $(jq '.scenarios.udp.drops.nodes.gw1.ip_out_discards' "$TMP/out/input.json")"
fi
no_leftovers
