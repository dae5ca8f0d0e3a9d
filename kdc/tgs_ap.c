/*
 * tgs_ap.c - the PA-TGS-REQ: the AP-REQ that carries our TGT and proves,
 * with an authenticator under the TGT's session key, that the sender holds
 * it (RFC 4120 sections 3.3.2 and 5.5.1).
 *
 * Checks in order, each with its own error so a client (and the log) can
 * tell them apart: TGT for us and under a krbtgt key we hold (any kvno,
 * KRB_AP_ERR_BADKEYVER otherwise), decrypts (KRB_AP_ERR_BAD_INTEGRITY),
 * is valid now (KRB_AP_ERR_TKT_NYV / KRB_AP_ERR_TKT_EXPIRED) and, if it
 * is bound to addresses, used from one of them (KRB_AP_ERR_BADADDR); the
 * authenticator decrypts under the session key (usage 7), names the
 * TGT's client (KRB_AP_ERR_BADMATCH), is within the clock skew
 * (KRB_AP_ERR_SKEW), carries a keyed checksum over the request body as
 * received (usage 6; KRB_AP_ERR_INAPP_CKSUM / KRB_AP_ERR_BAD_INTEGRITY)
 * and has not been seen before (KRB_AP_ERR_REPEAT).
 */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dispatch.h"
#include "realm.h"
#include "replay.h"
#include "secmem.h"
#include "tgs_keys.h"
#include "tgs_req.h"

/* Key usages (RFC 4120 section 7.5.1). */
#define KU_TICKET 2
#define KU_TGS_REQ_AD_SESSKEY 4
#define KU_TGS_REQ_AD_SUBKEY 5
#define KU_TGS_REQ_AUTH_CKSUM 6
#define KU_TGS_REQ_AUTH 7

static int64_t
abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static int
kvno_held(const struct tgs_keys *k, uint32_t kvno)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		if (kvno == 0 || k->v[i].kvno == kvno)
			return 1;
	}
	return 0;
}

/* Ticket for krbtgt/REALM@REALM, sealed with one of our krbtgt keys. */
static kerr_t
decrypt_tgt(struct tgs_req *r, struct kerr *e)
{
	const KRB5_TICKET *t = r->ap->ticket;
	const struct tgs_key *tk;
	unsigned char *plain = NULL;
	size_t plen = 0;
	uint32_t kvno = 0;
	kerr_t ret;

	if (t->tkt_vno != 5)
		return kerr_set(e, KRB_AP_ERR_BADVERSION,
		    "TGT: tkt-vno %d", t->tkt_vno);
	if (!asn1krb_str_eq(t->realm, r->realm_name) ||
	    !tkt_is_tgs_name(t->sname, r->realm_name))
		return kerr_set(e, KRB_AP_ERR_NOT_US,
		    "TGT: the ticket is not for krbtgt/%s@%s "
		    "(cross-realm TGTs are not accepted)", r->realm_name,
		    r->realm_name);
	if (t->enc_part->kvno != NULL &&
	    asn1krb_uint32_get(t->enc_part->kvno, &kvno) != 0)
		return kerr_set(e, KRB_AP_ERR_BADKEYVER,
		    "TGT: kvno unreadable");
	tk = tgs_keys_find(r->realm->tgs, kvno, t->enc_part->etype);
	if (tk == NULL) {
		if (!kvno_held(r->realm->tgs, kvno))
			return kerr_set(e, KRB_AP_ERR_BADKEYVER,
			    "TGT: krbtgt kvno %u is not in krbtgt_keytab",
			    kvno);
		return kerr_set(e, KRB_AP_ERR_BADKEYVER,
		    "TGT: no krbtgt key of kvno %u for enctype %d", kvno,
		    t->enc_part->etype);
	}
	r->tgt_kvno = tk->kvno;
	ret = kc_decrypt(&tk->key, KU_TICKET,
	    ASN1_STRING_get0_data(t->enc_part->cipher),
	    (size_t)ASN1_STRING_length(t->enc_part->cipher), &plain, &plen, e);
	if (ret) {
		kerr_prefix(e, "TGT (krbtgt kvno %u, %s): ", tk->kvno,
		    kc_enctype_name(tk->key.enctype));
		return ret;
	}
	ret = ASN1KRB_DECODE(KRB5_ENC_TICKET_PART, plain, plen, &r->tgt, e);
	sec_free(plain, plen);
	if (ret)
		kerr_prefix(e, "TGT: EncTicketPart: ");
	return ret;
}

