/*
 * pk_identity.c - loading the KDC certificate and private key (PEM files
 * or PKCS#12) and checking the certificate is fit for a PKINIT KDC.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cv_priv.h"
#include "pk_der.h"
#include "pk_priv.h"
#include "secmem.h"

struct pk_identity {
	EVP_PKEY *key;
	struct cv_cert *cert;
	struct cv_certs *chain;
	/* Per content type: how this identity's SignedData looks (pk_cms.c),
	 * made by the first signature of each type in each process. */
	struct pk_sign_tmpl *tmpl[PK_CMS_N_CONTENT];
};

#define PASS_MAX 1024

static void warn(struct pk_id_warnings *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
warn(struct pk_id_warnings *w, const char *fmt, ...)
{
	va_list ap;

	if (w == NULL || w->n >= PK_ID_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(w->msg[w->n++], sizeof(w->msg[0]), fmt, ap);
	va_end(ap);
}

/* First line of pass_file into pass (wiped by the caller). */
static kerr_t
read_pass(const char *pass_file, char *pass, size_t passlen, struct kerr *e)
{
	FILE *f;
	size_t n;

	pass[0] = '\0';
	if (pass_file == NULL)
		return 0;
	f = fopen(pass_file, "r");
	if (f == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "cannot open passphrase "
		    "file %s", pass_file);
	if (fgets(pass, (int)passlen, f) == NULL)
		pass[0] = '\0';
	fclose(f);
	n = strcspn(pass, "\r\n");
	pass[n] = '\0';
	return 0;
}

static int
pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n;

	(void)rwflag;
	if (pass == NULL)
		return 0;
	n = strlen(pass);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

/* All certificates of a PEM file: the first is the KDC's, the rest go to
 * the chain.  Private keys in the same file are skipped here. */
static kerr_t
load_pem_certs(struct pk_identity *id, const char *path, struct kerr *e)
{
	BIO *b;
	X509 *x;
	struct cv_cert *c;
	kerr_t ret = 0;

	b = BIO_new_file(path, "r");
	if (b == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "cannot open %s", path);
	ERR_set_mark();
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		c = cv_cert_wrap(x);
		X509_free(x);
		if (c == NULL) {
			ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
			break;
		}
		if (id->cert == NULL) {
			id->cert = c;
			continue;
		}
		if (cv_certs_add(id->chain, c) != 0) {
			cv_cert_free(c);
			ret = kerr_set(e, KRB_ERR_GENERIC, "%s: too many "
			    "certificates", path);
			break;
		}
		cv_cert_free(c);
	}
	ERR_pop_to_mark();
	BIO_free(b);
	return ret;
}

static kerr_t
load_pem_key(struct pk_identity *id, const char *path, const char *pass,
    struct kerr *e)
{
	BIO *b;

	b = BIO_new_file(path, "r");
	if (b == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "cannot open %s", path);
	id->key = PEM_read_bio_PrivateKey(b, NULL, pem_pass_cb, (void *)pass);
	BIO_free(b);
	if (id->key == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "%s: no readable private "
		    "key (wrong passphrase?)", path);
	return 0;
}

static kerr_t
load_pem(struct pk_identity *id, const char *files, const char *pass,
    struct kerr *e)
{
	char certpath[4096];
	const char *comma, *keypath;
	size_t n;
	kerr_t ret;

	comma = strchr(files, ',');
	n = comma != NULL ? (size_t)(comma - files) : strlen(files);
	if (n == 0 || n >= sizeof(certpath))
		return kerr_set(e, KRB_ERR_GENERIC, "bad FILE: identity");
	memcpy(certpath, files, n);
	certpath[n] = '\0';
	keypath = comma != NULL ? comma + 1 : certpath;
	ret = load_pem_certs(id, certpath, e);
	if (ret != 0)
		return ret;
	if (id->cert == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "%s: no certificate",
		    certpath);
	return load_pem_key(id, keypath, pass, e);
}

static kerr_t
load_p12(struct pk_identity *id, const char *path, const char *pass,
    struct kerr *e)
{
	BIO *b;
	PKCS12 *p12 = NULL;
	X509 *x = NULL;
	STACK_OF(X509) *ca = NULL;
	struct cv_cert *c;
	kerr_t ret = KRB_ERR_GENERIC;
	int i;

	b = BIO_new_file(path, "rb");
	if (b == NULL)
		return kerr_set(e, ret, "cannot open %s", path);
	p12 = d2i_PKCS12_bio(b, NULL);
	BIO_free(b);
	if (p12 == NULL) {
		kerr_set(e, ret, "%s is not PKCS#12", path);
		goto cleanup;
	}
	if (!PKCS12_parse(p12, pass, &id->key, &x, &ca) || x == NULL) {
		kerr_set(e, ret, "%s: cannot decrypt PKCS#12 (wrong "
		    "passphrase?)", path);
		goto cleanup;
	}
	id->cert = cv_cert_wrap(x);
	if (id->cert == NULL) {
		kerr_set(e, ret, "out of memory");
		goto cleanup;
	}
	for (i = 0; i < sk_X509_num(ca); i++) {
		c = cv_cert_wrap(sk_X509_value(ca, i));
		if (c == NULL || cv_certs_add(id->chain, c) != 0) {
			cv_cert_free(c);
			kerr_set(e, ret, "%s: too many certificates", path);
			goto cleanup;
		}
		cv_cert_free(c);
	}
	ret = 0;
cleanup:
	X509_free(x);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(p12);
	return ret;
}

static int
has_kdc_eku(X509 *x)
{
	EXTENDED_KEY_USAGE *eku;
	char buf[64];
	int i, found = 0;

	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++)
		if (OBJ_obj2txt(buf, sizeof(buf),
		    sk_ASN1_OBJECT_value(eku, i), 1) > 0 &&
		    strcmp(buf, "1.3.6.1.5.2.3.5") == 0)
			found = 1;
	EXTENDED_KEY_USAGE_free(eku);
	return found;
}

