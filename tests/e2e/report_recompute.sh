#!/bin/sh
# `wgbench report` is a pure function of the raw data: on a copied results
# directory it gives byte-identical tables, and every number in summary.csv
# (the unrounded summary.md) is recomputed independently by
# tests/data/recompute.py from runs[]. Fixture data: tests/data/results-a.
. "$WGB_TOP/tests/e2e/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT

cp -r "$WGB_TOP/tests/data/results-a" "$tmp/one"
expect_exit 0 "$WGBENCH" report "$tmp/one" --quiet
for f in summary.md summary.csv report.html plots/throughput-tcp-fwd.png plots/throughput-tcp-fwd.svg \
	 plots/throughput-tcp-fwd.gp plots/throughput-tcp-fwd.dat plots/cpu-udp.png plots/drops-udp.png \
	 plots/timeline-udp.rps-backlog.png plots/timeline-udp.rps-backlog.cores.dat; do
	[ -s "$tmp/one/$f" ] || fail "missing $f"
done
ok "tables, plots, page written"

cp -r "$tmp/one" "$tmp/two"
rm -f "$tmp/two/summary.md" "$tmp/two/summary.csv"
expect_exit 0 "$WGBENCH" report "$tmp/two" --quiet
cmp "$tmp/one/summary.md" "$tmp/two/summary.md" || fail "summary.md differs on a copy"
cmp "$tmp/one/summary.csv" "$tmp/two/summary.csv" || fail "summary.csv differs on a copy"
cmp "$tmp/one/results.json" "$tmp/two/results.json" || fail "results.json summary[] differs"
ok "copy re-reported: identical tables"

# a stale or forged summary[] is not trusted: it is recomputed
python3 - "$tmp/two/results.json" <<'PY'
import json, sys
p = sys.argv[1]; r = json.load(open(p)); r["summary"] = [{"median_bps": 1}]
json.dump(r, open(p, "w"))
PY
expect_exit 0 "$WGBENCH" report "$tmp/two" --quiet
cmp "$tmp/one/summary.md" "$tmp/two/summary.md" || fail "forged summary[] leaked into the tables"
ok "summary[] recomputed, not read"

# runs[].window puts the counters on iperf3's axis: 0 = the end of the omit
cp -r "$WGB_TOP/tests/data/results-a" "$tmp/win"
jq '(.runs[] | select(.variant == "rps-backlog" and .scenario == "udp" and .repeat == 0))
	.window = {"start_s": 1002.25, "end_s": 1012.25}' "$tmp/one/results.json" > "$tmp/win/results.json"
expect_exit 0 "$WGBENCH" report "$tmp/win" --quiet
c="$tmp/win/plots/timeline-udp.rps-backlog.cores.dat"
head -n 1 "$c" | grep -q "start of the measured interval" || fail "aligned timeline header: $(head -n 1 "$c")"
[ "$(sed -n 2p "$c" | cut -d' ' -f1)" = "-2.000" ] || fail "first snapshot not at -2 s: $(sed -n 2p "$c")"
grep -q "xtitle = 'seconds from the start of the measured interval" "$tmp/win/plots/timeline-udp.rps-backlog.gp" \
	|| fail "the plot's x axis does not say it is aligned"
head -n 1 "$tmp/one/plots/timeline-udp.rps-backlog.cores.dat" | grep -q "first snapshot" \
	|| fail "without a window the axis must say it starts at the first snapshot"
ok "timeline: counters aligned with iperf3's intervals by runs[].window"

if command -v python3 >/dev/null; then
	python3 "$WGB_TOP/tests/data/recompute.py" "$tmp/one" || fail "recompute.py found mismatches"
	ok "every summary number recomputed independently"
fi

# bad input: exit 2 with one line naming the file
expect_exit 2 "$WGBENCH" report "$tmp/nonexistent"
echo "$OUT" | grep -q "results.json" || fail "message does not name the file: $OUT"
mkdir "$tmp/bad" && echo '{"schema":"other/9","runs":[]}' > "$tmp/bad/results.json"
expect_exit 2 "$WGBENCH" report "$tmp/bad"
echo "$OUT" | grep -q 'schema "other/9"' || fail "schema message: $OUT"
expect_exit 2 "$WGBENCH" report
ok "bad input exits 2"
