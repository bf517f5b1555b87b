/* agent_host_plan.c — a host's plan as JSON and back (agent_host.h); pure.
 * Addresses are of either family ("10.101.0.2/24", "fd77:101::2/64").
 *
 * {"node","prefix","topology","wg","tunnels","ip","inner","forward",
 *  "devices": {"lan": DEV|null, "underlay": DEV|null},
 *  "addresses": [{"dev","address":"A/P","given"}],
 *  "routes": [{"dst":"A/P","via":A|null,"dev":DEV|null,"table"}],
 *  "rules": [{"from":"A/P","to":"A/P","table","priority"}],
 *  "tunnel_ends": [{"ifname","port","private_key","peer_public_key" (hex, or
 *               null when the check is sent), "endpoint":"A:PORT"|"[A6]:PORT",
 *               "allowed":["A/P"...],"addresses":["A/P"...]}]}
 */
#include "agent_host.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int agent_host_ip_parse(const char *s, bool plen, struct agent_host_ip *out)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = plen ? strchr(s, '/') : s + strlen(s);
	uint64_t p = 0;

	memset(out, 0, sizeof(*out));
	if (!slash || (size_t)(slash - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = 0;
	if (inet_pton(AF_INET, ip, &out->v4) == 1)
		out->af = AF_INET;
	else if (inet_pton(AF_INET6, ip, &out->v6) == 1)
		out->af = AF_INET6;
	else
		return -EINVAL;
	if (plen && util_parse_u64(slash + 1, 0, out->af == AF_INET ? 32 : 128, &p))
		return -EINVAL;
	out->plen = (unsigned int)p;
	return 0;
}

void agent_host_ip_str(const struct agent_host_ip *a, bool plen, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(a->af == AF_INET6 ? AF_INET6 : AF_INET, a->af == AF_INET6 ? (const void *)&a->v6 :
		  (const void *)&a->v4, ip, sizeof(ip));
	if (plen)
		snprintf(buf, len, "%s/%u", ip, a->plen);
	else
		snprintf(buf, len, "%s", ip);
}

struct agent_host_ip agent_host_ip_net(struct agent_host_ip a)
{
	unsigned int i, bits = a.af == AF_INET6 ? 128 : 32;
	uint8_t *b = a.af == AF_INET6 ? a.v6.s6_addr : (uint8_t *)&a.v4;

	for (i = a.plen < bits ? a.plen : bits; i < bits; i++)
		b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	return a;
}

struct tun_allowed_ip agent_host_ip_allowed(struct agent_host_ip a)
{
	struct tun_allowed_ip x;

	memset(&x, 0, sizeof(x));
	x.family = a.af;
	if (a.af == AF_INET6)
		x.addr6 = a.v6;
	else
		x.addr = a.v4;
	x.cidr = (uint8_t)a.plen;
	return x;
}

int agent_host_cidr(const char *s, struct in_addr *a, unsigned int *plen)
{
	struct agent_host_ip x;

	if (agent_host_ip_parse(s, true, &x) || x.af != AF_INET)
		return -EINVAL;
	*a = x.v4;
	*plen = x.plen;
	return 0;
}

static struct json_object *ip_json(const struct agent_host_ip *a, bool plen)
{
	char s[AGENT_HOST_IP_STRLEN];

	agent_host_ip_str(a, plen, s, sizeof(s));
	return json_object_new_string(s);
}

static struct json_object *allowed_json(const struct tun_allowed_ip *x)
{
	struct agent_host_ip a = { .af = x->family == AF_INET6 ? AF_INET6 : AF_INET, .plen = x->cidr };

	if (a.af == AF_INET6)
		a.v6 = x->addr6;
	else
		a.v4 = x->addr;
	return ip_json(&a, true);
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
	struct json_object *o = json_object_new_object(), *al = json_object_new_array(), *ad;
	char ep[INET6_ADDRSTRLEN + 8];
	struct sockaddr_storage ss = { 0 };
	size_t i;

	memcpy(&ss, &t->endpoint6, t->endpoint.sin_family == AF_INET6 ? sizeof(t->endpoint6) :
	       sizeof(t->endpoint));
	tun_endpoint_str(&ss, ep, sizeof(ep));
	json_object_object_add(o, "ifname", json_object_new_string(t->ifname));
	json_object_object_add(o, "port", json_object_new_int(t->port));
	json_object_object_add(o, "private_key", key_json(t->key, keys));
	json_object_object_add(o, "peer_public_key", key_json(t->peer, keys));
	json_object_object_add(o, "endpoint", json_object_new_string(ep));
	for (i = 0; i < t->n_allowed; i++)
		json_object_array_add(al, allowed_json(&t->allowed[i]));
	json_object_object_add(o, "allowed", al);
	ad = json_object_new_array();
	for (i = 0; i < t->n_addr; i++)
		json_object_array_add(ad, ip_json(&t->addr[i], true));
	json_object_object_add(o, "addresses", ad);
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
		json_object_object_add(e, "address", ip_json(&p->addr[i].a, true));
		json_object_object_add(e, "given", json_object_new_boolean(p->addr[i].given));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "addresses", arr);
	arr = json_object_new_array();
	for (i = 0; i < p->n_route; i++) {
		const struct agent_host_route *r = &p->route[i];

		e = json_object_new_object();
		json_object_object_add(e, "dst", ip_json(&r->dst, true));
		json_object_object_add(e, "via", r->has_via ? ip_json(&r->via, false) : NULL);
		json_object_object_add(e, "dev", str_or_null(r->dev));
		json_object_object_add(e, "table", json_object_new_int64(r->table));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "routes", arr);
	arr = json_object_new_array();
	for (i = 0; i < p->n_rule; i++) {
		const struct agent_host_rule *r = &p->rule[i];

		e = json_object_new_object();
		json_object_object_add(e, "from", ip_json(&r->from, true));
		json_object_object_add(e, "to", ip_json(&r->to, true));
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
	json_object_object_add(o, "ip", json_object_new_string(topo_family_name(p->ip)));
	json_object_object_add(o, "inner", json_object_new_string(topo_family_name(p->inner)));
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

static void get_ip(struct pctx *c, struct json_object *o, const char *k, bool plen,
		   struct agent_host_ip *a)
{
	struct json_object *v = get(c, o, k, json_type_string, false);

	if (v && agent_host_ip_parse(json_object_get_string(v), plen, a))
		bad(c, k, plen ? "not an address/prefix" : "not an address");
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
	get_ip(c, e, "address", true, &a->a);
	a->given = g && json_object_get_boolean(g);
}

static void parse_route(struct pctx *c, struct json_object *e, struct agent_host_route *r)
{
	struct json_object *via = get(c, e, "via", json_type_string, true);

	get_ip(c, e, "dst", true, &r->dst);
	get_str(c, e, "dev", r->dev, sizeof(r->dev), true);
	r->table = (uint32_t)get_int(c, e, "table", 0, UINT32_MAX);
	r->has_via = via != NULL;
	if (via)
		get_ip(c, e, "via", false, &r->via);
	if (via && !c->ret && r->via.af != r->dst.af)
		bad(c, "via", "not of dst's family");
}

static void parse_rule(struct pctx *c, struct json_object *e, struct agent_host_rule *r)
{
	get_ip(c, e, "from", true, &r->from);
	get_ip(c, e, "to", true, &r->to);
	if (!c->ret && r->from.af != r->to.af)
		bad(c, "to", "not of from's family");
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

/* "A.B.C.D:PORT" or "[X::Y]:PORT" */
static void parse_endpoint(struct pctx *c, struct json_object *e, struct agent_host_tun *t)
{
	char s[INET6_ADDRSTRLEN + 8], *colon, *a = s;
	struct agent_host_ip ip;
	uint64_t port;

	get_str(c, e, "endpoint", s, sizeof(s), false);
	colon = strrchr(s, ':');
	memset(&t->endpoint6, 0, sizeof(t->endpoint6));
	if (colon && s[0] == '[' && colon > s && colon[-1] == ']') {
		a = s + 1;
		colon[-1] = 0;
	}
	if (!colon || (*colon = 0, agent_host_ip_parse(a, false, &ip)) || (a == s) != (ip.af == AF_INET) ||
	    util_parse_u64(colon + 1, 1, 65535, &port)) {
		bad(c, "endpoint", "not ADDRESS:PORT or [ADDRESS]:PORT");
		return;
	}
	if (ip.af == AF_INET6) {
		t->endpoint6.sin6_family = AF_INET6;
		t->endpoint6.sin6_addr = ip.v6;
		t->endpoint6.sin6_port = htons((uint16_t)port);
	} else {
		t->endpoint.sin_family = AF_INET;
		t->endpoint.sin_addr = ip.v4;
		t->endpoint.sin_port = htons((uint16_t)port);
	}
}

static void parse_allowed(struct pctx *c, struct json_object *x, struct tun_allowed_ip *al)
{
	struct agent_host_ip a;

	memset(al, 0, sizeof(*al));
	if (!json_object_is_type(x, json_type_string) || agent_host_ip_parse(json_object_get_string(x), true, &a))
		bad(c, "allowed", "not an address/prefix");
	else
		*al = agent_host_ip_allowed(a);
}

static void parse_tun(struct pctx *c, struct json_object *e, struct agent_host_tun *t)
{
	struct json_object *al, *ad;
	size_t i, n;

	get_str(c, e, "ifname", t->ifname, sizeof(t->ifname), false);
	t->port = (uint16_t)get_int(c, e, "port", 1, 65535);
	parse_key(c, e, "private_key", t->key);
	parse_key(c, e, "peer_public_key", t->peer);
	parse_endpoint(c, e, t);
	al = get_list(c, e, "allowed", TUN_MAX_ALLOWED, &n);
	for (i = 0; al && i < n; i++)
		parse_allowed(c, json_object_array_get_idx(al, i), &t->allowed[i]);
	t->n_allowed = n;
	ad = get_list(c, e, "addresses", ARRAY_SIZE(t->addr), &t->n_addr);
	for (i = 0; ad && i < t->n_addr; i++) {
		struct json_object *x = json_object_array_get_idx(ad, i);

		if (!json_object_is_type(x, json_type_string) ||
		    agent_host_ip_parse(json_object_get_string(x), true, &t->addr[i]))
			bad(c, "addresses", "not an address/prefix");
	}
}

static unsigned int parse_family(struct pctx *c, struct json_object *o, const char *k)
{
	unsigned int f = TOPO_FAM_4;
	char s[16];

	get_str(c, o, k, s, sizeof(s), false);
	if (!c->ret && topo_family_from_name(s, &f))
		bad(c, k, "not 4, 6 or dual");
	return f;
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
	p->ip = parse_family(c, o, "ip");
	p->inner = parse_family(c, o, "inner");
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
	arr = get_list(&c, o, "rules", AGENT_HOST_RULES, &p->n_rule);
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
