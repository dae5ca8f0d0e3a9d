/* check_pk_dh.c - DH/ECDH group recognition, validation and agreement. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pk_dh.h"
#include "pk_kex.h"

static EVP_PKEY *
keygen(const char *type, const char *group)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;
	OSSL_PARAM params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)group, 0);
	params[1] = OSSL_PARAM_construct_end();
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_PKEY_keygen_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_params(ctx, params), 1);
	ck_assert_int_eq(EVP_PKEY_generate(ctx, &k), 1);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* SubjectPublicKeyInfo for dhpublicnumber with any (p, g, q) and y. */
static uint8_t *
dh_spki(const BIGNUM *p, const BIGNUM *g, const BIGNUM *q, const BIGNUM *y,
    size_t *len)
{
	uint8_t *spki = NULL;

	ck_assert_int_eq(pkx_dh_spki(p, g, q, y, &spki, len), 0);
	return spki;
}

/* A fresh client key in grp (DH or ECDH) and its SPKI; *key_out keeps
 * the key. */
static uint8_t *
client_key(enum pk_group grp, EVP_PKEY **key_out, size_t *len)
{
	uint8_t *spki = NULL;

	ck_assert_int_eq(pkx_client_key(grp, key_out, &spki, len), 0);
	return spki;
}

/* The client's side of the agreement with the KDC's public value. */
static uint8_t *
client_derive(EVP_PKEY *mine, enum pk_group grp, const uint8_t *kdc_pub,
    size_t kdc_len, size_t *len)
{
	uint8_t *secret = NULL;

	ck_assert_int_eq(pkx_client_secret(mine, grp, kdc_pub, kdc_len,
	    &secret, len), 0);
	return secret;
}

static const enum pk_group all_groups[] = { PK_GROUP_MODP14, PK_GROUP_MODP15,
	PK_GROUP_MODP16, PK_GROUP_P256, PK_GROUP_P384, PK_GROUP_P521 };
static const size_t expect_secret[] = { 256, 384, 512, 32, 48, 66 };

