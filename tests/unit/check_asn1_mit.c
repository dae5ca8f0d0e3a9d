/*
 * check_asn1_mit.c - messages from a real MIT krb5 1.20 KDC and clients
 * (tests/data/capture-kdc.sh): a password AS exchange with the
 * PREAUTH_REQUIRED error, a TGS exchange and a FAST-armored AS-REQ.  Each
 * must pass the strict decoder, carry what MIT put there, and re-encode to
 * the same bytes.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "asn1_krb5.h"
#include "asn1_testutil.h"

static const struct {
	const char *file;
	int msg_type;
} captures[] = {
	{ "mit-asreq-nopreauth.der", KRB5_MSG_AS_REQ },
	{ "mit-error-preauth.der", KRB5_MSG_ERROR },
	{ "mit-asreq-ts.der", KRB5_MSG_AS_REQ },
	{ "mit-asrep.der", KRB5_MSG_AS_REP },
	{ "mit-tgsreq.der", KRB5_MSG_TGS_REQ },
	{ "mit-tgsrep.der", KRB5_MSG_TGS_REP },
	{ "mit-asreq-fast.der", KRB5_MSG_AS_REQ },
};

static const ASN1_ITEM *
item_for(int msg_type)
{
	switch (msg_type) {
	case KRB5_MSG_AS_REQ:
		return ASN1_ITEM_rptr(KRB5_AS_REQ);
	case KRB5_MSG_AS_REP:
		return ASN1_ITEM_rptr(KRB5_AS_REP);
	case KRB5_MSG_TGS_REQ:
		return ASN1_ITEM_rptr(KRB5_TGS_REQ);
	case KRB5_MSG_TGS_REP:
		return ASN1_ITEM_rptr(KRB5_TGS_REP);
	case KRB5_MSG_ERROR:
		return ASN1_ITEM_rptr(KRB5_ERROR);
	default:
		return NULL;
	}
}

/* Decode a capture with the item its APPLICATION tag names. */
static void *
load(const char *file, int want_type, uint8_t **buf_out, size_t *len_out)
{
	const ASN1_ITEM *it;
	uint8_t *buf, *der = NULL;
	size_t len, n;
	void *val = NULL;
	struct kerr e;

	buf = read_data(file, &len);
	ck_assert_int_eq(asn1krb_msg_type(buf, len), want_type);
	it = item_for(want_type);
	ck_assert_msg(asn1krb_decode(it, buf, len, &val, &e) == 0, "%s: %s",
	    file, e.msg);
	ck_assert_int_eq(asn1krb_encode(it, val, &der, &n, &e), 0);
	ck_assert_uint_eq(n, len);
	ck_assert_msg(memcmp(der, buf, n) == 0, "%s re-encodes differently",
	    file);
	free(der);
	if (buf_out != NULL) {
		*buf_out = buf;
		*len_out = len;
	} else {
		free(buf);
	}
	return val;
}

static void
assert_princ(const KRB5_PRINCNAME *p, const char *text)
{
	char *s = NULL;
	struct kerr e;

	ck_assert_int_eq(asn1krb_princ_unparse(p, NULL, &s, &e), 0);
	ck_assert_str_eq(s, text);
	free(s);
}

START_TEST(test_mit_roundtrip)
{
	size_t i;

	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++)
		ASN1_item_free(load(captures[i].file, captures[i].msg_type, NULL,
		    NULL), item_for(captures[i].msg_type));
}
END_TEST

