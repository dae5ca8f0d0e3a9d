/*
 * check_pk_req.c - verifying PA-PK-AS-REQ (RFC 4556 section 3.2.1): real
 * MIT kinit requests, and AuthPacks signed here with the fixture's user
 * keys exactly as a client would, varied one field at a time.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "cv_cert.h"
#include "pk_client.h"
#include "pk_dh.h"
#include "pk_req.h"
#include "pki_fixture.h"

#define SKEW 300
#define NOW 1795392000          /* 2026-11-23T00:00:00Z */
#define NONCE 0x5a17c0deu
#define OID_SHA1   "1.3.14.3.2.26"
#define OID_SHA256 "2.16.840.1.101.3.4.2.1"

static struct pkc_capture cap;  /* carrier for the built requests */

static const char *const mit_kdfs[] = { PKC_KDF_SHA256, PKC_KDF_SHA1,
	PKC_KDF_SHA512 };

/* A well-formed request: RSA-signed, MODP-2048 key, kdfs as MIT sends. */
static EVP_PKEY *dh_key;
static uint8_t *dh_spki;
static size_t dh_spki_len;

static struct pkc_opts
good_opts(void)
{
	struct pkc_opts o;

	memset(&o, 0, sizeof(o));
	o.signer = "alice";
	o.ctime = NOW;
	o.cusec = 123456;
	o.nonce = NONCE;
	o.checksum = PKC_CK_OK;
	o.spki = dh_spki;
	o.spki_len = dh_spki_len;
	o.kdfs = mit_kdfs;
	o.n_kdfs = 3;
	return o;
}

static struct pk_req_params
params(const uint8_t *body, size_t body_len, uint32_t nonce, int64_t now)
{
	struct pk_req_params p;

	memset(&p, 0, sizeof(p));
	p.req_body = body;
	p.req_body_len = body_len;
	p.nonce = nonce;
	p.now = now;
	p.clockskew = SKEW;
	p.allow_sha1 = 0;
	return p;
}

/* Build the request o and parse it against cap's body at NOW. */
static kerr_t
parse_built(const struct pkc_opts *o, struct pk_req **r, struct kerr *e)
{
	struct pk_req_params p = params(cap.body, cap.body_len, NONCE, NOW);
	uint8_t *pa;
	size_t len;
	kerr_t ret;

	pa = pkc_request(o, cap.body, cap.body_len, &len);
	*r = NULL;
	kerr_clear(e);
	ret = pk_req_parse(pa, len, &p, r, e);
	free(pa);
	return ret;
}

static void
expect_code(const struct pkc_opts *o, kerr_t want)
{
	struct pk_req *r = NULL;
	struct kerr e;
	kerr_t ret;

	ret = parse_built(o, &r, &e);
	ck_assert_msg(ret == want, "got %d (%s), want %d", (int)ret, e.msg,
	    (int)want);
	ck_assert_int_eq(e.code, want);
	/* Every failure after the signature check still hands out the
	 * request, so that the refusal can name the certificate. */
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(r->signer);
	pk_req_free(r);
}

/* ---- Real requests from MIT kinit 1.20 ----------------------------- */

static const char *const captures[] = {
	TEST_DATA "/asreq-kinit-pkinit.der",
	TEST_DATA "/pki/mit-1.20/as-req.der",
};

