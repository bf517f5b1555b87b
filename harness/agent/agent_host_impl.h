/* agent_host_impl.h — what the files of a host's part share (agent_host.h):
 *
 * agent_host.c        check, build, teardown, the views of the part
 * agent_host_plan.c   the plan as JSON (pure)
 * agent_host_state.c  the state file, the prefix's lock, undoing one step,
 *                     the cleanup of a killed run
 * agent_host_nl.c     the netlink the part needs beyond nlx.h (deletes,
 *                     a rule with a destination)
 * agent_host_facts.c  the machine's facts
 */
#ifndef WGB_AGENT_HOST_IMPL_H
#define WGB_AGENT_HOST_IMPL_H

#include <limits.h>

#include "agent_host.h"
#include "tun.h"

#define AGENT_HOST_RUN_DIR "/run/wgbench"

struct json_object;
struct nlx;

struct agent_host {
	struct agent_host_plan plan;     /* its keys wiped once built */
	const struct tun_ops *ops;       /* NULL: no tunnel on this node */
	struct tun_end end[TOPO_TUNNELS_MAX];
	size_t n_end;
	char wg_version[96];
	struct json_object *state;       /* the state file's document */
	char state_path[PATH_MAX];
	struct nlx *nl;
};

/* /run/wgbench/<prefix><what> ("agent.json", "agent.lock"). */
int agent_host_run_path(const char *prefix, const char *what, char *buf, size_t len);
/* The prefix's lock, not waiting: -EBUSY while another agent holds it. */
int agent_host_lock(const char *prefix, int *fd);

/* The state file: a new one for h (-EEXIST if there is one), a step
 * appended (written before the thing is made; *step points into the
 * document), the document rewritten, the file removed. */
int agent_host_state_begin(struct agent_host *h);
int agent_host_state_add(struct agent_host *h, struct json_object *step, struct json_object **at);
int agent_host_state_save(struct agent_host *h);
void agent_host_state_end(struct agent_host *h);

/* Undo one recorded step (its "kind": sysctl, addr, route, rule, tunnel);
 * gone already counts as done. A tunnel's pid is killed only while it is
 * still the wireguard-go of that interface. what names it for messages. */
int agent_host_undo(struct nlx *nl, struct json_object *step, char *what, size_t len);

int agent_host_nl_addr_del(struct nlx *nl, const char *dev, const struct agent_host_ip *a);
int agent_host_nl_route_del(struct nlx *nl, const struct agent_host_route *r);
int agent_host_nl_rule(struct nlx *nl, const struct agent_host_rule *r, bool add);
/* Interfaces of this namespace whose names start with prefix. */
int agent_host_nl_links(struct nlx *nl, const char *prefix, char (*names)[IFNAMSIZ], size_t max,
			size_t *n);
int agent_host_nl_link_del(struct nlx *nl, const char *name);

#endif
