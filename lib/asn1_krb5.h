/*
 * asn1_krb5.h - Kerberos V5 messages (RFC 4120, RFC 6113, RFC 6806) as
 * OpenSSL ASN.1 template types, and the strict DER layer around them.
 *
 * This header is the ASN.1 layer, so it exposes OpenSSL ASN.1 types
 * (ASN1_GENERALSTRING, ASN1_OCTET_STRING, STACK_OF(...)).  Code outside lib/
 * uses the types as plain structs and the asn1krb_* helpers below.
 *
 * Conventions of the representation:
 *  - required Int32 fields are embedded int32_t; OPTIONAL Int32/UInt32
 *    fields are ASN1_INTEGER pointers (OpenSSL's INT32 item cannot be
 *    OPTIONAL unless embedded, and an embedded one is never absent); set
 *    them with asn1krb_int_set(), read them with asn1krb_int32_get() or
 *    asn1krb_uint32_get();
 *  - nonces are ASN1_INTEGER so a reply can echo the request's value as
 *    received (asn1krb_uint32_get() reads them);
 *  - KerberosTime is ASN1_GENERALIZEDTIME holding "YYYYMMDDHHMMSSZ";
 *  - KerberosFlags is ASN1_BIT_STRING always carrying 32 bits
 *    (asn1krb_flags_*), bit 0 being the first bit on the wire.
 *
 * Decoding goes through asn1krb_decode(): bounded size and nesting, DER
 * only, no trailing bytes, KerberosTime syntax and Microseconds ranges
 * checked.  Encoding goes through asn1krb_encode() and returns malloc(3)
 * memory.
 */
#ifndef PKINIT_KDC_ASN1_KRB5_H
#define PKINIT_KDC_ASN1_KRB5_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/safestack.h>

#include "kerror.h"

/* Hard limits on untrusted input. */
#define ASN1KRB_MAX_MSG   (1024 * 1024)  /* bytes in one message */
#define ASN1KRB_MAX_DEPTH 32             /* nested constructed TLVs */
#define ASN1KRB_MAX_ITEMS 1024           /* elements in one constructed TLV */

/* Message types (RFC 4120 section 7.5.7) = APPLICATION tag numbers. */
enum {
	KRB5_MSG_AS_REQ = 10,
	KRB5_MSG_AS_REP = 11,
	KRB5_MSG_TGS_REQ = 12,
	KRB5_MSG_TGS_REP = 13,
	KRB5_MSG_AP_REQ = 14,
	KRB5_MSG_AP_REP = 15,
	KRB5_MSG_SAFE = 20,
	KRB5_MSG_PRIV = 21,
	KRB5_MSG_CRED = 22,
	KRB5_MSG_ERROR = 30,
};

/* Other APPLICATION tags used inside messages. */
enum {
	KRB5_APP_TICKET = 1,
	KRB5_APP_AUTHENTICATOR = 2,
	KRB5_APP_ENC_TICKET_PART = 3,
	KRB5_APP_ENC_AS_REP_PART = 25,
	KRB5_APP_ENC_TGS_REP_PART = 26,
};

/* Name types (RFC 4120 section 6.2, RFC 6806 section 5). */
enum {
	KRB5_NT_UNKNOWN = 0,
	KRB5_NT_PRINCIPAL = 1,
	KRB5_NT_SRV_INST = 2,
	KRB5_NT_SRV_HST = 3,
	KRB5_NT_ENTERPRISE = 10,
	KRB5_NT_WELLKNOWN = 11,
};

/* PA-DATA types (RFC 4120 7.5.2, RFC 4556, RFC 6113, RFC 8070, MS-KILE). */
enum {
	KRB5_PADATA_TGS_REQ = 1,
	KRB5_PADATA_ENC_TIMESTAMP = 2,
	KRB5_PADATA_PW_SALT = 3,
	KRB5_PADATA_ETYPE_INFO = 11,
	KRB5_PADATA_PK_AS_REQ_OLD = 14,
	KRB5_PADATA_PK_AS_REP_OLD = 15,
	KRB5_PADATA_PK_AS_REQ = 16,
	KRB5_PADATA_PK_AS_REP = 17,
	KRB5_PADATA_ETYPE_INFO2 = 19,
	KRB5_PADATA_PAC_REQUEST = 128,
	KRB5_PADATA_FOR_USER = 129,
	KRB5_PADATA_FX_COOKIE = 133,
	KRB5_PADATA_FX_FAST = 136,
	KRB5_PADATA_FX_ERROR = 137,
	KRB5_PADATA_ENCRYPTED_CHALLENGE = 138,
	KRB5_PADATA_REQ_ENC_PA_REP = 149,
	KRB5_PADATA_AS_FRESHNESS = 150,
	KRB5_PADATA_SUPPORTED_ETYPES = 165,
	KRB5_PADATA_PAC_OPTIONS = 167,
};

