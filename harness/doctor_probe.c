/* doctor_probe.c — what the doctor measures outside the scenarios, each in a
 * node's namespace and without any program (no ping, no ip): DF ICMP echoes
 * from a raw socket (reference 000 Task 7 "ping -M do"), RTM_GETROUTE
 * lookups (Task 1 "ip route get"), link MTUs (Task 6), root qdiscs and
 * their rates (Task 12), and the Icmp counters of /proc/net/snmp.
 *
 * A socket keeps the namespace it was created in, so each function enters
 * the namespace on the calling thread only long enough to open what it needs.
 */
#include "doctor_impl.h"
#include "node.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/tbf.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void ns_leave(int saved)
{
	int r = node_return(&saved);

	if (r)
		wgb_err("doctor: cannot return to the original network namespace: %s", strerror(-r));
}

/* ---- DF echo probes ---- */

struct doctor_pinger {
	int fd;
	char *netns_path;
	struct in_addr dst;
	uint16_t id, seq;
};

const char *doctor_probe_result_name(enum doctor_probe_result r)
{
	switch (r) {
	case PROBE_REPLY: return "reply";
	case PROBE_FRAG_NEEDED: return "frag_needed";
	case PROBE_LOCAL_EMSGSIZE: return "local_emsgsize";
	case PROBE_TIMEOUT: return "timeout";
	}
	return "?";
}

int doctor_pinger_open(const char *netns_path, struct in_addr dst, struct doctor_pinger **out)
{
	struct doctor_pinger *p = calloc(1, sizeof(*p));
	int saved, r, pmtu = IP_PMTUDISC_DO;

	if (!p)
		return -ENOMEM;
	r = node_enter_save(netns_path, &saved);
	if (r) {
		free(p);
		return r;
	}
	p->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	r = p->fd < 0 ? -errno : 0;
	ns_leave(saved);
	if (!r && setsockopt(p->fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)))
		r = -errno;
	if (r) {
		wgb_err("doctor: raw ICMP socket in %s: %s", netns_path, strerror(-r));
		if (p->fd >= 0)
			close(p->fd);
		free(p);
		return r;
	}
	p->dst = dst;
	p->netns_path = strdup(netns_path);
	if (!p->netns_path) {
		close(p->fd);
		free(p);
		return -ENOMEM;
	}
	p->id = (uint16_t)(getpid() ^ 0x5747);
	*out = p;
	return 0;
}

void doctor_pinger_close(struct doctor_pinger *p)
{
	if (!p)
		return;
	close(p->fd);
	free(p->netns_path);
	free(p);
}

static uint16_t csum(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)(b[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/* The kernel's route MTU towards dst in the pinger's namespace (what a
 * local EMSGSIZE was measured against): a connected UDP socket's IP_MTU. */
static unsigned int route_mtu(struct doctor_pinger *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = p->dst, .sin_port = htons(9) };
	int fd, saved, mtu = 0;
	socklen_t l = sizeof(mtu);

	if (node_enter_save(p->netns_path, &saved))
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ns_leave(saved);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &l))
		mtu = 0;
	close(fd);
	return mtu > 0 ? (unsigned int)mtu : 0;
}

/* One reply we are waiting for: the echo reply, or a frag-needed about it. */
static int wait_answer(struct doctor_pinger *p, uint16_t seq, double timeout,
		       struct doctor_pmtu_probe *out)
{
	double deadline = util_now_mono() + timeout;
	uint8_t buf[2048];

	for (;;) {
		double left = deadline - util_now_mono();
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		const struct iphdr *ip = (const void *)buf, *inner;
		const struct icmphdr *ic, *ic2;
		ssize_t n;
		size_t hl;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) < 0)
			return errno == EINTR ? -EINTR : -errno;
		if (!(pfd.revents & POLLIN))
			continue;
		n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < (ssize_t)sizeof(*ip))
			continue;
		hl = (size_t)ip->ihl * 4;
		if ((size_t)n < hl + sizeof(*ic))
			continue;
		ic = (const void *)(buf + hl);
		if (ic->type == ICMP_ECHOREPLY && ip->saddr == p->dst.s_addr &&
		    ntohs(ic->un.echo.id) == p->id && ntohs(ic->un.echo.sequence) == seq) {
			out->result = PROBE_REPLY;
			return 0;
		}
		if (ic->type != ICMP_DEST_UNREACH || ic->code != ICMP_FRAG_NEEDED ||
		    (size_t)n < hl + sizeof(*ic) + sizeof(*inner) + sizeof(*ic2))
			continue;
		inner = (const void *)(buf + hl + sizeof(*ic));
		ic2 = (const void *)((const uint8_t *)inner + (size_t)inner->ihl * 4);
		if ((const uint8_t *)(ic2 + 1) > buf + n || inner->daddr != p->dst.s_addr ||
		    ntohs(ic2->un.echo.id) != p->id || ntohs(ic2->un.echo.sequence) != seq)
			continue;
		out->result = PROBE_FRAG_NEEDED;
		out->mtu = ntohs(ic->un.frag.mtu);
		return 0;
	}
}

