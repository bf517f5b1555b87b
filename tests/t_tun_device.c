/* t_tun_device.c — a WireGuard device read whole (tun.h, live mode and the
 * sampler): the UAPI "get=1" reply of wireguard-go/boringtun, the kernel's
 * GET_DEVICE messages (a dump split in two), the peer that holds an
 * address, endpoints and keys as wg(8) prints them. */
#include "tun.h"
#include "tun_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/wireguard.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_NAME "t_tun_device"
#define CHECK T_CHECK_WHAT
#include "t_common.h"

#define FAMILY 31

/* Two peers as wireguard-go v0.0.20220316 writes them (keys shortened to
 * recognisable patterns; the private key must not survive the parse). */
static const char *const uapi_reply =
	"private_key=1111111111111111111111111111111111111111111111111111111111111111\n"
	"listen_port=51820\n"
	"fwmark=51820\n"
	"public_key=abababababababababababababababababababababababababababababababab\n"
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
	"protocol_version=1\n"
	"endpoint=192.0.2.2:51820\n"
	"last_handshake_time_sec=1700000000\n"
	"last_handshake_time_nsec=42\n"
	"tx_bytes=228\n"
	"rx_bytes=92\n"
	"persistent_keepalive_interval=5\n"
	"allowed_ip=10.77.0.2/32\n"
	"allowed_ip=10.20.0.0/16\n"
	"public_key=cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\n"
	"endpoint=[2001:db8::1]:51821\n"
	"last_handshake_time_sec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=10.20.30.0/24\n"
	"allowed_ip=fd00::/64\n"
	"errno=0\n"
	"\n";

static void test_uapi(void)
{
	struct tun_device_info d = { 0 };
	const struct tun_peer_info *p;
	struct in_addr a;
	char ep[64], b64[45];

	CHECK(tun_uapi_parse_device(uapi_reply, &d) == 0, "parse");
	CHECK(d.listen_port == 51820 && d.fwmark == 51820, "device fields");
	CHECK(d.n_peers == 2, "two peers");
	if (d.n_peers != 2)
		goto out;
	p = &d.peers[0];
	CHECK(p->public_key[0] == 0xab && p->public_key[31] == 0xab, "first key");
	CHECK(p->rx_bytes == 92 && p->tx_bytes == 228, "counters");
	CHECK(p->last_handshake_sec == 1700000000 && p->keepalive_s == 5, "handshake, keepalive");
	CHECK(p->n_allowed == 2 && p->n_allowed_total == 2 && p->allowed[1].cidr == 16, "allowed IPs");
	tun_endpoint_str(&p->endpoint, ep, sizeof(ep));
	CHECK(!strcmp(ep, "192.0.2.2:51820"), "IPv4 endpoint");
	tun_endpoint_str(&d.peers[1].endpoint, ep, sizeof(ep));
	CHECK(!strcmp(ep, "[2001:db8::1]:51821"), "IPv6 endpoint");
	CHECK(d.peers[1].allowed[1].family == AF_INET6 && d.peers[1].last_handshake_sec == 0,
	      "second peer: never, an IPv6 prefix");
	/* Longest prefix wins: 10.20.30.7 is in both 10.20/16 and 10.20.30/24. */
	inet_pton(AF_INET, "10.20.30.7", &a);
	CHECK(tun_device_peer_for(&d, AF_INET, &a) == &d.peers[1], "longest prefix");
	inet_pton(AF_INET, "10.20.31.7", &a);
	CHECK(tun_device_peer_for(&d, AF_INET, &a) == &d.peers[0], "the /16");
	inet_pton(AF_INET, "10.77.0.2", &a);
	CHECK(tun_device_peer_for(&d, AF_INET, &a) == &d.peers[0], "the /32");
	inet_pton(AF_INET, "10.77.0.3", &a);
	CHECK(tun_device_peer_for(&d, AF_INET, &a) == NULL, "no peer");
	tun_key_to_base64(d.peers[0].public_key, b64);
	CHECK(strlen(b64) == 44 && !strcmp(b64, "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="), "base64 key");
	/* Parsing again replaces the peers. */
	CHECK(tun_uapi_parse_device(uapi_reply, &d) == 0 && d.n_peers == 2, "reparse replaces");
	CHECK(tun_uapi_parse_device("listen_port=1\nerrno=0\n\n", &d) == 0 && d.n_peers == 0, "no peer");
	CHECK(tun_uapi_parse_device("errno=2\n\n", &d) == -EPROTO, "errno != 0");
	CHECK(tun_uapi_parse_device("listen_port=1\n\n", &d) == -EPROTO, "no errno");
	CHECK(tun_uapi_parse_device("public_key=ab\nerrno=0\n\n", &d) == -EPROTO, "short key");
	CHECK(tun_uapi_parse_device("public_key=abababababababababababababababababababababababababababababababab\n"
				    "endpoint=192.0.2.2\nerrno=0\n\n", &d) == -EPROTO, "endpoint without port");
	CHECK(tun_uapi_parse_device("public_key=abababababababababababababababababababababababababababababababab\n"
				    "allowed_ip=10.0.0.0/33\nerrno=0\n\n", &d) == -EPROTO, "cidr 33");
out:
	free(d.peers);
}