/* TYPED-DATA types used in KRB-ERROR e-data (RFC 4556 section 3.2.2). */
enum {
	KRB5_TD_TRUSTED_CERTIFIERS = 104,
	KRB5_TD_INVALID_CERTIFICATES = 105,
	KRB5_TD_DH_PARAMETERS = 109,
	KRB5_TD_CMS_DIGEST_ALGORITHMS = 111,    /* RFC 8636 section 4 */
	KRB5_TD_CERT_DIGEST_ALGORITHMS = 112,   /* RFC 8636 section 4 */
};

/* KerberosFlags bit n as a mask of the uint32_t used by asn1krb_flags_*. */
#define KRB5_FLAG(n) (UINT32_C(0x80000000) >> (n))

/* KDCOptions (RFC 4120 section 5.4.1). */
#define KRB5_KDCOPT_FORWARDABLE             KRB5_FLAG(1)
#define KRB5_KDCOPT_FORWARDED               KRB5_FLAG(2)
#define KRB5_KDCOPT_PROXIABLE               KRB5_FLAG(3)
#define KRB5_KDCOPT_PROXY                   KRB5_FLAG(4)
#define KRB5_KDCOPT_ALLOW_POSTDATE          KRB5_FLAG(5)
#define KRB5_KDCOPT_POSTDATED               KRB5_FLAG(6)
#define KRB5_KDCOPT_RENEWABLE               KRB5_FLAG(8)
#define KRB5_KDCOPT_CANONICALIZE            KRB5_FLAG(15)
#define KRB5_KDCOPT_DISABLE_TRANSITED_CHECK KRB5_FLAG(26)
#define KRB5_KDCOPT_RENEWABLE_OK            KRB5_FLAG(27)
#define KRB5_KDCOPT_ENC_TKT_IN_SKEY         KRB5_FLAG(28)
#define KRB5_KDCOPT_RENEW                   KRB5_FLAG(30)
#define KRB5_KDCOPT_VALIDATE                KRB5_FLAG(31)

/* TicketFlags (RFC 4120 section 5.3, RFC 6113 section 5.4.2). */
#define KRB5_TKT_FORWARDABLE       KRB5_FLAG(1)
#define KRB5_TKT_FORWARDED         KRB5_FLAG(2)
#define KRB5_TKT_PROXIABLE         KRB5_FLAG(3)
#define KRB5_TKT_PROXY             KRB5_FLAG(4)
#define KRB5_TKT_MAY_POSTDATE      KRB5_FLAG(5)
#define KRB5_TKT_POSTDATED         KRB5_FLAG(6)
#define KRB5_TKT_INVALID           KRB5_FLAG(7)
#define KRB5_TKT_RENEWABLE         KRB5_FLAG(8)
#define KRB5_TKT_INITIAL           KRB5_FLAG(9)
#define KRB5_TKT_PRE_AUTHENT       KRB5_FLAG(10)
#define KRB5_TKT_HW_AUTHENT        KRB5_FLAG(11)
#define KRB5_TKT_TRANSITED_CHECKED KRB5_FLAG(12)
#define KRB5_TKT_OK_AS_DELEGATE    KRB5_FLAG(13)
#define KRB5_TKT_ENC_PA_REP        KRB5_FLAG(15)
#define KRB5_TKT_ANONYMOUS         KRB5_FLAG(16)

/* ---- Base types (asn1_base.c) ------------------------------------- */

/* PrincipalName ::= SEQUENCE { name-type [0], name-string [1] SEQ OF } */
typedef struct {
	int32_t name_type;
	STACK_OF(ASN1_GENERALSTRING) *name_string;
} KRB5_PRINCNAME;

/* EncryptionKey; keyvalue is wiped when the structure is freed. */
typedef struct {
	int32_t keytype;
	ASN1_OCTET_STRING *keyvalue;
} KRB5_ENCKEY;

