/* check_cv_vcache.c - the verified-path cache of a trust store and the
 * verification memo of a CRL. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cv_chain.h"
#include "cv_priv.h"
#include "cv_revdata.h"
#include "cv_test_pki.h"
#include "cv_vcache.h"
#include "metrics.h"
#include "pki_fixture.h"

#define YEAR INT64_C(31536000)

/* anchors.pem (the root), with pool.pem (the issuing CA) if with_pool,
 * and a chain cache of max entries living ttl seconds unless ttl is 0. */
static struct cv_store *
store(int with_pool, int64_t ttl, size_t max)
{
	struct cv_store *s = NULL;
	const char *anchors[1], *pool[1];
	char a[600], p[600];
	struct kerr e;

	snprintf(a, sizeof(a), "FILE:%s", pki_path("anchors.pem"));
	snprintf(p, sizeof(p), "FILE:%s", pki_path("pool.pem"));
	anchors[0] = a;
	pool[0] = p;
	ck_assert_msg(cv_store_load(anchors, 1, pool, with_pool ? 1 : 0, &s,
	    &e) == 0, "%s", e.msg);
	ck_assert_int_eq(cv_store_chain_cache(s, ttl, max, &e), 0);
	return s;
}

static struct cv_vcache_stats
stats(const struct cv_store *s)
{
	struct cv_vcache_stats st;

	cv_store_chain_cache_stats(s, &st);
	return st;
}

/* A copy of alice's certificate with another serial number, issued by
 * the issuing CA: a distinct leaf with the same path. */
static struct cv_cert *
alice_twin(long serial, EVP_PKEY *cakey)
{
	struct cv_cert *alice = cvt_cert("alice"), *c;
	X509 *x;

	x = X509_dup(cv_cert_x509(alice));
	ck_assert_ptr_nonnull(x);
	ck_assert(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
	ck_assert_int_gt(X509_sign(x, cakey, EVP_sha256()), 0);
	c = cv_cert_wrap(x);
	ck_assert_ptr_nonnull(c);
	X509_free(x);
	cv_cert_free(alice);
	return c;
}

/* ---- the path cache ---- */

START_TEST(test_hit_same_chain)
{
	struct cv_store *s = store(1, 300, 1024);
	struct cv_cert *alice = cvt_cert("alice");
	struct cv_certs *c1 = NULL, *c2 = NULL;
	struct kerr e;
	size_t i;

	metrics_reset();
	ck_assert_msg(cv_verify(s, alice, NULL, cvt_now, &c1, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(stats(s).misses, 1);
	ck_assert_uint_eq(stats(s).stores, 1);
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now + 1, &c2, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 1);
	ck_assert_uint_eq(stats(s).entries, 1);
	/* The same path, down to the certificate objects, in a list of the
	 * caller's own. */
	ck_assert_ptr_ne(c1, c2);
	ck_assert_uint_eq(cv_certs_count(c2), 3);
	ck_assert_uint_eq(cv_certs_count(c1), cv_certs_count(c2));
	for (i = 0; i < cv_certs_count(c1); i++)
		ck_assert_ptr_eq(cv_certs_get(c1, i), cv_certs_get(c2, i));
	/* The path reuses the caller's leaf and the store's certificates. */
	ck_assert_ptr_eq(cv_certs_get(c2, 0), alice);
	ck_assert_ptr_nonnull(strstr(cv_cert_subject(cv_certs_get(c2, 2)),
	    "Root CA"));
	/* A hit with no chain wanted is still a hit. */
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 2);
	ck_assert_int_eq(metrics_value("cert_chain_cache_hits_total"), 2);
	ck_assert_int_eq(metrics_value("cert_chain_cache_misses_total"), 1);
	cv_certs_free(c1);
	cv_certs_free(c2);
	cv_cert_free(alice);
	cv_store_free(s);
}
END_TEST

/* A chain handed out stays whole after its entry is gone (a request
 * parked on a revocation fetch while the cache moves on). */
START_TEST(test_chain_outlives_entry)
{
	struct cv_store *s = store(1, 300, 1024);
	struct cv_cert *alice = cvt_cert("alice");
	struct cv_certs *c1 = NULL, *c2 = NULL;
	struct kerr e;

	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now, &c1, &e), 0);
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now, &c2, &e), 0);
	cv_cert_free(alice);
	cv_store_free(s);
	ck_assert_uint_eq(cv_certs_count(c2), 3);
	ck_assert_ptr_nonnull(strstr(cv_cert_subject(cv_certs_get(c2, 0)),
	    "CN=alice"));
	ck_assert_ptr_nonnull(strstr(cv_cert_subject(cv_certs_get(c2, 2)),
	    "Root CA"));
	cv_certs_free(c1);
	cv_certs_free(c2);
}
END_TEST

