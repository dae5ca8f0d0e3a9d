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

/* The KDF's digest, fetched once per process (a fetch by name searches
 * the provider store, and the SSKDF would fetch by name every time). */
static const EVP_MD *
kdf_md(enum pk_kdf kdf)
{
	static EVP_MD *mds[PK_KDF_AH_SHA512 + 1];
	const char *name = kdf_digest(kdf);

	if (name == NULL || (int)kdf < 0 || kdf > PK_KDF_AH_SHA512)
		return NULL;
	if (mds[kdf] == NULL)
		mds[kdf] = EVP_MD_fetch(NULL, name, NULL);
	return mds[kdf];
}

kerr_t
pk_kdf_derive(enum pk_kdf kdf, const struct pk_kdf_input *in,
    uint8_t *key_out, size_t keylen, struct kerr *e)
{
	const EVP_MD *md;
	EVP_MD_CTX *mctx = NULL;
	uint8_t *info = NULL, block[EVP_MAX_MD_SIZE], cnt[4];
	size_t info_len = 0, done = 0, hlen, n;
	uint32_t counter;
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
	md = kdf_md(kdf);
	mctx = EVP_MD_CTX_new();
	if (md == NULL || mctx == NULL || EVP_MD_get_size(md) <= 0) {
		kerr_set(e, ret, "KDF: %s unavailable in OpenSSL", digest);
		goto cleanup;
	}
	hlen = (size_t)EVP_MD_get_size(md);
	/*
	 * SP 800-56A single-step KDF, hash variant, which is exactly what
	 * RFC 8636 section 3 specifies: the concatenation of
	 * H(counter || Z || OtherInfo) for a 32-bit big-endian counter from
	 * 1, truncated to keylen.
	 */
	for (counter = 1; done < keylen; counter++) {
		cnt[0] = (uint8_t)(counter >> 24);
		cnt[1] = (uint8_t)(counter >> 16);
		cnt[2] = (uint8_t)(counter >> 8);
		cnt[3] = (uint8_t)counter;
		if (!EVP_DigestInit_ex2(mctx, md, NULL) ||
		    !EVP_DigestUpdate(mctx, cnt, sizeof(cnt)) ||
		    !EVP_DigestUpdate(mctx, in->z, in->z_len) ||
		    !EVP_DigestUpdate(mctx, info, info_len) ||
		    !EVP_DigestFinal_ex(mctx, block, NULL)) {
			kerr_set(e, ret, "KDF: derivation with %s failed",
			    digest);
			sec_wipe(key_out, done);
			goto cleanup;
		}
		n = keylen - done < hlen ? keylen - done : hlen;
		memcpy(key_out + done, block, n);
		done += n;
	}
	ret = 0;
cleanup:
	sec_wipe(block, sizeof(block));
	free(info);
	/* Frees the digest state, which saw Z, wiped. */
	EVP_MD_CTX_free(mctx);
	return ret;
}
