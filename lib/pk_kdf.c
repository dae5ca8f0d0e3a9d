/*
 * pk_kdf.c - PKINIT reply-key derivation: RFC 4556 octetstring2key and the
 * RFC 8636 single-step KDF over OpenSSL's SSKDF.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "pk_der.h"
#include "pk_kdf.h"
#include "secmem.h"

/* DER OIDs id-pkinit-kdf-ah-* = 1.3.6.1.5.2.3.6.{1,2,3}. */
static const uint8_t oid_sha1[] = { 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05,
	0x02, 0x03, 0x06, 0x01 };
static const uint8_t oid_sha256[] = { 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05,
	0x02, 0x03, 0x06, 0x02 };
static const uint8_t oid_sha512[] = { 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05,
	0x02, 0x03, 0x06, 0x03 };

size_t
pk_kdf_seed_len(int32_t enctype)
{
	switch (enctype) {
	case 17:        /* aes128-cts-hmac-sha1-96 */
	case 19:        /* aes128-cts-hmac-sha256-128 */
		return 16;
	case 18:        /* aes256-cts-hmac-sha1-96 */
	case 20:        /* aes256-cts-hmac-sha384-192 */
		return 32;
	case 16:        /* des3-cbc-sha1-kd: 168 bits before parity */
		return 21;
	default:
		return 0;
	}
}

const uint8_t *
pk_kdf_oid_der(enum pk_kdf kdf, size_t *len_out)
{
	switch (kdf) {
	case PK_KDF_AH_SHA1:
		*len_out = sizeof(oid_sha1);
		return oid_sha1;
	case PK_KDF_AH_SHA256:
		*len_out = sizeof(oid_sha256);
		return oid_sha256;
	case PK_KDF_AH_SHA512:
		*len_out = sizeof(oid_sha512);
		return oid_sha512;
	default:
		*len_out = 0;
		return NULL;
	}
}

enum pk_kdf
pk_kdf_from_oid_der(const uint8_t *der, size_t len)
{
	enum pk_kdf k;
	const uint8_t *oid;
	size_t olen;

	for (k = PK_KDF_AH_SHA1; k <= PK_KDF_AH_SHA512; k++) {
		oid = pk_kdf_oid_der(k, &olen);
		if (len == olen && memcmp(der, oid, olen) == 0)
			return k;
	}
	return PK_KDF_NONE;
}

static const char *
kdf_digest(enum pk_kdf kdf)
{
	switch (kdf) {
	case PK_KDF_AH_SHA1:
		return "SHA1";
	case PK_KDF_AH_SHA256:
		return "SHA256";
	case PK_KDF_AH_SHA512:
		return "SHA512";
	default:
		return NULL;
	}
}

kerr_t
pk_octetstring2key(const uint8_t *secret, size_t secret_len,
    const uint8_t *client_nonce, size_t client_nonce_len,
    const uint8_t *server_nonce, size_t server_nonce_len,
    uint8_t *key_out, size_t keylen, struct kerr *e)
{
	EVP_MD_CTX *md = NULL;
	uint8_t block[20];
	uint8_t counter;
	size_t done = 0, n;
	kerr_t ret = KRB_ERR_GENERIC;

	/*
	 * RFC 4556 section 3.2.3.1: the counter is a single octet starting
	 * at zero, so at most 256 SHA-1 blocks can be produced.
	 */
	if (keylen == 0 || keylen > 255 * sizeof(block) || secret_len == 0) {
		kerr_set(e, KRB_ERR_GENERIC, "octetstring2key: bad length");
		goto cleanup;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "octetstring2key: out of memory");
		goto cleanup;
	}
	for (counter = 0; done < keylen; counter++) {
		if (!EVP_DigestInit_ex(md, EVP_sha1(), NULL) ||
		    !EVP_DigestUpdate(md, &counter, 1) ||
		    !EVP_DigestUpdate(md, secret, secret_len) ||
		    (client_nonce_len > 0 &&
		    !EVP_DigestUpdate(md, client_nonce, client_nonce_len)) ||
		    (server_nonce_len > 0 &&
		    !EVP_DigestUpdate(md, server_nonce, server_nonce_len)) ||
		    !EVP_DigestFinal_ex(md, block, NULL)) {
			kerr_set(e, KRB_ERR_GENERIC, "octetstring2key: SHA-1 failed");
			goto cleanup;
		}
		n = keylen - done < sizeof(block) ? keylen - done : sizeof(block);
		memcpy(key_out + done, block, n);
		done += n;
	}
	ret = 0;
