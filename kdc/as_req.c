/*
 * as_req.c - the AS-REQ handler: request checks, stage sequencing, error
 * replies and the single finish path.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "as_issue.h"
#include "as_policy.h"
#include "as_req.h"
#include "cv_revoke.h"
#include "dir_account.h"
#include "dir_groups.h"
#include "dispatch.h"
#include "fast.h"
#include "fresh.h"
#include "kdc_config.h"
#include "log.h"
#include "pk_dh.h"
#include "pk_rep.h"
#include "pk_req.h"
#include "realm.h"
#include "req_error.h"
#include "server.h"

struct as_ctx {
	struct kdc_server *srv;
	struct realm_set *realms;
};

static void
as_req_free(struct as_req *r)
{
	if (r == NULL)
		return;
	cv_revoke_cancel(r->rev_check);
	cv_certs_free(r->chain);
	as_account_cancel(r);
	dir_account_free(r->acct);
	pk_req_free(r->pk);
	as_policy_free(r->pol);
	fast_free(r->fast);
	KRB5_AS_REQ_free(r->req);
	free(r->realm_name);
	free(r->client_name);
	free(r->server_name);
	realm_set_unref(r->rs);
	free(r);
}

/* The log line keeps pointers into r: drop them before r goes away. */
static void
forget_log_fields(struct as_req *r)
{
	struct log_request *lr = dispatch_log(r->h);

	lr->client = lr->server = lr->account = NULL;
	lr->cert_subject = lr->cert_issuer = lr->cert_serial = NULL;
	lr->cert_sha1 = NULL;
}

/* METHOD-DATA for PREAUTH_REQUIRED / PREAUTH_EXPIRED: what we accept, and
 * a fresh RFC 8070 token. */
static kerr_t
preauth_edata(const struct as_req *r, uint8_t **der_out, size_t *len_out)
{
	KRB5_METHOD_DATA *md = NULL;
	uint8_t *tok = NULL;
	size_t toklen = 0;
	kerr_t ret = KRB_ERR_GENERIC;

	if (fresh_token_make(r->realm->tgs, r->now, r->now_usec, &tok, &toklen,
	    NULL) != 0)
		goto cleanup;
	/* PA-FX-FAST advertises armoring (RFC 6113 section 5.4.1). */
	if (asn1krb_padata_add(&md, KRB5_PADATA_PK_AS_REQ, NULL, 0) ||
	    asn1krb_padata_add(&md, KRB5_PADATA_AS_FRESHNESS, tok, toklen) ||
	    asn1krb_padata_add(&md, KRB5_PADATA_FX_FAST, NULL, 0))
		goto cleanup;
	ret = ASN1KRB_ENCODE(KRB5_METHOD_DATA, md, der_out, len_out, NULL);
cleanup:
	free(tok);
	KRB5_METHOD_DATA_free(md);
	return ret;
}

/* TD-DH-PARAMETERS (RFC 4556 section 3.2.2): the groups we accept, so
 * the client can retry with one of them. */
static kerr_t
dh_edata(const struct as_req *r, uint8_t **der_out, size_t *len_out)
{
	KRB5_TYPED_DATA *td = NULL;
	uint8_t *params = NULL;
	size_t plen = 0;
	kerr_t ret = KRB_ERR_GENERIC;

	if (pk_dh_td_dh_parameters(r->realm->groups, &params, &plen, NULL))
		goto cleanup;
	if (asn1krb_typed_data_add(&td, KRB5_TD_DH_PARAMETERS, params, plen))
		goto cleanup;
	ret = ASN1KRB_ENCODE(KRB5_TYPED_DATA, td, der_out, len_out, NULL);
cleanup:
	free(params);
	KRB5_TYPED_DATA_free(td);
	return ret;
}

/* TD-INVALID-CERTIFICATES (RFC 4556 section 3.2.2): which certificate
 * was revoked. */
static kerr_t
invalid_certs_edata(const struct as_req *r, uint8_t **der_out,
    size_t *len_out)
{
	KRB5_TYPED_DATA *td = NULL;
	uint8_t *epi = NULL;
	size_t len = 0;
	kerr_t ret = KRB_ERR_GENERIC;

	if (cv_invalid_certs_der(r->revoked, &epi, &len) == 0 &&
	    asn1krb_typed_data_add(&td, KRB5_TD_INVALID_CERTIFICATES, epi,
	    len) == 0)
		ret = ASN1KRB_ENCODE(KRB5_TYPED_DATA, td, der_out, len_out,
		    NULL);
	free(epi);
	KRB5_TYPED_DATA_free(td);
	return ret;
}

