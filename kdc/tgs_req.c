/*
 * tgs_req.c - the TGS-REQ handler: request checks, stage sequencing, the
 * service lookup, error replies and the single finish path.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "as_req.h"
#include "dir_account.h"
#include "dispatch.h"
#include "fast.h"
#include "krb_error.h"
#include "log.h"
#include "realm.h"
#include "replay.h"
#include "req_error.h"
#include "server.h"
#include "svc_keys.h"
#include "tgs_policy.h"
#include "tgs_req.h"

/* PA-S4U-X509-USER ([MS-SFU] 2.2.2). */
#define PADATA_S4U_X509_USER 130

struct tgs_ctx {
	struct kdc_server *srv;
	struct as_ctx *as;                /* owner of the realm set */
	struct replay_cache *replay;
};

static void issue(struct tgs_req *r);

struct replay_cache *
tgs_replay_cache(const struct tgs_req *r)
{
	return r->ctx->replay;
}

static void
tgs_req_free(struct tgs_req *r)
{
	if (r == NULL)
		return;
	dir_account_cancel(r->lookup);
	tgs_policy_free(r->pol);
	dir_account_free(r->svc_acct);
	fast_free(r->fast);
	KRB5_TGS_REQ_free(r->req);
	KRB5_AP_REQ_free(r->ap);
	KRB5_ENC_TICKET_PART_free(r->tgt);
	KRB5_AUTHDATA_free(r->req_authdata);
	kc_key_clear(&r->session);
	kc_key_clear(&r->subkey);
	free(r->realm_name);
	free(r->client_name);
	free(r->server_name);
	free(r->key_principal);
	free(r->account_dn);
	realm_set_unref(r->rs);
	free(r);
}

/* The log line keeps pointers into r: drop them before r goes away. */
static void
forget_log_fields(struct tgs_req *r)
{
	struct log_request *lr = dispatch_log(r->h);

	lr->client = lr->server = lr->account = NULL;
}

void
tgs_finish_error(struct tgs_req *r, kerr_t code, const char *reason)
{
	struct krb_error_info info;
	const KRB5_KDC_REQ_BODY *b = r->req ? r->req->req_body : NULL;
	const char *snames[REQ_ERROR_MAX_COMPS], *cnames[REQ_ERROR_MAX_COMPS];
	const char *req_snames[REQ_ERROR_MAX_COMPS];
	char *crealm = NULL;
	uint8_t *edata = NULL;
	size_t n;

	req_error_init(&info, code, r->now, r->now_usec,
	    r->realm ? r->realm->name : NULL, snames);
	/* The server name as requested (RFC 4120 section 5.9.1). */
	if (info.realm != NULL && b != NULL && b->sname != NULL &&
	    (n = req_error_comps(b->sname, req_snames)) > 0) {
		info.sname = req_snames;
		info.sname_len = n;
		info.sname_type = b->sname->name_type;
	}
	/* The client, once the TGT told us who it is. */
	if (info.realm != NULL && r->tgt != NULL &&
	    (info.cname_len = req_error_comps(r->tgt->cname, cnames)) > 0 &&
	    asn1krb_str_dup(r->tgt->crealm, &crealm) == 0) {
		info.cname = cnames;
		info.cname_type = r->tgt->cname->name_type;
		info.crealm = crealm;
	}
	/* An armored request's error travels armored, the client's name
	 * hidden outside if it asked. */
	req_error_armor(r->fast, r->nonce, &info, cnames, &edata);
	dispatch_finish_error(r->h, info.realm ? &info : NULL, code, NULL,
	    reason);
	free(edata);
	free(crealm);
	tgs_req_free(r);
}

static void
tgs_finish_ok(struct tgs_req *r, const uint8_t *der, size_t len)
{
	dispatch_finish(r->h, der, len, 0, r->success_reason);
	tgs_req_free(r);
}

