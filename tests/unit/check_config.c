/* check_config.c - kdc.conf: profile syntax, typed options, errors, man page. */
#include "config.h"

#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "kdc_config.h"
#include "lib/profile.h"

static char pathbuf[4096];

/* A file of the source tree; make check exports top_srcdir. */
static const char *
src(const char *rel)
{
	const char *top = getenv("top_srcdir");

	snprintf(pathbuf, sizeof(pathbuf), "%s/%s", top != NULL ? top : ".",
	    rel);
	return pathbuf;
}

static const char *
conf(const char *name)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "tests/data/conf/%s", name);
	return src(rel);
}

static struct kdc_config *
load_ok(const char *path)
{
	struct kdc_config *cfg = NULL;
	char err[1024] = "";

	if (config_load(path, &cfg, err, sizeof(err)) != 0)
		ck_abort_msg("%s did not load: %s", path, err);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

static void
assert_listen(const struct listen_list *l, const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++) {
		ck_assert_uint_lt(i, l->n);
		ck_assert_str_eq(l->v[i].text, want[i]);
	}
	ck_assert_uint_eq(i, l->n);
}

START_TEST(test_example)
{
	struct kdc_config *cfg = load_ok(src("conf/kdc.conf.example"));
	const struct realm_config *r;
	static const char *const listen[] = { "127.0.0.1:88", "[::1]:88",
		NULL };

	assert_listen(&cfg->udp, listen);
	assert_listen(&cfg->tcp, listen);
	ck_assert_uint_eq(cfg->log.n_targets, 1);
	ck_assert_int_eq(cfg->log.targets[0].kind, LOG_TARGET_SYSLOG);
	ck_assert_int_eq(cfg->log.targets[0].facility, LOG_DAEMON);
	ck_assert_int_eq(cfg->log.level, LOG_LVL_INFO);
	ck_assert_uint_eq(cfg->n_realms, 1);
	r = config_realm(cfg, "EXAMPLE.TEST");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_null(config_realm(cfg, "example.test"));
	ck_assert_int_eq(r->max_life, 36000);
	ck_assert_int_eq(r->clockskew, 300);
	ck_assert_str_eq(r->krbtgt_keytab, "FILE:/etc/pkinit-kdc/krbtgt.keytab");
	ck_assert_uint_eq(r->pkinit_anchors.n, 2);
	ck_assert_str_eq(r->pkinit_anchors.v[1], "DIR:/etc/pkinit-kdc/ca/anchors");
	ck_assert_uint_eq(r->ldap_uri.n, 2);
	ck_assert_str_eq(r->ldap_uri.v[1], "ldaps://dc2.example.test");
	ck_assert_str_eq(r->ldap_base_dn, "dc=example,dc=test");
	ck_assert_str_eq(r->file, cfg->path);
	config_free(cfg);
}
END_TEST

START_TEST(test_defaults)
{
	struct kdc_config *cfg = load_ok(conf("good-empty.conf"));
	static const char *const any88[] = { "0.0.0.0:88", "[::]:88", NULL };

	assert_listen(&cfg->udp, any88);
	assert_listen(&cfg->tcp, any88);
	ck_assert_int_eq(cfg->udp.v[1].ss.ss_family, AF_INET6);
	ck_assert_uint_eq(cfg->udp.v[1].len, sizeof(struct sockaddr_in6));
	ck_assert_int_eq(ntohs(((struct sockaddr_in *)&cfg->udp.v[0].ss)->sin_port), 88);
	ck_assert_uint_eq(cfg->max_dgram_reply_size, 4096);
	ck_assert_uint_eq(cfg->max_tcp_message_size, 256 * 1024);
	ck_assert_int_eq(cfg->tcp_idle_timeout, 30);
	ck_assert_int_eq(cfg->max_tcp_connections, 1024);
	ck_assert_int_eq(cfg->tcp_listen_backlog, 128);
	ck_assert_uint_eq(cfg->log.n_targets, 1);
	ck_assert_int_eq(cfg->log.targets[0].kind, LOG_TARGET_STDERR);
	ck_assert_int_eq(cfg->log.level, LOG_LVL_INFO);
	ck_assert_uint_eq(cfg->n_realms, 0);
	ck_assert_ptr_null(cfg->realms);
	config_free(cfg);
	config_free(NULL);
}
END_TEST

