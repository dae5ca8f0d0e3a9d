/*
 * check_kcrypto.c - Kerberos crypto against the published vectors:
 * RFC 3961 A.1 n-fold, RFC 3962 appendix B (PBKDF2 string-to-key and
 * AES-CTS), RFC 8009 appendix A (key derivation, string-to-key,
 * encryption, checksums, PRF), KRB-FX-CF2 outputs for enctypes 17 and 18
 * as published with MIT krb5's t_cf2 test data, and values produced by
 * MIT krb5 1.20's library for the cases no RFC pins (RFC 3962 PRF,
 * cf2 for 19/20, decryption of MIT-made ciphertexts and checksums).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kc_int.h"
#include "kcrypto.h"
#include "kerror.h"
#include "secmem.h"

/* Hex (spaces allowed) to bytes; returns the length. */
static size_t
unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s != 0; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		ck_assert_uint_lt(n, cap);
		out[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	ck_assert_int_eq(hi, -1);
	return n;
}

static void
assert_hex(const unsigned char *got, size_t got_len, const char *want)
{
	unsigned char w[512];
	size_t wl = unhex(want, w, sizeof(w));

	ck_assert_uint_eq(got_len, wl);
	ck_assert_mem_eq(got, w, wl);
}

static void
key_hex(int32_t enctype, const char *hex, struct kc_key *k)
{
	unsigned char b[KC_MAX_KEY_LEN];
	size_t n = unhex(hex, b, sizeof(b));
	struct kerr e;

	ck_assert_int_eq(kc_key_from_bytes(enctype, b, n, k, &e), 0);
}

/* ---- RFC 3961 appendix A.1: n-fold ---- */

static const struct {
	size_t bits;
	const char *in;
	const char *out;
} nfold_vec[] = {
	{ 64, "012345", "be072631276b1955" },
	{ 56, "password", "78a07b6caf85fa" },
	{ 64, "Rough Consensus, and Running Code", "bb6ed30870b7f0e0" },
	{ 168, "password", "59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e" },
	{ 192, "MASSACHVSETTS INSTITVTE OF TECHNOLOGY",
	    "db3b0d8f0b061e603282b308a50841229ad798fab9540c1b" },
	{ 168, "Q", "518a54a215a8452a518a54a215a8452a518a54a215" },
	{ 168, "ba", "fb25d531ae8974499f52fd92ea9857c4ba24cf297e" },
	{ 64, "kerberos", "6b65726265726f73" },
	{ 128, "kerberos", "6b65726265726f737b9b5b2b93132b93" },
	{ 168, "kerberos", "8372c236344e5f1550cd0747e15d62ca7a5a3bcea4" },
	{ 256, "kerberos", "6b65726265726f737b9b5b2b93132b93"
	    "5c9bdcdad95c9899c4cae4dee6d6cae4" },
};

START_TEST(test_nfold_rfc3961)
{
	unsigned char out[64];
	size_t n = nfold_vec[_i].bits / 8;

	kc_nfold((const unsigned char *)nfold_vec[_i].in,
	    strlen(nfold_vec[_i].in), out, n);
	assert_hex(out, n, nfold_vec[_i].out);
}
END_TEST

/* ---- RFC 3962 appendix B: string-to-key ---- */

