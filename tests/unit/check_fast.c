/* check_fast.c - FAST armor for AS-REQs and TGS-REQs (RFC 6113): armored
 * requests are built here as a client would, then unwrapped, answered and
 * checked. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as_issue.h"
#include "fast.h"
#include "krb_error.h"
#include "realm.h"
#include "tgs_keys.h"

#define T0 1700000000
#define NONCE 0x1234abcdu

/* What to get wrong in the armored request. */
enum mutation {
	M_NONE, M_BAD_CKSUM, M_NO_SUBKEY, M_EXPIRED, M_CRITICAL, M_NO_ARMOR,
	M_OTHER_REALM, M_NAME_MISMATCH, M_SKEW, M_HIDE,
};

static struct realm_rt realm;
static struct tgs_keys *keys;

static void
setup(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct kerr e;

	snprintf(path, sizeof(path), "FILE:%s/tests/data/keytab/example.keytab",
	    top ? top : ".");
	ck_assert_msg(tgs_keys_load("EXAMPLE.TEST", path, &keys, &e) == 0,
	    "%s", e.msg);
	memset(&realm, 0, sizeof(realm));
	realm.name = "EXAMPLE.TEST";
	realm.tgs = keys;
	realm.clockskew = 300;
	realm.max_life = 36000;
	realm.max_renewable_life = 604800;
}

static void
teardown(void)
{
	tgs_keys_free(keys);
	keys = NULL;
}

static KRB5_PRINCNAME *
pn(const char *a, const char *b)
{
	const char *c[2] = { a, b };
	KRB5_PRINCNAME *p = NULL;

	ck_assert_int_eq(asn1krb_princ_new(b ? 2 : 1, c, b ? 2 : 1, &p), 0);
	return p;
}

static void
set_encdata(KRB5_ENCDATA *ed, const struct kc_key *k, int32_t usage,
    const uint8_t *plain, size_t len, int kvno)
{
	uint8_t *ct = NULL;
	size_t ctlen = 0;

	ck_assert_int_eq(kc_encrypt(k, usage, plain, len, &ct, &ctlen, NULL),
	    0);
	ed->etype = k->enctype;
	if (kvno)
		ck_assert_int_eq(asn1krb_int_set(&ed->kvno, kvno), 0);
	ck_assert_int_eq(asn1krb_octets_set(&ed->cipher, ct, ctlen), 0);
	free(ct);
}

static KRB5_KDC_REQ_BODY *
body(void)
{
	KRB5_KDC_REQ_BODY *b = KRB5_KDC_REQ_BODY_new();
	ASN1_INTEGER *ai = ASN1_INTEGER_new();

	b->cname = pn("alice", NULL);
	ck_assert_int_eq(asn1krb_str_set(&b->realm, "EXAMPLE.TEST"), 0);
	b->sname = pn("krbtgt", "EXAMPLE.TEST");
	ck_assert_int_eq(asn1krb_time_set(&b->till, T0 + 36000), 0);
	ASN1_INTEGER_free(b->nonce);
	b->nonce = asn1krb_uint32_new(NONCE);
	ASN1_INTEGER_set_int64(ai, 18);
	sk_ASN1_INTEGER_push(b->etype, ai);
	return b;
}

/* The armor AP-REQ: a TGT for ws1$ and an authenticator with a subkey.
 * armor_key_out gets KRB-FX-CF2(subkey, session). */
