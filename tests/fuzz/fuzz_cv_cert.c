/*
 * fuzz_cv_cert.c - client certificates as the KDC reads them: DER parsing,
 * the names and numbers logged, the subjectAltNames account mapping uses
 * (id-pkinit-san, RFC 4556 section 3.2.2; the Microsoft UPN; DNS; email)
 * and the key purpose check.  An id-pkinit-san value is decoded further as
 * KRB5PrincipalName, as the mapping does.
 */
#include "config.h"

#include <openssl/err.h>

#include "asn1_pkinit.h"
#include "cv_chain.h"
#include "asn1_checks.h"

static void
sans(const struct cv_cert *c, enum cv_san_kind kind)
{
	PKINIT_KRB5_PRINCNAME *kpn;
	struct cv_blobs *b = NULL;
	struct kerr e;
	size_t i;

	if (cv_cert_sans(c, kind, &b, &e) != 0) {
		FUZZ_ASSERT(b == NULL);
		FUZZ_ASSERT_MSG(&e);
		return;
	}
	FUZZ_ASSERT(b != NULL);
	for (i = 0; i < b->n; i++) {
		FUZZ_ASSERT(b->v[i].data != NULL || b->v[i].len == 0);
		if (kind == CV_SAN_PKINIT) {
			kpn = FUZZ_DECODE(PKINIT_KRB5_PRINCNAME, b->v[i].data,
			    b->v[i].len);
			if (kpn != NULL)
				fuzz_princ(kpn->principal_name, kpn->realm);
			PKINIT_KRB5_PRINCNAME_free(kpn);
		} else {
			/* Text values are terminated and free of NULs. */
			FUZZ_ASSERT(b->v[i].data[b->v[i].len] == '\0');
			FUZZ_ASSERT(strlen((const char *)b->v[i].data) ==
			    b->v[i].len);
		}
	}
	cv_blobs_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cv_cert *c = NULL;
	const uint8_t *der;
	struct kerr e;
	size_t len;

	if (cv_cert_from_der(data, size, &c, &e) != 0) {
		FUZZ_ASSERT(c == NULL);
		FUZZ_ASSERT_MSG(&e);
		ERR_clear_error();
		return 0;
	}
	der = cv_cert_der(c, &len);
	FUZZ_ASSERT(der != NULL && len > 0);
	FUZZ_ASSERT(cv_cert_subject(c) != NULL);
	FUZZ_ASSERT(cv_cert_issuer(c) != NULL);
	FUZZ_ASSERT(cv_cert_serial_hex(c) != NULL);
	FUZZ_ASSERT(cv_cert_sha1_hex(c) != NULL);
	(void)cv_cert_not_before(c);
	(void)cv_cert_not_after(c);
	(void)cv_cert_ski(c, &len);
	(void)cv_cert_spki(c, &len);
	sans(c, CV_SAN_UPN);
	sans(c, CV_SAN_PKINIT);
	sans(c, CV_SAN_DNS);
	sans(c, CV_SAN_EMAIL);
	(void)cv_check_client_usage(c, &e);
	cv_cert_free(c);
	ERR_clear_error();
	return 0;
}