START_TEST(test_listen_forms)
{
	struct kdc_config *cfg = load_ok(conf("good-listen.conf"));
	static const char *const udp[] = { "127.0.0.1:8888", "[::1]:8889",
		"[::1]:88", "127.0.0.2:88", "0.0.0.0:750", "[::]:750", NULL };
	static const char *const tcp[] = { "[::1]:88", "0.0.0.0:7000",
		"[::]:7000", NULL };
	const struct sockaddr_in6 *s6;

	assert_listen(&cfg->udp, udp);
	assert_listen(&cfg->tcp, tcp);
	s6 = (const struct sockaddr_in6 *)&cfg->udp.v[1].ss;
	ck_assert_int_eq(s6->sin6_family, AF_INET6);
	ck_assert_int_eq(ntohs(s6->sin6_port), 8889);
	ck_assert(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr));
	config_free(cfg);
}
END_TEST

START_TEST(test_value_forms)
{
	struct kdc_config *cfg = load_ok(conf("good-forms.conf"));
	const struct realm_config *r, *o;

	ck_assert_int_eq(cfg->tcp_idle_timeout, 90);
	ck_assert_uint_eq(cfg->max_tcp_message_size, 1024 * 1024);
	ck_assert_uint_eq(cfg->max_dgram_reply_size, 1400);
	ck_assert_uint_eq(cfg->log.n_targets, 3);
	ck_assert_int_eq(cfg->log.targets[0].kind, LOG_TARGET_STDERR);
	ck_assert_int_eq(cfg->log.targets[1].kind, LOG_TARGET_SYSLOG);
	ck_assert_int_eq(cfg->log.targets[1].facility, LOG_LOCAL3);
	ck_assert_int_eq(cfg->log.targets[2].kind, LOG_TARGET_FILE);
	ck_assert_str_eq(cfg->log.targets[2].path, "/var/log/pkinit-kdc.log");
	ck_assert_int_eq(cfg->log.level, LOG_LVL_DEBUG);

	ck_assert_uint_eq(cfg->n_realms, 2);
	r = cfg->realms;
	ck_assert_str_eq(r->name, "EXAMPLE.TEST");
	ck_assert_int_eq(r->line, 15);
	ck_assert_int_eq(r->max_life, 93600);
	ck_assert_int_eq(r->max_renewable_life, 5415);
	ck_assert_int_eq(r->clockskew, 120);
	ck_assert_str_eq(r->krbtgt_keytab,
	    "FILE:/var/lib/pkinit-kdc/krbtgt.keytab");
	ck_assert_str_eq(r->pkinit_identity, "PKCS12:/etc/pkinit kdc/kdc.p12");
	ck_assert_uint_eq(r->pkinit_anchors.n, 3);
	ck_assert_str_eq(r->pkinit_anchors.v[0], "FILE:/etc/ca/root1.pem");
	ck_assert_str_eq(r->pkinit_anchors.v[1], "FILE:/etc/ca/root2.pem");
	ck_assert_str_eq(r->pkinit_anchors.v[2], "DIR:/etc/ca/more");
	ck_assert_uint_eq(r->pkinit_pool.n, 1);
	ck_assert_int_eq(r->pkinit_require_freshness, 1);
	ck_assert_int_eq(r->pkinit_allow_rsa_protocol, 0);
	ck_assert_int_eq(r->pkinit_allow_sha1, 0);
	ck_assert_int_eq(r->pkinit_dh_min_bits, 7680);
	ck_assert_uint_eq(r->ldap_uri.n, 3);
	ck_assert_str_eq(r->ldap_uri.v[0], "ldapi://%2Frun%2Fslapd.sock");
	ck_assert_str_eq(r->ldap_uri.v[2], "ldaps://[::1]:636");
	ck_assert_str_eq(r->ldap_base_dn, "ou=people, dc=example,dc=test");
	ck_assert_str_eq(r->ldap_bind_dn, "cn=\"kdc\"\\x,dc=test");
	ck_assert_str_eq(r->ldap_sasl_mech, "EXTERNAL");
	ck_assert_int_eq(r->ldap_timeout, 60);

	/* The second realm keeps every default. */
	o = config_realm(cfg, "OTHER.TEST");
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_eq(r->next, o);
	ck_assert_int_eq(o->max_life, 36000);
	ck_assert_int_eq(o->max_renewable_life, 604800);
	ck_assert_int_eq(o->clockskew, 300);
	ck_assert_int_eq(o->pkinit_dh_min_bits, 2048);
	ck_assert_int_eq(o->pkinit_allow_rsa_protocol, 1);
	ck_assert_int_eq(o->pkinit_require_freshness, 0);
	ck_assert_int_eq(o->pkinit_allow_sha1, 0);
	ck_assert_int_eq(o->ldap_timeout, 5);
	ck_assert_uint_eq(o->pkinit_pool.n, 0);
	ck_assert_ptr_null(o->ldap_bind_dn);
	config_free(cfg);
}
END_TEST