static const struct {
	const char *iter;       /* s2kparams, hex */
	const char *pw;         /* hex */
	const char *salt;       /* hex */
	const char *k128;
	const char *k256;
} s2k3962[] = {
	{ "00000001", "70617373776f7264",
	    "415448454e412e4d49542e4544557261656275726e",
	    "42263c6e89f4fc28b8df68ee09799f15",
	    "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161" },
	{ "00000002", "70617373776f7264",
	    "415448454e412e4d49542e4544557261656275726e",
	    "c651bf29e2300ac27fa469d693bdda13",
	    "a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff" },
	{ "000004b0", "70617373776f7264",
	    "415448454e412e4d49542e4544557261656275726e",
	    "4c01cd46d632d01e6dbe230a01ed642a",
	    "55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a" },
	{ "00000005", "70617373776f7264", "1234567878563412",
	    "e9b23d52273747dd5c35cb55be619d8e",
	    "97a4e786be20d81a382d5ebc96d5909cabcdadc87ca48f574504159f16c36e31" },
	{ "000004b0",
	    "58585858585858585858585858585858585858585858585858585858585858585858"
	    "585858585858585858585858585858585858585858585858585858585858",
	    "706173732070687261736520657175616c7320626c6f636b2073697a65",
	    "59d1bb789a828b1aa54ef9c2883f69ed",
	    "89adee3608db8bc71f1bfbfe459486b05618b70cbae22092534e56c553ba4b34" },
	{ "000004b0",
	    "58585858585858585858585858585858585858585858585858585858585858585858"
	    "58585858585858585858585858585858585858585858585858585858585858",
	    "7061737320706872617365206578636565647320626c6f636b2073697a65",
	    "cb8005dc5f90179a7f02104c0018751d",
	    "d78c5c9cb872a8c9dad4697f0bb5b2d21496c82beb2caeda2112fceea057401b" },
	{ "00000032", "f09d849e", "4558414d504c452e434f4d7069616e697374",
	    "f149c1f2e154a73452d43e7fe62a56e5",
	    "4b6d9839f84406df1f09cc166db4b83c571848b784a3d6bdc346589a3e393f9e" },
};

START_TEST(test_s2k_rfc3962)
{
	unsigned char pw[128], salt[128], params[4];
	size_t pwl, sl;
	struct kc_key k;
	struct kerr e;

	ck_assert_uint_eq(unhex(s2k3962[_i].iter, params, sizeof(params)), 4);
	pwl = unhex(s2k3962[_i].pw, pw, sizeof(pw));
	sl = unhex(s2k3962[_i].salt, salt, sizeof(salt));
	ck_assert_int_eq(kc_string_to_key(17, (char *)pw, pwl, salt, sl,
	    params, 4, &k, &e), 0);
	assert_hex(k.bytes, k.length, s2k3962[_i].k128);
	ck_assert_int_eq(k.enctype, 17);
	ck_assert_int_eq(kc_string_to_key(18, (char *)pw, pwl, salt, sl,
	    params, 4, &k, &e), 0);
	assert_hex(k.bytes, k.length, s2k3962[_i].k256);
	kc_key_clear(&k);
	ck_assert_uint_eq(k.length, 0);
}
END_TEST

/* The 64- and 65-byte pass phrases above really are that long. */
START_TEST(test_s2k_rfc3962_lengths)
{
	unsigned char pw[128];

	ck_assert_uint_eq(unhex(s2k3962[4].pw, pw, sizeof(pw)), 64);
	ck_assert_uint_eq(unhex(s2k3962[5].pw, pw, sizeof(pw)), 65);
}
END_TEST

/* ---- RFC 3962 appendix B: AES-CTS, zero IV ---- */

static const char *const cts_plain =
    "4920776f756c64206c696b652074686520"
    "47656e6572616c20476175277320436869636b656e2c20706c656173652c20"
    "616e6420776f6e746f6e20736f75702e";

static const struct {
	size_t len;
	const char *out;
} cts_vec[] = {
	{ 17, "c6353568f2bf8cb4d8a580362da7ff7f97" },
	{ 31, "fc00783e0efdb2c1d445d4c8eff7ed22"
	    "97687268d6ecccc0c07b25e25ecfe5" },
	{ 32, "39312523a78662d5be7fcbcc98ebf5a8"
	    "97687268d6ecccc0c07b25e25ecfe584" },
	{ 47, "97687268d6ecccc0c07b25e25ecfe584"
	    "b3fffd940c16a18c1b5549d2f838029e"
	    "39312523a78662d5be7fcbcc98ebf5" },
	{ 48, "97687268d6ecccc0c07b25e25ecfe584"
	    "9dad8bbb96c4cdc03bc103e1a194bbd8"
	    "39312523a78662d5be7fcbcc98ebf5a8" },
	{ 64, "97687268d6ecccc0c07b25e25ecfe584"
	    "39312523a78662d5be7fcbcc98ebf5a8"
	    "4807efe836ee89a526730dbc2f7bc840"
	    "9dad8bbb96c4cdc03bc103e1a194bbd8" },
};

