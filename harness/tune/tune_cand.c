/* tune_cand.c — the candidates: which shipped variant is one step of the
 * field guide, which finding proposes it, and each round's order.
 *
 * The rows follow reference 002 §4 (the tuning playbook, in its order),
 * then references 003/004 (more UDP flows, threaded NAPI) and reference 000
 * (MSS clamping, a short queue). Several shipped variants are cumulative
 * like §7.1's table (backlog-budget is rps-rfs plus the backlog sysctls):
 * `minus` names the variant a row builds on, and only the row's own entries
 * are the candidate, so each step changes one knob (or one shipped variant)
 * and nothing the previous row already tried.
 *
 * A round proposes, in order: the candidates of the findings (each
 * finding's list in the order of its advice, the findings in the doctor's
 * order), then the rest of the pool in the table's (or --candidates') order.
 * A rejected candidate comes back only when a finding it was not tried for
 * proposes it (backlog-budget is worth a second look once RPS made softnet
 * drops appear, §4.5); a skipped one (the kernel lacks it) never.
 */
#include "tune_impl.h"
#include "bed.h"
#include "jsonx.h"
#include "scenario.h"
#include "stop.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cand_row {
	const char *name;       /* scenarios/variants/<name>.json */
	const char *minus;      /* the shipped variant it is cumulative on */
	const char *ref;
} rows[] = {
	{ "multi-queue", NULL, "reference 002 §4.1 (NIC multi-queue)" },
	{ "rps-rfs", NULL, "reference 002 §4.3 (RPS/RFS)" },
	{ "backlog-budget", "rps-rfs", "reference 002 §4.5 (backlog and budget)" },
	{ "socket-buffers", NULL, "reference 002 §4.7 (buffer sizing), reference 000 (socket buffers)" },
	{ "bbr", NULL, "reference 002 §4.8 (BBR + fq)" },
	{ "mtu-1420", "backlog-budget", "reference 002 §4.9 (MTU sizing)" },
	{ "threaded-napi", NULL, "reference 004 (threaded NAPI)" },
	{ "tunnels-2", NULL, "reference 004 (multiple tunnels)" },
	{ "tunnels-4", NULL, "reference 004 (multiple tunnels)" },
	{ "port-spread-4", NULL, "reference 003 (one tunnel over several UDP ports)" },
	{ "mss-clamp", NULL, "reference 000 (MTU and fragmentation: clamp the MSS)" },
	{ "underlay-aqm", NULL, "reference 000 (the optimization that backfired; mistake 8)" },
};

/* Finding id -> candidates, in the order the finding's advice names them. */
static const struct {
	const char *finding;
	const char *cands;
} advice[] = {
	{ "pmtu-blackhole", "mss-clamp mtu-1420" },
	{ "mtu-mismatch", "mtu-1420 mss-clamp" },
	{ "cpu-single-core", "rps-rfs threaded-napi multi-queue tunnels-2 tunnels-4" },
	{ "per-flow-limit", "tunnels-2 tunnels-4 port-spread-4" },
	{ "small-packet-limit", "rps-rfs mtu-1420" },
	{ "udp-rcvbuf", "socket-buffers" },
	{ "udp-sndbuf", "socket-buffers" },
	{ "softnet-backlog", "backlog-budget" },
	{ "tx-queue-drops", "tunnels-2 tunnels-4" },
	{ "qdisc-drops", "underlay-aqm" },
	{ "bufferbloat", "underlay-aqm" },
};

const char *tune_cand_advice(const char *finding)
{
	size_t i;

	for (i = 0; finding && i < ARRAY_SIZE(advice); i++)
		if (!strcmp(advice[i].finding, finding))
			return advice[i].cands;
	return NULL;
}

/* $WGB_VARIANT_DIR, else the shipped scenarios' variants/. */
static int variant_dir(char *buf, size_t len)
{
	const char *env = getenv("WGB_VARIANT_DIR");
	char dir[PATH_MAX];
	int ret;

	if (env && *env)
		return util_fmt(buf, len, "%s", env);
	if ((ret = scenario_default_dir(dir, sizeof(dir))))
		return ret;
	return util_fmt(buf, len, "%s/variants", dir);
}

