/* run_bed.c — the testbed and the variant under a run, on the bed (bed.h)
 * whatever its backend: brought up with the tunnels each plan item needs,
 * each item's variant applied (and the previous one reverted) only when it
 * changes, everything reverted and taken down at the end. */
#include "run_impl.h"
#include "bed.h"
#include "results.h"
#include "util.h"
#include "variant.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned int run_tunnels_for(const struct run_ctx *c, const struct variant *v)
{
	unsigned int n = variant_tunnels(v);

	return n ? n : bed_default_tunnels(c->bed);
}

int run_check_fits(struct run_ctx *c)
{
	size_t i;
	int ret;

	for (i = 0; i < variant_count(c->vs); i++) {
		const struct variant *v = variant_get(c->vs, i);

		ret = bed_fits(c->bed, run_tunnels_for(c, v), variant_tunnels(v) ? variant_name(v) : "--tunnels");
		if (ret)
			return ret;
	}
	return 0;
}

int run_bring_up(struct run_ctx *c, unsigned int tunnels)
{
	return bed_up(c->bed, tunnels);
}

static void revert_current(struct run_ctx *c)
{
	if (c->cur_v)
		bed_variant_revert(c->bed);   /* says what it could not restore */
	c->cur_v = NULL;
}

int run_bring_down(struct run_ctx *c)
{
	if (!c->bed)
		return 0;
	revert_current(c);
	return bed_down(c->bed);
}

/* One variant against the live testbed; skipped with its reason when it
 * cannot run there. */
static int check_one(struct run_ctx *c, size_t i)
{
	const struct variant *v = variant_get(c->vs, i);
	char why[512] = "";

	if (!bed_variant_check(c->bed, v, why, sizeof(why)))
		return 0;
	c->vstate[i].skip = strdup(why[0] ? why : "not supported here");
	if (!c->vstate[i].skip)
		return -ENOMEM;
	c->n_skipped++;
	wgb_warn("variant '%s' skipped: %s", variant_name(v), c->vstate[i].skip);
	if (results_skip_variant(c->res, variant_name(v), c->vstate[i].skip))
		wgb_err("%s/results.json could not be written", c->out_dir);
	return 0;
}

/* Checks every variant against the live testbed; a variant it cannot do (a
 * knob the kernel lacks) is skipped with its reason, in run.json, results.json
 * and the summary, and is not a failure: the others still run. A variant is
 * checked on a testbed of its own tunnel count (the one it will run on; the
 * first item's would refuse it for the count alone), then the testbed is
 * built again for the first item. Only when none is left is there nothing
 * to run (-ENOTSUP). */
int run_check_variants(struct run_ctx *c)
{
	size_t i, j, nv = variant_count(c->vs);
	unsigned int first = bed_tunnels(c->bed), n;
	int ret = 0;

	for (i = 0; !ret && i < nv; i++)
		if (run_tunnels_for(c, variant_get(c->vs, i)) == first)
			ret = check_one(c, i);
	for (i = 0; !ret && i < nv; i++) {
		n = run_tunnels_for(c, variant_get(c->vs, i));
		for (j = 0; j < i && run_tunnels_for(c, variant_get(c->vs, j)) != n; j++)
			;
		if (n == first || j < i)   /* checked already, with its count */
			continue;
		run_bring_down(c);
		if ((ret = run_bring_up(c, n)))
			break;
		for (j = i; !ret && j < nv; j++)
			if (run_tunnels_for(c, variant_get(c->vs, j)) == n)
				ret = check_one(c, j);
	}
	if (!ret && bed_tunnels(c->bed) != first) {
		run_bring_down(c);
		ret = run_bring_up(c, first);
	}
	if (ret)
		return ret;
	if (nv && c->n_skipped == nv) {
		wgb_err("every variant was skipped: nothing this testbed can run");
		return -ENOTSUP;
	}
	return 0;
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
	if (bed_tunnels(c->bed) != tunnels) {
		run_bring_down(c);
		ret = run_bring_up(c, tunnels);
		if (ret && asprintf(&err, "testbed with %u tunnel(s) could not be built: %s", tunnels,
				    strerror(-ret)) < 0)
			err = NULL;
		if (ret)
			return err;
	}
	if (c->cur_v == v)
		return NULL;
	revert_current(c);
	ret = bed_variant_apply(c->bed, v, &applied);
	if (ret) {
		if (asprintf(&err, "variant '%s' could not be applied: %s", variant_name(v), strerror(-ret)) < 0)
			err = NULL;
		return err;
	}
	c->cur_v = v;
	if (applied) {
		json_object_put(c->vstate[it->variant].applied);
		c->vstate[it->variant].applied = applied;
	}
	return NULL;
}
