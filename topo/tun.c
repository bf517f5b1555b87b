/* tun.c — choosing an implementation, and the keys all of them use. */
#include "tun.h"
#include "tun_impl.h"
#include "util.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

int tun_select(enum tun_kind want, const struct tun_ops **out)
{
	char why_k[256] = "", why_g[256] = "";
	int ret;

	switch (want) {
	case TUN_NONE:
		*out = &tun_none_ops;
		return 0;
	case TUN_KERNEL:
		ret = tun_kernel_ops.probe(why_k, sizeof(why_k));
		if (ret < 0) {
			wgb_err("--wg kernel: %s", why_k);
			return ret;
		}
		*out = &tun_kernel_ops;
		return 0;
	case TUN_WGGO:
		ret = tun_wggo_ops.probe(why_g, sizeof(why_g));
		if (ret < 0) {
			wgb_err("--wg wireguard-go: %s", why_g);
			return ret;
		}
		*out = &tun_wggo_ops;
		return 0;
	case TUN_AUTO:
		break;
	}
	if (tun_kernel_ops.probe(why_k, sizeof(why_k)) == 0) {
		*out = &tun_kernel_ops;
		return 0;
	}
	ret = tun_wggo_ops.probe(why_g, sizeof(why_g));
	if (ret == 0) {
		wgb_debug("--wg auto: kernel unusable (%s), using wireguard-go", why_k);
		*out = &tun_wggo_ops;
		return 0;
	}
	wgb_err("--wg auto: no WireGuard implementation: %s; %s", why_k, why_g);
	return ret;
}

int tun_generate_keypair(uint8_t priv[TUN_KEY_LEN], uint8_t pub[TUN_KEY_LEN])
{
	if (sodium_init() < 0) {
		wgb_err("libsodium failed to initialise");
		return -EIO;
	}
	randombytes_buf(priv, TUN_KEY_LEN);
	/* Clamp as wg genkey does (curve25519_clamp_secret). */
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
	if (crypto_scalarmult_base(pub, priv) != 0) {
		sodium_memzero(priv, TUN_KEY_LEN);
		return -EIO;
	}
	return 0;
}

void tun_key_to_hex(const uint8_t key[TUN_KEY_LEN], char hex[2 * TUN_KEY_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < TUN_KEY_LEN; i++) {
		hex[2 * i] = digits[key[i] >> 4];
		hex[2 * i + 1] = digits[key[i] & 15];
	}
	hex[2 * TUN_KEY_LEN] = '\0';
}

void tun_key_to_base64(const uint8_t key[TUN_KEY_LEN], char b64[45])
{
	sodium_bin2base64(b64, 45, key, TUN_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tun_key_from_hex(const char *hex, uint8_t key[TUN_KEY_LEN])
{
	if (!hex || strlen(hex) != 2 * TUN_KEY_LEN)
		return -EINVAL;
	for (size_t i = 0; i < TUN_KEY_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

const char *tun_kind_name(enum tun_kind k)
{
	switch (k) {
	case TUN_AUTO: return "auto";
	case TUN_KERNEL: return "kernel";
	case TUN_WGGO: return "wireguard-go";
	case TUN_NONE: return "none";
	}
	return "?";
}
