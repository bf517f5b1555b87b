#!/bin/sh
# vms_ipv6 — --backend vms over IPv6: four guests, each setting itself up
# from the same address plan as the netns testbed (topo_plan.c), kernel
# WireGuard between gw1 and gw2:
#
#   source ─fd77:101::/64─ gw1 ══ wg k over fd77:100::/64 (or 10.100.0.0/24) ══ gw2 ─fd77:103::/64─ drain
#   (a guest each)                                                                    ::10, ::11 (drain address k)
#
# 1. --ip 6 --inner 6: run.json's network (read back in the guests) has no
#    IPv4 address, the peer endpoints are in brackets, the source pinged the
#    drain in ICMPv6 at setup, iperf3 connected to fd77:103::10.
# 2. --ip dual --inner dual --tunnels 2 --flows 4: tunnel 0 over IPv4, tunnel 1
#    over IPv6 (the endpoints say so), the flows alternate families over the
#    tunnels (10.103.0.10, 10.103.0.11, fd77:103::10, fd77:103::11), each
#    with throughput. Nothing of QEMU is left.
# e2e: ~40 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"
. "$WGB_TOP/tests/e2e/vms_lib.sh"
command -v jq >/dev/null || skip "jq is not installed"

# remotes DIR SCENARIO: the address each flow's iperf3 connected to (raw JSON)
remotes() {
	for f in $(jq -r --arg s "$2" '.runs[] | select(.scenario == $s) | .per_flow[].raw' "$1/results.json"); do
		jq -r '.start.connected[0].remote_host' "$1/$f"
	done | tr '\n' ' '
}

# ---- 1. IPv6 only ----
out="$WORK/v6"
# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" run --backend vms $VMS_OPTS --kernel-deb "$DEB" --prefix "$PFX" --ip 6 --inner 6 \
	--scenario tcp-single --scenario udp --duration 2 --repeat 1 --no-warmup --quiet --out "$out"
jq -e '.backend == "vms" and .wireguard.implementation == "kernel" and .network.ip == "6" and .network.inner == "6"
	and (.network.nodes | map(.name) | sort) == ["drain","gw1","gw2","source"]
	and .network.tunnels == [{"index":0,"peer_endpoints":{"gw1":"[fd77:100::2]:51820","gw2":"[fd77:100::1]:51820"}}]
	and ([.network.nodes[] | select(.name == "drain") | .interfaces[].addresses[]] == ["fd77:103::10/64"])
	and (.network.reach_ms | keys) == ["fd77:103::10"] and .network.reach_ms["fd77:103::10"] > 0' \
	"$out/run.json" >/dev/null || fail "run.json: $(jq -c '{backend, network}' "$out/run.json")"
jq -e '[.network.nodes[].interfaces[].addresses[]] | length == 8 and all(test(":"))' "$out/run.json" >/dev/null ||
	fail "an IPv4 address (or one missing) in the IPv6-only guests: $(jq -c '[.network.nodes[].interfaces[].addresses[]]' "$out/run.json")"
jq -e '(.runs | length) == 2 and all(.runs[]; .ok and .throughput_bps > 0 and (.per_flow | length) == 1
	and .per_flow[0].server == "fd77:103::10")' "$out/results.json" >/dev/null ||
	fail "results: $(jq -c '[.runs[] | {scenario, ok, error, throughput_bps}]' "$out/results.json")"
for s in tcp-single udp; do
	[ "$(remotes "$out" $s)" = "fd77:103::10 " ] || fail "$s: iperf3 connected to $(remotes "$out" $s), not fd77:103::10"
done
# The latency probe through the guests' agents, over IPv6 on both paths:
# each guest has its own clock, so no one-way delay is given (never a
# number from two clocks).
jq -e 'all(.runs[]; .latency.sent > 0 and .latency.lost < .latency.sent and .latency.rtt_ms.p50 > 0
	and .latency.clock_shared == false and .latency.owd_fwd_ms == null and .latency.owd_rev_ms == null
	and .latency.underlay.sent > 0 and .latency.underlay.lost < .latency.underlay.sent
	and .latency.underlay.clock_shared == false)' \
	"$out/results.json" >/dev/null || fail "latency: $(jq -c '[.runs[] | {latency_error, sent: .latency.sent, lost: .latency.lost, shared: .latency.clock_shared, ul: .latency.underlay.sent}]' "$out/results.json")"
ok "vms --ip 6 --inner 6: $(jq -r '[.runs[] | "\(.scenario) \(.throughput_bps / 1e6 | floor) Mbit/s"] | join(", ")' "$out/results.json"), ICMPv6 to the drain $(jq -r '.network.reach_ms["fd77:103::10"]' "$out/run.json") ms at setup"

# ---- 2. dual stack, two tunnels (even over IPv4, odd over IPv6) ----
out="$WORK/dual"
# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" run --backend vms $VMS_OPTS --kernel-deb "$DEB" --prefix "$PFX" --ip dual --inner dual \
	--tunnels 2 --flows 4 --scenario tcp-single --scenario udp --duration 2 --repeat 1 --no-warmup --quiet --out "$out"
jq -e '.network.ip == "dual" and .network.inner == "dual"
	and .network.tunnels[0].peer_endpoints == {"gw1":"10.100.0.2:51820","gw2":"10.100.0.1:51820"}
	and .network.tunnels[1].peer_endpoints == {"gw1":"[fd77:100::2]:51821","gw2":"[fd77:100::1]:51821"}
	and ([.network.nodes[] | select(.name == "drain") | .interfaces[].addresses[]] | sort)
		== ["10.103.0.10/24","10.103.0.11/24","fd77:103::10/64","fd77:103::11/64"]
	and ([.network.nodes[] | select(.name == "gw2") | .interfaces[] | select(.role == "underlay") | .addresses[]] | sort)
		== ["10.100.0.2/24","fd77:100::2/64"]
	and (.network.reach_ms | length) == 4 and all(.network.reach_ms[]; . > 0)' \
	"$out/run.json" >/dev/null || fail "run.json: $(jq -c .network "$out/run.json")"
jq -e '(.runs | length) == 2 and all(.runs[]; .ok and (.per_flow | length) == 4
	and all(.per_flow[]; .ok and .throughput_bps > 0))' "$out/results.json" >/dev/null ||
	fail "results: $(jq -c '[.runs[] | {scenario, ok, error, per_flow: [.per_flow[] | {server, throughput_bps}]}]' "$out/results.json")"
for s in tcp-single udp; do
	[ "$(remotes "$out" $s)" = "10.103.0.10 10.103.0.11 fd77:103::10 fd77:103::11 " ] ||
		fail "$s: flows connected to $(remotes "$out" $s)"
done
no_qemus "$PFX" || fail "QEMU still running"
ls -d /tmp/wgbench-vms-"$PFX"* 2>/dev/null && fail "temporary directory left"
ok "vms --ip dual --inner dual --tunnels 2: $(jq -r '[.runs[] | "\(.scenario) \([.per_flow[] | "\(.server) \(.throughput_bps / 1e6 * 10 | floor / 10)"] | join(" / ")) Mbit/s"] | join("; ")' "$out/results.json")"
