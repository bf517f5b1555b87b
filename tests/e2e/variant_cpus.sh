#!/bin/sh
# The cpus knob pins for real: while a `wgbench run` measures, the iperf3
# endpoints it forked in source and drain run on the CPUs the variant asked
# for (/proc/<pid>/status Cpus_allowed_list), so do gw1's wireguard-go
# threads, and results.json / run.json report what was read from those
# processes, not what was asked.
#
#   source --lan-- gw1 ==wireguard== gw2 --lan-- drain
#   client, CPU 0   wireguard-go, CPU 0          server, CPU 1 (CPU 0 on 1 CPU)
. "$(dirname "$0")/lib.sh"
command -v wireguard-go >/dev/null || modprobe -n wireguard 2>/dev/null || skip "no WireGuard implementation"
tmp=$(mktemp -d /tmp/wgb-e2e-cpus.XXXXXX)
trap 'kill "$run" 2>/dev/null; wait "$run" 2>/dev/null; rm -rf "$tmp"; e2e_cleanup' EXIT
run=
src_cpu=0
drain_cpu=0
[ "$(nproc)" -ge 2 ] && drain_cpu=1
cat > "$tmp/pin.json" <<J
{"name": "pin", "set": [
  {"node": "source", "cpus": [$src_cpu]},
  {"node": "drain", "cpus": [$drain_cpu]},
  {"node": "gw1", "cpus": [0]}
]}
J

"$WGBENCH" run --prefix "$PFX" --variant "$tmp/pin.json" --scenario tcp-single --duration 4 --omit 0 \
	--repeat 1 --no-warmup --no-sampler --out "$tmp/out" > "$tmp/log" 2>&1 &
run=$!

allowed() { awk '/^Cpus_allowed_list:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# snapshot: wgbench's own children (the endpoints it forked) in source and
# drain, and their CPUs, read in one pass while both run: the client lives
# for the 4 s of traffic only, and on a slow machine (a TCG guest, where each
# exec costs tens of ms) a pass per node could straddle its end
snapshot() {
	client= server= ca= sa=
	for p in $(pgrep -P "$run"); do
		case $(ip netns identify "$p" 2>/dev/null) in
		"${PFX}source") client=$p ca=$(allowed "$p") ;;
		"${PFX}drain") server=$p sa=$(allowed "$p") ;;
		esac
	done
	[ -n "$ca" ] && [ -n "$sa" ]
}
poll 60 snapshot || { cat "$tmp/log"; fail "no iperf3 endpoints seen running together in ${PFX}source and ${PFX}drain"; }
# gw1's tunnel end is a process only under wireguard-go (kernel WireGuard's
# ends have pid 0 in the state file, and their threads are the kernel's)
wg=$(jq -r 'select(.wg == "wireguard-go") | .tunnel_ends[] | select(.gw == "gw1") | .pid' \
	"/run/wgbench/${PFX}state.json" 2>/dev/null | head -n 1)
wga=$(cat /proc/"$wg"/task/*/status 2>/dev/null | awk '/^Cpus_allowed_list:/ { print $2 }' | sort -u | tr '\n' ' ')
echo "client $client: $ca; server $server: $sa; gw1 wireguard-go $wg threads: $wga"
[ "$ca" = "$src_cpu" ] || fail "client $client runs on $ca, not $src_cpu"
[ "$sa" = "$drain_cpu" ] || fail "server $server runs on $sa, not $drain_cpu"
ok "while measuring: client on CPU $ca, server on CPU $sa (Cpus_allowed_list)"
if [ -n "$wg" ]; then
	[ "$wga" = "0 " ] || fail "gw1's wireguard-go threads run on '$wga', not 0"
	ok "gw1's wireguard-go threads on CPU 0"
else
	ok "gw1's tunnel is $(jq -r .wg "/run/wgbench/${PFX}state.json" 2>/dev/null): no wireguard-go threads to pin"
fi

wait "$run"; rc=$?; run=
cat "$tmp/log"
[ $rc = 0 ] || fail "wgbench run exited $rc"
flow=$(jq -c '.runs[0].per_flow[0].processes' "$tmp/out/results.json")
echo "per_flow[0].processes: $flow"
echo "$flow" | jq -e --argjson c "$client" --argjson s "$server" --arg ca "$src_cpu" --arg sa "$drain_cpu" \
	'.client.pid == $c and .client.cpus_allowed_list == $ca and .client.requested == $ca
	 and .server.pid == $s and .server.cpus_allowed_list == $sa and .server.requested == $sa' >/dev/null \
	|| fail "results.json does not show what the processes had: $flow"
applied=$(jq -c '.variants[] | select(.name == "pin") | .applied' "$tmp/out/run.json")
echo "$applied" | jq -e '[.[] | select(.key == "cpus" and (.node == "source" or .node == "drain"))]
	| length == 2 and all(.after == "at traffic start" and (.note | test("per_flow")) and (.before | length > 0))' \
	>/dev/null || fail "run.json claims an iperf3 pinning it did not read: $applied"
if [ -n "$wg" ]; then
	echo "$applied" | jq -e '[.[] | select(.node == "gw1" and (.object | startswith("wireguard-go")))]
		| length >= 1 and all(.after == "0")' >/dev/null || fail "run.json: gw1's threads: $applied"
else
	echo "$applied" | jq -e '[.[] | select(.node == "gw1" and .key == "cpus")]
		| length == 1 and .[0].object == "no wireguard-go process" and .[0].after == "-"' >/dev/null \
		|| fail "run.json claims a pinning of gw1 with no wireguard-go process: $applied"
fi
ok "results.json has each endpoint's affinity as read; run.json's iperf3 records defer to it"
no_leftovers
