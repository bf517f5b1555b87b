#!/bin/sh
# History in PostgreSQL gives the same answers as SQLite. A throwaway cluster
# (Debian's postgresql package: initdb and pg_ctl run as nobody, data and the
# unix socket in a directory under /tmp, no TCP) is started here and stopped
# and removed on exit, whatever happens.
#
#   wgbench --db postgresql://wgb@/hist?host=$tmp  ==  wgbench --db $tmp/h.db
#
# Both get the same imports in the same order: the fixture results
# directories (summary[] made by `wgbench report`) and twelve results
# directories this test writes, schema /2 with RTT and verdicts, a step down
# at index 6 where the kernel changes. list, show, trend, changes, baseline and
# the OpenMetrics file must be byte for byte the same. Then: two writers at
# once into PostgreSQL lose nothing; a version-1 database made by psql is
# migrated with its data; a wrong database name is bad input (exit 2).
. "$WGB_TOP/tests/e2e/lib.sh"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pgbin/pg_ctl" ] || skip "skip: no PostgreSQL server (ci/install-deps installs postgresql)"
tmp=$(mktemp -d /tmp/wgb-pg.XXXXXX)
pg_stop() {
	[ -f "$tmp/data/postmaster.pid" ] &&
		runuser -u nobody -- "$pgbin/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$tmp"
	e2e_cleanup
}
trap pg_stop EXIT
chown nobody "$tmp"
runuser -u nobody -- "$pgbin/initdb" -D "$tmp/data" -A trust -U wgb --no-sync -E UTF8 \
	--locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 || fail "initdb: $(tail -n 5 "$tmp/initdb.log")"
runuser -u nobody -- "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/pg.log" -w -t 60 \
	-o "-k $tmp -c listen_addresses= -c fsync=off" start >/dev/null 2>&1 ||
	fail "pg_ctl start: $(tail -n 5 "$tmp/pg.log")"
psql() { "$pgbin/psql" -h "$tmp" -U wgb -X -q -t -A "$@"; }
for d in hist conc v1db; do psql -d postgres -c "CREATE DATABASE $d" || fail "createdb $d"; done
pg="postgresql://wgb@/hist?host=$tmp"
lite=$tmp/h.db
ok "a throwaway cluster on $tmp/.s.PGSQL.5432"

# Fixture directories, with summary[] as `wgbench report` computes it.
dirs=""
for f in results-a results-b results-half results-one results-one-new; do
	cp -r "$WGB_TOP/tests/data/$f" "$tmp/$f"
	"$WGBENCH" report "$tmp/$f" --quiet >/dev/null 2>&1 || fail "report $f"
	dirs="$dirs $tmp/$f"