/* Times, flags and session key of the TGT; validity now. */
static kerr_t
read_tgt(struct tgs_req *r, struct kerr *e)
{
	const KRB5_ENC_TICKET_PART *t = r->tgt;
	struct tkt_times *tt = &r->tgt_times;
	const int64_t skew = r->realm->clockskew;
	kerr_t ret;

	if (asn1krb_time_get(t->authtime, &tt->authtime) != 0 ||
	    asn1krb_time_get(t->endtime, &tt->endtime) != 0 ||
	    (t->starttime != NULL &&
	    asn1krb_time_get(t->starttime, &tt->starttime) != 0) ||
	    (t->renew_till != NULL &&
	    asn1krb_time_get(t->renew_till, &tt->renew_till) != 0))
		return kerr_set(e, KRB_ERR_GENERIC, "TGT: unreadable times");
	tt->flags = asn1krb_flags_get(t->flags);
	if (asn1krb_princ_unparse(t->cname, NULL, &r->client_name, e) == 0) {
		char *full = NULL;
		char *crealm = NULL;

		if (asn1krb_str_dup(t->crealm, &crealm) == 0 &&
		    asprintf(&full, "%s@%s", r->client_name, crealm) >= 0) {
			free(r->client_name);
			r->client_name = full;
		}
		free(crealm);
		dispatch_log(r->h)->client = r->client_name;
	}
	ret = kc_key_from_bytes(t->key->keytype,
	    ASN1_STRING_get0_data(t->key->keyvalue),
	    (size_t)ASN1_STRING_length(t->key->keyvalue), &r->session, e);
	if (ret)
		return kerr_set(e, KDC_ERR_ETYPE_NOSUPP,
		    "TGT: session key enctype %d not supported",
		    t->key->keytype);
	if (tt->flags & KRB5_TKT_INVALID)
		return kerr_set(e, KRB_AP_ERR_TKT_NYV, "TGT: marked INVALID");
	if (tt->starttime != 0 && tt->starttime > r->now + skew)
		return kerr_set(e, KRB_AP_ERR_TKT_NYV,
		    "TGT: starts in %lld s",
		    (long long)(tt->starttime - r->now));
	if (r->now > tt->endtime + skew)
		return kerr_set(e, KRB_AP_ERR_TKT_EXPIRED,
		    "TGT: expired %lld s ago",
		    (long long)(r->now - tt->endtime));
	return 0;
}

/* HostAddress types (RFC 4120 section 7.5.3). */
#define ADDRTYPE_INET 2
#define ADDRTYPE_INET6 24

/* A TGT bound to addresses is good only from one of them (RFC 4120
 * section 3.3.2 via 3.2.3); an address-less TGT from anywhere. */
