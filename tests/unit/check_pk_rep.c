/*
 * check_pk_rep.c - the PA-PK-AS-REP and reply key (RFC 4556 section
 * 3.2.3), checked from the client's side: the test plays the client,
 * verifies the KDC's signature against the fixture root, does its own half
 * of the DH/ECDH agreement or decrypts the RSA key transport, derives the
 * reply key the way a client does (RFC 8636 KDF or octetstring2key) and
 * requires it to equal the KDC's.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "kcrypto.h"
#include "pk_client.h"
#include "pk_der.h"
#include "pk_identity.h"
#include "pk_kdf.h"
#include "pk_rep.h"
#include "pk_req.h"
#include "pki_fixture.h"

#define NOW 1795392000          /* 2026-11-23T00:00:00Z */
#define ID_PKINIT_DH_KEY_DATA "1.3.6.1.5.2.3.2"
#define ID_PKINIT_RKEY_DATA   "1.3.6.1.5.2.3.3"
#define KEY_USAGE_PA_PK_AS_REP_CKSUM 6

static struct pkc_capture cap;  /* carrier AS-REQ: body, nonce, names */
static struct pk_identity *kdc;
static struct pk_dh_groups *groups;
static char *realm;             /* req-body realm */
static char cname_buf[4][64];   /* req-body cname components */
static const char *cname[4];
static size_t cname_len;

static const char *const mit_kdfs[] = { PKC_KDF_SHA256, PKC_KDF_SHA1,
	PKC_KDF_SHA512 };
static const char *const only_sha512[] = { PKC_KDF_SHA512 };
static const char *const only_sha1[] = { PKC_KDF_SHA1 };

/* One client request: its key, the PA value, the AS-REQ carrying it and
 * the KDC's parsed view of it. */
struct client {
	enum pk_group grp;
	EVP_PKEY *key;
	uint8_t *spki;
	size_t spki_len;
	uint8_t dh_nonce[32];
	int with_nonce;
	uint8_t *as_req;
	size_t as_req_len;
	struct pk_req *req;
};

static void
client_request(struct client *c, const char *signer, enum pk_group grp,
    int with_nonce, const char *const *kdfs, size_t n_kdfs)
{
	struct pkc_opts o;
	struct pk_req_params p;
	uint8_t *pa;
	size_t pa_len;
	struct kerr e;

	memset(c, 0, sizeof(*c));
	c->grp = grp;
	if (grp != PK_GROUP_UNKNOWN)
		c->spki = pkc_client_key(grp, &c->key, &c->spki_len);
	memset(&o, 0, sizeof(o));
	o.signer = signer;
	o.ctime = NOW;
	o.nonce = cap.nonce;
	o.checksum = PKC_CK_OK;
	o.spki = c->spki;
	o.spki_len = c->spki_len;
	o.kdfs = kdfs;
	o.n_kdfs = n_kdfs;
	if (with_nonce) {
		ck_assert_int_eq(RAND_bytes(c->dh_nonce, sizeof(c->dh_nonce)),
		    1);
		c->with_nonce = 1;
		o.dh_nonce = c->dh_nonce;
		o.dh_nonce_len = sizeof(c->dh_nonce);
	}
	pa = pkc_request(&o, cap.body, cap.body_len, &pa_len);
	c->as_req = pkc_as_req(&cap, pa, pa_len, &c->as_req_len);
	memset(&p, 0, sizeof(p));
	p.req_body = cap.body;
	p.req_body_len = cap.body_len;
	p.nonce = cap.nonce;
	p.now = NOW;
	p.clockskew = 300;
	ck_assert_msg(pk_req_parse(pa, pa_len, &p, &c->req, &e) == 0, "%s",
	    e.msg);
	free(pa);
}

static void
client_free(struct client *c)
{
	EVP_PKEY_free(c->key);
	free(c->spki);
	free(c->as_req);
	pk_req_free(c->req);
	memset(c, 0, sizeof(*c));
}