static const char *
e_text_for(kerr_t code)
{
	switch (code) {
	case KDC_ERR_PREAUTH_REQUIRED:
		return "Additional pre-authentication required";
	case KDC_ERR_PREAUTH_EXPIRED:
		return "Freshness token expired or invalid; retry with the new one";
	default:
		return NULL;
	}
}

void
as_finish_error(struct as_req *r, kerr_t code, const char *reason)
{
	struct krb_error_info info;
	const KRB5_KDC_REQ_BODY *b = r->req ? r->req->req_body : NULL;
	const char *snames[REQ_ERROR_MAX_COMPS], *cnames[REQ_ERROR_MAX_COMPS];
	uint8_t *edata = NULL;
	size_t elen = 0;

	req_error_init(&info, code, r->now, r->now_usec,
	    r->realm ? r->realm->name : NULL, snames);
	/* Echo the client name (RFC 4120 section 5.9.1). */
	if (b != NULL && b->cname != NULL && info.realm != NULL &&
	    (info.cname_len = req_error_comps(b->cname, cnames)) > 0) {
		info.cname = cnames;
		info.cname_type = b->cname->name_type;
		info.crealm = info.realm;
	}
	if (r->realm != NULL) {
		if (code == KDC_ERR_PREAUTH_REQUIRED ||
		    code == KDC_ERR_PREAUTH_EXPIRED)
			preauth_edata(r, &edata, &elen);
		else if (code == KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED)
			dh_edata(r, &edata, &elen);
		else if (code == KDC_ERR_REVOKED_CERTIFICATE &&
		    r->revoked != NULL)
			invalid_certs_edata(r, &edata, &elen);
	}
	info.e_data = edata;
	info.e_data_len = elen;
	if (r->fast != NULL && info.realm != NULL)
		info.e_text = e_text_for(code);
	req_error_armor(r->fast, r->nonce, &info, cnames, &edata);
	dispatch_finish_error(r->h, info.realm ? &info : NULL, code,
	    e_text_for(code), reason);
	free(edata);
	as_req_free(r);
}

static void
as_finish_ok(struct as_req *r, const uint8_t *der, size_t len)
{
	dispatch_finish(r->h, der, len, 0, r->success_reason);
	as_req_free(r);
}

/*
 * An armored request (PA-FX-FAST) is replaced by its inner request, and
 * the pipeline runs on that (RFC 6113 section 5.4.2).  The armor is
 * checked against the outer body's realm; the inner one must match it.
 */
static kerr_t
unwrap_fast(struct as_req *r, struct kerr *e)
{
	const struct realm_rt *realm;
	KRB5_AS_REQ *inner = NULL;
	char *name = NULL;
	kerr_t ret;

	if (asn1krb_padata_find(r->req->padata, KRB5_PADATA_FX_FAST,
	    NULL) == NULL)
		return 0;
	if (asn1krb_str_dup(r->req->req_body->realm, &name) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "unreadable realm");
	realm = realm_set_find(r->rs, name);
	free(name);
	if (realm == NULL)
		return 0;       /* check_request names the unknown realm */
	ret = fast_unwrap_as(realm, r->req, r->body_raw, r->body_len, r->now,
	    &r->fast, &inner, &r->body_raw, &r->body_len, e);
	if (ret)
		return ret;
	if (ASN1_STRING_cmp(inner->req_body->realm,
	    r->req->req_body->realm) != 0) {
		KRB5_AS_REQ_free(inner);
		return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "FAST inner request names another realm");
	}
	KRB5_AS_REQ_free(r->req);
	r->req = inner;
	/* Armored errors echo the inner nonce even when the request is
	 * refused before check_request. */
	(void)asn1krb_uint32_get(inner->req_body->nonce, &r->nonce);
	return 0;
}

static void as_cancel(struct kdc_req_handle *h, void *arg);

