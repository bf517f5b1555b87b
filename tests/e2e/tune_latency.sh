#!/bin/sh
# tune_latency — a candidate that improves the target but turns the tunnel
# into a latency cannon (reference 000, "An optimization that backfired") is
# rejected, and tune.md says it was for RTT p99.
#
#   source ──lan── gw1 ══underlay══ gw2 ──lan── drain
#                   └ tbf 5 Mbit/s, both gateways' underlay egress
#   start:     a 3000-byte queue (tail drops hold one TCP flow below 5 Mbit/s)
#   candidate: a 1.25 MB queue (2 s at 5 Mbit/s): one flow fills the link,
#              and every flow waits behind the standing queue
#
# 5 Mbit/s, far below what the tunnel carries here, so the shaper and not
# the (shared, busy) CPU sets throughput; a 2 s queue, so the latency probe's
# p99 under tcp-fwd's load (about 1 s, measured) is far beyond the 10-150 ms
# that a busy machine's scheduling adds to the short queue's.
# Then the script of persist/ is run in a scratch namespace, where it puts
# the start's tbf (the only non-sysctl entry of tuned.json) on a veth.
# e2e: ~158 s (its time alone, for the order: longest first)
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed (ci/install-deps installs it)"
tmp=$(mktemp -d /tmp/wgb-e2e-tune-latency.XXXXXX)
scratch="${PFX}scr"
trap 'ip netns del "$scratch" 2>/dev/null; rm -rf "$tmp"; e2e_cleanup' EXIT
O="$tmp/out"

cat > "$tmp/short.json" <<'J'
{"name": "shaped-short-queue", "description": "tbf 5 Mbit/s with a 3000-byte queue",
 "set": [{"node": "gateways", "link": "underlay", "qdisc": "tbf", "rate": "5mbit", "burst": 3000, "limit": 3000}]}
J
cat > "$tmp/long.json" <<'J'
{"name": "long-queue", "description": "the same tbf with a 1.25 MB queue: 2 s at 5 Mbit/s",
 "set": [{"node": "gateways", "link": "underlay", "qdisc": "tbf", "rate": "5mbit", "burst": 3000, "limit": 1250000}]}
J

"$WGBENCH" tune --prefix "$PFX" --variant "$tmp/short.json" --target tcp-single --scenario tcp-single \
	--scenario tcp-fwd --candidates "$tmp/long.json" --no-doctor --duration 3 --repeat 6 \
	--no-warmup --out "$O" > "$tmp/log" 2>&1
rc=$?
grep "^tune:" "$tmp/log"
[ $rc = 0 ] || { tail -30 "$tmp/log"; fail "tune exited $rc"; }
no_leftovers
T="$O/tune.json"
jq -r '.runs[] | "\(.variant) \(.scenario) r\(.repeat) \(.throughput_bps / 1e6 * 10 | floor / 10) Mbit/s, RTT p99 \(.latency.rtt_ms.p99) ms"' \
	"$O/steps/01-long-queue/results.json" 2>/dev/null
S='.steps[0]'
jq -e "$S | .candidate == \"long-queue\" and .kept == false" "$T" >/dev/null ||
	fail "the long queue was kept: $(jq -c "$S | {kept, reasons}" "$T")"
jq -e "$S.reasons | any(test(\"RTT p99: regression\"))" "$T" >/dev/null ||
	fail "not rejected for RTT p99: $(jq -c "$S.reasons" "$T")"
why=$(jq -r "$S.reasons[] | select(test(\"RTT p99\"))" "$T" | head -1)
ok "rejected: $why"
# the target's own verdict, as measured: the point is a rejection although it is faster
target=$(jq -r "$S.pairs[] | select(.role == \"target\") | \"\(.verdict) \(.delta_percent | floor)%\"" "$T")
jq -e "$S.pairs[] | select(.role == \"target\") | .delta_percent > 0" "$T" >/dev/null ||
	fail "the long queue did not make the target faster ($target): this test shows nothing"
ok "the target with the long queue: $target"
sed -n '/^## Rejected candidates/,/^## Rounds/p' "$O/tune.md" | grep -q "| long-queue | 1 | .*RTT p99: regression" ||
	fail "tune.md's rejected list does not say RTT p99"
jq -e '.stopped == "plateau" and .confirm == null and (.final.kept | length) == 0' "$T" >/dev/null ||
	fail "end: $(jq -c '{stopped, confirm, final: .final.kept}' "$T")"
ok "tune.md says why; nothing kept, no confirmation run"

# the script, run where it can do no harm: a scratch namespace with a veth
# as the underlay, this machine as gw1 (veth: the kernel may have no dummy)
ip netns add "$scratch"
ip -n "$scratch" link add und0 type veth peer name und1 || fail "no veth in the scratch namespace"
ip -n "$scratch" link set und0 up
grep -q 'tc qdisc replace dev "$UNDERLAY" root tbf rate 5mbit burst 3000 limit 3000' "$O/persist/wgbench-tuned.sh" ||
	fail "the script has no tbf line: $(cat "$O/persist/wgbench-tuned.sh")"
ROLE=gw1 UNDERLAY=und0 ip netns exec "$scratch" sh "$O/persist/wgbench-tuned.sh" > "$tmp/script.out" 2>&1 ||
	fail "the script failed: $(cat "$tmp/script.out")"
tc -n "$scratch" -j qdisc show dev und0 | jq -e '.[0].kind == "tbf"' >/dev/null ||
	fail "no tbf after the script: $(tc -n "$scratch" qdisc show dev und0)"
ROLE=drain UNDERLAY=no-such-link ip netns exec "$scratch" sh "$O/persist/wgbench-tuned.sh" > "$tmp/script.out" 2>&1 ||
	fail "the script failed for a node without the entry: $(cat "$tmp/script.out")"
ok "the script applied the start's tbf in a scratch namespace (ROLE=gw1); ROLE=drain did nothing"