START_TEST(test_mit_capture)
{
	struct pkc_capture c;
	struct pk_req_params p;
	struct pk_req *r = NULL;
	struct kerr e;
	int has_fresh;

	pkc_capture_load(captures[_i], &c);
	has_fresh = c.auth_pack->pk_authenticator->freshness_token != NULL;
	p = params(c.body, c.body_len, c.nonce, c.ctime);
	ck_assert_msg(pk_req_parse(c.pa, c.pa_len, &p, &r, &e) == 0, "%s: %s",
	    captures[_i], e.msg);
	ck_assert_ptr_nonnull(r->signer);
	ck_assert_ptr_nonnull(strstr(cv_cert_subject(r->signer), "CN=alice"));
	ck_assert_str_eq(r->cms_digest, "SHA256");
	ck_assert(r->ctime == c.ctime);
	ck_assert_uint_eq(r->nonce, c.nonce);
	ck_assert_ptr_nonnull(r->client_spki);
	ck_assert_int_eq(pk_dh_identify(r->client_spki, r->client_spki_len),
	    PK_GROUP_MODP14);
	ck_assert_ptr_null(r->client_dh_nonce);
	ck_assert_ptr_null(r->checksum2_alg);
	if (has_fresh) {
		ck_assert_ptr_nonnull(r->freshness);
		ck_assert_uint_eq(r->freshness_len, (size_t)c.auth_pack->
		    pk_authenticator->freshness_token->length);
		ck_assert_mem_eq(r->freshness, c.auth_pack->pk_authenticator->
		    freshness_token->data, r->freshness_len);
	} else {
		ck_assert_ptr_null(r->freshness);
	}
	/* MIT offers sha256, sha1, sha512 (RFC 8636); we take sha256. */
	ck_assert_uint_eq(r->n_kdfs, 3);
	ck_assert_int_eq(r->kdfs[0], PK_KDF_AH_SHA256);
	ck_assert_int_eq(r->kdfs[1], PK_KDF_AH_SHA1);
	ck_assert_int_eq(r->kdfs[2], PK_KDF_AH_SHA512);
	ck_assert_int_eq(pk_req_choose_kdf(r), PK_KDF_AH_SHA256);
	pk_req_free(r);
	r = NULL;

	/* The same request an hour later is stale. */
	p.now = c.ctime + 3600;
	ck_assert_int_eq(pk_req_parse(c.pa, c.pa_len, &p, &r, &e),
	    KRB_AP_ERR_SKEW);
	pk_req_free(r);
	r = NULL;
	/* And it does not fit another request body. */
	p.now = c.ctime;
	p.req_body_len--;
	ck_assert_int_ne(pk_req_parse(c.pa, c.pa_len, &p, &r, &e), 0);
	pk_req_free(r);
	pkc_capture_free(&c);
}
END_TEST

/* ---- Requests built here ------------------------------------------- */

START_TEST(test_good_request)
{
	struct pkc_opts o = good_opts();
	struct pk_req *r = NULL;
	struct kerr e;

	o.freshness = "fresh-token";
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(r->signer);
	ck_assert_ptr_nonnull(r->others);
	ck_assert_uint_eq(cv_certs_count(r->others), 1);    /* the issuing CA */
	ck_assert(r->ctime == NOW);
	ck_assert_int_eq(r->cusec, 123456);
	ck_assert_uint_eq(r->nonce, NONCE);
	ck_assert_uint_eq(r->client_spki_len, dh_spki_len);
	ck_assert_mem_eq(r->client_spki, dh_spki, dh_spki_len);
	ck_assert_uint_eq(r->freshness_len, 11);
	ck_assert_mem_eq(r->freshness, "fresh-token", 11);
	ck_assert_int_eq(pk_req_choose_kdf(r), PK_KDF_AH_SHA256);
	pk_req_free(r);

	/* An ECDSA-signed request works alike. */
	o.signer = "alice-ec";
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(strstr(cv_cert_subject(r->signer), "CN=alice"));
	pk_req_free(r);
}
END_TEST

START_TEST(test_pa_checksum)
{
	struct pkc_opts o = good_opts();

	/* RFC 4556 section 3.2.1: paChecksum MUST be present. */
	o.checksum = PKC_CK_NONE;
	expect_code(&o, KDC_ERR_PA_CHECKSUM_MUST_BE_INCLUDED);
	/* A body other than the one signed: modified in transit. */
	o.checksum = PKC_CK_WRONG;
	expect_code(&o, KRB_AP_ERR_MODIFIED);
}
END_TEST

START_TEST(test_nonce_mismatch)
{
	struct pkc_opts o = good_opts();

	o.nonce = NONCE + 1;
	expect_code(&o, KDC_ERR_PREAUTH_FAILED);
	o.nonce = 0;
	expect_code(&o, KDC_ERR_PREAUTH_FAILED);
}
END_TEST

/* Callers that do not want a message pass no struct kerr. */
START_TEST(test_no_error_struct)
{
	struct pkc_opts o = good_opts();
	struct pk_req_params p = params(cap.body, cap.body_len, NONCE, NOW);
	struct pk_req *r = NULL;
	uint8_t *pa;
	size_t len;

	ck_assert_int_eq(pk_req_parse((const uint8_t *)"\x30\x00", 2, &p, &r,
	    NULL), KDC_ERR_PREAUTH_FAILED);
	ck_assert_ptr_null(r);
	o.nonce = NONCE ^ 0x80000000u;
	pa = pkc_request(&o, cap.body, cap.body_len, &len);
	ck_assert_int_eq(pk_req_parse(pa, len, &p, &r, NULL),
	    KDC_ERR_PREAUTH_FAILED);
	pk_req_free(r);
	r = NULL;
	free(pa);
	o.nonce = NONCE;
	pa = pkc_request(&o, cap.body, cap.body_len, &len);
	ck_assert_int_eq(pk_req_parse(pa, len, &p, &r, NULL), 0);
	pk_req_free(r);
	free(pa);
}
END_TEST

