/* check_cv_chain.c - trust store, path validation, key purposes, SANs. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cv_chain.h"
#include "cv_priv.h"
#include "pk_der.h"
#include "pki_fixture.h"

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

static struct cv_store *
store(int with_pool)
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
	return s;
}

START_TEST(test_chain_ok)
{
	struct cv_store *s = store(1);
	struct cv_cert *alice = cert("alice"), *ec = cert("alice-ec");
	struct cv_certs *chain = NULL;
	struct kerr e;

	ck_assert_uint_eq(cv_store_anchor_count(s), 1);
	ck_assert_uint_eq(cv_store_pool_count(s), 1);
	ck_assert_msg(cv_verify(s, alice, NULL, time(NULL), &chain, &e) == 0,
	    "%s", e.msg);
	ck_assert_uint_eq(cv_certs_count(chain), 3);
	ck_assert_ptr_nonnull(strstr(cv_cert_subject(cv_certs_get(chain, 2)),
	    "Root CA"));
	ck_assert_int_eq(cv_verify(s, ec, NULL, time(NULL), NULL, &e), 0);
	cv_certs_free(chain);
	cv_cert_free(alice);
	cv_cert_free(ec);
	cv_store_free(s);
}
END_TEST

START_TEST(test_intermediate_from_client)
{
	struct cv_store *s = store(0);
	struct cv_cert *alice = cert("alice"), *ca = cert("ca");
	struct cv_certs *sent = cv_certs_new();
	struct kerr e;

	/* Without the pool the issuing CA is missing... */
	ck_assert_int_eq(cv_verify(s, alice, NULL, time(NULL), NULL, &e),
	    KDC_ERR_CANT_VERIFY_CERTIFICATE);
	ck_assert_ptr_nonnull(strstr(e.msg, "certificate 'CN=alice,"));
	/* ...unless the client sends it in its SignedData. */
	ck_assert_int_eq(cv_certs_add(sent, ca), 0);
	ck_assert_int_eq(cv_verify(s, alice, sent, time(NULL), NULL, &e), 0);
	cv_certs_free(sent);
	cv_cert_free(alice);
	cv_cert_free(ca);
	cv_store_free(s);
}
END_TEST

