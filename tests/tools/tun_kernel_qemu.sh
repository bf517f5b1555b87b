#!/bin/sh
# tun_kernel_qemu.sh — runs tests/tools/tun_kernel_guest.c as /init of a QEMU
# guest (q35: microvm under TCG cannot calibrate the TSC) booted on a Debian cloud kernel, to exercise the kernel WireGuard
# implementation (topo/tun_kernel.c) on a host that has no WireGuard module.
#
# usage: tests/tools/tun_kernel_qemu.sh KERNEL_DEB [WORKDIR]
#   KERNEL_DEB  linux-image-6.1.0-*-cloud-amd64_*.deb (apt-get download)
# Prints the guest's console; exit 0 iff the guest printed
# "TUN-KERNEL-GUEST: PASS". TCG (software emulation): about a minute.
set -eu
deb=${1:?usage: $0 KERNEL_DEB [WORKDIR]}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${2:-$(mktemp -d /tmp/tunk.XXXXXX)}
trap 'rm -rf "$work/root" "$work/initrd"' EXIT

dpkg-deb -x "$deb" "$work/root"
rel=$(ls "$work/root/lib/modules")
depmod -b "$work/root" "$rel"
mkdir -p "$work/initrd/mods" "$work/initrd/proc" "$work/initrd/sys" "$work/initrd/dev"
# wireguard.ko and what modules.dep says it needs.
for m in $(awk -F': *' '$1 ~ /\/wireguard\.ko$/ { print $1 " " $2 }' "$work/root/lib/modules/$rel/modules.dep"); do
	cp "$work/root/lib/modules/$rel/$m" "$work/initrd/mods/"
done

# /init is the tool linked static with the testbed layer's objects (lib/ and
# topo/, which include only from each other) of the plain build
make -C "$top" -s wgbench
pk="libnl-3.0 libnl-route-3.0 libnl-genl-3.0 libsodium json-c"
cc -static -O1 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	-I"$top/lib" -I"$top/topo" $(pkg-config --cflags $pk) \
	-o "$work/initrd/init" "$top/tests/tools/tun_kernel_guest.c" "$top"/build/lib/*.o "$top"/build/topo/*.o \
	-l:libnl-genl-3.a -l:libnl-route-3.a -l:libnl-3.a -l:libsodium.a -l:libjson-c.a -lpthread -lm
(cd "$work/initrd" && find . | cpio -o -H newc --quiet) > "$work/initrd.cpio"

timeout 300 qemu-system-x86_64 -machine q35,accel=tcg -cpu qemu64,+rdrand -m 512 -smp 1 \
	-nodefaults -no-user-config -no-reboot -nographic -serial stdio \
	-kernel "$work/root/boot/vmlinuz-$rel" -initrd "$work/initrd.cpio" \
	-append "console=ttyS0 panic=-1" | tee "$work/console.log"
grep -q "TUN-KERNEL-GUEST: PASS" "$work/console.log"