START_TEST(test_cts_rfc3962)
{
	unsigned char key[16], plain[64], out[64], back[64];
	struct kerr e;
	size_t len = cts_vec[_i].len;

	ck_assert_uint_eq(unhex("636869636b656e207465726979616b69", key,
	    sizeof(key)), 16);
	ck_assert_uint_eq(unhex(cts_plain, plain, sizeof(plain)), 64);
	ck_assert_int_eq(kc_cts("AES-128-CBC-CTS", key, 16, 1, plain, len,
	    out, &e), 0);
	assert_hex(out, len, cts_vec[_i].out);
	ck_assert_int_eq(kc_cts("AES-128-CBC-CTS", key, 16, 0, out, len,
	    back, &e), 0);
	ck_assert_mem_eq(back, plain, len);
}
END_TEST

/* One block is plain CBC (= one AES block under a zero IV): it must equal
 * the first block of the 32-byte vector's CBC chain, which CTS moved last. */
START_TEST(test_cts_one_block)
{
	unsigned char key[16], plain[64], out[16];
	struct kerr e;

	unhex("636869636b656e207465726979616b69", key, sizeof(key));
	unhex(cts_plain, plain, sizeof(plain));
	ck_assert_int_eq(kc_cts("AES-128-CBC-CTS", key, 16, 1, plain, 16,
	    out, &e), 0);
	assert_hex(out, 16, "97687268d6ecccc0c07b25e25ecfe584");
	ck_assert_int_ne(kc_cts("AES-128-CBC-CTS", key, 16, 1, plain, 15,
	    out, &e), 0);
}
END_TEST

/*
 * The RFC 3961 DK behind the AES-SHA1 enctypes (OpenSSL's KRB5KDF) must be
 * DR(key, n-fold(constant)) computed by hand: AES blocks chained from the
 * n-folded constant, concatenated to the key length.
 */
START_TEST(test_dk_matches_nfold_construction)
{
	const struct kc_profile *p = _i == 0 ? &kc_profile_aes128_sha1 :
	    &kc_profile_aes256_sha1;
	unsigned char key[32], block[16], want[32], got[32];
	const unsigned char constant[5] = { 0, 0, 0, 2, 0x99 };
	struct kerr e;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 7 + 1);
	kc_nfold(constant, sizeof(constant), block, sizeof(block));
	for (i = 0; i < p->key_len; i += 16) {
		ck_assert_int_eq(kc_cts(p->cts_cipher, key, p->key_len, 1,
		    block, 16, want + i, &e), 0);
		memcpy(block, want + i, 16);
	}
	ck_assert_int_eq(kc_derive_usage(p, key, 2, KC_KIND_CHECKSUM, got,
	    p->key_len, &e), 0);
	ck_assert_mem_eq(got, want, p->key_len);
}
END_TEST

/*
 * kc_krb5kdf's block-by-block DK equals OpenSSL's KRB5KDF for every
 * constant length below a block (usage constants, "kerberos", "prf"),
 * both AES key sizes and many keys.
 */
START_TEST(test_dk_matches_openssl_krb5kdf)
{
	const struct kc_profile *p = _i == 0 ? &kc_profile_aes128_sha1 :
	    &kc_profile_aes256_sha1;
	unsigned char key[32], constant[16], want[32], got[32];
	struct kerr e;
	size_t i, clen, round;

	for (round = 0; round < 8; round++) {
		for (i = 0; i < sizeof(key); i++)
			key[i] = (unsigned char)(i * 13 + round * 101 + 5);
		for (clen = 1; clen < 16; clen++) {
			for (i = 0; i < clen; i++)
				constant[i] = (unsigned char)(i + clen * 17 +
				    round);
			ck_assert_int_eq(kc_krb5kdf_evp(p->cbc_cipher, key,
			    p->key_len, constant, clen, want, p->key_len,
			    &e), 0);
			ck_assert_int_eq(kc_krb5kdf(p->cbc_cipher, key,
			    p->key_len, constant, clen, got, p->key_len, &e),
			    0);
			ck_assert_mem_eq(got, want, p->key_len);
		}
	}
	/* A block-long constant takes the KRB5KDF path. */
	memset(constant, 0x5a, sizeof(constant));
	ck_assert_int_eq(kc_krb5kdf_evp(p->cbc_cipher, key, p->key_len,
	    constant, 16, want, p->key_len, &e), 0);
	ck_assert_int_eq(kc_krb5kdf(p->cbc_cipher, key, p->key_len, constant,
	    16, got, p->key_len, &e), 0);
	ck_assert_mem_eq(got, want, p->key_len);
}
END_TEST

