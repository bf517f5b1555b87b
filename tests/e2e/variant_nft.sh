#!/bin/sh
# The nftables knobs read the kernel's rules (libnftables' JSON listing), not
# an assumed default, before and after applying, and revert to what they read:
#
#   source --lan-- gw1 ==underlay== gw2 --lan-- drain
#                   |                |
#   gw1: a user's own table drops 2% on the underlay egress (not wgbench's)
#   gw2: a chain of wgbench's table, as a killed run could leave it, clamps
#        the MSS to 1300 on the tunnel egress
#
# A run --attach with loss_percent 1 (gateways, underlay) and mss_clamp pmtu
# (gateways, tunnel) must report gw1's loss before as 2 and after as 2.98 (both
# rules drop), gw2's MSS before as 1300, the rules as evidence, and leave both
# rulesets exactly as they were.
. "$(dirname "$0")/lib.sh"
command -v wireguard-go >/dev/null || modprobe -n wireguard 2>/dev/null || skip "no WireGuard implementation"
command -v nft >/dev/null || skip "no nft command to plant the rules"
tmp=$(mktemp -d /tmp/wgb-e2e-nft.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT
table="wgbench_$(printf '%s' "$PFX" | tr - _)"
u1="${PFX}g1u" t2="${PFX}g2t0"
chain2="s1_mss_clamp_$(printf '%s' "$t2" | tr - _)"

expect_exit 0 "$WGBENCH" topo up --prefix "$PFX"
ip netns exec "${PFX}gw1" nft -f - <<NFT || fail "cannot plant gw1's rule"
table inet usr {
	chain c {
		type filter hook postrouting priority 10; policy accept;
		oifname "$u1" numgen random mod 100 < 2 drop
	}
}
NFT
ip netns exec "${PFX}gw2" nft -f - <<NFT || fail "cannot plant gw2's chain"
table inet $table {
	chain $chain2 {
		type filter hook postrouting priority mangle; policy accept;
		oifname "$t2" tcp flags syn / syn,rst tcp option maxseg size set 1300
	}
}
NFT
ip netns exec "${PFX}gw1" nft list ruleset > "$tmp/gw1.before"
ip netns exec "${PFX}gw2" nft list ruleset > "$tmp/gw2.before"
cat > "$tmp/nft.json" <<'J'
{"name": "nft", "set": [
  {"node": "gateways", "link": "underlay", "loss_percent": 1},
  {"node": "gateways", "link": "tunnel", "mss_clamp": "pmtu"}
]}
J
"$WGBENCH" run --prefix "$PFX" --attach --scenario tcp-single --duration 1 --omit 0 --repeat 1 \
	--no-warmup --no-sampler --variant "$WGB_TOP/scenarios/variants/baseline.json" --variant "$tmp/nft.json" \
	--out "$tmp/out" > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "wgbench run exited $?"; }
cat "$tmp/log"
jq '.variants[] | select(.name == "nft") | .applied' "$tmp/out/run.json" > "$tmp/applied.json"
rec() { jq -c --arg n "$1" --arg k "$2" '.[] | select(.node == $n and .key == $k)' "$tmp/applied.json"; }
echo "$(rec gw1 loss_percent)"
rec gw1 loss_percent | jq -e '.before == "2" and .after == "2.98" and .requested == "1"
	and (.evidence.before | length == 1) and (.evidence.after | length == 2)
	and ([.evidence.after[].table] | sort == ["usr", "'"$table"'"])' >/dev/null \
	|| fail "gw1 loss_percent: $(rec gw1 loss_percent)"
rec gw2 loss_percent | jq -e '.before == "0" and .after == "1" and .note == null
	and (.evidence.after[0].expr | tostring | test("numgen"))' >/dev/null \
	|| fail "gw2 loss_percent: $(rec gw2 loss_percent)"
rec gw2 mss_clamp | jq -e '.before == "1300" and .after == "pmtu" and (.evidence.before[0].chain == "'"$chain2"'")' \
	>/dev/null || fail "gw2 mss_clamp: $(rec gw2 mss_clamp)"
rec gw1 mss_clamp | jq -e '.before == "none" and .after == "pmtu"' >/dev/null || fail "gw1 mss_clamp: $(rec gw1 mss_clamp)"
ok "before and after read from the kernel's rules (2 -> 2.98 with a user's rule, 1300 -> pmtu), rules as evidence"

ip netns exec "${PFX}gw1" nft list ruleset > "$tmp/gw1.after"
ip netns exec "${PFX}gw2" nft list ruleset > "$tmp/gw2.after"
diff "$tmp/gw1.before" "$tmp/gw1.after" || fail "gw1's ruleset differs after the run"
diff "$tmp/gw2.before" "$tmp/gw2.after" || fail "gw2's ruleset differs after the run (the planted chain not put back)"
ok "both rulesets as they were: the user's table untouched, wgbench's old chain put back"

expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers
