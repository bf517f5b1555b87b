#!/bin/sh
# kill -9 of the controller in the middle of a scenario: each agent's
# session ends, and the agent removes its part by itself; `wgbench cleanup
# --hosts` then finds at most the rest. And when the agents are killed too
# (nobody left to tear down), cleanup --hosts removes everything from each
# machine's state file: addresses, routes, rules, tunnels, files.
# e2e: ~16 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
hosts_up site
hosts_opts site

# start_run N: a long run in the background; returns once its traffic
# flows (an established iperf3 connection at the drain)
flowing() { ip netns exec "${PFX}mdrain" ss -tnH state established '( sport = :5201 )' | grep -q .; }
start_run() {
	# shellcheck disable=SC2086
	"$WGBENCH" run $HOSTS_OPTS --scenario tcp-single --duration 60 --repeat 1 --no-warmup \
		--out "$HOSTS_DIR/res$1" > "$HOSTS_DIR/run$1.log" 2>&1 &
	RUN=$!
	poll 90 flowing || fail "no traffic: $(cat "$HOSTS_DIR/run$1.log")"
	for n in $HOSTS_NAMES; do
		[ -n "$(hosts_held "$n")" ] || fail "machine $n holds nothing while the run runs"
	done
}

# nothing held on any machine, polled (an agent tears down on its own time)
all_clear() {
	for _m in $HOSTS_NAMES; do [ -z "$(hosts_held "$_m")" ] || return 1; done
}

start_run 1
kill -9 "$RUN"
wait "$RUN" 2>/dev/null
# the agents notice their sessions ending and remove their parts
t0=$(date +%s)
poll 30 all_clear || fail "the agents did not remove their parts: $(for m in $HOSTS_NAMES; do hosts_held "$m"; done | tr '\n' ';')"
echo "the agents removed their parts within $(( $(date +%s) - t0 )) s of the kill"
expect_exit 0 "$WGBENCH" cleanup --hosts "$HOSTS_FILE" --ssh-config "$HOSTS_DIR/ssh_config" --prefix "$PFX"
hosts_no_leftovers

# now the agents die with it: only the state files know. Everything is
# stopped before anything is killed: an agent (or the controller) seeing
# another die would tear down before its own kill came (a slow machine's
# one-by-one kills let it, in the guest).
# stop_and_kill N: returns 1 when run N had already ended by itself (an
# iperf3 failure tears the testbed down the regular way), with its log shown.
stop_and_kill() {
	kill -STOP "$RUN" 2>/dev/null
	agents=$(for n in $HOSTS_NAMES; do hosts_pids "$n" "agent --stdio"; done)
	# shellcheck disable=SC2086
	[ -z "$agents" ] || kill -STOP $agents
	held=$(hosts_held gw1)
	# shellcheck disable=SC2086
	[ -z "$agents" ] || kill -9 $agents
	kill -9 "$RUN" 2>/dev/null
	wait "$RUN" 2>/dev/null
	if echo "$held" | grep -q "address 10.100.0.1/24 on ul0"; then
		[ -n "$agents" ] || fail "no agent process found"
		return 0
	fi
	echo "run $1 had ended before the kill (gw1 held: $(echo "$held" | tr '\n' ';')); its log:"
	sed 's/^/    /' "$HOSTS_DIR/run$1.log"
	return 1
}
start_run 2
if ! stop_and_kill 2; then
	expect_exit 0 "$WGBENCH" cleanup --hosts "$HOSTS_FILE" --ssh-config "$HOSTS_DIR/ssh_config" --prefix "$PFX"
	hosts_no_leftovers
	start_run 3
	stop_and_kill 3 || fail "gw1 lost its part without an agent, twice"
fi
hosts_ssh gw1 test -e "/run/wgbench/${PFX}agent.json" || fail "gw1 has no state file"
expect_exit 0 "$WGBENCH" cleanup --hosts "$HOSTS_FILE" --ssh-config "$HOSTS_DIR/ssh_config" --prefix "$PFX"
echo "$OUT" | grep -q "host gw2 (root@$HOSTS_NET.3.2): removed rule from 10.103.0.10/32" || fail "cleanup said: $OUT"
echo "$OUT" | grep "host gw1"
hosts_no_leftovers
expect_exit 0 "$WGBENCH" cleanup --hosts "$HOSTS_FILE" --ssh-config "$HOSTS_DIR/ssh_config" --prefix "$PFX"
[ "$(echo "$OUT" | grep -c "nothing of prefix $PFX")" = 4 ] || fail "a second cleanup found more: $OUT"
ok "kill -9 of the controller (and of its agents): cleanup --hosts leaves nothing"
