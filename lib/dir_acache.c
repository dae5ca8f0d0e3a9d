/*
 * dir_acache.c - a short-lived cache of account lookups.
 *
 * A logon wave asks the directory for the same accounts again and again;
 * the answers change rarely but must not be stale for long (an account
 * disabled in the directory must stop logging on).  Entries live for the
 * configured TTL (ldap_cache_ttl) and the table has a fixed number of
 * slots, so memory is bounded.  Negative answers (no such account, not
 * unique) are cached for the same time, so a client retrying an unknown
 * name does not reach the directory each time; failures to reach the
 * directory are never cached.
 *
 * The key is the search base and the ordered filters of the query, so
 * two queries share an entry only when they would send the same searches.
 * The table is direct-mapped by an FNV-1a hash: a colliding key replaces
 * the slot.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir_acache.h"
#include "loop.h"

#define ACACHE_SLOTS 1024

struct slot {
	char *key;
	int64_t expires_ms;
	struct dir_account *acct;       /* NULL: negative answer */
	kerr_t code;
	char *msg;
};

struct dir_account_cache {
	struct loop *loop;
	int64_t ttl_ms;
	struct slot slots[ACACHE_SLOTS];
	struct dir_account_cache_stats stats;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static void
slot_clear(struct slot *s)
{
	free(s->key);
	dir_account_free(s->acct);
	free(s->msg);
	memset(s, 0, sizeof(*s));
}

struct dir_account_cache *
dir_account_cache_new(struct loop *loop, unsigned int ttl_s)
{
	struct dir_account_cache *c;

	if (loop == NULL || ttl_s == 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->loop = loop;
	c->ttl_ms = (int64_t)ttl_s * 1000;
	return c;
}

void
dir_account_cache_free(struct dir_account_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < ACACHE_SLOTS; i++)
		slot_clear(&c->slots[i]);
	free(c);
}

void
dir_account_cache_stats(const struct dir_account_cache *c,
    struct dir_account_cache_stats *out)
{
	*out = c->stats;
}

struct loop *
dir_acache_loop(const struct dir_account_cache *c)
{
	return c->loop;
}

static char *
dup_str(const char *s, int *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*fail = 1;
	return d;
}

static char **
dup_strs(char **v, size_t n, int *fail)
{
	char **d;
	size_t i;

	if (v == NULL || n == 0)
		return NULL;
	d = calloc(n, sizeof(*d));
	if (d == NULL) {
		*fail = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		d[i] = dup_str(v[i], fail);
	return d;
}

struct dir_account *
dir_account_dup(const struct dir_account *a)
{
	struct dir_account *d;
	int fail = 0;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	/* Scalars one by one: a pointer added to the struct later must not
	 * end up shared between two owners. */
	d->user_account_control = a->user_account_control;
	d->is_computer = a->is_computer;
	d->n_object_classes = a->n_object_classes;
	d->account_expires = a->account_expires;
	d->when_created = a->when_created;
	d->object_sid_len = a->object_sid_len;
	d->n_alt_security_identities = a->n_alt_security_identities;
	d->n_member_of = a->n_member_of;
	d->n_service_principal_names = a->n_service_principal_names;
	d->dn = dup_str(a->dn, &fail);
	d->sam_account_name = dup_str(a->sam_account_name, &fail);
	d->user_principal_name = dup_str(a->user_principal_name, &fail);
	d->object_classes = dup_strs(a->object_classes, a->n_object_classes,
	    &fail);
	d->object_sid = NULL;
	if (a->object_sid != NULL && a->object_sid_len > 0) {
		d->object_sid = malloc(a->object_sid_len);
		if (d->object_sid == NULL)
			fail = 1;
		else
			memcpy(d->object_sid, a->object_sid, a->object_sid_len);
	}
	d->alt_security_identities = dup_strs(a->alt_security_identities,
	    a->n_alt_security_identities, &fail);
	d->member_of = dup_strs(a->member_of, a->n_member_of, &fail);
	d->service_principal_names = dup_strs(a->service_principal_names,
	    a->n_service_principal_names, &fail);
	d->dns_host_name = dup_str(a->dns_host_name, &fail);
	d->assigned_authn_policy = dup_str(a->assigned_authn_policy, &fail);
	d->assigned_authn_policy_silo = dup_str(a->assigned_authn_policy_silo,
	    &fail);
	if (fail) {
		/* Arrays were allocated whole (NULL entries free fine). */
		dir_account_free(d);
		return NULL;
	}
	return d;
}

int
dir_acache_get(struct dir_account_cache *c, const char *key,
    struct dir_account **acct_out, struct kerr *err)
{
	struct slot *s = &c->slots[fnv1a(key) % ACACHE_SLOTS];
	struct dir_account *a;

	if (s->key == NULL || strcmp(s->key, key) != 0) {
		c->stats.misses++;
		return 0;
	}
	if (now_ms() >= s->expires_ms) {
		slot_clear(s);
		c->stats.misses++;
		return 0;
	}
	if (s->acct != NULL) {
		a = dir_account_dup(s->acct);
		if (a == NULL)
			return 0;
		kerr_clear(err);
		*acct_out = a;
	} else {
		kerr_set(err, s->code, "%s (cached)", s->msg);
		*acct_out = NULL;
	}
	c->stats.hits++;
	return 1;
}

void
dir_acache_put(struct dir_account_cache *c, const char *key,
    const struct dir_account *acct, const struct kerr *err)
{
	struct slot *s = &c->slots[fnv1a(key) % ACACHE_SLOTS];
	struct slot n;

	memset(&n, 0, sizeof(n));
	if (acct == NULL && (err == NULL ||
	    (err->code != KDC_ERR_C_PRINCIPAL_UNKNOWN &&
	    err->code != KDC_ERR_PRINCIPAL_NOT_UNIQUE)))
		return;
	n.key = strdup(key);
	if (n.key == NULL)
		return;
	if (acct != NULL) {
		n.acct = dir_account_dup(acct);
		if (n.acct == NULL)
			goto fail;
	} else {
		n.code = err->code;
		n.msg = strdup(err->msg);
		if (n.msg == NULL)
			goto fail;
	}
	n.expires_ms = now_ms() + c->ttl_ms;
	slot_clear(s);
	*s = n;
	return;
fail:
	slot_clear(&n);
}
