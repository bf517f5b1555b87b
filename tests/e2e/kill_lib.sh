# Shared by the kill tests (sourced after lib.sh): kill -9 of a wgbench
# command at a random moment, then `wgbench cleanup --prefix`, then a check
# that nothing of it is left and nothing it wrote is broken.
#
#   wgbench CMD ──(random t)── kill -9 ── cleanup --prefix P ── check:
#     no namespace P*, no running process that was P's (wireguard-go, iperf3
#     endpoints, QEMU: every pid seen with P on its command line while it ran,
#     by pid and start time, must have finished), no socket P* in
#     /var/run/wireguard, no file P* in /run/wgbench, no /tmp/wgbench-vm(s)-P*,
#     no nftables table of P, the host knobs the variant and tune's candidate
#     set (dev_weight, rmem_max, wmem_max) as before, every
#     *.json under the results directory valid JSON.
#
# The moments are drawn log-uniformly between 10 ms and T (the command's
# duration, measured once with WGB_KILL_MEASURE=1, else an estimate), so the
# first tenth of a second -- the build, where the issue's race was -- gets as
# many kills as the last seconds. The seed is printed; WGB_KILL_SEED replays.
# A kill is the one place a test waits a fixed time: the moment is the point.

KILL_TMP=$(mktemp -d /tmp/wgb-e2e-kill.XXXXXX)
kill_cleanup() { rm -rf "$KILL_TMP"; e2e_cleanup; }
trap kill_cleanup EXIT
KILL_SEED=${WGB_KILL_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
KILL_N=0
echo "kill: seed $KILL_SEED"

# The host-wide value the variant changes; chosen as one no other test sets.
HOST_KNOB=/proc/sys/net/core/dev_weight
cat > "$KILL_TMP/kill-mix.json" <<EOF
{
  "name": "kill-mix",
  "description": "kill tests: a host sysctl, RPS, a qdisc and an nftables knob",
  "set": [
    {"node": "host", "sysctl": "net.core.dev_weight", "value": 77},
    {"node": "gateways", "link": "underlay", "rps_cpus": "all"},
    {"node": "gw1", "link": "underlay", "qdisc": "tbf", "rate": "900mbit", "burst": "64kb"},
    {"node": "gw2", "link": "underlay", "mss_clamp": "pmtu"}
  ]
}
EOF
HOST_BEFORE=$(cat "$HOST_KNOB")
# tune's socket-buffers candidate sets these host-wide values
BUF_KNOBS="/proc/sys/net/core/rmem_max /proc/sys/net/core/wmem_max"
BUF_BEFORE=$(cat $BUF_KNOBS)

# kill_moment N T: moment N in seconds, log-uniform in [0.01, T]; its
# uniform draw is the first 32 bits of the SHA-256 of "seed-N" (awk's
# srand/rand differ from one awk to another, and a CRC of "seed-1" and
# "seed-11" is nearly the same number: the moments repeated every ten).
kill_moment() {
	_c=$(printf '%s-%s' "$KILL_SEED" "$1" | sha256sum | cut -c1-8)
	awk -v c="$((0x$_c))" -v t="$2" 'BEGIN {
		u = c / 4294967296; if (t < 0.02) t = 0.02
		printf "%.3f", 0.01 * exp(u * log(t / 0.01)) }'
}

# The processes with P on their command line, not this shell. Kernel
# threads are not: a kernel WireGuard's workers are named after the
# interface they serve ("kworker/u4:2-wg-crypt-P..."), pgrep matches that
# name when there is no command line, and they outlive the interface.
pfx_pids() {
	for _p in $(pgrep -f -- "$PFX"); do
		[ "$_p" = "$$" ] && continue
		[ -s "/proc/$_p/cmdline" ] && echo "$_p"
	done
}

# The pids (with their start times) of pfx_pids, appended to
# $KILL_TMP/pids, until $KILL_TMP/stop exists.
watch_pids() {
	while [ ! -e "$KILL_TMP/stop" ]; do
		for p in $(pfx_pids); do
			st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f20)
			[ -n "$st" ] && echo "$p $st"
		done >> "$KILL_TMP/pids"
		sleep 0.01
	done
}

# running PID START: that very process is still there and not a zombie.
running() {
	_s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$_s" ] || return 1
	[ "$(echo "$_s" | cut -d' ' -f20)" = "$2" ] || return 1
	[ "$(echo "$_s" | cut -d' ' -f1)" != Z ]
}

