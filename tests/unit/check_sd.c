/* check_sd.c - SIDs, security descriptors (binary and SDDL), conditional
 * ACE expressions and the access check used for AllowedToAuthenticateFrom. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sd.h"
#include "sid.h"

#define DOM "S-1-5-21-1004336348-1177238915-682003330"

static struct sid dom;

static void
setup(void)
{
	ck_assert_int_eq(sid_from_string(DOM, &dom, NULL), 0);
}

static struct sid
S(const char *text)
{
	struct sid s;

	ck_assert_msg(sid_from_string(text, &s, NULL) == 0, "%s", text);
	return s;
}

static struct sd_desc *
sddl(const char *text)
{
	struct sd_desc *sd = NULL;
	struct kerr e;

	ck_assert_msg(sd_from_sddl(text, strlen(text), &dom, &sd, &e) == 0,
	    "%s: %s", text, e.msg);
	return sd;
}

/* Access for CR with the given user SIDs, device SIDs and silo claim. */
static int
check_cr(const char *text, const struct sid *u, size_t nu,
    const struct sid *d, size_t nd, const char *silo)
{
	struct sd_desc *sd = sddl(text);
	const char *vals[1] = { silo };
	struct sd_claim claim = { "ad://ext/AuthenticationSilo",
	    SD_CLAIM_STRING, 1, vals, NULL };
	struct sd_token tok = { u, nu, d, nd, silo ? &claim : NULL,
	    silo ? 1 : 0, NULL, 0, NULL, 0 };
	int granted = -1;
	struct kerr e;

	ck_assert_int_eq(sd_access_check(sd, SD_RIGHT_DS_CONTROL_ACCESS, &tok,
	    &granted, &e), 0);
	sd_free(sd);
	return granted;
}

START_TEST(test_sid_text)
{
	struct sid s;
	char buf[SID_MAX_STRING];
	unsigned char bin[SID_MAX_BINARY];
	size_t used;

	s = S(DOM "-1105");
	ck_assert_uint_eq(s.nsub, 5);
	ck_assert_uint_eq(sid_rid(&s), 1105);
	ck_assert_int_eq(sid_to_string(&s, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, DOM "-1105");
	sid_to_binary(&s, bin);
	ck_assert_uint_eq(sid_binary_len(&s), 28);
	ck_assert_int_eq(bin[0], 1);
	ck_assert_int_eq(bin[1], 5);
	ck_assert_int_eq(bin[7], 5);
	ck_assert_int_eq(bin[8], 21);
	{
		struct sid t;

		ck_assert_int_eq(sid_from_binary(bin, 28, &t, &used, NULL), 0);
		ck_assert_uint_eq(used, 28);
		ck_assert(sid_equal(&s, &t));
		ck_assert_int_ne(sid_from_binary(bin, 27, &t, NULL, NULL), 0);
	}
	ck_assert_int_eq(sid_from_string("S-1-0x10-5", &s, NULL), 0);
	ck_assert_uint_eq(s.authority, 16);
}
END_TEST

START_TEST(test_sid_malformed)
{
	static const char *bad[] = {
		"", "S", "S-", "S-1", "S-2-5-18", "S-1--5", "S-1-5-",
		"S-1-5-x", "S-1-5-18 ", "S-1-5-4294967296",
		"S-1-281474976710656", "S-1-5--1", "S-1-5-+1",
		"S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", "X-1-5",
	};
	unsigned char bin[8] = { 2, 0, 0, 0, 0, 0, 0, 5 };
	struct sid s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sid_from_string(bad[i], &s, NULL) != 0, "%s",
		    bad[i]);
	ck_assert_int_ne(sid_from_binary(bin, 8, &s, NULL, NULL), 0);
	bin[0] = 1;
	bin[1] = 16;
	ck_assert_int_ne(sid_from_binary(bin, 8, &s, NULL, NULL), 0);
}
END_TEST

