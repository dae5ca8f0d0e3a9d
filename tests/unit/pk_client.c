/* pk_client.c - the client half of PKINIT for the unit tests. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pk_client.h"
#include "pk_der.h"
#include "pki_fixture.h"

#define ID_PKINIT_AUTH_DATA "1.3.6.1.5.2.3.1"

uint8_t *
pkc_dup(const unsigned char *p, int n, size_t *len_out)
{
	uint8_t *out;

	ck_assert_int_gt(n, 0);
	out = malloc((size_t)n);
	ck_assert_ptr_nonnull(out);
	memcpy(out, p, (size_t)n);
	*len_out = (size_t)n;
	return out;
}

void
pkc_capture_load(const char *path, struct pkc_capture *c)
{
	KRB5_PADATA *pa;
	PKINIT_PA_PK_AS_REQ *pkreq = NULL;
	CMS_ContentInfo *cms;
	ASN1_OCTET_STRING **content;
	const unsigned char *p;
	struct kerr e;

	memset(c, 0, sizeof(*c));
	c->der = pki_read(path, &c->len);
	ck_assert_msg(c->der != NULL, "cannot read %s", path);
	ck_assert_msg(ASN1KRB_DECODE(KRB5_AS_REQ, c->der, c->len, &c->req,
	    &e) == 0, "%s", e.msg);
	ck_assert_int_eq(asn1krb_kdc_req_body_raw(c->der, c->len, &c->body,
	    &c->body_len, &e), 0);
	ck_assert_int_eq(asn1krb_uint32_get(c->req->req_body->nonce,
	    &c->nonce), 0);
	pa = asn1krb_padata_find(c->req->padata, KRB5_PADATA_PK_AS_REQ, NULL);
	ck_assert_ptr_nonnull(pa);
	c->pa = pa->padata_value->data;
	c->pa_len = (size_t)pa->padata_value->length;

	/* The AuthPack, read without checking anything: the test wants its
	 * ctime to play the KDC clock at capture time. */
	ck_assert_int_eq(ASN1KRB_DECODE(PKINIT_PA_PK_AS_REQ, c->pa, c->pa_len,
	    &pkreq, &e), 0);
	p = pkreq->signed_auth_pack->data;
	cms = d2i_CMS_ContentInfo(NULL, &p, pkreq->signed_auth_pack->length);
	ck_assert_ptr_nonnull(cms);
	content = CMS_get0_content(cms);
	ck_assert(content != NULL && *content != NULL);
	ck_assert_msg(ASN1KRB_DECODE(PKINIT_AUTH_PACK, (*content)->data,
	    (size_t)(*content)->length, &c->auth_pack, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(asn1krb_time_get(c->auth_pack->pk_authenticator->ctime,
	    &c->ctime), 0);
	CMS_ContentInfo_free(cms);
	PKINIT_PA_PK_AS_REQ_free(pkreq);
}

void
pkc_capture_free(struct pkc_capture *c)
{
	KRB5_AS_REQ_free(c->req);
	PKINIT_AUTH_PACK_free(c->auth_pack);
	free(c->der);
	memset(c, 0, sizeof(*c));
}

static void
digest(const char *oid, const uint8_t *p, size_t n, int flip,
    ASN1_OCTET_STRING **out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	const EVP_MD *h;

	ck_assert_ptr_nonnull(obj);
	h = EVP_get_digestbyobj(obj);
	ASN1_OBJECT_free(obj);
	ck_assert_ptr_nonnull(h);
	ck_assert(EVP_Digest(p, n, md, &mdlen, h, NULL));
	if (flip)
		md[mdlen / 2] ^= 0x01;
	ck_assert_int_eq(asn1krb_octets_set(out, md, mdlen), 0);
}

uint8_t *
pkc_auth_pack(const struct pkc_opts *o, const uint8_t *body, size_t body_len,
    size_t *len_out)
{
	PKINIT_AUTH_PACK *ap = PKINIT_AUTH_PACK_new();
	PKINIT_PK_AUTHENTICATOR *pa = ap->pk_authenticator;
	uint8_t *der = NULL;
	size_t i;
	struct kerr e;

	pa->cusec = o->cusec;
	ck_assert_int_eq(asn1krb_time_set(&pa->ctime, o->ctime), 0);
	ASN1_INTEGER_free(pa->nonce);
	pa->nonce = asn1krb_uint32_new(o->nonce);
	if (o->checksum != PKC_CK_NONE)
		digest("1.3.14.3.2.26", body, body_len,
		    o->checksum == PKC_CK_WRONG, &pa->pa_checksum);
	if (o->freshness != NULL)
		ck_assert_int_eq(asn1krb_octets_set(&pa->freshness_token,
		    (const uint8_t *)o->freshness, strlen(o->freshness)), 0);
	if (o->checksum2_oid != NULL) {
		X509_ALGOR *alg = X509_ALGOR_new();

		pa->pa_checksum2 = PKINIT_PA_CHECKSUM2_new();
		digest(o->checksum2_oid, body, body_len,
		    o->checksum2 == PKC_CK_WRONG, &pa->pa_checksum2->checksum);
		ck_assert(X509_ALGOR_set0(alg, OBJ_txt2obj(o->checksum2_oid, 1),
		    V_ASN1_UNDEF, NULL));
		X509_ALGOR_free(pa->pa_checksum2->algorithm_identifier);
		pa->pa_checksum2->algorithm_identifier = alg;
	}
	if (o->spki != NULL) {
		ap->client_public_value = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
		ck_assert_ptr_nonnull(ap->client_public_value);
		ck_assert(ASN1_STRING_set(ap->client_public_value, o->spki,
		    (int)o->spki_len));
	}
	if (o->dh_nonce != NULL)
		ck_assert_int_eq(asn1krb_octets_set(&ap->client_dh_nonce,
		    o->dh_nonce, o->dh_nonce_len), 0);
	for (i = 0; i < o->n_kdfs; i++)
		ck_assert_int_eq(pkinit_asn1_kdf_add(&ap->supported_kdfs,
		    o->kdfs[i]), 0);
	ck_assert_msg(ASN1KRB_ENCODE(PKINIT_AUTH_PACK, ap, &der, len_out, &e)
	    == 0, "%s", e.msg);
	PKINIT_AUTH_PACK_free(ap);
	return der;
}

static void *
read_pem(const char *name, int key)
{
	BIO *b = BIO_new_file(pki_path(name), "r");
	void *v;

	ck_assert_msg(b != NULL, "cannot open %s", name);
	v = key ? (void *)PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) :
	    (void *)PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ck_assert_msg(v != NULL, "cannot read %s", name);
	return v;
}