/* ---- RFC 8009 appendix A ---- */

#define B16 "3705D96080C17728A0E800EAB6E0D23C"
#define B32 "6D404D37FAF79F9DF0D33568D320669800EB4836472EA8A026D16B7182460C52"

START_TEST(test_s2k_rfc8009)
{
	unsigned char salt[64];
	size_t sl;
	struct kc_key k;
	struct kerr e;

	sl = unhex("10DF9DD783E5BC8ACEA1730E74355F61", salt, sizeof(salt));
	memcpy(salt + sl, "ATHENA.MIT.EDUraeburn", 21);
	sl += 21;
	/* The vectors use 32768 iterations, which is also the default. */
	ck_assert_int_eq(kc_string_to_key(19, "password", 8, salt, sl,
	    "\x00\x00\x80\x00", 4, &k, &e), 0);
	assert_hex(k.bytes, k.length, "089BCA48B105EA6EA77CA5D2F39DC5E7");
	ck_assert_int_eq(kc_string_to_key(20, "password", 8, salt, sl, NULL,
	    0, &k, &e), 0);
	assert_hex(k.bytes, k.length,
	    "45BD806DBF6A833A9CFFC1C94589A222367A79BC21C413718906E9F578A78467");
	kc_key_clear(&k);
}
END_TEST

static const struct {
	int32_t enctype;
	const char *base;
	unsigned char kind;
	const char *out;
} kdf8009[] = {
	{ 19, B16, KC_KIND_CHECKSUM, "B31A018A48F54776F403E9A396325DC3" },
	{ 19, B16, KC_KIND_ENCRYPT, "9B197DD1E8C5609D6E67C3E37C62C72E" },
	{ 19, B16, KC_KIND_INTEGRITY, "9FDA0E56AB2D85E1569A688696C26A6C" },
	{ 20, B32, KC_KIND_CHECKSUM,
	    "EF5718BE86CC84963D8BBB5031E9F5C4BA41F28FAF69E73D" },
	{ 20, B32, KC_KIND_ENCRYPT,
	    "56AB22BEE63D82D7BC5227F6773F8EA7A5EB1C825160C38312980C442E5C7E49" },
	{ 20, B32, KC_KIND_INTEGRITY,
	    "69B16514E3CD8E56B82010D5C73012B622C4D00FFC23ED1F" },
};

START_TEST(test_kdf_rfc8009)
{
	const struct kc_profile *p = kc_profile_find(kdf8009[_i].enctype);
	unsigned char base[32], out[64], want[64];
	size_t wl = unhex(kdf8009[_i].out, want, sizeof(want));
	struct kerr e;

	unhex(kdf8009[_i].base, base, sizeof(base));
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(kc_derive_usage(p, base, 2, kdf8009[_i].kind, out, wl,
	    &e), 0);
	ck_assert_mem_eq(out, want, wl);
	/* And the profile uses those lengths for Ke, Ki and Kc. */
	if (kdf8009[_i].kind == KC_KIND_ENCRYPT)
		ck_assert_uint_eq(wl, p->key_len);
	else if (kdf8009[_i].kind == KC_KIND_INTEGRITY)
		ck_assert_uint_eq(wl, p->ki_len);
	else
		ck_assert_uint_eq(wl, p->kc_len);
}
END_TEST

