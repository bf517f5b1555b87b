#!/bin/sh
# Bad input to --backend vm: one clear line, exit 2, nothing started or left.
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"

run_vm() { "$WGBENCH" run --backend vm --prefix "$PFX" --scenario tcp-single --duration 1 \
	--repeat 1 --no-warmup --quiet --out "$WORK/out" "$@"; }

# No QEMU (this also unpacks the kernel into the cache).
expect_exit 2 env WGB_QEMU=/nonexistent/qemu-system-x86_64 "$WGBENCH" run --backend vm \
	--kernel-deb "$DEB" --prefix "$PFX" --quiet --out "$WORK/out"
echo "$OUT" | grep -q "QEMU not found" || fail "no reason given: $OUT"
expect_exit 2 env PATH=/nonexistent "$WGBENCH" run --backend vm \
	--kernel-deb "$DEB" --prefix "$PFX" --quiet --out "$WORK/out"

# A file that is not a kernel.
expect_exit 2 run_vm --kernel /etc/passwd
echo "$OUT" | grep -q "not a Linux kernel image" || fail "no reason given: $OUT"
expect_exit 2 run_vm --kernel-deb /etc/passwd
echo "$OUT" | grep -q "not a Debian package" || fail "no reason given: $OUT"
expect_exit 2 run_vm --kernel "$WORK/nonexistent"

# A kernel without WireGuard: the real kernel, a modules tree without it.
tree=$(ls -d /var/cache/wgbench/kernels/*/lib/modules/* "${XDG_CACHE_HOME:-/nonexistent}"/wgbench/kernels/*/lib/modules/* 2>/dev/null | head -n 1)
[ -d "$tree" ] || fail "no unpacked kernel in the cache"
rel=$(basename "$tree")
img=$(ls "$tree/../../../boot/vmlinuz-$rel")
mkdir -p "$WORK/root/lib/modules"
cp -a "$tree" "$WORK/root/lib/modules/"
rm -rf "$WORK/root/lib/modules/$rel/kernel/drivers/net/wireguard"
depmod -b "$WORK/root" "$rel" || fail "depmod"
expect_exit 2 run_vm --kernel "$img" --modules "$WORK/root/lib/modules/$rel"
echo "$OUT" | grep -q "has no WireGuard" || fail "no reason given: $OUT"

[ -e "$WORK/out" ] && fail "a results directory was made for bad input"
no_qemu "$WORK/out" || fail "QEMU left running"
no_leftovers
ok "bad input refused"
