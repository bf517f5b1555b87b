# Machines for the hosts and live tests, on this one (sourced after lib.sh).
#
#   root namespace (the controller)
#     │ mgmt (veth, $HOSTS_NET.K.1 ── .K.2, hosts_net: 10.200-249), one per machine, ssh port 22
#   ┌─┴──────┐  lan   ┌────────┐ underlay ┌────────┐  lan   ┌────────┐
#   │ source │────────│  gw1   │══════════│  gw2   │────────│ drain  │
#   └────────┘        └────────┘          └────────┘        └────────┘
#   (hosts_up p2p: gw1 and gw2 only, joined by the underlay)
#
# A machine is a network namespace ${PFX}m<name> plus a private mount
# namespace (tmpfs on /run, /tmp, /var/lib and /root: its own
# /var/run/wireguard, /run/wgbench, /var/lib/wgbench for the agent's copy,
# and a home without this machine's dotfiles, whose shell start-up would talk
# on every session; gone with the machine, and a read-only / works too, as in
# the guest of tests/guest) in which a real OpenSSH server runs. Every session sshd starts
# inherits both, so a command over ssh runs "on that machine". The test's own
# files (keys, sshd configs, the client's config) live in $HOSTS_DIR under
# /var/tmp, which every machine shares. Devices: source lan0; gw1 lan0 ul0;
# gw2 ul0 lan0; drain lan0. hosts_down (also on EXIT through hosts_cleanup)
# stops every sshd and removes every namespace and veth it made.
HOSTS_DIR=
HOSTS_NAMES=
HOSTS_NET=

# hosts_net: take a management subnet 10.X (X in 200-249) for this test. The
# links live in the root namespace, and tests run side by side (tests/run-e2e),
# as may two trees: X is held by an flock on /run/lock/wgb-e2e-net.X, on
# fd 8 of this shell (and of what it starts) until they end, and is taken
# only if no address of the machine is in it.
hosts_net() {
	mkdir -p /run/lock
	_i=0
	while [ $_i -lt 50 ]; do
		_x=$((200 + ($$ + _i) % 50))
		exec 8> "/run/lock/wgb-e2e-net.$_x"
		if flock -n 8 && ! ip -4 -o addr show | grep -q " 10\.$_x\."; then
			HOSTS_NET=10.$_x
			return 0
		fi
		exec 8>&-
		_i=$((_i + 1))
	done
	fail "no free management subnet in 10.200-249 (each held by a test running now, or in use)"
}

hosts_need() {
	[ -x /usr/sbin/sshd ] || skip "needs openssh-server (make deps installs it)"
	command -v ssh >/dev/null || skip "needs openssh-client"
}

# hosts_up [site|p2p]
hosts_up() {
	_topo=${1:-site}
	hosts_need
	hosts_net
	HOSTS_DIR=$(mktemp -d /var/tmp/wgb-hosts.XXXXXX) || fail "mktemp"
	chmod 755 "$HOSTS_DIR"
	ssh-keygen -q -t ed25519 -N '' -f "$HOSTS_DIR/id" || fail "ssh-keygen (client)"
	ssh-keygen -q -t ed25519 -N '' -f "$HOSTS_DIR/host_key" || fail "ssh-keygen (host)"
	cp "$HOSTS_DIR/id.pub" "$HOSTS_DIR/authorized_keys"
	: > "$HOSTS_DIR/known_hosts"
	if [ "$_topo" = p2p ]; then HOSTS_NAMES="gw1 gw2"; else HOSTS_NAMES="source gw1 gw2 drain"; fi
	_k=0
	for _n in $HOSTS_NAMES; do
		_k=$((_k + 1))
		hosts_machine "$_n" "$_k"
	done
	hosts_cable source lan0 gw1 lan0
	hosts_cable gw1 ul0 gw2 ul0
	hosts_cable gw2 lan0 drain lan0
	cat > "$HOSTS_DIR/ssh_config" <<EOF
Host *
	IdentityFile $HOSTS_DIR/id
	UserKnownHostsFile $HOSTS_DIR/known_hosts
	StrictHostKeyChecking accept-new
	BatchMode yes
	ConnectTimeout 5
	LogLevel ERROR
EOF
	for _n in $HOSTS_NAMES; do
		poll 30 ssh -F "$HOSTS_DIR/ssh_config" "root@$(hosts_addr "$_n")" true \
			|| fail "ssh to machine $_n did not answer: $(cat "$HOSTS_DIR/sshd-$_n.log")"
	done
}

