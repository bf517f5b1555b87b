/* doctor_live_host.c — the live doctor's reads of this machine (steps 4-8
 * of doctor_live.c), each without a program: DF ICMP probes through the
 * tunnel (reference 000 Task 7), the MTUs of the interface and the underlay
 * (Task 6), rp_filter and the policy rules with the kernel's own reverse
 * path check (Task 13, common mistake 5), the underlay's root qdisc and its
 * drops while the doctor watched (Task 12), offloads by ethtool ioctl
 * (Task 15), and the conntrack table's fill and drops (Task 14). */
#include "doctor_impl.h"
#include "doctor_live_impl.h"
#include "live.h"
#include "nlx.h"
#include "opts.h"
#include "stop.h"
#include "tun.h"
#include "util.h"
#include "jsonx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/ethtool.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The underlay's qdisc is read at the doctor's start and again at step 6,
 * at least this far apart (its drops while only the doctor's probes ran). */
#define QDISC_WATCH_S 2

/* ---- what the steps share ---- */

int doctor_live_setup(struct live_doc *c)
{
	struct json_object *live = jsonx_get(c->facts, "live");
	const char *ifn = jsonx_str_at(live, "interface"), *ul = jsonx_str_at(live, "underlay");
	const struct tun_peer_info *p;
	char kind[32];
	uint64_t backlog;
	int ret;

	if (!ifn || route_addr_parse(c->o->peer, &c->peer))
		return -EINVAL;
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifn);
	snprintf(c->underlay, sizeof(c->underlay), "%s", ul ? ul : "");
	c->t0_wall = time(NULL);
	if ((ret = tun_device_read(NULL, c->ifname, &c->dev0))) {
		wgb_err("doctor: %s: cannot read its WireGuard configuration: %s", c->ifname, strerror(-ret));
		return ret;
	}
	/* the endpoint as WireGuard has it now, of whichever family */
	if ((p = tun_device_peer_for(c->dev0, c->peer.af, &c->peer.u)))
		route_addr_of(&p->endpoint, &c->endpoint);
	c->have_endpoint = c->endpoint.af != 0;
	c->have_q0 = c->underlay[0] && !doctor_qdisc_stats(NULL, c->underlay, kind, sizeof(kind), &c->q0_drops,
							   &c->q0_overlimits, &backlog);
	return 0;
}

int doctor_live_peer_now(struct live_doc *c, struct tun_peer_info *out)
{
	struct tun_device_info *d = NULL;
	const struct tun_peer_info *p;
	int ret = tun_device_read(NULL, c->ifname, &d);

	if (ret)
		return ret;
	p = tun_device_peer_for(d, c->peer.af, &c->peer.u);
	if (p)
		*out = *p;
	tun_device_free(d);
	return p ? 0 : -ENOENT;
}

int doctor_live_pinger(const struct route_addr *a, struct doctor_pinger **out)
{
	return a->af == AF_INET6 ? doctor_pinger_open6(NULL, &a->u.v6, out) : doctor_pinger_open(NULL, a->u.v4, out);
}

void doctor_live_seen(struct json_object *peer, const char *ep)
{
	struct json_object *seen = jsonx_get(peer, "endpoints_seen");
	size_t i;

	if (!seen || !ep || !*ep)
		return;
	for (i = 0; i < json_object_array_length(seen); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(seen, i)), ep))
			return;
	json_object_array_add(seen, json_object_new_string(ep));
}

/* ---- 4. MTU ---- */

static void put_mtu(struct json_object *o, const char *key, const char *ifname, unsigned int *mtu)
{
	*mtu = 0;
	if (ifname[0] && !doctor_link_mtu(NULL, ifname, mtu))
		json_object_object_add(o, key, json_object_new_int((int)*mtu));
}

