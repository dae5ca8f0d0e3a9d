/*
 * check_keytab.c - MIT keytab reading, cross-checked against MIT ktutil:
 * every AES key ktutil wrote must equal our own string-to-key of the same
 * password and default salt.  Uses the committed tests/data/keytab file
 * and, when ktutil is installed, a freshly generated one.  Truncations
 * and single-byte corruptions at every offset must fail cleanly.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kcrypto.h"
#include "kerror.h"
#include "keytab.h"
#include "secmem.h"

#define KRBTGT "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST"
#define HTTP "HTTP/www.example.test@EXAMPLE.TEST"
#define LEGACY "host/legacy.example.test@EXAMPLE.TEST"

/* What make-keytabs.sh writes, in file order. */
static const struct {
	const char *principal;
	const char *password;
	const char *salt;       /* MIT default salt: realm + components */
	uint32_t kvno;
	int32_t enctype;
} expect[] = {
	{ KRBTGT, "krbtgt-pass-1", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 1, 17 },
	{ KRBTGT, "krbtgt-pass-1", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 1, 18 },
	{ KRBTGT, "krbtgt-pass-1", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 1, 19 },
	{ KRBTGT, "krbtgt-pass-1", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 1, 20 },
	{ KRBTGT, "krbtgt-pass-2", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 2, 17 },
	{ KRBTGT, "krbtgt-pass-2", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 2, 18 },
	{ KRBTGT, "krbtgt-pass-2", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 2, 19 },
	{ KRBTGT, "krbtgt-pass-2", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 2, 20 },
	{ KRBTGT, "krbtgt-pass-3", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 3, 17 },
	{ KRBTGT, "krbtgt-pass-3", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 3, 18 },
	{ KRBTGT, "krbtgt-pass-3", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 3, 19 },
	{ KRBTGT, "krbtgt-pass-3", "EXAMPLE.TESTkrbtgtEXAMPLE.TEST", 3, 20 },
	{ HTTP, "HTTP-pass-300", "EXAMPLE.TESTHTTPwww.example.test", 300, 18 },
	{ HTTP, "HTTP-pass-300", "EXAMPLE.TESTHTTPwww.example.test", 300, 19 },
	{ LEGACY, "host-pass-7", NULL, 7, 16 },
	{ LEGACY, "host-pass-7", NULL, 7, 23 },
};

#define N_EXPECT (sizeof(expect) / sizeof(expect[0]))

static char *
data_path(const char *name)
{
	const char *top = getenv("top_srcdir");
	char *p;
	size_t n;

	if (top == NULL)
		top = ".";
	n = strlen(top) + strlen(name) + 32;
	p = malloc(n);
	ck_assert_ptr_nonnull(p);
	snprintf(p, n, "%s/tests/data/keytab/%s", top, name);
	return p;
}

static unsigned char *
slurp(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 2);
	rewind(f);
	buf = malloc((size_t)n);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len_out = (size_t)n;
	return buf;
}

/* Check a keytab written by make-keytabs.sh, key by key. */
static void
check_example(const struct keytab *kt)
{
	const struct kt_entry *ent;
	struct kc_key mine, theirs;
	struct kerr e;
	size_t i;

	ck_assert_uint_eq(kt->version, 0x0502);
	ck_assert_uint_eq(kt->n_entries, N_EXPECT);
	for (i = 0; i < N_EXPECT; i++) {
		ent = &kt->entries[i];
		ck_assert_str_eq(ent->principal, expect[i].principal);
		ck_assert_uint_eq(ent->kvno, expect[i].kvno);
		ck_assert_int_eq(ent->enctype, expect[i].enctype);
		/* ktutil marks krbtgt names NT-SRV-INST (2), others
		 * NT-PRINCIPAL (1). */
		ck_assert_int_eq(ent->name_type,
		    strncmp(expect[i].principal, "krbtgt/", 7) == 0 ? 2 : 1);
		ck_assert_str_eq(ent->realm, "EXAMPLE.TEST");
		ck_assert_uint_eq(ent->n_components, 2);
		if (expect[i].salt == NULL) {
			/* Kept, but not usable as a kc_key. */
			ck_assert_int_eq(kt_entry_key(ent, &theirs, &e),
			    KDC_ERR_ETYPE_NOSUPP);
			continue;
		}
		ck_assert_int_eq(kt_entry_key(ent, &theirs, &e), 0);
		ck_assert_int_eq(kc_string_to_key(expect[i].enctype,
		    expect[i].password, strlen(expect[i].password),
		    expect[i].salt, strlen(expect[i].salt), NULL, 0, &mine,
		    &e), 0);
		ck_assert_msg(kc_key_equal(&mine, &theirs),
		    "key %zu (%s kvno %u enctype %d) differs from MIT's", i,
		    expect[i].principal, expect[i].kvno, expect[i].enctype);
		kc_key_clear(&mine);
		kc_key_clear(&theirs);
	}
	ck_assert_str_eq(kt->entries[0].components[0], "krbtgt");
	ck_assert_str_eq(kt->entries[0].components[1], "EXAMPLE.TEST");
}

