/* knob_qdisc.c — qdisc rows: a root qdisc on a link (qdisc: tbf, htb,
 * pfifo, bfifo, sfq, fq, fq_codel, cake, netem with rate/burst/limit/delay_ms)
 * and delay_ms alone (netem), through libnl-route.
 *
 * Whether the kernel has a qdisc is asked of the kernel: a forked child
 * unshares a scratch network namespace and adds the very same qdisc to its
 * loopback. Revert deletes the root qdisc, which gives the device back its
 * default one.
 */
#include "knob.h"
#include "node.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/pkt_sched.h>
#include <math.h>
#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/fifo.h>
#include <netlink/route/qdisc/fq_codel.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

/* Which parameters each kind takes. */
enum { P_RATE = 1, P_BURST = 2, P_LIMIT = 4, P_DELAY = 8 };
struct kind {
	const char *kind;
	unsigned int params, required;
	bool limit_bytes;           /* limit is a size (else a packet count) */
};
static const struct kind kinds[] = {
	{ "tbf", P_RATE | P_BURST | P_LIMIT, P_RATE, true },
	{ "htb", P_RATE | P_BURST, P_RATE, false },
	{ "pfifo", P_LIMIT, 0, false },
	{ "bfifo", P_LIMIT, 0, true },
	{ "sfq", 0, 0, false },
	{ "fq", 0, 0, false },
	{ "fq_codel", P_LIMIT, 0, false },
	{ "cake", 0, 0, false },
	{ "netem", P_LIMIT | P_DELAY, 0, false },
};

#define RATE_MIN 8000ULL               /* 8 kbit/s */
#define RATE_MAX 16000000000ULL        /* tbf keeps bytes/s in 32 bits */

static int parse_rate(struct json_object *v, uint64_t *bps)
{
	static const struct { const char *unit; uint64_t mul; } units[] = {
		{ "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 }, { "gbit", 1000000000 },
	};
	const char *s;
	char *end;
	double x;
	size_t i;

	if (json_object_is_type(v, json_type_int)) {
		*bps = (uint64_t)json_object_get_int64(v);
		return json_object_get_int64(v) > 0 ? 0 : -EINVAL;
	}
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	s = json_object_get_string(v);
	x = strtod(s, &end);
	if (end == s || !(x > 0))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].unit)) {
			*bps = (uint64_t)llround(x * (double)units[i].mul);
			return 0;
		}
	return -EINVAL;
}

/* tc's get_size() (iproute2 lib/utils_math.c), suffixes case-insensitive:
 * b, k or kb (1024), m or mb (1024^2), g or gb (1024^3), and kbit, mbit,
 * gbit as tc reads them in a size (1024/8, 1024^2/8, 1024^3/8 bytes); a
 * plain number is bytes; a result that is not a whole number is refused. */
int knob_size_parse(const char *s, uint64_t *bytes)
{
	static const struct { const char *unit; double mul; } units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1024 }, { "kb", 1024 }, { "m", 1048576 }, { "mb", 1048576 },
		{ "g", 1073741824 }, { "gb", 1073741824 }, { "kbit", 128 }, { "mbit", 131072 },
		{ "gbit", 134217728 },
	};
	char *end;
	double x;
	size_t i;

	if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -EINVAL;
	x = strtod(s, &end);
	if (end == s)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcasecmp(end, units[i].unit))
			break;
	if (i == ARRAY_SIZE(units))
		return -EINVAL;
	x *= units[i].mul;
	if (!(x >= 0) || x >= 18446744073709551616.0 || x != floor(x))
		return -EINVAL;
	*bytes = (uint64_t)x;
	return 0;
}

/* A size in bytes: an integer, or a string in tc's size syntax. */
static int get_bytes(struct json_object *v, uint64_t min, uint64_t max, uint32_t *out,
		     struct knob_errs *errs, size_t index, const char *key)
{
	uint64_t b;
	int64_t i;

