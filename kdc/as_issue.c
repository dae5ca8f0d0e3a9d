/*
 * as_issue.c - building the ticket and the AS-REP.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "as_issue.h"
#include "secmem.h"
#include "tgs_keys.h"

/* Key usages (RFC 4120 section 7.5.1). */
#define KU_TICKET 2
#define KU_AS_REP_ENC_PART 3

/* TransitedEncoding type DOMAIN-X500-COMPRESS (RFC 4120 section 3.3.3.2). */
#define TR_DOMAIN_X500_COMPRESS 1

/* KerberosTime 19700101000000Z in a request means "as late as possible". */
#define TIME_INFINITE INT64_MAX

kerr_t
as_choose_enctype(const KRB5_KDC_REQ_BODY *body, int32_t *enctype_out,
    struct kerr *e)
{
	int i, n = body->etype ? sk_ASN1_INTEGER_num(body->etype) : 0;
	int32_t et;

	for (i = 0; i < n; i++) {
		if (asn1krb_int32_get(sk_ASN1_INTEGER_value(body->etype, i),
		    &et) != 0)
			continue;
		if (kc_enctype_supported(et)) {
			*enctype_out = et;
			return 0;
		}
	}
	return kerr_set(e, KDC_ERR_ETYPE_NOSUPP,
	    "none of the %d enctypes the client offers is supported "
	    "(aes128/aes256-cts-hmac-sha1-96, aes128-cts-hmac-sha256-128, "
	    "aes256-cts-hmac-sha384-192)", n);
}

