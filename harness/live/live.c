/* live.c — the live bed's open (live.h): everything read and checked, in
 * the order an operator would (reference 000 Task 1, Checklist A), before
 * anything is touched, each failure one line; and its facts and close. */
#include "live.h"
#include "live_impl.h"
#include "knob.h"
#include "nlx.h"
#include "opts.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

const struct tun_peer_info *live_peer(const struct live_bed *b)
{
	return b->peer_index >= 0 ? &b->local.dev->peers[b->peer_index] : NULL;
}

static int refuse_options(const struct opts *o)
{
	if (o->wg != TUN_AUTO) {
		wgb_err("--wg %s: live mode measures %s as it is, whatever carries it (drop --wg)",
			tun_kind_name(o->wg), o->live_if);
		return -EINVAL;
	}
	if (o->have_tunnels && o->tunnels != 1) {
		wgb_err("--tunnels %u: live mode measures the one tunnel %s is", o->tunnels, o->live_if);
		return -EINVAL;
	}
	return 0;
}

/* A killed run's changes not yet put back: its values are not the machine's own. */
static int check_leftovers(const struct opts *o)
{
	char path[128];

	if (util_fmt(path, sizeof(path), "/run/wgbench/%shost.json", o->prefix) || access(path, F_OK))
		return 0;
	wgb_err("%s: a killed run left values it changed on this machine; run `wgbench cleanup "
		"--prefix %s` first", path, o->prefix);
	return -EBUSY;
}

/* The link's MTU and addresses (both families), silently: -ENODEV when
 * there is no such interface. */
static int link_info(const char *ifname, struct nlx_link_info *li)
{
	struct nlx *nl = NULL;
	int ret = nlx_open_in(NULL, NETLINK_ROUTE, "live", &nl);

	if (ret)
		return ret;
	ret = nlx_link_info(nl, ifname, li);
	nlx_close(nl);
	return ret;
}

static int read_interface(struct live_bed *b)
{
	const struct opts *o = b->o;
	struct nlx_link_info li;
	int ret = link_info(o->live_if, &li);

	if (ret == -ENODEV) {
		wgb_err("--live %s: no such interface on this machine", o->live_if);
		return -ENOENT;
	}
	if (ret)
		return ret;
	ret = tun_device_read(NULL, o->live_if, &b->local.dev);
	if (ret == -ENODEV) {
		wgb_err("--live %s: not a WireGuard interface (the kernel's WireGuard does not know it and "
			"no process answers on /var/run/wireguard/%s.sock)", o->live_if, o->live_if);
		return -EINVAL;
	}
	if (ret) {
		wgb_err("--live %s: its WireGuard configuration cannot be read: %s", o->live_if, strerror(-ret));
		return ret;
	}
	snprintf(b->local.ifname, sizeof(b->local.ifname), "%s", o->live_if);
	return 0;
}

/* The peer whose allowed IPs hold the address, and where its endpoint is. */
static void find_peer(struct live_bed *b)
{
	const struct tun_peer_info *p = tun_device_peer_for(b->local.dev, b->peer_addr.af, &b->peer_addr.u);

	b->peer_index = p ? (int)(p - b->local.dev->peers) : -1;
	if (!p)
		return;
	route_addr_of(&p->endpoint, &b->endpoint_addr);
	if (!b->endpoint_addr.af)
		return;   /* no endpoint yet */
	tun_endpoint_str(&p->endpoint, b->endpoint, sizeof(b->endpoint));
	if (!route_get(NULL, &b->endpoint_addr, NULL, NULL, &b->ep_route))
		snprintf(b->local.underlay, sizeof(b->local.underlay), "%s", b->ep_route.oif);
}

