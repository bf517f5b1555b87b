/* topo_status.c — a live testbed seen from outside: attaching to one built by
 * `topo up` (from its state file), the status document of DESIGN.md read
 * back from the kernel, tunnel statistics, and the accessors of topo.h. */
#include "topo_impl.h"
#include "topo_plan.h"
#include "netns.h"
#include "nlx.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int topo_attach(const char *prefix, struct topo **out)
{
	struct topo_config cfg = { 0 };
	struct topo_state st;
	struct topo *t = NULL;
	char path[256];
	unsigned int n, k, g;
	int ret;

	*out = NULL;
	if (geteuid() != 0) {
		wgb_err("reading a testbed needs root (it enters its network namespaces); run as root");
		return -EPERM;
	}
	state_path(prefix, "state.json", path, sizeof(path));
	ret = state_load(prefix, &st);
	if (ret == -ENOENT)
		wgb_err("no testbed with prefix '%s' (no %s); start one with 'wgbench topo up --prefix %s'",
			prefix, path, prefix);
	if (ret)
		return ret;
	if (!st.complete) {
		wgb_err("the testbed with prefix '%s' is incomplete (its build stopped after step '%s'); "
			"remove it with 'wgbench cleanup --prefix %s'", prefix, st.last_step, prefix);
		return -ENOENT;
	}
	snprintf(cfg.prefix, sizeof(cfg.prefix), "%s", prefix);
	cfg.wg = st.wg;
	cfg.tunnels = st.tunnels;
	cfg.persistent = st.persistent;
	cfg.shape = st.shape;
	cfg.ip = st.ip;
	cfg.inner = st.inner;
	ret = topo_alloc(&cfg, &t);
	if (ret)
		return ret;
	t->st = st;
	t->ops = st.wg == TUN_WGGO ? &tun_wggo_ops : st.wg == TUN_KERNEL ? &tun_kernel_ops : NULL;
	for (k = 0; t->ops && k < st.tunnels; k++)
		for (g = 0; g < 2; g++) {
			struct tun_end *e = &t->tun[k].end[g];

			if (!st.end[k][g].made)
				continue;
			snprintf(e->ifname, sizeof(e->ifname), "%s", t->tun[k].ifname[g]);
			snprintf(e->netns_path, sizeof(e->netns_path), "%s", t->node[g ? NODE_GW2 : NODE_GW1].path);
			e->pid = st.end[k][g].pid;
		}
	for (n = 0; n < NODE__COUNT; n++) {
		ret = topo_node_open(t, (enum topo_node_id)n);
		if (ret) {
			wgb_err("the testbed with prefix '%s' is damaged (node %s); remove it with "
				"'wgbench cleanup --prefix %s'", prefix, topo_node_name((enum topo_node_id)n), prefix);
			topo_free(t);
			return -ENOENT;
		}
	}
	*out = t;
	return 0;
}

int topo_claim(const char *prefix, struct topo **out)
{
	struct topo *t;
	char *mark = NULL;
	unsigned int k, g;
	int ret;

	ret = topo_attach(prefix, &t);
	if (ret)
		return ret;
	ret = state_lock(prefix, 0, &t->lock_fd);
	if (ret == -EBUSY)
		wgb_err("the testbed with prefix '%s' is in use by another wgbench (lock " STATE_DIR
			"/%slock held)", prefix, prefix);
	if (!ret && !state_mark_get(prefix, &mark)) {
		wgb_err("the testbed with prefix '%s' is stale: %s, and did not finish putting it back; "
			"rebuild it ('wgbench topo down --prefix %s', then 'topo up')", prefix,
			mark, prefix);
		ret = -ENOENT;
	}
	free(mark);
	/* A tunnel process that died leaves namespaces that look fine but carry
	 * nothing: every measurement would fail, so refuse before starting. */
	for (k = 0; !ret && k < t->cfg.tunnels; k++)
		for (g = 0; !ret && g < 2; g++) {
			pid_t pid = t->tun[k].end[g].pid;

			if (pid > 0 && kill(pid, 0) && errno == ESRCH) {
				wgb_err("the testbed with prefix '%s' is stale: the process of tunnel %u at %s "
					"(pid %d) is gone; remove it with 'wgbench cleanup --prefix %s'",
					prefix, k, g ? "gw2" : "gw1", (int)pid, prefix);
				ret = -ENOENT;
			}
		}
	if (ret) {
		topo_free(t);
		return ret;
	}
	*out = t;
	return 0;
}

