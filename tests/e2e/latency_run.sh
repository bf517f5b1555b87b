#!/bin/sh
# latency_run.sh — the latency probe as `wgbench run` uses it, on a real
# testbed (wireguard-go here), against plain ping in the same testbed in the
# same window:
#
#   source ──lan── gw1 ══[tunnel]══ gw2 ──lan── drain
#   probe, ping     │  tbf 50 Mbit/s  │          reflector, iperf3 -s
#                   └──underlay: the variant's tbf on both gateways' egress
#
# One `wgbench topo up`, then for each of issue 15's two queues (the shipped
# variants underlay-aqm, limit 62500 B = 10 ms, and underlay-bufferbloat,
# 625000 B = 100 ms) one `wgbench run --attach` under a UDP overload of the
# 50 Mbit/s shaper: the shipped unlimited `udp` for the short queue, the
# test's own `udp-overload` (100 Mbit/s, twice the shaper) for the long one.
# Why two: the short tbf drops by bytes, so small packets (ping, probes) slip
# into the gaps unless the queue is refilled without pause; behind the long
# one the TUN device drops by packets, and under unlimited UDP that is ~99 %
# of everything, ping's echoes too, which left ping 3 replies in CI to compare
# with. While its load runs (the tbf on gw1's underlay holds a backlog) plain
# `ping -i 0.002` goes from source to the drain address through the tunnel.
# Asserted: the run's p50 RTT under load within +-40 % of ping's median; its
# idle RTT below 5 ms; probes lost counted where the queues drop (the tbf's
# drops with the short queue, the tunnel device's with the long one); the
# long queue's RTT far above the short one's. Everything is removed on EXIT.
# e2e: alone (a UDP overload must fill a 50 Mbit/s shaper; RTT against ping)
. "$(dirname "$0")/lib.sh"
command -v wireguard-go >/dev/null || modprobe -n wireguard 2>/dev/null || skip "no WireGuard implementation"
for c in ping jq tc; do
	command -v "$c" >/dev/null || skip "$c is not installed"
