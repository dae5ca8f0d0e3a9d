/*
 * kc_prim.c - the OpenSSL 3 primitives under the Kerberos profiles:
 * AES-CBC-CTS in CS3 form, HMAC, digests, PBKDF2, the RFC 3961 DK
 * derivation (KRB5KDF) and SP 800-108 counter-mode KDF (KBKDF).
 *
 * This is the only kc_ file that includes OpenSSL headers.
 */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "kc_int.h"
#include "secmem.h"

static kerr_t
ossl_fail(struct kerr *e, const char *what)
{
	unsigned long code = ERR_get_error();
	char buf[256];

	if (code == 0)
		return kerr_set(e, KRB_ERR_GENERIC, "%s failed", what);
	ERR_error_string_n(code, buf, sizeof(buf));
	ERR_clear_error();
	return kerr_set(e, KRB_ERR_GENERIC, "%s failed: %s", what, buf);
}

/*
 * Algorithms fetched once per process.  An OpenSSL 3 fetch takes a lock
 * and searches the provider's method store by name; the Kerberos profiles
 * use a handful of fixed names, fetched again for every block of every
 * request otherwise.  The table is bounded: a name beyond it is fetched
 * per call and *owned tells the caller to free it.
 */
#define FETCH_SLOTS 16

enum fetch_kind { F_CIPHER, F_MD, F_MAC, F_KDF, F_KINDS };

struct fetched {
	char name[32];
	void *alg;
};

static struct fetched fetch_table[F_KINDS][FETCH_SLOTS];

static void *
fetch_now(enum fetch_kind k, const char *name)
{
	switch (k) {
	case F_CIPHER:
		return EVP_CIPHER_fetch(NULL, name, NULL);
	case F_MD:
		return EVP_MD_fetch(NULL, name, NULL);
	case F_MAC:
		return EVP_MAC_fetch(NULL, name, NULL);
	default:
		return EVP_KDF_fetch(NULL, name, NULL);
	}
}

static void
fetch_release(enum fetch_kind k, void *alg)
{
	switch (k) {
	case F_CIPHER:
		EVP_CIPHER_free(alg);
		break;
	case F_MD:
		EVP_MD_free(alg);
		break;
	case F_MAC:
		EVP_MAC_free(alg);
		break;
	default:
		EVP_KDF_free(alg);
		break;
	}
}

static void *
fetch(enum fetch_kind k, const char *name, int *owned)
{
	struct fetched *t = fetch_table[k];
	size_t i;

	*owned = 0;
	for (i = 0; i < FETCH_SLOTS && t[i].alg != NULL; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].alg;
	if (i == FETCH_SLOTS || strlen(name) >= sizeof(t[i].name)) {
		*owned = 1;
		return fetch_now(k, name);
	}
	t[i].alg = fetch_now(k, name);
	if (t[i].alg != NULL)
		strcpy(t[i].name, name);
	return t[i].alg;
}

void
kc_prim_cleanup(void)
{
	size_t k, i;

	for (k = 0; k < F_KINDS; k++)
		for (i = 0; i < FETCH_SLOTS; i++) {
			fetch_release((enum fetch_kind)k, fetch_table[k][i].alg);
			fetch_table[k][i].alg = NULL;
		}
}

/*
 * CBC with ciphertext stealing, IV zero, as RFC 3962 section 5 defines it:
 * the last two blocks swapped even when the input is block aligned, which
 * is NIST's CS3.  A single block is plain CBC, which OpenSSL's CS3 also
 * does; inputs shorter than a block are refused (the confounder always
 * makes Kerberos inputs at least one block).
 */
kerr_t
kc_cts(const char *cipher, const unsigned char *key, size_t keylen,
    int encrypt, const unsigned char *in, size_t len, unsigned char *out,
    struct kerr *e)
{
	static const unsigned char zero_iv[KC_BLOCK_LEN];
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	int outl = 0, owned = 0;
	kerr_t ret;

	if (len < KC_BLOCK_LEN || len > KC_MAX_MSG_LEN)
		return kerr_set(e, KRB_AP_ERR_BAD_INTEGRITY,
		    "AES-CTS input of %zu bytes out of range", len);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_CIPHER_PARAM_CTS_MODE, (char *)"CS3", 0);
	params[1] = OSSL_PARAM_construct_end();
	c = fetch(F_CIPHER, cipher, &owned);
	ctx = EVP_CIPHER_CTX_new();
	if (c == NULL || ctx == NULL) {
		ret = ossl_fail(e, cipher);
		goto cleanup;
	}
	if ((size_t)EVP_CIPHER_get_key_length(c) != keylen) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "%s: key length %zu",
		    cipher, keylen);
		goto cleanup;
	}
	if (!EVP_CipherInit_ex2(ctx, c, key, zero_iv, encrypt, params) ||
	    !EVP_CipherUpdate(ctx, out, &outl, in, (int)len) ||
	    (size_t)outl != len) {
		ret = ossl_fail(e, cipher);
		goto cleanup;
	}
	ret = 0;
