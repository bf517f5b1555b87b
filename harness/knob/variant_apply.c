/* variant_apply.c — a parsed variant on a testbed: checked against the
 * running kernel (probe), applied through the knob table to every target,
 * read back, reverted; host-wide values restored after a SIGKILL. */
#include "variant.h"
#include "variant_impl.h"
#include "topo_node.h"
#include "knob.h"
#include "topo.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct variant_applied {
	char name[65];
	char prefix[16];
	struct knob_recs recs;
	bool reverted;
	bool journal;                   /* records kept in the host file (a site) */
};

/* --- targets ------------------------------------------------------------ */

/* Calls fn for every (node, interface) the entry reaches on this testbed;
 * returns how many, or the first error of fn. */
static int each_target(const struct knob_entry *e, const struct topo *t,
		       int (*fn)(const struct knob_entry *, const struct knob_target *, void *),
		       void *arg)
{
	struct knob_target tg;
	unsigned int n, k, kmax;
	int r, count = 0;

	memset(&tg, 0, sizeof(tg));
	tg.t = t;
	snprintf(tg.prefix, sizeof(tg.prefix), "%s", topo_prefix(t));
	if (e->host) {
		tg.host = true;
		r = fn(e, &tg, arg);
		return r < 0 ? r : 1;
	}
	for (n = 0; n < NODE__COUNT; n++) {
		if (!(e->nodes & KNOB_NODE_BIT(n)) || !topo_node_here(t, (enum topo_node_id)n))
			continue;
		tg.node = (enum topo_node_id)n;
		if (topo_node_netns_path(t, tg.node, tg.netns_path, sizeof(tg.netns_path)))
			return -ENOENT;
		kmax = e->has_link && e->link == LINK_TUNNEL ? topo_tunnels(t) : 1;
		for (k = 0; k < kmax; k++) {
			tg.k = k;
			tg.ifname[0] = 0;
			if (e->has_link) {
				const char *ifn = topo_ifname(t, tg.node, e->link, k);

				if (!ifn)
					continue;
				snprintf(tg.ifname, sizeof(tg.ifname), "%s", ifn);
			}
			r = fn(e, &tg, arg);
			if (r < 0)
				return r;
			count++;
		}
	}
	return count;
}

/* each_target() on a site (variant_site): its where() in place of a topo. */
static int each_site_target(const struct knob_entry *e, const struct variant_site *s,
			    int (*fn)(const struct knob_entry *, const struct knob_target *, void *),
			    void *arg, char *why, size_t wlen)
{
	struct knob_target tg;
	unsigned int n;
	int r, count = 0;

	memset(&tg, 0, sizeof(tg));
	snprintf(tg.prefix, sizeof(tg.prefix), "%s", s->prefix);
	if (e->host) {
		tg.host = true;
		r = fn(e, &tg, arg);
		return r < 0 ? r : 1;
	}
	for (n = 0; n < NODE__COUNT; n++) {
		struct variant_spot q = { e->ops->key, (int)n, e->group, e->has_link, (int)e->link };

		if (!(e->nodes & KNOB_NODE_BIT(n)))
			continue;
		tg.node = (enum topo_node_id)n;
		r = s->where(s->arg, &q, tg.netns_path, sizeof(tg.netns_path), tg.ifname,
			     sizeof(tg.ifname), why, wlen);
		if (r == 1)
			continue;
		if (r == 2) {   /* another machine's: there, not here */
			count++;
			continue;
		}
		if (r < 0)
			return r;
		r = fn(e, &tg, arg);
		if (r < 0)
			return r;
		count++;
	}
	return count;
}

struct probe_arg {
	char *why;
	size_t len;
};

static int probe_one(const struct knob_entry *e, const struct knob_target *tg, void *arg)
{
	struct probe_arg *p = arg;

	return e->ops->probe ? e->ops->probe(e, tg, p->why, p->len) : 0;
}

size_t variant_knob_count(const struct variant *v)
{
	return v ? v->n : 0;
}