static kerr_t
check_request(struct as_req *r, struct kerr *e)
{
	const KRB5_KDC_REQ_BODY *b = r->req->req_body;
	kerr_t ret;

	if (r->req->pvno != 5)
		return kerr_set(e, KDC_ERR_BAD_PVNO, "pvno %d", r->req->pvno);
	if (asn1krb_str_dup(b->realm, &r->realm_name) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "unreadable realm");
	r->realm = realm_set_find(r->rs, r->realm_name);
	if (r->realm == NULL)
		return kerr_set(e, KDC_ERR_WRONG_REALM,
		    "realm %s is not served by this KDC", r->realm_name);
	if (b->cname == NULL)
		return kerr_set(e, KDC_ERR_C_PRINCIPAL_UNKNOWN,
		    "AS-REQ without a client name");
	if (asn1krb_princ_unparse(b->cname, r->realm_name, &r->client_name,
	    e) != 0)
		return kerr_set(e, KDC_ERR_C_PRINCIPAL_UNKNOWN,
		    "unreadable client name");
	dispatch_log(r->h)->client = r->client_name;
	if (b->sname == NULL ||
	    asn1krb_princ_unparse(b->sname, r->realm_name, &r->server_name,
	    e) != 0)
		return kerr_set(e, KDC_ERR_S_PRINCIPAL_UNKNOWN,
		    "AS-REQ without a readable server name");
	dispatch_log(r->h)->server = r->server_name;
	if (asn1krb_princ_ncomp(b->sname) != 2 ||
	    !asn1krb_str_eq(sk_ASN1_GENERALSTRING_value(b->sname->name_string,
	    0), "krbtgt") ||
	    !asn1krb_str_eq(sk_ASN1_GENERALSTRING_value(b->sname->name_string,
	    1), r->realm_name))
		return kerr_set(e, KDC_ERR_S_PRINCIPAL_UNKNOWN,
		    "AS-REQ for %s: this KDC issues only krbtgt/%s",
		    r->server_name, r->realm_name);
	if (asn1krb_uint32_get(b->nonce, &r->nonce) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "nonce out of range");
	ret = as_choose_enctype(b, &r->enctype, e);
	return ret;
}

/* The client name in the reply: canonical sAMAccountName@REALM when the
 * client asked for canonicalization or sent an enterprise name (RFC 6806
 * sections 5 and 7: an enterprise name is resolved to the account's
 * principal), else exactly as requested. */
static kerr_t
reply_cname(struct as_req *r, KRB5_PRINCNAME **out)
{
	const KRB5_KDC_REQ_BODY *b = r->req->req_body;
	const char *comps[1];

	if ((asn1krb_flags_get(b->kdc_options) & KRB5_KDCOPT_CANONICALIZE) ||
	    b->cname->name_type == KRB5_NT_ENTERPRISE || r->cname_from_cert) {
		comps[0] = r->acct->sam_account_name;
		return asn1krb_princ_new(KRB5_NT_PRINCIPAL, comps, 1, out);
	}
	*out = ASN1_item_dup(ASN1_ITEM_rptr(KRB5_PRINCNAME), b->cname);
	return *out ? 0 : KRB_ERR_GENERIC;
}