static const struct cand_row *row_of(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

static int add_cand(struct tune_ctx *c, const char *name, const char *file, const struct cand_row *r,
		    bool listed)
{
	struct tune_cand *k;
	size_t i;

	for (i = 0; i < c->n_cands; i++)
		if (!strcmp(c->cands[i].name, name)) {
			wgb_err("--candidates: '%s' given twice", name);
			return -EINVAL;
		}
	k = &c->cands[c->n_cands++];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	snprintf(k->file, sizeof(k->file), "%s", file);
	k->minus = r ? r->minus : NULL;
	k->ref = r ? r->ref : "--candidates";
	k->listed = listed;
	return 0;
}

/* A --candidates item: a row's name, or a variant file (a path). */
static int add_listed(struct tune_ctx *c, const char *item, const char *dir)
{
	const struct cand_row *r = row_of(item);
	struct json_object *doc;
	char file[PATH_MAX], name[TUNE_NAME_MAX + 1];
	size_t i;
	int ret;

	if (r) {
		if ((ret = util_fmt(file, sizeof(file), "%s/%s.json", dir, r->name)))
			return ret;
		return add_cand(c, r->name, file, r, true);
	}
	if (!strchr(item, '/') && !strstr(item, ".json")) {
		char known[512] = "";

		for (i = 0; i < ARRAY_SIZE(rows); i++)
			snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
				 i ? ", " : "", rows[i].name);
		wgb_err("--candidates '%s': neither a candidate (%s) nor a variant file", item, known);
		return -EINVAL;
	}
	if ((ret = tune_variant_load(item, &doc)))
		return ret;
	tune_safe_name(name, sizeof(name), jsonx_str_at(doc, "name") ? jsonx_str_at(doc, "name") : item);
	json_object_put(doc);
	return add_cand(c, name, item, NULL, true);
}

/* Every candidate file (and what it builds on) parses as a variant: bad
 * input is refused before the machine is touched. */
static int check_files(struct tune_ctx *c)
{
	char minus[PATH_MAX];
	size_t i;
	int bad = 0;

	for (i = 0; i < c->n_cands; i++) {
		const char *paths[2] = { c->cands[i].file, minus };
		struct variant_set *vs = NULL;
		size_t n = 1;

		if (c->cands[i].minus && !util_fmt(minus, sizeof(minus), "%s/%s.json", c->vdir,
						   c->cands[i].minus))
			n = 2;
		if (variant_load_all(paths, n, &vs))
			bad++;
		variant_set_free(vs);
	}
	return bad ? -EINVAL : 0;
}

int tune_cand_pool(struct tune_ctx *c)
{
	const struct tune_opts *t = c->t;
	char dir[PATH_MAX], file[PATH_MAX];
	size_t i, n = t->n_candidates ? t->n_candidates : ARRAY_SIZE(rows);
	int ret;

	if ((ret = variant_dir(c->vdir, sizeof(c->vdir))))
		return ret;
	memcpy(dir, c->vdir, sizeof(dir));
	c->cands = calloc(n, sizeof(*c->cands));
	if (!c->cands)
		return -ENOMEM;
	for (i = 0; i < t->n_candidates; i++)
		if ((ret = add_listed(c, t->candidates[i], dir)))
			return ret;
	for (i = 0; !t->n_candidates && i < ARRAY_SIZE(rows); i++) {
		if ((ret = util_fmt(file, sizeof(file), "%s/%s.json", dir, rows[i].name)))
			return ret;
		if (access(file, R_OK))   /* not shipped in this tree: no candidate */
			continue;
		if ((ret = add_cand(c, rows[i].name, file, &rows[i], false)))
			return ret;
	}
	return check_files(c);
}

void tune_cand_free(struct tune_ctx *c)
{
	size_t i;

	for (i = 0; c->cands && i < c->n_cands; i++) {
		json_object_put(c->cands[i].tried_for);
		json_object_put(c->cands[i].proposed_by);
		json_object_put(c->cands[i].adds);
	}
	free(c->cands);
	c->cands = NULL;
	c->n_cands = 0;
}

static struct tune_cand *find_cand(struct tune_ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_cands; i++)
		if (!strcmp(c->cands[i].name, name))
			return &c->cands[i];
	return NULL;
}

/* name is one of the space-separated words of list. */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; p && (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ' ') && (!p[n] || p[n] == ' '))
			return true;
	return false;
}

static bool has_id(struct json_object *ids, const char *id)
{
	size_t i;

	for (i = 0; ids && i < json_object_array_length(ids); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(ids, i)), id))
			return true;
	return false;
}

/* Marks the candidates finding f proposes. A finding whose advice names no
 * candidate of the table goes to "unaddressed"; one whose candidates are
 * all outside the pool (--candidates) to "outside". */
static void propose(struct tune_ctx *c, struct json_object *f, struct json_object *unaddressed,
		    struct json_object *outside)
{
	const char *id = jsonx_str_at(f, "id"), *list = tune_cand_advice(id), *p;
	char name[TUNE_NAME_MAX + 1];
	bool any = false;
	size_t n;

