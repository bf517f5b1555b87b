#!/bin/sh
# A refused command leaves nothing: what can be checked before the machine
# is touched (root, the tunnel's dependency, variants, scenarios, --out) is
# checked first. `run`, `sweep` and `topo up` as a user who is not root;
# `sweep` with a bad variant, a bad scenario, a bad knob value; `run --wg
# wireguard-go` where no wireguard-go can be found. Each: exit 2, the cause
# named, no results directory, no state file, no namespace.
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"

tmp=$(mktemp -d /tmp/wgb-e2e-refuse.XXXXXX)
chmod 1777 "$tmp"
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT
common="--prefix $PFX --no-warmup --duration 1 --omit 0 --repeat 1 --scenario tcp-single"
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# nothing_made DIR WHAT: no trace of a refused command.
nothing_made() {
	[ -e "$1" ] && fail "$2: $1 was made: $(ls -R "$1" | head -n 5 | tr '\n' ' ')"
	ls /run/wgbench 2>/dev/null | grep -q "^$PFX" && fail "$2: files in /run/wgbench"
	ip netns list | grep -q "^$PFX" && fail "$2: namespaces made"
	ok "$2: refused, nothing made"
}

# shellcheck disable=SC2086
expect_exit 2 nobody "$WGBENCH" run $common --out "$tmp/run"
echo "$OUT" | grep -q "needs root" || fail "run as nobody: no reason: $OUT"
nothing_made "$tmp/run" "run as nobody"

# shellcheck disable=SC2086
expect_exit 2 nobody "$WGBENCH" sweep --param flows --values 1,2 $common --out "$tmp/sweep"
echo "$OUT" | grep -q "needs root" || fail "sweep as nobody: no reason: $OUT"
nothing_made "$tmp/sweep" "sweep as nobody"

expect_exit 2 nobody "$WGBENCH" topo up --prefix "$PFX"
echo "$OUT" | grep -q "needs root" || fail "topo up as nobody: no reason: $OUT"
nothing_made "$tmp/none" "topo up as nobody"

printf '{"name": "bad", "set": [{"node": "gw1", "link": "underlay", "mtu": "big"}]}\n' > "$tmp/bad.json"
# shellcheck disable=SC2086
expect_exit 2 "$WGBENCH" sweep --param flows --values 1,2 $common --variant "$tmp/bad.json" --out "$tmp/sweep"
echo "$OUT" | grep -q "bad.json: set\[0\].mtu" || fail "sweep, bad variant: no reason: $OUT"
nothing_made "$tmp/sweep" "sweep with a bad variant"

# shellcheck disable=SC2086
expect_exit 2 "$WGBENCH" sweep --param flows --values 1,2 $common --variant "$tmp/none.json" --out "$tmp/sweep"
nothing_made "$tmp/sweep" "sweep with a missing variant"

expect_exit 2 "$WGBENCH" sweep --param flows --values 1,2 --prefix "$PFX" --scenario nope --out "$tmp/sweep"
echo "$OUT" | grep -q "no such scenario" || fail "sweep, bad scenario: no reason: $OUT"
nothing_made "$tmp/sweep" "sweep with a bad scenario"

mkdir "$tmp/empty-path"
# shellcheck disable=SC2086
OUT=$(PATH="$tmp/empty-path" "$WGBENCH" run $common --wg wireguard-go --out "$tmp/run" 2>&1); rc=$?
[ $rc = 2 ] || fail "run --wg wireguard-go without it: exit $rc: $OUT"
echo "$OUT" | grep -q "wireguard-go is not installed" || fail "no reason: $OUT"
nothing_made "$tmp/run" "run --wg wireguard-go without wireguard-go"

ok "every refusal left nothing"
