/* knob_link.c — link rows: mtu and txqueuelen (rtnetlink through libnl),
 * queues (ETHTOOL_[GS]CHANNELS) and offloads (ETHTOOL_[GS]FEATURES by the
 * kernel's ETH_SS_FEATURES names). Sockets are made inside the node's
 * namespace and keep working there after the thread comes back. */
#include "knob.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* --- sockets in a namespace -------------------------------------------- */

static int ioctl_sock(const char *netns)
{
	int saved, r, fd;

	r = knob_netns_enter(netns, &saved);
	if (r)
		return r;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	r = fd < 0 ? -errno : fd;
	knob_netns_leave(saved);
	return r;
}

static int ethtool(const char *netns, const char *ifname, void *data)
{
	struct ifreq ifr;
	int fd = ioctl_sock(netns), r;

	if (fd < 0)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	r = r < 0 ? -errno : r;
	close(fd);
	return r;
}

/* --- mtu, txqueuelen ---------------------------------------------------- */

static int int_parse(struct knob_entry *e, struct json_object *val, int64_t min, int64_t max,
		     struct knob_errs *errs)
{
	int r = knob_get_int(val, min, max, &e->num, errs, e->index, e->ops->key);

	if (!r)
		snprintf(e->requested, sizeof(e->requested), "%" PRId64, e->num);
	return r;
}

static int mtu_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
		     struct knob_errs *errs)
{
	return int_parse(e, val, 68, 65535, errs);
}

#define IPV6_MIN_MTU 1280   /* RFC 8200 §5 */

/* A link that carries the testbed's IPv6 (the underlay with --ip 6|dual,
 * the lans and tunnels with --inner 6|dual) cannot go below 1280: the
 * kernel would silently take IPv6 off the interface. */
static int mtu_probe(const struct knob_entry *e, const struct knob_target *tg, char *why, size_t len)
{
	unsigned int fam;

	if (!tg->t || e->num >= IPV6_MIN_MTU)
		return 0;
	fam = e->link == LINK_UNDERLAY ? topo_ip(tg->t) : topo_inner(tg->t);
	if (!(fam & TOPO_FAM_6))
		return 0;
	snprintf(why, len, "mtu %" PRId64 " on %s's %s: below IPv6's minimum of %d, and this link carries "
		 "IPv6 (--%s %s); the kernel would remove its IPv6 addresses", e->num, topo_node_name(tg->node),
		 topo_link_name(e->link), IPV6_MIN_MTU, e->link == LINK_UNDERLAY ? "ip" : "inner",
		 topo_family_name(fam));
	return -ENOTSUP;
}

static int txq_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
		     struct knob_errs *errs)
{
	return int_parse(e, val, 0, 1000000, errs);
}

static int queues_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
			struct knob_errs *errs)
{
	return int_parse(e, val, 1, 256, errs);
}

/* An rtnetlink attribute of the link: its libnl accessors. */
struct link_row {
	unsigned int (*get)(struct rtnl_link *l);
	void (*set)(struct rtnl_link *l, unsigned int v);
};

static const struct link_row mtu_row = { rtnl_link_get_mtu, rtnl_link_set_mtu };
static const struct link_row txqlen_row = { rtnl_link_get_txqlen, rtnl_link_set_txqlen };

static int link_get(const char *netns, const char *ifname, const struct link_row *row, int64_t *v)
{
	struct nl_sock *sk = NULL;
	struct rtnl_link *l = NULL;
	int r = knob_rtnl_sock(netns, &sk);

	if (r)
		return r;
	if (rtnl_link_get_kernel(sk, 0, ifname, &l) < 0) {
		r = -ENODEV;
	} else {
		*v = row->get(l);
		rtnl_link_put(l);
	}
	nl_socket_free(sk);
	return r;
}

