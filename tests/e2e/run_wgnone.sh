#!/bin/sh
# --wg none: the no-tunnel ceiling, in the same results format; with
# --flow-mode streams (one iperf3 test with -P N), --flows, --tunnels 2 and
# --json (only the summary JSON on stdout) and --quiet.
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d /tmp/wgb-e2e-run-none.XXXXXX)
trap 'rm -rf "$tmp"; e2e_cleanup' EXIT

"$WGBENCH" run --prefix "$PFX" --wg none --duration 1 --omit 0 --repeat 2 --no-warmup \
	--scenario tcp-single --scenario udp --out "$tmp/a" --json > "$tmp/stdout" 2> "$tmp/stderr"
rc=$?
cat "$tmp/stderr"
[ $rc = 0 ] || fail "--wg none run exited $rc"
jq -e '.ok == true and (.summary | length == 2) and (.results_dir | length > 0)' "$tmp/stdout" >/dev/null \
	|| fail "--json stdout is not the summary: $(head -c 300 "$tmp/stdout")"
v=$(jq -f "$WGB_TOP/tests/e2e/run-schema.jq" "$tmp/a/results.json"); [ "$v" = true ] || fail "results.json: $v"
jq -e '.wireguard.implementation == "none" and .completed == 4' "$tmp/a/run.json" >/dev/null \
	|| fail "run.json: $(jq -c .wireguard "$tmp/a/run.json")"
ok "--wg none, --json"

"$WGBENCH" run --prefix "$PFX" --wg none --duration 1 --omit 0 --repeat 1 --no-warmup --no-sampler \
	--scenario tcp-fwd --flows 3 --flow-mode streams --tunnels 2 --out "$tmp/b" --quiet > "$tmp/stdout" 2> "$tmp/stderr"
rc=$?
[ $rc = 0 ] || { cat "$tmp/stdout" "$tmp/stderr"; fail "streams run exited $rc"; }
# --quiet: no progress at all; stderr may still carry warnings (gnuplot's).
[ -s "$tmp/stdout" ] && fail "--quiet printed: $(cat "$tmp/stdout")"
grep -q "^\[\|^testbed up\|^done:" "$tmp/stderr" && fail "--quiet printed progress: $(cat "$tmp/stderr")"
v=$(jq -f "$WGB_TOP/tests/e2e/run-schema.jq" "$tmp/b/results.json"); [ "$v" = true ] || fail "results.json: $v"
jq -e '.runs[0] | .flows == 3 and .flow_mode == "streams" and (.raw | length == 1) and .cpu == null' \
	"$tmp/b/results.json" >/dev/null || fail "streams mode entry: $(jq -c '.runs[0] | {flows, flow_mode, raw}' "$tmp/b/results.json")"
jq -e '.start.test_start.num_streams == 3' "$tmp/b/raw/baseline/tcp-fwd/r1-f0.json" >/dev/null \
	|| fail "the iperf3 test did not run 3 streams"
ok "--flow-mode streams --flows 3, --quiet"

"$WGBENCH" run --prefix "$PFX" --wg none --duration 1 --omit 0 --repeat 1 --no-warmup --no-sampler \
	--scenario tcp-fwd --flows 4 --tunnels 2 --out "$tmp/c" --quiet || fail "processes run with 2 tunnels"
jq -e '[.runs[0].per_flow[] | .server] == ["10.103.0.10","10.103.0.11","10.103.0.10","10.103.0.11"]
	and ([.runs[0].per_flow[] | .port] == [5201,5202,5203,5204])' "$tmp/c/results.json" >/dev/null \
	|| fail "flow i must go to drain address i mod N on port 5201+i: $(jq -c '[.runs[0].per_flow[] | [.server, .port]]' "$tmp/c/results.json")"
ok "--tunnels 2: flows spread over the drain addresses"
no_leftovers
