#!/bin/sh
# Boot-to-ready of a --backend vm guest: wall time from QEMU's start to the
# agent's "ready" (kernel booted, modules loaded, ports found, options read),
# over WGB_BENCH_N short runs (default 3) of the default Debian cloud kernel,
# with the machine type and the clocksource the guest timed its run with
# (and how its clock rate compared with the host's: 1 when it runs true);
# and the same per guest of --backend vms (four guests booting at once, 1 vCPU
# and 256 MiB each, TCG), under "vms" (WGB_BENCH_VMS=0 leaves it out).
# Prints one JSON object; the host's load average (before and after) is part
# of it because TCG boot time scales with how busy the host's cores are.
set -eu
: "${WGB_TOP:?run through tests/bench}"
: "${WGBENCH:?}"
n=${WGB_BENCH_N:-3}
deb=$("$WGB_TOP/ci/fetch-kernel-deb")
tmp=$(mktemp -d /tmp/wgb-bench-vm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
load0=$(cut -d' ' -f1-3 /proc/loadavg)
i=0
while [ "$i" -lt "$n" ]; do
	"$WGBENCH" run --backend vm --kernel-deb "$deb" --prefix bvm- --scenario tcp-single \
		--duration 1 --repeat 1 --no-warmup --quiet --out "$tmp/$i" >&2
	i=$((i + 1))
done
i=0
while [ "${WGB_BENCH_VMS:-1}" != 0 ] && [ "$i" -lt "$n" ]; do
	"$WGBENCH" run --backend vms --accel tcg --vcpus 1 --memory 256 --kernel-deb "$deb" \
		--prefix bvms- --scenario tcp-single --duration 1 --repeat 1 --no-warmup --quiet \
		--out "$tmp/vms/$i" >&2
	i=$((i + 1))
done
vms=null
if [ -d "$tmp/vms" ]; then
	vms=$(jq -s --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '
	def med: sort | if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def stat(f): map(f) | {median: med, min: min, max: max};
	{n: length, accelerator: .[0].vms.accelerator, vcpus: .[0].vms.guests.gw1.vcpus,
	 memory_mb: .[0].vms.guests.gw1.memory_mb,
	 boot_to_ready_s: {source: stat(.vms.guests.source.boot_to_ready_s), gw1: stat(.vms.guests.gw1.boot_to_ready_s),
	                   gw2: stat(.vms.guests.gw2.boot_to_ready_s), drain: stat(.vms.guests.drain.boot_to_ready_s),
	                   all_ready: stat([.vms.guests[].boot_to_ready_s] | max)},
	 clock_rate: [.[].vms.guests[].clock_rate | select(. != null)] | {min: min, max: max},
	 host_loadavg: $load}' "$tmp"/vms/*/run.json)
fi
jq -s --arg load0 "$load0" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --argjson vms "$vms" '
	def med: sort | if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	{name: "vm", n: length, kernel: .[0].vm.kernel_release,
	 accelerator: .[0].vm.accelerator, machine: (map(.vm.machine) | unique | join(",")),
	 kernel_entry: (map(.vm.kernel_entry) | unique | join(",")),
	 clocksource: (map(.vm.clocksource) | unique | join(",")),
	 guest_clock_rate_vs_host: (map(.vm.guest_clock_rate_vs_host // empty) | if length > 0 then med else null end),
	 vcpus: .[0].vm.vcpus, memory_mb: .[0].vm.memory_mb,
	 boot_to_ready_s: {median: (map(.vm.boot_to_ready_s) | med), min: (map(.vm.boot_to_ready_s) | min),
	                   max: (map(.vm.boot_to_ready_s) | max)},
	 guest_uptime_at_ready_s: (map(.vm.guest_uptime_at_ready_s) | med),
	 goal_s: 3, host_loadavg_before: $load0, host_loadavg: $load, vms: $vms}' "$tmp"/[0-9]*/run.json