static KRB5_FAST_ARMOR *
armor(enum mutation m, struct kc_key *armor_key_out)
{
	const struct tgs_key *tk = tgs_keys_for_issue(keys);
	KRB5_ENC_TICKET_PART *etp = KRB5_ENC_TICKET_PART_new();
	KRB5_AUTHENTICATOR *au = KRB5_AUTHENTICATOR_new();
	KRB5_AP_REQ *ap = KRB5_AP_REQ_new();
	KRB5_FAST_ARMOR *ar = KRB5_FAST_ARMOR_new();
	struct kc_key session, subkey;
	uint8_t *der = NULL;
	size_t len = 0;

	ck_assert_int_eq(kc_key_random(18, &session, NULL), 0);
	ck_assert_int_eq(kc_key_random(18, &subkey, NULL), 0);
	KRB5_PRINCNAME_free(etp->cname);
	etp->cname = pn("ws1$", NULL);
	ck_assert_int_eq(asn1krb_str_set(&etp->crealm, "EXAMPLE.TEST"), 0);
	etp->transited->tr_type = 1;
	ck_assert_int_eq(asn1krb_flags_set(etp->flags, KRB5_TKT_INITIAL), 0);
	ck_assert_int_eq(asn1krb_key_set(etp->key, 18, session.bytes,
	    session.length), 0);
	ck_assert_int_eq(asn1krb_time_set(&etp->authtime, T0 - 60), 0);
	ck_assert_int_eq(asn1krb_time_set(&etp->endtime,
	    m == M_EXPIRED ? T0 - 3600 : T0 + 3600), 0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_ENC_TICKET_PART, etp, &der, &len,
	    NULL), 0);
	ap->pvno = 5;
	ap->msg_type = KRB5_MSG_AP_REQ;
	ap->ticket->tkt_vno = 5;
	ck_assert_int_eq(asn1krb_str_set(&ap->ticket->realm,
	    m == M_OTHER_REALM ? "OTHER.TEST" : "EXAMPLE.TEST"), 0);
	KRB5_PRINCNAME_free(ap->ticket->sname);
	ap->ticket->sname = pn("krbtgt", m == M_OTHER_REALM ? "OTHER.TEST" :
	    "EXAMPLE.TEST");
	set_encdata(ap->ticket->enc_part, &tk->key, 2, der, len, (int)tk->kvno);
	free(der);
	der = NULL;

	KRB5_PRINCNAME_free(au->cname);
	au->authenticator_vno = 5;
	au->cname = pn(m == M_NAME_MISMATCH ? "ws2$" : "ws1$", NULL);
	ck_assert_int_eq(asn1krb_str_set(&au->crealm, "EXAMPLE.TEST"), 0);
	ck_assert_int_eq(asn1krb_time_set(&au->ctime,
	    m == M_SKEW ? T0 - 3600 : T0), 0);
	if (m != M_NO_SUBKEY) {
		au->subkey = KRB5_ENCKEY_new();
		ck_assert_int_eq(asn1krb_key_set(au->subkey, 18, subkey.bytes,
		    subkey.length), 0);
	}
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_AUTHENTICATOR, au, &der, &len,
	    NULL), 0);
	set_encdata(ap->authenticator, &session, 11, der, len, 0);
	free(der);
	der = NULL;
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_AP_REQ, ap, &der, &len, NULL), 0);
	ar->armor_type = KRB5_FAST_ARMOR_AP_REQUEST;
	ck_assert_int_eq(asn1krb_octets_set(&ar->armor_value, der, len), 0);
	free(der);
	ck_assert_int_eq(kc_cf2(&subkey, "subkeyarmor", &session,
	    "ticketarmor", armor_key_out, NULL), 0);
	kc_key_clear(&session);
	kc_key_clear(&subkey);
	KRB5_ENC_TICKET_PART_free(etp);
	KRB5_AUTHENTICATOR_free(au);
	KRB5_AP_REQ_free(ap);
	return ar;
}

struct armored {
	KRB5_AS_REQ *outer;
	uint8_t *outer_body;
	size_t outer_body_len;
	uint8_t *inner_body;
	size_t inner_body_len;
	struct kc_key armor_key;
};

static void
armored_free(struct armored *a)
{
	KRB5_AS_REQ_free(a->outer);
	free(a->outer_body);
	free(a->inner_body);
	kc_key_clear(&a->armor_key);
}

