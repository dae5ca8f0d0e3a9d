/*
 * pk_req.h - the client side of a PKINIT request (RFC 4556 section 3.2.1):
 * PA-PK-AS-REQ -> signed AuthPack -> checked PKAuthenticator.
 *
 * pk_req_parse() verifies the CMS signature and everything inside the
 * AuthPack that does not need the directory or the trust store:
 * ctime within clock skew, nonce equal to the request's, paChecksum (SHA-1
 * of the KDC-REQ-BODY as received) and, when present, the MS-PKCA
 * paChecksum2.  Certificate-chain checks (cv_chain.h) and the freshness
 * token (kept here as bytes) are the caller's next steps.
 */
#ifndef PKINIT_KDC_PK_REQ_H
#define PKINIT_KDC_PK_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "cv_cert.h"
#include "kerror.h"
#include "pk_kdf.h"

#define PK_REQ_MAX_KDFS 8

struct pk_req_params {
	const uint8_t *req_body;   /* KDC-REQ-BODY bytes exactly as received */
	size_t req_body_len;
	uint32_t nonce;            /* KDC-REQ-BODY nonce */
	int64_t now;
	int64_t clockskew;
	int allow_sha1;            /* SHA-1 CMS digests acceptable */
};

struct pk_req {
	struct cv_cert *signer;        /* the client certificate */
	struct cv_certs *others;       /* further certificates from the CMS */
	char cms_digest[16];           /* digest of the CMS signature */
	int64_t ctime;
	int32_t cusec;
	uint32_t nonce;                /* PKAuthenticator nonce */
	uint8_t *freshness;            /* RFC 8070 token; NULL if absent */
	size_t freshness_len;
	uint8_t *client_spki;          /* clientPublicValue DER; NULL: RSA */
	size_t client_spki_len;
	uint8_t *client_dh_nonce;      /* NULL if absent */
	size_t client_dh_nonce_len;
	enum pk_kdf kdfs[PK_REQ_MAX_KDFS]; /* known supportedKDFs, client order */
	size_t n_kdfs;
	const char *checksum2_alg;     /* "SHA256"... when paChecksum2 was sent */
};

/*
 * Parse and check pa_value (the PA-PK-AS-REQ padata-value).  Once the
 * signature has verified, *req_out is set even if a later check fails, so
 * the caller can name the certificate in its refusal; the caller frees it
 * whenever it is set.
 */
kerr_t pk_req_parse(const uint8_t *pa_value, size_t len,
    const struct pk_req_params *p, struct pk_req **req_out, struct kerr *e);
void pk_req_free(struct pk_req *r);

/*
 * The KDF for the reply (RFC 8636): ours in preference order sha256,
 * sha512, sha1 among those the client listed; PK_KDF_NONE when the client
 * listed none we know, or sent a clientDHNonce (see pk_rep.c).
 */
enum pk_kdf pk_req_choose_kdf(const struct pk_req *r);

#endif
