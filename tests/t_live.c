/* t_live.c — the pure parts of live mode (live.h): the UDP receiver's
 * report of a plain `iperf3 -s` (text inside the client's JSON, fixture
 * from iperf3 3.12: -u -b 100M -l 1200 -O 1 -t 2 -P 2 --get-server-output
 * against a server without -J). */
#include "live.h"
#include "traffic.h"

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

int main(void)
{
	test_plain_server();
	if (failures)
		fprintf(stderr, "t_live: %d failure(s)\n", failures);
	return failures != 0;
}
