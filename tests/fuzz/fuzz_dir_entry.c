/*
 * fuzz_dir_entry.c - what the directory layer makes of LDAP data: an entry
 * turned into an account (dir_account_from_entry: UTF-8, integers,
 * GeneralizedTime, binary SIDs, single- and multi-valued attributes), and
 * client-supplied names turned into RFC 4515 search filters.
 *
 * Input: records of [attribute][length][value]; the attribute byte picks
 * one of the names the account lookup asks for (or one it does not), and
 * repeated names add values.  Every value also goes through the value
 * parsers and the filter builders, whose output must stay a well-formed
 * filter: no byte of the value may escape its assertion (RFC 4515
 * section 3), whatever it holds.
 */
#include "config.h"

#include <ctype.h>

#include "dir_account.h"
#include "fuzz.h"

#define MAX_ATTRS 16
#define MAX_VALS 16

/* Parentheses balance and every backslash starts a two-digit hex escape. */
static void
check_filter(const char *f)
{
	int depth = 0;

	FUZZ_ASSERT(f[0] == '(');
	for (; *f != '\0'; f++) {
		if (*f == '(')
			depth++;
		else if (*f == ')')
			FUZZ_ASSERT(--depth >= 0);
		else if (*f == '\\')
			FUZZ_ASSERT(isxdigit((unsigned char)f[1]) &&
			    isxdigit((unsigned char)f[2]));
		if (depth == 0)
			FUZZ_ASSERT(f[1] == '\0');
	}
	FUZZ_ASSERT(depth == 0);
}

static void
value(const uint8_t *v, size_t len)
{
	static const enum dir_key_kind kinds[] = {
		DIR_KEY_SAM, DIR_KEY_UPN, DIR_KEY_ALTSECID,
		DIR_KEY_DNSHOSTNAME, DIR_KEY_SPN, DIR_KEY_SID
	};
	struct dir_account_key k;
	char out[DIR_FILTER_MAX], *s;
	size_t n, i;
	int64_t i64;

	n = dir_filter_escape(v, len, out, sizeof(out));
	if (n != (size_t)-1) {
		FUZZ_ASSERT(n == strlen(out));
		FUZZ_ASSERT(strpbrk(out, "()*") == NULL);
	}
	if (dir_filter_eq("sAMAccountName", v, len, out, sizeof(out)) == 0)
		check_filter(out);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		k.kind = kinds[i];
		k.value = v;
		k.value_len = len;
		if (len > 0 && dir_account_filter(&k, out, sizeof(out)) == 0)
			check_filter(out);
	}
	if (dir_sid_to_string(v, len, out, sizeof(out)) == 0)
		FUZZ_ASSERT(strncmp(out, "S-1-", 4) == 0);
	(void)dir_utf8_valid(v, len);
	if ((s = fuzz_strndup(v, len)) != NULL) {
		(void)dir_parse_int64(s, INT64_MIN, INT64_MAX, &i64);
		(void)dir_parse_int64(s, 0, 0xffffffff, &i64);
		(void)dir_parse_gentime(s, &i64);
		free(s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const other = "description";
	struct dir_attr attrs[MAX_ATTRS], *a;
	struct dir_entry ent;
	struct dir_account *acct = NULL;
	struct dir_value *dv;
	struct kerr e;
	const char *name;
	size_t n_names, off = 0, len, i, j;

	for (n_names = 0; dir_account_attrs[n_names] != NULL; n_names++)
		;
	memset(&ent, 0, sizeof(ent));
	memset(attrs, 0, sizeof(attrs));
	ent.dn = (char *)"CN=fuzz,CN=Users,DC=example,DC=test";
	ent.attrs = attrs;
	while (size - off >= 2) {
		name = data[off] % (n_names + 1) < n_names ?
		    dir_account_attrs[data[off] % (n_names + 1)] : other;
		len = data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		value(data + off, len);
		for (i = 0; i < ent.n_attrs; i++)
			if (strcmp(attrs[i].name, name) == 0)
				break;
		if (i == ent.n_attrs) {
			if (i == MAX_ATTRS)
				goto skip;
			attrs[i].name = (char *)name;
			attrs[i].vals = calloc(MAX_VALS, sizeof(*dv));
			if (attrs[i].vals == NULL)
				goto skip;
			ent.n_attrs++;
		}
		a = &attrs[i];
		if (a->n_vals < MAX_VALS) {
			/* The directory layer keeps data[len] at 0. */
			dv = &a->vals[a->n_vals];
			if ((dv->data = malloc(len + 1)) != NULL) {
				memcpy(dv->data, data + off, len);
				dv->data[len] = 0;
				dv->len = len;
				a->n_vals++;
			}
		}
skip:
		off += len;
	}

	if (dir_account_from_entry(&ent, &acct, &e) == 0) {
		FUZZ_ASSERT(acct->dn != NULL && acct->sam_account_name != NULL);
		FUZZ_ASSERT(acct->object_sid != NULL ||
		    acct->object_sid_len == 0);
		dir_account_free(acct);
	} else {
		FUZZ_ASSERT(acct == NULL);
		FUZZ_ASSERT_MSG(&e);
	}
	for (i = 0; i < ent.n_attrs; i++) {
		for (j = 0; j < attrs[i].n_vals; j++)
			free(attrs[i].vals[j].data);
		free(attrs[i].vals);
	}
	return 0;
}
