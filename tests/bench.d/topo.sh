#!/bin/sh
# bench.d/topo.sh — testbed up and down times: `wgbench topo up/down` against
# the same topology built by a script of ip/wg commands (topo-shell.sh), in
# the same run, interleaved, WGB_BENCH_N (7) times each; medians and ratios.
# Every build is checked to carry a ping through its tunnel before it is
# torn down (outside the timings), so both sides are timed building a
# working testbed. One JSON object on stdout.
set -u
: "${WGBENCH:?run through tests/bench}" "${WGB_TOP:?}"
N=${WGB_BENCH_N:-7}
T=${WGB_BENCH_TUNNELS:-1}
P=$(printf 'bt%s-' "$$" | cut -c1-9)
shell="$WGB_TOP/tests/bench.d/topo-shell.sh"
command -v wireguard-go >/dev/null || { echo "topo bench: wireguard-go is not installed" >&2; exit 1; }
command -v wg >/dev/null || { echo "topo bench: wg (wireguard-tools) is not installed" >&2; exit 1; }
trap '"$WGBENCH" cleanup --prefix "$P" >/dev/null 2>&1; sh "$shell" down "$P" >/dev/null 2>&1' EXIT

now_us() { echo $(( $(date +%s%N) / 1000 )); }
# timed CMD...: run it, print its wall time in microseconds, fail loudly.
timed() {
	_t0=$(now_us)
	"$@" >/dev/null || { echo "topo bench: failed: $*" >&2; exit 1; }
	echo $(( $(now_us) - _t0 ))
}
check_ping() {
	ip netns exec "${P}source" ping -c 1 -W 2 "10.103.0.1$((T - 1))" >/dev/null ||
		{ echo "topo bench: $1 testbed does not carry a ping" >&2; exit 1; }
}
median_ms() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'; }
list_ms() { tr ' ' '\n' | grep . | awk 'BEGIN { printf "[" } { printf "%s%.1f", (NR > 1 ? "," : ""), $1 / 1000 }
	END { printf "]" }'; }

wu="" wd="" su="" sd=""
i=0
while [ $i -lt "$N" ]; do
	wu="$wu $(timed "$WGBENCH" topo up --wg wireguard-go --tunnels "$T" --prefix "$P")"
	check_ping wgbench
	wd="$wd $(timed "$WGBENCH" topo down --prefix "$P")"
	su="$su $(timed sh "$shell" up "$P" "$T")"
	check_ping shell
	sd="$sd $(timed sh "$shell" down "$P")"
	i=$((i + 1))
done
leftover=$(ip netns list | grep -c "^$P" || true)
[ "$leftover" = 0 ] || { echo "topo bench: $leftover namespaces left" >&2; exit 1; }

mwu=$(echo "$wu" | median_ms) mwd=$(echo "$wd" | median_ms)
msu=$(echo "$su" | median_ms) msd=$(echo "$sd" | median_ms)
cat <<JSON
{"name": "topo", "wg": "wireguard-go", "tunnels": $T, "n": $N,
 "wgbench_up_ms": $mwu, "shell_up_ms": $msu, "up_speedup": $(echo "$msu $mwu" | awk '{ printf "%.1f", $1 / $2 }'),
 "wgbench_down_ms": $mwd, "shell_down_ms": $msd, "down_speedup": $(echo "$msd $mwd" | awk '{ printf "%.1f", $1 / $2 }'),
 "wgbench_up_all_ms": $(echo "$wu" | list_ms), "shell_up_all_ms": $(echo "$su" | list_ms),
 "wgbench_down_all_ms": $(echo "$wd" | list_ms), "shell_down_all_ms": $(echo "$sd" | list_ms)}
JSON