int doctor_live_mtu(struct live_doc *c)
{
	struct json_object *mtu = json_object_new_object(), *ends = json_object_new_array();
	struct json_object *e = json_object_new_object(), *probes = json_object_new_array();
	struct json_object *icmp = json_object_new_object();
	struct doctor_pinger *pg = NULL;
	struct doctor_pmtu_probe p;
	uint64_t in0 = 0, out0 = 0, in1, out1;
	bool v6 = c->peer.af == AF_INET6;
	unsigned int tun, und;
	int ret;

	json_object_object_add(c->in, "mtu", mtu);
	json_object_object_add(mtu, "node", json_object_new_string("local"));
	json_object_object_add(mtu, "target", json_object_new_string(c->o->peer));
	json_object_object_add(mtu, "probe_family", json_object_new_int(v6 ? 6 : 4));
	/* WireGuard's overhead is its UDP's: 60 bytes over IPv4, 80 over IPv6
	 * (the endpoint's family; 4 while there is none) */
	json_object_object_add(mtu, "underlay_family", json_object_new_int(c->endpoint.af == AF_INET6 ? 6 : 4));
	json_object_object_add(e, "node", json_object_new_string("local"));
	put_mtu(e, "tunnel_mtu", c->ifname, &tun);
	put_mtu(e, "underlay_mtu", c->underlay, &und);
	json_object_array_add(ends, e);
	json_object_object_add(mtu, "ends", ends);
	json_object_object_add(mtu, "probes", probes);
	json_object_object_add(mtu, "icmp", icmp);
	/* IPv6: Packet Too Big (Icmp6InPktTooBigs), IPv4: frag-needed (InDestUnreachs) */
	if (v6)
		doctor_icmp6_counters(NULL, &in0, &out0);
	else
		doctor_icmp_counters(NULL, &in0, &out0);
	if ((ret = doctor_live_pinger(&c->peer, &pg)))
		return ret;
	ret = doctor_ping(pg, 84, 3, 1.0, &p);
	if (!ret) {
		doctor_add_probe(probes, &p);
		/* above the interface's MTU the kernel refuses locally: start there */
		if (p.result == PROBE_REPLY && tun)
			ret = doctor_probe_sizes(pg, tun, probes);
	}
	doctor_pinger_close(pg);
	if (!(v6 ? doctor_icmp6_counters(NULL, &in1, &out1) : doctor_icmp_counters(NULL, &in1, &out1)))
		json_object_object_add(icmp, v6 ? "local_in_packet_too_big" : "local_in_dest_unreachs",
				       json_object_new_int64((int64_t)(in1 - in0)));
	doctor_say(c->o, c->tty, "4. MTU: %zu %s probe(s) through %s (MTU %u) to %s; underlay %s MTU %u (IPv%d)\n",
		   json_object_array_length(probes), v6 ? "ICMPv6 (never fragmented)" : "DF", c->ifname, tun,
		   c->o->peer, c->underlay[0] ? c->underlay : "?", und, c->endpoint.af == AF_INET6 ? 6 : 4);
	return ret;
}

/* ---- 5. rp_filter and policy routing ---- */

static int read_int(const char *path, long *v)
{
	char *t = NULL;
	int r = util_read_file(path, &t, NULL);

	if (!r && sscanf(t, "%ld", v) != 1)
		r = -EPROTO;
	free(t);
	return r;
}

static long rp_filter(struct json_object *o, const char *key, const char *dev)
{
	char path[128];
	long v = -1;

	if (dev[0] && !util_fmt(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", dev) &&
	    !read_int(path, &v))
		json_object_object_add(o, key, json_object_new_int((int)v));
	else
		json_object_object_add(o, key, NULL);
	return v;
}

/* One RTM_NEWRULE of the dump: every rule but the kernel's three (0
 * local, 32766 main, 32767 default, no selector) is policy routing. */
static int on_rule(struct nl_msg *msg, void *arg)
{
	struct json_object *arr = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct fib_rule_hdr *frh = nlmsg_data(h);
	struct nlattr *tb[FRA_MAX + 1];
	uint32_t prio = 0, table, mark = 0;
	char text[192], src[INET_ADDRSTRLEN + 4] = "all", iif[IFNAMSIZ + 6] = "", fw[24] = "";

	if (nlmsg_parse(h, sizeof(*frh), tb, FRA_MAX, NULL) < 0)
		return NL_SKIP;
	table = tb[FRA_TABLE] ? nla_get_u32(tb[FRA_TABLE]) : frh->table;
	if (tb[FRA_PRIORITY])
		prio = nla_get_u32(tb[FRA_PRIORITY]);
	if (tb[FRA_FWMARK])
		mark = nla_get_u32(tb[FRA_FWMARK]);
	if (!frh->src_len && !frh->dst_len && !mark && !tb[FRA_IIFNAME] && !tb[FRA_OIFNAME] &&
	    frh->action == FR_ACT_TO_TBL && ((prio == 0 && table == RT_TABLE_LOCAL) ||
	    (prio == 32766 && table == RT_TABLE_MAIN) || (prio == 32767 && table == RT_TABLE_DEFAULT)))
		return NL_OK;
	if (frh->src_len && tb[FRA_SRC] && nla_len(tb[FRA_SRC]) == 4) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, nla_data(tb[FRA_SRC]), a, sizeof(a));
		snprintf(src, sizeof(src), "%s/%u", a, frh->src_len);
	}
	if (tb[FRA_IIFNAME])
		snprintf(iif, sizeof(iif), " iif %.15s", nla_get_string(tb[FRA_IIFNAME]));
	if (mark)
		snprintf(fw, sizeof(fw), " fwmark 0x%x", mark);
	snprintf(text, sizeof(text), "%u: %sfrom %s%s%s %s %u", prio, frh->flags & FIB_RULE_INVERT ? "not " : "",
		 src, iif, fw, frh->action == FR_ACT_TO_TBL ? "lookup" : "action", frh->action == FR_ACT_TO_TBL ?
		 table : frh->action);
	json_object_array_add(arr, json_object_new_string(text));
	return NL_OK;
}