START_TEST(test_untrusted_is_key)
{
	struct cv_store *s = store(0, 300, 1024);
	struct cv_cert *alice = cvt_cert("alice"), *ca = cvt_cert("ca"),
	    *root = cvt_cert("root");
	struct cv_certs *sent = cv_certs_new(), *other = cv_certs_new();
	struct cv_vcache *vc = cv_vcache_new(16, 300);
	uint8_t k1[CV_VCACHE_KEY_LEN], k2[CV_VCACHE_KEY_LEN],
	    k3[CV_VCACHE_KEY_LEN];
	struct kerr e;

	ck_assert_int_eq(cv_certs_add(sent, ca), 0);
	ck_assert_int_eq(cv_certs_add(sent, root), 0);
	ck_assert_int_eq(cv_certs_add(other, root), 0);
	ck_assert_int_eq(cv_certs_add(other, ca), 0);
	/* The order sent is part of the key, and so is sending nothing. */
	ck_assert_int_eq(cv_vcache_key(vc, alice, sent, k1), 0);
	ck_assert_int_eq(cv_vcache_key(vc, alice, other, k2), 0);
	ck_assert_int_eq(cv_vcache_key(vc, alice, NULL, k3), 0);
	ck_assert(memcmp(k1, k2, sizeof(k1)) != 0);
	ck_assert(memcmp(k1, k3, sizeof(k1)) != 0);
	ck_assert_int_eq(cv_vcache_key(vc, alice, sent, k2), 0);
	ck_assert(memcmp(k1, k2, sizeof(k1)) == 0);

	/* No pool: the path needs the CA the client sent. */
	ck_assert_msg(cv_verify(s, alice, sent, cvt_now, NULL, &e) == 0, "%s",
	    e.msg);
	ck_assert_int_eq(cv_verify(s, alice, sent, cvt_now, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 1);
	/* The same leaf sent alone is another question: no path. */
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now, NULL, &e),
	    KDC_ERR_CANT_VERIFY_CERTIFICATE);
	ck_assert_ptr_nonnull(strstr(e.msg, "certificate 'CN=alice,"));
	ck_assert_uint_eq(stats(s).hits, 1);
	/* Another order verifies in full and gets its own entry. */
	ck_assert_int_eq(cv_verify(s, alice, other, cvt_now, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 1);
	ck_assert_uint_eq(stats(s).stores, 2);
	cv_vcache_free(vc);
	cv_certs_free(sent);
	cv_certs_free(other);
	cv_cert_free(alice);
	cv_cert_free(ca);
	cv_cert_free(root);
	cv_store_free(s);
}
END_TEST

/* Past the earliest notAfter of the path the entry does not answer: the
 * full check runs and says precisely what is wrong. */
