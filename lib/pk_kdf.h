/*
 * pk_kdf.h - PKINIT reply-key derivation from a DH/ECDH shared secret.
 *
 * Two constructions exist: octetstring2key of RFC 4556 section 3.2.3.1
 * (used when the client offers no KDF) and the SP 800-56A single-step KDF
 * of RFC 8636 section 3 (id-pkinit-kdf-ah-sha1/sha256/sha512).  Both
 * produce the enctype's random-to-key input; for the AES enctypes this is
 * the key itself.
 */
#ifndef PKINIT_KDC_PK_KDF_H
#define PKINIT_KDC_PK_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

enum pk_kdf {
	PK_KDF_NONE = 0,        /* RFC 4556 octetstring2key */
	PK_KDF_AH_SHA1 = 1,     /* id-pkinit-kdf-ah-sha1   1.3.6.1.5.2.3.6.1 */
	PK_KDF_AH_SHA256 = 2,   /* id-pkinit-kdf-ah-sha256 1.3.6.1.5.2.3.6.2 */
	PK_KDF_AH_SHA512 = 3,   /* id-pkinit-kdf-ah-sha512 1.3.6.1.5.2.3.6.3 */
};

/* Largest key seed any supported enctype needs. */
#define PK_KDF_MAX_SEED 64

/*
 * Length of the random-to-key input for an enctype: 16 for aes128-cts-*
 * (17, 19), 32 for aes256-cts-* (18, 20), 21 for des3-cbc-sha1-kd (16,
 * only so that the RFC 8636 vector can be checked); 0 when unsupported.
 */
size_t pk_kdf_seed_len(int32_t enctype);

/*
 * RFC 4556 section 3.2.3.1: key = K-truncate(SHA1(0x00 | x) ||
 * SHA1(0x01 | x) || ...), x = DHSharedSecret || clientDHNonce ||
 * serverDHNonce (nonces may be absent: NULL/0).  Writes keylen bytes.
 */
kerr_t pk_octetstring2key(const uint8_t *secret, size_t secret_len,
    const uint8_t *client_nonce, size_t client_nonce_len,
    const uint8_t *server_nonce, size_t server_nonce_len,
    uint8_t *key_out, size_t keylen, struct kerr *e);

/* Everything RFC 8636 section 3 feeds into OtherInfo, as DER given by
 * the caller. */
struct pk_kdf_input {
	const uint8_t *z;              /* shared secret (DH: padded) */
	size_t z_len;
	const uint8_t *client_princ;   /* DER KRB5PrincipalName of the client */
	size_t client_princ_len;
	const uint8_t *tgs_princ;      /* DER KRB5PrincipalName of the TGS */
	size_t tgs_princ_len;
	int32_t enctype;               /* enctype of the reply key */
	const uint8_t *as_req;         /* DER of the whole AS-REQ */
	size_t as_req_len;
	const uint8_t *pk_as_rep;      /* DER of the PA-PK-AS-REP */
	size_t pk_as_rep_len;
};

/* DER OtherInfo (RFC 8636 section 3) for kdf; malloc'd. */
kerr_t pk_kdf_otherinfo(enum pk_kdf kdf, const struct pk_kdf_input *in,
    uint8_t **der_out, size_t *len_out, struct kerr *e);

/* RFC 8636 KDF: keylen bytes into key_out (keylen <= PK_KDF_MAX_SEED). */
kerr_t pk_kdf_derive(enum pk_kdf kdf, const struct pk_kdf_input *in,
    uint8_t *key_out, size_t keylen, struct kerr *e);

/* Complete DER OBJECT IDENTIFIER (tag, length, value) of a KDF, for the
 * KDFAlgorithmId kdf-id field; NULL for PK_KDF_NONE. */
const uint8_t *pk_kdf_oid_der(enum pk_kdf kdf, size_t *len_out);

/* Map a DER OBJECT IDENTIFIER (full TLV) to a KDF; PK_KDF_NONE if unknown. */
enum pk_kdf pk_kdf_from_oid_der(const uint8_t *der, size_t len);

#endif
