# Shared by the vms_* end-to-end tests (sourced after lib.sh and vm_lib.sh).
#
#   source ──lan── gw1 ══underlay══ gw2 ──lan── drain     four QEMU guests (TCG)
#   each link a bridge of two taps in a namespace of its own; kernel WireGuard gw1 <=> gw2
#
# Four TCG guests on a 2-core machine: 1 vCPU and 256 MiB each keep it short.
VMS_OPTS="--accel tcg --vcpus 1 --memory 256"

# qemus_of PREFIX: the QEMUs of the vms run with that prefix (its temporary
# directory /tmp/wgbench-vms-<prefix>XXXXXX is on their command lines).
qemus_of() { pgrep -f "qemu-system-x86_64 .*wgbench-vms-$1" ; }
no_qemus() { ! qemus_of "$1" >/dev/null; }