START_TEST(test_window)
{
	struct cv_store *s = store(1, 200 * YEAR, 1024);
	struct cv_cert *alice = cvt_cert("alice");
	struct cv_certs *c = NULL;
	int64_t nb = INT64_MIN, na = INT64_MAX;
	struct kerr e;
	size_t i;

	/* The window of the path: latest notBefore, earliest notAfter. */
	c = cvt_chain(alice);
	for (i = 0; i < cv_certs_count(c); i++) {
		if (cv_cert_not_before(cv_certs_get(c, i)) > nb)
			nb = cv_cert_not_before(cv_certs_get(c, i));
		if (cv_cert_not_after(cv_certs_get(c, i)) < na)
			na = cv_cert_not_after(cv_certs_get(c, i));
	}
	cv_certs_free(c);
	ck_assert_int_eq(cv_verify(s, alice, NULL, na - 10, NULL, &e), 0);
	ck_assert_int_eq(cv_verify(s, alice, NULL, na, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 1);
	ck_assert_int_eq(cv_verify(s, alice, NULL, na + 1, NULL, &e),
	    KDC_ERR_INVALID_CERTIFICATE);
	ck_assert_ptr_nonnull(strstr(e.msg, "expired"));
	ck_assert_ptr_nonnull(strstr(e.msg, "certificate 'CN=alice,"));
	ck_assert_uint_eq(stats(s).hits, 1);
	ck_assert_uint_eq(stats(s).misses, 2);
	ck_assert_uint_eq(stats(s).entries, 0);
	/* Failures are not kept. */
	ck_assert_int_eq(cv_verify(s, alice, NULL, na + 1, NULL, &e),
	    KDC_ERR_INVALID_CERTIFICATE);
	ck_assert_uint_eq(stats(s).stores, 1);
	/* Before notBefore: the full check again. */
	ck_assert_int_eq(cv_verify(s, alice, NULL, nb, NULL, &e), 0);
	ck_assert_int_eq(cv_verify(s, alice, NULL, nb - 1, NULL, &e),
	    KDC_ERR_INVALID_CERTIFICATE);
	ck_assert_ptr_nonnull(strstr(e.msg, "not yet valid"));
	cv_cert_free(alice);
	cv_store_free(s);
}
END_TEST

START_TEST(test_ttl)
{
	struct cv_store *s = store(1, 60, 1024);
	struct cv_cert *alice = cvt_cert("alice");
	struct kerr e;

	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now, NULL, &e), 0);
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now + 59, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 1);
	/* 60 s old: verified again and stored afresh. */
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now + 60, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 1);
	ck_assert_uint_eq(stats(s).stores, 2);
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now + 119, NULL, &e),
	    0);
	ck_assert_uint_eq(stats(s).hits, 2);
	/* A request older than the entry takes the long way, leaving the
	 * newer entry in place. */
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now + 30, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 2);
	ck_assert_uint_eq(stats(s).stores, 2);
	ck_assert_uint_eq(stats(s).entries, 1);
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now + 61, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 3);
	cv_cert_free(alice);
	cv_store_free(s);
}
END_TEST

START_TEST(test_bounded)
{
	struct cv_store *s = store(1, 300, 8);
	EVP_PKEY *cakey = cvt_key("ca");
	struct cv_cert *leaf[40];
	struct cv_vcache_stats st;
	struct kerr e;
	size_t i;

	for (i = 0; i < 40; i++) {
		leaf[i] = alice_twin(0x7000 + (long)i, cakey);
		ck_assert_msg(cv_verify(s, leaf[i], NULL, cvt_now, NULL,
		    &e) == 0, "%s", e.msg);
	}
	st = stats(s);
	ck_assert_uint_eq(st.capacity, 8);
	ck_assert_uint_eq(st.stores, 40);
	ck_assert_uint_le(st.entries, 8);
	ck_assert_uint_eq(st.evictions, 40 - st.entries);
	/* The newest is still there; the oldest was pushed out. */
	ck_assert_int_eq(cv_verify(s, leaf[39], NULL, cvt_now, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 1);
	ck_assert_int_eq(cv_verify(s, leaf[0], NULL, cvt_now, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).hits, 1);
	ck_assert_uint_le(stats(s).entries, 8);
	for (i = 0; i < 40; i++)
		cv_cert_free(leaf[i]);
	EVP_PKEY_free(cakey);
	cv_store_free(s);
}
END_TEST

START_TEST(test_disabled)
{
	struct cv_store *s = store(1, 0, 1024);
	struct cv_cert *alice = cvt_cert("alice");
	struct cv_certs *c1 = NULL, *c2 = NULL;
	struct kerr e;

	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now, &c1, &e), 0);
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now, &c2, &e), 0);
	ck_assert_uint_eq(stats(s).hits + stats(s).misses + stats(s).stores,
	    0);
	ck_assert_uint_eq(stats(s).capacity, 0);
	ck_assert_uint_eq(cv_certs_count(c2), 3);
	/* Switched on, then off again (0 removes the cache). */
	ck_assert_int_eq(cv_store_chain_cache(s, 300, 16, &e), 0);
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).stores, 1);
	ck_assert_int_eq(cv_store_chain_cache(s, 0, 16, &e), 0);
	ck_assert_int_eq(cv_verify(s, alice, NULL, cvt_now, NULL, &e), 0);
	ck_assert_uint_eq(stats(s).stores, 0);
	ck_assert_ptr_null(cv_vcache_new(16, 0));
	cv_certs_free(c1);
	cv_certs_free(c2);
	cv_cert_free(alice);
	cv_store_free(s);
}
END_TEST