START_TEST(test_sid_alias)
{
	struct sid s, t;

	ck_assert_int_eq(sid_from_alias("WD", 2, NULL, &s), 0);
	t = S("S-1-1-0");
	ck_assert(sid_equal(&s, &t));
	ck_assert_int_eq(sid_from_alias("sy", 2, NULL, &s), 0);
	t = S("S-1-5-18");
	ck_assert(sid_equal(&s, &t));
	ck_assert_int_eq(sid_from_alias("AP", 2, &dom, &s), 0);
	ck_assert_uint_eq(sid_rid(&s), SID_RID_PROTECTED_USERS);
	ck_assert_int_ne(sid_from_alias("AP", 2, NULL, &s), 0);
	ck_assert_int_ne(sid_from_alias("QQ", 2, &dom, &s), 0);
}
END_TEST

/* Byte layout of a small descriptor: header, DACL, owner, group. */
START_TEST(test_binary_known)
{
	static const unsigned char want[] = {
		0x01, 0x00, 0x04, 0x80, 0x30, 0, 0, 0, 0x3c, 0, 0, 0,
		0, 0, 0, 0, 0x14, 0, 0, 0,
		0x02, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x14, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x01, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
		0x01, 0x01, 0, 0, 0, 0, 0, 5, 0x12, 0, 0, 0,
		0x01, 0x01, 0, 0, 0, 0, 0, 5, 0x12, 0, 0, 0,
	};
	struct sd_desc *sd = sddl("O:SYG:SYD:(A;;CR;;;WD)"), *back = NULL;
	unsigned char *bin = NULL;
	size_t len = 0;

	ck_assert_int_eq(sd_to_binary(sd, &bin, &len, NULL), 0);
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_mem_eq(bin, want, len);
	ck_assert_int_eq(sd_from_binary(bin, len, &back, NULL), 0);
	ck_assert(back->has_owner && back->has_group);
	ck_assert_uint_eq(back->dacl->count, 1);
	ck_assert_uint_eq(back->dacl->aces[0].mask, SD_RIGHT_DS_CONTROL_ACCESS);
	sd_free(back);
	back = NULL;
	ck_assert_int_eq(sd_parse_value(bin, len, NULL, &back, NULL), 0);
	sd_free(back);
	free(bin);
	sd_free(sd);
}
END_TEST

/* MS-DTYP 2.4.4.17: postfix tokens of "Member_of {SID(BA)}". */
START_TEST(test_cond_known)
{
	static const unsigned char want[32] = {
		'a', 'r', 't', 'x',
		0x50, 21, 0, 0, 0,
		0x51, 16, 0, 0, 0,
		0x01, 0x02, 0, 0, 0, 0, 0, 5, 0x20, 0, 0, 0, 0x20, 0x02, 0, 0,
		0x89, 0x00,
	};
	unsigned char *out = NULL;
	size_t len = 0;
	const char *x = "Member_of {SID(BA)}";

	ck_assert_int_eq(sd_cond_compile(x, strlen(x), NULL, &out, &len,
	    NULL), 0);
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_mem_eq(out, want, len);
	free(out);
}
END_TEST

START_TEST(test_sddl_roundtrip)
{
	const char *text = "O:SYG:SYD:(XA;OICI;CR;;;WD;(Member_of_any "
	    "{SID(" DOM "-1105), SID(AP)}))(D;;CR;;;" DOM "-1106)"
	    "(OA;;CR;ab721a53-1e2f-11d0-9819-00aa0040529b;;AU)";
	struct sd_desc *sd = sddl(text), *back = NULL;
	unsigned char *bin = NULL;
	size_t len = 0, i;
	struct kerr e;

	ck_assert_uint_eq(sd->dacl->count, 3);
	ck_assert_int_eq(sd->dacl->aces[0].type, SD_ACE_ALLOWED_CALLBACK);
	ck_assert_int_eq(sd->dacl->aces[0].flags, 3);
	ck_assert_int_eq(sd->dacl->aces[2].object_type[0], 0x53);
	ck_assert_int_eq(sd->dacl->aces[2].object_type[3], 0xab);
	ck_assert_int_eq(sd->dacl->aces[2].object_type[4], 0x2f);
	ck_assert_int_eq(sd_to_binary(sd, &bin, &len, &e), 0);
	ck_assert_int_eq(sd_from_binary(bin, len, &back, &e), 0);
	ck_assert_uint_eq(back->dacl->count, 3);
	ck_assert_int_eq(back->dacl->revision, 4);
	for (i = 0; i < 3; i++) {
		ck_assert(sid_equal(&back->dacl->aces[i].sid,
		    &sd->dacl->aces[i].sid));
		ck_assert_uint_eq(back->dacl->aces[i].cond_len,
		    sd->dacl->aces[i].cond_len);
	}
	ck_assert_mem_eq(back->dacl->aces[0].cond, sd->dacl->aces[0].cond,
	    sd->dacl->aces[0].cond_len);
	free(bin);
	sd_free(sd);
	sd_free(back);
}
END_TEST