int variant_check(const struct variant *v, const struct topo *t, char *why, size_t len)
{
	struct probe_arg p;
	size_t i;
	int r, o;

	if (v->tunnels && v->tunnels != topo_tunnels(t)) {
		snprintf(why, len, "needs %u tunnel%s, the testbed has %u", v->tunnels,
			 v->tunnels == 1 ? "" : "s", topo_tunnels(t));
		return -ENOTSUP;
	}
	for (i = 0; i < v->n; i++) {
		const struct knob_entry *e = &v->e[i];
		unsigned int n, here = 0;

		for (n = 0; n < NODE__COUNT; n++)
			here += (e->nodes & KNOB_NODE_BIT(n)) && topo_node_here(t, (enum topo_node_id)n);
		if (!e->host && !here)
			continue;   /* for a node another guest holds (--backend vms) */
		o = snprintf(why, len, "set[%zu].%s: ", e->index, e->ops->key);
		o = o < 0 || (size_t)o >= len ? 0 : o;
		p.why = why + o;
		p.len = len - (size_t)o;
		p.why[0] = 0;
		r = each_target(e, t, probe_one, &p);
		if (r == 0) {
			snprintf(p.why, p.len, "no %s link on %s in this testbed%s",
				 topo_link_name(e->link), e->group ? "any node it names" : "that node",
				 e->link == LINK_TUNNEL && topo_wg(t) == TUN_NONE ? " (--wg none)" : "");
			return -ENOTSUP;
		}
		if (r < 0) {
			if (!p.why[0])
				snprintf(p.why, p.len, "%s", strerror(-r));
			return -ENOTSUP;
		}
	}
	return 0;
}

int variant_check_site(const struct variant *v, const struct variant_site *s, char *why, size_t len)
{
	struct probe_arg p;
	size_t i;
	int r, o;

	for (i = 0; i < v->n; i++) {
		const struct knob_entry *e = &v->e[i];

		o = snprintf(why, len, "set[%zu].%s: ", e->index, e->ops->key);
		o = o < 0 || (size_t)o >= len ? 0 : o;
		p.why = why + o;
		p.len = len - (size_t)o;
		p.why[0] = 0;
		r = each_site_target(e, s, probe_one, &p, p.why, p.len);
		if (r == 0) {
			snprintf(p.why, p.len, "no %s link here for the node%s it names",
				 topo_link_name(e->link), e->group ? "s" : "");
			return -ENOTSUP;
		}
		if (r < 0) {
			if (!p.why[0])
				snprintf(p.why, p.len, "%s", strerror(-r));
			return -ENOTSUP;
		}
	}
	return 0;
}

/* --- apply, read back, revert -------------------------------------------- */

static int apply_one(const struct knob_entry *e, const struct knob_target *tg, void *arg)
{
	return e->ops->apply(e, tg, arg);
}

/* A site's records go to the host file as soon as each change is made (a
 * sysctl of the host's is already there: its row writes it before). */
static int apply_kept(const struct knob_entry *e, const struct knob_target *tg, void *arg)
{
	struct knob_recs *recs = arg;
	size_t i, from = recs->n;
	int r = e->ops->apply(e, tg, recs), k;

	for (i = from; i < recs->n; i++)
		if (recs->v[i].written && !recs->v[i].host && (k = knob_host_keep(&recs->v[i])) && !r)
			r = k;
	return r;
}

static void read_back_all(struct variant_applied *a)
{
	size_t i;

	for (i = 0; i < a->recs.n; i++) {
		struct knob_rec *r = &a->recs.v[i];
		int ret = r->ops->read_back(r);

		if (ret) {
			snprintf(r->after, sizeof(r->after), "?");
			if (!r->note[0])
				snprintf(r->note, sizeof(r->note), "cannot read back: %s", strerror(-ret));
		} else if (strcmp(r->after, r->requested) && !r->note[0]) {
			snprintf(r->note, sizeof(r->note), "the kernel holds %.100s, not the %.100s asked for",
				 r->after, r->requested);
		}
	}
}

int variant_apply(const struct variant *v, struct topo *t, struct variant_applied **out)
{
	struct variant_applied *a = calloc(1, sizeof(*a));
	size_t i;
	int r = 0;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	snprintf(a->name, sizeof(a->name), "%s", v->name);
	snprintf(a->prefix, sizeof(a->prefix), "%s", topo_prefix(t));
	for (i = 0; i < v->n && r >= 0; i++)
		r = each_target(&v->e[i], t, apply_one, &a->recs);
	if (r < 0) {
		const struct knob_rec *last = a->recs.n ? &a->recs.v[a->recs.n - 1] : NULL;

		wgb_err("variant %s: set[%zu].%s on %s %s: %s", v->name, v->e[i - 1].index,
			v->e[i - 1].ops->key, last ? last->node : "?", last ? last->object : "",
			last && last->note[0] ? last->note : strerror(-r));
		variant_revert(a);
		variant_applied_free(a);
		return r;
	}
	read_back_all(a);
	*out = a;
	return 0;
}

