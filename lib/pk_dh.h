/*
 * pk_dh.h - PKINIT key agreement: finite-field DH over the RFC 3526 MODP
 * groups (RFC 4556 section 3.2.3.1) and ECDH over the NIST curves
 * (RFC 5349).
 *
 * The accepted groups are fixed at start (pk_dh_groups_new) with their
 * parameters cached; each request then only parses the client's
 * SubjectPublicKeyInfo, generates an ephemeral KDC key in the same group
 * and derives the shared secret.
 */
#ifndef PKINIT_KDC_PK_DH_H
#define PKINIT_KDC_PK_DH_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

enum pk_group {
	PK_GROUP_UNKNOWN = 0,
	PK_GROUP_MODP2,         /* RFC 2409 group 2, 1024 bits: never accepted */
	PK_GROUP_MODP14,        /* RFC 3526, 2048 bits */
	PK_GROUP_MODP15,        /* 3072 bits */
	PK_GROUP_MODP16,        /* 4096 bits */
	PK_GROUP_P256,          /* RFC 5349 */
	PK_GROUP_P384,
	PK_GROUP_P521,
};

#define PK_GROUP_COUNT 8

struct pk_dh_groups;

/*
 * Build the accepted set: MODP 14/15/16 and P-256/384/521 whose strength
 * is at least min_bits (the pkinit_dh_min_bits option).  Curves count as
 * the MODP size of equal strength (P-256 = 3072, P-384 = 7680, P-521 =
 * 15360, as NIST SP 800-57 part 1 table 2 compares them).
 */
#define PK_DH_NO_EC 0x1     /* offer and accept finite-field groups only */

kerr_t pk_dh_groups_new(unsigned int min_bits, unsigned int flags,
    struct pk_dh_groups **out, struct kerr *e);
void pk_dh_groups_free(struct pk_dh_groups *g);

/* "MODP-2048", "P-256", ... */
const char *pk_group_name(enum pk_group grp);

/*
 * DER of SEQUENCE OF AlgorithmIdentifier for TD-DH-PARAMETERS e-data
 * (RFC 4556 section 3.2.2), accepted groups in preference order P-256,
 * P-384, P-521, MODP 16, 15, 14.  malloc'd.
 *
 * Observed with MIT kinit 1.20.1 (against a test KDC answering
 * KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED): it has no ECDH, skips the
 * id-ecPublicKey entries, retries with the first MODP group of the list
 * it knows (2048, 3072 and 4096 all work), and gives up when the list
 * holds curves only.  Hence curves first does not hurt MIT clients while
 * letting RFC 5349 clients pick ECDH; PK_DH_NO_EC drops them entirely.
 */
kerr_t pk_dh_td_dh_parameters(const struct pk_dh_groups *g,
    uint8_t **der_out, size_t *len_out, struct kerr *e);

/* Number of accepted groups and the i-th one's DER AlgorithmIdentifier. */
size_t pk_dh_groups_count(const struct pk_dh_groups *g);
const uint8_t *pk_dh_group_algid(const struct pk_dh_groups *g, size_t i,
    enum pk_group *grp_out, size_t *len_out);

struct pk_dh_result {
	enum pk_group group;
	uint8_t *secret;        /* DH: padded to |p|; ECDH: x-coordinate */
	size_t secret_len;
	/* KDC public value, the content of KDCDHKeyInfo.subjectPublicKey:
	 * DH: DER INTEGER y; ECDH: uncompressed ECPoint. */
	uint8_t *kdc_public;
	size_t kdc_public_len;
};

/*
 * Identify the group of a client SubjectPublicKeyInfo (DER), without
 * checking acceptance.  Returns PK_GROUP_UNKNOWN for anything else.
 */
enum pk_group pk_dh_identify(const uint8_t *spki, size_t spki_len);

/*
 * Key agreement with the client's clientPublicValue (DER
 * SubjectPublicKeyInfo).  Unknown, weak or not-accepted groups and invalid
 * public values give KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED.
 */
kerr_t pk_dh_agree(const struct pk_dh_groups *g, const uint8_t *spki,
    size_t spki_len, struct pk_dh_result **out, struct kerr *e);

/* Wipes the secret; accepts NULL. */
void pk_dh_result_free(struct pk_dh_result *r);

#endif
