/*
 * as_issue.c - building the ticket and the AS-REP.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "as_issue.h"
#include "secmem.h"
#include "tgs_keys.h"
#include "ticket.h"

/* Key usage of the AS-REP's encrypted part (RFC 4120 section 7.5.1). */
#define KU_AS_REP_ENC_PART 3

#define TIME_INFINITE TKT_TIME_INFINITE

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
	return tkt_req_time(t);
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

/* A caller's value lent to the reply for its encoding, taken back before
 * the reply is freed: a copy would re-encode and re-parse the kilobytes
 * of the PA-PK-AS-REP. */
#define LEND(v) ((void *)(uintptr_t)(v))

/* The TGT, sealed in the krbtgt key tgs_keys_for_issue() picks. */
static kerr_t
build_ticket(const struct as_issue_params *p, const struct tkt_times *tt,
    const KRB5_PRINCNAME *tgs, const struct kc_key *session,
    KRB5_TICKET **tkt_out, struct as_issued *info, struct kerr *e)
{
	const struct tgs_key *tk = tgs_keys_for_issue(p->realm->tgs);
	struct tkt_params tp;
	kerr_t ret;

	memset(&tp, 0, sizeof(tp));
	tp.realm = p->realm->name;
	tp.sname = tgs;
	tp.cname = p->cname;
	tp.crealm = p->crealm;
	tp.session = session;
	tp.key = &tk->key;
	tp.kvno = tk->kvno;
	tp.t = tt;
	tp.caddr = p->body->addresses;
	ret = tkt_build(&tp, tkt_out, e);
	if (ret == 0) {
		info->ticket_enctype = tk->key.enctype;
		info->ticket_kvno = tk->kvno;
	}
	return ret;
}

static kerr_t
build_enc_part(const struct as_issue_params *p, const struct tkt_times *tt,
    const KRB5_PRINCNAME *tgs, const struct kc_key *session,
    uint8_t **ct_out, size_t *ctlen_out, struct kerr *e)
{
	struct tkt_rep_params rp;

	memset(&rp, 0, sizeof(rp));
	rp.session = session;
	rp.t = tt;
	rp.nonce = p->body->nonce;
	rp.last_req = p->now;
	rp.srealm = p->realm->name;
	rp.sname = tgs;
	rp.caddr = p->body->addresses;
	rp.reply_key = p->reply_key;
	rp.usage = KU_AS_REP_ENC_PART;
	rp.enc_padata = p->enc_padata;
	return tkt_enc_rep_part(&rp, ct_out, ctlen_out, e);
}

kerr_t
as_issue(const struct as_issue_params *p, uint8_t **der_out, size_t *len_out,
    struct as_issued *issued_out, struct kerr *e)
{
	KRB5_AS_REP *rep = NULL;
	KRB5_TICKET *tkt = NULL;
	KRB5_PRINCNAME *tgs = NULL;
	struct kc_key session;
	struct tkt_times tt;
	struct as_issued t;
	uint8_t *ct = NULL;
	size_t ctlen = 0;
	kerr_t ret;
	int lent = 0;

	memset(&session, 0, sizeof(session));
	memset(&t, 0, sizeof(t));
	ret = decide_times(p, &t, e);
	if (ret)
		return ret;
	ret = kc_key_random(p->session_enctype, &session, e);
	if (ret)
		return ret;
	/* An AS ticket starts at authtime: no separate starttime. */
	memset(&tt, 0, sizeof(tt));
	tt.authtime = p->now;
	tt.endtime = t.endtime;
	tt.renew_till = t.renew_till;
	tt.flags = t.flags;
	if (tkt_tgs_name(p->realm->name, &tgs) != 0)
		goto nomem;
	ret = build_ticket(p, &tt, tgs, &session, &tkt, &t, e);
	if (ret)
		goto cleanup;
	ret = build_enc_part(p, &tt, tgs, &session, &ct, &ctlen, e);
	if (ret)
		goto cleanup;
	rep = KRB5_AS_REP_new();
	if (rep == NULL || p->cname == NULL)
		goto nomem;
	rep->pvno = 5;
	rep->msg_type = KRB5_MSG_AS_REP;
	KRB5_PRINCNAME_free(rep->cname);
	rep->cname = LEND(p->cname);
	rep->padata = LEND(p->padata);
	lent = 1;
	KRB5_TICKET_free(rep->ticket);
	rep->ticket = tkt;
	tkt = NULL;
	rep->enc_part->etype = p->reply_key->enctype;
	if (asn1krb_str_set(&rep->crealm, p->crealm) ||
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
	KRB5_PRINCNAME_free(tgs);
	KRB5_TICKET_free(tkt);
	if (lent) {
		rep->cname = NULL;
		rep->padata = NULL;
	}
	KRB5_AS_REP_free(rep);
	return ret;
}
