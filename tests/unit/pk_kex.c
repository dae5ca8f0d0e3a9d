/* pk_kex.c - client-side DH/ECDH for the unit tests and the benchmark. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "pk_der.h"
#include "pk_kex.h"

const char *
pkx_ossl_group(enum pk_group grp)
{
	switch (grp) {
	case PK_GROUP_MODP14:
		return "modp_2048";
	case PK_GROUP_MODP15:
		return "modp_3072";
	case PK_GROUP_MODP16:
		return "modp_4096";
	case PK_GROUP_P256:
		return "P-256";
	case PK_GROUP_P384:
		return "P-384";
	case PK_GROUP_P521:
		return "P-521";
	default:
		return NULL;
	}
}

static BIGNUM *
prime_of(enum pk_group grp)
{
	switch (grp) {
	case PK_GROUP_MODP14:
		return BN_get_rfc3526_prime_2048(NULL);
	case PK_GROUP_MODP15:
		return BN_get_rfc3526_prime_3072(NULL);
	case PK_GROUP_MODP16:
		return BN_get_rfc3526_prime_4096(NULL);
	default:
		return NULL;
	}
}

/* DER INTEGER of a non-negative BIGNUM. */
static int
der_bn(struct pk_der *d, const BIGNUM *bn)
{
	uint8_t buf[600];
	int n = BN_num_bytes(bn);

	if (n + 1 > (int)sizeof(buf))
		return -1;
	buf[0] = 0;
	BN_bn2bin(bn, buf + 1);
	if (n > 0 && !(buf[1] & 0x80))
		pk_der_tlv(d, 0x02, buf + 1, (size_t)n);
	else
		pk_der_tlv(d, 0x02, buf, (size_t)n + 1);
	return 0;
}

int
pkx_dh_spki(const BIGNUM *p, const BIGNUM *g, const BIGNUM *q,
    const BIGNUM *y, uint8_t **spki_out, size_t *len_out)
{
	/* dhpublicnumber 1.2.840.10046.2.1 (RFC 3279 section 2.3.3) */
	static const uint8_t oid_dh[] = { 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
		0x3e, 0x02, 0x01 };
	struct pk_der d, k;
	uint8_t *ky = NULL;
	size_t at, kl;
	int ret = -1;

	pk_der_init(&d);
	pk_der_init(&k);
	if (der_bn(&k, y) != 0 || pk_der_take(&k, &ky, &kl) != 0)
		goto cleanup;
	pk_der_raw(&d, oid_dh, sizeof(oid_dh));
	at = d.len;
	if (der_bn(&d, p) != 0 || der_bn(&d, g) != 0 ||
	    (q != NULL && der_bn(&d, q) != 0))
		goto cleanup;
	pk_der_wrap(&d, at, 0x30);
	pk_der_wrap(&d, 0, 0x30);
	at = d.len;
	pk_der_raw(&d, "", 1);          /* BIT STRING: no unused bits */
	pk_der_raw(&d, ky, kl);
	pk_der_wrap(&d, at, 0x03);
	pk_der_wrap(&d, 0, 0x30);
	if (pk_der_take(&d, spki_out, len_out) != 0)
		goto cleanup;
	ret = 0;
cleanup:
	pk_der_clear(&d);
	pk_der_clear(&k);
	free(ky);
	return ret;
}

/*
 * RFC 5349 section 2 (RFC 5480): id-ecPublicKey with the named curve as
 * parameters, and the uncompressed point.  Built here rather than with
 * i2d_PUBKEY, which runs OpenSSL's encoder machinery for every key.
 */
static int
ec_spki(enum pk_group grp, EVP_PKEY *k, uint8_t **spki_out, size_t *len_out)
{
	static const uint8_t ec_public_key[] = { 0x06, 0x07, 0x2a, 0x86, 0x48,
		0xce, 0x3d, 0x02, 0x01 };
	static const uint8_t p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
		0x3d, 0x03, 0x01, 0x07 };
	static const uint8_t p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00,
		0x22 };
	static const uint8_t p521[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00,
		0x23 };
	const uint8_t *curve = grp == PK_GROUP_P256 ? p256 :
	    grp == PK_GROUP_P384 ? p384 : p521;
	size_t curve_len = grp == PK_GROUP_P256 ? sizeof(p256) : sizeof(p384);
	unsigned char point[1 + 2 * 66];
	struct pk_der d;
	size_t plen = 0, at;

	if (EVP_PKEY_get_octet_string_param(k,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof(point),
	    &plen) != 1 || plen == 0 || point[0] != 0x04)
		return -1;
	pk_der_init(&d);
	pk_der_raw(&d, ec_public_key, sizeof(ec_public_key));
	pk_der_raw(&d, curve, curve_len);
	pk_der_wrap(&d, 0, 0x30);
	at = d.len;
	pk_der_raw(&d, "", 1);          /* BIT STRING: no unused bits */
	pk_der_raw(&d, point, plen);
	pk_der_wrap(&d, at, 0x03);
	pk_der_wrap(&d, 0, 0x30);
	return pk_der_take(&d, spki_out, len_out);
}

