/*
 * check_asn1_kinit.c - MIT kinit as the judge of our encodings.
 *
 * A one-shot responder on 127.0.0.1 decodes the AS-REQ that kinit sends
 * and answers with a KRB-ERROR (KDC_ERR_PREAUTH_REQUIRED) whose METHOD-DATA
 * carries ETYPE-INFO2, PA-PK-AS-REQ and a PA-AS-FRESHNESS token.  kinit's
 * trace must show it parsed all of them.  Skipped when kinit is missing.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "asn1_krb5.h"
#include "asn1_testutil.h"
#include "krb_error.h"

static const char *
find_kinit(void)
{
	static const char *const paths[] = {
		"/usr/bin/kinit", "/usr/local/bin/kinit", NULL
	};
	int i;

	for (i = 0; paths[i] != NULL; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* The reply: PREAUTH_REQUIRED with the padata a PKINIT KDC offers. */
static void
build_reply(const KRB5_AS_REQ *req, uint8_t **out, size_t *outlen)
{
	static const char *const sname[] = { "krbtgt", "EXAMPLE.TEST" };
	static const char *const cname[] = { "alice" };
	KRB5_ETYPE_INFO2 *ei = NULL;
	KRB5_METHOD_DATA *md = NULL;
	struct krb_error_info info;
	uint8_t *eid = NULL, *mdd = NULL;
	size_t eil, mdl;
	struct kerr e;

	ck_assert_int_eq(asn1krb_etype_info2_add(&ei, 18, "EXAMPLE.TESTalice",
	    NULL, 0), 0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_ETYPE_INFO2, ei, &eid, &eil, &e),
	    0);
	ck_assert_int_eq(asn1krb_padata_add(&md, KRB5_PADATA_PK_AS_REQ, NULL,
	    0), 0);
	ck_assert_int_eq(asn1krb_padata_add(&md, KRB5_PADATA_ETYPE_INFO2, eid,
	    eil), 0);
	ck_assert_int_eq(asn1krb_padata_add(&md, KRB5_PADATA_AS_FRESHNESS,
	    (const uint8_t *)"fresh-token", 11), 0);
	ck_assert_int_eq(ASN1KRB_ENCODE(KRB5_METHOD_DATA, md, &mdd, &mdl, &e),
	    0);
	memset(&info, 0, sizeof(info));
	info.code = KDC_ERR_PREAUTH_REQUIRED;
	info.stime = (int64_t)time(NULL);
	info.susec = 0;
	info.crealm = "EXAMPLE.TEST";
	info.cname_type = req->req_body->cname->name_type;
	info.cname = cname;
	info.cname_len = 1;
	info.realm = "EXAMPLE.TEST";
	info.sname_type = KRB5_NT_SRV_INST;
	info.sname = sname;
	info.sname_len = 2;
	info.e_data = mdd;
	info.e_data_len = mdl;
	ck_assert_msg(krb_error_encode(&info, out, outlen, &e) == 0, "%s",
	    e.msg);
	free(eid);
	free(mdd);
	KRB5_ETYPE_INFO2_free(ei);
	KRB5_METHOD_DATA_free(md);
}

static char *
slurp(const char *path)
{
	static char text[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

START_TEST(test_kinit_reads_our_krb_error)
{
	const char *kinit = find_kinit();
	char dir[] = "/tmp/check_asn1_kinit_XXXXXX", conf[512], trace[512];
	char env_conf[600], env_trace[600], env_cc[600];
	struct sockaddr_in sa, peer;
	socklen_t sl = sizeof(sa), pl = sizeof(peer);
	uint8_t buf[65536], *reply = NULL;
	size_t rlen;
	KRB5_AS_REQ *req = NULL;
	struct pollfd pfd;
	struct kerr e;
	ssize_t n;
	FILE *f;
	pid_t pid;
	int s, status;
	char *text;

	if (kinit == NULL) {
		fprintf(stderr, "kinit not installed: skipping\n");
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/krb5.conf", dir);
	snprintf(trace, sizeof(trace), "%s/trace", dir);

	s = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(s, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sa, &sl), 0);

	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[libdefaults]\n\tdefault_realm = EXAMPLE.TEST\n"
	    "\tdns_lookup_kdc = false\n\tdns_lookup_realm = false\n"
	    "[realms]\n\tEXAMPLE.TEST = {\n\t\tkdc = 127.0.0.1:%u\n\t}\n",
	    ntohs(sa.sin_port));
	fclose(f);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		snprintf(env_conf, sizeof(env_conf), "KRB5_CONFIG=%s", conf);
		snprintf(env_trace, sizeof(env_trace), "KRB5_TRACE=%s", trace);
		snprintf(env_cc, sizeof(env_cc), "KRB5CCNAME=FILE:%s/cc", dir);
		putenv(env_conf);
		putenv(env_trace);
		putenv(env_cc);
		execl(kinit, "kinit", "alice@EXAMPLE.TEST", (char *)NULL);
		_exit(127);
	}

	pfd.fd = s;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &pl);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(ASN1KRB_DECODE(KRB5_AS_REQ, buf, (size_t)n, &req, &e) == 0,
	    "live AS-REQ: %s", e.msg);
	build_reply(req, &reply, &rlen);
	ck_assert_int_eq(sendto(s, reply, rlen, 0, (struct sockaddr *)&peer,
	    pl), (ssize_t)rlen);

	/* kinit gives up (no PKINIT anchors, no password on stdin). */
	for (n = 0; n < 100; n++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (n == 100) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	text = slurp(trace);
	ck_assert_msg(strstr(text, "Received error from KDC: -1765328359") !=
	    NULL, "%s", text);
	ck_assert_msg(strstr(text, "PA-PK-AS-REQ (16)") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "salt \"EXAMPLE.TESTalice\"") != NULL, "%s",
	    text);
	ck_assert_msg(strstr(text, "freshness token") != NULL, "%s", text);

	close(s);
	free(reply);
	KRB5_AS_REQ_free(req);
	unlink(trace);
	unlink(conf);
	snprintf(env_cc, sizeof(env_cc), "%s/cc", dir);
	unlink(env_cc);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("asn1_kinit");
	TCase *tc = tcase_create("interop");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_kinit_reads_our_krb_error);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