START_TEST(test_access_groups)
{
	const char *pol = "O:SYG:SYD:(XA;OICI;CR;;;WD;(Member_of_any "
	    "{SID(" DOM "-1105)}))";
	struct sid ws1[3] = { S(DOM "-1201"), S(DOM "-515"), S("S-1-1-0") };
	struct sid ws2[3] = { S(DOM "-1202"), S(DOM "-515"), S("S-1-1-0") };
	struct sid grp[4] = { S(DOM "-1201"), S(DOM "-515"), S(DOM "-1105"),
	    S("S-1-1-0") };

	ck_assert_int_eq(check_cr(pol, grp, 4, NULL, 0, NULL), 1);
	ck_assert_int_eq(check_cr(pol, ws1, 3, NULL, 0, NULL), 0);
	ck_assert_int_eq(check_cr(pol, ws2, 3, NULL, 0, NULL), 0);
	/* Member_of needs all listed SIDs, _any just one. */
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(Member_of {SID("
	    DOM "-1105), SID(DC)}))", grp, 4, NULL, 0, NULL), 1);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(Member_of {SID("
	    DOM "-1105), SID(DA)}))", grp, 4, NULL, 0, NULL), 0);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(Not_Member_of_any {SID("
	    DOM "-1105), SID(DA)}))", grp, 4, NULL, 0, NULL), 0);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(Not_Member_of {SID("
	    DOM "-1105), SID(DA)}))", grp, 4, NULL, 0, NULL), 1);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(Member_of SID(WD)))",
	    ws1, 3, NULL, 0, NULL), 1);
	/* Device_Member_of looks at the device SIDs only. */
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(Device_Member_of_any {SID("
	    DOM "-1105)}))", ws1, 3, grp, 4, NULL), 1);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(Device_Member_of {SID("
	    DOM "-1105)}))", grp, 4, ws1, 3, NULL), 0);
	/* Plain ACEs: first matching deny wins; no match means denied. */
	ck_assert_int_eq(check_cr("D:(D;;CR;;;" DOM "-1201)(A;;CR;;;WD)",
	    ws1, 3, NULL, 0, NULL), 0);
	ck_assert_int_eq(check_cr("D:(D;;CR;;;" DOM "-1201)(A;;CR;;;WD)",
	    ws2, 3, NULL, 0, NULL), 1);
	ck_assert_int_eq(check_cr("D:(A;;RPWP;;;WD)", ws1, 3, NULL, 0, NULL),
	    0);
	ck_assert_int_eq(check_cr("D:(A;;GA;;;WD)", ws1, 3, NULL, 0, NULL), 1);
	ck_assert_int_eq(check_cr("D:(A;IO;CR;;;WD)", ws1, 3, NULL, 0, NULL),
	    0);
	ck_assert_int_eq(check_cr("D:(OA;;CR;ab721a53-1e2f-11d0-9819-"
	    "00aa0040529b;;WD)", ws1, 3, NULL, 0, NULL), 0);
	/* No DACL allows everything; an empty one nothing. */
	ck_assert_int_eq(check_cr("O:SY", ws1, 3, NULL, 0, NULL), 1);
	ck_assert_int_eq(check_cr("O:SYD:", ws1, 3, NULL, 0, NULL), 0);
	ck_assert_int_eq(check_cr("O:SYD:NO_ACCESS_CONTROL", ws1, 3, NULL, 0,
	    NULL), 1);
}
END_TEST

START_TEST(test_access_logic_and_claims)
{
	struct sid ws1[2] = { S(DOM "-1201"), S("S-1-1-0") };
	const char *silo = "D:(XA;OICI;CR;;;WD;(@USER.ad://ext/"
	    "AuthenticationSilo == \"Tier0\"))";

	ck_assert_int_eq(check_cr(silo, ws1, 2, NULL, 0, "Tier0"), 1);
	ck_assert_int_eq(check_cr(silo, ws1, 2, NULL, 0, "tier0"), 1);
	ck_assert_int_eq(check_cr(silo, ws1, 2, NULL, 0, "Tier1"), 0);
	/* Absent claim: UNKNOWN, which an allow ACE never grants on. */
	ck_assert_int_eq(check_cr(silo, ws1, 2, NULL, 0, NULL), 0);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(@USER.ad://ext/"
	    "AuthenticationSilo != \"Tier0\"))", ws1, 2, NULL, 0, NULL), 0);
	/* ... and a deny callback ACE does deny on UNKNOWN. */
	ck_assert_int_eq(check_cr("D:(XD;;CR;;;WD;(@USER.x == 1))"
	    "(A;;CR;;;WD)", ws1, 2, NULL, 0, NULL), 0);
	ck_assert_int_eq(check_cr("D:(XD;;CR;;;WD;(Member_of {SID(DA)}))"
	    "(A;;CR;;;WD)", ws1, 2, NULL, 0, NULL), 1);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(Member_of {SID(DA)} || "
	    "@USER.ad://ext/AuthenticationSilo == \"Tier0\"))",
	    ws1, 2, NULL, 0, "Tier0"), 1);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(Member_of {SID(DA)} && "
	    "@USER.ad://ext/AuthenticationSilo == \"Tier0\"))",
	    ws1, 2, NULL, 0, "Tier0"), 0);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(!(Member_of {SID(DA)}) && "
	    "(Exists @USER.ad://ext/AuthenticationSilo)))",
	    ws1, 2, NULL, 0, "Tier0"), 1);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(Not_Exists "
	    "@USER.ad://ext/AuthenticationSilo))", ws1, 2, NULL, 0, NULL), 1);
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(@USER.ad://ext/"
	    "AuthenticationSilo Any_of {\"a\", \"Tier0\"}))",
	    ws1, 2, NULL, 0, "Tier0"), 1);
	/* || with one UNKNOWN side still TRUE when the other is TRUE. */
	ck_assert_int_eq(check_cr("D:(XA;;CR;;;WD;(@USER.nope == 3 || "
	    "Member_of {SID(WD)}))", ws1, 2, NULL, 0, NULL), 1);
}
END_TEST