uint8_t *
pkc_sign(const char *signer, const uint8_t *content, size_t len,
    size_t *len_out)
{
	unsigned int fl = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
	CMS_ContentInfo *cms;
	ASN1_OBJECT *obj;
	X509 *x, *ca;
	EVP_PKEY *k;
	BIO *in;
	unsigned char *der = NULL;
	uint8_t *out;
	char file[64];

	snprintf(file, sizeof(file), "%s.crt", signer);
	x = read_pem(file, 0);
	snprintf(file, sizeof(file), "%s.key", signer);
	k = read_pem(file, 1);
	ca = read_pem("ca.crt", 0);

	cms = CMS_sign(NULL, NULL, NULL, NULL, fl);
	ck_assert_ptr_nonnull(cms);
	obj = OBJ_txt2obj(ID_PKINIT_AUTH_DATA, 1);
	ck_assert(CMS_set1_eContentType(cms, obj));
	ASN1_OBJECT_free(obj);
	ck_assert_ptr_nonnull(CMS_add1_signer(cms, x, k, EVP_sha256(), fl));
	ck_assert(CMS_add1_cert(cms, ca));
	in = BIO_new_mem_buf(content, (int)len);
	ck_assert(CMS_final(cms, in, NULL, CMS_BINARY));
	out = pkc_dup(der, i2d_CMS_ContentInfo(cms, &der), len_out);
	OPENSSL_free(der);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(k);
	return out;
}