typedef struct {
	int32_t etype;
	ASN1_INTEGER *kvno;             /* OPTIONAL UInt32 */
	ASN1_OCTET_STRING *cipher;
} KRB5_ENCDATA;

typedef struct {
	int32_t cksumtype;
	ASN1_OCTET_STRING *checksum;
} KRB5_CHECKSUM;

/* PA-DATA (tags [1] and [2]: RFC 4120 section 5.2.7). */
typedef struct {
	int32_t padata_type;
	ASN1_OCTET_STRING *padata_value;
} KRB5_PADATA;

typedef struct {
	int32_t addr_type;
	ASN1_OCTET_STRING *address;
} KRB5_HOSTADDR;

typedef struct {
	int32_t ad_type;
	ASN1_OCTET_STRING *ad_data;
} KRB5_ADENTRY;

/* TYPED-DATA element (RFC 4120 section 5.9.1). */
typedef struct {
	int32_t data_type;
	ASN1_OCTET_STRING *data_value;  /* OPTIONAL */
} KRB5_TYPED_DATA_ENTRY;

DECLARE_ASN1_FUNCTIONS(KRB5_PRINCNAME)
DECLARE_ASN1_FUNCTIONS(KRB5_ENCKEY)
DECLARE_ASN1_FUNCTIONS(KRB5_ENCDATA)
DECLARE_ASN1_FUNCTIONS(KRB5_CHECKSUM)
DECLARE_ASN1_FUNCTIONS(KRB5_PADATA)
DECLARE_ASN1_FUNCTIONS(KRB5_HOSTADDR)
DECLARE_ASN1_FUNCTIONS(KRB5_ADENTRY)
DECLARE_ASN1_FUNCTIONS(KRB5_TYPED_DATA_ENTRY)

DEFINE_STACK_OF(KRB5_PADATA)
DEFINE_STACK_OF(KRB5_HOSTADDR)
DEFINE_STACK_OF(KRB5_ADENTRY)
DEFINE_STACK_OF(KRB5_TYPED_DATA_ENTRY)

/* METHOD-DATA ::= SEQUENCE OF PA-DATA */
typedef STACK_OF(KRB5_PADATA) KRB5_METHOD_DATA;
/* HostAddresses ::= SEQUENCE OF HostAddress */
typedef STACK_OF(KRB5_HOSTADDR) KRB5_HOSTADDRS;
/* AuthorizationData ::= SEQUENCE OF SEQUENCE { ad-type, ad-data } */
typedef STACK_OF(KRB5_ADENTRY) KRB5_AUTHDATA;
/* TYPED-DATA ::= SEQUENCE SIZE (1..MAX) OF ... */
typedef STACK_OF(KRB5_TYPED_DATA_ENTRY) KRB5_TYPED_DATA;

DECLARE_ASN1_FUNCTIONS(KRB5_METHOD_DATA)
DECLARE_ASN1_FUNCTIONS(KRB5_HOSTADDRS)
DECLARE_ASN1_FUNCTIONS(KRB5_AUTHDATA)
DECLARE_ASN1_FUNCTIONS(KRB5_TYPED_DATA)

/* ---- Tickets and KDC exchanges (asn1_kdc.c) ----------------------- */

/* Ticket ::= [APPLICATION 1] SEQUENCE {...}: KRB5_TICKET_SEQ is the bare
 * SEQUENCE, KRB5_TICKET the tagged type used in messages. */
typedef struct {
	int32_t tkt_vno;
	ASN1_GENERALSTRING *realm;
	KRB5_PRINCNAME *sname;
	KRB5_ENCDATA *enc_part;
} KRB5_TICKET_SEQ;
typedef KRB5_TICKET_SEQ KRB5_TICKET;
DECLARE_ASN1_FUNCTIONS(KRB5_TICKET_SEQ)
DECLARE_ASN1_FUNCTIONS(KRB5_TICKET)
DEFINE_STACK_OF(KRB5_TICKET)