START_TEST(test_mit_preauth_error)
{
	KRB5_ERROR *err = load("mit-error-preauth.der", KRB5_MSG_ERROR, NULL,
	    NULL);
	KRB5_METHOD_DATA *md = NULL;
	KRB5_ETYPE_INFO2 *ei = NULL;
	KRB5_ETYPE_INFO2_ENTRY *ent;
	KRB5_PADATA *pa;
	int64_t t;
	struct kerr e;

	ck_assert_int_eq(err->pvno, 5);
	ck_assert_int_eq(err->error_code, KDC_ERR_PREAUTH_REQUIRED);
	ck_assert_int_eq(asn1krb_time_get(err->stime, &t), 0);
	ck_assert(asn1krb_str_eq(err->realm, "EXAMPLE.TEST"));
	assert_princ(err->sname, "krbtgt/EXAMPLE.TEST");
	ck_assert_ptr_nonnull(err->e_data);
	ck_assert_msg(ASN1KRB_DECODE(KRB5_METHOD_DATA, err->e_data->data,
	    (size_t)err->e_data->length, &md, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(asn1krb_padata_find(md, KRB5_PADATA_ENC_TIMESTAMP,
	    NULL));
	ck_assert_ptr_nonnull(asn1krb_padata_find(md, KRB5_PADATA_FX_COOKIE,
	    NULL));
	pa = asn1krb_padata_find(md, KRB5_PADATA_ETYPE_INFO2, NULL);
	ck_assert_ptr_nonnull(pa);
	ck_assert_msg(ASN1KRB_DECODE(KRB5_ETYPE_INFO2, pa->padata_value->data,
	    (size_t)pa->padata_value->length, &ei, &e) == 0, "%s", e.msg);
	ent = sk_KRB5_ETYPE_INFO2_ENTRY_value(ei, 0);
	ck_assert_int_eq(ent->etype, 18);
	ck_assert(asn1krb_str_eq(ent->salt, "EXAMPLE.TESTalice"));
	KRB5_ETYPE_INFO2_free(ei);
	KRB5_METHOD_DATA_free(md);
	KRB5_ERROR_free(err);
}
END_TEST

START_TEST(test_mit_as_exchange)
{
	KRB5_AS_REQ *req = load("mit-asreq-ts.der", KRB5_MSG_AS_REQ, NULL, NULL);
	KRB5_AS_REP *rep = load("mit-asrep.der", KRB5_MSG_AS_REP, NULL, NULL);
	KRB5_ENCDATA *ts = NULL;
	KRB5_PADATA *pa;
	uint32_t kvno;
	struct kerr e;

	pa = asn1krb_padata_find(req->padata, KRB5_PADATA_ENC_TIMESTAMP, NULL);
	ck_assert_ptr_nonnull(pa);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_ENCDATA, pa->padata_value->data,
	    (size_t)pa->padata_value->length, &ts, &e), 0);
	ck_assert_int_eq(ts->etype, 18);
	ck_assert_ptr_null(ts->kvno);
	/* The cookie from the error is sent back (RFC 6113 section 5.2). */
	ck_assert_ptr_nonnull(asn1krb_padata_find(req->padata,
	    KRB5_PADATA_FX_COOKIE, NULL));

	ck_assert_int_eq(rep->pvno, 5);
	ck_assert_int_eq(rep->msg_type, KRB5_MSG_AS_REP);
	ck_assert(asn1krb_str_eq(rep->crealm, "EXAMPLE.TEST"));
	assert_princ(rep->cname, "alice");
	ck_assert_int_eq(rep->ticket->tkt_vno, 5);
	ck_assert(asn1krb_str_eq(rep->ticket->realm, "EXAMPLE.TEST"));
	assert_princ(rep->ticket->sname, "krbtgt/EXAMPLE.TEST");
	ck_assert_int_eq(rep->ticket->enc_part->etype, 18);
	ck_assert_int_eq(asn1krb_uint32_get(rep->ticket->enc_part->kvno, &kvno),
	    0);
	ck_assert_uint_eq(kvno, 1);
	ck_assert_int_eq(rep->enc_part->etype, 18);
	KRB5_ENCDATA_free(ts);
	KRB5_AS_REQ_free(req);
	KRB5_AS_REP_free(rep);
}
END_TEST

