/* check_asn1_pkinit.c - PKINIT types (RFC 4556, RFC 8070, RFC 8636,
 * MS-PKCA): round trips, tag placement and range checks. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "asn1_pkinit.h"
#include "asn1_testutil.h"

#define KDF_SHA1   "1.3.6.1.5.2.3.6.1"
#define KDF_SHA256 "1.3.6.1.5.2.3.6.2"
#define KDF_SHA512 "1.3.6.1.5.2.3.6.3"

/* Find the DER TLV for context tag [tag] directly inside a SEQUENCE. */
static const uint8_t *
field(const uint8_t *der, size_t n, unsigned int tag, size_t *len)
{
	const uint8_t *p;
	struct kerr e;

	if (asn1krb_seq_field_raw(der, n, tag, &p, len, &e) != 0)
		return NULL;
	return p;
}

static X509_ALGOR *
algor(const char *oid, int ptype, void *pval)
{
	X509_ALGOR *a = X509_ALGOR_new();

	ck_assert(X509_ALGOR_set0(a, OBJ_txt2obj(oid, 1), ptype, pval));
	return a;
}

static PKINIT_PK_AUTHENTICATOR *
pk_authenticator(void)
{
	PKINIT_PK_AUTHENTICATOR *pa = PKINIT_PK_AUTHENTICATOR_new();

	pa->cusec = 654321;
	ck_assert_int_eq(asn1krb_time_set(&pa->ctime, 1700000000), 0);
	ASN1_INTEGER_free(pa->nonce);
	pa->nonce = asn1krb_uint32_new(0xdeadbeefu);
	pa->pa_checksum = octets("01234567890123456789");
	pa->freshness_token = octets("fresh");
	pa->pa_checksum2 = PKINIT_PA_CHECKSUM2_new();
	ck_assert_int_eq(asn1krb_octets_set(&pa->pa_checksum2->checksum,
	    (const uint8_t *)"0123456789abcdef0123456789abcdef", 32), 0);
	X509_ALGOR_free(pa->pa_checksum2->algorithm_identifier);
	pa->pa_checksum2->algorithm_identifier =
	    algor("2.16.840.1.101.3.4.2.1", V_ASN1_UNDEF, NULL);
	return pa;
}

/* A key's DER SubjectPublicKeyInfo as the AuthPack carries it. */
static ASN1_STRING *
spki_of(EVP_PKEY *pkey)
{
	ASN1_STRING *s = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pkey, &der);

	ck_assert(s != NULL && n > 0 && ASN1_STRING_set(s, der, n));
	OPENSSL_free(der);
	return s;
}

