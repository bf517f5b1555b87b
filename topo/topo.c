/* topo.c — building and removing the netns testbed (topo.h). main()-style:
 * topo_up() is the list of steps, each a static function named with a verb;
 * after each step that creates something the state file is rewritten, so a
 * killed build can be cleaned up (topo_clean.c). */
#include "topo_impl.h"
#include "node.h"
#include "topo_plan.h"
#include "topo_node.h"
#include "netns.h"
#include "nlx.h"
#include "stop.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int name_node(struct topo *t, enum topo_node_id n)
{
	struct topo_node_rt *nd = &t->node[n];
	int ret;

	nd->fd = -1;
	ret = topo_plan_netns(t->cfg.prefix, n, nd->netns, sizeof(nd->netns));
	if (!ret)
		ret = netns_path(nd->netns, nd->path, sizeof(nd->path));
	if (!ret)
		ret = topo_plan_ifname(t->cfg.prefix, n, LINK_LAN, 0, nd->ifname[LINK_LAN], IFNAMSIZ);
	if (!ret && (n == NODE_GW1 || n == NODE_GW2))
		ret = topo_plan_ifname(t->cfg.prefix, n, LINK_UNDERLAY, 0, nd->ifname[LINK_UNDERLAY], IFNAMSIZ);
	return ret;
}

/* p2p: gw1 plays source and gw2 drain (their namespaces answer for the
 * roles), and no node has a lan. */
static void shape_p2p(struct topo *t)
{
	unsigned int n;

	t->only_nodes = 1u << NODE_GW1 | 1u << NODE_GW2;
	t->node[NODE_SOURCE] = t->node[NODE_GW1];
	t->node[NODE_DRAIN] = t->node[NODE_GW2];
	for (n = 0; n < NODE__COUNT; n++)
		t->node[n].ifname[LINK_LAN][0] = 0;
	t->node[NODE_SOURCE].ifname[LINK_UNDERLAY][0] = 0;
	t->node[NODE_DRAIN].ifname[LINK_UNDERLAY][0] = 0;
}

