/*
 * check_map.c - certificate mapping: AD-order DNs and their escaping,
 * reversed serials, every altSecurityIdentities form parsed and matched
 * against certificates built here, and the KB5014754 binding decision
 * under each enforcement mode.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cv_cert.h"
#include "dir_account.h"
#include "map_altsecid.h"
#include "map_bind.h"

/* [KB5014754] example: serial 2B0000000011AC0000000012 is stored as
 * 1200000000AC11000000002B. */
static const unsigned char kb_serial[] = {
	0x2b, 0x00, 0x00, 0x00, 0x00, 0x11, 0xac, 0x00, 0x00, 0x00, 0x00, 0x12
};
#define KB_SERIAL_REV "1200000000AC11000000002B"
#define SID_BASE "S-1-5-21-1111111111-2222222222-3333333333-"
#define ISSUER_AD "DC=test,DC=example,CN=Example Issuing CA"
#define SUBJECT_AD "DC=test,DC=example,OU=Users,CN=Doe\\, John"

struct cert_opts {
	const char *san;         /* X509V3 config text, or NULL */
	const char *sid;         /* SID extension value, or NULL */
	const char *sid_oid;     /* otherName OID in it (default the right
				    one) */
	long not_before;         /* seconds from now */
	const char *uri;         /* a URI SAN written as is (commas kept) */
};

static EVP_PKEY *key;

static void
name_add(X509_NAME *n, const char *f, const char *v)
{
	ck_assert(X509_NAME_add_entry_by_txt(n, f, MBSTRING_UTF8,
	    (const unsigned char *)v, -1, -1, 0));
}

/* Build the SID extension by hand: GeneralNames { [0] otherName { oid,
 * [0] EXPLICIT OCTET STRING sid } } ([MS-WCCE] 2.2.2.7.7.4). */
static void
add_sid_ext(X509 *x, const char *oid_txt, const char *sid)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_TYPE *val = ASN1_TYPE_new();
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *oid = OBJ_txt2obj(oid_txt, 1);
	ASN1_OBJECT *ext_oid = OBJ_txt2obj("1.3.6.1.4.1.311.25.2", 1);
	ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;
	unsigned char *der = NULL;
	int len;

	ck_assert(ASN1_OCTET_STRING_set(os, (const unsigned char *)sid,
	    (int)strlen(sid)));
	ASN1_TYPE_set(val, V_ASN1_OCTET_STRING, os);
	ck_assert(GENERAL_NAME_set0_othername(gn, oid, val));
	sk_GENERAL_NAME_push(gens, gn);
	len = i2d_GENERAL_NAMES(gens, &der);
	ck_assert_int_gt(len, 0);
	ck_assert(ASN1_OCTET_STRING_set(data, der, len));
	ext = X509_EXTENSION_create_by_OBJ(NULL, ext_oid, 0, data);
	ck_assert_ptr_nonnull(ext);
	ck_assert(X509_add_ext(x, ext, -1));
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(data);
	ASN1_OBJECT_free(ext_oid);
	OPENSSL_free(der);
	GENERAL_NAMES_free(gens);
}

