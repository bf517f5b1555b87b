/* sample_wg.c — WireGuard's own counters in every snapshot: each peer's
 * received and sent bytes and its latest handshake, as the implementation
 * reports them (tun.h's reader: a genl socket bound once in the node's
 * namespace, or the UAPI socket; never a fork). The peers are fixed at
 * start by public key; a peer removed later reads as missing (NaN). */
#include "sample.h"
#include "sample_impl.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int sample_wg_open(struct sampler *s, int node, const char *node_name, const char *netns_path,
		   const char *ifname)
{
	struct swg *w;
	int ret;

	if (s->nwg >= SAMPLE_MAX_WG) {
		wgb_warn("sample: node %s: more than %d WireGuard interfaces; %s is not sampled",
			 node_name, SAMPLE_MAX_WG, ifname);
		return 0;
	}
	w = &s->wgs[s->nwg];
	memset(w, 0, sizeof(*w));
	w->node = node;
	snprintf(w->ifname, sizeof(w->ifname), "%s", ifname);
	ret = tun_reader_open(netns_path, ifname, &w->rd);
	if (ret == -ENODEV) {
		/* no tunnel there (--wg none): nothing of WireGuard's to read */
		wgb_debug("sample: node %s: %s is no WireGuard interface; not sampled", node_name, ifname);
		return 0;
	}
	if (ret) {
		wgb_err("sample: node %s: cannot read the WireGuard peers of %s: %s", node_name, ifname,
			ret == -ENODEV ? "not a WireGuard interface" : strerror(-ret));
		return ret;
	}
	s->nwg++;
	return 0;
}

void sample_wg_read(struct sampler *s)
{
	size_t i;

	for (i = 0; i < s->nwg; i++) {
		struct swg *w = &s->wgs[i];

		w->ok = tun_reader_read(w->rd, &w->dev) == 0;
		if (!w->ok && !(s->warned & (1u << (16 + i)))) {
			s->warned |= 1u << (16 + i);
			wgb_warn("sample: the WireGuard peers of %s could not be read; missing from here on "
				 "until they read again", w->ifname);
		}
	}
}

int sample_wg_layout(struct sampler *s)
{
	size_t i, j, n = 0;

	for (i = 0; i < s->nwg; i++)
		n += s->wgs[i].dev.n_peers < SAMPLE_WG_PEERS_MAX ? s->wgs[i].dev.n_peers : SAMPLE_WG_PEERS_MAX;
	s->wgp = calloc(n ? n : 1, sizeof(*s->wgp));
	if (!s->wgp)
		return -ENOMEM;
	for (i = 0; i < s->nwg; i++) {
		struct swg *w = &s->wgs[i];

		for (j = 0; j < w->dev.n_peers; j++) {
			struct swgp *p = &s->wgp[s->nwgp];

			if (j >= SAMPLE_WG_PEERS_MAX) {
				w->peers_left_out++;
				continue;
			}
			p->wg = (int)i;
			p->hint = j;
			memcpy(p->key, w->dev.peers[j].public_key, TUN_KEY_LEN);
			tun_endpoint_str(&w->dev.peers[j].endpoint, p->endpoint, sizeof(p->endpoint));
			s->nwgp++;
		}
	}
	return 0;
}

static const struct tun_peer_info *find_peer(const struct swg *w, const struct swgp *p)
{
	size_t j = p->hint;

	if (j < w->dev.n_peers && !memcmp(w->dev.peers[j].public_key, p->key, TUN_KEY_LEN))
		return &w->dev.peers[j];
	for (j = 0; j < w->dev.n_peers; j++)
		if (!memcmp(w->dev.peers[j].public_key, p->key, TUN_KEY_LEN))
			return &w->dev.peers[j];
	return NULL;
}

void sample_wg_fill(const struct sampler *s, struct snap *p)
{
	size_t i;

	for (i = 0; i < s->nwgp; i++) {
		const struct swg *w = &s->wgs[s->wgp[i].wg];
		const struct tun_peer_info *x = w->ok ? find_peer(w, &s->wgp[i]) : NULL;
		size_t b = s->wg_base + i * SAMPLE_WG_NSTATS;

		if (!x)
			continue;   /* unreadable now, or the peer is gone */
		p->v[b + SAMPLE_WG_RX] = x->rx_bytes;
		p->v[b + SAMPLE_WG_TX] = x->tx_bytes;
		p->v[b + SAMPLE_WG_HANDSHAKE] = x->last_handshake_sec > 0 ? (uint64_t)x->last_handshake_sec : 0;
		memset(p->ok + b, 1, SAMPLE_WG_NSTATS);
	}
}

bool sample_wg_gauge(const struct sampler *s, size_t col)
{
	return col >= s->wg_base && col < s->ncol && (col - s->wg_base) % SAMPLE_WG_NSTATS == SAMPLE_WG_HANDSHAKE;
}

