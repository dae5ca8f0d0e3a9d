/* check_asn1.c - known-answer encodings, helpers, strict DER rejection,
 * MIT kinit captures and the KRB-ERROR builder. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asn1_krb5.h"
#include "asn1_testutil.h"
#include "krb_error.h"

static void
expect_bytes(const ASN1_ITEM *it, const void *val, const uint8_t *want,
    size_t wantlen)
{
	uint8_t *der = NULL;
	size_t n = 0;
	struct kerr e;

	ck_assert_msg(asn1krb_encode(it, val, &der, &n, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(n, wantlen);
	ck_assert_msg(memcmp(der, want, n) == 0, "%s bytes differ", it->sname);
	free(der);
}

START_TEST(test_kat_princname)
{
	static const uint8_t want[] = {
		0x30, 0x10,
		0xa0, 0x03, 0x02, 0x01, 0x01,
		0xa1, 0x09, 0x30, 0x07, 0x1b, 0x05, 'a', 'l', 'i', 'c', 'e',
	};
	KRB5_PRINCNAME *p = princ("alice"), *p2 = NULL;
	struct kerr e;

	expect_bytes(ASN1_ITEM_rptr(KRB5_PRINCNAME), p, want, sizeof(want));
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_PRINCNAME, want, sizeof(want),
	    &p2, &e), 0);
	ck_assert(asn1krb_princ_eq(p, p2));
	ck_assert_int_eq(p2->name_type, KRB5_NT_PRINCIPAL);
	KRB5_PRINCNAME_free(p);
	KRB5_PRINCNAME_free(p2);
}
END_TEST

START_TEST(test_kat_time)
{
	static const uint8_t want[] = {
		0x18, 0x0f, '2', '0', '0', '9', '0', '2', '1', '3',
		'2', '3', '3', '1', '3', '0', 'Z',
	};
	ASN1_GENERALIZEDTIME *gt = asn1krb_time_new(1234567890);
	int64_t t;

	ck_assert_ptr_nonnull(gt);
	expect_bytes(ASN1_ITEM_rptr(ASN1_GENERALIZEDTIME), gt, want,
	    sizeof(want));
	ck_assert_int_eq(asn1krb_time_get(gt, &t), 0);
	ck_assert(t == 1234567890);
	ck_assert_int_eq(asn1krb_time_set(&gt, 0), 0);
	ck_assert_int_eq(memcmp(gt->data, "19700101000000Z", 15), 0);
	ck_assert_int_eq(asn1krb_time_set(&gt, INT64_C(951782400)), 0);
	ck_assert_int_eq(memcmp(gt->data, "20000229000000Z", 15), 0);
	ck_assert_int_eq(asn1krb_time_set(&gt, INT64_C(253402300799)), 0);
	ck_assert_int_eq(memcmp(gt->data, "99991231235959Z", 15), 0);
	ck_assert_int_ne(asn1krb_time_set(&gt, INT64_C(253402300800)), 0);
	ck_assert_int_eq(asn1krb_time_set(&gt, -1), 0);
	ck_assert_int_eq(memcmp(gt->data, "19691231235959Z", 15), 0);
	ck_assert_int_eq(asn1krb_time_get(gt, &t), 0);
	ck_assert(t == -1);
	/* Only YYYYMMDDHHMMSSZ. */
	ck_assert(asn1krb_time_syntax_ok((const unsigned char *)
	    "20240229120000Z", 15));
	ck_assert(!asn1krb_time_syntax_ok((const unsigned char *)
	    "20230229120000Z", 15));
	ck_assert(!asn1krb_time_syntax_ok((const unsigned char *)
	    "20091302000000Z", 15));
	ck_assert(!asn1krb_time_syntax_ok((const unsigned char *)
	    "20090213246000Z", 15));
	ck_assert(!asn1krb_time_syntax_ok((const unsigned char *)
	    "20090213233130.5Z", 17));
	ck_assert(!asn1krb_time_syntax_ok((const unsigned char *)
	    "200902132331300", 15));
	ck_assert(!asn1krb_time_syntax_ok((const unsigned char *)
	    "2009021323313Z", 14));
	ASN1_GENERALIZEDTIME_free(gt);
}
END_TEST