static int link_set(const char *netns, const char *ifname, const struct link_row *row, int64_t v)
{
	struct nl_sock *sk = NULL;
	struct rtnl_link *l = NULL, *chg = NULL;
	int r = knob_rtnl_sock(netns, &sk);

	if (r)
		return r;
	if (rtnl_link_get_kernel(sk, 0, ifname, &l) < 0) {
		r = -ENODEV;
		goto out;
	}
	chg = rtnl_link_alloc();
	if (!chg) {
		r = -ENOMEM;
		goto out;
	}
	row->set(chg, (unsigned int)v);
	r = rtnl_link_change(sk, l, chg, 0);
	if (r < 0) {
		wgb_debug("rtnl_link_change %s: %s", ifname, nl_geterror(r));
		r = r == -NLE_INVAL || r == -NLE_RANGE ? -EINVAL : -EIO;
	}
out:
	rtnl_link_put(chg);
	rtnl_link_put(l);
	nl_socket_free(sk);
	return r;
}

static int link_read_back(struct knob_rec *r)
{
	int64_t v;
	int ret = link_get(r->netns_path, r->path, r->ops->data, &v);

	if (!ret)
		snprintf(r->after, sizeof(r->after), "%" PRId64, v);
	return ret;
}

static int link_apply(const struct knob_entry *e, const struct knob_target *tg,
		      struct knob_recs *out)
{
	struct knob_rec *r;
	int ret = knob_rec_add(out, e, tg, &r);

	if (ret)
		return ret;
	snprintf(r->path, sizeof(r->path), "%s", tg->ifname);
	ret = link_read_back(r);
	if (ret) {
		snprintf(r->note, sizeof(r->note), "cannot read %s: %s", tg->ifname, strerror(-ret));
		return ret;
	}
	snprintf(r->before, sizeof(r->before), "%s", r->after);
	r->after[0] = 0;
	r->written = true;
	ret = link_set(tg->netns_path, tg->ifname, e->ops->data, e->num);
	if (ret) {
		snprintf(r->note, sizeof(r->note), "the kernel refused %s %.64s on %s", e->ops->key,
			 e->requested, tg->ifname);
		return ret;
	}
	r->ok = true;
	return 0;
}

static int link_revert(const struct knob_rec *r)
{
	int ret = link_set(r->netns_path, r->path, r->ops->data, strtoll(r->before, NULL, 10));

	if (ret)
		wgb_err("cannot restore %s of %s to %s: %s", r->ops->key, r->path, r->before,
			strerror(-ret));
	return ret;
}

/* --- queues ----------------------------------------------------------- */

static void chan_str(const struct ethtool_channels *c, char *buf, size_t len)
{
	if (c->max_combined)
		snprintf(buf, len, "%u", c->combined_count);
	else if (c->rx_count == c->tx_count)
		snprintf(buf, len, "%u", c->rx_count);
	else
		snprintf(buf, len, "rx %u tx %u", c->rx_count, c->tx_count);
}

static int queues_probe(const struct knob_entry *e, const struct knob_target *tg, char *why,
			size_t len)
{
	struct ethtool_channels c = { .cmd = ETHTOOL_GCHANNELS };
	uint32_t max;
	int r = ethtool(tg->netns_path, tg->ifname, &c);

	if (r) {
		snprintf(why, len, "%s cannot report its queues (ETHTOOL_GCHANNELS: %s)", tg->ifname,
			 strerror(-r));
		return -ENOTSUP;
	}
	max = c.max_combined ? c.max_combined : (c.max_rx < c.max_tx ? c.max_rx : c.max_tx);
	if ((uint64_t)e->num > max) {
		snprintf(why, len, "%s has at most %u queue%s here, %" PRId64 " asked", tg->ifname, max,
			 max == 1 ? "" : "s", e->num);
		return -ENOTSUP;
	}
	return 0;
}

static int queues_read_back(struct knob_rec *r)
{
	struct ethtool_channels c = { .cmd = ETHTOOL_GCHANNELS };
	int ret = ethtool(r->netns_path, r->path, &c);

	if (!ret)
		chan_str(&c, r->after, sizeof(r->after));
	return ret;
}