hosts_addr() {   # the management address of machine NAME
	_i=0
	for _x in $HOSTS_NAMES; do
		_i=$((_i + 1))
		[ "$_x" = "$1" ] && { echo "$HOSTS_NET.$_i.2"; return; }
	done
}

hosts_machine() {   # NAME K
	_ns="${PFX}m$1"
	ip netns add "$_ns" || fail "netns $_ns"
	ip link add "${PFX}mg$2" type veth peer name mgmt netns "$_ns" || fail "mgmt veth $1"
	ip addr add "$HOSTS_NET.$2.1/24" dev "${PFX}mg$2"
	ip link set "${PFX}mg$2" up
	ip -n "$_ns" addr add "$HOSTS_NET.$2.2/24" dev mgmt
	ip -n "$_ns" link set mgmt up
	ip -n "$_ns" link set lo up
	cat > "$HOSTS_DIR/sshd-$1.conf" <<EOF
ListenAddress $HOSTS_NET.$2.2
HostKey $HOSTS_DIR/host_key
AuthorizedKeysFile $HOSTS_DIR/authorized_keys
PidFile $HOSTS_DIR/sshd-$1.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
AcceptEnv LANG
EOF
	# the machine's own /run, /tmp, /var/lib, /root; sshd -D stays in front, its pid in the file
	ip netns exec "$_ns" unshare -m --propagation private sh -c '
		mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /tmp && mkdir -p /run/sshd &&
		mount -t tmpfs tmpfs /var/lib && mkdir /var/lib/wgbench &&
		mount -t tmpfs -o mode=0700 tmpfs /root &&
		exec /usr/sbin/sshd -D -e -f "$1"' sshd "$HOSTS_DIR/sshd-$1.conf" \
		> "$HOSTS_DIR/sshd-$1.log" 2>&1 &
	poll 10 test -s "$HOSTS_DIR/sshd-$1.pid" || fail "sshd of $1 did not start: $(cat "$HOSTS_DIR/sshd-$1.log")"
}

hosts_cable() {   # A DEV_A B DEV_B: a veth between two machines (skipped if one is absent)
	case " $HOSTS_NAMES " in *" $1 "*) ;; *) return 0 ;; esac
	case " $HOSTS_NAMES " in *" $3 "*) ;; *) return 0 ;; esac
	ip link add cable0 netns "${PFX}m$1" type veth peer name "$4" netns "${PFX}m$3" \
		|| fail "cable $1-$3"
	ip -n "${PFX}m$1" link set cable0 name "$2" || fail "cable rename"
	ip -n "${PFX}m$1" link set "$2" up
	ip -n "${PFX}m$3" link set "$4" up
}

# hosts_file FILE [site|p2p]: the hosts file of DESIGN.md for these machines
hosts_file() {
	_f=$1; _t=${2:-site}
	{
		printf '{\n  "topology": "%s",\n  "nodes": {\n' "$_t"
		_first=1
		for _n in $HOSTS_NAMES; do
			case "$_n" in
			source | drain) _links='{"lan": "lan0"}' ;;
			*) _links='{"lan": "lan0", "underlay": "ul0"}' ;;
			esac
			[ "$_t" = p2p ] && _links='{"underlay": "ul0"}'
			[ $_first = 1 ] || printf ',\n'
			_first=0
			printf '    "%s": {"ssh": "root@%s", "links": %s}' "$_n" "$(hosts_addr "$_n")" "$_links"
		done
		printf '\n  }\n}\n'
	} > "$_f"
}

hosts_ssh() {   # NAME CMD...: run CMD on machine NAME
	_h=$1; shift
	ssh -F "$HOSTS_DIR/ssh_config" "root@$(hosts_addr "$_h")" "$@"
}

