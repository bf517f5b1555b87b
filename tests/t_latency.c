/* t_latency.c — the latency probe's pure parts against values worked out by
 * hand (nearest-rank percentiles: Wikipedia's worked example; the packet's
 * bytes; a window's loss and delays over synthetic records), the strict
 * parser against malformed input, and the probe itself on loopback (no
 * namespace, no root: both threads in this process). */
#include "latency.h"
#include "agent_node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define T_NAME "t_latency"
#define CHECK T_CHECK_MSG
#include "t_common.h"

#define MS 1000000ull   /* ns */

static void t_percentile(void)
{
	/* Wikipedia, "Percentile", nearest-rank method: 15 20 35 40 50. */
	const double w[] = { 15, 20, 35, 40, 50 };
	double hundred[100];
	struct latency_dist d;

	CHECK(latency_percentile(w, 5, 30) == 20, "p30 = %g", latency_percentile(w, 5, 30));
	CHECK(latency_percentile(w, 5, 40) == 20, "p40 = %g", latency_percentile(w, 5, 40));
	CHECK(latency_percentile(w, 5, 50) == 35, "p50 = %g", latency_percentile(w, 5, 50));
	CHECK(latency_percentile(w, 5, 100) == 50, "p100");
	CHECK(latency_percentile(w, 5, 0) == 15, "p0 is the minimum");
	CHECK(latency_percentile(w, 5, 20) == 15 && latency_percentile(w, 5, 20.5) == 20,
	      "rank boundary at 20%%");
	CHECK(isnan(latency_percentile(w, 0, 50)), "no sample: NaN");
	CHECK(isnan(latency_percentile(w, 5, -1)) && isnan(latency_percentile(w, 5, 100.5)) &&
	      isnan(latency_percentile(w, 5, NAN)), "p outside [0, 100]: NaN");
	for (int i = 0; i < 100; i++)
		hundred[i] = 100 - i;   /* unsorted on purpose: dist_of sorts a copy */
	CHECK(!latency_dist_of(hundred, 100, &d) && d.n == 100 && d.p50 == 50 && d.p90 == 90 &&
	      d.p99 == 99 && d.max == 100, "1..100: %g %g %g %g", d.p50, d.p90, d.p99, d.max);
	CHECK(hundred[0] == 100, "input left as it was");
	{
		const double one[] = { 7.25 }, gaps[] = { NAN, 3, NAN, 1, 2 };

		CHECK(!latency_dist_of(one, 1, &d) && d.n == 1 && d.p50 == 7.25 && d.p99 == 7.25 &&
		      d.max == 7.25, "one sample");
		CHECK(!latency_dist_of(gaps, 5, &d) && d.n == 3 && d.p50 == 2 && d.max == 3,
		      "NaNs are not samples: n %zu p50 %g", d.n, d.p50);
		CHECK(!latency_dist_of(NULL, 0, &d) && d.n == 0 && isnan(d.p50) && isnan(d.max),
		      "empty");
	}
}

static struct latency_pkt probe_pkt(void)
{
	return (struct latency_pkt){ .len = 64, .session = 0x1122334455667788ull, .seq = 5,
				     .t_send = 1000 * MS };
}

static void t_pkt_roundtrip(void)
{
	uint8_t buf[LATENCY_PKT_MAX];
	struct latency_pkt p = probe_pkt(), q;

	CHECK(!latency_pkt_encode(&p, buf, sizeof(buf)), "encode a probe");
	CHECK(!memcmp(buf, "WGLP\x01\x00\x00\x40\x11\x22", 10), "magic, version, flags, length, session");
	CHECK(buf[23] == 5 && buf[63] == 0, "seq at 16..23, padding zero");
	memset(&q, 0xaa, sizeof(q));
	CHECK(!latency_pkt_parse(buf, 64, &q) && q.len == 64 && q.seq == 5 && q.flags == 0 &&
	      q.session == p.session && q.t_send == p.t_send && !q.t_refl_rx && !q.clock_id,
	      "parse a probe");
	p.flags = LATENCY_F_REFLECTED | LATENCY_F_REFL_KRX;
	p.t_refl_rx = 1003 * MS;
	p.t_refl_tx = 1003 * MS + 20000;
	p.clock_id = 42;
	p.len = LATENCY_PKT_MAX;
	CHECK(!latency_pkt_encode(&p, buf, sizeof(buf)), "encode an echo of the largest size");
	CHECK(!latency_pkt_parse(buf, LATENCY_PKT_MAX, &q) && q.flags == p.flags &&
	      q.t_refl_rx == p.t_refl_rx && q.t_refl_tx == p.t_refl_tx && q.clock_id == 42,
	      "parse an echo");
	p.len = LATENCY_HDR_LEN;
	CHECK(!latency_pkt_encode(&p, buf, sizeof(buf)) && !latency_pkt_parse(buf, LATENCY_HDR_LEN, &q),
	      "header only");
	CHECK(latency_pkt_encode(&p, buf, LATENCY_HDR_LEN - 1) == -EINVAL, "cap too small");
	p.len = LATENCY_HDR_LEN - 1;
	CHECK(latency_pkt_encode(&p, buf, sizeof(buf)) == -EINVAL, "len below the header");
	p.len = 64;
	p.t_refl_tx = p.t_refl_rx - 1;
	CHECK(latency_pkt_encode(&p, buf, sizeof(buf)) == -EINVAL, "turnaround < 0 is refused");
}