START_TEST(test_skew)
{
	struct pkc_opts o = good_opts();
	struct pk_req *r = NULL;
	struct kerr e;

	o.ctime = NOW + SKEW + 1;
	expect_code(&o, KRB_AP_ERR_SKEW);
	o.ctime = NOW - SKEW - 1;
	expect_code(&o, KRB_AP_ERR_SKEW);
	o.ctime = NOW + 86400 * 365;
	expect_code(&o, KRB_AP_ERR_SKEW);
	/* Within the window, both ways, is fine. */
	o.ctime = NOW + SKEW;
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	pk_req_free(r);
	o.ctime = NOW - SKEW;
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	pk_req_free(r);
}
END_TEST

START_TEST(test_pa_checksum2)
{
	struct pkc_opts o = good_opts();
	struct pk_req *r = NULL;
	struct kerr e;

	/* MS-PKCA 2.2.3: SHA-256 paChecksum2 alongside paChecksum. */
	o.checksum2_oid = OID_SHA256;
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(r->checksum2_alg);
	ck_assert_str_eq(r->checksum2_alg, "SHA256");
	pk_req_free(r);

	o.checksum2 = PKC_CK_WRONG;
	expect_code(&o, KRB_AP_ERR_MODIFIED);

	/* SHA-1 there is refused unless SHA-1 is allowed. */
	o.checksum2_oid = OID_SHA1;
	o.checksum2 = PKC_CK_OK;
	expect_code(&o, KDC_ERR_SUMTYPE_NOSUPP);
}
END_TEST

