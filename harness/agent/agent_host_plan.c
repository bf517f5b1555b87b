/* agent_host_plan.c — a host's plan as JSON and back (agent_host.h); pure.
 *
 * {"node","prefix","topology","wg","tunnels","forward",
 *  "devices": {"lan": DEV|null, "underlay": DEV|null},
 *  "addresses": [{"dev","address":"A/P","given"}],
 *  "routes": [{"dst":"A/P","via":A|null,"dev":DEV|null,"table"}],
 *  "rules": [{"from":"A/P","to":"A/P","table","priority"}],
 *  "tunnel_ends": [{"ifname","port","private_key","peer_public_key" (hex, or
 *               null when the check is sent), "endpoint":"A:PORT",
 *               "allowed":["A/P"...],"address":"A/P"}]}
 */
#include "agent_host.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int agent_host_cidr(const char *s, struct in_addr *a, unsigned int *plen)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	uint64_t p;

	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = 0;
	if (inet_pton(AF_INET, ip, a) != 1 || util_parse_u64(slash + 1, 0, 32, &p))
		return -EINVAL;
	*plen = (unsigned int)p;
	return 0;
}

static struct json_object *cidr_json(struct in_addr a, unsigned int plen)
{
	char ip[INET_ADDRSTRLEN], s[INET_ADDRSTRLEN + 4];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(s, sizeof(s), "%s/%u", ip, plen);
	return json_object_new_string(s);
}

static struct json_object *ip_json(struct in_addr a)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	return json_object_new_string(ip);
}

static struct json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static struct json_object *key_json(const uint8_t *k, bool keys)
{
	char hex[2 * TUN_KEY_LEN + 1];
	struct json_object *o;

	if (!keys)
		return NULL;
	tun_key_to_hex(k, hex);
	o = json_object_new_string(hex);
	explicit_bzero(hex, sizeof(hex));
	return o;
}

static struct json_object *tun_json(const struct agent_host_tun *t, bool keys)
{
	struct json_object *o = json_object_new_object(), *al = json_object_new_array();
	char ep[INET_ADDRSTRLEN + 8], ip[INET_ADDRSTRLEN];
	size_t i;

	inet_ntop(AF_INET, &t->endpoint.sin_addr, ip, sizeof(ip));
	snprintf(ep, sizeof(ep), "%s:%u", ip, (unsigned)ntohs(t->endpoint.sin_port));
	json_object_object_add(o, "ifname", json_object_new_string(t->ifname));
	json_object_object_add(o, "port", json_object_new_int(t->port));
	json_object_object_add(o, "private_key", key_json(t->key, keys));
	json_object_object_add(o, "peer_public_key", key_json(t->peer, keys));
	json_object_object_add(o, "endpoint", json_object_new_string(ep));
	for (i = 0; i < t->n_allowed; i++)
		json_object_array_add(al, cidr_json(t->allowed[i].addr, t->allowed[i].cidr));
	json_object_object_add(o, "allowed", al);
	json_object_object_add(o, "address", cidr_json(t->addr, t->plen));
	return o;
}

static void lists_json(const struct agent_host_plan *p, struct json_object *o, bool keys)
{
	struct json_object *arr, *e;
	size_t i;

	arr = json_object_new_array();
	for (i = 0; i < p->n_addr; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "dev", json_object_new_string(p->addr[i].dev));
		json_object_object_add(e, "address", cidr_json(p->addr[i].a, p->addr[i].plen));
		json_object_object_add(e, "given", json_object_new_boolean(p->addr[i].given));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "addresses", arr);
	arr = json_object_new_array();
	for (i = 0; i < p->n_route; i++) {
		const struct agent_host_route *r = &p->route[i];

		e = json_object_new_object();
		json_object_object_add(e, "dst", cidr_json(r->dst, r->plen));
		json_object_object_add(e, "via", r->has_via ? ip_json(r->via) : NULL);
		json_object_object_add(e, "dev", str_or_null(r->dev));
		json_object_object_add(e, "table", json_object_new_int64(r->table));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "routes", arr);
	arr = json_object_new_array();
	for (i = 0; i < p->n_rule; i++) {
		const struct agent_host_rule *r = &p->rule[i];

		e = json_object_new_object();
		json_object_object_add(e, "from", cidr_json(r->from, r->from_plen));
		json_object_object_add(e, "to", cidr_json(r->to, r->to_plen));
		json_object_object_add(e, "table", json_object_new_int64(r->table));
		json_object_object_add(e, "priority", json_object_new_int64(r->prio));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "rules", arr);
	arr = json_object_new_array();
	for (i = 0; i < p->n_tun; i++)
		json_object_array_add(arr, tun_json(&p->tun[i], keys));
	json_object_object_add(o, "tunnel_ends", arr);
}

