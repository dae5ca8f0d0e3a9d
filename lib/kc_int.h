/*
 * kc_int.h - internals shared by the kc_*.c files: the per-enctype profile
 * table and the OpenSSL-backed primitives (AES-CTS, HMAC, PBKDF2, the
 * RFC 3961 DK and SP 800-108 key derivations).  Not for use outside
 * lib/kc_*.c and the unit tests; it exposes no OpenSSL types either.
 */
#ifndef PKINIT_KDC_KC_INT_H
#define PKINIT_KDC_KC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kcrypto.h"
#include "kerror.h"

/* Key usage derivation kinds (RFC 3961 section 5.3). */
#define KC_KIND_CHECKSUM 0x99
#define KC_KIND_ENCRYPT 0xAA
#define KC_KIND_INTEGRITY 0x55

struct kc_profile;

/* Derive outlen bytes from a base key and a constant (DK or KDF-HMAC-SHA2). */
typedef kerr_t (*kc_derive_fn)(const struct kc_profile *p,
    const unsigned char *key, const void *constant, size_t clen,
    unsigned char *out, size_t outlen, struct kerr *e);
typedef kerr_t (*kc_s2k_fn)(const struct kc_profile *p, const char *pw,
    size_t pwlen, const void *salt, size_t saltlen, uint32_t iter,
    unsigned char *out, struct kerr *e);
typedef kerr_t (*kc_prf_fn)(const struct kc_profile *p,
    const unsigned char *key, const void *in, size_t len,
    unsigned char *out, struct kerr *e);

struct kc_profile {
	int32_t enctype;
	const char *name;
	const char *alias[3];
	size_t key_len;
	const char *cts_cipher;     /* OpenSSL name, e.g. "AES-128-CBC-CTS" */
	const char *cbc_cipher;     /* for KRB5KDF, e.g. "AES-128-CBC" */
	const char *md;             /* HMAC/PBKDF2 digest */
	size_t mac_len;             /* truncated HMAC in ciphertext/checksum */
	size_t ki_len;              /* integrity key length */
	size_t kc_len;              /* checksum key length */
	int32_t cksumtype;
	uint32_t default_iter;
	size_t prf_len;
	int mac_over_ciphertext;    /* RFC 8009: HMAC(Ki, IV | C) */
	kc_derive_fn derive;
	kc_s2k_fn s2k;
	kc_prf_fn prf;
};

extern const struct kc_profile kc_profile_aes128_sha1;
extern const struct kc_profile kc_profile_aes256_sha1;
extern const struct kc_profile kc_profile_aes128_sha256;
extern const struct kc_profile kc_profile_aes256_sha384;

/* Profile of a supported enctype, or NULL. */
const struct kc_profile *kc_profile_find(int32_t enctype);
/* Profile owning a checksum type, or NULL. */
const struct kc_profile *kc_profile_for_cksum(int32_t cksumtype);
/* Profile for a key whose enctype and length are consistent, or an error. */
kerr_t kc_profile_for_key(const struct kc_key *key,
    const struct kc_profile **p_out, struct kerr *e);

/* Derive the Ke / Ki / Kc key for (usage, kind) (RFC 3961 section 5.3). */
kerr_t kc_derive_usage(const struct kc_profile *p, const unsigned char *key,
    int32_t usage, unsigned char kind, unsigned char *out, size_t outlen,
    struct kerr *e);

/*
 * The same for a whole key: served from the key's derived-key cache when
 * it has one (kc_key_keep_derived), derived and remembered on a miss.
 */
kerr_t kc_key_usage(const struct kc_profile *p, const struct kc_key *key,
    int32_t usage, unsigned char kind, unsigned char *out, size_t outlen,
    struct kerr *e);

/* RFC 3961 section 5.1 n-fold of inlen bytes to outlen bytes. */
void kc_nfold(const unsigned char *in, size_t inlen,
    unsigned char *out, size_t outlen);

/* Primitives (kc_prim.c).  All record an OpenSSL failure as KRB_ERR_GENERIC. */
/* Free the algorithms kc_prim.c fetched once (tests, leak checkers). */
void kc_prim_cleanup(void);
kerr_t kc_cts(const char *cipher, const unsigned char *key, size_t keylen,
    int encrypt, const unsigned char *in, size_t len, unsigned char *out,
    struct kerr *e);
kerr_t kc_hmac(const char *md, const unsigned char *key, size_t keylen,
    const void *d1, size_t l1, const void *d2, size_t l2,
    unsigned char *out, size_t outlen, struct kerr *e);
kerr_t kc_digest(const char *md, const void *in, size_t len,
    unsigned char *out, size_t outlen, struct kerr *e);
kerr_t kc_pbkdf2(const char *md, const char *pw, size_t pwlen,
    const void *salt, size_t saltlen, uint32_t iter,
    unsigned char *out, size_t outlen, struct kerr *e);
kerr_t kc_krb5kdf(const char *cbc_cipher, const unsigned char *key,
    size_t keylen, const void *constant, size_t clen,
    unsigned char *out, size_t outlen, struct kerr *e);
/* The same through OpenSSL's KRB5KDF (kc_krb5kdf's fallback; tests). */
kerr_t kc_krb5kdf_evp(const char *cbc_cipher, const unsigned char *key,
    size_t keylen, const void *constant, size_t clen,
    unsigned char *out, size_t outlen, struct kerr *e);
kerr_t kc_kbkdf_hmac(const char *md, const unsigned char *key, size_t keylen,
    const void *label, size_t label_len, const void *ctx, size_t ctx_len,
    unsigned char *out, size_t outlen, struct kerr *e);
kerr_t kc_random_bytes(unsigned char *out, size_t len, struct kerr *e);

#endif
