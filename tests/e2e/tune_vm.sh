#!/bin/sh
# tune_vm — `wgbench tune --backend vm`: tune runs whole inside one TCG guest
# on its netns testbed with the guest kernel's WireGuard; tune.md, tune.json
# and steps/ come back into --out, each step's run.json names the guest's
# kernel (not this machine's); bad input is refused here, before any boot;
# no QEMU or temporary directory stays.
#
#   host: tune (checks) ──QEMU──> guest: agent (PID 1) ─ tune ─┬─ steps/01-…
#                                                               ├─ steps/02-…
#         --out <── cpio over virtio-serial ────────────────────┘  tune.json …
# e2e: ~31 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"
command -v jq >/dev/null || skip "jq not installed (ci/install-deps installs it)"

tiny="$WGB_TOP/scenarios/variants/tcp-windows-8k.json"
cat > "$WORK/backlog.json" <<'J'
{"name": "backlog-5000", "description": "a candidate file of the test's own",
 "set": [{"node": "host", "sysctl": "net.core.netdev_max_backlog", "value": 5000}]}
J
vm="--backend vm --accel tcg --kernel-deb $DEB --prefix $PFX"

# bad input: refused here, no guest booted, no directory made
expect_exit 2 "$WGBENCH" tune $vm --candidates no-such-knob --out "$WORK/bad"
echo "$OUT" | grep -q "neither a candidate" || fail "unknown candidate message: $OUT"
expect_exit 2 "$WGBENCH" tune $vm --target no-such-scenario --out "$WORK/bad"
expect_exit 2 "$WGBENCH" tune $vm --history "$WORK/h.db" --out "$WORK/bad"
echo "$OUT" | grep -q "not recorded from a guest" || fail "--history message: $OUT"
expect_exit 2 "$WGBENCH" doctor --apply-advice $vm --rounds 0 --out "$WORK/bad"
[ -e "$WORK/bad" ] && fail "an output directory for refused input"
no_qemu "$WORK/bad" || fail "a guest booted for refused input"
ok "bad input: exit 2, nothing booted"

O="$WORK/out"
# the file first: should it be kept (noise), the round ends with one step
"$WGBENCH" tune $vm --variant "$tiny" --target tcp-single --scenario tcp-single \
	--candidates "$WORK/backlog.json,socket-buffers" --no-doctor --rounds 1 --rtt-slack 1000 \
	--duration 2 --omit 0 --repeat 2 --no-warmup --out "$O" > "$WORK/log" 2>&1
rc=$?
grep "^tune:" "$WORK/log"
[ $rc = 0 ] || { tail -30 "$WORK/log"; fail "tune --backend vm exited $rc"; }
for f in tune.md tune.json tuned.json console.log; do
	[ -s "$O/$f" ] || fail "$f missing from $O"
done
[ -d "$O/persist" ] || fail "persist/ missing from $O"
# what tune wrote in the guest names this machine's paths
jq -e --arg o "$O" --arg tiny "$tiny" '.out == $o and .start.file == $tiny
	and (.steps | length) >= 1 and any(.rounds[0].candidates[]; .name == "backlog-5000")' \
	"$O/tune.json" >/dev/null || fail "tune.json: $(jq -c '{out, start, steps: (.steps | length), cands: [.rounds[].candidates[].name]}' "$O/tune.json")"
grep -rqs -e /tmp/results -e /wgbench/ "$O/tune.md" "$O/tuned.json" "$O/persist" \
	&& fail "guest paths in tune's output: $(grep -rl -e /tmp/results -e /wgbench/ "$O/tune.md" "$O/tuned.json" "$O/persist")"
host=$(uname -r)
n=0
for d in "$O"/steps/*/; do
	[ -s "$d/run.json" ] || fail "$d: no run.json"
	jq -e --arg host "$host" '.backend == "vm" and .guest_backend == "netns"
		and .host.kernel_release == .vm.kernel_release and .host.kernel_release != $host
		and .wireguard.implementation == "kernel" and .vm.accelerator == "tcg"' "$d/run.json" >/dev/null \
		|| fail "$d: run.json is not the guest's: $(jq -c '{backend, guest_backend, kernel: .host.kernel_release, vm: .vm.kernel_release, wireguard}' "$d/run.json")"
	case "$DEB" in *"$(jq -r .vm.kernel_release "$d/run.json")"*) ;;
		*) fail "$d: guest kernel $(jq -r .vm.kernel_release "$d/run.json") is not $DEB" ;; esac
	[ -s "$d/summary.md" ] || fail "$d: no summary.md (the report made on the host)"
	n=$((n + 1))
done
[ $n -ge 1 ] || fail "no step directory in $O/steps"
ok "tune in the guest: $n step(s), guest kernel $(jq -r .vm.kernel_release "$O"/steps/01-*/run.json)"

no_qemu "$O" || fail "QEMU still running"
if ls -d /tmp/wgbench-vm-"$PFX"* >/dev/null 2>&1; then
	fail "a temporary directory of this test is left: $(ls -d /tmp/wgbench-vm-"$PFX"*)"
fi
ok "tune vm: nothing left"
