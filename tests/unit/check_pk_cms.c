/* check_pk_cms.c - CMS SignedData verify/sign, EnvelopedData, identities. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "cv_cert.h"
#include "cv_chain.h"
#include "cv_priv.h"
#include "pk_dh.h"
#include "pk_cms.h"
#include "pk_identity.h"
#include "pk_priv.h"
#include "pki_fixture.h"

/* Stand-in for a DER AuthPack: any bytes will do for the CMS layer. */
static const uint8_t authpack[] = { 0x30, 0x0b, 0xa0, 0x09, 0x04, 0x07,
	'a', 'u', 't', 'h', 'p', 'c', 'k' };

static struct pk_identity *
load_id(const char *spec, const char *pass, const char *realm,
    struct pk_id_warnings *w)
{
	struct pk_identity *id = NULL;
	struct kerr e;

	ck_assert_msg(pk_identity_load(spec, pass, realm, &id, w, &e) == 0,
	    "%s", e.msg);
	return id;
}

/* "PREFIXa" or "PREFIXa,b" */
static char *
spec2(const char *prefix, const char *a, const char *b)
{
	static char buf[1200];

	snprintf(buf, sizeof(buf), "%s%s%s%s", prefix, a, b[0] ? "," : "", b);
	return buf;
}

/* Sign as a client would, straight with OpenSSL, to vary the knobs. */
#define AUTH_DATA "1.3.6.1.5.2.3.1"

static int mismatched_ct_attr;  /* add a wrong contentType attribute */

static uint8_t *
client_sign(const char *name, const EVP_MD *md, unsigned int extra,
    const char *ctype, int pss, size_t *len)
{
	BIO *b;
	X509 *x;
	EVP_PKEY *k;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	ASN1_OBJECT *obj;
	BIO *in;
	unsigned char *der = NULL;
	uint8_t *out;
	unsigned int fl = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP | extra;
	char file[64];
	int n;

	snprintf(file, sizeof(file), "%s.crt", name);
	b = BIO_new_file(pki_path(file), "r");
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	snprintf(file, sizeof(file), "%s.key", name);
	b = BIO_new_file(pki_path(file), "r");
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	ck_assert(x != NULL && k != NULL);

	cms = CMS_sign(NULL, NULL, NULL, NULL, fl);
	obj = OBJ_txt2obj(ctype, 1);
	ck_assert(CMS_set1_eContentType(cms, obj));
	ASN1_OBJECT_free(obj);
	si = CMS_add1_signer(cms, x, k, md, fl | (pss ? CMS_KEY_PARAM : 0));
	ck_assert_ptr_nonnull(si);
	if (pss) {
		EVP_PKEY_CTX *pctx = CMS_SignerInfo_get0_pkey_ctx(si);

		ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING), 0);
	}
	in = BIO_new_mem_buf(authpack, sizeof(authpack));
	ck_assert(CMS_final(cms, in, NULL, CMS_BINARY));
	if (mismatched_ct_attr) {
		/* Relabel after signing: the signed attribute keeps the old
		 * type while eContentType claims id-pkinit-authData. */
		obj = OBJ_txt2obj(AUTH_DATA, 1);
		ck_assert(CMS_set1_eContentType(cms, obj));
		ASN1_OBJECT_free(obj);
	}
	n = i2d_CMS_ContentInfo(cms, &der);
	ck_assert_int_gt(n, 0);
	out = malloc((size_t)n);
	memcpy(out, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	X509_free(x);
	EVP_PKEY_free(k);
	return out;
}

START_TEST(test_verify_rsa_with_chain)
{
	struct pk_identity *id;
	struct pk_signed *s = NULL;
	uint8_t *der = NULL;
	size_t len;
	struct kerr e;

	/* alice with her issuing CA in one combined PEM file. */
	id = load_id(spec2("FILE:", pki_path("alice-full.pem"),
	    pki_path("alice.key")), NULL, NULL, NULL);
	ck_assert_uint_eq(cv_certs_count(pk_identity_chain(id)), 1);
	ck_assert_int_eq(pk_cms_sign(id, PK_CONTENT_AUTH_DATA, authpack,
	    sizeof(authpack), &der, &len, &e), 0);
	ck_assert_msg(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0, &s, &e)
	    == 0, "%s", e.msg);
	ck_assert_uint_eq(s->content_len, sizeof(authpack));
	ck_assert_mem_eq(s->content, authpack, sizeof(authpack));
	ck_assert_str_eq(cv_cert_subject(s->signer),
	    "CN=alice,OU=Users,DC=example,DC=test");
	ck_assert_uint_eq(cv_certs_count(s->others), 1);
	ck_assert_ptr_nonnull(strstr(cv_cert_subject(cv_certs_get(s->others,
	    0)), "Issuing CA"));
	ck_assert_str_eq(s->digest, "SHA256");
	pk_signed_free(s);
	free(der);
	pk_identity_free(id);
}
END_TEST