/* Encode a probe, change one thing, expect the parser to refuse it. */
static void t_pkt_malformed(void)
{
	uint8_t good[128], b[LATENCY_PKT_MAX + 8];
	struct latency_pkt p = probe_pkt(), q, echo = probe_pkt();
	struct { size_t off; uint8_t val; const char *what; } bad[] = {
		{ 0, 'X', "magic" }, { 3, 'Q', "magic's last byte" }, { 4, 2, "version 2" },
		{ 4, 0, "version 0" }, { 5, 0x04, "unknown flag" }, { 5, 0x80, "unknown high flag" },
		{ 5, LATENCY_F_REFL_KRX, "reflector flag on a probe" },
		{ 7, 63, "length field below the datagram" }, { 7, 65, "length field above it" },
		{ 6, 1, "length field 320" }, { 39, 1, "t_refl_rx on a probe" },
		{ 47, 1, "t_refl_tx on a probe" }, { 55, 1, "clock_id on a probe" },
		{ 56, 1, "padding not zero" }, { 63, 0xff, "last padding byte" },
	};
	int rejected = 0;

	latency_pkt_encode(&p, good, sizeof(good));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memcpy(b, good, 64);
		b[bad[i].off] = bad[i].val;
		memset(&q, 0x5a, sizeof(q));
		CHECK(latency_pkt_parse(b, 64, &q) == -EBADMSG && q.seq == 0x5a5a5a5a5a5a5a5aull,
		      "accepted or wrote *out: %s", bad[i].what);
	}
	/* Every truncation of a good packet, and the empty one. */
	for (size_t n = 0; n < 64; n++)
		rejected += latency_pkt_parse(good, n, &q) == -EBADMSG;
	CHECK(rejected == 64, "truncations refused: %d of 64", rejected);
	CHECK(latency_pkt_parse(NULL, 64, &q) == -EBADMSG, "NULL buffer");
	memset(b, 0, sizeof(b));
	memcpy(b, good, 64);
	CHECK(latency_pkt_parse(b, LATENCY_PKT_MAX + 1, &q) == -EBADMSG, "over the maximum");
	memcpy(b, good, 64);
	memset(b + 24, 0, 8);
	CHECK(latency_pkt_parse(b, 64, &q) == -EBADMSG, "t_send 0");
	/* Echoes: the reflector's times must be set and in order. */
	echo.flags = LATENCY_F_REFLECTED;
	echo.t_refl_rx = echo.t_refl_tx = 2000 * MS;
	latency_pkt_encode(&echo, good, sizeof(good));
	CHECK(!latency_pkt_parse(good, 64, &q), "an echo with zero turnaround is fine");
	memcpy(b, good, 64);
	memset(b + 32, 0, 8);
	CHECK(latency_pkt_parse(b, 64, &q) == -EBADMSG, "echo without t_refl_rx");
	memcpy(b, good, 64);
	memset(b + 40, 0, 8);
	b[47] = 1;   /* t_refl_tx now below t_refl_rx */
	CHECK(latency_pkt_parse(b, 64, &q) == -EBADMSG, "echo with t_refl_tx < t_refl_rx");
}