done
# Twelve schema-/2 directories made here: kernel 6.1 then 6.12, 900 -> 700 Mbit/s.
python3 - "$tmp" <<'EOF' || fail "writing the synthetic directories"
import json, os, sys
top = sys.argv[1]
for i in range(12):
    d = os.path.join(top, "syn%02d" % i)
    os.makedirs(d)
    kernel = "6.1.0-50-cloud-amd64" if i < 6 else "6.12.107+deb12-cloud-amd64"
    level = (900e6 if i < 6 else 700e6) * (1 + 0.01 * ((i * 7) % 5 - 2))
    rtt = (2.0 if i < 6 else 3.5) + 0.01 * i
    run = {"schema": "wgbench.run/1", "note": "written by tests/e2e/history_pg.sh",
           "host": {"hostname": "synthetic", "machine_id": "5e1f" * 8, "cpu_model": "Test CPU",
                    "cores": 4, "kernel_release": kernel, "kernel_version": "#1 SMP test"},
           "backend": "vm", "wireguard": {"implementation": "kernel", "version": "1.0.0"},
           "start": "2026-03-%02dT10:00:00.000Z" % (i + 1), "seed_string": str(1000 + i),
           "options": {"duration": 10, "omit": 1, "flows": None, "flow_mode": "processes", "tunnels": 1},
           "scenarios": [{"name": "tcp-single", "protocol": "tcp", "flows": 1, "reverse": False,
                          "bandwidth_bps": 0, "block_size": 131072, "iperf3": "-P 1"}],
           "variants": [{"name": "baseline", "sha256": "ab" * 32}, {"name": "bbr", "sha256": "cd" * 32}]}
    runs, summary = [], []
    for v, f in (("baseline", 1.0), ("bbr", 1.1)):
        for r in range(3):
            runs.append({"variant": v, "scenario": "tcp-single", "repeat": r + 1, "ok": True,
                         "error": None, "throughput_bps": level * f * (1 + 0.002 * (r - 1)),
                         "latency": {"rtt_ms": {"p50": rtt / 2, "p99": rtt + 0.1 * r}}})
        summary.append({"variant": v, "scenario": "tcp-single", "baseline": v == "baseline", "n": 3,
                        "n_failed": 0, "median_bps": level * f, "ci_low_bps": level * f * 0.998,
                        "ci_high_bps": level * f * 1.002, "ci_level": 0.75, "cv_percent": 0.2,
                        "rtt_p50_ms": rtt / 2, "rtt_p99_ms": rtt + 0.1,
                        "verdict": None if v == "baseline" else "improvement",
                        "delta_percent": None if v == "baseline" else 10.0,
                        "p_value": None if v == "baseline" else 0.001})
    json.dump(run, open(os.path.join(d, "run.json"), "w"), indent=1)
    json.dump({"schema": "wgbench.results/2", "runs": runs, "summary": summary},
              open(os.path.join(d, "results.json"), "w"), indent=1)
EOF
syn=$(ls -d "$tmp"/syn* | tr '\n' ' ')
for db in "$lite" "$pg"; do
	expect_exit 0 "$WGBENCH" history add $dirs $syn --db "$db"
done
[ "$(psql -d hist -c 'SELECT count(*) FROM runs')" = 17 ] || fail "runs in PostgreSQL: $(psql -d hist -c 'SELECT count(*) FROM runs')"
ok "17 directories imported into both"

same() {   # same NAME ARGS...: the command's stdout from both stores must be identical
	_n=$1; shift
	"$WGBENCH" history "$@" --db "$lite" > "$tmp/$_n.lite" 2>"$tmp/$_n.lite.err" ||
		fail "sqlite: history $*: $(cat "$tmp/$_n.lite.err")"
	"$WGBENCH" history "$@" --db "$pg" > "$tmp/$_n.pg" 2>"$tmp/$_n.pg.err" ||
		fail "postgresql: history $*: $(cat "$tmp/$_n.pg.err")"
	cmp -s "$tmp/$_n.lite" "$tmp/$_n.pg" || fail "history $* differs: $(diff "$tmp/$_n.lite" "$tmp/$_n.pg" | head -n 20)"
	[ -s "$tmp/$_n.lite" ] || fail "history $*: empty output"
}
same list list --json
same listt list
for id in 1 3 6 17; do same show$id show $id --json; done
same changes changes --json
same changest changes
same trend trend --json --no-plot
same trendrtt trend --json --no-plot --metric rtt
same trendt trend --no-plot --scenario tcp-single
same base baseline "$tmp/syn11" last=4
same om list --openmetrics "$tmp/om.out"
mv "$tmp/om.out" "$tmp/om.lite"
"$WGBENCH" history list --db "$pg" --openmetrics "$tmp/om.out" >/dev/null 2>&1 || fail "openmetrics from postgresql"
cmp -s "$tmp/om.lite" "$tmp/om.out" || fail "OpenMetrics differ: $(diff "$tmp/om.lite" "$tmp/om.out" | head)"
ok "list, show, changes, trend, baseline, OpenMetrics: the same from both"

# The answers themselves: the step at the kernel change, in both metrics.
jq -e '[.changes[] | select(.scenario == "tcp-single" and .index == 6)] | length == 4' "$tmp/changes.pg" \
	>/dev/null || fail "expected a change at index 6 for both variants and metrics: $(cat "$tmp/changes.pg")"
jq -e '[.changes[] | select(.variant == "baseline" and .metric == "throughput")][0] |
	.before > 880e6 and .after < 720e6 and .p_value <= 0.01' "$tmp/changes.pg" >/dev/null ||
	fail "levels: $(cat "$tmp/changes.pg")"