static kerr_t
check_address(struct tgs_req *r, struct kerr *e)
{
	const struct dispatch_src *src = dispatch_source(r->h);
	const KRB5_HOSTADDRS *ha = r->tgt->caddr;
	const void *mine = NULL;
	size_t mlen = 0;
	int32_t mtype = 0;
	int i, n = ha ? sk_KRB5_HOSTADDR_num(ha) : 0;

	if (n == 0)
		return 0;
	if (src != NULL && src->peer != NULL &&
	    src->peer->sa_family == AF_INET) {
		mine = &((const struct sockaddr_in *)src->peer)->sin_addr;
		mlen = 4;
		mtype = ADDRTYPE_INET;
	} else if (src != NULL && src->peer != NULL &&
	    src->peer->sa_family == AF_INET6) {
		const struct in6_addr *a6 =
		    &((const struct sockaddr_in6 *)src->peer)->sin6_addr;

		/* An IPv4 client seen through a dual-stack socket. */
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			mine = &a6->s6_addr[12];
			mlen = 4;
			mtype = ADDRTYPE_INET;
		} else {
			mine = a6;
			mlen = 16;
			mtype = ADDRTYPE_INET6;
		}
	}
	for (i = 0; mine != NULL && i < n; i++) {
		const KRB5_HOSTADDR *a = sk_KRB5_HOSTADDR_value(ha, i);

		if (a->addr_type == mtype &&
		    (size_t)ASN1_STRING_length(a->address) == mlen &&
		    memcmp(ASN1_STRING_get0_data(a->address), mine, mlen) == 0)
			return 0;
	}
	return kerr_set(e, KRB_AP_ERR_BADADDR,
	    "TGT is bound to %d address%s, none of them the sender's", n,
	    n == 1 ? "" : "es");
}

/* enc-authorization-data of the request body (RFC 4120 section 5.4.1):
 * under the subkey (usage 5) if there is one, else the session key. */
kerr_t
tgs_ap_read_authdata(struct tgs_req *r, struct kerr *e)
{
	const KRB5_ENCDATA *ed = r->req->req_body->enc_authorization_data;
	const struct kc_key *k = r->has_subkey ? &r->subkey : &r->session;
	unsigned char *plain = NULL;
	size_t plen = 0;
	kerr_t ret;

	if (ed == NULL)
		return 0;
	ret = kc_decrypt(k, r->has_subkey ? KU_TGS_REQ_AD_SUBKEY :
	    KU_TGS_REQ_AD_SESSKEY, ASN1_STRING_get0_data(ed->cipher),
	    (size_t)ASN1_STRING_length(ed->cipher), &plain, &plen, e);
	if (ret == 0) {
		ret = ASN1KRB_DECODE(KRB5_AUTHDATA, plain, plen,
		    &r->req_authdata, e);
		sec_free(plain, plen);
	}
	if (ret)
		kerr_prefix(e, "enc-authorization-data: ");
	return ret;
}

static kerr_t
check_authenticator(struct tgs_req *r, const KRB5_AUTHENTICATOR *a,
    struct kerr *e)
{
	const int64_t skew = r->realm->clockskew;
	int64_t ctime;
	kerr_t ret;

	if (a->authenticator_vno != 5)
		return kerr_set(e, KRB_AP_ERR_BADVERSION,
		    "authenticator: vno %d", a->authenticator_vno);
	if (ASN1_STRING_cmp(a->crealm, r->tgt->crealm) != 0 ||
	    !asn1krb_princ_eq(a->cname, r->tgt->cname))
		return kerr_set(e, KRB_AP_ERR_BADMATCH,
		    "authenticator: client differs from the TGT's");
	if (asn1krb_time_get(a->ctime, &ctime) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "authenticator: bad ctime");
	if (abs64(ctime - r->now) > skew)
		return kerr_set(e, KRB_AP_ERR_SKEW,
		    "authenticator: clock skew %lld s exceeds %lld s",
		    (long long)(ctime - r->now), (long long)skew);
	/* The checksum binds the authenticator to this request body; only
	 * keyed checksums do (RFC 4120 section 5.5.1: "a keyed checksum"),
	 * and kcrypto offers no other. */
	if (a->cksum == NULL)
		return kerr_set(e, KRB_AP_ERR_INAPP_CKSUM,
		    "authenticator: no checksum over the request body");
	if (!kc_cksumtype_supported(a->cksum->cksumtype))
		return kerr_set(e, KRB_AP_ERR_INAPP_CKSUM,
		    "authenticator: checksum type %d is not a keyed checksum "
		    "we accept", a->cksum->cksumtype);
	ret = kc_checksum_verify(&r->session, KU_TGS_REQ_AUTH_CKSUM,
	    a->cksum->cksumtype, r->body_raw, r->body_len,
	    ASN1_STRING_get0_data(a->cksum->checksum),
	    (size_t)ASN1_STRING_length(a->cksum->checksum), e);
	if (ret) {
		kerr_prefix(e,
		    "authenticator: checksum over the request body: ");
		return ret;
	}
	if (a->subkey != NULL) {
		ret = kc_key_from_bytes(a->subkey->keytype,
		    ASN1_STRING_get0_data(a->subkey->keyvalue),
		    (size_t)ASN1_STRING_length(a->subkey->keyvalue),
		    &r->subkey, e);
		if (ret)
			return kerr_set(e, KDC_ERR_ETYPE_NOSUPP,
			    "authenticator: subkey enctype %d not supported",
			    a->subkey->keytype);
		r->has_subkey = 1;
	}
	/* Remembered until the skew check alone would refuse it. */
	ret = replay_check(tgs_replay_cache(r),
	    ASN1_STRING_get0_data(r->ap->authenticator->cipher),
	    (size_t)ASN1_STRING_length(r->ap->authenticator->cipher),
	    ctime + skew + 1, r->now, e);
	if (ret)
		kerr_prefix(e, "authenticator: ");
	return ret;
}

