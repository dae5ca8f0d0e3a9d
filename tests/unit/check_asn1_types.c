/* check_asn1_types.c - every Kerberos and FAST type survives encode,
 * strict decode and re-encode unchanged, with its fields intact. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "asn1_krb5.h"
#include "asn1_testutil.h"

#define T0 INT64_C(1700000000)

static KRB5_ENCDATA *
encdata(int32_t etype, uint32_t kvno, const char *cipher)
{
	KRB5_ENCDATA *ed = KRB5_ENCDATA_new();

	ck_assert_ptr_nonnull(ed);
	ed->etype = etype;
	if (kvno != 0)
		ck_assert_int_eq(asn1krb_int_set(&ed->kvno, kvno), 0);
	ck_assert_int_eq(asn1krb_octets_set(&ed->cipher,
	    (const uint8_t *)cipher, strlen(cipher)), 0);
	return ed;
}

static KRB5_ENCKEY *
enckey(int32_t type, const char *key)
{
	KRB5_ENCKEY *k = KRB5_ENCKEY_new();

	k->keytype = type;
	ck_assert_int_eq(asn1krb_octets_set(&k->keyvalue,
	    (const uint8_t *)key, strlen(key)), 0);
	return k;
}

static KRB5_CHECKSUM *
cksum(int32_t type, const char *v)
{
	KRB5_CHECKSUM *c = KRB5_CHECKSUM_new();

	c->cksumtype = type;
	ck_assert_int_eq(asn1krb_octets_set(&c->checksum, (const uint8_t *)v,
	    strlen(v)), 0);
	return c;
}

static KRB5_TICKET *
ticket(void)
{
	KRB5_TICKET *t = KRB5_TICKET_new();

	t->tkt_vno = 5;
	ck_assert_int_eq(asn1krb_str_set(&t->realm, "EXAMPLE.TEST"), 0);
	KRB5_PRINCNAME_free(t->sname);
	t->sname = princ("krbtgt/EXAMPLE.TEST");
	t->sname->name_type = KRB5_NT_SRV_INST;
	KRB5_ENCDATA_free(t->enc_part);
	t->enc_part = encdata(18, 2, "ticket-cipher");
	return t;
}

static KRB5_HOSTADDRS *
hostaddrs(void)
{
	KRB5_HOSTADDRS *h = sk_KRB5_HOSTADDR_new_null();
	KRB5_HOSTADDR *a = KRB5_HOSTADDR_new();

	a->addr_type = 2;
	ck_assert_int_eq(asn1krb_octets_set(&a->address,
	    (const uint8_t *)"\x7f\x00\x00\x01", 4), 0);
	sk_KRB5_HOSTADDR_push(h, a);
	return h;
}

static KRB5_AUTHDATA *
authdata(void)
{
	KRB5_AUTHDATA *ad = sk_KRB5_ADENTRY_new_null();
	KRB5_ADENTRY *ent = KRB5_ADENTRY_new();

	ent->ad_type = 1;
	ck_assert_int_eq(asn1krb_octets_set(&ent->ad_data,
	    (const uint8_t *)"\x30\x00", 2), 0);
	sk_KRB5_ADENTRY_push(ad, ent);
	return ad;
}

static KRB5_KDC_REQ_BODY *
req_body(void)
{
	KRB5_KDC_REQ_BODY *b = KRB5_KDC_REQ_BODY_new();
	static const int32_t etypes[] = { 18, 17, 20, 19 };
	size_t i;

	ck_assert_int_eq(asn1krb_flags_set(b->kdc_options,
	    KRB5_KDCOPT_FORWARDABLE | KRB5_KDCOPT_RENEWABLE_OK), 0);
	b->cname = princ("alice");
	ck_assert_int_eq(asn1krb_str_set(&b->realm, "EXAMPLE.TEST"), 0);
	b->sname = princ("krbtgt/EXAMPLE.TEST");
	ck_assert_int_eq(asn1krb_time_set(&b->from, T0), 0);
	ck_assert_int_eq(asn1krb_time_set(&b->till, T0 + 36000), 0);
	ck_assert_int_eq(asn1krb_time_set(&b->rtime, T0 + 604800), 0);
	ASN1_INTEGER_free(b->nonce);
	b->nonce = asn1krb_uint32_new(0xfedcba98u);
	for (i = 0; i < sizeof(etypes) / sizeof(etypes[0]); i++) {
		ASN1_INTEGER *ai = ASN1_INTEGER_new();

		ASN1_INTEGER_set_int64(ai, etypes[i]);
		sk_ASN1_INTEGER_push(b->etype, ai);
	}
	b->addresses = hostaddrs();
	b->enc_authorization_data = encdata(18, 0, "authz");
	b->additional_tickets = sk_KRB5_TICKET_new_null();
	sk_KRB5_TICKET_push(b->additional_tickets, ticket());
	return b;
}

static void
check_body(const KRB5_KDC_REQ_BODY *b)
{
	int64_t t;
	uint32_t nonce;
	int32_t et;
	KRB5_TICKET *tk;

	ck_assert_uint_eq(asn1krb_flags_get(b->kdc_options),
	    KRB5_KDCOPT_FORWARDABLE | KRB5_KDCOPT_RENEWABLE_OK);
	ck_assert(asn1krb_str_eq(b->realm, "EXAMPLE.TEST"));
	ck_assert_int_eq(asn1krb_princ_ncomp(b->sname), 2);
	ck_assert_int_eq(asn1krb_time_get(b->till, &t), 0);
	ck_assert(t == T0 + 36000);
	ck_assert_int_eq(asn1krb_uint32_get(b->nonce, &nonce), 0);
	ck_assert_uint_eq(nonce, 0xfedcba98u);
	ck_assert_int_eq(sk_ASN1_INTEGER_num(b->etype), 4);
	ck_assert_int_eq(asn1krb_int32_get(sk_ASN1_INTEGER_value(b->etype, 3),
	    &et), 0);
	ck_assert_int_eq(et, 19);
	ck_assert_int_eq(sk_KRB5_HOSTADDR_num(b->addresses), 1);
	ck_assert_int_eq(b->enc_authorization_data->etype, 18);
	ck_assert_ptr_null(b->enc_authorization_data->kvno);
	tk = sk_KRB5_TICKET_value(b->additional_tickets, 0);
	ck_assert_int_eq(tk->tkt_vno, 5);
	ck_assert_int_eq(asn1krb_uint32_get(tk->enc_part->kvno, &nonce), 0);
	ck_assert_uint_eq(nonce, 2);
}

START_TEST(test_rt_base)
{
	KRB5_ENCDATA *ed = encdata(18, 0xfffffffeu, "xyz"), *ed2;
	KRB5_ENCKEY *k = enckey(17, "0123456789abcdef"), *k2;
	KRB5_CHECKSUM *c = cksum(16, "sum"), *c2;
	KRB5_HOSTADDRS *h = hostaddrs(), *h2;
	KRB5_AUTHDATA *ad = authdata(), *ad2;
	KRB5_TYPED_DATA *td = NULL, *td2;
	KRB5_METHOD_DATA *md = NULL, *md2;
	uint32_t u;

	ed2 = RT(KRB5_ENCDATA, ed, NULL, NULL);
	ck_assert_int_eq(asn1krb_uint32_get(ed2->kvno, &u), 0);
	ck_assert_uint_eq(u, 0xfffffffeu);
	ck_assert_int_eq(ASN1_STRING_cmp(ed->cipher, ed2->cipher), 0);
	k2 = RT(KRB5_ENCKEY, k, NULL, NULL);
	ck_assert_int_eq(k2->keytype, 17);
	ck_assert_int_eq(ASN1_STRING_cmp(k->keyvalue, k2->keyvalue), 0);
	ck_assert_int_eq(asn1krb_key_set(k2, 18,
	    (const uint8_t *)"0123456789abcdef0123456789abcdef", 32), 0);
	ck_assert_int_eq(k2->keytype, 18);
	ck_assert_int_eq(k2->keyvalue->length, 32);
	c2 = RT(KRB5_CHECKSUM, c, NULL, NULL);
	ck_assert_int_eq(c2->cksumtype, 16);
	h2 = RT(KRB5_HOSTADDRS, h, NULL, NULL);
	ck_assert_int_eq(sk_KRB5_HOSTADDR_value(h2, 0)->addr_type, 2);
	ad2 = RT(KRB5_AUTHDATA, ad, NULL, NULL);
	ck_assert_int_eq(sk_KRB5_ADENTRY_value(ad2, 0)->ad_type, 1);
	ck_assert_int_eq(asn1krb_typed_data_add(&td, KRB5_TD_DH_PARAMETERS,
	    (const uint8_t *)"\x30\x00", 2), 0);
	ck_assert_int_eq(asn1krb_typed_data_add(&td, 1, NULL, 0), 0);
	td2 = RT(KRB5_TYPED_DATA, td, NULL, NULL);
	ck_assert_int_eq(sk_KRB5_TYPED_DATA_ENTRY_num(td2), 2);
	ck_assert_int_eq(sk_KRB5_TYPED_DATA_ENTRY_value(td2, 0)->data_type,
	    KRB5_TD_DH_PARAMETERS);
	ck_assert_ptr_null(sk_KRB5_TYPED_DATA_ENTRY_value(td2, 1)->data_value);
	ck_assert_int_eq(asn1krb_padata_add(&md, 2, (const uint8_t *)"ts", 2),
	    0);
	md2 = RT(KRB5_METHOD_DATA, md, NULL, NULL);
	ck_assert_int_eq(asn1krb_padata_find(md2, 2, NULL)->padata_value->length,
	    2);
	KRB5_ENCDATA_free(ed);
	KRB5_ENCDATA_free(ed2);
	KRB5_ENCKEY_free(k);
	KRB5_ENCKEY_free(k2);
	KRB5_CHECKSUM_free(c);
	KRB5_CHECKSUM_free(c2);
	KRB5_HOSTADDRS_free(h);
	KRB5_HOSTADDRS_free(h2);
	KRB5_AUTHDATA_free(ad);
	KRB5_AUTHDATA_free(ad2);
	KRB5_TYPED_DATA_free(td);
	KRB5_TYPED_DATA_free(td2);
	KRB5_METHOD_DATA_free(md);
	KRB5_METHOD_DATA_free(md2);
}
END_TEST

START_TEST(test_rt_kdc_req)
{
	KRB5_KDC_REQ *r = KRB5_KDC_REQ_new(), *r2, *r3;
	uint8_t *der = NULL;
	size_t n = 0;
	const uint8_t *body;
	size_t blen;
	uint8_t *bder = NULL;
	size_t bn;
	struct kerr e;

	r->pvno = 5;
	r->msg_type = KRB5_MSG_AS_REQ;
	ck_assert_int_eq(asn1krb_padata_add(&r->padata, KRB5_PADATA_PAC_REQUEST,
	    (const uint8_t *)"\x30\x05\xa0\x03\x01\x01\xff", 7), 0);
	KRB5_KDC_REQ_BODY_free(r->req_body);
	r->req_body = req_body();
	r2 = RT(KRB5_AS_REQ, r, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_MSG_AS_REQ);
	ck_assert_int_eq(r2->pvno, 5);
	ck_assert_int_eq(r2->msg_type, KRB5_MSG_AS_REQ);
	check_body(r2->req_body);
	ck_assert_int_eq(asn1krb_kdc_req_body_raw(der, n, &body, &blen, &e), 0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_KDC_REQ_BODY, r2->req_body, &bder,
	    &bn, &e), 0);
	ck_assert_uint_eq(blen, bn);
	ck_assert(memcmp(body, bder, bn) == 0);
	free(der);
	free(bder);
	/* The same structure as a TGS-REQ differs only in the tag. */
	r->msg_type = KRB5_MSG_TGS_REQ;
	r3 = RT(KRB5_TGS_REQ, r, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_MSG_TGS_REQ);
	ck_assert_int_eq(asn1krb_kdc_req_body_raw(der, n, &body, &blen, &e), 0);
	/* An AS-REQ item does not accept a TGS-REQ. */
	expect_reject(ASN1_ITEM_rptr(KRB5_AS_REQ), der, n, "TGS-REQ as AS-REQ");
	free(der);
	KRB5_KDC_REQ_free(r);
	KRB5_KDC_REQ_free(r2);
	KRB5_KDC_REQ_free(r3);
}
END_TEST

