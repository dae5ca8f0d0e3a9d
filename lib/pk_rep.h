/*
 * pk_rep.h - the KDC side of a PKINIT reply (RFC 4556 section 3.2.3):
 * the PA-PK-AS-REP padata-value and the reply key it delivers.
 *
 * With a clientPublicValue, the reply is DHRepInfo: an ephemeral DH or
 * ECDH key (never reused), KDCDHKeyInfo signed by the KDC identity, and
 * the reply key from the RFC 8636 KDF or RFC 4556 octetstring2key.
 * Without one, it is RSA key transport: a random reply key in a
 * ReplyKeyPack, signed and then enveloped to the client certificate.
 */
#ifndef PKINIT_KDC_PK_REP_H
#define PKINIT_KDC_PK_REP_H

#include <stddef.h>
#include <stdint.h>

#include "kcrypto.h"
#include "kerror.h"
#include "pk_dh.h"
#include "pk_identity.h"
#include "pk_req.h"

struct pk_rep_params {
	const struct pk_identity *id;
	const struct pk_dh_groups *groups;
	const struct pk_req *req;
	int32_t enctype;              /* enctype of the reply key */
	const uint8_t *as_req;        /* the whole AS-REQ as received */
	size_t as_req_len;
	/* The client name as the request gave it (RFC 8636 partyUInfo). */
	const char *crealm;
	int32_t cname_type;
	const char *const *cname;
	size_t cname_len;
	const char *realm;            /* KDC realm: krbtgt/REALM@REALM */
	int64_t now;
	int allow_rsa;                /* pkinit_allow_rsa_protocol */
};

struct pk_rep {
	uint8_t *pa_value;            /* DER PA-PK-AS-REP */
	size_t pa_len;
	struct kc_key reply_key;
	char method[48];              /* "DH modp-2048, kdf sha256" (logs) */
};

kerr_t pk_rep_make(const struct pk_rep_params *p, struct pk_rep **rep_out,
    struct kerr *e);
void pk_rep_free(struct pk_rep *r);

#endif
