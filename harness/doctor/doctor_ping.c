/* doctor_ping.c — DF echo probes from a raw socket, in a node's namespace
 * (reference 000 Task 7 "ping -M do"), IPv4 and IPv6.
 *
 * IPv4: ICMP echo with DF set (IP_PMTUDISC_DO); a router that cannot pass it
 * answers ICMP "fragmentation needed" with the next hop's MTU.
 * IPv6: routers never fragment, so every IPv6 packet is "DF": the socket only
 * has to keep the sender from fragmenting its own (IPV6_DONTFRAG, and
 * IPV6_PMTUDISC_DO for a local EMSGSIZE against the route's MTU); a router
 * that cannot pass it answers ICMPv6 Packet Too Big with the MTU. The kernel
 * fills in the ICMPv6 checksum of a raw ICMPv6 socket (RFC 3542 §3.1), and a
 * read gives the ICMPv6 message without the IPv6 header.
 *
 * `size` is the IP packet's whole length in both families (header included:
 * 20 or 40 bytes), as the MTU it is compared with counts.
 */
#include "doctor_impl.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct doctor_pinger {
	int fd;
	int af;                         /* AF_INET, AF_INET6 */
	char *netns_path;
	struct in_addr dst;
	struct in6_addr dst6;
	uint16_t id, seq;
};

const char *doctor_probe_result_name(enum doctor_probe_result r)
{
	switch (r) {
	case PROBE_REPLY: return "reply";
	case PROBE_FRAG_NEEDED: return "frag_needed";
	case PROBE_PACKET_TOO_BIG: return "packet_too_big";
	case PROBE_LOCAL_EMSGSIZE: return "local_emsgsize";
	case PROBE_TIMEOUT: return "timeout";
	}
	return "?";
}

/* The raw socket, made in the namespace, told not to fragment. */
static int open_raw(const char *netns_path, int af, int *fd)
{
	int saved, r, pmtu = af == AF_INET6 ? IPV6_PMTUDISC_DO : IP_PMTUDISC_DO, on = 1;

	r = doctor_ns_enter(netns_path, &saved);
	if (r)
		return r;
	*fd = socket(af, SOCK_RAW | SOCK_CLOEXEC, af == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	r = *fd < 0 ? -errno : 0;
	doctor_ns_leave(saved);
	if (r)
		return r;
	if (af == AF_INET && setsockopt(*fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)))
		r = -errno;
	if (af == AF_INET6 && (setsockopt(*fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu)) ||
			       setsockopt(*fd, IPPROTO_IPV6, IPV6_DONTFRAG, &on, sizeof(on))))
		r = -errno;
	if (af == AF_INET6 && !r) {
		struct icmp6_filter f;

		/* only what a probe waits for, not every neighbour discovery */
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
		if (setsockopt(*fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)))
			r = -errno;
	}
	if (r) {
		close(*fd);
		*fd = -1;
	}
	return r;
}

static int pinger_open(const char *netns_path, int af, const void *dst, struct doctor_pinger **out)
{
	struct doctor_pinger *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->fd = -1;
	r = open_raw(netns_path, af, &p->fd);
	if (r) {
		wgb_err("doctor: raw %s socket in %s: %s", af == AF_INET6 ? "ICMPv6" : "ICMP",
			netns_path ? netns_path : "this namespace", strerror(-r));
		free(p);
		return r;
	}
	p->af = af;
	if (af == AF_INET6)
		memcpy(&p->dst6, dst, sizeof(p->dst6));
	else
		memcpy(&p->dst, dst, sizeof(p->dst));
	p->netns_path = netns_path ? strdup(netns_path) : NULL;
	if (netns_path && !p->netns_path) {
		doctor_pinger_close(p);
		return -ENOMEM;
	}
	p->id = (uint16_t)(getpid() ^ 0x5747);
	*out = p;
	return 0;
}

int doctor_pinger_open(const char *netns_path, struct in_addr dst, struct doctor_pinger **out)
{
	return pinger_open(netns_path, AF_INET, &dst, out);
}