static KRB5_ENC_KDC_REP_PART *
enc_rep_part(void)
{
	KRB5_ENC_KDC_REP_PART *p = KRB5_ENC_KDC_REP_PART_new();
	KRB5_LASTREQ_ENTRY *lr = KRB5_LASTREQ_ENTRY_new();

	KRB5_ENCKEY_free(p->key);
	p->key = enckey(18, "0123456789abcdef0123456789abcdef");
	lr->lr_type = 0;
	ck_assert_int_eq(asn1krb_time_set(&lr->lr_value, T0), 0);
	sk_KRB5_LASTREQ_ENTRY_push(p->last_req, lr);
	ASN1_INTEGER_free(p->nonce);
	p->nonce = asn1krb_uint32_new(42);
	ck_assert_int_eq(asn1krb_time_set(&p->key_expiration, T0 + 86400), 0);
	ck_assert_int_eq(asn1krb_flags_set(p->flags, KRB5_TKT_INITIAL |
	    KRB5_TKT_PRE_AUTHENT | KRB5_TKT_ENC_PA_REP), 0);
	ck_assert_int_eq(asn1krb_time_set(&p->authtime, T0), 0);
	ck_assert_int_eq(asn1krb_time_set(&p->starttime, T0), 0);
	ck_assert_int_eq(asn1krb_time_set(&p->endtime, T0 + 36000), 0);
	ck_assert_int_eq(asn1krb_time_set(&p->renew_till, T0 + 72000), 0);
	ck_assert_int_eq(asn1krb_str_set(&p->srealm, "EXAMPLE.TEST"), 0);
	KRB5_PRINCNAME_free(p->sname);
	p->sname = princ("krbtgt/EXAMPLE.TEST");
	p->caddr = hostaddrs();
	ck_assert_int_eq(asn1krb_padata_add(&p->encrypted_pa_data,
	    KRB5_PADATA_REQ_ENC_PA_REP, (const uint8_t *)"c", 1), 0);
	return p;
}