hosts_stop_sshd() {   # NAME: that machine's sshd goes away (an unreachable host)
	[ -s "$HOSTS_DIR/sshd-$1.pid" ] && kill "$(cat "$HOSTS_DIR/sshd-$1.pid")" 2>/dev/null
	rm -f "$HOSTS_DIR/sshd-$1.pid"
}

# The files of a wgbench run on this machine's side: a hosts file for
# these machines and the options every `wgbench --backend hosts` needs.
hosts_opts() {   # [site|p2p]: sets HOSTS_FILE and HOSTS_OPTS
	HOSTS_FILE="$HOSTS_DIR/hosts.json"
	hosts_file "$HOSTS_FILE" "${1:-site}"
	HOSTS_OPTS="--backend hosts --hosts $HOSTS_FILE --ssh-config $HOSTS_DIR/ssh_config --prefix $PFX"
}

hosts_pids() {   # NAME PATTERN: pids in machine NAME whose command line matches PATTERN
	for _p in $(ip netns pids "${PFX}m$1" 2>/dev/null); do
		tr '\0' ' ' < "/proc/$_p/cmdline" 2>/dev/null | grep -q -- "$2" && echo "$_p"
	done
}

# What a machine holds of the run of prefix $PFX: its addresses beyond the
# management link, routes, rules (IPv4 and IPv6: link-local and the
# kernel's own aside), interfaces, processes, files. Empty: none.
hosts_held() {   # NAME
	{
		ip -n "${PFX}m$1" -4 -o addr show | awk '$2 != "lo" && $2 != "mgmt" {print "address " $4 " on " $2}'
		ip -n "${PFX}m$1" -6 -o addr show scope global | awk '$2 != "lo" && $2 != "mgmt" {print "address " $4 " on " $2}'
		for _f in -4 -6; do
			ip -n "${PFX}m$1" $_f route show table all | grep -v -e "dev mgmt" -e "dev lo" -e "^local " \
				-e "^broadcast " -e "^multicast " -e "^anycast " -e "^fe80" -e "^ff00" -e "^::1" \
				-e "proto kernel" | sed 's/^/route /'
			ip -n "${PFX}m$1" $_f rule show | grep -v -e "lookup local" -e "lookup main" -e "lookup default" \
				| sed 's/^/rule /'
		done
		ip -n "${PFX}m$1" -o link show | awk -F': ' '{print $2}' | grep "^$PFX" | sed 's/^/interface /'
		hosts_pids "$1" "agent --stdio" | sed 's/^/agent pid /'
		hosts_pids "$1" "wireguard-go" | sed 's/^/wireguard-go pid /'
		hosts_ssh "$1" "ls /run/wgbench/ /var/run/wireguard/ 2>/dev/null; ls -d /tmp/wgbench-agent-* 2>/dev/null" \
			| grep -e "^$PFX" -e "^/tmp" | sed 's/^/file /'
	} 2>/dev/null
}

hosts_no_leftovers() {   # every machine holds nothing of the run
	for _n in $HOSTS_NAMES; do
		_held=$(hosts_held "$_n")
		[ -z "$_held" ] || fail "machine $_n still holds: $(echo "$_held" | tr '\n' ';')"
	done
}

# The forwarding sysctls of both families on a machine, for before/after.
hosts_forwarding() {   # NAME
	hosts_ssh "$1" cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding | tr '\n' ' '
}

hosts_down() {
	[ -n "$HOSTS_DIR" ] || return 0
	for _n in $HOSTS_NAMES; do
		hosts_stop_sshd "$_n"
		# whatever still runs on the machine (sessions, an agent) goes with it
		for _p in $(ip netns pids "${PFX}m$_n" 2>/dev/null); do kill -9 "$_p" 2>/dev/null; done
		ip netns del "${PFX}m$_n" 2>/dev/null
	done
	_k=0
	for _n in $HOSTS_NAMES; do _k=$((_k + 1)); ip link del "${PFX}mg$_k" 2>/dev/null; done
	rm -rf "$HOSTS_DIR"
	HOSTS_DIR=
}

hosts_cleanup() { hosts_down; e2e_cleanup; }
trap hosts_cleanup EXIT
