#!/bin/sh
# No QEMU of --backend vms outlives wgbench: kill -9 while the four guests
# boot (PR_SET_PDEATHSIG), SIGINT (all four killed, exit 1), a guest that
# hangs (killed after the command timeout, exit 1), and bad input (exit 2,
# one line, nothing started).
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"
. "$WGB_TOP/tests/e2e/vms_lib.sh"

four() { [ "$(qemus_of "$PFX" | wc -l)" -eq 4 ]; }
start() {
	# shellcheck disable=SC2086
	"$WGBENCH" run --backend vms $VMS_OPTS --kernel-deb "$DEB" --prefix "$PFX" \
		--scenario tcp-single --duration 30 --repeat 1 --quiet --out "$1" >"$WORK/log" 2>&1 &
	pid=$!
	poll 60 four || fail "four QEMUs never ran: $(cat "$WORK/log")"
}

start "$WORK/a"
kill -9 "$pid"
wait "$pid" 2>/dev/null
poll 10 no_qemus "$PFX" || fail "QEMU outlived a killed wgbench: $(qemus_of "$PFX")"
# a killed run cannot remove its temporary directory: the next one does
ls -d /tmp/wgbench-vms-"$PFX$pid"-* >/dev/null 2>&1 || fail "no temporary directory of the killed run?"

start "$WORK/b"
kill -INT "$pid"
wait "$pid"; rc=$?
[ "$rc" = 1 ] || fail "SIGINT: exit $rc, expected 1: $(cat "$WORK/log")"
grep -q "interrupted" "$WORK/log" || fail "no message: $(cat "$WORK/log")"
poll 10 no_qemus "$PFX" || fail "QEMU outlived an interrupted run"
grep -q "left by a killed run" "$WORK/log" || fail "the killed run's directory was not swept: $(cat "$WORK/log")"

# A guest that hangs (its QEMU stopped) is killed after the command timeout,
# named, and the run ends with exit 1, nothing left.
qemu_node() { pgrep -f "qemu-system-x86_64 .*wgbench-vms-$PFX.*--node $1" ; }
# shellcheck disable=SC2086
WGB_VMS_CALL_TIMEOUT=5 "$WGBENCH" run --backend vms $VMS_OPTS --kernel-deb "$DEB" --prefix "$PFX" \
	--scenario tcp-single --duration 2 --repeat 2 --no-warmup --out "$WORK/h" >"$WORK/log" 2>&1 &
pid=$!
poll 240 grep -q "testbed up" "$WORK/log" || fail "the testbed never came up: $(cat "$WORK/log")"
kill -STOP "$(qemu_node drain)"
wait "$pid"; rc=$?
[ "$rc" = 1 ] || fail "hung guest: exit $rc, expected 1: $(cat "$WORK/log")"
grep -q "guest drain did not answer within .* s (hung?): killed" "$WORK/log" || fail "no message: $(cat "$WORK/log")"
poll 10 no_qemus "$PFX" || fail "QEMU left after a hung guest"

expect_exit 2 "$WGBENCH" run --backend vms --kernel /etc/passwd --prefix "$PFX" --quiet --out "$WORK/c"
echo "$OUT" | grep -q "not a Linux kernel image" || fail "no reason given: $OUT"
expect_exit 2 "$WGBENCH" run --backend vms --kernel-deb "$DEB" --scenario nope --prefix "$PFX" --quiet --out "$WORK/c"
echo "$OUT" | grep -q "no such scenario" || fail "no reason given: $OUT"
expect_exit 2 "$WGBENCH" run --backend vms --kernel-deb "$DEB" --wg wireguard-go --prefix "$PFX" --quiet --out "$WORK/c"
[ -e "$WORK/c" ] && fail "a results directory was made for bad input"
no_qemus "$PFX" || fail "QEMU left running"
ls -d /tmp/wgbench-vms-"$PFX"* 2>/dev/null && fail "temporary directory left"
ok "no QEMU of a vms run outlives wgbench; bad input refused"