START_TEST(test_rt_kdc_rep)
{
	KRB5_KDC_REP *r = KRB5_KDC_REP_new(), *r2;
	KRB5_ENC_KDC_REP_PART *p = enc_rep_part(), *p2;
	uint8_t *der = NULL;
	size_t n;
	uint32_t nonce;

	r->pvno = 5;
	r->msg_type = KRB5_MSG_AS_REP;
	ck_assert_int_eq(asn1krb_padata_add(&r->padata,
	    KRB5_PADATA_PK_AS_REP, (const uint8_t *)"x", 1), 0);
	ck_assert_int_eq(asn1krb_str_set(&r->crealm, "EXAMPLE.TEST"), 0);
	KRB5_PRINCNAME_free(r->cname);
	r->cname = princ("alice");
	KRB5_TICKET_free(r->ticket);
	r->ticket = ticket();
	KRB5_ENCDATA_free(r->enc_part);
	r->enc_part = encdata(18, 1, "enc-as-rep-part");
	r2 = RT(KRB5_AS_REP, r, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_MSG_AS_REP);
	ck_assert(asn1krb_str_eq(r2->crealm, "EXAMPLE.TEST"));
	ck_assert(asn1krb_princ_eq(r->cname, r2->cname));
	free(der);
	KRB5_KDC_REP_free(r2);
	r->msg_type = KRB5_MSG_TGS_REP;
	r2 = RT(KRB5_TGS_REP, r, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_MSG_TGS_REP);
	free(der);
	KRB5_KDC_REP_free(r2);

	p2 = RT(KRB5_ENC_AS_REP_PART, p, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_APP_ENC_AS_REP_PART);
	ck_assert_int_eq(asn1krb_uint32_get(p2->nonce, &nonce), 0);
	ck_assert_uint_eq(nonce, 42);
	ck_assert_uint_eq(asn1krb_flags_get(p2->flags), KRB5_TKT_INITIAL |
	    KRB5_TKT_PRE_AUTHENT | KRB5_TKT_ENC_PA_REP);
	ck_assert_int_eq(sk_KRB5_LASTREQ_ENTRY_num(p2->last_req), 1);
	ck_assert_ptr_nonnull(asn1krb_padata_find(p2->encrypted_pa_data,
	    KRB5_PADATA_REQ_ENC_PA_REP, NULL));
	free(der);
	KRB5_ENC_KDC_REP_PART_free(p2);
	p2 = RT(KRB5_ENC_TGS_REP_PART, p, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_APP_ENC_TGS_REP_PART);
	free(der);
	KRB5_ENC_KDC_REP_PART_free(p2);
	KRB5_ENC_KDC_REP_PART_free(p);
	KRB5_KDC_REP_free(r);
}
END_TEST

