#!/bin/sh
# bench.d/run.sh — throughput parity and run-to-run variation of `wgbench run`
# against a bare `iperf3 -c` typed by hand, in the very same testbed: one
# `wgbench topo up` (--wg auto: wireguard-go on a kernel without WireGuard),
# which `wgbench run --attach` measures and the bare command runs through
# with `ip netns exec`; same tunnel processes, same addresses.
#
# WGB_BENCH_RUN_N rounds (6). Each round has three blocks, in ABBA order
# across rounds so drift does not favour either side:
#   wgbench  one `wgbench run --attach --repeat R` of tcp-single and udp (its
#            warm-up, shuffle, omit and sampler as by default);
#   bare     R times the two hand-typed commands, same duration and -O;
#   nos      one `wgbench run --attach --no-sampler --repeat 1` (the
#            sampler's effect on throughput).
# R = WGB_BENCH_RUN_R (3). Per scenario: the medians over all rounds, the
# ratio wgbench/bare (goal 0.97-1.03), the ratio sampler on/off; the CV over
# repeats (within a block of R, averaged over the rounds: what a run's
# summary reports), the ratio of the two sides' spreads over repeats with a
# permutation test of "wgbench varies more" (var_ratio.py; goal: no evidence
# of it, p >= 0.05), and the CV over every value of all rounds (which adds
# the drift between rounds).
# One JSON object on stdout.
set -u
: "${WGBENCH:?run through tests/bench}" "${WGB_TOP:?}"
N=${WGB_BENCH_RUN_N:-6}
R=${WGB_BENCH_RUN_R:-3}
D=${WGB_BENCH_DURATION:-5}
O=1
P=$(printf 'br%s-' "$$" | cut -c1-9)      # the one testbed
tmp=$(mktemp -d /tmp/wgb-bench-run.XXXXXX)
trap '"$WGBENCH" cleanup --prefix "$P" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
die() { echo "run bench: $*" >&2; exit 1; }
command -v iperf3 >/dev/null || die "the iperf3 program is not installed"

"$WGBENCH" topo up --prefix "$P" >/dev/null || die "topo up failed"
addr=10.103.0.10

listening() { ip netns exec "${P}drain" ss -ltnH "sport = :5201" | grep -q LISTEN; }
# bare SCENARIO: one hand-typed iperf3 pair; prints receiver bits/s.
bare() {
	case "$1" in
	tcp-single) opts="" ;;
	udp) opts="-u -b 0 -l 1200" ;;
	esac
	ip netns exec "${P}drain" iperf3 -s -1 -B "$addr" -p 5201 >/dev/null 2>&1 &
	spid=$!
	i=0
	until listening; do
		i=$((i + 1)); [ $i -gt 200 ] && die "bare iperf3 server not listening"
		sleep 0.02
	done
	# shellcheck disable=SC2086
	ip netns exec "${P}source" iperf3 -c "$addr" -p 5201 -t "$D" -O "$O" -J $opts > "$tmp/bare.json" \
		|| die "bare iperf3 -c $opts failed: $(jq -r .error "$tmp/bare.json" 2>/dev/null)"
	wait $spid
	jq '.end.sum_received.bits_per_second' "$tmp/bare.json"
}
# wgb TAG REPEATS [RUN OPTIONS]: one `wgbench run`, both scenarios; appends
# one line of REPEATS values per scenario to $tmp/TAG-<scenario>.
wgb() {
	tag=$1 reps=$2; shift 2
	rm -rf "$tmp/w"
	"$WGBENCH" run --prefix "$P" --attach --scenario tcp-single --scenario udp --duration "$D" --omit "$O" \
		--repeat "$reps" --out "$tmp/w" --quiet "$@" >&2 || die "wgbench run $* failed"
	for s in tcp-single udp; do
		jq -c --arg s "$s" '[.runs[] | select(.scenario == $s) | .throughput_bps]' "$tmp/w/results.json" >> "$tmp/$tag-$s"
	done
}
bare_block() {
	for s in tcp-single udp; do : > "$tmp/blk-$s"; done
	k=0      # not i: bare() uses it (sh has no local variables)
	while [ $k -lt "$R" ]; do
		for s in tcp-single udp; do bare "$s" >> "$tmp/blk-$s"; done
		k=$((k + 1))
	done
	for s in tcp-single udp; do jq -sc . "$tmp/blk-$s" >> "$tmp/bare-$s"; done
}

r=1
while [ $r -le "$N" ]; do
	if [ $((r % 2)) = 1 ]; then wgb wgb "$R"; wgb nos 1 --no-sampler; bare_block
	else bare_block; wgb nos 1 --no-sampler; wgb wgb "$R"; fi
	echo "run bench: round $r/$N done" >&2
	r=$((r + 1))
