/* check_cv_revoke.c - the revocation engine (request sharing, cache
 * bound, TTL and refresh-ahead, cancel, soft and hard failure, CRL with
 * delta) with a transport the test drives, and the NTAuth store. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cv_chain.h"
#include "cv_ntauth.h"
#include "cv_priv.h"
#include "cv_revdata.h"
#include "cv_revoke.h"
#include "cv_test_pki.h"
#include "pki_fixture.h"

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
answer_cert(size_t i, const struct cv_cert *leaf,
    const struct cvt_resp_opts *o)
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
	resp = cvt_make_resp(p->post, p->post_len, leaf, o, &len);
	p->done(p->token, &e, resp, len);
	free(resp);
}

/* The same for the test PKI's certificate "<leaf>.crt". */
static void
answer(size_t i, const char *leaf, const struct cvt_resp_opts *o)
{
	struct cv_cert *c = cvt_cert(leaf);

	answer_cert(i, c, o);
	cv_cert_free(c);
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
	struct cv_cert *alice = cvt_cert("alice");
	struct cv_certs *ch = cvt_chain(alice);
	struct cv_revoke_check *c1 = NULL, *c2 = NULL, *c3 = NULL;
	struct cv_revoke_stats st;
	struct cv_rev_outcome o;
	struct got g1, g2;

	memset(&g1, 0, sizeof(g1));
	memset(&g2, 0, sizeof(g2));
	ck_assert_int_eq(cv_revoke_check(rv, ch, cvt_now, got_cb, &g1, &c1, &o), 1);
	ck_assert_int_eq(cv_revoke_check(rv, ch, cvt_now, got_cb, &g2, &c2, &o), 1);
	cv_revoke_get_stats(rv, &st);
	ck_assert_uint_eq(st.fetches, 1);
	ck_assert_uint_eq(st.joined, 1);
	ck_assert_uint_eq(n_fetches, 1);
	ck_assert_str_eq(fetches[0].url, "http://127.0.0.1:1/ocsp");
	answer(0, "alice", &cvt_good_by_delegate);
	ck_assert_int_eq(g1.calls, 1);
	ck_assert_int_eq(g2.calls, 1);
	ck_assert_int_eq(g1.o.code, 0);
	ck_assert_int_eq(g2.o.code, 0);
	/* Cached now: decided at once, no fetch. */
	ck_assert_int_eq(cv_revoke_check(rv, ch, cvt_now + 60, got_cb, &g1, &c3,
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
	struct cv_cert *rev = cvt_cert("revoked");
	struct cv_certs *ch = cvt_chain(rev);
	struct cv_revoke_check *c = NULL;
	struct cvt_resp_opts o = cvt_good_by_delegate;
	struct cv_rev_outcome out;
	struct got g;

	memset(&g, 0, sizeof(g));
	o.status = V_OCSP_CERTSTATUS_REVOKED;
	ck_assert_int_eq(cv_revoke_check(rv, ch, cvt_now, got_cb, &g, &c, &out), 1);
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
	struct cv_cert *alice = cvt_cert("alice");
	struct cv_certs *ch = cvt_chain(alice);
	struct cv_revoke_check *c = NULL;
	struct cvt_resp_opts unk = cvt_good_by_delegate;
	struct cv_rev_outcome out;
	struct got g;

	memset(&g, 0, sizeof(g));
	/* Unreachable: 74. */
	ck_assert_int_eq(cv_revoke_check(hard, ch, cvt_now, got_cb, &g, &c, &out),
	    1);
	answer(0, "alice", NULL);
	ck_assert_int_eq(g.o.code, KDC_ERR_REVOCATION_STATUS_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(g.o.msg, "refused"));
	/* Answered "unknown": 73, and not cached. */
	unk.status = V_OCSP_CERTSTATUS_UNKNOWN;
	ck_assert_int_eq(cv_revoke_check(hard, ch, cvt_now, got_cb, &g, &c, &out),
	    1);
	answer(1, "alice", &unk);
	ck_assert_int_eq(g.o.code, KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_int_eq(cv_revoke_check(hard, ch, cvt_now, got_cb, &g, &c, &out),
	    1);
	answer(2, "alice", NULL);
	cv_revoke_free(hard);
	soft = engine(0, 0, 0);
	ck_assert_int_eq(cv_revoke_check(soft, ch, cvt_now, got_cb, &g, &c, &out),
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
	struct cv_cert *alice = cvt_cert("alice");
	struct cv_certs *ch = cvt_chain(alice);
	struct cv_revoke_check *c = NULL;
	struct cvt_resp_opts o = cvt_good_by_delegate;
	struct cv_revoke_stats st;
	struct cv_rev_outcome out;
	struct got g;

	memset(&g, 0, sizeof(g));
	o.next_off = 3600;
	ck_assert_int_eq(cv_revoke_check(rv, ch, cvt_now, got_cb, &g, &c, &out), 1);
	answer(0, "alice", &o);
	/* Well before nextUpdate: from the cache, nothing fetched. */
	ck_assert_int_eq(cv_revoke_check(rv, ch, cvt_now + 1000, got_cb, &g, &c,
	    &out), 0);
	ck_assert_uint_eq(n_fetches, 1);
	/* Within refresh_ahead of nextUpdate: still answered from the
	 * cache, and a background fetch starts. */
	ck_assert_int_eq(cv_revoke_check(rv, ch, cvt_now + 3300, got_cb, &g, &c,
	    &out), 0);
	ck_assert_int_eq(out.code, 0);
	ck_assert_uint_eq(n_fetches, 2);
	answer(1, "alice", &o);
	/* Past nextUpdate: parked again; cancelled, no callback. */
	g.calls = 0;
	ck_assert_int_eq(cv_revoke_check(rv, ch, cvt_now + 7200, got_cb, &g, &c,
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
	struct cv_cert *ca = cvt_cert("ca"), *alice = cvt_cert("alice"), *out;
	EVP_PKEY *k = cvt_key("ca");
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
		chains[i] = cvt_chain(leaves[i]);
		ck_assert_int_eq(cv_revoke_check(rv, chains[i], cvt_now, got_cb,
		    &g, &c, &out), 1);
	}
	ck_assert_uint_eq(n_fetches, 20);
	/* The responses name each leaf by CertID: built from the
	 * certificates made here. */
	for (i = 0; i < 20; i++)
		answer_cert(i, leaves[i], &cvt_good_by_delegate);
	ck_assert_int_eq(g.calls, 20);
	ck_assert_int_eq(g.o.code, 0);
	cv_revoke_get_stats(rv, &st);
	ck_assert_uint_eq(st.cached, 16);
	ck_assert_uint_eq(st.evictions, 4);
	/* The newest is still cached, the oldest was evicted. */
	ck_assert_int_eq(cv_revoke_check(rv, chains[19], cvt_now, got_cb, &g, &c,
	    &out), 0);
	ck_assert_int_eq(cv_revoke_check(rv, chains[0], cvt_now, got_cb, &g, &c,
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
	struct cv_cert *alice = cvt_cert("alice"), *out;
	EVP_PKEY *k = cvt_key("ca");
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

	der = cvt_crl_der(number, base, revoke, 0, 0, &len);
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
	struct cv_certs *chg = cvt_chain(good), *chb = cvt_chain(bad);
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
	ck_assert_int_eq(cv_revoke_check(rv, chb, cvt_now, got_cb, &g, &c, &out),
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
	ck_assert_int_eq(cv_revoke_check(rv, chg, cvt_now, got_cb, &g, &c, &out),
	    0);
	ck_assert_int_eq(out.code, 0);
	ck_assert_int_eq(cv_revoke_check(rv, chb, cvt_now, got_cb, &g, &c, &out),
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
	struct cv_cert *alice = cvt_cert("alice"), *alice2 = cvt_cert("alice2"),
	    *ca2 = cvt_cert("ca2");
	struct cv_certs *ch1 = cvt_chain(alice), *ch2 = cvt_chain(alice2);
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
	struct cv_cert *ca = cvt_cert("ca"), *fake_ca;
	EVP_PKEY *k = cvt_key("rogue-ca");
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

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_engine_coalescing);
	tcase_add_test(tc, test_engine_revoked);
	tcase_add_test(tc, test_engine_failure_policy);
	tcase_add_test(tc, test_engine_ttl_refresh_cancel);
	tcase_add_test(tc, test_engine_cache_bound);
	tcase_add_test(tc, test_engine_crl_with_delta);
	tcase_add_test(tc, test_ntauth);
	tcase_add_test(tc, test_ntauth_same_name_other_key);
}

int
main(void)
{
	return cvt_main("cv_revoke", add_tests);
}
