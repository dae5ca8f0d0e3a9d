/*
 * tgs_req.h - the TGS exchange pipeline (RFC 4120 section 3.3).
 *
 * One struct tgs_req per request, moved through named stages:
 *   decode -> check request -> PA-TGS-REQ: the AP-REQ with our TGT
 *   (decrypt with the krbtgt key of its kvno, authenticator, checksum over
 *   the request body, subkey, replay cache) -> FAST (RFC 6113: the inner
 *   request replaces the outer one) -> service key (service_keytab, else
 *   a directory account holding the servicePrincipalName: asynchronous)
 *   -> authentication policy of that account (tgs_policy.c:
 *   asynchronous) -> times, flags, enctypes -> ticket and TGS-REP
 *   (armored when the request was).
 * Every path ends in tgs_finish_ok() or tgs_finish_error(), which fill the
 * request's single log line and send the reply.
 */
#ifndef PKINIT_KDC_TGS_REQ_H
#define PKINIT_KDC_TGS_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "asn1_krb5.h"
#include "kcrypto.h"
#include "kerror.h"
#include "ticket.h"

struct kdc_server;
struct kdc_req_handle;
struct realm_set;
struct realm_rt;
struct as_ctx;
struct svc_key;
struct dir_account;
struct dir_account_lookup;
struct tgs_ctx;
struct kdc_fast;
struct tgs_policy;

struct tgs_req {
	struct tgs_ctx *ctx;
	struct kdc_req_handle *h;
	struct realm_set *rs;             /* reference held until the end */
	const struct realm_rt *realm;
	const uint8_t *msg;               /* the TGS-REQ as received */
	size_t len;
	KRB5_TGS_REQ *req;
	const uint8_t *body_raw;          /* KDC-REQ-BODY as received */
	size_t body_len;
	uint32_t kdc_options;
	int64_t now;
	int32_t now_usec;
	char *realm_name;
	char *client_name;                /* from the TGT, for logs */
	char *server_name;                /* requested sname@realm */

	/* PA-TGS-REQ (tgs_ap.c). */
	KRB5_AP_REQ *ap;
	KRB5_ENC_TICKET_PART *tgt;        /* the decrypted TGT */
	struct tkt_times tgt_times;
	uint32_t tgt_kvno;
	struct kc_key session;            /* the TGT's session key */
	struct kc_key subkey;             /* authenticator subkey, if any */
	int has_subkey;
	KRB5_AUTHDATA *req_authdata;      /* enc-authorization-data, opened */

	/* Service (tgs_req.c). */
	int to_tgs;                       /* sname is krbtgt/REALM */
	const struct svc_key *svc;        /* service key (not for to_tgs) */
	char *key_principal;              /* whose keys, when mapped by SPN */
	char *account_dn;                 /* that account, for the log */
	struct dir_account_lookup *lookup;

	/* FAST (RFC 6113 section 5.4.1.1, tgs_req.c). */
	uint32_t nonce;                   /* of the request processed */
	struct kdc_fast *fast;            /* armor state, when armored */

	/* Authentication policy (tgs_policy.c). */
	struct dir_account *svc_acct;     /* service account, when by SPN */
	struct tgs_policy *pol;

	char success_reason[320];
};

/*
 * Register the TGS-REQ handler on srv.  Requests use the realm set of the
 * AS exchange (as_realms()), so both see the same keys after a reload.
 * The replay cache is created here: call before any worker is forked.
 */
struct tgs_ctx *tgs_init(struct kdc_server *srv, struct as_ctx *as,
    struct kerr *e);
void tgs_free(struct tgs_ctx *ctx);

/* Stages (tgs_ap.c). */
kerr_t tgs_ap_verify(struct tgs_req *r, struct kerr *e);
/* (Re)read r->req's enc-authorization-data into r->req_authdata, once
 * the subkey is known (tgs_ap_verify does; FAST again for the inner
 * request). */
kerr_t tgs_ap_read_authdata(struct tgs_req *r, struct kerr *e);

/* Stages (tgs_issue.c). */
kerr_t tgs_issue(struct tgs_req *r, uint8_t **der_out, size_t *len_out,
    struct kerr *e);

/* The replay cache of the request's context (tgs_req.c). */
struct replay_cache *tgs_replay_cache(const struct tgs_req *r);

void tgs_finish_error(struct tgs_req *r, kerr_t code, const char *reason);

#endif