	if (json_object_is_type(v, json_type_int)) {
		if (knob_get_int(v, (int64_t)min, (int64_t)max, &i, errs, index, key))
			return -EINVAL;
		*out = (uint32_t)i;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string) || knob_size_parse(json_object_get_string(v), &b)) {
		knob_errf(errs, index, key, "expected bytes as an integer or a string such as \"64kb\" "
			  "(tc's sizes: b, k or kb, m or mb, g or gb, kbit, mbit, gbit)");
		return -EINVAL;
	}
	if (b < min || b > max) {
		knob_errf(errs, index, key, "\"%.30s\" is %" PRIu64 " bytes, out of range %" PRIu64 "..%" PRIu64,
			  json_object_get_string(v), b, min, max);
		return -EINVAL;
	}
	*out = (uint32_t)b;
	return 0;
}

static int get_limit(struct knob_entry *e, const struct kind *k, struct json_object *v,
		     struct knob_errs *errs)
{
	int64_t n;

	if (k->limit_bytes)
		return get_bytes(v, 1, 1 << 30, &e->q.limit, errs, e->index, "limit");
	if (json_object_is_type(v, json_type_string)) {
		knob_errf(errs, e->index, "limit", "expected a packet count (an integer): %s's limit counts "
			  "packets", k->kind);
		return -EINVAL;
	}
	if (knob_get_int(v, 1, 1 << 30, &n, errs, e->index, "limit"))
		return -EINVAL;
	e->q.limit = (uint32_t)n;
	return 0;
}

static void fmt_rate(uint64_t bps, char *buf, size_t len)
{
	if (bps % 1000000000 == 0)
		snprintf(buf, len, "%" PRIu64 "gbit", bps / 1000000000);
	else if (bps % 1000000 == 0)
		snprintf(buf, len, "%" PRIu64 "mbit", bps / 1000000);
	else if (bps % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "kbit", bps / 1000);
	else
		snprintf(buf, len, "%" PRIu64 "bit", bps);
}

/* "tbf rate 500mbit burst 65536 limit 100000" with the fields that were set. */
static void describe(const struct knob_entry *e, char *buf, size_t len)
{
	char rate[32];
	size_t o = (size_t)snprintf(buf, len, "%s", e->q.kind);

	if (e->q.has_rate) {
		fmt_rate(e->q.rate_bps, rate, sizeof(rate));
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, " rate %s", rate);
	}
	if (e->q.has_burst)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, " burst %u", e->q.burst);
	if (e->q.has_limit)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, " limit %u", e->q.limit);
	if (e->q.has_delay)
		snprintf(buf + o, o < len ? len - o : 0, " delay %gms", e->q.delay_ms);
}

static int parse_params(struct knob_entry *e, struct json_object *obj, const struct kind *k,
			struct knob_errs *errs)
{
	static const char *const names[] = { "rate", "burst", "limit", "delay_ms" };
	unsigned int i, params = k->params, required = k->required;
	struct json_object *v;
	int ret = 0;

	for (i = 0; i < 4; i++) {
		unsigned int bit = 1u << i;
		bool has = json_object_object_get_ex(obj, names[i], &v);

		if (!has) {
			if (required & bit) {
				knob_errf(errs, e->index, names[i], "missing: %s needs a %s", e->q.kind,
					  names[i]);
				ret = -EINVAL;
			}
			continue;
		}
		if (!(params & bit)) {
			knob_errf(errs, e->index, names[i], "not a parameter of %s", e->q.kind);
			ret = -EINVAL;
			continue;
		}
		switch (bit) {
		case P_RATE:
			if (parse_rate(v, &e->q.rate_bps) || e->q.rate_bps < RATE_MIN ||
			    e->q.rate_bps > RATE_MAX) {
				knob_errf(errs, e->index, "rate", "expected bit/s as an integer or a string "
					  "such as \"500mbit\" (bit, kbit, mbit, gbit), from 8kbit to 16gbit");
				ret = -EINVAL;
			}
			e->q.has_rate = true;
			break;
		case P_BURST:
			if (get_bytes(v, 1600, 64 << 20, &e->q.burst, errs, e->index, "burst"))
				ret = -EINVAL;
			e->q.has_burst = true;
			break;
		case P_LIMIT:
			if (get_limit(e, k, v, errs))
				ret = -EINVAL;
			e->q.has_limit = true;
			break;
		case P_DELAY:
			if (knob_get_number(v, 0.001, 10000, &e->q.delay_ms, errs, e->index, "delay_ms"))
				ret = -EINVAL;
			e->q.has_delay = true;
			break;
		}
	}
	return ret;
}

