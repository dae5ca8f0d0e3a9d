/*
 * dir_account.c - account lookup on top of the directory engine: build a
 * filter per key, try the keys in order, decide unique / not unique /
 * unknown, and parse the entry into a struct dir_account with every value
 * checked.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir_acache.h"
#include "dir_account.h"
#include "loop.h"

const char *const dir_account_attrs[] = {
	"objectClass", "sAMAccountName", "userPrincipalName",
	"userAccountControl", "accountExpires", "whenCreated", "objectSid",
	"altSecurityIdentities", "memberOf", "servicePrincipalName",
	"dNSHostName", "msDS-AssignedAuthNPolicy",
	"msDS-AssignedAuthNPolicySilo", NULL
};

/* Filters are built when the lookup starts, so the caller's key values
 * need not outlive dir_find_account(). */
struct dir_account_lookup {
	struct dir *dir;
	char *base;
	char *filters[DIR_ACCOUNT_MAX_KEYS];
	size_t n_keys;
	size_t next_key;
	struct dir_search *search;
	dir_account_cb cb;
	void *arg;
	/* With a cache: the key, and a hit waiting for the loop. */
	struct dir_account_cache *cache;
	char *cache_key;
	struct loop_timer *hit_timer;
	struct dir_account *hit_acct;
	struct kerr hit_err;
};

static void
lookup_free(struct dir_account_lookup *lk)
{
	size_t i;

	if (lk == NULL)
		return;
	for (i = 0; i < lk->n_keys; i++)
		free(lk->filters[i]);
	free(lk->base);
	free(lk->cache_key);
	loop_timer_free(lk->hit_timer);
	dir_account_free(lk->hit_acct);
	free(lk);
}

static const char *
key_attr(enum dir_key_kind k)
{
	switch (k) {
	case DIR_KEY_SAM: return "sAMAccountName";
	case DIR_KEY_UPN: return "userPrincipalName";
	case DIR_KEY_ALTSECID: return "altSecurityIdentities";
	case DIR_KEY_DNSHOSTNAME: return "dNSHostName";
	case DIR_KEY_SPN: return "servicePrincipalName";
	case DIR_KEY_SID: return "objectSid";
	}
	return NULL;
}

