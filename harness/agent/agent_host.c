/* agent_host.c — a host's part: checked, built, torn down (agent_host.h).
 * The build is a list of steps, each recorded in the state file before it
 * is made (agent_host_state.c), so that the teardown — here, or a later
 * agent's cleanup after a kill — is the same walk back over the steps. */
#include "agent_host_impl.h"
#include "nlx.h"
#include "sample.h"
#include "topo_node.h"
#include "traffic.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FORWARD "/proc/sys/net/ipv4/ip_forward"
#define FORWARD6 "/proc/sys/net/ipv6/conf/all/forwarding"
#define WG_OVERHEAD 80   /* IPv6 outer header, as wg-quick reserves */

/* The address's bytes, for nlx's calls of either family. */
static const void *raw(const struct agent_host_ip *a)
{
	return a->af == AF_INET6 ? (const void *)&a->v6 : (const void *)&a->v4;
}

/* The implementation the plan asks for, if this machine has it. */
static int pick_ops(const struct agent_host_plan *p, const struct tun_ops **ops, char *why, size_t len)
{
	char wk[200] = "", wg[200] = "";

	*ops = NULL;
	if (!p->n_tun)
		return 0;
	if (p->wg != TUN_WGGO && !tun_kernel_ops.probe(wk, sizeof(wk))) {
		*ops = &tun_kernel_ops;
		return 0;
	}
	if (p->wg != TUN_KERNEL && !tun_wggo_ops.probe(wg, sizeof(wg))) {
		*ops = &tun_wggo_ops;
		return 0;
	}
	if (p->wg == TUN_KERNEL)
		snprintf(why, len, "--wg kernel: %s", wk);
	else
		snprintf(why, len, "no WireGuard: %s; and %s", wk, wg);
	return p->wg == TUN_AUTO ? -ENOTSUP : -ENOENT;
}

/* Is a on the interface (with its prefix length, if plen)? */
static bool has_addr(const struct nlx_link_info *li, const struct agent_host_ip *a, bool plen)
{
	size_t i;

	for (i = 0; a->af == AF_INET && i < li->n_addr; i++)
		if (li->addr[i].s_addr == a->v4.s_addr && (!plen || li->plen[i] == a->plen))
			return true;
	for (i = 0; a->af == AF_INET6 && i < li->n_addr6; i++)
		if (!memcmp(&li->addr6[i], &a->v6, sizeof(a->v6)) && (!plen || li->plen6[i] == a->plen))
			return true;
	return false;
}

static int check_devices(struct nlx *nl, const struct agent_host_plan *p, char *why, size_t len)
{
	struct nlx_link_info li;
	char a[AGENT_HOST_IP_STRLEN];
	size_t i;
	int r;

	for (r = LINK_LAN; r <= LINK_UNDERLAY; r++) {
		if (!p->dev[r][0])
			continue;
		/* if_nametoindex() first: a missing device is said once, here */
		if (!if_nametoindex(p->dev[r]) || nlx_link_info(nl, p->dev[r], &li)) {
			snprintf(why, len, "device %s (its %s link) not found", p->dev[r], topo_link_name(r));
			return -ENOENT;
		}
		if (!li.up) {
			snprintf(why, len, "device %s (its %s link) is down", p->dev[r], topo_link_name(r));
			return -EINVAL;
		}
	}
	for (i = 0; i < p->n_addr; i++) {
		if (!p->addr[i].given || nlx_link_info(nl, p->addr[i].dev, &li) ||
		    has_addr(&li, &p->addr[i].a, true))
			continue;
		agent_host_ip_str(&p->addr[i].a, true, a, sizeof(a));
		snprintf(why, len, "address %s is not on %s (the hosts file gives it)", a, p->addr[i].dev);
		return -ENOENT;
	}
	return 0;
}

/* IPv6 in the plan needs it on the machine and on each device it goes on
 * (a device with disable_ipv6 set refuses the address). */
static int check_ipv6(const struct agent_host_plan *p, char *why, size_t len)
{
	char path[128], *v = NULL;
	size_t i;
	bool off;

	for (i = 0; i < p->n_addr; i++) {
		if (p->addr[i].a.af != AF_INET6)
			continue;
		if (access("/proc/sys/net/ipv6", F_OK)) {
			snprintf(why, len, "this machine has no IPv6 (no /proc/sys/net/ipv6), and --ip/--inner ask for it");
			return -ENOTSUP;
		}
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", p->addr[i].dev);
		off = !util_read_file(path, &v, NULL) && atoi(v) != 0;
		free(v);
		v = NULL;
		if (off) {
			snprintf(why, len, "device %s has IPv6 disabled (net.ipv6.conf.%s.disable_ipv6 = 1), and "
				 "--ip/--inner put IPv6 on it", p->addr[i].dev, p->addr[i].dev);
			return -ENOTSUP;
		}
	}
	return 0;
}

