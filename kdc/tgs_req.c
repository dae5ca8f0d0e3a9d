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
#include "log.h"
#include "realm.h"
#include "replay.h"
#include "server.h"
#include "svc_keys.h"
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

#define MAX_COMPS 8

static size_t
comps_of(const KRB5_PRINCNAME *p, const char **v)
{
	int i, n = asn1krb_princ_ncomp(p);

	if (n <= 0 || n > MAX_COMPS)
		return 0;
	for (i = 0; i < n; i++)
		v[i] = (const char *)ASN1_STRING_get0_data(
		    sk_ASN1_GENERALSTRING_value(p->name_string, i));
	return (size_t)n;
}

void
tgs_finish_error(struct tgs_req *r, kerr_t code, const char *reason)
{
	struct krb_error_info info;
	const KRB5_KDC_REQ_BODY *b = r->req ? r->req->req_body : NULL;
	const char *snames[MAX_COMPS], *cnames[MAX_COMPS];
	char *crealm = NULL;

	memset(&info, 0, sizeof(info));
	info.code = code;
	info.stime = r->now;
	info.susec = r->now_usec;
	info.realm = r->realm ? r->realm->name : NULL;
	/* The server name as requested (RFC 4120 section 5.9.1). */
	if (info.realm != NULL && b != NULL && b->sname != NULL &&
	    (info.sname_len = comps_of(b->sname, snames)) > 0) {
		info.sname = snames;
		info.sname_type = b->sname->name_type;
	} else if (info.realm != NULL) {
		snames[0] = "krbtgt";
		snames[1] = info.realm;
		info.sname = snames;
		info.sname_len = 2;
		info.sname_type = KRB5_NT_SRV_INST;
	}
	/* The client, once the TGT told us who it is. */
	if (info.realm != NULL && r->tgt != NULL &&
	    (info.cname_len = comps_of(r->tgt->cname, cnames)) > 0 &&
	    asn1krb_str_dup(r->tgt->crealm, &crealm) == 0) {
		info.cname = cnames;
		info.cname_type = r->tgt->cname->name_type;
		info.crealm = crealm;
	}
	dispatch_finish_error(r->h, info.realm ? &info : NULL, code, NULL,
	    reason);
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
 * FAST (RFC 6113 section 5.4): an armored TGS request carries PA-FX-FAST
 * with the real request inside, armored with the TGT's subkey.  Unwrapping
 * it (and answering with an armored reply) belongs here, before the
 * PA-TGS-REQ is read; until then PA-FX-FAST is ignored, as RFC 6113
 * section 5.4.2 allows a KDC that does not support FAST, and the outer
 * request is processed as an ordinary one.
 */
static kerr_t
tgs_fast(struct tgs_req *r, struct kerr *e)
{
	(void)r;
	(void)e;
	return 0;
}

/*
 * Authentication policies ([MS-KILE] 3.3.5.7: AllowedToAuthenticateTo of
 * the service's policy, evaluated against the client's TGT) apply here,
 * once the client is authenticated and the service known.  Not yet
 * enforced.
 */
static kerr_t
tgs_policy(struct tgs_req *r, struct kerr *e)
{
	(void)r;
	(void)e;
	return 0;
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
	dir_account_free(acct);
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

static void
issue(struct tgs_req *r)
{
	uint8_t *der = NULL;
	size_t len = 0;
	struct kerr e;
	kerr_t ret;

	kerr_clear(&e);
	ret = tgs_policy(r, &e);
	if (ret == 0)
		ret = tgs_issue(r, &der, &len, &e);
	if (ret) {
		tgs_finish_error(r, ret, e.msg);
		return;
	}
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
		tgs_finish_error(r, KRB_ERR_GENERIC, e.msg);
		return;
	}
	ret = check_request(r, &e);
	if (ret == 0)
		ret = tgs_fast(r, &e);
	if (ret == 0)
		ret = tgs_ap_verify(r, &e);
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