int
dir_account_filter(const struct dir_account_key *k, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const char *attr = k ? key_attr(k->kind) : NULL;
	char val[DIR_FILTER_MAX];
	size_t len, i;
	int n;

	if (attr == NULL || k->value == NULL)
		return -1;
	len = k->value_len ? k->value_len : strlen(k->value);
	if (len == 0)
		return -1;
	if (k->kind == DIR_KEY_SID) {
		/* Binary: escape every byte (RFC 4515 section 3). */
		const unsigned char *p = k->value;

		if (len * 3 + 1 > sizeof(val))
			return -1;
		for (i = 0; i < len; i++) {
			val[3 * i] = '\\';
			val[3 * i + 1] = hex[p[i] >> 4];
			val[3 * i + 2] = hex[p[i] & 0xf];
		}
		val[3 * len] = '\0';
	} else {
		/* Text keys must be UTF-8 without NUL: a NUL would end the
		 * name early on the server side. */
		if (memchr(k->value, 0, len) != NULL ||
		    !dir_utf8_valid(k->value, len))
			return -1;
		if (dir_filter_escape(k->value, len, val, sizeof(val)) ==
		    (size_t)-1)
			return -1;
	}
	/* objectClass=user keeps groups (which carry sAMAccountName too)
	 * out; computers are users as well. */
	n = snprintf(out, outlen, "(&(objectClass=user)(%s=%s))", attr, val);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* --- parsing ------------------------------------------------------------- */

static kerr_t
copy_strings(const struct dir_entry *e, const char *name, char ***out,
    size_t *n_out, struct kerr *err)
{
	const struct dir_attr *a = dir_entry_attr(e, name);
	char **v;
	size_t i;

	*out = NULL;
	*n_out = 0;
	if (a == NULL || a->n_vals == 0)
		return 0;
	if ((v = calloc(a->n_vals, sizeof(*v))) == NULL)
		return kerr_set(err, KRB_ERR_GENERIC, "out of memory");
	*out = v;
	for (i = 0; i < a->n_vals; i++) {
		const char *s = dir_value_string(a, i);

		if (s == NULL)
			return kerr_set(err, KRB_ERR_GENERIC, "%s: a value "
			    "of %s is not valid UTF-8 text", e->dn, name);
		if ((v[i] = strdup(s)) == NULL)
			return kerr_set(err, KRB_ERR_GENERIC, "out of memory");
		(*n_out)++;
	}
	return 0;
}

static kerr_t
copy_string(const struct dir_entry *e, const char *name, int required,
    char **out, struct kerr *err)
{
	const char *s;
	kerr_t ret;

	*out = NULL;
	if ((ret = dir_entry_string(e, name, required, &s, err)) != 0)
		return ret;
	if (s != NULL && (*out = strdup(s)) == NULL)
		return kerr_set(err, KRB_ERR_GENERIC, "out of memory");
	return 0;
}

static kerr_t
parse_numbers(const struct dir_entry *e, struct dir_account *a,
    struct kerr *err)
{
	const char *s;
	int64_t v;
	kerr_t ret;

	if ((ret = dir_entry_string(e, "userAccountControl", 1, &s, err)))
		return ret;
	/* AD writes the flags as a signed 32-bit integer. */
	if (dir_parse_int64(s, INT32_MIN, UINT32_MAX, &v) != 0)
		return kerr_set(err, KRB_ERR_GENERIC, "%s: userAccountControl "
		    "'%s' is not a 32-bit integer", e->dn, s);
	a->user_account_control = (uint32_t)v;
	if ((ret = dir_entry_string(e, "accountExpires", 0, &s, err)))
		return ret;
	a->account_expires = 0;
	if (s != NULL && dir_parse_int64(s, INT64_MIN, INT64_MAX,
	    &a->account_expires) != 0)
		return kerr_set(err, KRB_ERR_GENERIC, "%s: accountExpires '%s' "
		    "is not an integer", e->dn, s);
	if ((ret = dir_entry_string(e, "whenCreated", 0, &s, err)))
		return ret;
	if (s != NULL && dir_parse_gentime(s, &a->when_created) != 0)
		return kerr_set(err, KRB_ERR_GENERIC, "%s: whenCreated '%s' "
		    "is not a UTC GeneralizedTime", e->dn, s);
	return 0;
}

static kerr_t
parse_sid(const struct dir_entry *e, struct dir_account *a, struct kerr *err)
{
	const struct dir_attr *at = dir_entry_attr(e, "objectSid");
	char text[200];

	if (at == NULL || at->n_vals == 0)
		return 0;
	if (at->n_vals != 1 || dir_sid_to_string(at->vals[0].data,
	    at->vals[0].len, text, sizeof(text)) != 0)
		return kerr_set(err, KRB_ERR_GENERIC, "%s: malformed objectSid",
		    e->dn);
	a->object_sid = malloc(at->vals[0].len);
	if (a->object_sid == NULL)
		return kerr_set(err, KRB_ERR_GENERIC, "out of memory");
	memcpy(a->object_sid, at->vals[0].data, at->vals[0].len);
	a->object_sid_len = at->vals[0].len;
	return 0;
}

kerr_t
dir_account_from_entry(const struct dir_entry *e, struct dir_account **out,
    struct kerr *err)
{
	struct dir_account *a;
	size_t i;
	kerr_t ret;

	if (e == NULL || e->dn == NULL)
		return kerr_set(err, KRB_ERR_GENERIC, "entry without DN");
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return kerr_set(err, KRB_ERR_GENERIC, "out of memory");
	if ((a->dn = strdup(e->dn)) == NULL) {
		ret = kerr_set(err, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	if ((ret = copy_string(e, "sAMAccountName", 1, &a->sam_account_name,
	    err)) != 0 ||
	    (ret = copy_string(e, "userPrincipalName", 0,
	    &a->user_principal_name, err)) != 0 ||
	    (ret = copy_string(e, "dNSHostName", 0, &a->dns_host_name,
	    err)) != 0 ||
	    (ret = copy_string(e, "msDS-AssignedAuthNPolicy", 0,
	    &a->assigned_authn_policy, err)) != 0 ||
	    (ret = copy_string(e, "msDS-AssignedAuthNPolicySilo", 0,
	    &a->assigned_authn_policy_silo, err)) != 0 ||
	    (ret = copy_strings(e, "objectClass", &a->object_classes,
	    &a->n_object_classes, err)) != 0 ||
	    (ret = copy_strings(e, "altSecurityIdentities",
	    &a->alt_security_identities, &a->n_alt_security_identities,
	    err)) != 0 ||
	    (ret = copy_strings(e, "memberOf", &a->member_of,
	    &a->n_member_of, err)) != 0 ||
	    (ret = copy_strings(e, "servicePrincipalName",
	    &a->service_principal_names, &a->n_service_principal_names,
	    err)) != 0 ||
	    (ret = parse_numbers(e, a, err)) != 0 ||
	    (ret = parse_sid(e, a, err)) != 0)
		goto cleanup;
	if (a->sam_account_name[0] == '\0') {
		ret = kerr_set(err, KRB_ERR_GENERIC, "%s: empty sAMAccountName",
		    e->dn);
		goto cleanup;
	}
	for (i = 0; i < a->n_object_classes; i++) {
		if (strcasecmp(a->object_classes[i], "computer") == 0)
			a->is_computer = 1;
	}
	*out = a;
	a = NULL;
cleanup:
	dir_account_free(a);
	return ret;
}

static void
free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
dir_account_free(struct dir_account *a)
{
	if (a == NULL)
		return;
	free(a->dn);
	free(a->sam_account_name);
	free(a->user_principal_name);
	free_strings(a->object_classes, a->n_object_classes);
	free(a->object_sid);
	free_strings(a->alt_security_identities,
	    a->n_alt_security_identities);
	free_strings(a->member_of, a->n_member_of);
	free_strings(a->service_principal_names,
	    a->n_service_principal_names);
	free(a->dns_host_name);
	free(a->assigned_authn_policy);
	free(a->assigned_authn_policy_silo);
	free(a);
}

/* --- lookup -------------------------------------------------------------- */

static void on_search(void *arg, const struct kerr *err,
    const struct dir_entries *res);

/* Start the search for the next key, or finish as unknown. */
static void
next_key(struct dir_account_lookup *lk)
{
	struct kerr e;

	if (lk->next_key >= lk->n_keys) {
		kerr_set(&e, KDC_ERR_C_PRINCIPAL_UNKNOWN, "no account matches "
		    "%s", lk->filters[lk->n_keys - 1]);
	} else {
		lk->search = dir_search(lk->dir, lk->base, DIR_SCOPE_SUB,
		    lk->filters[lk->next_key], dir_account_attrs, on_search,
		    lk, &e);
		lk->next_key++;
		if (lk->search != NULL)
			return;
	}
	if (lk->cache != NULL && e.code == KDC_ERR_C_PRINCIPAL_UNKNOWN)
		dir_acache_put(lk->cache, lk->cache_key, NULL, &e);
	lk->cb(lk->arg, &e, NULL);
	lookup_free(lk);
}

static void
on_search(void *arg, const struct kerr *err, const struct dir_entries *res)
{
	struct dir_account_lookup *lk = arg;
	const char *filter = lk->filters[lk->next_key - 1];
	struct dir_account *acct = NULL;
	struct kerr e;

	lk->search = NULL;
	if (err->code != 0 && res->overflow) {
		kerr_set(&e, KDC_ERR_PRINCIPAL_NOT_UNIQUE, "%s: more accounts "
		    "match than the directory entry limit", filter);
	} else if (err->code != 0) {
		e = *err;
	} else if (res->n == 0) {
		next_key(lk);
		return;
	} else if (res->n > 1) {
		kerr_set(&e, KDC_ERR_PRINCIPAL_NOT_UNIQUE, "%s: %zu accounts "
		    "match", filter, res->n);
	} else if (dir_account_from_entry(&res->v[0], &acct, &e) == 0) {
		kerr_clear(&e);
	}
	if (lk->cache != NULL)
		dir_acache_put(lk->cache, lk->cache_key, acct, &e);
	lk->cb(lk->arg, &e, acct);
	lookup_free(lk);
}

static void
deliver_hit(void *arg)
{
	struct dir_account_lookup *lk = arg;
	struct dir_account *acct = lk->hit_acct;

	lk->hit_acct = NULL;
	lk->cb(lk->arg, &lk->hit_err, acct);
	lookup_free(lk);
}

/*
 * The cache key is the base and the filters in order.  1: a hit, to be
 * delivered from the loop; 0: ask the directory (the key is kept so the
 * answer can be cached); -1: out of memory (*err set).
 */
static int
cache_lookup(struct dir_account_lookup *lk, struct dir_account_cache *c,
    struct kerr *err)
{
	size_t i, len = 1 + (lk->base != NULL ? strlen(lk->base) : 0);
	char *k;

	for (i = 0; i < lk->n_keys; i++)
		len += strlen(lk->filters[i]) + 1;
	k = malloc(len);
	if (k == NULL)
		goto nomem;
	strcpy(k, lk->base != NULL ? lk->base : "");
	for (i = 0; i < lk->n_keys; i++) {
		strcat(k, "\n");
		strcat(k, lk->filters[i]);
	}
	lk->cache = c;
	lk->cache_key = k;
	if (!dir_acache_get(c, k, &lk->hit_acct, &lk->hit_err))
		return 0;
	lk->hit_timer = loop_timer_new(dir_acache_loop(c), deliver_hit, lk);
	if (lk->hit_timer == NULL || loop_timer_arm(lk->hit_timer, 0) != 0)
		goto nomem;
	return 1;
nomem:
	kerr_set(err, KRB_ERR_GENERIC, "out of memory");
	return -1;
}

struct dir_account_lookup *
dir_find_account(struct dir *d, const struct dir_account_query *q,
    dir_account_cb cb, void *arg, struct kerr *err)
{
	struct dir_account_lookup *lk;
	char buf[DIR_FILTER_MAX + 1];
	struct kerr e;
	size_t i;

	if (d == NULL || q == NULL || cb == NULL || q->n_keys == 0 ||
	    q->n_keys > DIR_ACCOUNT_MAX_KEYS) {
		kerr_set(err, KRB_ERR_GENERIC, "dir_find_account: bad query");
		return NULL;
	}
	if ((lk = calloc(1, sizeof(*lk))) == NULL)
		goto nomem;
	lk->dir = d;
	lk->cb = cb;
	lk->arg = arg;
	if (q->base != NULL && (lk->base = strdup(q->base)) == NULL)
		goto nomem;
	for (i = 0; i < q->n_keys; i++) {
		if (dir_account_filter(&q->keys[i], buf, sizeof(buf)) != 0) {
			kerr_set(err, KRB_ERR_GENERIC, "account key %zu is "
			    "empty, too long or not UTF-8", i);
			lookup_free(lk);
			return NULL;
		}
		if ((lk->filters[i] = strdup(buf)) == NULL)
			goto nomem;
		lk->n_keys++;
	}
	if (q->cache != NULL) {
		switch (cache_lookup(lk, q->cache, err)) {
		case 1:
			return lk;
		case -1:
			lookup_free(lk);
			return NULL;
		}
	}
	lk->search = dir_search(d, lk->base, DIR_SCOPE_SUB, lk->filters[0],
	    dir_account_attrs, on_search, lk, &e);
	lk->next_key = 1;
	if (lk->search == NULL) {
		if (err != NULL)
			*err = e;
		lookup_free(lk);
		return NULL;
	}
	return lk;
nomem:
	kerr_set(err, KRB_ERR_GENERIC, "out of memory");
	lookup_free(lk);
	return NULL;
}

void
dir_account_cancel(struct dir_account_lookup *lk)
{
	if (lk == NULL)
		return;
	dir_cancel(lk->search);
	lookup_free(lk);
}