START_TEST(test_verify_variants)
{
	/* ECDSA, no signed attributes, SHA-384/512, RSA-PSS. */
	static const struct {
		const char *who;
		const char *md;
		unsigned int extra;
		int pss;
	} v[] = {
		{ "alice-ec", "SHA256", 0, 0 },
		{ "alice-ec", "SHA384", CMS_NOATTR, 0 },
		{ "alice", "SHA512", CMS_NOATTR, 0 },
		{ "alice", "SHA256", 0, 1 },
	};
	struct pk_signed *s = NULL;
	uint8_t *der;
	size_t len, i;
	struct kerr e;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		der = client_sign(v[i].who, EVP_get_digestbyname(v[i].md),
		    v[i].extra, AUTH_DATA, v[i].pss, &len);
		ck_assert_msg(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0,
		    &s, &e) == 0, "variant %zu: %s", i, e.msg);
		ck_assert_mem_eq(s->content, authpack, sizeof(authpack));
		pk_signed_free(s);
		s = NULL;
		free(der);
	}
}
END_TEST

START_TEST(test_sha1_policy)
{
	struct pk_signed *s = NULL;
	uint8_t *der;
	size_t len;
	struct kerr e;

	der = client_sign("alice", EVP_sha1(), 0, AUTH_DATA, 0, &len);
	ck_assert_int_eq(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0, &s,
	    &e), KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA,
	    PK_CMS_ALLOW_SHA1, &s, &e), 0);
	ck_assert_str_eq(s->digest, "SHA1");
	pk_signed_free(s);
	free(der);
}
END_TEST

static void
flip_in(uint8_t *der, size_t len, const uint8_t *needle, size_t nlen)
{
	size_t i;

	for (i = 0; i + nlen <= len; i++) {
		if (memcmp(der + i, needle, nlen) == 0) {
			der[i + nlen - 1] ^= 0x01;
			return;
		}
	}
	ck_abort_msg("content not found");
}

START_TEST(test_tampered)
{
	struct pk_signed *s = NULL;
	uint8_t *der;
	size_t len;
	struct kerr e;
	unsigned int attrs[2] = { 0, CMS_NOATTR };
	int i;

	for (i = 0; i < 2; i++) {
		der = client_sign("alice", EVP_sha256(), attrs[i], AUTH_DATA, 0,
		    &len);
		flip_in(der, len, authpack, sizeof(authpack));
		ck_assert_int_eq(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA,
		    0, &s, &e), KDC_ERR_INVALID_SIG);
		ck_assert_ptr_nonnull(strstr(e.msg, "CN=alice"));
		free(der);
	}
	/* A broken signature value (last octets of the message). */
	der = client_sign("alice-ec", EVP_sha256(), 0, AUTH_DATA, 0, &len);
	der[len - 3] ^= 0x40;
	ck_assert_int_eq(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0, &s,
	    &e), KDC_ERR_INVALID_SIG);
	ck_assert_ptr_null(s);
	free(der);
}
END_TEST

