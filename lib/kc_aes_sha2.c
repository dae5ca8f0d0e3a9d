/*
 * kc_aes_sha2.c - RFC 8009: aes128-cts-hmac-sha256-128 (19) and
 * aes256-cts-hmac-sha384-192 (20).
 *
 * Key derivation is KDF-HMAC-SHA2 (SP 800-108 counter mode, section 3);
 * string-to-key salts PBKDF2 with the enctype name, a zero byte and the
 * salt (section 4); the PRF is KDF-HMAC-SHA2(key, "prf", input) at the
 * hash's full length (section 5).  Encryption MACs the ciphertext.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kc_int.h"
#include "secmem.h"

static kerr_t
sha2_derive(const struct kc_profile *p, const unsigned char *key,
    const void *constant, size_t clen, unsigned char *out, size_t outlen,
    struct kerr *e)
{
	return kc_kbkdf_hmac(p->md, key, p->key_len, constant, clen, NULL, 0,
	    out, outlen, e);
}

static kerr_t
sha2_s2k(const struct kc_profile *p, const char *pw, size_t pwlen,
    const void *salt, size_t saltlen, uint32_t iter, unsigned char *out,
    struct kerr *e)
{
	static const char kerberos[] = "kerberos";
	unsigned char tkey[KC_MAX_KEY_LEN];
	unsigned char *saltp = NULL;
	size_t nlen = strlen(p->name), plen;
	kerr_t ret;

	if (saltlen > KC_MAX_MSG_LEN)
		return kerr_set(e, KRB_ERR_GENERIC, "salt too long");
	plen = nlen + 1 + saltlen;
	saltp = malloc(plen);
	if (saltp == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	memcpy(saltp, p->name, nlen);
	saltp[nlen] = 0;
	if (saltlen > 0)
		memcpy(saltp + nlen + 1, salt, saltlen);
	ret = kc_pbkdf2(p->md, pw, pwlen, saltp, plen, iter, tkey, p->key_len,
	    e);
	if (ret == 0)
		ret = sha2_derive(p, tkey, kerberos, sizeof(kerberos) - 1, out,
		    p->key_len, e);
	sec_wipe(tkey, sizeof(tkey));
	sec_free(saltp, plen);
	return ret;
}

static kerr_t
sha2_prf(const struct kc_profile *p, const unsigned char *key,
    const void *in, size_t len, unsigned char *out, struct kerr *e)
{
	static const char prf[] = "prf";

	return kc_kbkdf_hmac(p->md, key, p->key_len, prf, sizeof(prf) - 1,
	    in, len, out, p->prf_len, e);
}

const struct kc_profile kc_profile_aes128_sha256 = {
	.enctype = KC_AES128_CTS_HMAC_SHA256_128,
	.name = "aes128-cts-hmac-sha256-128",
	.alias = { "aes128-sha2", NULL, NULL },
	.key_len = 16,
	.cts_cipher = "AES-128-CBC-CTS",
	.cbc_cipher = "AES-128-CBC",
	.md = "SHA256",
	.mac_len = 16,
	.ki_len = 16,
	.kc_len = 16,
	.cksumtype = KC_CKSUM_HMAC_SHA256_128_AES128,
	.default_iter = 32768,
	.prf_len = 32,
	.mac_over_ciphertext = 1,
	.derive = sha2_derive,
	.s2k = sha2_s2k,
	.prf = sha2_prf,
};

const struct kc_profile kc_profile_aes256_sha384 = {
	.enctype = KC_AES256_CTS_HMAC_SHA384_192,
	.name = "aes256-cts-hmac-sha384-192",
	.alias = { "aes256-sha2", NULL, NULL },
	.key_len = 32,
	.cts_cipher = "AES-256-CBC-CTS",
	.cbc_cipher = "AES-256-CBC",
	.md = "SHA384",
	.mac_len = 24,
	.ki_len = 24,
	.kc_len = 24,
	.cksumtype = KC_CKSUM_HMAC_SHA384_192_AES256,
	.default_iter = 32768,
	.prf_len = 48,
	.mac_over_ciphertext = 1,
	.derive = sha2_derive,
	.s2k = sha2_s2k,
	.prf = sha2_prf,
};