START_TEST(test_kat_flags)
{
	static const uint8_t want[] = { 0x03, 0x05, 0x00, 0x40, 0x81, 0x00, 0x10 };
	static const uint8_t zero[] = { 0x03, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00 };
	ASN1_BIT_STRING *bs = asn1krb_flags_new(0x40810010u), *bs2 = NULL;
	struct kerr e;

	expect_bytes(ASN1_ITEM_rptr(ASN1_BIT_STRING), bs, want, sizeof(want));
	ck_assert_uint_eq(asn1krb_flags_get(bs), 0x40810010u);
	ck_assert(asn1krb_flags_get(bs) & KRB5_KDCOPT_FORWARDABLE);
	ck_assert(asn1krb_flags_get(bs) & KRB5_KDCOPT_RENEWABLE);
	ck_assert(asn1krb_flags_get(bs) & KRB5_KDCOPT_CANONICALIZE);
	ck_assert(asn1krb_flags_get(bs) & KRB5_KDCOPT_RENEWABLE_OK);
	/* All-zero flags still take 32 bits. */
	ck_assert_int_eq(asn1krb_flags_set(bs, 0), 0);
	expect_bytes(ASN1_ITEM_rptr(ASN1_BIT_STRING), bs, zero, sizeof(zero));
	ck_assert_int_eq(ASN1KRB_DECODE(ASN1_BIT_STRING, want, sizeof(want),
	    &bs2, &e), 0);
	ck_assert_uint_eq(asn1krb_flags_get(bs2), 0x40810010u);
	ASN1_BIT_STRING_free(bs);
	ASN1_BIT_STRING_free(bs2);
}
END_TEST

START_TEST(test_princ_text)
{
	KRB5_PRINCNAME *p = NULL, *q = NULL;
	char *realm = NULL, *s = NULL;
	size_t len;
	const unsigned char *c;
	struct kerr e;

	ck_assert_int_eq(asn1krb_princ_parse("host/www.example.test@EXAMPLE.TEST",
	    KRB5_NT_SRV_HST, &p, &realm, &e), 0);
	ck_assert_int_eq(p->name_type, KRB5_NT_SRV_HST);
	ck_assert_int_eq(asn1krb_princ_ncomp(p), 2);
	c = asn1krb_princ_comp(p, 1, &len);
	ck_assert_uint_eq(len, 16);
	ck_assert(memcmp(c, "www.example.test", 16) == 0);
	ck_assert_ptr_null(asn1krb_princ_comp(p, 2, &len));
	ck_assert_str_eq(realm, "EXAMPLE.TEST");
	ck_assert_int_eq(asn1krb_princ_unparse(p, realm, &s, &e), 0);
	ck_assert_str_eq(s, "host/www.example.test@EXAMPLE.TEST");
	free(s);
	free(realm);
	KRB5_PRINCNAME_free(p);

	/* Escapes: an enterprise name is one component containing '@'. */
	ck_assert_int_eq(asn1krb_princ_parse("alice\\@corp.example@EXAMPLE.TEST",
	    KRB5_NT_ENTERPRISE, &p, &realm, &e), 0);
	ck_assert_int_eq(asn1krb_princ_ncomp(p), 1);
	c = asn1krb_princ_comp(p, 0, &len);
	ck_assert_uint_eq(len, 18);
	ck_assert(memcmp(c, "alice@corp.example", 18) == 0);
	ck_assert_int_eq(asn1krb_princ_unparse(p, realm, &s, &e), 0);
	ck_assert_str_eq(s, "alice\\@corp.example@EXAMPLE.TEST");
	free(s);
	free(realm);
	KRB5_PRINCNAME_free(p);

	ck_assert_int_eq(asn1krb_princ_parse("a\\/b/c\\\\d\\n", 1, &p, &realm,
	    &e), 0);
	ck_assert_ptr_null(realm);
	ck_assert_int_eq(asn1krb_princ_ncomp(p), 2);
	c = asn1krb_princ_comp(p, 1, &len);
	ck_assert_uint_eq(len, 4);
	ck_assert(memcmp(c, "c\\d\n", 4) == 0);
	ck_assert_int_eq(asn1krb_princ_unparse(p, NULL, &s, &e), 0);
	ck_assert_str_eq(s, "a\\/b/c\\\\d\\n");
	ck_assert_int_eq(asn1krb_princ_parse(s, 2, &q, NULL, &e), 0);
	ck_assert(asn1krb_princ_eq(p, q));
	free(s);
	KRB5_PRINCNAME_free(p);
	KRB5_PRINCNAME_free(q);
	p = q = NULL;

	ck_assert_int_ne(asn1krb_princ_parse("", 1, &p, &realm, &e), 0);
	ck_assert_int_ne(asn1krb_princ_parse("a\\", 1, &p, &realm, &e), 0);
	ck_assert_int_ne(asn1krb_princ_parse("a@b@c", 1, &p, &realm, &e), 0);
	ck_assert_int_ne(asn1krb_princ_parse("a@", 1, &p, &realm, &e), 0);
	ck_assert_int_ne(asn1krb_princ_parse("a@R", 1, &p, NULL, &e), 0);
	ck_assert(strstr(e.msg, "realm not allowed") != NULL);
	ck_assert_ptr_null(p);

	/* At most 32 components. */
	{
		char many[200] = "c";
		int k;

		for (k = 1; k < 32; k++)
			strcat(many, "/c");
		ck_assert_int_eq(asn1krb_princ_parse(many, 1, &p, NULL, &e), 0);
		ck_assert_int_eq(asn1krb_princ_ncomp(p), 32);
		KRB5_PRINCNAME_free(p);
		p = NULL;
		strcat(many, "/c");
		ck_assert_int_ne(asn1krb_princ_parse(many, 1, &p, NULL, &e), 0);
		ck_assert_ptr_null(p);
	}
}
END_TEST