START_TEST(test_auth_pack)
{
	PKINIT_AUTH_PACK *ap = PKINIT_AUTH_PACK_new(), *ap2;
	EVP_PKEY *pkey = EVP_EC_gen("P-256"), *pk2;
	PKINIT_PK_AUTHENTICATOR *pa;
	uint8_t *der = NULL, *pder = NULL;
	size_t n, pn, flen;
	const uint8_t *f;
	uint32_t nonce;
	char oid[64];

	ck_assert_ptr_nonnull(pkey);
	PKINIT_PK_AUTHENTICATOR_free(ap->pk_authenticator);
	ap->pk_authenticator = pk_authenticator();
	ap->client_public_value = spki_of(pkey);
	ap->supported_cms_types = sk_X509_ALGOR_new_null();
	sk_X509_ALGOR_push(ap->supported_cms_types,
	    algor("1.2.840.113549.1.1.11", V_ASN1_NULL, NULL));
	ap->client_dh_nonce = octets("client-dh-nonce-32-bytes-long!!!");
	ck_assert_int_eq(pkinit_asn1_kdf_add(&ap->supported_kdfs, KDF_SHA256),
	    0);
	ck_assert_int_eq(pkinit_asn1_kdf_add(&ap->supported_kdfs, KDF_SHA1), 0);
	ck_assert_int_ne(pkinit_asn1_kdf_add(&ap->supported_kdfs, "sha1"), 0);

	ap2 = RT(PKINIT_AUTH_PACK, ap, &der, &n);
	pa = ap2->pk_authenticator;
	ck_assert_int_eq(pa->cusec, 654321);
	ck_assert_int_eq(asn1krb_uint32_get(pa->nonce, &nonce), 0);
	ck_assert_uint_eq(nonce, 0xdeadbeefu);
	ck_assert_int_eq(ASN1_STRING_cmp(pa->freshness_token,
	    ap->pk_authenticator->freshness_token), 0);
	ck_assert_int_eq(pa->pa_checksum->length, 20);
	ck_assert_int_eq(pa->pa_checksum2->checksum->length, 32);
	{
		const unsigned char *q = ASN1_STRING_get0_data(
		    ap2->client_public_value);

		pk2 = d2i_PUBKEY(NULL, &q, ASN1_STRING_length(
		    ap2->client_public_value));
	}
	ck_assert_ptr_nonnull(pk2);
	ck_assert_int_eq(EVP_PKEY_eq(pkey, pk2), 1);
	EVP_PKEY_free(pk2);
	ck_assert_int_eq(sk_X509_ALGOR_num(ap2->supported_cms_types), 1);
	ck_assert_int_eq(ap2->client_dh_nonce->length, 32);
	ck_assert_int_eq(sk_PKINIT_KDF_ALG_ID_num(ap2->supported_kdfs), 2);
	OBJ_obj2txt(oid, sizeof(oid),
	    sk_PKINIT_KDF_ALG_ID_value(ap2->supported_kdfs, 0)->kdf_id, 1);
	ck_assert_str_eq(oid, KDF_SHA256);
	/* supportedKDFs is [4] of AuthPack. */
	ck_assert_ptr_nonnull(field(der, n, 4, &flen));
	ck_assert_ptr_nonnull(field(der, n, 1, &flen));

	/* freshnessToken is [4] (RFC 8070) and paChecksum2 [5] (MS-PKCA). */
	ck_assert_int_eq(ASN1KRB_ENCODE(PKINIT_PK_AUTHENTICATOR,
	    ap->pk_authenticator, &pder, &pn, NULL), 0);
	f = field(pder, pn, 4, &flen);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(flen, 7);
	ck_assert(memcmp(f, "\x04\x05" "fresh", 7) == 0);
	f = field(pder, pn, 5, &flen);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f[0], 0x30);
	ck_assert_ptr_null(field(pder, pn, 6, &flen));

	free(der);
	free(pder);
	EVP_PKEY_free(pkey);
	PKINIT_AUTH_PACK_free(ap);
	PKINIT_AUTH_PACK_free(ap2);
}
END_TEST

START_TEST(test_pk_authenticator_limits)
{
	PKINIT_PK_AUTHENTICATOR *pa = pk_authenticator(), *pa2;
	uint8_t *der = NULL;
	size_t n;
	struct kerr e;

	/* Optional extensions absent: a plain RFC 4556 authenticator. */
	ASN1_OCTET_STRING_free(pa->freshness_token);
	pa->freshness_token = NULL;
	PKINIT_PA_CHECKSUM2_free(pa->pa_checksum2);
	pa->pa_checksum2 = NULL;
	pa2 = RT(PKINIT_PK_AUTHENTICATOR, pa, NULL, NULL);
	ck_assert_ptr_null(pa2->freshness_token);
	ck_assert_ptr_null(pa2->pa_checksum2);
	PKINIT_PK_AUTHENTICATOR_free(pa2);

	pa->cusec = 1000000;
	ck_assert_int_eq(ASN1KRB_ENCODE(PKINIT_PK_AUTHENTICATOR, pa, &der, &n,
	    &e), 0);
	expect_reject(ASN1_ITEM_rptr(PKINIT_PK_AUTHENTICATOR), der, n,
	    "cusec 1000000");
	free(der);
	PKINIT_PK_AUTHENTICATOR_free(pa);
}
END_TEST

