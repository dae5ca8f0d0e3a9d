/*
 * ticket.c - building tickets and reply parts for both exchanges, and the
 * TGS rules for deriving a ticket from a ticket-granting ticket.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secmem.h"
#include "ticket.h"

/* KDCOptions cname-in-addl-tkt ([MS-SFU] 2.2.3: constrained delegation). */
#define KDCOPT_CNAME_IN_ADDL_TKT KRB5_FLAG(14)

/* Key usage of the ticket's encrypted part (RFC 4120 section 7.5.1). */
#define KU_TICKET 2

/* TransitedEncoding type DOMAIN-X500-COMPRESS (RFC 4120 section 3.3.3.2). */
#define TR_DOMAIN_X500_COMPRESS 1

static void *
dup_item(const ASN1_ITEM *it, const void *v)
{
	return v ? ASN1_item_dup(it, (void *)v) : NULL;
}

/*
 * A caller's value placed in a structure that is only encoded and then
 * freed here: lent, not copied (a copy re-encodes and re-parses it), and
 * taken back with the matching NULL assignment before the free.
 */
#define LEND(v) ((void *)(uintptr_t)(v))

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

kerr_t
tkt_tgs_name(const char *realm, KRB5_PRINCNAME **out)
{
	const char *comps[2] = { "krbtgt", realm };

	return asn1krb_princ_new(KRB5_NT_SRV_INST, comps, 2, out);
}

int
tkt_is_tgs_name(const KRB5_PRINCNAME *name, const char *realm)
{
	return name != NULL && asn1krb_princ_ncomp(name) == 2 &&
	    asn1krb_str_eq(sk_ASN1_GENERALSTRING_value(name->name_string, 0),
	    "krbtgt") &&
	    asn1krb_str_eq(sk_ASN1_GENERALSTRING_value(name->name_string, 1),
	    realm);
}

int64_t
tkt_req_time(const ASN1_GENERALIZEDTIME *t)
{
	int64_t v;

	if (t == NULL || asn1krb_time_get(t, &v) != 0 || v == 0)
		return TKT_TIME_INFINITE;
	return v;
}

kerr_t
tkt_build(const struct tkt_params *p, KRB5_TICKET **tkt_out, struct kerr *e)
{
	const struct tkt_times *t = p->t;
	KRB5_ENC_TICKET_PART *etp = KRB5_ENC_TICKET_PART_new();
	KRB5_TICKET *tkt = KRB5_TICKET_new();
	uint8_t *der = NULL, *ct = NULL;
	size_t len = 0, ctlen = 0;
	kerr_t ret = KRB_ERR_GENERIC;
	int lent = 0;

	if (etp == NULL || tkt == NULL || p->cname == NULL)
		goto nomem;
	lent = 1;
	KRB5_PRINCNAME_free(etp->cname);
	etp->cname = LEND(p->cname);
	etp->caddr = LEND(p->caddr);
	etp->authorization_data = LEND(p->authdata);
	etp->transited->tr_type = TR_DOMAIN_X500_COMPRESS;
	if (asn1krb_flags_set(etp->flags, t->flags) ||
	    asn1krb_key_set(etp->key, p->session->enctype, p->session->bytes,
	    p->session->length) ||
	    asn1krb_str_set(&etp->crealm, p->crealm) ||
	    asn1krb_time_set(&etp->authtime, t->authtime) ||
	    (t->starttime && asn1krb_time_set(&etp->starttime, t->starttime)) ||
	    asn1krb_time_set(&etp->endtime, t->endtime) ||
	    (t->renew_till &&
	    asn1krb_time_set(&etp->renew_till, t->renew_till)))
		goto nomem;
	ret = ASN1KRB_ENCODE(KRB5_ENC_TICKET_PART, etp, &der, &len, e);
	if (ret)
		goto cleanup;
	ret = kc_encrypt(p->key, KU_TICKET, der, len, &ct, &ctlen, e);
	if (ret)
		goto cleanup;
	tkt->tkt_vno = 5;
	KRB5_PRINCNAME_free(tkt->sname);
	tkt->sname = dup_item(ASN1_ITEM_rptr(KRB5_PRINCNAME), p->sname);
	tkt->enc_part->etype = p->key->enctype;
	if (tkt->sname == NULL ||
	    asn1krb_str_set(&tkt->realm, p->realm) ||
	    asn1krb_int_set(&tkt->enc_part->kvno, p->kvno) ||
	    asn1krb_octets_set(&tkt->enc_part->cipher, ct, ctlen))
		goto nomem;
	*tkt_out = tkt;
	tkt = NULL;
	ret = 0;
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory building the ticket");
cleanup:
	sec_free(der, len);
	free(ct);
	if (lent) {
		etp->cname = NULL;
		etp->caddr = NULL;
		etp->authorization_data = NULL;
	}
	KRB5_ENC_TICKET_PART_free(etp);
	KRB5_TICKET_free(tkt);
	return ret;
}