/* Is there an id-pkinit-san equal (as DER) to krbtgt/REALM@REALM? */
static int
has_krbtgt_san(const struct cv_cert *c, const char *realm)
{
	const char *comps[2] = { "krbtgt", realm };
	struct cv_blobs *sans = NULL;
	uint8_t *want = NULL;
	size_t want_len = 0, i;
	int found = 0;

	/* KRB5-NT-SRV-INST (2) is what RFC 4556 3.2.4 examples use for the
	 * TGS name; name-type is compared too, so check both spellings. */
	if (cv_cert_sans(c, CV_SAN_PKINIT, &sans, NULL) != 0)
		return 0;
	for (int nt = 1; nt <= 2 && !found; nt++) {
		free(want);
		want = NULL;
		if (pk_der_krb5_principal(realm, nt, comps, 2, &want,
		    &want_len) != 0)
			break;
		for (i = 0; i < sans->n; i++)
			if (sans->v[i].len == want_len &&
			    memcmp(sans->v[i].data, want, want_len) == 0)
				found = 1;
	}
	free(want);
	cv_blobs_free(sans);
	return found;
}

void
pk_identity_free(struct pk_identity *id)
{
	size_t i;

	if (id == NULL)
		return;
	for (i = 0; i < PK_CMS_N_CONTENT; i++)
		pk_sign_tmpl_free(id->tmpl[i]);
	/* EVP_PKEY_free clears the private key material it owns. */
	EVP_PKEY_free(id->key);
	cv_cert_free(id->cert);
	cv_certs_free(id->chain);
	free(id);
}

kerr_t
pk_identity_load(const char *spec, const char *pass_file, const char *realm,
    struct pk_identity **out, struct pk_id_warnings *w, struct kerr *e)
{
	struct pk_identity *id;
	char pass[PASS_MAX];
	const char *keypath;
	struct stat st;
	X509 *x;
	kerr_t ret;

	if (w != NULL)
		memset(w, 0, sizeof(*w));
	id = calloc(1, sizeof(*id));
	if (id == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	id->chain = cv_certs_new();
	ret = read_pass(pass_file, pass, sizeof(pass), e);
	if (ret != 0)
		goto cleanup;
	if (id->chain == NULL)
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	else if (strncmp(spec, "FILE:", 5) == 0)
		ret = load_pem(id, spec + 5, pass_file != NULL ? pass : NULL, e);
	else if (strncmp(spec, "PKCS12:", 7) == 0)
		ret = load_p12(id, spec + 7, pass, e);
	else
		ret = kerr_set(e, KRB_ERR_GENERIC, "pkinit_identity %s: "
		    "expected FILE: or PKCS12:", spec);
	if (ret != 0)
		goto cleanup;
	x = cv_cert_x509(id->cert);
	if (X509_check_private_key(x, id->key) != 1) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "pkinit_identity %s: private "
		    "key does not match certificate '%s'", spec,
		    cv_cert_subject(id->cert));
		goto cleanup;
	}
	if (!has_kdc_eku(x))
		warn(w, "KDC certificate '%.180s' lacks EKU id-pkinit-KPKdc; "
		    "clients may refuse it", cv_cert_subject(id->cert));
	if (realm != NULL && !has_krbtgt_san(id->cert, realm))
		warn(w, "KDC certificate lacks an id-pkinit-san for "
		    "krbtgt/%.90s@%.90s; clients may refuse it", realm, realm);
	keypath = strncmp(spec, "PKCS12:", 7) == 0 ? spec + 7 :
	    strchr(spec, ',') != NULL ? strchr(spec, ',') + 1 : spec + 5;
	if (stat(keypath, &st) == 0 && (st.st_mode & 0077) != 0)
		warn(w, "private key file %.200s is readable by group or "
		    "others; it should be mode 0600 or 0400", keypath);
	*out = id;
	id = NULL;
	ret = 0;
cleanup:
	sec_wipe(pass, sizeof(pass));
	ERR_clear_error();
	pk_identity_free(id);
	return ret;
}

const struct cv_cert *
pk_identity_cert(const struct pk_identity *id)
{
	return id->cert;
}

const struct cv_certs *
pk_identity_chain(const struct pk_identity *id)
{
	return id->chain;
}

X509 *
pk_identity_x509(const struct pk_identity *id)
{
	return cv_cert_x509(id->cert);
}

EVP_PKEY *
pk_identity_key(const struct pk_identity *id)
{
	return id->key;
}

/* The identity is const to the signer, its template cache is not. */
struct pk_sign_tmpl **
pk_identity_tmpl(const struct pk_identity *id, enum pk_cms_content type)
{
	struct pk_identity *mut = (struct pk_identity *)(uintptr_t)id;

	if ((size_t)type >= PK_CMS_N_CONTENT)
		return NULL;
	return &mut->tmpl[type];
}