START_TEST(test_pa_pk_as_req)
{
	PKINIT_PA_PK_AS_REQ *req = PKINIT_PA_PK_AS_REQ_new(), *req2;
	PKINIT_EXT_PRINC_ID *epi = PKINIT_EXT_PRINC_ID_new();
	PKINIT_EPI_LIST *list, *list2;
	uint8_t *der = NULL;
	size_t n;

	ck_assert_int_eq(asn1krb_octets_set(&req->signed_auth_pack,
	    (const uint8_t *)"\x30\x03\x02\x01\x03", 5), 0);
	ck_assert_int_eq(asn1krb_octets_set(&epi->subject_name,
	    (const uint8_t *)"\x30\x00", 2), 0);
	epi->subject_key_identifier = octets("ski");
	req->trusted_certifiers = sk_PKINIT_EXT_PRINC_ID_new_null();
	sk_PKINIT_EXT_PRINC_ID_push(req->trusted_certifiers, epi);
	req->kdc_pk_id = octets("kdc");
	req2 = RT(PKINIT_PA_PK_AS_REQ, req, &der, &n);
	/* signedAuthPack [0] IMPLICIT OCTET STRING: primitive 0x80. */
	ck_assert_int_eq(der[2], 0x80);
	ck_assert_int_eq(der[3], 5);
	ck_assert_int_eq(req2->signed_auth_pack->length, 5);
	ck_assert_int_eq(sk_PKINIT_EXT_PRINC_ID_num(req2->trusted_certifiers),
	    1);
	epi = sk_PKINIT_EXT_PRINC_ID_value(req2->trusted_certifiers, 0);
	ck_assert_ptr_null(epi->issuer_and_serial_number);
	ck_assert_int_eq(epi->subject_key_identifier->length, 3);
	/* kdcPkId [2] IMPLICIT: 82 03 'k' 'd' 'c' at the end. */
	ck_assert(memcmp(der + n - 5, "\x82\x03kdc", 5) == 0);
	free(der);

	/* TD-TRUSTED-CERTIFIERS / TD-INVALID-CERTIFICATES. */
	list = req->trusted_certifiers;
	list2 = RT(PKINIT_EPI_LIST, list, &der, &n);
	ck_assert_int_eq(sk_PKINIT_EXT_PRINC_ID_num(list2), 1);
	ck_assert_int_eq(der[0], 0x30);
	ck_assert_int_eq(der[2], 0x30);
	free(der);
	PKINIT_EPI_LIST_free(list2);
	PKINIT_PA_PK_AS_REQ_free(req);
	PKINIT_PA_PK_AS_REQ_free(req2);
}
END_TEST

START_TEST(test_pa_pk_as_rep)
{
	PKINIT_PA_PK_AS_REP *rep = PKINIT_PA_PK_AS_REP_new(), *rep2;
	PKINIT_DH_REP_INFO *dh = PKINIT_DH_REP_INFO_new();
	uint8_t *der = NULL;
	size_t n;
	char oid[64];

	ck_assert_int_eq(asn1krb_octets_set(&dh->dh_signed_data,
	    (const uint8_t *)"\x30\x00", 2), 0);
	dh->server_dh_nonce = octets("server-nonce");
	dh->kdf = PKINIT_KDF_ALG_ID_new();
	ASN1_OBJECT_free(dh->kdf->kdf_id);
	dh->kdf->kdf_id = OBJ_txt2obj(KDF_SHA512, 1);
	rep->type = PKINIT_REP_DH_INFO;
	rep->value.dh_info = dh;
	rep2 = RT(PKINIT_PA_PK_AS_REP, rep, &der, &n);
	/* dhInfo [0] EXPLICIT DHRepInfo; dhSignedData [0] IMPLICIT inside. */
	ck_assert_int_eq(der[0], 0xa0);
	ck_assert_int_eq(der[2], 0x30);
	ck_assert_int_eq(der[4], 0x80);
	ck_assert_int_eq(rep2->type, PKINIT_REP_DH_INFO);
	ck_assert_int_eq(rep2->value.dh_info->server_dh_nonce->length, 12);
	OBJ_obj2txt(oid, sizeof(oid), rep2->value.dh_info->kdf->kdf_id, 1);
	ck_assert_str_eq(oid, KDF_SHA512);
	free(der);
	PKINIT_PA_PK_AS_REP_free(rep);
	PKINIT_PA_PK_AS_REP_free(rep2);

	rep = PKINIT_PA_PK_AS_REP_new();
	rep->type = PKINIT_REP_ENC_KEY_PACK;
	ck_assert_int_eq(asn1krb_octets_set(&rep->value.enc_key_pack,
	    (const uint8_t *)"\x30\x00", 2), 0);
	rep2 = RT(PKINIT_PA_PK_AS_REP, rep, &der, &n);
	/* encKeyPack [1] IMPLICIT OCTET STRING. */
	ck_assert_uint_eq(n, 4);
	ck_assert(memcmp(der, "\x81\x02\x30\x00", 4) == 0);
	ck_assert_int_eq(rep2->type, PKINIT_REP_ENC_KEY_PACK);
	free(der);
	PKINIT_PA_PK_AS_REP_free(rep);
	PKINIT_PA_PK_AS_REP_free(rep2);
}
END_TEST

