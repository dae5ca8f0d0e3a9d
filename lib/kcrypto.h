/*
 * kcrypto.h - Kerberos encryption and checksum profiles (RFC 3961),
 * AES with HMAC-SHA1 (RFC 3962), AES with HMAC-SHA2 (RFC 8009), the
 * pseudo-random functions and KRB-FX-CF2 (RFC 6113 section 5.1).
 *
 * Only the four AES enctypes are offered; DES, 3DES, RC4 and Camellia are
 * refused with KDC_ERR_ETYPE_NOSUPP.  Keys are plain structs that callers
 * may keep on the stack; kc_key_clear() wipes one.  Outputs that carry
 * ciphertext or plaintext are allocated and returned through *_out; free
 * decrypted plaintext with sec_free(p, len) since it may hold keys.
 */
#ifndef PKINIT_KDC_KCRYPTO_H
#define PKINIT_KDC_KCRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

enum kc_enctype {
	KC_ENCTYPE_NULL = 0,
	KC_AES128_CTS_HMAC_SHA1_96 = 17,
	KC_AES256_CTS_HMAC_SHA1_96 = 18,
	KC_AES128_CTS_HMAC_SHA256_128 = 19,
	KC_AES256_CTS_HMAC_SHA384_192 = 20,
};

enum kc_cksumtype {
	KC_CKSUM_NULL = 0,
	KC_CKSUM_HMAC_SHA1_96_AES128 = 15,
	KC_CKSUM_HMAC_SHA1_96_AES256 = 16,
	KC_CKSUM_HMAC_SHA256_128_AES128 = 19,
	KC_CKSUM_HMAC_SHA384_192_AES256 = 20,
};

#define KC_MAX_KEY_LEN 32       /* AES-256 */
#define KC_BLOCK_LEN 16         /* AES block and confounder length */
#define KC_MAX_CKSUM_LEN 24     /* HMAC-SHA384-192 */
#define KC_MAX_PRF_LEN 48       /* RFC 8009 PRF with SHA-384 */
#define KC_MAX_MSG_LEN (64u * 1024 * 1024) /* bound on any input */
#define KC_S2K_MAX_ITER (1u << 24)         /* string-to-key cost cap */
#define KC_MAX_PRF_PLUS_LEN (255u * KC_MAX_PRF_LEN)

/*
 * A protocol key.  enctype and length say what bytes[] holds.  derived
 * is NULL or, after kc_key_keep_derived(), a small cache of the usage keys
 * (Ke/Ki/Kc) derived from it, which kc_key_clear() wipes and frees.  Copy
 * keys with kc_key_copy(), never by struct assignment: a copy has no
 * cache, and a struct copy would share (and free twice) the original's.
 */
struct kc_key {
	int32_t enctype;
	size_t length;
	unsigned char bytes[KC_MAX_KEY_LEN];
	void *derived;
};

/* Enctype table. */
int kc_enctype_supported(int32_t enctype);
/* Canonical name ("aes256-cts-hmac-sha1-96"), NULL when unsupported. */
const char *kc_enctype_name(int32_t enctype);
/* Name or MIT alias (case-insensitive) -> enctype; 0 when unknown. */
int32_t kc_enctype_from_name(const char *name);
/* Key length in bytes; 0 when unsupported. */
size_t kc_enctype_key_length(int32_t enctype);
/* Bytes kc_encrypt adds to a plaintext (confounder + MAC); 0 if unknown. */
size_t kc_enctype_overhead(int32_t enctype);

/* Keys. */
kerr_t kc_key_from_bytes(int32_t enctype, const void *bytes, size_t len,
    struct kc_key *key_out, struct kerr *e);
kerr_t kc_random_to_key(int32_t enctype, const void *rnd, size_t len,
    struct kc_key *key_out, struct kerr *e);