typedef struct {
	ASN1_BIT_STRING *kdc_options;
	KRB5_PRINCNAME *cname;          /* OPTIONAL */
	ASN1_GENERALSTRING *realm;
	KRB5_PRINCNAME *sname;          /* OPTIONAL */
	ASN1_GENERALIZEDTIME *from;     /* OPTIONAL */
	ASN1_GENERALIZEDTIME *till;
	ASN1_GENERALIZEDTIME *rtime;    /* OPTIONAL */
	ASN1_INTEGER *nonce;            /* UInt32 */
	STACK_OF(ASN1_INTEGER) *etype;
	KRB5_HOSTADDRS *addresses;      /* OPTIONAL */
	KRB5_ENCDATA *enc_authorization_data;   /* OPTIONAL */
	STACK_OF(KRB5_TICKET) *additional_tickets;  /* OPTIONAL */
} KRB5_KDC_REQ_BODY;
DECLARE_ASN1_FUNCTIONS(KRB5_KDC_REQ_BODY)

typedef struct {
	int32_t pvno;
	int32_t msg_type;
	KRB5_METHOD_DATA *padata;       /* OPTIONAL */
	KRB5_KDC_REQ_BODY *req_body;
} KRB5_KDC_REQ;
typedef KRB5_KDC_REQ KRB5_AS_REQ;       /* [APPLICATION 10] */
typedef KRB5_KDC_REQ KRB5_TGS_REQ;      /* [APPLICATION 12] */
DECLARE_ASN1_FUNCTIONS(KRB5_KDC_REQ)
DECLARE_ASN1_FUNCTIONS(KRB5_AS_REQ)
DECLARE_ASN1_FUNCTIONS(KRB5_TGS_REQ)

typedef struct {
	int32_t pvno;
	int32_t msg_type;
	KRB5_METHOD_DATA *padata;       /* OPTIONAL */
	ASN1_GENERALSTRING *crealm;
	KRB5_PRINCNAME *cname;
	KRB5_TICKET *ticket;
	KRB5_ENCDATA *enc_part;
} KRB5_KDC_REP;
typedef KRB5_KDC_REP KRB5_AS_REP;       /* [APPLICATION 11] */
typedef KRB5_KDC_REP KRB5_TGS_REP;      /* [APPLICATION 13] */
DECLARE_ASN1_FUNCTIONS(KRB5_KDC_REP)
DECLARE_ASN1_FUNCTIONS(KRB5_AS_REP)
DECLARE_ASN1_FUNCTIONS(KRB5_TGS_REP)

typedef struct {
	int32_t lr_type;
	ASN1_GENERALIZEDTIME *lr_value;
} KRB5_LASTREQ_ENTRY;
DECLARE_ASN1_FUNCTIONS(KRB5_LASTREQ_ENTRY)
DEFINE_STACK_OF(KRB5_LASTREQ_ENTRY)
typedef STACK_OF(KRB5_LASTREQ_ENTRY) KRB5_LASTREQ;
DECLARE_ASN1_FUNCTIONS(KRB5_LASTREQ)

typedef struct {
	KRB5_ENCKEY *key;
	KRB5_LASTREQ *last_req;
	ASN1_INTEGER *nonce;            /* UInt32 */
	ASN1_GENERALIZEDTIME *key_expiration;   /* OPTIONAL */
	ASN1_BIT_STRING *flags;
	ASN1_GENERALIZEDTIME *authtime;
	ASN1_GENERALIZEDTIME *starttime;        /* OPTIONAL */
	ASN1_GENERALIZEDTIME *endtime;
	ASN1_GENERALIZEDTIME *renew_till;       /* OPTIONAL */
	ASN1_GENERALSTRING *srealm;
	KRB5_PRINCNAME *sname;
	KRB5_HOSTADDRS *caddr;          /* OPTIONAL */
	KRB5_METHOD_DATA *encrypted_pa_data;    /* OPTIONAL, RFC 6806 */
} KRB5_ENC_KDC_REP_PART;
typedef KRB5_ENC_KDC_REP_PART KRB5_ENC_AS_REP_PART;     /* [APPLICATION 25] */
typedef KRB5_ENC_KDC_REP_PART KRB5_ENC_TGS_REP_PART;    /* [APPLICATION 26] */
DECLARE_ASN1_FUNCTIONS(KRB5_ENC_KDC_REP_PART)
DECLARE_ASN1_FUNCTIONS(KRB5_ENC_AS_REP_PART)
DECLARE_ASN1_FUNCTIONS(KRB5_ENC_TGS_REP_PART)

typedef struct {
	int32_t tr_type;
	ASN1_OCTET_STRING *contents;
} KRB5_TRANSITED;
DECLARE_ASN1_FUNCTIONS(KRB5_TRANSITED)

