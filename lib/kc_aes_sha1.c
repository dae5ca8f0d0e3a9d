/*
 * kc_aes_sha1.c - RFC 3962: aes128-cts-hmac-sha1-96 (17) and
 * aes256-cts-hmac-sha1-96 (18) on the RFC 3961 simplified profile.
 *
 * Key derivation is DK (RFC 3961 section 5.1), string-to-key is
 * DK(PBKDF2-HMAC-SHA1(password, salt, iter), "kerberos") and the PRF is
 * AES(DK(key, "prf"), first block of SHA-1(input)).
 */
#include "config.h"

#include <string.h>

#include "kc_int.h"
#include "secmem.h"

static kerr_t
sha1_derive(const struct kc_profile *p, const unsigned char *key,
    const void *constant, size_t clen, unsigned char *out, size_t outlen,
    struct kerr *e)
{
	/* All DK outputs of these enctypes are protocol keys (section 5). */
	if (outlen != p->key_len)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "%s: derived key length %zu", p->name, outlen);
	return kc_krb5kdf(p->cbc_cipher, key, p->key_len, constant, clen,
	    out, outlen, e);
}

/* RFC 3962 section 4. */
static kerr_t
sha1_s2k(const struct kc_profile *p, const char *pw, size_t pwlen,
    const void *salt, size_t saltlen, uint32_t iter, unsigned char *out,
    struct kerr *e)
{
	static const char kerberos[] = "kerberos";
	unsigned char tkey[KC_MAX_KEY_LEN];
	kerr_t ret;

	ret = kc_pbkdf2(p->md, pw, pwlen, salt, saltlen, iter, tkey,
	    p->key_len, e);
	if (ret == 0)
		ret = sha1_derive(p, tkey, kerberos, sizeof(kerberos) - 1, out,
		    p->key_len, e);
	sec_wipe(tkey, sizeof(tkey));
	return ret;
}

/*
 * RFC 3962 section 6: tmp1 = SHA-1(octet-string), tmp2 = tmp1 truncated to
 * a multiple of the block size (16 bytes), PRF = E(DK(key, "prf"), tmp2)
 * with a zero IV; one block, so the CTS encryption is a plain AES block.
 */
static kerr_t
sha1_prf(const struct kc_profile *p, const unsigned char *key,
    const void *in, size_t len, unsigned char *out, struct kerr *e)
{
	static const char prf[] = "prf";
	unsigned char dk[KC_MAX_KEY_LEN], tmp[KC_BLOCK_LEN];
	kerr_t ret;

	ret = kc_digest("SHA1", in, len, tmp, sizeof(tmp), e);
	if (ret != 0)
		goto cleanup;
	ret = sha1_derive(p, key, prf, sizeof(prf) - 1, dk, p->key_len, e);
	if (ret != 0)
		goto cleanup;
	ret = kc_cts(p->cts_cipher, dk, p->key_len, 1, tmp, sizeof(tmp), out,
	    e);
cleanup:
	sec_wipe(dk, sizeof(dk));
	sec_wipe(tmp, sizeof(tmp));
	return ret;
}

const struct kc_profile kc_profile_aes128_sha1 = {
	.enctype = KC_AES128_CTS_HMAC_SHA1_96,
	.name = "aes128-cts-hmac-sha1-96",
	.alias = { "aes128-cts", "aes128-sha1", NULL },
	.key_len = 16,
	.cts_cipher = "AES-128-CBC-CTS",
	.cbc_cipher = "AES-128-CBC",
	.md = "SHA1",
	.mac_len = 12,
	.ki_len = 16,
	.kc_len = 16,
	.cksumtype = KC_CKSUM_HMAC_SHA1_96_AES128,
	.default_iter = 4096,
	.prf_len = 16,
	.mac_over_ciphertext = 0,
	.derive = sha1_derive,
	.s2k = sha1_s2k,
	.prf = sha1_prf,
};

const struct kc_profile kc_profile_aes256_sha1 = {
	.enctype = KC_AES256_CTS_HMAC_SHA1_96,
	.name = "aes256-cts-hmac-sha1-96",
	.alias = { "aes256-cts", "aes256-sha1", NULL },
	.key_len = 32,
	.cts_cipher = "AES-256-CBC-CTS",
	.cbc_cipher = "AES-256-CBC",
	.md = "SHA1",
	.mac_len = 12,
	.ki_len = 32,
	.kc_len = 32,
	.cksumtype = KC_CKSUM_HMAC_SHA1_96_AES256,
	.default_iter = 4096,
	.prf_len = 16,
	.mac_over_ciphertext = 0,
	.derive = sha1_derive,
	.s2k = sha1_s2k,
	.prf = sha1_prf,
};