int topo_alloc(const struct topo_config *cfg, struct topo **out)
{
	unsigned int k, n;
	struct topo *t;
	int ret;

	if (!cfg->prefix[0] || strlen(cfg->prefix) > TOPO_PREFIX_MAX ||
	    cfg->tunnels < 1 || cfg->tunnels > TOPO_TUNNELS_MAX ||
	    cfg->ip > TOPO_FAM_DUAL || cfg->inner > TOPO_FAM_DUAL) {
		wgb_err("testbed: bad prefix '%s', tunnel count %u or address families", cfg->prefix,
			cfg->tunnels);
		return -EINVAL;
	}
	if (cfg->wg == TUN_NONE && ((cfg->inner ? cfg->inner : TOPO_FAM_4) & ~(cfg->ip ? cfg->ip : TOPO_FAM_4))) {
		wgb_err("--wg none routes the traffic over the underlay: --inner %s needs --ip to "
			"carry the same families (--ip %s)", topo_family_name(cfg->inner),
			topo_family_name(cfg->inner));
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	t->cfg.ip = cfg->ip ? cfg->ip : TOPO_FAM_4;
	t->cfg.inner = cfg->inner ? cfg->inner : TOPO_FAM_4;
	t->lock_fd = -1;
	for (n = 0; n < NODE__COUNT; n++) {
		ret = name_node(t, (enum topo_node_id)n);
		if (ret) {
			wgb_err("prefix '%s': a name would not fit (%s)", cfg->prefix, strerror(-ret));
			goto fail;
		}
	}
	t->tun = calloc(cfg->tunnels, sizeof(*t->tun));
	if (!t->tun) {
		ret = -ENOMEM;
		goto fail;
	}
	for (k = 0; k < cfg->tunnels; k++) {
		ret = topo_plan_ifname(cfg->prefix, NODE_GW1, LINK_TUNNEL, k, t->tun[k].ifname[0], IFNAMSIZ);
		if (!ret)
			ret = topo_plan_ifname(cfg->prefix, NODE_GW2, LINK_TUNNEL, k, t->tun[k].ifname[1], IFNAMSIZ);
		if (ret) {
			wgb_err("prefix '%s': tunnel %u's interface name would exceed 15 characters",
				cfg->prefix, k);
			goto fail;
		}
	}
	if (cfg->shape == TOPO_P2P)
		shape_p2p(t);
	topo_set_addrs(t, cfg->wg != TUN_NONE);
	snprintf(t->st.prefix, sizeof(t->st.prefix), "%s", cfg->prefix);
	t->st.wg = cfg->wg;
	t->st.tunnels = cfg->tunnels;
	t->st.persistent = cfg->persistent;
	t->st.shape = cfg->shape;
	t->st.ip = t->cfg.ip;
	t->st.inner = t->cfg.inner;
	*out = t;
	return 0;
fail:
	topo_free(t);
	return ret;
}

void topo_free(struct topo *t)
{
	unsigned int n;

	if (!t)
		return;
	for (n = 0; n < NODE__COUNT; n++) {
		nlx_close(t->node[n].nl);
		if (t->node[n].fd >= 0)
			close(t->node[n].fd);
	}
	state_unlock(t->cfg.prefix, &t->lock_fd);
	free(t->tun);
	free(t);
}

void topo_teardown(struct topo **t)
{
	if (!*t)
		return;
	if (topo_down(*t))
		wgb_warn("testbed %s: not everything was removed; `wgbench cleanup --prefix %s`",
			 topo_prefix(*t), topo_prefix(*t));
	topo_free(*t);
	*t = NULL;
}

int topo_node_open(struct topo *t, enum topo_node_id n)
{
	struct topo_node_rt *nd = &t->node[n];
	int back = -1, ret;

	if (nd->fd < 0) {
		nd->fd = open(nd->path, O_RDONLY | O_CLOEXEC);
		if (nd->fd < 0) {
			ret = -errno;
			wgb_err("opening %s: %s", nd->path, strerror(errno));
			return ret;
		}
	}
	if (nd->nl)
		return 0;
	ret = netns_enter(nd->path, &back);
	if (ret) {
		wgb_err("entering %s: %s", nd->path, strerror(-ret));
		return ret;
	}
	ret = nlx_open(nd->netns, &nd->nl);
	netns_leave(&back);
	return ret;
}

/* ---- steps ---- */

static void pause_if_asked(const char *step, const char *suffix)
{
	const char *want = getenv("WGB_TEST_PAUSE_AFTER");
	size_t n = strlen(step);

	if (!want || strncmp(want, step, n) || strcmp(want + n, suffix))
		return;
	/* Test hook (doc/topo.md): wait here until a signal, e.g. kill -9. */
	fprintf(stderr, "wgbench: test hook: paused after %s%s (pid %d)\n", step, suffix, (int)getpid());
	while (!stop_requested())
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
}

/* A step has made something: record it, then honour the test hook and
 * any SIGINT/SIGTERM that arrived meanwhile. */
int topo_record(struct topo *t, const char *step)
{
	int ret;

	pause_if_asked(step, "-unrecorded");
	snprintf(t->st.last_step, sizeof(t->st.last_step), "%s", step);
	ret = state_save(&t->st);
	if (ret)
		return ret;
	wgb_debug("step %s done at %.1f ms", step, (util_now_mono() - t->t0) * 1e3);
	pause_if_asked(step, "");
	if (stop_requested()) {
		wgb_err("interrupted by signal %d after step %s; removing what was made", stop_signal(), step);
		return -EINTR;
	}
	return 0;
}

static int write_sysctl(const char *ns, const char *path, const char *value)
{
	int ret = util_write_str(path, value);

	if (ret)
		wgb_err("%s: writing %s to %s: %s", ns, value, path, strerror(-ret));
	return ret;
}

/* Inside the new namespace: lo up, and on a gateway forwarding on and
 * reverse-path filtering off (gw2 answers through a policy route, which a
 * strict or loose rp_filter would drop). Before any other interface exists,
 * so "default" reaches them all. */
static int configure_inside(struct topo *t, enum topo_node_id n)
{
	struct topo_node_rt *nd = &t->node[n];
	int ret;

	ret = nlx_open(nd->netns, &nd->nl);
	if (!ret)
		ret = nlx_link_set(nd->nl, "lo", 0, true);
	if (ret || (n != NODE_GW1 && n != NODE_GW2))
		return ret;
	ret = write_sysctl(nd->netns, "/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	if (!ret)
		ret = write_sysctl(nd->netns, "/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	if (!ret)
		ret = write_sysctl(nd->netns, "/proc/sys/net/ipv4/ip_forward", "1");
	/* IPv6 has no rp_filter; forwarding is per family */
	if (!ret && ((t->cfg.ip | t->cfg.inner) & TOPO_FAM_6))
		ret = write_sysctl(nd->netns, "/proc/sys/net/ipv6/conf/all/forwarding", "1");
	return ret;
}

/* One node on its own thread: namespace, route socket, lo, sysctls. Making
 * a namespace is mostly waiting for the kernel, so the four overlap. */
struct node_job {
	struct topo *t;
	enum topo_node_id n;
	bool made;
	int ret;
	pthread_t thread;
	bool threaded;
};

static void *make_node(void *arg)
{
	struct node_job *j = arg;
	struct topo_node_rt *nd = &j->t->node[j->n];
	int back = -1, ret;

	j->ret = netns_create_enter(nd->netns, &back);
	if (j->ret)
		return NULL;
	j->made = true;
	j->ret = configure_inside(j->t, j->n);
	ret = netns_leave(&back);
	if (!j->ret)
		j->ret = ret;
	if (!j->ret) {
		nd->fd = open(nd->path, O_RDONLY | O_CLOEXEC);
		if (nd->fd < 0)
			j->ret = -errno;
	}
	return NULL;
}

static int make_nodes(struct topo *t)
{
	static const enum topo_node_id order[] = { NODE_GW1, NODE_GW2, NODE_SOURCE, NODE_DRAIN };
	struct node_job jobs[ARRAY_SIZE(order)];
	char step[32];
	size_t i;
	int ret;

	ret = netns_prepare();
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		jobs[i] = (struct node_job){ .t = t, .n = order[i] };
		if (!topo_node_here(t, order[i]))
			continue;   /* p2p: gw1 and gw2 only */
		jobs[i].threaded = node_thread_start(&jobs[i].thread, make_node, &jobs[i]) == 0;
	}
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		if (!topo_node_here(t, order[i]))
			continue;
		if (jobs[i].threaded)
			pthread_join(jobs[i].thread, NULL);
		else
			make_node(&jobs[i]);
		if (jobs[i].made)
			t->st.netns_made[jobs[i].n] = true;
	}
	for (i = 0; i < ARRAY_SIZE(order) && !ret; i++) {
		if (!topo_node_here(t, order[i]))
			continue;
		ret = jobs[i].ret;
		snprintf(step, sizeof(step), "netns-%s", topo_node_name(order[i]));
		if (!ret)
			ret = topo_record(t, step);
	}
	return ret;
}

static int make_link(struct topo *t, const char *step, enum topo_node_id a, enum topo_node_id b,
		     enum topo_link_role ra, enum topo_link_role rb)
{
	int ret;

	ret = nlx_veth_add(t->node[a].nl, t->node[a].ifname[ra], t->node[b].ifname[rb], t->node[b].fd, true);
	if (!ret)
		ret = nlx_link_set(t->node[b].nl, t->node[b].ifname[rb], 0, true);
	if (ret)
		return ret;
	return topo_record(t, step);
}

static int add_addresses(struct topo *t)
{
	static const struct { enum topo_node_id n; enum topo_link_role r; } plan[] = {
		{ NODE_SOURCE, LINK_LAN }, { NODE_GW1, LINK_LAN }, { NODE_GW1, LINK_UNDERLAY },
		{ NODE_GW2, LINK_UNDERLAY }, { NODE_GW2, LINK_LAN },
	};
	unsigned int i, k;
	int ret;

	for (i = 0; i < ARRAY_SIZE(plan); i++) {
		if (!t->node[plan[i].n].ifname[plan[i].r][0] || !topo_node_here(t, plan[i].n))
			continue;   /* p2p: the underlay only */
		ret = topo_add_addr(t, plan[i].n, plan[i].r, 0, t->node[plan[i].n].ifname[plan[i].r]);
		if (ret)
			return ret;
	}
	for (k = 0; topo_node_here(t, NODE_DRAIN) && k < t->cfg.tunnels; k++) {
		ret = topo_add_addr(t, NODE_DRAIN, LINK_LAN, k, t->node[NODE_DRAIN].ifname[LINK_LAN]);
		if (ret)
			return ret;
	}
	return topo_record(t, "addresses");
}

static int add_routes(struct topo *t)
{
	unsigned int n;
	int ret = 0;

	/* p2p: the tunnel's (or underlay's) own subnet is all there is */
	for (n = 0; n < NODE__COUNT && !ret && t->cfg.shape == TOPO_SITE; n++)
		ret = topo_node_routes(t->node[n].nl, (enum topo_node_id)n, t->cfg.prefix,
				       t->cfg.tunnels, t->ops != NULL, t->cfg.inner);
	return ret ? ret : topo_record(t, "routes");
}

/* ---- up and down ---- */

/* Refuse to build over an existing testbed (ours or a leftover). */
static int check_free(struct topo *t)
{
	char path[256];
	unsigned int n, k;

	state_path(t->cfg.prefix, "state.json", path, sizeof(path));
	for (n = 0; n < NODE__COUNT && access(path, F_OK); n++)
		if (netns_exists(t->node[n].netns))
			snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", t->node[n].netns);
	for (k = 0; t->ops && k < t->cfg.tunnels && access(path, F_OK); k++)
		snprintf(path, sizeof(path), "/var/run/wireguard/%s.sock", t->tun[k].ifname[0]);
	if (access(path, F_OK))
		return 0;
	wgb_err("a testbed with prefix '%s' already exists (%s); remove it with "
		"'wgbench topo down --prefix %s' or 'wgbench cleanup --prefix %s'",
		t->cfg.prefix, path, t->cfg.prefix, t->cfg.prefix);
	return -EEXIST;
}

static int resolve_wg(struct topo *t)
{
	const struct tun_ops *ops;
	int ret;

	ret = tun_select(t->cfg.wg, &ops);
	if (ret)
		return ret;
	t->st.wg = ops->kind;
	t->cfg.wg = ops->kind;
	if (ops->kind != TUN_NONE)
		t->ops = ops;
	t->wg_ops = ops;
	topo_set_addrs(t, ops->kind != TUN_NONE);
	return 0;
}

/* The version of wireguard-go is a program run (~10 ms): it runs on its own
 * thread while the namespaces are built. */
struct version_job {
	const struct tun_ops *ops;
	char buf[96];
	int ret;
	pthread_t thread;
	bool threaded;
};

static void *read_version(void *arg)
{
	struct version_job *v = arg;

	v->ret = v->ops->version(v->buf, sizeof(v->buf));
	return NULL;
}

static int finish_version(struct topo *t, struct version_job *v)
{
	if (v->threaded)
		pthread_join(v->thread, NULL);
	else
		read_version(v);
	if (v->ret) {
		wgb_err("%s: cannot read its version: %s", v->ops->name, strerror(-v->ret));
		return v->ret;
	}
	snprintf(t->st.wg_version, sizeof(t->st.wg_version), "%s", v->buf);
	return 0;
}

/* The tunnel ends (wireguard-go's start-up is most of the time) come up
 * while the lans are built. */
static int build(struct topo *t)
{
	bool site = t->cfg.shape == TOPO_SITE;
	int ret, r;

	ret = make_nodes(t);
	if (!ret && t->ops)
		ret = topo_tunnels_start(t);
	if (!ret && site)
		ret = make_link(t, "lan1", NODE_GW1, NODE_SOURCE, LINK_LAN, LINK_LAN);
	if (!ret)
		ret = make_link(t, "underlay", NODE_GW1, NODE_GW2, LINK_UNDERLAY, LINK_UNDERLAY);
	if (!ret && site)
		ret = make_link(t, "lan2", NODE_GW2, NODE_DRAIN, LINK_LAN, LINK_LAN);
	if (!ret)
		ret = add_addresses(t);
	r = topo_tunnels_finish(t, ret != 0);
	if (!ret && t->ops)
		ret = r;
	if (!ret)
		ret = add_routes(t);
	return ret;
}

/* Remove what t made, then whatever scanning finds of its prefix. */
static int teardown(struct topo *t)
{
	struct topo_sweep_count c = { 0 };
	double t0 = util_now_mono();
	unsigned int k, g, n;
	int ret = 0, r;

	/* The namespaces go with everything in them: wireguard-go's graceful
	 * exit (~30 ms each) would only remove its socket, which destroy_end()
	 * removes anyway. So SIGKILL, all at once. */
	for (k = 0; t->ops && k < t->cfg.tunnels; k++)
		for (g = 0; g < 2; g++)
			if (t->st.end[k][g].made && t->tun[k].end[g].pid > 0)
				kill(t->tun[k].end[g].pid, SIGKILL);
	for (k = 0; t->ops && k < t->cfg.tunnels; k++)
		for (g = 0; g < 2; g++) {
			if (!t->st.end[k][g].made)
				continue;
			r = t->ops->destroy_end(&t->tun[k].end[g]);
			if (r && !ret)
				ret = r;
			t->st.end[k][g].made = false;
		}
	for (n = 0; n < NODE__COUNT; n++) {
		nlx_close(t->node[n].nl);
		t->node[n].nl = NULL;
		if (t->node[n].fd >= 0)
			close(t->node[n].fd);
		t->node[n].fd = -1;
	}
	wgb_debug("teardown: tunnel ends and sockets closed at %.1f ms", (util_now_mono() - t0) * 1e3);
	r = topo_sweep(t->cfg.prefix, &t->st, &c);
	wgb_debug("teardown: swept at %.1f ms", (util_now_mono() - t0) * 1e3);
	if (r && !ret)
		ret = r;
	memset(t->st.netns_made, 0, sizeof(t->st.netns_made));
	r = state_remove(t->cfg.prefix);
	if (r && !ret)
		ret = r;
	return ret;
}

int topo_up(const struct topo_config *cfg, struct topo **out)
{
	struct stop_scope stop;
	struct version_job vj = { 0 };
	struct topo *t = NULL;
	int ret, ret2;

	*out = NULL;
	if (geteuid() != 0) {
		wgb_err("building a testbed needs root (network namespaces, /run/netns); run as root");
		return -EPERM;
	}
	ret = topo_alloc(cfg, &t);
	if (ret)
		return ret;
	ret = resolve_wg(t);
	if (ret)
		goto fail;
	ret = state_lock(t->cfg.prefix, 0, &t->lock_fd);
	if (ret == -EBUSY)
		wgb_err("another wgbench is using the testbed with prefix '%s' (lock " STATE_DIR "/%slock held)",
			t->cfg.prefix, t->cfg.prefix);
	if (ret)
		goto fail;
	ret = check_free(t);
	if (ret)
		goto fail;
	t->st.owner = getpid();
	t->t0 = util_now_mono();
	t->st.created = util_now_wall();
	/* The harness's one stop flag (a run's, when a run builds this): a
	 * signal between two steps removes what was made, and the run sees it. */
	stop_install(&stop);
	vj.ops = t->wg_ops;
	vj.threaded = node_thread_start(&vj.thread, read_version, &vj) == 0;
	ret = state_save(&t->st);
	if (!ret)
		ret = build(t);
	ret2 = finish_version(t, &vj);
	if (!ret)
		ret = ret2;
	if (!ret) {
		t->st.complete = true;
		ret = topo_record(t, "done");
	}
	if (ret)
		teardown(t);
	stop_restore(&stop);
	if (ret)
		goto fail;
	*out = t;
	return 0;
fail:
	topo_free(t);
	return ret;
}

int topo_down(struct topo *t)
{
	int ret;

	if (!t)
		return 0;
	if (t->lock_fd < 0) {
		ret = state_lock(t->cfg.prefix, 5, &t->lock_fd);
		if (ret == -EBUSY)
			wgb_err("the testbed with prefix '%s' is in use by another wgbench (lock held)",
				t->cfg.prefix);
		if (ret)
			return ret;
	}
	ret = teardown(t);
	state_unlock(t->cfg.prefix, &t->lock_fd);
	return ret;
}