START_TEST(test_committed_keytab)
{
	char *path = data_path("example.keytab");
	struct keytab *kt = NULL;
	struct kerr e;

	ck_assert_int_eq(kt_read_file(path, &kt, &e), 0);
	check_example(kt);
	kt_free(kt);
	free(path);
}
END_TEST

START_TEST(test_lookup)
{
	char *path = data_path("example.keytab");
	const struct kt_entry *ent;
	struct keytab *kt = NULL;
	struct kerr e;

	ck_assert_int_eq(kt_read_file(path, &kt, &e), 0);
	ck_assert_uint_eq(kt_newest_kvno(kt, KRBTGT), 3);
	ck_assert_uint_eq(kt_newest_kvno(kt, HTTP), 300);
	ck_assert_uint_eq(kt_newest_kvno(kt, "nobody@EXAMPLE.TEST"), 0);
	ent = kt_find(kt, KRBTGT, 0, 20);
	ck_assert_ptr_nonnull(ent);
	ck_assert_uint_eq(ent->kvno, 3);
	ck_assert_int_eq(ent->enctype, 20);
	ent = kt_find(kt, KRBTGT, 2, 17);
	ck_assert_ptr_nonnull(ent);
	ck_assert_uint_eq(ent->kvno, 2);
	ck_assert_int_eq(ent->enctype, 17);
	ent = kt_find(kt, KRBTGT, 1, 0);
	ck_assert_ptr_nonnull(ent);
	ck_assert_uint_eq(ent->kvno, 1);
	ck_assert_ptr_null(kt_find(kt, KRBTGT, 4, 0));
	ck_assert_ptr_null(kt_find(kt, HTTP, 0, 17));
	ck_assert_ptr_nonnull(kt_find(kt, HTTP, 300, 19));
	/* kvno 300 does not fit the 8-bit field: 300 mod 256 must not match. */
	ck_assert_ptr_null(kt_find(kt, HTTP, 44, 0));
	ck_assert_ptr_null(kt_find(kt, "krbtgt/EXAMPLE.TEST", 0, 0));
	ck_assert_ptr_null(kt_find(kt, NULL, 0, 0));
	ck_assert_ptr_null(kt_find(NULL, KRBTGT, 0, 0));
	kt_free(kt);
	kt_free(NULL);
	free(path);
}
END_TEST