static struct json_object *policy_rules(void)
{
	struct json_object *arr = json_object_new_array();
	struct fib_rule_hdr frh = { .family = AF_INET };
	struct nlx *nl = NULL;

	if (nlx_open_in(NULL, NETLINK_ROUTE, "doctor", &nl))
		return arr;
	nl_socket_modify_cb(nlx_sock(nl), NL_CB_VALID, NL_CB_CUSTOM, on_rule, arr);
	if (nl_send_simple(nlx_sock(nl), RTM_GETRULE, NLM_F_DUMP, &frh, sizeof(frh)) >= 0)
		nl_recvmsgs_default(nlx_sock(nl));
	nlx_close(nl);
	return arr;
}

/* The kernel's own reverse-path check: would it accept a packet from src
 * arriving on dev for dst (RTM_GETROUTE with iif; -EXDEV: rp_filter drops it)? */
static void reverse_check(struct json_object *o, const char *key, const struct route_addr *dst,
			  const struct route_addr *src, const char *dev)
{
	struct json_object *r = json_object_new_object();
	struct route_info rt;
	char from[INET6_ADDRSTRLEN];
	int ret = route_get(NULL, dst, src, dev, &rt);

	json_object_object_add(r, "from", json_object_new_string(route_addr_str(src, from, sizeof(from))));
	json_object_object_add(r, "iif", json_object_new_string(dev));
	json_object_object_add(r, "accepted", json_object_new_boolean(ret == 0));
	json_object_object_add(r, "error", ret ? json_object_new_string(strerror(-ret)) : NULL);
	json_object_object_add(o, key, r);
}

/* rp_filter is IPv4's only (net/ipv4/fib_frontend.c): a side whose traffic
 * is IPv6 is recorded as not judged, not given a verdict. */
#define RP_NOT_JUDGED "not judged for IPv6 (Linux's rp_filter filters IPv4 only)"

static long rp_side(struct json_object *o, const char *which, const char *dev, long all, int af)
{
	char key[48];
	long v = rp_filter(o, which, dev);

	snprintf(key, sizeof(key), "effective_%s", which);
	if (af == AF_INET6) {
		json_object_object_add(jsonx_get(o, "not_judged"), which, json_object_new_string(RP_NOT_JUDGED));
		json_object_object_add(o, key, NULL);
	} else {
		json_object_object_add(o, key, dev[0] ? json_object_new_int((int)(all > v ? all : v)) : NULL);
	}
	return v;
}

/* "wg0 0" or "wg0 not judged for IPv6" */
static void say_side(char *buf, size_t len, const char *dev, long v, int af)
{
	if (af == AF_INET6)
		snprintf(buf, len, "%s not judged for IPv6", dev);
	else
		snprintf(buf, len, "%s %ld", dev, v);
}

static void step_rp_filter(struct live_doc *c)
{
	struct json_object *o = json_object_new_object();
	struct route_info to_peer, to_ep;
	char si[64], su[64];
	long all, ifv, ulv;

	json_object_object_add(c->in, "rp_filter", o);
	json_object_object_add(o, "not_judged", json_object_new_object());
	all = rp_filter(o, "all", "all");
	/* the kernel uses the larger of conf/all and conf/<dev> */
	ifv = rp_side(o, "interface", c->ifname, all, c->peer.af);
	ulv = rp_side(o, "underlay", c->underlay, all, c->endpoint.af);
	json_object_object_add(o, "policy_rules", policy_rules());
	if (c->peer.af == AF_INET && !route_get(NULL, &c->peer, NULL, NULL, &to_peer) && to_peer.has_src)
		reverse_check(o, "reverse_interface", &to_peer.src, &c->peer, c->ifname);
	if (c->endpoint.af == AF_INET && c->underlay[0] &&
	    !route_get(NULL, &c->endpoint, NULL, NULL, &to_ep) && to_ep.has_src)
		reverse_check(o, "reverse_underlay", &to_ep.src, &c->endpoint, c->underlay);
	say_side(si, sizeof(si), c->ifname, ifv, c->peer.af);
	say_side(su, sizeof(su), c->underlay[0] ? c->underlay : "underlay", ulv, c->endpoint.af);
	doctor_say(c->o, c->tty, "5. rp_filter: all %ld, %s, %s; %zu policy rule(s)\n", all, si, su,
		   json_object_array_length(jsonx_get(o, "policy_rules")));
}