static struct cv_cert *
make_cert(const struct cert_opts *o)
{
	X509 *x = X509_new();
	X509_NAME *sn = X509_NAME_new(), *in = X509_NAME_new();
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	struct cv_cert *c = NULL;
	unsigned char *der = NULL;
	struct kerr e;
	int len;

	ck_assert(ASN1_STRING_set(serial, kb_serial, sizeof(kb_serial)));
	ck_assert(X509_set_serialNumber(x, serial));
	/* X.509 order: most significant RDN first. */
	name_add(in, "DC", "test");
	name_add(in, "DC", "example");
	name_add(in, "CN", "Example Issuing CA");
	name_add(sn, "DC", "test");
	name_add(sn, "DC", "example");
	name_add(sn, "OU", "Users");
	name_add(sn, "CN", "Doe, John");
	X509_set_version(x, 2);
	X509_set_issuer_name(x, in);
	X509_set_subject_name(x, sn);
	X509_gmtime_adj(X509_getm_notBefore(x), o ? o->not_before : 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, NULL, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier,
	    "hash");
	ck_assert_ptr_nonnull(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (o != NULL && o->san != NULL) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
		    o->san);
		ck_assert_ptr_nonnull(ext);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (o != NULL && o->uri != NULL) {
		GENERAL_NAMES *gens = GENERAL_NAMES_new();
		GENERAL_NAME *gn = GENERAL_NAME_new();
		ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

		ck_assert(ASN1_STRING_set(ia5, o->uri, -1));
		GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
		sk_GENERAL_NAME_push(gens, gn);
		ck_assert(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
		    X509V3_ADD_DEFAULT));
		GENERAL_NAMES_free(gens);
	}
	if (o != NULL && o->sid != NULL)
		add_sid_ext(x, o->sid_oid ? o->sid_oid :
		    "1.3.6.1.4.1.311.25.2.1", o->sid);
	ck_assert(X509_sign(x, key, EVP_sha256()));
	len = i2d_X509(x, &der);
	ck_assert_int_gt(len, 0);
	kerr_clear(&e);
	ck_assert_int_eq(cv_cert_from_der(der, (size_t)len, &c, &e), 0);
	OPENSSL_free(der);
	ASN1_INTEGER_free(serial);
	X509_NAME_free(sn);
	X509_NAME_free(in);
	X509_free(x);
	return c;
}

static struct map_cert *
mapped(struct cv_cert *c)
{
	struct map_cert *mc = NULL;
	struct kerr e;

	kerr_clear(&e);
	ck_assert_msg(map_cert_new(c, &mc, &e) == 0, "%s", e.msg);
	return mc;
}

static void
setup(void)
{
	key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(key);
}

static void
teardown(void)
{
	EVP_PKEY_free(key);
	key = NULL;
}