static EVP_PKEY *
keygen(const char *type, const char *group)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;
	OSSL_PARAM params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)group, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_params(ctx, params) != 1 ||
	    EVP_PKEY_generate(ctx, &k) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

int
pkx_client_key(enum pk_group grp, EVP_PKEY **key_out, uint8_t **spki_out,
    size_t *len_out)
{
	const char *name = pkx_ossl_group(grp);
	BIGNUM *p = NULL, *g = NULL, *q = NULL, *y = NULL;
	EVP_PKEY *k = NULL;
	uint8_t *out = NULL;
	size_t len = 0;
	int ret = -1;

	if (name == NULL)
		return -1;
	if (grp >= PK_GROUP_P256) {
		if ((k = keygen("EC", name)) == NULL ||
		    ec_spki(grp, k, &out, &len) != 0)
			goto cleanup;
	} else {
		/* RFC 3526 primes are safe primes: q = (p - 1) / 2. */
		if ((k = keygen("DH", name)) == NULL)
			goto cleanup;
		p = prime_of(grp);
		g = BN_new();
		q = BN_new();
		if (p == NULL || g == NULL || q == NULL ||
		    !BN_set_word(g, 2) || !BN_rshift1(q, p) ||
		    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PUB_KEY, &y) != 1 ||
		    pkx_dh_spki(p, g, q, y, &out, &len) != 0)
			goto cleanup;
	}
	*key_out = k;
	k = NULL;
	*spki_out = out;
	out = NULL;
	*len_out = len;
	ret = 0;
cleanup:
	free(out);
	EVP_PKEY_free(k);
	BN_free(p);
	BN_free(g);
	BN_free(q);
	BN_free(y);
	return ret;
}

int
pkx_client_secret(EVP_PKEY *mine, enum pk_group grp, const uint8_t *kdc_pub,
    size_t kdc_len, uint8_t **secret_out, size_t *len_out)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer = NULL;
	ASN1_INTEGER *ai = NULL;
	int is_ec = grp >= PK_GROUP_P256, ret = -1;
	const unsigned char *p = kdc_pub;
	const char *name = pkx_ossl_group(grp);
	BIGNUM *y = NULL;
	uint8_t *secret = NULL;
	size_t len = 0;

	if (name == NULL)
		goto cleanup;
	if (is_ec) {
		/* RFC 5349 section 2: the ECPoint itself, on our curve. */
		peer = EVP_PKEY_new();
		if (peer == NULL || EVP_PKEY_copy_parameters(peer, mine) != 1 ||
		    EVP_PKEY_set1_encoded_public_key(peer, kdc_pub,
		    kdc_len) != 1)
			goto cleanup;
	} else {
		/* RFC 4556 section 3.2.3.1: DER INTEGER y. */
		ai = d2i_ASN1_INTEGER(NULL, &p, (long)kdc_len);
		if (bld == NULL || ai == NULL || p != kdc_pub + kdc_len ||
		    (y = ASN1_INTEGER_to_BN(ai, NULL)) == NULL ||
		    !OSSL_PARAM_BLD_push_utf8_string(bld,
		    OSSL_PKEY_PARAM_GROUP_NAME, name, 0) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) ||
		    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
			goto cleanup;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
		    EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY,
		    params) != 1)
			goto cleanup;
	}
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1)
		goto cleanup;
	/* DHSharedSecret is padded to the size of p (section 3.2.3.1). */
	if (!is_ec && EVP_PKEY_CTX_set_dh_pad(ctx, 1) != 1)
		goto cleanup;
	/*
	 * A DH public value gets OpenSSL's full check here.  An EC point was
	 * checked to be on the curve when it was decoded, and the NIST
	 * curves have cofactor 1, so the full check (a scalar multiplication
	 * by the order) would add nothing but cost.
	 */
	if (EVP_PKEY_derive_set_peer_ex(ctx, peer, !is_ec) != 1 ||
	    EVP_PKEY_derive(ctx, NULL, &len) != 1 ||
	    (secret = malloc(len)) == NULL ||
	    EVP_PKEY_derive(ctx, secret, &len) != 1)
		goto cleanup;
	*secret_out = secret;
	secret = NULL;
	*len_out = len;
	ret = 0;
cleanup:
	if (secret != NULL) {
		OPENSSL_cleanse(secret, len);
		free(secret);
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	ASN1_INTEGER_free(ai);
	BN_free(y);
	return ret;
}