/* ---- 6. the underlay qdisc ---- */

static void step_qdisc(struct live_doc *c)
{
	struct json_object *o = json_object_new_object();
	uint64_t drops, over, backlog;
	char kind[32];

	json_object_object_add(c->in, "qdisc", o);
	json_object_object_add(o, "device", c->underlay[0] ? json_object_new_string(c->underlay) : NULL);
	/* a window long enough to see the traffic already there being dropped */
	while (c->have_q0 && time(NULL) - c->t0_wall < QDISC_WATCH_S && !stop_requested())
		usleep(100000);
	if (!c->underlay[0] || doctor_qdisc_stats(NULL, c->underlay, kind, sizeof(kind), &drops, &over, &backlog)) {
		doctor_say(c->o, c->tty, "6. qdisc: no root qdisc to read on the underlay\n");
		return;
	}
	json_object_object_add(o, "kind", json_object_new_string(kind));
	json_object_object_add(o, "drops_total", json_object_new_int64((int64_t)drops));
	json_object_object_add(o, "overlimits_total", json_object_new_int64((int64_t)over));
	json_object_object_add(o, "backlog_bytes", json_object_new_int64((int64_t)backlog));
	if (c->have_q0) {
		json_object_object_add(o, "drops_watched", json_object_new_int64((int64_t)(drops - c->q0_drops)));
		json_object_object_add(o, "overlimits_watched",
				       json_object_new_int64((int64_t)(over - c->q0_overlimits)));
		json_object_object_add(o, "watched_s", json_object_new_int64((int64_t)(time(NULL) - c->t0_wall)));
	}
	doctor_say(c->o, c->tty, "6. qdisc: %s on %s, %llu drops since it was made\n", kind, c->underlay,
		   (unsigned long long)drops);
}

/* ---- 7. offloads ---- */

static void offloads_of(struct json_object *all, int fd, const char *dev)
{
	static const struct { const char *name; uint32_t cmd; } f[] = {
		{ "gro", ETHTOOL_GGRO }, { "gso", ETHTOOL_GGSO }, { "tso", ETHTOOL_GTSO },
		{ "sg", ETHTOOL_GSG }, { "rx_checksum", ETHTOOL_GRXCSUM }, { "tx_checksum", ETHTOOL_GTXCSUM },
	};
	struct json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		struct ethtool_value v = { .cmd = f[i].cmd };
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
		ifr.ifr_data = (void *)&v;
		json_object_object_add(o, f[i].name, ioctl(fd, SIOCETHTOOL, &ifr) == 0 ?
				       json_object_new_boolean(v.data != 0) : NULL);
	}
	json_object_object_add(all, dev, o);
}

static const char *onoff(struct json_object *dev, const char *feature)
{
	struct json_object *v = jsonx_get(dev, feature);

	return !v ? "?" : json_object_get_boolean(v) ? "on" : "off";
}

static void step_offloads(struct live_doc *c)
{
	struct json_object *o = json_object_new_object();
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	json_object_object_add(c->in, "offloads", o);
	if (fd < 0)
		return;
	offloads_of(o, fd, c->ifname);
	if (c->underlay[0])
		offloads_of(o, fd, c->underlay);
	close(fd);
	doctor_say(c->o, c->tty, "7. offloads: %s gro %s gso %s, %s gro %s gso %s tso %s\n", c->ifname,
		   onoff(jsonx_get(o, c->ifname), "gro"), onoff(jsonx_get(o, c->ifname), "gso"),
		   c->underlay[0] ? c->underlay : "underlay", onoff(jsonx_get(o, c->underlay), "gro"),
		   onoff(jsonx_get(o, c->underlay), "gso"), onoff(jsonx_get(o, c->underlay), "tso"));
}

