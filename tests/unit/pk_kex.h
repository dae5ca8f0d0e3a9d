/*
 * pk_kex.h - the client's side of PKINIT key agreement (RFC 4556 section
 * 3.2.3.1, RFC 5349): an ephemeral DH or ECDH key with its
 * SubjectPublicKeyInfo as a client sends it, and the shared secret from
 * the KDC's public value.  Built straight with OpenSSL, never with the
 * KDC's pk_dh code, so that the two sides check each other.  Used by the
 * unit tests' client (pk_client.c) and the benchmark's load generator
 * (tests/bench/pkload).
 */
#ifndef PKINIT_KDC_PK_KEX_H
#define PKINIT_KDC_PK_KEX_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "pk_dh.h"

/* OpenSSL's name of a group ("modp_2048", "P-256"); NULL if unknown. */
const char *pkx_ossl_group(enum pk_group grp);

/*
 * A fresh key in grp and its SubjectPublicKeyInfo (malloc'd DER):
 * dhpublicnumber with p, g, q, or id-ecPublicKey with a named curve.
 * Returns 0, or -1 on failure (nothing allocated).
 */
int pkx_client_key(enum pk_group grp, EVP_PKEY **key_out, uint8_t **spki_out,
    size_t *len_out);

/* SPKI for an arbitrary dhpublicnumber (p, g, q optional, y); 0 or -1. */
int pkx_dh_spki(const BIGNUM *p, const BIGNUM *g, const BIGNUM *q,
    const BIGNUM *y, uint8_t **spki_out, size_t *len_out);

/*
 * The shared secret (malloc'd; wipe it) from the contents of
 * KDCDHKeyInfo.subjectPublicKey: DH padded to the modulus, ECDH the
 * x-coordinate.  Returns 0, or -1 for a public value that is malformed
 * or not in grp.
 */
int pkx_client_secret(EVP_PKEY *mine, enum pk_group grp,
    const uint8_t *kdc_pub, size_t kdc_len, uint8_t **secret_out,
    size_t *len_out);

#endif
