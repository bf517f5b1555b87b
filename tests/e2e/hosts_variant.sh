#!/bin/sh
# A variant on --backend hosts: each machine's agent applies the knobs of
# its node (and the "host" ones: every machine is one), reads them back and
# reverts them. Snapshot per machine before and after: the same. A tbf cap
# on the gateways' underlay must cap tcp-single; a cpus knob at source pins
# the iperf3 clients its agent starts. A host-wide knob is set on
# every machine where the machine has it, else its variant is skipped with
# the reason (these machines are namespaces: net.core.netdev_* is the
# kernel's, not theirs).
# e2e: host-wide (a machine-wide sysctl, which the test machines share with the host)
# e2e: ~19 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
hosts_up site
hosts_opts site
cat > "$HOSTS_DIR/cap.json" <<'J'
{"name": "cap-20mbit", "set": [
  {"node": "gateways", "link": "underlay", "qdisc": "tbf", "rate": "20mbit"},
  {"node": "all", "sysctl": "net.ipv4.tcp_congestion_control", "value": "reno"},
  {"node": "gateways", "sysctl": "net.core.somaxconn", "value": 4242},
  {"node": "source", "cpus": [0]}]}
J
cat > "$HOSTS_DIR/backlog.json" <<'J'
{"name": "backlog", "set": [{"node": "host", "sysctl": "net.core.netdev_max_backlog", "value": 4321}]}
J
snap() {   # NAME: what the variant touches on that machine
	hosts_ssh "$1" 'tc qdisc show dev lan0; tc qdisc show dev ul0 2>/dev/null;
		cat /proc/sys/net/ipv4/tcp_congestion_control /proc/sys/net/core/somaxconn;
		cat /proc/sys/net/core/netdev_max_backlog 2>/dev/null' | sed 's/ refcnt [0-9]*//'
}
for n in $HOSTS_NAMES; do snap "$n" > "$HOSTS_DIR/before-$n"; done
out="$HOSTS_DIR/res"
# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" run $HOSTS_OPTS --variant "$WGB_TOP/scenarios/variants/baseline.json" \
	--variant "$HOSTS_DIR/cap.json" --scenario tcp-single --duration 3 --repeat 1 --no-warmup --quiet --out "$out"
jq -e '[.runs[] | select(.variant == "cap-20mbit")][0] | .ok and .throughput_bps < 21e6' "$out/results.json" >/dev/null \
	|| fail "the cap did not hold: $(jq -c '.runs[] | {variant, ok, throughput_bps}' "$out/results.json")"
# the cpus knob pins the clients the source's agent starts, read back there
jq -e '[.runs[] | select(.variant == "cap-20mbit")][0].per_flow[0].processes.client | .pid > 0 and .requested == "0" and .cpus_allowed_list == "0"' \
	"$out/results.json" >/dev/null || fail "the client was not pinned: $(jq -c '[.runs[] | .per_flow[0].processes]' "$out/results.json")"
jq -e '[.runs[] | select(.variant == "baseline")][0] | .ok and .throughput_bps > 25e6' "$out/results.json" >/dev/null \
	|| fail "baseline: $(jq -c '.runs[] | {variant, ok, throughput_bps}' "$out/results.json")"
jq -e '[.variants[] | select(.name == "cap-20mbit") | .applied[] | select(.key == "qdisc" and .ok) | .host] == ["gw1", "gw2"]
	and ([.variants[] | select(.name == "cap-20mbit") | .applied[] | select(.key == "sysctl" and .ok and .object == "net.core.somaxconn" and .after == "4242") | .host] | sort) == ["gw1", "gw2"]
	and ([.variants[] | select(.name == "cap-20mbit") | .applied[] | select(.key == "sysctl" and .ok and .after == "reno") | .host] | length) == 4' \
	"$out/run.json" >/dev/null || fail "read-back records: $(jq -c '.variants[] | {name, applied, skipped}' "$out/run.json")"
# the host-wide knob, on its own: set on every machine, or (machines that
# lack it) skipped with the reason, and a run whose every variant is
# skipped has nothing to run: exit 2
if hosts_ssh gw1 test -e /proc/sys/net/core/netdev_max_backlog; then want=0; else want=2; fi
# shellcheck disable=SC2086
expect_exit $want "$WGBENCH" run $HOSTS_OPTS --variant "$HOSTS_DIR/backlog.json" --scenario udp --duration 1 \
	--repeat 1 --no-warmup --quiet --out "$HOSTS_DIR/res2"
if [ $want = 0 ]; then
	jq -e '([.variants[] | select(.name == "backlog") | .applied[] | select(.ok and .global and .after == "4321") | .host] | sort) == ["drain", "gw1", "gw2", "source"]' \
		"$HOSTS_DIR/res2/run.json" >/dev/null || fail "host knob: $(jq -c '.variants[] | select(.name == "backlog")' "$HOSTS_DIR/res2/run.json")"
else
	echo "$OUT" | grep -q "variant 'backlog' skipped: [a-z0-9]*: set\[0\].sysctl: sysctl net.core.netdev_max_backlog does not exist" \
		|| fail "host knob the machines lack not skipped: $OUT"
	echo "$OUT" | grep -q "every variant was skipped" || fail "no 'every variant was skipped': $OUT"
	# the check needs each machine's kernel, so the testbed was up: run.json says why it stopped
	jq -e '.variants[] | select(.name == "backlog") | .skipped | test("netdev_max_backlog")' "$HOSTS_DIR/res2/run.json" >/dev/null \
		|| fail "run.json does not record the skip: $(jq -c '.variants' "$HOSTS_DIR/res2/run.json")"
	echo "skipped: $OUT"
fi
for n in $HOSTS_NAMES; do
	snap "$n" > "$HOSTS_DIR/after-$n"
	cmp -s "$HOSTS_DIR/before-$n" "$HOSTS_DIR/after-$n" \
		|| fail "machine $n not as before: $(diff "$HOSTS_DIR/before-$n" "$HOSTS_DIR/after-$n" | tr '\n' ';')"
done
jq -r '.runs[] | "\(.variant): \(.throughput_bps / 1e6 * 10 | floor / 10) Mbit/s"' "$out/results.json"
jq -r '.variants[] | select(.name == "cap-20mbit") | .applied[] | "\(.host) \(.node) \(.key) \(.object): \(.before) -> \(.after)"' "$out/run.json"
hosts_no_leftovers
ok "a variant applied, read back and reverted on every machine"
