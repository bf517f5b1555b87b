#!/bin/sh
# `wgbench doctor --backend vm|vms` is refused with one line and exit 2,
# before anything starts: the doctor's probes enter the nodes' namespaces on
# this machine, which only the netns backend has. No QEMU, no temporary
# directory, no namespace is left.
. "$WGB_TOP/tests/e2e/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; e2e_cleanup' EXIT

for b in vm vms; do
	expect_exit 2 "$WGBENCH" doctor --backend "$b" --prefix "$PFX" --out "$TMP/$b"
	[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "--backend $b: more than one line: $OUT"
	echo "$OUT" | grep -q "doctor: --backend $b: .*namespaces.*only --backend netns" \
		|| fail "--backend $b: no reason given: $OUT"
	[ -e "$TMP/$b" ] && fail "--backend $b: an --out directory was made"
	pgrep -f "qemu-system-x86_64 .*wgbench-vms*-$PFX" >/dev/null && fail "--backend $b: QEMU started"
	ls -d /tmp/wgbench-vm-"$PFX"* /tmp/wgbench-vms-"$PFX"* 2>/dev/null && fail "--backend $b: temporary directory made"
	ok "doctor --backend $b: exit 2, one line, nothing started"
done
no_leftovers