START_TEST(test_helpers)
{
	ASN1_INTEGER *ai = NULL;
	KRB5_METHOD_DATA *md = NULL;
	KRB5_PADATA *pa;
	uint32_t u;
	int32_t i;
	int idx = 0;
	char *s = NULL;
	ASN1_GENERALSTRING *gs;

	/* Nonces sent as negative INTEGERs read as their unsigned value. */
	ck_assert_int_eq(asn1krb_int_set(&ai, -1), 0);
	ck_assert_int_eq(asn1krb_uint32_get(ai, &u), 0);
	ck_assert_uint_eq(u, 0xffffffffu);
	ck_assert_int_eq(asn1krb_int32_get(ai, &i), 0);
	ck_assert_int_eq(i, -1);
	ck_assert_int_eq(asn1krb_int_set(&ai, INT64_C(4294967296)), 0);
	ck_assert_int_ne(asn1krb_uint32_get(ai, &u), 0);
	ck_assert_int_ne(asn1krb_int32_get(ai, &i), 0);
	ck_assert_int_eq(asn1krb_int_set(&ai, INT64_C(-2147483649)), 0);
	ck_assert_int_ne(asn1krb_uint32_get(ai, &u), 0);
	ASN1_INTEGER_free(ai);

	ck_assert_int_eq(asn1krb_padata_add(&md, 150, NULL, 0), 0);
	ck_assert_int_eq(asn1krb_padata_add(&md, 16, (const uint8_t *)"a", 1),
	    0);
	ck_assert_int_eq(asn1krb_padata_add(&md, 16, (const uint8_t *)"b", 1),
	    0);
	pa = asn1krb_padata_find(md, 16, &idx);
	ck_assert_ptr_nonnull(pa);
	ck_assert_int_eq(pa->padata_value->data[0], 'a');
	ck_assert_int_eq(idx, 2);
	pa = asn1krb_padata_find(md, 16, &idx);
	ck_assert_int_eq(pa->padata_value->data[0], 'b');
	ck_assert_ptr_null(asn1krb_padata_find(md, 16, &idx));
	ck_assert_ptr_null(asn1krb_padata_find(md, 2, NULL));
	ck_assert_int_eq(asn1krb_padata_find(md, 150, NULL)->padata_value->length,
	    0);
	ck_assert_ptr_null(asn1krb_padata_find(NULL, 150, NULL));
	KRB5_METHOD_DATA_free(md);

	gs = asn1krb_str_new("EXAMPLE.TEST");
	ck_assert(asn1krb_str_eq(gs, "EXAMPLE.TEST"));
	ck_assert(!asn1krb_str_eq(gs, "EXAMPLE.TES"));
	ck_assert_int_eq(asn1krb_str_dup(gs, &s), 0);
	ck_assert_str_eq(s, "EXAMPLE.TEST");
	free(s);
	ck_assert(ASN1_STRING_set(gs, "a\0b", 3));
	ck_assert_int_ne(asn1krb_str_dup(gs, &s), 0);
	ASN1_GENERALSTRING_free(gs);
}
END_TEST

