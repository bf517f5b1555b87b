#!/bin/sh
# `cleanup` without --prefix removes only what runs that died left: a
# testbed up on purpose (`topo up`: persistent, complete, its namespaces and
# wireguard-go alive) is listed and left, one a killed run left is removed.
#
#   $PFX   topo up, alive (its wireguard-go, or kernel WireGuard links) -> "left: up on purpose"
#   $PFX2  run, kill -9 mid-run   -> "would be removed" / removed
#
# `cleanup --list` shows the verdicts without removing anything, so this
# test never touches the testbeds of tests running beside it; the removal
# without --prefix itself runs only when no other testbed is on the machine.
# e2e: alone (runs `cleanup` without --prefix: every testbed on the machine is its business)
. "$(dirname "$0")/lib.sh"
PFX2=$(printf 'u%s-' "$$" | cut -c1-9)
tmp=$(mktemp -d /tmp/wgb-e2e-orphans.XXXXXX)
trap '"$WGBENCH" cleanup --prefix "$PFX2" >/dev/null 2>&1; rm -rf "$tmp"; e2e_cleanup' EXIT

expect_exit 0 "$WGBENCH" topo up --prefix "$PFX"
wg=$(jq -r .wg "/run/wgbench/${PFX}state.json")   # what --wg auto chose here
"$WGBENCH" run --prefix "$PFX2" --no-warmup --duration 5 --omit 0 --repeat 1 \
	--scenario tcp-single --out "$tmp/out" > "$tmp/log" 2>&1 &
pid=$!
poll 60 grep -q "testbed up" "$tmp/log" || { kill -9 $pid; fail "the run never came up: $(cat "$tmp/log")"; }
kill -9 $pid
wait $pid 2>/dev/null
[ -e "/run/wgbench/${PFX2}state.json" ] || fail "the killed run left no state file to judge"

expect_exit 0 "$WGBENCH" cleanup --list
echo "$OUT" | grep -q "^cleanup $PFX: left: up on purpose" || fail "topo up testbed not listed as left: $OUT"
echo "$OUT" | grep -q "^cleanup $PFX2: would be removed" || fail "killed run not listed for removal: $OUT"
ip netns list | grep -q "^${PFX2}gw1" || fail "--list removed something"
ok "--list: the topo up testbed is kept, the killed run's would go"

others=$(ls /run/wgbench 2>/dev/null | sed -n 's/state\.json$//p' | grep -v -x -e "$PFX" -e "$PFX2")
if [ -z "$others" ]; then
	expect_exit 0 "$WGBENCH" cleanup
	echo "$OUT" | grep -q "^cleanup $PFX: left: up on purpose" || fail "cleanup: $OUT"
	ip netns list | grep -q "^${PFX}gw1" || fail "cleanup without --prefix removed the topo up testbed"
	case $wg in
	wireguard-go) pgrep -f "wireguard-go -f ${PFX}g" >/dev/null || fail "cleanup without --prefix stopped its wireguard-go" ;;
	kernel) ip -n "${PFX}gw1" link show type wireguard | grep -q "${PFX}g1t0" || fail "its WireGuard link is gone" ;;
	esac
	ip netns list | grep -q "^$PFX2" && fail "cleanup without --prefix left the killed run's namespaces"
	[ -e "/run/wgbench/${PFX2}state.json" ] && fail "the killed run's state file is left"
	ok "cleanup without --prefix: the killed run's testbed removed, the topo up one left"
else
	echo "note: other testbeds are up ($(echo $others)): cleanup without --prefix is judged by --list only"
fi
expect_exit 0 "$WGBENCH" cleanup --prefix "$PFX"
ip netns list | grep -q "^$PFX" && fail "cleanup --prefix left the named testbed"
ok "cleanup --prefix removes the testbed up on purpose"
