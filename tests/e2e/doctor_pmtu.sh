#!/bin/sh
# `wgbench doctor --variant pmtu-blackhole`: the tunnel is 1380 while the
# LANs are 1500 and the gateways drop ICMP frag-needed towards the LANs.
#
#   source ─1500─ gw1 ══ tunnel 1380 ══ gw2 ─1500─ drain
#            ✗ ICMP frag-needed dropped on gw1's lan egress
#
# DF probes above 1380 vanish without an answer: pmtu-blackhole (critical),
# and the doctor stops after the MTU step (reference 000).
. "$WGB_TOP/tests/e2e/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; e2e_cleanup' EXIT
"$WGBENCH" doctor --prefix "$PFX" --json --variant "$WGB_TOP/scenarios/variants/pmtu-blackhole.json" \
	> "$TMP/d.json" 2> "$TMP/err" || fail "doctor exited $?: $(tail -5 "$TMP/err")"
jq -r '.findings[] | "\(.severity) \(.id) \(.node) \(.summary)"' "$TMP/d.json"
jq -e '.findings[] | select(.id == "pmtu-blackhole" and .severity == "critical") |
	.evidence.largest_reply_bytes == 1380 and .evidence.frag_needed_received == 0' "$TMP/d.json" >/dev/null ||
	fail "no pmtu-blackhole at 1380: $(cat "$TMP/d.json")"
jq -e '.stopped_after == "mtu"' "$TMP/d.json" >/dev/null || fail "did not stop after the MTU step"
ok "pmtu-blackhole: largest DF reply 1380, no frag-needed, stopped after the MTU step"
no_leftovers
