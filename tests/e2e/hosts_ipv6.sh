#!/bin/sh
# IPv6 on --backend hosts (hosts_lib.sh's four machines): --ip 6 (WireGuard's
# UDP over an IPv6-only underlay), --inner 6 (IPv6 traffic through a tunnel
# over IPv4) and dual (two tunnels, one over each family, flows of both
# families in each), a short scenario each. Asserted from run.json's
# "network" (every address read back from each machine's interfaces, each
# tunnel's peer endpoint from WireGuard) and from the raw iperf3 JSON (the
# address each flow connected to); after each run every machine holds
# nothing (addresses, routes and rules of both families) and its forwarding
# sysctls are as before. A device with IPv6 disabled, and a given (IPv4)
# address with --ip 6: refused, exit 2, nothing touched.
#
#   controller ─ssh─ source ─lan0─ gw1 ═ul0═ gw2 ─lan0─ drain
#                 fd77:101::/64     fd77:100::/64     fd77:103::/64
# e2e: ~28 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
[ -e /proc/sys/net/ipv6/conf/all/forwarding ] || skip "this kernel has no IPv6"
hosts_up site
hosts_opts site
for n in gw1 gw2; do hosts_forwarding "$n" > "$HOSTS_DIR/fwd-$n"; done

# run NAME ARGS...: one short run into $HOSTS_DIR/NAME, then nothing left
run() {
	_name=$1; shift
	# shellcheck disable=SC2086
	expect_exit 0 "$WGBENCH" run $HOSTS_OPTS --duration 2 --omit 0 --repeat 1 --no-warmup --quiet \
		--out "$HOSTS_DIR/$_name" "$@"
	echo "$OUT" | grep -q "Sanitizer" && fail "$_name: a sanitizer spoke: $OUT"
	jq -e 'all(.runs[]; .ok and .throughput_bps > 0)' "$HOSTS_DIR/$_name/results.json" >/dev/null ||
		fail "$_name: $(jq -c '[.runs[] | {scenario, ok, error}]' "$HOSTS_DIR/$_name/results.json")"
	hosts_no_leftovers
	for _n in gw1 gw2; do
		[ "$(hosts_forwarding "$_n")" = "$(cat "$HOSTS_DIR/fwd-$_n")" ] ||
			fail "$_name: $_n's forwarding is $(hosts_forwarding "$_n"), was $(cat "$HOSTS_DIR/fwd-$_n")"
	done
}
# remotes NAME SCENARIO: the addresses iperf3's clients connected to, sorted, unique
remotes() {
	jq -r '.start.connected[].remote_host' "$HOSTS_DIR/$1/raw/baseline/$2/"r1-f*.json | sort -u | tr '\n' ' '
}
# addrs NAME NODE ROLE: that interface's addresses as the machine read them back
addrs() {
	jq -r --arg n "$2" --arg r "$3" '.network.nodes[] | select(.name == $n) | .interfaces[] |
		select(.role == $r) | .addresses[]' "$HOSTS_DIR/$1/run.json" | sort | tr '\n' ' '
}

run ip6 --ip 6 --scenario tcp-single
jq -e '.network.ip == "6" and .network.inner == "4" and
	.network.tunnels[0].peer_endpoints == {"gw1": "[fd77:100::2]:51820", "gw2": "[fd77:100::1]:51820"}' \
	"$HOSTS_DIR/ip6/run.json" >/dev/null || fail "ip6: run.json network: $(jq -c .network "$HOSTS_DIR/ip6/run.json")"
[ "$(addrs ip6 gw1 underlay)" = "fd77:100::1/64 " ] || fail "ip6: gw1's underlay had $(addrs ip6 gw1 underlay)"
[ "$(remotes ip6 tcp-single)" = "10.103.0.10 " ] || fail "ip6: iperf3 went to $(remotes ip6 tcp-single)"
ok "--ip 6: IPv4 traffic through a tunnel over an IPv6-only underlay, endpoints read back from WireGuard"

run inner6 --inner 6 --scenario udp --scenario tcp-single
jq -e '.network.ip == "4" and .network.inner == "6" and
	.network.tunnels[0].peer_endpoints.gw1 == "10.100.0.2:51820"' "$HOSTS_DIR/inner6/run.json" >/dev/null ||
	fail "inner6: run.json network: $(jq -c .network "$HOSTS_DIR/inner6/run.json")"
