/*
 * fuzz_cv_cert.c - client certificates as the KDC reads them: DER parsing,
 * the names and numbers logged, the subjectAltNames account mapping uses
 * (id-pkinit-san, RFC 4556 section 3.2.2; the Microsoft UPN; DNS; email)
 * and the key purpose check.  An id-pkinit-san value is decoded further as
 * KRB5PrincipalName, as the mapping does, and every altSecurityIdentities
 * value written for the certificate must parse and match it again.
 */
#include "config.h"

#include <openssl/err.h>

#include "asn1_pkinit.h"
#include "cv_chain.h"
#include "map_altsecid.h"
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

/* Every altSecurityIdentities value written for the certificate must
 * parse and map back to it. */
static void
altsecids(const struct cv_cert *c)
{
	struct map_altsecid *m;
	struct map_cert *mc = NULL;
	enum map_form forms[16];
	char *v[16];
	struct kerr e;
	int i, n;

	if (map_cert_new(c, &mc, &e) != 0) {
		FUZZ_ASSERT_MSG(&e);
		return;
	}
	n = map_altsecid_all(mc, v, forms, 16);
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(map_form_name(forms[i]) != NULL);
		m = NULL;
		if (map_altsecid_parse(v[i], &m, &e) != 0) {
			fprintf(stderr, "our value \"%s\" does not parse: %s\n",
			    v[i], e.msg);
			abort();
		}
		FUZZ_ASSERT(map_altsecid_match(m, mc) == 1);
		map_altsecid_free(m);
		free(v[i]);
	}
	map_cert_free(mc);
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
	altsecids(c);
	cv_cert_free(c);
	ERR_clear_error();
	return 0;
}
