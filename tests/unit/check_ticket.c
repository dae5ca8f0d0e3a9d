/* check_ticket.c - TGS times and flags derived from the TGT, and the
 * ticket a TGS issues decrypting under the service key. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "secmem.h"
#include "ticket.h"

#define NOW INT64_C(1700000000)
#define H INT64_C(3600)
#define D (24 * H)
#define INF TKT_TIME_INFINITE

/* A forwardable, renewable, pre-authenticated TGT issued an hour ago for
 * ten hours, renewable for seven days. */
static struct tkt_times tgt;
static struct tkt_tgs_in in;
static struct tkt_times out;
static struct kerr e;

static void
setup(void)
{
	memset(&tgt, 0, sizeof(tgt));
	tgt.authtime = NOW - H;
	tgt.endtime = NOW + 9 * H;
	tgt.renew_till = NOW - H + 7 * D;
	tgt.flags = KRB5_TKT_FORWARDABLE | KRB5_TKT_RENEWABLE |
	    KRB5_TKT_INITIAL | KRB5_TKT_PRE_AUTHENT;
	memset(&in, 0, sizeof(in));
	in.tgt = &tgt;
	in.now = NOW;
	in.from = INF;
	in.till = INF;
	in.rtime = INF;
	in.clockskew = 300;
	in.max_life = 10 * H;
	in.max_renewable_life = 7 * D;
	memset(&out, 0, sizeof(out));
	kerr_clear(&e);
}

START_TEST(test_end_never_past_tgt)
{
	in.till = NOW + 20 * H;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert_int_eq(out.endtime, tgt.endtime);
	ck_assert_int_eq(out.authtime, tgt.authtime);
	ck_assert_int_eq(out.starttime, NOW);
	/* Not asked for: neither forwardable nor renewable. */
	ck_assert_uint_eq(out.flags, KRB5_TKT_PRE_AUTHENT);
	ck_assert_int_eq(out.renew_till, 0);
}
END_TEST

START_TEST(test_shorter_till_and_max_life)
{
	in.till = NOW + H;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert_int_eq(out.endtime, NOW + H);
	tgt.endtime = NOW + 30 * H;
	in.till = INF;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert_int_eq(out.endtime, NOW + 10 * H);
}
END_TEST

START_TEST(test_forwardable_from_tgt_only)
{
	in.kdc_options = KRB5_KDCOPT_FORWARDABLE | KRB5_KDCOPT_PROXIABLE;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert(out.flags & KRB5_TKT_FORWARDABLE);
	ck_assert(!(out.flags & KRB5_TKT_PROXIABLE));
	ck_assert(!(out.flags & KRB5_TKT_INITIAL));
	/* A NOT_DELEGATED account's TGT has no FORWARDABLE: none here. */
	tgt.flags &= ~KRB5_TKT_FORWARDABLE;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert(!(out.flags & KRB5_TKT_FORWARDABLE));
}
END_TEST

START_TEST(test_forwarded_needs_forwardable)
{
	in.kdc_options = KRB5_KDCOPT_FORWARDED;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert(out.flags & KRB5_TKT_FORWARDED);
	tgt.flags &= ~KRB5_TKT_FORWARDABLE;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KDC_ERR_BADOPTION);
	/* A ticket from a forwarded TGT is forwarded. */
	tgt.flags |= KRB5_TKT_FORWARDED;
	in.kdc_options = 0;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert(out.flags & KRB5_TKT_FORWARDED);
}
END_TEST

START_TEST(test_proxy)
{
	tgt.flags |= KRB5_TKT_PROXIABLE;
	in.kdc_options = KRB5_KDCOPT_PROXY;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert(out.flags & KRB5_TKT_PROXY);
	in.to_tgs = 1;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KDC_ERR_BADOPTION);
	tgt.flags &= ~KRB5_TKT_PROXIABLE;
	in.to_tgs = 0;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KDC_ERR_BADOPTION);
}
END_TEST