static struct pk_rep_params
rep_params(const struct client *c, int32_t enctype, int allow_rsa)
{
	struct pk_rep_params p;

	memset(&p, 0, sizeof(p));
	p.id = kdc;
	p.groups = groups;
	p.req = c->req;
	p.enctype = enctype;
	p.as_req = c->as_req;
	p.as_req_len = c->as_req_len;
	p.crealm = realm;
	p.cname_type = cap.req->req_body->cname->name_type;
	p.cname = cname;
	p.cname_len = cname_len;
	p.realm = realm;
	p.now = NOW;
	p.allow_rsa = allow_rsa;
	return p;
}

/*
 * Verify a KDC SignedData as a client does: the signer chains to the
 * fixture root, eContentType is ctype.  Returns the content.
 */
static uint8_t *
client_verify(const uint8_t *ci, size_t len, const char *ctype,
    size_t *len_out)
{
	const unsigned char *p = ci;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	X509_STORE *st = X509_STORE_new();
	STACK_OF(X509) *signers;
	BIO *out = BIO_new(BIO_s_mem());
	BUF_MEM *mem;
	uint8_t *content;
	char oid[64], name[256];

	ck_assert_ptr_nonnull(cms);
	ck_assert(p == ci + len);
	ck_assert_int_eq(OBJ_obj2nid(CMS_get0_type(cms)), NID_pkcs7_signed);
	OBJ_obj2txt(oid, sizeof(oid), CMS_get0_eContentType(cms), 1);
	ck_assert_str_eq(oid, ctype);
	/* Trust the root only: the issuing CA must come in the message. */
	ck_assert_int_eq(X509_STORE_load_file(st, pki_path("root.crt")), 1);
	/* The KDC certificate carries id-pkinit-KPKdc, not S/MIME. */
	ck_assert_int_eq(X509_STORE_set_purpose(st, X509_PURPOSE_ANY), 1);
	ck_assert_msg(CMS_verify(cms, NULL, st, NULL, out, CMS_BINARY) == 1,
	    "KDC signature does not verify: %s",
	    ERR_error_string(ERR_peek_last_error(), NULL));
	signers = CMS_get0_signers(cms);
	ck_assert_int_eq(sk_X509_num(signers), 1);
	X509_NAME_oneline(X509_get_subject_name(sk_X509_value(signers, 0)),
	    name, sizeof(name));
	ck_assert_ptr_nonnull(strstr(name, "CN=kdc.example.test"));
	sk_X509_free(signers);
	BIO_get_mem_ptr(out, &mem);
	content = pkc_dup((const unsigned char *)mem->data, (int)mem->length,
	    len_out);
	BIO_free(out);
	X509_STORE_free(st);
	CMS_ContentInfo_free(cms);
	return content;
}

/* DER KRB5PrincipalName (RFC 4556 section 3.2.2) of name in realm r. */
static uint8_t *
krb5_principal_name(const char *r, const KRB5_PRINCNAME *name, size_t *len)
{
	PKINIT_KRB5_PRINCNAME *kp = PKINIT_KRB5_PRINCNAME_new();
	uint8_t *der = NULL;
	struct kerr e;

	ck_assert_int_eq(asn1krb_str_set(&kp->realm, r), 0);
	KRB5_PRINCNAME_free(kp->principal_name);
	kp->principal_name = ASN1_item_dup(ASN1_ITEM_rptr(KRB5_PRINCNAME),
	    name);
	ck_assert_ptr_nonnull(kp->principal_name);
	ck_assert_int_eq(ASN1KRB_ENCODE(PKINIT_KRB5_PRINCNAME, kp, &der, len,
	    &e), 0);
	PKINIT_KRB5_PRINCNAME_free(kp);
	return der;
}

/* ---- Diffie-Hellman ------------------------------------------------- */

struct dh_case {
	enum pk_group grp;
	int32_t enctype;
	const char *const *kdfs;
	size_t n_kdfs;
	int with_nonce;
	enum pk_kdf want_kdf;
};