jq -e '.baseline | map(select(.variant == "baseline"))[0] | (.runs | length) == 4 and
	(.throughput_bps_repeats | length) == 12 and (.rtt_p99_ms_runs | length) == 4' "$tmp/base.pg" >/dev/null ||
	fail "baseline: $(cat "$tmp/base.pg")"
ok "the step where the kernel changes: index 6, throughput and RTT, both variants"

# Two writers at once into one PostgreSQL database.
half1=$(ls -d "$tmp"/syn0* | tr '\n' ' ')
half2=$(ls -d "$tmp"/syn1* "$tmp"/results-* | tr '\n' ' ')
"$WGBENCH" history add $half1 --db "postgresql://wgb@/conc?host=$tmp" >"$tmp/w1.log" 2>&1 &
w1=$!
"$WGBENCH" history add $half2 --db "postgresql://wgb@/conc?host=$tmp" >"$tmp/w2.log" 2>&1 &
w2=$!
wait $w1 || fail "writer 1: $(cat "$tmp/w1.log")"
wait $w2 || fail "writer 2: $(cat "$tmp/w2.log")"
[ "$(psql -d conc -c 'SELECT count(*) FROM runs')" = 17 ] || fail "two writers: $(psql -d conc -c 'SELECT count(*) FROM runs')"
ok "two writers at once: all 17 runs there"

# A version-1 database, as an older wgbench left it.
psql -d v1db -c "CREATE TABLE wgbench_schema (version BIGINT NOT NULL);
INSERT INTO wgbench_schema VALUES (1);
CREATE TABLE runs (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, run_key TEXT NOT NULL UNIQUE,
 dir TEXT NOT NULL, start_time DOUBLE PRECISION NOT NULL, imported_at DOUBLE PRECISION NOT NULL,
 machine TEXT NOT NULL, hostname TEXT, cpu_model TEXT, cores BIGINT, kernel_release TEXT,
 backend TEXT NOT NULL, wg_implementation TEXT, wg_version TEXT);
CREATE TABLE cells (run_id BIGINT NOT NULL, variant TEXT NOT NULL, variant_sha256 TEXT,
 scenario TEXT NOT NULL, n BIGINT NOT NULL, median_bps DOUBLE PRECISION, ci_low_bps DOUBLE PRECISION,
 ci_high_bps DOUBLE PRECISION, cv_percent DOUBLE PRECISION, PRIMARY KEY (run_id, variant, scenario));
CREATE INDEX runs_series ON runs (machine, backend, start_time);
INSERT INTO runs (run_key, dir, start_time, imported_at, machine, hostname, kernel_release, backend)
 VALUES ('old', '/r/old', 1735689600, 1735689700, 'm1', 'box', '6.1.0-25-amd64', 'netns');
INSERT INTO cells VALUES (1, 'baseline', 'aa', 'tcp-fwd', 3, 941.5e6, 930e6, 950e6, 1.5);" ||
	fail "making a v1 database"
expect_exit 0 "$WGBENCH" history show 1 --json --db "postgresql://wgb@/v1db?host=$tmp"
echo "$OUT" | grep -q "migrating schema version 1 to 2" || fail "no migration message: $OUT"
echo "$OUT" | sed -n '/^{/,$p' | jq -e '.kernel_release == "6.1.0-25-amd64" and .cells[0].median_bps == 941.5e6' \
	>/dev/null || fail "v1 data after migration: $OUT"
[ "$(psql -d v1db -c 'SELECT version FROM wgbench_schema')" = 2 ] || fail "version after migration"
expect_exit 0 "$WGBENCH" history add "$tmp/syn00" --db "postgresql://wgb@/v1db?host=$tmp"
ok "a version-1 database migrated, its run kept, new runs go in"

expect_exit 2 "$WGBENCH" history list --db "postgresql://wgb@/nosuchdb?host=$tmp"
echo "$OUT" | grep -q "nosuchdb" || fail "bad database not named: $OUT"
ok "a database that does not exist: exit 2, named"
