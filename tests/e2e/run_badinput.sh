#!/bin/sh
# `wgbench run` refuses bad input with one clear line and exit 2, before it
# builds anything: unknown scenario, --duration 0, --repeat 0, fractional
# seconds, a bad scenario file, an output directory that is not empty (unless
# --force) or cannot be written. No testbed is made on any of these paths.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/wgb-e2e-run-bad.XXXXXX)
ro_mounted=
cleanup_tmp() { [ -n "$ro_mounted" ] && umount "$tmp/ro"; rm -rf "$tmp"; e2e_cleanup; }
trap cleanup_tmp EXIT

run() { "$WGBENCH" run --prefix "$PFX" --no-warmup --duration 1 --repeat 1 "$@"; }

expect_exit 2 run --scenario nope --out "$tmp/a"
echo "$OUT" | grep -q "scenario 'nope': no such scenario (known: tcp-bidir, tcp-fwd, tcp-rev, tcp-single, udp, udp-small)" \
	|| fail "unknown scenario message: $OUT"
[ -e "$tmp/a" ] && fail "output directory made for a refused run"
ok "unknown scenario"

expect_exit 2 run --duration 0 --out "$tmp/a"
echo "$OUT" | grep -q -- "--duration '0'" || fail "duration message: $OUT"
expect_exit 2 run --repeat 0 --out "$tmp/a"
echo "$OUT" | grep -q -- "--repeat '0'" || fail "repeat message: $OUT"
expect_exit 2 run --duration 1.5 --out "$tmp/a"
echo "$OUT" | grep -q "whole seconds" || fail "fractional duration message: $OUT"
expect_exit 2 run --scenario udp --scenario udp --out "$tmp/a"
echo "$OUT" | grep -q "given twice" || fail "duplicate scenario message: $OUT"
ok "duration, repeat, duplicates"

mkdir "$tmp/scen"
cp "$WGB_TOP"/scenarios/*.json "$tmp/scen/"
sed 's/"flows": 8/"flows": "eight"/' "$WGB_TOP/scenarios/tcp-fwd.json" > "$tmp/scen/tcp-fwd.json"
OUT=$(WGB_SCENARIO_DIR="$tmp/scen" run --out "$tmp/a" 2>&1); rc=$?
[ $rc = 2 ] || fail "bad scenario file: exit $rc: $OUT"
echo "$OUT" | grep -q "tcp-fwd.json: field 'flows': expected an integer from 1 to 128" \
	|| fail "bad scenario file message: $OUT"
ok "bad scenario file names file and field"

mkdir "$tmp/full" && touch "$tmp/full/something"
expect_exit 2 run --out "$tmp/full"
echo "$OUT" | grep -q "exists and is not empty" || fail "non-empty message: $OUT"
ok "non-empty output directory refused"

expect_exit 2 run --out /etc/hostname/sub
echo "$OUT" | grep -q "Not a directory" || fail "under a file: $OUT"
mkdir "$tmp/ro"
if mount -t tmpfs -o ro,size=64k tmpfs "$tmp/ro" 2>/dev/null; then
	ro_mounted=1
	expect_exit 2 run --out "$tmp/ro"
	echo "$OUT" | grep -q "not writable" || fail "read-only message: $OUT"
	expect_exit 2 run --out "$tmp/ro/new"
	echo "$OUT" | grep -q "cannot be created" || fail "read-only parent message: $OUT"
	ok "read-only output directory refused"
else
	echo "note: cannot mount a read-only tmpfs here; only the not-a-directory case ran"
fi

no_leftovers
ok "nothing built"
