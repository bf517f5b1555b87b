/* tun_none.c — no tunnel: the gateways route the lans over the underlay
 * (topo does that). Nothing is created; there are no peer statistics to
 * report, so peer_stats says so rather than invent zeros. */
#include "tun.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int none_probe(char *why, size_t len)
{
	if (len)
		why[0] = '\0';
	return 0;
}

static int none_create_end(const struct tun_end_cfg *cfg, struct tun_end *end)
{
	memset(end, 0, sizeof(*end));
	return 0;
}

static int none_destroy_end(struct tun_end *end)
{
	return 0;
}

static int none_peer_stats(const struct tun_end *end, struct tun_peer_stats *out)
{
	return -ENODATA;
}

static int none_version(char *buf, size_t len)
{
	snprintf(buf, len, "none");
	return 0;
}

const struct tun_ops tun_none_ops = {
	.name = "none",
	.kind = TUN_NONE,
	.probe = none_probe,
	.create_end = none_create_end,
	.destroy_end = none_destroy_end,
	.peer_stats = none_peer_stats,
	.version = none_version,
};
