/*
 * tgs_issue.c - the ticket a TGS request gets and the TGS-REP around it.
 *
 * Times and flags come from the TGT (ticket.c: tkt_tgs_times).  The
 * session key enctype is the first of the client's list that the service
 * has a key for (for a TGT: the first we support, as in the AS exchange);
 * the ticket is sealed with the service's key for issuing.  The reply is
 * encrypted with the authenticator's subkey (usage 9) when there is one,
 * else with the TGT's session key (usage 8), RFC 4120 section 3.3.3.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "realm.h"
#include "svc_keys.h"
#include "tgs_keys.h"
#include "tgs_req.h"

/* Key usages (RFC 4120 section 7.5.1). */
#define KU_TGS_REP_ENC_PART_SESSKEY 8
#define KU_TGS_REP_ENC_PART_SUBKEY 9

static kerr_t
choose_enctype(const struct tgs_req *r, int32_t *enctype_out, struct kerr *e)
{
	const KRB5_KDC_REQ_BODY *b = r->req->req_body;
	int i, n = b->etype ? sk_ASN1_INTEGER_num(b->etype) : 0;
	int32_t et;

	for (i = 0; i < n; i++) {
		if (asn1krb_int32_get(sk_ASN1_INTEGER_value(b->etype, i),
		    &et) != 0 || !kc_enctype_supported(et))
			continue;
		/* A krbtgt accepts any enctype we support. */
		if (r->to_tgs ||
		    svc_keys_has_enctype(r->realm->svc, r->svc, et)) {
			*enctype_out = et;
			return 0;
		}
	}
	return kerr_set(e, KDC_ERR_ETYPE_NOSUPP,
	    "none of the %d enctypes the client offers is supported by %s",
	    n, r->server_name);
}

/* The TGT's authorization data, then the request's (section 3.3.3). */
static kerr_t
merge_authdata(const struct tgs_req *r, KRB5_AUTHDATA **out)
{
	const KRB5_AUTHDATA *src[2] = { r->tgt->authorization_data,
		r->req_authdata };
	KRB5_AUTHDATA *ad = NULL;
	KRB5_ADENTRY *ent;
	int i, j;

	*out = NULL;
	for (i = 0; i < 2; i++) {
		for (j = 0; src[i] != NULL && j < sk_KRB5_ADENTRY_num(src[i]);
		    j++) {
			if (ad == NULL && (ad = KRB5_AUTHDATA_new()) == NULL)
				return KRB_ERR_GENERIC;
			ent = ASN1_item_dup(ASN1_ITEM_rptr(KRB5_ADENTRY),
			    sk_KRB5_ADENTRY_value(src[i], j));
			if (ent == NULL || !sk_KRB5_ADENTRY_push(ad, ent)) {
				KRB5_ADENTRY_free(ent);
				KRB5_AUTHDATA_free(ad);
				return KRB_ERR_GENERIC;
			}
		}
	}
	*out = ad;
	return 0;
}

static kerr_t
build_rep(const struct tgs_req *r, KRB5_TICKET *tkt, const uint8_t *ct,
    size_t ctlen, int32_t reply_etype, uint8_t **der_out, size_t *len_out,
    struct kerr *e)
{
	KRB5_TGS_REP *rep = KRB5_TGS_REP_new();
	kerr_t ret;

	if (rep == NULL) {
		KRB5_TICKET_free(tkt);
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	rep->pvno = 5;
	rep->msg_type = KRB5_MSG_TGS_REP;
	KRB5_TICKET_free(rep->ticket);
	rep->ticket = tkt;
	KRB5_PRINCNAME_free(rep->cname);
	rep->cname = ASN1_item_dup(ASN1_ITEM_rptr(KRB5_PRINCNAME),
	    r->tgt->cname);
	ASN1_STRING_free(rep->crealm);
	rep->crealm = ASN1_STRING_dup(r->tgt->crealm);
	rep->enc_part->etype = reply_etype;
	if (rep->cname == NULL || rep->crealm == NULL ||
	    asn1krb_octets_set(&rep->enc_part->cipher, ct, ctlen)) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	ret = ASN1KRB_ENCODE(KRB5_TGS_REP, rep, der_out, len_out, e);
cleanup:
	KRB5_TGS_REP_free(rep);
	return ret;
}

kerr_t
tgs_issue(struct tgs_req *r, uint8_t **der_out, size_t *len_out,
    struct kerr *e)
{
	const KRB5_KDC_REQ_BODY *b = r->req->req_body;
	const struct kc_key *tkey, *reply_key;
	struct tkt_tgs_in in;
	struct tkt_times tt;
	struct tkt_params tp;
	struct tkt_rep_params rp;
	struct kc_key session;
	KRB5_AUTHDATA *ad = NULL;
	KRB5_TICKET *tkt = NULL;
	const KRB5_HOSTADDRS *caddr;
	char *crealm = NULL;
	uint8_t *ct = NULL;
	size_t ctlen = 0;
	uint32_t kvno;
	int32_t senc = 0;
	kerr_t ret;