static int queues_set(const char *netns, const char *ifname, uint32_t combined, uint32_t rx,
		      uint32_t tx)
{
	struct ethtool_channels c = { .cmd = ETHTOOL_GCHANNELS };
	int r = ethtool(netns, ifname, &c);

	if (r)
		return r;
	c.cmd = ETHTOOL_SCHANNELS;
	if (c.max_combined) {
		c.combined_count = combined;
	} else {
		c.rx_count = rx;
		c.tx_count = tx;
	}
	return ethtool(netns, ifname, &c);
}

static int queues_apply(const struct knob_entry *e, const struct knob_target *tg,
			struct knob_recs *out)
{
	struct ethtool_channels c = { .cmd = ETHTOOL_GCHANNELS };
	struct knob_rec *r;
	int ret = knob_rec_add(out, e, tg, &r);

	if (ret)
		return ret;
	snprintf(r->path, sizeof(r->path), "%s", tg->ifname);
	ret = ethtool(tg->netns_path, tg->ifname, &c);
	if (ret) {
		snprintf(r->note, sizeof(r->note), "ETHTOOL_GCHANNELS: %s", strerror(-ret));
		return ret;
	}
	chan_str(&c, r->before, sizeof(r->before));
	r->aux = c.combined_count;
	r->aux2 = ((int64_t)c.rx_count << 32) | c.tx_count;
	r->written = true;
	ret = queues_set(tg->netns_path, tg->ifname, (uint32_t)e->num, (uint32_t)e->num,
			 (uint32_t)e->num);
	if (ret) {
		snprintf(r->note, sizeof(r->note), "ETHTOOL_SCHANNELS %.16s: %s", e->requested,
			 strerror(-ret));
		return ret;
	}
	r->ok = true;
	return 0;
}

static int queues_revert(const struct knob_rec *r)
{
	int ret = queues_set(r->netns_path, r->path, (uint32_t)r->aux, (uint32_t)(r->aux2 >> 32),
			     (uint32_t)(r->aux2 & 0xffffffff));

	if (ret)
		wgb_err("cannot restore the queues of %s: %s", r->path, strerror(-ret));
	return ret;
}

/* --- offloads ----------------------------------------------------------- */

/* The kernel's feature names (ETH_SS_FEATURES), asked of loopback. */
static int feature_names(const char *netns, const char *ifname, char **names, uint32_t *n)
{
	struct {
		struct ethtool_sset_info h;
		uint32_t len;
	} si = { .h = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_FEATURES } };
	struct ethtool_gstrings *gs;
	int r = ethtool(netns, ifname, &si);

	if (r)
		return r;
	*n = si.h.sset_mask ? si.len : 0;
	gs = calloc(1, sizeof(*gs) + (size_t)*n * ETH_GSTRING_LEN);
	if (!gs)
		return -ENOMEM;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = *n;
	r = ethtool(netns, ifname, gs);
	if (r) {
		free(gs);
		return r;
	}
	*names = malloc((size_t)*n * ETH_GSTRING_LEN);
	if (*names)
		memcpy(*names, gs->data, (size_t)*n * ETH_GSTRING_LEN);
	free(gs);
	return *names ? 0 : -ENOMEM;
}

static int feature_index(const char *netns, const char *ifname, const char *name, uint32_t *idx,
			 uint32_t *count)
{
	char *names = NULL;
	uint32_t i, n = 0;
	int r = feature_names(netns, ifname, &names, &n);

	if (r)
		return r;
	r = -ENOENT;
	for (i = 0; i < n; i++)
		if (!strncmp(names + (size_t)i * ETH_GSTRING_LEN, name, ETH_GSTRING_LEN)) {
			*idx = i;
			r = 0;
		}
	*count = n;
	free(names);
	return r;
}

static const struct {
	const char *alias, *name;
} feature_alias[] = {
	{ "gro", "rx-gro" }, { "gso", "tx-generic-segmentation" },
	{ "tso", "tx-tcp-segmentation" }, { "lro", "rx-lro" }, { "sg", "tx-scatter-gather" },
};

static int offloads_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
			  struct knob_errs *errs)
{
	struct json_object_iterator it, end;
	size_t o = 0, i;
	int ret = 0;

