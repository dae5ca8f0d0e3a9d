/*
 * pkload.h - the PKINIT client of the native load generator
 * (tests/bench/pkload): the two AS-REQs of a certificate logon and the
 * checks on the AS-REP, built with the project's ASN.1 layer, Kerberos
 * crypto and KDFs, and with OpenSSL for CMS and key agreement.
 */
#ifndef PKINIT_KDC_PKLOAD_H
#define PKINIT_KDC_PKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include <openssl/evp.h>

#include "asn1_krb5.h"
#include "cv_cert.h"
#include "kerror.h"
#include "pk_dh.h"
#include "pk_identity.h"

/* What stays the same for every logon of a client process. */
struct pkl_client {
	const struct pk_identity *id;   /* certificate, chain, key */
	const struct cv_cert *kdc_cert; /* pinned KDC certificate, or NULL */
	enum pk_group group;            /* P-256 or MODP-2048 */
	const char *realm;
	KRB5_PRINCNAME *cname;          /* as the AS-REQ names the client */
	KRB5_PRINCNAME *sname;          /* krbtgt/REALM */
	uint8_t *cname_der;             /* DER KRB5PrincipalName (RFC 8636) */
	size_t cname_der_len;
	uint8_t *sname_der;
	size_t sname_der_len;
	/* cname and crealm of the first reply checked in full; the replies
	 * checked cheaply must carry the same. */
	KRB5_PRINCNAME *rep_cname;
	char *rep_crealm;
};

/* One logon: fresh for each. */
struct pkl_logon {
	KRB5_KDC_REQ_BODY *body;
	uint32_t nonce;                 /* req-body nonce */
	uint32_t pa_nonce;              /* PKAuthenticator nonce */
	struct timeval ctime;           /* PKAuthenticator ctime, cusec */
	EVP_PKEY *dh_key;               /* ephemeral DH/ECDH key */
	uint8_t *as_req;                /* DER of the PKINIT AS-REQ */
	size_t as_req_len;
};

/*
 * Fill the per-process names: principal is an enterprise name (one
 * component, NT-ENTERPRISE, RFC 6806) when enterprise is set, otherwise
 * "name[/inst]" of type NT-PRINCIPAL.  The identity fields are the
 * caller's.
 */
kerr_t pkl_client_names(struct pkl_client *c, const char *principal,
    int enterprise, const char *realm, struct kerr *e);
void pkl_client_clear(struct pkl_client *c);

/* The first AS-REQ: no pre-authentication (malloc'd DER). */
kerr_t pkl_req_first(const struct pkl_client *c, struct pkl_logon *l,
    uint8_t **der_out, size_t *len_out, struct kerr *e);

/* The PA-AS-FRESHNESS token (RFC 8070) of the KDC_ERR_PREAUTH_REQUIRED
 * answer to the first request (malloc'd). */
kerr_t pkl_freshness(const uint8_t *rep, size_t len, uint8_t **tok_out,
    size_t *toklen_out, struct kerr *e);

/* The AS-REQ with PA-PK-AS-REQ; the DER is kept in l->as_req. */
kerr_t pkl_req_pk(const struct pkl_client *c, struct pkl_logon *l,
    const uint8_t *tok, size_t toklen, struct kerr *e);

/*
 * Both requests of a logon ahead of time (pkload -P): the first AS-REQ
 * (malloc'd DER in *first_out) and the PKINIT AS-REQ (l->as_req), with
 * the given req-body and PKAuthenticator nonce and ctime/cusec, and the
 * freshness token fetched before.  l->body is freed; l->dh_key is kept
 * for pkl_rep_check (the caller may free it if it will not check).
 */
kerr_t pkl_req_prebuilt(const struct pkl_client *c, struct pkl_logon *l,
    uint32_t nonce, const struct timeval *ctime, const uint8_t *tok,
    size_t toklen, uint8_t **first_out, size_t *first_len_out,
    struct kerr *e);

/* The answer to a pre-built first request: KDC_ERR_PREAUTH_REQUIRED
 * with e-data (not decoded further). */
kerr_t pkl_first_check(const uint8_t *rep, size_t len, struct kerr *e);

/*
 * Everything a client checks in the AS-REP (RFC 4556 section 3.2.4):
 * the KDC's signature and nonce, the reply key, the enc-part and its
 * nonce.  A KRB-ERROR reply is reported with its code.  The first reply
 * that passes gives the cname and crealm the later ones must carry.
 */
kerr_t pkl_rep_check(struct pkl_client *c, const struct pkl_logon *l,
    const uint8_t *rep, size_t len, struct kerr *e);

/* The cheap check: a KRB-AS-REP (not a KRB-ERROR) with PA-PK-AS-REP,
 * naming the client and realm that pkl_rep_check saw. */
kerr_t pkl_rep_cheap(const struct pkl_client *c, const uint8_t *rep,
    size_t len, struct kerr *e);

void pkl_logon_clear(struct pkl_logon *l);

#endif