uint8_t *
pkc_pa(const uint8_t *signed_ap, size_t len, size_t *len_out)
{
	PKINIT_PA_PK_AS_REQ *req = PKINIT_PA_PK_AS_REQ_new();
	uint8_t *der = NULL;
	struct kerr e;

	ck_assert_int_eq(asn1krb_octets_set(&req->signed_auth_pack, signed_ap,
	    len), 0);
	ck_assert_msg(ASN1KRB_ENCODE(PKINIT_PA_PK_AS_REQ, req, &der, len_out,
	    &e) == 0, "%s", e.msg);
	PKINIT_PA_PK_AS_REQ_free(req);
	return der;
}

uint8_t *
pkc_request(const struct pkc_opts *o, const uint8_t *body, size_t body_len,
    size_t *len_out)
{
	uint8_t *ap, *sd, *pa;
	size_t ap_len, sd_len;

	ap = pkc_auth_pack(o, body, body_len, &ap_len);
	sd = pkc_sign(o->signer, ap, ap_len, &sd_len);
	pa = pkc_pa(sd, sd_len, len_out);
	free(ap);
	free(sd);
	return pa;
}

uint8_t *
pkc_as_req(const struct pkc_capture *c, const uint8_t *pa, size_t pa_len,
    size_t *len_out)
{
	KRB5_AS_REQ *req = NULL;
	KRB5_PADATA *pd;
	uint8_t *der = NULL;
	struct kerr e;

	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_AS_REQ, c->der, c->len, &req, &e),
	    0);
	pd = asn1krb_padata_find(req->padata, KRB5_PADATA_PK_AS_REQ, NULL);
	ck_assert_ptr_nonnull(pd);
	ck_assert_int_eq(asn1krb_octets_set(&pd->padata_value, pa, pa_len), 0);
	ck_assert_msg(ASN1KRB_ENCODE(KRB5_AS_REQ, req, &der, len_out, &e) == 0,
	    "%s", e.msg);
	KRB5_AS_REQ_free(req);
	return der;
}

/* ---- Key agreement, client side ----------------------------------- */

static const char *
ossl_group(enum pk_group grp)
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

static void
der_bn(struct pk_der *d, const BIGNUM *bn)
{
	uint8_t buf[600];
	int n = BN_num_bytes(bn);

	ck_assert_int_lt(n, (int)sizeof(buf));
	buf[0] = 0;
	BN_bn2bin(bn, buf + 1);
	if (n > 0 && !(buf[1] & 0x80))
		pk_der_tlv(d, 0x02, buf + 1, (size_t)n);
	else
		pk_der_tlv(d, 0x02, buf, (size_t)n + 1);
}

uint8_t *
pkc_dh_spki(const BIGNUM *p, const BIGNUM *g, const BIGNUM *q,
    const BIGNUM *y, size_t *len_out)
{
	/* dhpublicnumber 1.2.840.10046.2.1 (RFC 3279 section 2.3.3) */
	static const uint8_t oid_dh[] = { 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
		0x3e, 0x02, 0x01 };
	struct pk_der d, k;
	uint8_t *out, *ky;
	size_t at, kl;

	pk_der_init(&k);
	der_bn(&k, y);
	ck_assert_int_eq(pk_der_take(&k, &ky, &kl), 0);
	pk_der_init(&d);
	pk_der_raw(&d, oid_dh, sizeof(oid_dh));
	at = d.len;
	der_bn(&d, p);
	der_bn(&d, g);
	if (q != NULL)
		der_bn(&d, q);
	pk_der_wrap(&d, at, 0x30);
	pk_der_wrap(&d, 0, 0x30);
	at = d.len;
	pk_der_raw(&d, "", 1);          /* BIT STRING: no unused bits */
	pk_der_raw(&d, ky, kl);
	pk_der_wrap(&d, at, 0x03);
	pk_der_wrap(&d, 0, 0x30);
	ck_assert_int_eq(pk_der_take(&d, &out, len_out), 0);
	free(ky);
	return out;
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
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_PKEY_keygen_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_params(ctx, params), 1);
	ck_assert_int_eq(EVP_PKEY_generate(ctx, &k), 1);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

