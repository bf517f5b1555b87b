/* t_tun_genl.c — the generic netlink messages of the kernel implementation:
 * WG_CMD_SET_DEVICE's attribute layout (as wireguard-tools' ipc-linux.h lays
 * it out), WG_CMD_GET_DEVICE's request, and parsing a GET_DEVICE reply. */
#include "tun.h"
#include "tun_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/wireguard.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <string.h>

#define T_NAME "t_tun_genl"
#define CHECK T_CHECK_WHAT
#include "t_common.h"
#include "t_tun_cfg.h"

#define FAMILY 0x1d

static bool nested(const struct nlattr *a)
{
	return a && (a->nla_type & NLA_F_NESTED);
}

static void check_allowed(struct nlattr *ips, const struct tun_end_cfg *c)
{
	struct nlattr *ip, *ia[WGALLOWEDIP_A_MAX + 1];
	size_t n = 0;
	int rem;

	nla_for_each_nested(ip, ips, rem) {
		CHECK(nla_type(ip) == 0 && nested(ip), "allowed IP element: type 0, nested");
		CHECK(nla_parse_nested(ia, WGALLOWEDIP_A_MAX, ip, NULL) == 0, "allowed IP parses");
		if (n >= c->n_allowed)
			break;
		CHECK(ia[WGALLOWEDIP_A_FAMILY] && nla_len(ia[WGALLOWEDIP_A_FAMILY]) == 2 &&
		      nla_get_u16(ia[WGALLOWEDIP_A_FAMILY]) == AF_INET, "family u16 AF_INET");
		CHECK(ia[WGALLOWEDIP_A_IPADDR] && nla_len(ia[WGALLOWEDIP_A_IPADDR]) == 4 &&
		      !memcmp(nla_data(ia[WGALLOWEDIP_A_IPADDR]), &c->allowed[n].addr, 4), "address, 4 bytes");
		CHECK(ia[WGALLOWEDIP_A_CIDR_MASK] && nla_len(ia[WGALLOWEDIP_A_CIDR_MASK]) == 1 &&
		      nla_get_u8(ia[WGALLOWEDIP_A_CIDR_MASK]) == c->allowed[n].cidr, "cidr u8");
		n++;
	}
	CHECK(n == c->n_allowed, "every allowed IP, in order");
}

static void test_set(void)
{
	struct nlattr *dev[WGDEVICE_A_MAX + 1], *pa[WGPEER_A_MAX + 1], *peer;
	struct tun_end_cfg c;
	struct nl_msg *m = NULL;
	struct nlmsghdr *h;
	struct genlmsghdr *g;
	int rem, peers = 0;

	t_tun_cfg_init(&c);
	CHECK(tun_genl_set_msg(&c, FAMILY, &m) == 0, "build");
	if (!m)
		return;
	h = nlmsg_hdr(m);
	g = nlmsg_data(h);
	CHECK(h->nlmsg_type == FAMILY, "family id");
	CHECK((h->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK)) == (NLM_F_REQUEST | NLM_F_ACK), "request + ack");
	CHECK(g->cmd == WG_CMD_SET_DEVICE && g->version == WG_GENL_VERSION, "command and version");
	CHECK(genlmsg_parse(h, 0, dev, WGDEVICE_A_MAX, NULL) == 0, "parses");
	CHECK(dev[WGDEVICE_A_IFNAME] && !strcmp(nla_get_string(dev[WGDEVICE_A_IFNAME]), "wgb-g1t0"),
	      "ifname, NUL-terminated");
	CHECK(dev[WGDEVICE_A_PRIVATE_KEY] && nla_len(dev[WGDEVICE_A_PRIVATE_KEY]) == 32 &&
	      !memcmp(nla_data(dev[WGDEVICE_A_PRIVATE_KEY]), c.private_key, 32), "private key");
	CHECK(dev[WGDEVICE_A_LISTEN_PORT] && nla_len(dev[WGDEVICE_A_LISTEN_PORT]) == 2 &&
	      nla_get_u16(dev[WGDEVICE_A_LISTEN_PORT]) == 51820, "listen port u16, host order");
	CHECK(dev[WGDEVICE_A_FLAGS] && nla_get_u32(dev[WGDEVICE_A_FLAGS]) == WGDEVICE_F_REPLACE_PEERS,
	      "REPLACE_PEERS");
	CHECK(!dev[WGDEVICE_A_IFINDEX] && !dev[WGDEVICE_A_FWMARK], "nothing else");
	CHECK(nested(dev[WGDEVICE_A_PEERS]), "peers nested");
	if (!dev[WGDEVICE_A_PEERS])
		goto out;
	nla_for_each_nested(peer, dev[WGDEVICE_A_PEERS], rem) {
		peers++;
		CHECK(nla_type(peer) == 0 && nested(peer), "peer element: type 0, nested");
		CHECK(nla_parse_nested(pa, WGPEER_A_MAX, peer, NULL) == 0, "peer parses");
		CHECK(pa[WGPEER_A_PUBLIC_KEY] && nla_len(pa[WGPEER_A_PUBLIC_KEY]) == 32 &&
		      !memcmp(nla_data(pa[WGPEER_A_PUBLIC_KEY]), c.peer_public_key, 32), "public key");
		CHECK(pa[WGPEER_A_FLAGS] && nla_get_u32(pa[WGPEER_A_FLAGS]) == WGPEER_F_REPLACE_ALLOWEDIPS,
		      "REPLACE_ALLOWEDIPS");
		CHECK(pa[WGPEER_A_ENDPOINT] && nla_len(pa[WGPEER_A_ENDPOINT]) == sizeof(struct sockaddr_in),
		      "endpoint is a sockaddr_in");
		if (pa[WGPEER_A_ENDPOINT]) {
			struct sockaddr_in sa;

			memcpy(&sa, nla_data(pa[WGPEER_A_ENDPOINT]), sizeof(sa));
			CHECK(sa.sin_family == AF_INET && sa.sin_port == htons(51821) &&
			      sa.sin_addr.s_addr == c.peer_endpoint.sin_addr.s_addr, "endpoint value");
		}
		CHECK(!pa[WGPEER_A_PRESHARED_KEY] && !pa[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL], "nothing else");
		CHECK(nested(pa[WGPEER_A_ALLOWEDIPS]), "allowed IPs nested");
		if (pa[WGPEER_A_ALLOWEDIPS])
			check_allowed(pa[WGPEER_A_ALLOWEDIPS], &c);
	}
	CHECK(peers == 1, "one peer");