START_TEST(test_kdc_dh_key_info)
{
	PKINIT_KDC_DH_KEY_INFO *ki = PKINIT_KDC_DH_KEY_INFO_new(), *ki2;
	/* A DER INTEGER whose last octet is zero: must not be trimmed. */
	static const uint8_t pub[] = { 0x02, 0x03, 0x01, 0x02, 0x00 };
	uint8_t *der = NULL;
	size_t n;
	uint32_t nonce;
	int64_t t;

	ck_assert_int_eq(asn1krb_bitstr_set_octets(ki->subject_public_key, pub,
	    sizeof(pub)), 0);
	ASN1_INTEGER_free(ki->nonce);
	ki->nonce = asn1krb_uint32_new(0);
	ck_assert_int_eq(asn1krb_time_set(&ki->dh_key_expiration, 1700003600),
	    0);
	ki2 = RT(PKINIT_KDC_DH_KEY_INFO, ki, &der, &n);
	/* 30 len a0 08 03 06 00 <5 bytes> */
	ck_assert(memcmp(der + 2, "\xa0\x08\x03\x06\x00", 5) == 0);
	ck_assert(memcmp(der + 7, pub, sizeof(pub)) == 0);
	ck_assert_int_eq(ki2->subject_public_key->length, 5);
	ck_assert(memcmp(ki2->subject_public_key->data, pub, sizeof(pub)) == 0);
	ck_assert_int_eq(asn1krb_uint32_get(ki2->nonce, &nonce), 0);
	ck_assert_uint_eq(nonce, 0);
	ck_assert_int_eq(asn1krb_time_get(ki2->dh_key_expiration, &t), 0);
	ck_assert(t == 1700003600);
	free(der);
	PKINIT_KDC_DH_KEY_INFO_free(ki);
	PKINIT_KDC_DH_KEY_INFO_free(ki2);
}
END_TEST

START_TEST(test_reply_key_pack)
{
	PKINIT_REPLY_KEY_PACK *rk = PKINIT_REPLY_KEY_PACK_new(), *rk2;

	rk->reply_key->keytype = 18;
	ck_assert_int_eq(asn1krb_octets_set(&rk->reply_key->keyvalue,
	    (const uint8_t *)"0123456789abcdef0123456789abcdef", 32), 0);
	rk->as_checksum->cksumtype = 16;
	ck_assert_int_eq(asn1krb_octets_set(&rk->as_checksum->checksum,
	    (const uint8_t *)"012345678901", 12), 0);
	rk2 = RT(PKINIT_REPLY_KEY_PACK, rk, NULL, NULL);
	ck_assert_int_eq(rk2->reply_key->keytype, 18);
	ck_assert_int_eq(rk2->reply_key->keyvalue->length, 32);
	ck_assert_int_eq(rk2->as_checksum->cksumtype, 16);
	PKINIT_REPLY_KEY_PACK_free(rk);
	PKINIT_REPLY_KEY_PACK_free(rk2);
}
END_TEST

