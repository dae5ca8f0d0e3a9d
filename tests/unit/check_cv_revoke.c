/* check_cv_revoke.c - CRL and OCSP verification, the revocation engine's
 * cache, TTL and fetch sharing (with a transport the test drives), the
 * NTAuth store, URL splitting and TD-INVALID-CERTIFICATES. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "asn1_pkinit.h"
#include "cv_chain.h"
#include "cv_ntauth.h"
#include "cv_priv.h"
#include "cv_revdata.h"
#include "cv_revoke.h"
#include "http_fetch.h"
#include "pki_fixture.h"

static int64_t now;

static struct cv_cert *
cert(const char *name)
{
	struct cv_cert *c = NULL;
	char file[64];
	struct kerr e;

	snprintf(file, sizeof(file), "%s.crt", name);
	ck_assert_msg(cv_cert_from_file(pki_path(file), &c, &e) == 0, "%s",
	    e.msg);
	return c;
}

static EVP_PKEY *
key(const char *name)
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

static struct cv_crl *
crl(const char *file)
{
	struct cv_crl *c = NULL;
	struct kerr e;

	ck_assert_msg(cv_crl_load_file(pki_path(file), &c, &e) == 0, "%s",
	    e.msg);
	return c;
}

/* Verified chain of leaf (leaf, CA, root). */
static struct cv_certs *
chain_of(struct cv_cert *leaf)
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
	ck_assert_msg(cv_verify(s, leaf, NULL, now, &ch, &e) == 0, "%s",
	    e.msg);
	cv_store_free(s);
	return ch;
}

/* ---- CRLs ---- */

START_TEST(test_crl_status)
{
	struct cv_crl *c = crl("ca.crl");
	struct cv_cert *ca = cert("ca"), *alice = cert("alice"),
	    *rev = cert("revoked");
	struct kerr e;
	int64_t when = 0;

	ck_assert_msg(cv_crl_verify(c, ca, now, 300, &e) == 0, "%s", e.msg);
	ck_assert(cv_crl_covers(c, alice));
	ck_assert(!cv_crl_is_delta(c));
	ck_assert_int_eq(cv_crl_status(c, NULL, alice, &when), CV_STATUS_GOOD);
	ck_assert_int_eq(cv_crl_status(c, NULL, rev, &when),
	    CV_STATUS_REVOKED);
	ck_assert(when > 0 && when <= now);
	ck_assert(cv_crl_next_update(c) > now);
	cv_crl_free(c);
	cv_cert_free(ca);
	cv_cert_free(alice);
	cv_cert_free(rev);
}
END_TEST