cleanup:
	EVP_CIPHER_CTX_free(ctx);
	if (owned)
		EVP_CIPHER_free(c);
	return ret;
}

kerr_t
kc_hmac(const char *md, const unsigned char *key, size_t keylen,
    const void *d1, size_t l1, const void *d2, size_t l2,
    unsigned char *out, size_t outlen, struct kerr *e)
{
	unsigned char full[EVP_MAX_MD_SIZE];
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t flen = 0;
	int owned = 0;
	kerr_t ret;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = fetch(F_MAC, "HMAC", &owned);
	ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	if (ctx == NULL || !EVP_MAC_init(ctx, key, keylen, params) ||
	    (l1 > 0 && !EVP_MAC_update(ctx, d1, l1)) ||
	    (l2 > 0 && !EVP_MAC_update(ctx, d2, l2)) ||
	    !EVP_MAC_final(ctx, full, &flen, sizeof(full))) {
		ret = ossl_fail(e, "HMAC");
		goto cleanup;
	}
	if (outlen > flen) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "HMAC-%s too short", md);
		goto cleanup;
	}
	memcpy(out, full, outlen);
	ret = 0;
cleanup:
	sec_wipe(full, sizeof(full));
	EVP_MAC_CTX_free(ctx);
	if (owned)
		EVP_MAC_free(mac);
	return ret;
}

kerr_t
kc_digest(const char *md, const void *in, size_t len, unsigned char *out,
    size_t outlen, struct kerr *e)
{
	unsigned char full[EVP_MAX_MD_SIZE];
	EVP_MD *m = NULL;
	unsigned int flen = 0;
	int owned = 0;
	kerr_t ret;

	m = fetch(F_MD, md, &owned);
	if (m == NULL || !EVP_Digest(in, len, full, &flen, m, NULL)) {
		ret = ossl_fail(e, md);
		goto cleanup;
	}
	if (outlen > flen) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "%s too short", md);
		goto cleanup;
	}
	memcpy(out, full, outlen);
	ret = 0;
cleanup:
	sec_wipe(full, sizeof(full));
	if (owned)
		EVP_MD_free(m);
	return ret;
}

/* Run a fetched KDF with the given parameters. */
static kerr_t
run_kdf(const char *name, OSSL_PARAM *params, unsigned char *out,
    size_t outlen, struct kerr *e)
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	int owned = 0;
	kerr_t ret;

	kdf = fetch(F_KDF, name, &owned);
	ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	if (ctx == NULL || EVP_KDF_derive(ctx, out, outlen, params) <= 0) {
		ret = ossl_fail(e, name);
		goto cleanup;
	}
	ret = 0;
cleanup:
	EVP_KDF_CTX_free(ctx);
	if (owned)
		EVP_KDF_free(kdf);
	return ret;
}

/*
 * PBKDF2 in PKCS #5 mode: RFC 3962 allows iteration counts and salts
 * below the SP 800-132 minimums (its own test vectors use one iteration).
 */
kerr_t
kc_pbkdf2(const char *md, const char *pw, size_t pwlen, const void *salt,
    size_t saltlen, uint32_t iter, unsigned char *out, size_t outlen,
    struct kerr *e)
{
	OSSL_PARAM params[6];
	uint64_t iter64 = iter;
	int pkcs5 = 1;
	static const char empty[1];

	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(pwlen > 0 ? pw : empty), pwlen);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(saltlen > 0 ? salt : empty), saltlen);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iter64);
	params[3] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)md, 0);
	params[4] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5);
	params[5] = OSSL_PARAM_construct_end();
	return run_kdf("PBKDF2", params, out, outlen, e);
}

/* RFC 3961 section 5.1 DK(key, constant) through OpenSSL's KRB5KDF. */
kerr_t
kc_krb5kdf_evp(const char *cbc_cipher, const unsigned char *key,
    size_t keylen, const void *constant, size_t clen, unsigned char *out,
    size_t outlen, struct kerr *e)
{
	OSSL_PARAM params[4];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_CIPHER,
	    (char *)cbc_cipher, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)key, keylen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_CONSTANT,
	    (void *)constant, clen);
	params[3] = OSSL_PARAM_construct_end();
	return run_kdf("KRB5KDF", params, out, outlen, e);
}

