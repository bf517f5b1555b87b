#!/bin/sh
# ipv6_run — every scenario through wireguard-go with IPv6 outside (--ip 6),
# inside (--inner 6), and dual stack with both families inside the same
# tunnels (--ip dual --inner dual --tunnels 2: flows alternate families, the
# latency probe runs in IPv6 beside IPv4 flows; two scenarios). Short runs: the point is
# that everything runs and is recorded, not the numbers.
#
#   source --lan-- gw1 ==underlay== gw2 --lan-- drain
#   (iperf3 clients, probe)                (iperf3 servers, reflector)
# e2e: ~65 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"

tmp=$(mktemp -d /tmp/wgb-e2e-ipv6-run.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT

# run NAME N ARGS...: N scenarios (all six unless ARGS name some), 2 s each, into $tmp/NAME
run() {
	name=$1 n=$2; shift 2
	"$WGBENCH" run --prefix "$PFX" --wg wireguard-go --duration 2 --omit 0 --repeat 1 --no-warmup \
		--seed 3 --out "$tmp/$name" "$@" > "$tmp/$name.log" 2>&1
	rc=$?
	cat "$tmp/$name.log"
	[ $rc = 0 ] || fail "$name: wgbench run $* exited $rc"
	jq -e --argjson n "$n" '.runs | length == $n and all(.ok and .throughput_bps > 0)' "$tmp/$name/results.json" >/dev/null ||
		fail "$name: not $n ok runs: $(jq -c '[.runs[] | {scenario, ok, error}]' "$tmp/$name/results.json")"
	# the probe crossed the tunnel (not all lost) in every scenario
	jq -e 'all(.runs[]; .latency.sent > 0 and .latency.lost < .latency.sent)' "$tmp/$name/results.json" \
		>/dev/null || fail "$name: the latency probe got nothing back: $(jq -c '[.runs[].latency | {sent, lost}]' "$tmp/$name/results.json")"
	no_leftovers
}
# hosts NAME SCENARIO: the remote addresses iperf3 connected to, sorted, unique
hosts() {
	jq -r '.start.connected[].remote_host' "$tmp/$1/raw/baseline/$2/"r1-f*.json | sort -u | tr '\n' ' '
}

run ip6 6 --ip 6
jq -e '.network.ip == "6" and .network.inner == "4" and
	(.network.tunnels[0].peer_endpoints.gw1 == "[fd77:100::2]:51820")' "$tmp/ip6/run.json" >/dev/null ||
	fail "ip6: run.json network: $(jq -c .network.tunnels "$tmp/ip6/run.json")"
[ "$(hosts ip6 tcp-fwd)" = "10.103.0.10 " ] || fail "ip6: iperf3 went to $(hosts ip6 tcp-fwd)"
jq -e '.runs[0].latency.underlay.sent > 0 and .runs[0].latency.underlay.lost < .runs[0].latency.underlay.sent' \
	"$tmp/ip6/results.json" >/dev/null || fail "ip6: the underlay probe (IPv6) got nothing back"
ok "--ip 6: IPv4 traffic in a tunnel over IPv6, endpoints read back, the underlay probed in IPv6"

run inner6 6 --inner 6
jq -e '.network.ip == "4" and .network.inner == "6"' "$tmp/inner6/run.json" >/dev/null || fail "inner6: run.json"
[ "$(hosts inner6 udp)" = "fd77:103::10 " ] || fail "inner6: iperf3 went to $(hosts inner6 udp)"
ok "--inner 6: IPv6 traffic in a tunnel over IPv4"

# dual: the two scenarios that put both families in one tunnel at once
# (tcp-fwd's 8 flows alternate; tcp-single's flow is IPv4, its probe IPv6)
run dual 2 --ip dual --inner dual --tunnels 2 --scenario tcp-fwd --scenario tcp-single
jq -e '.network.ip == "dual" and .network.inner == "dual" and
	([.network.tunnels[].peer_endpoints.gw1] == ["10.100.0.2:51820","[fd77:100::2]:51821"])' \
	"$tmp/dual/run.json" >/dev/null || fail "dual: run.json network: $(jq -c .network.tunnels "$tmp/dual/run.json")"
got=$(hosts dual tcp-fwd)
[ "$got" = "10.103.0.10 10.103.0.11 fd77:103::10 fd77:103::11 " ] || fail "dual: tcp-fwd's flows went to $got"
ok "dual: tcp-fwd's 8 flows in both families over both tunnels (IPv4 and IPv6 underlay)"
[ "$(hosts dual tcp-single)" = "10.103.0.10 " ] || fail "dual: tcp-single went to $(hosts dual tcp-single)"
ok "dual: tcp-single's IPv4 flow and the IPv6 probe (answered above) through tunnel 0"
ok "ipv6_run"