int topo_mark_modified(const struct topo *t, const char *what)
{
	return state_mark_set(t->cfg.prefix, what);
}

int topo_mark_clear(const struct topo *t)
{
	return state_mark_clear(t->cfg.prefix);
}

/* ---- status ---- */

static int add(struct json_object *o, const char *k, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_object_add(o, k, v) ? -ENOMEM : 0;
}

static int push(struct json_object *arr, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(arr, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int iface_json(const struct topo *t, enum topo_node_id n, const char *name,
		      enum topo_link_role r, struct json_object *arr)
{
	struct json_object *o, *addrs;
	struct nlx_link_info li;
	char a[INET6_ADDRSTRLEN + 5];
	size_t i;
	int ret;

	ret = nlx_link_info(t->node[n].nl, name, &li);
	if (ret && ret != -ENODEV)
		return ret;
	o = json_object_new_object();
	if (push(arr, o))
		return -ENOMEM;
	if (add(o, "name", json_object_new_string(name)) ||
	    add(o, "role", json_object_new_string(topo_link_name(r))) ||
	    add(o, "state", json_object_new_string(ret ? "missing" : li.up ? "up" : "down")))
		return -ENOMEM;
	addrs = json_object_new_array();
	if (add(o, "addresses", addrs))
		return -ENOMEM;
	for (i = 0; !ret && i < li.n_addr; i++) {
		inet_ntop(AF_INET, &li.addr[i], a, INET_ADDRSTRLEN);
		snprintf(a + strlen(a), 4, "/%u", li.plen[i]);
		if (push(addrs, json_object_new_string(a)))
			return -ENOMEM;
	}
	for (i = 0; !ret && i < li.n_addr6; i++) {
		inet_ntop(AF_INET6, &li.addr6[i], a, INET6_ADDRSTRLEN);
		snprintf(a + strlen(a), 5, "/%u", li.plen6[i]);
		if (push(addrs, json_object_new_string(a)))
			return -ENOMEM;
	}
	return add(o, "mtu", ret ? json_object_new_null() : json_object_new_int((int)li.mtu));
}

static int node_json(const struct topo *t, enum topo_node_id n, struct json_object *nodes)
{
	const struct topo_node_rt *nd = &t->node[n];
	struct json_object *o, *ifs;
	unsigned int k;
	int ret;

	o = json_object_new_object();
	if (push(nodes, o) || add(o, "name", json_object_new_string(topo_node_name(n))) ||
	    add(o, "netns", json_object_new_string(nd->netns)))
		return -ENOMEM;
	ifs = json_object_new_array();
	if (add(o, "interfaces", ifs))
		return -ENOMEM;
	ret = nd->ifname[LINK_LAN][0] ? iface_json(t, n, nd->ifname[LINK_LAN], LINK_LAN, ifs) : 0;
	if (!ret && nd->ifname[LINK_UNDERLAY][0])
		ret = iface_json(t, n, nd->ifname[LINK_UNDERLAY], LINK_UNDERLAY, ifs);
	for (k = 0; !ret && t->ops && (n == NODE_GW1 || n == NODE_GW2) && k < t->cfg.tunnels; k++)
		ret = iface_json(t, n, t->tun[k].ifname[n == NODE_GW2], LINK_TUNNEL, ifs);
	return ret;
}

static int stats_json(const struct topo *t, unsigned int k, struct json_object *o)
{
	struct topo_tunnel_stats s;
	struct json_object *st, *one;
	int g;

	st = json_object_new_object();
	if (add(o, "stats", st))
		return -ENOMEM;
	for (g = 0; g < 2; g++) {
		enum topo_node_id gw = g ? NODE_GW2 : NODE_GW1;

		if (topo_tunnel_stats(t, k, gw, &s)) {
			if (add(st, topo_node_name(gw), json_object_new_null()))
				return -ENOMEM;
			continue;
		}
		one = json_object_new_object();
		if (add(st, topo_node_name(gw), one) ||
		    add(one, "rx_bytes", json_object_new_int64((int64_t)s.rx_bytes)) ||
		    add(one, "tx_bytes", json_object_new_int64((int64_t)s.tx_bytes)) ||
		    add(one, "last_handshake_sec", json_object_new_int64((int64_t)s.last_handshake_sec)))
			return -ENOMEM;
	}
	return 0;
}

/* Each end's peer endpoint as the implementation reports it: the family
 * the tunnel really runs over ("[fd77:100::2]:51820"); null if unreadable. */
static int endpoints_json(const struct topo *t, unsigned int k, struct json_object *o)
{
	struct json_object *eps = json_object_new_object();
	struct tun_device_info *d;
	char ep[INET6_ADDRSTRLEN + 8];
	int g;

	if (add(o, "peer_endpoints", eps))
		return -ENOMEM;
	for (g = 0; g < 2; g++) {
		const struct topo_node_rt *nd = &t->node[g ? NODE_GW2 : NODE_GW1];

		if (!topo_node_here(t, g ? NODE_GW2 : NODE_GW1))
			continue;   /* a guest's view: the other end is another guest's */
		ep[0] = 0;
		if (!tun_device_read(nd->path, t->tun[k].ifname[g], &d)) {
			if (d->n_peers)
				tun_endpoint_str(&d->peers[0].endpoint, ep, sizeof(ep));
			tun_device_free(d);
		}
		if (add(eps, topo_node_name(g ? NODE_GW2 : NODE_GW1),
			ep[0] ? json_object_new_string(ep) : json_object_new_null()))
			return -ENOMEM;
	}
	return 0;
}

static int tunnel_json(const struct topo *t, unsigned int k, struct json_object *arr)
{
	struct json_object *o, *ports, *pids;
	int g;

	o = json_object_new_object();
	if (push(arr, o) || add(o, "index", json_object_new_int((int)k)) ||
	    add(o, "gw1_interface", json_object_new_string(t->tun[k].ifname[0])) ||
	    add(o, "gw2_interface", json_object_new_string(t->tun[k].ifname[1])) ||
	    add(o, "implementation", json_object_new_string(t->ops->name)) ||
	    endpoints_json(t, k, o))
		return -ENOMEM;
	ports = json_object_new_array();
	pids = json_object_new_array();
	if (add(o, "listen_ports", ports) || add(o, "pids", pids))
		return -ENOMEM;
	for (g = 0; g < 2; g++)
		if (push(ports, json_object_new_int(topo_plan_port(k))) ||
		    push(pids, json_object_new_int((int)t->tun[k].end[g].pid)))
			return -ENOMEM;
	return stats_json(t, k, o);
}

/* o's "nodes": each node of the testbed (p2p: the gateways, which play
 * source and drain too, each once). */
static int nodes_json(const struct topo *t, struct json_object *o)
{
	struct json_object *arr = json_object_new_array();
	unsigned int n;
	int ret;

	if (add(o, "nodes", arr))
		return -ENOMEM;
	for (n = 0; n < NODE__COUNT; n++) {
		if (!topo_node_here(t, (enum topo_node_id)n))
			continue;
		ret = node_json(t, (enum topo_node_id)n, arr);
		if (ret)
			return ret;
	}
	return 0;
}

int topo_status_json(const struct topo *t, struct json_object **out)
{
	struct json_object *o, *arr;
	unsigned int k;
	int ret = -ENOMEM;

	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	if (add(o, "prefix", json_object_new_string(t->cfg.prefix)) ||
	    add(o, "backend", json_object_new_string("netns")) ||
	    add(o, "topology", json_object_new_string(topo_shape_name(t->cfg.shape))) ||
	    add(o, "ip", json_object_new_string(topo_family_name(t->cfg.ip))) ||
	    add(o, "inner", json_object_new_string(topo_family_name(t->cfg.inner))) ||
	    add(o, "wg", json_object_new_string(tun_kind_name(t->st.wg))) ||
	    add(o, "wg_version", json_object_new_string(t->st.wg_version)))
		goto out;
	ret = nodes_json(t, o);
	if (ret)
		goto out;
	ret = -ENOMEM;
	arr = json_object_new_array();
	if (add(o, "tunnels", arr))
		goto out;
	for (k = 0; t->ops && k < t->cfg.tunnels; k++) {
		ret = tunnel_json(t, k, arr);
		if (ret)
			goto out;
	}
	ret = -ENOMEM;
	arr = json_object_new_array();
	if (add(o, "drain_addresses", arr))
		goto out;
	for (k = 0; k < 2 * t->cfg.tunnels; k++)   /* IPv4 ones, then IPv6 */
		if (t->drain_addr[k / t->cfg.tunnels][k % t->cfg.tunnels][0] &&
		    push(arr, json_object_new_string(t->drain_addr[k / t->cfg.tunnels][k % t->cfg.tunnels])))
			goto out;
	*out = o;
	return 0;
out:
	json_object_put(o);
	return ret;
}

int topo_network_json(const struct topo *t, struct json_object **out)
{
	struct json_object *o, *arr;
	unsigned int k;
	int ret = -ENOMEM;

	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	if (add(o, "ip", json_object_new_string(topo_family_name(t->cfg.ip))) ||
	    add(o, "inner", json_object_new_string(topo_family_name(t->cfg.inner))))
		goto out;
	ret = nodes_json(t, o);
	if (ret)
		goto out;
	ret = -ENOMEM;
	arr = json_object_new_array();
	if (add(o, "tunnels", arr))
		goto out;
	for (k = 0; t->ops && k < t->cfg.tunnels; k++) {
		struct json_object *one = json_object_new_object();

		if (push(arr, one) || add(one, "index", json_object_new_int((int)k)) ||
		    endpoints_json(t, k, one))
			goto out;
	}
	*out = o;
	return 0;
out:
	json_object_put(o);
	return ret;
}

/* ---- accessors ---- */

const char *topo_prefix(const struct topo *t) { return t->cfg.prefix; }
enum topo_shape topo_shape(const struct topo *t) { return t->cfg.shape; }
enum tun_kind topo_wg(const struct topo *t) { return t->st.wg; }
unsigned int topo_tunnels(const struct topo *t) { return t->cfg.tunnels; }
const char *topo_source_addr(const struct topo *t)
{
	return t->source_addr[0][0] ? t->source_addr[0] : t->source_addr[1];
}

const char *topo_source_addr_af(const struct topo *t, int af)
{
	const char *a = t->source_addr[af == AF_INET6];

	return a[0] ? a : NULL;
}

unsigned int topo_ip(const struct topo *t) { return t->cfg.ip; }
unsigned int topo_inner(const struct topo *t) { return t->cfg.inner; }
const char *topo_wg_version(const struct topo *t) { return t->st.wg_version; }

const char *topo_node_netns(const struct topo *t, enum topo_node_id n)
{
	return (unsigned int)n < NODE__COUNT ? t->node[n].netns : NULL;
}

int topo_node_netns_path(const struct topo *t, enum topo_node_id n, char *buf, size_t len)
{
	if ((unsigned int)n >= NODE__COUNT)
		return -EINVAL;
	return util_fmt(buf, len, "%s", t->node[n].path);
}

const char *topo_ifname(const struct topo *t, enum topo_node_id n, enum topo_link_role r, unsigned int k)
{
	if ((unsigned int)n >= NODE__COUNT)
		return NULL;
	if (r == LINK_TUNNEL) {
		if (!t->ops || k >= t->cfg.tunnels || (n != NODE_GW1 && n != NODE_GW2))
			return NULL;
		return t->tun[k].ifname[n == NODE_GW2];
	}
	if (r != LINK_LAN && r != LINK_UNDERLAY)
		return NULL;
	return t->node[n].ifname[r][0] ? t->node[n].ifname[r] : NULL;
}

const char *topo_drain_addr(const struct topo *t, unsigned int k)
{
	if (k >= t->cfg.tunnels)
		return NULL;
	return t->drain_addr[0][k][0] ? t->drain_addr[0][k] : t->drain_addr[1][k];
}

const char *topo_drain_addr_af(const struct topo *t, unsigned int k, int af)
{
	if (k >= t->cfg.tunnels || !t->drain_addr[af == AF_INET6][k][0])
		return NULL;
	return t->drain_addr[af == AF_INET6][k];
}

int topo_tunnel_stats(const struct topo *t, unsigned int k, enum topo_node_id gw,
		      struct topo_tunnel_stats *out)
{
	struct tun_peer_stats ps;
	int ret;

	if (!t->ops || k >= t->cfg.tunnels || (gw != NODE_GW1 && gw != NODE_GW2))
		return -EINVAL;
	ret = t->ops->peer_stats(&t->tun[k].end[gw == NODE_GW2], &ps);
	if (ret)
		return ret;
	out->rx_bytes = ps.rx_bytes;
	out->tx_bytes = ps.tx_bytes;
	out->last_handshake_sec = ps.last_handshake_sec;
	return 0;
}

pid_t topo_tunnel_pid(const struct topo *t, unsigned int k, enum topo_node_id gw)
{
	if (!t->ops || k >= t->cfg.tunnels || (gw != NODE_GW1 && gw != NODE_GW2))
		return 0;
	return t->tun[k].end[gw == NODE_GW2].pid;
}
