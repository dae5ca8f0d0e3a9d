/*
 * fuzz_kcrypto.c - Kerberos decryption and checksum verification on
 * ciphertexts and checksums from the network (RFC 3961 section 5.3, RFC
 * 3962, RFC 8009): PA-ENC-TIMESTAMP, tickets, authenticators and FAST
 * armored data all reach kc_decrypt() before anything else looks at them.
 *
 * Input: byte 0 picks the key (its low two bits: aes128/aes256 with SHA-1,
 * aes128/aes256 with SHA-2) and, in its upper bits, a checksum type; byte
 * 1 is the key usage; the rest is the ciphertext.  Besides surviving any
 * ciphertext, encrypting the same bytes must decrypt back to them and a
 * computed checksum must verify.
 */
#include "config.h"

#include "fuzz.h"
#include "kcrypto.h"
#include "secmem.h"

static const int32_t enctypes[] = { 17, 18, 19, 20 };
static struct kc_key keys[4];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char bytes[KC_MAX_KEY_LEN];
	struct kerr e;
	size_t i, j;

	(void)argc;
	(void)argv;
	for (i = 0; i < 4; i++) {
		for (j = 0; j < sizeof(bytes); j++)
			bytes[j] = (unsigned char)(i * 32 + j);
		if (kc_key_from_bytes(enctypes[i], bytes,
		    kc_enctype_key_length(enctypes[i]), &keys[i], &e) != 0) {
			fprintf(stderr, "kc_key_from_bytes: %s\n", e.msg);
			abort();
		}
	}
	return 0;
}

/* Untrusted ciphertext and checksums. */
static void
untrusted(const struct kc_key *k, int32_t usage, int32_t cksumtype,
    const uint8_t *p, size_t n)
{
	unsigned char *plain = NULL;
	size_t plen = 0, half = n / 2;
	struct kerr e;
	kerr_t ret;

	ret = kc_decrypt(k, usage, p, n, &plain, &plen, &e);
	if (ret == 0) {
		FUZZ_ASSERT(plain != NULL &&
		    plen + kc_enctype_overhead(k->enctype) == n);
		sec_free(plain, plen);
	} else {
		FUZZ_ASSERT(plain == NULL);
		FUZZ_ASSERT_MSG(&e);
	}
	ret = kc_checksum_verify(k, usage, cksumtype, p, half, p + half,
	    n - half, &e);
	if (ret != 0)
		FUZZ_ASSERT_MSG(&e);
}

/* Our own output must be accepted. */
static void
round_trip(const struct kc_key *k, int32_t usage, const uint8_t *p, size_t n)
{
	unsigned char *ct = NULL, *plain = NULL;
	unsigned char ck[KC_MAX_CKSUM_LEN];
	size_t ctlen = 0, plen = 0, cklen = 0;
	struct kerr e;

	if (kc_encrypt(k, usage, p, n, &ct, &ctlen, &e) != 0) {
		fprintf(stderr, "kc_encrypt of %zu bytes: %s\n", n, e.msg);
		abort();
	}
	FUZZ_ASSERT(ctlen == n + kc_enctype_overhead(k->enctype));
	if (kc_decrypt(k, usage, ct, ctlen, &plain, &plen, &e) != 0) {
		fprintf(stderr, "kc_decrypt of our own output: %s\n", e.msg);
		abort();
	}
	FUZZ_ASSERT(plen == n && (n == 0 || memcmp(plain, p, n) == 0));
	sec_free(plain, plen);
	plain = NULL;
	/* Another usage derives other keys (RFC 3961 section 5.3), so the
	 * integrity check must fail. */
	FUZZ_ASSERT(kc_decrypt(k, usage + 1, ct, ctlen, &plain, &plen, &e)
	    == KRB_AP_ERR_BAD_INTEGRITY && plain == NULL);
	free(ct);
	FUZZ_ASSERT(kc_checksum(k, usage, 0, p, n, ck, &cklen, &e) == 0);
	FUZZ_ASSERT(kc_checksum_verify(k, usage, 0, p, n, ck, cklen, &e)
	    == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct kc_key *k;
	int32_t usage;

	if (size < 2)
		return 0;
	k = &keys[data[0] & 3];
	usage = data[1];
	untrusted(k, usage, data[0] >> 2, data + 2, size - 2);
	round_trip(k, usage, data + 2, size - 2);
	return 0;
}
