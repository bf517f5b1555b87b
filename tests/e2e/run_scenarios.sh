#!/bin/sh
# Every scenario (DESIGN.md's five and tcp-bidir) for 2 s through a real WireGuard tunnel (--wg auto: the
# kernel's where it has WireGuard, else wireguard-go), with the warm-up and
# the sampler: exit 0, every run ok with non-zero throughput, results.json
# against the schema (run-schema.jq), run.json's facts (the implementation
# the kernel calls for), every raw iperf3 file present and parsable, nothing left.
#
#   source --lan-- gw1 ==wireguard== gw2 --lan-- drain
#   (iperf3 clients)                          (iperf3 servers, 5201+i)
# e2e: ~34 s (its time alone, for the order: longest first)
. "$(dirname "$0")/lib.sh"
. "$WGB_TOP/tests/e2e/kernel_lib.sh"
if kernel_has_wg; then
	impl=kernel ver='^kernel '
else
	command -v wireguard-go >/dev/null || skip "wireguard-go is not installed and the kernel has no WireGuard"
	impl=wireguard-go ver=wireguard-go
fi

tmp=$(mktemp -d /tmp/wgb-e2e-run-all.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT
out="$tmp/out"

"$WGBENCH" run --prefix "$PFX" --duration 2 --omit 1 --repeat 1 --seed 7 --out "$out" > "$tmp/log" 2>&1
rc=$?
cat "$tmp/log"
[ $rc = 0 ] || fail "wgbench run exited $rc"
for s in tcp-fwd tcp-rev udp udp-small tcp-single tcp-bidir; do
	grep -q "^\[[1-6]/6\] baseline *$s " "$tmp/log" || fail "no terminal line for $s"
done
grep -q "^warm-up (discarded): tcp-single" "$tmp/log" || fail "no warm-up line"

v=$(jq -f "$WGB_TOP/tests/e2e/run-schema.jq" "$out/results.json") || fail "results.json: not JSON"
[ "$v" = true ] || fail "results.json: $v"
jq -e '.runs | length == 6 and all(.ok) and ([.[].scenario] | sort == ["tcp-bidir","tcp-fwd","tcp-rev","tcp-single","udp","udp-small"])' \
	"$out/results.json" >/dev/null || fail "not six ok runs"
# tcp-bidir: throughput_bps is both directions' receivers, each also alone;
# the one-way scenarios say bidir null
jq -e '.runs[] | select(.scenario == "tcp-bidir") | .bidir.forward_bps > 0 and .bidir.reverse_bps > 0
	and ((.bidir.forward_bps + .bidir.reverse_bps) / .throughput_bps - 1 | fabs < 1e-9)
	and (.per_flow | length == 4 and all(.bidir.forward_bps > 0))' "$out/results.json" >/dev/null \
	|| fail "tcp-bidir: not the sum of two directions: $(jq -c '.runs[] | select(.scenario == "tcp-bidir") | {throughput_bps, bidir}' "$out/results.json")"
jq -e 'all(.runs[] | select(.scenario != "tcp-bidir"); .bidir == null)' "$out/results.json" >/dev/null \
	|| fail "a one-way scenario says bidir"
jq -e '.runs[] | select(.scenario == "tcp-fwd") | .flows == 8 and (.raw | length == 8) and (.per_flow | length == 8)' \
	"$out/results.json" >/dev/null || fail "tcp-fwd: 8 flows, 8 raw files"
jq -e 'all(.runs[]; .cpu != null and .samples != null)' "$out/results.json" >/dev/null || fail "sampler output missing"
for f in $(jq -r '.runs[].raw[]' "$out/results.json"); do
	jq -e '.start.test_start and .end and (.error | not) and .server_output_json' "$out/$f" >/dev/null \
		|| fail "raw file $f: not a complete iperf3 JSON with the server's output"
done
for f in $(jq -r '.runs[].samples' "$out/results.json"); do
	[ -s "$out/$f" ] || fail "sample file $f missing"
done
jq -e --arg impl "$impl" --arg ver "$ver" '.schema == "wgbench.run/1" and .host.cores >= 1 and (.host.kernel_release | length > 0)
	and .backend == "netns" and .wireguard.implementation == $impl
	and (.wireguard.version | test($ver)) and .iperf3.version == "3.12"
	and (.wgbench.git_revision | length > 0) and .seed == 7 and .options.duration == 2
	and (.order | length == 6) and .completed == 6 and .interrupted == false and (.end != null)
	and (.scenarios | length == 6) and (.variants[0].name == "baseline") and .warmup.scenario == "tcp-single"
	and (.sampler.self_cpu_seconds | type == "number")' "$out/run.json" >/dev/null \
	|| fail "run.json lacks facts: $(jq -c '{wireguard, iperf3, seed, completed}' "$out/run.json")"
# The order on the terminal is the order in run.json, and the seed fixes it.
jq -r '.order[] | .scenario' "$out/run.json" > "$tmp/order"
grep '^\[' "$tmp/log" | awk '{ print $3 }' | diff - "$tmp/order" || fail "terminal order differs from run.json"
[ -f "$out/summary.md" ] || fail "no summary.md (report_write)"
# The udp timeline is the receiver's (the sender offers far more) and its
# counters sit on the same axis (window: the measured interval).
jq -e 'all(.runs[]; .window.end_s - .window.start_s == 2)' "$out/results.json" >/dev/null || fail "runs[].window"
rx=$(jq '.runs[] | select(.scenario == "udp") | .throughput_bps / 1e6' "$out/results.json")
# time-weighted: each interval is two rows, its start and its end
tl=$(awk '!/^#/ { if (++r % 2) t0 = $1; else { s += $2 * ($1 - t0); d += $1 - t0 } } END { print s / d }' \
	"$out/plots/timeline-udp.baseline.dat")
awk -v a="$tl" -v b="$rx" 'BEGIN { exit !(a > 0.75 * b && a < 1.25 * b) }' \
	|| fail "udp timeline averages $tl Mbit/s, the receiver got $rx"
head -n 1 "$out/plots/timeline-udp.baseline.cores.dat" | grep -q "measured interval" || fail "timeline not aligned"
no_leftovers
ok "six scenarios through $impl, files match the schema"
