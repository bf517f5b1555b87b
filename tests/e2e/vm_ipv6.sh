#!/bin/sh
# vm_ipv6 — --backend vm in IPv6: a Debian kernel boots in QEMU and its
# kernel WireGuard (generic netlink: IPv6 endpoints, IPv6 allowed IPs)
# carries the guest's netns testbed's traffic:
#
#   guest: source ─fd77:101::/64─ gw1 ══ wg (kernel) over fd77:100::/64 ══ gw2 ─fd77:103::/64─ drain
#
# 1. --ip 6 --inner 6: all six scenarios, IPv6 inside a tunnel over IPv6;
#    run.json says so from what the guest read back (the peer endpoints in
#    brackets, no IPv4 address anywhere), iperf3 connected to the IPv6 drain.
# 2. --ip dual --inner dual --tunnels 2: tcp-fwd's flows alternate families,
#    so both share each tunnel at once (one tunnel over IPv4, one over IPv6).
# Short runs under TCG: the point is that everything runs and is recorded.
# e2e: ~56 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"
command -v jq >/dev/null || skip "jq is not installed"

# vrun NAME N ARGS...: a vm run of N scenarios into $WORK/NAME, every one ok
vrun() {
	name=$1 n=$2; shift 2
	expect_exit 0 "$WGBENCH" run --backend vm --kernel-deb "$DEB" --prefix "$PFX" --duration 1 --repeat 1 \
		--no-warmup --quiet --out "$WORK/$name" "$@"
	# (the probe's losses are not checked: TCG on a loaded 2-core machine can starve it)
	jq -e --argjson n "$n" '.runs | length == $n and all(.ok and .throughput_bps > 0 and .latency.sent > 0)' \
		"$WORK/$name/results.json" >/dev/null ||
		fail "$name: $(jq -c '[.runs[] | {scenario, ok, error, throughput_bps}]' "$WORK/$name/results.json")"
	no_qemu "$WORK/$name" || fail "$name: QEMU still running"
}
# hosts NAME SCENARIO: the remote addresses iperf3 connected to, sorted, unique
hosts() {
	jq -r '.start.connected[].remote_host' "$WORK/$1/raw/baseline/$2/"r1-f*.json | sort -u | tr '\n' ' '
}

vrun v6 6 --ip 6 --inner 6
jq -e '.backend == "vm" and .wireguard.implementation == "kernel" and .network.ip == "6" and .network.inner == "6"
	and .network.tunnels[0].peer_endpoints == {"gw1":"[fd77:100::2]:51820","gw2":"[fd77:100::1]:51820"}' \
	"$WORK/v6/run.json" >/dev/null || fail "run.json: $(jq -c '{backend, wireguard, network: .network.tunnels}' "$WORK/v6/run.json")"
jq -e '[.network.nodes[].interfaces[].addresses[]] | length > 0 and all(test(":"))' "$WORK/v6/run.json" >/dev/null ||
	fail "an IPv4 address in the guest's IPv6-only testbed"
for s in tcp-single tcp-fwd tcp-rev tcp-bidir udp udp-small; do
	[ "$(hosts v6 $s)" = "fd77:103::10 " ] || fail "v6: $s's iperf3 went to $(hosts v6 $s)"
done
ok "vm_ipv6: kernel WireGuard in the guest, all six scenarios IPv6 over IPv6 ($(jq -r '[.runs[] | "\(.scenario) \(.throughput_bps / 1e6 | floor)"] | join(", ")' "$WORK/v6/results.json") Mbit/s)"

vrun dual 1 --ip dual --inner dual --tunnels 2 --scenario tcp-fwd
jq -e '.network.ip == "dual" and .network.inner == "dual" and
	(.network.tunnels[0].peer_endpoints.gw1 | startswith("10.")) and (.network.tunnels[1].peer_endpoints.gw1 | startswith("["))' \
	"$WORK/dual/run.json" >/dev/null || fail "dual: run.json network: $(jq -c .network.tunnels "$WORK/dual/run.json")"
got=$(hosts dual tcp-fwd)
[ "$got" = "10.103.0.10 10.103.0.11 fd77:103::10 fd77:103::11 " ] || fail "dual: tcp-fwd's flows went to $got"
ok "vm_ipv6: dual stack in the guest, tcp-fwd's flows in both families through both tunnels (one over IPv4, one over IPv6)"
