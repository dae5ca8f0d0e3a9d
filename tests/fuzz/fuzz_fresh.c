/*
 * fuzz_fresh.c - RFC 8070 freshness tokens coming back from clients in
 * the PKAuthenticator.  The token is ours, but the bytes are the client's:
 * fresh_token_check() must refuse anything it did not make, accept what
 * it made within the lifetime, and refuse any single changed byte.
 *
 * The krbtgt keys are fixed here (two kvnos, two enctypes), with the
 * freshness keys set directly rather than derived from a keytab.
 */
#include "config.h"

#include "fresh.h"
#include "fuzz.h"

#define NOW ((int64_t)1795000000)     /* 2026-11-18 */
#define SKEW 300

static struct tgs_key key_v[3];
static struct tgs_keys keys;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct {
		uint32_t kvno;
		int32_t enctype;
	} def[] = { { 1, 18 }, { 2, 17 }, { 2, 18 } };
	unsigned char bytes[KC_MAX_KEY_LEN];
	struct kerr e;
	size_t i, j, len;

	(void)argc;
	(void)argv;
	for (i = 0; i < 3; i++) {
		len = kc_enctype_key_length(def[i].enctype);
		for (j = 0; j < sizeof(bytes); j++)
			bytes[j] = (unsigned char)(i * 64 + j);
		key_v[i].kvno = def[i].kvno;
		if (kc_key_from_bytes(def[i].enctype, bytes, len,
		    &key_v[i].key, &e) != 0)
			goto fail;
		for (j = 0; j < sizeof(bytes); j++)
			bytes[j] = (unsigned char)(i * 64 + 32 + j);
		if (kc_key_from_bytes(def[i].enctype, bytes, len,
		    &key_v[i].fresh, &e) != 0)
			goto fail;
	}
	keys.realm = (char *)"EXAMPLE.TEST";
	keys.principal = (char *)"krbtgt/EXAMPLE.TEST@EXAMPLE.TEST";
	keys.v = key_v;
	keys.n = 3;
	keys.newest_kvno = 2;
	return 0;
fail:
	fprintf(stderr, "kc_key_from_bytes: %s\n", e.msg);
	abort();
}

static uint32_t
get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* A token we make at NOW - age must pass or fail as the rules say, and
 * lose its validity with any byte changed. */
static void
made(const uint8_t *data)
{
	uint8_t *tok = NULL;
	size_t len = 0, pos;
	int64_t age = (int64_t)get16(data) - 2 * SKEW;  /* -600 .. 64935 */
	int ok;
	struct kerr e;
	kerr_t ret, want;

	if (fresh_token_make(&keys, NOW - age, 0, &tok, &len, &e) != 0) {
		fprintf(stderr, "fresh_token_make: %s\n", e.msg);
		abort();
	}
	FUZZ_ASSERT(len > 0 && len <= FRESH_TOKEN_MAX);
	ret = fresh_token_check(&keys, tok, len, NOW, SKEW, &e);
	ok = age >= -SKEW && age <= FRESH_TOKEN_LIFETIME;
	FUZZ_ASSERT(ok ? ret == 0 : ret == KDC_ERR_PREAUTH_EXPIRED);
	/* Cut short, it is not ours any more. */
	FUZZ_ASSERT(fresh_token_check(&keys, tok, len - 1, NOW, SKEW, &e) ==
	    KDC_ERR_PREAUTH_EXPIRED);
	pos = get16(data + 2) % len;
	tok[pos] ^= data[4] != 0 ? data[4] : 0x80;
	/* Any changed byte, the kvno and enctype header included, makes
	 * the token one we did not issue. */
	want = KDC_ERR_PREAUTH_EXPIRED;
	FUZZ_ASSERT(fresh_token_check(&keys, tok, len, NOW, SKEW, &e) == want);
	free(tok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kerr e;
	kerr_t ret;

	ret = fresh_token_check(&keys, data, size, NOW, SKEW, &e);
	FUZZ_ASSERT(ret == 0 || ret == KDC_ERR_PREAUTH_EXPIRED);
	if (ret != 0)
		FUZZ_ASSERT_MSG(&e);
	if (size >= 5)
		made(data);
	return 0;
}
