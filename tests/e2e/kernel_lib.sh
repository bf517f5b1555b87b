# What the running kernel has, asked of the kernel itself (sourced after
# lib.sh), so a test asserts the outcome right for this kernel, not the one
# it was written on: kernel WireGuard, a qdisc. Each question makes and
# removes a scratch namespace; the kernel loads a module on demand as it
# would for wgbench.

# kernel_has_wg: a wireguard link can be made.
kernel_has_wg() {
	_kns="${PFX}kq$$"
	ip netns add "$_kns" 2>/dev/null || return 1
	ip -n "$_kns" link add "${PFX}kq" type wireguard 2>/dev/null
	_r=$?
	ip netns del "$_kns"
	return $_r
}

# kernel_has_qdisc KIND: a root qdisc of that kind can be added (on a
# loopback, as wgbench's own probe does).
kernel_has_qdisc() {
	_kns="${PFX}kq$$"
	ip netns add "$_kns" 2>/dev/null || return 1
	ip -n "$_kns" link set lo up
	tc -n "$_kns" qdisc add dev lo root "$1" 2>/dev/null
	_r=$?
	ip netns del "$_kns"
	return $_r
}
