#!/bin/sh
# bench compare: the false-alarm rate of `wgbench compare` on this machine.
# N+1 back-to-back runs of one configuration (nothing changed between them);
# each run is compared with the one before it. Every regression reported is a
# false alarm. The goal: no regression in at least 9 of 10 comparisons.
# WGB_BENCH_N comparisons (10); WGB_BENCH_SCENARIOS (tcp-single udp);
# WGB_BENCH_DURATION seconds (3); WGB_BENCH_REPEAT (3). Prints one JSON object.
set -u
: "${WGBENCH:?run through tests/bench}" "${WGB_TOP:?}"
n=${WGB_BENCH_N:-10}
scen=${WGB_BENCH_SCENARIOS:-tcp-single udp}
dur=${WGB_BENCH_DURATION:-3}
rep=${WGB_BENCH_REPEAT:-3}
pfx="bcmp$$-"
pfx=$(printf '%s' "$pfx" | cut -c1-9)
tmp=$(mktemp -d)
trap '"$WGBENCH" cleanup --prefix "$pfx" >/dev/null 2>&1; rm -rf "$tmp"' EXIT

args=""
for s in $scen; do args="$args --scenario $s"; done
ok=0 alarms=0 errors=0 i=0 details=""
while [ "$i" -le "$n" ]; do
	# shellcheck disable=SC2086
	if ! "$WGBENCH" run --prefix "$pfx" --variant "$WGB_TOP/scenarios/variants/baseline.json" $args \
		--duration "$dur" --repeat "$rep" --quiet --out "$tmp/r$i" >"$tmp/run$i.log" 2>&1; then
		echo "run $i failed:" >&2; tail -n 5 "$tmp/run$i.log" >&2
		errors=$((errors + 1)); i=$((i + 1)); continue
	fi
	if [ "$i" -gt 0 ] && [ -d "$tmp/r$((i - 1))" ]; then
		"$WGBENCH" compare "$tmp/r$((i - 1))" "$tmp/r$i" > "$tmp/cmp$i.md" 2>&1
		rc=$?
		case $rc in
		0 | 3) ok=$((ok + 1)) ;;   # equivalent, or inconclusive: no alarm either way
		1) alarms=$((alarms + 1)); echo "false alarm, run $((i - 1)) -> $i:" >&2
		   grep -E '\*\*(regression|failed)\*\*' "$tmp/cmp$i.md" >&2 ;;
		*) errors=$((errors + 1)); cat "$tmp/cmp$i.md" >&2 ;;
		esac
		details="$details${details:+,}$rc"
	fi
	i=$((i + 1))
done
total=$((ok + alarms))
rate=$(awk -v a="$alarms" -v t="$total" 'BEGIN { printf "%.3f", t ? a / t : 0 }')
pass=false
[ "$total" -gt 0 ] && [ $((ok * 10)) -ge $((total * 9)) ] && pass=true
printf '{"name":"compare","comparisons":%d,"no_regression":%d,"false_alarms":%d,"errors":%d,' \
	"$total" "$ok" "$alarms" "$errors"
printf '"false_alarm_rate":%s,"goal":"at most 1 in 10","pass":%s,"scenarios":"%s",' "$rate" "$pass" "$scen"
printf '"duration_s":%s,"repeat":%s,"exit_codes":[%s]}\n' "$dur" "$rep" "$details"
[ "$pass" = true ]