START_TEST(test_msg_type)
{
	static const uint8_t asreq[] = { 0x6a, 0x03, 0x30, 0x01, 0x00 };
	static const uint8_t err[] = { 0x7e, 0x81, 0x80 };
	static const uint8_t seq[] = { 0x30, 0x00 };
	static const uint8_t prim_app[] = { 0x4a, 0x00 };
	static const uint8_t high[] = { 0x7f, 0x21, 0x00 };
	static const uint8_t bad_high[] = { 0x7f, 0x1e, 0x00 };

	ck_assert_int_eq(asn1krb_msg_type(asreq, sizeof(asreq)), 10);
	/* The header alone suffices (a TCP reader may have only that). */
	ck_assert_int_eq(asn1krb_msg_type(err, sizeof(err)), 30);
	ck_assert_int_eq(asn1krb_msg_type(seq, sizeof(seq)), -1);
	ck_assert_int_eq(asn1krb_msg_type(prim_app, sizeof(prim_app)), -1);
	ck_assert_int_eq(asn1krb_msg_type(high, sizeof(high)), 33);
	ck_assert_int_eq(asn1krb_msg_type(bad_high, sizeof(bad_high)), -1);
	ck_assert_int_eq(asn1krb_msg_type(asreq, 1), -1);
	ck_assert_int_eq(asn1krb_msg_type(NULL, 0), -1);
}
END_TEST

/* Decode one capture and check what MIT kinit 1.20 sends. */
static void
check_capture(const char *file, int enterprise)
{
	uint8_t *buf, *der = NULL, *bder = NULL;
	size_t len, n, blen, bn;
	const uint8_t *body;
	KRB5_AS_REQ *req = NULL;
	KRB5_KDC_REQ_BODY *b;
	int i, has18 = 0, has17 = 0;
	int32_t et;
	uint32_t nonce;
	char *s = NULL;
	struct kerr e;

	buf = read_data(file, &len);
	ck_assert_int_eq(asn1krb_msg_type(buf, len), KRB5_MSG_AS_REQ);
	ck_assert_msg(ASN1KRB_DECODE(KRB5_AS_REQ, buf, len, &req, &e) == 0,
	    "%s: %s", file, e.msg);
	ck_assert_int_eq(req->pvno, 5);
	ck_assert_int_eq(req->msg_type, 10);
	b = req->req_body;
	ck_assert(asn1krb_str_eq(b->realm, "EXAMPLE.TEST"));
	ck_assert_int_eq(asn1krb_princ_unparse(b->cname, NULL, &s, &e), 0);
	if (enterprise) {
		ck_assert_int_eq(b->cname->name_type, KRB5_NT_ENTERPRISE);
		ck_assert_str_eq(s, "alice\\@corp.example");
	} else {
		ck_assert_int_eq(b->cname->name_type, KRB5_NT_PRINCIPAL);
		ck_assert_str_eq(s, "alice");
	}
	free(s);
	ck_assert_int_eq(asn1krb_princ_unparse(b->sname, NULL, &s, &e), 0);
	ck_assert_str_eq(s, "krbtgt/EXAMPLE.TEST");
	free(s);
	ck_assert_int_eq(b->sname->name_type, KRB5_NT_SRV_INST);
	ck_assert_ptr_nonnull(b->nonce);
	ck_assert_int_eq(asn1krb_uint32_get(b->nonce, &nonce), 0);
	for (i = 0; i < sk_ASN1_INTEGER_num(b->etype); i++) {
		ck_assert_int_eq(asn1krb_int32_get(sk_ASN1_INTEGER_value(b->etype,
		    i), &et), 0);
		has18 |= et == 18;
		has17 |= et == 17;
	}
	ck_assert(has18 && has17);
	ck_assert_int_eq(b->kdc_options->length, 4);
	ck_assert_ptr_nonnull(b->till);
	/* kinit asks for a freshness token (RFC 8070 section 4). */
	ck_assert_ptr_nonnull(asn1krb_padata_find(req->padata,
	    KRB5_PADATA_AS_FRESHNESS, NULL));

	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_AS_REQ, req, &der, &n, &e), 0);
	ck_assert_uint_eq(n, len);
	ck_assert(memcmp(der, buf, len) == 0);

	/* req-body as sent: the last element, at the end of the message. */
	ck_assert_int_eq(asn1krb_kdc_req_body_raw(buf, len, &body, &blen, &e),
	    0);
	ck_assert(body > buf && body + blen == buf + len);
	ck_assert_int_eq(body[0], 0x30);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_KDC_REQ_BODY, b, &bder, &bn, &e),
	    0);
	ck_assert_uint_eq(bn, blen);
	ck_assert(memcmp(bder, body, blen) == 0);
	free(der);
	free(bder);
	free(buf);
	KRB5_AS_REQ_free(req);
}

