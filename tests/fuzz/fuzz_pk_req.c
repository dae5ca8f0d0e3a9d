/*
 * fuzz_pk_req.c - a PKINIT AS-REQ the way the AS pipeline takes it in
 * (RFC 4556 section 3.2.1): AS-REQ decoding, the raw KDC-REQ-BODY and
 * nonce, then pk_req_parse() on each PA-PK-AS-REQ (CMS verification,
 * AuthPack decoding, ctime, nonce and paChecksum checks), the KDF choice
 * and key agreement with the client's public value.
 *
 * An input starting with 0x6a is a whole AS-REQ; anything else is taken
 * as a bare PA-PK-AS-REQ checked against a fixed request body (so its
 * paChecksum cannot match, but everything before that check runs).  The
 * clock is fixed near the captures in the seed corpus so their
 * PKAuthenticators are fresh.
 */
#include "config.h"

#include <openssl/err.h>

#include "asn1_krb5.h"
#include "fuzz.h"
#include "pk_dh.h"
#include "pk_req.h"

#define NOW ((int64_t)1795301217)     /* 2026-11-21T22:46:57Z */
#define SKEW 3600

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
pk_as_req(const uint8_t *pa, size_t len, const struct pk_req_params *p)
{
	struct pk_req *r = NULL;
	struct pk_dh_result *dh = NULL;
	struct kerr e;
	kerr_t ret;
	size_t i;

	ret = pk_req_parse(pa, len, p, &r, &e);
	if (ret != 0)
		FUZZ_ASSERT_MSG(&e);
	if (r == NULL) {
		FUZZ_ASSERT(ret != 0);
		return;
	}
	/* Set once the signature verified, even if a later check failed. */
	FUZZ_ASSERT(r->signer != NULL);
	FUZZ_ASSERT(cv_cert_subject(r->signer) != NULL);
	FUZZ_ASSERT(memchr(r->cms_digest, '\0', sizeof(r->cms_digest))
	    != NULL);
	FUZZ_ASSERT(r->n_kdfs <= PK_REQ_MAX_KDFS);
	for (i = 0; i < r->n_kdfs; i++)
		FUZZ_ASSERT(r->kdfs[i] != PK_KDF_NONE);
	if (ret == 0) {
		FUZZ_ASSERT(r->nonce == p->nonce);
		FUZZ_ASSERT(r->ctime >= p->now - p->clockskew &&
		    r->ctime <= p->now + p->clockskew);
		(void)pk_req_choose_kdf(r);
		if (r->client_spki != NULL &&
		    pk_dh_agree(groups, r->client_spki, r->client_spki_len,
		    &dh, &e) == 0)
			pk_dh_result_free(dh);
	}
	pk_req_free(r);
}

static void
as_req(const uint8_t *data, size_t size)
{
	KRB5_AS_REQ *req = NULL;
	const KRB5_PADATA *pa;
	struct pk_req_params p;
	struct kerr e;
	int start = 0;

	if (ASN1KRB_DECODE(KRB5_AS_REQ, data, size, &req, &e) != 0)
		return;
	memset(&p, 0, sizeof(p));
	p.now = NOW;
	p.clockskew = SKEW;
	p.allow_sha1 = 1;
	if (asn1krb_kdc_req_body_raw(data, size, &p.req_body,
	    &p.req_body_len, &e) != 0 ||
	    asn1krb_uint32_get(req->req_body->nonce, &p.nonce) != 0)
		goto cleanup;
	while ((pa = asn1krb_padata_find(req->padata, KRB5_PADATA_PK_AS_REQ,
	    &start)) != NULL)
		pk_as_req(ASN1_STRING_get0_data(pa->padata_value),
		    (size_t)ASN1_STRING_length(pa->padata_value), &p);
cleanup:
	KRB5_AS_REQ_free(req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t body[] = { 0x30, 0x00 };
	struct pk_req_params p;

	if (size > 0 && data[0] == 0x6a) {
		as_req(data, size);
	} else {
		memset(&p, 0, sizeof(p));
		p.req_body = body;
		p.req_body_len = sizeof(body);
		p.nonce = 0;
		p.now = NOW;
		p.clockskew = SKEW;
		pk_as_req(data, size, &p);
	}
	ERR_clear_error();
	return 0;
}
