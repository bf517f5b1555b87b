/* tun_kernel.c — the kernel module over rtnetlink (the link) and generic
 * netlink (its configuration), with libnl.
 *
 * The link is created from inside the gateway's namespace: WireGuard binds
 * its UDP socket in the namespace where the device is born, so creating it
 * elsewhere and moving it would put the underlay in the wrong place. Each
 * operation enters the namespace in the calling thread and returns to the
 * thread's own namespace before it ends, on every path.
 *
 * The messages follow wireguard-tools' src/ipc-linux.h: peers and allowed
 * IPs are nests of nests whose elements carry type 0, every nest is marked
 * NLA_F_NESTED, and GET_DEVICE is a dump (the kernel may split the peers of
 * one device over several messages).
 */
#include "tun.h"
#include "tun_impl.h"
#include "nlx.h"
#include "node.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/wireguard.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* ---- pure: message building and parsing ---- */

static struct nlattr *nest_start(struct nl_msg *m, int type)
{
	struct nlattr *n = nla_nest_start(m, type);

	if (n)
		n->nla_type |= NLA_F_NESTED;   /* as mnl_attr_nest_start() does */
	return n;
}

static int put_peer(struct nl_msg *m, const struct tun_end_cfg *cfg)
{
	struct nlattr *peers, *peer, *ips, *ip;

	if (!(peers = nest_start(m, WGDEVICE_A_PEERS)) || !(peer = nest_start(m, 0)))
		return -ENOMEM;
	if (nla_put(m, WGPEER_A_PUBLIC_KEY, TUN_KEY_LEN, cfg->peer_public_key) < 0 ||
	    nla_put_u32(m, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS) < 0 ||
	    nla_put(m, WGPEER_A_ENDPOINT, cfg->peer_endpoint.sin_family == AF_INET6 ?
		    sizeof(cfg->peer_endpoint6) : sizeof(cfg->peer_endpoint), &cfg->peer_endpoint6) < 0)
		return -ENOMEM;
	if (cfg->n_allowed) {
		if (!(ips = nest_start(m, WGPEER_A_ALLOWEDIPS)))
			return -ENOMEM;
		for (size_t i = 0; i < cfg->n_allowed; i++) {
			bool v6 = cfg->allowed[i].family == AF_INET6;

			if (!(ip = nest_start(m, 0)) ||
			    nla_put_u16(m, WGALLOWEDIP_A_FAMILY, v6 ? AF_INET6 : AF_INET) < 0 ||
			    nla_put(m, WGALLOWEDIP_A_IPADDR, v6 ? sizeof(struct in6_addr) : sizeof(struct in_addr),
				    &cfg->allowed[i].addr6) < 0 ||
			    nla_put_u8(m, WGALLOWEDIP_A_CIDR_MASK, cfg->allowed[i].cidr) < 0 ||
			    nla_nest_end(m, ip) < 0)
				return -ENOMEM;
		}
		if (nla_nest_end(m, ips) < 0)
			return -ENOMEM;
	}
	if (nla_nest_end(m, peer) < 0 || nla_nest_end(m, peers) < 0)
		return -ENOMEM;
	return 0;
}

int tun_genl_set_msg(const struct tun_end_cfg *cfg, int family, struct nl_msg **out)
{
	struct nl_msg *m;
	int ret = -ENOMEM;

	if (!cfg->ifname || strlen(cfg->ifname) >= IFNAMSIZ || cfg->n_allowed > TUN_MAX_ALLOWED ||
	    (cfg->peer_endpoint.sin_family != AF_INET && cfg->peer_endpoint.sin_family != AF_INET6))
		return -EINVAL;
	for (size_t i = 0; i < cfg->n_allowed; i++)
		if (cfg->allowed[i].cidr > (cfg->allowed[i].family == AF_INET6 ? 128 : 32))
			return -EINVAL;
	m = nlmsg_alloc();
	if (!m)
		return -ENOMEM;
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_REQUEST | NLM_F_ACK,
			 WG_CMD_SET_DEVICE, WG_GENL_VERSION))
		goto out;
	if (nla_put_string(m, WGDEVICE_A_IFNAME, cfg->ifname) < 0 ||
	    nla_put(m, WGDEVICE_A_PRIVATE_KEY, TUN_KEY_LEN, cfg->private_key) < 0 ||
	    nla_put_u16(m, WGDEVICE_A_LISTEN_PORT, cfg->listen_port) < 0 ||
	    nla_put_u32(m, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS) < 0)
		goto out;
	ret = put_peer(m, cfg);
	if (ret < 0)
		goto out;
	*out = m;
	return 0;