static void
build(enum mutation m, struct armored *a)
{
	KRB5_FAST_REQ *fr = KRB5_FAST_REQ_new();
	KRB5_PA_FX_FAST_REQUEST *fx = KRB5_PA_FX_FAST_REQUEST_new();
	KRB5_FAST_ARMORED_REQ *ar = KRB5_FAST_ARMORED_REQ_new();
	unsigned char ck[KC_MAX_CKSUM_LEN];
	uint8_t *der = NULL;
	size_t len = 0, cklen = 0;
	uint32_t opts = 0;

	memset(a, 0, sizeof(*a));
	if (m == M_CRITICAL)
		opts = KRB5_FLAG(5);
	else if (m == M_HIDE)
		opts = KRB5_FASTOPT_HIDE_CLIENT_NAMES;
	ck_assert_int_eq(asn1krb_flags_set(fr->fast_options, opts), 0);
	KRB5_KDC_REQ_BODY_free(fr->req_body);
	fr->req_body = body();
	ck_assert_int_eq(asn1krb_padata_add(&fr->padata, KRB5_PADATA_PK_AS_REQ,
	    (const uint8_t *)"x", 1), 0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_KDC_REQ_BODY, fr->req_body,
	    &a->inner_body, &a->inner_body_len, NULL), 0);

	a->outer = KRB5_AS_REQ_new();
	a->outer->pvno = 5;
	a->outer->msg_type = 10;
	KRB5_KDC_REQ_BODY_free(a->outer->req_body);
	a->outer->req_body = body();
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_KDC_REQ_BODY, a->outer->req_body,
	    &a->outer_body, &a->outer_body_len, NULL), 0);

	ar->armor = armor(m, &a->armor_key);
	if (m == M_NO_ARMOR) {
		KRB5_FAST_ARMOR_free(ar->armor);
		ar->armor = NULL;
	}
	ck_assert_int_eq(kc_checksum(&a->armor_key, 50, 0, a->outer_body,
	    a->outer_body_len, ck, &cklen, NULL), 0);
	if (m == M_BAD_CKSUM)
		ck[0] ^= 1;
	ar->req_checksum->cksumtype = kc_checksum_type_for_enctype(18);
	ck_assert_int_eq(asn1krb_octets_set(&ar->req_checksum->checksum, ck,
	    cklen), 0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_FAST_REQ, fr, &der, &len, NULL),
	    0);
	set_encdata(ar->enc_fast_req, &a->armor_key, 51, der, len, 0);
	free(der);
	der = NULL;
	fx->type = KRB5_FAST_CHOICE_ARMORED_DATA;
	fx->value.armored_data = ar;
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_PA_FX_FAST_REQUEST, fx, &der,
	    &len, NULL), 0);
	ck_assert_int_eq(asn1krb_padata_add(&a->outer->padata,
	    KRB5_PADATA_FX_FAST, der, len), 0);
	free(der);
	KRB5_PA_FX_FAST_REQUEST_free(fx);
	KRB5_FAST_REQ_free(fr);
}

static kerr_t
unwrap(struct armored *a, struct kdc_fast **f, KRB5_AS_REQ **inner,
    struct kerr *e)
{
	const uint8_t *b = NULL;
	size_t blen = 0;
	kerr_t ret;

	ret = fast_unwrap_as(&realm, a->outer, a->outer_body,
	    a->outer_body_len, T0, f, inner, &b, &blen, e);
	if (ret == 0 && *f != NULL) {
		/* The inner body is handed out exactly as encoded. */
		ck_assert_uint_eq(blen, a->inner_body_len);
		ck_assert_mem_eq(b, a->inner_body, blen);
	}
	return ret;
}

START_TEST(test_unwrap_ok)
{
	struct armored a;
	struct kdc_fast *f = NULL;
	KRB5_AS_REQ *inner = NULL;
	uint32_t nonce;
	struct kerr e;

	build(M_NONE, &a);
	ck_assert_msg(unwrap(&a, &f, &inner, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(fast_device_name(f), "ws1$@EXAMPLE.TEST");
	ck_assert_str_eq(fast_device_realm(f), "EXAMPLE.TEST");
	ck_assert_int_eq(fast_hide_client_names(f), 0);
	ck_assert_ptr_nonnull(asn1krb_padata_find(inner->padata,
	    KRB5_PADATA_PK_AS_REQ, NULL));
	ck_assert_int_eq(asn1krb_uint32_get(inner->req_body->nonce, &nonce), 0);
	ck_assert_uint_eq(nonce, NONCE);
	KRB5_AS_REQ_free(inner);
	fast_free(f);
	armored_free(&a);
}
END_TEST

START_TEST(test_unwrap_absent)
{
	struct armored a;
	struct kdc_fast *f = (struct kdc_fast *)1;
	KRB5_AS_REQ *inner = NULL;

	build(M_NONE, &a);
	sk_KRB5_PADATA_pop_free(a.outer->padata, KRB5_PADATA_free);
	a.outer->padata = NULL;
	ck_assert_int_eq(unwrap(&a, &f, &inner, NULL), 0);
	ck_assert_ptr_null(f);
	ck_assert_ptr_null(inner);
	armored_free(&a);
}
END_TEST

static const struct {
	enum mutation m;
	kerr_t code;
} refusals[] = {
	{ M_BAD_CKSUM, KDC_ERR_PREAUTH_FAILED },
	{ M_NO_SUBKEY, KDC_ERR_PREAUTH_FAILED },
	{ M_EXPIRED, KRB_AP_ERR_TKT_EXPIRED },
	{ M_CRITICAL, KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS },
	{ M_NO_ARMOR, KDC_ERR_PREAUTH_FAILED },
	{ M_OTHER_REALM, KRB_AP_ERR_NOT_US },
	{ M_NAME_MISMATCH, KRB_AP_ERR_BADMATCH },
	{ M_SKEW, KRB_AP_ERR_SKEW },
};

START_TEST(test_unwrap_refused)
{
	struct armored a;
	struct kdc_fast *f = NULL;
	KRB5_AS_REQ *inner = NULL;
	struct kerr e;

	build(refusals[_i].m, &a);
	ck_assert_int_eq(unwrap(&a, &f, &inner, &e), refusals[_i].code);
	ck_assert_ptr_null(f);
	ck_assert_ptr_null(inner);
	armored_free(&a);
}
END_TEST

/* Decrypt the KrbFastResponse inside METHOD-DATA md. */
static KRB5_FAST_RESPONSE *
open_response(const KRB5_METHOD_DATA *md, const struct kc_key *armor_key)
{
	const KRB5_PADATA *pa = asn1krb_padata_find(md, KRB5_PADATA_FX_FAST,
	    NULL);
	KRB5_PA_FX_FAST_REPLY *rep = NULL;
	KRB5_FAST_RESPONSE *resp = NULL;
	KRB5_ENCDATA *ed;
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	uint32_t nonce;

	ck_assert_ptr_nonnull(pa);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_PA_FX_FAST_REPLY,
	    ASN1_STRING_get0_data(pa->padata_value),
	    (size_t)ASN1_STRING_length(pa->padata_value), &rep, NULL), 0);
	ed = rep->value.armored_data->enc_fast_rep;
	ck_assert_int_eq(kc_decrypt(armor_key, 52,
	    ASN1_STRING_get0_data(ed->cipher),
	    (size_t)ASN1_STRING_length(ed->cipher), &pt, &ptlen, NULL), 0);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_FAST_RESPONSE, pt, ptlen, &resp,
	    NULL), 0);
	ck_assert_int_eq(asn1krb_uint32_get(resp->nonce, &nonce), 0);
	ck_assert_uint_eq(nonce, NONCE);
	free(pt);
	KRB5_PA_FX_FAST_REPLY_free(rep);
	return resp;
}