static int64_t
opt_time(const ASN1_GENERALIZEDTIME *t)
{
	int64_t v;

	if (t == NULL || asn1krb_time_get(t, &v) != 0 || v == 0)
		return TIME_INFINITE;
	return v;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Ticket times and flags from the request and the realm's limits. */
static kerr_t
decide_times(const struct as_issue_params *p, struct as_issued *out,
    struct kerr *e)
{
	const KRB5_KDC_REQ_BODY *b = p->body;
	uint32_t opts = asn1krb_flags_get(b->kdc_options);
	int64_t from = b->from ? opt_time(b->from) : p->now;
	int64_t till = opt_time(b->till), rtime, end;

	if (opts & KRB5_KDCOPT_POSTDATED || (from != TIME_INFINITE &&
	    from > p->now + p->realm->clockskew))
		return kerr_set(e, KDC_ERR_CANNOT_POSTDATE,
		    "postdated tickets are not issued");
	end = min64(till, p->now + p->realm->max_life);
	if (p->life_cap > 0)
		end = min64(end, p->now + p->life_cap);
	if (end <= p->now)
		return kerr_set(e, KDC_ERR_NEVER_VALID,
		    "requested end time is not in the future");
	out->endtime = end;
	out->flags = KRB5_TKT_INITIAL | KRB5_TKT_PRE_AUTHENT;
	if (opts & KRB5_KDCOPT_FORWARDABLE)
		out->flags |= KRB5_TKT_FORWARDABLE;
	if (opts & KRB5_KDCOPT_PROXIABLE)
		out->flags |= KRB5_TKT_PROXIABLE;
	out->renew_till = 0;
	rtime = 0;
	if (opts & KRB5_KDCOPT_RENEWABLE)
		rtime = b->rtime ? opt_time(b->rtime) : till;
	else if ((opts & KRB5_KDCOPT_RENEWABLE_OK) && till > end)
		rtime = till;
	if (rtime > 0 && p->realm->max_renewable_life > 0) {
		rtime = min64(rtime, p->now + p->realm->max_renewable_life);
		if (p->renew_cap)
			rtime = min64(rtime, end);
		if (rtime >= end) {
			out->renew_till = rtime;
			out->flags |= KRB5_TKT_RENEWABLE;
		}
	}
	out->flags &= ~p->forbid_flags;
	return 0;
}

static void *
dup_item(const ASN1_ITEM *it, const void *v)
{
	return v ? ASN1_item_dup(it, (void *)v) : NULL;
}

/* Ticket sname krbtgt/REALM, type NT-SRV-INST. */
static kerr_t
tgs_name(const char *realm, KRB5_PRINCNAME **out)
{
	const char *comps[2] = { "krbtgt", realm };

	return asn1krb_princ_new(KRB5_NT_SRV_INST, comps, 2, out);
}

static kerr_t
build_ticket(const struct as_issue_params *p, const struct as_issued *t,
    const struct kc_key *session, KRB5_TICKET **tkt_out,
    struct as_issued *info, struct kerr *e)
{
	const struct tgs_key *tk = tgs_keys_for_issue(p->realm->tgs);
	KRB5_ENC_TICKET_PART *etp = KRB5_ENC_TICKET_PART_new();
	KRB5_TICKET *tkt = KRB5_TICKET_new();
	uint8_t *der = NULL, *ct = NULL;
	size_t len = 0, ctlen = 0;
	kerr_t ret = KRB_ERR_GENERIC;

	if (etp == NULL || tkt == NULL)
		goto nomem;
	KRB5_PRINCNAME_free(etp->cname);
	etp->cname = dup_item(ASN1_ITEM_rptr(KRB5_PRINCNAME), p->cname);
	etp->caddr = dup_item(ASN1_ITEM_rptr(KRB5_HOSTADDRS), p->body->addresses);
	etp->transited->tr_type = TR_DOMAIN_X500_COMPRESS;
	etp->key->keytype = session->enctype;
	if (etp->cname == NULL ||
	    (p->body->addresses != NULL && etp->caddr == NULL) ||
	    asn1krb_flags_set(etp->flags, t->flags) ||
	    asn1krb_key_set(etp->key, session->enctype, session->bytes,
	    session->length) ||
	    asn1krb_str_set(&etp->crealm, p->crealm) ||
	    asn1krb_time_set(&etp->authtime, p->now) ||
	    asn1krb_time_set(&etp->endtime, t->endtime) ||
	    (t->renew_till && asn1krb_time_set(&etp->renew_till, t->renew_till)))
		goto nomem;
	ret = ASN1KRB_ENCODE(KRB5_ENC_TICKET_PART, etp, &der, &len, e);
	if (ret)
		goto cleanup;
	ret = kc_encrypt(&tk->key, KU_TICKET, der, len, &ct, &ctlen, e);
	if (ret)
		goto cleanup;
	tkt->tkt_vno = 5;
	KRB5_PRINCNAME_free(tkt->sname);
	tkt->sname = NULL;
	tkt->enc_part->etype = tk->key.enctype;
	if (tgs_name(p->realm->name, &tkt->sname) ||
	    asn1krb_str_set(&tkt->realm, p->realm->name) ||
	    asn1krb_int_set(&tkt->enc_part->kvno, tk->kvno) ||
	    asn1krb_octets_set(&tkt->enc_part->cipher, ct, ctlen))
		goto nomem;
	info->ticket_enctype = tk->key.enctype;
	info->ticket_kvno = tk->kvno;
	*tkt_out = tkt;
	tkt = NULL;
	ret = 0;
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory building the ticket");
cleanup:
	sec_free(der, len);
	free(ct);
	KRB5_ENC_TICKET_PART_free(etp);
	KRB5_TICKET_free(tkt);
	return ret;
}

static kerr_t
build_enc_part(const struct as_issue_params *p, const struct as_issued *t,
    const struct kc_key *session, uint8_t **ct_out, size_t *ctlen_out,
    struct kerr *e)
{
	KRB5_ENC_AS_REP_PART *ep = KRB5_ENC_AS_REP_PART_new();
	KRB5_LASTREQ_ENTRY *lr = KRB5_LASTREQ_ENTRY_new();
	uint8_t *der = NULL;
	size_t len = 0;
	kerr_t ret = KRB_ERR_GENERIC;

	if (ep == NULL || lr == NULL)
		goto nomem;
	/* One last-req entry of type 0: "last initial request" = now. */
	lr->lr_type = 0;
	if (asn1krb_time_set(&lr->lr_value, p->now) ||
	    !sk_KRB5_LASTREQ_ENTRY_push(ep->last_req, lr))
		goto nomem;
	lr = NULL;
	ASN1_INTEGER_free(ep->nonce);
	ep->nonce = ASN1_INTEGER_dup(p->body->nonce);
	KRB5_PRINCNAME_free(ep->sname);
	ep->sname = NULL;
	ep->caddr = dup_item(ASN1_ITEM_rptr(KRB5_HOSTADDRS), p->body->addresses);
	if (ep->nonce == NULL ||
	    (p->body->addresses != NULL && ep->caddr == NULL) ||
	    asn1krb_key_set(ep->key, session->enctype, session->bytes,
	    session->length) ||
	    asn1krb_flags_set(ep->flags, t->flags) ||
	    asn1krb_time_set(&ep->authtime, p->now) ||
	    asn1krb_time_set(&ep->endtime, t->endtime) ||
	    (t->renew_till && asn1krb_time_set(&ep->renew_till, t->renew_till)) ||
	    asn1krb_str_set(&ep->srealm, p->realm->name) ||
	    tgs_name(p->realm->name, &ep->sname))
		goto nomem;
	ret = ASN1KRB_ENCODE(KRB5_ENC_AS_REP_PART, ep, &der, &len, e);
	if (ret)
		goto cleanup;
	ret = kc_encrypt(p->reply_key, KU_AS_REP_ENC_PART, der, len, ct_out,
	    ctlen_out, e);
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory building the reply");
cleanup:
	sec_free(der, len);
	KRB5_LASTREQ_ENTRY_free(lr);
	KRB5_ENC_AS_REP_PART_free(ep);
	return ret;
}

kerr_t
as_issue(const struct as_issue_params *p, uint8_t **der_out, size_t *len_out,
    struct as_issued *issued_out, struct kerr *e)
{
	KRB5_AS_REP *rep = NULL;
	KRB5_TICKET *tkt = NULL;
	struct kc_key session;
	struct as_issued t;
	uint8_t *ct = NULL;
	size_t ctlen = 0;
	kerr_t ret;

	memset(&session, 0, sizeof(session));
	memset(&t, 0, sizeof(t));
	ret = decide_times(p, &t, e);
	if (ret)
		return ret;
	ret = kc_key_random(p->session_enctype, &session, e);
	if (ret)
		return ret;
	ret = build_ticket(p, &t, &session, &tkt, &t, e);
	if (ret)
		goto cleanup;
	ret = build_enc_part(p, &t, &session, &ct, &ctlen, e);
	if (ret)
		goto cleanup;
	rep = KRB5_AS_REP_new();
	if (rep == NULL)
		goto nomem;
	rep->pvno = 5;
	rep->msg_type = KRB5_MSG_AS_REP;
	KRB5_PRINCNAME_free(rep->cname);
	rep->cname = dup_item(ASN1_ITEM_rptr(KRB5_PRINCNAME), p->cname);
	rep->padata = dup_item(ASN1_ITEM_rptr(KRB5_METHOD_DATA), p->padata);
	KRB5_TICKET_free(rep->ticket);
	rep->ticket = tkt;
	tkt = NULL;
	rep->enc_part->etype = p->reply_key->enctype;
	if (rep->cname == NULL || (p->padata != NULL && rep->padata == NULL) ||
	    asn1krb_str_set(&rep->crealm, p->crealm) ||
	    asn1krb_octets_set(&rep->enc_part->cipher, ct, ctlen))
		goto nomem;
	ret = ASN1KRB_ENCODE(KRB5_AS_REP, rep, der_out, len_out, e);
	if (ret == 0)
		*issued_out = t;
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory building the AS-REP");
cleanup:
	kc_key_clear(&session);
	free(ct);
	KRB5_TICKET_free(tkt);
	KRB5_AS_REP_free(rep);
	return ret;
}