	for (p = list; p && *p; p += n + strspn(p + n, " ")) {
		struct tune_cand *k;

		n = strcspn(p, " ");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (!(k = find_cand(c, name)))
			continue;
		any = true;
		if (!k->proposed_by)
			k->proposed_by = json_object_new_array();
		if (!has_id(k->proposed_by, id))
			json_object_array_add(k->proposed_by, json_object_new_string(id));
	}
	if (!id || any)
		return;
	if (!list && !has_id(unaddressed, id))
		json_object_array_add(unaddressed, json_object_new_string(id));
	else if (list && !has_id(outside, id))
		json_object_array_add(outside, json_object_new_string(id));
}

/* Can k be tried this round, and why not. */
static const char *eligible(const struct tune_cand *k)
{
	size_t i;

	if (k->state == CAND_SKIPPED)
		return "skipped before: the testbed cannot do it";
	if (k->state == CAND_KEPT)
		return "kept: in the best already";
	if (k->state != CAND_REJECTED)
		return NULL;
	for (i = 0; k->proposed_by && i < json_object_array_length(k->proposed_by); i++)
		if (!has_id(k->tried_for, json_object_get_string(json_object_array_get_idx(k->proposed_by, i))))
			return NULL;   /* a finding it was not tried for */
	return "rejected before, and no new finding proposes it";
}

static void add_listing(struct json_object *arr, const struct tune_cand *k, const char *from,
			const char *not_now)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(k->name));
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_object_add(o, "proposed_by", k->proposed_by ? json_object_get(k->proposed_by) : NULL);
	json_object_object_add(o, "ref", json_object_new_string(k->ref));
	json_object_object_add(o, "not_tried", jsonx_str(not_now));
	json_object_array_add(arr, o);
}

int tune_cand_order(struct tune_ctx *c, struct json_object *findings, struct json_object *round,
		    size_t *order, size_t *n)
{
	struct json_object *list = json_object_new_array(), *un = json_object_new_array();
	struct json_object *outside = json_object_new_array();
	size_t i, a;

	*n = 0;
	for (i = 0; i < c->n_cands; i++) {
		json_object_put(c->cands[i].proposed_by);
		c->cands[i].proposed_by = NULL;
		c->cands[i].runnable = c->cands[i].listed_now = false;
	}
	for (i = 0; findings && i < json_object_array_length(findings); i++)
		propose(c, json_object_array_get_idx(findings, i), un, outside);
	/* the findings' candidates in the findings' order, then the pool's */
	for (i = 0; findings && i < json_object_array_length(findings); i++) {
		const char *list_i = tune_cand_advice(jsonx_str_at(json_object_array_get_idx(findings, i), "id"));

		for (a = 0; a < c->n_cands; a++) {
			struct tune_cand *k = &c->cands[a];

			if (!k->proposed_by || k->listed_now || !in_list(list_i, k->name))
				continue;
			k->listed_now = true;
			add_listing(list, k, "finding", eligible(k));
			if (!eligible(k))
				order[(*n)++] = a;
		}
	}
	for (a = 0; a < c->n_cands; a++) {
		struct tune_cand *k = &c->cands[a];

		if (k->listed_now)
			continue;
		add_listing(list, k, k->listed ? "--candidates" : "sequence",
			    c->t->advice_only ? "--apply-advice: only what a finding proposes" : eligible(k));
		if (!c->t->advice_only && !eligible(k))
			order[(*n)++] = a;
	}
	json_object_object_add(round, "candidates", list);
	json_object_object_add(round, "unaddressed", un);
	json_object_object_add(round, "outside_pool", outside);
	return 0;
}

static void skip(struct tune_ctx *c, struct tune_cand *k, const char *why, bool for_good)
{
	struct json_object *arr, *o = json_object_new_object();

	if (for_good)
		k->state = CAND_SKIPPED;
	k->runnable = false;
	json_object_object_add(o, "candidate", json_object_new_string(k->name));
	json_object_object_add(o, "round", json_object_new_int(c->round));
	json_object_object_add(o, "why", json_object_new_string(why));
	json_object_object_add(o, "for_good", json_object_new_boolean(for_good));
	if (json_object_object_get_ex(c->doc, "skipped", &arr))
		json_object_array_add(arr, o);
	else
		json_object_put(o);
	if (!c->o->quiet)
		fprintf(c->tty, "tune: %s skipped: %s\n", k->name, why);
}

/* k merged onto the best into OUT/variants/<vname>.json; not runnable
 * (and said why) when it adds nothing. */