START_TEST(test_sddl_malformed)
{
	static const char *bad[] = {
		"O:", "O:S-1-", "O:QQ", "X:SY", "D:(A;;CR;;;WD",
		"D:(A;;CR;;WD)", "D:(Q;;CR;;;WD)", "D:(A;ZZ;CR;;;WD)",
		"D:(A;;QQ;;;WD)", "D:(A;;0xZZ;;;WD)", "D:(A;;CR;;;S-1-x)",
		"D:(A;;CR;nonsense;;WD)", "D:(A;;CR;;;WD;(Member_of SID(WD)))",
		"D:(XA;;CR;;;WD)", "D:(XA;;CR;;;WD;Member_of SID(WD))",
		"D:(XA;;CR;;;WD;(Member_of))",
		"D:(XA;;CR;;;WD;(Member_of \"x\"))",
		"D:(XA;;CR;;;WD;(Member_of {SID(QQ)}))",
		"D:(XA;;CR;;;WD;(Member_of {SID(WD)} &&))",
		"D:(XA;;CR;;;WD;(Member_of {SID(WD)} junk))",
		"D:(XA;;CR;;;WD;(@USER.a == ))",
		"D:(XA;;CR;;;WD;(@USER.a == \"x))",
		"D:(XA;;CR;;;WD;(@NOPE.a == 1))",
		"D:(XA;;CR;;;WD;(@USER.a == {1, {2}}))",
		"D:(XA;;CR;;;WD;((((Member_of {SID(WD)})))",
		"D:(A;;CR;;;WD)D:(A;;CR;;;WD)", "O:SYO:SY",
	};
	struct sd_desc *sd;
	struct kerr e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sd = NULL;
		ck_assert_msg(sd_from_sddl(bad[i], strlen(bad[i]), &dom, &sd,
		    &e) != 0, "accepted %s", bad[i]);
		ck_assert_ptr_null(sd);
	}
	/* Deep nesting is refused, not recursed into. */
	{
		char deep[512];
		size_t n = 0;

		n += (size_t)snprintf(deep, sizeof(deep), "D:(XA;;CR;;;WD;(");
		for (i = 0; i < 100; i++)
			deep[n++] = '!';
		n += (size_t)snprintf(deep + n, sizeof(deep) - n,
		    "Member_of {SID(WD)}))");
		ck_assert_int_ne(sd_from_sddl(deep, n, &dom, &sd, &e), 0);
	}
}
END_TEST

