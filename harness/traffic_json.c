/* traffic_json.c — metrics out of one iperf3 3.12 JSON document (see traffic.h).
 *
 * Where each number comes from (checked against real 3.12 output in
 * tests/data/):
 *   receiver_bps   end.sum_received.bits_per_second (both ends agree)
 *   sender_bps     end.sum_sent.bits_per_second
 *   retransmits    end.sum_sent.retransmits (the client reports the sender's
 *                  count also in reverse mode), else the server's
 *   UDP loss, jitter, packets/s   the receiver's own end.sum: the server's
 *                  (server_output_json) in forward mode, the client's in
 *                  reverse mode. The client's end.sum_received loss count is
 *                  wrong in 3.12 when --omit is used, so it is never read.
 */
#include "traffic.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static struct json_object *path_get(struct json_object *o, const char *a, const char *b,
				    const char *c)
{
	const char *keys[3] = { a, b, c };
	size_t i;

	for (i = 0; i < 3 && keys[i] && o; i++)
		if (!json_object_object_get_ex(o, keys[i], &o))
			return NULL;
	return o;
}

static bool num(struct json_object *o, const char *key, double *out)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return false;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return false;
	*out = json_object_get_double(v);
	return isfinite(*out);
}

static int missing(char *err, size_t len, const char *what)
{
	snprintf(err, len, "iperf3 JSON lacks %s", what);
	return -EPROTO;
}

static int parse_udp(struct json_object *top, bool reverse, struct traffic_metrics *m,
		     char *err, size_t len)
{
	struct json_object *rsum;
	double packets, lost, jitter, secs;

	rsum = reverse ? path_get(top, "end", "sum", NULL)
		       : path_get(top, "server_output_json", "end", "sum");
	if (!rsum)
		return missing(err, len, reverse ? "end.sum" : "server_output_json.end.sum "
			       "(the receiver's report)");
	if (!num(rsum, "packets", &packets) || !num(rsum, "lost_packets", &lost) ||
	    !num(rsum, "jitter_ms", &jitter) || !num(rsum, "seconds", &secs))
		return missing(err, len, "packets/lost_packets/jitter_ms/seconds in the receiver's sum");
	if (packets < 0 || lost < 0 || lost > packets)
		return missing(err, len, "consistent UDP packet counts");
	m->packets = (long long)packets;
	m->lost_packets = (long long)lost;
	m->jitter_ms = jitter;
	m->seconds = secs;
	m->packets_per_s = secs > 0 ? (packets - lost) / secs : 0;
	return 0;
}

static int parse_top(struct json_object *top, struct traffic_metrics *m, char *err, size_t len)
{
	struct json_object *ts, *v, *sent, *recv;
	const char *proto;
	double reverse = 0, x;

	if (json_object_object_get_ex(top, "error", &v)) {
		snprintf(err, len, "iperf3: %s", json_object_get_string(v));
		return -EPROTO;
	}
	ts = path_get(top, "start", "test_start", NULL);
	if (!ts || !json_object_object_get_ex(ts, "protocol", &v))
		return missing(err, len, "start.test_start.protocol");
	proto = json_object_get_string(v);
	num(ts, "reverse", &reverse);
	sent = path_get(top, "end", "sum_sent", NULL);
	recv = path_get(top, "end", "sum_received", NULL);
	if (!num(recv, "bits_per_second", &m->receiver_bps))
		return missing(err, len, "end.sum_received.bits_per_second");
	if (!num(sent, "bits_per_second", &m->sender_bps))
		return missing(err, len, "end.sum_sent.bits_per_second");
	m->retransmits = -1;
	m->packets = m->lost_packets = -1;
	m->jitter_ms = m->packets_per_s = NAN;
	num(recv, "seconds", &m->seconds);
	if (!strcmp(proto, "UDP"))
		return parse_udp(top, reverse != 0, m, err, len);
	if (strcmp(proto, "TCP"))
		return missing(err, len, "a TCP or UDP test");
	if (num(sent, "retransmits", &x) ||
	    num(path_get(top, "server_output_json", "end", "sum_sent"), "retransmits", &x))
		m->retransmits = (long long)x;
	return 0;
}

int traffic_parse_json(const char *json, struct traffic_metrics *m, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *top;
	int ret;

	memset(m, 0, sizeof(*m));
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	top = json_tokener_parse_ex(tok, json, (int)strlen(json) + 1);
	if (!top || !json_object_is_type(top, json_type_object)) {
		snprintf(err, errlen, "iperf3 output is not a JSON object: %s",
			 top ? "wrong type" : json_tokener_error_desc(json_tokener_get_error(tok)));
		ret = -EPROTO;
	} else {
		ret = parse_top(top, m, err, errlen);
	}
	json_object_put(top);
	json_tokener_free(tok);
	return ret;
}
