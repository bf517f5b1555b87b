# A WireGuard tunnel that wgbench did not build, for the live-mode tests
# (sourced after lib.sh and hosts_lib.sh); `live_up 6` makes it in IPv6.
#
#   machine gw1 (where wgbench runs)          machine gw2 (the peer)
#   wg0 10.77.0.1/24 ═══ tunnel ═══ wg0 10.77.0.2/24   iperf3 -s on 10.77.0.2
#   ul0 192.0.2.1/24 ──── underlay ──── ul0 192.0.2.2/24
#   (both machines also have sshd on their management link: --peer-ssh)
#
# Made with plain ip, wg and wireguard-go commands, as an operator would:
# the kernel's WireGuard where the machines' kernel has it, else wireguard-go
# (each machine has its own /run, so both may call their interface wg0).
# live_snapshot NAME FILE records everything live mode promises not to touch
# (of the machine's own: the host-wide sysctls are the host kernel's, shared
# with every other test running here).
LIVE_WG=
LIVE_FAM=4
# The addresses of live_up's tunnel: the IPv4 ones above, or with `live_up 6`
# IPv6 only, inside and under the tunnel (the endpoints too):
#   wg0 fd77:77::1/64 ═══ wg0 fd77:77::2/64; ul0 2001:db8:77::1/64 ──── ::2/64
LIVE_T1=10.77.0.1 LIVE_T2=10.77.0.2 LIVE_U1=192.0.2.1 LIVE_U2=192.0.2.2

live_addr() {   # MACHINE DEV ADDR/PLEN: IPv6 without duplicate detection (the links are the test's)
	if [ "$LIVE_FAM" = 6 ]; then hosts_ssh "$1" ip addr add "$3" dev "$2" nodad
	else hosts_ssh "$1" ip addr add "$3" dev "$2"; fi
}

live_ep() {   # ADDR: an endpoint at port 51820
	if [ "$LIVE_FAM" = 6 ]; then echo "[$1]:51820"; else echo "$1:51820"; fi
}

live_up() {   # [4|6]
	LIVE_FAM=${1:-4}
	_tp=24 _up=24 _hp=32
	if [ "$LIVE_FAM" = 6 ]; then
		LIVE_T1=fd77:77::1 LIVE_T2=fd77:77::2 LIVE_U1=2001:db8:77::1 LIVE_U2=2001:db8:77::2
		_tp=64 _up=64 _hp=128
	fi
	umask 077   # wg genkey: keys not world-readable
	hosts_up p2p
	command -v wg >/dev/null || skip "needs wireguard-tools (wg)"
	live_addr gw1 ul0 "$LIVE_U1/$_up" || fail "underlay address gw1"
	live_addr gw2 ul0 "$LIVE_U2/$_up" || fail "underlay address gw2"
	if hosts_ssh gw1 ip link add wg0 type wireguard 2>/dev/null; then
		LIVE_WG=kernel
		hosts_ssh gw2 ip link add wg0 type wireguard || fail "kernel wg0 on gw2"
	else
		command -v wireguard-go >/dev/null || skip "no kernel WireGuard and no wireguard-go"
		LIVE_WG=wireguard-go
		for m in gw1 gw2; do
			hosts_ssh $m wireguard-go wg0 >/dev/null 2>&1 \
				|| fail "wireguard-go wg0 on $m"
		done
	fi
	wg genkey > "$HOSTS_DIR/k1"; wg pubkey < "$HOSTS_DIR/k1" > "$HOSTS_DIR/p1"
	wg genkey > "$HOSTS_DIR/k2"; wg pubkey < "$HOSTS_DIR/k2" > "$HOSTS_DIR/p2"
	hosts_ssh gw1 wg set wg0 listen-port 51820 private-key "$HOSTS_DIR/k1" \
		peer "$(cat "$HOSTS_DIR/p2")" endpoint "$(live_ep $LIVE_U2)" allowed-ips "$LIVE_T2/$_hp" \
		persistent-keepalive 5 || fail "wg set gw1"
	hosts_ssh gw2 wg set wg0 listen-port 51820 private-key "$HOSTS_DIR/k2" \
		peer "$(cat "$HOSTS_DIR/p1")" endpoint "$(live_ep $LIVE_U1)" allowed-ips "$LIVE_T1/$_hp" \
		|| fail "wg set gw2"
	live_addr gw1 wg0 "$LIVE_T1/$_tp"
	live_addr gw2 wg0 "$LIVE_T2/$_tp"
	hosts_ssh gw1 ip link set wg0 up
	hosts_ssh gw2 ip link set wg0 up
	poll 10 hosts_ssh gw1 ping -c 1 -W 1 $LIVE_T2 || fail "no traffic through the tunnel ($LIVE_WG)"
	live_iperf_up
}

