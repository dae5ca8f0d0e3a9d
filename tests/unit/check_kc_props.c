/*
 * check_kc_props.c - Kerberos crypto properties no published vector
 * pins: round trips at every length, refusal of damaged ciphertexts and
 * checksums, the derived-key cache of long-lived keys, the enctype
 * table, string-to-key parameters, PRF+ and KRB-FX-CF2 behaviour, and
 * the key helpers.  The published vectors are in check_kcrypto.c.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kc_int.h"
#include "kcrypto.h"
#include "kerror.h"
#include "secmem.h"

static const int32_t all_etypes[] = { 17, 18, 19, 20 };

START_TEST(test_roundtrip_sizes)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 31, 32, 33, 100,
	    1000 };
	unsigned char plain[1000];
	unsigned char *c = NULL, *c2 = NULL, *back = NULL;
	size_t cl = 0, cl2 = 0, bl = 0, i;
	struct kc_key k;
	struct kerr e;

	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (unsigned char)(i * 31);
	ck_assert_int_eq(kc_key_random(all_etypes[_i], &k, &e), 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ck_assert_int_eq(kc_encrypt(&k, 11, plain, sizes[i], &c, &cl,
		    &e), 0);
		ck_assert_uint_eq(cl, sizes[i] +
		    kc_enctype_overhead(k.enctype));
		ck_assert_int_eq(kc_encrypt(&k, 11, plain, sizes[i], &c2, &cl2,
		    &e), 0);
		/* A fresh confounder each time. */
		ck_assert(memcmp(c, c2, cl) != 0);
		ck_assert_int_eq(kc_decrypt(&k, 11, c, cl, &back, &bl, &e), 0);
		ck_assert_uint_eq(bl, sizes[i]);
		ck_assert(bl == 0 || memcmp(back, plain, bl) == 0);
		free(c);
		free(c2);
		sec_free(back, bl);
	}
	kc_key_clear(&k);
}
END_TEST

START_TEST(test_decrypt_rejects)
{
	unsigned char *c = NULL, *back = NULL;
	size_t cl = 0, bl = 0, i;
	struct kc_key k, other;
	struct kerr e;

	ck_assert_int_eq(kc_key_random(all_etypes[_i], &k, &e), 0);
	ck_assert_int_eq(kc_encrypt(&k, 7, "authenticator", 13, &c, &cl, &e),
	    0);
	/* Every single flipped byte is caught by the MAC. */
	for (i = 0; i < cl; i++) {
		c[i] ^= 0x01;
		ck_assert_int_eq(kc_decrypt(&k, 7, c, cl, &back, &bl, &e),
		    KRB_AP_ERR_BAD_INTEGRITY);
		c[i] ^= 0x01;
	}
	/* Every truncation, down to nothing. */
	for (i = 0; i < cl; i++)
		ck_assert_int_eq(kc_decrypt(&k, 7, c, i, &back, &bl, &e),
		    KRB_AP_ERR_BAD_INTEGRITY);
	/* An extra byte on the end. */
	{
		unsigned char longer[256];

		memcpy(longer, c, cl);
		longer[cl] = 0;
		ck_assert_int_eq(kc_decrypt(&k, 7, longer, cl + 1, &back, &bl,
		    &e), KRB_AP_ERR_BAD_INTEGRITY);
	}
	ck_assert_int_eq(kc_decrypt(&k, 11, c, cl, &back, &bl, &e),
	    KRB_AP_ERR_BAD_INTEGRITY);
	ck_assert_int_eq(kc_key_random(all_etypes[_i], &other, &e), 0);
	ck_assert_int_eq(kc_decrypt(&other, 7, c, cl, &back, &bl, &e),
	    KRB_AP_ERR_BAD_INTEGRITY);
	ck_assert_int_eq(kc_decrypt(&k, 7, NULL, 0, &back, &bl, &e),
	    KRB_AP_ERR_BAD_INTEGRITY);
	ck_assert_int_eq(kc_decrypt(&k, 7, c, cl, &back, &bl, &e), 0);
	sec_free(back, bl);
	free(c);
}
END_TEST

