/* t_tun_keys.c — key hex encoding and Curve25519 key derivation against the
 * Diffie-Hellman vectors of RFC 7748 section 6.1. */
#include "tun.h"
#include "tun_impl.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define T_NAME "t_tun_keys"
#define CHECK T_CHECK_WHAT
#include "t_common.h"

static const struct {
	const char *priv, *pub;
} rfc7748[] = {
	{ "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" },   /* Alice */
	{ "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f" },   /* Bob */
};
static const char rfc7748_shared[] = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

static void test_hex(void)
{
	uint8_t k[TUN_KEY_LEN], back[TUN_KEY_LEN];
	char hex[2 * TUN_KEY_LEN + 1];

	for (int i = 0; i < TUN_KEY_LEN; i++)
		k[i] = (uint8_t)(i * 37 + 5);
	tun_key_to_hex(k, hex);
	CHECK(strlen(hex) == 64, "hex length");
	CHECK(!strncmp(hex, "052a4f7499", 10), "hex digits");
	CHECK(tun_key_from_hex(hex, back) == 0 && !memcmp(k, back, sizeof(k)), "round trip");
	CHECK(tun_key_from_hex("8520F0098930A754748B7DDCB43EF75A0DBF3A0D26381AF4EBA4A98EAA9B4E6A", back) == 0 &&
	      back[0] == 0x85 && back[31] == 0x6a, "upper case accepted");
	CHECK(tun_key_from_hex("00", back) == -EINVAL, "short rejected");
	hex[10] = 'g';
	CHECK(tun_key_from_hex(hex, back) == -EINVAL, "non-hex rejected");
	CHECK(tun_key_from_hex(NULL, back) == -EINVAL, "NULL rejected");
}

static void test_vectors(void)
{
	uint8_t priv[2][32], pub[32], shared[32];
	char hex[65];

	for (int i = 0; i < 2; i++) {
		CHECK(tun_key_from_hex(rfc7748[i].priv, priv[i]) == 0, "vector parses");
		CHECK(crypto_scalarmult_base(pub, priv[i]) == 0, "scalarmult_base");
		tun_key_to_hex(pub, hex);
		CHECK(!strcmp(hex, rfc7748[i].pub), "public key of RFC 7748 6.1");
	}
	CHECK(tun_key_from_hex(rfc7748[1].pub, pub) == 0, "Bob's public key");
	CHECK(crypto_scalarmult(shared, priv[0], pub) == 0, "scalarmult");
	tun_key_to_hex(shared, hex);
	CHECK(!strcmp(hex, rfc7748_shared), "shared secret of RFC 7748 6.1");
}

static void test_generate(void)
{
	uint8_t a[32], A[32], b[32], B[32], check[32];

	CHECK(tun_generate_keypair(a, A) == 0, "generate");
	CHECK(tun_generate_keypair(b, B) == 0, "generate again");
	CHECK(memcmp(a, b, 32) && memcmp(A, B, 32), "two pairs differ");
	CHECK((a[0] & 7) == 0 && (a[31] & 0x80) == 0 && (a[31] & 0x40), "private key clamped");
	CHECK(crypto_scalarmult_base(check, a) == 0 && !memcmp(check, A, 32), "public = base * private");
}

int main(void)
{
	test_hex();
	test_vectors();
	test_generate();
	if (failures)
		fprintf(stderr, "t_tun_keys: %d failure(s)\n", failures);
	return failures != 0;
}
