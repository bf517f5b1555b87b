#!/bin/sh
# bench.d/sample.sh — the sampler's own cost on a live 4-node testbed at the
# default interval (0.5 s): microseconds per snapshot (measured around each
# snapshot on CLOCK_MONOTONIC) and the sampler thread's CPU time (its thread
# CPU clock) as a percent of one core; idle, then under a UDP flood through
# the tunnel (more to read: busier counters, same files). One JSON object.
# Throughput with the sampler on vs off needs the run command (its bench).
set -u
: "${WGBENCH:?run through tests/bench}" "${WGB_TOP:?}"
D=${WGB_BENCH_SAMPLE_S:-10}
P=$(printf 'bs%s-' "$$" | cut -c1-9)
SRV=
trap '[ -n "$SRV" ] && kill $SRV 2>/dev/null; "$WGBENCH" cleanup --prefix "$P" >/dev/null 2>&1' EXIT
"$WGBENCH" topo up --prefix "$P" >/dev/null || { echo "sample bench: topo up failed" >&2; exit 1; }
tmp=$(mktemp -d)

measure() {  # measure TAG: sample D seconds, print the sampler's numbers as JSON fields
	"$WGBENCH" sample --prefix "$P" --duration "$D" --interval 0.5 --json > "$tmp/$1.json" ||
		{ echo "sample bench: wgbench sample failed" >&2; exit 1; }
	jq -c --arg tag "$1" '.duration_s as $d | .cpu.sampler |
		{($tag + "_snapshots"): .snapshots,
		 ($tag + "_snapshot_us_mean"): .mean_snapshot_us,
		 ($tag + "_snapshot_us_max"): .max_snapshot_us,
		 ($tag + "_self_cpu_s"): .self_cpu_s,
		 ($tag + "_core_percent"): ((.self_cpu_s / $d * 100 * 1000 | round) / 1000)}' "$tmp/$1.json"
}
idle=$(measure idle)

dst=10.103.0.10
ip netns exec "${P}drain" iperf3 -s -B "$dst" >/dev/null 2>&1 &
SRV=$!
i=0
until ip netns exec "${P}drain" ss -lnt | grep -q ':5201 '; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "sample bench: no iperf3 server" >&2; exit 1; }
	sleep 0.05
done
ip netns exec "${P}source" iperf3 -c "$dst" -u -b 0 -l 1200 -t $((D + 1)) >/dev/null 2>&1 &
load=$(measure load)
wait $! 2>/dev/null
kill $SRV; SRV=
rm -rf "$tmp"
"$WGBENCH" topo down --prefix "$P" >/dev/null
printf '%s\n%s\n' "$idle" "$load" | jq -s --argjson d "$D" \
	'add + {name: "sample", interval_s: 0.5, duration_s: $d, nodes: 4}'