static int check_route(struct live_bed *b)
{
	const struct opts *o = b->o;
	int ret = route_get(NULL, &b->peer_addr, NULL, NULL, &b->route);

	if (ret && !o->route_finding) {
		wgb_err("--peer %s: the kernel has no route to it (%s)", o->peer, strerror(-ret));
		return -EINVAL;
	}
	b->routed = !ret && !strcmp(b->route.oif, o->live_if) && b->peer_index >= 0;
	if (b->routed || o->route_finding)
		return 0;
	if (strcmp(b->route.oif, o->live_if))
		wgb_err("--peer %s: the kernel routes it %s, not through %s: fix the routing first "
			"(`wgbench doctor` reports it as route-bypasses-tunnel)", o->peer, b->route.text, o->live_if);
	else
		wgb_err("--peer %s: no peer of %s allows it (its allowed IPs), so the tunnel drops what is "
			"sent there", o->peer, o->live_if);
	return -EINVAL;
}

/* Something must answer at the far end; a doctor whose route goes around
 * the tunnel stops at that finding and needs no server. */
static int check_iperf(struct live_bed *b)
{
	const struct opts *o = b->o;

	if (b->peer) {   /* the peer's agent serves each test itself */
		b->iperf_err = 0;
		return 0;
	}
	b->iperf_err = live_iperf_probe(&b->peer_addr, o->peer_port, LIVE_IPERF_TIMEOUT_S, b->iperf_why,
					sizeof(b->iperf_why));
	if (!b->iperf_err || (o->route_finding && !b->routed))
		return 0;
	wgb_err("--peer %s: no iperf3 server answers on port %u (%s): start `iperf3 -s` there, or "
		"give --peer-port", o->peer, o->peer_port, b->iperf_why);
	return b->iperf_err == -EBUSY ? -EBUSY : -ENOENT;
}

static void read_version(struct live_bed *b)
{
	char exe[64];

	if (b->local.dev->kind == TUN_KERNEL)
		tun_kernel_ops.version(b->version, sizeof(b->version));
	else if (b->local.dev->pid > 0 && !util_fmt(exe, sizeof(exe), "/proc/%d/exe", (int)b->local.dev->pid))
		tun_prog_version(exe, b->version, sizeof(b->version));
}

int live_bed_open(const struct opts *o, const char *out_dir, struct bed **out)
{
	struct live_bed *b = calloc(1, sizeof(*b));
	int ret;

	(void)out_dir;
	*out = NULL;
	if (!b)
		return -ENOMEM;
	b->o = o;
	b->tty = o->json ? stderr : stdout;
	b->peer_index = -1;
	b->local.name = LIVE_NODE;
	if (route_addr_parse(o->peer, &b->peer_addr) || !o->live_if) {
		wgb_err("--backend live: needs --live IFACE and --peer ADDR");
		ret = -EINVAL;
		goto fail;
	}
	if ((ret = refuse_options(o)) || (ret = check_leftovers(o)) || (ret = read_interface(b)))
		goto fail;
	find_peer(b);
	if ((ret = check_route(b)))
		goto fail;
	/* the far side last: it is the one check that reaches another machine */
	if (o->peer_ssh && (ret = live_peer_open(b)))
		goto fail;
	if ((ret = check_iperf(b)))
		goto fail;
	read_version(b);
	ret = bed_new(&live_ops, b, out);
	if (!ret)
		return 0;
fail:
	live_bed_release(b);
	return ret;
}

/* ---- facts (run.json "live"; the doctor reads them too) ---- */

static struct json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static int family_of(const struct route_addr *a)
{
	return a->af == AF_INET6 ? 6 : a->af == AF_INET ? 4 : 0;
}

static struct json_object *peer_json(const struct live_bed *b)
{
	const struct tun_peer_info *p = live_peer(b);
	struct json_object *o = json_object_new_object();
	char key[45];

	json_object_object_add(o, "address", json_object_new_string(b->o->peer));
	json_object_object_add(o, "family", json_object_new_int(family_of(&b->peer_addr)));
	json_object_object_add(o, "port", json_object_new_int((int)b->o->peer_port));
	json_object_object_add(o, "served_by", json_object_new_string(b->peer ? "wgbench agent" : "iperf3 -s"));
	json_object_object_add(o, "iperf3_answered", json_object_new_boolean(!b->iperf_err));
	json_object_object_add(o, "iperf3_error", b->iperf_err ? str_or_null(b->iperf_why) : NULL);
	if (!p) {
		json_object_object_add(o, "public_key", NULL);
		return o;
	}
	tun_key_to_base64(p->public_key, key);
	json_object_object_add(o, "public_key", json_object_new_string(key));
	json_object_object_add(o, "endpoint", str_or_null(b->endpoint));
	json_object_object_add(o, "latest_handshake", json_object_new_int64(p->last_handshake_sec));
	json_object_object_add(o, "persistent_keepalive_s", json_object_new_int((int)p->keepalive_s));
	return o;
}

