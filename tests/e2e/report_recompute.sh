#!/bin/sh
# `wgbench report` is a pure function of the raw data: on a copied results
# directory it gives byte-identical tables, every number in summary.csv
# (the unrounded summary.md) is recomputed independently by
# tests/data/recompute.py from runs[], and runs[] itself must agree with the
# raw iperf3 JSON it references: an edited throughput is refused (exit 2,
# naming the run and the value). Fixture data: tests/data/results-a, verdict-new.
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
	cp -r "$WGB_TOP/tests/data/verdict-new" "$tmp/vn"
	expect_exit 0 "$WGBENCH" report "$tmp/vn" --quiet
	python3 "$WGB_TOP/tests/data/recompute.py" "$tmp/vn" || fail "recompute.py: verdict-new"
	ok "every summary number and verdict recomputed independently"
fi

# summary[] is wgbench.results/2's, from a /1 file too
jq -e '.schema == "wgbench.results/2" and (.summary | length == 6) and
	(.summary[] | select(.variant == "baseline" and .scenario == "udp") |
	 .ci_level == 0.75 and .verdict == null and .baseline == true) and
	(.summary[] | select(.variant == "rps-backlog" and .scenario == "tcp-fwd") |
	 .verdict == "improvement" and (.p_value | type == "number") and (.delta_percent > 10)) and
	(.summary_rules.correction == "holm" and .summary_rules.raw_verified_runs == 6)' \
	"$tmp/one/results.json" >/dev/null || fail "summary[]: $(jq -c '.summary[0], .summary_rules' "$tmp/one/results.json")"
grep -q "Throughput of 6 of 17 successful runs recomputed from their raw iperf3 JSON" "$tmp/one/summary.md" ||
	fail "summary.md does not say what was checked against raw/"
ok "summary[] of wgbench.results/2: ci_level, verdict against the first variant, Holm"

# throughput_bps multiplied by 10: the raw iperf3 JSON says otherwise
cp -r "$WGB_TOP/tests/data/results-a" "$tmp/forged"
jq '(.runs[] | select(.variant == "baseline" and .scenario == "udp" and .repeat == 0)).throughput_bps *= 10' \
	"$WGB_TOP/tests/data/results-a/results.json" > "$tmp/forged/results.json"
expect_exit 2 "$WGBENCH" report "$tmp/forged" --quiet
echo "$OUT" | grep -q "runs\[1\] (baseline udp repeat 0): throughput_bps is 6.*, but its raw iperf3 JSON (2 files under raw/) says" ||
	fail "forged throughput: $OUT"
[ -e "$tmp/forged/summary.md" ] && fail "a refused directory got tables"
expect_exit 2 "$WGBENCH" compare "$tmp/forged" "$WGB_TOP/tests/data/results-b"
ok "a throughput that does not match raw/ is refused by report and compare"

# a raw file gone is evidence gone
cp -r "$WGB_TOP/tests/data/results-a" "$tmp/noraw"
rm "$tmp/noraw/raw/baseline/udp/r0-f1.json"
expect_exit 2 "$WGBENCH" report "$tmp/noraw" --quiet
echo "$OUT" | grep -q "references .*raw/baseline/udp/r0-f1.json: No such file" || fail "missing raw: $OUT"
ok "a referenced raw file that is missing is refused"

# results read strictly: a wrong type names the file and the field
cp -r "$WGB_TOP/tests/data/results-b" "$tmp/strict"
jq '.runs[2].throughput_bps |= tostring' "$WGB_TOP/tests/data/results-b/results.json" > "$tmp/strict/results.json"
expect_exit 2 "$WGBENCH" report "$tmp/strict"
echo "$OUT" | grep -q "strict/results.json: runs\[2\].throughput_bps: expected a finite number >= 0 or null, found the string" ||
	fail "string throughput: $OUT"
jq '.runs[0].ok = "false"' "$WGB_TOP/tests/data/results-b/results.json" > "$tmp/strict/results.json"
expect_exit 2 "$WGBENCH" report "$tmp/strict"
echo "$OUT" | grep -q 'runs\[0\].ok: expected true or false, found the string "false"' || fail "ok string: $OUT"
ok "strict reading: a string throughput or \"ok\":\"false\" exits 2 naming the field"

# bad input: exit 2 with one line naming the file
expect_exit 2 "$WGBENCH" report "$tmp/nonexistent"
echo "$OUT" | grep -q "results.json" || fail "message does not name the file: $OUT"
mkdir "$tmp/bad" && echo '{"schema":"other/9","runs":[]}' > "$tmp/bad/results.json"
expect_exit 2 "$WGBENCH" report "$tmp/bad"
echo "$OUT" | grep -q 'schema "other/9"' || fail "schema message: $OUT"
expect_exit 2 "$WGBENCH" report
ok "bad input exits 2"
