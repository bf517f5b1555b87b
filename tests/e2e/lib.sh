# Shared by the end-to-end tests (sourced, not run).
#
# Each test gets its own prefix (so tests never touch each other's or a
# user's testbed), removes everything on EXIT whatever happened, and waits by
# polling a condition, never a fixed sleep (netns.sh's manner).
set -u
: "${WGBENCH:?run through tests/run-e2e}"
PFX="t$$-"
PFX=$(printf '%s' "$PFX" | cut -c1-9)

e2e_cleanup() {
	"$WGBENCH" cleanup --prefix "$PFX" >/dev/null 2>&1 || true
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }
ok() { echo "ok: $*"; }

# poll SECONDS CMD...: run CMD until it succeeds or SECONDS pass.
poll() {
	_deadline=$(( $(date +%s) + $1 )); shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$_deadline" ] && return 1
		sleep 0.05
	done
}

# expect_exit CODE CMD...: run CMD, require exit status CODE; its output is in $OUT.
expect_exit() {
	_want=$1; shift
	OUT=$("$@" 2>&1); _rc=$?
	[ "$_rc" = "$_want" ] || fail "expected exit $_want, got $_rc from: $* -- $OUT"
}

# no_leftovers: nothing of this prefix remains on the machine.
no_leftovers() {
	ip netns list | grep -q "^$PFX" && fail "namespaces left: $(ip netns list | grep "^$PFX")"
	ls /var/run/wireguard/ 2>/dev/null | grep -q "^$PFX" && fail "wireguard-go sockets left"
	pgrep -f "wireguard-go -f $PFX" >/dev/null && fail "wireguard-go processes left"
	[ -e "/run/wgbench/${PFX}state.json" ] && fail "state file left"
	return 0
}