int doctor_pinger_open6(const char *netns_path, const struct in6_addr *dst, struct doctor_pinger **out)
{
	return pinger_open(netns_path, AF_INET6, dst, out);
}

int doctor_pinger_open_str(const char *netns_path, const char *dst, struct doctor_pinger **out)
{
	struct in6_addr a6;
	struct in_addr a;

	if (dst && inet_pton(AF_INET, dst, &a) == 1)
		return doctor_pinger_open(netns_path, a, out);
	if (dst && inet_pton(AF_INET6, dst, &a6) == 1)
		return doctor_pinger_open6(netns_path, &a6, out);
	wgb_err("doctor: '%s' is not a numeric IPv4 or IPv6 address", dst ? dst : "(none)");
	return -EINVAL;
}

void doctor_pinger_close(struct doctor_pinger *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
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
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_addr = p->dst6, .sin6_port = htons(9) };
	bool v6 = p->af == AF_INET6;
	int fd, saved, mtu = 0;
	socklen_t l = sizeof(mtu);

	if (doctor_ns_enter(p->netns_path, &saved))
		return 0;
	fd = socket(p->af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	doctor_ns_leave(saved);
	if (fd < 0)
		return 0;
	if ((v6 ? connect(fd, (struct sockaddr *)&sa6, sizeof(sa6)) : connect(fd, (struct sockaddr *)&sa, sizeof(sa))) ||
	    getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, &mtu, &l))
		mtu = 0;
	close(fd);
	return mtu > 0 ? (unsigned int)mtu : 0;
}

/* IPv4: an echo reply from dst, or a frag-needed quoting our echo. */
static bool answer4(const struct doctor_pinger *p, const uint8_t *buf, size_t n, uint16_t seq,
		    struct doctor_pmtu_probe *out)
{
	const struct iphdr *ip = (const void *)buf, *inner;
	const struct icmphdr *ic, *ic2;
	size_t hl;

	if (n < sizeof(*ip))
		return false;
	hl = (size_t)ip->ihl * 4;
	if (n < hl + sizeof(*ic))
		return false;
	ic = (const void *)(buf + hl);
	if (ic->type == ICMP_ECHOREPLY && ip->saddr == p->dst.s_addr &&
	    ntohs(ic->un.echo.id) == p->id && ntohs(ic->un.echo.sequence) == seq) {
		out->result = PROBE_REPLY;
		return true;
	}
	if (ic->type != ICMP_DEST_UNREACH || ic->code != ICMP_FRAG_NEEDED ||
	    n < hl + sizeof(*ic) + sizeof(*inner) + sizeof(*ic2))
		return false;
	inner = (const void *)(buf + hl + sizeof(*ic));
	ic2 = (const void *)((const uint8_t *)inner + (size_t)inner->ihl * 4);
	if ((const uint8_t *)(ic2 + 1) > buf + n || inner->daddr != p->dst.s_addr ||
	    ntohs(ic2->un.echo.id) != p->id || ntohs(ic2->un.echo.sequence) != seq)
		return false;
	out->result = PROBE_FRAG_NEEDED;
	out->mtu = ntohs(ic->un.frag.mtu);
	return true;
}

/* IPv6 (no IP header in what a raw ICMPv6 socket reads): an echo reply from
 * dst, or a Packet Too Big quoting our echo (its IPv6 header, then it). */
static bool answer6(const struct doctor_pinger *p, const uint8_t *buf, size_t n,
		    const struct sockaddr_in6 *from, uint16_t seq, struct doctor_pmtu_probe *out)
{
	const struct icmp6_hdr *ic = (const void *)buf, *ic2;
	const struct ip6_hdr *inner;

	if (n < sizeof(*ic))
		return false;
	if (ic->icmp6_type == ICMP6_ECHO_REPLY && !memcmp(&from->sin6_addr, &p->dst6, sizeof(p->dst6)) &&
	    ntohs(ic->icmp6_id) == p->id && ntohs(ic->icmp6_seq) == seq) {
		out->result = PROBE_REPLY;
		return true;
	}
	if (ic->icmp6_type != ICMP6_PACKET_TOO_BIG || n < sizeof(*ic) + sizeof(*inner) + sizeof(*ic2))
		return false;
	inner = (const void *)(buf + sizeof(*ic));
	ic2 = (const void *)(inner + 1);
	if (inner->ip6_nxt != IPPROTO_ICMPV6 || memcmp(&inner->ip6_dst, &p->dst6, sizeof(p->dst6)) ||
	    ic2->icmp6_type != ICMP6_ECHO_REQUEST || ntohs(ic2->icmp6_id) != p->id || ntohs(ic2->icmp6_seq) != seq)
		return false;
	out->result = PROBE_PACKET_TOO_BIG;
	out->mtu = ntohl(ic->icmp6_mtu);
	return true;
}