START_TEST(test_agree)
{
	enum pk_group grp = all_groups[_i];
	struct pk_dh_groups *g = NULL;
	struct pk_dh_result *r = NULL;
	EVP_PKEY *mine = NULL;
	uint8_t *spki, *secret;
	size_t len, slen;
	struct kerr e;

	ck_assert_int_eq(pk_dh_groups_new(2048, 0, &g, &e), 0);
	spki = client_key(grp, &mine, &len);
	ck_assert_int_eq(pk_dh_identify(spki, len), grp);
	ck_assert_msg(pk_dh_agree(g, spki, len, &r, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(r->group, grp);
	ck_assert_uint_eq(r->secret_len, expect_secret[_i]);
	if (grp >= PK_GROUP_P256)
		ck_assert_int_eq(r->kdc_public[0], 0x04);  /* uncompressed */
	else {
		/* INTEGER, in DER: OpenSSL re-encodes it to the same bytes. */
		const unsigned char *q = r->kdc_public;
		ASN1_INTEGER *ai = d2i_ASN1_INTEGER(NULL, &q,
		    (long)r->kdc_public_len);
		unsigned char *re = NULL;
		int rl;

		ck_assert_int_eq(r->kdc_public[0], 0x02);
		ck_assert_ptr_nonnull(ai);
		ck_assert(q == r->kdc_public + r->kdc_public_len);
		rl = i2d_ASN1_INTEGER(ai, &re);
		ck_assert_int_eq(rl, (int)r->kdc_public_len);
		ck_assert_mem_eq(re, r->kdc_public, r->kdc_public_len);
		OPENSSL_free(re);
		ASN1_INTEGER_free(ai);
	}
	secret = client_derive(mine, grp, r->kdc_public, r->kdc_public_len,
	    &slen);
	ck_assert_uint_eq(slen, r->secret_len);
	ck_assert_mem_eq(secret, r->secret, slen);
	free(secret);
	free(spki);
	EVP_PKEY_free(mine);
	pk_dh_result_free(r);
	pk_dh_groups_free(g);
}
END_TEST

/* The groups keep their generation and import contexts across requests:
 * every agreement still gets a fresh KDC key, and each one's secret is
 * the one the client derives. */
START_TEST(test_agree_repeated)
{
	enum pk_group grp = all_groups[_i];
	struct pk_dh_groups *g = NULL;
	struct pk_dh_result *r1 = NULL, *r2 = NULL;
	EVP_PKEY *mine = NULL;
	uint8_t *spki, *s1, *s2;
	size_t len, l1, l2;
	struct kerr e;

	ck_assert_int_eq(pk_dh_groups_new(2048, 0, &g, &e), 0);
	spki = client_key(grp, &mine, &len);
	ck_assert_msg(pk_dh_agree(g, spki, len, &r1, &e) == 0, "%s", e.msg);
	ck_assert_msg(pk_dh_agree(g, spki, len, &r2, &e) == 0, "%s", e.msg);
	ck_assert(r1->kdc_public_len != r2->kdc_public_len ||
	    memcmp(r1->kdc_public, r2->kdc_public, r1->kdc_public_len) != 0);
	ck_assert(memcmp(r1->secret, r2->secret, r1->secret_len) != 0);
	s1 = client_derive(mine, grp, r1->kdc_public, r1->kdc_public_len, &l1);
	s2 = client_derive(mine, grp, r2->kdc_public, r2->kdc_public_len, &l2);
	ck_assert_uint_eq(l1, r1->secret_len);
	ck_assert_mem_eq(s1, r1->secret, l1);
	ck_assert_uint_eq(l2, r2->secret_len);
	ck_assert_mem_eq(s2, r2->secret, l2);
	free(s1);
	free(s2);
	free(spki);
	EVP_PKEY_free(mine);
	pk_dh_result_free(r1);
	pk_dh_result_free(r2);
	pk_dh_groups_free(g);
}
END_TEST

START_TEST(test_group2_rejected)
{
	struct pk_dh_groups *g = NULL;
	struct pk_dh_result *r = NULL;
	BIGNUM *p = BN_get_rfc2409_prime_1024(NULL), *gen = BN_new();
	BIGNUM *q = BN_new(), *y = BN_new();
	uint8_t *spki;
	size_t len;
	struct kerr e;

	ck_assert(BN_set_word(gen, 2) && BN_rshift1(q, p) && BN_set_word(y, 5));
	spki = dh_spki(p, gen, q, y, &len);
	ck_assert_int_eq(pk_dh_identify(spki, len), PK_GROUP_MODP2);
	/* Even with min_bits 0, 1024-bit MODP is never accepted. */
	ck_assert_int_eq(pk_dh_groups_new(0, 0, &g, &e), 0);
	ck_assert_int_eq(pk_dh_agree(g, spki, len, &r, &e),
	    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
	ck_assert_ptr_nonnull(strstr(e.msg, "MODP-1024"));
	ck_assert_ptr_null(r);
	free(spki);
	BN_free(p);
	BN_free(gen);
	BN_free(q);
	BN_free(y);
	pk_dh_groups_free(g);
}
END_TEST

START_TEST(test_unknown_prime_rejected)
{
	struct pk_dh_groups *g = NULL;
	struct pk_dh_result *r = NULL;
	BIGNUM *p = BN_new(), *gen = BN_new(), *y = BN_new();
	uint8_t *spki;
	size_t len;
	struct kerr e;

	ck_assert(BN_rand(p, 2048, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD));
	ck_assert(BN_set_word(gen, 2) && BN_set_word(y, 7));
	spki = dh_spki(p, gen, NULL, y, &len);
	ck_assert_int_eq(pk_dh_identify(spki, len), PK_GROUP_UNKNOWN);
	ck_assert_int_eq(pk_dh_groups_new(2048, 0, &g, &e), 0);
	ck_assert_int_eq(pk_dh_agree(g, spki, len, &r, &e),
	    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
	free(spki);
	/* MODP-2048's p with a generator other than 2. */
	BN_free(p);
	p = BN_get_rfc3526_prime_2048(NULL);
	ck_assert(BN_set_word(gen, 5));
	spki = dh_spki(p, gen, NULL, y, &len);
	ck_assert_int_eq(pk_dh_agree(g, spki, len, &r, &e),
	    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
	free(spki);
	/* Garbage. */
	ck_assert_int_eq(pk_dh_agree(g, (const uint8_t *)"\x30\x03\x02\x01\x01",
	    5, &r, &e), KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
	BN_free(p);
	BN_free(gen);
	BN_free(y);
	pk_dh_groups_free(g);
}
END_TEST

START_TEST(test_dh_public_range)
{
	struct pk_dh_groups *g = NULL;
	struct pk_dh_result *r = NULL;
	BIGNUM *p = BN_get_rfc3526_prime_2048(NULL), *gen = BN_new();
	BIGNUM *q = BN_new(), *y = BN_new();
	uint8_t *spki;
	size_t len;
	struct kerr e;
	int i;

	ck_assert(BN_set_word(gen, 2) && BN_rshift1(q, p));
	ck_assert_int_eq(pk_dh_groups_new(2048, 0, &g, &e), 0);
	for (i = 0; i < 4; i++) {
		/* y = 0, 1, p - 1, p */
		if (i == 0)
			BN_zero(y);
		else if (i == 1)
			BN_one(y);
		else
			ck_assert(BN_copy(y, p) != NULL &&
			    (i == 3 || BN_sub_word(y, 1)));
		spki = dh_spki(p, gen, q, y, &len);
		ck_assert_int_eq(pk_dh_agree(g, spki, len, &r, &e),
		    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
		ck_assert_ptr_null(r);
		free(spki);
	}
	BN_free(p);
	BN_free(gen);
	BN_free(q);
	BN_free(y);
	pk_dh_groups_free(g);
}
END_TEST

START_TEST(test_min_bits)
{
	struct pk_dh_groups *g = NULL;
	struct pk_dh_result *r = NULL;
	EVP_PKEY *mine = NULL;
	enum pk_group grp;
	uint8_t *spki;
	size_t len;
	struct kerr e;

	ck_assert_int_eq(pk_dh_groups_new(2048, 0, &g, &e), 0);
	ck_assert_uint_eq(pk_dh_groups_count(g), 6);
	ck_assert_ptr_nonnull(pk_dh_group_algid(g, 0, &grp, &len));
	ck_assert_int_eq(grp, PK_GROUP_P256);
	ck_assert_ptr_nonnull(pk_dh_group_algid(g, 5, &grp, &len));
	ck_assert_int_eq(grp, PK_GROUP_MODP14);
	ck_assert_ptr_null(pk_dh_group_algid(g, 6, &grp, &len));
	pk_dh_groups_free(g);

	ck_assert_int_eq(pk_dh_groups_new(3072, 0, &g, &e), 0);
	ck_assert_uint_eq(pk_dh_groups_count(g), 5);
	spki = client_key(PK_GROUP_MODP14, &mine, &len);
	ck_assert_int_eq(pk_dh_agree(g, spki, len, &r, &e),
	    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
	free(spki);
	EVP_PKEY_free(mine);
	pk_dh_groups_free(g);

	ck_assert_int_eq(pk_dh_groups_new(4096, 0, &g, &e), 0);
	ck_assert_uint_eq(pk_dh_groups_count(g), 3);
	pk_dh_groups_free(g);

	ck_assert_int_eq(pk_dh_groups_new(2048, PK_DH_NO_EC, &g, &e), 0);
	ck_assert_uint_eq(pk_dh_groups_count(g), 3);
	ck_assert_ptr_nonnull(pk_dh_group_algid(g, 0, &grp, &len));
	ck_assert_int_eq(grp, PK_GROUP_MODP16);
	spki = client_key(PK_GROUP_P256, &mine, &len);
	ck_assert_int_eq(pk_dh_agree(g, spki, len, &r, &e),
	    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
	free(spki);
	EVP_PKEY_free(mine);
	pk_dh_groups_free(g);

	ck_assert_int_eq(pk_dh_groups_new(20000, 0, &g, &e), KRB_ERR_GENERIC);
}
END_TEST

START_TEST(test_td_dh_parameters)
{
	struct pk_dh_groups *g = NULL;
	STACK_OF(ASN1_TYPE) *seq;
	const unsigned char *p;
	const uint8_t *algid;
	uint8_t *der = NULL;
	size_t len, alen, i;
	struct kerr e;

	ck_assert_int_eq(pk_dh_groups_new(2048, 0, &g, &e), 0);
	ck_assert_int_eq(pk_dh_td_dh_parameters(g, &der, &len, &e), 0);
	p = der;
	seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)len);
	ck_assert_ptr_nonnull(seq);
	ck_assert(p == der + len);
	ck_assert_int_eq(sk_ASN1_TYPE_num(seq), 6);
	/* Each AlgorithmIdentifier decodes as X509_ALGOR. */
	for (i = 0; i < pk_dh_groups_count(g); i++) {
		X509_ALGOR *a;

		algid = pk_dh_group_algid(g, i, NULL, &alen);
		p = algid;
		a = d2i_X509_ALGOR(NULL, &p, (long)alen);
		ck_assert_ptr_nonnull(a);
		X509_ALGOR_free(a);
	}
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	free(der);
	pk_dh_groups_free(g);
}
END_TEST

START_TEST(test_ec_invalid)
{
	struct pk_dh_groups *g = NULL;
	struct pk_dh_result *r = NULL;
	EVP_PKEY *mine = NULL;
	uint8_t *spki;
	size_t len;
	struct kerr e;

	ck_assert_int_eq(pk_dh_groups_new(2048, 0, &g, &e), 0);
	/* Point off the curve: change the last octet of y. */
	spki = client_key(PK_GROUP_P256, &mine, &len);
	spki[len - 1] ^= 0x01;
	ck_assert_int_eq(pk_dh_agree(g, spki, len, &r, &e),
	    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
	ck_assert_ptr_null(r);
	free(spki);
	EVP_PKEY_free(mine);
	/* A curve outside RFC 5349's list we accept. */
	mine = keygen("EC", "secp256k1");
	{
		unsigned char *der = NULL;
		int n = i2d_PUBKEY(mine, &der);

		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(pk_dh_identify(der, (size_t)n),
		    PK_GROUP_UNKNOWN);
		ck_assert_int_eq(pk_dh_agree(g, der, (size_t)n, &r, &e),
		    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
		OPENSSL_free(der);
	}
	EVP_PKEY_free(mine);
	/* An RSA key is no DH key. */
	{
		EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)1024);
		unsigned char *der = NULL;
		int n = i2d_PUBKEY(rsa, &der);

		ck_assert_int_eq(pk_dh_agree(g, der, (size_t)n, &r, &e),
		    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
		OPENSSL_free(der);
		EVP_PKEY_free(rsa);
	}
	pk_dh_groups_free(g);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pk_dh");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_agree, 0,
	    sizeof(all_groups) / sizeof(all_groups[0]));
	tcase_add_loop_test(tc, test_agree_repeated, 0,
	    sizeof(all_groups) / sizeof(all_groups[0]));
	tcase_add_test(tc, test_group2_rejected);
	tcase_add_test(tc, test_unknown_prime_rejected);
	tcase_add_test(tc, test_dh_public_range);
	tcase_add_test(tc, test_min_bits);
	tcase_add_test(tc, test_td_dh_parameters);
	tcase_add_test(tc, test_ec_invalid);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