START_TEST(test_pa_checksum2_sha1_allowed)
{
	struct pkc_opts o = good_opts();
	struct pk_req_params p = params(cap.body, cap.body_len, NONCE, NOW);
	struct pk_req *r = NULL;
	uint8_t *pa;
	size_t len;
	struct kerr e;

	o.checksum2_oid = OID_SHA1;
	pa = pkc_request(&o, cap.body, cap.body_len, &len);
	p.allow_sha1 = 1;
	ck_assert_msg(pk_req_parse(pa, len, &p, &r, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(r->checksum2_alg, "SHA1");
	pk_req_free(r);
	free(pa);
}
END_TEST

START_TEST(test_dh_nonce)
{
	struct pkc_opts o = good_opts();
	struct pk_req *r = NULL;
	uint8_t nonce[32];
	struct kerr e;

	/* RFC 4556 section 3.2.3.1 nonces: the KDF of RFC 8636 has no room
	 * for them, so the reply stays on octetstring2key. */
	ck_assert_int_eq(RAND_bytes(nonce, sizeof(nonce)), 1);
	o.dh_nonce = nonce;
	o.dh_nonce_len = sizeof(nonce);
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(r->client_dh_nonce_len, sizeof(nonce));
	ck_assert_mem_eq(r->client_dh_nonce, nonce, sizeof(nonce));
	ck_assert_uint_eq(r->n_kdfs, 3);
	ck_assert_int_eq(pk_req_choose_kdf(r), PK_KDF_NONE);
	pk_req_free(r);
}
END_TEST

START_TEST(test_kdf_choice)
{
	static const char *const sha512_sha1[] = { PKC_KDF_SHA1,
		PKC_KDF_SHA512 };
	static const char *const unknown[] = { "1.3.6.1.5.2.3.6.99" };
	struct pkc_opts o = good_opts();
	struct pk_req *r = NULL;
	struct kerr e;

	o.kdfs = sha512_sha1;
	o.n_kdfs = 2;
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(pk_req_choose_kdf(r), PK_KDF_AH_SHA512);
	pk_req_free(r);
	o.kdfs = sha512_sha1;
	o.n_kdfs = 1;
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(pk_req_choose_kdf(r), PK_KDF_AH_SHA1);
	pk_req_free(r);
	/* Unknown KDFs are skipped; none known means octetstring2key. */
	o.kdfs = unknown;
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(r->n_kdfs, 0);
	ck_assert_int_eq(pk_req_choose_kdf(r), PK_KDF_NONE);
	pk_req_free(r);
	o.kdfs = NULL;
	o.n_kdfs = 0;
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(pk_req_choose_kdf(r), PK_KDF_NONE);
	pk_req_free(r);
}
END_TEST

START_TEST(test_rsa_request)
{
	struct pkc_opts o = good_opts();
	struct pk_req *r = NULL;
	struct kerr e;

	/* No clientPublicValue: RSA key transport (section 3.2.3.2). */
	o.spki = NULL;
	o.spki_len = 0;
	ck_assert_msg(parse_built(&o, &r, &e) == 0, "%s", e.msg);
	ck_assert_ptr_null(r->client_spki);
	ck_assert_uint_eq(r->client_spki_len, 0);
	ck_assert_ptr_nonnull(r->signer);
	pk_req_free(r);
}
END_TEST

/* Flip one bit of the CMS at offset `at` (from the end if negative). */
static kerr_t
parse_tampered(long at, struct kerr *e)
{
	struct pkc_opts o = good_opts();
	struct pk_req_params p = params(cap.body, cap.body_len, NONCE, NOW);
	struct pk_req *r = NULL;
	uint8_t *ap, *sd, *pa;
	size_t ap_len, sd_len, len;
	kerr_t ret;

	ap = pkc_auth_pack(&o, cap.body, cap.body_len, &ap_len);
	sd = pkc_sign(o.signer, ap, ap_len, &sd_len);
	if (at < 0)
		at += (long)sd_len;
	sd[at] ^= 0x01;
	pa = pkc_pa(sd, sd_len, &len);
	kerr_clear(e);
	ret = pk_req_parse(pa, len, &p, &r, e);
	ck_assert_ptr_null(r);
	free(ap);
	free(sd);
	free(pa);
	return ret;
}

static long
find(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++) {
		if (memcmp(hay + i, needle, m) == 0)
			return (long)i;
	}
	return -1;
}

START_TEST(test_tampered_cms)
{
	struct pkc_opts o = good_opts();
	uint8_t *ap, *sd;
	size_t ap_len, sd_len;
	long at;
	struct kerr e;

	/* The signature value is the last thing in the SignedData. */
	ck_assert_int_eq(parse_tampered(-1, &e), KDC_ERR_INVALID_SIG);
	ck_assert_int_eq(parse_tampered(-40, &e), KDC_ERR_INVALID_SIG);
	/* A changed AuthPack no longer matches the signed messageDigest:
	 * flip a bit inside the nonce the AuthPack carries. */
	ap = pkc_auth_pack(&o, cap.body, cap.body_len, &ap_len);
	sd = pkc_sign(o.signer, ap, ap_len, &sd_len);
	at = find(sd, sd_len, ap, ap_len);
	ck_assert_int_ge(at, 0);
	ck_assert_int_eq(parse_tampered(at + (long)ap_len - 1, &e),
	    KDC_ERR_INVALID_SIG);
	free(ap);
	free(sd);
}
END_TEST

/* A good signature over something that is no AuthPack. */
START_TEST(test_signed_junk)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	struct pk_req_params p = params(cap.body, cap.body_len, NONCE, NOW);
	struct pk_req *r = NULL;
	uint8_t *sd, *pa;
	size_t sd_len, len;
	struct kerr e;

	sd = pkc_sign("alice", junk, sizeof(junk), &sd_len);
	pa = pkc_pa(sd, sd_len, &len);
	ck_assert_int_eq(pk_req_parse(pa, len, &p, &r, &e),
	    KDC_ERR_PREAUTH_FAILED);
	ck_assert_ptr_nonnull(strstr(e.msg, "AuthPack"));
	/* The signature held, so the refusal can name the certificate. */
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(r->signer);
	ck_assert_ptr_null(r->client_spki);
	pk_req_free(r);
	free(sd);
	free(pa);
}
END_TEST

