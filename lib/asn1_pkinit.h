/*
 * asn1_pkinit.h - PKINIT messages (RFC 4556 with RFC 8070 freshness, RFC
 * 8636 KDF negotiation and the MS-PKCA paChecksum2 extension) as OpenSSL
 * ASN.1 template types.  Part of the ASN.1 layer: exposes OpenSSL types.
 *
 * The RFC 4556 module uses EXPLICIT tags except where a field is marked
 * IMPLICIT (the CMS blobs and ExternalPrincipalIdentifier fields).
 * AlgorithmIdentifier is X509_ALGOR.  The client's SubjectPublicKeyInfo is
 * kept as its whole DER (an ASN1_STRING of type V_ASN1_SEQUENCE): as an
 * X509_PUBKEY, OpenSSL 3.0 would run a provider decoder search on every
 * request to decode a key the PKINIT layer parses itself anyway.
 * A named-curve ECParameters is just the curve's OBJECT IDENTIFIER as the
 * AlgorithmIdentifier parameters, so it needs no type of its own here.
 * The freshness token (RFC 8070) is an opaque OCTET STRING: PA-AS-FRESHNESS
 * padata value and PKAuthenticator.freshnessToken carry it unwrapped.
 */
#ifndef PKINIT_KDC_ASN1_PKINIT_H
#define PKINIT_KDC_ASN1_PKINIT_H

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "asn1_krb5.h"

/* ExternalPrincipalIdentifier (RFC 4556 section 3.2.1); every field is an
 * IMPLICIT OCTET STRING holding DER of Name / IssuerAndSerialNumber /
 * SubjectKeyIdentifier. */
typedef struct {
	ASN1_OCTET_STRING *subject_name;                /* [0] OPTIONAL */
	ASN1_OCTET_STRING *issuer_and_serial_number;    /* [1] OPTIONAL */
	ASN1_OCTET_STRING *subject_key_identifier;      /* [2] OPTIONAL */
} PKINIT_EXT_PRINC_ID;
DECLARE_ASN1_FUNCTIONS(PKINIT_EXT_PRINC_ID)
DEFINE_STACK_OF(PKINIT_EXT_PRINC_ID)

/* TD-TRUSTED-CERTIFIERS, TD-INVALID-CERTIFICATES and AD-INITIAL-VERIFIED-CAS
 * are all SEQUENCE OF ExternalPrincipalIdentifier. */
typedef STACK_OF(PKINIT_EXT_PRINC_ID) PKINIT_EPI_LIST;
DECLARE_ASN1_FUNCTIONS(PKINIT_EPI_LIST)

typedef struct {
	ASN1_OCTET_STRING *signed_auth_pack;    /* [0] IMPLICIT, CMS SignedData */
	STACK_OF(PKINIT_EXT_PRINC_ID) *trusted_certifiers;     /* [1] OPTIONAL */
	ASN1_OCTET_STRING *kdc_pk_id;           /* [2] IMPLICIT OPTIONAL */
} PKINIT_PA_PK_AS_REQ;
DECLARE_ASN1_FUNCTIONS(PKINIT_PA_PK_AS_REQ)

/* PAChecksum2 (MS-PKCA 2.2.3). */
typedef struct {
	ASN1_OCTET_STRING *checksum;
	X509_ALGOR *algorithm_identifier;
} PKINIT_PA_CHECKSUM2;
DECLARE_ASN1_FUNCTIONS(PKINIT_PA_CHECKSUM2)

typedef struct {
	int32_t cusec;                          /* [0] 0..999999 */
	ASN1_GENERALIZEDTIME *ctime;            /* [1] */
	ASN1_INTEGER *nonce;                    /* [2] 0..4294967295 */
	ASN1_OCTET_STRING *pa_checksum;         /* [3] OPTIONAL, SHA-1 */
	ASN1_OCTET_STRING *freshness_token;     /* [4] OPTIONAL, RFC 8070 */
	PKINIT_PA_CHECKSUM2 *pa_checksum2;      /* [5] OPTIONAL, MS-PKCA */
} PKINIT_PK_AUTHENTICATOR;
DECLARE_ASN1_FUNCTIONS(PKINIT_PK_AUTHENTICATOR)

/* KDFAlgorithmId (RFC 8636 section 7). */
typedef struct {
	ASN1_OBJECT *kdf_id;                    /* [0] */
} PKINIT_KDF_ALG_ID;
DECLARE_ASN1_FUNCTIONS(PKINIT_KDF_ALG_ID)
DEFINE_STACK_OF(PKINIT_KDF_ALG_ID)

typedef struct {
	PKINIT_PK_AUTHENTICATOR *pk_authenticator;      /* [0] */
	ASN1_STRING *client_public_value;       /* [1] OPTIONAL, DER SPKI */
	STACK_OF(X509_ALGOR) *supported_cms_types;      /* [2] OPTIONAL */
	ASN1_OCTET_STRING *client_dh_nonce;     /* [3] OPTIONAL */
	STACK_OF(PKINIT_KDF_ALG_ID) *supported_kdfs;    /* [4] OPTIONAL */
} PKINIT_AUTH_PACK;
DECLARE_ASN1_FUNCTIONS(PKINIT_AUTH_PACK)

typedef struct {
	ASN1_OCTET_STRING *dh_signed_data;      /* [0] IMPLICIT, CMS SignedData */
	ASN1_OCTET_STRING *server_dh_nonce;     /* [1] OPTIONAL */
	PKINIT_KDF_ALG_ID *kdf;                 /* [2] OPTIONAL, RFC 8636 */
} PKINIT_DH_REP_INFO;
DECLARE_ASN1_FUNCTIONS(PKINIT_DH_REP_INFO)