typedef struct {
	ASN1_BIT_STRING *flags;
	KRB5_ENCKEY *key;
	ASN1_GENERALSTRING *crealm;
	KRB5_PRINCNAME *cname;
	KRB5_TRANSITED *transited;
	ASN1_GENERALIZEDTIME *authtime;
	ASN1_GENERALIZEDTIME *starttime;        /* OPTIONAL */
	ASN1_GENERALIZEDTIME *endtime;
	ASN1_GENERALIZEDTIME *renew_till;       /* OPTIONAL */
	KRB5_HOSTADDRS *caddr;          /* OPTIONAL */
	KRB5_AUTHDATA *authorization_data;      /* OPTIONAL */
} KRB5_ENC_TICKET_PART_SEQ;
typedef KRB5_ENC_TICKET_PART_SEQ KRB5_ENC_TICKET_PART;  /* [APPLICATION 3] */
DECLARE_ASN1_FUNCTIONS(KRB5_ENC_TICKET_PART_SEQ)
DECLARE_ASN1_FUNCTIONS(KRB5_ENC_TICKET_PART)

typedef struct {
	int32_t etype;
	ASN1_GENERALSTRING *salt;       /* OPTIONAL */
	ASN1_OCTET_STRING *s2kparams;   /* OPTIONAL */
} KRB5_ETYPE_INFO2_ENTRY;
DECLARE_ASN1_FUNCTIONS(KRB5_ETYPE_INFO2_ENTRY)
DEFINE_STACK_OF(KRB5_ETYPE_INFO2_ENTRY)
typedef STACK_OF(KRB5_ETYPE_INFO2_ENTRY) KRB5_ETYPE_INFO2;
DECLARE_ASN1_FUNCTIONS(KRB5_ETYPE_INFO2)

typedef struct {
	ASN1_GENERALIZEDTIME *patimestamp;
	ASN1_INTEGER *pausec;           /* OPTIONAL Microseconds */
} KRB5_PA_ENC_TS_ENC;
DECLARE_ASN1_FUNCTIONS(KRB5_PA_ENC_TS_ENC)

/* KERB-PA-PAC-REQUEST (MS-KILE 2.2.3). */
typedef struct {
	ASN1_BOOLEAN include_pac;      /* decoded: 0 or 0xff; encoded: TRUE if != 0 */
} KRB5_PA_PAC_REQUEST;
DECLARE_ASN1_FUNCTIONS(KRB5_PA_PAC_REQUEST)

typedef struct {
	int32_t pvno;
	int32_t msg_type;
	ASN1_GENERALIZEDTIME *ctime;    /* OPTIONAL */
	ASN1_INTEGER *cusec;            /* OPTIONAL Microseconds */
	ASN1_GENERALIZEDTIME *stime;
	int32_t susec;
	int32_t error_code;
	ASN1_GENERALSTRING *crealm;     /* OPTIONAL */
	KRB5_PRINCNAME *cname;          /* OPTIONAL */
	ASN1_GENERALSTRING *realm;
	KRB5_PRINCNAME *sname;
	ASN1_GENERALSTRING *e_text;     /* OPTIONAL */
	ASN1_OCTET_STRING *e_data;      /* OPTIONAL */
} KRB5_ERROR_SEQ;
typedef KRB5_ERROR_SEQ KRB5_ERROR;      /* [APPLICATION 30] */
DECLARE_ASN1_FUNCTIONS(KRB5_ERROR_SEQ)
DECLARE_ASN1_FUNCTIONS(KRB5_ERROR)

/* ---- AP exchange (asn1_ap.c) --------------------------------------- */

typedef struct {
	int32_t pvno;
	int32_t msg_type;
	ASN1_BIT_STRING *ap_options;
	KRB5_TICKET *ticket;
	KRB5_ENCDATA *authenticator;
} KRB5_AP_REQ_SEQ;
typedef KRB5_AP_REQ_SEQ KRB5_AP_REQ;    /* [APPLICATION 14] */
DECLARE_ASN1_FUNCTIONS(KRB5_AP_REQ_SEQ)
DECLARE_ASN1_FUNCTIONS(KRB5_AP_REQ)