START_TEST(test_td_dh_parameters)
{
	PKINIT_TD_DH_PARAMETERS *td = sk_X509_ALGOR_new_null(), *td2;
	PKINIT_DOMAIN_PARAMS *dp = PKINIT_DOMAIN_PARAMS_new(), *dp2 = NULL;
	ASN1_STRING *seq = ASN1_STRING_new();
	uint8_t *dder = NULL;
	size_t dn;
	const ASN1_OBJECT *obj;
	int ptype;
	const void *pval;
	char oid[64];
	struct kerr e;

	/* X9.42 parameters p, g, q plus ValidationParms. */
	ASN1_INTEGER_set(dp->p, 23);
	ASN1_INTEGER_set(dp->g, 2);
	ASN1_INTEGER_set(dp->q, 11);
	dp->validation_parms = PKINIT_VALIDATION_PARMS_new();
	ck_assert_int_eq(asn1krb_bitstr_set_octets(dp->validation_parms->seed,
	    (const uint8_t *)"seed", 4), 0);
	ASN1_INTEGER_set(dp->validation_parms->pgen_counter, 1);
	dp2 = RT(PKINIT_DOMAIN_PARAMS, dp, &dder, &dn);
	ck_assert_int_eq(ASN1_INTEGER_get(dp2->q), 11);
	ck_assert_ptr_null(dp2->j);
	ck_assert_int_eq(dp2->validation_parms->seed->length, 4);
	ck_assert(ASN1_STRING_set(seq, dder, (int)dn));

	sk_X509_ALGOR_push(td, algor("1.2.840.10046.2.1", V_ASN1_SEQUENCE,
	    seq));
	/* An EC entry names its curve (ECParameters namedCurve). */
	sk_X509_ALGOR_push(td, algor("1.2.840.10045.2.1", V_ASN1_OBJECT,
	    OBJ_txt2obj("1.2.840.10045.3.1.7", 1)));
	td2 = RT(PKINIT_TD_DH_PARAMETERS, td, NULL, NULL);
	ck_assert_int_eq(sk_X509_ALGOR_num(td2), 2);
	X509_ALGOR_get0(&obj, &ptype, &pval, sk_X509_ALGOR_value(td2, 0));
	ck_assert_int_eq(ptype, V_ASN1_SEQUENCE);
	PKINIT_DOMAIN_PARAMS_free(dp2);
	dp2 = NULL;
	ck_assert_int_eq(ASN1KRB_DECODE(PKINIT_DOMAIN_PARAMS,
	    ((const ASN1_STRING *)pval)->data,
	    (size_t)((const ASN1_STRING *)pval)->length, &dp2, &e), 0);
	ck_assert_int_eq(ASN1_INTEGER_get(dp2->p), 23);
	X509_ALGOR_get0(&obj, &ptype, &pval, sk_X509_ALGOR_value(td2, 1));
	ck_assert_int_eq(ptype, V_ASN1_OBJECT);
	OBJ_obj2txt(oid, sizeof(oid), pval, 1);
	ck_assert_str_eq(oid, "1.2.840.10045.3.1.7");

	free(dder);
	PKINIT_DOMAIN_PARAMS_free(dp);
	PKINIT_DOMAIN_PARAMS_free(dp2);
	PKINIT_TD_DH_PARAMETERS_free(td);
	PKINIT_TD_DH_PARAMETERS_free(td2);
}
END_TEST

START_TEST(test_digest_algorithm_lists)
{
	PKINIT_TD_CMS_DIGEST_ALGS *cms = sk_X509_ALGOR_new_null(), *cms2;
	PKINIT_TD_CERT_DIGEST_ALGS *cert = PKINIT_TD_CERT_DIGEST_ALGS_new();
	PKINIT_TD_CERT_DIGEST_ALGS *cert2;
	KRB5_TYPED_DATA *td = NULL, *td2 = NULL;
	uint8_t *der = NULL, *tder = NULL;
	size_t n, tn;
	const ASN1_OBJECT *obj;
	char oid[64];
	struct kerr e;

	sk_X509_ALGOR_push(cms, algor("2.16.840.1.101.3.4.2.1", V_ASN1_UNDEF,
	    NULL));
	sk_X509_ALGOR_push(cms, algor("2.16.840.1.101.3.4.2.3", V_ASN1_UNDEF,
	    NULL));
	cms2 = RT(PKINIT_TD_CMS_DIGEST_ALGS, cms, NULL, NULL);
	ck_assert_int_eq(sk_X509_ALGOR_num(cms2), 2);

	sk_X509_ALGOR_push(cert->allowed_algorithms,
	    algor("1.2.840.113549.1.1.11", V_ASN1_NULL, NULL));
	cert->rejected_algorithm = algor("1.2.840.113549.1.1.5", V_ASN1_NULL,
	    NULL);
	cert2 = RT(PKINIT_TD_CERT_DIGEST_ALGS, cert, &der, &n);
	ck_assert_int_eq(sk_X509_ALGOR_num(cert2->allowed_algorithms), 1);
	X509_ALGOR_get0(&obj, NULL, NULL, cert2->rejected_algorithm);
	OBJ_obj2txt(oid, sizeof(oid), obj, 1);
	ck_assert_str_eq(oid, "1.2.840.113549.1.1.5");

	/* As KRB-ERROR e-data for KDC_ERR_DIGEST_IN_CERT_NOT_ACCEPTED. */
	ck_assert_int_eq(asn1krb_typed_data_add(&td,
	    KRB5_TD_CERT_DIGEST_ALGORITHMS, der, n), 0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_TYPED_DATA, td, &tder, &tn, &e), 0);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_TYPED_DATA, tder, tn, &td2, &e), 0);
	ck_assert_int_eq(sk_KRB5_TYPED_DATA_ENTRY_value(td2, 0)->data_type, 112);

	free(der);
	free(tder);
	KRB5_TYPED_DATA_free(td);
	KRB5_TYPED_DATA_free(td2);
	PKINIT_TD_CMS_DIGEST_ALGS_free(cms);
	PKINIT_TD_CMS_DIGEST_ALGS_free(cms2);
	PKINIT_TD_CERT_DIGEST_ALGS_free(cert);
	PKINIT_TD_CERT_DIGEST_ALGS_free(cert2);
}
END_TEST