static void
reply_case(enum mutation m)
{
	struct armored a;
	struct kdc_fast *f = NULL;
	KRB5_AS_REQ *inner = NULL;
	KRB5_METHOD_DATA *padata = NULL;
	KRB5_PRINCNAME *cname = pn("alice", NULL);
	KRB5_AS_REP *rep = NULL;
	KRB5_FAST_RESPONSE *resp;
	struct as_issue_params ip;
	struct as_issued done;
	struct kc_key reply, strong, back;
	uint8_t *der = NULL, *wrapped = NULL, *tkt = NULL;
	size_t len = 0, wlen = 0, tktlen = 0;
	struct kerr e;

	build(m, &a);
	ck_assert_int_eq(unwrap(&a, &f, &inner, &e), 0);
	ck_assert_int_eq(kc_key_random(18, &reply, NULL), 0);
	ck_assert_int_eq(fast_strengthen(f, &reply, &strong, NULL), 0);
	ck_assert_int_eq(asn1krb_padata_add(&padata, KRB5_PADATA_PK_AS_REP,
	    (const uint8_t *)"rep", 3), 0);
	memset(&ip, 0, sizeof(ip));
	ip.realm = &realm;
	ip.body = inner->req_body;
	ip.cname = cname;
	ip.crealm = "EXAMPLE.TEST";
	ip.session_enctype = 18;
	ip.reply_key = &strong;
	ip.padata = padata;
	ip.now = T0;
	ck_assert_msg(as_issue(&ip, &der, &len, &done, &e) == 0, "%s", e.msg);
	ck_assert_msg(fast_wrap_as_rep(f, NONCE, T0, 5, der, len, &wrapped,
	    &wlen, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_AS_REP, wrapped, wlen, &rep, NULL),
	    0);
	/* Outside the armor: PA-FX-FAST only. */
	ck_assert_int_eq(sk_KRB5_PADATA_num(rep->padata), 1);
	resp = open_response(rep->padata, &a.armor_key);
	ck_assert_ptr_nonnull(asn1krb_padata_find(resp->padata,
	    KRB5_PADATA_PK_AS_REP, NULL));
	/* The client derives the same reply key from the strengthen key. */
	ck_assert_ptr_nonnull(resp->strengthen_key);
	{
		struct kc_key sk;

		ck_assert_int_eq(kc_key_from_bytes(18,
		    ASN1_STRING_get0_data(resp->strengthen_key->keyvalue),
		    32, &sk, NULL), 0);
		ck_assert_int_eq(kc_cf2(&sk, "strengthenkey", &reply,
		    "replykey", &back, NULL), 0);
		ck_assert(kc_key_equal(&back, &strong));
		kc_key_clear(&sk);
	}
	/* KrbFastFinished: checksum over the ticket, the real name. */
	ck_assert_ptr_nonnull(resp->finished);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_TICKET, rep->ticket, &tkt,
	    &tktlen, NULL), 0);
	ck_assert_int_eq(kc_checksum_verify(&a.armor_key, 53,
	    resp->finished->ticket_checksum->cksumtype, tkt, tktlen,
	    ASN1_STRING_get0_data(resp->finished->ticket_checksum->checksum),
	    (size_t)ASN1_STRING_length(
	    resp->finished->ticket_checksum->checksum), NULL), 0);
	ck_assert(asn1krb_princ_eq(resp->finished->cname, cname));
	ck_assert(asn1krb_str_eq(resp->finished->crealm, "EXAMPLE.TEST"));
	if (m == M_HIDE) {
		ck_assert(asn1krb_str_eq(rep->crealm, "WELLKNOWN:ANONYMOUS"));
		ck_assert_int_eq(rep->cname->name_type, 11);
	} else
		ck_assert(asn1krb_princ_eq(rep->cname, cname));
	KRB5_FAST_RESPONSE_free(resp);
	KRB5_AS_REP_free(rep);
	KRB5_METHOD_DATA_free(padata);
	KRB5_PRINCNAME_free(cname);
	KRB5_AS_REQ_free(inner);
	free(der);
	free(wrapped);
	free(tkt);
	kc_key_clear(&reply);
	kc_key_clear(&strong);
	kc_key_clear(&back);
	fast_free(f);
	armored_free(&a);
}