START_TEST(test_rt_ticket)
{
	KRB5_TICKET *t = ticket(), *t2;
	KRB5_ENC_TICKET_PART *etp = KRB5_ENC_TICKET_PART_new(), *etp2;
	KRB5_TRANSITED *tr;
	uint8_t *der = NULL;
	size_t n;
	int64_t v;

	t2 = RT(KRB5_TICKET, t, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_APP_TICKET);
	ck_assert(asn1krb_princ_eq(t->sname, t2->sname));
	ck_assert_int_eq(t2->sname->name_type, KRB5_NT_SRV_INST);
	free(der);

	ck_assert_int_eq(asn1krb_flags_set(etp->flags, KRB5_TKT_FORWARDABLE),
	    0);
	KRB5_ENCKEY_free(etp->key);
	etp->key = enckey(18, "k");
	ck_assert_int_eq(asn1krb_str_set(&etp->crealm, "EXAMPLE.TEST"), 0);
	KRB5_PRINCNAME_free(etp->cname);
	etp->cname = princ("alice");
	etp->transited->tr_type = 1;
	ck_assert_int_eq(asn1krb_octets_set(&etp->transited->contents, NULL,
	    0), 0);
	ck_assert_int_eq(asn1krb_time_set(&etp->authtime, T0), 0);
	ck_assert_int_eq(asn1krb_time_set(&etp->endtime, T0 + 1), 0);
	etp->caddr = hostaddrs();
	etp->authorization_data = authdata();
	etp2 = RT(KRB5_ENC_TICKET_PART, etp, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_APP_ENC_TICKET_PART);
	ck_assert_int_eq(asn1krb_time_get(etp2->endtime, &v), 0);
	ck_assert(v == T0 + 1);
	ck_assert_ptr_null(etp2->starttime);
	ck_assert_int_eq(etp2->transited->contents->length, 0);
	free(der);

	tr = RT(KRB5_TRANSITED, etp->transited, NULL, NULL);
	ck_assert_int_eq(tr->tr_type, 1);
	KRB5_TRANSITED_free(tr);
	KRB5_TICKET_free(t);
	KRB5_TICKET_free(t2);
	KRB5_ENC_TICKET_PART_free(etp);
	KRB5_ENC_TICKET_PART_free(etp2);
}
END_TEST