static void put_peer(struct nl_msg *m, uint8_t k, bool counters, const char *ip, uint8_t cidr)
{
	struct nlattr *p = nla_nest_start(m, 0), *ips, *one;
	uint8_t key[32];
	struct sockaddr_in ep = { .sin_family = AF_INET, .sin_port = htons(51820) };
	struct { int64_t sec, nsec; } ts = { 1700000100, 0 };
	struct in_addr a;

	memset(key, k, sizeof(key));
	nla_put(m, WGPEER_A_PUBLIC_KEY, 32, key);
	if (counters) {
		inet_pton(AF_INET, "192.0.2.2", &ep.sin_addr);
		nla_put(m, WGPEER_A_ENDPOINT, sizeof(ep), &ep);
		nla_put_u64(m, WGPEER_A_RX_BYTES, 1000);
		nla_put_u64(m, WGPEER_A_TX_BYTES, 2000);
		nla_put(m, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
		nla_put_u16(m, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	}
	ips = nla_nest_start(m, WGPEER_A_ALLOWEDIPS);
	one = nla_nest_start(m, 0);
	inet_pton(AF_INET, ip, &a);
	nla_put_u16(m, WGALLOWEDIP_A_FAMILY, AF_INET);
	nla_put(m, WGALLOWEDIP_A_IPADDR, 4, &a);
	nla_put_u8(m, WGALLOWEDIP_A_CIDR_MASK, cidr);
	nla_nest_end(m, one);
	nla_nest_end(m, ips);
	nla_nest_end(m, p);
}

static int parse_msg(struct nl_msg *m, struct tun_device_info *d)
{
	struct nlattr *dev[WGDEVICE_A_MAX + 1];
	int ret = genlmsg_parse(nlmsg_hdr(m), 0, dev, WGDEVICE_A_MAX, NULL);

	if (ret == 0)
		ret = tun_genl_parse_device(dev, d);
	nlmsg_free(m);
	return ret;
}

static void test_genl(void)
{
	struct tun_device_info d = { 0 };
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *ps;
	char ep[64];

	/* message 1: the device, peer 0x11, and the start of peer 0x22 */
	genlmsg_put(m, 1, 1, FAMILY, 0, NLM_F_MULTI, WG_CMD_GET_DEVICE, WG_GENL_VERSION);
	nla_put_string(m, WGDEVICE_A_IFNAME, "wg0");
	nla_put_u16(m, WGDEVICE_A_LISTEN_PORT, 51820);
	ps = nla_nest_start(m, WGDEVICE_A_PEERS);
	put_peer(m, 0x11, true, "10.77.0.2", 32);
	put_peer(m, 0x22, true, "10.20.0.0", 16);
	nla_nest_end(m, ps);
	CHECK(parse_msg(m, &d) == 0 && d.n_peers == 2 && d.listen_port == 51820, "first message");
	/* message 2: peer 0x22 again, only more allowed IPs (the kernel's split) */
	m = nlmsg_alloc();
	genlmsg_put(m, 1, 2, FAMILY, 0, NLM_F_MULTI, WG_CMD_GET_DEVICE, WG_GENL_VERSION);
	ps = nla_nest_start(m, WGDEVICE_A_PEERS);
	put_peer(m, 0x22, false, "10.30.0.0", 16);
	nla_nest_end(m, ps);
	CHECK(parse_msg(m, &d) == 0 && d.n_peers == 2, "continuation is the same peer");
	if (d.n_peers == 2) {
		CHECK(d.peers[1].n_allowed == 2 && d.peers[1].rx_bytes == 1000, "allowed IPs joined, counters kept");
		CHECK(d.peers[0].last_handshake_sec == 1700000100 && d.peers[0].keepalive_s == 25, "handshake");
		tun_endpoint_str(&d.peers[0].endpoint, ep, sizeof(ep));
		CHECK(!strcmp(ep, "192.0.2.2:51820"), "endpoint");
	}
	free(d.peers);
}

int main(void)
{
	test_uapi();
	test_genl();
	if (failures)
		fprintf(stderr, "t_tun_device: %d failure(s)\n", failures);
	return failures != 0;
}