START_TEST(test_renewable_capped)
{
	in.kdc_options = KRB5_KDCOPT_RENEWABLE;
	in.rtime = NOW + 30 * D;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert(out.flags & KRB5_TKT_RENEWABLE);
	ck_assert_int_eq(out.renew_till, tgt.renew_till);
	in.max_renewable_life = D;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert_int_eq(out.renew_till, NOW + D);
	/* A TGT that is not renewable gives no renewable tickets. */
	tgt.flags &= ~KRB5_TKT_RENEWABLE;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert(!(out.flags & KRB5_TKT_RENEWABLE));
	ck_assert_int_eq(out.renew_till, 0);
}
END_TEST

START_TEST(test_renewable_ok)
{
	in.kdc_options = KRB5_KDCOPT_RENEWABLE_OK;
	in.till = NOW + 2 * D;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert_int_eq(out.endtime, tgt.endtime);
	ck_assert(out.flags & KRB5_TKT_RENEWABLE);
	ck_assert_int_eq(out.renew_till, NOW + 2 * D);
}
END_TEST

START_TEST(test_renew)
{
	in.kdc_options = KRB5_KDCOPT_RENEW;
	in.to_tgs = 1;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	/* Same lifetime as before (ten hours), from now. */
	ck_assert_int_eq(out.endtime, NOW + 10 * H);
	ck_assert_int_eq(out.renew_till, tgt.renew_till);
	ck_assert_int_eq(out.authtime, tgt.authtime);
	ck_assert(out.flags & KRB5_TKT_RENEWABLE);
	ck_assert(out.flags & KRB5_TKT_FORWARDABLE);
	ck_assert(!(out.flags & KRB5_TKT_INITIAL));
	/* Never past renew-till. */
	tgt.renew_till = NOW + H;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert_int_eq(out.endtime, NOW + H);
}
END_TEST

START_TEST(test_renew_refused)
{
	in.kdc_options = KRB5_KDCOPT_RENEW;
	tgt.flags &= ~KRB5_TKT_RENEWABLE;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KDC_ERR_BADOPTION);
	ck_assert_ptr_nonnull(strstr(e.msg, "not renewable"));
	tgt.flags |= KRB5_TKT_RENEWABLE;
	tgt.renew_till = NOW - 1;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KRB_AP_ERR_TKT_EXPIRED);
}
END_TEST

START_TEST(test_unsupported_options)
{
	in.kdc_options = KRB5_KDCOPT_POSTDATED;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KDC_ERR_CANNOT_POSTDATE);
	in.kdc_options = 0;
	in.from = NOW + H;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KDC_ERR_CANNOT_POSTDATE);
	in.from = NOW + 10;   /* within the skew: fine */
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	in.kdc_options = KRB5_KDCOPT_VALIDATE;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KDC_ERR_BADOPTION);
	in.kdc_options = KRB5_KDCOPT_ENC_TKT_IN_SKEY;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KDC_ERR_BADOPTION);
	in.kdc_options = KRB5_FLAG(14);   /* cname-in-addl-tkt */
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KDC_ERR_BADOPTION);
}
END_TEST

START_TEST(test_never_valid)
{
	in.till = NOW - 10;
	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), KDC_ERR_NEVER_VALID);
}
END_TEST

START_TEST(test_tgs_name)
{
	KRB5_PRINCNAME *p = NULL, *q = NULL;
	const char *host[2] = { "host", "EXAMPLE.TEST" };

	ck_assert_int_eq(tkt_tgs_name("EXAMPLE.TEST", &p), 0);
	ck_assert_int_eq(p->name_type, KRB5_NT_SRV_INST);
	ck_assert(tkt_is_tgs_name(p, "EXAMPLE.TEST"));
	ck_assert(!tkt_is_tgs_name(p, "OTHER.TEST"));
	ck_assert_int_eq(asn1krb_princ_new(KRB5_NT_PRINCIPAL, host, 2, &q), 0);
	ck_assert(!tkt_is_tgs_name(q, "EXAMPLE.TEST"));
	ck_assert(!tkt_is_tgs_name(NULL, "EXAMPLE.TEST"));
	KRB5_PRINCNAME_free(p);
	KRB5_PRINCNAME_free(q);
}
END_TEST

