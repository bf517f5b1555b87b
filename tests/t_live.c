/* t_live.c — the pure parts of live mode (live.h): the UDP receiver's
 * report of a plain `iperf3 -s` (text inside the client's JSON, fixture
 * from iperf3 3.12: -u -b 100M -l 1200 -O 1 -t 2 -P 2 --get-server-output
 * against a server without -J); the peer address of either family
 * (route.h) and the peer agent's live-attach line that carries it back. */
#include "agent_node.h"
#include "live.h"
#include "route.h"
#include "traffic.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_NAME "t_live"
#define CHECK T_CHECK_WHAT
#include "t_common.h"

static void test_plain_server(void)
{
	char *json = t_fixture("iperf3-udp-plain-server.json");
	struct traffic_metrics m;

	if (!json)
		return;
	CHECK(live_udp_from_text(json, &m) == 0, "parse");
	/* [SUM]   0.00-2.00 sec ... 0.015 ms  1106/41680 (2.7%)  receiver */
	CHECK(m.lost_packets == 1106 && m.packets == 41680, "the [SUM] receiver line, not a stream's");
	CHECK(fabs(m.jitter_ms - 0.015) < 1e-9 && fabs(m.seconds - 2.0) < 1e-9, "jitter, seconds");
	CHECK(fabs(m.packets_per_s - (41680 - 1106) / 2.0) < 1e-6, "received datagrams per second");
	CHECK(m.receiver_bps > 1.9e8 && m.sender_bps > 1.9e8 && m.retransmits == -1, "bit rates from the client");
	free(json);
	CHECK(live_udp_from_text("{\"server_output_text\": \"[  5]   0.00-2.00   sec  1 MBytes  1 Mbits/sec  "
				 "0.020 ms  3/100 (3%)  receiver\\n\", \"end\": {\"sum_received\": "
				 "{\"bits_per_second\": 1}, \"sum_sent\": {\"bits_per_second\": 2}}}", &m) == 0 &&
	      m.lost_packets == 3 && m.packets == 100, "one stream, no [SUM]");
	CHECK(live_udp_from_text("{\"server_output_text\": \"no report\"}", &m) != 0, "no receiver line");
	CHECK(live_udp_from_text("{\"server_output_text\": \"[  5] 0.00-2.00 sec x 9 ms 5/3 receiver\", "
				 "\"end\": {\"sum_received\": {\"bits_per_second\": 1}, \"sum_sent\": "
				 "{\"bits_per_second\": 2}}}", &m) != 0, "lost above total refused");
	CHECK(live_udp_from_text("not json", &m) != 0 && live_udp_from_text(NULL, &m) != 0, "garbage");
}

static void test_addresses(void)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct agent_node_live_req q;
	struct route_addr a;
	char buf[INET6_ADDRSTRLEN], l1[] = "live-attach wgb- 51820 fd77:77::1 -", l2[] = "live-attach wgb- 1 fd77::1::2 -";
	char *w[8];
	size_t n;

	CHECK(!route_addr_parse("10.77.0.2", &a) && a.af == AF_INET && !strcmp(route_addr_str(&a, buf, sizeof(buf)),
	      "10.77.0.2"), "IPv4");
	CHECK(!route_addr_parse("FD77:77:0::2", &a) && a.af == AF_INET6 && !strcmp(route_addr_str(&a, buf, sizeof(buf)),
	      "fd77:77::2"), "IPv6, written back in its short form");
	CHECK(route_addr_parse("wg0.example", &a) == -EINVAL && a.af == 0 && !*route_addr_str(&a, buf, sizeof(buf)),
	      "a name is not resolved");
	CHECK(route_addr_parse("10.77.0.2/32", &a) && route_addr_parse("fe80::1%wg0", &a) && route_addr_parse(NULL, &a),
	      "prefixes, scopes, nothing");
	s6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:77::2", &s6->sin6_addr);
	route_addr_of(&ss, &a);
	CHECK(a.af == AF_INET6 && !strcmp(route_addr_str(&a, buf, sizeof(buf)), "2001:db8:77::2"), "an IPv6 endpoint");
	ss.ss_family = 0;
	route_addr_of(&ss, &a);
	CHECK(a.af == 0, "no endpoint yet");
	n = agent_node_split(l1, w, 8);
	CHECK(!agent_node_parse_live(w, n, &q) && q.back.af == AF_INET6 && q.port == 51820 && !q.ifname[0],
	      "live-attach with the controller's IPv6 tunnel address");
	n = agent_node_split(l2, w, 8);
	CHECK(agent_node_parse_live(w, n, &q) == -EINVAL, "a bad address refused");
}

int main(void)
{
	test_plain_server();
	test_addresses();
	if (failures)
		fprintf(stderr, "t_live: %d failure(s)\n", failures);
	return failures != 0;
}
