/* hosts_file.c — the hosts file, read strictly (hosts_file.h). Every
 * problem is collected with the field it is in, so one run of a bad file
 * says all that is wrong with it. */
#include "hosts_file.h"
#include "agent_host.h"
#include "agent_ssh.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctx {
	const char *name;
	struct hosts_errs *errs;
	struct hosts_file *hf;
};

static void err(struct ctx *c, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err(struct ctx *c, const char *field, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (c->errs->n == HOSTS_FILE_MAX_ERRS) {
		c->errs->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(c->errs->msg[c->errs->n++], sizeof(c->errs->msg[0]), "%s: %s%s%s", c->name, field,
		 *field ? ": " : "", what);
}

static const char *type_name(struct json_object *v)
{
	return v ? json_type_to_name(json_object_get_type(v)) : "null";
}

/* Keys of o that are not in allowed[] are errors. */
static void only(struct ctx *c, struct json_object *o, const char *field, const char *const *allowed,
		 const char *expected)
{
	json_object_object_foreach(o, key, val) {
		size_t i;
		char f[160];

		(void)val;
		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (allowed[i])
			continue;
		snprintf(f, sizeof(f), "%s%s%s", field, *field ? "." : "", key);
		err(c, f, "unknown key (expected %s)", expected);
	}
}

/* A name the kernel would take for an interface (dev_valid_name()). */
static bool ifname_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) || iscntrl((unsigned char)s[i]))
			return false;
	return true;
}