done
V="$WGB_TOP/scenarios/variants"
D=${WGB_E2E_LATENCY_DURATION:-8}
tmp=$(mktemp -d /tmp/wgb-e2e-latency-run.XXXXXX)
PING=""
cleanup() {
	[ -n "$PING" ] && kill "$PING" 2>/dev/null
	rm -rf "$tmp"
	e2e_cleanup
}
trap cleanup EXIT
# the shipped scenarios and the overload (a scenario is a file: WGB_SCENARIO_DIR)
mkdir "$tmp/scen"
cp "$WGB_TOP"/scenarios/*.json "$tmp/scen/"
cat > "$tmp/scen/udp-overload.json" <<'EOF'
{
  "name": "udp-overload",
  "description": "latency_run.sh: UDP at twice the 50 Mbit/s underlay shaper, 1200-byte datagrams",
  "iperf3": "-u -b 100M -l 1200",
  "protocol": "udp",
  "flows": 1,
  "reverse": false,
  "bandwidth_bps": 100000000,
  "block_size": 1200
}
EOF
export WGB_SCENARIO_DIR="$tmp/scen"

# a kernel without tbf refuses the variants (asked as the knob asks it: a
# scratch namespace's loopback)
if ! OUT=$(unshare -n tc qdisc add dev lo root tbf rate 50mbit burst 15000 limit 62500 2>&1); then
	skip "this kernel has no tbf qdisc (sch_tbf): $OUT"
fi
expect_exit 0 "$WGBENCH" topo up --prefix "$PFX"
drain=$("$WGBENCH" topo status --prefix "$PFX" --json | jq -r '.drain_addresses[0]')
G1U="${PFX}g1u"
backlog() { ip netns exec "${PFX}gw1" tc -s -j qdisc show dev "$G1U" | jq '[.[] | select(.kind == "tbf") | .backlog] | add // 0'; }
loaded() { [ "$(backlog)" -ge "$1" ]; }
# ping_p50 FILE: the nearest-rank median of ping's reply times
ping_p50() {
	sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) { r = int((NR + 1) / 2); print v[r] } }'
}
ok_num() { awk "BEGIN { exit !($1) }"; }

# one VARIANT MIN_BACKLOG SCENARIO: the run in the background, ping while it loads
one() {
	v=$1 min=$2 sc=$3 out="$tmp/$1"
	"$WGBENCH" run --prefix "$PFX" --attach --variant "$V/$v.json" --scenario "$sc" --duration "$D" \
		--omit 1 --repeat 1 --no-warmup --out "$out" > "$tmp/$v.log" 2>&1 &
	run=$!
	# the load is on when the shaper holds a queue, not after some time
	if ! poll 30 loaded "$min"; then
		wait $run
		# a machine that cannot push the shaper's rate (a TCG guest) builds no queue
		mbps=$(jq -r '[.runs[] | select(.ok) | .throughput_bps] | max // 0 | . / 1e6 | floor' "$out/results.json" 2>/dev/null)
		[ "${mbps:-0}" -lt 45 ] &&
			skip "$v: this machine reached ${mbps:-0} Mbit/s of UDP, below the 50 Mbit/s shaper: no queue to measure"
		cat "$tmp/$v.log"; fail "$v: the tbf never held $min bytes (backlog $(backlog))"
	fi
	# 4 s of ping inside the measured window (it starts 1 s after the
	# clients), up to 500/s: behind the long queue the TUN device drops
	# about half of what reaches it, ping's echoes too; -w, not -c, so ping ends
	# inside the window whatever its pace
	sleep 1
	ip netns exec "${PFX}source" ping -D -n -i 0.002 -w 4 "$drain" > "$tmp/$v.ping" 2>&1 &
	PING=$!
	wait $PING
	PING=""
	wait $run || { cat "$tmp/$v.log"; fail "$v: wgbench run exited $?"; }
	jq -e '.runs | length == 1 and .[0].ok and .[0].latency != null' "$out/results.json" >/dev/null ||
		fail "$v: no measured run with latency: $(jq -c '.runs[0] | {ok, error, latency_error}' "$out/results.json")"
	r() { jq -r ".runs[0].$1" "$out/results.json"; }
	p50=$(r latency.rtt_ms.p50) idle=$(r latency.idle_rtt_ms.p50) sent=$(r latency.sent) lost=$(r latency.lost)
	pp=$(ping_p50 "$tmp/$v.ping")
	qd=$(jq '[.runs[0].drops.qdiscs.gw1[][] | select(.kind == "tbf") | .drops] | add // 0' "$out/results.json")
	td=$(jq --arg i "${PFX}g1t0" '.runs[0].drops.interfaces.gw1[$i].tx_dropped // 0' "$out/results.json")
	echo "$v: $(r 'throughput_bps / 1e6 | . * 10 | round / 10') Mbit/s; probe idle p50 $idle ms," \
		"load p50 $p50 p99 $(r latency.rtt_ms.p99) ms, sent $sent lost $lost;" \
		"ping p50 ${pp:-none} ms ($(grep -c 'time=' "$tmp/$v.ping") of $(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$tmp/$v.ping") answered);" \
		"underlay probe p50 $(r latency.underlay.rtt_ms.p50) ms; tbf drops $qd, tunnel tx drops $td"
	[ "$(grep -c 'time=' "$tmp/$v.ping")" -ge 5 ] || fail "$v: ping got fewer than 5 replies: $(tail -n 3 "$tmp/$v.ping")"
	ok_num "$idle < 5" || fail "$v: idle RTT p50 $idle ms, not below 5 ms"
	ok_num "$p50 >= 0.6 * $pp && $p50 <= 1.4 * $pp" || fail "$v: probe p50 $p50 ms, ping $pp ms: not within 40%"
	ok_num "$lost > 0 && $lost <= $sent" || fail "$v: lost $lost of $sent while the queue dropped"
	eval "P50_$(echo "$v" | tr - _)=$p50 QD_$(echo "$v" | tr - _)=$qd TD_$(echo "$v" | tr - _)=$td"
}

one underlay-aqm 30000 udp
one underlay-bufferbloat 60000 udp-overload
# where each queue drops: the short tbf itself; with the long one wireguard-go
# is pushed back and its TUN device drops
[ "$QD_underlay_aqm" -gt 0 ] || fail "the 10 ms tbf never dropped"
[ "$TD_underlay_bufferbloat" -gt 0 ] || fail "the tunnel device never dropped behind the 100 ms tbf"
ok_num "$P50_underlay_bufferbloat > 4 * $P50_underlay_aqm" ||
	fail "the long queue's p50 $P50_underlay_bufferbloat ms is not far above the short one's $P50_underlay_aqm ms"
# the report drew the RTT timeline and the CDF from the probe's own file
for f in timeline-udp-overload.underlay-bufferbloat.rtt.dat rtt-cdf-udp-overload.dat rtt-cdf-udp-overload.png; do
	[ -s "$tmp/underlay-bufferbloat/plots/$f" ] || fail "no plots/$f"
done
"$WGBENCH" topo status --prefix "$PFX" >/dev/null || fail "the testbed is gone after the runs"
ip netns exec "${PFX}gw1" tc qdisc show dev "$G1U" | grep -q tbf && fail "the variant's tbf was not reverted"
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers
ok "probe p50 within 40% of ping under both queues (10 ms: $P50_underlay_aqm ms, 100 ms: $P50_underlay_bufferbloat ms), idle below 5 ms, losses counted"