START_TEST(test_wrap_reply)
{
	reply_case(M_NONE);
}
END_TEST

START_TEST(test_wrap_reply_hidden_names)
{
	reply_case(M_HIDE);
}
END_TEST

START_TEST(test_wrap_error)
{
	struct armored a;
	struct kdc_fast *f = NULL;
	KRB5_AS_REQ *inner = NULL;
	KRB5_METHOD_DATA *hints = NULL, *md = NULL;
	KRB5_FAST_RESPONSE *resp;
	KRB5_ERROR *err = NULL;
	const KRB5_PADATA *pa;
	struct krb_error_info info;
	const char *sname[2] = { "krbtgt", "EXAMPLE.TEST" };
	uint8_t *hd = NULL, *ed = NULL;
	size_t hlen = 0, elen = 0;

	build(M_NONE, &a);
	ck_assert_int_eq(unwrap(&a, &f, &inner, NULL), 0);
	ck_assert_int_eq(asn1krb_padata_add(&hints, KRB5_PADATA_PK_AS_REQ,
	    NULL, 0), 0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_METHOD_DATA, hints, &hd, &hlen,
	    NULL), 0);
	memset(&info, 0, sizeof(info));
	info.code = KDC_ERR_PREAUTH_REQUIRED;
	info.stime = T0;
	info.realm = "EXAMPLE.TEST";
	info.sname = sname;
	info.sname_len = 2;
	info.sname_type = 2;
	info.e_data = hd;
	info.e_data_len = hlen;
	ck_assert_int_eq(fast_wrap_error(f, NONCE, &info, &ed, &elen, NULL), 0);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_METHOD_DATA, ed, elen, &md, NULL),
	    0);
	resp = open_response(md, &a.armor_key);
	/* The hints, a cookie and the error itself travel armored. */
	ck_assert_ptr_nonnull(asn1krb_padata_find(resp->padata,
	    KRB5_PADATA_PK_AS_REQ, NULL));
	ck_assert_ptr_nonnull(asn1krb_padata_find(resp->padata,
	    KRB5_PADATA_FX_COOKIE, NULL));
	pa = asn1krb_padata_find(resp->padata, KRB5_PADATA_FX_ERROR, NULL);
	ck_assert_ptr_nonnull(pa);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_ERROR,
	    ASN1_STRING_get0_data(pa->padata_value),
	    (size_t)ASN1_STRING_length(pa->padata_value), &err, NULL), 0);
	ck_assert_int_eq(err->error_code, KDC_ERR_PREAUTH_REQUIRED);
	ck_assert_ptr_null(err->e_data);
	ck_assert_ptr_null(resp->finished);
	ck_assert_ptr_null(resp->strengthen_key);
	KRB5_ERROR_free(err);
	KRB5_FAST_RESPONSE_free(resp);
	KRB5_METHOD_DATA_free(md);
	KRB5_METHOD_DATA_free(hints);
	KRB5_AS_REQ_free(inner);
	free(hd);
	free(ed);
	fast_free(f);
	armored_free(&a);
}
END_TEST