/* MIT's own tool, run now: a fresh keytab must check out the same way. */
START_TEST(test_live_ktutil)
{
	char dir[] = "/tmp/check_keytab.XXXXXX";
	char cmd[1024], kt_path[256];
	char *script = data_path("make-keytabs.sh");
	struct keytab *kt = NULL;
	struct kerr e;
	int rc;

	if (system("command -v ktutil >/dev/null 2>&1") != 0) {
		fprintf(stderr, "ktutil not installed: live check skipped\n");
		free(script);
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", script, dir);
	rc = system(cmd);
	ck_assert_int_eq(WEXITSTATUS(rc), 0);
	snprintf(kt_path, sizeof(kt_path), "%s/example.keytab", dir);
	ck_assert_int_eq(kt_read_file(kt_path, &kt, &e), 0);
	check_example(kt);
	kt_free(kt);
	unlink(kt_path);
	rmdir(dir);
	free(script);
}
END_TEST

/* Offsets where each record starts, and where the last one ends. */
static size_t
record_bounds(const unsigned char *buf, size_t len, size_t *bounds,
    size_t cap)
{
	size_t off = 2, n = 0;

	while (off + 4 <= len && n < cap) {
		uint32_t sz = (uint32_t)buf[off] << 24 | buf[off + 1] << 16 |
		    buf[off + 2] << 8 | buf[off + 3];

		bounds[n++] = off;
		off += 4 + sz;
	}
	ck_assert_uint_eq(off, len);
	bounds[n++] = len;
	return n;
}

START_TEST(test_truncation_every_offset)
{
	char *path = data_path("example.keytab");
	size_t len, i, j, nb;
	size_t bounds[64];
	unsigned char *buf = slurp(path, &len);
	struct keytab *kt;
	struct kerr e;

	nb = record_bounds(buf, len, bounds, 64);
	ck_assert_uint_eq(nb, N_EXPECT + 1);
	for (i = 0; i < len; i++) {
		kerr_t r;

		kt = NULL;
		r = kt_parse(buf, i, &kt, &e);
		/* Only a cut exactly between records leaves a valid file. */
		for (j = 0; j < nb; j++)
			if (bounds[j] == i)
				break;
		if (j < nb) {
			ck_assert_int_eq(r, 0);
			ck_assert_uint_eq(kt->n_entries, j);
		} else {
			ck_assert_msg(r != 0, "cut at %zu accepted", i);
			ck_assert_ptr_null(kt);
		}
		kt_free(kt);
	}
	free(buf);
	free(path);
}
END_TEST

/* Every byte changed in turn: parses or fails, never crashes or overreads
 * (the sanitizer builds make overreads loud). */
START_TEST(test_corruption_every_offset)
{
	static const unsigned char deltas[] = { 0x01, 0x80, 0xff };
	char *path = data_path("example.keytab");
	size_t len, i, d, ok = 0, bad = 0;
	unsigned char *buf = slurp(path, &len);
	struct keytab *kt;
	struct kerr e;

	for (i = 0; i < len; i++) {
		for (d = 0; d < sizeof(deltas); d++) {
			buf[i] ^= deltas[d];
			kt = NULL;
			if (kt_parse(buf, len, &kt, &e) == 0) {
				ck_assert_ptr_nonnull(kt);
				ck_assert_uint_le(kt->n_entries, N_EXPECT);
				ok++;
			} else {
				ck_assert_ptr_null(kt);
				ck_assert_int_eq(e.code, KRB_ERR_GENERIC);
				bad++;
			}
			kt_free(kt);
			buf[i] ^= deltas[d];
		}
	}
	ck_assert_uint_gt(ok, 0);       /* key bytes, timestamps */
	ck_assert_uint_gt(bad, 0);      /* lengths, version */
	free(buf);
	free(path);
}
END_TEST

/* Holes (negative lengths) are skipped, a zero length ends the entries. */
START_TEST(test_holes_and_end)
{
	char *path = data_path("example.keytab");
	size_t len, nb;
	size_t bounds[64];
	unsigned char *buf = slurp(path, &len), *img;
	struct keytab *kt = NULL;
	struct kerr e;

	nb = record_bounds(buf, len, bounds, 64);
	ck_assert_uint_gt(nb, 3);
	/* Turn the first record into a hole: its length negated. */
	img = malloc(len + 16);
	ck_assert_ptr_nonnull(img);
	memcpy(img, buf, len);
	{
		uint32_t sz = (uint32_t)(bounds[1] - bounds[0] - 4);
		uint32_t neg = (uint32_t)-(int32_t)sz;

		img[2] = neg >> 24;
		img[3] = neg >> 16;
		img[4] = neg >> 8;
		img[5] = neg;
	}
	ck_assert_int_eq(kt_parse(img, len, &kt, &e), 0);
	ck_assert_uint_eq(kt->n_entries, N_EXPECT - 1);
	ck_assert_int_eq(kt->entries[0].enctype, 18);
	kt_free(kt);
	/* A hole longer than the file. */
	img[2] = 0xff;
	img[3] = 0x00;
	img[4] = 0x00;
	img[5] = 0x00;
	kt = NULL;
	ck_assert_int_ne(kt_parse(img, len, &kt, &e), 0);
	img[2] = 0x80;
	ck_assert_int_ne(kt_parse(img, len, &kt, &e), 0);
	/* Zero length after two records: the rest is ignored. */
	memcpy(img, buf, len);
	memset(img + bounds[2], 0, 4);
	ck_assert_int_eq(kt_parse(img, len, &kt, &e), 0);
	ck_assert_uint_eq(kt->n_entries, 2);
	kt_free(kt);
	/* Bad version, empty file, only a version. */
	memcpy(img, buf, len);
	img[1] = 0x03;
	kt = NULL;
	ck_assert_int_ne(kt_parse(img, len, &kt, &e), 0);
	ck_assert_int_ne(kt_parse(img, 0, &kt, &e), 0);
	ck_assert_int_eq(kt_parse(buf, 2, &kt, &e), 0);
	ck_assert_uint_eq(kt->n_entries, 0);
	kt_free(kt);
	free(img);
	free(buf);
	free(path);
}
END_TEST

/* A version 0x0501 record, little-endian like the hosts that wrote most of
 * them: count includes the realm, no name type, 8-bit kvno only. */
START_TEST(test_version_0501)
{
	static const unsigned char le_host[] = {
		0x05, 0x01,
		0x2a, 0x00, 0x00, 0x00,                 /* record size 42 */
		0x03, 0x00,                             /* 2 components + realm */
		0x04, 0x00, 'T', 'E', 'S', 'T',         /* realm */
		0x04, 0x00, 'h', 'o', 's', 't',
		0x01, 0x00, 'h',
		0x01, 0x02, 0x03, 0x04,                 /* timestamp */
		0x05,                                   /* kvno */
		0x11, 0x00,                             /* enctype 17 */
		0x10, 0x00,                             /* key length 16 */
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	};
	const uint16_t one = 1;
	struct keytab *kt = NULL;
	struct kc_key k;
	struct kerr e;

	if (*(const unsigned char *)&one != 1)
		return;        /* 0x0501 is native order; the bytes are LE */
	ck_assert_uint_eq(sizeof(le_host), 6 + 42);
	ck_assert_int_eq(kt_parse(le_host, sizeof(le_host), &kt, &e), 0);
	ck_assert_uint_eq(kt->version, 0x0501);
	ck_assert_uint_eq(kt->n_entries, 1);
	ck_assert_str_eq(kt->entries[0].principal, "host/h@TEST");
	ck_assert_uint_eq(kt->entries[0].kvno, 5);
	ck_assert_uint_eq(kt->entries[0].timestamp, 0x04030201);
	ck_assert_int_eq(kt->entries[0].name_type, 0);
	ck_assert_int_eq(kt_entry_key(&kt->entries[0], &k, &e), 0);
	ck_assert_int_eq(k.enctype, 17);
	ck_assert_int_eq(k.bytes[15], 15);
	kt_free(kt);
}
END_TEST

START_TEST(test_file_errors)
{
	char dir[] = "/tmp/check_keytab.XXXXXX";
	char path[256];
	struct keytab *kt = NULL;
	struct kerr e;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing", dir);
	ck_assert_int_ne(kt_read_file(path, &kt, &e), 0);
	ck_assert_ptr_null(kt);
	ck_assert_ptr_nonnull(strstr(e.msg, "missing"));
	/* A directory is not a keytab. */
	ck_assert_int_ne(kt_read_file(dir, &kt, &e), 0);
	/* Over the size limit: a sparse file, so nothing large is written. */
	snprintf(path, sizeof(path), "%s/huge", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputc(0x05, f), 0x05);
	ck_assert_int_eq(fseek(f, KT_MAX_FILE_SIZE + 1, SEEK_SET), 0);
	ck_assert_int_eq(fputc(0x00, f), 0x00);
	fclose(f);
	ck_assert_int_ne(kt_read_file(path, &kt, &e), 0);
	ck_assert_ptr_null(kt);
	unlink(path);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("keytab");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_committed_keytab);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_live_ktutil);
	tcase_add_test(tc, test_truncation_every_offset);
	tcase_add_test(tc, test_corruption_every_offset);
	tcase_add_test(tc, test_holes_and_end);
	tcase_add_test(tc, test_version_0501);
	tcase_add_test(tc, test_file_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
