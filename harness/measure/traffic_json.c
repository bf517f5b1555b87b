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
 *   --bidir        end.sum_received_bidir_reverse / sum_sent_bidir_reverse
 *                  are the reverse direction (drain -> source); 3.12 says
 *                  "bidir" nowhere else (not in start.test_start), so their
 *                  presence is what marks the test. receiver_bps, sender_bps
 *                  and retransmits are the sums of both directions.
 * Also the endpoints' CPUs as JSON (traffic_procs_json), in the kernel's
 * cpulist form.
 */
#include "traffic.h"
#include "jsonx.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CPULIST_MAX 1024     /* CPU_SETSIZE */

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

/* A count as JSON gives it, as a long long: whole, 0..2^53 (beyond, a
 * double no longer holds every integer, and the cast is undefined). */
static bool count(double x)
{
	return x >= 0 && x <= 9007199254740992.0 && x == floor(x);
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

	rsum = reverse ? jsonx_get(top, "end.sum")
		       : jsonx_get(top, "server_output_json.end.sum");
	if (!rsum)
		return missing(err, len, reverse ? "end.sum" : "server_output_json.end.sum "
			       "(the receiver's report)");
	if (!num(rsum, "packets", &packets) || !num(rsum, "lost_packets", &lost) ||
	    !num(rsum, "jitter_ms", &jitter) || !num(rsum, "seconds", &secs))
		return missing(err, len, "packets/lost_packets/jitter_ms/seconds in the receiver's sum");
	if (!count(packets) || !count(lost) || lost > packets)
		return missing(err, len, "consistent UDP packet counts");
	m->packets = (long long)packets;
	m->lost_packets = (long long)lost;
	m->jitter_ms = jitter;
	m->seconds = secs;
	m->packets_per_s = secs > 0 ? (packets - lost) / secs : 0;
	return 0;
}

/* --bidir: the forward figures are already in m; add the reverse ones. */
static int parse_bidir(struct json_object *top, struct traffic_metrics *m, char *err, size_t len)
{
	struct json_object *rsent = jsonx_get(top, "end.sum_sent_bidir_reverse");
	struct json_object *rrecv = jsonx_get(top, "end.sum_received_bidir_reverse");
	double x;

	m->fwd_retransmits = m->rev_retransmits = -1;
	if (!rrecv && !rsent)
		return 0;
	if (!num(rrecv, "bits_per_second", &m->rev_receiver_bps))
		return missing(err, len, "end.sum_received_bidir_reverse.bits_per_second");
	if (!num(rsent, "bits_per_second", &m->rev_sender_bps))
		return missing(err, len, "end.sum_sent_bidir_reverse.bits_per_second");
	m->bidir = true;
	m->fwd_receiver_bps = m->receiver_bps;
	m->fwd_sender_bps = m->sender_bps;
	m->receiver_bps += m->rev_receiver_bps;
	m->sender_bps += m->rev_sender_bps;
	m->fwd_retransmits = m->retransmits;
	/* the reverse sender is the server; the client carries its count */
	if (num(rsent, "retransmits", &x) && count(x))
		m->rev_retransmits = (long long)x;
	m->retransmits = m->fwd_retransmits >= 0 && m->rev_retransmits >= 0 ?
			 m->fwd_retransmits + m->rev_retransmits : -1;
	return 0;
}

