/* cv_test_pki.c - fixtures shared by the certificate-validation tests:
 * objects loaded from the test PKI, CRLs and OCSP responses signed on
 * the fly, and the common test runner. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cv_chain.h"
#include "cv_priv.h"
#include "cv_revdata.h"
#include "cv_test_pki.h"
#include "pki_fixture.h"

int64_t cvt_now;

struct cv_cert *
cvt_cert(const char *name)
{
	struct cv_cert *c = NULL;
	char file[64];
	struct kerr e;

	snprintf(file, sizeof(file), "%s.crt", name);
	ck_assert_msg(cv_cert_from_file(pki_path(file), &c, &e) == 0, "%s",
	    e.msg);
	return c;
}

EVP_PKEY *
cvt_key(const char *name)
{
	char file[64];
	EVP_PKEY *k;
	FILE *f;

	snprintf(file, sizeof(file), "%s.key", name);
	f = fopen(pki_path(file), "r");
	ck_assert_ptr_nonnull(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(k);
	return k;
}

struct cv_crl *
cvt_crl(const char *file)
{
	struct cv_crl *c = NULL;
	struct kerr e;

	ck_assert_msg(cv_crl_load_file(pki_path(file), &c, &e) == 0, "%s",
	    e.msg);
	return c;
}

/* Verified chain of leaf (leaf, CA, root). */
struct cv_certs *
cvt_chain(struct cv_cert *leaf)
{
	const char *anchors[1], *pool[2];
	char a[600], p1[600], p2[600];
	struct cv_store *s = NULL;
	struct cv_certs *ch = NULL;
	struct kerr e;

	snprintf(a, sizeof(a), "FILE:%s", pki_path("root.crt"));
	snprintf(p1, sizeof(p1), "FILE:%s", pki_path("ca.crt"));
	snprintf(p2, sizeof(p2), "FILE:%s", pki_path("ca2.crt"));
	anchors[0] = a;
	pool[0] = p1;
	pool[1] = p2;
	ck_assert(cv_store_load(anchors, 1, pool, 2, &s, &e) == 0);
	ck_assert_msg(cv_verify(s, leaf, NULL, cvt_now, &ch, &e) == 0, "%s",
	    e.msg);
	cv_store_free(s);
	return ch;
}

END_TEST

/* DER of a CRL signed by ca's key, built here: optional unknown critical
 * extension, CRL number, delta indicator and one revoked serial. */
unsigned char *
cvt_crl_der(long number, long delta_base, const struct cv_cert *revoke,
    int removal, int bad_critical, int *len_out)
{
	struct cv_cert *ca = cvt_cert("ca");
	EVP_PKEY *k = cvt_key("ca");
	X509_CRL *x = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_INTEGER *n = ASN1_INTEGER_new();
	unsigned char *der = NULL;

	X509_CRL_set_version(x, 1);
	X509_CRL_set_issuer_name(x, X509_get_subject_name(cv_cert_x509(ca)));
	X509_gmtime_adj(t, -60);
	X509_CRL_set1_lastUpdate(x, t);
	X509_gmtime_adj(t, 3600);
	X509_CRL_set1_nextUpdate(x, t);
	ASN1_INTEGER_set(n, number);
	X509_CRL_add1_ext_i2d(x, NID_crl_number, n, 0, 0);
	if (delta_base >= 0) {
		ASN1_INTEGER_set(n, delta_base);
		X509_CRL_add1_ext_i2d(x, NID_delta_crl, n, 1, 0);
	}
	if (bad_critical) {
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
		X509_EXTENSION *ext;

		ASN1_OCTET_STRING_set(os, (const unsigned char *)"\x05\x00", 2);
		ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, os);
		X509_CRL_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		ASN1_OBJECT_free(obj);
		ASN1_OCTET_STRING_free(os);
	}
	if (revoke != NULL) {
		X509_REVOKED *r = X509_REVOKED_new();

		X509_REVOKED_set_serialNumber(r, (ASN1_INTEGER *)
		    X509_get0_serialNumber(cv_cert_x509(revoke)));
		X509_gmtime_adj(t, -30);
		X509_REVOKED_set_revocationDate(r, t);
		if (removal) {
			ASN1_ENUMERATED *re = ASN1_ENUMERATED_new();

			ASN1_ENUMERATED_set(re, CRL_REASON_REMOVE_FROM_CRL);
			X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, re, 0, 0);
			ASN1_ENUMERATED_free(re);
		}
		X509_CRL_add0_revoked(x, r);
	}
	X509_CRL_sort(x);
	ck_assert(X509_CRL_sign(x, k, EVP_sha256()) > 0);
	*len_out = i2d_X509_CRL(x, &der);
	ck_assert_int_gt(*len_out, 0);
	ASN1_INTEGER_free(n);
	ASN1_TIME_free(t);
	X509_CRL_free(x);
	EVP_PKEY_free(k);
	cv_cert_free(ca);
	return der;
}

uint8_t *
cvt_make_resp(const uint8_t *reqder, size_t reqlen,
    const struct cv_cert *leaf, const struct cvt_resp_opts *o,
    size_t *len_out)
{
	struct cv_cert *ca = cvt_cert("ca"),
	    *signer = cvt_cert(o->signer);
	EVP_PKEY *k = cvt_key(o->signer);
	const unsigned char *p = reqder;
	OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &p, (long)reqlen);
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, cv_cert_x509(leaf),
	    cv_cert_x509(ca));
	ASN1_TIME *tu = ASN1_TIME_new(), *nu = NULL, *rt = NULL;
	OCSP_RESPONSE *rsp;
	unsigned char *der = NULL;
	uint8_t *out;
	int len;

	ck_assert_ptr_nonnull(req);
	X509_gmtime_adj(tu, o->this_off);
	if (o->next_off != 0) {
		nu = ASN1_TIME_new();
		X509_gmtime_adj(nu, o->next_off);
	}
	if (o->status == V_OCSP_CERTSTATUS_REVOKED) {
		rt = ASN1_TIME_new();
		X509_gmtime_adj(rt, -3600);
	}
	ck_assert_ptr_nonnull(OCSP_basic_add1_status(bs, id, o->status,
	    o->status == V_OCSP_CERTSTATUS_REVOKED ?
	    OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1, rt, tu, nu));
	if (o->nonce)
		ck_assert(OCSP_copy_nonce(bs, req) > 0);
	ck_assert(OCSP_basic_sign(bs, cv_cert_x509(signer), k, EVP_sha256(),
	    NULL, 0) == 1);
	rsp = OCSP_response_create(o->rsp_status, o->rsp_status ==
	    OCSP_RESPONSE_STATUS_SUCCESSFUL ? bs : NULL);
	len = i2d_OCSP_RESPONSE(rsp, &der);
	out = malloc((size_t)len);
	memcpy(out, der, (size_t)len);
	*len_out = (size_t)len;
	OPENSSL_free(der);
	OCSP_RESPONSE_free(rsp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(req);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	ASN1_TIME_free(rt);
	EVP_PKEY_free(k);
	cv_cert_free(ca);
	cv_cert_free(signer);
	return out;
}

const struct cvt_resp_opts cvt_good_by_delegate = { "ocsp",
	V_OCSP_CERTSTATUS_GOOD, 1, -60, 3600, OCSP_RESPONSE_STATUS_SUCCESSFUL };

int
cvt_main(const char *name, void (*add_tests)(TCase *))
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	pki_setup();
	cvt_now = (int64_t)time(NULL);
	tcase_set_timeout(tc, 60);
	add_tests(tc);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pki_teardown();
	return failed == 0 ? 0 : 1;
}