	if (!json_object_is_type(val, json_type_object) || json_object_object_length(val) == 0) {
		knob_errf(errs, e->index, "offloads",
			  "expected an object of feature names to true/false, such as {\"gro\": true}");
		return -EINVAL;
	}
	it = json_object_iter_begin(val);
	end = json_object_iter_end(val);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *name = json_object_iter_peek_name(&it);
		struct json_object *v = json_object_iter_peek_value(&it);
		char key[64], feat[KNOB_FEATURE_LEN];
		uint32_t idx, cnt;

		snprintf(key, sizeof(key), "offloads.%.40s", name);
		if (e->n_off == KNOB_MAX_OFFLOADS) {
			knob_errf(errs, e->index, key, "more than %d features in one entry", KNOB_MAX_OFFLOADS);
			return -EINVAL;
		}
		snprintf(feat, sizeof(feat), "%s", name);
		for (i = 0; i < ARRAY_SIZE(feature_alias); i++)
			if (!strcmp(name, feature_alias[i].alias))
				snprintf(feat, sizeof(feat), "%s", feature_alias[i].name);
		for (i = 0; feat[i]; i++)
			feat[i] = feat[i] == '_' ? '-' : feat[i];
		if (feature_index("", "lo", feat, &idx, &cnt)) {
			knob_errf(errs, e->index, key, "not an offload this kernel knows (gro, gso, tso, "
				  "lro, sg, or an ETH_SS_FEATURES name such as rx-udp-gro-forwarding)");
			ret = -EINVAL;
			continue;
		}
		if (knob_get_bool(v, &e->off[e->n_off].on, errs, e->index, key)) {
			ret = -EINVAL;
			continue;
		}
		snprintf(e->off[e->n_off].name, KNOB_FEATURE_LEN, "%s", feat);
		o += (size_t)snprintf(e->requested + o, o < sizeof(e->requested) ? sizeof(e->requested) - o : 0,
				      "%s%s %s", e->n_off ? ", " : "", feat, e->off[e->n_off].on ? "on" : "off");
		e->n_off++;
	}
	return ret;
}

struct features {
	struct ethtool_gfeatures h;
	struct ethtool_get_features_block b[8];
};

static int features_get(const char *netns, const char *ifname, uint32_t count, struct features *f)
{
	memset(f, 0, sizeof(*f));
	f->h.cmd = ETHTOOL_GFEATURES;
	f->h.size = (count + 31) / 32;
	if (f->h.size > 8)
		return -E2BIG;
	return ethtool(netns, ifname, f);
}

static int features_set(const char *netns, const char *ifname, uint32_t idx, uint32_t count, bool on)
{
	struct {
		struct ethtool_sfeatures h;
		struct ethtool_set_features_block b[8];
	} s;
	int r;

	memset(&s, 0, sizeof(s));
	s.h.cmd = ETHTOOL_SFEATURES;
	s.h.size = (count + 31) / 32;
	if (s.h.size > 8)
		return -E2BIG;
	s.b[idx / 32].valid = 1u << (idx % 32);
	s.b[idx / 32].requested = on ? 1u << (idx % 32) : 0;
	r = ethtool(netns, ifname, &s);
	return r > 0 ? 0 : r;   /* > 0: ETHTOOL_F_* flags; the read back tells */
}

static bool bit(const struct features *f, uint32_t idx, int which)
{
	const struct ethtool_get_features_block *b = &f->b[idx / 32];
	uint32_t w = which == 0 ? b->available : which == 1 ? b->active : b->never_changed;

	return w & (1u << (idx % 32));
}