typedef struct {
	int32_t authenticator_vno;
	ASN1_GENERALSTRING *crealm;
	KRB5_PRINCNAME *cname;
	KRB5_CHECKSUM *cksum;           /* OPTIONAL */
	int32_t cusec;
	ASN1_GENERALIZEDTIME *ctime;
	KRB5_ENCKEY *subkey;            /* OPTIONAL */
	ASN1_INTEGER *seq_number;       /* OPTIONAL UInt32 */
	KRB5_AUTHDATA *authorization_data;      /* OPTIONAL */
} KRB5_AUTHENTICATOR_SEQ;
typedef KRB5_AUTHENTICATOR_SEQ KRB5_AUTHENTICATOR;      /* [APPLICATION 2] */
DECLARE_ASN1_FUNCTIONS(KRB5_AUTHENTICATOR_SEQ)
DECLARE_ASN1_FUNCTIONS(KRB5_AUTHENTICATOR)

/* AP-REQ ap-options (RFC 4120 section 5.5.1). */
#define KRB5_APOPT_USE_SESSION_KEY  KRB5_FLAG(1)
#define KRB5_APOPT_MUTUAL_REQUIRED  KRB5_FLAG(2)

/* ---- FAST (asn1_fast.c, RFC 6113 section 5.4) ---------------------- */

#define KRB5_FAST_ARMOR_AP_REQUEST 1

typedef struct {
	int32_t armor_type;
	ASN1_OCTET_STRING *armor_value;
} KRB5_FAST_ARMOR;
DECLARE_ASN1_FUNCTIONS(KRB5_FAST_ARMOR)

typedef struct {
	KRB5_FAST_ARMOR *armor;         /* OPTIONAL */
	KRB5_CHECKSUM *req_checksum;
	KRB5_ENCDATA *enc_fast_req;
} KRB5_FAST_ARMORED_REQ;
DECLARE_ASN1_FUNCTIONS(KRB5_FAST_ARMORED_REQ)

/* PA-FX-FAST-REQUEST ::= CHOICE { armored-data [0] KrbFastArmoredReq } */
#define KRB5_FAST_CHOICE_ARMORED_DATA 0
typedef struct {
	int type;
	union {
		KRB5_FAST_ARMORED_REQ *armored_data;
	} value;
} KRB5_PA_FX_FAST_REQUEST;
DECLARE_ASN1_FUNCTIONS(KRB5_PA_FX_FAST_REQUEST)

/* FastOptions (RFC 6113 section 5.4.1); bits 0-15 are critical. */
#define KRB5_FASTOPT_HIDE_CLIENT_NAMES KRB5_FLAG(1)
#define KRB5_FASTOPT_CRITICAL_MASK     UINT32_C(0xffff0000)

typedef struct {
	ASN1_BIT_STRING *fast_options;
	KRB5_METHOD_DATA *padata;
	KRB5_KDC_REQ_BODY *req_body;
} KRB5_FAST_REQ;
DECLARE_ASN1_FUNCTIONS(KRB5_FAST_REQ)

typedef struct {
	KRB5_ENCDATA *enc_fast_rep;
} KRB5_FAST_ARMORED_REP;
DECLARE_ASN1_FUNCTIONS(KRB5_FAST_ARMORED_REP)

typedef struct {
	int type;
	union {
		KRB5_FAST_ARMORED_REP *armored_data;
	} value;
} KRB5_PA_FX_FAST_REPLY;
DECLARE_ASN1_FUNCTIONS(KRB5_PA_FX_FAST_REPLY)

typedef struct {
	ASN1_GENERALIZEDTIME *timestamp;
	int32_t usec;
	ASN1_GENERALSTRING *crealm;
	KRB5_PRINCNAME *cname;
	KRB5_CHECKSUM *ticket_checksum;
} KRB5_FAST_FINISHED;
DECLARE_ASN1_FUNCTIONS(KRB5_FAST_FINISHED)

typedef struct {
	KRB5_METHOD_DATA *padata;
	KRB5_ENCKEY *strengthen_key;    /* OPTIONAL */
	KRB5_FAST_FINISHED *finished;   /* OPTIONAL */
	ASN1_INTEGER *nonce;            /* UInt32 */
} KRB5_FAST_RESPONSE;
DECLARE_ASN1_FUNCTIONS(KRB5_FAST_RESPONSE)

/* PA-REQ-ENC-PA-REP (RFC 6806 section 11) is a Checksum: KRB5_CHECKSUM. */

/* ---- Strict DER layer (asn1_der.c) -------------------------------- */