int doctor_ping(struct doctor_pinger *p, unsigned int size, unsigned int attempts, double timeout,
		struct doctor_pmtu_probe *out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = p->dst };
	uint8_t pkt[65536];
	size_t len = size - sizeof(struct iphdr);
	unsigned int a;

	memset(out, 0, sizeof(*out));
	out->size = size;
	out->result = PROBE_TIMEOUT;
	if (size < sizeof(struct iphdr) + sizeof(struct icmphdr) || size > 65535)
		return -EINVAL;
	for (a = 0; a < attempts; a++) {
		struct icmphdr *ic = (struct icmphdr *)pkt;
		uint16_t seq = ++p->seq;
		int r;

		memset(pkt, 0xa5, len);
		ic->type = ICMP_ECHO;
		ic->code = 0;
		ic->checksum = 0;
		ic->un.echo.id = htons(p->id);
		ic->un.echo.sequence = htons(seq);
		ic->checksum = csum(pkt, len);
		if (sendto(p->fd, pkt, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			if (errno == EMSGSIZE) {
				out->result = PROBE_LOCAL_EMSGSIZE;
				out->mtu = route_mtu(p);
				return 0;
			}
			return -errno;
		}
		r = wait_answer(p, seq, timeout, out);
		if (r == 0)
			return 0;
		if (r != -ETIMEDOUT)
			return r;
	}
	out->result = PROBE_TIMEOUT;
	return 0;
}

/* ---- netlink ---- */

static int nl_in(const char *netns_path, struct nl_sock **out)
{
	struct nl_sock *sk;
	int saved, r = node_enter_save(netns_path, &saved);

	if (r)
		return r;
	sk = nl_socket_alloc();
	r = !sk ? -ENOMEM : nl_connect(sk, NETLINK_ROUTE) ? -EIO : 0;
	ns_leave(saved);
	if (r)
		nl_socket_free(sk);
	else
		*out = sk;
	return r;
}

struct route_answer {
	int oif;
	int err;
	bool got;
};

static int on_route(struct nl_msg *msg, void *arg)
{
	struct route_answer *a = arg;
	struct nlattr *tb[RTA_MAX + 1];

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtmsg), tb, RTA_MAX, NULL) < 0)
		return NL_SKIP;
	a->got = true;
	a->oif = tb[RTA_OIF] ? (int)nla_get_u32(tb[RTA_OIF]) : 0;
	return NL_OK;
}

static int ifindex_of(struct nl_sock *sk, const char *name, int *ifindex)
{
	struct rtnl_link *l = NULL;

	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		return -ENODEV;
	*ifindex = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return 0;
}

int doctor_route_get(const char *netns_path, struct in_addr dst, struct in_addr src,
		     const char *iif, char *oif, size_t len)
{
	struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_dst_len = 32 };
	struct route_answer a = { 0 };
	struct nl_sock *sk = NULL;
	struct nl_msg *m = NULL;
	struct rtnl_link *l = NULL;
	int r = nl_in(netns_path, &sk), ifindex = 0;

	if (r)
		return r;
	if (iif && (r = ifindex_of(sk, iif, &ifindex)))
		goto out;
	r = -ENOMEM;
	if (src.s_addr)
		rtm.rtm_src_len = 32;
	m = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST);
	if (!m || nlmsg_append(m, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(m, RTA_DST, 4, &dst) < 0 || (src.s_addr && nla_put(m, RTA_SRC, 4, &src) < 0) ||
	    (ifindex && nla_put_u32(m, RTA_IIF, (uint32_t)ifindex) < 0))
		goto out;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_route, &a);
	r = nl_send_auto(sk, m);
	if (r >= 0)
		r = nl_recvmsgs_default(sk);
	if (r < 0) {
		r = -EHOSTUNREACH;   /* the kernel has no route (or refused the lookup) */
		goto out;
	}
	r = -ENOENT;
	if (!a.got || !a.oif)
		goto out;
	/* A fresh socket: this one's callbacks are on_route's. */
	nl_socket_free(sk);
	sk = NULL;
	if ((r = nl_in(netns_path, &sk)))
		goto out;
	r = -ENOENT;
	if (rtnl_link_get_kernel(sk, a.oif, NULL, &l) < 0 || !l)
		goto out;
	snprintf(oif, len, "%s", rtnl_link_get_name(l));
	r = 0;
