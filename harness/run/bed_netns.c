/* bed_netns.c — the netns backend (bed.h): the four nodes as namespaces of
 * this machine (or gw1 and gw2 alone with --topology p2p, the endpoints on
 * them), built by topo_up() for the run and removed after it; or,
 * with --attach, the live testbed of `topo up --prefix`, claimed under its
 * lock, never rebuilt, and left up. Variants go through the variant layer;
 * an attached testbed is marked while a variant changes it. */
#include "bed.h"
#include "opts.h"
#include "sample.h"
#include "topo.h"
#include "traffic.h"
#include "tun.h"
#include "util.h"
#include "knob.h"
#include "variant.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct netns_bed {
	const struct opts *o;
	FILE *tty;                      /* progress: stdout, stderr with --json */
	struct topo *topo;
	bool attached;                  /* topo is `topo up`'s: claimed, left up */
	bool up;                        /* attached: in use by this run */
	struct variant_applied *applied;
	char applied_name[128];
	struct sampler *smp;
};

static unsigned int nb_default_tunnels(void *st)
{
	struct netns_bed *b = st;

	return b->attached && !b->o->have_tunnels ? topo_tunnels(b->topo) : b->o->tunnels;
}

/* An attached testbed cannot be rebuilt: what needs another is refused
 * before anything is written. */
static int nb_fits(void *st, unsigned int tunnels, const char *who)
{
	struct netns_bed *b = st;

	if (!b->attached || tunnels == topo_tunnels(b->topo))
		return 0;
	wgb_err("--attach: %s wants %u tunnel(s), the testbed '%s' has %u; "
		"start one with `wgbench topo up --tunnels %u`", who, tunnels, b->o->prefix,
		topo_tunnels(b->topo), tunnels);
	return -EINVAL;
}

static int nb_up_attached(struct netns_bed *b, unsigned int tunnels)
{
	int ret = nb_fits(b, tunnels, "the run");

	if (ret)
		return ret;
	b->up = true;
	if (!b->o->quiet)
		fprintf(b->tty, "testbed: '%s' from `topo up` (%s, %u tunnel(s)), left up after the run\n",
			topo_prefix(b->topo), topo_wg(b->topo) == TUN_NONE ? "no tunnel" :
			topo_wg_version(b->topo), topo_tunnels(b->topo));
	return 0;
}

static int nb_up(void *st, unsigned int tunnels)
{
	struct netns_bed *b = st;
	struct topo_config cfg;
	int ret;

	if (b->attached)
		return nb_up_attached(b, tunnels);
	if (b->topo)
		return -EBUSY;   /* down first */
	opts_topo_config(b->o, &cfg);
	cfg.tunnels = tunnels;
	/* The run owns its testbed: wireguard-go dies with this process. */
	cfg.persistent = false;
	ret = topo_up(&cfg, &b->topo);
	if (ret) {
		b->topo = NULL;
		return ret;
	}
	if (b->o->quiet)
		return 0;
	if (topo_wg(b->topo) == TUN_NONE)
		fprintf(b->tty, "testbed up%s: no tunnel (--wg none: %s)\n",
			topo_shape(b->topo) == TOPO_P2P ? " (p2p)" : "", topo_shape(b->topo) == TOPO_P2P ?
			"gw1 to gw2 over the underlay" : "the lans routed over the underlay");
	else
		fprintf(b->tty, "testbed up%s: %s, %u tunnel(s), %s\n",
			topo_shape(b->topo) == TOPO_P2P ? " (p2p: the endpoints on gw1 and gw2)" : "",
			tun_kind_name(topo_wg(b->topo)), topo_tunnels(b->topo), topo_wg_version(b->topo));
	fflush(b->tty);
	return 0;
}

static int nb_down(void *st)
{
	struct netns_bed *b = st;

	sample_free(b->smp);
	b->smp = NULL;
	if (b->attached)
		b->up = false;   /* `topo up`'s: it stays */
	else
		topo_teardown(&b->topo);
	return 0;
}

static unsigned int nb_tunnels(void *st)
{
	struct netns_bed *b = st;

	if (!b->topo || (b->attached && !b->up))
		return 0;
	return topo_tunnels(b->topo);
}

