/*
 * fast.c - FAST armor for AS-REQs and TGS-REQs (RFC 6113 sections 5.2
 * and 5.4).
 *
 * Only the AP-REQ armor type exists (section 5.4.1.1).  For the AS
 * exchange the armor ticket must be a TGT of the realm being asked
 * (krbtgt/REALM@REALM), decrypted with whichever krbtgt kvno it names;
 * the authenticator must carry a subkey, and the armor key is
 * KRB-FX-CF2(subkey, ticket session key, "subkeyarmor", "ticketarmor").
 * Replays of the armor AP-REQ are not tracked: the armor key only
 * protects this exchange, and the inner request carries its own
 * pre-authentication.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fast.h"
#include "krb_error.h"
#include "realm.h"
#include "secmem.h"
#include "tgs_keys.h"

/* Key usages (RFC 4120 section 7.5.1, RFC 6113 section 5.4). */
#define KU_TICKET            2
#define KU_AP_REQ_AUTH       11
#define KU_FAST_REQ_CHKSUM   50
#define KU_FAST_ENC          51
#define KU_FAST_REP          52
#define KU_FAST_FINISHED     53

struct kdc_fast {
	struct kc_key armor_key;
	struct kc_key strengthen;
	int have_strengthen;
	uint8_t *plain;                 /* decrypted KrbFastReq */
	size_t plain_len;
	uint32_t options;
	KRB5_PRINCNAME *device;
	char *device_realm;
	char *device_name;
};

void
fast_free(struct kdc_fast *f)
{
	if (f == NULL)
		return;
	kc_key_clear(&f->armor_key);
	kc_key_clear(&f->strengthen);
	sec_free(f->plain, f->plain_len);
	KRB5_PRINCNAME_free(f->device);
	free(f->device_realm);
	free(f->device_name);
	free(f);
}

int
fast_hide_client_names(const struct kdc_fast *f)
{
	return f != NULL && (f->options & KRB5_FASTOPT_HIDE_CLIENT_NAMES);
}

const char *
fast_device_name(const struct kdc_fast *f)
{
	return f ? f->device_name : NULL;
}

const KRB5_PRINCNAME *
fast_device_princ(const struct kdc_fast *f)
{
	return f ? f->device : NULL;
}

const char *
fast_device_realm(const struct kdc_fast *f)
{
	return f ? f->device_realm : NULL;
}

static kerr_t
key_from_enckey(const KRB5_ENCKEY *k, struct kc_key *out, struct kerr *e)
{
	if (k == NULL || k->keyvalue == NULL)
		return kerr_set(e, KRB_AP_ERR_BAD_INTEGRITY, "missing key");
	return kc_key_from_bytes(k->keytype, ASN1_STRING_get0_data(k->keyvalue),
	    (size_t)ASN1_STRING_length(k->keyvalue), out, e);
}

static int64_t
abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/*
 * Verify the AP-REQ armor against the realm's krbtgt keys and derive the
 * armor key (RFC 6113 section 5.4.1.1).
 */
