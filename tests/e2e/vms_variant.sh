#!/bin/sh
# Variants in --backend vms: each guest applies the knobs for its own node
# (and "host" ones: each guest is a machine), reads them back and reverts.
# A tbf cap on the gateways' underlay must cap tcp-single; a knob the guest
# guest lacks (CPU 1 with one vCPU) must skip its variant with the reason, the
# others still run (a skipped variant is no failure: exit 0).
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/vm_lib.sh"
. "$WGB_TOP/tests/e2e/vms_lib.sh"

cat > "$WORK/cap.json" <<'J'
{"name": "cap-3mbit", "set": [
  {"node": "gateways", "link": "underlay", "qdisc": "tbf", "rate": "3mbit"},
  {"node": "host", "sysctl": "net.core.netdev_max_backlog", "value": 5000}]}
J
cat > "$WORK/cpu1.json" <<'J'
{"name": "cpu1-rps", "set": [{"node": "gw1", "link": "underlay", "rps_cpus": "2"}]}
J
out="$WORK/res"
# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" run --backend vms $VMS_OPTS --kernel-deb "$DEB" --prefix "$PFX" \
	--variant "$WGB_TOP/scenarios/variants/baseline.json" --variant "$WORK/cap.json" --variant "$WORK/cpu1.json" \
	--scenario tcp-single --duration 3 --repeat 1 --no-warmup --quiet --out "$out"
jq -e '[.runs[] | select(.variant == "cap-3mbit")][0] | .ok and .throughput_bps < 3.3e6' "$out/results.json" >/dev/null \
	|| fail "the cap did not hold: $(jq -c '.runs[] | {variant, ok, throughput_bps}' "$out/results.json")"
jq -e '[.runs[] | select(.variant == "baseline")][0].ok' "$out/results.json" >/dev/null || fail "baseline failed"
jq -e '[.variants[] | select(.name == "cap-3mbit") | .applied[] | select(.key == "qdisc" and .ok) | .node] == ["gw1", "gw2"]
	and ([.variants[] | select(.name == "cap-3mbit") | .applied[] | select(.key == "sysctl" and .ok) | .guest] | length) == 4' \
	"$out/run.json" >/dev/null || fail "read-back records: $(jq -c '.variants[] | {name, applied, skipped}' "$out/run.json")"
jq -e '.variants[] | select(.name == "cpu1-rps") | .skipped | test("rps_cpus")' "$out/run.json" >/dev/null \
	|| fail "cpu1-rps not skipped with the reason: $(jq -c '.variants[] | {name, skipped}' "$out/run.json")"
jq -r '.variants[] | select(.skipped) | "skipped \(.name): \(.skipped)"' "$out/run.json"
jq -r '.runs[] | "\(.variant): ok=\(.ok) \(.throughput_bps) \(.error)"' "$out/results.json"
no_qemus "$PFX" || fail "QEMU still running"
ok "vms variants per node"
