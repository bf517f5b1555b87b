#!/bin/sh
# wgbench run --backend vm: a Debian kernel boots in QEMU, the guest's kernel
# WireGuard carries one short scenario, the results come back complete.
# e2e: ~18 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"

out="$WORK/res"
expect_exit 0 "$WGBENCH" run --backend vm --kernel-deb "$DEB" --prefix "$PFX" \
	--scenario tcp-single --duration 1 --repeat 1 --no-warmup --quiet --out "$out"
for f in run.json results.json summary.md console.log report.html; do
	[ -s "$out/$f" ] || fail "$f missing from the results directory"
done
python3 - "$out" "$DEB" <<'PY' || fail "run.json/results.json do not describe the guest run"
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/run.json"))
vm = r["vm"]
assert r["backend"] == "vm", r["backend"]
assert vm["accelerator"] in ("tcg", "kvm"), vm
assert vm["vcpus"] == 2 and vm["memory_mb"] == 1024, vm
assert vm["kernel_release"] in sys.argv[2], (vm["kernel_release"], sys.argv[2])
assert r["host"]["kernel_release"] == vm["kernel_release"], r["host"]
assert r["wireguard"]["implementation"] == "kernel", r["wireguard"]
assert 0 < vm["boot_to_ready_s"] < 120, vm
# The clock that timed the run: precise, and running at the host's rate.
assert vm["clocksource"] in ("tsc", "hpet", "acpi_pm", "kvm-clock"), vm
assert vm["machine"] in ("microvm", "q35"), vm
if vm["accelerator"] == "tcg" and vm["machine"] == "microvm":
    assert vm["tsc_khz_given"] > 0 and "tsc_early_khz=" in vm["kernel_cmdline"], vm
rate = vm.get("guest_clock_rate_vs_host")
assert rate is None or 0.9 < rate < 1.1, vm
res = json.load(open(d + "/results.json"))
runs = [x for x in res["runs"]]
assert runs and all(x["ok"] for x in runs), runs
assert all(x["throughput_bps"] > 0 for x in runs), runs
print("guest", vm["kernel_release"], vm["accelerator"], vm["machine"], vm["clocksource"], "boot to ready", round(vm["boot_to_ready_s"], 2), "s,",
      round(runs[0]["throughput_bps"] / 1e6, 1), "Mbit/s")
PY
no_qemu "$out" || fail "QEMU still running"
ls -d /tmp/wgbench-vm-* 2>/dev/null | while read -r d; do
	grep -qs "$PFX" "$d/initramfs.cpio" && fail "temporary directory $d left"
done
ok "vm run"