START_TEST(test_capture_udp)
{
	check_capture("asreq-kinit.der", 0);
}
END_TEST

START_TEST(test_capture_enterprise)
{
	check_capture("asreq-kinit-enterprise.der", 1);
}
END_TEST

START_TEST(test_capture_tcp)
{
	check_capture("asreq-kinit-tcp.der", 0);
}
END_TEST

START_TEST(test_reject_truncated)
{
	uint8_t *buf;
	size_t len, i;
	const uint8_t *body;
	size_t blen;
	struct kerr e;

	buf = read_data("asreq-kinit.der", &len);
	for (i = 0; i < len; i++) {
		/* A private copy so the sanitizers see reads past the end. */
		uint8_t *cut = malloc(i ? i : 1);

		memcpy(cut, buf, i);
		expect_reject(ASN1_ITEM_rptr(KRB5_AS_REQ), cut, i, "truncated");
		ck_assert_int_ne(asn1krb_kdc_req_body_raw(cut, i, &body, &blen,
		    &e), 0);
		free(cut);
	}
	free(buf);
}
END_TEST

/*
 * Every single-byte change to a real AS-REQ is either refused or decodes to
 * something whose DER is exactly the changed input; never a crash or an
 * out-of-bounds read (run under the sanitizers to see those).
 */
START_TEST(test_mutations)
{
	uint8_t *buf, *m, *der;
	size_t len, i, n, rawlen;
	const uint8_t *raw;
	KRB5_AS_REQ *req;
	struct kerr e;
	static const uint8_t deltas[] = { 0x01, 0x80, 0xff, 0x20 };
	unsigned int d, accepted = 0;

	buf = read_data("asreq-kinit.der", &len);
	for (i = 0; i < len; i++) {
		for (d = 0; d < sizeof(deltas); d++) {
			m = malloc(len);
			memcpy(m, buf, len);
			m[i] ^= deltas[d];
			req = NULL;
			if (ASN1KRB_DECODE(KRB5_AS_REQ, m, len, &req, &e) == 0) {
				accepted++;
				ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_AS_REQ, req,
				    &der, &n, &e), 0);
				ck_assert_uint_eq(n, len);
				ck_assert(memcmp(der, m, len) == 0);
				ck_assert_int_eq(asn1krb_kdc_req_body_raw(m, len,
				    &raw, &rawlen, &e), 0);
				free(der);
				KRB5_AS_REQ_free(req);
			}
			(void)asn1krb_kdc_req_body_raw(m, len, &raw, &rawlen, &e);
			free(m);
		}
	}
	/* Content bytes (names, nonce) can change and stay valid. */
	ck_assert_uint_gt(accepted, 0);
	free(buf);
}
END_TEST

START_TEST(test_reject_trailing)
{
	uint8_t *buf, *big;
	size_t len, blen;
	const uint8_t *body;
	struct kerr e;

	buf = read_data("asreq-kinit.der", &len);
	big = malloc(len + 2);
	memcpy(big, buf, len);
	big[len] = 0;
	big[len + 1] = 0;
	expect_reject(ASN1_ITEM_rptr(KRB5_AS_REQ), big, len + 1, "1 trailing");
	expect_reject(ASN1_ITEM_rptr(KRB5_AS_REQ), big, len + 2,
	    "end-of-contents after a definite length");
	ck_assert_int_ne(asn1krb_kdc_req_body_raw(big, len + 1, &body, &blen,
	    &e), 0);
	ck_assert_int_eq(asn1krb_kdc_req_body_raw(big, len, &body, &blen, &e),
	    0);
	free(big);
	free(buf);
}
END_TEST