static int merge_one(struct tune_ctx *c, struct tune_cand *k)
{
	struct json_object *cand = NULL, *minus = NULL, *merged = NULL;
	char path[PATH_MAX], desc[512], tag[TUNE_NAME_MAX + 8];
	unsigned int tun;
	int ret;

	if ((ret = tune_variant_load(k->file, &cand)))
		return ret;
	if (k->minus && !(ret = util_fmt(path, sizeof(path), "%s/%s.json", c->vdir, k->minus)) &&
	    (ret = tune_variant_load(path, &minus)))
		goto out;
	json_object_put(k->adds);
	tune_variant_delta(cand, minus, c->best, &k->adds);
	tun = tune_variant_tunnels(cand);
	if (tun == tune_variant_tunnels(c->best) || (!tune_variant_tunnels(c->best) && tun == 1))
		tun = 0;
	if (!json_object_array_length(k->adds) && !tun) {
		skip(c, k, "nothing to add: the best already sets everything it sets", false);
		goto out;
	}
	snprintf(tag, sizeof(tag), "r%d-%s", c->round, k->name);
	tune_safe_name(k->vname, sizeof(k->vname), tag);
	snprintf(desc, sizeof(desc), "tune round %d: %s + candidate %s (%s)", c->round,
		 jsonx_str_at(c->best, "name"), k->name, k->ref);
	if ((ret = util_fmt(k->vfile, sizeof(k->vfile), "%s/variants/%s.json", c->out, k->vname)) ||
	    (ret = tune_variant_merge(c->best, k->adds, tun, k->vname, desc, &merged)) ||
	    (ret = tune_variant_write(merged, k->vfile)))
		goto out;
	k->runnable = true;
out:
	json_object_put(merged);
	json_object_put(minus);
	json_object_put(cand);
	return ret;
}

/* What the kernel and the testbed say of k's merged variant, on the bed up. */
static void check_one(struct tune_ctx *c, struct tune_cand *k)
{
	const char *paths[1] = { k->vfile };
	struct variant_set *vs = NULL;
	char why[512] = "", msg[600];
	const struct variant *v;

	if (variant_load_all(paths, 1, &vs)) {
		skip(c, k, "its merged variant does not validate (see the message above)", true);
		goto out;
	}
	v = variant_get(vs, 0);
	if (bed_variant_check(c->bed, v, why, sizeof(why))) {
		snprintf(msg, sizeof(msg), "the testbed lacks it: %s", why[0] ? why : "not supported here");
		skip(c, k, msg, true);
	}
out:
	variant_set_free(vs);
}

/* The tunnels k's merged variant runs with. */
static unsigned int tunnels_of(struct tune_ctx *c, const struct tune_cand *k)
{
	struct json_object *v = NULL;
	unsigned int n = 0;

	if (!tune_variant_load(k->vfile, &v))
		n = tune_variant_tunnels(v);
	json_object_put(v);
	return n ? n : bed_default_tunnels(c->bed);
}

/* The checks of the candidates that run with `tunnels` tunnels, on a
 * testbed of that many (a variant is checked against the topology it gets);
 * down again before any run. */
static int check_with(struct tune_ctx *c, const size_t *order, size_t n, const unsigned int *tun,
		      unsigned int tunnels)
{
	size_t i;
	int ret;

	if ((ret = bed_up(c->bed, tunnels))) {
		wgb_err("tune: the testbed could not be built to check the candidates: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < n && !stop_requested(); i++)
		if (c->cands[order[i]].runnable && tun[i] == tunnels)
			check_one(c, &c->cands[order[i]]);
	bed_down(c->bed);
	return stop_requested() ? -EINTR : 0;
}

int tune_cand_prepare(struct tune_ctx *c, const size_t *order, size_t n)
{
	unsigned int *tun = calloc(n + 1, sizeof(*tun));
	size_t i, j;
	int ret = tun ? 0 : -ENOMEM;

	for (i = 0; !ret && i < n; i++) {
		if ((ret = merge_one(c, &c->cands[order[i]])))
			break;
		if (!c->cands[order[i]].runnable)
			continue;
		tun[i] = tunnels_of(c, &c->cands[order[i]]);
		/* before a testbed of that count is asked for: live has one tunnel,
		 * an attached testbed its own */
		if (bed_fits(c->bed, tun[i], c->cands[order[i]].name)) {
			char why[160];

			snprintf(why, sizeof(why), "it needs %u tunnel(s), which --backend %s cannot have "
				 "(see the message above)", tun[i], bed_name(c->bed));
			skip(c, &c->cands[order[i]], why, true);
			tun[i] = 0;
		}
	}
	/* one testbed per tunnel count the round's candidates need */
	for (i = 0; !ret && i < n; i++) {
		for (j = 0; j < i && (!tun[j] || tun[j] != tun[i]); j++)
			;
		if (tun[i] && j == i)
			ret = check_with(c, order, n, tun, tun[i]);
	}
	free(tun);
	return ret;
}
