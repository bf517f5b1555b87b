#!/bin/sh
# Faults of --backend hosts, each one line naming the machine and what
# failed: a bad hosts file (the file and the field), a device that is not
# there, a machine without iperf3 support (libiperf cannot be loaded), a
# machine whose sshd is gone (exit 2 for all of them, nothing touched on any
# machine), and a machine whose agent dies mid-run (the run fails, the
# other machines are cleaned up).
# e2e: ~25 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
hosts_up site
hosts_opts site
run() {   # EXIT-CODE [run options...]
	_code=$1; shift
	# shellcheck disable=SC2086
	expect_exit "$_code" "$WGBENCH" run $HOSTS_OPTS --scenario tcp-single --duration 2 --repeat 1 \
		--no-warmup --quiet --out "$HOSTS_DIR/res" --force "$@"
}
untouched() {
	hosts_no_leftovers
	[ ! -e "$HOSTS_DIR/res/results.json" ] || fail "a results directory was started"
}

# a bad hosts file: the file and the field, before any ssh
jq 'del(.nodes.drain) | .nodes.gw2.links.underlay = "ul/0"' "$HOSTS_FILE" > "$HOSTS_DIR/bad.json"
# shellcheck disable=SC2086
expect_exit 2 "$WGBENCH" run --backend hosts --hosts "$HOSTS_DIR/bad.json" --ssh-config "$HOSTS_DIR/ssh_config" \
	--prefix "$PFX" --scenario tcp-single --quiet --out "$HOSTS_DIR/res"
echo "$OUT" | grep -q "bad.json: nodes.drain: missing" || fail "missing node not named: $OUT"
echo "$OUT" | grep -q "bad.json: nodes.gw2.links.underlay: 'ul/0' is not an interface name" || fail "bad device not named: $OUT"
untouched

# a device that is not there
jq '.nodes.gw2.links.underlay = "ul9"' "$HOSTS_FILE" > "$HOSTS_DIR/nodev.json"
HOSTS_OPTS_SAVED=$HOSTS_OPTS
HOSTS_OPTS=$(echo "$HOSTS_OPTS" | sed "s|$HOSTS_FILE|$HOSTS_DIR/nodev.json|")
run 2
echo "$OUT" | grep -q "host gw2 (root@$HOSTS_NET.3.2): device ul9 (its underlay link) not found" || fail "no device message: $OUT"
[ "$(echo "$OUT" | grep -v "sending this wgbench there" | grep -c .)" = 1 ] || fail "more than one line: $OUT"
HOSTS_OPTS=$HOSTS_OPTS_SAVED
untouched
echo "device missing: $OUT"

# no iperf3 support on drain: its libiperf hidden in that machine's mounts
lib=$(ldd "$WGBENCH" | awk '/libiperf/ {print $3}')
[ -n "$lib" ] || fail "$WGBENCH does not link libiperf"
hosts_ssh drain mount --bind /dev/null "$lib" || fail "cannot hide $lib on drain"
run 2
hosts_ssh drain umount "$lib"
echo "$OUT" | grep -q "host drain (root@$HOSTS_NET.4.2): no iperf3 support" || fail "no iperf3 message: $OUT"
untouched
echo "no iperf3: $(echo "$OUT" | grep drain)"

# a machine that cannot be reached
hosts_stop_sshd gw2
run 2
echo "$OUT" | grep -q "host gw2 (root@$HOSTS_NET.3.2): unreachable: .*Connection refused" || fail "no unreachable message: $OUT"
untouched
echo "unreachable: $OUT"
hosts_down
hosts_up site
hosts_opts site

# a machine whose agent dies mid-run: the run fails naming it, the others clean up
# shellcheck disable=SC2086
"$WGBENCH" run $HOSTS_OPTS --scenario tcp-single --duration 4 --repeat 1 --no-warmup \
	--out "$HOSTS_DIR/res2" > "$HOSTS_DIR/run.log" 2>&1 &
RUN=$!
poll 90 grep -q "testbed up" "$HOSTS_DIR/run.log" || fail "no testbed: $(cat "$HOSTS_DIR/run.log")"
for p in $(hosts_pids gw2 "agent --stdio"); do kill -9 "$p"; done
wait "$RUN"
rc=$?
[ "$rc" = 1 ] || fail "agent killed mid-run: exit $rc: $(cat "$HOSTS_DIR/run.log")"
grep -q "host gw2 (root@$HOSTS_NET.3.2)" "$HOSTS_DIR/run.log" || fail "gw2 not named: $(cat "$HOSTS_DIR/run.log")"
for n in source gw1 drain; do
	held=$(hosts_held "$n")
	[ -z "$held" ] || fail "$n still holds: $held"
done
grep "gw2" "$HOSTS_DIR/run.log" | head -3
expect_exit 0 "$WGBENCH" cleanup --hosts "$HOSTS_FILE" --ssh-config "$HOSTS_DIR/ssh_config" --prefix "$PFX"
hosts_no_leftovers
ok "faults: each names the machine and what failed"
