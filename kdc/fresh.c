/*
 * fresh.c - making and checking RFC 8070 freshness tokens.
 *
 * Token layout (all integers big-endian):
 *   version (1) = 1 | kvno (4) | enctype (4) | ciphertext
 * where ciphertext = kc_encrypt(fresh key, FRESH_USAGE,
 *   "PKF1" | seconds (8) | microseconds (4)).
 * The encryption gives integrity: a token changed in any byte fails to
 * decrypt.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fresh.h"
#include "kcrypto.h"
#include "secmem.h"

/* A key usage number of our own; tokens are never decrypted by clients. */
#define FRESH_USAGE 1026
#define FRESH_VERSION 1
#define FRESH_HDR 9
#define FRESH_PLAIN 16

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

kerr_t
fresh_token_make(const struct tgs_keys *keys, int64_t now, int32_t now_usec,
    uint8_t **token_out, size_t *len_out, struct kerr *e)
{
	const struct tgs_key *k = tgs_keys_for_issue(keys);
	uint8_t plain[FRESH_PLAIN], *ct = NULL, *tok = NULL;
	size_t ctlen = 0;
	kerr_t ret;

	memcpy(plain, "PKF1", 4);
	put32(plain + 4, (uint32_t)((uint64_t)now >> 32));
	put32(plain + 8, (uint32_t)now);
	put32(plain + 12, (uint32_t)now_usec);
	ret = kc_encrypt(&k->fresh, FRESH_USAGE, plain, sizeof(plain), &ct,
	    &ctlen, e);
	if (ret)
		goto cleanup;
	tok = malloc(FRESH_HDR + ctlen);
	if (tok == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	tok[0] = FRESH_VERSION;
	put32(tok + 1, k->kvno);
	put32(tok + 5, (uint32_t)k->fresh.enctype);
	memcpy(tok + FRESH_HDR, ct, ctlen);
	*token_out = tok;
	*len_out = FRESH_HDR + ctlen;
cleanup:
	free(ct);
	return ret;
}

kerr_t
fresh_token_check(const struct tgs_keys *keys, const uint8_t *token,
    size_t len, int64_t now, int64_t clockskew, struct kerr *e)
{
	const struct tgs_key *k;
	uint8_t *plain = NULL;
	size_t plen = 0;
	int64_t made;
	kerr_t ret;

	if (len < FRESH_HDR + 1 || len > FRESH_TOKEN_MAX ||
	    token[0] != FRESH_VERSION)
		return kerr_set(e, KDC_ERR_PREAUTH_EXPIRED,
		    "freshness token is not one of ours (length %zu)", len);
	/* kvno 0 would mean "newest" to tgs_keys_find(): tokens name the
	 * exact key that made them, so refuse it rather than accept a
	 * rewritten header. */
	k = get32(token + 1) == 0 ? NULL :
	    tgs_keys_find(keys, get32(token + 1), (int32_t)get32(token + 5));
	if (k == NULL)
		return kerr_set(e, KDC_ERR_PREAUTH_EXPIRED,
		    "freshness token made with krbtgt kvno %u enctype %d, "
		    "which this KDC does not hold",
		    get32(token + 1), (int32_t)get32(token + 5));
	ret = kc_decrypt(&k->fresh, FRESH_USAGE, token + FRESH_HDR,
	    len - FRESH_HDR, &plain, &plen, NULL);
	if (ret || plen != FRESH_PLAIN || memcmp(plain, "PKF1", 4) != 0) {
		ret = kerr_set(e, KDC_ERR_PREAUTH_EXPIRED,
		    "freshness token fails its integrity check (forged or "
		    "corrupted)");
		goto cleanup;
	}
	made = (int64_t)((uint64_t)get32(plain + 4) << 32 | get32(plain + 8));
	if (made > now + clockskew) {
		ret = kerr_set(e, KDC_ERR_PREAUTH_EXPIRED,
		    "freshness token is from the future (%lld s ahead)",
		    (long long)(made - now));
		goto cleanup;
	}
	if (now - made > FRESH_TOKEN_LIFETIME) {
		ret = kerr_set(e, KDC_ERR_PREAUTH_EXPIRED,
		    "freshness token is %lld s old (limit %d s)",
		    (long long)(now - made), FRESH_TOKEN_LIFETIME);
		goto cleanup;
	}
	ret = 0;
cleanup:
	sec_free(plain, plen);
	return ret;
}