START_TEST(test_wrong_content_type)
{
	struct pk_signed *s = NULL;
	uint8_t *der;
	size_t len;
	struct kerr e;

	der = client_sign("alice", EVP_sha256(), 0, "1.3.6.1.5.2.3.2", 0, &len);
	ck_assert_int_eq(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0, &s,
	    &e), KDC_ERR_PREAUTH_FAILED);
	ck_assert_ptr_nonnull(strstr(e.msg, "eContentType"));
	free(der);
	/* id-data, as a plain S/MIME signer would produce. */
	der = client_sign("alice", EVP_sha256(), 0, "1.2.840.113549.1.7.1", 0,
	    &len);
	ck_assert_int_eq(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0, &s,
	    &e), KDC_ERR_PREAUTH_FAILED);
	free(der);
	/* Signed contentType attribute differing from eContentType. */
	mismatched_ct_attr = 1;
	der = client_sign("alice", EVP_sha256(), 0, "1.2.840.113549.1.7.1", 0,
	    &len);
	mismatched_ct_attr = 0;
	ck_assert_int_eq(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0, &s,
	    &e), KDC_ERR_INVALID_SIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "contentType attribute"));
	free(der);
	/* Not CMS at all. */
	ck_assert_int_eq(pk_cms_verify(authpack, sizeof(authpack),
	    PK_CONTENT_AUTH_DATA, 0, &s, &e), KDC_ERR_PREAUTH_FAILED);
}
END_TEST

START_TEST(test_no_signer_cert)
{
	struct pk_signed *s = NULL;
	uint8_t *der;
	size_t len;
	struct kerr e;

	der = client_sign("alice", EVP_sha256(), CMS_NOCERTS, AUTH_DATA, 0,
	    &len);
	ck_assert_int_eq(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0, &s,
	    &e), KDC_ERR_CANT_VERIFY_CERTIFICATE);
	free(der);
}
END_TEST

/* Verify a KDC reply with OpenSSL against the test PKI, full chain. */
static void
openssl_verify_reply(const uint8_t *der, size_t len, const char *ctype,
    int is_content_info)
{
	X509_STORE *st = X509_STORE_new();
	CMS_ContentInfo *cms;
	const unsigned char *p = der;
	BIO *out = BIO_new(BIO_s_mem());
	BUF_MEM *mem;
	char oid[64];

	ck_assert(is_content_info);
	ck_assert_int_eq(X509_STORE_load_file(st, pki_path("chain.pem")), 1);
	/* The KDC certificate is no S/MIME signer: check the path only. */
	ck_assert_int_eq(X509_STORE_set_purpose(st, X509_PURPOSE_ANY), 1);
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	ck_assert_ptr_nonnull(cms);
	OBJ_obj2txt(oid, sizeof(oid), CMS_get0_eContentType(cms), 1);
	ck_assert_str_eq(oid, ctype);
	ck_assert_int_eq(CMS_verify(cms, NULL, st, NULL, out, CMS_BINARY), 1);
	BIO_get_mem_ptr(out, &mem);
	ck_assert_uint_eq(mem->length, sizeof(authpack));
	ck_assert_mem_eq(mem->data, authpack, sizeof(authpack));
	CMS_ContentInfo_free(cms);
	BIO_free(out);
	X509_STORE_free(st);
}

START_TEST(test_kdc_sign)
{
	struct pk_identity *id;
	struct pk_signed *s = NULL;
	uint8_t *der = NULL;
	size_t len;
	struct kerr e;

	id = load_id(spec2("FILE:", pki_path("kdc.crt"),
	    pki_path("kdc.key")), NULL, NULL, NULL);
	ck_assert_int_eq(pk_cms_sign(id, PK_CONTENT_DH_KEY_DATA, authpack,
	    sizeof(authpack), &der, &len, &e), 0);
	openssl_verify_reply(der, len, "1.3.6.1.5.2.3.2", 1);
	/* Our own verifier agrees and reports the KDC as signer. */
	ck_assert_int_eq(pk_cms_verify(der, len, PK_CONTENT_DH_KEY_DATA, 0, &s,
	    &e), 0);
	ck_assert_ptr_nonnull(strstr(cv_cert_subject(s->signer),
	    "CN=kdc.example.test"));
	pk_signed_free(s);
	free(der);
	ck_assert_int_eq(pk_cms_sign(id, PK_CONTENT_RKEY_DATA, authpack,
	    sizeof(authpack), &der, &len, &e), 0);
	openssl_verify_reply(der, len, "1.3.6.1.5.2.3.3", 1);
	free(der);
	pk_identity_free(id);

	/* An ECDSA identity signs too (ecdsa-with-SHA256). */
	id = load_id(spec2("FILE:", pki_path("alice-ec.crt"),
	    pki_path("alice-ec.key")), NULL, NULL, NULL);
	ck_assert_int_eq(pk_cms_sign(id, PK_CONTENT_DH_KEY_DATA, authpack,
	    sizeof(authpack), &der, &len, &e), 0);
	ck_assert_int_eq(pk_cms_verify(der, len, PK_CONTENT_DH_KEY_DATA, 0, &s,
	    &e), 0);
	ck_assert_str_eq(s->digest, "SHA256");
	pk_signed_free(s);
	free(der);
	pk_identity_free(id);
}
END_TEST