static int qdisc_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
		       struct knob_errs *errs)
{
	const char *k;
	size_t i;
	int r;

	if (!json_object_is_type(val, json_type_string)) {
		knob_errf(errs, e->index, "qdisc", "expected a qdisc name such as \"tbf\", got %s",
			  knob_json_type(val));
		return -EINVAL;
	}
	k = json_object_get_string(val);
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(k, kinds[i].kind))
			break;
	if (i == ARRAY_SIZE(kinds)) {
		knob_errf(errs, e->index, "qdisc", "\"%.30s\" is not a qdisc wgbench sets (tbf, htb, "
			  "pfifo, bfifo, sfq, fq, fq_codel, cake, netem)", k);
		return -EINVAL;
	}
	snprintf(e->q.kind, sizeof(e->q.kind), "%s", k);
	r = parse_params(e, obj, &kinds[i], errs);
	describe(e, e->requested, sizeof(e->requested));
	return r;
}

static int delay_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
		       struct knob_errs *errs)
{
	snprintf(e->q.kind, sizeof(e->q.kind), "netem");
	if (knob_get_number(val, 0.001, 10000, &e->q.delay_ms, errs, e->index, "delay_ms"))
		return -EINVAL;
	e->q.has_delay = true;
	describe(e, e->requested, sizeof(e->requested));
	return 0;
}

/* --- netlink ------------------------------------------------------------ */

static int build(const struct knob_entry *e, int ifindex, struct rtnl_qdisc **out)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	uint64_t Bps = e->q.rate_bps / 8;
	uint32_t burst;

	if (!q)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(1, 0));
	rtnl_tc_set_kind(TC_CAST(q), e->q.kind);
	/* Default burst: 5 ms at the rate, at least 16 KiB. */
	burst = e->q.has_burst ? e->q.burst : (uint32_t)(Bps / 200 > 16384 ? Bps / 200 : 16384);
	if (!strcmp(e->q.kind, "tbf")) {
		rtnl_qdisc_tbf_set_rate(q, (int)Bps, (int)burst, 0);
		if (e->q.has_limit)
			rtnl_qdisc_tbf_set_limit(q, (int)e->q.limit);
		else
			rtnl_qdisc_tbf_set_limit_by_latency(q, 50000);
	} else if (!strcmp(e->q.kind, "htb")) {
		rtnl_htb_set_defcls(q, 1);   /* the minor of class 1:1, as `tc ... default 1` */
	} else if (!strcmp(e->q.kind, "pfifo") || !strcmp(e->q.kind, "bfifo")) {
		if (e->q.has_limit)
			rtnl_qdisc_fifo_set_limit(q, (int)e->q.limit);
	} else if (!strcmp(e->q.kind, "fq_codel")) {
		if (e->q.has_limit)
			rtnl_qdisc_fq_codel_set_limit(q, (int)e->q.limit);
	} else if (!strcmp(e->q.kind, "netem")) {
		rtnl_netem_set_limit(q, e->q.has_limit ? (int)e->q.limit : 1000);
		if (e->q.has_delay)
			rtnl_netem_set_delay(q, (int)llround(e->q.delay_ms * 1000));
	}
	*out = q;
	return 0;
}

