/* t_tun_uapi.c — wireguard-go's UAPI text: the set=1 request we build and
 * the replies we parse (as wireguard-go v0.0.20220316 writes them). */
#include "tun.h"
#include "tun_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define T_NAME "t_tun_uapi"
#define CHECK T_CHECK_WHAT
#include "t_common.h"
#include "t_tun_cfg.h"

static void test_request(void)
{
	struct tun_end_cfg c;
	char buf[1024], small[100];
	const char *want =
		"set=1\n"
		"private_key=1111111111111111111111111111111111111111111111111111111111111111\n"
		"listen_port=51820\n"
		"replace_peers=true\n"
		"public_key=abababababababababababababababababababababababababababababababab\n"
		"endpoint=10.100.0.2:51821\n"
		"replace_allowed_ips=true\n"
		"allowed_ip=10.102.0.2/32\n"
		"allowed_ip=10.103.0.0/24\n"
		"\n";

	t_tun_cfg_init(&c);
	CHECK(tun_uapi_set_request(&c, buf, sizeof(buf)) == 0, "build");
	CHECK(!strcmp(buf, want), "request text");
	if (strcmp(buf, want))
		fprintf(stderr, "got:\n%s", buf);
	CHECK(tun_uapi_set_request(&c, small, sizeof(small)) == -ENAMETOOLONG, "too small a buffer");
	CHECK(tun_uapi_set_request(&c, buf, strlen(want)) == -ENAMETOOLONG, "no room for the NUL");
	CHECK(tun_uapi_set_request(&c, buf, strlen(want) + 1) == 0, "exact fit");
	c.allowed[1].cidr = 33;
	CHECK(tun_uapi_set_request(&c, buf, sizeof(buf)) == -EINVAL, "cidr 33");
	c.allowed[1].cidr = 24;
	c.n_allowed = TUN_MAX_ALLOWED + 1;
	CHECK(tun_uapi_set_request(&c, buf, sizeof(buf)) == -EINVAL, "too many allowed IPs");
	c.n_allowed = 0;
	t_tun_cfg_init(&c);
	c.peer_endpoint6.sin6_family = AF_INET6;
	c.peer_endpoint6.sin6_port = htons(51821);
	inet_pton(AF_INET6, "fd77:100::2", &c.peer_endpoint6.sin6_addr);
	c.allowed[1].family = AF_INET6;
	inet_pton(AF_INET6, "fd77:103::10", &c.allowed[1].addr6);
	c.allowed[1].cidr = 128;
	CHECK(tun_uapi_set_request(&c, buf, sizeof(buf)) == 0 && strstr(buf, "endpoint=[fd77:100::2]:51821\n") &&
	      strstr(buf, "allowed_ip=fd77:103::10/128\n"), "IPv6 endpoint in brackets, IPv6 allowed IP");
	c.allowed[1].cidr = 129;
	CHECK(tun_uapi_set_request(&c, buf, sizeof(buf)) == -EINVAL, "cidr 129");
	c.n_allowed = 0;
	c.peer_endpoint.sin_family = AF_UNIX;
	CHECK(tun_uapi_set_request(&c, buf, sizeof(buf)) == -EINVAL, "neither IPv4 nor IPv6");
}

static void test_errno(void)
{
	int e = -1;

	CHECK(tun_uapi_reply_errno("errno=0\n\n", &e) == 0 && e == 0, "errno=0");
	CHECK(tun_uapi_reply_errno("errno=22\n\n", &e) == 0 && e == 22, "errno=22");
	CHECK(tun_uapi_reply_errno("", &e) == -EPROTO, "empty");
	CHECK(tun_uapi_reply_errno("errno=x\n\n", &e) == -EPROTO, "not a number");
	CHECK(tun_uapi_reply_errno("garbage\n\n", &e) == -EPROTO, "no =");
	CHECK(tun_uapi_reply_errno("errno=99999\n\n", &e) == -EPROTO, "out of range");
}

static void test_stats(void)
{
	struct tun_peer_stats s;
	const char *reply =
		"private_key=1111111111111111111111111111111111111111111111111111111111111111\n"
		"listen_port=51820\n"
		"public_key=abababababababababababababababababababababababababababababababab\n"
		"endpoint=10.100.0.2:51821\n"
		"last_handshake_time_sec=1700000000\n"
		"last_handshake_time_nsec=123\n"
		"tx_bytes=228\n"
		"rx_bytes=92\n"
		"persistent_keepalive_interval=0\n"
		"allowed_ip=10.102.0.2/32\n"
		"protocol_version=1\n"
		"errno=0\n"
		"\n";

	memset(&s, 0xff, sizeof(s));
	CHECK(tun_uapi_parse_stats(reply, &s) == 0, "parse");
	CHECK(s.tx_bytes == 228 && s.rx_bytes == 92, "byte counters");
	CHECK(s.last_handshake_sec == 1700000000, "handshake");
	CHECK(tun_uapi_parse_stats("private_key=00\nlisten_port=1\nerrno=0\n\n", &s) == -ENOENT, "no peer");
	CHECK(tun_uapi_parse_stats("errno=1\n\n", &s) == -EPROTO, "errno != 0");
	CHECK(tun_uapi_parse_stats("public_key=ab\nrx_bytes=1\n", &s) == -EPROTO, "no errno line");
	CHECK(tun_uapi_parse_stats("rx_bytes=1\nerrno=0\n\n", &s) == -EPROTO, "counter before a peer");
	CHECK(tun_uapi_parse_stats("public_key=ab\nrx_bytes=-1\nerrno=0\n\n", &s) == -EPROTO, "negative");
	CHECK(tun_uapi_parse_stats("public_key=ab\nrx_bytes=99999999999999999999999\nerrno=0\n\n", &s) == -EPROTO,
	      "overflow");
}

int main(void)
{
	test_request();
	test_errno();
	test_stats();
	if (failures)
		fprintf(stderr, "t_tun_uapi: %d failure(s)\n", failures);
	return failures != 0;
}