START_TEST(test_failure_not_cached)
{
	struct cv_store *s = store(1, 300, 1024);
	struct cv_cert *rogue = cvt_cert("rogue"), *rca = cvt_cert("rogue-ca");
	struct cv_certs *sent = cv_certs_new();
	struct kerr e;
	int i;

	ck_assert_int_eq(cv_certs_add(sent, rca), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(cv_verify(s, rogue, sent, cvt_now, NULL, &e),
		    KDC_ERR_CANT_VERIFY_CERTIFICATE);
		ck_assert_ptr_nonnull(strstr(e.msg, "certificate '"));
	}
	ck_assert_uint_eq(stats(s).misses, 2);
	ck_assert_uint_eq(stats(s).stores, 0);
	cv_certs_free(sent);
	cv_cert_free(rogue);
	cv_cert_free(rca);
	cv_store_free(s);
}
END_TEST

/* ---- CRL verification memo ---- */

/* ca's certificate with the same name but another key (alice's),
 * issued by the root: it must not inherit ca's verified CRL. */
static struct cv_cert *
ca_impostor(void)
{
	struct cv_cert *ca = cvt_cert("ca"), *c;
	EVP_PKEY *rootkey = cvt_key("root"), *k = cvt_key("alice");
	X509 *x;

	x = X509_dup(cv_cert_x509(ca));
	ck_assert_ptr_nonnull(x);
	ck_assert(X509_set_pubkey(x, k));
	ck_assert_int_gt(X509_sign(x, rootkey, EVP_sha256()), 0);
	c = cv_cert_wrap(x);
	ck_assert_ptr_nonnull(c);
	X509_free(x);
	EVP_PKEY_free(rootkey);
	EVP_PKEY_free(k);
	cv_cert_free(ca);
	return c;
}

START_TEST(test_crl_memo)
{
	struct cv_crl *c = cvt_crl("ca.crl");
	struct cv_cert *ca = cvt_cert("ca"), *fake = ca_impostor(),
	    *ca2 = cvt_cert("ca2");
	int64_t nu = cv_crl_next_update(c);
	struct kerr e;

	ck_assert_msg(cv_crl_verify(c, ca, cvt_now, 300, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(cv_crl_verify(c, ca, cvt_now, 300, &e), 0);
	/* Remembered for ca's certificate only: same name, other key. */
	ck_assert_int_eq(cv_crl_verify(c, fake, cvt_now, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "does not verify"));
	ck_assert_int_eq(cv_crl_verify(c, ca2, cvt_now, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "is not from"));
	/* The time is checked on every use. */
	ck_assert_int_eq(cv_crl_verify(c, ca, cvt_now, 300, &e), 0);
	ck_assert_int_eq(cv_crl_verify(c, ca, nu + 1, 300, &e),
	    KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "expired"));
	ck_assert_int_eq(cv_crl_verify(c, ca, cv_crl_this_update(c) - 400, 300,
	    &e), KDC_ERR_REVOCATION_STATUS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(e.msg, "not yet valid"));
	cv_crl_free(c);
	cv_cert_free(ca);
	cv_cert_free(ca2);
	cv_cert_free(fake);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_hit_same_chain);
	tcase_add_test(tc, test_chain_outlives_entry);
	tcase_add_test(tc, test_untrusted_is_key);
	tcase_add_test(tc, test_window);
	tcase_add_test(tc, test_ttl);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_disabled);
	tcase_add_test(tc, test_failure_not_cached);
	tcase_add_test(tc, test_crl_memo);
}

int
main(void)
{
	return cvt_main("cv_vcache", add_tests);
}