kerr_t kc_key_random(int32_t enctype, struct kc_key *key_out, struct kerr *e);
void kc_key_copy(struct kc_key *dst, const struct kc_key *src);
/* Wipe the key and its derived-key cache; key may be NULL. */
void kc_key_clear(struct kc_key *key);
/*
 * Remember the usage keys derived from this key (RFC 3961 section 5.3),
 * so a long-lived key (krbtgt, service, freshness-token key) derives
 * each one once per process instead of once per encryption.  Bounded
 * (KC_DCACHE_SLOTS entries, oldest replaced); keys without it (reply
 * and session keys, used once) derive every time as before.  Call it
 * once when the key is loaded; it is idempotent.
 */
#define KC_DCACHE_SLOTS 8
kerr_t kc_key_keep_derived(struct kc_key *key, struct kerr *e);
/* Constant-time comparison of enctype and key bytes: 1 when equal. */
int kc_key_equal(const struct kc_key *a, const struct kc_key *b);

/*
 * String-to-key (RFC 3962 section 4, RFC 8009 section 4).  params is the
 * s2kparams octet string: empty (NULL, 0) for the default iteration count
 * (4096 for 17/18, 32768 for 19/20) or a 4-byte big-endian count.  Counts
 * of 0 (meaning 2^32) or above KC_S2K_MAX_ITER are refused.
 */
kerr_t kc_string_to_key(int32_t enctype, const char *password, size_t pwlen,
    const void *salt, size_t saltlen, const void *params, size_t paramslen,
    struct kc_key *key_out, struct kerr *e);

/*
 * Encryption (RFC 3961 section 5.3 / RFC 8009 section 5).  The output is
 * allocated; its length is plain_len + kc_enctype_overhead().  A fresh
 * random confounder is used; kc_encrypt_with_confounder() takes a given
 * one (KC_BLOCK_LEN bytes) for known-answer tests.
 */
kerr_t kc_encrypt(const struct kc_key *key, int32_t usage,
    const void *plain, size_t plain_len,
    unsigned char **cipher_out, size_t *len_out, struct kerr *e);
kerr_t kc_encrypt_with_confounder(const struct kc_key *key, int32_t usage,
    const void *confounder, size_t conf_len,
    const void *plain, size_t plain_len,
    unsigned char **cipher_out, size_t *len_out, struct kerr *e);
/* KRB_AP_ERR_BAD_INTEGRITY on a MAC mismatch or a malformed ciphertext. */
kerr_t kc_decrypt(const struct kc_key *key, int32_t usage,
    const void *cipher, size_t cipher_len,
    unsigned char **plain_out, size_t *len_out, struct kerr *e);

/* Checksums (keyed, RFC 3961 section 5.4).  cksumtype 0 = the enctype's. */
int kc_cksumtype_supported(int32_t cksumtype);
int32_t kc_checksum_type_for_enctype(int32_t enctype);
size_t kc_checksum_length(int32_t cksumtype);
kerr_t kc_checksum(const struct kc_key *key, int32_t usage, int32_t cksumtype,
    const void *data, size_t len, unsigned char out[KC_MAX_CKSUM_LEN],
    size_t *len_out, struct kerr *e);
/* KRB_AP_ERR_BAD_INTEGRITY on mismatch (constant time),
 * KRB_AP_ERR_INAPP_CKSUM when cksumtype does not fit the key. */
kerr_t kc_checksum_verify(const struct kc_key *key, int32_t usage,
    int32_t cksumtype, const void *data, size_t len,
    const void *cksum, size_t cksum_len, struct kerr *e);

/* Pseudo-random function (RFC 3962 section 6 / RFC 8009 section 5). */
size_t kc_prf_length(int32_t enctype);
kerr_t kc_prf(const struct kc_key *key, const void *in, size_t len,
    unsigned char out[KC_MAX_PRF_LEN], size_t *len_out, struct kerr *e);
/* PRF+ (RFC 6113 section 5.1): out_len bytes, at most 255 PRF blocks. */
kerr_t kc_prf_plus(const struct kc_key *key, const void *in, size_t len,
    unsigned char *out, size_t out_len, struct kerr *e);
/* KRB-FX-CF2 (RFC 6113 section 5.1); the result has key1's enctype. */
kerr_t kc_cf2(const struct kc_key *key1, const char *pepper1,
    const struct kc_key *key2, const char *pepper2,
    struct kc_key *key_out, struct kerr *e);

#endif