/* What the interface has, read back now: its MTU into mtu[key], its
 * addresses of both families (link-local ones left out) into o[akey]. */
static void add_link(struct json_object *o, const char *akey, struct json_object *mtu, const char *key,
		     const char *ifname)
{
	struct json_object *arr = json_object_new_array();
	struct nlx_link_info li;
	char a[INET6_ADDRSTRLEN + 8], t[INET6_ADDRSTRLEN];
	bool got = ifname[0] && !link_info(ifname, &li);
	size_t i;

	json_object_object_add(mtu, key, got ? json_object_new_int((int)li.mtu) : NULL);
	for (i = 0; got && i < li.n_addr; i++)
		if (inet_ntop(AF_INET, &li.addr[i], t, sizeof(t)) && !util_fmt(a, sizeof(a), "%s/%u", t, li.plen[i]))
			json_object_array_add(arr, json_object_new_string(a));
	for (i = 0; got && i < li.n_addr6; i++)
		if (inet_ntop(AF_INET6, &li.addr6[i], t, sizeof(t)) && !util_fmt(a, sizeof(a), "%s/%u", t, li.plen6[i]))
			json_object_array_add(arr, json_object_new_string(a));
	json_object_object_add(o, akey, arr);
}

static struct json_object *live_json(const struct live_bed *b)
{
	const struct tun_device_info *d = b->local.dev;
	struct json_object *o = json_object_new_object(), *mtu = json_object_new_object();

	json_object_object_add(o, "interface", json_object_new_string(b->local.ifname));
	json_object_object_add(o, "implementation", json_object_new_string(d->impl));
	json_object_object_add(o, "pid", d->pid > 0 ? json_object_new_int((int)d->pid) : NULL);
	json_object_object_add(o, "version", str_or_null(b->version));
	json_object_object_add(o, "listen_port", json_object_new_int((int)d->listen_port));
	json_object_object_add(o, "fwmark", json_object_new_int64(d->fwmark));
	json_object_object_add(o, "peers", json_object_new_int64((int64_t)d->n_peers));
	json_object_object_add(o, "peer", peer_json(b));
	json_object_object_add(o, "route", str_or_null(b->route.text));
	json_object_object_add(o, "route_oif", str_or_null(b->route.oif));
	json_object_object_add(o, "routed_through", json_object_new_boolean(b->routed));
	json_object_object_add(o, "underlay", str_or_null(b->local.underlay));
	json_object_object_add(o, "underlay_route", str_or_null(b->ep_route.text));
	json_object_object_add(o, "underlay_family", b->endpoint_addr.af ?
			       json_object_new_int(family_of(&b->endpoint_addr)) : NULL);
	add_link(o, "addresses", mtu, "tunnel", b->local.ifname);
	add_link(o, "underlay_addresses", mtu, "underlay", b->local.underlay);
	json_object_object_add(o, "mtu", mtu);
	json_object_object_add(o, "variant_scope", json_object_new_string(b->peer ?
		"gw1/source this machine, gw2/drain the peer, gateways/all both, host both machines; tunnel is "
		"each side's interface, underlay its route to the other's endpoint" :
		"this machine's links only: tunnel is the interface, underlay the route to the endpoint"));
	json_object_object_add(o, "peer_side", live_peer_json(b));
	return o;
}

void live_facts(struct live_bed *b, struct json_object *j)
{
	struct json_object *wg;

	json_object_object_add(j, "backend", json_object_new_string("live"));
	json_object_object_add(j, "live", live_json(b));
	if (!json_object_object_get_ex(j, "wireguard", &wg) || !wg)
		return;
	json_object_object_add(wg, "implementation", json_object_new_string(b->local.dev->impl));
	json_object_object_add(wg, "version", str_or_null(b->version));
}
