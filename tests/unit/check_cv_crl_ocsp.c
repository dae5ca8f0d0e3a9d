/* check_cv_crl_ocsp.c - CRL and OCSP verification as pure functions
 * over bytes, pointers in certificates, URL splitting and
 * TD-INVALID-CERTIFICATES. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "asn1_pkinit.h"
#include "cv_chain.h"
#include "cv_priv.h"
#include "cv_revdata.h"
#include "cv_revoke.h"
#include "cv_test_pki.h"
#include "http_fetch.h"
#include "pki_fixture.h"

/* ---- CRLs ---- */

START_TEST(test_crl_status)
{
	struct cv_crl *c = cvt_crl("ca.crl");
	struct cv_cert *ca = cvt_cert("ca"), *alice = cvt_cert("alice"),
	    *rev = cvt_cert("revoked");
	struct kerr e;
	int64_t when = 0;

	ck_assert_msg(cv_crl_verify(c, ca, cvt_now, 300, &e) == 0, "%s", e.msg);
	ck_assert(cv_crl_covers(c, alice));
	ck_assert(!cv_crl_is_delta(c));
	ck_assert_int_eq(cv_crl_status(c, NULL, alice, &when), CV_STATUS_GOOD);
	ck_assert_int_eq(cv_crl_status(c, NULL, rev, &when),
	    CV_STATUS_REVOKED);
	ck_assert(when > 0 && when <= cvt_now);
	ck_assert(cv_crl_next_update(c) > cvt_now);
	cv_crl_free(c);
	cv_cert_free(ca);
	cv_cert_free(alice);
	cv_cert_free(rev);
}
END_TEST

