#!/bin/sh
# kill -9 at random moments of `run` (a variant with a host sysctl, RPS, a
# qdisc and an nftables knob), `topo up`, `sweep`, `--backend vm`,
# `--backend vms` and `tune`, each followed by `wgbench cleanup --prefix`:
# nothing left,
# no JSON file broken (kill_lib.sh says what is checked).
#
# The short version in `make test`: WGB_KILLS (default 2) kills of each of
# run, topo up, tune and sweep, 1 of each guest backend. `make test-kill` is the
# long one: 20 of each, the moments spread over the measured duration.
# --backend hosts has its own kill test (hosts_kill.sh: the machines' agents
# and `cleanup --hosts`, not this machine's namespaces).
# e2e: host-wide (a host sysctl, and every host knob checked as before after each kill)
# e2e: ~45 s (its time alone, for the order: longest first)
. "$(dirname "$0")/lib.sh"
. "$WGB_TOP/tests/e2e/kill_lib.sh"
command -v jq >/dev/null || skip "jq is not installed"

n=${WGB_KILLS:-2}
ng=${WGB_KILLS:-1}
common="--prefix $PFX --no-warmup --duration 1 --omit 0 --repeat 1"

# shellcheck disable=SC2086
kill_series run "$n" 5 "$WGBENCH" run $common --scenario tcp-single --scenario udp \
	--variant "$WGB_TOP/scenarios/variants/baseline.json" --variant "$KILL_TMP/kill-mix.json" \
	--out "$KILL_TMP/out"
kill_series "topo up" "$n" 0.3 "$WGBENCH" topo up --prefix "$PFX" --tunnels 2 \
	--variant "$KILL_TMP/kill-mix.json"
# tune: the start is the variant, the candidate host-wide socket buffers
kill_series tune "$n" 25 "$WGBENCH" tune --prefix "$PFX" --variant "$KILL_TMP/kill-mix.json" \
	--target tcp-single --scenario tcp-single --candidates socket-buffers --no-doctor \
	--rounds 1 --duration 1 --omit 0 --no-warmup --repeat 2 --out "$KILL_TMP/out"
# shellcheck disable=SC2086
kill_series sweep "$n" 8 "$WGBENCH" sweep --param flows --values 1,2 $common \
	--scenario tcp-single --out "$KILL_TMP/out"

if [ -n "${WGB_KILL_NO_GUESTS:-}" ]; then
	echo "kill: note: WGB_KILL_NO_GUESTS (inside a guest): the guest backends are not killed here"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	echo "kill: note: no qemu-system-x86_64: the guest backends are not killed here"
elif ! DEB=$("$WGB_TOP/ci/fetch-kernel-deb"); then
	echo "kill: note: no Debian kernel package reachable: the guest backends are not killed here"
else
	make -C "$WGB_TOP" -s build/wgbench >/dev/null || fail "make wgbench (the guests' agent)"
	export WGB_AGENT_BIN="$WGB_TOP/build/wgbench"
	# shellcheck disable=SC2086
	kill_series "--backend vm" "$ng" 40 "$WGBENCH" run --backend vm --kernel-deb "$DEB" \
		$common --scenario tcp-single --out "$KILL_TMP/out"
	# shellcheck disable=SC2086
	kill_series "--backend vms" "$ng" 60 "$WGBENCH" run --backend vms --wg kernel --accel tcg \
		--vcpus 1 --memory 256 --kernel-deb "$DEB" $common --scenario tcp-single \
		--out "$KILL_TMP/out"
fi
ok "every kill left nothing behind"