static const struct dh_case dh_cases[] = {
	{ PK_GROUP_MODP14, 18, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_MODP14, 20, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_MODP14, 17, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_P256, 18, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_P256, 20, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_P256, 17, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_P384, 18, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_P384, 20, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_P384, 17, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_MODP15, 18, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_P521, 20, mit_kdfs, 3, 0, PK_KDF_AH_SHA256 },
	{ PK_GROUP_P256, 18, only_sha512, 1, 0, PK_KDF_AH_SHA512 },
	{ PK_GROUP_MODP14, 20, only_sha1, 1, 0, PK_KDF_AH_SHA1 },
	/* No supportedKDFs: RFC 4556 octetstring2key. */
	{ PK_GROUP_MODP14, 18, NULL, 0, 0, PK_KDF_NONE },
	{ PK_GROUP_MODP14, 20, NULL, 0, 0, PK_KDF_NONE },
	{ PK_GROUP_MODP14, 17, NULL, 0, 0, PK_KDF_NONE },
	{ PK_GROUP_P256, 18, NULL, 0, 0, PK_KDF_NONE },
	{ PK_GROUP_P384, 20, NULL, 0, 0, PK_KDF_NONE },
	/* clientDHNonce: both nonces, octetstring2key even with KDFs. */
	{ PK_GROUP_MODP14, 18, mit_kdfs, 3, 1, PK_KDF_NONE },
	{ PK_GROUP_MODP14, 20, NULL, 0, 1, PK_KDF_NONE },
	{ PK_GROUP_P256, 17, mit_kdfs, 3, 1, PK_KDF_NONE },
	{ PK_GROUP_P384, 18, NULL, 0, 1, PK_KDF_NONE },
};