static const struct {
	int32_t enctype;
	const char *base;
	const char *plain;
	const char *conf;
	const char *out;
} enc8009[] = {
	{ 19, B16, "", "7E5895EAF2672435BAD817F545A37148",
	    "EF85FB890BB8472F4DAB20394DCA781DAD877EDA39D50C870C0D5A0A8E48C718" },
	{ 19, B16, "000102030405", "7BCA285E2FD4130FB55B1A5C83BC5B24",
	    "84D7F30754ED987BAB0BF3506BEB09CFB55402CEF7E6877CE99E247E52D16ED4"
	    "421DFDF8976C" },
	{ 19, B16, "000102030405060708090A0B0C0D0E0F",
	    "56AB21713FF62C0A1457200F6FA9948F",
	    "3517D640F50DDC8AD3628722B3569D2AE07493FA8263254080EA65C1008E8FC2"
	    "95FB4852E7D83E1E7C48C37EEBE6B0D3" },
	{ 19, B16, "000102030405060708090A0B0C0D0E0F1011121314",
	    "A7A4E29A4728CE10664FB64E49AD3FAC",
	    "720F73B18D9859CD6CCB4346115CD336C70F58EDC0C4437C5573544C31C813BC"
	    "E1E6D072C186B39A413C2F92CA9B8334A287FFCBFC" },
	{ 20, B32, "", "F764E9FA15C276478B2C7D0C4E5F58E4",
	    "41F53FA5BFE7026D91FAF9BE959195A058707273A96A40F0A01960621AC61274"
	    "8B9BBFBE7EB4CE3C" },
	{ 20, B32, "000102030405", "B80D3251C1F6471494256FFE712D0B9A",
	    "4ED7B37C2BCAC8F74F23C1CF07E62BC7B75FB3F637B9F559C7F664F69EAB7B60"
	    "92237526EA0D1F61CB20D69D10F2" },
	{ 20, B32, "000102030405060708090A0B0C0D0E0F",
	    "53BF8A0D105265D4E276428624CE5E63",
	    "BC47FFEC7998EB91E8115CF8D19DAC4BBBE2E163E87DD37F49BECA92027764F6"
	    "8CF51F14D798C2273F35DF574D1F932E40C4FF255B36A266" },
	{ 20, B32, "000102030405060708090A0B0C0D0E0F1011121314",
	    "763E65367E864F02F55153C7E3B58AF1",
	    "40013E2DF58E8751957D2878BCD2D6FE101CCFD556CB1EAE79DB3C3EE86429F2"
	    "B2A602AC86FEF6ECB647D6295FAE077A1FEB517508D2C16B4192E01F62" },
};

START_TEST(test_enc_rfc8009)
{
	unsigned char plain[64], conf[16];
	size_t pl = unhex(enc8009[_i].plain, plain, sizeof(plain));
	unsigned char *c = NULL, *back = NULL;
	size_t cl = 0, bl = 0;
	struct kc_key k;
	struct kerr e;

	unhex(enc8009[_i].conf, conf, sizeof(conf));
	key_hex(enc8009[_i].enctype, enc8009[_i].base, &k);
	ck_assert_int_eq(kc_encrypt_with_confounder(&k, 2, conf, 16, plain, pl,
	    &c, &cl, &e), 0);
	assert_hex(c, cl, enc8009[_i].out);
	ck_assert_uint_eq(cl, pl + kc_enctype_overhead(k.enctype));
	ck_assert_int_eq(kc_decrypt(&k, 2, c, cl, &back, &bl, &e), 0);
	ck_assert_uint_eq(bl, pl);
	if (pl > 0)
		ck_assert_mem_eq(back, plain, pl);
	free(c);
	sec_free(back, bl);
}
END_TEST

/* The same vectors through a key with a derived-key cache: the first
 * encryption fills it, the second and the decryption read it. */
START_TEST(test_enc_rfc8009_cached)
{
	unsigned char plain[64], conf[16];
	size_t pl = unhex(enc8009[_i].plain, plain, sizeof(plain));
	unsigned char *c = NULL, *back = NULL;
	size_t cl = 0, bl = 0;
	struct kc_key k;
	struct kerr e;
	int round;

	unhex(enc8009[_i].conf, conf, sizeof(conf));
	key_hex(enc8009[_i].enctype, enc8009[_i].base, &k);
	ck_assert_int_eq(kc_key_keep_derived(&k, &e), 0);
	ck_assert_ptr_nonnull(k.derived);
	ck_assert_int_eq(kc_key_keep_derived(&k, &e), 0);
	for (round = 0; round < 2; round++) {
		ck_assert_int_eq(kc_encrypt_with_confounder(&k, 2, conf, 16,
		    plain, pl, &c, &cl, &e), 0);
		assert_hex(c, cl, enc8009[_i].out);
		ck_assert_int_eq(kc_decrypt(&k, 2, c, cl, &back, &bl, &e), 0);
		ck_assert_uint_eq(bl, pl);
		if (pl > 0)
			ck_assert_mem_eq(back, plain, pl);
		free(c);
		sec_free(back, bl);
	}
	kc_key_clear(&k);
	ck_assert_ptr_null(k.derived);
	kc_key_clear(&k);
}
END_TEST