static kerr_t
check_armor(const struct realm_rt *realm, const KRB5_FAST_ARMOR *armor,
    int64_t now, struct kdc_fast *f, struct kerr *e)
{
	KRB5_AP_REQ *ap = NULL;
	KRB5_ENC_TICKET_PART *etp = NULL;
	KRB5_AUTHENTICATOR *auth = NULL;
	const struct tgs_key *tk;
	struct kc_key session, subkey;
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	int64_t endtime, start, ctime;
	int64_t kvno = 0;
	kerr_t ret;

	memset(&session, 0, sizeof(session));
	memset(&subkey, 0, sizeof(subkey));
	if (armor->armor_type != KRB5_FAST_ARMOR_AP_REQUEST) {
		ret = kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "FAST armor type %d is not supported", armor->armor_type);
		goto cleanup;
	}
	ret = ASN1KRB_DECODE(KRB5_AP_REQ,
	    ASN1_STRING_get0_data(armor->armor_value),
	    (size_t)ASN1_STRING_length(armor->armor_value), &ap, e);
	if (ret) {
		kerr_prefix(e, "FAST armor AP-REQ: ");
		ret = KDC_ERR_PREAUTH_FAILED;
		goto cleanup;
	}
	if (ap->pvno != 5 || ap->msg_type != KRB5_MSG_AP_REQ) {
		ret = kerr_set(e, KRB_AP_ERR_MSG_TYPE,
		    "FAST armor: not an AP-REQ");
		goto cleanup;
	}
	/* The armor ticket must be our realm's TGT. */
	if (!asn1krb_str_eq(ap->ticket->realm, realm->name) ||
	    asn1krb_princ_ncomp(ap->ticket->sname) != 2 ||
	    !asn1krb_str_eq(sk_ASN1_GENERALSTRING_value(
	    ap->ticket->sname->name_string, 0), "krbtgt") ||
	    !asn1krb_str_eq(sk_ASN1_GENERALSTRING_value(
	    ap->ticket->sname->name_string, 1), realm->name)) {
		ret = kerr_set(e, KRB_AP_ERR_NOT_US,
		    "FAST armor ticket is not a TGT of %s", realm->name);
		goto cleanup;
	}
	if (ap->ticket->enc_part->kvno != NULL &&
	    (ASN1_INTEGER_get_int64(&kvno, ap->ticket->enc_part->kvno) != 1 ||
	    kvno < 0 || kvno > UINT32_MAX)) {
		ret = kerr_set(e, KRB_AP_ERR_BADKEYVER, "FAST armor: bad kvno");
		goto cleanup;
	}
	tk = tgs_keys_find(realm->tgs, (uint32_t)kvno,
	    ap->ticket->enc_part->etype);
	if (tk == NULL) {
		ret = kerr_set(e, KRB_AP_ERR_BADKEYVER,
		    "FAST armor ticket: no krbtgt key kvno %lld enctype %d",
		    (long long)kvno, ap->ticket->enc_part->etype);
		goto cleanup;
	}
	ret = kc_decrypt(&tk->key, KU_TICKET,
	    ASN1_STRING_get0_data(ap->ticket->enc_part->cipher),
	    (size_t)ASN1_STRING_length(ap->ticket->enc_part->cipher), &pt,
	    &ptlen, e);
	if (ret) {
		kerr_prefix(e, "FAST armor ticket: ");
		goto cleanup;
	}
	ret = ASN1KRB_DECODE(KRB5_ENC_TICKET_PART, pt, ptlen, &etp, e);
	sec_free(pt, ptlen);
	pt = NULL;
	if (ret) {
		kerr_prefix(e, "FAST armor ticket: ");
		goto cleanup;
	}
	if (asn1krb_time_get(etp->endtime, &endtime) != 0 ||
	    endtime + realm->clockskew < now) {
		ret = kerr_set(e, KRB_AP_ERR_TKT_EXPIRED,
		    "FAST armor ticket has expired");
		goto cleanup;
	}
	if (etp->starttime != NULL &&
	    (asn1krb_time_get(etp->starttime, &start) != 0 ||
	    start - realm->clockskew > now)) {
		ret = kerr_set(e, KRB_AP_ERR_TKT_NYV,
		    "FAST armor ticket is not yet valid");
		goto cleanup;
	}
	if (asn1krb_flags_get(etp->flags) & KRB5_TKT_INVALID) {
		ret = kerr_set(e, KRB_AP_ERR_TKT_NYV,
		    "FAST armor ticket is marked invalid");
		goto cleanup;
	}
	ret = key_from_enckey(etp->key, &session, e);
	if (ret)
		goto cleanup;
	ret = kc_decrypt(&session, KU_AP_REQ_AUTH,
	    ASN1_STRING_get0_data(ap->authenticator->cipher),
	    (size_t)ASN1_STRING_length(ap->authenticator->cipher), &pt, &ptlen,
	    e);
	if (ret) {
		kerr_prefix(e, "FAST armor authenticator: ");
		goto cleanup;
	}
	ret = ASN1KRB_DECODE(KRB5_AUTHENTICATOR, pt, ptlen, &auth, e);
	if (ret) {
		kerr_prefix(e, "FAST armor authenticator: ");
		goto cleanup;
	}
	if (!asn1krb_princ_eq(auth->cname, etp->cname) ||
	    ASN1_STRING_cmp(auth->crealm, etp->crealm) != 0) {
		ret = kerr_set(e, KRB_AP_ERR_BADMATCH,
		    "FAST armor: authenticator and ticket name differ");
		goto cleanup;
	}
	if (asn1krb_time_get(auth->ctime, &ctime) != 0 ||
	    abs64(ctime - now) > realm->clockskew) {
		ret = kerr_set(e, KRB_AP_ERR_SKEW,
		    "FAST armor authenticator outside the clock skew");
		goto cleanup;
	}
	/* RFC 6113 section 5.4.1.1: the subkey MUST be present. */
	if (auth->subkey == NULL) {
		ret = kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "FAST armor authenticator has no subkey");
		goto cleanup;
	}
	ret = key_from_enckey(auth->subkey, &subkey, e);
	if (ret)
		goto cleanup;
	ret = kc_cf2(&subkey, "subkeyarmor", &session, "ticketarmor",
	    &f->armor_key, e);
	if (ret)
		goto cleanup;
	f->device = etp->cname;
	etp->cname = NULL;
	if (asn1krb_str_dup(etp->crealm, &f->device_realm) != 0 ||
	    asn1krb_princ_unparse(f->device, f->device_realm, &f->device_name,
	    e) != 0) {
		ret = kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "FAST armor: unreadable client name");
		goto cleanup;
	}