START_TEST(test_reject_ber)
{
	/* PrincipalName "alice" in BER forms. */
	static const uint8_t indefinite[] = {
		0x30, 0x80,
		0xa0, 0x03, 0x02, 0x01, 0x01,
		0xa1, 0x09, 0x30, 0x07, 0x1b, 0x05, 'a', 'l', 'i', 'c', 'e',
		0x00, 0x00,
	};
	static const uint8_t long_len[] = {
		0x30, 0x81, 0x10,
		0xa0, 0x03, 0x02, 0x01, 0x01,
		0xa1, 0x09, 0x30, 0x07, 0x1b, 0x05, 'a', 'l', 'i', 'c', 'e',
	};
	static const uint8_t zero_len_octet[] = {
		0x30, 0x82, 0x00, 0x10,
		0xa0, 0x03, 0x02, 0x01, 0x01,
		0xa1, 0x09, 0x30, 0x07, 0x1b, 0x05, 'a', 'l', 'i', 'c', 'e',
	};
	static const uint8_t long_int[] = {
		0x30, 0x11,
		0xa0, 0x04, 0x02, 0x02, 0x00, 0x01,
		0xa1, 0x09, 0x30, 0x07, 0x1b, 0x05, 'a', 'l', 'i', 'c', 'e',
	};
	static const uint8_t cons_string[] = {
		0x30, 0x12,
		0xa0, 0x03, 0x02, 0x01, 0x01,
		0xa1, 0x0b, 0x30, 0x09, 0x3b, 0x07, 0x1b, 0x05,
		'a', 'l', 'i', 'c', 'e',
	};
	/* KERB-PA-PAC-REQUEST with TRUE as 0x01 (BER, not DER). */
	static const uint8_t pac_ber[] = { 0x30, 0x05, 0xa0, 0x03, 0x01, 0x01, 0x01 };
	/* 32-bit flags with 1 unused bit that is set. */
	static const uint8_t bits_pad[] = { 0x03, 0x05, 0x01, 0x00, 0x00, 0x00, 0x01 };
	/* SEQUENCE with the constructed bit clear. */
	static const uint8_t prim_seq[] = { 0x10, 0x00 };
	const ASN1_ITEM *pn = ASN1_ITEM_rptr(KRB5_PRINCNAME);

	expect_reject(pn, indefinite, sizeof(indefinite), "indefinite length");
	expect_reject(pn, long_len, sizeof(long_len), "long form for 16");
	expect_reject(pn, zero_len_octet, sizeof(zero_len_octet),
	    "leading zero length octet");
	expect_reject(pn, long_int, sizeof(long_int), "non-minimal INTEGER");
	expect_reject(pn, cons_string, sizeof(cons_string),
	    "constructed GeneralString");
	expect_reject(ASN1_ITEM_rptr(KRB5_PA_PAC_REQUEST), pac_ber,
	    sizeof(pac_ber), "BOOLEAN 0x01");
	expect_reject(ASN1_ITEM_rptr(ASN1_BIT_STRING), bits_pad,
	    sizeof(bits_pad), "non-zero padding bit");
	expect_reject(pn, prim_seq, sizeof(prim_seq), "primitive SEQUENCE");
}
END_TEST

/* Encode a PA-ENC-TS-ENC with the time string and usec given. */
static void
ts_enc(const char *timestr, long usec, uint8_t **der, size_t *n)
{
	KRB5_PA_ENC_TS_ENC *ts = KRB5_PA_ENC_TS_ENC_new();
	struct kerr e;

	unsigned char *p = NULL;
	int len;

	ck_assert(ASN1_STRING_set(ts->patimestamp, timestr, (int)strlen(timestr)));
	if (usec >= -1000000000L)
		ck_assert_int_eq(asn1krb_int_set(&ts->pausec, usec), 0);
	/* Our encoder refuses bad times, so build the input with OpenSSL's. */
	if (asn1krb_time_syntax_ok((const unsigned char *)timestr,
	    strlen(timestr))) {
		ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_PA_ENC_TS_ENC, ts, der, n,
		    &e), 0);
	} else {
		ck_assert_int_ne(ASN1KRB_ENCODE(KRB5_PA_ENC_TS_ENC, ts, der, n,
		    &e), 0);
		len = i2d_KRB5_PA_ENC_TS_ENC(ts, &p);
		ck_assert_int_gt(len, 0);
		*der = malloc((size_t)len);
		memcpy(*der, p, (size_t)len);
		*n = (size_t)len;
		OPENSSL_free(p);
	}
	KRB5_PA_ENC_TS_ENC_free(ts);
}