START_TEST(test_rt_preauth)
{
	KRB5_ETYPE_INFO2 *info = NULL, *info2;
	KRB5_PA_ENC_TS_ENC *ts = KRB5_PA_ENC_TS_ENC_new(), *ts2;
	KRB5_PA_PAC_REQUEST *pac = KRB5_PA_PAC_REQUEST_new(), *pac2;
	KRB5_ETYPE_INFO2_ENTRY *ent;
	uint8_t *der = NULL;
	size_t n;
	static const uint8_t pac_true[] = {
		0x30, 0x05, 0xa0, 0x03, 0x01, 0x01, 0xff
	};

	ck_assert_int_eq(asn1krb_etype_info2_add(&info, 18,
	    "EXAMPLE.TESTalice", (const uint8_t *)"\x00\x00\x10\x00", 4), 0);
	ck_assert_int_eq(asn1krb_etype_info2_add(&info, 17, NULL, NULL, 0), 0);
	info2 = RT(KRB5_ETYPE_INFO2, info, NULL, NULL);
	ent = sk_KRB5_ETYPE_INFO2_ENTRY_value(info2, 0);
	ck_assert_int_eq(ent->etype, 18);
	ck_assert(asn1krb_str_eq(ent->salt, "EXAMPLE.TESTalice"));
	ck_assert_int_eq(ent->s2kparams->length, 4);
	ent = sk_KRB5_ETYPE_INFO2_ENTRY_value(info2, 1);
	ck_assert_ptr_null(ent->salt);
	ck_assert_ptr_null(ent->s2kparams);

	ck_assert_int_eq(asn1krb_time_set(&ts->patimestamp, T0), 0);
	ck_assert_int_eq(asn1krb_int_set(&ts->pausec, 999999), 0);
	ts2 = RT(KRB5_PA_ENC_TS_ENC, ts, NULL, NULL);
	ck_assert_int_eq(ASN1_INTEGER_get(ts2->pausec), 999999);

	pac->include_pac = 1;
	pac2 = RT(KRB5_PA_PAC_REQUEST, pac, &der, &n);
	ck_assert_int_eq(pac2->include_pac, 0xff);
	ck_assert_uint_eq(n, sizeof(pac_true));
	ck_assert(memcmp(der, pac_true, n) == 0);
	free(der);

	KRB5_ETYPE_INFO2_free(info);
	KRB5_ETYPE_INFO2_free(info2);
	KRB5_PA_ENC_TS_ENC_free(ts);
	KRB5_PA_ENC_TS_ENC_free(ts2);
	KRB5_PA_PAC_REQUEST_free(pac);
	KRB5_PA_PAC_REQUEST_free(pac2);
}
END_TEST