START_TEST(test_crl_wrong_issuer)
{
	struct cv_crl *c = crl("ca.crl"), *r = crl("root.crl");
	struct cv_cert *ca2 = cert("ca2"), *ca = cert("ca");
	struct kerr e;

	ck_assert_int_eq(cv_crl_verify(c, ca2, now, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "is not from"));
	ck_assert_int_eq(cv_crl_verify(r, ca, now, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	cv_crl_free(c);
	cv_crl_free(r);
	cv_cert_free(ca2);
	cv_cert_free(ca);
}
END_TEST

START_TEST(test_crl_bad_signature)
{
	struct cv_cert *ca = cert("ca");
	struct cv_crl *c = crl("ca.crl"), *t = NULL;
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
	ck_assert_int_eq(cv_crl_verify(t, ca, now, 300, &e),
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
	struct cv_crl *c = crl("ca-expired.crl"), *cur = crl("ca.crl");
	struct cv_cert *ca = cert("ca");
	struct kerr e;

	ck_assert_int_eq(cv_crl_verify(c, ca, now, 300, &e),
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
END_TEST

/* DER of a CRL signed by ca's key, built here: optional unknown critical
 * extension, CRL number, delta indicator and one revoked serial. */
static unsigned char *
crl_der(long number, long delta_base, const struct cv_cert *revoke,
    int removal, int bad_critical, int *len_out)
{
	struct cv_cert *ca = cert("ca");
	EVP_PKEY *k = key("ca");
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

static struct cv_crl *
make_crl(long number, long delta_base, const struct cv_cert *revoke,
    int removal, int bad_critical)
{
	struct cv_crl *out = NULL;
	unsigned char *der;
	struct kerr e;
	int len;

	der = crl_der(number, delta_base, revoke, removal, bad_critical, &len);
	ck_assert(cv_crl_parse(der, (size_t)len, &out, &e) == 0);
	OPENSSL_free(der);
	return out;
}

START_TEST(test_crl_critical_extension)
{
	struct cv_crl *c = make_crl(1, -1, NULL, 0, 1);
	struct cv_cert *ca = cert("ca");
	struct kerr e;

	ck_assert_int_eq(cv_crl_verify(c, ca, now, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "critical"));
	cv_crl_free(c);
	cv_cert_free(ca);
}
END_TEST

START_TEST(test_crl_delta)
{
	struct cv_cert *ca = cert("ca"), *alice = cert("alice"),
	    *rev = cert("revoked");
	struct cv_crl *base = make_crl(5, -1, rev, 0, 0);
	struct cv_crl *delta = make_crl(6, 5, alice, 0, 0);
	struct cv_crl *newer = make_crl(8, 7, alice, 0, 0);
	struct cv_crl *unrev = make_crl(6, 5, rev, 1, 0);
	struct kerr e;
	int64_t when;

	ck_assert_msg(cv_crl_verify(delta, ca, now, 300, &e) == 0, "%s",
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
	struct cv_cert *slow = cert("slow"), *alice = cert("alice");
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

/* ---- OCSP ---- */

struct resp_opts {
	const char *signer;     /* key/cert name */
	int status;             /* V_OCSP_CERTSTATUS_* */
	int nonce;              /* echo the request's nonce */
	long this_off, next_off;    /* seconds from now; next 0: absent */
	int rsp_status;         /* OCSP_RESPONSE_STATUS_* */
};

static uint8_t *
make_resp(const uint8_t *reqder, size_t reqlen, const char *leaf,
    const struct resp_opts *o, size_t *len_out)
{
	struct cv_cert *c = cert(leaf), *ca = cert("ca"),
	    *signer = cert(o->signer);
	EVP_PKEY *k = key(o->signer);
	const unsigned char *p = reqder;
	OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &p, (long)reqlen);
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, cv_cert_x509(c),
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
	cv_cert_free(c);
	cv_cert_free(ca);
	cv_cert_free(signer);
	return out;
}

static const struct resp_opts good_by_delegate = { "ocsp",
	V_OCSP_CERTSTATUS_GOOD, 1, -60, 3600, OCSP_RESPONSE_STATUS_SUCCESSFUL };

/* Verify a response built with o for leaf; returns the error code. */
static kerr_t
ocsp_case(const char *leaf, const struct resp_opts *o, int other_request,
    struct cv_ocsp_answer *a, struct kerr *e)
{
	struct cv_cert *c = cert(leaf), *ca = cert("ca");
	uint8_t *req = NULL, *req2 = NULL, *resp;
	size_t rlen, rlen2, len;
	kerr_t ret;

	ck_assert(cv_ocsp_request(c, ca, &req, &rlen, e) == 0);
	ck_assert(cv_ocsp_request(c, ca, &req2, &rlen2, e) == 0);
	resp = make_resp(other_request ? req2 : req,
	    other_request ? rlen2 : rlen, leaf, o, &len);
	ret = cv_ocsp_verify(req, rlen, resp, len, c, ca, now, 300, a, e);
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

	ck_assert_msg(ocsp_case("alice", &good_by_delegate, 0, &a, &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(a.status, CV_STATUS_GOOD);
	ck_assert_int_eq(a.signed_by_issuer, 0);
	ck_assert(a.next_update > now);
}
END_TEST

START_TEST(test_ocsp_revoked_by_issuer)
{
	struct resp_opts o = good_by_delegate;
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
	struct resp_opts o = good_by_delegate;
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
	struct resp_opts o = good_by_delegate;
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
	struct resp_opts o = good_by_delegate;
	struct cv_cert *c = cert("alice"), *ca = cert("ca");
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
	    2, c, ca, now, 300, &a, &e), KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	OPENSSL_free(req);
	cv_cert_free(c);
	cv_cert_free(ca);
}
END_TEST

/* ---- engine with a transport the test drives ---- */

struct pending {
	char url[256];
	uint8_t *post;
	size_t post_len;
	cv_rev_fetch_done done;
	void *token;
	int live;
};

static struct pending fetches[64];
static size_t n_fetches;

static void *
fake_start(void *arg, const char *url, const char *ctype, const uint8_t *post,
    size_t post_len, cv_rev_fetch_done done, void *token, struct kerr *e)
{
	struct pending *p;

	(void)arg;
	(void)ctype;
	(void)e;
	ck_assert_uint_lt(n_fetches, 64);
	p = &fetches[n_fetches++];
	snprintf(p->url, sizeof(p->url), "%s", url);
	p->post = malloc(post_len ? post_len : 1);
	if (post_len > 0)
		memcpy(p->post, post, post_len);
	p->post_len = post_len;
	p->done = done;
	p->token = token;
	p->live = 1;
	return p;
}

static void
fake_cancel(void *arg, void *handle)
{
	struct pending *p = handle;

	(void)arg;
	p->live = 0;
}

static const struct cv_rev_transport fake = { fake_start, fake_cancel, NULL };

static void
reset_fetches(void)
{
	size_t i;

	for (i = 0; i < n_fetches; i++)
		free(fetches[i].post);
	n_fetches = 0;
}

/* Answer fetch i for leaf with a response built with o (NULL: fail). */
static void
answer(size_t i, const char *leaf, const struct resp_opts *o)
{
	struct pending *p = &fetches[i];
	uint8_t *resp;
	size_t len;
	struct kerr e;

	ck_assert(p->live);
	p->live = 0;
	kerr_clear(&e);
	if (o == NULL) {
		kerr_set(&e, KRB_ERR_GENERIC, "%s: connection refused", p->url);
		p->done(p->token, &e, NULL, 0);
		return;
	}
	resp = make_resp(p->post, p->post_len, leaf, o, &len);
	p->done(p->token, &e, resp, len);
	free(resp);
}

struct got {
	int calls;
	struct cv_rev_outcome o;
};

static void
got_cb(void *arg, const struct cv_rev_outcome *o)
{
	struct got *g = arg;

	g->calls++;
	g->o = *o;
}

static struct cv_revoke *
engine(int hard, unsigned int cache_max, int64_t refresh_ahead)
{
	struct cv_revoke_settings s;
	struct cv_revoke *rv = NULL;
	const char *crls[1];
	char rootcrl[600];
	struct kerr e;

	memset(&s, 0, sizeof(s));
	s.methods[0] = CV_REV_OCSP;
	s.n_methods = 1;
	s.hard_fail = hard;
	snprintf(rootcrl, sizeof(rootcrl), "FILE:%s", pki_path("root.crl"));
	crls[0] = rootcrl;
	s.static_crls = crls;
	s.n_static_crls = 1;
	s.ocsp_url = "http://127.0.0.1:1/ocsp";
	s.cache_max = cache_max;
	s.clockskew = 300;
	s.refresh_ahead = refresh_ahead;
	s.transport = &fake;
	ck_assert_msg(cv_revoke_new(NULL, &s, &rv, &e) == 0, "%s", e.msg);
	reset_fetches();
	return rv;
}

START_TEST(test_engine_coalescing)
{
	struct cv_revoke *rv = engine(1, 0, 0);
	struct cv_cert *alice = cert("alice");
	struct cv_certs *ch = chain_of(alice);
	struct cv_revoke_check *c1 = NULL, *c2 = NULL, *c3 = NULL;
	struct cv_revoke_stats st;
	struct cv_rev_outcome o;
	struct got g1, g2;

	memset(&g1, 0, sizeof(g1));
	memset(&g2, 0, sizeof(g2));
	ck_assert_int_eq(cv_revoke_check(rv, ch, now, got_cb, &g1, &c1, &o), 1);
	ck_assert_int_eq(cv_revoke_check(rv, ch, now, got_cb, &g2, &c2, &o), 1);
	cv_revoke_get_stats(rv, &st);
	ck_assert_uint_eq(st.fetches, 1);
	ck_assert_uint_eq(st.joined, 1);
	ck_assert_uint_eq(n_fetches, 1);
	ck_assert_str_eq(fetches[0].url, "http://127.0.0.1:1/ocsp");
	answer(0, "alice", &good_by_delegate);
	ck_assert_int_eq(g1.calls, 1);
	ck_assert_int_eq(g2.calls, 1);
	ck_assert_int_eq(g1.o.code, 0);
	ck_assert_int_eq(g2.o.code, 0);
	/* Cached now: decided at once, no fetch. */
	ck_assert_int_eq(cv_revoke_check(rv, ch, now + 60, got_cb, &g1, &c3,
	    &o), 0);
	ck_assert_int_eq(o.code, 0);
	cv_revoke_get_stats(rv, &st);
	ck_assert_uint_eq(st.fetches, 1);
	ck_assert_uint_eq(st.hits, 1);
	cv_certs_free(ch);
	cv_cert_free(alice);
	cv_revoke_free(rv);
	reset_fetches();
}
END_TEST

START_TEST(test_engine_revoked)
{
	struct cv_revoke *rv = engine(1, 0, 0);
	struct cv_cert *rev = cert("revoked");
	struct cv_certs *ch = chain_of(rev);
	struct cv_revoke_check *c = NULL;
	struct resp_opts o = good_by_delegate;
	struct cv_rev_outcome out;
	struct got g;

	memset(&g, 0, sizeof(g));
	o.status = V_OCSP_CERTSTATUS_REVOKED;
	ck_assert_int_eq(cv_revoke_check(rv, ch, now, got_cb, &g, &c, &out), 1);
	answer(0, "revoked", &o);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.o.code, KDC_ERR_REVOKED_CERTIFICATE);
	ck_assert_ptr_eq(g.o.revoked, cv_certs_get(ch, 0));
	ck_assert_str_eq(g.o.source, "OCSP");
	ck_assert_ptr_nonnull(strstr(g.o.msg, cv_cert_serial_hex(rev)));
	ck_assert_ptr_nonnull(strstr(g.o.msg, "(OCSP)"));
	cv_certs_free(ch);
	cv_cert_free(rev);
	cv_revoke_free(rv);
	reset_fetches();
}
END_TEST

START_TEST(test_engine_failure_policy)
{
	struct cv_revoke *hard = engine(1, 0, 0), *soft;
	struct cv_cert *alice = cert("alice");
	struct cv_certs *ch = chain_of(alice);
	struct cv_revoke_check *c = NULL;
	struct resp_opts unk = good_by_delegate;
	struct cv_rev_outcome out;
	struct got g;

	memset(&g, 0, sizeof(g));
	/* Unreachable: 74. */
	ck_assert_int_eq(cv_revoke_check(hard, ch, now, got_cb, &g, &c, &out),
	    1);
	answer(0, "alice", NULL);
	ck_assert_int_eq(g.o.code, KDC_ERR_REVOCATION_STATUS_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(g.o.msg, "refused"));
	/* Answered "unknown": 73, and not cached. */
	unk.status = V_OCSP_CERTSTATUS_UNKNOWN;
	ck_assert_int_eq(cv_revoke_check(hard, ch, now, got_cb, &g, &c, &out),
	    1);
	answer(1, "alice", &unk);
	ck_assert_int_eq(g.o.code, KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_int_eq(cv_revoke_check(hard, ch, now, got_cb, &g, &c, &out),
	    1);
	answer(2, "alice", NULL);
	cv_revoke_free(hard);
	soft = engine(0, 0, 0);
	ck_assert_int_eq(cv_revoke_check(soft, ch, now, got_cb, &g, &c, &out),
	    1);
	answer(0, "alice", NULL);
	ck_assert_int_eq(g.o.code, 0);
	ck_assert_int_eq(g.o.soft, 1);
	ck_assert_ptr_nonnull(strstr(g.o.msg, "soft"));
	cv_revoke_free(soft);
	cv_certs_free(ch);
	cv_cert_free(alice);
	reset_fetches();
}
END_TEST

START_TEST(test_engine_ttl_refresh_cancel)
{
	struct cv_revoke *rv = engine(1, 0, 600);
	struct cv_cert *alice = cert("alice");
	struct cv_certs *ch = chain_of(alice);
	struct cv_revoke_check *c = NULL;
	struct resp_opts o = good_by_delegate;
	struct cv_revoke_stats st;
	struct cv_rev_outcome out;
	struct got g;

	memset(&g, 0, sizeof(g));
	o.next_off = 3600;
	ck_assert_int_eq(cv_revoke_check(rv, ch, now, got_cb, &g, &c, &out), 1);
	answer(0, "alice", &o);
	/* Well before nextUpdate: from the cache, nothing fetched. */
	ck_assert_int_eq(cv_revoke_check(rv, ch, now + 1000, got_cb, &g, &c,
	    &out), 0);
	ck_assert_uint_eq(n_fetches, 1);
	/* Within refresh_ahead of nextUpdate: still answered from the
	 * cache, and a background fetch starts. */
	ck_assert_int_eq(cv_revoke_check(rv, ch, now + 3300, got_cb, &g, &c,
	    &out), 0);
	ck_assert_int_eq(out.code, 0);
	ck_assert_uint_eq(n_fetches, 2);
	answer(1, "alice", &o);
	/* Past nextUpdate: parked again; cancelled, no callback. */
	g.calls = 0;
	ck_assert_int_eq(cv_revoke_check(rv, ch, now + 7200, got_cb, &g, &c,
	    &out), 1);
	cv_revoke_cancel(c);
	answer(2, "alice", &o);
	ck_assert_int_eq(g.calls, 0);
	cv_revoke_get_stats(rv, &st);
	ck_assert_uint_eq(st.in_flight, 0);
	cv_certs_free(ch);
	cv_cert_free(alice);
	cv_revoke_free(rv);
	reset_fetches();
}
END_TEST

/* A leaf issued by ca with the given serial (for cache bounds). */
static struct cv_cert *
leaf_with_serial(long serial)
{
	struct cv_cert *ca = cert("ca"), *alice = cert("alice"), *out;
	EVP_PKEY *k = key("ca");
	X509 *x = X509_dup(cv_cert_x509(alice));

	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	ck_assert(X509_sign(x, k, EVP_sha256()) > 0);
	out = cv_cert_wrap(x);
	X509_free(x);
	EVP_PKEY_free(k);
	cv_cert_free(ca);
	cv_cert_free(alice);
	return out;
}

START_TEST(test_engine_cache_bound)
{
	struct cv_revoke *rv = engine(1, 16, 0);
	struct cv_revoke_check *c = NULL;
	struct cv_revoke_stats st;
	struct cv_rev_outcome out;
	struct cv_cert *leaves[20];
	struct cv_certs *chains[20];
	struct got g;
	size_t i;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < 20; i++) {
		leaves[i] = leaf_with_serial(1000 + (long)i);
		chains[i] = chain_of(leaves[i]);
		ck_assert_int_eq(cv_revoke_check(rv, chains[i], now, got_cb,
		    &g, &c, &out), 1);
	}
	ck_assert_uint_eq(n_fetches, 20);
	for (i = 0; i < 20; i++) {
		/* The response names the leaf by CertID: build it from the
		 * certificate we made, written where make_resp reads it. */
		struct pending *p = &fetches[i];
		struct cv_cert *ca = cert("ca"), *signer = cert("ocsp");
		EVP_PKEY *k = key("ocsp");
		const unsigned char *q = p->post;
		OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &q,
		    (long)p->post_len);
		OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
		OCSP_CERTID *id = OCSP_cert_to_id(NULL,
		    cv_cert_x509(leaves[i]), cv_cert_x509(ca));
		ASN1_TIME *tu = ASN1_TIME_new(), *nu = ASN1_TIME_new();
		OCSP_RESPONSE *rsp;
		unsigned char *der = NULL;
		struct kerr e;
		int len;

		X509_gmtime_adj(tu, -60);
		X509_gmtime_adj(nu, 3600);
		OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, -1, NULL,
		    tu, nu);
		OCSP_copy_nonce(bs, req);
		OCSP_basic_sign(bs, cv_cert_x509(signer), k, EVP_sha256(),
		    NULL, 0);
		rsp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
		len = i2d_OCSP_RESPONSE(rsp, &der);
		kerr_clear(&e);
		p->live = 0;
		p->done(p->token, &e, der, (size_t)len);
		OPENSSL_free(der);
		OCSP_RESPONSE_free(rsp);
		OCSP_BASICRESP_free(bs);
		OCSP_CERTID_free(id);
		OCSP_REQUEST_free(req);
		ASN1_TIME_free(tu);
		ASN1_TIME_free(nu);
		EVP_PKEY_free(k);
		cv_cert_free(ca);
		cv_cert_free(signer);
	}
	ck_assert_int_eq(g.calls, 20);
	ck_assert_int_eq(g.o.code, 0);
	cv_revoke_get_stats(rv, &st);
	ck_assert_uint_eq(st.cached, 16);
	ck_assert_uint_eq(st.evictions, 4);
	/* The newest is still cached, the oldest was evicted. */
	ck_assert_int_eq(cv_revoke_check(rv, chains[19], now, got_cb, &g, &c,
	    &out), 0);
	ck_assert_int_eq(cv_revoke_check(rv, chains[0], now, got_cb, &g, &c,
	    &out), 1);
	cv_revoke_cancel(c);
	for (i = 0; i < 20; i++) {
		cv_certs_free(chains[i]);
		cv_cert_free(leaves[i]);
	}
	cv_revoke_free(rv);
	reset_fetches();
}
END_TEST

/* A leaf issued by ca with a CRL distribution point and a freshest CRL
 * pointer (delta CRLs). */
static struct cv_cert *
leaf_with_cdp(long serial)
{
	struct cv_cert *alice = cert("alice"), *out;
	EVP_PKEY *k = key("ca");
	X509 *x = X509_dup(cv_cert_x509(alice));
	X509_EXTENSION *ext;

	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_crl_distribution_points,
	    "URI:http://127.0.0.1:1/base.crl");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_freshest_crl,
	    "URI:http://127.0.0.1:1/delta.crl");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert(X509_sign(x, k, EVP_sha256()) > 0);
	out = cv_cert_wrap(x);
	X509_free(x);
	EVP_PKEY_free(k);
	cv_cert_free(alice);
	return out;
}

/* Hand a CRL to fetch i. */
static void
answer_crl(size_t i, long number, long base, const struct cv_cert *revoke)
{
	unsigned char *der;
	struct kerr e;
	int len;

	der = crl_der(number, base, revoke, 0, 0, &len);
	ck_assert(fetches[i].live);
	fetches[i].live = 0;
	kerr_clear(&e);
	fetches[i].done(fetches[i].token, &e, der, (size_t)len);
	OPENSSL_free(der);
}

START_TEST(test_engine_crl_with_delta)
{
	struct cv_revoke_settings s;
	struct cv_revoke *rv = NULL;
	struct cv_cert *good = leaf_with_cdp(2001), *bad = leaf_with_cdp(2002);
	struct cv_certs *chg = chain_of(good), *chb = chain_of(bad);
	struct cv_revoke_check *c = NULL;
	struct cv_rev_outcome out;
	const char *crls[1];
	char rootcrl[600];
	struct got g;
	struct kerr e;

	memset(&g, 0, sizeof(g));
	memset(&s, 0, sizeof(s));
	s.methods[0] = CV_REV_OCSP;
	s.methods[1] = CV_REV_CRL;
	s.n_methods = 2;
	s.hard_fail = 1;
	snprintf(rootcrl, sizeof(rootcrl), "FILE:%s", pki_path("root.crl"));
	crls[0] = rootcrl;
	s.static_crls = crls;
	s.n_static_crls = 1;
	s.clockskew = 300;
	s.transport = &fake;
	ck_assert(cv_revoke_new(NULL, &s, &rv, &e) == 0);
	reset_fetches();
	/* No AIA: OCSP does not apply; the base CRL, then the delta. */
	ck_assert_int_eq(cv_revoke_check(rv, chb, now, got_cb, &g, &c, &out),
	    1);
	ck_assert_uint_eq(n_fetches, 1);
	ck_assert_str_eq(fetches[0].url, "http://127.0.0.1:1/base.crl");
	answer_crl(0, 10, -1, NULL);
	ck_assert_int_eq(g.calls, 0);
	ck_assert_uint_eq(n_fetches, 2);
	ck_assert_str_eq(fetches[1].url, "http://127.0.0.1:1/delta.crl");
	answer_crl(1, 11, 10, bad);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_int_eq(g.o.code, KDC_ERR_REVOKED_CERTIFICATE);
	ck_assert_str_eq(g.o.source, "CRL");
	/* Both CRLs cached: decided at once. */
	ck_assert_int_eq(cv_revoke_check(rv, chg, now, got_cb, &g, &c, &out),
	    0);
	ck_assert_int_eq(out.code, 0);
	ck_assert_int_eq(cv_revoke_check(rv, chb, now, got_cb, &g, &c, &out),
	    0);
	ck_assert_int_eq(out.code, KDC_ERR_REVOKED_CERTIFICATE);
	ck_assert_uint_eq(n_fetches, 2);
	cv_revoke_free(rv);
	cv_certs_free(chg);
	cv_certs_free(chb);
	cv_cert_free(good);
	cv_cert_free(bad);
	reset_fetches();
}
END_TEST

/* ---- NTAuth ---- */

START_TEST(test_ntauth)
{
	struct cv_cert *alice = cert("alice"), *alice2 = cert("alice2"),
	    *ca2 = cert("ca2");
	struct cv_certs *ch1 = chain_of(alice), *ch2 = chain_of(alice2);
	struct cv_ntauth *s = NULL, *d = NULL;
	struct cv_blob v[2];
	const char *loc[1];
	char l[600];
	size_t skipped = 0, len;
	struct kerr e;

	snprintf(l, sizeof(l), "FILE:%s", pki_path("ntauth.pem"));
	loc[0] = l;
	ck_assert(cv_ntauth_load(loc, 1, &s, &e) == 0);
	ck_assert_uint_eq(cv_ntauth_count(s), 1);
	ck_assert_msg(cv_ntauth_check(s, ch1, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(cv_ntauth_check(s, ch2, &e),
	    KDC_ERR_CLIENT_NOT_TRUSTED);
	ck_assert_ptr_nonnull(strstr(e.msg, "Issuing CA 2"));
	ck_assert_ptr_nonnull(strstr(e.msg, "not in NTAuth"));
	ck_assert_int_eq(cv_ntauth_check(NULL, ch1, &e),
	    KDC_ERR_CLIENT_NOT_TRUSTED);
	/* From directory values: junk is skipped. */
	v[0].data = (uint8_t *)"junk";
	v[0].len = 4;
	v[1].data = (uint8_t *)cv_cert_der(ca2, &len);
	v[1].len = len;
	ck_assert(cv_ntauth_from_der(v, 2, &d, &skipped, &e) == 0);
	ck_assert_uint_eq(cv_ntauth_count(d), 1);
	ck_assert_uint_eq(skipped, 1);
	ck_assert(cv_ntauth_check(d, ch2, &e) == 0);
	ck_assert_int_eq(cv_ntauth_check(d, ch1, &e),
	    KDC_ERR_CLIENT_NOT_TRUSTED);
	cv_ntauth_free(s);
	cv_ntauth_free(d);
	cv_certs_free(ch1);
	cv_certs_free(ch2);
	cv_cert_free(alice);
	cv_cert_free(alice2);
	cv_cert_free(ca2);
}
END_TEST

START_TEST(test_ntauth_same_name_other_key)
{
	struct cv_cert *ca = cert("ca"), *fake_ca;
	EVP_PKEY *k = key("rogue-ca");
	X509 *x = X509_dup(cv_cert_x509(ca));
	struct cv_ntauth *s = NULL;
	const char *loc[1];
	char l[600];
	struct kerr e;

	/* Same subject, another key: not the listed CA. */
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	fake_ca = cv_cert_wrap(x);
	snprintf(l, sizeof(l), "FILE:%s", pki_path("ntauth.pem"));
	loc[0] = l;
	ck_assert(cv_ntauth_load(loc, 1, &s, &e) == 0);
	ck_assert(cv_ntauth_has(s, ca));
	ck_assert(!cv_ntauth_has(s, fake_ca));
	cv_ntauth_free(s);
	cv_cert_free(fake_ca);
	cv_cert_free(ca);
	X509_free(x);
	EVP_PKEY_free(k);
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
	struct cv_cert *rev = cert("revoked");
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

int
main(void)
{
	Suite *s = suite_create("cv_revoke");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	pki_setup();
	now = (int64_t)time(NULL);
	tcase_set_timeout(tc, 60);
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
	tcase_add_test(tc, test_engine_coalescing);
	tcase_add_test(tc, test_engine_revoked);
	tcase_add_test(tc, test_engine_failure_policy);
	tcase_add_test(tc, test_engine_ttl_refresh_cancel);
	tcase_add_test(tc, test_engine_cache_bound);
	tcase_add_test(tc, test_engine_crl_with_delta);
	tcase_add_test(tc, test_ntauth);
	tcase_add_test(tc, test_ntauth_same_name_other_key);
	tcase_add_test(tc, test_url_split);
	tcase_add_test(tc, test_td_invalid_certificates);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pki_teardown();
	return failed == 0 ? 0 : 1;
}