static int htb_class(struct nl_sock *sk, const struct knob_entry *e, int ifindex)
{
	struct rtnl_class *c = rtnl_class_alloc();
	int r;

	if (!c)
		return -ENOMEM;
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), TC_HANDLE(1, 0));
	rtnl_tc_set_handle(TC_CAST(c), TC_HANDLE(1, 1));
	rtnl_tc_set_kind(TC_CAST(c), "htb");
	rtnl_htb_set_rate64(c, e->q.rate_bps / 8);
	rtnl_htb_set_ceil64(c, e->q.rate_bps / 8);
	if (e->q.has_burst)
		rtnl_htb_set_rbuffer(c, e->q.burst);
	r = rtnl_class_add(sk, c, NLM_F_CREATE);
	rtnl_class_put(c);
	return r;
}

/* Add e's qdisc as the root of ifindex; the libnl error, or 0. */
static int add(struct nl_sock *sk, const struct knob_entry *e, int ifindex)
{
	struct rtnl_qdisc *q = NULL;
	int r = build(e, ifindex, &q);

	if (r)
		return -NLE_NOMEM;
	r = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_REPLACE);
	rtnl_qdisc_put(q);
	if (!r && !strcmp(e->q.kind, "htb"))
		r = htb_class(sk, e, ifindex);
	return r;
}

/* In a child: add the qdisc in a scratch namespace; the libnl error is the reply. */
static void probe_child(void *arg, void *reply)
{
	const struct knob_entry *e = arg;
	struct nl_sock *sk = NULL;
	int *err = reply;

	*err = unshare(CLONE_NEWNET) ? -NLE_PERM : knob_rtnl_sock("", &sk) ? -NLE_FAILURE : add(sk, e, 1);
}

/* The kernel's answer, in a scratch namespace, to adding this qdisc. */
static int qdisc_probe(const struct knob_entry *e, const struct knob_target *tg, char *why,
		       size_t len)
{
	int err = 0, r = node_call(NULL, probe_child, (void *)e, &err, sizeof(err));

	if (r == -EIO)
		err = -NLE_FAILURE;
	else if (r)
		return r;
	if (err) {
		snprintf(why, len, "qdisc %s is not available in this kernel (adding \"%s\" in a "
			 "scratch namespace failed: %s)", e->q.kind, e->requested, nl_geterror(err));
		return -ENOTSUP;
	}
	return 0;
}

/* What the root qdisc of ifname is now, described like `requested`. */
static int current(const char *netns, const char *ifname, const struct knob_entry *like,
		   char *buf, size_t len)
{
	struct nl_sock *sk = NULL;
	struct nl_cache *qc = NULL, *cc = NULL;
	struct rtnl_link *l = NULL;
	struct rtnl_qdisc *q;
	struct knob_entry d;
	int r = knob_rtnl_sock(netns, &sk), ifindex;

	if (r)
		return r;
	r = -ENODEV;
	if (rtnl_link_get_kernel(sk, 0, ifname, &l) < 0)
		goto out;
	ifindex = rtnl_link_get_ifindex(l);
	r = -EIO;
	if (rtnl_qdisc_alloc_cache(sk, &qc) < 0)
		goto out;
	q = rtnl_qdisc_get_by_parent(qc, ifindex, TC_H_ROOT);
	if (!q) {
		snprintf(buf, len, "noqueue");
		r = 0;
		goto out;
	}
	memset(&d, 0, sizeof(d));
	snprintf(d.q.kind, sizeof(d.q.kind), "%s", rtnl_tc_get_kind(TC_CAST(q)));
	if (like && !strcmp(d.q.kind, like->q.kind)) {
		d.q.has_rate = like->q.has_rate;
		d.q.has_burst = like->q.has_burst && !strcmp(d.q.kind, "tbf");
		d.q.has_limit = like->q.has_limit && !strcmp(d.q.kind, "tbf");
		if (!strcmp(d.q.kind, "tbf")) {
			d.q.rate_bps = (uint64_t)rtnl_qdisc_tbf_get_rate(q) * 8;
			d.q.burst = (uint32_t)rtnl_qdisc_tbf_get_rate_bucket(q);
			d.q.limit = (uint32_t)rtnl_qdisc_tbf_get_limit(q);
		} else if (!strcmp(d.q.kind, "htb") && rtnl_class_alloc_cache(sk, ifindex, &cc) >= 0) {
			struct rtnl_class *c = rtnl_class_get(cc, ifindex, TC_HANDLE(1, 1));
			uint64_t rate = 0;

			if (c) {
				rtnl_htb_get_rate64(c, &rate);
				rtnl_class_put(c);
			}
			d.q.rate_bps = rate * 8;
		}
	}
	describe(&d, buf, len);
	rtnl_qdisc_put(q);
	r = 0;
out:
	nl_cache_free(cc);
	nl_cache_free(qc);
	rtnl_link_put(l);
	nl_socket_free(sk);
	return r;
}