/* PA-PK-AS-REP ::= CHOICE { dhInfo [0], encKeyPack [1] IMPLICIT } */
#define PKINIT_REP_DH_INFO      0
#define PKINIT_REP_ENC_KEY_PACK 1
typedef struct {
	int type;
	union {
		PKINIT_DH_REP_INFO *dh_info;
		ASN1_OCTET_STRING *enc_key_pack;        /* CMS EnvelopedData */
	} value;
} PKINIT_PA_PK_AS_REP;
DECLARE_ASN1_FUNCTIONS(PKINIT_PA_PK_AS_REP)

typedef struct {
	ASN1_BIT_STRING *subject_public_key;    /* [0] DER INTEGER or EC point */
	ASN1_INTEGER *nonce;                    /* [1] */
	ASN1_GENERALIZEDTIME *dh_key_expiration;        /* [2] OPTIONAL */
} PKINIT_KDC_DH_KEY_INFO;
DECLARE_ASN1_FUNCTIONS(PKINIT_KDC_DH_KEY_INFO)

typedef struct {
	KRB5_ENCKEY *reply_key;                 /* [0] */
	KRB5_CHECKSUM *as_checksum;             /* [1] */
} PKINIT_REPLY_KEY_PACK;
DECLARE_ASN1_FUNCTIONS(PKINIT_REPLY_KEY_PACK)

/* TD-DH-PARAMETERS ::= SEQUENCE OF AlgorithmIdentifier */
typedef STACK_OF(X509_ALGOR) PKINIT_TD_DH_PARAMETERS;
DECLARE_ASN1_FUNCTIONS(PKINIT_TD_DH_PARAMETERS)

/* TD-CMS-DIGEST-ALGORITHMS-DATA ::= SEQUENCE OF AlgorithmIdentifier
 * (RFC 8636 section 4): digests the KDC accepts in CMS signatures. */
typedef STACK_OF(X509_ALGOR) PKINIT_TD_CMS_DIGEST_ALGS;
DECLARE_ASN1_FUNCTIONS(PKINIT_TD_CMS_DIGEST_ALGS)

/* TD-CERT-DIGEST-ALGORITHMS-DATA (RFC 8636 section 4): certificate
 * signature digests the KDC accepts, and the one it rejected. */
typedef struct {
	STACK_OF(X509_ALGOR) *allowed_algorithms;       /* [0] */
	X509_ALGOR *rejected_algorithm;         /* [1] OPTIONAL */
} PKINIT_TD_CERT_DIGEST_ALGS;
DECLARE_ASN1_FUNCTIONS(PKINIT_TD_CERT_DIGEST_ALGS)

/* KRB5PrincipalName: the id-pkinit-san otherName value (section 3.2.2). */
typedef struct {
	ASN1_GENERALSTRING *realm;              /* [0] */
	KRB5_PRINCNAME *principal_name;         /* [1] */
} PKINIT_KRB5_PRINCNAME;
DECLARE_ASN1_FUNCTIONS(PKINIT_KRB5_PRINCNAME)

/* PkinitSuppPubInfo (RFC 8636 section 8). */
typedef struct {
	int32_t enctype;                        /* [0] */
	ASN1_OCTET_STRING *as_req;              /* [1] */
	ASN1_OCTET_STRING *pk_as_rep;           /* [2] */
} PKINIT_SUPP_PUB_INFO;
DECLARE_ASN1_FUNCTIONS(PKINIT_SUPP_PUB_INFO)

/* OtherInfo of the SP 800-56A KDF as profiled by RFC 8636 section 8. */
typedef struct {
	X509_ALGOR *algorithm_id;
	ASN1_OCTET_STRING *party_u_info;        /* [0] DER KRB5PrincipalName */
	ASN1_OCTET_STRING *party_v_info;        /* [1] DER KRB5PrincipalName */
	ASN1_OCTET_STRING *supp_pub_info;       /* [2] OPTIONAL */
	ASN1_OCTET_STRING *supp_priv_info;      /* [3] OPTIONAL */
} PKINIT_OTHER_INFO;
DECLARE_ASN1_FUNCTIONS(PKINIT_OTHER_INFO)

/* X9.42 DH DomainParameters and ValidationParms (RFC 3279 section 2.3.3). */
typedef struct {
	ASN1_BIT_STRING *seed;
	ASN1_INTEGER *pgen_counter;
} PKINIT_VALIDATION_PARMS;
DECLARE_ASN1_FUNCTIONS(PKINIT_VALIDATION_PARMS)

typedef struct {
	ASN1_INTEGER *p;
	ASN1_INTEGER *g;
	ASN1_INTEGER *q;
	ASN1_INTEGER *j;                        /* OPTIONAL */
	PKINIT_VALIDATION_PARMS *validation_parms;      /* OPTIONAL */
} PKINIT_DOMAIN_PARAMS;
DECLARE_ASN1_FUNCTIONS(PKINIT_DOMAIN_PARAMS)

/* Add a KDF OID (e.g. id-pkinit-kdf-sha256, 1.3.6.1.5.2.3.6.2) to a list. */
kerr_t pkinit_asn1_kdf_add(STACK_OF(PKINIT_KDF_ALG_ID) **listp,
    const char *oid_text);

#endif
