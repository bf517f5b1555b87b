#!/bin/sh
# --backend hosts on four machines (hosts_lib.sh: a namespace, its own /run
# and /tmp and a real sshd each): all five scenarios through a real tunnel
# (kernel WireGuard or wireguard-go, whichever the machines have), each
# machine's own CPU and counters in results.json, run.json's facts per
# machine (kernel, CPU, cores, NIC driver, WireGuard, the clock offset), and
# nothing left on any machine afterwards; ip_forward back as it was.
#
#   controller ─ssh─ source ─lan0─ gw1 ═ul0═ gw2 ─lan0─ drain
# e2e: ~35 s (its time alone, for the order: longest first)
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
hosts_up site
hosts_opts site
fwd1=$(hosts_ssh gw1 cat /proc/sys/net/ipv4/ip_forward)
fwd2=$(hosts_ssh gw2 cat /proc/sys/net/ipv4/ip_forward)
out="$HOSTS_DIR/res"
# shellcheck disable=SC2086
expect_exit 0 "$WGBENCH" run $HOSTS_OPTS --duration 2 --repeat 1 --no-warmup --out "$out"
echo "$OUT" | grep -q "testbed up: hosts (site, 4 machines)" || fail "no testbed line: $OUT"
echo "$OUT" | grep -q "Sanitizer" && fail "a sanitizer spoke: $OUT"
jq -e --argjson n "$(ls "$WGB_TOP"/scenarios/*.json | wc -l)" '(.runs | length) == $n and all(.runs[]; .ok and .throughput_bps > 0
	and ((.cpu.nodes | keys) == ["drain", "gw1", "gw2", "source"])
	and all(.cpu.nodes[]; (.cores | length) >= 1 and all(.cores[]; has("softirq") and has("idle")))
	and .cpu.top_core.node != null
	and ((.drops.nodes | keys) == ["drain", "gw1", "gw2", "source"])
	and .drops.nodes.gw2.udp_rcvbuf_errors != null and .drops.udp_rcvbuf_errors != null)' "$out/results.json" >/dev/null \
	|| fail "results.json lacks runs or per-machine CPU: $(jq -c '.runs[] | {scenario, ok, error, throughput_bps, nodes: (.cpu.nodes | keys?)}' "$out/results.json")"
jq -e '.backend == "hosts" and .topology == "site"
	and (.wireguard.implementation == "wireguard-go" or .wireguard.implementation == "kernel")
	and (.wireguard.version | length) > 0
	and ((.hosts.nodes | keys) == ["drain", "gw1", "gw2", "source"])
	and all(.hosts.nodes[]; (.kernel_release | length) > 0 and (.cpu_model | length) > 0 and .cores >= 1
		and .nics.lan.driver == "veth" and (.ssh | startswith("root@'"$HOSTS_NET"'."))
		and .clock.syncs >= 2 and .clock.rtt_s > 0)
	and .hosts.nodes.gw1.nics.underlay.driver == "veth"
	and .hosts.nodes.gw2.wireguard.implementation == .wireguard.implementation' "$out/run.json" >/dev/null \
	|| fail "run.json's hosts: $(jq -c '{backend, topology, wireguard, hosts}' "$out/run.json")"
# The machines share this kernel's clock: every offset must be ~0, within
# what the round trip allows (and a little for a loaded machine).
jq -e 'all(.hosts.nodes[]; (.clock.offset_s | fabs) <= .clock.uncertainty_s + 0.002)' "$out/run.json" >/dev/null \
	|| fail "clock offsets of one clock are not 0: $(jq -c '[.hosts.nodes[] | .clock]' "$out/run.json")"
# The latency probe through the agents: source -> drain through the tunnel,
# gw1 -> gw2 on the underlay. These machines are namespaces of one kernel,
# so the reflectors' clock is the probers' and one-way delays are real;
# owd present exactly where the clock is shared.
jq -e 'all(.runs[]; .latency.sent > 0 and .latency.lost < .latency.sent and .latency.rtt_ms.p50 > 0
	and .latency.idle_sent > 0 and .latency.cost.cpu_s > 0
	and .latency.underlay.sent > 0 and .latency.underlay.lost < .latency.underlay.sent
	and .latency.clock_shared and (.latency.owd_fwd_ms != null) == .latency.clock_shared
	and (.latency.underlay.owd_fwd_ms != null) == .latency.underlay.clock_shared)' "$out/results.json" >/dev/null \
	|| fail "latency through the agents: $(jq -c '[.runs[] | {scenario, latency_error, sent: .latency.sent, lost: .latency.lost, shared: .latency.clock_shared, owd: .latency.owd_fwd_ms, ul: .latency.underlay.sent}]' "$out/results.json")"
# its per-probe file is on this machine's clock: the probes began before
# the measured window and went on into it
d=$(jq -r '.runs[0].latency_samples' "$out/results.json")
w0=$(jq -r '.runs[0].window.start_s' "$out/results.json")
awk -v w0="$w0" '!/^#/ { if (first == "") first = $1; last = $1 } END { exit !(first != "" && first < w0 && last > w0) }' \
	"$out/$d" || fail "$d is not on the window's clock (window from $w0): $(head -3 "$out/$d")"
# the timelines: gw2's CSV for the report, every machine's in .nodes.csv
f=$(jq -r '.runs[0].samples' "$out/results.json")
head -c 2 "$out/$f" | grep -q "^t," || fail "$f is not a CSV timeline"
[ "$(grep -c '^# node ' "$out/${f%.csv}.nodes.csv")" = 4 ] || fail "${f%.csv}.nodes.csv lacks machines"
jq -r '.runs[] | "\(.scenario): \(.throughput_bps / 1e6 | floor) Mbit/s, gw2 top core \(.cpu.nodes.gw2.top_core.cpu) softirq \(.cpu.nodes.gw2.top_core.softirq)%, RTT p50 \(.latency.rtt_ms.p50) ms (idle \(.latency.idle_rtt_ms.p50)), underlay \(.latency.underlay.rtt_ms.p50) ms"' "$out/results.json"
jq -r '.hosts.nodes | to_entries[] | "\(.key): offset \(.value.clock.offset_s) +- \(.value.clock.uncertainty_s) s"' "$out/run.json"
hosts_no_leftovers
[ "$(hosts_ssh gw1 cat /proc/sys/net/ipv4/ip_forward)" = "$fwd1" ] || fail "gw1's ip_forward not restored"
[ "$(hosts_ssh gw2 cat /proc/sys/net/ipv4/ip_forward)" = "$fwd2" ] || fail "gw2's ip_forward not restored"
ok "hosts run: five scenarios, four machines, nothing left"
