/*
 * asn1_der.c - the strict DER gate in front of OpenSSL's decoder.
 *
 * OpenSSL's template decoder accepts BER (indefinite lengths, non-minimal
 * lengths, constructed strings) and leaves trailing bytes to the caller.
 * Kerberos messages are DER (RFC 4120 section 5.1), and some of their bytes
 * are hashed as received (KDC-REQ-BODY), so we walk every TLV with a bounded
 * reader first, decode, and then insist that re-encoding gives the input
 * back byte for byte.  This file also sniffs message types and finds raw
 * field encodings inside a buffer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "asn1_krb5.h"

/* Tag classes (X.690 section 8.1.2.2). */
#define CLS_UNIVERSAL   0
#define CLS_APPLICATION 1
#define CLS_CONTEXT     2

#define TAG_GENERALIZEDTIME 24
#define TAG_SEQUENCE        16
#define TAG_SET             17

struct tlv {
	unsigned int cls;
	int cons;
	uint32_t tag;
	size_t hdr;             /* identifier + length octets */
	size_t len;             /* content length */
	const uint8_t *val;     /* content */
};

/*
 * Read one identifier and DER length from p (avail bytes).  Returns 1 and
 * fills *t if the header is well formed; the content is not required to
 * fit unless `need_content`.
 */
static int
tlv_header(const uint8_t *p, size_t avail, int need_content, struct tlv *t)
{
	size_t off = 0, len, n, i;

	if (avail < 2)
		return 0;
	t->cls = p[0] >> 6;
	t->cons = (p[0] & 0x20) != 0;
	t->tag = p[0] & 0x1f;
	off = 1;
	if (t->tag == 0x1f) {
		/* High tag number form: base 128, minimal, at most 4 octets. */
		uint32_t tag = 0;

		if (p[off] == 0x80)
			return 0;
		for (i = 0; ; i++) {
			if (off >= avail || i >= 4)
				return 0;
			tag = (tag << 7) | (p[off] & 0x7f);
			if ((p[off++] & 0x80) == 0)
				break;
		}
		if (tag < 0x1f)
			return 0;
		t->tag = tag;
	}
	if (off >= avail)
		return 0;
	if (p[off] < 0x80) {
		len = p[off++];
	} else {
		n = p[off++] & 0x7f;
		/* 0x80 is the BER indefinite form; 0xff is reserved. */
		if (n == 0 || n > 4 || n > avail - off)
			return 0;
		if (p[off] == 0)
			return 0;       /* leading zero octet: not minimal */
		len = 0;
		for (i = 0; i < n; i++)
			len = (len << 8) | p[off++];
		if (len < 0x80)
			return 0;       /* long form for a short length */
	}
	t->hdr = off;
	t->len = len;
	t->val = p + off;
	if (need_content && len > avail - off)
		return 0;
	return 1;
}

static int
tlv_read(const uint8_t *p, size_t avail, struct tlv *t)
{
	return tlv_header(p, avail, 1, t);
}

static kerr_t
check_primitive(const struct tlv *t, struct kerr *e)
{
	if (t->cls != CLS_UNIVERSAL)
		return 0;
	if (t->tag == TAG_SEQUENCE || t->tag == TAG_SET || t->tag == 0)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "primitive encoding of universal tag %u", t->tag);
	if (t->tag == TAG_GENERALIZEDTIME &&
	    !asn1krb_time_syntax_ok(t->val, t->len))
		return kerr_set(e, KRB_ERR_GENERIC,
		    "GeneralizedTime is not YYYYMMDDHHMMSSZ");
	return 0;
}

