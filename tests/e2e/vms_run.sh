#!/bin/sh
# wgbench run --backend vms: four guests (source, gw1, gw2, drain) boot the
# same Debian kernel, kernel WireGuard carries tcp-single and udp between gw1
# and gw2, and results.json has each gateway guest's per-core CPU.
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"
. "$WGB_TOP/tests/e2e/vms_lib.sh"

out="$WORK/res"
# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" run --backend vms $VMS_OPTS --kernel-deb "$DEB" --prefix "$PFX" \
	--scenario tcp-single --scenario udp --duration 2 --repeat 1 --no-warmup --quiet --out "$out"
for f in run.json results.json summary.md report.html console-source.log console-gw1.log \
	console-gw2.log console-drain.log; do
	[ -s "$out/$f" ] || fail "$f missing from the results directory"
done
jq -e '.backend == "vms" and .vms.accelerator == "tcg"
	and ([.vms.guests[] | select(.vcpus == 1 and .memory_mb == 256 and .boot_to_ready_s > 0)] | length) == 4
	and (.vms.kernel_release | length) > 0
	and .wireguard.implementation == "kernel"' "$out/run.json" >/dev/null \
	|| fail "run.json does not describe the four guests: $(jq -c '{backend, vms}' "$out/run.json")"
jq -e '(.runs | length) == 2 and all(.runs[]; .ok and .throughput_bps > 0
	and (.cpu.nodes.gw1.cores | length) >= 1 and (.cpu.nodes.gw2.cores | length) >= 1
	and all(.cpu.nodes.gw1.cores[], .cpu.nodes.gw2.cores[]; has("usr") and has("sys") and has("softirq") and has("idle"))
	and .cpu.top_core.node != null)' "$out/results.json" >/dev/null \
	|| fail "results.json lacks runs or per-node CPU: $(jq -c '.runs[] | {scenario, ok, error, throughput_bps, nodes: (.cpu.nodes | keys?)}' "$out/results.json")"
# the latency probe, source -> drain through the tunnel and gw1 -> gw2, by
# the guests' agents; their per-probe file on this machine's clock
jq -e 'all(.runs[]; .latency.sent > 0 and .latency.lost < .latency.sent and .latency.rtt_ms.p50 > 0
	and .latency.idle_sent > 0 and .latency.clock_shared == false and .latency.owd_fwd_ms == null
	and .latency.underlay.sent > 0 and .latency.underlay.rtt_ms.p50 > 0)' "$out/results.json" >/dev/null \
	|| fail "latency through the guests: $(jq -c '[.runs[] | {scenario, latency_error, sent: .latency.sent, lost: .latency.lost, ul: .latency.underlay.sent}]' "$out/results.json")"
d=$(jq -r '.runs[0].latency_samples' "$out/results.json")
[ "$(grep -vc '^#' "$out/$d")" -ge 50 ] || fail "$d has too few probes"
jq -r '.runs[] | "\(.scenario): \(.throughput_bps / 1e6 | floor) Mbit/s, gw1 cpu0 softirq \(.cpu.nodes.gw1.cores[0].softirq)%, gw2 cpu0 softirq \(.cpu.nodes.gw2.cores[0].softirq)%, RTT p50 \(.latency.rtt_ms.p50) ms (idle \(.latency.idle_rtt_ms.p50)), underlay \(.latency.underlay.rtt_ms.p50) ms"' "$out/results.json"
no_qemus "$PFX" || fail "QEMU still running"
ls -d /tmp/wgbench-vms-"$PFX"* 2>/dev/null && fail "temporary directory left"
ok "vms run"
