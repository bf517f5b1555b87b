#!/bin/sh
# bench.d/hosts.sh — --backend hosts against --backend netns on this one
# machine: the four e2e "machines" of tests/e2e/hosts_lib.sh (a namespace
# with its own /run and /tmp and a real sshd each, veth cables) against the
# four namespaces of the netns backend. Both carry the same kernel path
# (veths, the same tunnel implementation), so what differs is the harness:
# agents over ssh, four samplers, clocks aligned by round trips.
#
# WGB_BENCH_HOSTS_N rounds (4), each one `wgbench run` of tcp-single on
# either backend (WGB_BENCH_HOSTS_R repeats of WGB_BENCH_DURATION s: 3 x 5),
# in ABBA order across rounds so drift favours neither. Per backend: the
# median throughput (ratio hosts/netns, goal 0.97-1.03), and the time from
# the command's start to its first measured second (the monotonic clock
# before exec against the first runs[].window.start_s, less iperf3's omit,
# which is the method's and not the harness's: the clients' start; goal
# <= 2 s over ssh to four hosts), with the ssh connection's part of it.
# One JSON object on stdout; exit 1 when a goal is missed.
set -u
: "${WGBENCH:?run through tests/bench}" "${WGB_TOP:?}"
N=${WGB_BENCH_HOSTS_N:-4}
R=${WGB_BENCH_HOSTS_R:-3}
D=${WGB_BENCH_DURATION:-5}
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
# lib.sh's fail() and skip() write to stdout: here that is the JSON's
fail() { echo "hosts bench: $*" >&2; exit 1; }
skip() { echo "hosts bench: $*" >&2; exit 1; }
tmp=$(mktemp -d /tmp/wgb-bench-hosts.XXXXXX)
trap 'hosts_cleanup; rm -rf "$tmp"' EXIT
P=$(printf 'bh%s-' "$$" | cut -c1-9)   # the netns runs' testbeds
hosts_up site >&2
hosts_opts site

# One run on BACKEND (hosts|netns) into $tmp/BACKEND-ROUND; its throughput
# values appended to $tmp/BACKEND.bps, its time to the first measured second
# to $tmp/BACKEND.first.
one() {
	_out="$tmp/$1-$2"
	if [ "$1" = hosts ]; then set -- "$1" "$2" $HOSTS_OPTS; else set -- "$1" "$2" --prefix "$P"; fi
	_b=$1 _r=$2; shift 2
	# the clock before exec: python's time.monotonic() is CLOCK_MONOTONIC,
	# the clock of runs[].window
	python3 -c 'import os, sys, time
print(time.monotonic(), file=sys.stderr, flush=True)
os.execv(sys.argv[1], sys.argv[1:])' "$WGBENCH" run "$@" --scenario tcp-single --duration "$D" \
		--repeat "$R" --no-warmup --quiet --probe-interval 0 --out "$_out" 2> "$_out.t0" >&2 \
		|| fail "$_b run failed: $(cat "$_out.t0")"
	jq -c '[.runs[] | select(.ok) | .throughput_bps]' "$_out/results.json" >> "$tmp/$_b.bps"
	jq -r --argjson t0 "$(head -n 1 "$_out.t0")" \
		'[.runs[] | select(.window) | .window.start_s] | min - $t0 - 1' "$_out/results.json" >> "$tmp/$_b.first"
	[ "$_b" = hosts ] && jq -r '.hosts.connect_s' "$_out/run.json" >> "$tmp/hosts.connect"
	echo "hosts bench: round $_r $_b done" >&2
}

r=1
while [ "$r" -le "$N" ]; do
	if [ $((r % 2)) = 1 ]; then one hosts "$r"; one netns "$r"; else one netns "$r"; one hosts "$r"; fi
	r=$((r + 1))
done
hosts_no_leftovers
[ "$(ip netns list | grep -c "^$P")" = 0 ] || fail "netns testbeds left"

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.4f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mh=$(jq -s 'add | .[]' "$tmp/hosts.bps" | median)
mn=$(jq -s 'add | .[]' "$tmp/netns.bps" | median)
fh=$(median < "$tmp/hosts.first")
fn=$(median < "$tmp/netns.first")
ch=$(median < "$tmp/hosts.connect")
wg=$(jq -r '.wireguard.implementation' "$tmp/hosts-1/run.json")
jq -n --arg wg "$wg" --argjson n "$N" --argjson r "$R" --argjson d "$D" --argjson mh "$mh" --argjson mn "$mn" \
	--argjson fh "$fh" --argjson fn "$fn" --argjson ch "$ch" \
	--slurpfile bh "$tmp/hosts.bps" --slurpfile bn "$tmp/netns.bps" \
	--slurpfile ah "$tmp/hosts.first" --slurpfile an "$tmp/netns.first" '
	def r3: . * 1000 | round / 1000;
	{name: "hosts", wg: $wg, rounds: $n, repeats_per_round: $r, duration_s: $d, scenario: "tcp-single",
	 testbed: "four e2e machines (namespace + own /run + sshd) against four netns nodes, one machine",
	 parity_goal: "0.97-1.03", tcp_single_ratio: ($mh / $mn | r3),
	 tcp_single_hosts_mbps: ($mh / 1e6 | r3), tcp_single_netns_mbps: ($mn / 1e6 | r3),
	 parity_met: (($mh / $mn) >= 0.97 and ($mh / $mn) <= 1.03),
	 first_second_goal_s: 2, hosts_first_second_s: ($fh | r3), netns_first_second_s: ($fn | r3),
	 hosts_ssh_connect_s: ($ch | r3), first_second_met: ($fh <= 2),
	 all_bps: {hosts: $bh, netns: $bn}, all_first_second_s: {hosts: $ah, netns: $an}}' > "$tmp/out.json"
cat "$tmp/out.json"
jq -e '.parity_met and .first_second_met' "$tmp/out.json" >/dev/null || { echo "hosts bench: a goal was missed" >&2; exit 1; }