void sample_wg_header(const struct sampler *s, FILE *f)
{
	size_t i, k;

	for (i = 0; i < s->nwgp; i++) {
		const struct swg *w = &s->wgs[s->wgp[i].wg];
		size_t peer = s->wgp[i].hint;

		for (k = 0; k < SAMPLE_WG_NSTATS; k++)
			fprintf(f, ",%s.%s.peer%zu.%s", s->node_name[w->node], w->ifname, peer,
				k == SAMPLE_WG_RX ? "rx_bytes" : k == SAMPLE_WG_TX ? "tx_bytes" : "latest_handshake");
	}
}

static struct json_object *iface_obj(struct json_object *wg, const struct sampler *s, const struct swg *w)
{
	struct json_object *node, *o;

	if (!json_object_object_get_ex(wg, s->node_name[w->node], &node)) {
		node = json_object_new_object();
		json_object_object_add(wg, s->node_name[w->node], node);
	}
	if (json_object_object_get_ex(node, w->ifname, &o))
		return o;
	o = json_object_new_object();
	json_object_object_add(o, "implementation", json_object_new_string(
		tun_reader_kind(w->rd) == TUN_KERNEL ? "kernel" : "userspace"));
	json_object_object_add(o, "peers", json_object_new_array());
	json_object_object_add(o, "peers_not_sampled", json_object_new_int64((int64_t)w->peers_left_out));
	json_object_object_add(node, w->ifname, o);
	return o;
}

/* Latest handshake at the window's end (the last snapshot inside it), how
 * old it was then, and how many new ones came inside the window. */
static void handshakes(const struct sampler *s, size_t col, double w0, double w1, struct json_object *o)
{
	const struct snap *last = NULL;
	long long changes = 0;
	size_t i;

	for (i = 0; i < s->nsnap; i++) {
		const struct snap *q = &s->snaps[i];

		if (q->t > w1 || !q->ok[col])
			continue;
		if (i > 0 && q->t > w0 && s->snaps[i - 1].ok[col] && s->snaps[i - 1].v[col] != q->v[col])
			changes++;
		last = q;
	}
	if (!last || !last->v[col]) {
		json_object_object_add(o, "latest_handshake", last ? json_object_new_int64(0) : NULL);
		json_object_object_add(o, "handshake_age_s", NULL);
	} else {
		json_object_object_add(o, "latest_handshake", json_object_new_int64((int64_t)last->v[col]));
		json_object_object_add(o, "handshake_age_s", json_object_new_int64(
			llround(last->t + s->wall_minus_mono - (double)last->v[col])));
	}
	json_object_object_add(o, "handshakes", last ? json_object_new_int64(changes) : NULL);
}

struct json_object *sample_wg_json(const struct sampler *s, double w0, double w1, const double *v,
				   const unsigned char *seen, const unsigned char *gap)
{
	struct json_object *wg = json_object_new_object();
	size_t i;

	for (i = 0; i < s->nwg; i++)
		iface_obj(wg, s, &s->wgs[i]);
	for (i = 0; i < s->nwgp; i++) {
		const struct swgp *p = &s->wgp[i];
		struct json_object *o = json_object_new_object(), *peers;
		size_t b = s->wg_base + i * SAMPLE_WG_NSTATS;
		char key[45];

		tun_key_to_base64(p->key, key);
		json_object_object_add(o, "peer", json_object_new_int64((int64_t)p->hint));
		json_object_object_add(o, "public_key", json_object_new_string(key));
		json_object_object_add(o, "endpoint", p->endpoint[0] ? json_object_new_string(p->endpoint) : NULL);
		json_object_object_add(o, "rx_bytes", seen[b + SAMPLE_WG_RX] ?
				       json_object_new_int64(llround(v[b + SAMPLE_WG_RX])) : NULL);
		json_object_object_add(o, "tx_bytes", seen[b + SAMPLE_WG_TX] ?
				       json_object_new_int64(llround(v[b + SAMPLE_WG_TX])) : NULL);
		handshakes(s, b + SAMPLE_WG_HANDSHAKE, w0, w1, o);
		json_object_object_add(o, "partial", json_object_new_boolean(gap[b + SAMPLE_WG_RX]));
		json_object_object_get_ex(iface_obj(wg, s, &s->wgs[p->wg]), "peers", &peers);
		json_object_array_add(peers, o);
	}
	return wg;
}

void sample_wg_free(struct sampler *s)
{
	size_t i;

	for (i = 0; i < s->nwg; i++) {
		tun_reader_free(s->wgs[i].rd);
		free(s->wgs[i].dev.peers);
	}
	s->nwg = 0;
	free(s->wgp);
	s->wgp = NULL;
	s->nwgp = 0;
}