static int offloads_probe(const struct knob_entry *e, const struct knob_target *tg, char *why,
			  size_t len)
{
	struct features f;
	uint32_t idx, cnt;
	size_t i;
	int r;

	for (i = 0; i < e->n_off; i++) {
		r = feature_index(tg->netns_path, tg->ifname, e->off[i].name, &idx, &cnt);
		if (!r)
			r = features_get(tg->netns_path, tg->ifname, cnt, &f);
		if (r) {
			snprintf(why, len, "%s: offload %s cannot be read: %s", tg->ifname,
				 e->off[i].name, strerror(-r));
			return -ENOTSUP;
		}
		if (!bit(&f, idx, 0) || bit(&f, idx, 2)) {
			snprintf(why, len, "%s cannot change offload %s (fixed by its driver)", tg->ifname,
				 e->off[i].name);
			return -ENOTSUP;
		}
	}
	return 0;
}

static int offloads_read_back(struct knob_rec *r)
{
	struct features f;
	int ret = features_get(r->netns_path, r->path, (uint32_t)r->aux2, &f);

	if (!ret)
		snprintf(r->after, sizeof(r->after), "%s", bit(&f, (uint32_t)r->aux, 1) ? "on" : "off");
	return ret;
}

static int offloads_apply(const struct knob_entry *e, const struct knob_target *tg,
			  struct knob_recs *out)
{
	struct knob_rec *r;
	uint32_t idx, cnt;
	size_t i;
	int ret;

	for (i = 0; i < e->n_off; i++) {
		ret = knob_rec_add(out, e, tg, &r);
		if (ret)
			return ret;
		snprintf(r->path, sizeof(r->path), "%s", tg->ifname);
		snprintf(r->object, sizeof(r->object), "%s:%s", tg->ifname, e->off[i].name);
		snprintf(r->requested, sizeof(r->requested), "%s", e->off[i].on ? "on" : "off");
		ret = feature_index(tg->netns_path, tg->ifname, e->off[i].name, &idx, &cnt);
		if (ret)
			return ret;
		r->aux = idx;
		r->aux2 = cnt;
		ret = offloads_read_back(r);
		if (ret)
			return ret;
		snprintf(r->before, sizeof(r->before), "%s", r->after);
		r->after[0] = 0;
		r->written = true;
		ret = features_set(tg->netns_path, tg->ifname, idx, cnt, e->off[i].on);
		if (ret) {
			snprintf(r->note, sizeof(r->note), "ETHTOOL_SFEATURES: %s", strerror(-ret));
			return ret;
		}
		r->ok = true;
	}
	return 0;
}

static int offloads_revert(const struct knob_rec *r)
{
	int ret = features_set(r->netns_path, r->path, (uint32_t)r->aux, (uint32_t)r->aux2,
			       !strcmp(r->before, "on"));

	if (ret)
		wgb_err("cannot restore %s: %s", r->object, strerror(-ret));
	return ret;
}

const struct knob_ops knob_mtu_ops = {
	.key = "mtu", .scope = KNOB_SCOPE_LINK, .data = &mtu_row,
	.parse = mtu_parse, .probe = mtu_probe, .apply = link_apply, .read_back = link_read_back,
	.revert = link_revert,
};

const struct knob_ops knob_txqueuelen_ops = {
	.key = "txqueuelen", .scope = KNOB_SCOPE_LINK, .data = &txqlen_row,
	.parse = txq_parse, .apply = link_apply, .read_back = link_read_back, .revert = link_revert,
};

const struct knob_ops knob_queues_ops = {
	.key = "queues", .scope = KNOB_SCOPE_LINK,
	.parse = queues_parse, .probe = queues_probe, .apply = queues_apply,
	.read_back = queues_read_back, .revert = queues_revert,
};

/* Two entries clash only on a feature both set. */
static bool offloads_same(const struct knob_entry *a, const struct knob_entry *b)
{
	size_t i, j;

	for (i = 0; i < a->n_off; i++)
		for (j = 0; j < b->n_off; j++)
			if (!strcmp(a->off[i].name, b->off[j].name))
				return true;
	return false;
}

const struct knob_ops knob_offloads_ops = {
	.key = "offloads", .scope = KNOB_SCOPE_LINK, .same = offloads_same,
	.parse = offloads_parse, .probe = offloads_probe, .apply = offloads_apply,
	.read_back = offloads_read_back, .revert = offloads_revert,
};
