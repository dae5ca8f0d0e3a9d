/* check_log.c - request and event lines: key=value and JSON, event ids. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kerror.h"
#include "log.h"
#include "metrics.h"

static char logpath[64];
static char text[64 * 1024];

/* Log to a fresh temporary file in the given format. */
static void
setup_format(int format)
{
	struct log_settings s;
	char err[256];
	int fd;

	snprintf(logpath, sizeof(logpath), "/tmp/check_log.XXXXXX");
	fd = mkstemp(logpath);
	ck_assert_int_ge(fd, 0);
	close(fd);
	memset(&s, 0, sizeof(s));
	s.n_targets = 1;
	s.targets[0].kind = LOG_TARGET_FILE;
	snprintf(s.targets[0].path, sizeof(s.targets[0].path), "%s", logpath);
	s.level = LOG_LVL_INFO;
	s.format = format;
	ck_assert_int_eq(log_configure(&s, err, sizeof(err)), 0);
}

/* Everything logged so far; the file is removed. */
static const char *
collect(void)
{
	FILE *f = fopen(logpath, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	log_init("check_log");
	unlink(logpath);
	return text;
}

static void
sample(struct log_request *r)
{
	memset(r, 0, sizeof(*r));
	r->id = 42;
	r->proto = "udp";
	r->client_addr = "127.0.0.1:5000";
	r->req_type = "AS-REQ";
	r->client = "alice@EXAMPLE.TEST";
	r->account = "cn=alice,ou=Users,dc=example,dc=test";
	r->cert_subject = "CN=alice,O=Example";
	r->cert_issuer = "CN=Issuing CA";
	r->cert_serial = "1A2B";
	r->cert_sha1 = "00112233445566778899aabbccddeeff00112233";
	r->elapsed_ms = 1.5;
}

START_TEST(test_event_ids)
{
	ck_assert_int_eq(log_event_for("AS-REQ", 0), LOG_EV_AS);
	ck_assert_int_eq(log_event_for("AS-REQ", KDC_ERR_PREAUTH_REQUIRED),
	    LOG_EV_AS);
	ck_assert_int_eq(log_event_for("AS-REQ", KDC_ERR_C_PRINCIPAL_UNKNOWN),
	    LOG_EV_AS);
	ck_assert_int_eq(log_event_for("AS-REQ", KDC_ERR_CLIENT_REVOKED),
	    LOG_EV_AS);
	ck_assert_int_eq(log_event_for("AS-REQ", KDC_ERR_PREAUTH_FAILED),
	    LOG_EV_PREAUTH_FAILED);
	ck_assert_int_eq(log_event_for("AS-REQ", KDC_ERR_INVALID_SIG),
	    LOG_EV_PREAUTH_FAILED);
	ck_assert_int_eq(log_event_for("AS-REQ", KDC_ERR_CLIENT_NOT_TRUSTED),
	    LOG_EV_PREAUTH_FAILED);
	ck_assert_int_eq(log_event_for("AS-REQ", 70), LOG_EV_PREAUTH_FAILED);
	ck_assert_int_eq(log_event_for("AS-REQ", 75), LOG_EV_PREAUTH_FAILED);
	ck_assert_int_eq(log_event_for("AS-REQ", 77), LOG_EV_PREAUTH_FAILED);
	ck_assert_int_eq(log_event_for("AS-REQ", KRB_AP_ERR_SKEW),
	    LOG_EV_PREAUTH_FAILED);
	ck_assert_int_eq(log_event_for("AS-REQ", KDC_ERR_SVC_UNAVAILABLE),
	    LOG_EV_AS);
	ck_assert_int_eq(log_event_for("TGS-REQ", 0), LOG_EV_TGS);
	ck_assert_int_eq(log_event_for("TGS-REQ", KDC_ERR_PREAUTH_FAILED),
	    LOG_EV_TGS);
	ck_assert_int_eq(log_event_for("unknown", KRB_ERR_GENERIC),
	    LOG_EV_NONE);
	ck_assert_int_eq(log_event_for(NULL, 0), LOG_EV_NONE);
}
END_TEST

START_TEST(test_kv_request)
{
	struct log_request r;
	const char *t;

	setup_format(LOG_FORMAT_KV);
	sample(&r);
	r.code = KDC_ERR_CLIENT_NAME_MISMATCH;
	r.reason = "certificate \"CN=carol\" is not bound";
	log_request(&r);
	t = collect();
	ck_assert_ptr_nonnull(strstr(t, ": notice: req=42 proto=udp "
	    "from=127.0.0.1:5000 type=AS-REQ "
	    "client=alice@EXAMPLE.TEST "
	    "account=\"cn=alice,ou=Users,dc=example,dc=test\" "
	    "cert_subject=\"CN=alice,O=Example\" cert_issuer=\"CN=Issuing CA\" "
	    "cert_serial=1A2B "
	    "cert_sha1=00112233445566778899aabbccddeeff00112233 "
	    "result=KDC_ERR_CLIENT_NAME_MISMATCH code=75 "
	    "reason=\"certificate \\\"CN=carol\\\" is not bound\" ms=1.500 "
	    "event=4771\n"));
}
END_TEST

START_TEST(test_kv_issued)
{
	struct log_request r;
	const char *t;

	setup_format(LOG_FORMAT_KV);
	sample(&r);
	r.reason = "PKINIT";
	log_request(&r);
	r.event = 1234;   /* a pipeline's own choice wins */
	log_request(&r);
	t = collect();
	ck_assert_ptr_nonnull(strstr(t, ": info: req=42 "));
	ck_assert_ptr_nonnull(strstr(t, " ms=1.500 event=4768\n"));
	ck_assert_ptr_nonnull(strstr(t, " ms=1.500 event=1234\n"));
	ck_assert_ptr_nonnull(strstr(t, "result=ISSUED code=0 reason=PKINIT"));
}
END_TEST

START_TEST(test_json_request)
{
	struct log_request r;
	const char *t;

	setup_format(LOG_FORMAT_JSON);
	sample(&r);
	r.code = KDC_ERR_PREAUTH_FAILED;
	/* A quote, a backslash, a control character, valid UTF-8 (é) and a
	 * byte that is not UTF-8. */
	r.reason = "bad \"sig\" \\ \x01 caf\xc3\xa9 \xff!";
	log_request(&r);
	t = collect();
	ck_assert_msg(t[0] == '{', "%s", t);
	ck_assert_ptr_nonnull(strstr(t, "\"level\":\"notice\",\"req\":42,"
	    "\"proto\":\"udp\",\"from\":\"127.0.0.1:5000\","
	    "\"type\":\"AS-REQ\",\"client\":"));
	ck_assert_ptr_nonnull(strstr(t, "\"cert_issuer\":\"CN=Issuing CA\""));
	ck_assert_ptr_nonnull(strstr(t, "\"result\":\"KDC_ERR_PREAUTH_FAILED\","
	    "\"code\":24,"));
	ck_assert_ptr_nonnull(strstr(t, "\"reason\":\"bad \\\"sig\\\" \\\\ "
	    "\\u0001 caf\xc3\xa9 ?!\",\"ms\":1.500,\"event\":4771}\n"));
}
END_TEST

START_TEST(test_json_message)
{
	const char *t;

	setup_format(LOG_FORMAT_JSON);
	log_msg(LOG_LVL_WARNING, "reload \"%s\" failed", "x");
	log_msg(LOG_LVL_DEBUG, "not shown at info");
	t = collect();
	ck_assert_ptr_nonnull(strstr(t, "\"level\":\"warning\","
	    "\"msg\":\"reload \\\"x\\\" failed\"}\n"));
	ck_assert_ptr_null(strstr(t, "not shown"));
}
END_TEST

/* A line longer than the limit is cut but stays one well-formed object. */
START_TEST(test_json_truncated)
{
	static char big[10000];
	struct log_request r;
	const char *t;
	size_t n;

	memset(big, '"', sizeof(big) - 1);
	setup_format(LOG_FORMAT_JSON);
	sample(&r);
	r.reason = big;
	log_request(&r);
	t = collect();
	n = strlen(t);
	ck_assert_uint_lt(n, 4096 + 200);
	ck_assert_msg(n > 3 && strcmp(t + n - 3, "\"}\n") == 0, "%s",
	    t + n - 20);
	/* The cut never splits an escape: an even run of backslashes. */
	ck_assert(t[n - 4] == '"' && t[n - 5] == '\\');
}
END_TEST

START_TEST(test_events)
{
	struct log_request r;
	const char *t;

	setup_format(LOG_FORMAT_KV);
	sample(&r);
	log_event(LOG_EV_CERT_WEAK_MAPPING, LOG_LVL_WARNING, &r,
	    "check", "altSecurityIdentities X509IssuerSubject", "skipped",
	    NULL, NULL);
	log_event(LOG_EV_POLICY_TGT_AUDIT, LOG_LVL_INFO, NULL,
	    "policy", "smartcard-only", NULL);
	t = collect();
	ck_assert_ptr_nonnull(strstr(t, ": warning: req=42 event=39 "
	    "from=127.0.0.1:5000 client=alice@EXAMPLE.TEST "
	    "account=\"cn=alice,ou=Users,dc=example,dc=test\" "
	    "cert_subject=\"CN=alice,O=Example\""));
	ck_assert_ptr_nonnull(strstr(t, "cert_sha1=0011223344556677"
	    "8899aabbccddeeff00112233 check=\"altSecurityIdentities "
	    "X509IssuerSubject\"\n"));
	ck_assert_ptr_nonnull(strstr(t, ": info: event=305 "
	    "policy=smartcard-only\n"));
	/* Each event line is counted for the metrics endpoint. */
	ck_assert_int_eq(metrics_value("events_total{event=\"39\"}"), 1);
	ck_assert_int_eq(metrics_value("events_total{event=\"305\"}"), 1);
}
END_TEST

START_TEST(test_events_json)
{
	const char *t;

	setup_format(LOG_FORMAT_JSON);
	log_event(LOG_EV_POLICY_TGS_DENIED, LOG_LVL_NOTICE, NULL,
	    "policy", "tier0", "server", "host/db@EXAMPLE.TEST", NULL);
	t = collect();
	ck_assert_ptr_nonnull(strstr(t, "\"level\":\"notice\",\"event\":106,"
	    "\"policy\":\"tier0\",\"server\":\"host/db@EXAMPLE.TEST\"}\n"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_event_ids);
	tcase_add_test(tc, test_kv_request);
	tcase_add_test(tc, test_kv_issued);
	tcase_add_test(tc, test_json_request);
	tcase_add_test(tc, test_json_message);
	tcase_add_test(tc, test_json_truncated);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_events_json);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