/* Random bytes (a fixed seed): none is a packet, none crashes the parser. */
static void t_pkt_garbage(void)
{
	uint8_t b[LATENCY_PKT_MAX + 1];
	struct latency_pkt q;
	unsigned int seed = 15, accepted = 0;

	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)rand_r(&seed) % sizeof(b) + 1;

		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)rand_r(&seed);
		if (i & 1)   /* half of them with a right magic and version */
			memcpy(b, "WGLP\x01", n < 5 ? n : 5);
		accepted += latency_pkt_parse(b, n, &q) == 0;
	}
	CHECK(accepted == 0, "%u random datagrams accepted", accepted);
}

/* An echoed record: sent at t ms, forward f ms, turnaround 0.1 ms, back r ms. */
static struct latency_rec echoed(double t, double f, double r, uint32_t flags)
{
	uint64_t s = (uint64_t)(t * MS);
	uint64_t rx = s + (uint64_t)(f * MS);

	return (struct latency_rec){ .t_send = s, .t_refl_rx = rx, .t_refl_tx = rx + MS / 10,
				     .t_rx = rx + MS / 10 + (uint64_t)(r * MS),
				     .user_lag_ns = 7000, .flags = flags };
}

static void t_stats_window(void)
{
	const uint32_t all = LATENCY_REC_KRX | LATENCY_REC_REFL_KRX | LATENCY_REC_SAME_CLOCK;
	struct latency_rec r[] = {
		echoed(1000, 1, 1, all),          /* before the window */
		echoed(2000, 3, 1, all),          /* rtt 4 */
		echoed(2010, 5, 1, all),          /* rtt 6 */
		echoed(2020, 9, 1, LATENCY_REC_SAME_CLOCK),   /* rtt 10, user stamps */
		echoed(2030, 2, 2, all & ~LATENCY_REC_SAME_CLOCK),  /* rtt 4, no owd */
		echoed(2040, 1500, 1, all),       /* late: over the 1 s timeout */
		{ .t_send = 2050 * MS },          /* lost */
		{ .t_send = 2060 * MS, .flags = LATENCY_REC_SEND_ERR },
		{ .t_send = 2990 * MS },          /* pending at a horizon of 3.5 s */
		echoed(3000, 1, 1, all),          /* after the window */
	};
	struct latency_window w = { 2.0, 3.0 };
	struct latency_stats s;

	CHECK(!latency_stats_of(r, ARRAY_SIZE(r), &w, 1000 * MS, 3500 * MS, &s), "stats");
	CHECK(s.sent == 7 && s.lost == 3 && s.late == 1 && s.send_errors == 1 && s.pending == 1,
	      "sent %llu lost %llu late %llu senderr %llu pending %llu",
	      (unsigned long long)s.sent, (unsigned long long)s.lost, (unsigned long long)s.late,
	      (unsigned long long)s.send_errors, (unsigned long long)s.pending);
	CHECK(fabs(s.interval_ms - 990.0 / 7) < 1e-9, "interval %g", s.interval_ms);
	/* rtts 4 6 10 4 -> sorted 4 4 6 10: p50 rank 2 = 4, p90 rank 4 = 10 */
	CHECK(s.rtt.n == 4 && fabs(s.rtt.p50 - 4) < 1e-9 && fabs(s.rtt.p90 - 10) < 1e-9 &&
	      fabs(s.rtt.max - 10) < 1e-9, "rtt n %zu p50 %g p90 %g max %g", s.rtt.n, s.rtt.p50,
	      s.rtt.p90, s.rtt.max);
	CHECK(s.owd_fwd.n == 3 && fabs(s.owd_fwd.p50 - 5) < 1e-9 && fabs(s.owd_fwd.max - 9) < 1e-9 &&
	      fabs(s.owd_rev.p99 - 1) < 1e-9, "owd over SAME_CLOCK only: fwd p50 %g", s.owd_fwd.p50);
	CHECK(s.rx_kernel == 3 && s.rx_user == 1 && s.refl_rx_kernel == 3, "stamp counts");
	CHECK(fabs(s.user_lag_us_p50 - 7) < 1e-9, "user lag %g us", s.user_lag_us_p50);
	CHECK(!latency_stats_of(r, ARRAY_SIZE(r), &w, 1000 * MS, UINT64_MAX, &s) &&
	      s.sent == 8 && s.lost == 4 && s.pending == 0, "stopped: pending becomes lost");
	w = (struct latency_window){ 5.0, 6.0 };
	CHECK(!latency_stats_of(r, ARRAY_SIZE(r), &w, 1000 * MS, UINT64_MAX, &s) && s.sent == 0 &&
	      s.rtt.n == 0 && isnan(s.rtt.p50) && isnan(s.interval_ms), "an empty window");
}

