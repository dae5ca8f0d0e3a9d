/*
 * as_req.h - the AS exchange pipeline (RFC 4120 section 3.1, RFC 4556).
 *
 * One struct as_req per request, moved through named stages:
 *   decode -> check request -> PKINIT verify (signature, authenticator,
 *   freshness) -> certificate chain and key purpose -> account lookup
 *   (asynchronous, LDAP) -> certificate-to-account binding and account
 *   state -> PKINIT reply (key exchange) -> issue -> encode.
 * Every path ends in as_finish_ok() or as_finish_error(), which fill the
 * request's single log line and send the reply.
 */
#ifndef PKINIT_KDC_AS_REQ_H
#define PKINIT_KDC_AS_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "asn1_krb5.h"
#include "kerror.h"

struct kdc_server;
struct kdc_req_handle;
struct realm_set;
struct realm_rt;
struct pk_req;
struct dir_account;
struct acct_map;
struct dir_groups;
struct as_ctx;
struct kdc_fast;
struct as_policy;
struct cv_certs;
struct cv_cert;
struct cv_revoke_check;

struct as_req {
	struct as_ctx *ctx;
	struct kdc_req_handle *h;
	struct realm_set *rs;             /* reference held until the end */
	const struct realm_rt *realm;
	const uint8_t *msg;               /* the AS-REQ as received */
	size_t len;
	KRB5_AS_REQ *req;
	const uint8_t *body_raw;          /* KDC-REQ-BODY as received */
	size_t body_len;
	uint32_t nonce;
	int64_t now;
	int32_t now_usec;
	int32_t enctype;                  /* session and reply key enctype */
	char *realm_name;
	char *client_name;                /* request cname@realm, for logs */
	char *server_name;
	struct pk_req *pk;
	struct acct_map *map;             /* account mapping in progress */
	struct dir_account *acct;
	struct dir_groups *groups;        /* the account's groups, nested */
	const char *binding;              /* how the certificate matched */
	char binding_buf[200];
	int cname_from_cert;              /* account found from the certificate */
	struct kdc_fast *fast;            /* FAST armor state, or NULL */
	struct as_policy *pol;            /* authentication policy stage */
	struct cv_certs *chain;           /* verified path, leaf first */
	struct cv_revoke_check *rev_check;  /* parked on revocation data */
	const struct cv_cert *revoked;    /* in chain, for TD-INVALID-CERTS */
	char success_reason[400];
};

/* Register the AS-REQ handler and its reload hook on srv. */
struct as_ctx *as_init(struct kdc_server *srv, struct kerr *e);
void as_free(struct as_ctx *ctx);

/* The realm set new requests start with (replaced on reload); the TGS
 * exchange shares it.  Take a reference to keep it. */
struct realm_set *as_realms(const struct as_ctx *ctx);

/* Stages (as_pkinit.c). */
kerr_t as_pkinit_verify(struct as_req *r, const KRB5_PADATA *pa,
    struct kerr *e);
kerr_t as_pkinit_validate_cert(struct as_req *r, struct kerr *e);
/* NTAuth, then revocation: 0 and *parked = 1 when waiting for revocation
 * data (as_revocation_done follows), else 0 to go on or an error. */
kerr_t as_pkinit_trust(struct as_req *r, int *parked, struct kerr *e);

/* Stages (as_account.c). */
kerr_t as_account_start(struct as_req *r, struct kerr *e);
kerr_t as_account_check(struct as_req *r, struct kerr *e);
void as_account_cancel(struct as_req *r);

/* Continue after the account lookup (as_req.c). */
void as_account_done(struct as_req *r, const struct kerr *err,
    struct dir_account *acct);

/* Continue after a parked revocation check (as_req.c). */
void as_revocation_done(struct as_req *r, kerr_t code, const char *reason);

void as_finish_error(struct as_req *r, kerr_t code, const char *reason);

#endif