kerr_t
tkt_enc_rep_part(const struct tkt_rep_params *p, uint8_t **ct_out,
    size_t *ctlen_out, struct kerr *e)
{
	const struct tkt_times *t = p->t;
	KRB5_ENC_KDC_REP_PART *ep = KRB5_ENC_KDC_REP_PART_new();
	KRB5_LASTREQ_ENTRY *lr = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	kerr_t ret = KRB_ERR_GENERIC;
	int lent = 0;

	if (ep == NULL)
		goto nomem;
	if (p->last_req != 0) {
		/* One entry of type 0: "last initial request" = now. */
		lr = KRB5_LASTREQ_ENTRY_new();
		if (lr == NULL)
			goto nomem;
		lr->lr_type = 0;
		if (asn1krb_time_set(&lr->lr_value, p->last_req) ||
		    !sk_KRB5_LASTREQ_ENTRY_push(ep->last_req, lr))
			goto nomem;
		lr = NULL;
	}
	if (p->nonce == NULL || p->sname == NULL)
		goto nomem;
	lent = 1;
	ASN1_INTEGER_free(ep->nonce);
	ep->nonce = LEND(p->nonce);
	KRB5_PRINCNAME_free(ep->sname);
	ep->sname = LEND(p->sname);
	ep->caddr = LEND(p->caddr);
	ep->encrypted_pa_data = LEND(p->enc_padata);
	if (asn1krb_key_set(ep->key, p->session->enctype, p->session->bytes,
	    p->session->length) ||
	    asn1krb_flags_set(ep->flags, t->flags |
	    (p->enc_padata ? KRB5_TKT_ENC_PA_REP : 0)) ||
	    asn1krb_time_set(&ep->authtime, t->authtime) ||
	    (t->starttime && asn1krb_time_set(&ep->starttime, t->starttime)) ||
	    asn1krb_time_set(&ep->endtime, t->endtime) ||
	    (t->renew_till &&
	    asn1krb_time_set(&ep->renew_till, t->renew_till)) ||
	    asn1krb_str_set(&ep->srealm, p->srealm))
		goto nomem;
	/* Same fields, different APPLICATION tag (RFC 4120 section 5.4.2). */
	if (p->tgs)
		ret = ASN1KRB_ENCODE(KRB5_ENC_TGS_REP_PART, ep, &der, &len, e);
	else
		ret = ASN1KRB_ENCODE(KRB5_ENC_AS_REP_PART, ep, &der, &len, e);
	if (ret)
		goto cleanup;
	ret = kc_encrypt(p->reply_key, p->usage, der, len, ct_out, ctlen_out,
	    e);
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory building the reply");
cleanup:
	sec_free(der, len);
	KRB5_LASTREQ_ENTRY_free(lr);
	if (lent) {
		ep->nonce = NULL;
		ep->sname = NULL;
		ep->caddr = NULL;
		ep->encrypted_pa_data = NULL;
	}
	KRB5_ENC_KDC_REP_PART_free(ep);
	return ret;
}

/* kinit -R: same flags and renew-till, a fresh lifetime as long as the old
 * one but never past renew-till (RFC 4120 section 3.3.3.1).  An expired
 * ticket cannot be renewed (section 2.3); the AP-REQ check saw to that. */
static kerr_t
renew_times(const struct tkt_tgs_in *in, struct tkt_times *out,
    struct kerr *e)
{
	const struct tkt_times *tgt = in->tgt;
	int64_t start = tgt->starttime ? tgt->starttime : tgt->authtime;

	if (!(tgt->flags & KRB5_TKT_RENEWABLE))
		return kerr_set(e, KDC_ERR_BADOPTION,
		    "RENEW asked with a ticket that is not renewable");
	if (tgt->renew_till <= in->now)
		return kerr_set(e, KRB_AP_ERR_TKT_EXPIRED,
		    "RENEW asked after the ticket's renew-till");
	memset(out, 0, sizeof(*out));
	out->authtime = tgt->authtime;
	out->starttime = in->now;
	out->endtime = min64(in->now + (tgt->endtime - start), tgt->renew_till);
	out->renew_till = tgt->renew_till;
	out->flags = tgt->flags & ~(KRB5_TKT_INITIAL | KRB5_TKT_INVALID |
	    KRB5_TKT_POSTDATED | KRB5_TKT_MAY_POSTDATE);
	return 0;
}