START_TEST(test_enc_padata)
{
	KRB5_METHOD_DATA *req = NULL, *md = NULL;
	KRB5_CHECKSUM *c = NULL;
	const KRB5_PADATA *pa;
	struct kc_key k;
	static const uint8_t msg[] = "the AS-REQ as received";

	ck_assert_int_eq(kc_key_random(17, &k, NULL), 0);
	/* Not asked for: nothing. */
	ck_assert_int_eq(fast_enc_padata(req, &k, msg, sizeof(msg), &md, NULL),
	    0);
	ck_assert_ptr_null(md);
	ck_assert_int_eq(asn1krb_padata_add(&req, KRB5_PADATA_REQ_ENC_PA_REP,
	    NULL, 0), 0);
	ck_assert_int_eq(fast_enc_padata(req, &k, msg, sizeof(msg), &md, NULL),
	    0);
	ck_assert_ptr_nonnull(asn1krb_padata_find(md, KRB5_PADATA_FX_FAST,
	    NULL));
	pa = asn1krb_padata_find(md, KRB5_PADATA_REQ_ENC_PA_REP, NULL);
	ck_assert_ptr_nonnull(pa);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_CHECKSUM,
	    ASN1_STRING_get0_data(pa->padata_value),
	    (size_t)ASN1_STRING_length(pa->padata_value), &c, NULL), 0);
	/* RFC 6806 section 11: key usage 56 over the request. */
	ck_assert_int_eq(kc_checksum_verify(&k, 56, c->cksumtype, msg,
	    sizeof(msg), ASN1_STRING_get0_data(c->checksum),
	    (size_t)ASN1_STRING_length(c->checksum), NULL), 0);
	KRB5_CHECKSUM_free(c);
	KRB5_METHOD_DATA_free(md);
	KRB5_METHOD_DATA_free(req);
	kc_key_clear(&k);
}
END_TEST

/* ---- TGS-REQs (RFC 6113 section 5.4.1.1) ----------------------------- */

enum tgs_mode { T_IMPLICIT, T_EXPLICIT, T_BODY_CKSUM, T_NO_SUBKEY,
	T_NO_PA_TGS };

static const uint8_t pa_tgs_bytes[] = "the PA-TGS-REQ AP-REQ as sent";

struct tgs_armored {
	struct armored a;               /* outer, bodies, armor key */
	struct kc_key session;          /* of the TGT in PA-TGS-REQ */
	struct kc_key subkey;           /* of its authenticator */
};

static void
tgs_armored_free(struct tgs_armored *t)
{
	armored_free(&t->a);
	kc_key_clear(&t->session);
	kc_key_clear(&t->subkey);
}

/* An armored TGS-REQ as MIT kvno sends it: PA-TGS-REQ outside, the armor
 * key from the TGT session key and the subkey (and explicit armor). */
