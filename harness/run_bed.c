/* run_bed.c — the testbed and the variant under a run: built for it (netns
 * or a run_backend), or claimed from `topo up` (--attach) and left up; the
 * variant of each plan item applied and reverted; an attached testbed marked
 * while a variant changes it. */
#include "run_impl.h"
#include "run.h"
#include "opts.h"
#include "topo.h"
#include "topo_plan.h"
#include "util.h"
#include "variant.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned int run_tunnels(const struct run_ctx *c)
{
	return c->be ? c->be_tunnels : c->topo ? topo_tunnels(c->topo) : 0;
}

static int bring_up_backend(struct run_ctx *c, unsigned int tunnels)
{
	struct in_addr a;
	unsigned int k, plen;
	int ret;

	ret = c->be->up(c->be_arg, tunnels, c->be_wg_version, sizeof(c->be_wg_version));
	if (ret)
		return ret;
	c->be_tunnels = tunnels;
	for (k = 0; k < tunnels; k++) {
		topo_plan_addr(NODE_DRAIN, LINK_LAN, k, &a, &plen);
		inet_ntop(AF_INET, &a, c->be_drain[k], sizeof(c->be_drain[k]));
	}
	if (!c->o->quiet)
		fprintf(c->tty, "testbed up: %s, %u tunnel(s), %s\n",
			opts_wg_name(c->o->wg == TUN_NONE ? TUN_NONE : TUN_KERNEL), tunnels, c->be_wg_version);
	fflush(c->tty);
	return 0;
}

int run_bring_up(struct run_ctx *c, unsigned int tunnels)
{
	struct topo_config cfg;
	int ret;

	if (c->be)
		return bring_up_backend(c, tunnels);
	if (c->attached) {
		if (!c->o->quiet)
			fprintf(c->tty, "testbed: '%s' from `topo up` (%s, %u tunnel(s)), left up after the run\n",
				topo_prefix(c->topo), topo_wg(c->topo) == TUN_NONE ? "no tunnel" :
				topo_wg_version(c->topo), topo_tunnels(c->topo));
		return 0;
	}
	topo_config_from_opts(&cfg, c->o);
	cfg.tunnels = tunnels;
	/* The run owns its testbed: wireguard-go dies with this process. */
	cfg.persistent = false;
	ret = topo_up(&cfg, &c->topo);
	if (ret) {
		c->topo = NULL;
		return ret;
	}
	if (c->o->quiet)
		return 0;
	if (topo_wg(c->topo) == TUN_NONE)
		fprintf(c->tty, "testbed up: no tunnel (--wg none: the lans routed over the underlay)\n");
	else
		fprintf(c->tty, "testbed up: %s, %u tunnel(s), %s\n", opts_wg_name(topo_wg(c->topo)),
			topo_tunnels(c->topo), topo_wg_version(c->topo));
	return 0;
}

/* A variant file's text, NULL for one that sets nothing (the baseline). */
static char *variant_text(const struct variant *v)
{
	struct json_object *d = NULL, *t;
	char *text = NULL;

	if (!variant_knob_count(v) || variant_describe(v, &d))
		return NULL;
	if (json_object_object_get_ex(d, "text", &t) && t)
		text = strdup(json_object_get_string(t));
	json_object_put(d);
	return text;
}

static void revert_current(struct run_ctx *c)
{
	if (c->be && c->cur_v && variant_knob_count(c->cur_v) && c->be_tunnels &&
	    c->be->variant_apply(c->be_arg, NULL, NULL))
		wgb_warn("variant '%s': not every value could be restored", variant_name(c->cur_v));
	if (c->applied) {
		if (variant_revert(c->applied))
			wgb_warn("variant '%s': not every value could be restored", variant_name(c->cur_v));
		else if (c->attached)
			topo_mark_clear(c->topo);   /* `topo up`'s values again */
		variant_applied_free(c->applied);
	}
	c->applied = NULL;
	c->cur_v = NULL;
}

void run_bring_down(struct run_ctx *c)
{
	revert_current(c);
	if (c->be && c->be_tunnels) {
		c->be->down(c->be_arg);
		c->be_tunnels = 0;
	}
	if (c->attached) {
		topo_free(c->topo);   /* not down: it is `topo up`'s */
		c->topo = NULL;
		c->attached = false;
	}
	topo_teardown(&c->topo);
}

unsigned int run_tunnels_for(const struct run_ctx *c, const struct variant *v)
{
	unsigned int n = variant_tunnels(v);

	if (n)
		return n;
	return c->attached && !c->o->have_tunnels ? topo_tunnels(c->topo) : c->o->tunnels;
}