kerr_t
tkt_tgs_times(const struct tkt_tgs_in *in, struct tkt_times *out,
    struct kerr *e)
{
	const struct tkt_times *tgt = in->tgt;
	uint32_t opts = in->kdc_options, flags;
	int64_t end, rt = 0, renew_till = 0;

	if (opts & KRB5_KDCOPT_POSTDATED || (in->from != TKT_TIME_INFINITE &&
	    in->from > in->now + in->clockskew))
		return kerr_set(e, KDC_ERR_CANNOT_POSTDATE,
		    "postdated tickets are not issued");
	/* We never issue invalid (postdated) tickets, so there is nothing to
	 * validate; user-to-user needs a second ticket we do not accept. */
	if (opts & KRB5_KDCOPT_VALIDATE)
		return kerr_set(e, KDC_ERR_BADOPTION,
		    "VALIDATE is not supported (no postdated tickets)");
	if (opts & KRB5_KDCOPT_ENC_TKT_IN_SKEY)
		return kerr_set(e, KDC_ERR_BADOPTION,
		    "ENC-TKT-IN-SKEY (user-to-user) is not supported");
	if (opts & KDCOPT_CNAME_IN_ADDL_TKT)
		return kerr_set(e, KDC_ERR_BADOPTION,
		    "cname-in-addl-tkt (S4U2Proxy) is not supported");
	if (opts & KRB5_KDCOPT_RENEW)
		return renew_times(in, out, e);

	/* Flags the TGT passes on (RFC 4120 section 2: PRE-AUTHENT and
	 * HW-AUTHENT describe the initial authentication). */
	flags = tgt->flags & (KRB5_TKT_PRE_AUTHENT | KRB5_TKT_HW_AUTHENT);
	if ((opts & KRB5_KDCOPT_FORWARDABLE) &&
	    (tgt->flags & KRB5_TKT_FORWARDABLE))
		flags |= KRB5_TKT_FORWARDABLE;
	if (opts & KRB5_KDCOPT_FORWARDED) {
		if (!(tgt->flags & KRB5_TKT_FORWARDABLE))
			return kerr_set(e, KDC_ERR_BADOPTION,
			    "FORWARDED asked with a TGT that is not "
			    "forwardable");
		flags |= KRB5_TKT_FORWARDED;
	}
	/* A ticket derived from a forwarded ticket is forwarded too
	 * (RFC 4120 section 2.6). */
	if (tgt->flags & KRB5_TKT_FORWARDED)
		flags |= KRB5_TKT_FORWARDED;
	if ((opts & KRB5_KDCOPT_PROXIABLE) && (tgt->flags & KRB5_TKT_PROXIABLE))
		flags |= KRB5_TKT_PROXIABLE;
	if (opts & KRB5_KDCOPT_PROXY) {
		if (!(tgt->flags & KRB5_TKT_PROXIABLE))
			return kerr_set(e, KDC_ERR_BADOPTION,
			    "PROXY asked with a TGT that is not proxiable");
		if (in->to_tgs)
			return kerr_set(e, KDC_ERR_BADOPTION,
			    "PROXY may not be used for a ticket-granting "
			    "ticket");
		flags |= KRB5_TKT_PROXY;
	}

	end = min64(in->till, tgt->endtime);
	if (in->max_life > 0)
		end = min64(end, in->now + in->max_life);
	if (end <= in->now)
		return kerr_set(e, KDC_ERR_NEVER_VALID,
		    "requested end time is not in the future");

	if (opts & KRB5_KDCOPT_RENEWABLE)
		rt = in->rtime != TKT_TIME_INFINITE ? in->rtime : in->till;
	else if ((opts & KRB5_KDCOPT_RENEWABLE_OK) && in->till > end)
		rt = in->till;
	if (rt > 0 && (tgt->flags & KRB5_TKT_RENEWABLE) &&
	    in->max_renewable_life > 0) {
		rt = min64(rt, tgt->renew_till);
		rt = min64(rt, in->now + in->max_renewable_life);
		if (rt >= end) {
			renew_till = rt;
			flags |= KRB5_TKT_RENEWABLE;
		}
	}
	memset(out, 0, sizeof(*out));
	out->renew_till = renew_till;
	out->authtime = tgt->authtime;
	out->starttime = in->now;
	out->endtime = end;
	out->flags = flags;
	return 0;
}