START_TEST(test_garbage)
{
	static const uint8_t junk[][8] = {
		{ 0 },
		{ 0x30, 0x00 },
		{ 0x30, 0x02, 0x80, 0x00 },
		{ 0x30, 0x04, 0x80, 0x02, 0x30, 0x00 },
		{ 0x30, 0x80, 0x80, 0x00, 0x00, 0x00 },
		{ 0x04, 0x02, 0x30, 0x00 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	static const size_t junk_len[] = { 1, 2, 4, 6, 6, 4, 8 };
	struct pk_req_params p = params(cap.body, cap.body_len, NONCE, NOW);
	struct pk_req *r = NULL;
	uint8_t rnd[512];
	size_t i;
	struct kerr e;

	for (i = 0; i < sizeof(junk_len) / sizeof(junk_len[0]); i++) {
		ck_assert_int_eq(pk_req_parse(junk[i], junk_len[i], &p, &r, &e),
		    KDC_ERR_PREAUTH_FAILED);
		ck_assert_ptr_null(r);
	}
	ck_assert_int_eq(pk_req_parse(junk[0], 0, &p, &r, &e),
	    KDC_ERR_PREAUTH_FAILED);
	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(RAND_bytes(rnd, sizeof(rnd)), 1);
		rnd[0] = 0x30;
		ck_assert_int_eq(pk_req_parse(rnd, sizeof(rnd), &p, &r, &e),
		    KDC_ERR_PREAUTH_FAILED);
		ck_assert_ptr_null(r);
	}
	/* A well-formed PA-PK-AS-REQ whose signedAuthPack is no CMS. */
	{
		uint8_t *pa;
		size_t len;

		pa = pkc_pa(rnd, 100, &len);
		ck_assert_int_eq(pk_req_parse(pa, len, &p, &r, &e),
		    KDC_ERR_PREAUTH_FAILED);
		ck_assert_ptr_null(r);
		free(pa);
	}
}
END_TEST

/* Every strict prefix of a valid PA value, and of the CMS inside it
 * re-wrapped in a well-formed PA-PK-AS-REQ, is refused. */
START_TEST(test_truncation)
{
	struct pkc_opts o = good_opts();
	struct pk_req_params p = params(cap.body, cap.body_len, NONCE, NOW);
	struct pk_req *r = NULL;
	uint8_t *ap, *sd, *pa, *pa2;
	size_t ap_len, sd_len, len, len2, n;
	struct kerr e;
	kerr_t ret;

	ap = pkc_auth_pack(&o, cap.body, cap.body_len, &ap_len);
	sd = pkc_sign(o.signer, ap, ap_len, &sd_len);
	pa = pkc_pa(sd, sd_len, &len);
	ck_assert_msg(pk_req_parse(pa, len, &p, &r, &e) == 0, "%s", e.msg);
	pk_req_free(r);
	r = NULL;
	for (n = 0; n < len; n++) {
		ret = pk_req_parse(pa, n, &p, &r, &e);
		ck_assert_msg(ret == KDC_ERR_PREAUTH_FAILED,
		    "prefix %zu: %d", n, (int)ret);
		ck_assert_ptr_null(r);
	}
	for (n = 0; n < sd_len; n++) {
		pa2 = pkc_pa(sd, n, &len2);
		ret = pk_req_parse(pa2, len2, &p, &r, &e);
		ck_assert_msg(ret != 0, "CMS prefix %zu accepted", n);
		ck_assert_ptr_null(r);
		free(pa2);
	}
	free(ap);
	free(sd);
	free(pa);
}
END_TEST

/* Per test (checked fixture): the carrier request and a client key. */
static void
setup(void)
{
	pkc_capture_load(TEST_DATA "/pki/mit-1.20/as-req.der", &cap);
	dh_spki = pkc_client_key(PK_GROUP_MODP14, &dh_key, &dh_spki_len);
}

static void
teardown(void)
{
	free(dh_spki);
	dh_spki = NULL;
	EVP_PKEY_free(dh_key);
	dh_key = NULL;
	pkc_capture_free(&cap);
}

int
main(void)
{
	Suite *s = suite_create("pk_req");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	pki_setup();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_mit_capture, 0,
	    (int)(sizeof(captures) / sizeof(captures[0])));
	tcase_add_test(tc, test_good_request);
	tcase_add_test(tc, test_pa_checksum);
	tcase_add_test(tc, test_nonce_mismatch);
	tcase_add_test(tc, test_no_error_struct);
	tcase_add_test(tc, test_skew);
	tcase_add_test(tc, test_pa_checksum2);
	tcase_add_test(tc, test_pa_checksum2_sha1_allowed);
	tcase_add_test(tc, test_dh_nonce);
	tcase_add_test(tc, test_kdf_choice);
	tcase_add_test(tc, test_rsa_request);
	tcase_add_test(tc, test_tampered_cms);
	tcase_add_test(tc, test_signed_junk);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_truncation);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pki_teardown();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
