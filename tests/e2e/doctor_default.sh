#!/bin/sh
# `wgbench doctor` on the default testbed (--wg auto):
#
#   source ──lan── gw1 ══ tunnel (kernel or wireguard-go) ══ gw2 ──lan── drain
#   DF probes, route lookups ──────────────────────────────▶ (steps 1, 2)
#   tcp-single, tcp-fwd, udp-small, udp, 3 s each + sampler   (steps 3, 4)
#
# Expected: with wireguard-go an unlimited UDP flood overflows its socket at
# gw2 (udp-rcvbuf at gw2); kernel WireGuard takes its datagrams off the
# socket in softirq, so there udp-rcvbuf at gw2 is reported exactly when
# the counters doctor kept say so (recomputed here from --out's input.json).
# Either way the MTU and routes are sane (no pmtu-*/mtu-*/route-* finding).
# Also: bad input exits 2 and touches nothing.
# e2e: alone (a UDP flood must overflow wireguard-go's socket: CPU-bound)
. "$WGB_TOP/tests/e2e/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; e2e_cleanup' EXIT

expect_exit 2 "$WGBENCH" doctor --prefix "$PFX" --variant a.json --variant b.json
echo "$OUT" | grep -q "one configuration" || fail "two variants: $OUT"
expect_exit 2 "$WGBENCH" doctor --prefix "$PFX" --repeat 3
expect_exit 2 "$WGBENCH" doctor --prefix "$PFX" --scenario nope
expect_exit 2 "$WGBENCH" doctor --prefix "$PFX" --backend vm
expect_exit 2 "$WGBENCH" doctor --prefix "$PFX" --variant /nonexistent.json
no_leftovers
ok "bad input: exit 2, nothing built"

"$WGBENCH" doctor --prefix "$PFX" --json --out "$TMP/out" > "$TMP/d.json" 2> "$TMP/err" ||
	fail "doctor exited $?: $(tail -5 "$TMP/err")"
jq -r '.findings[] | "\(.severity) \(.id) \(.node) \(.link) \(.summary)"' "$TMP/d.json"
jq -e '.findings | type == "array"' "$TMP/d.json" >/dev/null || fail "no findings array"
jq -e '[.findings[] | has("id") and has("node") and has("link") and has("severity") and has("evidence") and has("advice")] | all' \
	"$TMP/d.json" >/dev/null || fail "a finding lacks a key of the contract"
wg=$(jq -r .wg "$TMP/out/input.json")
has=$(jq '[.findings[] | select(.id == "udp-rcvbuf" and .node == "gw2") | .evidence.udp_rcvbuf_errors > 0] | any' "$TMP/d.json")
# doctor_loss.c's rule: at least 50 errors and 0.1% of the datagrams in some scenario
due=$(jq '[.scenarios[] | .drops.nodes.gw2 | select(.udp_rcvbuf_errors >= 50 and
	.udp_rcvbuf_errors / (.udp_rcvbuf_errors + .udp_in_datagrams) >= 0.001)] | length > 0' "$TMP/out/input.json")
case $wg in
wireguard-go) [ "$has" = true ] || fail "no udp-rcvbuf at gw2 (wireguard-go)" ;;
kernel) [ "$has" = "$due" ] || fail "udp-rcvbuf at gw2 is $has, the counters say $due (kernel)" ;;
*) fail "doctor ran on '$wg'" ;;
esac
bad=$(jq -r '.findings[] | select(.id | test("^(pmtu|mtu|route)-")) | .id' "$TMP/d.json")
[ -z "$bad" ] || fail "MTU/route findings on the default testbed: $bad"
ok "$wg: udp-rcvbuf at gw2 $has (counters: $due); no MTU or route finding"

# The measurements behind the verdicts are kept with --out.
for f in input.json findings.json samples/udp.csv raw/udp-f0.json; do
	[ -s "$TMP/out/$f" ] || fail "--out lacks $f"
done
jq -e '.mtu.probes[] | select(.result == "frag_needed" and .mtu == 1420)' "$TMP/out/input.json" >/dev/null ||
	fail "no frag-needed 1420 among the probes: $(jq -c .mtu.probes "$TMP/out/input.json")"
jq -e '.routes[0].gw1.oif == .routes[0].gw1.expected and .routes[0].probe_reply' "$TMP/out/input.json" >/dev/null ||
	fail "route check: $(jq -c .routes "$TMP/out/input.json")"
ok "probes saw frag-needed 1420, routes through the tunnel"
no_leftovers