START_TEST(test_reject_time_usec)
{
	const ASN1_ITEM *it = ASN1_ITEM_rptr(KRB5_PA_ENC_TS_ENC);
	KRB5_PA_ENC_TS_ENC *ts = NULL;
	uint8_t *der;
	size_t n;
	struct kerr e;

	ts_enc("20261122223636Z", 999999, &der, &n);
	ck_assert_int_eq(asn1krb_decode(it, der, n, (void **)&ts, &e), 0);
	KRB5_PA_ENC_TS_ENC_free(ts);
	free(der);
	ts_enc("20261122223636.5Z", -2000000000L, &der, &n);
	expect_reject(it, der, n, "fractional seconds");
	free(der);
	ts_enc("20261122223636", -2000000000L, &der, &n);
	expect_reject(it, der, n, "no Z");
	free(der);
	ts_enc("20261122223636+0100", -2000000000L, &der, &n);
	expect_reject(it, der, n, "offset");
	free(der);
	ts_enc("20261122223636Z", 1000000, &der, &n);
	expect_reject(it, der, n, "usec 1000000");
	free(der);
	ts_enc("20261122223636Z", -1, &der, &n);
	expect_reject(it, der, n, "usec -1");
	free(der);
}
END_TEST

START_TEST(test_reject_limits)
{
	uint8_t *big;
	size_t n = ASN1KRB_MAX_MSG + 1, i;
	struct kerr e;

	/* An OCTET STRING of just over 1 MiB. */
	big = calloc(1, n);
	big[0] = 0x04;
	big[1] = 0x83;
	big[2] = (uint8_t)((n - 5) >> 16);
	big[3] = (uint8_t)((n - 5) >> 8);
	big[4] = (uint8_t)(n - 5);
	ck_assert_int_eq(asn1krb_der_check(big, n, &e), KRB_ERR_FIELD_TOOLONG);
	free(big);

	/* 40 nested SEQUENCEs. */
	big = calloc(1, 80);
	for (i = 0; i < 40; i++) {
		big[2 * i] = 0x30;
		big[2 * i + 1] = (uint8_t)(78 - 2 * i);
	}
	ck_assert_int_eq(asn1krb_der_check(big, 80, &e), KRB_ERR_GENERIC);
	ck_assert(strstr(e.msg, "nesting") != NULL);
	ck_assert_int_eq(asn1krb_der_check(big + 2 * 20, 40, &e), 0);
	free(big);

	/* A SEQUENCE OF with more than ASN1KRB_MAX_ITEMS elements. */
	n = 4 + 2 * (ASN1KRB_MAX_ITEMS + 1);
	big = calloc(1, n);
	big[0] = 0x30;
	big[1] = 0x82;
	big[2] = (uint8_t)((n - 4) >> 8);
	big[3] = (uint8_t)(n - 4);
	for (i = 4; i < n; i += 2)
		big[i] = 0x05;  /* NULL */
	ck_assert_int_eq(asn1krb_der_check(big, n, &e), KRB_ERR_GENERIC);
	ck_assert(strstr(e.msg, "elements") != NULL);
	/* One fewer is fine. */
	big[3] -= 2;
	ck_assert_int_eq(asn1krb_der_check(big, n - 2, &e), 0);
	free(big);
}
END_TEST