int variant_apply_site(const struct variant *v, const struct variant_site *s,
		       struct variant_applied **out)
{
	struct variant_applied *a = calloc(1, sizeof(*a));
	char why[256] = "";
	size_t i;
	int r = 0;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	snprintf(a->name, sizeof(a->name), "%s", v->name);
	snprintf(a->prefix, sizeof(a->prefix), "%s", s->prefix);
	a->journal = true;
	for (i = 0; i < v->n && r >= 0; i++)
		r = each_site_target(&v->e[i], s, apply_kept, &a->recs, why, sizeof(why));
	if (r < 0) {
		const struct knob_rec *last = a->recs.n ? &a->recs.v[a->recs.n - 1] : NULL;

		wgb_err("variant %s: set[%zu].%s on %s %s: %s", v->name, v->e[i - 1].index,
			v->e[i - 1].ops->key, last ? last->node : "?", last ? last->object : "",
			why[0] ? why : last && last->note[0] ? last->note : strerror(-r));
		variant_revert(a);
		variant_applied_free(a);
		return r;
	}
	read_back_all(a);
	*out = a;
	return 0;
}

int variant_applied_json(const struct variant_applied *a, struct json_object **out)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	if (!arr)
		return -ENOMEM;
	for (i = 0; i < a->recs.n; i++) {
		const struct knob_rec *r = &a->recs.v[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "node", json_object_new_string(r->node));
		json_object_object_add(o, "link", r->link[0] ? json_object_new_string(r->link) : NULL);
		json_object_object_add(o, "key", json_object_new_string(r->ops->key));
		json_object_object_add(o, "object", json_object_new_string(r->object));
		json_object_object_add(o, "global", json_object_new_boolean(r->host));
		json_object_object_add(o, "before", json_object_new_string(r->before));
		json_object_object_add(o, "requested", json_object_new_string(r->requested));
		json_object_object_add(o, "after", json_object_new_string(r->after));
		json_object_object_add(o, "ok", json_object_new_boolean(r->ok));
		json_object_object_add(o, "note", r->note[0] ? json_object_new_string(r->note) : NULL);
		if (r->evidence)
			json_object_object_add(o, "evidence", json_object_get(r->evidence));
		json_object_array_add(arr, o);
	}
	*out = arr;
	return 0;
}

int variant_revert(struct variant_applied *a)
{
	size_t i;
	int r, ret = 0;

	if (!a || a->reverted)
		return 0;
	for (i = a->recs.n; i-- > 0;) {
		const struct knob_rec *rec = &a->recs.v[i];

		if (!rec->written)
			continue;
		r = rec->ops->revert(rec);
		if (!r && a->journal && !rec->host)
			r = knob_host_drop(rec);
		if (r && !ret)
			ret = r;
	}
	a->reverted = true;
	return ret;
}

void variant_applied_free(struct variant_applied *a)
{
	if (!a)
		return;
	knob_recs_free(&a->recs);
	free(a);
}

size_t variant_node_cpus(const struct variant_applied *a, int node, int *cpus, size_t max)
{
	const char *name = topo_node_name((enum topo_node_id)node);
	size_t i, n;

	for (i = 0; a && i < a->recs.n; i++) {
		const struct knob_rec *r = &a->recs.v[i];

		if (r->ops->cpus_for && !strcmp(r->node, name) && (n = r->ops->cpus_for(r, cpus, max)))
			return n;
	}
	return 0;
}

int variant_restore_host(const char *prefix, bool quiet)
{
	int r = knob_host_restore(prefix, quiet);

	return r < 0 ? r : 0;
}

int variant_restore_host_all(bool quiet)
{
	char **prefixes = NULL;
	size_t n = 0, i;
	int r = knob_host_prefixes(&prefixes, &n), ret = r;

	for (i = 0; i < n; i++) {
		r = variant_restore_host(prefixes[i], quiet);
		if (r && !ret)
			ret = r;
		free(prefixes[i]);
	}
	free(prefixes);
	return ret;
}
