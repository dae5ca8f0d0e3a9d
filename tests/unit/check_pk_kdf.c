/* check_pk_kdf.c - PKINIT reply-key KDFs: RFC 8636 vectors, octetstring2key. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pk_der.h"
#include "pk_kdf.h"

static size_t
unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = strlen(h) / 2, i;
	unsigned int v;

	ck_assert_uint_le(n, max);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/*
 * RFC 8636 section 8 (test vectors): Z is 256 zero octets, the client is
 * lha@SU.SE and the TGS krbtgt/SU.SE@SU.SE (both name-type 1), as-REQ is
 * ten 0xAA octets and pk-as-rep nine 0xBB octets.
 */
struct vec {
	enum pk_kdf kdf;
	int32_t enctype;
	const char *otherinfo;
	const char *key;
};

#define OI_HEAD "307e300a06082b0601050203060"
#define OI_MID "a01f041d301ba0071b0553552e5345a110300ea003020101a10730051b03" \
	"6c6861a12904273025a0071b0553552e5345a11a3018a003020101a111300f1b06" \
	"6b72627467741b0553552e5345a22404223020a0030201"
#define OI_TAIL "a10c040aaaaaaaaaaaaaaaaaaaaaa20b0409bbbbbbbbbbbbbbbbbb"

static const struct vec vecs[] = {
	{ PK_KDF_AH_SHA1, 18, OI_HEAD "1" OI_MID "12" OI_TAIL,
	    "e6ab38c9413e035bb079201ed0b6b73d8d49a814a737c04ee6649614206f73ad" },
	{ PK_KDF_AH_SHA256, 18, OI_HEAD "2" OI_MID "12" OI_TAIL,
	    "77ef4e48c420ae3fec75109d7981697eed5d295c90c62564f7bfd101fa9bc1d5" },
	{ PK_KDF_AH_SHA512, 16, OI_HEAD "3" OI_MID "10" OI_TAIL,
	    "d3c78b78d75313e9a926f75dfb012363fa17fa01db" },
};

static void
vec_input(struct pk_kdf_input *in, int32_t enctype, uint8_t **cp, uint8_t **tp)
{
	static uint8_t z[256], asreq[10], rep[9];
	const char *client[] = { "lha" };
	const char *tgs[] = { "krbtgt", "SU.SE" };

	memset(z, 0, sizeof(z));
	memset(asreq, 0xaa, sizeof(asreq));
	memset(rep, 0xbb, sizeof(rep));
	memset(in, 0, sizeof(*in));
	in->z = z;
	in->z_len = sizeof(z);
	ck_assert_int_eq(pk_der_krb5_principal("SU.SE", 1, client, 1, cp,
	    &in->client_princ_len), 0);
	ck_assert_int_eq(pk_der_krb5_principal("SU.SE", 1, tgs, 2, tp,
	    &in->tgs_princ_len), 0);
	in->client_princ = *cp;
	in->tgs_princ = *tp;
	in->enctype = enctype;
	in->as_req = asreq;
	in->as_req_len = sizeof(asreq);
	in->pk_as_rep = rep;
	in->pk_as_rep_len = sizeof(rep);
}

START_TEST(test_rfc8636_vectors)
{
	const struct vec *v = &vecs[_i];
	struct pk_kdf_input in;
	uint8_t *cp = NULL, *tp = NULL, *oi = NULL;
	uint8_t want_oi[256], want_key[64], key[64];
	size_t oi_len, want_oi_len, want_key_len;
	struct kerr e;

	vec_input(&in, v->enctype, &cp, &tp);
	want_oi_len = unhex(v->otherinfo, want_oi, sizeof(want_oi));
	want_key_len = unhex(v->key, want_key, sizeof(want_key));
	ck_assert_uint_eq(pk_kdf_seed_len(v->enctype), want_key_len);

	ck_assert_int_eq(pk_kdf_otherinfo(v->kdf, &in, &oi, &oi_len, &e), 0);
	ck_assert_uint_eq(oi_len, want_oi_len);
	ck_assert_mem_eq(oi, want_oi, oi_len);

	ck_assert_int_eq(pk_kdf_derive(v->kdf, &in, key, want_key_len, &e), 0);
	ck_assert_mem_eq(key, want_key, want_key_len);
	free(oi);
	free(cp);
	free(tp);
}
END_TEST

START_TEST(test_kdf_oids)
{
	enum pk_kdf k;
	const uint8_t *oid;
	size_t len;
	static const uint8_t bogus[] = { 0x06, 0x03, 0x2a, 0x03, 0x04 };

	for (k = PK_KDF_AH_SHA1; k <= PK_KDF_AH_SHA512; k++) {
		oid = pk_kdf_oid_der(k, &len);
		ck_assert_ptr_nonnull(oid);
		ck_assert_uint_eq(len, 10);
		ck_assert_int_eq(oid[9], (int)k);
		ck_assert_int_eq(pk_kdf_from_oid_der(oid, len), k);
	}
	ck_assert_ptr_null(pk_kdf_oid_der(PK_KDF_NONE, &len));
	ck_assert_int_eq(pk_kdf_from_oid_der(bogus, sizeof(bogus)), PK_KDF_NONE);
}
END_TEST