static kerr_t
check_request(struct tgs_req *r, struct kerr *e)
{
	const KRB5_KDC_REQ_BODY *b = r->req->req_body;
	uint32_t nonce;

	if (r->req->pvno != 5)
		return kerr_set(e, KDC_ERR_BAD_PVNO, "pvno %d", r->req->pvno);
	if (r->req->msg_type != KRB5_MSG_TGS_REQ)
		return kerr_set(e, KRB_AP_ERR_MSG_TYPE, "msg-type %d",
		    r->req->msg_type);
	if (asn1krb_str_dup(b->realm, &r->realm_name) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "unreadable realm");
	r->realm = realm_set_find(r->rs, r->realm_name);
	if (r->realm == NULL)
		return kerr_set(e, KDC_ERR_WRONG_REALM,
		    "realm %s is not served by this KDC", r->realm_name);
	if (b->sname == NULL ||
	    asn1krb_princ_unparse(b->sname, r->realm_name, &r->server_name,
	    e) != 0)
		return kerr_set(e, KDC_ERR_S_PRINCIPAL_UNKNOWN,
		    "TGS-REQ without a readable server name");
	dispatch_log(r->h)->server = r->server_name;
	if (asn1krb_uint32_get(b->nonce, &nonce) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "nonce out of range");
	r->nonce = nonce;
	r->kdc_options = asn1krb_flags_get(b->kdc_options);
	/* S4U2Self asks for a ticket in another client's name; answering it
	 * as an ordinary request would hand out the wrong ticket. */
	if (asn1krb_padata_find(r->req->padata, KRB5_PADATA_FOR_USER,
	    NULL) != NULL ||
	    asn1krb_padata_find(r->req->padata, PADATA_S4U_X509_USER,
	    NULL) != NULL)
		return kerr_set(e, KDC_ERR_BADOPTION,
		    "S4U2Self (PA-FOR-USER) is not supported");
	return 0;
}

/*
 * FAST (RFC 6113 sections 5.4.1.1 and 5.4.2): an armored TGS request
 * keeps PA-TGS-REQ outside, its authenticator's checksum covering the
 * outer body (checked by tgs_ap_verify), and carries the real request in
 * PA-FX-FAST, armored with a key made from the TGT's session key and the
 * authenticator's subkey (and from a device TGT, with explicit armor).
 * The inner request then replaces the outer one, and the field checks
 * run again on it; it must name the same realm.
 */
static kerr_t
tgs_fast(struct tgs_req *r, struct kerr *e)
{
	KRB5_TGS_REQ *inner = NULL;
	const uint8_t *body;
	size_t body_len;
	kerr_t ret;

	if (asn1krb_padata_find(r->req->padata, KRB5_PADATA_FX_FAST,
	    NULL) == NULL)
		return 0;
	ret = fast_unwrap_tgs(r->realm, r->req, r->body_raw, r->body_len,
	    r->now, r->has_subkey ? &r->subkey : NULL, &r->session, &r->fast,
	    &inner, &body, &body_len, e);
	if (ret)
		return ret;
	if (ASN1_STRING_cmp(inner->req_body->realm,
	    r->req->req_body->realm) != 0) {
		KRB5_TGS_REQ_free(inner);
		return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "FAST inner request names another realm");
	}
	KRB5_TGS_REQ_free(r->req);
	r->req = inner;
	r->body_raw = body;
	r->body_len = body_len;
	dispatch_log(r->h)->server = NULL;
	free(r->realm_name);
	free(r->server_name);
	r->realm_name = r->server_name = NULL;
	/* Armored errors echo the inner nonce. */
	(void)asn1krb_uint32_get(inner->req_body->nonce, &r->nonce);
	ret = check_request(r, e);
	if (ret)
		return ret;
	/* Authorization data travels in the body that is processed. */
	KRB5_AUTHDATA_free(r->req_authdata);
	r->req_authdata = NULL;
	return tgs_ap_read_authdata(r, e);
}