static int qdisc_apply(const struct knob_entry *e, const struct knob_target *tg,
		       struct knob_recs *out)
{
	struct nl_sock *sk = NULL;
	struct rtnl_link *l = NULL;
	struct knob_rec *r;
	int ret = knob_rec_add(out, e, tg, &r);

	if (ret)
		return ret;
	snprintf(r->path, sizeof(r->path), "%s", tg->ifname);
	ret = current(tg->netns_path, tg->ifname, NULL, r->before, sizeof(r->before));
	if (ret)
		return ret;
	ret = knob_rtnl_sock(tg->netns_path, &sk);
	if (ret)
		return ret;
	if (rtnl_link_get_kernel(sk, 0, tg->ifname, &l) < 0) {
		ret = -ENODEV;
		goto out;
	}
	r->written = true;
	ret = add(sk, e, rtnl_link_get_ifindex(l));
	if (ret) {
		snprintf(r->note, sizeof(r->note), "the kernel refused %.64s: %s", e->requested,
			 nl_geterror(ret));
		ret = -EIO;
		goto out;
	}
	r->ok = true;
out:
	rtnl_link_put(l);
	nl_socket_free(sk);
	return ret;
}

static int qdisc_read_back(struct knob_rec *r)
{
	struct knob_entry like;

	/* Rebuild the shape of the request from its text: kind and which fields. */
	memset(&like, 0, sizeof(like));
	sscanf(r->requested, "%15s", like.q.kind);
	like.q.has_rate = strstr(r->requested, " rate ") != NULL;
	like.q.has_burst = strstr(r->requested, " burst ") != NULL;
	like.q.has_limit = strstr(r->requested, " limit ") != NULL;
	return current(r->netns_path, r->path, &like, r->after, sizeof(r->after));
}

static int qdisc_revert(const struct knob_rec *r)
{
	struct nl_sock *sk = NULL;
	struct rtnl_link *l = NULL;
	struct rtnl_qdisc *q;
	int ret = knob_rtnl_sock(r->netns_path, &sk);

	if (ret)
		return ret;
	if (rtnl_link_get_kernel(sk, 0, r->path, &l) < 0) {
		ret = -ENODEV;
		goto out;
	}
	q = rtnl_qdisc_alloc();
	rtnl_tc_set_ifindex(TC_CAST(q), rtnl_link_get_ifindex(l));
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	ret = rtnl_qdisc_delete(sk, q);
	rtnl_qdisc_put(q);
	if (ret < 0) {
		wgb_err("cannot remove the %s qdisc of %s: %s", r->requested, r->path, nl_geterror(ret));
		ret = -EIO;
	}
out:
	rtnl_link_put(l);
	nl_socket_free(sk);
	return ret;
}

static const char *const qdisc_extra[] = { "rate", "burst", "limit", "delay_ms", NULL };

const struct knob_ops knob_qdisc_ops = {
	.key = "qdisc", .scope = KNOB_SCOPE_LINK, .extra_keys = qdisc_extra, .thing = "root qdisc",
	.parse = qdisc_parse, .probe = qdisc_probe, .apply = qdisc_apply,
	.read_back = qdisc_read_back, .revert = qdisc_revert,
};

const struct knob_ops knob_delay_ops = {
	.key = "delay_ms", .scope = KNOB_SCOPE_LINK, .thing = "root qdisc",
	.parse = delay_parse, .probe = qdisc_probe, .apply = qdisc_apply,
	.read_back = qdisc_read_back, .revert = qdisc_revert,
};