static struct json_object *get(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return v;
}

static void t_json(void)
{
	struct latency_rec r[] = { echoed(2000, 3, 1, LATENCY_REC_SAME_CLOCK), echoed(2010, 5, 1, 0),
				   { .t_send = 2020 * MS } };
	struct latency_window idle = { 1.0, 2.0 }, load = { 2.0, 3.0 };
	struct latency_result res = { .has_idle = true, .ts_api = "SO_TIMESTAMPING" };
	struct json_object *o, *v;

	latency_stats_of(r, 3, &idle, 1000 * MS, UINT64_MAX, &res.idle);
	latency_stats_of(r, 3, &load, 1000 * MS, UINT64_MAX, &res.load);
	res.clock_shared = res.load.owd_fwd.n > 0;
	res.cost = (struct latency_cost){ .elapsed_s = 2, .bytes_per_s = 9200, .cpu_s = 0.01 };
	o = latency_result_json(&res);
	CHECK(o != NULL, "json");
	if (!o)
		return;
	CHECK(json_object_get_int(get(o, "sent", NULL)) == 3 && json_object_get_int(get(o, "lost", NULL)) == 1,
	      "sent/lost: %s", json_object_to_json_string(o));
	CHECK(fabs(json_object_get_double(get(o, "interval_ms", NULL)) - 10) < 1e-9, "interval_ms");
	v = get(o, "rtt_ms", "p50");
	CHECK(v && fabs(json_object_get_double(v) - 4) < 1e-9, "rtt p50 without the turnaround: %s",
	      json_object_to_json_string(get(o, "rtt_ms", NULL)));
	CHECK(get(o, "rtt_ms", "p90") && get(o, "rtt_ms", "max") && get(o, "owd_fwd_ms", "p99") &&
	      get(o, "owd_rev_ms", "p50"), "contract keys");
	v = get(o, "idle_rtt_ms", NULL);
	CHECK(v && json_object_object_get_ex(v, "p50", &v) && !v, "idle window without probes: p50 null");
	CHECK(!strcmp(json_object_get_string(get(o, "timestamps", "source")), "user"), "source user");
	CHECK(!strcmp(json_object_get_string(get(o, "timestamps", "api")), "SO_TIMESTAMPING"), "api");
	CHECK(json_object_get_int(get(o, "cost", "bytes_per_s")) == 9200, "cost");
	json_object_put(o);

	res.clock_shared = false;
	res.has_idle = false;
	o = latency_result_json(&res);
	CHECK(o && json_object_object_get_ex(o, "owd_fwd_ms", &v) && !v &&
	      json_object_object_get_ex(o, "idle_rtt_ms", &v) && !v, "no shared clock, no idle: null");
	json_object_put(o);
}

static void t_timeline(void)
{
	struct latency_rec r[] = { echoed(2000, 3, 1, LATENCY_REC_SAME_CLOCK), echoed(2010, 5, 1, 0),
				   { .t_send = 2020 * MS }, { .t_send = 2990 * MS } };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(f && !latency_timeline_format(f, r, 4, 1.5, 1000 * MS, 3500 * MS), "format");
	if (f)
		fclose(f);
	CHECK(text && !strcmp(text, "# t_s rtt_ms owd_fwd_ms owd_rev_ms  (NaN: lost, or no shared clock)\n"
			      "0.500000 4.000 3.000 1.000\n"
			      "0.510000 6.000 NaN NaN\n"
			      "0.520000 NaN NaN NaN\n"), "timeline:\n%s", text ? text : "(null)");
	free(text);
}

/* Poll (never a fixed sleep) until the probe has n echoes or 5 s passed. */
static int wait_echoes(struct latency_probe *p, uint64_t n)
{
	struct latency_window all = { 0, 1e12 };
	struct latency_result res;
	struct timespec ms = { 0, 5 * 1000000 };

	for (int i = 0; i < 1000; i++) {
		if (latency_probe_result(p, NULL, &all, 0, &res))
			return -1;
		if (res.load.rtt.n >= n)
			return 0;
		nanosleep(&ms, NULL);
	}
	return -1;
}