static void
build_tgs(enum tgs_mode m, struct tgs_armored *t)
{
	KRB5_FAST_REQ *fr = KRB5_FAST_REQ_new();
	KRB5_PA_FX_FAST_REQUEST *fx = KRB5_PA_FX_FAST_REQUEST_new();
	KRB5_FAST_ARMORED_REQ *ar = KRB5_FAST_ARMORED_REQ_new();
	struct armored *a = &t->a;
	unsigned char ck[KC_MAX_CKSUM_LEN];
	struct kc_key explicit_key;
	uint8_t *der = NULL;
	size_t len = 0, cklen = 0;

	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(kc_key_random(18, &t->session, NULL), 0);
	ck_assert_int_eq(kc_key_random(18, &t->subkey, NULL), 0);
	ck_assert_int_eq(asn1krb_flags_set(fr->fast_options, 0), 0);
	KRB5_KDC_REQ_BODY_free(fr->req_body);
	fr->req_body = body();
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_KDC_REQ_BODY, fr->req_body,
	    &a->inner_body, &a->inner_body_len, NULL), 0);
	a->outer = KRB5_TGS_REQ_new();
	a->outer->pvno = 5;
	a->outer->msg_type = 12;
	KRB5_KDC_REQ_BODY_free(a->outer->req_body);
	a->outer->req_body = body();
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_KDC_REQ_BODY, a->outer->req_body,
	    &a->outer_body, &a->outer_body_len, NULL), 0);
	if (m != T_NO_PA_TGS)
		ck_assert_int_eq(asn1krb_padata_add(&a->outer->padata,
		    KRB5_PADATA_TGS_REQ, pa_tgs_bytes, sizeof(pa_tgs_bytes)),
		    0);
	if (m == T_EXPLICIT) {
		ar->armor = armor(M_NONE, &explicit_key);
		ck_assert_int_eq(kc_cf2(&explicit_key, "explicitarmor",
		    &t->subkey, "tgsarmor", &a->armor_key, NULL), 0);
		kc_key_clear(&explicit_key);
	} else
		ck_assert_int_eq(kc_cf2(&t->subkey, "subkeyarmor",
		    &t->session, "ticketarmor", &a->armor_key, NULL), 0);
	/* 5.4.2: the checksum covers the AP-REQ of PA-TGS-REQ. */
	if (m == T_BODY_CKSUM)
		ck_assert_int_eq(kc_checksum(&a->armor_key, 50, 0,
		    a->outer_body, a->outer_body_len, ck, &cklen, NULL), 0);
	else
		ck_assert_int_eq(kc_checksum(&a->armor_key, 50, 0,
		    pa_tgs_bytes, sizeof(pa_tgs_bytes), ck, &cklen, NULL), 0);
	ar->req_checksum->cksumtype = kc_checksum_type_for_enctype(18);
	ck_assert_int_eq(asn1krb_octets_set(&ar->req_checksum->checksum, ck,
	    cklen), 0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_FAST_REQ, fr, &der, &len, NULL),
	    0);
	set_encdata(ar->enc_fast_req, &a->armor_key, 51, der, len, 0);
	free(der);
	der = NULL;
	fx->type = KRB5_FAST_CHOICE_ARMORED_DATA;
	fx->value.armored_data = ar;
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_PA_FX_FAST_REQUEST, fx, &der,
	    &len, NULL), 0);
	ck_assert_int_eq(asn1krb_padata_add(&a->outer->padata,
	    KRB5_PADATA_FX_FAST, der, len), 0);
	free(der);
	KRB5_PA_FX_FAST_REQUEST_free(fx);
	KRB5_FAST_REQ_free(fr);
}

static kerr_t
unwrap_tgs(struct tgs_armored *t, int with_subkey, struct kdc_fast **f,
    KRB5_TGS_REQ **inner, struct kerr *e)
{
	const uint8_t *b = NULL;
	size_t blen = 0;
	kerr_t ret;

	ret = fast_unwrap_tgs(&realm, t->a.outer, t->a.outer_body,
	    t->a.outer_body_len, T0, with_subkey ? &t->subkey : NULL,
	    &t->session, f, inner, &b, &blen, e);
	if (ret == 0) {
		ck_assert_uint_eq(blen, t->a.inner_body_len);
		ck_assert_mem_eq(b, t->a.inner_body, blen);
	}
	return ret;
}