START_TEST(test_default_log)
{
	struct kdc_config *cfg = load_ok(conf("good-default-log.conf"));

	ck_assert_uint_eq(cfg->log.n_targets, 2);
	ck_assert_int_eq(cfg->log.targets[0].kind, LOG_TARGET_SYSLOG);
	ck_assert_int_eq(cfg->log.targets[0].facility, LOG_AUTH);
	ck_assert_int_eq(cfg->log.targets[1].facility, LOG_DAEMON);
	config_free(cfg);
}
END_TEST

START_TEST(test_where)
{
	struct kdc_config *cfg = load_ok(conf("good-forms.conf"));
	char want[4200];

	snprintf(want, sizeof(want), "%s:19", cfg->path);
	ck_assert_str_eq(config_option_where(cfg, "EXAMPLE.TEST",
	    "krbtgt_keytab"), want);
	/* A list points at its first line. */
	snprintf(want, sizeof(want), "%s:21", cfg->path);
	ck_assert_str_eq(config_option_where(cfg, "EXAMPLE.TEST",
	    "pkinit_anchors"), want);
	/* Left at its default: the realm block. */
	snprintf(want, sizeof(want), "%s:37", cfg->path);
	ck_assert_str_eq(config_option_where(cfg, "OTHER.TEST", "max_life"),
	    want);
	snprintf(want, sizeof(want), "%s:4", cfg->path);
	ck_assert_str_eq(config_option_where(cfg, NULL,
	    "kdc_tcp_idle_timeout"), want);
	ck_assert_str_eq(config_option_where(cfg, NULL, "kdc_listen"),
	    cfg->path);
	ck_assert_str_eq(config_option_where(cfg, "NOPE.TEST", "max_life"),
	    cfg->path);
	ck_assert_ptr_null(config_option_where(NULL, NULL, "kdc_listen"));
	config_free(cfg);
}
END_TEST