static void t_loopback(bool user_clock)
{
	const int cpu0 = 0;
	struct latency_opts o = { .interval_s = 0.002, .user_clock = user_clock,
				  .cpus = &cpu0, .n_cpus = 1 };
	struct latency_reflector *refl = NULL;
	struct latency_probe *p = NULL;
	struct latency_window all = { 0, 1e12 };
	struct latency_result res;
	char path[] = "/tmp/t_latency.XXXXXX";
	char *dat = NULL;
	int fd;

	CHECK(!latency_reflector_start(NULL, "127.0.0.1", 0, &o, &refl), "reflector");
	if (!refl)
		return;
	CHECK(latency_reflector_port(refl) != 0, "an ephemeral port was bound");
	CHECK(!latency_probe_start(NULL, "127.0.0.1", latency_reflector_port(refl), &o, &p), "probe");
	if (!p)
		goto out;
	CHECK(!wait_echoes(p, 30), "30 echoes on loopback");
	CHECK(!latency_probe_stop(p) && !latency_probe_stop(p), "stop, twice");
	CHECK(!latency_probe_result(p, NULL, &all, latency_reflector_cpu_s(refl), &res), "result");
	CHECK(res.load.sent >= 30 && res.load.lost == 0 && res.load.pending == 0,
	      "sent %llu lost %llu", (unsigned long long)res.load.sent, (unsigned long long)res.load.lost);
	CHECK(res.load.rtt.p50 > 0 && res.load.rtt.p50 < 50, "rtt p50 %g ms", res.load.rtt.p50);
	CHECK(res.clock_shared && res.load.owd_fwd.n == res.load.rtt.n, "one machine: a shared clock");
	CHECK(fabs(res.load.owd_fwd.p50 + res.load.owd_rev.p50 - res.load.rtt.p50) < res.load.rtt.p50,
	      "owd fwd %g + rev %g near rtt %g", res.load.owd_fwd.p50, res.load.owd_rev.p50, res.load.rtt.p50);
	CHECK(res.load.interval_ms > 1 && res.load.interval_ms < 20, "interval %g ms", res.load.interval_ms);
	CHECK(res.cost.tx_packets == res.load.sent && res.cost.rx_packets == res.load.sent &&
	      res.cost.bytes_per_s > 0 && res.cost.cpu_s > 0, "cost %g B/s, %g s CPU",
	      res.cost.bytes_per_s, res.cost.cpu_s);
	if (user_clock)
		CHECK(!strcmp(res.ts_api, "none") && res.load.rx_kernel == 0 &&
		      res.load.refl_rx_kernel == 0, "user clock asked for: no kernel stamps");
	else if (strcmp(res.ts_api, "none"))   /* the kernel turns stamping on lazily: most, not all */
		CHECK(res.load.rx_kernel >= res.load.sent / 2 && res.load.user_lag_us_p50 >= 0,
		      "kernel stamps (%s): %llu of %llu, lag %g us", res.ts_api,
		      (unsigned long long)res.load.rx_kernel, (unsigned long long)res.load.sent,
		      res.load.user_lag_us_p50);
	fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	CHECK(fd >= 0 && !latency_probe_timeline(p, 0, path) && !util_read_file(path, &dat, NULL) &&
	      strstr(dat, "# t_s rtt_ms") && !strstr(dat, "NaN NaN NaN"), "timeline file");
	free(dat);
	unlink(path);
out:
	latency_probe_free(p);
	latency_reflector_free(refl);
}

/* No reflector: every probe is lost, the ICMP errors do not spin the thread,
 * and stop waits no longer than the timeout. */
