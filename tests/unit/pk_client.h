/*
 * pk_client.h - the client half of PKINIT (RFC 4556 section 3.2.1) for the
 * unit tests: AuthPacks signed with the fixture's user keys, DH/ECDH client
 * keys, and the AS-REQ captured from MIT kinit as a carrier.  Everything is
 * built straight with OpenSSL and the ASN.1 layer, never with the pk_req /
 * pk_rep code under test.
 */
#ifndef PKINIT_KDC_PK_CLIENT_H
#define PKINIT_KDC_PK_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "asn1_pkinit.h"
#include "pk_dh.h"

#define PKC_KDF_SHA1   "1.3.6.1.5.2.3.6.1"
#define PKC_KDF_SHA256 "1.3.6.1.5.2.3.6.2"
#define PKC_KDF_SHA512 "1.3.6.1.5.2.3.6.3"

enum pkc_cksum {
	PKC_CK_OK,              /* correct value */
	PKC_CK_NONE,            /* field absent */
	PKC_CK_WRONG,           /* present, one bit off */
};

/* What goes into the AuthPack. */
struct pkc_opts {
	const char *signer;             /* fixture name: "alice", "alice-ec" */
	int64_t ctime;
	int32_t cusec;
	uint32_t nonce;
	enum pkc_cksum checksum;        /* paChecksum (SHA-1) */
	const char *checksum2_oid;      /* paChecksum2 digest OID; NULL: none */
	enum pkc_cksum checksum2;
	const uint8_t *spki;            /* clientPublicValue; NULL: RSA */
	size_t spki_len;
	const uint8_t *dh_nonce;        /* clientDHNonce; NULL: absent */
	size_t dh_nonce_len;
	const char *const *kdfs;        /* supportedKDFs OIDs; NULL: absent */
	size_t n_kdfs;
	const char *freshness;          /* freshnessToken; NULL: absent */
};

/* A captured AS-REQ (tests/data/<name>), decoded. */
struct pkc_capture {
	uint8_t *der;
	size_t len;
	KRB5_AS_REQ *req;
	const uint8_t *body;            /* KDC-REQ-BODY bytes inside der */
	size_t body_len;
	uint32_t nonce;                 /* req-body nonce */
	const uint8_t *pa;              /* PA-PK-AS-REQ value inside req */
	size_t pa_len;
	PKINIT_AUTH_PACK *auth_pack;    /* its AuthPack (signature unchecked) */
	int64_t ctime;                  /* its PKAuthenticator ctime */
};

void pkc_capture_load(const char *path, struct pkc_capture *c);
void pkc_capture_free(struct pkc_capture *c);

/* DER AuthPack for body (the KDC-REQ-BODY bytes the checksums cover). */
uint8_t *pkc_auth_pack(const struct pkc_opts *o, const uint8_t *body,
    size_t body_len, size_t *len_out);
/* CMS SignedData ContentInfo, eContentType id-pkinit-authData, SHA-256,
 * signed by the fixture identity `signer`, issuing CA included. */
uint8_t *pkc_sign(const char *signer, const uint8_t *content, size_t len,
    size_t *len_out);
/* PA-PK-AS-REQ around a signedAuthPack. */
uint8_t *pkc_pa(const uint8_t *signed_ap, size_t len, size_t *len_out);
/* All three in a row. */
uint8_t *pkc_request(const struct pkc_opts *o, const uint8_t *body,
    size_t body_len, size_t *len_out);
/* The captured AS-REQ with its PA-PK-AS-REQ value replaced by pa. */
uint8_t *pkc_as_req(const struct pkc_capture *c, const uint8_t *pa,
    size_t pa_len, size_t *len_out);

/* A fresh client key in grp and its SubjectPublicKeyInfo as PKINIT sends
 * it (dhpublicnumber with p, g, q; id-ecPublicKey with a named curve). */
uint8_t *pkc_client_key(enum pk_group grp, EVP_PKEY **key_out,
    size_t *len_out);
/* SPKI for an arbitrary dhpublicnumber (p, g, q, y). */
uint8_t *pkc_dh_spki(const BIGNUM *p, const BIGNUM *g, const BIGNUM *q,
    const BIGNUM *y, size_t *len_out);
/* The client's shared secret from the KDC's subjectPublicKey contents:
 * DH padded to the modulus, ECDH the x-coordinate. */
uint8_t *pkc_client_secret(EVP_PKEY *mine, enum pk_group grp,
    const uint8_t *kdc_pub, size_t kdc_len, size_t *len_out);

/* Copy of an OpenSSL-allocated DER buffer into malloc'd memory. */
uint8_t *pkc_dup(const unsigned char *p, int n, size_t *len_out);

#endif