START_TEST(test_binary_malformed)
{
	const char *text = "O:SYG:SYD:(XA;OICI;CR;;;WD;(Member_of_any "
	    "{SID(" DOM "-1105)}))(OA;;CR;ab721a53-1e2f-11d0-9819-"
	    "00aa0040529b;;AU)";
	struct sd_desc *sd = sddl(text), *back;
	unsigned char *bin = NULL, *copy;
	size_t len = 0, i;
	int b;

	ck_assert_int_eq(sd_to_binary(sd, &bin, &len, NULL), 0);
	/* Every truncation is either refused or parsed safely. */
	for (i = 0; i < len; i++) {
		copy = malloc(i + 1);
		memcpy(copy, bin, i);
		back = NULL;
		if (sd_from_binary(copy, i, &back, NULL) == 0)
			sd_free(back);
		free(copy);
	}
	/* Every single-byte corruption, likewise; evaluate what parses. */
	copy = malloc(len);
	for (i = 0; i < len; i++) {
		for (b = 0; b < 256; b += 37) {
			struct sid u = S("S-1-1-0");
			struct sd_token tok = { &u, 1, NULL, 0, NULL, 0,
			    NULL, 0, NULL, 0 };
			int g;

			memcpy(copy, bin, len);
			copy[i] ^= (unsigned char)(b | 1);
			back = NULL;
			if (sd_from_binary(copy, len, &back, NULL) == 0) {
				sd_access_check(back,
				    SD_RIGHT_DS_CONTROL_ACCESS, &tok, &g,
				    NULL);
				sd_free(back);
			}
		}
	}
	free(copy);
	/* Specific refusals. */
	copy = malloc(len);
	memcpy(copy, bin, len);
	copy[0] = 2;
	ck_assert_int_ne(sd_from_binary(copy, len, &back, NULL), 0);
	memcpy(copy, bin, len);
	copy[3] = 0;                    /* not self-relative */
	ck_assert_int_ne(sd_from_binary(copy, len, &back, NULL), 0);
	memcpy(copy, bin, len);
	copy[16] = 0xff;                /* DACL offset past the end */
	ck_assert_int_ne(sd_from_binary(copy, len, &back, NULL), 0);
	memcpy(copy, bin, len);
	copy[22] = 0xff;                /* ACL size past the end */
	ck_assert_int_ne(sd_from_binary(copy, len, &back, NULL), 0);
	ck_assert_int_ne(sd_from_binary(bin, 19, &back, NULL), 0);
	ck_assert_int_ne(sd_parse_value("", 0, NULL, &back, NULL), 0);
	free(copy);
	free(bin);
	sd_free(sd);
}
END_TEST

/* Every single-character change of a rich descriptor either fails to
 * parse or parses into something the access check handles. */
