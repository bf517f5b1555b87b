#!/bin/sh
# The hosts tests' machines themselves (hosts_lib.sh): four namespaces each
# with its own /run and a real sshd on a management link; a command over ssh
# runs on that machine, with its devices, and /run is not shared.
. "$WGB_TOP/tests/e2e/lib.sh"
. "$WGB_TOP/tests/e2e/hosts_lib.sh"
hosts_up site
for n in source gw1 gw2 drain; do
	devs=$(hosts_ssh $n ip -br link | awk '{print $1}' | sed 's/@.*//' | sort | tr '\n' ' ')
	case $n in
	source | drain) want="lan0 lo mgmt " ;;
	*) want="lan0 lo mgmt ul0 " ;;
	esac
	[ "$devs" = "$want" ] || fail "$n has devices '$devs', expected '$want'"
done
hosts_ssh gw1 touch /run/wgb-hosts-mark
hosts_ssh gw2 test -e /run/wgb-hosts-mark && fail "gw2 sees gw1's /run"
hosts_ssh gw1 test -e /run/wgb-hosts-mark || fail "gw1 lost its own /run"
[ -e /run/wgb-hosts-mark ] && fail "the controller sees a machine's /run"
hosts_ssh gw1 ip addr add 192.0.2.1/24 dev ul0
hosts_ssh gw2 ip addr add 192.0.2.2/24 dev ul0
hosts_ssh gw1 ping -c 1 -W 2 192.0.2.2 >/dev/null || fail "gw1 cannot reach gw2 over the underlay cable"
hosts_stop_sshd drain
hosts_ssh drain true 2>/dev/null && fail "drain still answers after its sshd stopped"
dir=$HOSTS_DIR
hosts_down
ip netns list | grep -q "^${PFX}m" && fail "machines left"
# this test's sshds only: other tests may run machines of their own
pgrep -f "sshd -D -e -f $dir/" >/dev/null && fail "sshd left"
ok "four machines over ssh, private /run, cables, one stopped"