static const char *nb_drain_addr(void *st, unsigned int k, int af)
{
	struct netns_bed *b = st;

	return nb_tunnels(b) ? topo_drain_addr_af(b->topo, k, af) : NULL;
}

static const struct topo *nb_topo(void *st)
{
	struct netns_bed *b = st;

	return nb_tunnels(b) ? b->topo : NULL;
}

static int nb_variant_check(void *st, const struct variant *v, char *why, size_t len)
{
	struct netns_bed *b = st;

	if (!nb_tunnels(b))
		return -ENOENT;
	return variant_check(v, b->topo, why, len);
}

/* An attached testbed outlives the run: if the run dies before reverting
 * the variant, the mark tells the next claim that its values are not
 * `topo up`'s (a variant with no knobs changes nothing). */
static int mark_attached(const struct netns_bed *b, const struct variant *v)
{
	char what[256];

	if (!b->attached || !variant_knob_count(v))
		return 0;
	snprintf(what, sizeof(what), "wgbench run (pid %d) applied variant '%s' to it",
		 (int)getpid(), variant_name(v));
	return topo_mark_modified(b->topo, what);
}

static int nb_variant_revert(void *st)
{
	struct netns_bed *b = st;
	int ret = 0;

	if (!b->applied)
		return 0;
	ret = variant_revert(b->applied);
	if (ret)
		wgb_warn("variant '%s': not every value could be restored", b->applied_name);
	else if (b->attached)
		ret = topo_mark_clear(b->topo);   /* `topo up`'s values again */
	variant_applied_free(b->applied);
	b->applied = NULL;
	return ret;
}

static int nb_variant_apply(void *st, const struct variant *v, struct json_object **applied)
{
	struct netns_bed *b = st;
	int ret;

	*applied = NULL;
	if (!nb_tunnels(b))
		return -ENOENT;
	nb_variant_revert(b);
	ret = mark_attached(b, v);
	if (!ret)
		ret = variant_apply(v, b->topo, &b->applied);
	if (ret) {
		b->applied = NULL;   /* the variant layer put back what it had set */
		return ret;
	}
	snprintf(b->applied_name, sizeof(b->applied_name), "%s", variant_name(v));
	if (variant_applied_json(b->applied, applied))
		*applied = NULL;
	return 0;
}

static int nb_traffic(void *st, const struct traffic_test *t, const struct traffic_flow *flows,
		      size_t n, double timeout, const volatile sig_atomic_t *stop,
		      struct traffic_flow_result *res, double *t_clients)
{
	struct netns_bed *b = st;
	struct traffic_test here = *t;
	char src[256], dst[256];
	int ccpus[KNOB_MAX_CPUS], scpus[KNOB_MAX_CPUS];
	int ret;

	if (!nb_tunnels(b))
		return -ENOENT;
	/* a cpus knob where the endpoints run (source/drain; gw1/gw2 in p2p)
	 * pins the endpoints it starts there */
	here.client_cpus = ccpus;
	here.n_client_cpus = variant_node_cpus(b->applied, topo_role_node(b->topo, NODE_SOURCE), ccpus,
					       KNOB_MAX_CPUS);
	here.server_cpus = scpus;
	here.n_server_cpus = variant_node_cpus(b->applied, topo_role_node(b->topo, NODE_DRAIN), scpus,
					       KNOB_MAX_CPUS);
	ret = topo_node_netns_path(b->topo, NODE_SOURCE, src, sizeof(src));
	if (!ret)
		ret = topo_node_netns_path(b->topo, NODE_DRAIN, dst, sizeof(dst));
	if (ret)
		return ret;
	here.client_netns = src;
	here.server_netns = dst;
	return traffic_run(&here, flows, n, timeout, stop, res, t_clients);
}

static int nb_sample_start(void *st, double interval, const char *timeline_path)
{
	struct netns_bed *b = st;
	int ret;

	if (!nb_tunnels(b))
		return -ENOENT;
	sample_free(b->smp);
	ret = sample_start(b->topo, interval, timeline_path, &b->smp);
	if (ret)
		b->smp = NULL;
	return ret;
}

static int nb_sample_stop(void *st, double w0, double w1, struct json_object **cpu,
			  struct json_object **drops, double *self_cpu_s)
{
	struct netns_bed *b = st;
	int ret;

