#!/bin/sh
# topo_bad_input — each bad input is one line naming the problem, exit 2, and
# leaves the machine as it was.
. "$WGB_TOP/tests/e2e/lib.sh"
command -v wireguard-go >/dev/null || skip "wireguard-go is not installed"

# bad WANT_TEXT CMD...: exit 2, a single line that contains WANT_TEXT.
bad() {
	_text=$1; shift
	expect_exit 2 "$@"
	[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "more than one line from $*: $OUT"
	printf '%s\n' "$OUT" | grep -q -- "$_text" || fail "'$_text' not in: $OUT"
	no_leftovers
	ls /run/wgbench 2>/dev/null | grep -q "^$PFX" && fail "files left by $*: $(ls /run/wgbench)"
	ok "$OUT"
}

bad "--wg 'wireguard'" "$WGBENCH" topo up --wg wireguard --prefix "$PFX"
bad "--tunnels '0'" "$WGBENCH" topo up --tunnels 0 --prefix "$PFX"
bad "--tunnels '100000'" "$WGBENCH" topo up --tunnels 100000 --prefix "$PFX"
bad "--prefix 'abcdefghij'" "$WGBENCH" topo up --prefix abcdefghij
bad "unknown action" "$WGBENCH" topo sideways --prefix "$PFX"
bad "wireguard-go is not installed" env PATH=/nonexistent "$WGBENCH" topo up --wg wireguard-go --prefix "$PFX"
bad "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups "$WGBENCH" topo up --wg none --prefix "$PFX"
bad "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups "$WGBENCH" cleanup --prefix "$PFX"
bad "needs root" setpriv --reuid=65534 --regid=65534 --clear-groups "$WGBENCH" topo status --prefix "$PFX"
bad "no testbed with prefix '$PFX'" "$WGBENCH" topo down --prefix "$PFX"

# An existing testbed of that prefix: refused, and the first one untouched.
expect_exit 0 "$WGBENCH" topo up --wg none --prefix "$PFX"
expect_exit 2 "$WGBENCH" topo up --wg none --prefix "$PFX"
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "more than one line: $OUT"
echo "$OUT" | grep -q "prefix '$PFX' already exists.*topo down --prefix $PFX" || fail "message: $OUT"
ok "$OUT"
expect_exit 0 "$WGBENCH" topo status --prefix "$PFX"
ip netns exec "${PFX}source" ping -c 1 -W 2 10.103.0.10 >/dev/null || fail "the first testbed was damaged"
expect_exit 0 "$WGBENCH" topo down --prefix "$PFX"
no_leftovers
ok "topo_bad_input"