/* ---- 8. conntrack ---- */

/* Sums of named columns of /proc/net/stat/nf_conntrack (hex, one row per CPU). */
static void conntrack_stat(struct json_object *o)
{
	static const char *const want[] = { "insert_failed", "drop", "early_drop", "invalid" };
	char *text = NULL, *line, *save = NULL, *w, *wsave = NULL, *names[32];
	unsigned long long sum[32] = { 0 };
	size_t n = 0, i, k;

	if (util_read_file("/proc/net/stat/nf_conntrack", &text, NULL))
		return;
	line = strtok_r(text, "\n", &save);
	for (w = line ? strtok_r(line, " \t", &wsave) : NULL; w && n < 32; w = strtok_r(NULL, " \t", &wsave))
		names[n++] = w;
	while ((line = strtok_r(NULL, "\n", &save)))
		for (i = 0, w = strtok_r(line, " \t", &wsave); w && i < n; w = strtok_r(NULL, " \t", &wsave), i++)
			sum[i] += strtoull(w, NULL, 16);
	for (k = 0; k < ARRAY_SIZE(want); k++)
		for (i = 0; i < n; i++)
			if (!strcmp(names[i], want[k]))
				json_object_object_add(o, want[k], json_object_new_int64((int64_t)sum[i]));
	free(text);
}

static void step_conntrack(struct live_doc *c)
{
	struct json_object *o = json_object_new_object();
	long count, max;

	json_object_object_add(c->in, "conntrack", o);
	if (read_int("/proc/sys/net/netfilter/nf_conntrack_count", &count) ||
	    read_int("/proc/sys/net/netfilter/nf_conntrack_max", &max)) {
		json_object_object_add(o, "present", json_object_new_boolean(false));
		doctor_say(c->o, c->tty, "8. conntrack: not loaded here\n");
		return;
	}
	json_object_object_add(o, "present", json_object_new_boolean(true));
	json_object_object_add(o, "count", json_object_new_int64(count));
	json_object_object_add(o, "max", json_object_new_int64(max));
	conntrack_stat(o);
	doctor_say(c->o, c->tty, "8. conntrack: %ld of %ld entries\n", count, max);
}

/* ---- for the scenarios' rules ---- */

/* --peer-ssh: the peer's interfaces by role, so the loss rules read its
 * counters (drops.interfaces.peer.*) as this side's. */
static void peer_links(struct live_doc *c, struct json_object *links)
{
	struct json_object *ps = jsonx_get(c->facts, "live.peer_side"), *ifs;
	const char *tun = jsonx_str_at(ps, "interface"), *ul = jsonx_str_at(ps, "underlay");

	if (!ps || !tun)
		return;
	ifs = json_object_new_object();
	json_object_object_add(ifs, tun, json_object_new_string("tunnel"));
	if (ul)
		json_object_object_add(ifs, ul, json_object_new_string("underlay"));
	json_object_object_add(links, "peer", ifs);
}

static void links_and_shapers(struct live_doc *c)
{
	struct json_object *links = json_object_new_object(), *ifs = json_object_new_object();
	struct json_object *shapers = json_object_new_array();
	const char *dev[2] = { c->ifname, c->underlay }, *role[2] = { "tunnel", "underlay" };
	int i;

	for (i = 0; i < 2; i++) {
		char kind[32];
		uint64_t rate;

		if (!dev[i][0])
			continue;
		json_object_object_add(ifs, dev[i], json_object_new_string(role[i]));
		if (!doctor_root_qdisc(NULL, dev[i], kind, sizeof(kind), &rate) && rate) {
			struct json_object *sh = json_object_new_object();

			json_object_object_add(sh, "node", json_object_new_string("local"));
			json_object_object_add(sh, "link", json_object_new_string(role[i]));
			json_object_object_add(sh, "ifname", json_object_new_string(dev[i]));
			json_object_object_add(sh, "kind", json_object_new_string(kind));
			json_object_object_add(sh, "rate_bps", json_object_new_int64((int64_t)rate));
			json_object_array_add(shapers, sh);
		}
	}
	json_object_object_add(links, "local", ifs);
	peer_links(c, links);
	json_object_object_add(c->in, "links", links);
	json_object_object_add(c->in, "shapers", shapers);
}

int doctor_live_host(struct live_doc *c)
{
	step_rp_filter(c);
	step_qdisc(c);
	step_offloads(c);
	step_conntrack(c);
	links_and_shapers(c);
	return 0;
}