START_TEST(test_build_decrypts)
{
	const char *svc[2] = { "host", "svc.example.test" };
	const char *cl[1] = { "alice" };
	KRB5_PRINCNAME *sname = NULL, *cname = NULL;
	KRB5_ENC_TICKET_PART *etp = NULL;
	KRB5_TICKET *tkt = NULL;
	struct kc_key skey, session;
	struct tkt_params tp;
	unsigned char *plain = NULL;
	size_t plen = 0;
	uint32_t kvno = 0;
	int64_t t;

	ck_assert_int_eq(tkt_tgs_times(&in, &out, &e), 0);
	ck_assert_int_eq(kc_key_random(KC_AES256_CTS_HMAC_SHA1_96, &skey, &e), 0);
	ck_assert_int_eq(kc_key_random(KC_AES128_CTS_HMAC_SHA256_128,
	    &session, &e), 0);
	ck_assert_int_eq(asn1krb_princ_new(KRB5_NT_SRV_HST, svc, 2, &sname), 0);
	ck_assert_int_eq(asn1krb_princ_new(KRB5_NT_PRINCIPAL, cl, 1, &cname), 0);
	memset(&tp, 0, sizeof(tp));
	tp.realm = "EXAMPLE.TEST";
	tp.sname = sname;
	tp.cname = cname;
	tp.crealm = "EXAMPLE.TEST";
	tp.session = &session;
	tp.key = &skey;
	tp.kvno = 7;
	tp.t = &out;
	ck_assert_int_eq(tkt_build(&tp, &tkt, &e), 0);
	ck_assert_int_eq(tkt->enc_part->etype, KC_AES256_CTS_HMAC_SHA1_96);
	ck_assert_int_eq(asn1krb_uint32_get(tkt->enc_part->kvno, &kvno), 0);
	ck_assert_uint_eq(kvno, 7);
	ck_assert(asn1krb_princ_eq(tkt->sname, sname));
	/* The service key opens it (usage 2) and it says what we decided. */
	ck_assert_int_eq(kc_decrypt(&skey, 2,
	    ASN1_STRING_get0_data(tkt->enc_part->cipher),
	    (size_t)ASN1_STRING_length(tkt->enc_part->cipher), &plain, &plen,
	    &e), 0);
	ck_assert_int_eq(ASN1KRB_DECODE(KRB5_ENC_TICKET_PART, plain, plen,
	    &etp, &e), 0);
	ck_assert_int_eq(asn1krb_time_get(etp->endtime, &t), 0);
	ck_assert_int_eq(t, out.endtime);
	ck_assert_int_eq(asn1krb_time_get(etp->starttime, &t), 0);
	ck_assert_int_eq(t, NOW);
	ck_assert_int_eq(asn1krb_time_get(etp->authtime, &t), 0);
	ck_assert_int_eq(t, tgt.authtime);
	ck_assert_int_eq(etp->key->keytype, KC_AES128_CTS_HMAC_SHA256_128);
	ck_assert(asn1krb_princ_eq(etp->cname, cname));
	ck_assert_uint_eq(asn1krb_flags_get(etp->flags), out.flags);
	sec_free(plain, plen);
	KRB5_ENC_TICKET_PART_free(etp);
	KRB5_TICKET_free(tkt);
	KRB5_PRINCNAME_free(sname);
	KRB5_PRINCNAME_free(cname);
	kc_key_clear(&skey);
	kc_key_clear(&session);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ticket");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_end_never_past_tgt);
	tcase_add_test(tc, test_shorter_till_and_max_life);
	tcase_add_test(tc, test_forwardable_from_tgt_only);
	tcase_add_test(tc, test_forwarded_needs_forwardable);
	tcase_add_test(tc, test_proxy);
	tcase_add_test(tc, test_renewable_capped);
	tcase_add_test(tc, test_renewable_ok);
	tcase_add_test(tc, test_renew);
	tcase_add_test(tc, test_renew_refused);
	tcase_add_test(tc, test_unsupported_options);
	tcase_add_test(tc, test_never_valid);
	tcase_add_test(tc, test_tgs_name);
	tcase_add_test(tc, test_build_decrypts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