/* The plan's own addresses must be new to the machine (another testbed's,
 * or the machine's own network, would be broken by them). */
static int check_free(struct nlx *nl, const struct agent_host_plan *p, char *why, size_t len)
{
	char a[AGENT_HOST_IP_STRLEN], names[256][IFNAMSIZ];
	struct nlx_link_info li;
	size_t i, j, n = 0;

	if (agent_host_nl_links(nl, "", names, ARRAY_SIZE(names), &n))
		return 0;
	for (j = 0; j < n; j++) {
		if (!nlx_link_info(nl, names[j], &li))
			for (i = 0; i < p->n_addr; i++)
				if (!p->addr[i].given && has_addr(&li, &p->addr[i].a, false)) {
					agent_host_ip_str(&p->addr[i].a, true, a, sizeof(a));
					snprintf(why, len, "address %s is already on %s", a, names[j]);
					return -EEXIST;
				}
		for (i = 0; i < p->n_tun; i++)
			if (!strcmp(names[j], p->tun[i].ifname)) {
				snprintf(why, len, "interface %s exists already (a leftover?)", names[j]);
				return -EEXIST;
			}
	}
	return 0;
}

static int check_prefix(const struct agent_host_plan *p, int *lock_fd, char *why, size_t len)
{
	char path[PATH_MAX];
	int ret = agent_host_lock(p->prefix, lock_fd);

	if (ret == -EBUSY)
		snprintf(why, len, "another wgbench run of prefix %s is using this machine "
			 "(" AGENT_HOST_RUN_DIR "/%sagent.lock held)", p->prefix, p->prefix);
	else if (ret)
		snprintf(why, len, "cannot lock prefix %s: %s", p->prefix, strerror(-ret));
	if (!ret && !agent_host_run_path(p->prefix, "agent.json", path, sizeof(path)) && !access(path, F_OK)) {
		snprintf(why, len, "a killed run of prefix %s left its state here (%s): "
			 "`wgbench cleanup --hosts FILE` removes it", p->prefix, path);
		ret = -EEXIST;
	}
	return ret;
}

int agent_host_check(const struct agent_host_plan *p, int *lock_fd, struct json_object **out,
		     char *why, size_t len)
{
	const struct tun_ops *ops = NULL;
	struct nlx *nl = NULL;
	char ver[96] = "";
	int ret = 0;

	*out = NULL;
	if (geteuid() != 0) {
		snprintf(why, len, "the agent does not run as root (it adds addresses and routes)");
		return -EPERM;
	}
	if (*lock_fd < 0)
		ret = check_prefix(p, lock_fd, why, len);
	if (!ret)
		ret = nlx_open_in(NULL, NETLINK_ROUTE, "host", &nl);
	if (!ret)
		ret = check_devices(nl, p, why, len);
	if (!ret)
		ret = check_ipv6(p, why, len);
	if (!ret)
		ret = check_free(nl, p, why, len);
	if (!ret)
		ret = pick_ops(p, &ops, why, len);
	if (!ret && ops && ops->version(ver, sizeof(ver)))
		snprintf(ver, sizeof(ver), "%s ?", ops->name);
	nlx_close(nl);
	if (ret)
		return ret;
	*out = json_object_new_object();
	json_object_object_add(*out, "wg", json_object_new_string(ops ? ops->name : "none"));
	json_object_object_add(*out, "wg_version", json_object_new_string(ver));
	json_object_object_add(*out, "iperf3", json_object_new_string(traffic_iperf_version()));
	return 0;
}

/* ---- the build ---- */

static struct json_object *step(const char *kind)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "kind", json_object_new_string(kind));
	return s;
}

/* A forwarding sysctl on, its value before recorded. */
static int build_forward(struct agent_host *h, const char *path)
{
	struct json_object *s;
	char *before = NULL;
	int ret;

	ret = util_read_file(path, &before, NULL);
	if (ret)
		return ret;
	before[strcspn(before, "\n")] = 0;
	s = step("sysctl");
	json_object_object_add(s, "path", json_object_new_string(path));
	json_object_object_add(s, "before", json_object_new_string(before));
	free(before);
	ret = agent_host_state_add(h, s, NULL);
	return ret ? ret : util_write_str(path, "1");
}

/* A site gateway forwards IPv4, and IPv6 when the traffic has it (the
 * underlay's packets end at the gateway: --ip 6 alone needs none). */
static int build_forwards(struct agent_host *h)
{
	int ret;

	if (!h->plan.forward)
		return 0;
	ret = build_forward(h, FORWARD);
	if (!ret && (h->plan.inner & TOPO_FAM_6))
		ret = build_forward(h, FORWARD6);
	return ret;
}