/*
 * After the first signature of a type, an identity signs through its
 * template: the bytes are OpenSSL's own (RSA signatures are
 * deterministic, so two signatures made in the same second are equal),
 * for the template's content and for any other.
 */
static int
same_second_pair(struct pk_identity *fresh, struct pk_identity *warm,
    const uint8_t *c, size_t clen, uint8_t **a, size_t *al, uint8_t **b,
    size_t *bl)
{
	time_t t0 = time(NULL);
	struct kerr e;

	ck_assert_int_eq(pk_cms_sign(fresh, PK_CONTENT_DH_KEY_DATA, c, clen,
	    a, al, &e), 0);
	ck_assert_int_eq(pk_cms_sign(warm, PK_CONTENT_DH_KEY_DATA, c, clen,
	    b, bl, &e), 0);
	return time(NULL) == t0;
}

START_TEST(test_sign_template)
{
	static const uint8_t other[300] = { 0x30, 0x82, 0x01, 0x28, 7 };
	struct pk_identity *warm = NULL, *fresh;
	struct pk_signed *s = NULL;
	uint8_t *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	const char *kdc_spec;
	int tries, same = 0;
	struct kerr e;

	kdc_spec = spec2("FILE:", pki_path("kdc.crt"), pki_path("kdc.key"));
	for (tries = 0; tries < 5 && !same; tries++) {
		pk_identity_free(warm);
		warm = load_id(kdc_spec, NULL, NULL, NULL);
		fresh = load_id(kdc_spec, NULL, NULL, NULL);
		ck_assert(!pk_cms_tmpl_in_use(warm, PK_CONTENT_DH_KEY_DATA));
		ck_assert_int_eq(pk_cms_sign(warm, PK_CONTENT_DH_KEY_DATA,
		    authpack, sizeof(authpack), &a, &al, &e), 0);
		free(a);
		ck_assert(pk_cms_tmpl_in_use(warm, PK_CONTENT_DH_KEY_DATA));
		ck_assert(!pk_cms_tmpl_in_use(warm, PK_CONTENT_RKEY_DATA));
		same = same_second_pair(fresh, warm, authpack,
		    sizeof(authpack), &a, &al, &b, &bl);
		if (same) {
			ck_assert_uint_eq(al, bl);
			ck_assert_mem_eq(a, b, al);
		}
		free(a);
		openssl_verify_reply(b, bl, "1.3.6.1.5.2.3.2", 1);
		free(b);
		pk_identity_free(fresh);
		/* Another content, of another length. */
		fresh = load_id(kdc_spec, NULL, NULL, NULL);
		same = same && same_second_pair(fresh, warm, other,
		    sizeof(other), &a, &al, &b, &bl);
		if (same) {
			ck_assert_uint_eq(al, bl);
			ck_assert_mem_eq(a, b, al);
		}
		ck_assert_int_eq(pk_cms_verify(b, bl, PK_CONTENT_DH_KEY_DATA, 0,
		    &s, &e), 0);
		ck_assert_uint_eq(s->content_len, sizeof(other));
		ck_assert_mem_eq(s->content, other, sizeof(other));
		pk_signed_free(s);
		free(a);
		free(b);
		pk_identity_free(fresh);
	}
	ck_assert(same);
	pk_identity_free(warm);

	/* ECDSA: not deterministic, but the template signs and verifies. */
	warm = load_id(spec2("FILE:", pki_path("alice-ec.crt"),
	    pki_path("alice-ec.key")), NULL, NULL, NULL);
	for (tries = 0; tries < 3; tries++) {
		ck_assert_int_eq(pk_cms_sign(warm, PK_CONTENT_DH_KEY_DATA,
		    other, sizeof(other), &b, &bl, &e), 0);
		ck_assert_int_eq(pk_cms_verify(b, bl, PK_CONTENT_DH_KEY_DATA, 0,
		    &s, &e), 0);
		ck_assert_mem_eq(s->content, other, sizeof(other));
		pk_signed_free(s);
		free(b);
	}
	ck_assert(pk_cms_tmpl_in_use(warm, PK_CONTENT_DH_KEY_DATA));
	pk_identity_free(warm);
}
END_TEST

