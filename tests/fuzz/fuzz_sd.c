/*
 * fuzz_sd.c - Windows security descriptors from the directory (MS-DTYP
 * 2.4.6 binary self-relative form, 2.5.1 SDDL text) as used by AD
 * authentication policies, their conditional expressions (2.4.4.17) and
 * the access check over them (2.5.3.2).
 *
 * Every input goes to sd_parse_value() (binary when the first byte is
 * revision 1, SDDL otherwise), to the expression compiler and evaluator,
 * and to the SID parsers.  A parsed descriptor must survive a trip
 * through the binary form unchanged, and the access check must give an
 * answer against a token with SIDs and claims.
 */
#include "config.h"

#include "fuzz.h"
#include "sd.h"
#include "sid.h"

static struct sid domain, user_sids[4], device_sids[2];
static struct sd_token token;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const users[] = {
		"S-1-5-21-1-2-3-1104", "S-1-5-21-1-2-3-513", "S-1-1-0",
		"S-1-5-11"
	};
	static const char *const devices[] = {
		"S-1-5-21-1-2-3-1105", "S-1-5-21-1-2-3-515"
	};
	static const char *const silo[] = { "Silo" };
	static const int64_t level[] = { 3 };
	static struct sd_claim uc[2], dc[1];
	struct kerr e;
	size_t i;

	(void)argc;
	(void)argv;
	if (sid_from_string("S-1-5-21-1-2-3", &domain, &e) != 0)
		goto fail;
	for (i = 0; i < 4; i++)
		if (sid_from_string(users[i], &user_sids[i], &e) != 0)
			goto fail;
	for (i = 0; i < 2; i++)
		if (sid_from_string(devices[i], &device_sids[i], &e) != 0)
			goto fail;
	uc[0].name = "ad://ext/AuthenticationSilo";
	uc[0].type = SD_CLAIM_STRING;
	uc[0].nvalues = 1;
	uc[0].strings = silo;
	uc[1].name = "ad://ext/level";
	uc[1].type = SD_CLAIM_INT64;
	uc[1].nvalues = 1;
	uc[1].ints = level;
	dc[0] = uc[0];
	token.user_sids = user_sids;
	token.n_user_sids = 4;
	token.device_sids = device_sids;
	token.n_device_sids = 2;
	token.user_claims = uc;
	token.n_user_claims = 2;
	token.device_claims = dc;
	token.n_device_claims = 1;
	return 0;
fail:
	fprintf(stderr, "fuzz_sd setup: %s\n", e.msg);
	abort();
}

static void
check_acl(const struct sd_acl *acl)
{
	size_t i;
	enum sd_tri t;

	if (acl == NULL)
		return;
	FUZZ_ASSERT(acl->count <= SD_MAX_ACES);
	for (i = 0; i < acl->count; i++) {
		if (acl->aces[i].cond == NULL)
			continue;
		t = sd_cond_eval(acl->aces[i].cond, acl->aces[i].cond_len,
		    &token);
		FUZZ_ASSERT(t == SD_FALSE || t == SD_TRUE || t == SD_UNKNOWN);
	}
}

/* Binary form, parsed again, gives the same binary form. */
static void
round_trip(const struct sd_desc *sd)
{
	struct sd_desc *back = NULL;
	unsigned char *b1 = NULL, *b2 = NULL;
	size_t l1 = 0, l2 = 0;
	struct kerr e;

	if (sd_to_binary(sd, &b1, &l1, &e) != 0) {
		FUZZ_ASSERT_MSG(&e);
		return;
	}
	if (sd_from_binary(b1, l1, &back, &e) != 0) {
		fprintf(stderr, "our binary descriptor does not parse: %s\n",
		    e.msg);
		abort();
	}
	FUZZ_ASSERT(sd_to_binary(back, &b2, &l2, &e) == 0);
	FUZZ_ASSERT(l1 == l2 && memcmp(b1, b2, l1) == 0);
	free(b1);
	free(b2);
	sd_free(back);
}

static void
descriptor(const uint8_t *data, size_t size)
{
	struct sd_desc *sd = NULL;
	struct kerr e;
	int granted = -1;

	if (sd_parse_value(data, size, &domain, &sd, &e) != 0) {
		FUZZ_ASSERT(sd == NULL);
		FUZZ_ASSERT_MSG(&e);
		return;
	}
	check_acl(sd->dacl);
	check_acl(sd->sacl);
	round_trip(sd);
	if (sd_access_check(sd, SD_RIGHT_DS_CONTROL_ACCESS, &token, &granted,
	    &e) == 0)
		FUZZ_ASSERT(granted == 0 || granted == 1);
	else
		FUZZ_ASSERT_MSG(&e);
	sd_free(sd);
}

static void
expression(const uint8_t *data, size_t size)
{
	unsigned char *expr = NULL;
	size_t len = 0;
	enum sd_tri t;
	struct kerr e;

	t = sd_cond_eval(data, size, &token);
	FUZZ_ASSERT(t == SD_FALSE || t == SD_TRUE || t == SD_UNKNOWN);
	if (sd_cond_compile((const char *)data, size, &domain, &expr, &len,
	    &e) == 0) {
		t = sd_cond_eval(expr, len, &token);
		FUZZ_ASSERT(t == SD_FALSE || t == SD_TRUE || t == SD_UNKNOWN);
		free(expr);
	} else {
		FUZZ_ASSERT_MSG(&e);
	}
}

static void
sids(const uint8_t *data, size_t size)
{
	struct sid s, back;
	unsigned char bin[8 + 4 * SID_MAX_SUBAUTH];
	char text[256], *str;
	size_t used = 0;
	struct kerr e;

	if (sid_from_binary(data, size, &s, &used, &e) == 0) {
		/* Binary SIDs have one encoding. */
		FUZZ_ASSERT(used == sid_binary_len(&s) && used <= size &&
		    used <= sizeof(bin));
		sid_to_binary(&s, bin);
		FUZZ_ASSERT(memcmp(bin, data, used) == 0);
		FUZZ_ASSERT(sid_to_string(&s, text, sizeof(text)) == 0);
		FUZZ_ASSERT(sid_from_string(text, &back, &e) == 0);
		FUZZ_ASSERT(sid_equal(&s, &back));
	}
	if ((str = fuzz_strndup(data, size)) != NULL) {
		if (sid_from_string(str, &s, &e) == 0) {
			FUZZ_ASSERT(sid_to_string(&s, text, sizeof(text)) == 0);
			FUZZ_ASSERT(sid_from_string(text, &back, &e) == 0 &&
			    sid_equal(&s, &back));
		}
		free(str);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	descriptor(data, size);
	expression(data, size);
	sids(data, size);
	return 0;
}
