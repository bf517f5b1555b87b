#!/bin/sh
# wgbench sweep --backend vm: each value is one whole run inside the guest
# (the launcher of backend_run()), so each value's run.json names the
# guest's kernel, not this machine's, and says backend "vm"; the scaling
# plot is made from the guests' results; no QEMU or temporary directory stays.
#
#   sweep ─┬─ flows=1 ──QEMU──> guest kernel: netns testbed, tcp-single x1
#          └─ flows=2 ──QEMU──> guest kernel: netns testbed, tcp-single x2
# e2e: ~36 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"

out="$WORK/sweep"
expect_exit 0 "$WGBENCH" sweep --backend vm --kernel-deb "$DEB" --prefix "$PFX" \
	--param flows --values 1,2 --scenario tcp-single --duration 2 --repeat 1 --no-warmup \
	--quiet --out "$out"
host=$(uname -r)
for v in 1 2; do
	d="$out/flows-$v"
	for f in run.json results.json console.log summary.md; do
		[ -s "$d/$f" ] || fail "flows=$v: $f missing from $d"
	done
	jq -e --arg host "$host" '.backend == "vm" and .guest_backend == "netns"
		and .host.kernel_release == .vm.kernel_release and .host.kernel_release != $host
		and .wireguard.implementation == "kernel"' "$d/run.json" >/dev/null \
		|| fail "flows=$v: run.json is not the guest's: $(jq -c '{backend, guest_backend, kernel: .host.kernel_release, vm: .vm.kernel_release, wireguard}' "$d/run.json")"
	case "$DEB" in *"$(jq -r .vm.kernel_release "$d/run.json")"*) ;;
		*) fail "flows=$v: guest kernel $(jq -r .vm.kernel_release "$d/run.json") is not $DEB" ;; esac
	jq -e --argjson v "$v" '(.runs | length) == 1 and all(.runs[]; .ok and .throughput_bps > 0 and .flows == $v)' \
		"$d/results.json" >/dev/null \
		|| fail "flows=$v: results.json: $(jq -c '[.runs[] | {ok, error, flows, throughput_bps}]' "$d/results.json")"
	no_qemu "$d" || fail "QEMU of flows=$v still running"
	echo "flows=$v: guest $(jq -r .host.kernel_release "$d/run.json") ($(jq -r .vm.accelerator "$d/run.json")), $(jq '.runs[0].throughput_bps / 1e6 | floor' "$d/results.json") Mbit/s"
done
rows=$(grep -vc '^#' "$out/scaling-baseline-tcp-single.dat") || fail "no scaling data: $(ls "$out")"
[ "$rows" = 2 ] || fail "scaling .dat has $rows rows, expected 2"
ls -d /tmp/wgbench-vm-"$PFX"* 2>/dev/null && fail "temporary directory left"
no_leftovers
ok "sweep --backend vm measured in the guest (kernel $(jq -r .vm.kernel_release "$out/flows-1/run.json"), host $host)"