out:
	rtnl_link_put(l);
	nlmsg_free(m);
	nl_socket_free(sk);
	return r;
}

int doctor_link_mtu(const char *netns_path, const char *ifname, unsigned int *mtu)
{
	struct nl_sock *sk = NULL;
	struct rtnl_link *l = NULL;
	int r = nl_in(netns_path, &sk);

	if (r)
		return r;
	if (rtnl_link_get_kernel(sk, 0, ifname, &l) < 0)
		r = -ENODEV;
	else
		*mtu = rtnl_link_get_mtu(l);
	rtnl_link_put(l);
	nl_socket_free(sk);
	return r;
}

int doctor_root_qdisc(const char *netns_path, const char *ifname, char *kind, size_t len,
		      uint64_t *rate_bps)
{
	struct nl_sock *sk = NULL;
	struct nl_cache *qc = NULL, *cc = NULL;
	struct rtnl_qdisc *q = NULL;
	int r = nl_in(netns_path, &sk), ifindex;

	*rate_bps = 0;
	snprintf(kind, len, "%s", "");
	if (r)
		return r;
	if ((r = ifindex_of(sk, ifname, &ifindex)))
		goto out;
	r = -EIO;
	if (rtnl_qdisc_alloc_cache(sk, &qc) < 0)
		goto out;
	r = 0;
	q = rtnl_qdisc_get_by_parent(qc, ifindex, TC_H_ROOT);
	if (!q)
		goto out;
	snprintf(kind, len, "%s", rtnl_tc_get_kind(TC_CAST(q)));
	if (!strcmp(kind, "tbf")) {
		*rate_bps = (uint64_t)rtnl_qdisc_tbf_get_rate(q) * 8;
	} else if (!strcmp(kind, "htb") && rtnl_class_alloc_cache(sk, ifindex, &cc) >= 0) {
		/* The default class's rate: the shape knob_qdisc builds (1:1). */
		struct rtnl_class *c = rtnl_class_get(cc, ifindex, TC_HANDLE(1, 1));
		uint64_t rate = 0;

		if (c) {
			rtnl_htb_get_rate64(c, &rate);
			rtnl_class_put(c);
		}
		*rate_bps = rate * 8;
	}
out:
	rtnl_qdisc_put(q);
	nl_cache_free(cc);
	nl_cache_free(qc);
	nl_socket_free(sk);
	return r;
}

/* ---- /proc/net/snmp ---- */

static int snmp_field(const char *text, const char *proto, const char *name, uint64_t *out)
{
	char head[32];
	const char *h, *v;
	size_t plen;

	plen = (size_t)snprintf(head, sizeof(head), "%s:", proto);
	h = strstr(text, head);
	if (!h)
		return -ENOENT;
	v = strstr(h + plen, head);   /* the values line follows the names line */
	if (!v)
		return -ENOENT;
	h += plen;
	v += plen;
	while (*h && *h != '\n') {
		char key[64];
		int kn = 0;
		unsigned long long x;
		int vn = 0;

		while (*h == ' ')
			h++;
		while (*h && *h != ' ' && *h != '\n' && kn < 63)
			key[kn++] = *h++;
		key[kn] = 0;
		if (sscanf(v, " %llu%n", &x, &vn) != 1)
			return -EPROTO;
		v += vn;
		if (!strcmp(key, name)) {
			*out = x;
			return 0;
		}
	}
	return -ENOENT;
}

/* The whole of a procfs file already open (a path reopened later would
 * resolve in the namespace of that moment). */
static int read_all(int fd, char **out)
{
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 1024) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (n < 0) {
		free(buf);
		return -errno;
	}
	buf[len] = 0;
	*out = buf;
	return 0;
}

int doctor_icmp_counters(const char *netns_path, uint64_t *in_dest_unreachs,
			 uint64_t *out_dest_unreachs)
{
	char *text = NULL;
	int saved, fd, r = node_enter_save(netns_path, &saved);

	if (r)
		return r;
	/* thread-self: /proc/self/net follows the process leader's namespace. */
	fd = open("/proc/thread-self/net/snmp", O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	ns_leave(saved);
	if (r)
		return r;
	r = read_all(fd, &text);
	close(fd);
	if (r)
		return r;
	r = snmp_field(text, "Icmp", "InDestUnreachs", in_dest_unreachs);
	if (!r)
		r = snmp_field(text, "Icmp", "OutDestUnreachs", out_dest_unreachs);
	free(text);
	return r;
}