static void
spn_lookup_done(void *arg, const struct kerr *err, struct dir_account *acct)
{
	struct tgs_req *r = arg;
	struct kerr e;
	kerr_t ret;

	r->lookup = NULL;
	dispatch_set_cancel(r->h, NULL, NULL);
	kerr_clear(&e);
	if (err->code == KDC_ERR_C_PRINCIPAL_UNKNOWN) {
		ret = kerr_set(&e, KDC_ERR_S_PRINCIPAL_UNKNOWN,
		    "service: not in service_keytab, and no directory account "
		    "has this servicePrincipalName");
		goto fail;
	}
	if (err->code != 0) {
		ret = kerr_set(&e, err->code, "service: SPN lookup: %s",
		    err->msg);
		goto fail;
	}
	r->account_dn = strdup(acct->dn);
	dispatch_log(r->h)->account = r->account_dn;
	if (acct->user_account_control & DIR_UAC_ACCOUNTDISABLE) {
		ret = kerr_set(&e, KDC_ERR_SERVICE_REVOKED,
		    "service: account %s is disabled", acct->dn);
		goto fail;
	}
	if (asprintf(&r->key_principal, "%s@%s", acct->sam_account_name,
	    r->realm_name) < 0) {
		r->key_principal = NULL;
		ret = kerr_set(&e, KRB_ERR_GENERIC, "out of memory");
		goto fail;
	}
	r->svc = svc_keys_for_issue(r->realm->svc, r->key_principal);
	if (r->svc == NULL) {
		ret = kerr_set(&e, KDC_ERR_S_PRINCIPAL_UNKNOWN,
		    "service: account %s holds the SPN but service_keytab has "
		    "no key for %s", acct->dn, r->key_principal);
		goto fail;
	}
	/* Kept for the authentication policy stage. */
	r->svc_acct = acct;
	issue(r);
	return;
fail:
	dir_account_free(acct);
	tgs_finish_error(r, ret, e.msg);
}

static void
tgs_cancel(struct kdc_req_handle *h, void *arg)
{
	struct tgs_req *r = arg;

	(void)h;
	forget_log_fields(r);
	tgs_req_free(r);
}

/*
 * The service's key: krbtgt/REALM is ours; any other name must be in
 * service_keytab, or be a servicePrincipalName of a directory account
 * whose sAMAccountName@REALM is in service_keytab (then *parked is set and
 * the request continues in spn_lookup_done).
 */
static kerr_t
find_service(struct tgs_req *r, int *parked, struct kerr *e)
{
	const KRB5_PRINCNAME *sn = r->req->req_body->sname;
	struct dir_account_query q;
	const unsigned char *c0;
	char *spn = NULL;
	size_t len0;

	*parked = 0;
	if (tkt_is_tgs_name(sn, r->realm_name)) {
		r->to_tgs = 1;
		return 0;
	}
	c0 = asn1krb_princ_comp(sn, 0, &len0);
	if (c0 != NULL && len0 == 6 && memcmp(c0, "krbtgt", 6) == 0)
		return kerr_set(e, KDC_ERR_S_PRINCIPAL_UNKNOWN,
		    "service: cross-realm TGTs are not issued");
	if (r->realm->svc == NULL)
		return kerr_set(e, KDC_ERR_S_PRINCIPAL_UNKNOWN,
		    "service: realm has no service_keytab");
	r->svc = svc_keys_for_issue(r->realm->svc, r->server_name);
	if (r->svc != NULL)
		return 0;
	if (r->realm->dir == NULL)
		return kerr_set(e, KDC_ERR_S_PRINCIPAL_UNKNOWN,
		    "service: not in service_keytab");
	if (asn1krb_princ_unparse(sn, NULL, &spn, e) != 0)
		return kerr_set(e, KDC_ERR_S_PRINCIPAL_UNKNOWN,
		    "service: unreadable name");
	memset(&q, 0, sizeof(q));
	q.keys[0].kind = DIR_KEY_SPN;
	q.keys[0].value = spn;
	q.n_keys = 1;
	r->lookup = dir_find_account(r->realm->dir, &q, spn_lookup_done, r, e);
	free(spn);
	if (r->lookup == NULL)
		return e != NULL && e->code ? e->code : KDC_ERR_SVC_UNAVAILABLE;
	dispatch_set_cancel(r->h, tgs_cancel, r);
	*parked = 1;
	return 0;
}

/* Policy first (asynchronous, tgs_policy.c), then the ticket. */
static void
issue(struct tgs_req *r)
{
	struct kerr e;
	kerr_t ret;

	kerr_clear(&e);
	dispatch_set_cancel(r->h, tgs_cancel, r);
	ret = tgs_policy_start(r, &e);
	if (ret)
		tgs_finish_error(r, ret, e.msg);
}