# check_clean WHAT OUTDIR: the assertions above; fail names what is left.
check_clean() {
	_what=$1 _out=$2
	ip netns list | grep -q "^$PFX" && fail "$_what: namespaces left: $(ip netns list | grep "^$PFX" | tr '\n' ' ')"
	sort -u "$KILL_TMP/pids" 2>/dev/null | while read -r p st; do
		running "$p" "$st" && echo "$p $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | cut -c1-120)"
	done > "$KILL_TMP/alive"
	[ -s "$KILL_TMP/alive" ] && fail "$_what: processes still running after cleanup: $(cat "$KILL_TMP/alive")"
	pfx_pids > "$KILL_TMP/alive2"
	[ -s "$KILL_TMP/alive2" ] && fail "$_what: processes of $PFX: $(cat "$KILL_TMP/alive2")"
	ls /var/run/wireguard 2>/dev/null | grep -q "^$PFX" && fail "$_what: sockets left in /var/run/wireguard"
	ls /run/wgbench 2>/dev/null | grep -q "^$PFX" && fail "$_what: files left in /run/wgbench: $(ls /run/wgbench | grep "^$PFX")"
	ls -d /tmp/wgbench-vm-"$PFX"* /tmp/wgbench-vms-"$PFX"* >/dev/null 2>&1 && fail "$_what: guest directories left"
	nft list tables 2>/dev/null | grep -q "wgbench_$(echo "$PFX" | tr '-' '_')" && fail "$_what: nftables table left"
	[ "$(cat "$HOST_KNOB")" = "$HOST_BEFORE" ] || fail "$_what: $HOST_KNOB is $(cat "$HOST_KNOB"), was $HOST_BEFORE"
	# shellcheck disable=SC2086
	[ "$(cat $BUF_KNOBS)" = "$BUF_BEFORE" ] || fail "$_what: $BUF_KNOBS are $(cat $BUF_KNOBS | tr '\n' ' '), were $(echo $BUF_BEFORE)"
	if [ -d "$_out" ]; then
		find "$_out" -name '*.json' > "$KILL_TMP/json"
		while read -r f; do
			jq empty "$f" 2>/dev/null || fail "$_what: $f is not valid JSON after the kill"
		done < "$KILL_TMP/json"
		KILL_JSON=$(wc -l < "$KILL_TMP/json")
	else
		KILL_JSON=0
	fi
	return 0
}

# kill_at NAME SECONDS CMD...: start CMD, kill -9 it after SECONDS, clean up,
# check; one line saying where the kill landed (the command's last line).
kill_at() {
	_name=$1 _t=$2
	shift 2
	rm -rf "$KILL_TMP/out" "$KILL_TMP/stop" "$KILL_TMP/pids"
	: > "$KILL_TMP/pids"
	watch_pids &
	_w=$!
	"$@" > "$KILL_TMP/log" 2>&1 &
	_pid=$!
	sleep "$_t"
	kill -9 "$_pid" 2>/dev/null && _state=killed || _state="had ended"
	wait "$_pid" 2>/dev/null
	_t0=$(date +%s.%N)
	"$WGBENCH" cleanup --prefix "$PFX" > "$KILL_TMP/clean" 2>&1 ||
		fail "$_name at ${_t}s: cleanup failed: $(cat "$KILL_TMP/clean")"
	_took=$(echo "$(date +%s.%N) $_t0" | awk '{ printf "%.2f", $1 - $2 }')
	touch "$KILL_TMP/stop"
	wait "$_w"
	check_clean "$_name at ${_t}s" "$KILL_TMP/out"
	echo "kill $_name at ${_t}s ($_state; last: $(tail -n 1 "$KILL_TMP/log" | cut -c1-70)): clean," \
		"$KILL_JSON JSON file(s) valid; cleanup ${_took}s: $(cut -d: -f2- "$KILL_TMP/clean" | tail -n 1)"
}

# kill_series NAME N T CMD...: N kills of CMD at moments up to T seconds;
# with WGB_KILL_MEASURE=1 T is first measured by one run to its end.
kill_series() {
	_sname=$1 _n=$2 _T=$3
	shift 3
	if [ "${WGB_KILL_MEASURE:-0}" = 1 ]; then
		rm -rf "$KILL_TMP/out"
		_m0=$(date +%s.%N)
		"$@" > "$KILL_TMP/log" 2>&1 || echo "kill: note: $_sname ended with $? when measured"
		_T=$(echo "$(date +%s.%N) $_m0" | awk '{ printf "%.2f", $1 - $2 }')
		"$WGBENCH" cleanup --prefix "$PFX" > /dev/null 2>&1
		echo "kill: $_sname takes ${_T}s uninterrupted"
	fi
	_i=0
	while [ $_i -lt "$_n" ]; do
		KILL_N=$((KILL_N + 1))
		kill_at "$_sname" "$(kill_moment "$KILL_N" "$_T")" "$@"
		_i=$((_i + 1))
	done
	echo "kill: $_sname: $_n/$_n kills clean (moments up to ${_T}s, seed $KILL_SEED)"
}