	*cpu = *drops = NULL;
	*self_cpu_s = 0;
	if (!b->smp)
		return -ENOENT;
	ret = sample_stop(b->smp, w0, w1, cpu, drops);
	*self_cpu_s = sample_self_cpu(b->smp);
	sample_free(b->smp);
	b->smp = NULL;
	return ret;
}

/* What the testbed says it runs; kept from the last time it was up. */
static void nb_facts(void *st, struct json_object *j)
{
	struct netns_bed *b = st;
	struct json_object *wg, *net;

	json_object_object_add(j, "backend", json_object_new_string("netns"));
	json_object_object_add(j, "topology", json_object_new_string(topo_shape_name(
		b->topo ? topo_shape(b->topo) : b->o->topology)));
	if (nb_tunnels(b) && !topo_network_json(b->topo, &net))
		json_object_object_add(j, "network", net);
	if (!nb_tunnels(b) || !json_object_object_get_ex(j, "wireguard", &wg))
		return;
	json_object_object_add(wg, "implementation", json_object_new_string(tun_kind_name(topo_wg(b->topo))));
	json_object_object_add(wg, "version", json_object_new_string(topo_wg_version(b->topo)));
}

static void nb_close(void *st)
{
	struct netns_bed *b = st;

	if (!b)
		return;
	nb_variant_revert(b);
	sample_free(b->smp);
	if (b->attached)
		topo_free(b->topo);   /* not down: it is `topo up`'s */
	else
		topo_teardown(&b->topo);
	free(b);
}

static const struct bed_ops netns_ops = {
	.name = "netns",
	.local_clock = true,
	.default_tunnels = nb_default_tunnels,
	.fits = nb_fits,
	.up = nb_up,
	.down = nb_down,
	.tunnels = nb_tunnels,
	.drain_addr = nb_drain_addr,
	.topo = nb_topo,
	.variant_check = nb_variant_check,
	.variant_apply = nb_variant_apply,
	.variant_revert = nb_variant_revert,
	.traffic = nb_traffic,
	.sample_start = nb_sample_start,
	.sample_stop = nb_sample_stop,
	.facts = nb_facts,
	.close = nb_close,
};

/* --attach: the live testbed of `topo up --prefix`, claimed for the run. */
static int claim(struct netns_bed *b)
{
	int ret = topo_claim(b->o->prefix, &b->topo);

	if (ret)
		return ret;
	b->attached = true;
	if (b->o->wg != TUN_AUTO && b->o->wg != topo_wg(b->topo)) {
		wgb_err("--attach --wg %s: the testbed '%s' runs %s", tun_kind_name(b->o->wg),
			b->o->prefix, tun_kind_name(topo_wg(b->topo)));
		return -EINVAL;
	}
	if (b->o->have_topology && b->o->topology != topo_shape(b->topo)) {
		wgb_err("--attach --topology %s: the testbed '%s' is %s", topo_shape_name(b->o->topology),
			b->o->prefix, topo_shape_name(topo_shape(b->topo)));
		return -EINVAL;
	}
	if (b->o->have_family && (b->o->ip != topo_ip(b->topo) || b->o->inner != topo_inner(b->topo))) {
		wgb_err("--attach --ip %s --inner %s: the testbed '%s' has --ip %s --inner %s",
			topo_family_name(b->o->ip), topo_family_name(b->o->inner), b->o->prefix,
			topo_family_name(topo_ip(b->topo)), topo_family_name(topo_inner(b->topo)));
		return -EINVAL;
	}
	return 0;
}

int bed_netns_open(const struct opts *o, const char *out_dir, struct bed **out)
{
	struct netns_bed *b = calloc(1, sizeof(*b));
	const struct tun_ops *wg;
	int ret;

	(void)out_dir;
	if (!b)
		return -ENOMEM;
	b->o = o;
	b->tty = o->json ? stderr : stdout;
	/* the tunnel this machine can give, known before any file is written */
	ret = o->attach ? claim(b) : tun_select(o->wg, &wg);
	if (!ret)
		ret = bed_new(&netns_ops, b, out);
	if (ret)
		nb_close(b);
	return ret;
}
