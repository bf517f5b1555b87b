#!/bin/sh
# No QEMU outlives wgbench: killed with SIGKILL mid-boot (PR_SET_PDEATHSIG)
# or stopped with SIGINT (the guest is killed, the run ends with exit 1);
# `wgbench cleanup` removes what the killed one left in /tmp.
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"

start() {
	"$WGBENCH" run --backend vm --kernel-deb "$DEB" --prefix "$PFX" --scenario tcp-single \
		--duration 30 --repeat 1 --quiet --out "$1" >"$WORK/log" 2>&1 &
	pid=$!
	poll 60 qemu_of "$1" || fail "QEMU never started: $(cat "$WORK/log")"
}

start "$WORK/a"
kill -9 "$pid"
wait "$pid" 2>/dev/null
poll 10 no_qemu "$WORK/a" || fail "QEMU outlived a killed wgbench"
ls -d /tmp/wgbench-vm-"$PFX"* >/dev/null 2>&1 || fail "expected the killed run's temporary directory"
"$WGBENCH" cleanup --prefix "$PFX" >/dev/null 2>&1 || fail "cleanup after kill -9"
ls -d /tmp/wgbench-vm-"$PFX"* >/dev/null 2>&1 && fail "cleanup left the killed run's temporary directory"

start "$WORK/b"
kill -INT "$pid"
wait "$pid"; rc=$?
[ "$rc" = 1 ] || fail "SIGINT: exit $rc, expected 1: $(cat "$WORK/log")"
grep -q "interrupted" "$WORK/log" || fail "no message: $(cat "$WORK/log")"
poll 10 no_qemu "$WORK/b" || fail "QEMU outlived an interrupted run"
ok "no QEMU outlives wgbench"