/* Walk the TLVs that exactly fill [p, p+len) at nesting depth `depth`. */
static kerr_t
walk(const uint8_t *p, size_t len, unsigned int depth, struct kerr *e)
{
	struct tlv t;
	size_t off = 0, count = 0;
	kerr_t ret;

	if (depth > ASN1KRB_MAX_DEPTH)
		return kerr_set(e, KRB_ERR_GENERIC, "nesting deeper than %d",
		    ASN1KRB_MAX_DEPTH);
	while (off < len) {
		if (++count > ASN1KRB_MAX_ITEMS)
			return kerr_set(e, KRB_ERR_GENERIC,
			    "more than %d elements", ASN1KRB_MAX_ITEMS);
		if (!tlv_read(p + off, len - off, &t))
			return kerr_set(e, KRB_ERR_GENERIC,
			    "malformed or non-DER TLV at depth %u", depth);
		if (t.cons) {
			/* DER has no constructed strings (X.690 10.2). */
			if (t.cls == CLS_UNIVERSAL && t.tag != TAG_SEQUENCE &&
			    t.tag != TAG_SET)
				return kerr_set(e, KRB_ERR_GENERIC,
				    "constructed encoding of universal tag %u",
				    t.tag);
			ret = walk(t.val, t.len, depth + 1, e);
		} else {
			ret = check_primitive(&t, e);
		}
		if (ret)
			return ret;
		off += t.hdr + t.len;
	}
	return 0;
}

kerr_t
asn1krb_der_check(const uint8_t *buf, size_t len, struct kerr *e)
{
	struct tlv t;

	if (buf == NULL || len == 0)
		return kerr_set(e, KRB_ERR_GENERIC, "empty message");
	if (len > ASN1KRB_MAX_MSG)
		return kerr_set(e, KRB_ERR_FIELD_TOOLONG,
		    "message of %zu bytes exceeds %d", len, ASN1KRB_MAX_MSG);
	if (!tlv_read(buf, len, &t))
		return kerr_set(e, KRB_ERR_GENERIC,
		    "malformed, truncated or non-DER outer TLV");
	if (t.hdr + t.len != len)
		return kerr_set(e, KRB_ERR_GENERIC,
		    "%zu trailing bytes after the message", len - t.hdr - t.len);
	return walk(buf, len, 0, e);
}

/* First queued OpenSSL error as text, clearing the queue. */
static void
ossl_reason(char *buf, size_t n)
{
	unsigned long err = ERR_get_error();

	if (err == 0)
		snprintf(buf, n, "no detail");
	else
		ERR_error_string_n(err, buf, n);
	ERR_clear_error();
}

kerr_t
asn1krb_decode(const ASN1_ITEM *it, const uint8_t *buf, size_t len,
    void **out, struct kerr *e)
{
	ASN1_VALUE *val = NULL;
	const unsigned char *p = buf;
	unsigned char *der = NULL;
	char why[256];
	int n = 0;
	kerr_t ret;

	ret = asn1krb_der_check(buf, len, e);
	if (ret)
		goto cleanup;
	val = ASN1_item_d2i(NULL, &p, (long)len, it);
	if (val == NULL) {
		/* Our decode callbacks fail with ASN1_R_AUX_ERROR. */
		if (ERR_GET_REASON(ERR_peek_error()) == ASN1_R_AUX_ERROR) {
			ERR_clear_error();
			ret = kerr_set(e, KRB_ERR_GENERIC,
			    "%s: value out of range (Microseconds, BOOLEAN)",
			    it->sname);
			goto cleanup;
		}
		ossl_reason(why, sizeof(why));
		ret = kerr_set(e, KRB_ERR_GENERIC, "cannot decode %s: %s",
		    it->sname, why);
		goto cleanup;
	}
	if (p != buf + len) {
		ret = kerr_set(e, KRB_ERR_GENERIC,
		    "%s: %zu trailing bytes", it->sname,
		    len - (size_t)(p - buf));
		goto cleanup;
	}
	n = ASN1_item_i2d(val, &der, it);
	if (n <= 0) {
		ossl_reason(why, sizeof(why));
		ret = kerr_set(e, KRB_ERR_GENERIC, "cannot re-encode %s: %s",
		    it->sname, why);
		goto cleanup;
	}
	if ((size_t)n != len || memcmp(der, buf, len) != 0) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "%s is not DER encoded",
		    it->sname);
		goto cleanup;
	}
	*out = val;
	val = NULL;
	ret = 0;
cleanup:
	/* The re-encoding may hold keys (EncKDCRepPart, EncTicketPart). */
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)n);
	ASN1_item_free(val, it);
	return ret;
}