START_TEST(test_krb_error)
{
	static const char *const sname[] = { "krbtgt", "EXAMPLE.TEST" };
	static const char *const cname[] = { "alice" };
	KRB5_METHOD_DATA *md = NULL, *md2 = NULL;
	KRB5_ERROR *err = NULL;
	struct krb_error_info info;
	uint8_t *edata = NULL, *der = NULL;
	size_t elen, n;
	int64_t t, ctime = 1700000000;
	int32_t cusec = 42;
	struct kerr e;
	char path[] = "/tmp/check_asn1_XXXXXX", cmd[256];
	FILE *f;
	int fd;

	ck_assert_int_eq(asn1krb_padata_add(&md, KRB5_PADATA_PK_AS_REQ, NULL,
	    0), 0);
	ck_assert_int_eq(asn1krb_padata_add(&md, KRB5_PADATA_AS_FRESHNESS, NULL,
	    0), 0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_METHOD_DATA, md, &edata, &elen, &e),
	    0);
	memset(&info, 0, sizeof(info));
	info.code = KDC_ERR_PREAUTH_REQUIRED;
	info.stime = 1700000001;
	info.susec = 999999;
	info.ctime = &ctime;
	info.cusec = &cusec;
	info.crealm = "EXAMPLE.TEST";
	info.cname_type = KRB5_NT_PRINCIPAL;
	info.cname = cname;
	info.cname_len = 1;
	info.realm = "EXAMPLE.TEST";
	info.sname_type = KRB5_NT_SRV_INST;
	info.sname = sname;
	info.sname_len = 2;
	info.e_text = "pre-authentication required";
	info.e_data = edata;
	info.e_data_len = elen;
	ck_assert_msg(krb_error_encode(&info, &der, &n, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_MSG_ERROR);
	ck_assert_msg(ASN1KRB_DECODE(KRB5_ERROR, der, n, &err, &e) == 0, "%s",
	    e.msg);
	ck_assert_int_eq(err->pvno, 5);
	ck_assert_int_eq(err->msg_type, 30);
	ck_assert_int_eq(err->error_code, KDC_ERR_PREAUTH_REQUIRED);
	ck_assert_int_eq(asn1krb_time_get(err->stime, &t), 0);
	ck_assert(t == 1700000001);
	ck_assert_int_eq(err->susec, 999999);
	ck_assert_int_eq(asn1krb_time_get(err->ctime, &t), 0);
	ck_assert(t == 1700000000);
	ck_assert_int_eq(ASN1_INTEGER_get(err->cusec), 42);
	ck_assert(asn1krb_str_eq(err->crealm, "EXAMPLE.TEST"));
	ck_assert(asn1krb_str_eq(err->realm, "EXAMPLE.TEST"));
	ck_assert(asn1krb_str_eq(err->e_text, "pre-authentication required"));
	ck_assert_int_eq(err->sname->name_type, KRB5_NT_SRV_INST);
	ck_assert_int_eq(asn1krb_princ_ncomp(err->sname), 2);
	ck_assert_int_eq(asn1krb_princ_ncomp(err->cname), 1);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_METHOD_DATA, err->e_data->data,
	    (size_t)err->e_data->length, &md2, &e), 0);
	ck_assert_int_eq(sk_KRB5_PADATA_num(md2), 2);
	ck_assert_int_eq(sk_KRB5_PADATA_value(md2, 0)->padata_type, 16);
	ck_assert_int_eq(sk_KRB5_PADATA_value(md2, 1)->padata_type, 150);
	ck_assert_int_eq(sk_KRB5_PADATA_value(md2, 1)->padata_value->length, 0);

	/* An independent parser agrees the bytes are well formed. */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "wb");
	ck_assert_uint_eq(fwrite(der, 1, n, f), n);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
	    "openssl asn1parse -inform DER -in %s >/dev/null 2>&1", path);
	ck_assert_int_eq(system(cmd), 0);
	unlink(path);

	/* Minimal error: no client fields, no e-text, no e-data. */
	free(der);
	info.ctime = NULL;
	info.cusec = NULL;
	info.crealm = NULL;
	info.cname = NULL;
	info.e_text = NULL;
	info.e_data = NULL;
	ck_assert_int_eq(krb_error_encode(&info, &der, &n, &e), 0);
	KRB5_ERROR_free(err);
	err = NULL;
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_ERROR, der, n, &err, &e), 0);
	ck_assert_ptr_null(err->cname);
	ck_assert_ptr_null(err->ctime);
	ck_assert_ptr_null(err->e_data);
	/* Bad input is refused. */
	info.susec = 1000000;
	ck_assert_int_eq(krb_error_encode(&info, &edata, &elen, &e) != 0, 1);
	info.susec = 0;
	info.sname = NULL;
	ck_assert_int_eq(krb_error_encode(&info, &edata, &elen, &e) != 0, 1);
	ck_assert(strstr(e.msg, "sname") != NULL);
	info.sname = sname;
	info.stime = INT64_C(300000000000);     /* beyond year 9999 */
	ck_assert_int_eq(krb_error_encode(&info, &edata, &elen, &e) != 0, 1);
	ck_assert(strstr(e.msg, "stime") != NULL);
	info.stime = 0;
	info.realm = NULL;
	ck_assert_int_eq(krb_error_encode(&info, &edata, &elen, &e) != 0, 1);

	free(der);
	free(edata);
	KRB5_ERROR_free(err);
	KRB5_METHOD_DATA_free(md);
	KRB5_METHOD_DATA_free(md2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("asn1");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_kat_princname);
	tcase_add_test(tc, test_kat_time);
	tcase_add_test(tc, test_kat_flags);
	tcase_add_test(tc, test_princ_text);
	tcase_add_test(tc, test_helpers);
	tcase_add_test(tc, test_msg_type);
	tcase_add_test(tc, test_capture_udp);
	tcase_add_test(tc, test_capture_enterprise);
	tcase_add_test(tc, test_capture_tcp);
	tcase_add_test(tc, test_reject_truncated);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_reject_trailing);
	tcase_add_test(tc, test_reject_ber);
	tcase_add_test(tc, test_reject_time_usec);
	tcase_add_test(tc, test_reject_limits);
	tcase_add_test(tc, test_krb_error);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