void
tgs_policy_done(struct tgs_req *r, kerr_t code, const char *reason)
{
	uint8_t *der = NULL, *wrapped = NULL;
	size_t len = 0, wlen = 0, n;
	const char *dev;
	struct kerr e;
	kerr_t ret;

	dispatch_set_cancel(r->h, NULL, NULL);
	if (code) {
		tgs_finish_error(r, code, reason);
		return;
	}
	kerr_clear(&e);
	ret = tgs_issue(r, &der, &len, &e);
	if (ret == 0 && r->fast != NULL) {
		/* RFC 6113 section 5.4.3: KrbFastResponse with the finished
		 * message; the reply key stays the TGS subkey. */
		ret = fast_wrap_tgs_rep(r->fast, r->nonce, r->now, r->now_usec,
		    der, len, &wrapped, &wlen, &e);
		free(der);
		der = wrapped;
		len = wlen;
	}
	if (ret) {
		free(der);
		tgs_finish_error(r, ret, e.msg);
		return;
	}
	dev = r->fast ? fast_device_name(r->fast) : NULL;
	n = strlen(r->success_reason);
	snprintf(r->success_reason + n, sizeof(r->success_reason) - n,
	    "%s%s%s%s", tgs_policy_note(r->pol),
	    r->fast ? "; FAST armor" : "", dev ? " from " : "",
	    dev ? dev : "");
	tgs_finish_ok(r, der, len);
	free(der);
}

static void
tgs_handle(struct kdc_req_handle *h, const uint8_t *msg, size_t len,
    void *arg)
{
	struct tgs_ctx *ctx = arg;
	struct timespec ts;
	struct tgs_req *r;
	struct kerr e;
	kerr_t ret;
	int parked = 0;

	kerr_clear(&e);
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		dispatch_finish_error(h, NULL, KRB_ERR_GENERIC, NULL,
		    "out of memory");
		return;
	}
	r->ctx = ctx;
	r->h = h;
	r->rs = realm_set_ref(as_realms(ctx->as));
	r->msg = msg;
	r->len = len;
	clock_gettime(CLOCK_REALTIME, &ts);
	r->now = ts.tv_sec;
	r->now_usec = (int32_t)(ts.tv_nsec / 1000);
	dispatch_log(h)->req_type = "TGS-REQ";

	ret = ASN1KRB_DECODE(KRB5_TGS_REQ, msg, len, &r->req, &e);
	if (ret == 0)
		ret = asn1krb_kdc_req_body_raw(msg, len, &r->body_raw,
		    &r->body_len, &e);
	if (ret) {
		kerr_prefix(&e, "malformed TGS-REQ: ");
		dispatch_mark_malformed(h);
		tgs_finish_error(r, KRB_ERR_GENERIC, e.msg);
		return;
	}
	ret = check_request(r, &e);
	if (ret == 0)
		ret = tgs_ap_verify(r, &e);
	if (ret == 0)
		ret = tgs_fast(r, &e);
	if (ret == 0)
		ret = find_service(r, &parked, &e);
	if (ret) {
		tgs_finish_error(r, ret, e.msg);
		return;
	}
	if (!parked)
		issue(r);
}

struct tgs_ctx *
tgs_init(struct kdc_server *srv, struct as_ctx *as, struct kerr *e)
{
	struct tgs_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		return NULL;
	}
	ctx->srv = srv;
	ctx->as = as;
	if (replay_new(REPLAY_DEFAULT_ENTRIES, &ctx->replay, e) != 0) {
		free(ctx);
		return NULL;
	}
	if (dispatch_register(server_dispatch(srv), KRB5_MSG_TGS_REQ,
	    tgs_handle, ctx) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "cannot register the TGS handler");
		tgs_free(ctx);
		return NULL;
	}
	return ctx;
}

void
tgs_free(struct tgs_ctx *ctx)
{
	if (ctx == NULL)
		return;
	replay_free(ctx->replay);
	free(ctx);
}