START_TEST(test_checksum_rejects)
{
	unsigned char ck[KC_MAX_CKSUM_LEN];
	size_t cl = 0, i;
	struct kc_key k;
	struct kerr e;
	int32_t other = all_etypes[_i] == 17 ? 16 : 15;

	ck_assert_int_eq(kc_key_random(all_etypes[_i], &k, &e), 0);
	ck_assert_int_eq(kc_checksum(&k, 6, 0, "body", 4, ck, &cl, &e), 0);
	ck_assert_uint_eq(cl, kc_checksum_length(
	    kc_checksum_type_for_enctype(k.enctype)));
	for (i = 0; i < cl; i++) {
		ck[i] ^= 0x80;
		ck_assert_int_eq(kc_checksum_verify(&k, 6, 0, "body", 4, ck, cl,
		    &e), KRB_AP_ERR_BAD_INTEGRITY);
		ck[i] ^= 0x80;
	}
	ck_assert_int_eq(kc_checksum_verify(&k, 6, 0, "body", 4, ck, cl - 1,
	    &e), KRB_AP_ERR_BAD_INTEGRITY);
	ck_assert_int_eq(kc_checksum_verify(&k, 6, 0, "bodY", 4, ck, cl, &e),
	    KRB_AP_ERR_BAD_INTEGRITY);
	ck_assert_int_eq(kc_checksum_verify(&k, 5, 0, "body", 4, ck, cl, &e),
	    KRB_AP_ERR_BAD_INTEGRITY);
	ck_assert_int_eq(kc_checksum_verify(&k, 6, other, "body", 4, ck, cl,
	    &e), KRB_AP_ERR_INAPP_CKSUM);
	ck_assert_int_eq(kc_checksum(&k, 6, 7, "body", 4, ck, &cl, &e),
	    KDC_ERR_SUMTYPE_NOSUPP);
	ck_assert_int_eq(kc_checksum_verify(&k, 6, 0, "body", 4, ck, cl, &e),
	    0);
}
END_TEST

/* RFC 3962 section 7: the AES-SHA1 checksum is HMAC-SHA1(Kc, data)[0..12],
 * Kc = DK(key, usage | 0x99); checked against the primitives directly. */
START_TEST(test_checksum_definition_sha1)
{
	const struct kc_profile *p = kc_profile_find(all_etypes[_i]);
	unsigned char kc[32], want[KC_MAX_CKSUM_LEN], got[KC_MAX_CKSUM_LEN];
	size_t gl = 0;
	struct kc_key k;
	struct kerr e;

	ck_assert_int_eq(kc_key_random(p->enctype, &k, &e), 0);
	ck_assert_int_eq(kc_derive_usage(p, k.bytes, 6, KC_KIND_CHECKSUM, kc,
	    p->kc_len, &e), 0);
	ck_assert_int_eq(kc_hmac(p->md, kc, p->kc_len, "body", 4, NULL, 0,
	    want, p->mac_len, &e), 0);
	ck_assert_int_eq(kc_checksum(&k, 6, 0, "body", 4, got, &gl, &e), 0);
	ck_assert_uint_eq(gl, p->mac_len);
	ck_assert_mem_eq(got, want, gl);
}
END_TEST

/*
 * More usages than the cache holds, in all three kinds: every answer of
 * the cached key equals the uncached one, also after slots were replaced,
 * and a copy of a cached key starts without a cache.
 */
START_TEST(test_derived_cache_eviction)
{
	static const unsigned char conf[KC_BLOCK_LEN] = { 1, 2, 3 };
	unsigned char c1[KC_MAX_CKSUM_LEN], c2[KC_MAX_CKSUM_LEN];
	unsigned char *x = NULL, *y = NULL, *back = NULL;
	size_t xl = 0, yl = 0, bl = 0, l1 = 0, l2 = 0;
	struct kc_key plain_key, cached, copy;
	struct kerr e;
	int32_t u;
	int pass;

	ck_assert_int_eq(kc_key_random(all_etypes[_i], &plain_key, &e), 0);
	kc_key_copy(&cached, &plain_key);
	ck_assert_int_eq(kc_key_keep_derived(&cached, &e), 0);
	kc_key_copy(&copy, &cached);
	ck_assert_ptr_null(copy.derived);
	for (pass = 0; pass < 2; pass++) {
		for (u = 1; u <= 3 * KC_DCACHE_SLOTS; u++) {
			ck_assert_int_eq(kc_encrypt_with_confounder(&cached, u,
			    conf, sizeof(conf), "abc", 3, &x, &xl, &e), 0);
			ck_assert_int_eq(kc_encrypt_with_confounder(&plain_key,
			    u, conf, sizeof(conf), "abc", 3, &y, &yl, &e), 0);
			ck_assert_uint_eq(xl, yl);
			ck_assert_mem_eq(x, y, xl);
			ck_assert_int_eq(kc_decrypt(&cached, u, y, yl, &back,
			    &bl, &e), 0);
			ck_assert_uint_eq(bl, 3);
			sec_free(back, bl);
			ck_assert_int_eq(kc_decrypt(&cached, u + 1, y, yl,
			    &back, &bl, &e), KRB_AP_ERR_BAD_INTEGRITY);
			ck_assert_int_eq(kc_checksum(&cached, u, 0, "m", 1, c1,
			    &l1, &e), 0);
			ck_assert_int_eq(kc_checksum(&plain_key, u, 0, "m", 1,
			    c2, &l2, &e), 0);
			ck_assert_uint_eq(l1, l2);
			ck_assert_mem_eq(c1, c2, l1);
			free(x);
			free(y);
		}
	}
	kc_key_clear(&cached);
	kc_key_clear(&plain_key);
	kc_key_clear(&copy);
}
END_TEST