START_TEST(test_kdf_structures)
{
	PKINIT_KRB5_PRINCNAME *kp = PKINIT_KRB5_PRINCNAME_new(), *kp2;
	PKINIT_SUPP_PUB_INFO *spi = PKINIT_SUPP_PUB_INFO_new(), *spi2;
	PKINIT_OTHER_INFO *oi = PKINIT_OTHER_INFO_new(), *oi2;
	uint8_t *kder = NULL, *sder = NULL;
	size_t kn, sn;
	char *s = NULL;
	struct kerr e;
	static const uint8_t want_kp[] = {
		0x30, 0x2a,
		0xa0, 0x0e, 0x1b, 0x0c, 'E', 'X', 'A', 'M', 'P', 'L', 'E', '.',
		'T', 'E', 'S', 'T',
		0xa1, 0x18, 0x30, 0x16,
		0xa0, 0x03, 0x02, 0x01, 0x01,
		0xa1, 0x0f, 0x30, 0x0d,
		0x1b, 0x05, 'a', 'l', 'i', 'c', 'e',
		0x1b, 0x04, 'a', 'd', 'm', 'n',
	};

	/* id-pkinit-san value for alice/admn@EXAMPLE.TEST. */
	ck_assert_int_eq(asn1krb_str_set(&kp->realm, "EXAMPLE.TEST"), 0);
	KRB5_PRINCNAME_free(kp->principal_name);
	kp->principal_name = princ("alice/admn");
	kp2 = RT(PKINIT_KRB5_PRINCNAME, kp, &kder, &kn);
	ck_assert_uint_eq(kn, sizeof(want_kp));
	ck_assert(memcmp(kder, want_kp, kn) == 0);
	ck_assert_int_eq(asn1krb_princ_unparse(kp2->principal_name, "EXAMPLE.TEST",
	    &s, &e), 0);
	ck_assert_str_eq(s, "alice/admn@EXAMPLE.TEST");
	free(s);

	spi->enctype = 18;
	ck_assert_int_eq(asn1krb_octets_set(&spi->as_req,
	    (const uint8_t *)"as-req", 6), 0);
	ck_assert_int_eq(asn1krb_octets_set(&spi->pk_as_rep,
	    (const uint8_t *)"pk-as-rep", 9), 0);
	spi2 = RT(PKINIT_SUPP_PUB_INFO, spi, &sder, &sn);
	ck_assert_int_eq(spi2->enctype, 18);
	ck_assert_int_eq(spi2->pk_as_rep->length, 9);

	X509_ALGOR_free(oi->algorithm_id);
	oi->algorithm_id = algor(KDF_SHA256, V_ASN1_UNDEF, NULL);
	ck_assert_int_eq(asn1krb_octets_set(&oi->party_u_info, kder, kn), 0);
	ck_assert_int_eq(asn1krb_octets_set(&oi->party_v_info, kder, kn), 0);
	ck_assert_int_eq(asn1krb_octets_set(&oi->supp_pub_info, sder, sn), 0);
	oi2 = RT(PKINIT_OTHER_INFO, oi, NULL, NULL);
	ck_assert_int_eq(oi2->party_u_info->length, (int)kn);
	ck_assert_int_eq(oi2->supp_pub_info->length, (int)sn);
	ck_assert_ptr_null(oi2->supp_priv_info);

	free(kder);
	free(sder);
	PKINIT_KRB5_PRINCNAME_free(kp);
	PKINIT_KRB5_PRINCNAME_free(kp2);
	PKINIT_SUPP_PUB_INFO_free(spi);
	PKINIT_SUPP_PUB_INFO_free(spi2);
	PKINIT_OTHER_INFO_free(oi);
	PKINIT_OTHER_INFO_free(oi2);
}
END_TEST