struct bad_case {
	const char *file;
	int line;           /* 0: a message about the whole file */
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "bad-unknown-option.conf", 3, "unknown option 'kdc_lisen' in "
	  "[kdcdefaults]; did you mean 'kdc_listen'?" },
	{ "bad-unknown-realm-option.conf", 8, "unknown option "
	  "'pkinit_alow_sha1' in [realms] EXAMPLE.TEST; did you mean "
	  "'pkinit_allow_sha1'?" },
	{ "bad-unknown-section.conf", 2, "unknown section [kdcdefault]; did "
	  "you mean [kdcdefaults]?" },
	{ "bad-foreign-section.conf", 1, "unknown section [dbmodules] "
	  "(known:" },
	{ "bad-bool.conf", 8, "pkinit_allow_sha1: bad boolean 'maybe'" },
	{ "bad-duration.conf", 8, "max_life: bad duration '10 hours'" },
	{ "bad-port.conf", 3, "kdc_tcp_listen: bad port '65536'" },
	{ "bad-address.conf", 2, "kdc_listen: bad address 'kdc.example.test' "
	  "(a numeric IPv4 or IPv6 address is required)" },
	{ "bad-unclosed.conf", 5, "unbalanced braces: '{' opened at line 2 "
	  "for 'EXAMPLE.TEST' is not closed" },
	{ "bad-unclosed-eof.conf", 2, "unbalanced braces: '{' for "
	  "'EXAMPLE.TEST' is never closed" },
	{ "bad-extra-close.conf", 3, "unbalanced braces: '}' without a "
	  "matching '{'" },
	{ "bad-outside.conf", 2, "relation 'kdc_listen' outside of any "
	  "[section]" },
	{ "bad-missing-eq.conf", 2, "missing '=' after 'kdc_listen'" },
	{ "bad-dup-realm.conf", 9, "duplicate realm EXAMPLE.TEST (first "
	  "defined at line 2)" },
	{ "bad-dup-option.conf", 3, "option 'kdc_tcp_idle_timeout' is already "
	  "set at line 2" },
	{ "bad-required.conf", 2, "realm EXAMPLE.TEST lacks required option "
	  "'krbtgt_keytab'" },
	{ "bad-keytab.conf", 7, "krbtgt_keytab: 'MEMORY:krbtgt' must be "
	  "FILE:/absolute/path" },
	{ "bad-range.conf", 8, "pkinit_dh_min_bits: value '512' out of range "
	  "(1024 to 16384)" },
	{ "bad-log.conf", 2, "kdc: bad log target 'CONSOLE'" },
	{ "bad-syslog.conf", 2, "kdc: bad syslog target 'SYSLOG:mail'" },
	{ "bad-quote.conf", 3, "unterminated quoted value" },
	{ "bad-longline.conf", 2, "line too long (more than 4096 characters)" },
	{ "bad-deep.conf", 10, "blocks nested deeper than 8 levels" },
	{ "bad-realm-relation.conf", 2, "realm EXAMPLE.TEST must be a block" },
	{ "bad-block-option.conf", 2, "option 'kdc_listen' takes a value, not "
	  "a block" },
	{ "bad-empty-list.conf", 8, "ldap_uri: empty value" },
	{ "no-such-file.conf", 0, "cannot open: No such file or directory" },
};

#define N_BAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

START_TEST(test_errors)
{
	const struct bad_case *bc = &bad_cases[_i];
	struct kdc_config *cfg = NULL;
	char path[4096], err[1024] = "", want[4200];

	snprintf(path, sizeof(path), "%s", conf(bc->file));
	if (bc->line > 0)
		snprintf(want, sizeof(want), "%s:%d: %s", path, bc->line,
		    bc->msg);
	else
		snprintf(want, sizeof(want), "%s: %s", path, bc->msg);
	ck_assert_int_eq(config_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_ptr_null(cfg);
	if (strncmp(err, want, strlen(want)) != 0)
		ck_abort_msg("%s:\n got  '%s'\n want '%s...'", bc->file, err,
		    want);
}
END_TEST

START_TEST(test_duration)
{
	static const struct {
		const char *in;
		int64_t secs;   /* -1: rejected */
	} cases[] = {
		{ "10h", 36000 }, { "1d 2h", 93600 }, { "1:30", 5400 },
		{ "1:30:15", 5415 }, { "7d", 604800 }, { "300", 300 },
		{ "0", 0 }, { "1h30m", 5400 }, { "1d2h3m4s", 93784 },
		{ "  5m  ", 300 }, { "2d 0:00:10", 172810 }, { "45s", 45 },
		{ "1d 1:00", 90000 },
		{ "", -1 }, { "h", -1 }, { "10x", -1 }, { "10 hours", -1 },
		{ "2h 1d", -1 }, { "1h 1h", -1 }, { "1:3", -1 },
		{ "1:60", -1 }, { "1:30:99", -1 }, { "1h 2:00", -1 },
		{ "-5", -1 }, { "5 5", -1 }, { "1d 300", -1 },
		{ "99999999999", -1 }, { "30000d", -1 }, { "1:30 5s", -1 },
		{ "1.5h", -1 },
	};
	size_t i;
	int64_t v;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = -2;
		if (cases[i].secs < 0) {
			if (config_parse_duration(cases[i].in, &v) != -1)
				ck_abort_msg("'%s' accepted as %lld",
				    cases[i].in, (long long)v);
			ck_assert_int_eq(v, -2);
			continue;
		}
		if (config_parse_duration(cases[i].in, &v) != 0)
			ck_abort_msg("'%s' rejected", cases[i].in);
		ck_assert_int_eq(v, cases[i].secs);
	}
}
END_TEST