static int parse_top(struct json_object *top, struct traffic_metrics *m, char *err, size_t len)
{
	struct json_object *ts, *v, *sent, *recv;
	const char *proto;
	double reverse = 0, x;

	if (json_object_object_get_ex(top, "error", &v)) {
		snprintf(err, len, "iperf3: %s", json_object_get_string(v) ? json_object_get_string(v) :
			 "an error without a message");
		return -EPROTO;
	}
	ts = jsonx_get(top, "start.test_start");
	if (!ts || !json_object_object_get_ex(ts, "protocol", &v) || !json_object_is_type(v, json_type_string))
		return missing(err, len, "start.test_start.protocol");
	proto = json_object_get_string(v);
	num(ts, "reverse", &reverse);
	sent = jsonx_get(top, "end.sum_sent");
	recv = jsonx_get(top, "end.sum_received");
	if (!num(recv, "bits_per_second", &m->receiver_bps))
		return missing(err, len, "end.sum_received.bits_per_second");
	if (!num(sent, "bits_per_second", &m->sender_bps))
		return missing(err, len, "end.sum_sent.bits_per_second");
	m->retransmits = m->fwd_retransmits = m->rev_retransmits = -1;
	m->packets = m->lost_packets = -1;
	m->jitter_ms = m->packets_per_s = NAN;
	num(recv, "seconds", &m->seconds);
	if (!strcmp(proto, "UDP")) {
		if (jsonx_get(top, "end.sum_received_bidir_reverse"))
			return missing(err, len, "a one-way UDP test (--bidir UDP is not read: "
				       "each direction's receiver report would be needed)");
		return parse_udp(top, reverse != 0, m, err, len);
	}
	if (strcmp(proto, "TCP"))
		return missing(err, len, "a TCP or UDP test");
	if ((num(sent, "retransmits", &x) ||
	     num(jsonx_get(top, "server_output_json.end.sum_sent"), "retransmits", &x)) && count(x))
		m->retransmits = (long long)x;
	return parse_bidir(top, m, err, len);
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

/* --- endpoints' CPUs ------------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

void traffic_cpulist(const int *cpus, size_t n, char *buf, size_t len)
{
	int sorted[CPULIST_MAX];
	size_t i, j, o = 0, m = n < CPULIST_MAX ? n : CPULIST_MAX;

	if (len)
		buf[0] = '\0';
	if (m)
		memcpy(sorted, cpus, m * sizeof(*sorted));
	qsort(sorted, m, sizeof(*sorted), cmp_int);
	for (i = 0; i < m && o < len; i = j) {
		/* a run of consecutive numbers (duplicates folded in) */
		for (j = i + 1; j < m && sorted[j] <= sorted[j - 1] + 1; j++)
			;
		if (sorted[j - 1] > sorted[i])
			o += (size_t)snprintf(buf + o, len - o, "%s%d-%d", o ? "," : "", sorted[i], sorted[j - 1]);
		else
			o += (size_t)snprintf(buf + o, len - o, "%s%d", o ? "," : "", sorted[i]);
	}
}

static struct json_object *proc_json(const struct traffic_proc *p)
{
	struct json_object *o;

	if (p->pid <= 0)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "pid", json_object_new_int((int)p->pid));
	json_object_object_add(o, "requested", p->requested[0] ? json_object_new_string(p->requested) : NULL);
	json_object_object_add(o, "cpus_allowed_list", p->err ? NULL : json_object_new_string(p->cpus));
	json_object_object_add(o, "error", p->err ? json_object_new_string(strerror(-p->err)) : NULL);
	return o;
}

struct json_object *traffic_procs_json(const struct traffic_flow_result *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "client", proc_json(&r->client));
	json_object_object_add(o, "server", proc_json(&r->server));
	return o;
}

/* --- both directions ------------------------------------------------------ */

struct json_object *traffic_bidir_json(const struct traffic_flow_result *res, size_t n)
{
	double fr = 0, rr = 0, fs = 0, rs = 0;
	long long ft = 0, rt = 0;
	struct json_object *o;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct traffic_metrics *m = &res[i].m;

		if (!res[i].ok || !m->bidir)
			return NULL;
		fr += m->fwd_receiver_bps;
		rr += m->rev_receiver_bps;
		fs += m->fwd_sender_bps;
		rs += m->rev_sender_bps;
		ft = ft < 0 || m->fwd_retransmits < 0 ? -1 : ft + m->fwd_retransmits;
		rt = rt < 0 || m->rev_retransmits < 0 ? -1 : rt + m->rev_retransmits;
	}
	if (!n || !(o = json_object_new_object()))
		return NULL;
	json_object_object_add(o, "sum_of", json_object_new_string("forward + reverse"));
	json_object_object_add(o, "forward_bps", json_object_new_double(fr));
	json_object_object_add(o, "reverse_bps", json_object_new_double(rr));
	json_object_object_add(o, "forward_sender_bps", json_object_new_double(fs));
	json_object_object_add(o, "reverse_sender_bps", json_object_new_double(rs));
	json_object_object_add(o, "forward_retransmits", ft >= 0 ? json_object_new_int64(ft) : NULL);
	json_object_object_add(o, "reverse_retransmits", rt >= 0 ? json_object_new_int64(rt) : NULL);
	return o;
}