/* PKINIT reply, then the ticket. */
static void
issue(struct as_req *r)
{
	const KRB5_KDC_REQ_BODY *b = r->req->req_body;
	struct pk_rep_params pp;
	struct as_issue_params ip;
	struct as_issued done;
	struct pk_rep *rep = NULL;
	KRB5_METHOD_DATA *padata = NULL, *enc_padata = NULL;
	KRB5_PRINCNAME *cname = NULL;
	struct kc_key strong;
	char polnote[200];
	const char *comps[8];
	uint8_t *der = NULL;
	size_t len = 0;
	struct kerr e;
	kerr_t ret;
	int i, n = asn1krb_princ_ncomp(b->cname);

	kerr_clear(&e);
	memset(&strong, 0, sizeof(strong));
	memset(&pp, 0, sizeof(pp));
	for (i = 0; i < n && i < 8; i++)
		comps[i] = (const char *)ASN1_STRING_get0_data(
		    sk_ASN1_GENERALSTRING_value(b->cname->name_string, i));
	pp.id = r->realm->id;
	pp.groups = r->realm->groups;
	pp.req = r->pk;
	pp.enctype = r->enctype;
	pp.as_req = r->msg;
	pp.as_req_len = r->len;
	pp.crealm = r->realm_name;
	pp.cname_type = b->cname->name_type;
	pp.cname = comps;
	pp.cname_len = (size_t)(n < 8 ? n : 8);
	pp.realm = r->realm->name;
	pp.now = r->now;
	pp.allow_rsa = r->realm->allow_rsa;
	ret = pk_rep_make(&pp, &rep, &e);
	if (ret)
		goto fail;
	if (asn1krb_padata_add(&padata, KRB5_PADATA_PK_AS_REP, rep->pa_value,
	    rep->pa_len) != 0 || reply_cname(r, &cname) != 0) {
		ret = kerr_set(&e, KRB_ERR_GENERIC, "out of memory");
		goto fail;
	}
	memset(&ip, 0, sizeof(ip));
	ip.realm = r->realm;
	ip.body = b;
	ip.cname = cname;
	ip.crealm = r->realm->name;
	ip.session_enctype = r->enctype;
	ip.reply_key = &rep->reply_key;
	if (r->fast != NULL) {
		ret = fast_strengthen(r->fast, &rep->reply_key, &strong, &e);
		if (ret)
			goto fail;
		ip.reply_key = &strong;
	}
	ret = fast_enc_padata(r->req->padata, ip.reply_key, r->msg, r->len,
	    &enc_padata, &e);
	if (ret)
		goto fail;
	ip.enc_padata = enc_padata;
	as_policy_apply(r->pol, &ip, polnote, sizeof(polnote));
	ip.padata = padata;
	ip.now = r->now;
	if (r->acct->user_account_control & DIR_UAC_NOT_DELEGATED)
		ip.forbid_flags = KRB5_TKT_FORWARDABLE | KRB5_TKT_PROXIABLE;
	ret = as_issue(&ip, &der, &len, &done, &e);
	if (ret)
		goto fail;
	if (r->fast != NULL) {
		uint8_t *wrapped = NULL;
		size_t wlen = 0;

		ret = fast_wrap_as_rep(r->fast, r->nonce, r->now, r->now_usec,
		    der, len, &wrapped, &wlen, &e);
		free(der);
		der = wrapped;
		len = wlen;
		if (ret)
			goto fail;
	}
	snprintf(r->success_reason, sizeof(r->success_reason),
	    "PKINIT %s; certificate bound by %s; %s session key; %zu groups"
	    "%s%s%s", rep->method, r->binding, kc_enctype_name(r->enctype),
	    r->groups != NULL ? r->groups->n : 0,
	    r->fast ? "; FAST armor from " : "",
	    r->fast ? fast_device_name(r->fast) : "", polnote);
	kc_key_clear(&strong);
	pk_rep_free(rep);
	KRB5_METHOD_DATA_free(enc_padata);
	KRB5_METHOD_DATA_free(padata);
	KRB5_PRINCNAME_free(cname);
	as_finish_ok(r, der, len);
	free(der);
	return;
fail:
	kc_key_clear(&strong);
	pk_rep_free(rep);
	KRB5_METHOD_DATA_free(enc_padata);
	KRB5_METHOD_DATA_free(padata);
	KRB5_PRINCNAME_free(cname);
	as_finish_error(r, ret, e.msg);
}

void
as_account_done(struct as_req *r, const struct kerr *err,
    struct dir_account *acct)
{
	struct kerr e;
	kerr_t ret;

	dispatch_set_cancel(r->h, NULL, NULL);
	if (err->code != 0) {
		char why[KERR_MSG_MAX + 64];

		snprintf(why, sizeof(why), "account lookup for %s: %s",
		    r->client_name, err->msg);
		as_finish_error(r, err->code, why);
		return;
	}
	r->acct = acct;
	dispatch_log(r->h)->account = acct->dn;
	kerr_clear(&e);
	ret = as_account_check(r, &e);
	if (ret == 0) {
		/* Parked again while policies and groups are read. */
		dispatch_set_cancel(r->h, as_cancel, r);
		ret = as_policy_start(r, &e);
		if (ret == 0)
			return;
		dispatch_set_cancel(r->h, NULL, NULL);
	}
	as_finish_error(r, ret, e.msg);
}

void
as_policy_done(struct as_req *r, kerr_t code, const char *reason)
{
	dispatch_set_cancel(r->h, NULL, NULL);
	if (code != 0) {
		as_finish_error(r, code, reason);
		return;
	}
	issue(r);
}

static void as_cancel(struct kdc_req_handle *h, void *arg);

/* Certificate trusted and not revoked: find the account (parked until
 * the directory answers). */