START_TEST(test_checksum_rfc8009)
{
	unsigned char msg[32], out[KC_MAX_CKSUM_LEN];
	size_t ml = unhex("000102030405060708090A0B0C0D0E0F1011121314", msg,
	    sizeof(msg)), ol = 0;
	const char *want = _i == 0 ? "D78367186643D67B411CBA9139FC1DEE" :
	    "45EE791567EEFCA37F4AC1E0222DE80D43C3BFA06699672A";
	struct kc_key k;
	struct kerr e;

	key_hex(_i == 0 ? 19 : 20, _i == 0 ? B16 : B32, &k);
	ck_assert_int_eq(kc_checksum(&k, 2, 0, msg, ml, out, &ol, &e), 0);
	assert_hex(out, ol, want);
	ck_assert_int_eq(kc_checksum_verify(&k, 2,
	    kc_checksum_type_for_enctype(k.enctype), msg, ml, out, ol, &e), 0);
}
END_TEST

START_TEST(test_prf_rfc8009)
{
	unsigned char out[KC_MAX_PRF_LEN];
	size_t ol = 0;
	struct kc_key k;
	struct kerr e;

	key_hex(_i == 0 ? 19 : 20, _i == 0 ? B16 : B32, &k);
	ck_assert_int_eq(kc_prf(&k, "test", 4, out, &ol, &e), 0);
	assert_hex(out, ol, _i == 0 ?
	    "9D188616F63852FE86915BB840B4A886FF3E6BB0F819B49B893393D393854295" :
	    "9801F69A368C2BF675E59521E177D9A07F67EFE1CFDE8D3C8D6F6A0256E3B17D"
	    "B3C1B62AD1B8553360D17367EB1514D2");
	ck_assert_uint_eq(ol, kc_prf_length(k.enctype));
}
END_TEST

/* ---- Values from MIT krb5 (t_cf2 data, and its library) ---- */

static const struct {
	int32_t enctype;
	const char *k1;         /* string-to-key("key1", salt "key1") */
	const char *cf2;        /* cf2(k1, "a", k2, "b") */
	const char *prf;        /* PRF(k1, "prf input") */
	const char *enc;        /* MIT encryption of "interop", usage 3 */
	const char *cksum;      /* MIT checksum of "checksum me", usage 7 */
} mit[] = {
	{ 17, "ae272e7cdec86ac5138cdb196d8e297d",
	    "97df97e4b798b29eb31ed7280287a92a",
	    "ff75f5eaad05d068a302fff90783be89",
	    "037959211114d314132ce75bf42b9e9044f3b1d344704aaf4422d6a1061eada0"
	    "44a3ae",
	    "3f62e458b49646b306c44ebb" },
	{ 18, "c01f157211f7b77eaaf457c3e156690127ee127d810ba6392e97baa243eb0616",
	    "4d6ca4e629785c1f01baf55e2e548566b9617ae3a96868c337cb93b5e72b1c7b",
	    "c13b8f7f71b848e978e32a1d666d981e",
	    "b2c61b76a66d6080702d692057864c0efa9a1bc7ebc23c0fe721857aec4c6e99"
	    "db32bf",
	    "674229709df8d6a046359ebc" },
	{ 19, "e18593528e4452b4befd81ebefea681c",
	    "edd02a39d2dbde31611c16e610be062c",
	    "b3f53ae161c2fc0fbd1e788769c3909e94d9f37b8331efdae67ce9c8c680ded2",
	    "e387257a266499b1ead27d092f09b406b0b78f1779a46d6ff690b4e888d289ca"
	    "101504e59eb933",
	    "f3d854ac0cc82676ac00a2a48b1565b1" },
	{ 20, "4ad116668f05b17d7b7ca10297bf1934f41b58eeafba0bd00f65459f24491fb7",
	    "67f6ea530aea85a37dcbb23349ea52dcc61ca8493ff557252327fd8304341584",
	    "f8c5b3eff03cae8c848f81e11edef32207f1440a2ccfccfed39fc54e8b75532c"
	    "811fb85488313d205a3bf67af7e94ac2",
	    "e25b23c4d3d2aebe594761d0e8c2784b257b8a50b1200183c82529aca9acc175"
	    "c182ad872d24b1a4b815047b850e9c",
	    "216e90d02089d27e85b56623b14ca9d2c4c5044198c8c4b6" },
};

