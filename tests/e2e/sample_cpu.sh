#!/bin/sh
# wgbench sample on a live testbed: a busy loop pinned to CPU 1 inside the
# source namespace shows as ~100% busy (mostly %usr) on cpu1; the timeline is
# a CSV whose header names the columns and whose rows all have as many fields.
#
#   source ──lan── gw1 ══underlay══ gw2 ──lan── drain      (wgbench topo up)
#   [taskset -c 1 busy loop]
# e2e: alone (reads every core's load: another test's is noise)
. "$WGB_TOP/tests/e2e/lib.sh"
LOOP=
trap '[ -n "$LOOP" ] && kill $LOOP 2>/dev/null; e2e_cleanup' EXIT
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
"$WGBENCH" topo up --prefix "$PFX" >/dev/null || fail "topo up"
TMP=$(mktemp -d)

# the machine is shared: see how busy cpu0 is without our load
"$WGBENCH" sample --prefix "$PFX" --duration 1 --json > "$TMP/base.json" || fail "sample (baseline)"
base0=$(jq '.cpu.cores[] | select(.cpu==0) | .busy' "$TMP/base.json")

ip netns exec "${PFX}source" taskset -c 1 sh -c 'while :; do :; done' &
LOOP=$!
"$WGBENCH" sample --prefix "$PFX" --duration 3 --interval 0.5 --out "$TMP/t.csv" --json > "$TMP/s.json" \
	|| fail "sample"
kill $LOOP; LOOP=
busy1=$(jq '.cpu.cores[] | select(.cpu==1) | .busy' "$TMP/s.json")
busy0=$(jq '.cpu.cores[] | select(.cpu==0) | .busy' "$TMP/s.json")
usr1=$(jq '.cpu.cores[] | select(.cpu==1) | .usr' "$TMP/s.json")
echo "cpu1 busy $busy1 (usr $usr1), cpu0 busy $busy0 (cpu0 before the loop: $base0)"
awk -v b="$busy1" 'BEGIN { exit !(b >= 90) }' || fail "cpu1 busy $busy1 < 90 with a loop pinned there"
awk -v u="$usr1" 'BEGIN { exit !(u >= 40) }' || fail "cpu1 usr $usr1: the loop is user time"
# only meaningful when nobody else loads cpu0
if awk -v b="$base0" 'BEGIN { exit !(b < 40) }'; then
	awk -v b="$busy0" 'BEGIN { exit !(b < 75) }' || fail "cpu0 busy $busy0 though the loop is on cpu1"
	ok "cpu0 stayed at $busy0%"
else
	echo "note: cpu0 was already ${base0}% busy from other work; its check is skipped"
fi
ok "pinned loop seen on cpu1"

# timeline: header + rows, same field count, t increasing by ~interval
[ "$(head -1 "$TMP/t.csv" | cut -d, -f1-2)" = "t,dt" ] || fail "timeline header"
head -1 "$TMP/t.csv" | tr , '\n' | grep -qx "cpu1.softirq" || fail "no cpu1.softirq column"
head -1 "$TMP/t.csv" | tr , '\n' | grep -qx "gw2.Udp.RcvbufErrors" || fail "no gw2 snmp column"
head -1 "$TMP/t.csv" | tr , '\n' | grep -qx "gw1.tunnel_cpu" || fail "no gw1 tunnel_cpu column"
rows=$(($(wc -l < "$TMP/t.csv") - 1))
[ "$rows" -ge 5 ] || fail "only $rows timeline rows in 3 s at 0.5 s"
awk -F, 'NR==1 { n=NF; next } NF!=n { bad=1 } END { exit bad }' "$TMP/t.csv" || fail "ragged rows"
awk -F, 'NR>2 && $1 <= prev { bad=1 } NR>1 { prev=$1 } END { exit bad }' "$TMP/t.csv" || fail "t not increasing"
col=$(head -1 "$TMP/t.csv" | tr , '\n' | grep -nx cpu1.busy | cut -d: -f1)
awk -F, -v c="$col" 'NR>1 && NR<4 && $c < 80 { bad=1 } END { exit bad }' "$TMP/t.csv" || fail "timeline cpu1.busy low"
ok "timeline: $rows rows"
# gnuplot reads it by column name
if command -v gnuplot >/dev/null; then
	gnuplot -e "set datafile separator comma; set terminal dumb; plot '$TMP/t.csv' using 't':'cpu1.busy' with lines" \
		>/dev/null 2>"$TMP/gp.err" || fail "gnuplot: $(cat "$TMP/gp.err")"
	ok "gnuplot plots the timeline"
fi
rm -rf "$TMP"
"$WGBENCH" topo down --prefix "$PFX" >/dev/null || fail "topo down"
no_leftovers