int agent_host_plan_json(const struct agent_host_plan *p, bool keys, char **out)
{
	struct json_object *o = json_object_new_object(), *dev = json_object_new_object();
	const char *text;

	json_object_object_add(o, "node", json_object_new_string(topo_node_name(p->node)));
	json_object_object_add(o, "prefix", json_object_new_string(p->prefix));
	json_object_object_add(o, "topology", json_object_new_string(topo_shape_name(p->shape)));
	json_object_object_add(o, "wg", json_object_new_string(tun_kind_name(p->wg)));
	json_object_object_add(o, "tunnels", json_object_new_int((int)p->tunnels));
	json_object_object_add(o, "forward", json_object_new_boolean(p->forward));
	json_object_object_add(dev, "lan", str_or_null(p->dev[LINK_LAN]));
	json_object_object_add(dev, "underlay", str_or_null(p->dev[LINK_UNDERLAY]));
	json_object_object_add(o, "devices", dev);
	lists_json(p, o, keys);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	*out = text ? strdup(text) : NULL;
	/* the keys were in the object's string: gone with it */
	if (text)
		explicit_bzero((char *)text, strlen(text));
	json_object_put(o);
	return *out ? 0 : -ENOMEM;
}

void agent_host_plan_wipe(struct agent_host_plan *p)
{
	size_t i;

	for (i = 0; i < TOPO_TUNNELS_MAX; i++) {
		explicit_bzero(p->tun[i].key, sizeof(p->tun[i].key));
		explicit_bzero(p->tun[i].peer, sizeof(p->tun[i].peer));
	}
}

/* ---- parsing ---- */

struct pctx {
	char *why;
	size_t len;
	int ret;
};

static void bad(struct pctx *c, const char *field, const char *what)
{
	if (!c->ret)
		snprintf(c->why, c->len, "plan: %s: %s", field, what);
	c->ret = -EINVAL;
}

static struct json_object *get(struct pctx *c, struct json_object *o, const char *k, json_type t,
			       bool null_ok)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v) || (v ? !json_object_is_type(v, t) : !null_ok)) {
		bad(c, k, "missing or of the wrong type");
		return NULL;
	}
	return v;
}

static void get_str(struct pctx *c, struct json_object *o, const char *k, char *buf, size_t len,
		    bool null_ok)
{
	struct json_object *v = get(c, o, k, json_type_string, null_ok);

	buf[0] = 0;
	if (v && util_fmt(buf, len, "%s", json_object_get_string(v)))
		bad(c, k, "too long");
}

static void get_cidr(struct pctx *c, struct json_object *o, const char *k, struct in_addr *a,
		     unsigned int *plen)
{
	struct json_object *v = get(c, o, k, json_type_string, false);

	if (v && agent_host_cidr(json_object_get_string(v), a, plen))
		bad(c, k, "not an IPv4 address/prefix");
}

static int64_t get_int(struct pctx *c, struct json_object *o, const char *k, int64_t min, int64_t max)
{
	struct json_object *v = get(c, o, k, json_type_int, false);
	int64_t x = v ? json_object_get_int64(v) : min;

	if (v && (x < min || x > max))
		bad(c, k, "out of range");
	return x;
}

static struct json_object *get_list(struct pctx *c, struct json_object *o, const char *k, size_t max,
				    size_t *n)
{
	struct json_object *v = get(c, o, k, json_type_array, false);

	*n = v ? json_object_array_length(v) : 0;
	if (*n > max) {
		bad(c, k, "too many");
		*n = 0;
	}
	return v;
}

static void parse_addr(struct pctx *c, struct json_object *e, struct agent_host_addr *a)
{
	struct json_object *g = get(c, e, "given", json_type_boolean, false);

	get_str(c, e, "dev", a->dev, sizeof(a->dev), false);
	get_cidr(c, e, "address", &a->a, &a->plen);
	a->given = g && json_object_get_boolean(g);
}

static void parse_route(struct pctx *c, struct json_object *e, struct agent_host_route *r)
{
	struct json_object *via = get(c, e, "via", json_type_string, true);

	get_cidr(c, e, "dst", &r->dst, &r->plen);
	get_str(c, e, "dev", r->dev, sizeof(r->dev), true);
	r->table = (uint32_t)get_int(c, e, "table", 0, UINT32_MAX);
	r->has_via = via != NULL;
	if (via && inet_pton(AF_INET, json_object_get_string(via), &r->via) != 1)
		bad(c, "via", "not an IPv4 address");
}

static void parse_rule(struct pctx *c, struct json_object *e, struct agent_host_rule *r)
{
	get_cidr(c, e, "from", &r->from, &r->from_plen);
	get_cidr(c, e, "to", &r->to, &r->to_plen);
	r->table = (uint32_t)get_int(c, e, "table", 1, UINT32_MAX);
	r->prio = (uint32_t)get_int(c, e, "priority", 1, UINT32_MAX);
}

static void parse_key(struct pctx *c, struct json_object *e, const char *k, uint8_t *key)
{
	struct json_object *v = get(c, e, k, json_type_string, true);

	memset(key, 0, TUN_KEY_LEN);
	if (v && tun_key_from_hex(json_object_get_string(v), key))
		bad(c, k, "not a 64-digit hex key");
}