live_iperf_up() {   # a plain iperf3 server on the far side, nothing of wgbench there
	rm -f "$HOSTS_DIR/iperf3-gw2.pid"
	hosts_ssh gw2 iperf3 -s -D -B $LIVE_T2 -p 5201 --pidfile "$HOSTS_DIR/iperf3-gw2.pid" \
		|| fail "iperf3 -s on gw2"
	poll 5 test -s "$HOSTS_DIR/iperf3-gw2.pid" || fail "iperf3 -s did not start"
}

# Everything live mode must leave as it was, on one machine (one ssh session).
live_snapshot() {   # MACHINE FILE
	hosts_ssh "$1" "LIVE_FAM=$LIVE_FAM sh -s" > "$2" 2>&1 <<'EOF'
echo "## links"; ip -d link show | sed -E 's/ (rx|tx)_[a-z_]+ [0-9]+//g'
echo "## addresses"; ip addr show
echo "## routes"; ip route show table all
echo "## rules"; ip rule show
# one line per section, sorted: wireguard-go lists its peers in Go's map
# order, which changes from one read to the next
echo "## wireguard"; wg showconf wg0 | awk -v RS= '{gsub(/\n/, " | "); print}' | sort
echo "## nftables"; nft list ruleset
echo "## qdiscs"; tc qdisc show
# the machine's own (per-namespace, writable) ones: a read-only one follows
# the host kernel's value, which other tests on this host may change
echo "## sysctls"; cd /proc/sys && find net/core net/ipv4 $([ "$LIVE_FAM" = 6 ] && echo net/ipv6/conf) -type f \
	-perm -600 -exec grep -H . {} + 2>/dev/null | sort | grep -vE 'random|hash|_count|netdev_rss_key|flow_limit'
EOF
}

# live_peer_ssh: gw2 answers ssh on its underlay address too, as an operator
# reaches the far end of a tunnel (the management links reach only the
# controller's namespace, not the other machine). Sets PEER_SSH and
# PEER_OPTS, what `wgbench --peer-ssh` needs from gw1. The sshd runs in
# gw2's namespaces (started through its own sshd), so hosts_down ends it.
live_peer_ssh() {
	sed -e "s/^ListenAddress .*/ListenAddress $LIVE_U2/" -e "s|^PidFile .*|PidFile $HOSTS_DIR/sshd-gw2-ul.pid|" \
		"$HOSTS_DIR/sshd-gw2.conf" > "$HOSTS_DIR/sshd-gw2-ul.conf"
	hosts_ssh gw2 /usr/sbin/sshd -f "$HOSTS_DIR/sshd-gw2-ul.conf" -E "$HOSTS_DIR/sshd-gw2-ul.log" \
		|| fail "sshd on gw2's underlay"
	poll 10 test -s "$HOSTS_DIR/sshd-gw2-ul.pid" || fail "sshd on gw2's underlay did not start"
	PEER_SSH="root@$LIVE_U2"
	PEER_OPTS="--peer-ssh $PEER_SSH --ssh-config $HOSTS_DIR/ssh_config"
	poll 30 hosts_ssh gw1 ssh -F "$HOSTS_DIR/ssh_config" "$PEER_SSH" true || fail "gw1 cannot ssh to gw2"
}