kerr_t
asn1krb_encode(const ASN1_ITEM *it, const void *val, uint8_t **der_out,
    size_t *len_out, struct kerr *e)
{
	unsigned char *der = NULL;
	uint8_t *copy;
	char why[256];
	int n;

	n = ASN1_item_i2d((const ASN1_VALUE *)val, &der, it);
	if (n <= 0) {
		ossl_reason(why, sizeof(why));
		return kerr_set(e, KRB_ERR_GENERIC, "cannot encode %s: %s",
		    it->sname, why);
	}
	if (asn1krb_der_check(der, (size_t)n, e) != 0) {
		kerr_prefix(e, "encoding %s: ", it->sname);
		OPENSSL_clear_free(der, (size_t)n);
		return KRB_ERR_GENERIC;
	}
	copy = malloc((size_t)n);
	if (copy == NULL) {
		OPENSSL_clear_free(der, (size_t)n);
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory encoding %s",
		    it->sname);
	}
	memcpy(copy, der, (size_t)n);
	OPENSSL_clear_free(der, (size_t)n);
	*der_out = copy;
	*len_out = (size_t)n;
	return 0;
}

int
asn1krb_msg_type(const uint8_t *buf, size_t len)
{
	struct tlv t;

	if (buf == NULL || !tlv_header(buf, len, 0, &t))
		return -1;
	if (t.cls != CLS_APPLICATION || !t.cons || t.tag > 0x7fffffff)
		return -1;
	return (int)t.tag;
}

kerr_t
asn1krb_seq_field_raw(const uint8_t *buf, size_t len, unsigned int tag,
    const uint8_t **field_out, size_t *field_len_out, struct kerr *e)
{
	struct tlv t, f, inner;
	size_t off;

	if (buf == NULL || len > ASN1KRB_MAX_MSG || !tlv_read(buf, len, &t) ||
	    t.hdr + t.len != len)
		return kerr_set(e, KRB_ERR_GENERIC, "malformed message");
	if (t.cls == CLS_APPLICATION && t.cons) {
		/* [APPLICATION n] EXPLICIT: exactly one SEQUENCE inside. */
		const uint8_t *app = t.val;
		size_t applen = t.len;

		if (!tlv_read(app, applen, &t) || t.hdr + t.len != applen)
			return kerr_set(e, KRB_ERR_GENERIC,
			    "malformed APPLICATION wrapper");
	}
	if (t.cls != CLS_UNIVERSAL || !t.cons || t.tag != TAG_SEQUENCE)
		return kerr_set(e, KRB_ERR_GENERIC, "not a SEQUENCE");
	for (off = 0; off < t.len; off += f.hdr + f.len) {
		if (!tlv_read(t.val + off, t.len - off, &f))
			return kerr_set(e, KRB_ERR_GENERIC,
			    "malformed SEQUENCE element");
		if (f.cls != CLS_CONTEXT || !f.cons || f.tag != tag)
			continue;
		if (!tlv_read(f.val, f.len, &inner) ||
		    inner.hdr + inner.len != f.len)
			return kerr_set(e, KRB_ERR_GENERIC,
			    "malformed field [%u]", tag);
		*field_out = f.val;
		*field_len_out = f.len;
		return 0;
	}
	return kerr_set(e, KRB_ERR_GENERIC, "field [%u] absent", tag);
}

kerr_t
asn1krb_kdc_req_body_raw(const uint8_t *buf, size_t len,
    const uint8_t **body_out, size_t *body_len_out, struct kerr *e)
{
	int mt = asn1krb_msg_type(buf, len);

	if (mt != KRB5_MSG_AS_REQ && mt != KRB5_MSG_TGS_REQ)
		return kerr_set(e, KRB_AP_ERR_MSG_TYPE,
		    "not an AS-REQ or TGS-REQ (type %d)", mt);
	/* KDC-REQ ::= SEQUENCE { ..., req-body [4] KDC-REQ-BODY } */
	return asn1krb_seq_field_raw(buf, len, 4, body_out, body_len_out, e);
}
