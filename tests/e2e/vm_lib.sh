# Shared by the vm_* end-to-end tests (sourced after lib.sh).
#
#   host: wgbench ──QEMU (TCG or KVM)──> guest kernel under test
#                                          └─ agent (PID 1): netns testbed,
#                                             kernel WireGuard, results back
#                                             over virtio-serial
# The guest runs the plain build (an ASan binary cannot be init): make it.
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (ci/install-deps)"
make -C "$WGB_TOP" -s build/wgbench >/dev/null || fail "make wgbench (the guest's agent)"
export WGB_AGENT_BIN="$WGB_TOP/build/wgbench"
DEB=$("$WGB_TOP/ci/fetch-kernel-deb") || skip "no Debian kernel package reachable (apt-get download)"
WORK=$(mktemp -d /tmp/wgb-e2e-vm.XXXXXX)
vm_cleanup() {
	rm -rf "$WORK"
	e2e_cleanup
}
trap vm_cleanup EXIT

# qemu_of DIR: the QEMU whose console goes to DIR/console.log, if any.
qemu_of() { pgrep -f "qemu-system-x86_64 .*file:$1/console.log" ; }
no_qemu() { ! qemu_of "$1" >/dev/null; }