START_TEST(test_envelope)
{
	struct pk_identity *kdc;
	struct cv_cert *alice = NULL, *alice_ec = NULL;
	uint8_t *sd = NULL, *env = NULL, *wrapped;
	size_t sd_len, env_len, inner_len;
	CMS_ContentInfo *cms;
	const unsigned char *p;
	BIO *b, *out;
	EVP_PKEY *k;
	X509 *x;
	BUF_MEM *mem;
	char oid[64];
	struct kerr e;

	kdc = load_id(spec2("FILE:", pki_path("kdc.crt"),
	    pki_path("kdc.key")), NULL, NULL, NULL);
	ck_assert_int_eq(pk_cms_sign(kdc, PK_CONTENT_RKEY_DATA, authpack,
	    sizeof(authpack), &sd, &sd_len, &e), 0);
	ck_assert_int_eq(cv_cert_from_file(pki_path("alice.crt"), &alice, &e),
	    0);
	ck_assert_int_eq(pk_cms_envelope(alice, sd, sd_len, &env, &env_len,
	    &e), 0);

	/* Decrypt as the client. */
	p = env;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)env_len);
	ck_assert_ptr_nonnull(cms);
	ck_assert_int_eq(OBJ_obj2nid(CMS_get0_type(cms)), NID_pkcs7_enveloped);
	OBJ_obj2txt(oid, sizeof(oid), CMS_get0_eContentType(cms), 1);
	ck_assert_str_eq(oid, "1.2.840.113549.1.7.2");
	b = BIO_new_file(pki_path("alice.key"), "r");
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	b = BIO_new_file(pki_path("alice.crt"), "r");
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	out = BIO_new(BIO_s_mem());
	ck_assert_int_eq(CMS_decrypt(cms, k, x, NULL, out, CMS_BINARY), 1);
	BIO_get_mem_ptr(out, &mem);
	/* The plaintext is the bare SignedData; wrapping it back into a
	 * ContentInfo (as kinit does) gives exactly what was signed. */
	inner_len = mem->length;
	ck_assert_int_eq((uint8_t)mem->data[0], 0x30);
	ck_assert_uint_lt(inner_len, sd_len);
	ck_assert_mem_eq(sd + sd_len - inner_len, mem->data, inner_len);
	wrapped = sd;
	openssl_verify_reply(wrapped, sd_len, "1.3.6.1.5.2.3.3", 1);
	BIO_free(out);
	CMS_ContentInfo_free(cms);
	EVP_PKEY_free(k);
	X509_free(x);
	free(env);
	env = NULL;

	/* EC client keys cannot receive key transport. */
	ck_assert_int_eq(cv_cert_from_file(pki_path("alice-ec.crt"), &alice_ec,
	    &e), 0);
	ck_assert_int_eq(pk_cms_envelope(alice_ec, sd, sd_len, &env, &env_len,
	    &e), KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED);
	/* Only a SignedData ContentInfo is enveloped. */
	ck_assert_int_eq(pk_cms_envelope(alice, authpack, sizeof(authpack),
	    &env, &env_len, &e), KRB_ERR_GENERIC);
	ck_assert_ptr_null(env);
	cv_cert_free(alice);
	cv_cert_free(alice_ec);
	free(sd);
	pk_identity_free(kdc);
}
END_TEST