START_TEST(test_dh_reply)
{
	const struct dh_case *t = &dh_cases[_i];
	struct client c;
	struct pk_rep_params p;
	struct pk_rep *rep = NULL;
	PKINIT_PA_PK_AS_REP *asrep = NULL;
	PKINIT_DH_REP_INFO *dh;
	PKINIT_KDC_DH_KEY_INFO *ki = NULL;
	struct pk_kdf_input in;
	struct kc_key key;
	uint8_t *content, *secret, *cpn, *tpn, seed[PK_KDF_MAX_SEED];
	size_t content_len, secret_len, cpn_len, tpn_len, seed_len;
	const uint8_t *oid;
	size_t oid_len;
	uint32_t nonce;
	int64_t expiry;
	struct kerr e;

	client_request(&c, "alice", t->grp, t->with_nonce, t->kdfs, t->n_kdfs);
	p = rep_params(&c, t->enctype, 0);
	ck_assert_msg(pk_rep_make(&p, &rep, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(rep->reply_key.enctype, t->enctype);
	ck_assert_uint_eq(rep->reply_key.length,
	    kc_enctype_key_length(t->enctype));
	/* The log line names the exchange: "DH MODP-2048, sha256". */
	ck_assert_msg(strncmp(rep->method, t->grp >= PK_GROUP_P256 ? "ECDH " :
	    "DH ", t->grp >= PK_GROUP_P256 ? 5 : 3) == 0, "%s", rep->method);
	ck_assert_ptr_nonnull(strstr(rep->method, pk_group_name(t->grp)));
	ck_assert_ptr_nonnull(strstr(rep->method,
	    t->want_kdf == PK_KDF_AH_SHA256 ? "sha256" :
	    t->want_kdf == PK_KDF_AH_SHA512 ? "sha512" :
	    t->want_kdf == PK_KDF_AH_SHA1 ? "sha1" : "octetstring2key"));

	/* PA-PK-AS-REP dhInfo -> dhSignedData -> KDCDHKeyInfo. */
	ck_assert_msg(ASN1KRB_DECODE(PKINIT_PA_PK_AS_REP, rep->pa_value,
	    rep->pa_len, &asrep, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(asrep->type, PKINIT_REP_DH_INFO);
	dh = asrep->value.dh_info;
	content = client_verify(dh->dh_signed_data->data,
	    (size_t)dh->dh_signed_data->length, ID_PKINIT_DH_KEY_DATA,
	    &content_len);
	ck_assert_msg(ASN1KRB_DECODE(PKINIT_KDC_DH_KEY_INFO, content,
	    content_len, &ki, &e) == 0, "%s", e.msg);
	/* Fresh KDC key: the nonce is the PKAuthenticator's (3.2.3.1). */
	ck_assert_int_eq(asn1krb_uint32_get(ki->nonce, &nonce), 0);
	ck_assert_uint_eq(nonce, cap.nonce);

	/* serverDHNonce and dhKeyExpiration answer a clientDHNonce, and
	 * come only then; no KDF is named then either. */
	if (t->with_nonce) {
		ck_assert_ptr_nonnull(dh->server_dh_nonce);
		ck_assert_int_ge(dh->server_dh_nonce->length,
		    (int)kc_enctype_key_length(t->enctype));
		ck_assert_ptr_nonnull(ki->dh_key_expiration);
		ck_assert_int_eq(asn1krb_time_get(ki->dh_key_expiration,
		    &expiry), 0);
		ck_assert(expiry > NOW);
		ck_assert_ptr_null(dh->kdf);
	} else {
		ck_assert_ptr_null(dh->server_dh_nonce);
		ck_assert_ptr_null(ki->dh_key_expiration);
	}
	if (t->want_kdf == PK_KDF_NONE) {
		ck_assert_ptr_null(dh->kdf);
	} else {
		unsigned char *der = NULL;
		int n;

		ck_assert_ptr_nonnull(dh->kdf);
		n = i2d_ASN1_OBJECT(dh->kdf->kdf_id, &der);
		oid = pk_kdf_oid_der(t->want_kdf, &oid_len);
		ck_assert_int_eq(n, (int)oid_len);
		ck_assert_mem_eq(der, oid, oid_len);
		OPENSSL_free(der);
	}

	/* The client's half of the agreement. */
	secret = pkc_client_secret(c.key, t->grp, ki->subject_public_key->data,
	    (size_t)ki->subject_public_key->length, &secret_len);
	seed_len = pk_kdf_seed_len(t->enctype);
	ck_assert_uint_gt(seed_len, 0);
	if (t->want_kdf != PK_KDF_NONE) {
		/* RFC 8636 section 3: partyUInfo is the client name as in
		 * the AS-REQ, partyVInfo the TGS krbtgt/REALM@REALM the
		 * request names, suppPubInfo the enctype, the AS-REQ and
		 * the PA-PK-AS-REP exactly as sent. */
		const KRB5_KDC_REQ_BODY *body = cap.req->req_body;
		char *tgs = NULL;

		ck_assert_int_eq(asn1krb_princ_unparse(body->sname, realm, &tgs,
		    &e), 0);
		ck_assert_str_eq(tgs, "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST");
		free(tgs);
		cpn = krb5_principal_name(realm, body->cname, &cpn_len);
		tpn = krb5_principal_name(realm, body->sname, &tpn_len);
		memset(&in, 0, sizeof(in));
		in.z = secret;
		in.z_len = secret_len;
		in.client_princ = cpn;
		in.client_princ_len = cpn_len;
		in.tgs_princ = tpn;
		in.tgs_princ_len = tpn_len;
		in.enctype = t->enctype;
		in.as_req = c.as_req;
		in.as_req_len = c.as_req_len;
		in.pk_as_rep = rep->pa_value;
		in.pk_as_rep_len = rep->pa_len;
		ck_assert_int_eq(pk_kdf_derive(t->want_kdf, &in, seed,
		    seed_len, &e), 0);
		free(cpn);
		free(tpn);
	} else {
		ck_assert_int_eq(pk_octetstring2key(secret, secret_len,
		    t->with_nonce ? c.dh_nonce : NULL,
		    t->with_nonce ? sizeof(c.dh_nonce) : 0,
		    t->with_nonce ? dh->server_dh_nonce->data : NULL,
		    t->with_nonce ? (size_t)dh->server_dh_nonce->length : 0,
		    seed, seed_len, &e), 0);
	}
	ck_assert_int_eq(kc_random_to_key(t->enctype, seed, seed_len, &key,
	    &e), 0);
	ck_assert_msg(kc_key_equal(&key, &rep->reply_key),
	    "client and KDC reply keys differ");

	kc_key_clear(&key);
	free(secret);
	free(content);
	PKINIT_KDC_DH_KEY_INFO_free(ki);
	PKINIT_PA_PK_AS_REP_free(asrep);
	pk_rep_free(rep);
	client_free(&c);
}
END_TEST

/* Two replies to one request use two different KDC keys. */
START_TEST(test_dh_fresh_keys)
{
	struct client c;
	struct pk_rep_params p;
	struct pk_rep *r1 = NULL, *r2 = NULL;
	struct kerr e;

	client_request(&c, "alice", PK_GROUP_P256, 0, mit_kdfs, 3);
	p = rep_params(&c, 18, 0);
	ck_assert_int_eq(pk_rep_make(&p, &r1, &e), 0);
	ck_assert_int_eq(pk_rep_make(&p, &r2, &e), 0);
	ck_assert(r1->pa_len != r2->pa_len ||
	    memcmp(r1->pa_value, r2->pa_value, r1->pa_len) != 0);
	ck_assert(!kc_key_equal(&r1->reply_key, &r2->reply_key));
	pk_rep_free(r1);
	pk_rep_free(r2);
	client_free(&c);
}
END_TEST

START_TEST(test_dh_weak_group)
{
	struct client c;
	struct pk_rep_params p;
	struct pk_rep *rep = NULL;
	BIGNUM *prime = BN_get_rfc2409_prime_1024(NULL), *g = BN_new();
	BIGNUM *q = BN_new(), *y = BN_new();
	struct kerr e;

	/* RFC 2409 group 2 (1024 bits): its clientPublicValue parses, the
	 * reply refuses it. */
	ck_assert(BN_set_word(g, 2) && BN_rshift1(q, prime) &&
	    BN_set_word(y, 5));
	client_request(&c, "alice", PK_GROUP_UNKNOWN, 0, mit_kdfs, 3);
	free(c.req->client_spki);
	c.req->client_spki = pkc_dh_spki(prime, g, q, y,
	    &c.req->client_spki_len);
	ck_assert_int_eq(pk_dh_identify(c.req->client_spki,
	    c.req->client_spki_len), PK_GROUP_MODP2);
	p = rep_params(&c, 18, 1);
	ck_assert_int_eq(pk_rep_make(&p, &rep, &e),
	    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
	ck_assert_ptr_null(rep);
	BN_free(prime);
	BN_free(g);
	BN_free(q);
	BN_free(y);
	client_free(&c);
}
END_TEST

START_TEST(test_dh_weak_group_signed)
{
	struct pkc_opts o;
	struct pk_req_params rp;
	struct pk_req *req = NULL;
	struct pk_rep_params p;
	struct pk_rep *rep = NULL;
	struct client c;
	BIGNUM *prime = BN_get_rfc2409_prime_1024(NULL), *g = BN_new();
	BIGNUM *q = BN_new(), *y = BN_new();
	uint8_t *spki, *pa;
	size_t spki_len, pa_len;
	struct kerr e;

	/* The same through a signed AuthPack. */
	ck_assert(BN_set_word(g, 2) && BN_rshift1(q, prime) &&
	    BN_set_word(y, 5));
	spki = pkc_dh_spki(prime, g, q, y, &spki_len);
	memset(&o, 0, sizeof(o));
	o.signer = "alice";
	o.ctime = NOW;
	o.nonce = cap.nonce;
	o.spki = spki;
	o.spki_len = spki_len;
	pa = pkc_request(&o, cap.body, cap.body_len, &pa_len);
	memset(&rp, 0, sizeof(rp));
	rp.req_body = cap.body;
	rp.req_body_len = cap.body_len;
	rp.nonce = cap.nonce;
	rp.now = NOW;
	rp.clockskew = 300;
	ck_assert_msg(pk_req_parse(pa, pa_len, &rp, &req, &e) == 0, "%s",
	    e.msg);
	memset(&c, 0, sizeof(c));
	c.req = req;
	c.as_req = pkc_as_req(&cap, pa, pa_len, &c.as_req_len);
	p = rep_params(&c, 18, 0);
	ck_assert_int_eq(pk_rep_make(&p, &rep, &e),
	    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
	ck_assert_ptr_null(rep);
	client_free(&c);
	free(pa);
	free(spki);
	BN_free(prime);
	BN_free(g);
	BN_free(q);
	BN_free(y);
}
END_TEST

/* A clientPublicValue that is no DH key at all (the client's RSA key). */
START_TEST(test_dh_not_a_dh_key)
{
	struct client c;
	struct pk_rep_params p;
	struct pk_rep *rep = NULL;
	const uint8_t *spki;
	size_t len;
	struct kerr e;

	client_request(&c, "alice", PK_GROUP_UNKNOWN, 0, mit_kdfs, 3);
	spki = cv_cert_spki(c.req->signer, &len);
	c.req->client_spki = malloc(len);
	ck_assert_ptr_nonnull(c.req->client_spki);
	memcpy(c.req->client_spki, spki, len);
	c.req->client_spki_len = len;
	p = rep_params(&c, 18, 1);
	ck_assert_int_eq(pk_rep_make(&p, &rep, &e),
	    KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED);
	ck_assert_ptr_null(rep);
	client_free(&c);
}
END_TEST

START_TEST(test_dh_enctype_unsupported)
{
	struct client c;
	struct pk_rep_params p;
	struct pk_rep *rep = NULL;
	struct kerr e;

	client_request(&c, "alice", PK_GROUP_P256, 0, mit_kdfs, 3);
	p = rep_params(&c, 23, 0);      /* rc4-hmac */
	ck_assert_int_eq(pk_rep_make(&p, &rep, &e), KDC_ERR_ETYPE_NOSUPP);
	ck_assert_ptr_null(rep);
	client_free(&c);
}
END_TEST

/* ---- RSA key transport ---------------------------------------------- */

/* ContentInfo { id-signedData, [0] EXPLICIT sd }: the client re-wraps
 * the decrypted SignedData (RFC 5652 section 6.1 encrypts the bare
 * content). */
static uint8_t *
wrap_signed_data(const uint8_t *sd, size_t len, size_t *len_out)
{
	static const uint8_t oid_signed_data[] = { 0x06, 0x09, 0x2a, 0x86,
		0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
	struct pk_der d;
	uint8_t *out;
	size_t at;

	pk_der_init(&d);
	pk_der_raw(&d, oid_signed_data, sizeof(oid_signed_data));
	at = d.len;
	pk_der_raw(&d, sd, len);
	pk_der_wrap(&d, at, 0xa0);
	pk_der_wrap(&d, 0, 0x30);
	ck_assert_int_eq(pk_der_take(&d, &out, len_out), 0);
	return out;
}

static void
rsa_round_trip(int32_t enctype)
{
	struct client c;
	struct pk_rep_params p;
	struct pk_rep *rep = NULL;
	PKINIT_PA_PK_AS_REP *asrep = NULL;
	PKINIT_REPLY_KEY_PACK *kp = NULL;
	CMS_ContentInfo *env;
	const unsigned char *q;
	EVP_PKEY *k;
	X509 *x;
	BIO *b, *out;
	BUF_MEM *mem;
	uint8_t *ci, *content;
	size_t ci_len, content_len;
	struct kc_key key;
	char oid[64];
	struct kerr e;

	client_request(&c, "alice", PK_GROUP_UNKNOWN, 0, mit_kdfs, 3);
	ck_assert_ptr_null(c.req->client_spki);
	p = rep_params(&c, enctype, 1);
	ck_assert_msg(pk_rep_make(&p, &rep, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(rep->reply_key.enctype, enctype);

	ck_assert_msg(ASN1KRB_DECODE(PKINIT_PA_PK_AS_REP, rep->pa_value,
	    rep->pa_len, &asrep, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(asrep->type, PKINIT_REP_ENC_KEY_PACK);

	/* Decrypt the EnvelopedData with alice's key. */
	q = asrep->value.enc_key_pack->data;
	env = d2i_CMS_ContentInfo(NULL, &q, asrep->value.enc_key_pack->length);
	ck_assert_ptr_nonnull(env);
	ck_assert_int_eq(OBJ_obj2nid(CMS_get0_type(env)), NID_pkcs7_enveloped);
	OBJ_obj2txt(oid, sizeof(oid), CMS_get0_eContentType(env), 1);
	ck_assert_str_eq(oid, "1.2.840.113549.1.7.2");  /* id-signedData */
	b = BIO_new_file(pki_path("alice.key"), "r");
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	b = BIO_new_file(pki_path("alice.crt"), "r");
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	out = BIO_new(BIO_s_mem());
	ck_assert_int_eq(CMS_decrypt(env, k, x, NULL, out, CMS_BINARY), 1);
	BIO_get_mem_ptr(out, &mem);
	ci = wrap_signed_data((const uint8_t *)mem->data, mem->length,
	    &ci_len);
	BIO_free(out);
	CMS_ContentInfo_free(env);
	EVP_PKEY_free(k);
	X509_free(x);

	/* SignedData (id-pkinit-rkeyData) by the KDC -> ReplyKeyPack. */
	content = client_verify(ci, ci_len, ID_PKINIT_RKEY_DATA, &content_len);
	ck_assert_msg(ASN1KRB_DECODE(PKINIT_REPLY_KEY_PACK, content,
	    content_len, &kp, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(kp->reply_key->keytype, enctype);
	ck_assert_int_eq(kp->reply_key->keyvalue->length,
	    (int)rep->reply_key.length);
	ck_assert_int_eq(kc_key_from_bytes(enctype,
	    kp->reply_key->keyvalue->data,
	    (size_t)kp->reply_key->keyvalue->length, &key, &e), 0);
	ck_assert(kc_key_equal(&key, &rep->reply_key));

	/* asChecksum: keyed with the reply key, usage 6, over the AS-REQ
	 * bytes as sent (section 3.2.3.2). */
	ck_assert_int_eq(kp->as_checksum->cksumtype,
	    kc_checksum_type_for_enctype(enctype));
	ck_assert_msg(kc_checksum_verify(&key, KEY_USAGE_PA_PK_AS_REP_CKSUM,
	    kp->as_checksum->cksumtype, c.as_req, c.as_req_len,
	    kp->as_checksum->checksum->data,
	    (size_t)kp->as_checksum->checksum->length, &e) == 0, "%s", e.msg);
	/* ... and over nothing else. */
	ck_assert_int_ne(kc_checksum_verify(&key, KEY_USAGE_PA_PK_AS_REP_CKSUM,
	    kp->as_checksum->cksumtype, cap.der, cap.len,
	    kp->as_checksum->checksum->data,
	    (size_t)kp->as_checksum->checksum->length, &e), 0);
	ck_assert_int_ne(kc_checksum_verify(&key, 5,
	    kp->as_checksum->cksumtype, c.as_req, c.as_req_len,
	    kp->as_checksum->checksum->data,
	    (size_t)kp->as_checksum->checksum->length, &e), 0);

	kc_key_clear(&key);
	PKINIT_REPLY_KEY_PACK_free(kp);
	free(content);
	free(ci);
	PKINIT_PA_PK_AS_REP_free(asrep);
	pk_rep_free(rep);
	client_free(&c);
}

START_TEST(test_rsa_reply)
{
	static const int32_t enctypes[] = { 18, 20, 17 };

	rsa_round_trip(enctypes[_i]);
}
END_TEST

START_TEST(test_rsa_refused)
{
	struct client c;
	struct pk_rep_params p;
	struct pk_rep *rep = NULL;
	struct kerr e;

	client_request(&c, "alice", PK_GROUP_UNKNOWN, 0, mit_kdfs, 3);
	p = rep_params(&c, 18, 0);
	ck_assert_int_eq(pk_rep_make(&p, &rep, &e),
	    KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED);
	ck_assert_int_eq(KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED, 81);
	ck_assert_ptr_null(rep);
	client_free(&c);
}
END_TEST

START_TEST(test_rsa_to_ec_client)
{
	struct client c;
	struct pk_rep_params p;
	struct pk_rep *rep = NULL;
	struct kerr e;

	/* An ECDSA certificate has no key to encrypt to. */
	client_request(&c, "alice-ec", PK_GROUP_UNKNOWN, 0, NULL, 0);
	p = rep_params(&c, 18, 1);
	ck_assert_int_eq(pk_rep_make(&p, &rep, &e),
	    KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED);
	ck_assert_ptr_null(rep);
	client_free(&c);
}
END_TEST

/* ---- Fixture --------------------------------------------------------- */

static void
setup(void)
{
	const KRB5_PRINCNAME *cn;
	const unsigned char *comp;
	size_t i, n;
	char spec[1200];
	struct kerr e;

	pkc_capture_load(TEST_DATA "/pki/mit-1.20/as-req.der", &cap);
	ck_assert_int_eq(asn1krb_str_dup(cap.req->req_body->realm, &realm), 0);
	cn = cap.req->req_body->cname;
	ck_assert_ptr_nonnull(cn);
	cname_len = (size_t)asn1krb_princ_ncomp(cn);
	ck_assert(cname_len >= 1 && cname_len <= 4);
	for (i = 0; i < cname_len; i++) {
		comp = asn1krb_princ_comp(cn, (int)i, &n);
		ck_assert(comp != NULL && n < sizeof(cname_buf[i]));
		memcpy(cname_buf[i], comp, n);
		cname_buf[i][n] = '\0';
		cname[i] = cname_buf[i];
	}
	snprintf(spec, sizeof(spec), "FILE:%s,%s", pki_path("kdc-chain.pem"),
	    pki_path("kdc.key"));
	ck_assert_msg(pk_identity_load(spec, NULL, realm, &kdc, NULL, &e) == 0,
	    "%s", e.msg);
	ck_assert_uint_eq(cv_certs_count(pk_identity_chain(kdc)), 1);
	ck_assert_int_eq(pk_dh_groups_new(2048, 0, &groups, &e), 0);
}

static void
teardown(void)
{
	pk_dh_groups_free(groups);
	groups = NULL;
	pk_identity_free(kdc);
	kdc = NULL;
	free(realm);
	realm = NULL;
	pkc_capture_free(&cap);
}

int
main(void)
{
	Suite *s = suite_create("pk_rep");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	uint8_t *a, *b, *chain;
	size_t al, bl;
	int failed;

	pki_setup();
	/* The KDC sends its issuing CA along, so that clients trusting only
	 * the root can build the path. */
	a = pki_read(pki_path("kdc.crt"), &al);
	b = pki_read(pki_path("ca.crt"), &bl);
	if (a == NULL || b == NULL || (chain = malloc(al + bl)) == NULL)
		abort();
	memcpy(chain, a, al);
	memcpy(chain + al, b, bl);
	pki_write(pki_path("kdc-chain.pem"), chain, al + bl);
	free(a);
	free(b);
	free(chain);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_dh_reply, 0,
	    (int)(sizeof(dh_cases) / sizeof(dh_cases[0])));
	tcase_add_test(tc, test_dh_fresh_keys);
	tcase_add_test(tc, test_dh_weak_group);
	tcase_add_test(tc, test_dh_weak_group_signed);
	tcase_add_test(tc, test_dh_not_a_dh_key);
	tcase_add_test(tc, test_dh_enctype_unsupported);
	tcase_add_loop_test(tc, test_rsa_reply, 0, 3);
	tcase_add_test(tc, test_rsa_refused);
	tcase_add_test(tc, test_rsa_to_ec_client);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pki_teardown();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
