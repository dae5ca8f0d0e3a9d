/*
 * kc_crypt.c - the enctype-independent parts of string-to-key, encryption,
 * decryption and keyed checksums, driven by the profile table.
 *
 * Ciphertext layout (RFC 3961 section 5.3, RFC 8009 section 5):
 *   C = AES-CTS(Ke, confounder | plaintext), IV zero
 *   RFC 3962: H = HMAC-SHA1(Ki, confounder | plaintext), first 12 bytes
 *   RFC 8009: H = HMAC-SHA2(Ki, IV | C), first 16 / 24 bytes
 *   output = C | H
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kc_int.h"
#include "secmem.h"

kerr_t
kc_string_to_key(int32_t enctype, const char *password, size_t pwlen,
    const void *salt, size_t saltlen, const void *params, size_t paramslen,
    struct kc_key *key_out, struct kerr *e)
{
	const struct kc_profile *p = kc_profile_find(enctype);
	unsigned char buf[KC_MAX_KEY_LEN];
	uint32_t iter;
	kerr_t ret;

	if (p == NULL)
		return kerr_set(e, KDC_ERR_ETYPE_NOSUPP,
		    "enctype %d not supported", (int)enctype);
	if (pwlen > KC_MAX_MSG_LEN || saltlen > KC_MAX_MSG_LEN ||
	    (password == NULL && pwlen > 0) || (salt == NULL && saltlen > 0))
		return kerr_set(e, KRB_ERR_GENERIC, "bad string-to-key input");
	if (paramslen == 0) {
		iter = p->default_iter;
	} else if (paramslen == 4 && params != NULL) {
		const unsigned char *b = params;

		iter = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
	} else {
		return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "%s: s2kparams of %zu bytes", p->name, paramslen);
	}
	/* 0 means 2^32 in RFC 3962 section 4; neither it nor a huge count
	 * is worth the CPU a peer could make us spend. */
	if (iter == 0 || iter > KC_S2K_MAX_ITER)
		return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "%s: iteration count %u refused", p->name, iter);
	ret = p->s2k(p, password, pwlen, salt, saltlen, iter, buf, e);
	if (ret == 0)
		ret = kc_key_from_bytes(enctype, buf, p->key_len, key_out, e);
	sec_wipe(buf, sizeof(buf));
	return ret;
}

kerr_t
kc_encrypt_with_confounder(const struct kc_key *key, int32_t usage,
    const void *confounder, size_t conf_len, const void *plain,
    size_t plain_len, unsigned char **cipher_out, size_t *len_out,
    struct kerr *e)
{
	static const unsigned char zero_iv[KC_BLOCK_LEN];
	const struct kc_profile *p = NULL;
	unsigned char ke[KC_MAX_KEY_LEN], ki[KC_MAX_KEY_LEN];
	unsigned char *in = NULL, *out = NULL;
	size_t in_len = 0, out_len;
	kerr_t ret;

	ret = kc_profile_for_key(key, &p, e);
	if (ret != 0)
		return ret;
	if (conf_len != KC_BLOCK_LEN || confounder == NULL)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "confounder must be %d bytes", KC_BLOCK_LEN);
	if (plain_len > KC_MAX_MSG_LEN || (plain == NULL && plain_len > 0))
		return kerr_set(e, KRB_ERR_FIELD_TOOLONG,
		    "plaintext of %zu bytes too long", plain_len);
	in_len = KC_BLOCK_LEN + plain_len;
	out_len = in_len + p->mac_len;
	in = malloc(in_len);
	out = malloc(out_len);
	if (in == NULL || out == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	memcpy(in, confounder, KC_BLOCK_LEN);
	if (plain_len > 0)
		memcpy(in + KC_BLOCK_LEN, plain, plain_len);
	ret = kc_key_usage(p, key, usage, KC_KIND_ENCRYPT, ke,
	    p->key_len, e);
	if (ret == 0)
		ret = kc_key_usage(p, key, usage, KC_KIND_INTEGRITY,
		    ki, p->ki_len, e);
	if (ret == 0)
		ret = kc_cts(p->cts_cipher, ke, p->key_len, 1, in, in_len, out,
		    e);
	if (ret != 0)
		goto cleanup;
	if (p->mac_over_ciphertext)
		ret = kc_hmac(p->md, ki, p->ki_len, zero_iv, sizeof(zero_iv),
		    out, in_len, out + in_len, p->mac_len, e);
	else
		ret = kc_hmac(p->md, ki, p->ki_len, in, in_len, NULL, 0,
		    out + in_len, p->mac_len, e);
	if (ret != 0)
		goto cleanup;
	*cipher_out = out;
	*len_out = out_len;
	out = NULL;
cleanup:
	sec_wipe(ke, sizeof(ke));
	sec_wipe(ki, sizeof(ki));
	sec_free(in, in_len);
	free(out);
	return ret;
}