static void
start_account(struct as_req *r)
{
	struct kerr e;
	kerr_t ret;

	kerr_clear(&e);
	ret = as_account_start(r, &e);
	if (ret) {
		as_finish_error(r, ret, e.msg);
		return;
	}
	dispatch_set_cancel(r->h, as_cancel, r);
}

void
as_revocation_done(struct as_req *r, kerr_t code, const char *reason)
{
	dispatch_set_cancel(r->h, NULL, NULL);
	if (code) {
		as_finish_error(r, code, reason);
		return;
	}
	start_account(r);
}

static void
as_cancel(struct kdc_req_handle *h, void *arg)
{
	struct as_req *r = arg;

	(void)h;
	forget_log_fields(r);
	as_req_free(r);
}

static void
as_handle(struct kdc_req_handle *h, const uint8_t *msg, size_t len, void *arg)
{
	struct as_ctx *ctx = arg;
	const KRB5_PADATA *pa;
	struct timespec ts;
	struct as_req *r;
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
	r->rs = realm_set_ref(ctx->realms);
	r->msg = msg;
	r->len = len;
	clock_gettime(CLOCK_REALTIME, &ts);
	r->now = ts.tv_sec;
	r->now_usec = (int32_t)(ts.tv_nsec / 1000);
	dispatch_log(h)->req_type = "AS-REQ";

	ret = ASN1KRB_DECODE(KRB5_AS_REQ, msg, len, &r->req, &e);
	if (ret == 0)
		ret = asn1krb_kdc_req_body_raw(msg, len, &r->body_raw,
		    &r->body_len, &e);
	if (ret) {
		kerr_prefix(&e, "malformed AS-REQ: ");
		dispatch_mark_malformed(h);
		as_finish_error(r, KRB_ERR_GENERIC, e.msg);
		return;
	}
	ret = unwrap_fast(r, &e);
	if (ret == 0)
		ret = check_request(r, &e);
	if (ret)
		goto fail;
	pa = asn1krb_padata_find(r->req->padata, KRB5_PADATA_PK_AS_REQ, NULL);
	if (pa == NULL) {
		as_finish_error(r, KDC_ERR_PREAUTH_REQUIRED,
		    "no PA-PK-AS-REQ: asked the client for PKINIT");
		return;
	}
	ret = as_pkinit_verify(r, pa, &e);
	if (ret == 0)
		ret = as_pkinit_validate_cert(r, &e);
	if (ret == 0)
		ret = as_pkinit_trust(r, &parked, &e);
	if (ret)
		goto fail;
	if (parked) {
		/* Waiting for OCSP or CRL data. */
		dispatch_set_cancel(h, as_cancel, r);
		return;
	}
	start_account(r);
	return;
fail:
	as_finish_error(r, ret, e.msg);
}

/* ---- module set-up and reload ---- */

static kerr_t
reload_prepare(void *arg, const struct kdc_config *cfg, void **state_out,
    struct kerr *e)
{
	struct as_ctx *ctx = arg;
	struct realm_set *s = NULL;
	kerr_t ret;

	ret = realm_set_load(cfg, server_loop(ctx->srv), &s, e);
	if (ret == 0)
		*state_out = s;
	return ret;
}

static void
reload_commit(void *arg, void *state)
{
	struct as_ctx *ctx = arg;

	realm_set_unref(ctx->realms);
	ctx->realms = state;
}

static void
reload_abort(void *arg, void *state)
{
	(void)arg;
	realm_set_unref(state);
}

struct as_ctx *
as_init(struct kdc_server *srv, struct kerr *e)
{
	struct as_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		return NULL;
	}
	ctx->srv = srv;
	if (realm_set_load(server_config(srv), server_loop(srv), &ctx->realms,
	    e) != 0) {
		free(ctx);
		return NULL;
	}
	if (dispatch_register(server_dispatch(srv), KRB5_MSG_AS_REQ, as_handle,
	    ctx) != 0 ||
	    server_add_reload_hook(srv, "realms", reload_prepare, reload_commit,
	    reload_abort, ctx) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "cannot register the AS handler");
		as_free(ctx);
		return NULL;
	}
	return ctx;
}

void
as_free(struct as_ctx *ctx)
{
	if (ctx == NULL)
		return;
	realm_set_unref(ctx->realms);
	free(ctx);
}

struct realm_set *
as_realms(const struct as_ctx *ctx)
{
	return ctx->realms;
}