START_TEST(test_tgs_implicit_armor)
{
	struct tgs_armored t;
	struct kdc_fast *f = NULL;
	KRB5_TGS_REQ *inner = NULL;
	struct kerr e;

	build_tgs(T_IMPLICIT, &t);
	ck_assert_msg(unwrap_tgs(&t, 1, &f, &inner, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(f);
	/* No explicit armor: no device. */
	ck_assert_ptr_null(fast_device_name(f));
	ck_assert_ptr_null(fast_device_princ(f));
	ck_assert_int_eq(inner->msg_type, 12);
	KRB5_TGS_REQ_free(inner);
	fast_free(f);
	tgs_armored_free(&t);
}
END_TEST

START_TEST(test_tgs_explicit_armor)
{
	struct tgs_armored t;
	struct kdc_fast *f = NULL;
	KRB5_TGS_REQ *inner = NULL;
	struct kerr e;

	build_tgs(T_EXPLICIT, &t);
	ck_assert_msg(unwrap_tgs(&t, 1, &f, &inner, &e) == 0, "%s", e.msg);
	/* Compound identity: the armor TGT's client is the device. */
	ck_assert_str_eq(fast_device_name(f), "ws1$@EXAMPLE.TEST");
	KRB5_TGS_REQ_free(inner);
	fast_free(f);
	tgs_armored_free(&t);
}
END_TEST

static const struct {
	enum tgs_mode m;
	int with_subkey;
} tgs_refusals[] = {
	{ T_BODY_CKSUM, 1 },    /* checksum over the body, not the AP-REQ */
	{ T_IMPLICIT, 0 },      /* no authenticator subkey */
	{ T_NO_PA_TGS, 1 },     /* nothing the checksum could cover */
};

START_TEST(test_tgs_refused)
{
	struct tgs_armored t;
	struct kdc_fast *f = NULL;
	KRB5_TGS_REQ *inner = NULL;
	struct kerr e;

	build_tgs(tgs_refusals[_i].m, &t);
	ck_assert_int_eq(unwrap_tgs(&t, tgs_refusals[_i].with_subkey, &f,
	    &inner, &e), KDC_ERR_PREAUTH_FAILED);
	ck_assert_ptr_null(f);
	ck_assert_ptr_null(inner);
	tgs_armored_free(&t);
}
END_TEST

START_TEST(test_wrap_tgs_reply)
{
	struct tgs_armored t;
	struct kdc_fast *f = NULL;
	KRB5_TGS_REQ *inner = NULL;
	KRB5_PRINCNAME *cname = pn("alice", NULL);
	KRB5_KDC_REP *rep = NULL;
	KRB5_FAST_RESPONSE *resp;
	struct as_issue_params ip;
	struct as_issued done;
	struct kc_key reply;
	uint8_t *der = NULL, *tgsder = NULL, *wrapped = NULL, *tkt = NULL;
	size_t len = 0, tgslen = 0, wlen = 0, tktlen = 0;
	struct kerr e;

	build_tgs(T_IMPLICIT, &t);
	ck_assert_int_eq(unwrap_tgs(&t, 1, &f, &inner, &e), 0);
	/* A KDC-REP from the AS issuer, re-tagged as a TGS-REP. */
	ck_assert_int_eq(kc_key_random(18, &reply, NULL), 0);
	memset(&ip, 0, sizeof(ip));
	ip.realm = &realm;
	ip.body = inner->req_body;
	ip.cname = cname;
	ip.crealm = "EXAMPLE.TEST";
	ip.session_enctype = 18;
	ip.reply_key = &reply;
	ip.now = T0;
	ck_assert_msg(as_issue(&ip, &der, &len, &done, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_AS_REP, der, len, &rep, NULL), 0);
	rep->msg_type = 13;
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_TGS_REP, rep, &tgsder, &tgslen,
	    NULL), 0);
	KRB5_KDC_REP_free(rep);
	rep = NULL;
	ck_assert_msg(fast_wrap_tgs_rep(f, NONCE, T0, 5, tgsder, tgslen,
	    &wrapped, &wlen, &e) == 0, "%s", e.msg);
	/* Still a TGS-REP, PA-FX-FAST its only padata. */
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_TGS_REP, wrapped, wlen, &rep,
	    NULL), 0);
	ck_assert_int_eq(sk_KRB5_PADATA_num(rep->padata), 1);
	resp = open_response(rep->padata, &t.a.armor_key);
	/* The reply key stays the subkey: no strengthen key. */
	ck_assert_ptr_null(resp->strengthen_key);
	ck_assert_ptr_nonnull(resp->finished);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_TICKET, rep->ticket, &tkt,
	    &tktlen, NULL), 0);
	ck_assert_int_eq(kc_checksum_verify(&t.a.armor_key, 53,
	    resp->finished->ticket_checksum->cksumtype, tkt, tktlen,
	    ASN1_STRING_get0_data(resp->finished->ticket_checksum->checksum),
	    (size_t)ASN1_STRING_length(
	    resp->finished->ticket_checksum->checksum), NULL), 0);
	ck_assert(asn1krb_princ_eq(resp->finished->cname, cname));
	KRB5_FAST_RESPONSE_free(resp);
	KRB5_KDC_REP_free(rep);
	KRB5_PRINCNAME_free(cname);
	KRB5_TGS_REQ_free(inner);
	free(der);
	free(tgsder);
	free(wrapped);
	free(tkt);
	kc_key_clear(&reply);
	fast_free(f);
	tgs_armored_free(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fast");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unwrap_ok);
	tcase_add_test(tc, test_unwrap_absent);
	tcase_add_loop_test(tc, test_unwrap_refused, 0,
	    sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(tc, test_wrap_reply);
	tcase_add_test(tc, test_wrap_reply_hidden_names);
	tcase_add_test(tc, test_wrap_error);
	tcase_add_test(tc, test_enc_padata);
	tcase_add_test(tc, test_tgs_implicit_armor);
	tcase_add_test(tc, test_tgs_explicit_armor);
	tcase_add_loop_test(tc, test_tgs_refused, 0,
	    sizeof(tgs_refusals) / sizeof(tgs_refusals[0]));
	tcase_add_test(tc, test_wrap_tgs_reply);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
