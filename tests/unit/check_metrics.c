/* check_metrics.c - the metrics registry and the Prometheus text format. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static char *
render(void)
{
	char *t = NULL;
	size_t len = 0;

	ck_assert_int_eq(metrics_render(&t, &len), 0);
	ck_assert_uint_eq(strlen(t), len);
	return t;
}

/* Every line is a comment (# HELP / # TYPE) or "name{labels} value";
 * each family's samples follow its TYPE line, and no family is
 * described twice. */
static void
assert_format(const char *t)
{
	char fam[256] = "", line[512];
	const char *p = t, *nl;
	size_t n;
	int types = 0;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		n = (size_t)(nl - p);
		ck_assert_uint_lt(n, sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		if (strncmp(line, "# HELP ", 7) == 0) {
			;
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			char kind[32];
			ck_assert_int_eq(sscanf(line + 7, "%255s %31s", fam,
			    kind), 2);
			ck_assert(strcmp(kind, "counter") == 0 ||
			    strcmp(kind, "gauge") == 0 ||
			    strcmp(kind, "histogram") == 0);
			ck_assert_msg(strstr(t, line) == p, "twice: %s", line);
			types++;
		} else {
			const char *sp = strrchr(line, ' ');
			char *end;

			ck_assert_msg(sp != NULL, "%s", line);
			ck_assert_msg(strncmp(line, fam, strlen(fam)) == 0,
			    "sample %s outside family %s", line, fam);
			strtod(sp + 1, &end);
			ck_assert_msg(*end == '\0' && end != sp + 1,
			    "value of %s", line);
			ck_assert_msg(strncmp(line, METRICS_PREFIX,
			    strlen(METRICS_PREFIX)) == 0, "%s", line);
		}
		p = nl + 1;
	}
	ck_assert_int_gt(types, 5);
}

START_TEST(test_known_at_zero)
{
	char *t;

	metrics_reset();
	t = render();
	assert_format(t);
	ck_assert_ptr_nonnull(strstr(t, "\npkinit_kdc_ldap_searches_total 0\n"));
	ck_assert_ptr_nonnull(strstr(t, "\npkinit_kdc_tcp_connections 0\n"));
	ck_assert_ptr_nonnull(strstr(t,
	    "# TYPE pkinit_kdc_requests_total counter\n"));
	/* A labelled family has no unlabelled sample. */
	ck_assert_ptr_null(strstr(t, "\npkinit_kdc_requests_total "));
	free(t);
}
END_TEST

START_TEST(test_counters_gauges)
{
	char *t;

	metrics_reset();
	metrics_counter_add("ldap_searches_total", 2);
	metrics_counter_add("ldap_searches_total", 3);
	metrics_gauge_add("tcp_connections", 4);
	metrics_gauge_add("tcp_connections", -1);
	metrics_gauge_set("workers", 2);
	ck_assert(metrics_describe("cache_entries", METRICS_GAUGE,
	    "Entries in the cache") == 0);
	metrics_counter_add("ocsp_fetches_total{result=\"good\"}", 1);
	ck_assert_int_eq(metrics_value("ldap_searches_total"), 5);
	ck_assert_int_eq(metrics_value("tcp_connections"), 3);
	ck_assert_int_eq(metrics_value("nonexistent"), 0);
	t = render();
	assert_format(t);
	ck_assert_ptr_nonnull(strstr(t, "\npkinit_kdc_ldap_searches_total 5\n"));
	ck_assert_ptr_nonnull(strstr(t, "\npkinit_kdc_tcp_connections 3\n"));
	ck_assert_ptr_nonnull(strstr(t, "# TYPE pkinit_kdc_workers gauge\n"
	    "pkinit_kdc_workers 2\n"));
	ck_assert_ptr_nonnull(strstr(t, "# HELP pkinit_kdc_cache_entries "
	    "Entries in the cache\n# TYPE pkinit_kdc_cache_entries gauge\n"
	    "pkinit_kdc_cache_entries 0\n"));
	/* The labelled series joins its family's block. */
	ck_assert_ptr_nonnull(strstr(t, "pkinit_kdc_ocsp_fetches_total 0\n"
	    "pkinit_kdc_ocsp_fetches_total{result=\"good\"} 1\n"));
	free(t);
}
END_TEST

START_TEST(test_requests_histogram)
{
	char *t;

	metrics_reset();
	metrics_request_done("AS-REQ", 0, 0.4);      /* 0.0004 s */
	metrics_request_done("AS-REQ", 0, 30);       /* 0.03 s */
	metrics_request_done("AS-REQ", 25, 0.2);
	metrics_request_done("TGS-REQ", 0, 20000);   /* 20 s: +Inf only */
	metrics_request_done("unknown", 60, 0.1);
	ck_assert_int_eq(metrics_value("requests_total{type=\"AS-REQ\","
	    "code=\"0\",result=\"ISSUED\"}"), 2);
	t = render();
	assert_format(t);
	ck_assert_ptr_nonnull(strstr(t, "pkinit_kdc_requests_total{type="
	    "\"AS-REQ\",code=\"25\",result=\"KDC_ERR_PREAUTH_REQUIRED\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "# TYPE "
	    "pkinit_kdc_request_duration_seconds histogram\n"));
	ck_assert_ptr_nonnull(strstr(t, "_bucket{type=\"AS-REQ\",le=\"0.001\"} "
	    "2\n"));
	ck_assert_ptr_nonnull(strstr(t, "_bucket{type=\"AS-REQ\",le=\"0.025\"} "
	    "2\n"));
	ck_assert_ptr_nonnull(strstr(t, "_bucket{type=\"AS-REQ\",le=\"0.05\"} "
	    "3\n"));
	ck_assert_ptr_nonnull(strstr(t, "_bucket{type=\"AS-REQ\",le=\"+Inf\"} "
	    "3\n"));
	ck_assert_ptr_nonnull(strstr(t, "_count{type=\"AS-REQ\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(t, "_bucket{type=\"TGS-REQ\",le=\"10\"} "
	    "0\n"));
	ck_assert_ptr_nonnull(strstr(t, "_bucket{type=\"TGS-REQ\",le=\"+Inf\"} "
	    "1\n"));
	ck_assert_ptr_nonnull(strstr(t, "_sum{type=\"TGS-REQ\"} 20.000000\n"));
	ck_assert_ptr_nonnull(strstr(t, "_count{type=\"other\"} 1\n"));
	free(t);
}
END_TEST

/* The registry is bounded: extra series are counted, not stored. */
START_TEST(test_bounded)
{
	char name[64];
	int i;

	metrics_reset();
	for (i = 0; i < METRICS_MAX_SERIES + 50; i++) {
		snprintf(name, sizeof(name), "x_total{n=\"%d\"}", i);
		metrics_counter_add(name, 1);
	}
	ck_assert_int_ge(metrics_value("metrics_dropped_total"), 50);
	/* Bad names are refused, not exported. */
	metrics_reset();
	metrics_counter_add("9bad", 1);
	metrics_counter_add("bad-name", 1);
	metrics_counter_add("bad{unterminated", 1);
	ck_assert_int_eq(metrics_value("metrics_dropped_total"), 3);
	ck_assert_int_eq(metrics_describe("has space", METRICS_GAUGE, "x"), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_known_at_zero);
	tcase_add_test(tc, test_counters_gauges);
	tcase_add_test(tc, test_requests_histogram);
	tcase_add_test(tc, test_bounded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