START_TEST(test_sddl_mutations)
{
	static const char base[] = "O:SYG:SYD:P(XA;OICI;CR;;;WD;((Member_of "
	    "{SID(" DOM "-1105), SID(AU)}) || (@USER.ad://ext/"
	    "AuthenticationSilo == \"T0\" && !(Device_Member_of_any "
	    "{SID(BA)})) || @USER.n >= -0x10))(D;;CR;;;S-1-5-7)"
	    "(A;;GA;;;AP)";
	static const char subst[] = "(){};\"!&|=<>@ SX0-,:";
	struct sid u[2] = { S(DOM "-1105"), S("S-1-1-0") };
	struct sd_token tok = { u, 2, u, 2, NULL, 0, NULL, 0, NULL, 0 };
	char buf[sizeof(base)];
	size_t i, j;

	sd_free(sddl(base));
	for (i = 0; i < sizeof(base) - 1; i++) {
		for (j = 0; j < sizeof(subst) - 1; j++) {
			struct sd_desc *sd = NULL;
			unsigned char *bin = NULL;
			size_t len = 0;
			int g;

			memcpy(buf, base, sizeof(base));
			buf[i] = subst[j];
			if (sd_from_sddl(buf, strlen(buf), &dom, &sd, NULL) != 0)
				continue;
			sd_access_check(sd, SD_RIGHT_DS_CONTROL_ACCESS, &tok, &g,
			    NULL);
			if (sd_to_binary(sd, &bin, &len, NULL) == 0) {
				struct sd_desc *back = NULL;

				ck_assert_int_eq(sd_from_binary(bin, len, &back,
				    NULL), 0);
				sd_free(back);
				free(bin);
			}
			sd_free(sd);
		}
	}
}
END_TEST

START_TEST(test_cond_malformed)
{
	static const unsigned char sidtok[] = { 0x51, 12, 0, 0, 0,
	    1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 };
	struct sid u = S("S-1-1-0");
	struct sd_token tok = { &u, 1, NULL, 0, NULL, 0, NULL, 0, NULL, 0 };
	unsigned char x[64];

	memcpy(x, "artx", 4);
	memcpy(x + 4, sidtok, sizeof(sidtok));
	x[4 + sizeof(sidtok)] = 0x89;
	ck_assert_int_eq(sd_cond_eval(x, 5 + sizeof(sidtok), &tok), SD_TRUE);
	/* Truncated SID token, missing operator, unknown token, stack
	 * underflow, wrong signature: all UNKNOWN. */
	ck_assert_int_eq(sd_cond_eval(x, 4 + sizeof(sidtok) - 1, &tok),
	    SD_UNKNOWN);
	ck_assert_int_eq(sd_cond_eval(x, 4 + sizeof(sidtok), &tok),
	    SD_UNKNOWN);
	x[4 + sizeof(sidtok)] = 0x77;
	ck_assert_int_eq(sd_cond_eval(x, 5 + sizeof(sidtok), &tok),
	    SD_UNKNOWN);
	x[4] = 0xa0;
	ck_assert_int_eq(sd_cond_eval(x, 5, &tok), SD_UNKNOWN);
	x[4] = 0x89;
	ck_assert_int_eq(sd_cond_eval(x, 5, &tok), SD_UNKNOWN);
	ck_assert_int_eq(sd_cond_eval((const unsigned char *)"arty", 4, &tok),
	    SD_UNKNOWN);
	/* A SID token whose length lies about the SID inside. */
	memcpy(x + 4, sidtok, sizeof(sidtok));
	x[5] = 13;
	x[4 + sizeof(sidtok)] = 0;
	x[5 + sizeof(sidtok)] = 0x89;
	ck_assert_int_eq(sd_cond_eval(x, 6 + sizeof(sidtok), &tok),
	    SD_UNKNOWN);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sd");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_sid_text);
	tcase_add_test(tc, test_sid_malformed);
	tcase_add_test(tc, test_sid_alias);
	tcase_add_test(tc, test_binary_known);
	tcase_add_test(tc, test_cond_known);
	tcase_add_test(tc, test_sddl_roundtrip);
	tcase_add_test(tc, test_access_groups);
	tcase_add_test(tc, test_access_logic_and_claims);
	tcase_add_test(tc, test_sddl_malformed);
	tcase_add_test(tc, test_binary_malformed);
	tcase_add_test(tc, test_cond_malformed);
	tcase_add_test(tc, test_sddl_mutations);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