static void t_no_reflector(void)
{
	struct latency_opts o = { .interval_s = 0.002, .timeout_s = 0.3 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	struct latency_window all = { 0, 1e12 };
	struct latency_probe *p = NULL;
	struct latency_result res;
	struct timespec ms = { 0, 50 * 1000000 };
	double t0;
	int fd;

	/* A port that nobody listens on: bound, read back, closed. */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	CHECK(!latency_probe_start(NULL, "127.0.0.1", ntohs(sa.sin_port), &o, &p), "probe");
	if (!p)
		return;
	nanosleep(&ms, NULL);   /* how long it runs is the test's own choice, not a wait */
	t0 = util_now_mono();
	latency_probe_stop(p);
	t0 = util_now_mono() - t0;
	CHECK(t0 >= 0.2 && t0 < 1.5, "stop waits for the last probe's timeout: %g s", t0);
	CHECK(!latency_probe_result(p, NULL, &all, 0, &res) && res.load.sent > 0 &&
	      res.load.lost == res.load.sent && res.load.rtt.n == 0 && isnan(res.load.rtt.p50),
	      "all lost: sent %llu lost %llu", (unsigned long long)res.load.sent,
	      (unsigned long long)res.load.lost);
	CHECK(res.cost.cpu_s < 0.1 * t0, "waiting is not spinning: %g s CPU in %g s", res.cost.cpu_s, t0);
	latency_probe_free(p);
	p = NULL;
	CHECK(latency_probe_start(NULL, "localhost", 9, &o, &p) == -EINVAL && !p, "a name is refused");
	o.interval_s = 20;
	CHECK(latency_probe_start(NULL, "127.0.0.1", 9, &o, &p) == -EINVAL && !p, "interval out of range");
	{
		const int nocpu = -1;

		/* Fails after the thread started: the cleanup must end it. */
		o = (struct latency_opts){ .cpus = &nocpu, .n_cpus = 1 };
		CHECK(latency_probe_start(NULL, "127.0.0.1", 9, &o, &p) == -EINVAL && !p, "no CPU -1");
	}
}

/* The agents' probe commands (agent_node.h): what the controller sends is
 * accepted with its values, and every malformed word refused. */
static int probe_line(const char *text, struct agent_node_probe_req *r)
{
	char line[256], *w[16];
	size_t n;

	snprintf(line, sizeof(line), "%s", text);
	n = agent_node_split(line, w, 16);
	return agent_node_parse_probe(w, n, r);
}

static void t_probe_commands(void)
{
	static const char *const bad[] = {
		"reflect-start", "reflect-start tunnel", "reflect-start other -", "reflect-start tunnel 10.0.0.300",
		"reflect-start tunnel host.example", "reflect-stop underlay x", "probe-stop",
		"probe-start tunnel 0.01 10.0.0.1", "probe-start tunnel 0 10.0.0.1 5000",
		"probe-start tunnel 11 10.0.0.1 5000", "probe-start tunnel 0.01 10.0.0.1 0",
		"probe-start tunnel 0.01 10.0.0.1 65536", "probe-start tunnel 0.01 10.0.0.1 50.5",
		"probe-start tunnel nan 10.0.0.1 5000", "probe-start tunnel 0.01 - 5000",
		"probe-result tunnel 0 1 2 3 4", "probe-result tunnel 0 2 1 3 4 0",
		"probe-result tunnel 0 1 2 4 3 0", "probe-result tunnel 0 1 2 3 4 -1",
		"probe-result tunnel inf 1 2 3 4 0", "probe-result tunnel 0 1 2 3 4x 0",
		"probe-go tunnel",
	};
	struct agent_node_probe_req r;
	size_t i;

	CHECK(!probe_line("reflect-start underlay -", &r) && r.path == LATENCY_PATH_UNDERLAY && !r.addr[0],
	      "reflect-start on any address");
	CHECK(!probe_line("reflect-start tunnel fd77:104::12", &r) && !strcmp(r.addr, "fd77:104::12"),
	      "reflect-start on an IPv6 address");
	CHECK(!probe_line("reflect-stop tunnel", &r) && r.path == LATENCY_PATH_TUNNEL, "reflect-stop");
	CHECK(!probe_line("probe-start tunnel 0.010000 10.104.0.12 40123", &r) && r.interval == 0.01 &&
	      r.port == 40123 && !strcmp(r.addr, "10.104.0.12"), "probe-start");
	CHECK(!probe_line("probe-stop underlay", &r), "probe-stop");
	CHECK(!probe_line("probe-result tunnel -0.25 100.5 101 101.5 103.5 0.0125", &r) &&
	      r.origin == -0.25 && r.idle[0] == 100.5 && r.idle[1] == 101 && r.load[0] == 101.5 &&
	      r.load[1] == 103.5 && r.refl_cpu_s == 0.0125, "probe-result with its windows");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(probe_line(bad[i], &r) == -EINVAL, "refused: %s", bad[i]);
	CHECK(!strcmp(latency_path_name(LATENCY_PATH_UNDERLAY), "underlay") &&
	      !strcmp(latency_path_name(LATENCY_PATH__COUNT), "?"), "path names");
}

int main(void)
{
	t_probe_commands();
	t_percentile();
	t_pkt_roundtrip();
	t_pkt_malformed();
	t_pkt_garbage();
	t_stats_window();
	t_json();
	t_timeline();
	t_loopback(false);
	t_loopback(true);
	t_no_reflector();
	if (failures)
		fprintf(stderr, "t_latency: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
