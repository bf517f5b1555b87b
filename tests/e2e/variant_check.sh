#!/bin/sh
# variant_check — what cannot run here is refused with the reason before
# anything is changed, and bad files leave the machine as it was: netem and
# fq where the kernel lacks them (where it has them: applied, read back, and
# removed with the testbed), threaded NAPI on wireguard-go's TUN (no NAPI,
# on any kernel), a tunnel knob on a --wg none testbed, a file with every
# kind of mistake.
# e2e: host-wide (requires the host-wide net.core.netdev_budget unchanged by a refused variant)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/kernel_lib.sh"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"
V="$WGB_TOP/scenarios/variants"
tmp=$(mktemp -d); trap 'e2e_cleanup; rm -rf "$tmp"' EXIT
budget=$(cat /proc/sys/net/core/netdev_budget)

# bad input: exit 2, every problem listed, nothing built
printf '{"name": "bad",\n "set": [\n  {"node": "gw1", "link": "lan", "mtu": 1400}\n  {"node": "host"}]}\n' > "$tmp/syntax.json"
expect_exit 2 "$WGBENCH" topo up --prefix "$PFX" --variant "$tmp/syntax.json"
echo "$OUT"
echo "$OUT" | grep -qF "$tmp/syntax.json:4:3: not valid JSON" || fail "no line:column: $OUT"
printf '{"name": "bad", "set": [{"node": "gw1", "sysctl": "net.core.netdev_budget", "value": 1},
 {"node": "gateways", "link": "underlay", "rps_cpus": "ffff"}]}\n' > "$tmp/bad.json"
expect_exit 2 "$WGBENCH" topo up --prefix "$PFX" --variant "$tmp/bad.json" --variant "$tmp/syntax.json"
echo "$OUT"
[ "$(echo "$OUT" | grep -c 'wgbench: ')" = 3 ] || fail "not all three problems reported"
echo "$OUT" | grep -qF "set[0].node: net.core.netdev_budget is machine-wide on this kernel (not per network namespace): use node host" || fail "global sysctl"
echo "$OUT" | grep -qF "set[1].rps_cpus: mask 0xffff is wider than this machine's" || fail "mask"
ip netns list | grep -q "^$PFX" && fail "a namespace was made for a bad file"

# what the kernel lacks: refused with the reason, machine as it was; what
# it has: the qdisc there while the testbed is up, gone with it
for v in underlay-delay-20ms:netem:gw1:"qdisc netem is not available in this kernel" \
	 bbr:fq:source:"qdisc fq is not available in this kernel" \
	 threaded-napi::"has no NAPI instance to thread"; do
	name=${v%%:*}; rest=${v#*:}; qdisc=${rest%%:*}; rest=${rest#*:}; node=${rest%%:*}; why=${rest#*:}
	if [ -n "$qdisc" ] && kernel_has_qdisc "$qdisc"; then
		expect_exit 0 "$WGBENCH" topo up --wg wireguard-go --prefix "$PFX" --variant "$V/$name.json"
		tc -n "$PFX$node" qdisc show | grep -q "^qdisc $qdisc " ||
			fail "$name: the kernel has $qdisc but $node shows: $(tc -n "$PFX$node" qdisc show)"
		expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
		echo "$name: this kernel has $qdisc: applied, and gone with the testbed"
	else
		if expect_exit 2 "$WGBENCH" topo up --wg wireguard-go --prefix "$PFX" --variant "$V/$name.json"; then :; fi
		echo "$OUT"
		echo "$OUT" | grep -qF "variant $name cannot run on this testbed" || fail "$name not refused"
		echo "$OUT" | grep -qF "$why" || fail "$name: reason missing"
	fi
	no_leftovers
done
[ "$(cat /proc/sys/net/core/netdev_budget)" = "$budget" ] || fail "netdev_budget changed"

# a tunnel knob without tunnels
expect_exit 2 "$WGBENCH" topo up --wg none --prefix "$PFX" --variant "$V/mss-clamp.json"
echo "$OUT"
echo "$OUT" | grep -qF "set[0].mss_clamp: no tunnel link on any node it names in this testbed (--wg none)" || fail "--wg none"
no_leftovers
ok "refusals carry their reasons; nothing left behind"
