#!/bin/sh
# History in SQLite with real runs: ten short tcp-single runs of one variant
# named "ci", a 50 Mbit/s token bucket on the underlay for the first five and
# a 10 Mbit/s one for the last five (the variant's content changes along its
# series, as a CI's does).
#
#   runs 0..4  ci = tbf 50mbit     ~ 50 Mbit/s
#   runs 5..9  ci = tbf 10mbit     ~ 10 Mbit/s        -> a change point at index 5
#
# Both levels are set by a token bucket, not by the machine: with the first
# half unlimited, a CI machine's dip (323, 243, 296, 246, 155 Mbit/s, then 90)
# put the split before the dip, rightly for the data and wrongly for the test.
#
# Imported with `history add`; the file must be in WAL mode; the fingerprint
# must be this machine's (machine id, kernel); show must give results.json's
# numbers; changes must find the step at index 5 (five runs a side: a perfect
# split has p near 2/252, so one noisy run on a shared machine still leaves it
# below alpha 0.05); trend must draw; the OpenMetrics
# file must parse with the Prometheus client's strict parser; the baseline of
# the last run must be the runs before it with the same variant content.
# e2e: ~50 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
tmp=$(mktemp -d /tmp/wgb-hist.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT
db=$tmp/h.db

cat > "$tmp/plain.json" <<'EOF'
{"name": "ci", "description": "a 50 Mbit/s token bucket on the underlay",
 "set": [{"node": "gateways", "link": "underlay", "qdisc": "tbf", "rate": "50mbit"}]}
EOF
cat > "$tmp/rate.json" <<'EOF'
{"name": "ci", "description": "a 10 Mbit/s token bucket on the underlay",
 "set": [{"node": "gateways", "link": "underlay", "qdisc": "tbf", "rate": "10mbit"}]}
EOF
i=0
while [ $i -lt 10 ]; do
	v=$tmp/plain.json; [ $i -ge 5 ] && v=$tmp/rate.json
	"$WGBENCH" run --scenario tcp-single --duration 1 --repeat 1 --no-warmup --quiet \
		--variant "$v" --prefix "$PFX" --out "$tmp/r$i" >"$tmp/run$i.log" 2>&1 ||
		fail "run $i: $(tail -n 5 "$tmp/run$i.log")"
	expect_exit 0 "$WGBENCH" history add "$tmp/r$i" --db "$db"
	i=$((i + 1))
done
no_leftovers
[ "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal ] || fail "not in WAL mode"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM runs')" = 10 ] || fail "runs: $(sqlite3 "$db" 'SELECT count(*) FROM runs')"
[ "$(sqlite3 "$db" 'SELECT version FROM wgbench_schema')" = 2 ] || fail "schema version"
ok "10 real runs imported, WAL"

expect_exit 0 "$WGBENCH" history add "$tmp/r9" --db "$db"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM runs')" = 10 ] || fail "a run added twice counted twice"
ok "adding a run again replaces it"

expect_exit 0 "$WGBENCH" history list --db "$db" --json
echo "$OUT" | python3 -c '
import json, os, sys
d = json.load(sys.stdin)["runs"]
mid = open("/etc/machine-id").read().strip()
assert len(d) == 10, len(d)
for r in d:
    assert r["machine_id"] == mid and r["machine"] == mid, r
    assert r["kernel_release"] == os.uname().release, r
    assert r["kernel_version"] == os.uname().version, r
    assert r["backend"] == "netns" and r["wg_implementation"], r
assert [r["start"] for r in d] == sorted(r["start"] for r in d)
' || fail "list: $OUT"
ok "fingerprint: this machine's id and kernel, in time order"

last=$(echo "$OUT" | jq '.runs[9].id')
sixth=$(echo "$OUT" | jq '.runs[5].id')
expect_exit 0 "$WGBENCH" history show "$last" --db "$db" --json
want=$(jq '.summary[0].median_bps' "$tmp/r9/results.json")
echo "$OUT" | jq -e --argjson w "$want" '.cells[0].median_bps == $w and .cells[0].variant == "ci"' >/dev/null ||
	fail "show: median $(echo "$OUT" | jq '.cells[0].median_bps') != results.json's $want"
ok "show: results.json's median, exactly"

expect_exit 0 "$WGBENCH" history changes --db "$db" --json --alpha 0.05 --metric throughput
echo "$OUT" | jq -e --argjson run "$sixth" '.changes | length == 1 and .[0].index == 5 and
	.[0].run == $run and .[0].scenario == "tcp-single" and .[0].variant == "ci" and
	.[0].metric == "throughput" and .[0].after < .[0].before and .[0].delta_percent < -30 and
	.[0].p_value <= 0.05' >/dev/null ||
	fail "changes: $OUT $("$WGBENCH" history trend --db "$db" --no-plot 2>&1)"
ok "changes: the rate limit found at index 5 (run $sixth)"

expect_exit 0 "$WGBENCH" history trend --db "$db" --out "$tmp/trend" --alpha 0.05
echo "$OUT" | grep -q '^\*     5' || fail "trend table does not mark index 5: $OUT"
b=$tmp/trend/trend-throughput-tcp-single-ci
for ext in dat gp png svg; do [ -s "$b.$ext" ] || fail "no $b.$ext"; done
[ "$(grep -c '^[0-9]' "$b.dat")" = 10 ] || fail "dat: $(cat "$b.dat")"
grep -q 'set arrow from 5.5' "$b.gp" || fail "no change-point line at 5.5 in $b.gp"
grep -q "$(uname -r | tr -c 'A-Za-z0-9._+\n-' _)" "$b.dat" || fail "kernel label missing: $(cat "$b.dat")"
ok "trend: table, .dat/.gp/.png/.svg, the change point drawn"

expect_exit 0 "$WGBENCH" history list --db "$db" --openmetrics "$tmp/m.prom"
# Debian's python3-prometheus-client (ci/install-deps), whatever python3 PATH finds first
/usr/bin/python3 - "$tmp/m.prom" "$want" <<'EOF' || fail "openmetrics: $(cat "$tmp/m.prom")"
import os, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
fams = {f.name: f for f in text_string_to_metric_families(text)}
s = fams["wgbench_throughput_bps"].samples
assert len(s) == 1, s      # one series, one kernel: its latest run
l = s[0].labels
assert l["scenario"] == "tcp-single" and l["variant"] == "ci" and l["kernel"] == os.uname().release, l
assert abs(s[0].value - float(sys.argv[2])) <= 1e-6 * s[0].value, (s[0].value, sys.argv[2])
assert text.endswith("# EOF\n")
EOF
ok "openmetrics: parses strictly, the latest run's median"

expect_exit 0 "$WGBENCH" history baseline "$tmp/r9" last=3 --db "$db"
echo "$OUT" | jq -e '.baseline[0].runs | length == 3' >/dev/null || fail "baseline last=3: $OUT"
expect_exit 0 "$WGBENCH" history baseline "$tmp/r9" last=10 --db "$db"
echo "$OUT" | jq -e '.baseline[0].runs | length == 4' >/dev/null ||
	fail "baseline must skip runs of other variant content: $OUT"
expect_exit 0 "$WGBENCH" history baseline "$tmp/r9" last=10,hash=any --db "$db"
echo "$OUT" | jq -e '(.baseline[0].runs | length) == 9 and (.baseline[0].throughput_bps_runs | length) == 9' \
	>/dev/null || fail "baseline hash=any: $OUT"
expect_exit 0 "$WGBENCH" history baseline "$tmp/r9" last=10,kernel=no-such-kernel --db "$db"
echo "$OUT" | jq -e '.baseline[0].runs | length == 0' >/dev/null || fail "baseline kernel=: $OUT"
expect_exit 2 "$WGBENCH" history baseline "$tmp/r9" kernel=x --db "$db"
echo "$OUT" | grep -q "last=N" || fail "no last=: $OUT"
ok "baseline: the last N runs with NEW's fingerprint, N explicit"

# compare history:FILTER NEW: the baseline comes from the database
"$WGBENCH" compare history:last=3 "$tmp/r9" --history "$db" > "$tmp/cmp.md" 2>&1; rc=$?
case $rc in 0 | 3) ;; *) fail "compare history:last=3 r9: exit $rc: $(cat "$tmp/cmp.md")" ;; esac
grep -q "^BASE: history:last=3" "$tmp/cmp.md" || fail "compare history: BASE not named: $(cat "$tmp/cmp.md")"
grep -q "n=3 |" "$tmp/cmp.md" || fail "compare history: not one value per baseline run: $(cat "$tmp/cmp.md")"
expect_exit 2 "$WGBENCH" compare history "$tmp/r9" --history "$db"
expect_exit 2 env -u WGB_HISTORY "$WGBENCH" compare history:last=3 "$tmp/r9"
ok "compare history:last=3: the three runs before with NEW's fingerprint are BASE (exit $rc)"