START_TEST(test_rt_error)
{
	KRB5_ERROR *err = KRB5_ERROR_new(), *err2;
	uint8_t *der = NULL;
	size_t n;

	err->pvno = 5;
	err->msg_type = KRB5_MSG_ERROR;
	ck_assert_int_eq(asn1krb_time_set(&err->ctime, T0 - 1), 0);
	ck_assert_int_eq(asn1krb_int_set(&err->cusec, 0), 0);
	ck_assert_int_eq(asn1krb_time_set(&err->stime, T0), 0);
	err->susec = 123456;
	err->error_code = KDC_ERR_CLIENT_NOT_TRUSTED;
	ck_assert_int_eq(asn1krb_str_set(&err->crealm, "EXAMPLE.TEST"), 0);
	err->cname = princ("alice");
	ck_assert_int_eq(asn1krb_str_set(&err->realm, "EXAMPLE.TEST"), 0);
	KRB5_PRINCNAME_free(err->sname);
	err->sname = princ("krbtgt/EXAMPLE.TEST");
	ck_assert_int_eq(asn1krb_str_set(&err->e_text, "no"), 0);
	ck_assert_int_eq(asn1krb_octets_set(&err->e_data, (const uint8_t *)"\x30\x00",
	    2), 0);
	err2 = RT(KRB5_ERROR, err, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_MSG_ERROR);
	ck_assert_int_eq(err2->error_code, KDC_ERR_CLIENT_NOT_TRUSTED);
	ck_assert_int_eq(ASN1_INTEGER_get(err2->cusec), 0);
	ck_assert_int_eq(err2->susec, 123456);
	free(der);
	KRB5_ERROR_free(err);
	KRB5_ERROR_free(err2);
}
END_TEST

