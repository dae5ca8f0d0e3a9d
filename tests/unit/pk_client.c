/* pk_client.c - the client half of PKINIT for the unit tests. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pk_client.h"
#include "pk_kex.h"
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

/* ---- Key agreement, client side (pk_kex.c) ------------------------ */

uint8_t *
pkc_dh_spki(const BIGNUM *p, const BIGNUM *g, const BIGNUM *q,
    const BIGNUM *y, size_t *len_out)
{
	uint8_t *out = NULL;

	ck_assert_int_eq(pkx_dh_spki(p, g, q, y, &out, len_out), 0);
	return out;
}

uint8_t *
pkc_client_key(enum pk_group grp, EVP_PKEY **key_out, size_t *len_out)
{
	uint8_t *out = NULL;

	ck_assert_int_eq(pkx_client_key(grp, key_out, &out, len_out), 0);
	return out;
}

uint8_t *
pkc_client_secret(EVP_PKEY *mine, enum pk_group grp, const uint8_t *kdc_pub,
    size_t kdc_len, size_t *len_out)
{
	uint8_t *secret = NULL;

	ck_assert_int_eq(pkx_client_secret(mine, grp, kdc_pub, kdc_len,
	    &secret, len_out), 0);
	return secret;
}