# run --history: recorded as it finishes; a store that cannot open stops it before anything runs
expect_exit 0 "$WGBENCH" run --scenario tcp-single --duration 1 --repeat 1 --no-warmup --quiet \
	--variant "$tmp/plain.json" --prefix "$PFX" --out "$tmp/h10" --history "$tmp/run.db"
[ "$(sqlite3 "$tmp/run.db" 'SELECT count(*) FROM runs')" = 1 ] || fail "run --history did not record"
expect_exit 2 "$WGBENCH" run --scenario tcp-single --duration 1 --repeat 1 --quiet --prefix "$PFX" \
	--out "$tmp/h11" --history "$tmp/no-such-dir/x.db"
[ -e "$tmp/h11" ] && fail "run --history with a bad store wrote $tmp/h11"
ok "run --history DB records the run; a bad DB refuses the run first"

mkdir "$tmp/empty"
expect_exit 2 "$WGBENCH" history add "$tmp/empty" --db "$db"
cp -r "$tmp/r0" "$tmp/nosum"
jq '.summary = []' "$tmp/r0/results.json" > "$tmp/nosum/results.json"
expect_exit 2 "$WGBENCH" history add "$tmp/nosum" --db "$db"
echo "$OUT" | grep -q "wgbench report" || fail "no summary: $OUT"
expect_exit 2 "$WGBENCH" history show 999 --db "$db"
expect_exit 2 "$WGBENCH" history list
expect_exit 2 "$WGBENCH" history frobnicate --db "$db"
echo "not a database" > "$tmp/bad.db"
expect_exit 2 "$WGBENCH" history list --db "$tmp/bad.db"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM runs')" = 10 ] || fail "bad input changed the database"
ok "bad input: exit 2, database untouched"