START_TEST(test_identity_forms)
{
	struct pk_identity *id = NULL;
	struct pk_id_warnings w;
	struct kerr e;

	/* KDC certificate from pki.sh: EKU and krbtgt SAN present. */
	id = load_id(spec2("FILE:", pki_path("kdc.crt"),
	    pki_path("kdc.key")), NULL, "EXAMPLE.TEST", &w);
	ck_assert_uint_eq(w.n, 0);
	pk_identity_free(id);
	/* Another realm: the SAN does not match. */
	id = load_id(spec2("FILE:", pki_path("kdc.crt"),
	    pki_path("kdc.key")), NULL, "OTHER.TEST", &w);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msg[0], "krbtgt/OTHER.TEST@OTHER.TEST"));
	pk_identity_free(id);
	/* A user certificate as KDC identity: both warnings. */
	id = load_id(spec2("FILE:", pki_path("alice-full.pem"), ""), NULL,
	    "EXAMPLE.TEST", &w);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_ptr_nonnull(strstr(w.msg[0], "id-pkinit-KPKdc"));
	pk_identity_free(id);
	/* PKCS#12 with the passphrase in a file. */
	id = load_id(spec2("PKCS12:", pki_path("alice.p12"), ""),
	    pki_path("alice.p12.pass"), NULL, NULL);
	ck_assert_str_eq(cv_cert_subject(pk_identity_cert(id)),
	    "CN=alice,OU=Users,DC=example,DC=test");
	ck_assert_uint_eq(cv_certs_count(pk_identity_chain(id)), 1);
	pk_identity_free(id);
	id = NULL;
	/* Wrong passphrase, mismatched key, unknown form. */
	ck_assert_int_ne(pk_identity_load(spec2("PKCS12:",
	    pki_path("alice.p12"), ""), pki_path("kdc.crt"), NULL, &id, NULL,
	    &e), 0);
	ck_assert_int_ne(pk_identity_load(spec2("FILE:",
	    pki_path("alice.crt"), pki_path("bob.key")), NULL, NULL, &id, NULL,
	    &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, "does not match"));
	ck_assert_int_ne(pk_identity_load("PKCS11:foo", NULL, NULL, &id, NULL,
	    &e), 0);
	ck_assert_ptr_null(id);
}
END_TEST

/* Contents of the first element with tag `tag` inside DER SEQUENCE seq. */
/*
 * The certificates of a message are parsed once per process: verifying
 * the same message again finds both in the cache, the result is the same,
 * and a message whose certificate bytes differ is not served from it.
 */
START_TEST(test_cert_cache)
{
	struct pk_identity *id;
	struct pk_signed *s = NULL;
	struct cv_cache_stats st0, st1, st2;
	uint8_t *der = NULL;
	size_t len, i;
	struct kerr e;
	int round;

	id = load_id(spec2("FILE:", pki_path("alice-full.pem"),
	    pki_path("alice.key")), NULL, NULL, NULL);
	ck_assert_int_eq(pk_cms_sign(id, PK_CONTENT_AUTH_DATA, authpack,
	    sizeof(authpack), &der, &len, &e), 0);
	cv_cache_flush();
	for (round = 0; round < 2; round++) {
		cv_cache_stats(&st0);
		ck_assert_msg(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0,
		    &s, &e) == 0, "%s", e.msg);
		cv_cache_stats(&st1);
		/* Two certificates: alice and her issuing CA. */
		if (round == 0)
			ck_assert_uint_eq(st1.misses - st0.misses, 2);
		else
			ck_assert_uint_eq(st1.hits - st0.hits, 2);
		ck_assert_str_eq(cv_cert_subject(s->signer),
		    "CN=alice,OU=Users,DC=example,DC=test");
		ck_assert_uint_eq(cv_certs_count(s->others), 1);
		ck_assert_mem_eq(s->content, authpack, sizeof(authpack));
		pk_signed_free(s);
		s = NULL;
	}
	/* Flip the last octet of alice's certificate (inside its signature
	 * value): a miss, and the certificate no longer matches. */
	{
		BIO *b = BIO_new_file(pki_path("alice.crt"), "r");
		X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		unsigned char *cder = NULL;
		int clen = i2d_X509(x, &cder);

		ck_assert_int_gt(clen, 0);
		for (i = 0; i + (size_t)clen <= len; i++)
			if (memcmp(der + i, cder, (size_t)clen) == 0)
				break;
		ck_assert_uint_le(i + (size_t)clen, len);
		der[i + (size_t)clen - 1] ^= 0x01;
		OPENSSL_free(cder);
		X509_free(x);
		BIO_free(b);
	}
	cv_cache_stats(&st1);
	(void)pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0, &s, &e);
	cv_cache_stats(&st2);
	ck_assert_uint_ge(st2.misses - st1.misses, 1);
	pk_signed_free(s);
	cv_cache_flush();
	free(der);
	pk_identity_free(id);
}
END_TEST

