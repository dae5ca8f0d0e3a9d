/*
 * asn1_tmpl.h - shorthands for the template tables in lib/asn1_*.c (not a
 * public header).  Kerberos tags every SEQUENCE field EXPLICITly (RFC 4120
 * section 5.2), so these all wrap ASN1_EXP_*.
 */
#ifndef PKINIT_KDC_ASN1_TMPL_H
#define PKINIT_KDC_ASN1_TMPL_H

#include <openssl/asn1t.h>

/* Int32 held inline as int32_t. */
#define KX_I32(st, f, tag)      ASN1_EXP_EMBED(st, f, INT32, tag)
/* OPTIONAL Int32 / UInt32 held as ASN1_INTEGER (see asn1_krb5.h). */
#define KX_INT_OPT(st, f, tag)  ASN1_EXP_OPT(st, f, ASN1_INTEGER, tag)
/* KerberosString / Realm. */
#define KX_STR(st, f, tag)      ASN1_EXP(st, f, ASN1_GENERALSTRING, tag)
#define KX_STR_OPT(st, f, tag)  ASN1_EXP_OPT(st, f, ASN1_GENERALSTRING, tag)
/* KerberosTime. */
#define KX_TIME(st, f, tag)     ASN1_EXP(st, f, ASN1_GENERALIZEDTIME, tag)
#define KX_TIME_OPT(st, f, tag) ASN1_EXP_OPT(st, f, ASN1_GENERALIZEDTIME, tag)
/* OCTET STRING. */
#define KX_OCT(st, f, tag)      ASN1_EXP(st, f, ASN1_OCTET_STRING, tag)
#define KX_OCT_OPT(st, f, tag)  ASN1_EXP_OPT(st, f, ASN1_OCTET_STRING, tag)

/* [APPLICATION n] EXPLICIT wrapper type around a SEQUENCE type. */
#define KX_APPLICATION(name, n, inner) \
	ASN1_ITEM_TEMPLATE(name) = \
		ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_EXPTAG | ASN1_TFLG_APPLICATION, \
		    n, name, inner) \
	ASN1_ITEM_TEMPLATE_END(name)

/* SEQUENCE OF type as a named type. */
#define KX_SEQUENCE_OF(name, elem) \
	ASN1_ITEM_TEMPLATE(name) = \
		ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SEQUENCE_OF, 0, name, elem) \
	ASN1_ITEM_TEMPLATE_END(name)

/* Microseconds ::= INTEGER (0..999999) */
#define KRB5_USEC_OK(v) ((v) >= 0 && (v) <= 999999)

/* An OPTIONAL Microseconds field is absent or in range. */
static inline int
krb5_opt_usec_ok(const ASN1_INTEGER *ai)
{
	int64_t v;

	return ai == NULL || (ASN1_INTEGER_get_int64(&v, ai) && KRB5_USEC_OK(v));
}

#endif