START_TEST(test_crl_wrong_issuer)
{
	struct cv_crl *c = cvt_crl("ca.crl"), *r = cvt_crl("root.crl");
	struct cv_cert *ca2 = cvt_cert("ca2"), *ca = cvt_cert("ca");
	struct kerr e;

	ck_assert_int_eq(cv_crl_verify(c, ca2, cvt_now, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "is not from"));
	ck_assert_int_eq(cv_crl_verify(r, ca, cvt_now, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	cv_crl_free(c);
	cv_crl_free(r);
	cv_cert_free(ca2);
	cv_cert_free(ca);
}
END_TEST

START_TEST(test_crl_bad_signature)
{
	struct cv_cert *ca = cvt_cert("ca");
	struct cv_crl *c = cvt_crl("ca.crl"), *t = NULL;
	unsigned char *der = NULL;
	struct kerr e;
	BIO *b;
	X509_CRL *x;
	int len;

	b = BIO_new_file(pki_path("ca.crl"), "r");
	x = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	BIO_free(b);
	len = i2d_X509_CRL(x, &der);
	ck_assert_int_gt(len, 100);
	der[len - 5] ^= 0x01;           /* inside the signature */
	ck_assert(cv_crl_parse(der, (size_t)len, &t, &e) == 0);
	ck_assert_int_eq(cv_crl_verify(t, ca, cvt_now, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "signature"));
	cv_crl_free(t);
	t = NULL;
	ck_assert_int_eq(cv_crl_parse((const uint8_t *)"junk", 4, &t, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	OPENSSL_free(der);
	X509_CRL_free(x);
	cv_crl_free(c);
	cv_cert_free(ca);
}
END_TEST

START_TEST(test_crl_times)
{
	struct cv_crl *c = cvt_crl("ca-expired.crl"), *cur = cvt_crl("ca.crl");
	struct cv_cert *ca = cvt_cert("ca");
	struct kerr e;

	ck_assert_int_eq(cv_crl_verify(c, ca, cvt_now, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "expired"));
	/* 2020-01-01T12:00Z: inside that CRL's window, but the CA
	 * certificate is not what matters here: the CRL is. */
	ck_assert_msg(cv_crl_verify(c, ca, 1577880000, 0, &e) == 0, "%s",
	    e.msg);
	ck_assert_int_eq(cv_crl_verify(cur, ca, cv_crl_this_update(cur) -
	    1000, 300, &e), KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "not yet valid"));
	cv_crl_free(c);
	cv_crl_free(cur);
	cv_cert_free(ca);
}
static struct cv_crl *
make_crl(long number, long delta_base, const struct cv_cert *revoke,
    int removal, int bad_critical)
{
	struct cv_crl *out = NULL;
	unsigned char *der;
	struct kerr e;
	int len;

	der = cvt_crl_der(number, delta_base, revoke, removal, bad_critical, &len);
	ck_assert(cv_crl_parse(der, (size_t)len, &out, &e) == 0);
	OPENSSL_free(der);
	return out;
}

START_TEST(test_crl_critical_extension)
{
	struct cv_crl *c = make_crl(1, -1, NULL, 0, 1);
	struct cv_cert *ca = cvt_cert("ca");
	struct kerr e;

	ck_assert_int_eq(cv_crl_verify(c, ca, cvt_now, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "critical"));
	cv_crl_free(c);
	cv_cert_free(ca);
}
END_TEST

START_TEST(test_crl_delta)
{
	struct cv_cert *ca = cvt_cert("ca"), *alice = cvt_cert("alice"),
	    *rev = cvt_cert("revoked");
	struct cv_crl *base = make_crl(5, -1, rev, 0, 0);
	struct cv_crl *delta = make_crl(6, 5, alice, 0, 0);
	struct cv_crl *newer = make_crl(8, 7, alice, 0, 0);
	struct cv_crl *unrev = make_crl(6, 5, rev, 1, 0);
	struct kerr e;
	int64_t when;

	ck_assert_msg(cv_crl_verify(delta, ca, cvt_now, 300, &e) == 0, "%s",
	    e.msg);
	ck_assert(cv_crl_is_delta(delta));
	ck_assert(cv_crl_delta_fits(base, delta, &e) == 0);
	ck_assert_int_eq(cv_crl_delta_fits(base, newer, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_int_eq(cv_crl_delta_fits(delta, base, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	/* Revoked since the base: only the delta knows. */
	ck_assert_int_eq(cv_crl_status(base, NULL, alice, &when),
	    CV_STATUS_GOOD);
	ck_assert_int_eq(cv_crl_status(base, delta, alice, &when),
	    CV_STATUS_REVOKED);
	ck_assert_int_eq(cv_crl_status(base, delta, rev, &when),
	    CV_STATUS_REVOKED);
	/* removeFromCRL in the delta releases a hold listed in the base. */
	ck_assert_int_eq(cv_crl_status(base, unrev, rev, &when),
	    CV_STATUS_GOOD);
	cv_crl_free(base);
	cv_crl_free(delta);
	cv_crl_free(newer);
	cv_crl_free(unrev);
	cv_cert_free(ca);
	cv_cert_free(alice);
	cv_cert_free(rev);
}
END_TEST

START_TEST(test_cert_urls)
{
	struct cv_cert *slow = cvt_cert("slow"), *alice = cvt_cert("alice");
	struct cv_blobs *b = NULL;
	struct kerr e;

	ck_assert(cv_cert_urls(slow, CV_URL_OCSP, &b, &e) == 0);
	ck_assert_uint_eq(b->n, 1);
	ck_assert_str_eq((char *)b->v[0].data, "http://127.0.0.1:9/");
	cv_blobs_free(b);
	ck_assert(cv_cert_urls(alice, CV_URL_CRL, &b, &e) == 0);
	ck_assert_uint_eq(b->n, 0);
	cv_blobs_free(b);
	cv_cert_free(slow);
	cv_cert_free(alice);
}
END_TEST

static kerr_t
ocsp_case(const char *leaf, const struct cvt_resp_opts *o, int other_request,
    struct cv_ocsp_answer *a, struct kerr *e)
{
	struct cv_cert *c = cvt_cert(leaf), *ca = cvt_cert("ca");
	uint8_t *req = NULL, *req2 = NULL, *resp;
	size_t rlen, rlen2, len;
	kerr_t ret;

	ck_assert(cv_ocsp_request(c, ca, &req, &rlen, e) == 0);
	ck_assert(cv_ocsp_request(c, ca, &req2, &rlen2, e) == 0);
	resp = cvt_make_resp(other_request ? req2 : req,
	    other_request ? rlen2 : rlen, c, o, &len);
	ret = cv_ocsp_verify(req, rlen, resp, len, c, ca, cvt_now, 300, a, e);
	free(resp);
	OPENSSL_free(req);
	OPENSSL_free(req2);
	cv_cert_free(c);
	cv_cert_free(ca);
	return ret;
}

START_TEST(test_ocsp_good_delegated)
{
	struct cv_ocsp_answer a;
	struct kerr e;

	ck_assert_msg(ocsp_case("alice", &cvt_good_by_delegate, 0, &a, &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(a.status, CV_STATUS_GOOD);
	ck_assert_int_eq(a.signed_by_issuer, 0);
	ck_assert(a.next_update > cvt_now);
}
END_TEST

START_TEST(test_ocsp_revoked_by_issuer)
{
	struct cvt_resp_opts o = cvt_good_by_delegate;
	struct cv_ocsp_answer a;
	struct kerr e;

	o.signer = "ca";
	o.status = V_OCSP_CERTSTATUS_REVOKED;
	ck_assert_msg(ocsp_case("revoked", &o, 0, &a, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(a.status, CV_STATUS_REVOKED);
	ck_assert_int_eq(a.signed_by_issuer, 1);
	ck_assert_int_eq(a.reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
}
END_TEST

START_TEST(test_ocsp_unauthorized_signers)
{
	struct cvt_resp_opts o = cvt_good_by_delegate;
	struct cv_ocsp_answer a;
	struct kerr e;

	/* Issued by the CA, but without id-kp-OCSPSigning. */
	o.signer = "kdc";
	ck_assert_int_eq(ocsp_case("alice", &o, 0, &a, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "OCSPSigning"));
	/* Another CA altogether. */
	o.signer = "rogue-ca";
	ck_assert_int_eq(ocsp_case("alice", &o, 0, &a, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
}
END_TEST

START_TEST(test_ocsp_nonce_and_times)
{
	struct cvt_resp_opts o = cvt_good_by_delegate;
	struct cv_ocsp_answer a;
	struct kerr e;

	ck_assert_int_eq(ocsp_case("alice", &o, 1, &a, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "nonce"));
	/* No nonce in the answer (pre-produced): accepted. */
	o.nonce = 0;
	ck_assert_msg(ocsp_case("alice", &o, 0, &a, &e) == 0, "%s", e.msg);
	o.nonce = 1;
	o.this_off = -7200;
	o.next_off = -3600;
	ck_assert_int_eq(ocsp_case("alice", &o, 0, &a, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "stale"));
	o.this_off = 3600;
	o.next_off = 7200;
	ck_assert_int_eq(ocsp_case("alice", &o, 0, &a, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "future"));
}
END_TEST

START_TEST(test_ocsp_unknown_and_errors)
{
	struct cvt_resp_opts o = cvt_good_by_delegate;
	struct cv_cert *c = cvt_cert("alice"), *ca = cvt_cert("ca");
	struct cv_ocsp_answer a;
	uint8_t *req = NULL;
	size_t rlen;
	struct kerr e;

	o.status = V_OCSP_CERTSTATUS_UNKNOWN;
	ck_assert(ocsp_case("alice", &o, 0, &a, &e) == 0);
	ck_assert_int_eq(a.status, CV_STATUS_UNKNOWN);
	o.status = V_OCSP_CERTSTATUS_GOOD;
	o.rsp_status = OCSP_RESPONSE_STATUS_TRYLATER;
	ck_assert_int_eq(ocsp_case("alice", &o, 0, &a, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "trylater"));
	ck_assert(cv_ocsp_request(c, ca, &req, &rlen, &e) == 0);
	ck_assert_int_eq(cv_ocsp_verify(req, rlen, (const uint8_t *)"\x30\x00",
	    2, c, ca, cvt_now, 300, &a, &e), KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	OPENSSL_free(req);
	cv_cert_free(c);
	cv_cert_free(ca);
}
END_TEST

/* ---- misc ---- */

START_TEST(test_url_split)
{
	char host[64], path[64];
	unsigned int port;

	ck_assert(http_url_split("http://ocsp.example.test/", host,
	    sizeof(host), &port, path, sizeof(path)) == 0);
	ck_assert_str_eq(host, "ocsp.example.test");
	ck_assert_uint_eq(port, 80);
	ck_assert_str_eq(path, "/");
	ck_assert(http_url_split("http://127.0.0.1:8080/crl/ca.crl?x=1", host,
	    sizeof(host), &port, path, sizeof(path)) == 0);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_uint_eq(port, 8080);
	ck_assert_str_eq(path, "/crl/ca.crl?x=1");
	ck_assert(http_url_split("http://[::1]:81", host, sizeof(host), &port,
	    path, sizeof(path)) == 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_str_eq(path, "/");
	ck_assert(http_url_split("https://a/", host, sizeof(host), &port,
	    path, sizeof(path)) == -1);
	ck_assert(http_url_split("http://u:p@a/", host, sizeof(host), &port,
	    path, sizeof(path)) == -1);
	ck_assert(http_url_split("http://a:99999/", host, sizeof(host), &port,
	    path, sizeof(path)) == -1);
	ck_assert(http_url_split("http://a/b c", host, sizeof(host), &port,
	    path, sizeof(path)) == -1);
	ck_assert(http_url_split("http:///x", host, sizeof(host), &port,
	    path, sizeof(path)) == -1);
}
END_TEST

START_TEST(test_td_invalid_certificates)
{
	struct cv_cert *rev = cvt_cert("revoked");
	PKINIT_EPI_LIST *l;
	PKCS7_ISSUER_AND_SERIAL *ias;
	const PKINIT_EXT_PRINC_ID *epi;
	const unsigned char *p;
	uint8_t *der = NULL;
	size_t len = 0;

	ck_assert(cv_invalid_certs_der(rev, &der, &len) == 0);
	p = der;
	l = d2i_PKINIT_EPI_LIST(NULL, &p, (long)len);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sk_PKINIT_EXT_PRINC_ID_num(l), 1);
	epi = sk_PKINIT_EXT_PRINC_ID_value(l, 0);
	ck_assert_ptr_null(epi->subject_name);
	ck_assert_ptr_nonnull(epi->issuer_and_serial_number);
	p = ASN1_STRING_get0_data(epi->issuer_and_serial_number);
	ias = d2i_PKCS7_ISSUER_AND_SERIAL(NULL, &p,
	    ASN1_STRING_length(epi->issuer_and_serial_number));
	ck_assert_ptr_nonnull(ias);
	ck_assert_int_eq(ASN1_INTEGER_cmp(ias->serial,
	    X509_get0_serialNumber(cv_cert_x509(rev))), 0);
	ck_assert_int_eq(X509_NAME_cmp(ias->issuer,
	    X509_get_issuer_name(cv_cert_x509(rev))), 0);
	PKCS7_ISSUER_AND_SERIAL_free(ias);
	sk_PKINIT_EXT_PRINC_ID_pop_free(l, PKINIT_EXT_PRINC_ID_free);
	free(der);
	cv_cert_free(rev);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_crl_status);
	tcase_add_test(tc, test_crl_wrong_issuer);
	tcase_add_test(tc, test_crl_bad_signature);
	tcase_add_test(tc, test_crl_times);
	tcase_add_test(tc, test_crl_critical_extension);
	tcase_add_test(tc, test_crl_delta);
	tcase_add_test(tc, test_cert_urls);
	tcase_add_test(tc, test_ocsp_good_delegated);
	tcase_add_test(tc, test_ocsp_revoked_by_issuer);
	tcase_add_test(tc, test_ocsp_unauthorized_signers);
	tcase_add_test(tc, test_ocsp_nonce_and_times);
	tcase_add_test(tc, test_ocsp_unknown_and_errors);
	tcase_add_test(tc, test_url_split);
	tcase_add_test(tc, test_td_invalid_certificates);
}

int
main(void)
{
	return cvt_main("cv_crl_ocsp", add_tests);
}