/* An issuing CA alone as anchor: its certificates verify, others not. */
START_TEST(test_intermediate_anchor)
{
	struct cv_store *s = NULL;
	struct cv_cert *alice = cert("alice"), *rogue = cert("rogue");
	const char *anchors[1];
	char a[600];
	struct kerr e;

	snprintf(a, sizeof(a), "FILE:%s", pki_path("ca.crt"));
	anchors[0] = a;
	ck_assert_int_eq(cv_store_load(anchors, 1, NULL, 0, &s, &e), 0);
	ck_assert_msg(cv_verify(s, alice, NULL, time(NULL), NULL, &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(cv_verify(s, rogue, NULL, time(NULL), NULL, &e),
	    KDC_ERR_CANT_VERIFY_CERTIFICATE);
	cv_cert_free(alice);
	cv_cert_free(rogue);
	cv_store_free(s);
}
END_TEST

START_TEST(test_untrusted)
{
	struct cv_store *s = store(1);
	struct cv_cert *rogue = cert("rogue"), *rca = cert("rogue-ca");
	struct cv_certs *sent = cv_certs_new();
	struct kerr e;

	ck_assert_int_eq(cv_verify(s, rogue, NULL, time(NULL), NULL, &e),
	    KDC_ERR_CANT_VERIFY_CERTIFICATE);
	/* Sending its own root does not make it trusted. */
	ck_assert_int_eq(cv_certs_add(sent, rca), 0);
	ck_assert_int_eq(cv_verify(s, rogue, sent, time(NULL), NULL, &e),
	    KDC_ERR_CANT_VERIFY_CERTIFICATE);
	/* Nor does a self-signed leaf. */
	ck_assert_int_eq(cv_verify(s, rca, NULL, time(NULL), NULL, &e),
	    KDC_ERR_CANT_VERIFY_CERTIFICATE);
	cv_certs_free(sent);
	cv_cert_free(rogue);
	cv_cert_free(rca);
	cv_store_free(s);
}
END_TEST

START_TEST(test_validity)
{
	struct cv_store *s = store(1);
	struct cv_cert *alice = cert("alice");
	int64_t nb = cv_cert_not_before(alice), na = cv_cert_not_after(alice);
	struct kerr e;

	ck_assert_int_lt(nb, (int64_t)time(NULL) + 1);
	ck_assert_int_gt(na, (int64_t)time(NULL) + 86400 * 365);
	/* Expired: after notAfter. */
	ck_assert_int_eq(cv_verify(s, alice, NULL, na + 3600, NULL, &e),
	    KDC_ERR_INVALID_CERTIFICATE);
	ck_assert_ptr_nonnull(strstr(e.msg, "expired"));
	/* Not yet valid. */
	ck_assert_int_eq(cv_verify(s, alice, NULL, nb - 3600, NULL, &e),
	    KDC_ERR_INVALID_CERTIFICATE);
	cv_cert_free(alice);
	cv_store_free(s);
}
END_TEST

/* A certificate signed in the past and already expired, made here with
 * the OpenSSL API: notBefore = now - 2 days, notAfter = now - 1 day. */
static struct cv_cert *
make_expired(void)
{
	BIO *b;
	X509 *ca, *x, *alice;
	EVP_PKEY *cakey;
	struct cv_cert *c;

	b = BIO_new_file(pki_path("ca.crt"), "r");
	ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	b = BIO_new_file(pki_path("ca.key"), "r");
	cakey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	b = BIO_new_file(pki_path("alice.crt"), "r");
	alice = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ck_assert(ca != NULL && cakey != NULL && alice != NULL);
	x = X509_dup(alice);
	ck_assert(X509_gmtime_adj(X509_getm_notBefore(x), -2 * 86400) != NULL);
	ck_assert(X509_gmtime_adj(X509_getm_notAfter(x), -86400) != NULL);
	ck_assert_int_gt(X509_sign(x, cakey, EVP_sha256()), 0);
	c = cv_cert_wrap(x);
	X509_free(x);
	X509_free(alice);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	return c;
}

START_TEST(test_expired_cert)
{
	struct cv_store *s = store(1);
	struct cv_cert *old = make_expired();
	struct kerr e;

	ck_assert_int_eq(cv_verify(s, old, NULL, time(NULL), NULL, &e),
	    KDC_ERR_INVALID_CERTIFICATE);
	ck_assert_ptr_nonnull(strstr(e.msg, "expired"));
	cv_cert_free(old);
	cv_store_free(s);
}
END_TEST

START_TEST(test_bad_signature)
{
	struct cv_store *s = store(1);
	struct cv_cert *alice = cert("alice"), *bad = NULL;
	uint8_t *der;
	const uint8_t *orig;
	size_t len;
	struct kerr e;

	orig = cv_cert_der(alice, &len);
	der = malloc(len);
	memcpy(der, orig, len);
	der[len - 5] ^= 0x10;           /* inside the signature value */
	ck_assert_int_eq(cv_cert_from_der(der, len, &bad, &e), 0);
	ck_assert_int_eq(cv_verify(s, bad, NULL, time(NULL), NULL, &e),
	    KDC_ERR_INVALID_CERTIFICATE);
	ck_assert_ptr_nonnull(strstr(e.msg, "signature"));
	/* Trailing garbage and empty input are refused at parse time. */
	ck_assert_int_eq(cv_cert_from_der(der, len - 1, &bad, &e) != 0, 1);
	free(der);
	cv_cert_free(bad);
	cv_cert_free(alice);
	cv_store_free(s);
}
END_TEST

START_TEST(test_key_purpose)
{
	static const struct {
		const char *name;
		kerr_t want;
		const char *msg;
	} v[] = {
		{ "alice", 0, NULL },
		{ "alice-ec", 0, NULL },
		{ "bob", 0, NULL },
		{ "server", KDC_ERR_INCONSISTENT_KEY_PURPOSE,
		    "certificate 'CN=server.example.test,OU=Servers,DC=example,"
		    "DC=test': EKU lacks Smart Card Logon and "
		    "id-pkinit-KPClientAuth" },
		{ "kuenc", KDC_ERR_INCONSISTENT_KEY_PURPOSE,
		    "keyUsage lacks digitalSignature" },
		/* A CA certificate has no EKU at all. */
		{ "ca", KDC_ERR_INCONSISTENT_KEY_PURPOSE, "keyUsage" },
		{ "kdc", KDC_ERR_INCONSISTENT_KEY_PURPOSE, "EKU lacks" },
	};
	struct cv_cert *c;
	struct kerr e;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		c = cert(v[i].name);
		kerr_clear(&e);
		ck_assert_msg(cv_check_client_usage(c, &e) == v[i].want,
		    "%s: %s", v[i].name, e.msg);
		if (v[i].msg != NULL)
			ck_assert_msg(strstr(e.msg, v[i].msg) != NULL,
			    "%s: %s", v[i].name, e.msg);
		cv_cert_free(c);
	}
}
END_TEST

START_TEST(test_dir_anchors)
{
	struct cv_store *s = NULL;
	struct cv_cert *alice = cert("alice"), *root = cert("root");
	const char *anchors[1], *pool[1];
	char dirspec[600], poolspec[600], d[512];
	const uint8_t *der;
	size_t len;
	struct kerr e;

	/* One DER root with a .cer name, one PEM intermediate, one file that
	 * is ignored for its name and one unreadable .pem. */
	snprintf(d, sizeof(d), "%s", pki_path("anchors.d"));
	ck_assert_int_eq(mkdir(d, 0700), 0);
	der = cv_cert_der(root, &len);
	pki_write(pki_path("anchors.d/root.cer"), der, len);
	pki_write(pki_path("anchors.d/README"), "not a cert", 10);
	pki_write(pki_path("anchors.d/junk.pem"), "junk", 4);
	snprintf(dirspec, sizeof(dirspec), "DIR:%s", d);
	snprintf(poolspec, sizeof(poolspec), "%s", pki_path("pool.pem"));
	anchors[0] = dirspec;
	pool[0] = poolspec;            /* bare path = FILE: */
	ck_assert_msg(cv_store_load(anchors, 1, pool, 1, &s, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(cv_store_anchor_count(s), 1);
	ck_assert_int_eq(cv_verify(s, alice, NULL, time(NULL), NULL, &e), 0);
	cv_store_free(s);
	s = NULL;

	/* An anchor directory without certificates is an error. */
	snprintf(d, sizeof(d), "%s", pki_path("empty.d"));
	ck_assert_int_eq(mkdir(d, 0700), 0);
	snprintf(dirspec, sizeof(dirspec), "DIR:%s", d);
	ck_assert_int_ne(cv_store_load(anchors, 1, NULL, 0, &s, &e), 0);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(e.msg, "pkinit_anchors"));
	/* So is a missing file. */
	anchors[0] = "FILE:/nonexistent/anchors.pem";
	ck_assert_int_ne(cv_store_load(anchors, 1, NULL, 0, &s, &e), 0);
	cv_cert_free(alice);
	cv_cert_free(root);
}
END_TEST

START_TEST(test_sans)
{
	struct cv_cert *alice = cert("alice"), *kdc = cert("kdc");
	struct cv_cert *bob = cert("bob"), *carol = cert("carol");
	struct cv_blobs *b = NULL;
	const char *comps[] = { "krbtgt", "EXAMPLE.TEST" };
	uint8_t *want;
	size_t want_len;
	struct kerr e;

	ck_assert_int_eq(cv_cert_sans(alice, CV_SAN_UPN, &b, &e), 0);
	ck_assert_uint_eq(b->n, 1);
	ck_assert_str_eq((char *)b->v[0].data, "alice@example.test");
	ck_assert_uint_eq(b->v[0].len, strlen("alice@example.test"));
	cv_blobs_free(b);
	ck_assert_int_eq(cv_cert_sans(alice, CV_SAN_EMAIL, &b, &e), 0);
	ck_assert_uint_eq(b->n, 1);
	ck_assert_str_eq((char *)b->v[0].data, "alice@example.test");
	cv_blobs_free(b);
	ck_assert_int_eq(cv_cert_sans(alice, CV_SAN_PKINIT, &b, &e), 0);
	ck_assert_uint_eq(b->n, 0);
	cv_blobs_free(b);

	ck_assert_int_eq(cv_cert_sans(bob, CV_SAN_UPN, &b, &e), 0);
	ck_assert_uint_eq(b->n, 0);
	cv_blobs_free(b);
	ck_assert_int_eq(cv_cert_sans(carol, CV_SAN_UPN, &b, &e), 0);
	ck_assert_str_eq((char *)b->v[0].data, "dave@example.test");
	cv_blobs_free(b);

	/* The KDC's id-pkinit-san is the DER KRB5PrincipalName. */
	ck_assert_int_eq(pk_der_krb5_principal("EXAMPLE.TEST", 2, comps, 2,
	    &want, &want_len), 0);
	ck_assert_int_eq(cv_cert_sans(kdc, CV_SAN_PKINIT, &b, &e), 0);
	ck_assert_uint_eq(b->n, 1);
	ck_assert_uint_eq(b->v[0].len, want_len);
	ck_assert_mem_eq(b->v[0].data, want, want_len);
	cv_blobs_free(b);
	free(want);
	ck_assert_int_eq(cv_cert_sans(kdc, CV_SAN_DNS, &b, &e), 0);
	ck_assert_uint_eq(b->n, 2);
	ck_assert_str_eq((char *)b->v[0].data, "kdc.example.test");
	ck_assert_str_eq((char *)b->v[1].data, "localhost");
	cv_blobs_free(b);

	cv_cert_free(alice);
	cv_cert_free(kdc);
	cv_cert_free(bob);
	cv_cert_free(carol);
}
END_TEST

START_TEST(test_accessors)
{
	struct cv_cert *alice = cert("alice"), *again;
	const uint8_t *der, *ski, *spki;
	uint8_t md[20];
	unsigned int mdlen;
	char hex[41];
	size_t len, ski_len, spki_len, i;
	X509_PUBKEY *pk;
	const unsigned char *p;
	struct kerr e;

	ck_assert_str_eq(cv_cert_subject(alice),
	    "CN=alice,OU=Users,DC=example,DC=test");
	ck_assert_str_eq(cv_cert_issuer(alice),
	    "CN=PKINIT Test Issuing CA,O=PKINIT Test,DC=example,DC=test");
	/* pki.sh makes 8-octet serials starting with 0x7. */
	ck_assert_uint_eq(strlen(cv_cert_serial_hex(alice)), 16);
	ck_assert_int_eq(cv_cert_serial_hex(alice)[0], '7');

	der = cv_cert_der(alice, &len);
	ck_assert(EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL));
	for (i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	ck_assert_str_eq(cv_cert_sha1_hex(alice), hex);

	ski = cv_cert_ski(alice, &ski_len);
	ck_assert_ptr_nonnull(ski);
	ck_assert_uint_eq(ski_len, 20);
	spki = cv_cert_spki(alice, &spki_len);
	p = spki;
	pk = d2i_X509_PUBKEY(NULL, &p, (long)spki_len);
	ck_assert_ptr_nonnull(pk);
	X509_PUBKEY_free(pk);

	/* Round trip through DER and references. */
	ck_assert_int_eq(cv_cert_from_der(der, len, &again, &e), 0);
	ck_assert_str_eq(cv_cert_sha1_hex(again), hex);
	ck_assert_ptr_eq(cv_cert_ref(again), again);
	cv_cert_free(again);
	ck_assert_str_eq(cv_cert_subject(again), cv_cert_subject(alice));
	cv_cert_free(again);
	cv_cert_free(alice);
	cv_cert_free(NULL);
	cv_certs_free(NULL);
	cv_store_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cv_chain");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	pki_setup();
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_chain_ok);
	tcase_add_test(tc, test_intermediate_from_client);
	tcase_add_test(tc, test_intermediate_anchor);
	tcase_add_test(tc, test_untrusted);
	tcase_add_test(tc, test_validity);
	tcase_add_test(tc, test_expired_cert);
	tcase_add_test(tc, test_bad_signature);
	tcase_add_test(tc, test_key_purpose);
	tcase_add_test(tc, test_dir_anchors);
	tcase_add_test(tc, test_sans);
	tcase_add_test(tc, test_accessors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pki_teardown();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