START_TEST(test_enctype_table)
{
	static const int32_t refused[] = { 0, 1, 3, 16, 23, 24, 25, 26, -128,
	    99 };
	struct kc_key k;
	struct kerr e;
	size_t i;

	ck_assert_str_eq(kc_enctype_name(18), "aes256-cts-hmac-sha1-96");
	ck_assert_str_eq(kc_enctype_name(20), "aes256-cts-hmac-sha384-192");
	ck_assert_int_eq(kc_enctype_from_name("aes128-cts-hmac-sha1-96"), 17);
	ck_assert_int_eq(kc_enctype_from_name("AES256-CTS-HMAC-SHA1-96"), 18);
	ck_assert_int_eq(kc_enctype_from_name("aes128-cts-hmac-sha256-128"),
	    19);
	ck_assert_int_eq(kc_enctype_from_name("aes256-sha2"), 20);
	ck_assert_int_eq(kc_enctype_from_name("aes256-cts"), 18);
	ck_assert_int_eq(kc_enctype_from_name("des3-cbc-sha1"), 0);
	ck_assert_int_eq(kc_enctype_from_name("arcfour-hmac"), 0);
	ck_assert_int_eq(kc_enctype_from_name(NULL), 0);
	ck_assert_uint_eq(kc_enctype_key_length(17), 16);
	ck_assert_uint_eq(kc_enctype_key_length(20), 32);
	ck_assert_uint_eq(kc_enctype_overhead(17), 28);
	ck_assert_uint_eq(kc_enctype_overhead(20), 40);
	ck_assert_int_eq(kc_checksum_type_for_enctype(17), 15);
	ck_assert_int_eq(kc_checksum_type_for_enctype(18), 16);
	ck_assert_int_eq(kc_checksum_type_for_enctype(19), 19);
	ck_assert_int_eq(kc_checksum_type_for_enctype(20), 20);
	ck_assert_uint_eq(kc_checksum_length(16), 12);
	ck_assert_uint_eq(kc_checksum_length(20), 24);
	ck_assert_uint_eq(kc_prf_length(17), 16);
	ck_assert_uint_eq(kc_prf_length(20), 48);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ck_assert(!kc_enctype_supported(refused[i]));
		ck_assert_ptr_null(kc_enctype_name(refused[i]));
		ck_assert_int_eq(kc_key_random(refused[i], &k, &e),
		    KDC_ERR_ETYPE_NOSUPP);
		ck_assert_int_eq(kc_string_to_key(refused[i], "pw", 2, "s", 1,
		    NULL, 0, &k, &e), KDC_ERR_ETYPE_NOSUPP);
		ck_assert_int_eq(kc_key_from_bytes(refused[i], "0123456789abcdef",
		    16, &k, &e), KDC_ERR_ETYPE_NOSUPP);
	}
	/* Wrong key length. */
	ck_assert_int_ne(kc_key_from_bytes(18, "0123456789abcdef", 16, &k, &e),
	    0);
}
END_TEST

START_TEST(test_s2k_params)
{
	struct kc_key a, b;
	struct kerr e;

	/* Empty params = the enctype's default count. */
	ck_assert_int_eq(kc_string_to_key(17, "pw", 2, "salt", 4, NULL, 0, &a,
	    &e), 0);
	ck_assert_int_eq(kc_string_to_key(17, "pw", 2, "salt", 4,
	    "\x00\x00\x10\x00", 4, &b, &e), 0);
	ck_assert(kc_key_equal(&a, &b));
	ck_assert_int_eq(kc_string_to_key(17, "pw", 2, "salt", 4,
	    "\x00\x00\x10\x01", 4, &b, &e), 0);
	ck_assert(!kc_key_equal(&a, &b));
	ck_assert_int_eq(kc_string_to_key(17, "pw", 2, "salt", 4,
	    "\x00\x00\x00\x00", 4, &b, &e), KDC_ERR_PREAUTH_FAILED);
	ck_assert_int_eq(kc_string_to_key(17, "pw", 2, "salt", 4,
	    "\x01\x00\x00\x01", 4, &b, &e), KDC_ERR_PREAUTH_FAILED);
	ck_assert_int_eq(kc_string_to_key(17, "pw", 2, "salt", 4, "\x01", 1,
	    &b, &e), KDC_ERR_PREAUTH_FAILED);
	/* Empty password and salt are legal inputs. */
	ck_assert_int_eq(kc_string_to_key(18, "", 0, NULL, 0,
	    "\x00\x00\x00\x01", 4, &b, &e), 0);
}
END_TEST

