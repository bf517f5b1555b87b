#!/bin/sh
# tune_kill — everything tune changed is reverted, also when it is stopped:
#  1. `doctor --apply-advice` (tune limited to one round of what the findings
#     propose), SIGTERM during its step: the step's run reverts its variant
#     (a host-wide net.core.rmem_max among it) and takes the testbed down,
#     tune.md and tune.json say "stopped: signal", exit 1;
#  2. `tune`, SIGKILL during its step: the testbed and the host values stay
#     for `wgbench cleanup`, which removes and restores them.
#
#   source ──lan── gw1 ══underlay══ gw2 ──lan── drain
#   the start: 16 KB TCP windows; the candidate: socket-buffers (host-wide
#   rmem_max/wmem_max among its values)
# e2e: host-wide (socket-buffers sets host-wide sysctls)
# e2e: ~22 s (its time alone, for the order: longest first)
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed (ci/install-deps installs it)"
tmp=$(mktemp -d /tmp/wgb-e2e-tune-kill.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT

tiny="$WGB_TOP/scenarios/variants/tcp-windows-8k.json"
rmem_before=$(sysctl -n net.core.rmem_max)
host_file="/run/wgbench/${PFX}host.json"
# the step's run has measured something: its variants are applied by now
measuring() { [ -f "$1/results.json" ] && [ "$(jq '.runs | length' "$1/results.json")" -ge 1 ]; }

# 1. SIGTERM
"$WGBENCH" doctor --apply-advice --prefix "$PFX" --variant "$tiny" --target tcp-single \
	--scenario tcp-single --duration 2 --omit 0 --no-warmup --repeat 4 --out "$tmp/a" > "$tmp/log-a" 2>&1 &
pid=$!
step() { ls -d "$tmp"/a/steps/01-* 2>/dev/null | head -1; }
step_measuring() { [ -n "$(step)" ] && measuring "$(step)"; }
poll 240 step_measuring || { kill -9 $pid; cat "$tmp/log-a"; fail "no step measured"; }
kill -TERM $pid
wait $pid
rc=$?
[ $rc = 1 ] || { tail -20 "$tmp/log-a"; fail "SIGTERM: exit $rc, expected 1"; }
no_leftovers
[ "$(sysctl -n net.core.rmem_max)" = "$rmem_before" ] || fail "rmem_max $(sysctl -n net.core.rmem_max) after SIGTERM, was $rmem_before"
[ -e "$host_file" ] && fail "$host_file left after SIGTERM"
T="$tmp/a/tune.json"
jq -e '.stopped == "signal" and .steps[0].interrupted == true and .options.advice_only == true and
	.options.max_rounds == 1 and (.rounds[0].doctor.findings | length) >= 1' "$T" >/dev/null ||
	fail "tune.json after SIGTERM: $(jq -c '{stopped, options, steps: [.steps[] | {candidate, interrupted}]}' "$T")"
# --apply-advice: only what a finding proposes is tried
jq -e '[.rounds[0].candidates[] | select(.from != "finding") | .not_tried | test("apply-advice")] | all' "$T" \
	>/dev/null || fail "apply-advice tried a candidate no finding proposed: $(jq -c .rounds[0].candidates "$T")"
grep -q '^\*\*Stopped: signal\*\*' "$tmp/a/tune.md" || fail "tune.md does not say stopped"
ok "doctor --apply-advice, SIGTERM in step 1 ($(basename "$(step)")): exit 1, reverted, tune.md says stopped"

# 2. SIGKILL
"$WGBENCH" tune --prefix "$PFX" --variant "$tiny" --target tcp-single --scenario tcp-single \
	--candidates socket-buffers --no-doctor --duration 2 --omit 0 --no-warmup --repeat 4 \
	--out "$tmp/b" > "$tmp/log-b" 2>&1 &
pid=$!
poll 120 measuring "$tmp/b/steps/01-socket-buffers" || { kill -9 $pid; cat "$tmp/log-b"; fail "no step measured"; }
# wait for the candidate to be applied (host-wide values recorded) if it is not yet
poll 60 test -e "$host_file" || { kill -9 $pid; fail "the candidate was never applied"; }
kill -9 $pid
wait $pid 2>/dev/null
[ "$(sysctl -n net.core.rmem_max)" != "$rmem_before" ] && changed=yes || changed=no
"$WGBENCH" cleanup --prefix "$PFX" > "$tmp/clean" 2>&1 || { cat "$tmp/clean"; fail "cleanup"; }
no_leftovers
[ -e "$host_file" ] && fail "$host_file left after cleanup"
[ "$(sysctl -n net.core.rmem_max)" = "$rmem_before" ] || fail "rmem_max $(sysctl -n net.core.rmem_max) after cleanup, was $rmem_before"
jq -e '.steps[0].candidate == "socket-buffers"' "$tmp/b/tune.json" >/dev/null || fail "tune.json not written before the kill"
ok "tune, SIGKILL in step 1 (rmem_max changed when killed: $changed): cleanup removed the testbed and restored the host"