done
"$WGBENCH" topo down --prefix "$P" >/dev/null || die "topo down failed"
[ "$(ip netns list | grep -c "^$P")" = 0 ] || die "namespaces left"

# stats FILE (one JSON array per block): {median, cv_percent (within blocks,
# averaged), cv_all_percent, all}
stats() {
	jq -s 'def cv: length as $n | (add / $n) as $m |
			(if $n > 1 then ([.[] | (. - $m) * (. - $m)] | add / ($n - 1) | sqrt) / $m * 100 else 0 end);
		def r2: . * 100 | round / 100;
		. as $blocks | [.[][]] as $x | ($x | sort) as $s | ($s | length) as $n |
		{median: (if $n % 2 == 1 then $s[($n - 1) / 2] else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end),
		 cv_percent: ([$blocks[] | select(length > 1) | cv] | if length > 0 then add / length | r2 else null end),
		 cv_all_percent: ($x | cv | r2), all: $blocks}' "$1"
}
for s in tcp-single udp; do
	stats "$tmp/wgb-$s" > "$tmp/sw-$s.json"
	stats "$tmp/bare-$s" > "$tmp/sb-$s.json"
	stats "$tmp/nos-$s" > "$tmp/sn-$s.json"
done
# Is wgbench's spread over repeats larger than the bare command's? (a
# permutation test on the within-round residuals: var_ratio.py)
for s in tcp-single udp; do
	python3 "$WGB_TOP/tests/bench.d/var_ratio.py" "$tmp/wgb-$s" "$tmp/bare-$s" > "$tmp/vr-$s.json" \
		|| die "var_ratio.py failed"
done
wg=$(jq -r '.wireguard.implementation' "$tmp/w/run.json")
jq -n --arg wg "$wg" --argjson n "$N" --argjson r "$R" --argjson d "$D" \
	--slurpfile vt "$tmp/vr-tcp-single.json" --slurpfile vu "$tmp/vr-udp.json" \
	--slurpfile wt "$tmp/sw-tcp-single.json" --slurpfile bt "$tmp/sb-tcp-single.json" \
	--slurpfile wu "$tmp/sw-udp.json" --slurpfile bu "$tmp/sb-udp.json" \
	--slurpfile nt "$tmp/sn-tcp-single.json" --slurpfile nu "$tmp/sn-udp.json" '
	def r2: . * 1000 | round / 1000;
	{name: "run", wg: $wg, rounds: $n, repeats_per_round: $r, duration_s: $d, omit_s: 1,
	 testbed: "one topo up, wgbench run --attach", parity_goal: "0.97-1.03",
	 tcp_single_ratio: ($wt[0].median / $bt[0].median | r2),
	 udp_ratio: ($wu[0].median / $bu[0].median | r2),
	 tcp_single_wgbench_mbps: ($wt[0].median / 1e6 | r2), tcp_single_bare_mbps: ($bt[0].median / 1e6 | r2),
	 udp_wgbench_mbps: ($wu[0].median / 1e6 | r2), udp_bare_mbps: ($bu[0].median / 1e6 | r2),
	 tcp_single_sampler_on_off_ratio: ($wt[0].median / $nt[0].median | r2),
	 udp_sampler_on_off_ratio: ($wu[0].median / $nu[0].median | r2),
	 tcp_single_wgbench_cv_pct: $wt[0].cv_percent, tcp_single_bare_cv_pct: $bt[0].cv_percent,
	 udp_wgbench_cv_pct: $wu[0].cv_percent, udp_bare_cv_pct: $bu[0].cv_percent,
	 tcp_single_cv_ratio: ($vt[0].ratio | sqrt | r2), tcp_single_p_wgbench_varies_more: $vt[0].p_a_worse,
	 udp_cv_ratio: ($vu[0].ratio | sqrt | r2), udp_p_wgbench_varies_more: $vu[0].p_a_worse,
	 cv_goal: "wgbench not worse: no evidence (p >= 0.05) that it varies more",
	 cv_not_worse: ($vt[0].p_a_worse >= 0.05 and $vu[0].p_a_worse >= 0.05),
	 tcp_single_wgbench_cv_all_pct: $wt[0].cv_all_percent, tcp_single_bare_cv_all_pct: $bt[0].cv_all_percent,
	 udp_wgbench_cv_all_pct: $wu[0].cv_all_percent, udp_bare_cv_all_pct: $bu[0].cv_all_percent,
	 all_bps: {tcp_single_wgbench: $wt[0].all, tcp_single_bare: $bt[0].all,
		   udp_wgbench: $wu[0].all, udp_bare: $bu[0].all,
		   tcp_single_no_sampler: $nt[0].all, udp_no_sampler: $nu[0].all}}'