START_TEST(test_rt_ap)
{
	KRB5_AP_REQ *ap = KRB5_AP_REQ_new(), *ap2;
	KRB5_AUTHENTICATOR *a = KRB5_AUTHENTICATOR_new(), *a2;
	uint32_t u;
	uint8_t *der = NULL;
	size_t n;

	ap->pvno = 5;
	ap->msg_type = KRB5_MSG_AP_REQ;
	ck_assert_int_eq(asn1krb_flags_set(ap->ap_options, 0), 0);
	KRB5_TICKET_free(ap->ticket);
	ap->ticket = ticket();
	KRB5_ENCDATA_free(ap->authenticator);
	ap->authenticator = encdata(18, 0, "auth");
	ap2 = RT(KRB5_AP_REQ, ap, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_MSG_AP_REQ);
	ck_assert_int_eq(ap2->ticket->enc_part->etype, 18);
	ck_assert_uint_eq(asn1krb_flags_get(ap2->ap_options), 0);
	ck_assert_int_eq(ap2->ap_options->length, 4);
	free(der);

	a->authenticator_vno = 5;
	ck_assert_int_eq(asn1krb_str_set(&a->crealm, "EXAMPLE.TEST"), 0);
	KRB5_PRINCNAME_free(a->cname);
	a->cname = princ("alice");
	a->cksum = cksum(16, "body-checksum");
	a->cusec = 5;
	ck_assert_int_eq(asn1krb_time_set(&a->ctime, T0), 0);
	a->subkey = enckey(18, "subkey");
	ck_assert_int_eq(asn1krb_int_set(&a->seq_number, 0x80000000u), 0);
	a->authorization_data = authdata();
	a2 = RT(KRB5_AUTHENTICATOR, a, &der, &n);
	ck_assert_int_eq(asn1krb_msg_type(der, n), KRB5_APP_AUTHENTICATOR);
	ck_assert_int_eq(asn1krb_uint32_get(a2->seq_number, &u), 0);
	ck_assert_uint_eq(u, 0x80000000u);
	ck_assert_int_eq(a2->cksum->cksumtype, 16);
	free(der);
	KRB5_AP_REQ_free(ap);
	KRB5_AP_REQ_free(ap2);
	KRB5_AUTHENTICATOR_free(a);
	KRB5_AUTHENTICATOR_free(a2);
}
END_TEST

