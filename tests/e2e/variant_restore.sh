#!/bin/sh
# variant_restore — host-wide values come back exactly: after `topo up
# --variant` + `topo down`, and after a SIGKILLed `topo up --variant` +
# `wgbench cleanup`. Compares snapshots of every host sysctl under
# net.core and net.ipv4 (the ones variants touch live there).
# e2e: host-wide (host-wide sysctls changed and checked back)
. "$WGB_TOP/tests/e2e/lib.sh"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"
V="$WGB_TOP/scenarios/variants"
tmp=$(mktemp -d); trap 'e2e_cleanup; rm -rf "$tmp"' EXIT

snap() {
	for f in /proc/sys/net/core/* /proc/sys/net/ipv4/tcp_*; do
		[ -r "$f" ] && [ -f "$f" ] && printf '%s=%s\n' "$f" "$(cat "$f" 2>/dev/null | tr '\t' ' ')"
	done | grep -v -e netdev_rss_key -e tcp_fastopen_key > "$1"
}

snap "$tmp/before"
# 1. apply + topo down
expect_exit 0 "$WGBENCH" topo up --prefix "$PFX" --variant "$V/backlog-budget.json"
echo "$OUT" | grep 'host'
[ "$(cat /proc/sys/net/core/netdev_budget)" = 600 ] || fail "netdev_budget not applied"
[ -s "/run/wgbench/${PFX}host.json" ] || fail "no host file while the knobs are applied"
cat "/run/wgbench/${PFX}host.json"
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
echo "$OUT"
snap "$tmp/after1"
diff "$tmp/before" "$tmp/after1" || fail "host values differ after topo down"
[ -e "/run/wgbench/${PFX}host.json" ] && fail "host file left"
ok "apply + topo down: every host value as before"

# 2. SIGKILL during `topo up --variant`, then `wgbench cleanup`
"$WGBENCH" topo up --prefix "$PFX" --variant "$V/backlog-budget.json" >/dev/null 2>&1 &
pid=$!
poll 20 test -s "/run/wgbench/${PFX}host.json" || fail "the host file never appeared"
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
expect_exit 0 "$WGBENCH" cleanup --prefix "$PFX"
echo "$OUT"
snap "$tmp/after2"
diff "$tmp/before" "$tmp/after2" || fail "host values differ after kill -9 + cleanup"
[ -e "/run/wgbench/${PFX}host.json" ] && fail "host file left after cleanup"
no_leftovers
ok "kill -9 + cleanup: every host value as before"
