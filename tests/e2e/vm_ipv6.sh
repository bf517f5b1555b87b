#!/bin/sh
# vm_ipv6 — --backend vm --ip 6 --inner 6: a Debian kernel boots in QEMU and
# its kernel WireGuard (generic netlink: an IPv6 endpoint, IPv6 allowed IPs)
# carries IPv6 traffic over an IPv6 underlay inside the guest's netns testbed:
#
#   guest: source ─fd77:101::/64─ gw1 ══ wg (kernel) over fd77:100::/64 ══ gw2 ─fd77:103::/64─ drain
#
# run.json says so from what the guest read back (the peer endpoints in
# brackets), iperf3 connected to the IPv6 drain address, the probe ran, and
# nothing is left of QEMU.
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"
command -v jq >/dev/null || skip "jq is not installed"

out="$WORK/res"
expect_exit 0 "$WGBENCH" run --backend vm --kernel-deb "$DEB" --prefix "$PFX" --ip 6 --inner 6 \
	--scenario tcp-single --duration 1 --repeat 1 --no-warmup --quiet --out "$out"
jq -e '.backend == "vm" and .wireguard.implementation == "kernel" and .network.ip == "6" and .network.inner == "6"
	and .network.tunnels[0].peer_endpoints == {"gw1":"[fd77:100::2]:51820","gw2":"[fd77:100::1]:51820"}' \
	"$out/run.json" >/dev/null || fail "run.json: $(jq -c '{backend, wireguard, network: .network.tunnels}' "$out/run.json")"
jq -e '[.network.nodes[].interfaces[].addresses[]] | length > 0 and all(test(":"))' "$out/run.json" >/dev/null ||
	fail "an IPv4 address in the guest's IPv6-only testbed"
# (the probe's losses are not checked: TCG on a loaded 2-core machine can starve it)
jq -e '.runs | length == 1 and all(.ok and .throughput_bps > 0 and .latency.sent > 0)' \
	"$out/results.json" >/dev/null || fail "results: $(jq -c '[.runs[] | {ok, error, throughput_bps}]' "$out/results.json")"
[ "$(jq -r '.start.connected[0].remote_host' "$out/raw/baseline/tcp-single/r1-f0.json")" = fd77:103::10 ] ||
	fail "iperf3 did not connect to the IPv6 drain address"
no_qemu "$out" || fail "QEMU still running"
ok "vm_ipv6: kernel WireGuard in the guest, IPv6 over IPv6 ($(jq -r '"\(.runs[0].throughput_bps / 1e6 | floor) Mbit/s, probe \(.runs[0].latency.sent) sent \(.runs[0].latency.lost) lost"' "$out/results.json"))"