out:
	nlmsg_free(m);
	m = NULL;
	c.allowed[0].cidr = 33;
	CHECK(tun_genl_set_msg(&c, FAMILY, &m) == -EINVAL && !m, "cidr 33 refused");
	c.allowed[0].cidr = 32;
	c.ifname = "a-name-that-is-too-long";
	CHECK(tun_genl_set_msg(&c, FAMILY, &m) == -EINVAL && !m, "long name refused");
}

static void test_get(void)
{
	struct nlattr *dev[WGDEVICE_A_MAX + 1];
	struct nl_msg *m = NULL;
	struct genlmsghdr *g;

	CHECK(tun_genl_get_msg("wgb-g2t3", FAMILY, &m) == 0, "build get");
	if (!m)
		return;
	g = nlmsg_data(nlmsg_hdr(m));
	CHECK(nlmsg_hdr(m)->nlmsg_flags & NLM_F_DUMP, "GET_DEVICE is a dump");
	CHECK(g->cmd == WG_CMD_GET_DEVICE, "command");
	CHECK(genlmsg_parse(nlmsg_hdr(m), 0, dev, WGDEVICE_A_MAX, NULL) == 0 && dev[WGDEVICE_A_IFNAME] &&
	      !strcmp(nla_get_string(dev[WGDEVICE_A_IFNAME]), "wgb-g2t3"), "ifname");
	nlmsg_free(m);
}

/* A reply as the kernel writes it: peers with counters and a timespec. */
static struct nl_msg *reply(int peers, int rx_len, bool with_key)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *ps, *p;
	uint8_t key[32] = { 1 };
	struct { int64_t sec, nsec; } ts = { 1700000000, 5 };
	uint32_t short_rx = 7;

	genlmsg_put(m, 1, 1, FAMILY, 0, NLM_F_MULTI, WG_CMD_GET_DEVICE, WG_GENL_VERSION);
	nla_put_string(m, WGDEVICE_A_IFNAME, "wgb-g1t0");
	ps = nla_nest_start(m, WGDEVICE_A_PEERS);
	for (int i = 0; i < peers; i++) {
		p = nla_nest_start(m, 0);
		if (with_key)
			nla_put(m, WGPEER_A_PUBLIC_KEY, 32, key);
		if (rx_len == 8)
			nla_put_u64(m, WGPEER_A_RX_BYTES, 1000 + i);
		else
			nla_put(m, WGPEER_A_RX_BYTES, sizeof(short_rx), &short_rx);
		nla_put_u64(m, WGPEER_A_TX_BYTES, 2000);
		ts.sec += i;
		nla_put(m, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
		nla_nest_end(m, p);
	}
	nla_nest_end(m, ps);
	return m;
}

static int parse(struct nl_msg *m, struct tun_peer_stats *s, size_t *n)
{
	struct nlattr *dev[WGDEVICE_A_MAX + 1];
	int ret = genlmsg_parse(nlmsg_hdr(m), 0, dev, WGDEVICE_A_MAX, NULL);

	if (ret == 0)
		ret = tun_genl_parse_stats(dev, s, n);
	nlmsg_free(m);
	return ret;
}

static void test_stats(void)
{
	struct tun_peer_stats s = { 0 };
	size_t n = 0;

	CHECK(parse(reply(2, 8, true), &s, &n) == 0, "parse reply");
	CHECK(n == 2 && s.rx_bytes == 2001 && s.tx_bytes == 4000, "sums over peers");
	CHECK(s.last_handshake_sec == 1700000001, "latest handshake");
	/* A second message of the same dump adds to the totals. */
	CHECK(parse(reply(1, 8, true), &s, &n) == 0 && n == 3 && s.rx_bytes == 3001, "split dump");
	memset(&s, 0, sizeof(s));
	n = 0;
	CHECK(parse(reply(0, 8, true), &s, &n) == 0 && n == 0, "no peers");
	CHECK(parse(reply(1, 4, true), &s, &n) == -EPROTO, "short counter refused");
	CHECK(parse(reply(1, 8, false), &s, &n) == -EPROTO, "peer without a key refused");
}

int main(void)
{
	test_set();
	test_get();
	test_stats();
	if (failures)
		fprintf(stderr, "t_tun_genl: %d failure(s)\n", failures);
	return failures != 0;
}
