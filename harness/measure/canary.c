/* canary.c — see canary.h. */
#include "canary.h"
#include "node.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sched.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

struct worker {
	int cpu;
	double seconds;
	double rate;
	int err;
	pthread_t th;
};

static void *spin(void *arg)
{
	struct worker *w = arg;
	unsigned char key[crypto_aead_chacha20poly1305_ietf_KEYBYTES] = { 1 };
	unsigned char nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = { 0 };
	unsigned char in[CANARY_PACKET], out[CANARY_PACKET + crypto_aead_chacha20poly1305_ietf_ABYTES];
	unsigned long long n = 0, outlen;
	double t0, t;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		w->err = -EINVAL;
		return NULL;
	}
	memset(in, 0x5a, sizeof(in));
	t0 = util_now_mono();
	do {
		/* 64 packets between clock reads: the clock is not what is measured */
		for (int i = 0; i < 64; i++, n++) {
			memcpy(nonce, &n, sizeof(n));
			crypto_aead_chacha20poly1305_ietf_encrypt(out, &outlen, in, sizeof(in), NULL, 0,
								  NULL, nonce, key);
		}
		t = util_now_mono() - t0;
	} while (t < w->seconds);
	w->rate = (double)n / t;
	return NULL;
}

int canary_run(double seconds, struct canary_result *out)
{
	struct worker w[CANARY_MAX_CPUS];
	cpu_set_t online;
	size_t n = 0, i;
	int c, ret = 0;

	memset(out, 0, sizeof(*out));
	if (!(seconds >= 0.05 && seconds <= 10))
		return -EINVAL;
	if (sodium_init() < 0) {
		wgb_err("canary: libsodium could not start");
		return -EIO;
	}
	if (sched_getaffinity(0, sizeof(online), &online) < 0)
		return -errno;
	for (c = 0; c < CPU_SETSIZE && n < CANARY_MAX_CPUS; c++)
		if (CPU_ISSET(c, &online))
			w[n++] = (struct worker){ .cpu = c, .seconds = seconds };
	for (i = 0; i < n; i++) {
		int r = -node_thread_start(&w[i].th, spin, &w[i]);

		if (r) {
			wgb_err("canary: cannot start a thread: %s", strerror(r));
			n = i;
			ret = -r;
			break;
		}
	}
	for (i = 0; i < n; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].err && !ret) {
			wgb_err("canary: cannot pin a thread to CPU %d", w[i].cpu);
			ret = w[i].err;
		}
	}
	if (ret)
		return ret;
	out->seconds = seconds;
	out->ncpu = n;
	for (i = 0; i < n; i++) {
		out->cpu[i] = w[i].cpu;
		out->per_cpu[i] = w[i].rate;
		out->ops_per_s += w[i].rate;
	}
	return 0;
}

struct json_object *canary_json(const struct canary_result *r)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t i;

	json_object_object_add(o, "ops_per_s", json_object_new_double(r->ops_per_s));
	json_object_object_add(o, "seconds", json_object_new_double(r->seconds));
	json_object_object_add(o, "packet_bytes", json_object_new_int(CANARY_PACKET));
	json_object_object_add(o, "cipher", json_object_new_string("chacha20poly1305-ietf (libsodium)"));
	for (i = 0; i < r->ncpu; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "cpu", json_object_new_int(r->cpu[i]));
		json_object_object_add(e, "ops_per_s", json_object_new_double(r->per_cpu[i]));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "per_cpu", a);
	return o;
}