kerr_t
kc_encrypt(const struct kc_key *key, int32_t usage, const void *plain,
    size_t plain_len, unsigned char **cipher_out, size_t *len_out,
    struct kerr *e)
{
	unsigned char conf[KC_BLOCK_LEN];
	kerr_t ret;

	ret = kc_random_bytes(conf, sizeof(conf), e);
	if (ret == 0)
		ret = kc_encrypt_with_confounder(key, usage, conf, sizeof(conf),
		    plain, plain_len, cipher_out, len_out, e);
	sec_wipe(conf, sizeof(conf));
	return ret;
}

kerr_t
kc_decrypt(const struct kc_key *key, int32_t usage, const void *cipher,
    size_t cipher_len, unsigned char **plain_out, size_t *len_out,
    struct kerr *e)
{
	static const unsigned char zero_iv[KC_BLOCK_LEN];
	const struct kc_profile *p = NULL;
	const unsigned char *c = cipher;
	unsigned char ke[KC_MAX_KEY_LEN], ki[KC_MAX_KEY_LEN];
	unsigned char mac[KC_MAX_CKSUM_LEN];
	unsigned char *plain = NULL, *out = NULL;
	size_t c_len = 0, out_len;
	kerr_t ret;

	ret = kc_profile_for_key(key, &p, e);
	if (ret != 0)
		return ret;
	if (cipher == NULL || cipher_len < KC_BLOCK_LEN + p->mac_len ||
	    cipher_len > KC_MAX_MSG_LEN + KC_BLOCK_LEN + p->mac_len)
		return kerr_set(e, KRB_AP_ERR_BAD_INTEGRITY,
		    "%s ciphertext of %zu bytes has a bad length", p->name,
		    cipher_len);
	c_len = cipher_len - p->mac_len;
	plain = malloc(c_len);
	if (plain == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	ret = kc_key_usage(p, key, usage, KC_KIND_ENCRYPT, ke,
	    p->key_len, e);
	if (ret == 0)
		ret = kc_key_usage(p, key, usage, KC_KIND_INTEGRITY,
		    ki, p->ki_len, e);
	if (ret != 0)
		goto cleanup;
	if (p->mac_over_ciphertext) {
		/* Encrypt-then-MAC: check before touching the ciphertext. */
		ret = kc_hmac(p->md, ki, p->ki_len, zero_iv, sizeof(zero_iv),
		    c, c_len, mac, p->mac_len, e);
		if (ret != 0)
			goto cleanup;
		if (!sec_memeq(mac, c + c_len, p->mac_len)) {
			ret = kerr_set(e, KRB_AP_ERR_BAD_INTEGRITY,
			    "%s integrity check failed (usage %d)", p->name,
			    (int)usage);
			goto cleanup;
		}
		ret = kc_cts(p->cts_cipher, ke, p->key_len, 0, c, c_len, plain,
		    e);
		if (ret != 0)
			goto cleanup;
	} else {
		ret = kc_cts(p->cts_cipher, ke, p->key_len, 0, c, c_len, plain,
		    e);
		if (ret == 0)
			ret = kc_hmac(p->md, ki, p->ki_len, plain, c_len, NULL,
			    0, mac, p->mac_len, e);
		if (ret != 0)
			goto cleanup;
		if (!sec_memeq(mac, c + c_len, p->mac_len)) {
			ret = kerr_set(e, KRB_AP_ERR_BAD_INTEGRITY,
			    "%s integrity check failed (usage %d)", p->name,
			    (int)usage);
			goto cleanup;
		}
	}
	out_len = c_len - KC_BLOCK_LEN;
	/* Never return NULL on success, even for an empty plaintext. */
	out = malloc(out_len > 0 ? out_len : 1);
	if (out == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	if (out_len > 0)
		memcpy(out, plain + KC_BLOCK_LEN, out_len);
	*plain_out = out;
	*len_out = out_len;
	ret = 0;
cleanup:
	sec_wipe(ke, sizeof(ke));
	sec_wipe(ki, sizeof(ki));
	sec_wipe(mac, sizeof(mac));
	sec_free(plain, c_len);
	return ret;
}

int
kc_cksumtype_supported(int32_t cksumtype)
{
	return kc_profile_for_cksum(cksumtype) != NULL;
}

int32_t
kc_checksum_type_for_enctype(int32_t enctype)
{
	const struct kc_profile *p = kc_profile_find(enctype);

	return p != NULL ? p->cksumtype : 0;
}

size_t
kc_checksum_length(int32_t cksumtype)
{
	const struct kc_profile *p = kc_profile_for_cksum(cksumtype);

	return p != NULL ? p->mac_len : 0;
}

/* The key's profile, checked against the requested checksum type. */
static kerr_t
cksum_profile(const struct kc_key *key, int32_t cksumtype,
    const struct kc_profile **p_out, struct kerr *e)
{
	const struct kc_profile *p = NULL;
	kerr_t ret;

	if (cksumtype != 0 && !kc_cksumtype_supported(cksumtype))
		return kerr_set(e, KDC_ERR_SUMTYPE_NOSUPP,
		    "checksum type %d not supported", (int)cksumtype);
	ret = kc_profile_for_key(key, &p, e);
	if (ret != 0)
		return ret;
	if (cksumtype != 0 && cksumtype != p->cksumtype)
		return kerr_set(e, KRB_AP_ERR_INAPP_CKSUM,
		    "checksum type %d does not go with a %s key",
		    (int)cksumtype, p->name);
	*p_out = p;
	return 0;
}

/* RFC 3961 section 5.4 / RFC 8009 section 5: HMAC(Kc, data), truncated. */
kerr_t
kc_checksum(const struct kc_key *key, int32_t usage, int32_t cksumtype,
    const void *data, size_t len, unsigned char out[KC_MAX_CKSUM_LEN],
    size_t *len_out, struct kerr *e)
{
	const struct kc_profile *p = NULL;
	unsigned char kc[KC_MAX_KEY_LEN];
	kerr_t ret;

	ret = cksum_profile(key, cksumtype, &p, e);
	if (ret != 0)
		return ret;
	if (len > KC_MAX_MSG_LEN || (data == NULL && len > 0))
		return kerr_set(e, KRB_ERR_FIELD_TOOLONG,
		    "checksum input of %zu bytes", len);
	ret = kc_key_usage(p, key, usage, KC_KIND_CHECKSUM, kc,
	    p->kc_len, e);
	if (ret == 0)
		ret = kc_hmac(p->md, kc, p->kc_len, data, len, NULL, 0, out,
		    p->mac_len, e);
	if (ret == 0)
		*len_out = p->mac_len;
	sec_wipe(kc, sizeof(kc));
	return ret;
}

kerr_t
kc_checksum_verify(const struct kc_key *key, int32_t usage,
    int32_t cksumtype, const void *data, size_t len, const void *cksum,
    size_t cksum_len, struct kerr *e)
{
	unsigned char mine[KC_MAX_CKSUM_LEN];
	size_t mine_len = 0;
	kerr_t ret;

	ret = kc_checksum(key, usage, cksumtype, data, len, mine, &mine_len,
	    e);
	if (ret != 0)
		return ret;
	if (cksum == NULL || cksum_len != mine_len ||
	    !sec_memeq(mine, cksum, mine_len))
		ret = kerr_set(e, KRB_AP_ERR_BAD_INTEGRITY,
		    "checksum mismatch (usage %d)", (int)usage);
	sec_wipe(mine, sizeof(mine));
	return ret;
}
