/* latency_pkt.c — the probe's packet format (see latency.h): pure, byte by
 * byte, no casts of the buffer (a received datagram has no alignment). */
#include "latency.h"

#include <errno.h>
#include <string.h>

#define KNOWN_FLAGS (LATENCY_F_REFLECTED | LATENCY_F_REFL_KRX)

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v;
}

static void put32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = v >> (24 - 8 * i);
}

static void put64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = v >> (56 - 8 * i);
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t get64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* The rules both directions share: what a well-formed packet is. */
static bool pkt_valid(const struct latency_pkt *p)
{
	if (p->len < LATENCY_HDR_LEN || p->len > LATENCY_PKT_MAX)
		return false;
	if (p->flags & ~KNOWN_FLAGS || !p->t_send)
		return false;
	if (!(p->flags & LATENCY_F_REFLECTED))
		return !(p->flags & LATENCY_F_REFL_KRX) && !p->t_refl_rx && !p->t_refl_tx &&
		       !p->clock_id;
	return p->t_refl_rx && p->t_refl_tx >= p->t_refl_rx;
}

int latency_pkt_encode(const struct latency_pkt *p, uint8_t *buf, size_t cap)
{
	if (!pkt_valid(p) || cap < p->len)
		return -EINVAL;
	put32(buf, LATENCY_MAGIC);
	buf[4] = LATENCY_VERSION;
	buf[5] = p->flags;
	put16(buf + 6, p->len);
	put64(buf + 8, p->session);
	put64(buf + 16, p->seq);
	put64(buf + 24, p->t_send);
	put64(buf + 32, p->t_refl_rx);
	put64(buf + 40, p->t_refl_tx);
	put64(buf + 48, p->clock_id);
	memset(buf + LATENCY_HDR_LEN, 0, p->len - LATENCY_HDR_LEN);
	return 0;
}

int latency_pkt_parse(const uint8_t *buf, size_t n, struct latency_pkt *out)
{
	struct latency_pkt p;

	if (!buf || n < LATENCY_HDR_LEN || n > LATENCY_PKT_MAX)
		return -EBADMSG;
	if (get32(buf) != LATENCY_MAGIC || buf[4] != LATENCY_VERSION)
		return -EBADMSG;
	p.flags = buf[5];
	p.len = get16(buf + 6);
	p.session = get64(buf + 8);
	p.seq = get64(buf + 16);
	p.t_send = get64(buf + 24);
	p.t_refl_rx = get64(buf + 32);
	p.t_refl_tx = get64(buf + 40);
	p.clock_id = get64(buf + 48);
	if (p.len != n || !pkt_valid(&p))
		return -EBADMSG;
	for (size_t i = LATENCY_HDR_LEN; i < n; i++)
		if (buf[i])
			return -EBADMSG;
	*out = p;
	return 0;
}