START_TEST(test_prf_plus)
{
	unsigned char one[KC_MAX_PRF_LEN], plus[3 * KC_MAX_PRF_LEN];
	unsigned char in[8];
	size_t ol = 0, plen;
	struct kc_key k;
	struct kerr e;

	ck_assert_int_eq(kc_key_random(all_etypes[_i], &k, &e), 0);
	plen = kc_prf_length(k.enctype);
	ck_assert_int_eq(kc_prf_plus(&k, "pep", 3, plus, 2 * plen + 5, &e), 0);
	/* Block i is PRF(key, i | input), i from 1. */
	in[0] = 1;
	memcpy(in + 1, "pep", 3);
	ck_assert_int_eq(kc_prf(&k, in, 4, one, &ol, &e), 0);
	ck_assert_mem_eq(plus, one, plen);
	in[0] = 3;
	ck_assert_int_eq(kc_prf(&k, in, 4, one, &ol, &e), 0);
	ck_assert_mem_eq(plus + 2 * plen, one, 5);
	ck_assert_int_ne(kc_prf_plus(&k, "pep", 3, plus, 255 * plen + 1, &e),
	    0);
}
END_TEST

START_TEST(test_cf2_properties)
{
	struct kc_key k1, k2, a, b, c;
	struct kerr e;
	int32_t other = all_etypes[(_i + 1) % 4];

	ck_assert_int_eq(kc_key_random(all_etypes[_i], &k1, &e), 0);
	ck_assert_int_eq(kc_key_random(other, &k2, &e), 0);
	ck_assert_int_eq(kc_cf2(&k1, "strengthenkey", &k2, "replykey", &a, &e),
	    0);
	ck_assert_int_eq(a.enctype, k1.enctype);
	ck_assert_uint_eq(a.length, k1.length);
	ck_assert_int_eq(kc_cf2(&k1, "strengthenkey", &k2, "replykey", &b, &e),
	    0);
	ck_assert(kc_key_equal(&a, &b));
	ck_assert_int_eq(kc_cf2(&k1, "armorkey", &k2, "replykey", &c, &e), 0);
	ck_assert(!kc_key_equal(&a, &c));
	ck_assert_int_eq(kc_cf2(&k1, "strengthenkey", &k2, "other", &c, &e), 0);
	ck_assert(!kc_key_equal(&a, &c));
	ck_assert(!kc_key_equal(&a, &k1));
	/* Swapping the keys gives the other key's enctype. */
	ck_assert_int_eq(kc_cf2(&k2, "replykey", &k1, "strengthenkey", &c, &e),
	    0);
	ck_assert_int_eq(c.enctype, other);
}
END_TEST

START_TEST(test_key_helpers)
{
	struct kc_key a, b;
	struct kerr e;

	ck_assert_int_eq(kc_key_random(18, &a, &e), 0);
	kc_key_copy(&b, &a);
	ck_assert(kc_key_equal(&a, &b));
	b.bytes[31] ^= 1;
	ck_assert(!kc_key_equal(&a, &b));
	kc_key_clear(&a);
	ck_assert_uint_eq(a.length, 0);
	ck_assert_int_eq(a.bytes[0] | a.bytes[31], 0);
	kc_key_clear(NULL);
	/* A cleared key is refused everywhere. */
	{
		unsigned char *c = NULL;
		size_t cl = 0;

		ck_assert_int_eq(kc_encrypt(&a, 1, "x", 1, &c, &cl, &e),
		    KDC_ERR_ETYPE_NOSUPP);
		ck_assert_int_eq(kc_encrypt(NULL, 1, "x", 1, &c, &cl, &e),
		    KDC_ERR_NULL_KEY);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("kc_props");
	TCase *tp = tcase_create("properties");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tp, 60);
	tcase_add_loop_test(tp, test_roundtrip_sizes, 0, 4);
	tcase_add_loop_test(tp, test_decrypt_rejects, 0, 4);
	tcase_add_loop_test(tp, test_checksum_rejects, 0, 4);
	tcase_add_loop_test(tp, test_checksum_definition_sha1, 0, 4);
	tcase_add_loop_test(tp, test_derived_cache_eviction, 0, 4);
	tcase_add_test(tp, test_enctype_table);
	tcase_add_test(tp, test_s2k_params);
	tcase_add_loop_test(tp, test_prf_plus, 0, 4);
	tcase_add_loop_test(tp, test_cf2_properties, 0, 4);
	tcase_add_test(tp, test_key_helpers);
	suite_add_tcase(s, tp);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
