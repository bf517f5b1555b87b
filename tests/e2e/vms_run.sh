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
jq -r '.runs[] | "\(.scenario): \(.throughput_bps / 1e6 | floor) Mbit/s, gw1 cpu0 softirq \(.cpu.nodes.gw1.cores[0].softirq)%, gw2 cpu0 softirq \(.cpu.nodes.gw2.cores[0].softirq)%"' "$out/results.json"
no_qemus "$PFX" || fail "QEMU still running"
ls -d /tmp/wgbench-vms-"$PFX"* 2>/dev/null && fail "temporary directory left"
ok "vms run"