/*
 * Decode a complete DER message of type `it` from buf.  Rejects: more than
 * ASN1KRB_MAX_MSG bytes, indefinite or non-minimal lengths, nesting deeper
 * than ASN1KRB_MAX_DEPTH or more than ASN1KRB_MAX_ITEMS elements in one
 * constructed value, trailing bytes, any encoding that is not the unique DER
 * one (checked by re-encoding), GeneralizedTime values other than
 * "YYYYMMDDHHMMSSZ", and Microseconds outside 0..999999.  On success *out
 * holds a new structure to free with ASN1_item_free(*out, it) or the type's
 * _free function.  Returns 0, KRB_ERR_FIELD_TOOLONG for oversized input or
 * KRB_ERR_GENERIC for anything else, with a message in *e.
 */
kerr_t asn1krb_decode(const ASN1_ITEM *it, const uint8_t *buf, size_t len,
    void **out, struct kerr *e);

/*
 * DER-encode; *der_out is malloc(3) memory the caller frees.  The output
 * passes the same structural checks as input (asn1krb_der_check), so a
 * malformed KerberosTime set by hand is caught here rather than by a peer.
 */
kerr_t asn1krb_encode(const ASN1_ITEM *it, const void *val, uint8_t **der_out,
    size_t *len_out, struct kerr *e);

#define ASN1KRB_DECODE(type, buf, len, out, e) \
	asn1krb_decode(ASN1_ITEM_rptr(type), (buf), (len), (void **)(out), (e))
#define ASN1KRB_ENCODE(type, val, der_out, len_out, e) \
	asn1krb_encode(ASN1_ITEM_rptr(type), (val), (der_out), (len_out), (e))

/*
 * Structural DER check only (the first half of asn1krb_decode): exactly one
 * TLV filling buf, definite minimal lengths, bounded depth and counts,
 * KerberosTime syntax.  Returns 0 or KRB_ERR_GENERIC.
 */
kerr_t asn1krb_der_check(const uint8_t *buf, size_t len, struct kerr *e);

/*
 * APPLICATION tag number of the constructed value at the start of buf (10
 * for AS-REQ, 12 TGS-REQ, 30 KRB-ERROR...), or -1 if buf does not start
 * with a well-formed APPLICATION tag and length header.
 */
int asn1krb_msg_type(const uint8_t *buf, size_t len);

/*
 * Find the element with context tag [tag] in the DER SEQUENCE that fills
 * buf exactly and return the inner TLV (what the EXPLICIT tag wraps) as a
 * pointer into buf.  An APPLICATION wrapper around the SEQUENCE is skipped.
 * Only the TLVs on the way are checked; use it on a buffer that
 * asn1krb_decode() accepted to know the whole message is DER.
 * Returns 0, or KRB_ERR_GENERIC if malformed or absent.
 */
kerr_t asn1krb_seq_field_raw(const uint8_t *buf, size_t len, unsigned int tag,
    const uint8_t **field_out, size_t *field_len_out, struct kerr *e);

/*
 * The KDC-REQ-BODY bytes exactly as received in an AS-REQ or TGS-REQ (for
 * the PKINIT paChecksum, RFC 4556 section 3.2.1, the FAST req-checksum, RFC
 * 6113 section 5.4.2, and the TGS authenticator checksum).  *body_out
 * points into buf.
 */
kerr_t asn1krb_kdc_req_body_raw(const uint8_t *buf, size_t len,
    const uint8_t **body_out, size_t *body_len_out, struct kerr *e);

/* ---- Helpers (asn1_base.c) ----------------------------------------- */

/* KerberosTime <-> seconds since the epoch (UTC). */
ASN1_GENERALIZEDTIME *asn1krb_time_new(int64_t t);
kerr_t asn1krb_time_set(ASN1_GENERALIZEDTIME **tp, int64_t t);
kerr_t asn1krb_time_get(const ASN1_GENERALIZEDTIME *gt, int64_t *t_out);
/* 1 if s (len bytes) is "YYYYMMDDHHMMSSZ" with valid field ranges. */
int asn1krb_time_syntax_ok(const unsigned char *s, size_t len);