kerr_t
tgs_ap_verify(struct tgs_req *r, struct kerr *e)
{
	const KRB5_PADATA *pa;
	KRB5_AUTHENTICATOR *a = NULL;
	unsigned char *plain = NULL;
	size_t plen = 0;
	kerr_t ret;

	pa = asn1krb_padata_find(r->req->padata, KRB5_PADATA_TGS_REQ, NULL);
	if (pa == NULL)
		return kerr_set(e, KDC_ERR_PADATA_TYPE_NOSUPP,
		    "TGS-REQ without PA-TGS-REQ");
	ret = ASN1KRB_DECODE(KRB5_AP_REQ,
	    ASN1_STRING_get0_data(pa->padata_value),
	    (size_t)ASN1_STRING_length(pa->padata_value), &r->ap, e);
	if (ret) {
		kerr_prefix(e, "PA-TGS-REQ: malformed AP-REQ: ");
		return ret;
	}
	if (r->ap->pvno != 5)
		return kerr_set(e, KRB_AP_ERR_BADVERSION, "AP-REQ pvno %d",
		    r->ap->pvno);
	if (r->ap->msg_type != KRB5_MSG_AP_REQ)
		return kerr_set(e, KRB_AP_ERR_MSG_TYPE, "AP-REQ msg-type %d",
		    r->ap->msg_type);
	if (asn1krb_flags_get(r->ap->ap_options) & KRB5_APOPT_USE_SESSION_KEY)
		return kerr_set(e, KDC_ERR_BADOPTION,
		    "AP-REQ: USE-SESSION-KEY is not supported");
	ret = decrypt_tgt(r, e);
	if (ret == 0)
		ret = read_tgt(r, e);
	if (ret == 0)
		ret = check_address(r, e);
	if (ret)
		return ret;
	ret = kc_decrypt(&r->session, KU_TGS_REQ_AUTH,
	    ASN1_STRING_get0_data(r->ap->authenticator->cipher),
	    (size_t)ASN1_STRING_length(r->ap->authenticator->cipher), &plain,
	    &plen, e);
	if (ret) {
		kerr_prefix(e, "authenticator: ");
		return ret;
	}
	ret = ASN1KRB_DECODE(KRB5_AUTHENTICATOR, plain, plen, &a, e);
	sec_free(plain, plen);
	if (ret) {
		kerr_prefix(e, "authenticator: ");
		return ret;
	}
	ret = check_authenticator(r, a, e);
	KRB5_AUTHENTICATOR_free(a);
	if (ret == 0)
		ret = tgs_ap_read_authdata(r, e);
	return ret;
}