out:
	nlmsg_free(m);
	return ret;
}

int tun_genl_get_msg(const char *ifname, int family, struct nl_msg **out)
{
	struct nl_msg *m;

	if (!ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	m = nlmsg_alloc();
	if (!m)
		return -ENOMEM;
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
			 WG_CMD_GET_DEVICE, WG_GENL_VERSION) ||
	    nla_put_string(m, WGDEVICE_A_IFNAME, ifname) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

int tun_genl_parse_stats(struct nlattr **dev, struct tun_peer_stats *out, size_t *n_peers)
{
	struct nlattr *peer, *pa[WGPEER_A_MAX + 1];
	int rem;

	if (!dev[WGDEVICE_A_PEERS])
		return 0;
	nla_for_each_nested(peer, dev[WGDEVICE_A_PEERS], rem) {
		if (nla_parse_nested(pa, WGPEER_A_MAX, peer, NULL) < 0)
			return -EPROTO;
		if (!pa[WGPEER_A_PUBLIC_KEY] || nla_len(pa[WGPEER_A_PUBLIC_KEY]) != TUN_KEY_LEN)
			return -EPROTO;
		if (pa[WGPEER_A_RX_BYTES]) {
			if (nla_len(pa[WGPEER_A_RX_BYTES]) != sizeof(uint64_t))
				return -EPROTO;
			out->rx_bytes += nla_get_u64(pa[WGPEER_A_RX_BYTES]);
		}
		if (pa[WGPEER_A_TX_BYTES]) {
			if (nla_len(pa[WGPEER_A_TX_BYTES]) != sizeof(uint64_t))
				return -EPROTO;
			out->tx_bytes += nla_get_u64(pa[WGPEER_A_TX_BYTES]);
		}
		if (pa[WGPEER_A_LAST_HANDSHAKE_TIME]) {
			struct { int64_t sec, nsec; } ts;   /* struct __kernel_timespec */

			if (nla_len(pa[WGPEER_A_LAST_HANDSHAKE_TIME]) != sizeof(ts))
				return -EPROTO;
			memcpy(&ts, nla_data(pa[WGPEER_A_LAST_HANDSHAKE_TIME]), sizeof(ts));
			if (ts.sec > 0 && (uint64_t)ts.sec > out->last_handshake_sec)
				out->last_handshake_sec = (uint64_t)ts.sec;
		}
		(*n_peers)++;
	}
	return 0;
}

static void parse_allowed(struct nlattr *ips, struct tun_peer_info *p)
{
	struct nlattr *ip, *ia[WGALLOWEDIP_A_MAX + 1];
	int rem;

	nla_for_each_nested(ip, ips, rem) {
		struct tun_peer_allowed a = { 0 };
		size_t alen;

		if (nla_parse_nested(ia, WGALLOWEDIP_A_MAX, ip, NULL) < 0 || !ia[WGALLOWEDIP_A_FAMILY] ||
		    !ia[WGALLOWEDIP_A_IPADDR] || !ia[WGALLOWEDIP_A_CIDR_MASK])
			continue;
		a.family = nla_get_u16(ia[WGALLOWEDIP_A_FAMILY]);
		alen = a.family == AF_INET6 ? 16 : 4;
		if ((a.family != AF_INET && a.family != AF_INET6) ||
		    (size_t)nla_len(ia[WGALLOWEDIP_A_IPADDR]) != alen)
			continue;
		memcpy(a.addr, nla_data(ia[WGALLOWEDIP_A_IPADDR]), alen);
		a.cidr = nla_get_u8(ia[WGALLOWEDIP_A_CIDR_MASK]);
		if (p->n_allowed < TUN_PEER_ALLOWED_MAX)
			p->allowed[p->n_allowed++] = a;
		p->n_allowed_total++;
	}
}

static int parse_peer(struct nlattr **pa, struct tun_peer_info *p)
{
	struct nlattr *ep = pa[WGPEER_A_ENDPOINT];

	memcpy(p->public_key, nla_data(pa[WGPEER_A_PUBLIC_KEY]), TUN_KEY_LEN);
	if (ep && (size_t)nla_len(ep) <= sizeof(p->endpoint) &&
	    (size_t)nla_len(ep) >= sizeof(sa_family_t))
		memcpy(&p->endpoint, nla_data(ep), (size_t)nla_len(ep));
	if (pa[WGPEER_A_RX_BYTES] && nla_len(pa[WGPEER_A_RX_BYTES]) == sizeof(uint64_t))
		p->rx_bytes = nla_get_u64(pa[WGPEER_A_RX_BYTES]);
	if (pa[WGPEER_A_TX_BYTES] && nla_len(pa[WGPEER_A_TX_BYTES]) == sizeof(uint64_t))
		p->tx_bytes = nla_get_u64(pa[WGPEER_A_TX_BYTES]);
	if (pa[WGPEER_A_LAST_HANDSHAKE_TIME]) {
		struct { int64_t sec, nsec; } ts;   /* struct __kernel_timespec */

		if (nla_len(pa[WGPEER_A_LAST_HANDSHAKE_TIME]) != sizeof(ts))
			return -EPROTO;
		memcpy(&ts, nla_data(pa[WGPEER_A_LAST_HANDSHAKE_TIME]), sizeof(ts));
		p->last_handshake_sec = ts.sec > 0 ? ts.sec : 0;
	}
	if (pa[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL])
		p->keepalive_s = nla_get_u16(pa[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
	if (pa[WGPEER_A_ALLOWEDIPS])
		parse_allowed(pa[WGPEER_A_ALLOWEDIPS], p);
	return 0;
}

int tun_genl_parse_device(struct nlattr **dev, struct tun_device_info *d)
{
	struct nlattr *peer, *pa[WGPEER_A_MAX + 1];
	int rem, r;

	if (dev[WGDEVICE_A_LISTEN_PORT])
		d->listen_port = nla_get_u16(dev[WGDEVICE_A_LISTEN_PORT]);
	if (dev[WGDEVICE_A_FWMARK])
		d->fwmark = nla_get_u32(dev[WGDEVICE_A_FWMARK]);
	if (!dev[WGDEVICE_A_PEERS])
		return 0;
	nla_for_each_nested(peer, dev[WGDEVICE_A_PEERS], rem) {
		struct tun_peer_info *p;

		if (nla_parse_nested(pa, WGPEER_A_MAX, peer, NULL) < 0)
			return -EPROTO;
		if (!pa[WGPEER_A_PUBLIC_KEY] || nla_len(pa[WGPEER_A_PUBLIC_KEY]) != TUN_KEY_LEN)
			return -EPROTO;
		/* A split dump repeats a peer whose allowed IPs go on in the next message. */
		if (d->n_peers && !memcmp(d->peers[d->n_peers - 1].public_key,
					  nla_data(pa[WGPEER_A_PUBLIC_KEY]), TUN_KEY_LEN)) {
			if (pa[WGPEER_A_ALLOWEDIPS])
				parse_allowed(pa[WGPEER_A_ALLOWEDIPS], &d->peers[d->n_peers - 1]);
			continue;
		}
		if ((r = tun_device_add_peer(d, &p)) || (r = parse_peer(pa, p)))
			return r;
	}
	return 0;
}

/* ---- I/O ---- */

/* The id of the "wireguard" genl family, or -ENOTSUP. */
int tun_genl_family(struct nlx *g)
{
	int id = genl_ctrl_resolve(nlx_sock(g), WG_GENL_NAME);

	return id < 0 ? -ENOTSUP : id;
}

static int link_add(struct nlx *rt, const char *ifname)
{
	struct rtnl_link *l = rtnl_link_alloc();
	char what[64];
	int err;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, ifname);
	err = rtnl_link_set_type(l, "wireguard");
	if (err >= 0)
		err = rtnl_link_add(nlx_sock(rt), l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	snprintf(what, sizeof(what), "creating the wireguard link %s", ifname);
	return nlx_check(rt, err, what);
}

static int link_del(struct nlx *rt, const char *ifname)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int err;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, ifname);
	err = rtnl_link_delete(nlx_sock(rt), l);
	rtnl_link_put(l);
	return nlx_errno(rt, err);
}

static int set_device(struct nlx *g, const struct tun_end_cfg *cfg)
{
	struct nl_msg *m = NULL;
	char what[64];
	int fam, ret, err;

	fam = tun_genl_family(g);
	if (fam < 0) {
		wgb_err("%s: no 'wireguard' generic netlink family in %s", cfg->ifname, cfg->netns_path);
		return fam;
	}
	ret = tun_genl_set_msg(cfg, fam, &m);
	if (ret < 0)
		return ret;
	err = nl_send_auto(nlx_sock(g), m);
	nlmsg_free(m);
	if (err >= 0)
		err = nl_wait_for_ack(nlx_sock(g));
	snprintf(what, sizeof(what), "WG_CMD_SET_DEVICE %s", cfg->ifname);
	return nlx_check(g, err, what);
}

static int kernel_create_end(const struct tun_end_cfg *cfg, struct tun_end *end)
{
	struct nlx *rt = NULL, *g = NULL;
	bool made = false;
	int ret;

	memset(end, 0, sizeof(*end));
	if (!cfg->ifname || !*cfg->ifname || strlen(cfg->ifname) >= IFNAMSIZ) {
		wgb_err("bad tunnel interface name '%s'", cfg->ifname ? cfg->ifname : "");
		return -EINVAL;
	}
	if (util_fmt(end->netns_path, sizeof(end->netns_path), "%s", cfg->netns_path) < 0)
		return -ENAMETOOLONG;
	/* Sockets made in the gateway's namespace act there. */
	if ((ret = nlx_open_in(cfg->netns_path, NETLINK_ROUTE, cfg->ifname, &rt)) < 0 ||
	    (ret = nlx_open_in(cfg->netns_path, NETLINK_GENERIC, cfg->ifname, &g)) < 0)
		goto out;
	ret = link_add(rt, cfg->ifname);
	if (ret < 0)
		goto out;
	made = true;
	ret = set_device(g, cfg);
out:
	if (ret < 0 && made)
		link_del(rt, cfg->ifname);
	nlx_close(g);
	nlx_close(rt);
	if (ret == 0)
		snprintf(end->ifname, sizeof(end->ifname), "%s", cfg->ifname);
	return ret;
}

static int kernel_destroy_end(struct tun_end *end)
{
	struct nlx *rt = NULL;
	int ret;

	if (!end || !end->ifname[0])
		return 0;
	if (access(end->netns_path, F_OK) < 0 && errno == ENOENT) {
		ret = 0;   /* the namespace is gone, and the link with it */
		goto done;
	}
	ret = nlx_open_in(end->netns_path, NETLINK_ROUTE, end->ifname, &rt);
	if (ret == 0) {
		ret = link_del(rt, end->ifname);
		if (ret == -ENODEV || ret == -ENOENT)
			ret = 0;
		if (ret < 0)
			wgb_err("%s: cannot delete the link: %s", end->ifname, strerror(-ret));
	}
	nlx_close(rt);
done:
	end->ifname[0] = '\0';
	return ret;
}

struct dump_ctx {
	struct tun_peer_stats *s;
	size_t peers;
	int err;
};

static int dump_cb(struct nl_msg *m, void *arg)
{
	struct dump_ctx *c = arg;
	struct nlattr *dev[WGDEVICE_A_MAX + 1];
	int ret;

	if (genlmsg_parse(nlmsg_hdr(m), 0, dev, WGDEVICE_A_MAX, NULL) < 0) {
		c->err = -EPROTO;
		return NL_STOP;
	}
	ret = tun_genl_parse_stats(dev, c->s, &c->peers);
	if (ret < 0) {
		c->err = ret;
		return NL_STOP;
	}
	return NL_OK;
}

static int kernel_peer_stats(const struct tun_end *end, struct tun_peer_stats *out)
{
	struct dump_ctx c = { out, 0, 0 };
	struct nlx *g = NULL;
	struct nl_msg *m = NULL;
	char what[64];
	int ret, fam, err;

	memset(out, 0, sizeof(*out));
	ret = nlx_open_in(end->netns_path, NETLINK_GENERIC, end->ifname, &g);
	if (ret < 0)
		goto out;
	ret = fam = tun_genl_family(g);
	if (fam < 0)
		goto out;
	ret = tun_genl_get_msg(end->ifname, fam, &m);
	if (ret < 0)
		goto out;
	nl_socket_modify_cb(nlx_sock(g), NL_CB_VALID, NL_CB_CUSTOM, dump_cb, &c);
	err = nl_send_auto(nlx_sock(g), m);
	if (err >= 0)
		err = nl_recvmsgs_default(nlx_sock(g));
	snprintf(what, sizeof(what), "WG_CMD_GET_DEVICE %s", end->ifname);
	ret = nlx_check(g, err, what);
	if (!ret && c.err < 0) {
		wgb_err("%s: malformed WG_CMD_GET_DEVICE reply", end->ifname);
		ret = c.err;
	} else if (!ret) {
		ret = c.peers ? 0 : -ENOENT;
	}
out:
	nlmsg_free(m);
	nlx_close(g);
	return ret;
}

struct dev_dump {
	struct tun_device_info *d;
	int err;
};

static int dev_cb(struct nl_msg *m, void *arg)
{
	struct dev_dump *c = arg;
	struct nlattr *dev[WGDEVICE_A_MAX + 1];
	int ret;

	if (genlmsg_parse(nlmsg_hdr(m), 0, dev, WGDEVICE_A_MAX, NULL) < 0) {
		c->err = -EPROTO;
		return NL_STOP;
	}
	ret = tun_genl_parse_device(dev, c->d);
	if (ret < 0) {
		c->err = ret;
		return NL_STOP;
	}
	return NL_OK;
}

int tun_genl_read_device(struct nlx *g, int family, const char *ifname, struct tun_device_info *d)
{
	struct dev_dump c = { d, 0 };
	struct nl_msg *m = NULL;
	int ret, err;

	d->n_peers = 0;
	ret = tun_genl_get_msg(ifname, family, &m);
	if (ret < 0)
		return ret;
	nl_socket_modify_cb(nlx_sock(g), NL_CB_VALID, NL_CB_CUSTOM, dev_cb, &c);
	err = nl_send_auto(nlx_sock(g), m);
	if (err >= 0)
		err = nl_recvmsgs_default(nlx_sock(g));
	nlmsg_free(m);
	ret = nlx_errno(g, err);
	return ret ? ret : c.err;
}

static int kernel_probe(char *why, size_t len)
{
	struct nlx *g = NULL;
	int ret;

	snprintf(why, len, "%s", "");
	ret = nlx_open_in(NULL, NETLINK_GENERIC, "probe", &g);
	if (ret < 0) {
		snprintf(why, len, "cannot open a generic netlink socket (%s)", strerror(-ret));
		return -ENOTSUP;
	}
	/* Resolving the family also lets the kernel load the module on demand. */
	ret = tun_genl_family(g);
	nlx_close(g);
	if (ret < 0) {
		snprintf(why, len, "this kernel has no WireGuard (no 'wireguard' generic netlink family)");
		return -ENOTSUP;
	}
	return 0;
}

static int kernel_version(char *buf, size_t len)
{
	struct utsname u;
	char *mod = NULL;
	size_t n;
	int ret;

	if (uname(&u) < 0)
		return -errno;
	if (util_read_file("/sys/module/wireguard/version", &mod, &n) == 0) {
		mod[strcspn(mod, "\n")] = '\0';
		ret = util_fmt(buf, len, "kernel %s (wireguard %s)", u.release, mod);
		free(mod);
		return ret;
	}
	return util_fmt(buf, len, "kernel %s", u.release);
}

const struct tun_ops tun_kernel_ops = {
	.name = "kernel",
	.kind = TUN_KERNEL,
	.probe = kernel_probe,
	.create_end = kernel_create_end,
	.destroy_end = kernel_destroy_end,
	.peer_stats = kernel_peer_stats,
	.version = kernel_version,
};