static void parse_endpoint(struct pctx *c, struct json_object *e, struct sockaddr_in *ep)
{
	char s[INET_ADDRSTRLEN + 8], *colon;
	uint64_t port;

	get_str(c, e, "endpoint", s, sizeof(s), false);
	colon = strrchr(s, ':');
	memset(ep, 0, sizeof(*ep));
	ep->sin_family = AF_INET;
	if (!colon || (*colon = 0, inet_pton(AF_INET, s, &ep->sin_addr) != 1) ||
	    util_parse_u64(colon + 1, 1, 65535, &port)) {
		bad(c, "endpoint", "not ADDRESS:PORT");
		return;
	}
	ep->sin_port = htons((uint16_t)port);
}

static void parse_tun(struct pctx *c, struct json_object *e, struct agent_host_tun *t)
{
	struct json_object *al;
	size_t i, n;

	get_str(c, e, "ifname", t->ifname, sizeof(t->ifname), false);
	t->port = (uint16_t)get_int(c, e, "port", 1, 65535);
	parse_key(c, e, "private_key", t->key);
	parse_key(c, e, "peer_public_key", t->peer);
	parse_endpoint(c, e, &t->endpoint);
	al = get_list(c, e, "allowed", TUN_MAX_ALLOWED, &n);
	for (i = 0; al && i < n; i++) {
		struct json_object *x = json_object_array_get_idx(al, i);
		unsigned int plen = 0;

		if (!json_object_is_type(x, json_type_string) ||
		    agent_host_cidr(json_object_get_string(x), &t->allowed[i].addr, &plen))
			bad(c, "allowed", "not an IPv4 address/prefix");
		t->allowed[i].cidr = (uint8_t)plen;
	}
	t->n_allowed = n;
	get_cidr(c, e, "address", &t->addr, &t->plen);
}

static void parse_head(struct pctx *c, struct json_object *o, struct agent_host_plan *p)
{
	struct json_object *dev, *fw;
	char s[32];
	static const enum tun_kind kinds[] = { TUN_AUTO, TUN_KERNEL, TUN_WGGO, TUN_NONE };
	size_t i;

	get_str(c, o, "node", s, sizeof(s), false);
	if (!c->ret && topo_node_from_name(s, &p->node))
		bad(c, "node", "not a node name");
	get_str(c, o, "prefix", p->prefix, sizeof(p->prefix), false);
	if (!c->ret && !p->prefix[0])
		bad(c, "prefix", "empty");
	get_str(c, o, "topology", s, sizeof(s), false);
	if (!c->ret && topo_shape_from_name(s, &p->shape))
		bad(c, "topology", "not site or p2p");
	get_str(c, o, "wg", s, sizeof(s), false);
	for (i = 0; i < ARRAY_SIZE(kinds) && strcmp(s, tun_kind_name(kinds[i])); i++)
		;
	if (!c->ret && i == ARRAY_SIZE(kinds))
		bad(c, "wg", "not auto, kernel, wireguard-go or none");
	p->wg = i < ARRAY_SIZE(kinds) ? kinds[i] : TUN_AUTO;
	p->tunnels = (unsigned int)get_int(c, o, "tunnels", 1, TOPO_TUNNELS_MAX);
	fw = get(c, o, "forward", json_type_boolean, false);
	p->forward = fw && json_object_get_boolean(fw);
	dev = get(c, o, "devices", json_type_object, false);
	if (dev) {
		get_str(c, dev, "lan", p->dev[LINK_LAN], IFNAMSIZ, true);
		get_str(c, dev, "underlay", p->dev[LINK_UNDERLAY], IFNAMSIZ, true);
	}
}

int agent_host_plan_parse(const char *text, struct agent_host_plan *p, char *why, size_t len)
{
	struct pctx c = { why, len, 0 };
	struct json_object *o = json_tokener_parse(text), *arr;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		snprintf(why, len, "plan: not a JSON object");
		return -EINVAL;
	}
	parse_head(&c, o, p);
	arr = get_list(&c, o, "addresses", AGENT_HOST_ADDRS, &p->n_addr);
	for (i = 0; arr && i < p->n_addr; i++)
		parse_addr(&c, json_object_array_get_idx(arr, i), &p->addr[i]);
	arr = get_list(&c, o, "routes", AGENT_HOST_ROUTES, &p->n_route);
	for (i = 0; arr && i < p->n_route; i++)
		parse_route(&c, json_object_array_get_idx(arr, i), &p->route[i]);
	arr = get_list(&c, o, "rules", TOPO_TUNNELS_MAX, &p->n_rule);
	for (i = 0; arr && i < p->n_rule; i++)
		parse_rule(&c, json_object_array_get_idx(arr, i), &p->rule[i]);
	arr = get_list(&c, o, "tunnel_ends", TOPO_TUNNELS_MAX, &p->n_tun);
	for (i = 0; arr && i < p->n_tun; i++)
		parse_tun(&c, json_object_array_get_idx(arr, i), &p->tun[i]);
	json_object_put(o);
	if (c.ret)
		agent_host_plan_wipe(p);
	return c.ret;
}