	memset(&session, 0, sizeof(session));
	if ((r->kdc_options & KRB5_KDCOPT_RENEW) && !r->to_tgs)
		return kerr_set(e, KDC_ERR_BADOPTION,
		    "RENEW is offered for ticket-granting tickets only");
	memset(&in, 0, sizeof(in));
	in.kdc_options = r->kdc_options;
	in.from = b->from ? tkt_req_time(b->from) : TKT_TIME_INFINITE;
	in.till = tkt_req_time(b->till);
	in.rtime = tkt_req_time(b->rtime);
	in.tgt = &r->tgt_times;
	in.now = r->now;
	in.clockskew = r->realm->clockskew;
	in.max_life = r->realm->max_life;
	in.max_renewable_life = r->realm->max_renewable_life;
	in.to_tgs = r->to_tgs;
	ret = tkt_tgs_times(&in, &tt, e);
	if (ret)
		return ret;
	if (r->to_tgs) {
		const struct tgs_key *tk = tgs_keys_for_issue(r->realm->tgs);

		tkey = &tk->key;
		kvno = tk->kvno;
	} else {
		tkey = &r->svc->key;
		kvno = r->svc->kvno;
	}
	ret = choose_enctype(r, &senc, e);
	if (ret == 0)
		ret = kc_key_random(senc, &session, e);
	if (ret)
		return ret;
	/* Addresses change only when the client forwards or proxies. */
	caddr = (r->kdc_options & (KRB5_KDCOPT_FORWARDED | KRB5_KDCOPT_PROXY)) ?
	    b->addresses : r->tgt->caddr;
	if (merge_authdata(r, &ad) != 0 ||
	    asn1krb_str_dup(r->tgt->crealm, &crealm) != 0) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	memset(&tp, 0, sizeof(tp));
	tp.realm = r->realm->name;
	tp.sname = b->sname;
	tp.cname = r->tgt->cname;
	tp.crealm = crealm;
	tp.session = &session;
	tp.key = tkey;
	tp.kvno = kvno;
	tp.t = &tt;
	tp.caddr = caddr;
	tp.authdata = ad;
	ret = tkt_build(&tp, &tkt, e);
	if (ret)
		goto cleanup;
	reply_key = r->has_subkey ? &r->subkey : &r->session;
	memset(&rp, 0, sizeof(rp));
	rp.tgs = 1;
	rp.session = &session;
	rp.t = &tt;
	rp.nonce = b->nonce;
	rp.srealm = r->realm->name;
	rp.sname = b->sname;
	rp.caddr = caddr;
	rp.reply_key = reply_key;
	rp.usage = r->has_subkey ? KU_TGS_REP_ENC_PART_SUBKEY :
	    KU_TGS_REP_ENC_PART_SESSKEY;
	ret = tkt_enc_rep_part(&rp, &ct, &ctlen, e);
	if (ret)
		goto cleanup;
	ret = build_rep(r, tkt, ct, ctlen, reply_key->enctype, der_out,
	    len_out, e);
	tkt = NULL;
	if (ret)
		goto cleanup;
	snprintf(r->success_reason, sizeof(r->success_reason),
	    "%s%s%s; ticket %s kvno %u; %s session key; TGT kvno %u",
	    (r->kdc_options & KRB5_KDCOPT_RENEW) ? "TGT renewed" :
	    r->to_tgs ? "TGT issued" : "service ticket",
	    r->key_principal ? " with the keys of " : "",
	    r->key_principal ? r->key_principal : "",
	    kc_enctype_name(tkey->enctype), kvno, kc_enctype_name(senc),
	    r->tgt_kvno);
cleanup:
	kc_key_clear(&session);
	free(ct);
	free(crealm);
	KRB5_AUTHDATA_free(ad);
	KRB5_TICKET_free(tkt);
	return ret;
}
