#!/bin/sh
# topo-shell.sh up|down PREFIX [TUNNELS] — the testbed of topo/topo.h built by
# a plain script of ip(8) and wg(8) commands with wireguard-go, the way a
# person would write it (one command per step, as in the kernel's netns.sh).
# tests/bench.d/topo.sh times it against `wgbench topo up/down`: same
# namespaces, interfaces, addresses, MTU, forwarding, rp_filter, routes,
# policy rules, keys, ports, endpoints and allowed IPs.
#
#   source ──lan── gw1 ══underlay══ gw2 ──lan── drain
#                   └──── tunnel k ────┘
set -eu
act=$1 P=$2 N=${3:-1}
S=${P}source G1=${P}gw1 G2=${P}gw2 D=${P}drain

up() {
	for ns in $S $G1 $G2 $D; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	for ns in $G1 $G2; do
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_forward=1
	done
	ip -n $G1 link add ${P}g1l type veth peer name ${P}sl netns $S
	ip -n $G1 link add ${P}g1u type veth peer name ${P}g2u netns $G2
	ip -n $G2 link add ${P}g2l type veth peer name ${P}dl netns $D
	ip -n $S addr add 10.101.0.2/24 dev ${P}sl
	ip -n $G1 addr add 10.101.0.1/24 dev ${P}g1l
	ip -n $G1 addr add 10.100.0.1/24 dev ${P}g1u
	ip -n $G2 addr add 10.100.0.2/24 dev ${P}g2u
	ip -n $G2 addr add 10.103.0.1/24 dev ${P}g2l
	k=0
	while [ $k -lt "$N" ]; do
		ip -n $D addr add 10.103.0.$((10 + k))/24 dev ${P}dl
		k=$((k + 1))
	done
	ip -n $S link set ${P}sl up
	ip -n $G1 link set ${P}g1l up
	ip -n $G1 link set ${P}g1u up
	ip -n $G2 link set ${P}g2u up
	ip -n $G2 link set ${P}g2l up
	ip -n $D link set ${P}dl up
	keys=$(mktemp -d)
	k=0
	while [ $k -lt "$N" ]; do
		port=$((51820 + k))
		(umask 077; wg genkey > "$keys/1"; wg genkey > "$keys/2")
		pub1=$(wg pubkey < "$keys/1")
		pub2=$(wg pubkey < "$keys/2")
		# wireguard-go returns once its TUN device and control socket exist.
		ip netns exec $G1 wireguard-go ${P}g1t$k >/dev/null 2>&1
		ip netns exec $G2 wireguard-go ${P}g2t$k >/dev/null 2>&1
		ip netns exec $G1 wg set ${P}g1t$k private-key "$keys/1" listen-port $port \
			peer "$pub2" endpoint 10.100.0.2:$port allowed-ips 10.103.0.$((10 + k))/32,10.102.$k.2/32
		ip netns exec $G2 wg set ${P}g2t$k private-key "$keys/2" listen-port $port \
			peer "$pub1" endpoint 10.100.0.1:$port allowed-ips 10.101.0.0/24,10.102.$k.1/32
		ip -n $G1 addr add 10.102.$k.1/24 dev ${P}g1t$k
		ip -n $G2 addr add 10.102.$k.2/24 dev ${P}g2t$k
		ip -n $G1 link set ${P}g1t$k mtu 1420 up
		ip -n $G2 link set ${P}g2t$k mtu 1420 up
		k=$((k + 1))
	done
	rm -rf "$keys"
	ip -n $S route add default via 10.101.0.1
	ip -n $D route add default via 10.103.0.1
	k=0
	while [ $k -lt "$N" ]; do
		ip -n $G1 route add 10.103.0.$((10 + k))/32 dev ${P}g1t$k
		ip -n $G2 rule add from 10.103.0.$((10 + k)) lookup $((1000 + k)) pref $((1000 + k))
		ip -n $G2 route add default dev ${P}g2t$k table $((1000 + k))
		k=$((k + 1))
	done
}

down() {
	pids="$(ip netns pids $G1) $(ip netns pids $G2)"
	# shellcheck disable=SC2086
	[ -z "${pids## }" ] || kill $pids
	# Gone means gone: wait for them, as `wgbench topo down` does.
	for p in $pids; do
		while kill -0 "$p" 2>/dev/null && [ "$(cut -d' ' -f3 /proc/$p/stat 2>/dev/null)" != Z ]; do
			sleep 0.001
		done
	done
	for ns in $S $G1 $G2 $D; do
		ip netns del "$ns"
	done
	rm -f /var/run/wireguard/${P}g1t*.sock /var/run/wireguard/${P}g2t*.sock
}

case $act in
up) up ;;
down) down ;;
*) echo "usage: topo-shell.sh up|down PREFIX [TUNNELS]" >&2; exit 2 ;;
esac
