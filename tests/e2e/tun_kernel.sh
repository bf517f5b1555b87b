#!/bin/sh
# tun_kernel — `--wg kernel` on a kernel without WireGuard is refused with
# the reason, exit 2, and nothing left behind. (Where the kernel has
# WireGuard, the QEMU backend's tests exercise the kernel tunnel itself.)
. "$WGB_TOP/tests/e2e/lib.sh"

if "$WGBENCH" topo status --prefix "$PFX" 2>&1 | grep -q "not built yet"; then
	skip "wgbench topo is not in this tree yet"
fi
# Does this kernel have WireGuard? Ask it in a throwaway namespace.
ip netns add "${PFX}probe" || fail "cannot add a namespace"
if ip -n "${PFX}probe" link add "${PFX}wg" type wireguard 2>/dev/null; then
	ip netns del "${PFX}probe"
	skip "this kernel has WireGuard; the refusal cannot be tested here"
fi
ip netns del "${PFX}probe"

expect_exit 2 "$WGBENCH" topo up --wg kernel --prefix "$PFX"
echo "$OUT"
echo "$OUT" | grep -q "this kernel has no WireGuard (no 'wireguard' generic netlink family)" ||
	fail "no reason given: $OUT"
no_leftovers
ok "tun_kernel refusal"