cleanup:
	sec_wipe(block, sizeof(block));
	EVP_MD_CTX_free(md);
	if (ret != 0 && done > 0)
		sec_wipe(key_out, done);
	return ret;
}

kerr_t
pk_kdf_otherinfo(enum pk_kdf kdf, const struct pk_kdf_input *in,
    uint8_t **der_out, size_t *len_out, struct kerr *e)
{
	struct pk_der d;
	const uint8_t *oid;
	size_t olen, start, at;

	oid = pk_kdf_oid_der(kdf, &olen);
	if (oid == NULL)
		return kerr_set(e, KDC_ERR_NO_ACCEPTABLE_KDF, "unknown KDF %d",
		    (int)kdf);
	/*
	 * RFC 8636 section 3:
	 * OtherInfo ::= SEQUENCE {
	 *     algorithmID  AlgorithmIdentifier,   -- the KDF, no parameters
	 *     partyUInfo   [0] OCTET STRING,      -- client KRB5PrincipalName
	 *     partyVInfo   [1] OCTET STRING,      -- TGS KRB5PrincipalName
	 *     suppPubInfo  [2] OCTET STRING }     -- DER PkinitSuppPubInfo
	 * PkinitSuppPubInfo ::= SEQUENCE {
	 *     enctype [0] Int32, as-REQ [1] OCTET STRING,
	 *     pk-as-rep [2] OCTET STRING, ... }
	 */
	pk_der_init(&d);
	start = d.len;
	at = d.len;
	pk_der_raw(&d, oid, olen);
	pk_der_wrap(&d, at, 0x30);
	at = d.len;
	pk_der_tlv(&d, 0x04, in->client_princ, in->client_princ_len);
	pk_der_wrap(&d, at, 0xa0);
	at = d.len;
	pk_der_tlv(&d, 0x04, in->tgs_princ, in->tgs_princ_len);
	pk_der_wrap(&d, at, 0xa1);
	at = d.len;
	{
		size_t supp = d.len, f;

		f = d.len;
		pk_der_int32(&d, in->enctype);
		pk_der_wrap(&d, f, 0xa0);
		f = d.len;
		pk_der_tlv(&d, 0x04, in->as_req, in->as_req_len);
		pk_der_wrap(&d, f, 0xa1);
		f = d.len;
		pk_der_tlv(&d, 0x04, in->pk_as_rep, in->pk_as_rep_len);
		pk_der_wrap(&d, f, 0xa2);
		pk_der_wrap(&d, supp, 0x30);
		pk_der_wrap(&d, supp, 0x04);
	}
	pk_der_wrap(&d, at, 0xa2);
	pk_der_wrap(&d, start, 0x30);
	if (pk_der_take(&d, der_out, len_out) != 0)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "cannot encode KDF OtherInfo (size limit or memory)");
	return 0;
}

kerr_t
pk_kdf_derive(enum pk_kdf kdf, const struct pk_kdf_input *in,
    uint8_t *key_out, size_t keylen, struct kerr *e)
{
	/* Fetched once per process: a fetch searches the provider store. */
	static EVP_KDF *alg;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[4];
	uint8_t *info = NULL;
	size_t info_len = 0;
	const char *digest;
	kerr_t ret;

	digest = kdf_digest(kdf);
	if (digest == NULL)
		return kerr_set(e, KDC_ERR_NO_ACCEPTABLE_KDF, "unknown KDF %d",
		    (int)kdf);
	if (keylen == 0 || keylen > PK_KDF_MAX_SEED || in->z_len == 0)
		return kerr_set(e, KRB_ERR_GENERIC, "KDF: bad key length %zu",
		    keylen);
	ret = pk_kdf_otherinfo(kdf, in, &info, &info_len, e);
	if (ret != 0)
		goto cleanup;
	ret = KRB_ERR_GENERIC;
	/* SP 800-56A single-step KDF, hash variant: H(counter || Z || info),
	 * which is exactly what RFC 8636 section 3 specifies. */
	if (alg == NULL)
		alg = EVP_KDF_fetch(NULL, "SSKDF", NULL);
	kctx = alg != NULL ? EVP_KDF_CTX_new(alg) : NULL;
	if (kctx == NULL) {
		kerr_set(e, ret, "KDF: SSKDF unavailable in OpenSSL");
		goto cleanup;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)in->z, in->z_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    info, info_len);
	params[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, key_out, keylen, params) <= 0) {
		kerr_set(e, ret, "KDF: SSKDF derivation with %s failed", digest);
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(info);
	EVP_KDF_CTX_free(kctx);
	return ret;
}