/* One reply we are waiting for: the echo reply, or an ICMP error about it. */
static int wait_answer(struct doctor_pinger *p, uint16_t seq, double timeout,
		       struct doctor_pmtu_probe *out)
{
	double deadline = util_now_mono() + timeout;
	uint8_t buf[2048];

	for (;;) {
		double left = deadline - util_now_mono();
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		struct sockaddr_in6 from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)(left * 1000) + 1) < 0)
			return errno == EINTR ? -EINTR : -errno;
		if (!(pfd.revents & POLLIN))
			continue;
		memset(&from, 0, sizeof(from));
		n = recvfrom(p->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue;
		if (p->af == AF_INET6 ? answer6(p, buf, (size_t)n, &from, seq, out)
				      : answer4(p, buf, (size_t)n, seq, out))
			return 0;
	}
}

/* The echo request of len bytes (ICMP header and payload) in pkt. */
static void build_echo(struct doctor_pinger *p, uint8_t *pkt, size_t len, uint16_t seq)
{
	memset(pkt, 0xa5, len);
	if (p->af == AF_INET6) {
		struct icmp6_hdr *ic = (struct icmp6_hdr *)pkt;

		ic->icmp6_type = ICMP6_ECHO_REQUEST;
		ic->icmp6_code = 0;
		ic->icmp6_cksum = 0;   /* the kernel's, for ICMPv6 */
		ic->icmp6_id = htons(p->id);
		ic->icmp6_seq = htons(seq);
		return;
	}
	struct icmphdr *ic = (struct icmphdr *)pkt;

	ic->type = ICMP_ECHO;
	ic->code = 0;
	ic->checksum = 0;
	ic->un.echo.id = htons(p->id);
	ic->un.echo.sequence = htons(seq);
	ic->checksum = csum(pkt, len);
}

int doctor_ping(struct doctor_pinger *p, unsigned int size, unsigned int attempts, double timeout,
		struct doctor_pmtu_probe *out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = p->dst };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_addr = p->dst6 };
	size_t hdr = p->af == AF_INET6 ? sizeof(struct ip6_hdr) : sizeof(struct iphdr);
	uint8_t pkt[65536];
	size_t len = size - hdr;
	unsigned int a;
	double t0;

	memset(out, 0, sizeof(*out));
	out->size = size;
	out->result = PROBE_TIMEOUT;
	if (size < hdr + 8 || size > 65535)
		return -EINVAL;
	for (a = 0; a < attempts; a++) {
		uint16_t seq = ++p->seq;
		ssize_t r;

		build_echo(p, pkt, len, seq);
		t0 = util_now_mono();
		r = p->af == AF_INET6 ? sendto(p->fd, pkt, len, 0, (struct sockaddr *)&sa6, sizeof(sa6))
				      : sendto(p->fd, pkt, len, 0, (struct sockaddr *)&sa, sizeof(sa));
		if (r < 0) {
			if (errno == EMSGSIZE) {
				out->result = PROBE_LOCAL_EMSGSIZE;
				out->mtu = route_mtu(p);
				return 0;
			}
			return -errno;
		}
		r = wait_answer(p, seq, timeout, out);
		if (r == 0) {
			out->rtt_ms = (util_now_mono() - t0) * 1e3;
			return 0;
		}
		if (r != -ETIMEDOUT)
			return (int)r;
	}
	out->result = PROBE_TIMEOUT;
	return 0;
}

int doctor_pinger_family(const struct doctor_pinger *p)
{
	return p->af;
}