/*
 * A real PKINIT AS-REQ from MIT kinit 1.20 (tests/data/capture-asreq.sh):
 * PA-PK-AS-REQ -> CMS SignedData (id-pkinit-authData) -> AuthPack, with the
 * freshness token we offered echoed and paChecksum = SHA-1 of the req-body
 * bytes as sent (RFC 4556 section 3.2.1).
 */
START_TEST(test_capture_pkinit)
{
	uint8_t *buf, *der = NULL;
	size_t len, n, blen;
	const uint8_t *body, *p;
	KRB5_AS_REQ *req = NULL;
	KRB5_PADATA *pa;
	PKINIT_PA_PK_AS_REQ *pkreq = NULL;
	PKINIT_AUTH_PACK *ap = NULL;
	PKINIT_DOMAIN_PARAMS *dp = NULL;
	PKINIT_EXT_PRINC_ID *epi;
	CMS_ContentInfo *cms;
	ASN1_OCTET_STRING **content;
	const ASN1_OBJECT *alg;
	X509_ALGOR *palg;
	X509_PUBKEY *xpk;
	const ASN1_STRING *params;
	uint32_t nonce;
	int ptype;
	const void *pval;
	unsigned char sha1[EVP_MAX_MD_SIZE];
	unsigned int sha1len;
	BIGNUM *bn;
	char oid[64];
	struct kerr e;

	buf = read_data("asreq-kinit-pkinit.der", &len);
	ck_assert_msg(ASN1KRB_DECODE(KRB5_AS_REQ, buf, len, &req, &e) == 0, "%s",
	    e.msg);
	pa = asn1krb_padata_find(req->padata, KRB5_PADATA_PK_AS_REQ, NULL);
	ck_assert_ptr_nonnull(pa);
	ck_assert_msg(ASN1KRB_DECODE(PKINIT_PA_PK_AS_REQ,
	    pa->padata_value->data, (size_t)pa->padata_value->length, &pkreq,
	    &e) == 0, "%s", e.msg);
	/* MIT names the anchor it trusts in trustedCertifiers. */
	ck_assert_int_ge(sk_PKINIT_EXT_PRINC_ID_num(pkreq->trusted_certifiers),
	    1);
	epi = sk_PKINIT_EXT_PRINC_ID_value(pkreq->trusted_certifiers, 0);
	ck_assert_ptr_nonnull(epi->subject_name);

	p = pkreq->signed_auth_pack->data;
	cms = d2i_CMS_ContentInfo(NULL, &p, pkreq->signed_auth_pack->length);
	ck_assert_ptr_nonnull(cms);
	ck_assert_int_eq(OBJ_obj2nid(CMS_get0_type(cms)), NID_pkcs7_signed);
	OBJ_obj2txt(oid, sizeof(oid), CMS_get0_eContentType(cms), 1);
	ck_assert_str_eq(oid, "1.3.6.1.5.2.3.1");   /* id-pkinit-authData */
	/* The signature over the AuthPack checks out with the signer's
	 * own certificate (chain validation is not this module's job). */
	ck_assert_int_eq(CMS_verify(cms, NULL, NULL, NULL, NULL,
	    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY), 1);
	content = CMS_get0_content(cms);
	ck_assert_ptr_nonnull(content);
	ck_assert_ptr_nonnull(*content);
	ck_assert_msg(ASN1KRB_DECODE(PKINIT_AUTH_PACK, (*content)->data,
	    (size_t)(*content)->length, &ap, &e) == 0, "%s", e.msg);

	ck_assert_int_eq(asn1krb_kdc_req_body_raw(buf, len, &body, &blen, &e),
	    0);
	ck_assert(EVP_Digest(body, blen, sha1, &sha1len, EVP_sha1(), NULL));
	ck_assert_ptr_nonnull(ap->pk_authenticator->pa_checksum);
	ck_assert_int_eq(ap->pk_authenticator->pa_checksum->length, 20);
	ck_assert(memcmp(ap->pk_authenticator->pa_checksum->data, sha1, 20) == 0);
	ck_assert_ptr_nonnull(ap->pk_authenticator->freshness_token);
	ck_assert(ap->pk_authenticator->freshness_token->length == 11 &&
	    memcmp(ap->pk_authenticator->freshness_token->data, "fresh-token",
	    11) == 0);
	/* Its own nonce, unrelated to the req-body one (section 3.2.1). */
	ck_assert_int_eq(asn1krb_uint32_get(ap->pk_authenticator->nonce, &nonce),
	    0);
	ck_assert_ptr_nonnull(ap->supported_kdfs);
	OBJ_obj2txt(oid, sizeof(oid),
	    sk_PKINIT_KDF_ALG_ID_value(ap->supported_kdfs, 0)->kdf_id, 1);
	ck_assert_str_eq(oid, KDF_SHA256);

	/* Diffie-Hellman: dhpublicnumber with X9.42 DomainParameters. */
	ck_assert_ptr_nonnull(ap->client_public_value);
	{
		const unsigned char *q = ASN1_STRING_get0_data(
		    ap->client_public_value);

		xpk = d2i_X509_PUBKEY(NULL, &q, ASN1_STRING_length(
		    ap->client_public_value));
	}
	ck_assert(X509_PUBKEY_get0_param(NULL, NULL, NULL, &palg, xpk));
	X509_ALGOR_get0(&alg, &ptype, &pval, palg);
	OBJ_obj2txt(oid, sizeof(oid), alg, 1);
	ck_assert_str_eq(oid, "1.2.840.10046.2.1");
	ck_assert_int_eq(ptype, V_ASN1_SEQUENCE);
	params = pval;
	ck_assert_msg(ASN1KRB_DECODE(PKINIT_DOMAIN_PARAMS, params->data,
	    (size_t)params->length, &dp, &e) == 0, "%s", e.msg);
	bn = ASN1_INTEGER_to_BN(dp->p, NULL);
	ck_assert_int_ge(BN_num_bits(bn), 2048);
	BN_free(bn);
	ck_assert_int_eq(ASN1_INTEGER_get(dp->g), 2);
	ck_assert_ptr_nonnull(dp->q);

	/* Everything re-encodes to the bytes kinit sent. */
	ck_assert_int_eq(ASN1KRB_ENCODE(PKINIT_AUTH_PACK, ap, &der, &n, &e), 0);
	ck_assert_uint_eq(n, (size_t)(*content)->length);
	ck_assert(memcmp(der, (*content)->data, n) == 0);
	free(der);

	CMS_ContentInfo_free(cms);
	PKINIT_DOMAIN_PARAMS_free(dp);
	X509_PUBKEY_free(xpk);
	PKINIT_AUTH_PACK_free(ap);
	PKINIT_PA_PK_AS_REQ_free(pkreq);
	KRB5_AS_REQ_free(req);
	free(buf);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("asn1_pkinit");
	TCase *tc = tcase_create("pkinit");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_auth_pack);
	tcase_add_test(tc, test_pk_authenticator_limits);
	tcase_add_test(tc, test_pa_pk_as_req);
	tcase_add_test(tc, test_pa_pk_as_rep);
	tcase_add_test(tc, test_kdc_dh_key_info);
	tcase_add_test(tc, test_reply_key_pack);
	tcase_add_test(tc, test_td_dh_parameters);
	tcase_add_test(tc, test_digest_algorithm_lists);
	tcase_add_test(tc, test_kdf_structures);
	tcase_add_test(tc, test_capture_pkinit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
