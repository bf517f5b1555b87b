/* knob_sysfs.c — per-interface sysfs rows: rps_cpus, xps_cpus and
 * rps_flow_cnt (one record per queue: /sys/class/net/IF/queues/{rx,tx}-N/)
 * and threaded_napi (/sys/class/net/IF/threaded). Files are reached through
 * a sysfs mounted in the node's namespace (knob_ns_file). */
#include "knob.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Masks as the kernel prints them ("00000003", "ff,ffffffff"): no commas,
 * no leading zeros, lower case. */
static void mask_norm(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 1 < len; in++) {
		if (*in == ',' || (*in == '0' && o == 0))
			continue;
		out[o++] = (char)tolower((unsigned char)*in);
	}
	if (o == 0 && len > 1)
		out[o++] = '0';
	out[o] = 0;
}

static int mask_parse(struct knob_entry *e, struct json_object *val, struct knob_errs *errs)
{
	const char *key = e->ops->key, *s, *h;
	unsigned int ncpu = knob_ncpus();
	uint64_t m = 0, all = ncpu >= 64 ? UINT64_MAX : (UINT64_C(1) << ncpu) - 1;
	size_t i, n;

	if (!json_object_is_type(val, json_type_string)) {
		knob_errf(errs, e->index, key, "expected \"all\" or a hex CPU mask such as \"3\", got %s",
			  knob_json_type(val));
		return -EINVAL;
	}
	s = json_object_get_string(val);
	if (!strcmp(s, "all")) {
		m = all;
	} else {
		h = !strncmp(s, "0x", 2) || !strncmp(s, "0X", 2) ? s + 2 : s;
		n = strlen(h);
		for (i = 0; i < n; i++)
			if (!isxdigit((unsigned char)h[i]))
				break;
		if (n == 0 || i < n || n > 16) {
			knob_errf(errs, e->index, key,
				  "\"%.40s\" is not \"all\" or a hex CPU mask of at most 16 digits", s);
			return -EINVAL;
		}
		m = strtoull(h, NULL, 16);
		if (m & ~all) {
			knob_errf(errs, e->index, key, "mask 0x%" PRIx64 " is wider than this machine's %u CPU%s",
				  m, ncpu, ncpu == 1 ? "" : "s");
			return -EINVAL;
		}
	}
	e->num = (int64_t)m;
	snprintf(e->requested, sizeof(e->requested), "%" PRIx64, m);
	return 0;
}

static int flow_cnt_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
			  struct knob_errs *errs)
{
	int r = knob_get_int(val, 0, 1 << 20, &e->num, errs, e->index, e->ops->key);

	if (!r)
		snprintf(e->requested, sizeof(e->requested), "%" PRId64, e->num);
	return r;
}

static int mask_parse_row(struct knob_entry *e, struct json_object *obj, struct json_object *val,
			  struct knob_errs *errs)
{
	return mask_parse(e, val, errs);
}

static int napi_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
		      struct knob_errs *errs)
{
	int r = knob_get_bool(val, &e->flag, errs, e->index, "threaded_napi");

	if (!r)
		snprintf(e->requested, sizeof(e->requested), "%d", e->flag ? 1 : 0);
	return r;
}

/* What differs between the sysfs rows: which queues hold the file
 * (rps_cpus/rps_flow_cnt on rx-N, xps_cpus on tx-N), and whether the value
 * is a CPU mask (compared normalised). */
struct sysfs_row {
	const char *queues;
	bool mask;
};

static const struct sysfs_row rx_mask = { "rx-", true }, tx_mask = { "tx-", true },
	rx_count = { "rx-", false }, dev_file = { NULL, false };

static const char *queue_dir(const struct knob_ops *ops)
{
	const struct sysfs_row *row = ops->data;

	return row->queues;
}

static int each_queue(const struct knob_entry *e, const struct knob_target *tg,
		      char names[][24], size_t max, size_t *n)
{
	char dir[128], list[1024], *save = NULL, *tok;
	int r;

	*n = 0;
	snprintf(dir, sizeof(dir), "/sys/class/net/%s/queues", tg->ifname);
	r = knob_ns_list(tg->netns_path, dir, list, sizeof(list));
	if (r)
		return r;
	for (tok = strtok_r(list, " ", &save); tok && *n < max; tok = strtok_r(NULL, " ", &save))
		if (!strncmp(tok, queue_dir(e->ops), 3))
			snprintf(names[(*n)++], 24, "%s", tok);
	return *n ? 0 : -ENOENT;
}

static void queue_file(const struct knob_entry *e, const char *ifname, const char *q,
		       char *buf, size_t len)
{
	snprintf(buf, len, "/sys/class/net/%.15s/queues/%.23s/%s", ifname, q, e->ops->key);
}