cleanup:
	sec_free(pt, ptlen);
	kc_key_clear(&session);
	kc_key_clear(&subkey);
	KRB5_AP_REQ_free(ap);
	KRB5_ENC_TICKET_PART_free(etp);
	KRB5_AUTHENTICATOR_free(auth);
	return ret;
}

/*
 * The TGS armor key (RFC 6113 section 5.4.1.1): without explicit armor,
 * KRB-FX-CF2(TGS-REQ authenticator subkey, TGT session key, "subkeyarmor",
 * "ticketarmor"); with explicit armor (a device TGT, [MS-KILE] 3.3.5.7.4
 * compound identity), KRB-FX-CF2(that armor key, the TGS-REQ subkey,
 * "explicitarmor", "tgsarmor").  f->armor_key holds the explicit armor's
 * key on entry when there is one.
 */
static kerr_t
tgs_armor_key(struct kdc_fast *f, int explicit_armor,
    const struct kc_key *tgs_subkey, const struct kc_key *tgt_session,
    struct kerr *e)
{
	struct kc_key k;
	kerr_t ret;

	if (tgs_subkey == NULL)
		return kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "FAST TGS-REQ: the PA-TGS-REQ authenticator has no subkey");
	if (!explicit_armor)
		return kc_cf2(tgs_subkey, "subkeyarmor", tgt_session,
		    "ticketarmor", &f->armor_key, e);
	memset(&k, 0, sizeof(k));
	ret = kc_cf2(&f->armor_key, "explicitarmor", tgs_subkey, "tgsarmor",
	    &k, e);
	kc_key_clear(&f->armor_key);
	if (ret == 0)
		f->armor_key = k;
	return ret;
}

/*
 * Both exchanges.  tgt_session is NULL for an AS-REQ (explicit armor
 * required); for a TGS-REQ it is the PA-TGS-REQ ticket's session key and
 * tgs_subkey its authenticator subkey (NULL when absent).
 */