START_TEST(test_bool_size)
{
	static const char *const yes[] = { "y", "yes", "TRUE", "t", "1", "on" };
	static const char *const no[] = { "n", "No", "false", "nil", "0",
		"off" };
	uint64_t sz;
	size_t i;
	int b;

	for (i = 0; i < 6; i++) {
		b = -1;
		ck_assert_int_eq(config_parse_bool(yes[i], &b), 0);
		ck_assert_int_eq(b, 1);
		ck_assert_int_eq(config_parse_bool(no[i], &b), 0);
		ck_assert_int_eq(b, 0);
	}
	ck_assert_int_eq(config_parse_bool("maybe", &b), -1);
	ck_assert_int_eq(config_parse_bool("", &b), -1);
	ck_assert_int_eq(config_parse_bool("yes ", &b), -1);

	ck_assert_int_eq(config_parse_size("4096", &sz), 0);
	ck_assert_uint_eq(sz, 4096);
	ck_assert_int_eq(config_parse_size("64k", &sz), 0);
	ck_assert_uint_eq(sz, 65536);
	ck_assert_int_eq(config_parse_size("2M", &sz), 0);
	ck_assert_uint_eq(sz, 2097152);
	ck_assert_int_eq(config_parse_size("2g", &sz), -1);
	ck_assert_int_eq(config_parse_size("k", &sz), -1);
	ck_assert_int_eq(config_parse_size("-1", &sz), -1);
}
END_TEST