START_TEST(test_mit_s2k_cf2)
{
	struct kc_key k1, k2, out;
	struct kerr e;

	ck_assert_int_eq(kc_string_to_key(mit[_i].enctype, "key1", 4, "key1",
	    4, NULL, 0, &k1, &e), 0);
	assert_hex(k1.bytes, k1.length, mit[_i].k1);
	ck_assert_int_eq(kc_string_to_key(mit[_i].enctype, "key2", 4, "key2",
	    4, NULL, 0, &k2, &e), 0);
	ck_assert_int_eq(kc_cf2(&k1, "a", &k2, "b", &out, &e), 0);
	ck_assert_int_eq(out.enctype, mit[_i].enctype);
	assert_hex(out.bytes, out.length, mit[_i].cf2);
	kc_key_clear(&k1);
	kc_key_clear(&k2);
	kc_key_clear(&out);
}
END_TEST

START_TEST(test_mit_prf_decrypt_checksum)
{
	unsigned char buf[128], out[KC_MAX_PRF_LEN];
	unsigned char *plain = NULL;
	size_t n, ol = 0, pl = 0;
	struct kc_key k;
	struct kerr e;

	key_hex(mit[_i].enctype, mit[_i].k1, &k);
	ck_assert_int_eq(kc_prf(&k, "prf input", 9, out, &ol, &e), 0);
	assert_hex(out, ol, mit[_i].prf);
	n = unhex(mit[_i].enc, buf, sizeof(buf));
	ck_assert_int_eq(kc_decrypt(&k, 3, buf, n, &plain, &pl, &e), 0);
	ck_assert_uint_eq(pl, 7);
	ck_assert_mem_eq(plain, "interop", 7);
	sec_free(plain, pl);
	n = unhex(mit[_i].cksum, buf, sizeof(buf));
	ck_assert_int_eq(kc_checksum_verify(&k, 7, 0, "checksum me", 11, buf,
	    n, &e), 0);
	ck_assert_int_eq(kc_checksum_verify(&k, 8, 0, "checksum me", 11, buf,
	    n, &e), KRB_AP_ERR_BAD_INTEGRITY);
}
END_TEST

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

int
main(void)
{
	Suite *s = suite_create("kcrypto");
	TCase *tv = tcase_create("vectors");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tv, 60);
	tcase_add_loop_test(tv, test_nfold_rfc3961, 0, NELEM(nfold_vec));
	tcase_add_loop_test(tv, test_s2k_rfc3962, 0, NELEM(s2k3962));
	tcase_add_test(tv, test_s2k_rfc3962_lengths);
	tcase_add_loop_test(tv, test_cts_rfc3962, 0, NELEM(cts_vec));
	tcase_add_test(tv, test_cts_one_block);
	tcase_add_loop_test(tv, test_dk_matches_nfold_construction, 0, 2);
	tcase_add_loop_test(tv, test_dk_matches_openssl_krb5kdf, 0, 2);
	tcase_add_test(tv, test_s2k_rfc8009);
	tcase_add_loop_test(tv, test_kdf_rfc8009, 0, NELEM(kdf8009));
	tcase_add_loop_test(tv, test_enc_rfc8009, 0, NELEM(enc8009));
	tcase_add_loop_test(tv, test_enc_rfc8009_cached, 0, NELEM(enc8009));
	tcase_add_loop_test(tv, test_checksum_rfc8009, 0, 2);
	tcase_add_loop_test(tv, test_prf_rfc8009, 0, 2);
	tcase_add_loop_test(tv, test_mit_s2k_cf2, 0, NELEM(mit));
	tcase_add_loop_test(tv, test_mit_prf_decrypt_checksum, 0, NELEM(mit));
	suite_add_tcase(s, tv);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