static kerr_t
unwrap(const struct realm_rt *realm, const KRB5_KDC_REQ *outer,
    const uint8_t *outer_body, size_t outer_body_len, int64_t now,
    const struct kc_key *tgs_subkey, const struct kc_key *tgt_session,
    struct kdc_fast **fast_out, KRB5_KDC_REQ **inner_out,
    const uint8_t **body_out, size_t *body_len_out, struct kerr *e)
{
	const KRB5_PADATA *pa;
	KRB5_PA_FX_FAST_REQUEST *fx = NULL;
	KRB5_FAST_ARMORED_REQ *ar;
	KRB5_FAST_REQ *fr = NULL;
	KRB5_AS_REQ *inner = NULL;
	struct kdc_fast *f = NULL;
	const uint8_t *body;
	size_t body_len;
	kerr_t ret;

	*fast_out = NULL;
	pa = asn1krb_padata_find(outer->padata, KRB5_PADATA_FX_FAST, NULL);
	if (pa == NULL)
		return 0;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	ret = ASN1KRB_DECODE(KRB5_PA_FX_FAST_REQUEST,
	    ASN1_STRING_get0_data(pa->padata_value),
	    (size_t)ASN1_STRING_length(pa->padata_value), &fx, e);
	if (ret) {
		kerr_prefix(e, "PA-FX-FAST: ");
		ret = KDC_ERR_PREAUTH_FAILED;
		goto cleanup;
	}
	ar = fx->value.armored_data;
	/* An AS-REQ has no TGS-REQ to take the armor key from: explicit
	 * armor is required (RFC 6113 section 5.4.1). */
	if (ar == NULL || (ar->armor == NULL && tgt_session == NULL)) {
		ret = kerr_set(e, KDC_ERR_PREAUTH_FAILED,
		    "PA-FX-FAST in an AS-REQ without armor");
		goto cleanup;
	}
	if (ar->armor != NULL) {
		ret = check_armor(realm, ar->armor, now, f, e);
		if (ret)
			goto cleanup;
	}
	if (tgt_session != NULL) {
		ret = tgs_armor_key(f, ar->armor != NULL, tgs_subkey,
		    tgt_session, e);
		if (ret)
			goto cleanup;
	}
	/* The checksum binds the outer request to the armor (5.4.2): its
	 * body for an AS-REQ, the PA-TGS-REQ AP-REQ for a TGS-REQ. */
	if (tgt_session != NULL) {
		const KRB5_PADATA *tgs = asn1krb_padata_find(outer->padata,
		    KRB5_PADATA_TGS_REQ, NULL);

		if (tgs == NULL) {
			ret = kerr_set(e, KDC_ERR_PREAUTH_FAILED,
			    "FAST TGS-REQ without PA-TGS-REQ");
			goto cleanup;
		}
		outer_body = ASN1_STRING_get0_data(tgs->padata_value);
		outer_body_len = (size_t)ASN1_STRING_length(tgs->padata_value);
	}
	ret = kc_checksum_verify(&f->armor_key, KU_FAST_REQ_CHKSUM,
	    ar->req_checksum->cksumtype, outer_body, outer_body_len,
	    ASN1_STRING_get0_data(ar->req_checksum->checksum),
	    (size_t)ASN1_STRING_length(ar->req_checksum->checksum), e);
	if (ret) {
		kerr_prefix(e, "FAST request checksum: ");
		ret = ret == KRB_AP_ERR_BAD_INTEGRITY ? KDC_ERR_PREAUTH_FAILED :
		    ret;
		goto cleanup;
	}
	ret = kc_decrypt(&f->armor_key, KU_FAST_ENC,
	    ASN1_STRING_get0_data(ar->enc_fast_req->cipher),
	    (size_t)ASN1_STRING_length(ar->enc_fast_req->cipher), &f->plain,
	    &f->plain_len, e);
	if (ret) {
		kerr_prefix(e, "FAST enc-fast-req: ");
		ret = KDC_ERR_PREAUTH_FAILED;
		goto cleanup;
	}
	ret = ASN1KRB_DECODE(KRB5_FAST_REQ, f->plain, f->plain_len, &fr, e);
	if (ret == 0)
		ret = asn1krb_seq_field_raw(f->plain, f->plain_len, 2, &body,
		    &body_len, e);
	if (ret) {
		kerr_prefix(e, "KrbFastReq: ");
		ret = KDC_ERR_PREAUTH_FAILED;
		goto cleanup;
	}
	f->options = asn1krb_flags_get(fr->fast_options);
	/* Critical options we do not know (the reserved bit 0 included)
	 * fail the request (5.4.1); hide-client-names is understood. */
	if (f->options & KRB5_FASTOPT_CRITICAL_MASK &
	    ~(uint32_t)KRB5_FASTOPT_HIDE_CLIENT_NAMES) {
		ret = kerr_set(e, KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS,
		    "unknown critical FAST options 0x%08x", f->options);
		goto cleanup;
	}
	inner = KRB5_KDC_REQ_new();
	if (inner == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	inner->pvno = outer->pvno;
	inner->msg_type = outer->msg_type;
	KRB5_METHOD_DATA_free(inner->padata);
	inner->padata = fr->padata;
	fr->padata = NULL;
	KRB5_KDC_REQ_BODY_free(inner->req_body);
	inner->req_body = fr->req_body;
	fr->req_body = NULL;
	*fast_out = f;
	*inner_out = inner;
	*body_out = body;
	*body_len_out = body_len;
	f = NULL;
	inner = NULL;
	ret = 0;
cleanup:
	KRB5_PA_FX_FAST_REQUEST_free(fx);
	KRB5_FAST_REQ_free(fr);
	KRB5_KDC_REQ_free(inner);
	fast_free(f);
	return ret;
}

kerr_t
fast_unwrap_as(const struct realm_rt *realm, const KRB5_AS_REQ *outer,
    const uint8_t *outer_body, size_t outer_body_len, int64_t now,
    struct kdc_fast **fast_out, KRB5_AS_REQ **inner_out,
    const uint8_t **body_out, size_t *body_len_out, struct kerr *e)
{
	return unwrap(realm, outer, outer_body, outer_body_len, now, NULL,
	    NULL, fast_out, inner_out, body_out, body_len_out, e);
}

kerr_t
fast_unwrap_tgs(const struct realm_rt *realm, const KRB5_TGS_REQ *outer,
    const uint8_t *outer_body, size_t outer_body_len, int64_t now,
    const struct kc_key *tgs_subkey, const struct kc_key *tgt_session,
    struct kdc_fast **fast_out, KRB5_TGS_REQ **inner_out,
    const uint8_t **body_out, size_t *body_len_out, struct kerr *e)
{
	return unwrap(realm, outer, outer_body, outer_body_len, now,
	    tgs_subkey, tgt_session, fast_out, inner_out, body_out,
	    body_len_out, e);
}

kerr_t
fast_strengthen(struct kdc_fast *f, const struct kc_key *reply_key,
    struct kc_key *key_out, struct kerr *e)
{
	kerr_t ret;

	kc_key_clear(&f->strengthen);
	f->have_strengthen = 0;
	ret = kc_key_random(reply_key->enctype, &f->strengthen, e);
	if (ret)
		return ret;
	ret = kc_cf2(&f->strengthen, "strengthenkey", reply_key, "replykey",
	    key_out, e);
	if (ret == 0)
		f->have_strengthen = 1;
	return ret;
}

/* Encrypt resp in the armor key into METHOD-DATA { PA-FX-FAST }. */
static kerr_t
armor_response(struct kdc_fast *f, const KRB5_FAST_RESPONSE *resp,
    KRB5_METHOD_DATA **md_out, struct kerr *e)
{
	KRB5_PA_FX_FAST_REPLY *rep = NULL;
	uint8_t *der = NULL, *ct = NULL, *pa = NULL;
	size_t len = 0, ctlen = 0, palen = 0;
	kerr_t ret;

	ret = ASN1KRB_ENCODE(KRB5_FAST_RESPONSE, resp, &der, &len, e);
	if (ret)
		goto cleanup;
	ret = kc_encrypt(&f->armor_key, KU_FAST_REP, der, len, &ct, &ctlen, e);
	if (ret)
		goto cleanup;
	rep = KRB5_PA_FX_FAST_REPLY_new();
	if (rep == NULL || (rep->value.armored_data =
	    KRB5_FAST_ARMORED_REP_new()) == NULL)
		goto nomem;
	rep->type = KRB5_FAST_CHOICE_ARMORED_DATA;
	rep->value.armored_data->enc_fast_rep->etype = f->armor_key.enctype;
	if (asn1krb_octets_set(&rep->value.armored_data->enc_fast_rep->cipher,
	    ct, ctlen) != 0)
		goto nomem;
	ret = ASN1KRB_ENCODE(KRB5_PA_FX_FAST_REPLY, rep, &pa, &palen, e);
	if (ret)
		goto cleanup;
	ret = asn1krb_padata_add(md_out, KRB5_PADATA_FX_FAST, pa, palen);
	if (ret)
		goto nomem;
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory building PA-FX-FAST");
cleanup:
	sec_free(der, len);
	free(ct);
	free(pa);
	KRB5_PA_FX_FAST_REPLY_free(rep);
	return ret;
}

static kerr_t
wrap_rep(struct kdc_fast *f, int tgs, uint32_t nonce, int64_t now,
    int32_t usec, const uint8_t *der, size_t len, uint8_t **der_out,
    size_t *len_out, struct kerr *e)
{
	KRB5_AS_REP *rep = NULL;
	KRB5_FAST_RESPONSE *resp = NULL;
	KRB5_FAST_FINISHED *fin = NULL;
	KRB5_METHOD_DATA *outer = NULL;
	unsigned char ck[KC_MAX_CKSUM_LEN];
	uint8_t *tkt = NULL;
	size_t tktlen = 0, cklen = 0;
	kerr_t ret;

	ret = tgs ? ASN1KRB_DECODE(KRB5_TGS_REP, der, len, &rep, e) :
	    ASN1KRB_DECODE(KRB5_AS_REP, der, len, &rep, e);
	if (ret)
		goto cleanup;
	ret = ASN1KRB_ENCODE(KRB5_TICKET, rep->ticket, &tkt, &tktlen, e);
	if (ret)
		goto cleanup;
	ret = kc_checksum(&f->armor_key, KU_FAST_FINISHED, 0, tkt, tktlen, ck,
	    &cklen, e);
	if (ret)
		goto cleanup;
	resp = KRB5_FAST_RESPONSE_new();
	fin = KRB5_FAST_FINISHED_new();
	if (resp == NULL || fin == NULL)
		goto nomem;
	/* The finished message names the client the ticket is for; the
	 * client takes cname and crealm from it (section 5.4.3). */
	fin->usec = usec;
	fin->ticket_checksum->cksumtype =
	    kc_checksum_type_for_enctype(f->armor_key.enctype);
	KRB5_PRINCNAME_free(fin->cname);
	fin->cname = ASN1_item_dup(ASN1_ITEM_rptr(KRB5_PRINCNAME), rep->cname);
	if (fin->cname == NULL ||
	    asn1krb_time_set(&fin->timestamp, now) != 0 ||
	    ASN1_STRING_copy(fin->crealm, rep->crealm) != 1 ||
	    asn1krb_octets_set(&fin->ticket_checksum->checksum, ck, cklen))
		goto nomem;
	resp->finished = fin;
	fin = NULL;
	if (rep->padata != NULL) {
		KRB5_METHOD_DATA_free(resp->padata);
		resp->padata = rep->padata;
		rep->padata = NULL;
	}
	if (f->have_strengthen) {
		resp->strengthen_key = KRB5_ENCKEY_new();
		if (resp->strengthen_key == NULL ||
		    asn1krb_key_set(resp->strengthen_key,
		    f->strengthen.enctype, f->strengthen.bytes,
		    f->strengthen.length) != 0)
			goto nomem;
	}
	ASN1_INTEGER_free(resp->nonce);
	resp->nonce = asn1krb_uint32_new(nonce);
	if (resp->nonce == NULL)
		goto nomem;
	ret = armor_response(f, resp, &outer, e);
	if (ret)
		goto cleanup;
	rep->padata = outer;
	outer = NULL;
	/* The real name is in the finished message only (5.4.2). */
	if (fast_hide_client_names(f)) {
		const char *anon[2] = { FAST_ANON_NAME0, FAST_ANON_NAME1 };

		KRB5_PRINCNAME_free(rep->cname);
		rep->cname = NULL;
		if (asn1krb_princ_new(FAST_NT_WELLKNOWN, anon, 2,
		    &rep->cname) ||
		    asn1krb_str_set(&rep->crealm, FAST_ANON_REALM))
			goto nomem;
	}
	ret = tgs ? ASN1KRB_ENCODE(KRB5_TGS_REP, rep, der_out, len_out, e) :
	    ASN1KRB_ENCODE(KRB5_AS_REP, rep, der_out, len_out, e);
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory building FAST reply");
cleanup:
	free(tkt);
	KRB5_METHOD_DATA_free(outer);
	KRB5_FAST_FINISHED_free(fin);
	KRB5_FAST_RESPONSE_free(resp);
	KRB5_KDC_REP_free(rep);
	return ret;
}

kerr_t
fast_wrap_as_rep(struct kdc_fast *f, uint32_t nonce, int64_t now,
    int32_t usec, const uint8_t *der, size_t len, uint8_t **der_out,
    size_t *len_out, struct kerr *e)
{
	return wrap_rep(f, 0, nonce, now, usec, der, len, der_out, len_out, e);
}

kerr_t
fast_wrap_tgs_rep(struct kdc_fast *f, uint32_t nonce, int64_t now,
    int32_t usec, const uint8_t *der, size_t len, uint8_t **der_out,
    size_t *len_out, struct kerr *e)
{
	return wrap_rep(f, 1, nonce, now, usec, der, len, der_out, len_out, e);
}

kerr_t
fast_wrap_error(struct kdc_fast *f, uint32_t nonce,
    const struct krb_error_info *info, uint8_t **edata_out, size_t *len_out,
    struct kerr *e)
{
	struct krb_error_info inner = *info;
	KRB5_FAST_RESPONSE *resp = NULL;
	KRB5_METHOD_DATA *hints = NULL, *outer = NULL;
	uint8_t *err = NULL;
	size_t errlen = 0;
	kerr_t ret;

	resp = KRB5_FAST_RESPONSE_new();
	if (resp == NULL)
		goto nomem;
	/* PREAUTH_REQUIRED-style hints travel inside the armor; other
	 * e-data (TYPED-DATA) stays in the inner KRB-ERROR. */
	if (info->e_data != NULL && ASN1KRB_DECODE(KRB5_METHOD_DATA,
	    info->e_data, info->e_data_len, &hints, NULL) == 0) {
		KRB5_METHOD_DATA_free(resp->padata);
		resp->padata = hints;
		hints = NULL;
		inner.e_data = NULL;
		inner.e_data_len = 0;
	}
	ret = krb_error_encode(&inner, &err, &errlen, e);
	if (ret)
		goto cleanup;
	/* RFC 6113 section 5.2: a KDC that wants the conversation to go on
	 * sends PA-FX-COOKIE; we keep no state, so it is a fixed marker
	 * (MIT clients retry an armored error only when a cookie is there). */
	if (asn1krb_padata_add(&resp->padata, KRB5_PADATA_FX_COOKIE,
	    (const uint8_t *)"pkinit-kdc", 10) != 0 ||
	    asn1krb_padata_add(&resp->padata, KRB5_PADATA_FX_ERROR, err,
	    errlen) != 0)
		goto nomem;
	ASN1_INTEGER_free(resp->nonce);
	resp->nonce = asn1krb_uint32_new(nonce);
	if (resp->nonce == NULL)
		goto nomem;
	ret = armor_response(f, resp, &outer, e);
	if (ret)
		goto cleanup;
	ret = ASN1KRB_ENCODE(KRB5_METHOD_DATA, outer, edata_out, len_out, e);
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory building FAST error");
cleanup:
	free(err);
	KRB5_METHOD_DATA_free(hints);
	KRB5_METHOD_DATA_free(outer);
	KRB5_FAST_RESPONSE_free(resp);
	return ret;
}

#define KU_AS_REQ 56    /* RFC 6806 section 11 */

kerr_t
fast_enc_padata(const KRB5_METHOD_DATA *req_padata,
    const struct kc_key *reply_key, const uint8_t *req, size_t req_len,
    KRB5_METHOD_DATA **md_out, struct kerr *e)
{
	KRB5_METHOD_DATA *md = NULL;
	KRB5_CHECKSUM *c = NULL;
	unsigned char ck[KC_MAX_CKSUM_LEN];
	uint8_t *der = NULL;
	size_t cklen = 0, len = 0;
	kerr_t ret;

	*md_out = NULL;
	if (asn1krb_padata_find(req_padata, KRB5_PADATA_REQ_ENC_PA_REP,
	    NULL) == NULL)
		return 0;
	ret = kc_checksum(reply_key, KU_AS_REQ, 0, req, req_len, ck, &cklen, e);
	if (ret)
		return ret;
	c = KRB5_CHECKSUM_new();
	if (c == NULL)
		goto nomem;
	c->cksumtype = kc_checksum_type_for_enctype(reply_key->enctype);
	if (asn1krb_octets_set(&c->checksum, ck, cklen) != 0)
		goto nomem;
	ret = ASN1KRB_ENCODE(KRB5_CHECKSUM, c, &der, &len, e);
	if (ret)
		goto cleanup;
	if (asn1krb_padata_add(&md, KRB5_PADATA_REQ_ENC_PA_REP, der, len) ||
	    asn1krb_padata_add(&md, KRB5_PADATA_FX_FAST, NULL, 0))
		goto nomem;
	*md_out = md;
	md = NULL;
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
cleanup:
	free(der);
	KRB5_CHECKSUM_free(c);
	KRB5_METHOD_DATA_free(md);
	return ret;
}