START_TEST(test_mit_tgs_exchange)
{
	uint8_t *buf, *bder = NULL;
	size_t len, blen, bn;
	const uint8_t *body;
	KRB5_TGS_REQ *req = load("mit-tgsreq.der", KRB5_MSG_TGS_REQ, &buf, &len);
	KRB5_TGS_REP *rep = load("mit-tgsrep.der", KRB5_MSG_TGS_REP, NULL, NULL);
	KRB5_AP_REQ *ap = NULL;
	KRB5_PADATA *pa;
	struct kerr e;

	ck_assert_int_eq(req->msg_type, KRB5_MSG_TGS_REQ);
	assert_princ(req->req_body->sname, "host/server.example.test");
	ck_assert_ptr_null(req->req_body->cname);
	pa = asn1krb_padata_find(req->padata, KRB5_PADATA_TGS_REQ, NULL);
	ck_assert_ptr_nonnull(pa);
	ck_assert_int_eq(asn1krb_msg_type(pa->padata_value->data,
	    (size_t)pa->padata_value->length), KRB5_MSG_AP_REQ);
	ck_assert_msg(ASN1KRB_DECODE(KRB5_AP_REQ, pa->padata_value->data,
	    (size_t)pa->padata_value->length, &ap, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(ap->msg_type, KRB5_MSG_AP_REQ);
	ck_assert_int_eq(ap->ap_options->length, 4);
	assert_princ(ap->ticket->sname, "krbtgt/EXAMPLE.TEST");
	ck_assert_int_eq(ap->authenticator->etype, 18);

	/* The TGS authenticator checksum covers these exact bytes. */
	ck_assert_int_eq(asn1krb_kdc_req_body_raw(buf, len, &body, &blen, &e),
	    0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_KDC_REQ_BODY, req->req_body, &bder,
	    &bn, &e), 0);
	ck_assert_uint_eq(bn, blen);
	ck_assert(memcmp(bder, body, bn) == 0);

	assert_princ(rep->cname, "alice");
	assert_princ(rep->ticket->sname, "host/server.example.test");
	ck_assert_int_eq(rep->enc_part->etype, 18);
	free(bder);
	free(buf);
	KRB5_AP_REQ_free(ap);
	KRB5_TGS_REQ_free(req);
	KRB5_TGS_REP_free(rep);
}
END_TEST

START_TEST(test_mit_fast_request)
{
	KRB5_AS_REQ *req = load("mit-asreq-fast.der", KRB5_MSG_AS_REQ, NULL,
	    NULL);
	KRB5_PA_FX_FAST_REQUEST *fx = NULL;
	KRB5_FAST_ARMORED_REQ *ar;
	KRB5_AP_REQ *armor = NULL;
	KRB5_PADATA *pa;
	struct kerr e;

	pa = asn1krb_padata_find(req->padata, KRB5_PADATA_FX_FAST, NULL);
	ck_assert_ptr_nonnull(pa);
	ck_assert_msg(ASN1KRB_DECODE(KRB5_PA_FX_FAST_REQUEST,
	    pa->padata_value->data, (size_t)pa->padata_value->length, &fx,
	    &e) == 0, "%s", e.msg);
	ck_assert_int_eq(fx->type, KRB5_FAST_CHOICE_ARMORED_DATA);
	ar = fx->value.armored_data;
	ck_assert_ptr_nonnull(ar->armor);
	ck_assert_int_eq(ar->armor->armor_type, KRB5_FAST_ARMOR_AP_REQUEST);
	ck_assert_msg(ASN1KRB_DECODE(KRB5_AP_REQ, ar->armor->armor_value->data,
	    (size_t)ar->armor->armor_value->length, &armor, &e) == 0, "%s",
	    e.msg);
	assert_princ(armor->ticket->sname, "krbtgt/EXAMPLE.TEST");
	/* hmac-sha1-96-aes256 (RFC 3962) keyed with the armor key. */
	ck_assert_int_eq(ar->req_checksum->cksumtype, 16);
	ck_assert_int_eq(ar->req_checksum->checksum->length, 12);
	ck_assert_int_eq(ar->enc_fast_req->etype, 18);
	KRB5_AP_REQ_free(armor);
	KRB5_PA_FX_FAST_REQUEST_free(fx);
	KRB5_AS_REQ_free(req);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("asn1_mit");
	TCase *tc = tcase_create("captures");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_mit_roundtrip);
	tcase_add_test(tc, test_mit_preauth_error);
	tcase_add_test(tc, test_mit_as_exchange);
	tcase_add_test(tc, test_mit_tgs_exchange);
	tcase_add_test(tc, test_mit_fast_request);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
