/* t_traffic_json.c — metrics extracted from real iperf3 3.12 JSON, captured on
 * the development machine (tests/data/iperf3-*.json: two namespaces, a veth,
 * `iperf3 -s -1 -J` and `iperf3 -c ... -J -t 2 -O 1 --get-server-output`;
 * iperf3-tcp-bidir.json: one flow of a `wgbench run --scenario tcp-bidir`
 * through wireguard-go, libiperf's -P 1 --bidir). */
#include "traffic.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_NAME "t_traffic_json"
#include "t_common.h"

/* Its failure lines name the fixture being checked (cur). */
#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, cur, #cond); \
	failures++; } } while (0)

static const char *cur;

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1, fabs(b));
}

static int parse(const char *name, struct traffic_metrics *m, char *err, size_t len)
{
	char *text = t_fixture(name);
	int ret;

	cur = name;
	err[0] = '\0';
	ret = traffic_parse_json(text, m, err, len);
	free(text);
	return ret;
}

/* The endpoints' CPUs: cpulist as the kernel prints Cpus_allowed_list. */
static void cpus_json(void)
{
	static const int a[] = { 3, 0, 1, 2, 7, 5, 5, 9, 10 }, one[] = { 1 };
	struct traffic_flow_result r;
	struct json_object *o;
	char buf[64];

	cur = "cpulist";
	traffic_cpulist(a, ARRAY_SIZE(a), buf, sizeof(buf));
	CHECK(!strcmp(buf, "0-3,5,7,9-10"));
	traffic_cpulist(one, 1, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1"));
	traffic_cpulist(NULL, 0, buf, sizeof(buf));
	CHECK(!strcmp(buf, ""));
	traffic_cpulist(a, ARRAY_SIZE(a), buf, 6);   /* cut, still terminated */
	CHECK(strlen(buf) == 5);

	cur = "procs json";
	memset(&r, 0, sizeof(r));
	r.client = (struct traffic_proc){ .pid = 42 };
	snprintf(r.client.requested, sizeof(r.client.requested), "0");
	snprintf(r.client.cpus, sizeof(r.client.cpus), "0");
	o = traffic_procs_json(&r);
	CHECK(!strcmp(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
		      "{\"client\":{\"pid\":42,\"requested\":\"0\",\"cpus_allowed_list\":\"0\",\"error\":null},"
		      "\"server\":null}"));
	json_object_put(o);
	r.client = (struct traffic_proc){ .pid = 7, .err = -ESRCH };
	o = traffic_procs_json(&r);
	CHECK(!strcmp(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
		      "{\"client\":{\"pid\":7,\"requested\":null,\"cpus_allowed_list\":null,\"error\":\"No such process\"},"
		      "\"server\":null}"));
	json_object_put(o);
}

/* runs[].bidir of two flows: summed; null as soon as one is not --bidir. */
static void bidir_json(const struct traffic_metrics *m)
{
	struct traffic_flow_result r[2];
	struct json_object *o;

	cur = "bidir json";
	memset(r, 0, sizeof(r));
	r[0].ok = r[1].ok = true;
	r[0].m = r[1].m = *m;
	o = traffic_bidir_json(r, 2);
	CHECK(o && near(json_object_get_double(json_object_object_get(o, "forward_bps")),
			2 * 40058575.2711935));
	CHECK(o && near(json_object_get_double(json_object_object_get(o, "reverse_bps")),
			2 * 110715627.56513065));
	CHECK(o && json_object_get_int64(json_object_object_get(o, "reverse_retransmits")) == 2 * 4805);
	json_object_put(o);
	r[1].m.bidir = false;
	CHECK(traffic_bidir_json(r, 2) == NULL);
	r[1].m.bidir = true;
	r[1].ok = false;
	CHECK(traffic_bidir_json(r, 2) == NULL);
}

int main(void)
{
	struct traffic_metrics m;
	char err[512];

	CHECK(parse("iperf3-tcp-p2.json", &m, err, sizeof(err)) == 0);
	CHECK(near(m.receiver_bps, 10046157070.825426));
	CHECK(near(m.sender_bps, 10122498300.6594));
	CHECK(m.retransmits == 9153);
	CHECK(m.packets == -1 && isnan(m.jitter_ms));

	/* Reverse: the client is the receiver; retransmits are the server's. */
	CHECK(parse("iperf3-tcp-rev.json", &m, err, sizeof(err)) == 0);
	CHECK(near(m.receiver_bps, 8295579899.85329));
	CHECK(near(m.sender_bps, 8290907360.69468));
	CHECK(m.retransmits == 1414);

	/* Forward UDP: loss from the server's own report (206297/111429), not the
	 * client's end.sum_received (205830/159450, wrong in 3.12 with --omit). */
	CHECK(parse("iperf3-udp-1200.json", &m, err, sizeof(err)) == 0);
	CHECK(near(m.receiver_bps, 455644343.04926));
	CHECK(near(m.sender_bps, 987985481.978223));
	CHECK(m.packets == 206297 && m.lost_packets == 111429);
	CHECK(near(m.jitter_ms, 0.00026208335261953));
	CHECK(near(m.packets_per_s, (206297.0 - 111429.0) / 1.99878));
	CHECK(m.retransmits == -1);
	/* The receiver's datagrams times the block size are its byte count. */
	CHECK(near(m.packets_per_s * m.seconds * 1200, 113841600));

	CHECK(parse("iperf3-udp-64-p2.json", &m, err, sizeof(err)) == 0);
	CHECK(m.packets == 182879 && m.lost_packets == 13313);
	CHECK(near(m.jitter_ms, 0.06234509797935948));
	CHECK(near(m.receiver_bps, 43398350.20090118));

	/* Reverse UDP: the client's own end.sum is the receiver's. */
	CHECK(parse("iperf3-udp-rev.json", &m, err, sizeof(err)) == 0);
	CHECK(m.packets == 192188 && m.lost_packets == 97035);
	CHECK(near(m.jitter_ms, 0.07225109710497704));
	CHECK(near(m.receiver_bps, 456739419.8975278));

	/* --bidir: both directions summed, each kept; one-way tests say not */
	CHECK(parse("iperf3-tcp-bidir.json", &m, err, sizeof(err)) == 0);
	CHECK(m.bidir);
	CHECK(near(m.fwd_receiver_bps, 40058575.2711935));
	CHECK(near(m.rev_receiver_bps, 110715627.56513065));
	CHECK(near(m.receiver_bps, 40058575.2711935 + 110715627.56513065));
	CHECK(near(m.fwd_sender_bps, 43945027.32733232));
	CHECK(near(m.rev_sender_bps, 120147574.71408942));
	CHECK(near(m.sender_bps, 43945027.32733232 + 120147574.71408942));
	CHECK(m.fwd_retransmits == 1636 && m.rev_retransmits == 4805 && m.retransmits == 1636 + 4805);
	bidir_json(&m);
	CHECK(parse("iperf3-tcp-p2.json", &m, err, sizeof(err)) == 0);
	CHECK(!m.bidir && m.fwd_retransmits == -1);
	cur = "udp bidir";
	CHECK(traffic_parse_json("{\"start\":{\"test_start\":{\"protocol\":\"UDP\",\"reverse\":0}},"
				 "\"end\":{\"sum_sent\":{\"bits_per_second\":1},\"sum_received\":{\"bits_per_second\":1},"
				 "\"sum_received_bidir_reverse\":{\"bits_per_second\":1}}}", &m, err, sizeof(err)) != 0);
	CHECK(strstr(err, "one-way UDP") != NULL);

	CHECK(parse("iperf3-refused.json", &m, err, sizeof(err)) != 0);
	CHECK(!strcmp(err, "iperf3: unable to connect to server: Connection refused"));

	cur = "garbage";
	CHECK(traffic_parse_json("{not json", &m, err, sizeof(err)) != 0);
	CHECK(strstr(err, "not a JSON object") != NULL);
	cur = "array";
	CHECK(traffic_parse_json("[1,2]", &m, err, sizeof(err)) != 0);
	cur = "udp without the server's report";
	CHECK(traffic_parse_json("{\"start\":{\"test_start\":{\"protocol\":\"UDP\",\"reverse\":0}},"
				 "\"end\":{\"sum_sent\":{\"bits_per_second\":1},"
				 "\"sum_received\":{\"bits_per_second\":1}}}", &m, err, sizeof(err)) != 0);
	CHECK(strstr(err, "server_output_json") != NULL);
	cur = "tcp without sums";
	CHECK(traffic_parse_json("{\"start\":{\"test_start\":{\"protocol\":\"TCP\"}},\"end\":{}}",
				 &m, err, sizeof(err)) != 0);
	CHECK(strstr(err, "sum_received") != NULL);

	cpus_json();
	if (failures)
		fprintf(stderr, "t_traffic_json: %d failures\n", failures);
	return failures ? 1 : 0;
}