static int queue_probe(const struct knob_entry *e, const struct knob_target *tg, char *why,
		       size_t len)
{
	char names[64][24], path[192], buf[128];
	size_t n, i;
	int r = each_queue(e, tg, names, 64, &n);

	if (r) {
		snprintf(why, len, "%s has no %squeues in sysfs: %s", tg->ifname, queue_dir(e->ops),
			 strerror(-r));
		return -ENOTSUP;
	}
	for (i = 0; i < n; i++) {
		queue_file(e, tg->ifname, names[i], path, sizeof(path));
		r = knob_ns_file(tg->netns_path, path, NULL, buf, sizeof(buf));
		if (r) {
			snprintf(why, len, "%s: %s", path, strerror(-r));
			return -ENOTSUP;
		}
	}
	return 0;
}

static int sysfs_read_back(struct knob_rec *r)
{
	const struct sysfs_row *row = r->ops->data;
	char buf[KNOB_STR_MAX];
	int ret = knob_ns_file(r->netns_path, r->path, NULL, buf, sizeof(buf));

	if (ret)
		return ret;
	if (row->mask)
		mask_norm(buf, r->after, sizeof(r->after));
	else
		snprintf(r->after, sizeof(r->after), "%s", buf);
	return 0;
}

/* One record: read before, write, the caller reads back. */
static int write_one(const struct knob_entry *e, const struct knob_target *tg, const char *path,
		     const char *object, struct knob_recs *out)
{
	struct knob_rec *r;
	int ret = knob_rec_add(out, e, tg, &r);

	if (ret)
		return ret;
	snprintf(r->object, sizeof(r->object), "%s", object);
	snprintf(r->path, sizeof(r->path), "%s", path);
	ret = sysfs_read_back(r);
	if (ret) {
		snprintf(r->note, sizeof(r->note), "cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	snprintf(r->before, sizeof(r->before), "%s", r->after);
	r->after[0] = 0;
	return knob_rec_write(r, tg->netns_path, path, e->requested);
}

static int queue_apply(const struct knob_entry *e, const struct knob_target *tg,
		       struct knob_recs *out)
{
	char names[64][24], path[192], object[96];
	size_t n, i;
	int r = each_queue(e, tg, names, 64, &n);

	if (r)
		return r;
	for (i = 0; i < n; i++) {
		queue_file(e, tg->ifname, names[i], path, sizeof(path));
		snprintf(object, sizeof(object), "%s/%s", tg->ifname, names[i]);
		r = write_one(e, tg, path, object, out);
		if (r)
			return r;
	}
	return 0;
}

static int sysfs_revert(const struct knob_rec *r)
{
	int ret = knob_ns_file(r->netns_path, r->path, r->before, NULL, 0);

	if (ret)
		wgb_err("cannot restore %s in %s to %s: %s", r->path, r->node, r->before,
			strerror(-ret));
	return ret;
}

/* A device without a NAPI instance (a TUN without IFF_NAPI, a veth without
 * GRO or XDP) refuses any write to `threaded`, even of its current value:
 * writing the current value back is a probe that changes nothing. */
static int napi_probe(const struct knob_entry *e, const struct knob_target *tg, char *why,
		      size_t len)
{
	char path[128], cur[16];
	int r;

	snprintf(path, sizeof(path), "/sys/class/net/%s/threaded", tg->ifname);
	r = knob_ns_file(tg->netns_path, path, NULL, cur, sizeof(cur));
	if (!r)
		r = knob_ns_file(tg->netns_path, path, cur, NULL, 0);
	if (r) {
		snprintf(why, len, "%s in %s has no NAPI instance to thread (%s: %s)", tg->ifname,
			 topo_node_name(tg->node), path, strerror(-r));
		return -ENOTSUP;
	}
	return 0;
}

static int napi_apply(const struct knob_entry *e, const struct knob_target *tg,
		      struct knob_recs *out)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/threaded", tg->ifname);
	return write_one(e, tg, path, tg->ifname, out);
}

const struct knob_ops knob_rps_cpus_ops = {
	.key = "rps_cpus", .scope = KNOB_SCOPE_LINK, .data = &rx_mask,
	.parse = mask_parse_row, .probe = queue_probe, .apply = queue_apply,
	.read_back = sysfs_read_back, .revert = sysfs_revert,
};

const struct knob_ops knob_xps_cpus_ops = {
	.key = "xps_cpus", .scope = KNOB_SCOPE_LINK, .data = &tx_mask,
	.parse = mask_parse_row, .probe = queue_probe, .apply = queue_apply,
	.read_back = sysfs_read_back, .revert = sysfs_revert,
};

const struct knob_ops knob_rps_flow_cnt_ops = {
	.key = "rps_flow_cnt", .scope = KNOB_SCOPE_LINK, .data = &rx_count,
	.parse = flow_cnt_parse, .probe = queue_probe, .apply = queue_apply,
	.read_back = sysfs_read_back, .revert = sysfs_revert,
};

const struct knob_ops knob_threaded_napi_ops = {
	.key = "threaded_napi", .scope = KNOB_SCOPE_LINK, .data = &dev_file,
	.parse = napi_parse, .probe = napi_probe, .apply = napi_apply,
	.read_back = sysfs_read_back, .revert = sysfs_revert,
};