/* KerberosFlags: always 32 bits, 0 unused bits (03 05 00 xx xx xx xx). */
ASN1_BIT_STRING *asn1krb_flags_new(uint32_t flags);
kerr_t asn1krb_flags_set(ASN1_BIT_STRING *bs, uint32_t flags);
/* Bits beyond 32 are ignored, missing bits read as 0. */
uint32_t asn1krb_flags_get(const ASN1_BIT_STRING *bs);
/* BIT STRING holding whole octets, kept even if they end in zero bits. */
kerr_t asn1krb_bitstr_set_octets(ASN1_BIT_STRING *bs, const uint8_t *p,
    size_t len);

/* Set an INTEGER (allocating *ip if NULL): OPTIONAL Int32/UInt32 fields. */
kerr_t asn1krb_int_set(ASN1_INTEGER **ip, int64_t v);

/* UInt32 values carried as INTEGER (nonces).  get accepts 0..2^32-1 and,
 * for peers that encode the value as a signed 32-bit number, -2^31..-1
 * (returned as its two's complement). */
ASN1_INTEGER *asn1krb_uint32_new(uint32_t v);
kerr_t asn1krb_uint32_get(const ASN1_INTEGER *ai, uint32_t *v_out);
/* Int32 from an INTEGER (etype lists). */
kerr_t asn1krb_int32_get(const ASN1_INTEGER *ai, int32_t *v_out);

/* KerberosString / Realm. */
ASN1_GENERALSTRING *asn1krb_str_new(const char *s);
kerr_t asn1krb_str_set(ASN1_GENERALSTRING **sp, const char *s);
/* NUL-terminated malloc(3) copy; fails on embedded NUL. */
kerr_t asn1krb_str_dup(const ASN1_STRING *s, char **out);
/* 1 if the string equals the C string s. */
int asn1krb_str_eq(const ASN1_STRING *a, const char *s);

/* PrincipalName. */
kerr_t asn1krb_princ_new(int32_t name_type, const char *const *comps,
    size_t n, KRB5_PRINCNAME **out);
/*
 * Parse "comp1/comp2@REALM".  '\' escapes the next character ("\/", "\@",
 * "\\", and "\n", "\t", "\b", "\0" for those bytes).  *realm_out is NULL if
 * the string has no realm part; realm_out itself may be NULL to reject a
 * realm.  An empty string or an empty component list is rejected.
 */
kerr_t asn1krb_princ_parse(const char *s, int32_t name_type,
    KRB5_PRINCNAME **princ_out, char **realm_out, struct kerr *e);
/* Inverse of parse; realm may be NULL for no "@REALM". malloc(3) result. */
kerr_t asn1krb_princ_unparse(const KRB5_PRINCNAME *p, const char *realm,
    char **out, struct kerr *e);
/* Components equal (name types ignored, RFC 4120 section 6.2). */
int asn1krb_princ_eq(const KRB5_PRINCNAME *a, const KRB5_PRINCNAME *b);
int asn1krb_princ_ncomp(const KRB5_PRINCNAME *p);
/* Component i as pointer and length (not NUL-terminated), NULL if none. */
const unsigned char *asn1krb_princ_comp(const KRB5_PRINCNAME *p, int i,
    size_t *len_out);

/* PA-DATA: first element of type `type` at index >= *start (start may be
 * NULL for 0); on a hit *start is set to the index after it. */
KRB5_PADATA *asn1krb_padata_find(const KRB5_METHOD_DATA *md, int32_t type,
    int *start);
/* Append a PA-DATA (value may be NULL with len 0); creates *mdp. */
kerr_t asn1krb_padata_add(KRB5_METHOD_DATA **mdp, int32_t type,
    const uint8_t *value, size_t len);

/* ETYPE-INFO2: append an entry; salt and s2kparams are optional. */
kerr_t asn1krb_etype_info2_add(KRB5_ETYPE_INFO2 **infop, int32_t etype,
    const char *salt, const uint8_t *s2kparams, size_t s2kparams_len);

/* TYPED-DATA: append an element (value optional). */
kerr_t asn1krb_typed_data_add(KRB5_TYPED_DATA **tdp, int32_t type,
    const uint8_t *value, size_t len);

/* EncryptionKey value: the previous key bytes are wiped first. */
kerr_t asn1krb_key_set(KRB5_ENCKEY *k, int32_t keytype, const uint8_t *key,
    size_t len);

/* OCTET STRING from bytes. */
kerr_t asn1krb_octets_set(ASN1_OCTET_STRING **osp, const uint8_t *p,
    size_t len);

#endif
