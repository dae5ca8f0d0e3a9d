/*
 * fuzz_pk_cms.c - the client's signedAuthPack (RFC 4556 section 3.2.1:
 * CMS SignedData parsing, digest and content-type checks, signature
 * verification) and its clientPublicValue (section 3.2.3.1, RFC 5349:
 * SubjectPublicKeyInfo parsing, group identification, public value checks
 * and key agreement).
 *
 * Every input goes to both: as a ContentInfo to pk_cms_verify(), and as a
 * SubjectPublicKeyInfo to pk_dh_identify() and pk_dh_agree().  When a
 * SignedData verifies (the seeds do), its AuthPack is decoded and its
 * clientPublicValue fed to the same key agreement, and the certificates
 * carried are read the way the KDC reads them.
 */
#include "config.h"

#include <openssl/err.h>

#include "asn1_pkinit.h"
#include "cv_cert.h"
#include "fuzz.h"
#include "pk_cms.h"
#include "pk_dh.h"

/* The accepted groups, as the KDC makes them once at start. */
static struct pk_dh_groups *groups;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kerr e;

	(void)argc;
	(void)argv;
	if (pk_dh_groups_new(2048, 0, &groups, &e) != 0) {
		fprintf(stderr, "pk_dh_groups_new: %s\n", e.msg);
		abort();
	}
	return 0;
}

static void
agree(const uint8_t *spki, size_t len)
{
	struct pk_dh_result *r = NULL;
	enum pk_group grp;
	struct kerr e;
	kerr_t ret;

	grp = pk_dh_identify(spki, len);
	FUZZ_ASSERT(grp >= PK_GROUP_UNKNOWN && grp < PK_GROUP_COUNT);
	FUZZ_ASSERT(pk_group_name(grp) != NULL);
	ret = pk_dh_agree(groups, spki, len, &r, &e);
	if (ret != 0) {
		FUZZ_ASSERT(ret == KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED ||
		    ret == KRB_ERR_GENERIC);
		FUZZ_ASSERT(r == NULL);
		FUZZ_ASSERT_MSG(&e);
		return;
	}
	FUZZ_ASSERT(grp != PK_GROUP_UNKNOWN && r->group == grp);
	FUZZ_ASSERT(r->secret != NULL && r->secret_len > 0);
	FUZZ_ASSERT(r->kdc_public != NULL && r->kdc_public_len > 0);
	pk_dh_result_free(r);
}

/* What logs and account mapping read from a certificate. */
static void
cert(const struct cv_cert *c)
{
	static const enum cv_san_kind kinds[] = {
		CV_SAN_UPN, CV_SAN_PKINIT, CV_SAN_DNS, CV_SAN_EMAIL
	};
	struct cv_blobs *b;
	struct kerr e;
	size_t i, len;

	FUZZ_ASSERT(cv_cert_der(c, &len) != NULL && len > 0);
	FUZZ_ASSERT(cv_cert_subject(c) != NULL);
	FUZZ_ASSERT(cv_cert_issuer(c) != NULL);
	FUZZ_ASSERT(cv_cert_serial_hex(c) != NULL);
	(void)cv_cert_ski(c, &len);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (cv_cert_sans(c, kinds[i], &b, &e) == 0)
			cv_blobs_free(b);
}

static void
signed_auth_pack(const uint8_t *data, size_t size)
{
	struct pk_signed *s = NULL;
	PKINIT_AUTH_PACK *ap;
	struct kerr e;
	size_t i;
	kerr_t ret;

	ret = pk_cms_verify(data, size, PK_CONTENT_AUTH_DATA,
	    PK_CMS_ALLOW_SHA1, &s, &e);
	if (ret != 0) {
		FUZZ_ASSERT(s == NULL);
		FUZZ_ASSERT_MSG(&e);
		return;
	}
	FUZZ_ASSERT(s->signer != NULL && s->content != NULL);
	FUZZ_ASSERT(memchr(s->digest, '\0', sizeof(s->digest)) != NULL);
	cert(s->signer);
	for (i = 0; i < cv_certs_count(s->others); i++)
		cert(cv_certs_get(s->others, i));
	if (ASN1KRB_DECODE(PKINIT_AUTH_PACK, s->content, s->content_len, &ap,
	    &e) == 0) {
		/* clientPublicValue is kept as the DER SubjectPublicKeyInfo. */
		if (ap->client_public_value != NULL)
			agree(ASN1_STRING_get0_data(ap->client_public_value),
			    (size_t)ASN1_STRING_length(
			    ap->client_public_value));
		PKINIT_AUTH_PACK_free(ap);
	}
	pk_signed_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signed_auth_pack(data, size);
	agree(data, size);
	ERR_clear_error();
	return 0;
}