static int build_addrs(struct agent_host *h)
{
	char a[AGENT_HOST_IP_STRLEN];
	size_t i;
	int ret = 0;

	for (i = 0; i < h->plan.n_addr && !ret; i++) {
		const struct agent_host_addr *x = &h->plan.addr[i];
		struct json_object *s;

		if (x->given)
			continue;
		agent_host_ip_str(&x->a, true, a, sizeof(a));
		s = step("addr");
		json_object_object_add(s, "dev", json_object_new_string(x->dev));
		json_object_object_add(s, "address", json_object_new_string(a));
		ret = agent_host_state_add(h, s, NULL);
		if (!ret)
			ret = nlx_addr_add_ip(h->nl, x->dev, x->a.af, raw(&x->a), x->a.plen);
	}
	return ret;
}

/* The tunnel's MTU leaves room for WireGuard on the underlay's. */
static unsigned int tunnel_mtu(struct agent_host *h)
{
	struct nlx_link_info li;

	if (!h->plan.dev[LINK_UNDERLAY][0] || nlx_link_info(h->nl, h->plan.dev[LINK_UNDERLAY], &li) ||
	    li.mtu <= WG_OVERHEAD + 576)
		return 1420;
	return li.mtu - WG_OVERHEAD;
}

static int build_tunnel(struct agent_host *h, size_t k, unsigned int mtu)
{
	const struct agent_host_tun *t = &h->plan.tun[k];
	struct tun_end_cfg e = { .netns_path = "/proc/self/ns/net", .ifname = t->ifname,
				 .listen_port = t->port, .peer_endpoint6 = t->endpoint6 };
	struct json_object *s, *at;
	size_t i;
	int ret;

	memcpy(e.private_key, t->key, TUN_KEY_LEN);
	memcpy(e.peer_public_key, t->peer, TUN_KEY_LEN);
	memcpy(e.allowed, t->allowed, sizeof(e.allowed));
	e.n_allowed = t->n_allowed;
	s = step("tunnel");
	json_object_object_add(s, "ifname", json_object_new_string(t->ifname));
	json_object_object_add(s, "impl", json_object_new_string(h->ops->name));
	json_object_object_add(s, "pid", json_object_new_int(0));
	ret = agent_host_state_add(h, s, &at);
	if (!ret)
		ret = h->ops->create_end(&e, &h->end[k]);
	explicit_bzero(e.private_key, sizeof(e.private_key));
	if (ret)
		return ret;
	h->n_end = k + 1;
	json_object_object_add(at, "pid", json_object_new_int((int)h->end[k].pid));
	ret = agent_host_state_save(h);
	for (i = 0; !ret && i < t->n_addr; i++)
		ret = nlx_addr_add_ip(h->nl, t->ifname, t->addr[i].af, raw(&t->addr[i]), t->addr[i].plen);
	if (!ret)
		ret = nlx_link_set(h->nl, t->ifname, mtu, true);
	return ret;
}

static int build_routes(struct agent_host *h)
{
	char a[AGENT_HOST_IP_STRLEN], b[AGENT_HOST_IP_STRLEN];
	size_t i;
	int ret = 0;

	for (i = 0; i < h->plan.n_route && !ret; i++) {
		const struct agent_host_route *r = &h->plan.route[i];
		struct json_object *s = step("route");

		agent_host_ip_str(&r->dst, true, a, sizeof(a));
		json_object_object_add(s, "dst", json_object_new_string(a));
		json_object_object_add(s, "table", json_object_new_int64(r->table));
		ret = agent_host_state_add(h, s, NULL);
		if (!ret)
			ret = nlx_route_add_ip(h->nl, r->table, r->dst.af, raw(&r->dst), r->dst.plen,
					       r->has_via ? raw(&r->via) : NULL, r->dev[0] ? r->dev : NULL);
	}
	for (i = 0; i < h->plan.n_rule && !ret; i++) {
		const struct agent_host_rule *r = &h->plan.rule[i];
		struct json_object *s = step("rule");

		agent_host_ip_str(&r->from, true, a, sizeof(a));
		agent_host_ip_str(&r->to, true, b, sizeof(b));
		json_object_object_add(s, "from", json_object_new_string(a));
		json_object_object_add(s, "to", json_object_new_string(b));
		json_object_object_add(s, "table", json_object_new_int64(r->table));
		json_object_object_add(s, "priority", json_object_new_int64(r->prio));
		ret = agent_host_state_add(h, s, NULL);
		if (!ret)
			ret = agent_host_nl_rule(h->nl, r, true);
	}
	return ret;
}

