/* t_tun_cfg.h — the one tunnel end both wire-format tests (t_tun_genl,
 * t_tun_uapi) encode: gw1's end of tunnel 0, with two allowed IPs.
 * Include from a t_*.c program only. */
#ifndef WGB_T_TUN_CFG_H
#define WGB_T_TUN_CFG_H

#include "tun.h"

#include <arpa/inet.h>
#include <string.h>

static inline void t_tun_cfg_init(struct tun_end_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->netns_path = "/run/netns/x";
	c->ifname = "wgb-g1t0";
	c->listen_port = 51820;
	memset(c->private_key, 0x11, 32);
	memset(c->peer_public_key, 0xab, 32);
	c->peer_endpoint.sin_family = AF_INET;
	c->peer_endpoint.sin_port = htons(51821);
	inet_pton(AF_INET, "10.100.0.2", &c->peer_endpoint.sin_addr);
	inet_pton(AF_INET, "10.102.0.2", &c->allowed[0].addr);
	c->allowed[0].cidr = 32;
	inet_pton(AF_INET, "10.103.0.0", &c->allowed[1].addr);
	c->allowed[1].cidr = 24;
	c->n_allowed = 2;
}

#endif
