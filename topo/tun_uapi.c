/* tun_uapi.c — pure: the whole device out of a UAPI "get=1" reply, as
 * wireguard-go and boringtun write it (wireguard.com/xplatform):
 *
 *   private_key=<hex>            skipped, never copied
 *   listen_port=51820
 *   fwmark=0                     optional
 *   public_key=<hex>             starts a peer
 *   endpoint=192.0.2.2:51820     or [2001:db8::1]:51820
 *   last_handshake_time_sec=N    (and _nsec)
 *   rx_bytes=N  tx_bytes=N
 *   persistent_keepalive_interval=N
 *   allowed_ip=10.77.0.2/32      repeated
 *   errno=0
 *
 * Unknown keys are skipped (implementations add some: protocol_version).
 */
#include "tun.h"
#include "tun_impl.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dev_ctx {
	struct tun_device_info *d;
	struct tun_peer_info *p;        /* the peer being read */
	bool errno_seen;
	uint64_t err;
};

static bool is(const char *k, size_t kl, const char *want)
{
	return kl == strlen(want) && !memcmp(k, want, kl);
}

static int num(const char *v, size_t vl, uint64_t max, uint64_t *out)
{
	char tmp[24];

	if (vl == 0 || vl >= sizeof(tmp))
		return -EPROTO;
	memcpy(tmp, v, vl);
	tmp[vl] = 0;
	return util_parse_u64(tmp, 0, max, out) ? -EPROTO : 0;
}

/* "a.b.c.d:port" or "[v6]:port". */
static int endpoint(const char *v, size_t vl, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = NULL;
	uint64_t port;
	size_t i, hl;

	for (i = vl; i-- > 0;)
		if (v[i] == ':') {
			colon = v + i;
			break;
		}
	if (!colon || num(colon + 1, vl - (size_t)(colon + 1 - v), 65535, &port))
		return -EPROTO;
	hl = (size_t)(colon - v);
	if (hl >= 2 && v[0] == '[' && v[hl - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (hl - 2 >= sizeof(host))
			return -EPROTO;
		memcpy(host, v + 1, hl - 2);
		host[hl - 2] = 0;
		memset(ss, 0, sizeof(*ss));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 ? 0 : -EPROTO;
	}
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (hl >= sizeof(host))
			return -EPROTO;
		memcpy(host, v, hl);
		host[hl] = 0;
		memset(ss, 0, sizeof(*ss));
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -EPROTO;
	}
}

static int allowed(const char *v, size_t vl, struct tun_peer_info *p)
{
	char tmp[INET6_ADDRSTRLEN + 8], *slash;
	struct tun_peer_allowed a = { 0 };
	uint64_t cidr;

	if (vl >= sizeof(tmp))
		return -EPROTO;
	memcpy(tmp, v, vl);
	tmp[vl] = 0;
	slash = strchr(tmp, '/');
	if (!slash)
		return -EPROTO;
	*slash = 0;
	a.family = strchr(tmp, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(a.family, tmp, a.addr) != 1 ||
	    util_parse_u64(slash + 1, 0, a.family == AF_INET ? 32 : 128, &cidr))
		return -EPROTO;
	a.cidr = (uint8_t)cidr;
	if (p->n_allowed < TUN_PEER_ALLOWED_MAX)
		p->allowed[p->n_allowed++] = a;
	p->n_allowed_total++;
	return 0;
}

static int peer_line(struct dev_ctx *c, const char *k, size_t kl, const char *v, size_t vl)
{
	struct tun_peer_info *p = c->p;
	uint64_t x;

	if (is(k, kl, "endpoint"))
		return endpoint(v, vl, &p->endpoint);
	if (is(k, kl, "allowed_ip"))
		return allowed(v, vl, p);
	if (!is(k, kl, "rx_bytes") && !is(k, kl, "tx_bytes") && !is(k, kl, "last_handshake_time_sec") &&
	    !is(k, kl, "persistent_keepalive_interval"))
		return 0;
	if (num(v, vl, UINT64_MAX, &x))
		return -EPROTO;
	if (is(k, kl, "rx_bytes"))
		p->rx_bytes = x;
	else if (is(k, kl, "tx_bytes"))
		p->tx_bytes = x;
	else if (is(k, kl, "last_handshake_time_sec"))
		p->last_handshake_sec = x > INT64_MAX ? INT64_MAX : (int64_t)x;
	else
		p->keepalive_s = x > 65535 ? 65535 : (unsigned int)x;
	return 0;
}

static int dev_line(struct dev_ctx *c, const char *k, size_t kl, const char *v, size_t vl)
{
	char hex[2 * TUN_KEY_LEN + 1];
	uint64_t x;
	int r;

	if (is(k, kl, "errno")) {
		c->errno_seen = true;
		return num(v, vl, 4095, &c->err);
	}
	if (is(k, kl, "public_key")) {
		if (vl != 2 * TUN_KEY_LEN)
			return -EPROTO;
		if ((r = tun_device_add_peer(c->d, &c->p)))
			return r;
		memcpy(hex, v, vl);
		hex[vl] = 0;
		return tun_key_from_hex(hex, c->p->public_key) ? -EPROTO : 0;
	}
	if (c->p)
		return peer_line(c, k, kl, v, vl);
	if (is(k, kl, "listen_port") || is(k, kl, "fwmark")) {
		if (num(v, vl, is(k, kl, "listen_port") ? 65535 : UINT32_MAX, &x))
			return -EPROTO;
		if (is(k, kl, "listen_port"))
			c->d->listen_port = (unsigned int)x;
		else
			c->d->fwmark = (uint32_t)x;
	}
	return 0;   /* private_key and what we do not know */
}

int tun_uapi_parse_device(const char *reply, struct tun_device_info *d)
{
	struct dev_ctx c = { .d = d };
	const char *p = reply;
	int r;

	d->n_peers = 0;
	d->listen_port = 0;
	d->fwmark = 0;
	while (*p && *p != '\n') {
		const char *end = strchr(p, '\n'), *eq;

		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (!eq)
			return -EPROTO;
		r = dev_line(&c, p, (size_t)(eq - p), eq + 1, (size_t)(end - eq - 1));
		if (r)
			return r;
		p = *end ? end + 1 : end;
	}
	return c.errno_seen && c.err == 0 ? 0 : -EPROTO;
}