START_TEST(test_kdf_rejects)
{
	struct pk_kdf_input in;
	uint8_t *cp = NULL, *tp = NULL, key[80];
	struct kerr e;

	vec_input(&in, 18, &cp, &tp);
	ck_assert_int_eq(pk_kdf_derive(PK_KDF_NONE, &in, key, 32, &e),
	    KDC_ERR_NO_ACCEPTABLE_KDF);
	ck_assert_int_eq(pk_kdf_derive(PK_KDF_AH_SHA256, &in, key, 0, &e),
	    KRB_ERR_GENERIC);
	ck_assert_int_eq(pk_kdf_derive(PK_KDF_AH_SHA256, &in, key,
	    sizeof(key), &e), KRB_ERR_GENERIC);
	ck_assert_uint_eq(pk_kdf_seed_len(17), 16);
	ck_assert_uint_eq(pk_kdf_seed_len(20), 32);
	ck_assert_uint_eq(pk_kdf_seed_len(23), 0);
	free(cp);
	free(tp);
}
END_TEST

/*
 * octetstring2key (RFC 4556 section 3.2.3.1) has no published vectors.
 * Expected values were computed independently with Python's hashlib from
 * the definition: x = secret || clientDHNonce || serverDHNonce,
 * out = SHA1(0x00 || x) || SHA1(0x01 || x) || ..., truncated; with
 * secret = 0x01..0x20, client nonce = 4 x 0x11, server nonce = 4 x 0x22.
 */
START_TEST(test_octetstring2key)
{
	uint8_t secret[32], nc[4], nk[4], x[40], key[48], want[48];
	struct kerr e;
	size_t i;

	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(i + 1);
	memset(nc, 0x11, sizeof(nc));
	memset(nk, 0x22, sizeof(nk));
	unhex("a549d415b039412e00ebb36feceafa2c95a0e85ed6efa7258e07bd7528b522d2"
	    "add47638bf2329e29a6f3d58dda3ca73", want, sizeof(want));

	ck_assert_int_eq(pk_octetstring2key(secret, 32, nc, 4, nk, 4, key, 16,
	    &e), 0);
	ck_assert_mem_eq(key, want, 16);
	ck_assert_int_eq(pk_octetstring2key(secret, 32, nc, 4, nk, 4, key, 32,
	    &e), 0);
	ck_assert_mem_eq(key, want, 32);
	/* Three SHA-1 blocks (counter 0, 1, 2). */
	ck_assert_int_eq(pk_octetstring2key(secret, 32, nc, 4, nk, 4, key, 48,
	    &e), 0);
	ck_assert_mem_eq(key, want, 48);

	/* Nonces are plain concatenation. */
	memcpy(x, secret, 32);
	memcpy(x + 32, nc, 4);
	memcpy(x + 36, nk, 4);
	ck_assert_int_eq(pk_octetstring2key(x, 40, NULL, 0, NULL, 0, key, 32,
	    &e), 0);
	ck_assert_mem_eq(key, want, 32);

	/* Without nonces (the common MIT case). */
	unhex("eb90bce364635c4c23b49f493f0043579bc85c1780f2a338523eeae69967d48f",
	    want, sizeof(want));
	ck_assert_int_eq(pk_octetstring2key(secret, 32, NULL, 0, NULL, 0, key,
	    32, &e), 0);
	ck_assert_mem_eq(key, want, 32);

	ck_assert_int_eq(pk_octetstring2key(secret, 32, NULL, 0, NULL, 0, key,
	    0, &e), KRB_ERR_GENERIC);
	ck_assert_int_eq(pk_octetstring2key(secret, 0, NULL, 0, NULL, 0, key,
	    16, &e), KRB_ERR_GENERIC);
}
END_TEST

START_TEST(test_der_principal)
{
	const char *comps[] = { "krbtgt", "EXAMPLE.TEST" };
	uint8_t *der = NULL;
	size_t len;
	uint8_t want[80];
	size_t want_len;

	/* As openssl encodes the id-pkinit-san of pki.sh's KDC certificate. */
	want_len = unhex("3033a00e1b0c4558414d504c452e54455354a121301fa003020102"
	    "a11830161b066b72627467741b0c4558414d504c452e54455354", want,
	    sizeof(want));
	ck_assert_int_eq(pk_der_krb5_principal("EXAMPLE.TEST", 2, comps, 2,
	    &der, &len), 0);
	ck_assert_uint_eq(len, want_len);
	ck_assert_mem_eq(der, want, len);
	free(der);
}
END_TEST

START_TEST(test_der_int32)
{
	static const struct {
		int32_t v;
		const char *der;
	} v[] = {
		{ 0, "020100" }, { 127, "02017f" }, { 128, "02020080" },
		{ -1, "0201ff" }, { -128, "020180" }, { -129, "0202ff7f" },
		{ 65536, "0203010000" }, { INT32_MIN, "020480000000" },
	};
	struct pk_der d;
	uint8_t want[8], *der;
	size_t i, len, wl;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		pk_der_init(&d);
		pk_der_int32(&d, v[i].v);
		ck_assert_int_eq(pk_der_take(&d, &der, &len), 0);
		wl = unhex(v[i].der, want, sizeof(want));
		ck_assert_uint_eq(len, wl);
		ck_assert_mem_eq(der, want, wl);
		free(der);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pk_kdf");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_rfc8636_vectors, 0,
	    sizeof(vecs) / sizeof(vecs[0]));
	tcase_add_test(tc, test_kdf_oids);
	tcase_add_test(tc, test_kdf_rejects);
	tcase_add_test(tc, test_octetstring2key);
	tcase_add_test(tc, test_der_principal);
	tcase_add_test(tc, test_der_int32);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