/*
 * RFC 3961 section 5.1 DK(key, constant) = random-to-key(DR(key,
 * constant)), random-to-key being the identity for AES (RFC 3962 section
 * 6).  DR encrypts the constant, n-folded to one block when shorter, with
 * a zero IV, and feeds each output block back in until there are enough
 * bytes.  Every step is one AES block, so this runs it with AES-ECB on a
 * fetched cipher: OpenSSL's KRB5KDF takes the cipher by name and fetches
 * it again for every derivation.  Constants of a block or more (none of
 * ours) and other ciphers go to KRB5KDF.
 */
kerr_t
kc_krb5kdf(const char *cbc_cipher, const unsigned char *key, size_t keylen,
    const void *constant, size_t clen, unsigned char *out, size_t outlen,
    struct kerr *e)
{
	unsigned char block[KC_BLOCK_LEN], next[KC_BLOCK_LEN];
	const char *ecb = NULL;
	EVP_CIPHER *c = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	size_t done = 0, n;
	int outl = 0, owned = 0;
	kerr_t ret;

	if (strcmp(cbc_cipher, "AES-128-CBC") == 0 && keylen == 16)
		ecb = "AES-128-ECB";
	else if (strcmp(cbc_cipher, "AES-256-CBC") == 0 && keylen == 32)
		ecb = "AES-256-ECB";
	if (ecb == NULL || clen == 0 || clen >= KC_BLOCK_LEN ||
	    outlen > KC_MAX_KEY_LEN)
		return kc_krb5kdf_evp(cbc_cipher, key, keylen, constant, clen,
		    out, outlen, e);
	kc_nfold(constant, clen, block, sizeof(block));
	c = fetch(F_CIPHER, ecb, &owned);
	ctx = EVP_CIPHER_CTX_new();
	if (c == NULL || ctx == NULL ||
	    !EVP_EncryptInit_ex2(ctx, c, key, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0)) {
		ret = ossl_fail(e, ecb);
		goto cleanup;
	}
	while (done < outlen) {
		if (!EVP_EncryptUpdate(ctx, next, &outl, block,
		    sizeof(block)) || outl != (int)sizeof(block)) {
			ret = ossl_fail(e, ecb);
			goto cleanup;
		}
		n = outlen - done < sizeof(next) ? outlen - done : sizeof(next);
		memcpy(out + done, next, n);
		done += n;
		memcpy(block, next, sizeof(block));
	}
	ret = 0;
cleanup:
	if (ret != 0)
		sec_wipe(out, outlen);
	sec_wipe(block, sizeof(block));
	sec_wipe(next, sizeof(next));
	/* Frees the key schedule with it, wiped. */
	EVP_CIPHER_CTX_free(ctx);
	if (owned)
		EVP_CIPHER_free(c);
	return ret;
}

/*
 * RFC 8009 section 3 KDF-HMAC-SHA2: SP 800-108 counter mode with a 32-bit
 * counter, Label | 0x00 | Context | [L]32, which is OpenSSL's KBKDF default
 * layout with the label as "salt" and the context as "info".
 */
kerr_t
kc_kbkdf_hmac(const char *md, const unsigned char *key, size_t keylen,
    const void *label, size_t label_len, const void *ctx, size_t ctx_len,
    unsigned char *out, size_t outlen, struct kerr *e)
{
	OSSL_PARAM params[7];
	size_t n = 0;

	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC,
	    (char *)"HMAC", 0);
	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)md, 0);
	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE,
	    (char *)"counter", 0);
	params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)key, keylen);
	params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)label, label_len);
	if (ctx_len > 0)
		params[n++] = OSSL_PARAM_construct_octet_string(
		    OSSL_KDF_PARAM_INFO, (void *)ctx, ctx_len);
	params[n] = OSSL_PARAM_construct_end();
	return run_kdf("KBKDF", params, out, outlen, e);
}

kerr_t
kc_random_bytes(unsigned char *out, size_t len, struct kerr *e)
{
	if (len > KC_MAX_PRF_PLUS_LEN)
		return kerr_set(e, KRB_ERR_GENERIC, "random request too long");
	if (RAND_priv_bytes(out, (int)len) != 1)
		return ossl_fail(e, "RAND_priv_bytes");
	return 0;
}