START_TEST(test_rt_fast)
{
	KRB5_PA_FX_FAST_REQUEST *fr = KRB5_PA_FX_FAST_REQUEST_new(), *fr2;
	KRB5_FAST_ARMORED_REQ *ar = KRB5_FAST_ARMORED_REQ_new();
	KRB5_FAST_REQ *freq = KRB5_FAST_REQ_new(), *freq2;
	KRB5_PA_FX_FAST_REPLY *rep = KRB5_PA_FX_FAST_REPLY_new(), *rep2;
	KRB5_FAST_ARMORED_REP *arep = KRB5_FAST_ARMORED_REP_new();
	KRB5_FAST_RESPONSE *resp = KRB5_FAST_RESPONSE_new(), *resp2;
	KRB5_FAST_FINISHED *fin;
	uint8_t *der = NULL;
	size_t n;
	const uint8_t *raw;
	size_t rawlen;
	struct kerr e;

	ar->armor = KRB5_FAST_ARMOR_new();
	ar->armor->armor_type = KRB5_FAST_ARMOR_AP_REQUEST;
	ck_assert_int_eq(asn1krb_octets_set(&ar->armor->armor_value,
	    (const uint8_t *)"ap-req", 6), 0);
	KRB5_CHECKSUM_free(ar->req_checksum);
	ar->req_checksum = cksum(16, "req-checksum");
	KRB5_ENCDATA_free(ar->enc_fast_req);
	ar->enc_fast_req = encdata(18, 0, "fast-req");
	fr->type = KRB5_FAST_CHOICE_ARMORED_DATA;
	fr->value.armored_data = ar;
	fr2 = RT(KRB5_PA_FX_FAST_REQUEST, fr, &der, &n);
	ck_assert_int_eq(der[0], 0xa0);
	ck_assert_int_eq(fr2->type, 0);
	ck_assert_int_eq(fr2->value.armored_data->armor->armor_type, 1);
	free(der);

	ck_assert_int_eq(asn1krb_flags_set(freq->fast_options,
	    KRB5_FASTOPT_HIDE_CLIENT_NAMES), 0);
	ck_assert_int_eq(asn1krb_padata_add(&freq->padata,
	    KRB5_PADATA_PK_AS_REQ, (const uint8_t *)"pk", 2), 0);
	KRB5_KDC_REQ_BODY_free(freq->req_body);
	freq->req_body = req_body();
	freq2 = RT(KRB5_FAST_REQ, freq, &der, &n);
	check_body(freq2->req_body);
	/* The inner req-body is field [2] of KrbFastReq. */
	ck_assert_int_eq(asn1krb_seq_field_raw(der, n, 2, &raw, &rawlen, &e), 0);
	ck_assert(raw + rawlen == der + n);
	free(der);

	KRB5_ENCDATA_free(arep->enc_fast_rep);
	arep->enc_fast_rep = encdata(18, 0, "fast-rep");
	rep->type = KRB5_FAST_CHOICE_ARMORED_DATA;
	rep->value.armored_data = arep;
	rep2 = RT(KRB5_PA_FX_FAST_REPLY, rep, NULL, NULL);
	ck_assert_int_eq(rep2->value.armored_data->enc_fast_rep->etype, 18);

	resp->strengthen_key = enckey(18, "strengthen");
	resp->finished = fin = KRB5_FAST_FINISHED_new();
	ck_assert_int_eq(asn1krb_time_set(&fin->timestamp, T0), 0);
	fin->usec = 17;
	ck_assert_int_eq(asn1krb_str_set(&fin->crealm, "EXAMPLE.TEST"), 0);
	KRB5_PRINCNAME_free(fin->cname);
	fin->cname = princ("alice");
	KRB5_CHECKSUM_free(fin->ticket_checksum);
	fin->ticket_checksum = cksum(16, "tkt");
	ASN1_INTEGER_free(resp->nonce);
	resp->nonce = asn1krb_uint32_new(7);
	resp2 = RT(KRB5_FAST_RESPONSE, resp, NULL, NULL);
	ck_assert_int_eq(sk_KRB5_PADATA_num(resp2->padata), 0);
	ck_assert_int_eq(resp2->finished->usec, 17);
	ck_assert_int_eq(resp2->strengthen_key->keytype, 18);

	KRB5_PA_FX_FAST_REQUEST_free(fr);
	KRB5_PA_FX_FAST_REQUEST_free(fr2);
	KRB5_FAST_REQ_free(freq);
	KRB5_FAST_REQ_free(freq2);
	KRB5_PA_FX_FAST_REPLY_free(rep);
	KRB5_PA_FX_FAST_REPLY_free(rep2);
	KRB5_FAST_RESPONSE_free(resp);
	KRB5_FAST_RESPONSE_free(resp2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("asn1_types");
	TCase *tc = tcase_create("roundtrip");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_rt_base);
	tcase_add_test(tc, test_rt_kdc_req);
	tcase_add_test(tc, test_rt_kdc_rep);
	tcase_add_test(tc, test_rt_ticket);
	tcase_add_test(tc, test_rt_preauth);
	tcase_add_test(tc, test_rt_error);
	tcase_add_test(tc, test_rt_ap);
	tcase_add_test(tc, test_rt_fast);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