static bool host_addr_ok(struct in_addr a, unsigned int plen)
{
	uint32_t h = ntohl(a.s_addr), mask = plen ? ~0u << (32 - plen) : 0;

	if (!plen || (h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 14)
		return false;   /* 0/8, loopback, multicast, reserved */
	return plen >= 31 || ((h & ~mask) != 0 && (h & ~mask) != ~mask);
}

static void parse_link(struct ctx *c, struct json_object *v, const char *field, struct hosts_link *l)
{
	static const char *const keys[] = { "dev", "address", NULL };
	struct json_object *dev = NULL, *addr = NULL;
	const char *d = NULL;

	l->present = true;
	if (json_object_is_type(v, json_type_string)) {
		d = json_object_get_string(v);
	} else if (json_object_is_type(v, json_type_object)) {
		only(c, v, field, keys, "dev, address");
		if (!json_object_object_get_ex(v, "dev", &dev) || !json_object_is_type(dev, json_type_string))
			err(c, field, "\"dev\" missing or not a string");
		else
			d = json_object_get_string(dev);
		if (!json_object_object_get_ex(v, "address", &addr) || !json_object_is_type(addr, json_type_string))
			err(c, field, "\"address\" missing or not a string (\"A.B.C.D/P\")");
		else if (agent_host_cidr(json_object_get_string(addr), &l->addr, &l->plen) ||
			 !host_addr_ok(l->addr, l->plen))
			err(c, field, "address '%s': expected an IPv4 host address with its prefix, A.B.C.D/P",
			    json_object_get_string(addr));
		else
			l->given = true;
	} else {
		err(c, field, "expected a device name or {\"dev\", \"address\"}, not %s", type_name(v));
	}
	if (d && !ifname_ok(d))
		err(c, field, "'%s' is not an interface name (1-15 characters, no '/', ':' or blanks)", d);
	else if (d)
		snprintf(l->dev, sizeof(l->dev), "%s", d);
}

/* The links a node has in this shape. */
static bool wants(enum topo_shape s, enum topo_node_id n, enum topo_link_role r)
{
	bool gw = n == NODE_GW1 || n == NODE_GW2;

	if (s == TOPO_P2P)
		return gw && r == LINK_UNDERLAY;
	return r == LINK_LAN || gw;
}

static void parse_links(struct ctx *c, struct json_object *v, const char *field, enum topo_node_id n)
{
	struct hosts_node *hn = &c->hf->node[n];
	char f[160];
	int r;

	if (!json_object_is_type(v, json_type_object)) {
		err(c, field, "expected an object of links (lan, underlay), not %s", type_name(v));
		return;
	}
	json_object_object_foreach(v, key, val) {
		snprintf(f, sizeof(f), "%s.%s", field, key);
		if (strcmp(key, "lan") && strcmp(key, "underlay")) {
			err(c, f, "unknown link (expected lan or underlay)");
			continue;
		}
		r = strcmp(key, "lan") ? LINK_UNDERLAY : LINK_LAN;
		if (!wants(c->hf->shape, n, (enum topo_link_role)r)) {
			err(c, f, c->hf->shape == TOPO_P2P ? "topology p2p has no lan (only the underlay)" :
			    "%s has no underlay link", topo_node_name(n));
			continue;
		}
		parse_link(c, val, f, &hn->link[r]);
	}
	for (r = LINK_LAN; r <= LINK_UNDERLAY; r++)
		if (wants(c->hf->shape, n, (enum topo_link_role)r) && !hn->link[r].present) {
			snprintf(f, sizeof(f), "%s.%s", field, topo_link_name((enum topo_link_role)r));
			err(c, f, "missing (the device of %s's %s link)", topo_node_name(n),
			    topo_link_name((enum topo_link_role)r));
		}
}

static void parse_node(struct ctx *c, struct json_object *v, enum topo_node_id n)
{
	static const char *const keys[] = { "ssh", "links", NULL };
	struct hosts_node *hn = &c->hf->node[n];
	struct json_object *x;
	char field[64], f[80], host[256], why[256];
	unsigned int port;

	snprintf(field, sizeof(field), "nodes.%s", topo_node_name(n));
	hn->present = true;
	if (!json_object_is_type(v, json_type_object)) {
		err(c, field, "expected an object with ssh and links, not %s", type_name(v));
		return;
	}
	only(c, v, field, keys, "ssh, links");
	snprintf(f, sizeof(f), "%s.ssh", field);
	if (!json_object_object_get_ex(v, "ssh", &x) || !json_object_is_type(x, json_type_string))
		err(c, f, "missing or not a string (an ssh destination, [user@]host[:port])");
	else if (agent_ssh_dest(json_object_get_string(x), host, sizeof(host), &port, why, sizeof(why)))
		err(c, f, "%s", why);
	else
		snprintf(hn->ssh, sizeof(hn->ssh), "%s", json_object_get_string(x));
	snprintf(f, sizeof(f), "%s.links", field);
	if (!json_object_object_get_ex(v, "links", &x))
		err(c, f, "missing (the node's devices: lan, underlay)");
	else
		parse_links(c, x, f, n);
}

static void parse_nodes(struct ctx *c, struct json_object *nodes)
{
	enum topo_node_id n;
	unsigned int i, j;

	json_object_object_foreach(nodes, key, val) {
		char f[80];

		snprintf(f, sizeof(f), "nodes.%s", key);
		if (topo_node_from_name(key, &n)) {
			err(c, f, "unknown node (expected source, gw1, gw2, drain)");
			continue;
		}
		if (c->hf->shape == TOPO_P2P && n != NODE_GW1 && n != NODE_GW2) {
			err(c, f, "not a node of topology p2p (it has gw1 and gw2 only)");
			continue;
		}
		parse_node(c, val, n);
	}
	for (i = 0; i < NODE__COUNT; i++) {
		char f[80];

		if (c->hf->node[i].present || (c->hf->shape == TOPO_P2P && i != NODE_GW1 && i != NODE_GW2))
			continue;
		snprintf(f, sizeof(f), "nodes.%s", topo_node_name(i));
		err(c, f, "missing (topology %s has %s)", topo_shape_name(c->hf->shape),
		    c->hf->shape == TOPO_P2P ? "gw1 and gw2" : "source, gw1, gw2 and drain");
	}
	for (i = 0; i < NODE__COUNT; i++)
		for (j = i + 1; j < NODE__COUNT; j++)
			if (c->hf->node[i].ssh[0] && !strcmp(c->hf->node[i].ssh, c->hf->node[j].ssh)) {
				char f[80];

				snprintf(f, sizeof(f), "nodes.%s.ssh", topo_node_name(j));
				err(c, f, "the same machine as %s (%s): one node per machine",
				    topo_node_name(i), c->hf->node[i].ssh);
			}
}

static uint32_t net_of(struct in_addr a, unsigned int plen)
{
	return ntohl(a.s_addr) & (plen ? ~0u << (32 - plen) : 0);
}

/* A link's ends: both given or neither; a lan's in one subnet. */
static void check_link(struct ctx *c, enum topo_node_id a, enum topo_node_id b, enum topo_link_role r)
{
	const struct hosts_link *x = &c->hf->node[a].link[r], *y = &c->hf->node[b].link[r];
	char f[80], ip[INET_ADDRSTRLEN];

	if (!x->present || !y->present)
		return;
	if (x->given != y->given) {
		snprintf(f, sizeof(f), "nodes.%s.links.%s", topo_node_name(x->given ? a : b), topo_link_name(r));
		err(c, f, "gives an address, nodes.%s.links.%s does not: give both ends of a link or neither",
		    topo_node_name(x->given ? b : a), topo_link_name(r));
		return;
	}
	if (!x->given)
		return;
	snprintf(f, sizeof(f), "nodes.%s.links.%s", topo_node_name(b), topo_link_name(r));
	inet_ntop(AF_INET, &y->addr, ip, sizeof(ip));
	if (x->addr.s_addr == y->addr.s_addr)
		err(c, f, "%s is also %s's address", ip, topo_node_name(a));
	else if (r == LINK_LAN && (x->plen != y->plen || net_of(x->addr, x->plen) != net_of(y->addr, y->plen)))
		err(c, f, "%s/%u is not in the subnet of nodes.%s.links.lan (a lan's ends share one)",
		    ip, y->plen, topo_node_name(a));
}

static void parse_top(struct ctx *c, struct json_object *top)
{
	static const char *const keys[] = { "topology", "nodes", NULL };
	struct json_object *v;

	only(c, top, "", keys, "topology, nodes");
	if (json_object_object_get_ex(top, "topology", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	     topo_shape_from_name(json_object_get_string(v), &c->hf->shape)))
		err(c, "topology", "expected \"site\" or \"p2p\"");
	if (!json_object_object_get_ex(top, "nodes", &v) || !json_object_is_type(v, json_type_object)) {
		err(c, "nodes", "missing or not an object (node name -> {ssh, links})");
		return;
	}
	parse_nodes(c, v);
	check_link(c, NODE_SOURCE, NODE_GW1, LINK_LAN);
	check_link(c, NODE_GW1, NODE_GW2, LINK_UNDERLAY);
	check_link(c, NODE_GW2, NODE_DRAIN, LINK_LAN);
}

static bool blank(const char *p, size_t n)
{
	while (n && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	return n == 0;
}

int hosts_file_parse(const char *text, size_t len, const char *name, struct hosts_file *out,
		     struct hosts_errs *errs)
{
	struct ctx c = { name, errs, out };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *top = NULL;
	enum json_tokener_error e = json_tokener_error_parse_unexpected;

	memset(out, 0, sizeof(*out));
	memset(errs, 0, sizeof(*errs));
	snprintf(out->path, sizeof(out->path), "%s", name);
	if (tok && len <= INT32_MAX) {
		top = json_tokener_parse_ex(tok, text, (int)len);
		e = json_tokener_get_error(tok);
		if (!top && e == json_tokener_continue)
			e = json_tokener_error_parse_eof;
		else if (top && !blank(text + json_tokener_get_parse_end(tok), len - json_tokener_get_parse_end(tok)))
			e = json_tokener_error_parse_unexpected;   /* text after the document */
	}
	if (!top || e != json_tokener_success) {
		err(&c, "", "not JSON: %s at byte %zu", json_tokener_error_desc(e),
		    tok ? json_tokener_get_parse_end(tok) : 0);
	} else if (!json_object_is_type(top, json_type_object)) {
		err(&c, "", "expected an object with \"nodes\", not %s", type_name(top));
	} else {
		parse_top(&c, top);
	}
	json_object_put(top);
	if (tok)
		json_tokener_free(tok);
	return errs->n ? -EINVAL : 0;
}

int hosts_file_load(const char *path, struct hosts_file *out)
{
	struct hosts_errs *errs = calloc(1, sizeof(*errs));
	char *text = NULL;
	size_t len = 0, i;
	int ret;

	if (!errs)
		return -ENOMEM;
	ret = util_read_file(path, &text, &len);
	if (ret)
		wgb_err("--hosts %s: %s", path, strerror(-ret));
	else if ((ret = hosts_file_parse(text, len, path, out, errs)))
		for (i = 0; i < errs->n; i++)
			wgb_err("%s", errs->msg[i]);
	if (errs->dropped)
		wgb_err("%s: and %zu more", path, errs->dropped);
	free(text);
	free(errs);
	return ret;
}
