#!/bin/sh
# Sweeps on the real testbed (wireguard-go here), short runs:
#   --param tunnels --values 1,2,4   (one flow per tunnel; the paper's Figure 6)
#   --param flows   --values 1,2,4,8 (one tunnel; the paper's Figure 4)
#   --param net.core.netdev_budget --values 300,600 (a generated variant per value)
# Each must leave one results directory per value and the scaling plot with
# its data (one row per value). Throughput values are not asserted.
# e2e: host-wide (sweeps the host-wide net.core.netdev_budget)
# e2e: ~43 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT
common="--prefix $PFX --variant $WGB_TOP/scenarios/variants/baseline.json --scenario tcp-fwd
	--duration 2 --omit 0 --repeat 1 --no-warmup --quiet"

check() { # DIR PARAM VALUES...
	d=$1 p=$2; shift 2
	for v in "$@"; do
		[ -s "$d/$p-$v/results.json" ] || fail "no $d/$p-$v/results.json"
		[ -s "$d/$p-$v/summary.md" ] || fail "no $d/$p-$v/summary.md"
	done
	for f in dat gp png svg; do
		[ -s "$d/scaling-baseline-tcp-fwd.$f" ] || fail "no scaling-baseline-tcp-fwd.$f"
	done
	rows=$(grep -vc '^#' "$d/scaling-baseline-tcp-fwd.dat")
	[ "$rows" = $# ] || fail "scaling .dat has $rows rows, expected $#"
	# the latency probe runs by default: RTT p50/p99 (columns 10, 11) and their plot
	awk '!/^#/ && !($10 > 0 && $11 >= $10) { exit 1 }' "$d/scaling-baseline-tcp-fwd.dat" ||
		fail "scaling .dat: no RTT p50/p99 columns: $(cat "$d/scaling-baseline-tcp-fwd.dat")"
	[ -s "$d/scaling-rtt-baseline-tcp-fwd.png" ] || fail "no scaling-rtt-baseline-tcp-fwd.png"
	ok "$p sweep: $(grep -v '^#' "$d/scaling-baseline-tcp-fwd.dat" | awk '{printf "%s=%.0fMbit/s ", $1, $2}')"
}

# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" sweep --param tunnels --values 1,2,4 $common --out "$tmp/tunnels"
check "$tmp/tunnels" tunnels 1 2 4
[ "$(jq '.runs[0].flows' "$tmp/tunnels/tunnels-4/results.json")" = 4 ] || fail "tunnels=4 must run 4 flows"
# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" sweep --param flows --values 1,2,4,8 $common --out "$tmp/flows"
check "$tmp/flows" flows 1 2 4 8

# a sysctl: one generated variant per value; the host's value is restored
before=$(cat /proc/sys/net/core/netdev_budget)
# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" sweep --param net.core.netdev_budget --values 300,600 --prefix "$PFX" \
	--scenario tcp-fwd --duration 2 --omit 0 --repeat 1 --no-warmup --quiet --out "$tmp/knob"
[ "$(grep -vc '^#' "$tmp/knob/scaling-sweep-tcp-fwd.dat")" = 2 ] || fail "knob sweep: $(cat "$tmp/knob/scaling-sweep-tcp-fwd.dat")"
[ -s "$tmp/knob/scaling-sweep-tcp-fwd.png" ] || fail "knob sweep: no plot"
grep -q '"sysctl":"net.core.netdev_budget"' "$tmp/knob/variants/net.core.netdev_budget-600.json" ||
	fail "generated variant: $(cat "$tmp/knob/variants/net.core.netdev_budget-600.json")"
[ "$(cat /proc/sys/net/core/netdev_budget)" = "$before" ] || fail "netdev_budget not restored"
ok "sysctl sweep: $(grep -v '^#' "$tmp/knob/scaling-sweep-tcp-fwd.dat" | awk '{printf "%s=%.0fMbit/s ", $1, $2}')"

expect_exit 2 "$WGBENCH" sweep --param 'net;reboot' --values 1 --prefix "$PFX"
echo "$OUT" | grep -q "expected flows, tunnels or a sysctl name" || fail "bad param message: $OUT"
expect_exit 2 "$WGBENCH" sweep --param net.core.netdev_budget --values 1 --prefix "$PFX" \
	--variant "$WGB_TOP/scenarios/variants/baseline.json"
expect_exit 2 "$WGBENCH" sweep --param flows --values 1,,2 --prefix "$PFX"
no_leftovers