static const uint8_t *
der_field(const uint8_t *seq, size_t len, int tag, size_t *flen)
{
	const unsigned char *p = seq, *end;
	long l;
	int t, cls, r;

	r = ASN1_get_object(&p, &l, &t, &cls, (long)len);
	ck_assert_int_eq(r & 0x80, 0);
	end = p + l;
	while (p < end) {
		r = ASN1_get_object(&p, &l, &t, &cls, end - p);
		ck_assert_int_eq(r & 0x80, 0);
		if (cls == V_ASN1_CONTEXT_SPECIFIC && t == tag) {
			*flen = (size_t)l;
			return p;
		}
		p += l;
	}
	return NULL;
}

/*
 * A request made by MIT kinit 1.20 (tests/data/pki/mit-1.20/README): the
 * SignedData verifies, its signer chains to that PKI's root, and the
 * AuthPack's clientPublicValue is a MODP-2048 key we can agree with.
 */
START_TEST(test_mit_kinit_request)
{
	struct pk_signed *s = NULL;
	struct cv_store *st = NULL;
	struct pk_dh_groups *g = NULL;
	struct pk_dh_result *r = NULL;
	const char *anchors[1] = { TEST_DATA "/pki/mit-1.20/anchor.crt" };
	const uint8_t *spki;
	uint8_t *der;
	size_t len, spki_len;
	struct kerr e;

	der = pki_read(TEST_DATA "/pki/mit-1.20/signedauthpack.der", &len);
	ck_assert_ptr_nonnull(der);
	ck_assert_msg(pk_cms_verify(der, len, PK_CONTENT_AUTH_DATA, 0, &s, &e)
	    == 0, "%s", e.msg);
	ck_assert_str_eq(s->digest, "SHA256");
	ck_assert_str_eq(cv_cert_subject(s->signer),
	    "CN=alice,OU=Users,DC=example,DC=test");
	ck_assert_uint_eq(cv_certs_count(s->others), 1);

	/* 2026-11-23T00:00:00Z, inside the certificates' validity. */
	ck_assert_int_eq(cv_store_load(anchors, 1, NULL, 0, &st, &e), 0);
	ck_assert_msg(cv_verify(st, s->signer, s->others, 1795392000, NULL,
	    &e) == 0, "%s", e.msg);
	ck_assert_int_eq(cv_check_client_usage(s->signer, &e), 0);

	/* AuthPack ::= SEQUENCE { pkAuthenticator [0], clientPublicValue [1]
	 * SubjectPublicKeyInfo, ... } (RFC 4556 3.2.1, explicit tags). */
	spki = der_field(s->content, s->content_len, 1, &spki_len);
	ck_assert_ptr_nonnull(spki);
	ck_assert_int_eq(pk_dh_identify(spki, spki_len), PK_GROUP_MODP14);
	ck_assert_int_eq(pk_dh_groups_new(2048, 0, &g, &e), 0);
	ck_assert_msg(pk_dh_agree(g, spki, spki_len, &r, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(r->secret_len, 256);
	pk_dh_result_free(r);
	pk_dh_groups_free(g);
	cv_store_free(st);
	pk_signed_free(s);
	free(der);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pk_cms");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	uint8_t *a, *c, *k;
	size_t al, cl, kl;
	int failed;

	pki_setup();
	/* alice-full.pem: certificate, issuing CA and key in one file. */
	a = pki_read(pki_path("alice.crt"), &al);
	c = pki_read(pki_path("ca.crt"), &cl);
	k = pki_read(pki_path("alice.key"), &kl);
	{
		uint8_t *all = malloc(al + cl + kl);

		memcpy(all, a, al);
		memcpy(all + al, c, cl);
		memcpy(all + al + cl, k, kl);
		pki_write(pki_path("alice-full.pem"), all, al + cl + kl);
		free(all);
	}
	free(a);
	free(c);
	free(k);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_verify_rsa_with_chain);
	tcase_add_test(tc, test_verify_variants);
	tcase_add_test(tc, test_cert_cache);
	tcase_add_test(tc, test_sha1_policy);
	tcase_add_test(tc, test_tampered);
	tcase_add_test(tc, test_wrong_content_type);
	tcase_add_test(tc, test_no_signer_cert);
	tcase_add_test(tc, test_kdc_sign);
	tcase_add_test(tc, test_sign_template);
	tcase_add_test(tc, test_envelope);
	tcase_add_test(tc, test_identity_forms);
	tcase_add_test(tc, test_mit_kinit_request);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pki_teardown();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