/* --attach: the live testbed of `topo up --prefix`, claimed for the run. It
 * cannot be rebuilt, so whatever would need another one is refused here,
 * before anything is written. */
int run_attach(struct run_ctx *c)
{
	size_t i;
	int ret;

	if (!c->o->attach)
		return 0;
	ret = topo_claim(c->o->prefix, &c->topo);
	if (ret)
		return ret;
	c->attached = true;
	if (c->o->wg != TUN_AUTO && c->o->wg != topo_wg(c->topo)) {
		wgb_err("--attach --wg %s: the testbed '%s' runs %s", opts_wg_name(c->o->wg),
			c->o->prefix, opts_wg_name(topo_wg(c->topo)));
		return -EINVAL;
	}
	for (i = 0; i < variant_count(c->vs); i++) {
		const struct variant *v = variant_get(c->vs, i);

		if (run_tunnels_for(c, v) != topo_tunnels(c->topo)) {
			wgb_err("--attach: %s wants %u tunnel(s), the testbed '%s' has %u; "
				"start one with `wgbench topo up --tunnels %u`",
				variant_tunnels(v) ? variant_name(v) : "--tunnels", run_tunnels_for(c, v),
				c->o->prefix, topo_tunnels(c->topo), run_tunnels_for(c, v));
			return -EINVAL;
		}
	}
	return 0;
}

/* Checks every variant against the live testbed; a variant the kernel cannot
 * do is skipped (with its reason in run.json), the others still run. */
void run_check_variants(struct run_ctx *c)
{
	size_t i;

	for (i = 0; i < variant_count(c->vs); i++) {
		const struct variant *v = variant_get(c->vs, i);
		char why[512] = "", *text = c->be ? variant_text(v) : NULL;
		int r;

		if (c->be)   /* the guests check the knobs for their node */
			r = text ? c->be->variant_check(c->be_arg, text, why, sizeof(why)) : 0;
		else
			r = variant_check(v, c->topo, why, sizeof(why));
		free(text);
		if (!r)
			continue;
		c->vstate[i].skip = strdup(why[0] ? why : "not supported here");
		c->failed = true;
		wgb_err("variant '%s' skipped: %s", variant_name(v), c->vstate[i].skip);
	}
}

/* An attached testbed outlives the run: if the run dies before reverting
 * the variant, the mark tells the next claim that its values are not
 * `topo up`'s (a variant with no knobs changes nothing). */
static int mark_attached(const struct run_ctx *c, const struct variant *v)
{
	char what[256];

	if (!c->attached || !variant_knob_count(v))
		return 0;
	snprintf(what, sizeof(what), "wgbench run (pid %d) applied variant '%s' to it",
		 (int)getpid(), variant_name(v));
	return topo_mark_modified(c->topo, what);
}

/* Bring the testbed and the variant to what item needs; an error string
 * (malloc'd) when it cannot. */
char *run_prepare_item(struct run_ctx *c, const struct run_item *it)
{
	const struct variant *v = variant_get(c->vs, it->variant);
	unsigned int tunnels = run_tunnels_for(c, v);
	struct json_object *applied = NULL;
	char *err = NULL;
	int ret;

	if (c->vstate[it->variant].skip)
		return strdup(c->vstate[it->variant].skip);
	if (run_tunnels(c) != tunnels) {
		run_bring_down(c);
		ret = run_bring_up(c, tunnels);
		if (ret) {
			if (asprintf(&err, "testbed with %u tunnel(s) could not be built: %s",
				     tunnels, strerror(-ret)) < 0)
				err = NULL;
			return err;
		}
	}
	if (c->cur_v == v)
		return NULL;
	revert_current(c);
	if (c->be) {
		char *text = variant_text(v);

		ret = text ? c->be->variant_apply(c->be_arg, text, &applied) : 0;
		free(text);
	} else {
		ret = mark_attached(c, v);
		if (!ret)
			ret = variant_apply(v, c->topo, &c->applied);
	}
	if (ret) {
		c->applied = NULL;
		if (asprintf(&err, "variant '%s' could not be applied: %s", variant_name(v),
			     strerror(-ret)) < 0)
			err = NULL;
		return err;
	}
	c->cur_v = v;
	if (!c->be && variant_applied_json(c->applied, &applied))
		applied = NULL;
	if (applied) {
		json_object_put(c->vstate[it->variant].applied);
		c->vstate[it->variant].applied = applied;
	}
	return NULL;
}
