/* topo_tun.c — the tunnels of a testbed: keys, the two ends' configuration
 * (peer endpoint, allowed IPs), and their creation through the tun_ops
 * table. Starting a wireguard-go end is mostly the Go runtime and TUN setup
 * (~10 ms), so the ends of a persistent testbed are created by a few
 * threads at once; the state file and netlink stay on the calling thread. */
#include "topo_impl.h"
#include "node.h"
#include "topo_plan.h"
#include "nlx.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ends created at once: enough to overlap the start-ups on a few cores,
 * few enough not to start 256 Go runtimes together. */
#define TOPO_PARALLEL_ENDS 8

struct end_job {
	struct topo *t;
	unsigned int k;
	int g;                        /* 0: gw1, 1: gw2 */
	struct tun_end_cfg cfg;
	int ret;
	pthread_t thread;
	bool threaded;
};

/* The end of tunnel k at gateway g: its keys, port, peer and allowed IPs. */
static void end_cfg(struct topo *t, unsigned int k, int g, const uint8_t priv[TUN_KEY_LEN],
		    const uint8_t peer_pub[TUN_KEY_LEN], struct tun_end_cfg *c)
{
	enum topo_node_id me = g ? NODE_GW2 : NODE_GW1;

	memset(c, 0, sizeof(*c));
	c->netns_path = t->node[me].path;
	c->ifname = t->tun[k].ifname[g];
	memcpy(c->private_key, priv, TUN_KEY_LEN);
	memcpy(c->peer_public_key, peer_pub, TUN_KEY_LEN);
	topo_plan_tun_end(k, g, t->cfg.ip, t->cfg.inner, c);
	c->persistent = t->cfg.persistent;
}

static void *create_end(void *arg)
{
	struct end_job *j = arg;

	j->ret = j->t->ops->create_end(&j->cfg, &j->t->tun[j->k].end[j->g]);
	explicit_bzero(j->cfg.private_key, TUN_KEY_LEN);
	return NULL;
}

/* Address, MTU and link state of a made end, from the gateway's socket. */
static int configure_end(struct topo *t, unsigned int k, int g)
{
	enum topo_node_id gw = g ? NODE_GW2 : NODE_GW1;
	int ret;

	ret = topo_add_addr(t, gw, LINK_TUNNEL, k, t->tun[k].ifname[g]);
	if (!ret)
		ret = nlx_link_set(t->node[gw].nl, t->tun[k].ifname[g], TOPO_TUNNEL_MTU, true);
	return ret;
}

/* PR_SET_PDEATHSIG fires when the forking THREAD exits, not the process:
 * an end that must die with its owner is therefore made on the calling
 * (long-lived) thread; only persistent ends (`topo up`) start in parallel. */
static void start_batch(struct end_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		jobs[i].threaded = jobs[i].cfg.persistent &&
				   node_thread_start(&jobs[i].thread, create_end, &jobs[i]) == 0;
}

/* Wait for jobs[0..n), then record and (unless abort) configure them in
 * order. Every end that was made is in t->st on return, so a teardown
 * finds it. */
static int finish_batch(struct topo *t, struct end_job *jobs, size_t n, bool abort)
{
	char step[32];
	size_t i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		if (jobs[i].threaded)
			pthread_join(jobs[i].thread, NULL);
		else
			create_end(&jobs[i]);
	}
	for (i = 0; i < n; i++) {
		struct end_job *j = &jobs[i];

		if (j->ret) {
			ret = ret ? ret : j->ret;
			continue;
		}
		t->st.end[j->k][j->g].made = true;
		t->st.end[j->k][j->g].pid = t->tun[j->k].end[j->g].pid;
		if (ret || abort)
			continue;
		snprintf(step, sizeof(step), "tunnel%u-%s", j->k, j->g ? "gw2" : "gw1");
		ret = topo_record(t, step);
	}
	for (i = 0; i < n && !ret && !abort; i++)
		ret = configure_end(t, jobs[i].k, jobs[i].g);
	return ret;
}

struct topo_tun_work {
	uint8_t (*priv)[2][TUN_KEY_LEN];
	uint8_t (*pub)[2][TUN_KEY_LEN];
	struct end_job jobs[TOPO_PARALLEL_ENDS];
	unsigned int next;            /* first end not started yet */
	size_t running;               /* jobs started, not finished */
};

static void work_free(struct topo *t, struct topo_tun_work *w)
{
	if (!w)
		return;
	if (w->priv)
		explicit_bzero(w->priv, t->cfg.tunnels * sizeof(*w->priv));
	free(w->priv);
	free(w->pub);
	free(w);
}

/* Start the next batch of ends (up to TOPO_PARALLEL_ENDS). */
static void start_next(struct topo *t, struct topo_tun_work *w)
{
	unsigned int total = 2 * t->cfg.tunnels, j, e;

	w->running = total - w->next < TOPO_PARALLEL_ENDS ? total - w->next : TOPO_PARALLEL_ENDS;
	for (j = 0; j < w->running; j++) {
		e = w->next + j;
		w->jobs[j] = (struct end_job){ .t = t, .k = e / 2, .g = (int)(e % 2) };
		end_cfg(t, e / 2, (int)(e % 2), w->priv[e / 2][e % 2], w->pub[e / 2][!(e % 2)], &w->jobs[j].cfg);
	}
	w->next += (unsigned int)w->running;
	start_batch(w->jobs, w->running);
}

int topo_tunnels_start(struct topo *t)
{
	struct topo_tun_work *w;
	unsigned int k;
	int ret = 0;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->priv = calloc(t->cfg.tunnels, sizeof(*w->priv));
	w->pub = calloc(t->cfg.tunnels, sizeof(*w->pub));
	if (!w->priv || !w->pub)
		ret = -ENOMEM;
	for (k = 0; k < t->cfg.tunnels && !ret; k++) {
		ret = tun_generate_keypair(w->priv[k][0], w->pub[k][0]);
		if (!ret)
			ret = tun_generate_keypair(w->priv[k][1], w->pub[k][1]);
	}
	if (ret) {
		work_free(t, w);
		return ret;
	}
	start_next(t, w);
	t->tun_work = w;
	return 0;
}

int topo_tunnels_finish(struct topo *t, bool abort)
{
	struct topo_tun_work *w = t->tun_work;
	int ret;

	if (!w)
		return abort ? 0 : -EINVAL;
	ret = finish_batch(t, w->jobs, w->running, abort);
	while (!ret && !abort && w->next < 2 * t->cfg.tunnels) {
		start_next(t, w);
		ret = finish_batch(t, w->jobs, w->running, false);
	}
	work_free(t, w);
	t->tun_work = NULL;
	return ret;
}
