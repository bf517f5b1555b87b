#!/bin/sh
# tune_vms — `wgbench tune --backend vms`: the loop drives four TCG guests
# (a guest per node, kernel WireGuard between gw1 and gw2) from this
# machine; the start caps TCP windows at 8 KB in every guest, the candidate
# socket-buffers (machine-wide in a guest: each is a machine) is checked,
# measured interleaved and kept or rejected with its verdict. TCG on a
# shared machine says little about which: the test asserts that every step
# ran on the guests (run.json: backend vms, the guests' kernel), that
# tune.md/tune.json/tuned.json/persist/ are written, and that no QEMU stays.
#
#   host: tune ── bed (vms) ──> source | gw1 ══ gw2 | drain   (four guests)
# e2e: ~20 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"
. "$WGB_TOP/tests/e2e/vms_lib.sh"
command -v jq >/dev/null || skip "jq not installed (ci/install-deps installs it)"

O="$WORK/out"
# shellcheck disable=SC2086
"$WGBENCH" tune --backend vms $VMS_OPTS --kernel-deb "$DEB" --prefix "$PFX" \
	--variant "$WGB_TOP/scenarios/variants/tcp-windows-8k.json" --target tcp-single --scenario tcp-single \
	--candidates socket-buffers --no-doctor --rounds 1 --rtt-slack 1000 \
	--duration 2 --omit 0 --repeat 2 --no-warmup --out "$O" > "$WORK/log" 2>&1
rc=$?
grep "^tune:" "$WORK/log"
[ $rc = 0 ] || { tail -30 "$WORK/log"; fail "tune --backend vms exited $rc"; }
for f in tune.md tune.json tuned.json; do
	[ -s "$O/$f" ] || fail "$f missing from $O"
done
[ -d "$O/persist" ] || fail "persist/ missing from $O"
T="$O/tune.json"
jq -e '(.steps | length) >= 1 and any(.steps[]; .candidate == "socket-buffers")' "$T" >/dev/null ||
	fail "socket-buffers not measured: $(jq -c '{skipped, steps: [.steps[] | {candidate, kept, reasons}]}' "$T")"
n=0
for d in "$O"/steps/*/; do
	jq -e --arg host "$(uname -r)" '.backend == "vms" and .wireguard.implementation == "kernel"
		and (.vms.kernel_release | length) > 0 and .vms.kernel_release != $host' "$d/run.json" >/dev/null ||
		fail "$d: run.json is not the guests': $(jq -c '{backend, wireguard, vms}' "$d/run.json" | cut -c1-300)"
	jq -e '.runs | length >= 2 and all(.ok and .throughput_bps > 0)' "$d/results.json" >/dev/null ||
		fail "$d: runs: $(jq -c '[.runs[] | {variant, ok, error}]' "$d/results.json")"
	n=$((n + 1))
done
[ $n -ge 1 ] || fail "no step directory in $O/steps"
ok "tune on vms: $n step(s); socket-buffers $(jq -r '.steps[] | select(.candidate == "socket-buffers") |
	if .kept then "kept" else "rejected: \(.reasons[0])" end' "$T" | cut -c1-100)"
no_qemus "$PFX" || fail "QEMU still running"
ok "tune vms: nothing left"
