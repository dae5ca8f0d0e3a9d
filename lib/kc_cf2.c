/*
 * kc_cf2.c - pseudo-random functions and their RFC 6113 uses: PRF+ and
 * KRB-FX-CF2, the key combiner FAST uses for armor and reply keys.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kc_int.h"
#include "secmem.h"

size_t
kc_prf_length(int32_t enctype)
{
	const struct kc_profile *p = kc_profile_find(enctype);

	return p != NULL ? p->prf_len : 0;
}

kerr_t
kc_prf(const struct kc_key *key, const void *in, size_t len,
    unsigned char out[KC_MAX_PRF_LEN], size_t *len_out, struct kerr *e)
{
	const struct kc_profile *p = NULL;
	kerr_t ret;

	ret = kc_profile_for_key(key, &p, e);
	if (ret != 0)
		return ret;
	if (len > KC_MAX_MSG_LEN || (in == NULL && len > 0))
		return kerr_set(e, KRB_ERR_GENERIC, "PRF input too long");
	ret = p->prf(p, key->bytes, in, len, out, e);
	if (ret == 0)
		*len_out = p->prf_len;
	return ret;
}

/*
 * RFC 6113 section 5.1: PRF+(key, s) = PRF(key, 0x01 | s) |
 * PRF(key, 0x02 | s) | ..., truncated; the counter is one octet, so at
 * most 255 blocks.
 */
kerr_t
kc_prf_plus(const struct kc_key *key, const void *in, size_t len,
    unsigned char *out, size_t out_len, struct kerr *e)
{
	const struct kc_profile *p = NULL;
	unsigned char block[KC_MAX_PRF_LEN];
	unsigned char *buf = NULL;
	size_t done = 0, blen = 0;
	unsigned int counter;
	kerr_t ret;

	ret = kc_profile_for_key(key, &p, e);
	if (ret != 0)
		return ret;
	if (len > KC_MAX_MSG_LEN || (in == NULL && len > 0))
		return kerr_set(e, KRB_ERR_GENERIC, "PRF+ input too long");
	if (out_len > 255 * p->prf_len)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "PRF+ output of %zu bytes exceeds 255 blocks", out_len);
	blen = len + 1;
	buf = malloc(blen);
	if (buf == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	if (len > 0)
		memcpy(buf + 1, in, len);
	for (counter = 1; done < out_len; counter++) {
		size_t n = out_len - done < p->prf_len ? out_len - done :
		    p->prf_len;

		buf[0] = (unsigned char)counter;
		ret = p->prf(p, key->bytes, buf, blen, block, e);
		if (ret != 0)
			goto cleanup;
		memcpy(out + done, block, n);
		done += n;
	}
	ret = 0;
cleanup:
	sec_wipe(block, sizeof(block));
	sec_free(buf, blen);
	return ret;
}

/*
 * KRB-FX-CF2(K1, K2, pepper1, pepper2) = random-to-key(
 *     PRF+(K1, pepper1) XOR PRF+(K2, pepper2)), both PRF+ outputs as long
 * as K1's enctype needs random-to-key input (RFC 6113 section 5.1).
 */
kerr_t
kc_cf2(const struct kc_key *key1, const char *pepper1,
    const struct kc_key *key2, const char *pepper2, struct kc_key *key_out,
    struct kerr *e)
{
	const struct kc_profile *p1 = NULL, *p2 = NULL;
	unsigned char a[KC_MAX_KEY_LEN], b[KC_MAX_KEY_LEN];
	size_t i;
	kerr_t ret;

	ret = kc_profile_for_key(key1, &p1, e);
	if (ret == 0)
		ret = kc_profile_for_key(key2, &p2, e);
	if (ret != 0)
		return ret;
	if (pepper1 == NULL || pepper2 == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "KRB-FX-CF2 needs peppers");
	ret = kc_prf_plus(key1, pepper1, strlen(pepper1), a, p1->key_len, e);
	if (ret == 0)
		ret = kc_prf_plus(key2, pepper2, strlen(pepper2), b,
		    p1->key_len, e);
	if (ret != 0)
		goto cleanup;
	for (i = 0; i < p1->key_len; i++)
		a[i] ^= b[i];
	ret = kc_random_to_key(p1->enctype, a, p1->key_len, key_out, e);
cleanup:
	sec_wipe(a, sizeof(a));
	sec_wipe(b, sizeof(b));
	return ret;
}