uint8_t *
pkc_client_key(enum pk_group grp, EVP_PKEY **key_out, size_t *len_out)
{
	EVP_PKEY *k;
	unsigned char *der = NULL;
	uint8_t *out;

	ck_assert_ptr_nonnull(ossl_group(grp));
	if (grp >= PK_GROUP_P256) {
		k = keygen("EC", ossl_group(grp));
		out = pkc_dup(der, i2d_PUBKEY(k, &der), len_out);
		OPENSSL_free(der);
	} else {
		BIGNUM *p = prime_of(grp), *g = BN_new(), *q = BN_new();
		BIGNUM *y = NULL;

		/* RFC 3526 primes are safe primes: q = (p - 1) / 2. */
		k = keygen("DH", ossl_group(grp));
		ck_assert(BN_set_word(g, 2) && BN_rshift1(q, p));
		ck_assert_int_eq(EVP_PKEY_get_bn_param(k,
		    OSSL_PKEY_PARAM_PUB_KEY, &y), 1);
		out = pkc_dh_spki(p, g, q, y, len_out);
		BN_free(p);
		BN_free(g);
		BN_free(q);
		BN_free(y);
	}
	*key_out = k;
	return out;
}

uint8_t *
pkc_client_secret(EVP_PKEY *mine, enum pk_group grp, const uint8_t *kdc_pub,
    size_t kdc_len, size_t *len_out)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *peer = NULL;
	int is_ec = grp >= PK_GROUP_P256;
	BIGNUM *y = NULL;
	uint8_t *secret;

	ck_assert(OSSL_PARAM_BLD_push_utf8_string(bld,
	    OSSL_PKEY_PARAM_GROUP_NAME, ossl_group(grp), 0));
	if (is_ec) {
		/* RFC 5349 section 2: the ECPoint itself. */
		ck_assert(OSSL_PARAM_BLD_push_octet_string(bld,
		    OSSL_PKEY_PARAM_PUB_KEY, kdc_pub, kdc_len));
	} else {
		/* RFC 4556 section 3.2.3.1: DER INTEGER y. */
		const unsigned char *p = kdc_pub;
		ASN1_INTEGER *ai = d2i_ASN1_INTEGER(NULL, &p, (long)kdc_len);

		ck_assert_ptr_nonnull(ai);
		ck_assert(p == kdc_pub + kdc_len);
		y = ASN1_INTEGER_to_BN(ai, NULL);
		ASN1_INTEGER_free(ai);
		ck_assert(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY,
		    y));
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, is_ec ? "EC" : "DH", NULL);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY,
	    params), 1);
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
	ck_assert_int_eq(EVP_PKEY_derive_init(ctx), 1);
	/* DHSharedSecret is padded to the size of p (section 3.2.3.1). */
	if (!is_ec)
		ck_assert_int_eq(EVP_PKEY_CTX_set_dh_pad(ctx, 1), 1);
	ck_assert_int_eq(EVP_PKEY_derive_set_peer(ctx, peer), 1);
	ck_assert_int_eq(EVP_PKEY_derive(ctx, NULL, len_out), 1);
	secret = malloc(*len_out);
	ck_assert_int_eq(EVP_PKEY_derive(ctx, secret, len_out), 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	return secret;
}
