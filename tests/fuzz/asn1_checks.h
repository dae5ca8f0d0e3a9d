/*
 * asn1_checks.h - checks shared by the ASN.1 fuzz targets.
 *
 * asn1krb_decode() promises DER only (RFC 4120 section 5.1): whatever it
 * accepts must encode back to the very same bytes, since the KDC hashes
 * some fields as received.  The helpers here decode, insist on that, and
 * walk the values through the accessors the KDC uses on them.
 */
#ifndef PKINIT_KDC_ASN1_CHECKS_H
#define PKINIT_KDC_ASN1_CHECKS_H

#include <openssl/err.h>

#include "asn1_krb5.h"
#include "fuzz.h"

/* Decode buf as `it`; on success check the re-encoding and return the
 * value (free with ASN1_item_free), else NULL. */
static inline void *
fuzz_asn1_decode(const ASN1_ITEM *it, const uint8_t *buf, size_t len)
{
	void *val = NULL;
	uint8_t *der = NULL;
	size_t der_len = 0;
	struct kerr e;
	kerr_t ret;

	ret = asn1krb_decode(it, buf, len, &val, &e);
	if (ret != 0) {
		FUZZ_ASSERT(ret == KRB_ERR_GENERIC ||
		    ret == KRB_ERR_FIELD_TOOLONG);
		FUZZ_ASSERT(val == NULL);
		FUZZ_ASSERT_MSG(&e);
		ERR_clear_error();
		return NULL;
	}
	FUZZ_ASSERT(val != NULL);
	ret = asn1krb_encode(it, val, &der, &der_len, &e);
	if (ret != 0) {
		fprintf(stderr, "%s decoded but does not encode: %s\n",
		    it->sname, e.msg);
		abort();
	}
	FUZZ_ASSERT(der_len == len && memcmp(der, buf, len) == 0);
	free(der);
	return val;
}

#define FUZZ_DECODE(type, buf, len) \
	((type *)fuzz_asn1_decode(ASN1_ITEM_rptr(type), (buf), (len)))

/* KerberosTime and Microseconds as the KDC reads them. */
static inline void
fuzz_time(const ASN1_GENERALIZEDTIME *t)
{
	int64_t v;

	/* The decoder checked the syntax, so reading cannot fail. */
	if (t != NULL)
		FUZZ_ASSERT(asn1krb_time_get(t, &v) == 0);
}

static inline void
fuzz_uint32(const ASN1_INTEGER *ai)
{
	uint32_t v;

	if (ai != NULL)
		(void)asn1krb_uint32_get(ai, &v);
}

/*
 * A principal name (and its realm) through the text form and back: the
 * text form is what logs and the directory mapping see, so parsing it
 * again must give the same name whenever the parser takes it.
 */
static inline void
fuzz_princ(const KRB5_PRINCNAME *p, const ASN1_STRING *realm_str)
{
	KRB5_PRINCNAME *back = NULL;
	char *realm = NULL, *text = NULL, *realm_back = NULL;
	struct kerr e;
	size_t len;
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < asn1krb_princ_ncomp(p); i++)
		FUZZ_ASSERT(asn1krb_princ_comp(p, i, &len) != NULL);
	FUZZ_ASSERT(asn1krb_princ_comp(p, i, &len) == NULL);
	if (realm_str != NULL && asn1krb_str_dup(realm_str, &realm) != 0)
		realm = NULL;
	if (realm != NULL)
		FUZZ_ASSERT(asn1krb_str_eq(realm_str, realm));
	if (asn1krb_princ_unparse(p, realm, &text, &e) != 0)
		goto cleanup;
	if (asn1krb_princ_parse(text, p->name_type, &back, &realm_back,
	    &e) == 0) {
		FUZZ_ASSERT(asn1krb_princ_eq(p, back));
		FUZZ_ASSERT((realm == NULL) == (realm_back == NULL));
		FUZZ_ASSERT(realm == NULL || strcmp(realm, realm_back) == 0);
	}
cleanup:
	KRB5_PRINCNAME_free(back);
	free(realm_back);
	free(text);
	free(realm);
}

/* PA-DATA list: every element reachable by type, as the KDC looks. */
static inline void
fuzz_padata(const KRB5_METHOD_DATA *md)
{
	const KRB5_PADATA *pa;
	int i, start;

	for (i = 0; i < sk_KRB5_PADATA_num(md); i++) {
		pa = sk_KRB5_PADATA_value(md, i);
		start = 0;
		FUZZ_ASSERT(asn1krb_padata_find(md, pa->padata_type, &start)
		    != NULL);
		FUZZ_ASSERT(start > 0 && start <= i + 1);
	}
}

/* KDC-REQ-BODY fields the AS and TGS pipelines read. */
static inline void
fuzz_req_body(const KRB5_KDC_REQ_BODY *b)
{
	int32_t et;
	int i;

	if (b == NULL)
		return;
	(void)asn1krb_flags_get(b->kdc_options);
	fuzz_princ(b->cname, b->realm);
	fuzz_princ(b->sname, b->realm);
	fuzz_time(b->from);
	fuzz_time(b->till);
	fuzz_time(b->rtime);
	fuzz_uint32(b->nonce);
	for (i = 0; i < sk_ASN1_INTEGER_num(b->etype); i++)
		(void)asn1krb_int32_get(sk_ASN1_INTEGER_value(b->etype, i),
		    &et);
	if (b->enc_authorization_data != NULL)
		fuzz_uint32(b->enc_authorization_data->kvno);
	for (i = 0; i < sk_KRB5_TICKET_num(b->additional_tickets); i++) {
		const KRB5_TICKET *t;

		t = sk_KRB5_TICKET_value(b->additional_tickets, i);
		fuzz_princ(t->sname, t->realm);
	}
}

#endif