[ "$(addrs inner6 drain lan)" = "fd77:103::10/64 " ] || fail "inner6: drain's lan had $(addrs inner6 drain lan)"
[ "$(addrs inner6 gw2 tunnel)" = "fd77:102::2/64 " ] || fail "inner6: gw2's tunnel had $(addrs inner6 gw2 tunnel)"
for s in udp tcp-single; do
	[ "$(remotes inner6 $s)" = "fd77:103::10 " ] || fail "inner6: $s went to $(remotes inner6 $s)"
done
ok "--inner 6: IPv6 traffic (UDP and TCP) through a tunnel over IPv4, the gateways forwarding IPv6 (restored after)"

run dual --ip dual --inner dual --tunnels 2 --scenario tcp-fwd
jq -e '.network.ip == "dual" and .network.inner == "dual" and
	([.network.tunnels[].peer_endpoints.gw1] == ["10.100.0.2:51820", "[fd77:100::2]:51821"]) and
	([.network.tunnels[].peer_endpoints.gw2] == ["10.100.0.1:51820", "[fd77:100::1]:51821"])' \
	"$HOSTS_DIR/dual/run.json" >/dev/null || fail "dual: run.json network: $(jq -c .network.tunnels "$HOSTS_DIR/dual/run.json")"
[ "$(addrs dual drain lan)" = "10.103.0.10/24 10.103.0.11/24 fd77:103::10/64 fd77:103::11/64 " ] ||
	fail "dual: drain's lan had $(addrs dual drain lan)"
got=$(remotes dual tcp-fwd)
[ "$got" = "10.103.0.10 10.103.0.11 fd77:103::10 fd77:103::11 " ] || fail "dual: tcp-fwd's flows went to $got"
jq -e '[.runs[0].per_flow[].server] | unique == ["10.103.0.10", "10.103.0.11", "fd77:103::10", "fd77:103::11"]' \
	"$HOSTS_DIR/dual/results.json" >/dev/null || fail "dual: per_flow servers: $(jq -c '[.runs[0].per_flow[].server]' "$HOSTS_DIR/dual/results.json")"
ok "dual: tcp-fwd's 8 flows in both families over tunnel 0 (IPv4 underlay) and tunnel 1 (IPv6 underlay)"

# a device with IPv6 disabled: the check says so, exit 2, nothing touched
hosts_ssh drain 'echo 1 > /proc/sys/net/ipv6/conf/lan0/disable_ipv6' || fail "cannot disable IPv6 on drain's lan0"
# shellcheck disable=SC2086
expect_exit 2 "$WGBENCH" run $HOSTS_OPTS --inner 6 --scenario tcp-single --quiet --out "$HOSTS_DIR/res-noipv6"
hosts_ssh drain 'echo 0 > /proc/sys/net/ipv6/conf/lan0/disable_ipv6'
echo "$OUT" | grep -q "host drain (root@$HOSTS_NET.4.2): device lan0 has IPv6 disabled" || fail "IPv6 disabled: $OUT"
[ ! -e "$HOSTS_DIR/res-noipv6/results.json" ] || fail "a results directory was started"
hosts_no_leftovers
echo "$OUT" | grep drain

# a given address is IPv4: with --ip 6 on its link, bad input before any ssh
jq '.nodes.gw1.links.underlay = {"dev": "ul0", "address": "192.0.2.1/24"} |
	.nodes.gw2.links.underlay = {"dev": "ul0", "address": "192.0.2.2/24"}' "$HOSTS_FILE" > "$HOSTS_DIR/given.json"
# shellcheck disable=SC2086
expect_exit 2 "$WGBENCH" run --backend hosts --hosts "$HOSTS_DIR/given.json" --ssh-config "$HOSTS_DIR/ssh_config" \
	--prefix "$PFX" --ip 6 --scenario tcp-single --quiet --out "$HOSTS_DIR/res-given"
echo "$OUT" | grep -q "given.json: nodes.gw1.links.underlay: gives the IPv4 address 192.0.2.1/24, and --ip 6 puts IPv6 on this link" ||
	fail "given address with --ip 6: $OUT"
[ ! -e "$HOSTS_DIR/res-given/results.json" ] || fail "a results directory was started"
hosts_no_leftovers
echo "$OUT"
ok "hosts_ipv6"