START_TEST(test_listen_parser)
{
	struct listen_list l = { NULL, 0 };
	char err[256];

	ck_assert_int_eq(config_parse_listen("[::1]:88,127.0.0.1", &l, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(config_parse_listen("127.0.0.1:88", &l, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "duplicate listen address 127.0.0.1:88");
	ck_assert_int_eq(config_parse_listen("[::1", &l, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "bad address '[::1'");
	ck_assert_int_eq(config_parse_listen("[::1]x", &l, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(config_parse_listen("127.0.0.1:0", &l, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "bad port '0'");
	ck_assert_int_eq(config_parse_listen("1.2.3.4:8x", &l, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(config_parse_listen("localhost", &l, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(config_parse_listen(" , ", &l, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "empty address list");
	ck_assert_int_eq(config_parse_listen("99999", &l, err, sizeof(err)),
	    -1);
	ck_assert_uint_eq(l.n, 2);
	config_listen_list_clear(&l);
	ck_assert_uint_eq(l.n, 0);
	config_listen_list_clear(NULL);
}
END_TEST

START_TEST(test_log_target)
{
	struct log_target t;
	char err[256];

	ck_assert_int_eq(config_parse_log_target("SYSLOG", &t, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(t.facility, LOG_DAEMON);
	ck_assert_int_eq(config_parse_log_target("SYSLOG:authpriv", &t, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(t.facility, LOG_AUTHPRIV);
	ck_assert_int_eq(config_parse_log_target("SYSLOG:notice", &t, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(t.facility, LOG_DAEMON);
	ck_assert_int_eq(config_parse_log_target("SYSLOG:err:local7", &t, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(t.facility, LOG_LOCAL7);
	ck_assert_int_eq(config_parse_log_target("SYSLOG:local7:err", &t, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(config_parse_log_target("FILE:/tmp/kdc.log", &t, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(t.kind, LOG_TARGET_FILE);
	ck_assert_str_eq(t.path, "/tmp/kdc.log");
	ck_assert_int_eq(config_parse_log_target("FILE:kdc.log", &t, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "log file 'kdc.log' must be an absolute path");
}
END_TEST

/* The profile tree itself: kinds, nesting, locations, markers, quoting. */
START_TEST(test_profile_tree)
{
	static const char text[] =
	    "[a]\r\n"
	    "  x = 1 \r\n"
	    "  ; c\r\n"
	    "  b = {\r\n"
	    "    y* = \"q\\\"\\t\\\\\"  \r\n"
	    "    e =\r\n"
	    "  }*\r\n"
	    "[c]*\n"
	    "z = {\n"
	    "}";
	struct profile *p = NULL;
	const struct profile_node *a, *x, *b, *y, *e, *c;
	char err[256];

	ck_assert_int_eq(profile_parse_buffer("mem", text, sizeof(text) - 1,
	    &p, err, sizeof(err)), 0);
	a = p->sections;
	ck_assert_str_eq(a->name, "a");
	ck_assert_int_eq(a->kind, PROFILE_SECTION);
	x = a->children;
	ck_assert_str_eq(x->value, "1");
	ck_assert_int_eq(x->line, 2);
	ck_assert_str_eq(x->file, "mem");
	b = x->next;
	ck_assert_int_eq(b->kind, PROFILE_BLOCK);
	ck_assert_int_eq(b->line, 4);
	ck_assert_int_eq(b->final, 1);
	ck_assert_ptr_null(b->next);
	y = b->children;
	ck_assert_ptr_eq(y->parent, b);
	ck_assert_str_eq(y->name, "y");
	ck_assert_int_eq(y->final, 1);
	ck_assert_str_eq(y->value, "q\"\t\\");
	e = y->next;
	ck_assert_str_eq(e->value, "");
	c = a->next;
	ck_assert_str_eq(c->name, "c");
	ck_assert_int_eq(c->final, 1);
	ck_assert_int_eq(c->children->kind, PROFILE_BLOCK);
	ck_assert_int_eq(c->children->line, 9);
	ck_assert_ptr_null(c->next);
	profile_free(p);
	profile_free(NULL);

	ck_assert_int_eq(profile_parse_buffer("mem", "[a]\nx = \"a\" b\n", 14,
	    &p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "mem:2: unexpected text after quoted value: 'b'");
	ck_assert_int_eq(profile_parse_buffer("mem", "[a]\nx = \"\\q\"\n", 13,
	    &p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "mem:2: unknown escape '\\q' in quoted value");
	ck_assert_int_eq(profile_parse_buffer("mem", "[a\n", 3, &p, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "mem:1: missing ']' in section header");
	ck_assert_int_eq(profile_parse_buffer("mem", "[a]\n= 1\n", 8, &p, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "mem:2: missing option name before '='");
	ck_assert_int_eq(profile_parse_buffer("mem", "[a]\nx = 1\0\n", 11, &p,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "mem:2: NUL byte in line");
	ck_assert_int_eq(profile_parse_buffer("mem", "", 0, &p, err,
	    sizeof(err)), 0);
	ck_assert_ptr_null(p->sections);
	profile_free(p);
}
END_TEST

START_TEST(test_oversize_file)
{
	struct profile *p = NULL;
	char *big, err[256];
	size_t n = PROFILE_MAX_FILE + 1;

	big = malloc(n);
	ck_assert_ptr_nonnull(big);
	memset(big, '\n', n);
	ck_assert_int_eq(profile_parse_buffer("big", big, n, &p, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "big: file too large (more than 1048576 bytes)");
	ck_assert_int_eq(profile_parse_buffer("big", big, n - 1, &p, err,
	    sizeof(err)), 0);
	profile_free(p);
	free(big);
}
END_TEST

START_TEST(test_option_table)
{
	size_t n, i, j;
	const struct config_option *o = config_options(&n);

	ck_assert_uint_gt(n, 20);
	for (i = 0; i < n; i++) {
		ck_assert(strcmp(o[i].section, "kdcdefaults") == 0 ||
		    strcmp(o[i].section, "logging") == 0 ||
		    strcmp(o[i].section, "realms") == 0);
		ck_assert_ptr_nonnull(o[i].desc);
		ck_assert_str_ne(config_type_name(o[i].type), "unknown");
		for (j = i + 1; j < n; j++)
			ck_assert(strcmp(o[i].name, o[j].name) != 0 ||
			    strcmp(o[i].section, o[j].section) != 0);
	}
	ck_assert_str_eq(config_default_path(),
	    SYSCONFDIR "/pkinit-kdc/kdc.conf");
}
END_TEST

/* Where the paragraph of option i ends: at the next option's paragraph
 * or the next section heading. */
static const char *
paragraph_end(const char *page, const char *start,
    const struct config_option *o, size_t n)
{
	const char *end = page + strlen(page), *p;
	char hdr[128];
	size_t j;

	for (j = 0; j < n; j++) {
		snprintf(hdr, sizeof(hdr), "\n.TP\n.B %s\n", o[j].name);
		p = strstr(start + 1, hdr);
		if (p != NULL && p < end)
			end = p;
	}
	if ((p = strstr(start + 1, "\n.SH")) != NULL && p < end)
		end = p;
	if ((p = strstr(start + 1, "\n.SS")) != NULL && p < end)
		end = p;
	return end;
}

/*
 * "A config option exists when it is in man/kdc.conf.5": every option the
 * parser accepts has its own tagged paragraph (.TP / .B name) that states
 * its default (or that it has none, or is required) and an example.
 */
START_TEST(test_man_page)
{
	FILE *f = fopen(src("man/kdc.conf.5"), "r");
	static char page[128 * 1024], para[16 * 1024];
	char want[128];
	const char *start, *end;
	size_t n, len, i;
	const struct config_option *o = config_options(&n);

	ck_assert_ptr_nonnull(f);
	len = fread(page, 1, sizeof(page) - 1, f);
	fclose(f);
	page[len] = '\0';
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "\n.TP\n.B %s\n", o[i].name);
		start = strstr(page, want);
		if (start == NULL)
			ck_abort_msg("option %s is not documented in "
			    "kdc.conf(5)", o[i].name);
		end = paragraph_end(page, start, o, n);
		len = (size_t)(end - start);
		ck_assert_uint_lt(len, sizeof(para));
		memcpy(para, start, len);
		para[len] = '\0';
		if (strstr(para, "Example:\n.B ") == NULL)
			ck_abort_msg("kdc.conf(5): %s has no example",
			    o[i].name);
		if (strstr(para, "(required") == NULL &&
		    strstr(para, "required)") == NULL &&
		    strstr(para, "no default") == NULL &&
		    strstr(para, "default\n") == NULL)
			ck_abort_msg("kdc.conf(5): %s does not state its "
			    "default", o[i].name);
		/* A documented default must be the real one. */
		if (o[i].def != NULL && strstr(para, "no default") == NULL) {
			snprintf(want, sizeof(want), "\n.B %s", o[i].def);
			if (strstr(para, want) == NULL) {
				snprintf(want, sizeof(want), "\n.BR %s ",
				    o[i].def);
				if (strstr(para, want) == NULL)
					ck_abort_msg("kdc.conf(5): %s: default "
					    "%s not shown", o[i].name,
					    o[i].def);
			}
		}
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_example);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_listen_forms);
	tcase_add_test(tc, test_value_forms);
	tcase_add_test(tc, test_default_log);
	tcase_add_test(tc, test_where);
	tcase_add_loop_test(tc, test_errors, 0, (int)N_BAD);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_bool_size);
	tcase_add_test(tc, test_listen_parser);
	tcase_add_test(tc, test_log_target);
	tcase_add_test(tc, test_profile_tree);
	tcase_add_test(tc, test_oversize_file);
	tcase_add_test(tc, test_option_table);
	tcase_add_test(tc, test_man_page);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
