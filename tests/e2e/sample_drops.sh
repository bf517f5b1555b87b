#!/bin/sh
# Drops where they happen:
#  1. a tbf with a tiny limit on gw1's underlay: UDP through the tunnel is
#     dropped by that qdisc -> drops.qdiscs.gw1.<underlay>[tbf].drops > 0
#     and drops.qdisc_drops > 0 (wireguard-go's socket sees ENOBUFS:
#     udp_sndbuf_errors at gw1);
#  2. without it, an unlimited UDP flood through wireguard-go overflows
#     gw2's wireguard-go socket: drops.nodes.gw2.udp_rcvbuf_errors > 0.
#
#   source ──lan── gw1 ══[tbf]══ gw2 ──lan── drain
#   iperf3 -c -u -b 0                         iperf3 -s
# e2e: alone (a UDP flood that overflows wireguard-go's socket: CPU-bound)
. "$WGB_TOP/tests/e2e/lib.sh"
SRV=
trap '[ -n "$SRV" ] && kill $SRV 2>/dev/null; e2e_cleanup' EXIT
"$WGBENCH" topo up --prefix "$PFX" >/dev/null || fail "topo up"
TMP=$(mktemp -d)
"$WGBENCH" topo status --prefix "$PFX" --json > "$TMP/st.json" || fail "status"
U1=$(jq -r '.nodes[] | select(.name=="gw1") | .interfaces[] | select(.role=="underlay") | .name' "$TMP/st.json")
DST=$(jq -r '.drain_addresses[0]' "$TMP/st.json" | cut -d/ -f1)
[ -n "$U1" ] && [ -n "$DST" ] || fail "no underlay/drain address in the status"

ip netns exec "${PFX}drain" iperf3 -s -B "$DST" >/dev/null 2>&1 &
SRV=$!
poll 5 ip netns exec "${PFX}drain" sh -c "ss -lnt | grep -q ':5201 '" || fail "iperf3 server"

flood_once() {  # flood_once SECONDS
	ip netns exec "${PFX}source" iperf3 -c "$DST" -u -b 0 -l 1200 -t "$1" >"$TMP/iperf.txt" 2>&1 &
	_c=$!
	"$WGBENCH" sample --prefix "$PFX" --duration "$1" --out "$TMP/t.csv" --json > "$TMP/s.json" || fail "sample"
	wait $_c
}
# once seen: the client ended early ("interrupt") on this shared machine; one retry
flood() {
	flood_once "$1" && return 0
	echo "iperf3 client failed once: $(head -1 "$TMP/iperf.txt"); retrying"
	flood_once "$1" || fail "iperf3 client: $(tail -3 "$TMP/iperf.txt")"
}

# 1. tbf: 20 Mbit/s, a 3000-byte queue
ip netns exec "${PFX}gw1" tc qdisc replace dev "$U1" root tbf rate 20mbit burst 5000 limit 3000 || fail "tc"
flood 3
qd=$(jq ".drops.qdiscs.gw1[\"$U1\"][] | select(.kind==\"tbf\") | .drops" "$TMP/s.json")
total=$(jq '.drops.qdisc_drops' "$TMP/s.json")
snd=$(jq '.drops.nodes.gw1.udp_sndbuf_errors' "$TMP/s.json")
echo "tbf on gw1 $U1: drops $qd (total $total), gw1 udp_sndbuf_errors $snd"
[ "${qd:-0}" -gt 0 ] 2>/dev/null || fail "no tbf drops counted at gw1 $U1"
[ "$total" -ge "$qd" ] || fail "qdisc_drops total $total < $qd"
head -1 "$TMP/t.csv" | tr , '\n' | grep -qx "gw1.$U1.qdisc.tbf.root.drops" || fail "no tbf column in the timeline"
ok "tbf drops at gw1 $U1: $qd"
ip netns exec "${PFX}gw1" tc qdisc del dev "$U1" root || fail "tc del"

# 2. the flood against wireguard-go's receive buffer at gw2
flood 3
rcv=$(jq '.drops.nodes.gw2.udp_rcvbuf_errors' "$TMP/s.json")
ind=$(jq '.drops.nodes.gw2.udp_in_datagrams' "$TMP/s.json")
echo "gw2: udp_rcvbuf_errors $rcv, udp_in_datagrams $ind; iperf3: $(grep receiver "$TMP/iperf.txt")"
[ "${rcv:-0}" -gt 0 ] 2>/dev/null || fail "no UDP receive-buffer errors at gw2 under a flood"
ok "udp rcvbuf errors at gw2: $rcv"

kill $SRV; SRV=
rm -rf "$TMP"
"$WGBENCH" topo down --prefix "$PFX" >/dev/null || fail "topo down"
no_leftovers