int agent_host_build(const struct agent_host_plan *p, struct agent_host **out, char *ver,
		     size_t vlen, char *why, size_t len)
{
	struct agent_host *h = calloc(1, sizeof(*h));
	unsigned int mtu;
	size_t k;
	int ret;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->plan = *p;
	ret = pick_ops(p, &h->ops, why, len);
	if (!ret)
		ret = nlx_open_in(NULL, NETLINK_ROUTE, "host", &h->nl);
	if (!ret && (ret = agent_host_state_begin(h)) == -EEXIST)
		snprintf(why, len, "a state file of prefix %s is here already", p->prefix);
	if (!ret)
		ret = build_forwards(h);
	if (!ret)
		ret = build_addrs(h);
	mtu = tunnel_mtu(h);
	for (k = 0; !ret && h->ops && k < p->n_tun; k++)
		ret = build_tunnel(h, k, mtu);
	if (!ret)
		ret = build_routes(h);
	agent_host_plan_wipe(&h->plan);
	if (!ret && h->ops && h->ops->version(h->wg_version, sizeof(h->wg_version)))
		snprintf(h->wg_version, sizeof(h->wg_version), "%s ?", h->ops->name);
	if (ret) {
		if (!why[0])
			snprintf(why, len, "building %s: %s", topo_node_name(p->node), strerror(-ret));
		agent_host_teardown(h);
		return ret;
	}
	snprintf(ver, vlen, "%s", h->ops ? h->wg_version : "none");
	*out = h;
	return 0;
}

/* ---- the teardown and the views ---- */

int agent_host_teardown(struct agent_host *h)
{
	struct json_object *steps, *kept;
	char what[300];
	size_t i;
	int r, ret = 0;

	if (!h)
		return 0;
	kept = json_object_new_array();
	if (h->state && json_object_object_get_ex(h->state, "steps", &steps))
		for (i = json_object_array_length(steps); i-- > 0;) {
			struct json_object *s = json_object_array_get_idx(steps, i);

			r = agent_host_undo(h->nl, s, what, sizeof(what));
			if (!r)
				continue;
			wgb_err("%s: could not remove %s: %s", topo_node_name(h->plan.node), what, strerror(-r));
			json_object_array_add(kept, json_object_get(s));
			ret = -EIO;
		}
	if (h->state && ret) {   /* what stayed, for `wgbench cleanup --hosts` */
		json_object_object_add(h->state, "steps", kept);
		agent_host_state_save(h);
		json_object_put(h->state);
	} else {
		json_object_put(kept);
		agent_host_state_end(h);
	}
	nlx_close(h->nl);
	free(h);
	return ret;
}

void agent_host_note_variant(struct agent_host *h, const char *name, struct json_object *records)
{
	struct json_object *v = NULL;

	if (!h || !h->state)
		return;
	if (name) {
		v = json_object_new_object();
		json_object_object_add(v, "name", json_object_new_string(name));
		json_object_object_add(v, "records", json_object_get(records));
	}
	json_object_object_add(h->state, "variant", v);
	agent_host_state_save(h);
}

void agent_host_sample_spec(struct agent_host *h, struct sample_node_spec *sp)
{
	size_t k, j;
	int r;

	sp->netns_path = NULL;
	for (r = LINK_LAN; r <= LINK_UNDERLAY; r++)
		if (h->plan.dev[r][0] && sp->n_ifnames < SAMPLE_NODE_IFNAMES)
			sp->kthread_ifnames[sp->n_ifnames++] = h->plan.dev[r];
	for (k = 0; k < h->n_end; k++) {
		if (sp->n_ifnames < SAMPLE_NODE_IFNAMES)
			sp->kthread_ifnames[sp->n_ifnames++] = h->plan.tun[k].ifname;
		for (j = 0; j < sp->n_pids && sp->tunnel_pids[j] != h->end[k].pid; j++)
			;
		if (h->end[k].pid > 0 && j == sp->n_pids && sp->n_pids < SAMPLE_NODE_PIDS)
			sp->tunnel_pids[sp->n_pids++] = h->end[k].pid;
	}
}

void agent_host_view_cfg(const struct agent_host *h, struct topo_node_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->node = h->plan.node;
	snprintf(c->prefix, sizeof(c->prefix), "%s", h->plan.prefix);
	c->tunnels = h->plan.tunnels;
	c->wg = h->plan.wg != TUN_NONE;
	c->kind = h->ops ? h->ops->kind : TUN_KERNEL;
	c->shape = h->plan.shape;
	c->ip = h->plan.ip;
	c->inner = h->plan.inner;
	memcpy(c->dev, h->plan.dev, sizeof(c->dev));
}

pid_t agent_host_tunnel_pid(const struct agent_host *h, unsigned int k)
{
	return k < h->n_end ? h->end[k].pid : 0;
}

const struct agent_host_plan *agent_host_plan_of(const struct agent_host *h)
{
	return &h->plan;
}