START_TEST(test_dn_reverse)
{
	char out[256];

	ck_assert_int_eq(map_dn_reverse("CN=Doe\\, John,OU=Users,DC=example,"
	    "DC=test", out, sizeof(out)), 0);
	ck_assert_str_eq(out, SUBJECT_AD);
	/* And back again. */
	ck_assert_int_eq(map_dn_reverse(SUBJECT_AD, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "CN=Doe\\, John,OU=Users,DC=example,DC=test");
	ck_assert_int_eq(map_dn_reverse("emailAddress=a@b,ST=Bavaria,C=DE",
	    out, sizeof(out)), 0);
	ck_assert_str_eq(out, "C=DE,S=Bavaria,E=a@b");
	/* AD may store line breaks instead of commas; empty parts drop. */
	ck_assert_int_eq(map_dn_reverse("CN=a\r\nO=b,,C=c", out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "C=c,O=b,CN=a");
	ck_assert_int_eq(map_dn_reverse("CN=alice,DC=test", out, 8), -1);
}
END_TEST

START_TEST(test_dn_equal)
{
	ck_assert(map_dn_equal("DC=test,DC=example,CN=CA", "dc=TEST, dc=example,"
	    " cn=ca"));
	ck_assert(map_dn_equal("C=DE,S=Bavaria", "C=DE,ST=Bavaria"));
	ck_assert(map_dn_equal("CN=Doe\\, John", "CN=Doe\\2C John"));
	ck_assert(map_dn_equal("E=a@b", "emailAddress=a@b"));
	ck_assert(!map_dn_equal("CN=Doe\\, John", "CN=Doe,CN=John"));
	ck_assert(!map_dn_equal("DC=test,CN=a", "CN=a,DC=test"));
	ck_assert(!map_dn_equal("CN=a", "CN=a,DC=test"));
}
END_TEST

START_TEST(test_serial_reverse)
{
	char out[64];

	ck_assert_int_eq(map_serial_reverse("2B0000000011AC0000000012", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, KB_SERIAL_REV);
	ck_assert_int_eq(map_serial_reverse("0a:1b:2c", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2C1B0A");
	ck_assert_int_eq(map_serial_reverse("abc", out, sizeof(out)), -1);
	ck_assert_int_eq(map_serial_reverse("zz", out, sizeof(out)), -1);
	ck_assert_int_eq(map_serial_reverse("0102", out, 4), -1);
}
END_TEST

START_TEST(test_parse_forms)
{
	static const struct {
		const char *s;
		enum map_form form;
		int strong;
	} ok[] = {
		{ "X509:<I>" ISSUER_AD "<S>" SUBJECT_AD,
		  MAP_FORM_ISSUER_SUBJECT, 0 },
		{ "X509:<S>" SUBJECT_AD, MAP_FORM_SUBJECT, 0 },
		{ "X509:<I>" ISSUER_AD "<SR>" KB_SERIAL_REV,
		  MAP_FORM_ISSUER_SERIAL, 1 },
		{ "X509:<SKI>0a0B", MAP_FORM_SKI, 1 },
		{ "X509:<SHA1-PUKEY>00112233445566778899aabbccddeeff00112233",
		  MAP_FORM_SHA1, 1 },
		{ "X509:<RFC822>john@example.test", MAP_FORM_RFC822, 0 },
		{ "X509:<I>" ISSUER_AD "<SID>" SID_BASE "1104",
		  MAP_FORM_ISSUER_SID, 1 },
	};
	static const char *const bad[] = {
		"Kerberos:alice@EXAMPLE.TEST", "X509:", ("X509:<I>" ISSUER_AD),
		"X509:<S>", "X509:<SHA1-PUKEY>abcd", "X509:<FOO>x",
		"X509:<S>a<I>b", "X509:<SR>01", "X509:<I>a<SR>xyz",
		"X509:<SKI>01<SKI>02", "X509:<I>a<S>b<SR>01",
	};
	struct map_altsecid *m;
	struct kerr e;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		kerr_clear(&e);
		ck_assert_msg(map_altsecid_parse(ok[i].s, &m, &e) == 0,
		    "%s: %s", ok[i].s, e.msg);
		ck_assert_int_eq(m->form, ok[i].form);
		ck_assert_int_eq(map_form_strong(m->form), ok[i].strong);
		map_altsecid_free(m);
	}
	ck_assert_int_eq(map_altsecid_parse("X509:<I>" ISSUER_AD "<SR>"
	    KB_SERIAL_REV, &m, &e), 0);
	ck_assert_str_eq(m->issuer, ISSUER_AD);
	ck_assert_uint_eq(m->bin_len, sizeof(kb_serial));
	ck_assert_mem_eq(m->bin, kb_serial, sizeof(kb_serial));
	map_altsecid_free(m);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = NULL;
		kerr_clear(&e);
		ck_assert_msg(map_altsecid_parse(bad[i], &m, &e) ==
		    KDC_ERR_CLIENT_NAME_MISMATCH, "%s parsed", bad[i]);
		ck_assert_ptr_null(m);
		ck_assert(e.msg[0] != '\0');
	}
}
END_TEST

/* Every string written for a certificate parses back and matches it,
 * with the strength its form has. */
/* The mapping view is made once per certificate and shared: a second
 * map_cert_new returns the same view, which lives until the last
 * reference and the certificate are gone. */
START_TEST(test_cert_view_shared)
{
	struct cert_opts o = { "email:john@example.test", SID_BASE "1104",
	    NULL, 0, NULL };
	struct cv_cert *c = make_cert(&o);
	struct map_cert *a = mapped(c), *b = mapped(c);

	ck_assert_ptr_eq(a, b);
	ck_assert_ptr_eq(a->cert, c);
	map_cert_free(a);
	ck_assert_str_eq(b->sid, SID_BASE "1104");
	ck_assert_str_eq(b->subject_ad, SUBJECT_AD);
	map_cert_free(b);
	a = mapped(c);
	ck_assert_ptr_eq(a, mapped(c));
	map_cert_free(a);
	map_cert_free(a);
	cv_cert_free(c);
}
END_TEST

START_TEST(test_cert_roundtrip)
{
	struct cert_opts o = { "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:"
	    "john@corp.example,email:john@example.test", SID_BASE "1104",
	    NULL, 0, NULL };
	struct cv_cert *c = make_cert(&o), *other;
	struct map_cert *mc = mapped(c), *mo;
	char *strs[16];
	enum map_form forms[16];
	struct map_altsecid *m;
	struct kerr e;
	int n, i, seen = 0;

	ck_assert_str_eq(mc->issuer_ad, ISSUER_AD);
	ck_assert_str_eq(mc->subject_ad, SUBJECT_AD);
	ck_assert_str_eq(mc->serial_rev, KB_SERIAL_REV);
	ck_assert_str_eq(mc->sid, SID_BASE "1104");
	n = map_altsecid_all(mc, strs, forms, 16);
	ck_assert_int_eq(n, 7);
	/* A certificate with another key (SKI, thumbprint) and no SANs. */
	{
		EVP_PKEY *k1 = key;

		key = EVP_EC_gen("P-256");
		other = make_cert(NULL);
		EVP_PKEY_free(key);
		key = k1;
	}
	mo = mapped(other);
	for (i = 0; i < n; i++) {
		kerr_clear(&e);
		ck_assert_msg(map_altsecid_parse(strs[i], &m, &e) == 0, "%s: %s",
		    strs[i], e.msg);
		ck_assert_int_eq(m->form, forms[i]);
		ck_assert_msg(map_altsecid_match(m, mc), "%s", strs[i]);
		if (m->form == MAP_FORM_SKI || m->form == MAP_FORM_SHA1 ||
		    m->form == MAP_FORM_RFC822 ||
		    m->form == MAP_FORM_ISSUER_SID)
			ck_assert_msg(!map_altsecid_match(m, mo), "%s",
			    strs[i]);
		seen |= 1 << m->form;
		map_altsecid_free(m);
		free(strs[i]);
	}
	ck_assert_int_eq(seen, (1 << MAP_FORM_COUNT) - 1);
	ck_assert_int_eq(map_altsecid_all(mc, strs, forms, 2), 2);
	free(strs[0]);
	free(strs[1]);
	map_cert_free(mo);
	cv_cert_free(other);
	map_cert_free(mc);
	cv_cert_free(c);
}
END_TEST

START_TEST(test_match_negative)
{
	struct cv_cert *c = make_cert(NULL);
	struct map_cert *mc = mapped(c);
	static const char *const no[] = {
		/* Serial not reversed. */
		("X509:<I>" ISSUER_AD "<SR>2B0000000011AC0000000012"),
		/* Issuer in RFC 4514 order. */
		("X509:<I>CN=Example Issuing CA,DC=example,DC=test<SR>"
		    KB_SERIAL_REV),
		"X509:<S>CN=Doe\\, John,OU=Users,DC=example,DC=test",
		("X509:<I>DC=test,CN=Other CA<S>" SUBJECT_AD),
		"X509:<RFC822>john@example.test",
		("X509:<I>" ISSUER_AD "<SID>" SID_BASE "1104"),
		"X509:<SKI>00",
	};
	struct map_altsecid *m;
	struct kerr e;
	size_t i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		ck_assert_int_eq(map_altsecid_parse(no[i], &m, &e), 0);
		ck_assert_msg(!map_altsecid_match(m, mc), "%s matched", no[i]);
		map_altsecid_free(m);
	}
	/* Leading zero octets and case do not matter. */
	ck_assert_int_eq(map_altsecid_parse("X509:<i>dc=TEST,dc=example,"
	    "cn=example issuing ca<sr>1200000000ac11000000002b00", &m, &e), 0);
	ck_assert(map_altsecid_match(m, mc));
	map_altsecid_free(m);
	map_cert_free(mc);
	cv_cert_free(c);
}
END_TEST

START_TEST(test_sid_sources)
{
	struct cert_opts url = { NULL, NULL, NULL, 0,
	    "tag:microsoft.com,2022-09-14:sid:" SID_BASE "1105" };
	struct cert_opts wrong = { NULL, SID_BASE "1", "1.2.3.4", 0, NULL };
	struct cert_opts junk = { NULL, "S-1-5-x", NULL, 0, NULL };
	struct cv_cert *c;
	struct map_cert *mc = NULL;
	struct kerr e;
	char *sid = NULL;

	kerr_clear(&e);
	c = make_cert(NULL);
	ck_assert_int_eq(cv_cert_sid_ext(c, &sid, &e), 0);
	ck_assert_ptr_null(sid);
	cv_cert_free(c);
	/* The SAN URL form carries the SID too. */
	c = make_cert(&url);
	mc = mapped(c);
	ck_assert_ptr_null(mc->sid);
	ck_assert_str_eq(mc->sid_url, SID_BASE "1105");
	map_cert_free(mc);
	cv_cert_free(c);
	/* A SID extension with another otherName, or not a SID: refused. */
	c = make_cert(&wrong);
	mc = NULL;
	ck_assert_int_eq(map_cert_new(c, &mc, &e),
	    KDC_ERR_INVALID_CERTIFICATE);
	ck_assert_ptr_null(mc);
	cv_cert_free(c);
	c = make_cert(&junk);
	ck_assert_int_eq(cv_cert_sid_ext(c, &sid, &e),
	    KDC_ERR_INVALID_CERTIFICATE);
	ck_assert_ptr_null(sid);
	cv_cert_free(c);
}
END_TEST

/* An account like the directory layer hands out. */
static struct dir_account *
account(const char *upn, uint32_t rid, int64_t created)
{
	struct dir_account *a = calloc(1, sizeof(*a));
	static const unsigned char base[] = {
		1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0,
		0xc7, 0x35, 0x3a, 0x42, 0x8e, 0x6b, 0x74, 0x84,
		0x55, 0xa1, 0xae, 0xc6
	};

	a->dn = strdup("cn=john,ou=Users,dc=example,dc=test");
	a->sam_account_name = strdup("john");
	a->user_principal_name = upn ? strdup(upn) : NULL;
	a->user_account_control = DIR_UAC_NORMAL_ACCOUNT;
	a->when_created = created;
	if (rid != 0) {
		a->object_sid = malloc(sizeof(base) + 4);
		memcpy(a->object_sid, base, sizeof(base));
		memcpy(a->object_sid + sizeof(base), &rid, 4);  /* LE host */
		a->object_sid_len = sizeof(base) + 4;
	}
	return a;
}

static void
set_altsecids(struct dir_account *a, const char *v1, const char *v2)
{
	a->alt_security_identities = calloc(2, sizeof(char *));
	a->alt_security_identities[0] = strdup(v1);
	a->n_alt_security_identities = 1;
	if (v2 != NULL)
		a->alt_security_identities[a->n_alt_security_identities++] =
		    strdup(v2);
}

static kerr_t
decide(struct map_cert *mc, struct dir_account *a, enum map_mode mode,
    int64_t backdating, struct map_bind_result *res)
{
	struct map_bind_params p;
	struct kerr e;

	memset(&p, 0, sizeof(p));
	p.mode = mode;
	p.backdating = backdating;
	p.realm = "EXAMPLE.TEST";
	kerr_clear(&e);
	return map_bind(mc, a, &p, res, &e);
}

START_TEST(test_bind_modes)
{
	struct cert_opts o = { "email:john@example.test", NULL, NULL, 0,
	    NULL };
	struct cv_cert *c = make_cert(&o);
	struct map_cert *mc = mapped(c);
	struct dir_account *a;
	struct map_bind_result res;
	int64_t nb = cv_cert_not_before(c);

	/* Strong: accepted in every mode. */
	a = account(NULL, 0, nb + 1000);
	set_altsecids(a, "X509:<I>" ISSUER_AD "<SR>" KB_SERIAL_REV, NULL);
	ck_assert_int_eq(decide(mc, a, MAP_MODE_FULL, 0, &res), 0);
	ck_assert_int_eq(res.strength, MAP_STRONG);
	ck_assert_str_eq(res.how, "altSecurityIdentities I+SR");
	dir_account_free(a);

	/* Weak <S>: full refuses (39), compatibility accepts a certificate
	 * newer than the account, refuses an older one (40) unless the
	 * backdating allowance covers it; none accepts. */
	a = account(NULL, 0, nb - 10);
	set_altsecids(a, "X509:<S>" SUBJECT_AD, NULL);
	ck_assert_int_eq(decide(mc, a, MAP_MODE_FULL, 0, &res),
	    KDC_ERR_CERTIFICATE_MISMATCH);
	ck_assert_int_eq(res.event, 39);
	ck_assert_int_eq(decide(mc, a, MAP_MODE_COMPATIBILITY, 0, &res), 0);
	ck_assert_int_eq(res.strength, MAP_WEAK);
	ck_assert_int_eq(res.event, 39);
	ck_assert(strstr(res.warning, "weakly") != NULL);
	a->when_created = nb + 3600;
	ck_assert_int_eq(decide(mc, a, MAP_MODE_COMPATIBILITY, 0, &res),
	    KDC_ERR_CERTIFICATE_MISMATCH);
	ck_assert_int_eq(res.event, 40);
	ck_assert_int_eq(decide(mc, a, MAP_MODE_COMPATIBILITY, 3600, &res), 0);
	ck_assert_int_eq(decide(mc, a, MAP_MODE_NONE, 0, &res), 0);
	ck_assert_int_eq(res.event, 0);
	dir_account_free(a);

	/* No binding at all: 75; RFC822 SAN only when allowed. */
	a = account("john@example.test", 0, 0);
	ck_assert_int_eq(decide(mc, a, MAP_MODE_NONE, 0, &res),
	    KDC_ERR_CLIENT_NAME_MISMATCH);
	{
		struct map_bind_params p;
		struct kerr e;

		memset(&p, 0, sizeof(p));
		p.mode = MAP_MODE_NONE;
		p.allow_rfc822 = 1;
		ck_assert_int_eq(map_bind(mc, a, &p, &res, &e), 0);
		ck_assert_str_eq(res.how, "rfc822Name SAN");
	}
	/* Unparsable values are counted, not fatal. */
	set_altsecids(a, "X509:<BAD>x", "X509:<SHA1-PUKEY>");
	ck_assert_int_eq(decide(mc, a, MAP_MODE_NONE, 0, &res),
	    KDC_ERR_CLIENT_NAME_MISMATCH);
	ck_assert_uint_eq(res.n_ignored, 2);
	dir_account_free(a);
	map_cert_free(mc);
	cv_cert_free(c);
}
END_TEST

START_TEST(test_bind_sid)
{
	struct cert_opts o = { "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:"
	    "john@example.test", SID_BASE "1104", NULL, 0, NULL };
	struct cv_cert *c = make_cert(&o);
	struct map_cert *mc = mapped(c);
	struct dir_account *a;
	struct map_bind_result res;

	/* UPN (weak) + matching SID: strong under full. */
	a = account("john@example.test", 1104, 0);
	ck_assert_int_eq(decide(mc, a, MAP_MODE_FULL, 0, &res), 0);
	ck_assert_int_eq(res.strength, MAP_STRONG);
	ck_assert_str_eq(res.how, "UPN SAN + SID extension");
	dir_account_free(a);
	/* Mismatch: 66 (event 41) even with none, even with a strong
	 * altSecurityIdentities match. */
	a = account("john@example.test", 1105, 0);
	set_altsecids(a, "X509:<I>" ISSUER_AD "<SR>" KB_SERIAL_REV, NULL);
	ck_assert_int_eq(decide(mc, a, MAP_MODE_NONE, 0, &res),
	    KDC_ERR_CERTIFICATE_MISMATCH);
	ck_assert_int_eq(res.event, 41);
	dir_account_free(a);
	/* UPN alone (no objectSid to compare): weak. */
	a = account("john@example.test", 0, 0);
	ck_assert_int_eq(decide(mc, a, MAP_MODE_FULL, 0, &res),
	    KDC_ERR_CERTIFICATE_MISMATCH);
	ck_assert_int_eq(decide(mc, a, MAP_MODE_COMPATIBILITY, 0, &res), 0);
	ck_assert_str_eq(res.how, "UPN SAN");
	dir_account_free(a);
	map_cert_free(mc);
	cv_cert_free(c);
}
END_TEST

START_TEST(test_bind_computer)
{
	struct cert_opts o = { "DNS:ws1.example.test", NULL, NULL, 0, NULL };
	struct cv_cert *c = make_cert(&o);
	struct map_cert *mc = mapped(c);
	struct dir_account *a = account(NULL, 0, 0);
	struct map_bind_result res;

	free(a->sam_account_name);
	a->sam_account_name = strdup("ws1$");
	a->dns_host_name = strdup("WS1.example.test");
	ck_assert_int_eq(decide(mc, a, MAP_MODE_NONE, 0, &res),
	    KDC_ERR_CLIENT_NAME_MISMATCH);   /* not a computer */
	a->is_computer = 1;
	ck_assert_int_eq(decide(mc, a, MAP_MODE_NONE, 0, &res), 0);
	ck_assert_str_eq(res.how, "dNSName SAN");
	ck_assert_int_eq(decide(mc, a, MAP_MODE_FULL, 0, &res),
	    KDC_ERR_CERTIFICATE_MISMATCH);
	free(a->sam_account_name);
	a->sam_account_name = strdup("ws2$");
	ck_assert_int_eq(decide(mc, a, MAP_MODE_NONE, 0, &res),
	    KDC_ERR_CLIENT_NAME_MISMATCH);
	dir_account_free(a);
	map_cert_free(mc);
	cv_cert_free(c);
}
END_TEST

START_TEST(test_mode_names)
{
	ck_assert_int_eq(map_mode_parse("full"), MAP_MODE_FULL);
	ck_assert_int_eq(map_mode_parse("Compatibility"),
	    MAP_MODE_COMPATIBILITY);
	ck_assert_int_eq(map_mode_parse("none"), MAP_MODE_NONE);
	ck_assert_int_eq(map_mode_parse("2"), -1);
	ck_assert_str_eq(map_mode_name(MAP_MODE_FULL), "full");
	ck_assert_str_eq(map_form_name(MAP_FORM_SHA1), "SHA1-PUKEY");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("map");
	TCase *tc = tcase_create("map");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dn_reverse);
	tcase_add_test(tc, test_cert_view_shared);
	tcase_add_test(tc, test_dn_equal);
	tcase_add_test(tc, test_serial_reverse);
	tcase_add_test(tc, test_parse_forms);
	tcase_add_test(tc, test_cert_roundtrip);
	tcase_add_test(tc, test_match_negative);
	tcase_add_test(tc, test_sid_sources);
	tcase_add_test(tc, test_bind_modes);
	tcase_add_test(tc, test_bind_sid);
	tcase_add_test(tc, test_bind_computer);
	tcase_add_test(tc, test_mode_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
