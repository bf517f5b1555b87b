/* agent_node_impl.h — what the files of the node agent share (agent_node.h):
 *
 * agent_node.c          the loop, the command table, replies, payloads
 * agent_node_traffic.c  ping, serve, serve-end, client
 * agent_node_sample.c   sample-start, sample-stop, now
 * agent_node_variant.c  variant-check, -apply, -revert
 * agent_node_host.c     check, build, down, facts, cleanup (a host's part)
 * agent_node_live.c     live-attach (the far side of a live tunnel)
 * agent_node_probe.c    reflect-start/-stop, probe-start/-stop/-result
 */
#ifndef WGB_AGENT_NODE_IMPL_H
#define WGB_AGENT_NODE_IMPL_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent_node.h"
#include "latency.h"
#include "topo.h"

#define AGENT_MAX_FLOWS AGENT_NODE_MAX_FLOWS

_Static_assert(AGENT_NODE_LINE_MAX > AGENT_NODE_SETUP_MAX, "a setup line must fit the buffer");

struct agent_host;
struct agent_live;
struct sample_node_spec;
struct variant;
struct sampler;
struct variant_applied;
struct variant_set;

struct node_agent {
	int rfd, wfd;
	bool stdio;
	char dir[PATH_MAX];           /* scratch files */
	char buf[AGENT_NODE_LINE_MAX];
	size_t len, used;
	enum topo_node_id node;
	char prefix[TOPO_PREFIX_MAX + 1];
	unsigned int tunnels;
	char ifnames[TOPO_TUNNELS_MAX + 2][IFNAMSIZ];
	struct sampler *smp;
	struct topo *view;            /* this node, for variant knobs */
	struct variant_set *vs;
	struct variant_applied *applied;
	pid_t servers[AGENT_MAX_FLOWS];
	size_t n_servers;
	struct agent_host *host;      /* a host's part, built; NULL in a guest */
	int lock_fd;                  /* a host's prefix lock (check), -1 */
	struct agent_live *live;      /* the far side of a live tunnel; NULL */
	/* the latency probe's ends on this node, per path; NULL: none */
	struct latency_reflector *refl[LATENCY_PATH__COUNT];
	struct latency_probe *probe[LATENCY_PATH__COUNT];
};

/* "ok <len> words" and the JSON (NULL: none); "err <message>". */
void agent_node_reply(struct node_agent *a, const char *json, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void agent_node_fail(struct node_agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The N bytes announced by the current line's word w[1] (malloc'd,
 * NUL-terminated); the line is consumed. */
int agent_node_payload(struct node_agent *a, char **w, size_t n, char **out);
/* a->dir/name */
int agent_node_path(const struct node_agent *a, const char *name, char *buf, size_t len);

void agent_node_ping(struct node_agent *a, char **w, size_t n);
void agent_node_serve_cmd(struct node_agent *a, char **w, size_t n);
void agent_node_serve_end(struct node_agent *a, char **w, size_t n);
void agent_node_client(struct node_agent *a, char **w, size_t n);
void agent_node_sample_start(struct node_agent *a, char **w, size_t n);
void agent_node_sample_stop(struct node_agent *a, char **w, size_t n);
void agent_node_now(struct node_agent *a, char **w, size_t n);
void agent_node_variant_check(struct node_agent *a, char **w, size_t n);
void agent_node_variant_apply(struct node_agent *a, char **w, size_t n);
void agent_node_variant_revert(struct node_agent *a, char **w, size_t n);
/* The variant undone, quietly (teardown). */
void agent_node_variant_drop(struct node_agent *a);
void agent_node_check(struct node_agent *a, char **w, size_t n);
void agent_node_build(struct node_agent *a, char **w, size_t n);
void agent_node_down(struct node_agent *a, char **w, size_t n);
void agent_node_facts(struct node_agent *a, char **w, size_t n);
void agent_node_cleanup(struct node_agent *a, char **w, size_t n);
/* The far side of a live tunnel (--backend live --peer-ssh). */
void agent_node_live_attach(struct node_agent *a, char **w, size_t n);
void agent_node_live_free(struct node_agent *a);
void agent_node_live_sample_spec(struct node_agent *a, struct sample_node_spec *sp);
int agent_node_live_check(struct node_agent *a, const struct variant *v, char *why, size_t len);
int agent_node_live_apply(struct node_agent *a, const struct variant *v, struct variant_applied **out);
void agent_node_reflect_start(struct node_agent *a, char **w, size_t n);
void agent_node_reflect_stop(struct node_agent *a, char **w, size_t n);
void agent_node_probe_start(struct node_agent *a, char **w, size_t n);
void agent_node_probe_stop(struct node_agent *a, char **w, size_t n);
void agent_node_probe_result(struct node_agent *a, char **w, size_t n);
/* Every reflector and probe stopped and freed. */
void agent_node_probe_free(struct node_agent *a);
/* Everything a host's part made (and the probe), removed (the channel ended). */
void agent_node_host_teardown(struct node_agent *a);

#endif
