/*
 * policy_dir.c - directory reads for authentication policies: a small
 * per-realm cache of policy and silo objects.  Group SIDs come from the
 * nested group resolver (dir_groups.c).
 *
 * A policy object that cannot be read fails the request (the caller's
 * decision): skipping a policy would silently lift a restriction.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_dir.h"

struct cached {
	struct dir_entry e;
	int64_t fetched;
};

struct policy_cache {
	struct cached v[POLICY_CACHE_MAX];
	size_t n;
	int64_t ttl;
};

static const char *const policy_attrs[] = {
	"cn", "objectClass",
	"msDS-AuthNPolicyEnforced",
	"msDS-UserTGTLifetime", "msDS-ComputerTGTLifetime",
	"msDS-ServiceTGTLifetime",
	"msDS-UserAllowedToAuthenticateFrom",
	"msDS-ServiceAllowedToAuthenticateFrom",
	"msDS-UserAllowedToAuthenticateTo",
	"msDS-ComputerAllowedToAuthenticateTo",
	"msDS-ServiceAllowedToAuthenticateTo",
	"msDS-AuthNPolicySiloMembers", "msDS-AuthNPolicySiloEnforced",
	"msDS-UserAuthNPolicy", "msDS-ComputerAuthNPolicy",
	"msDS-ServiceAuthNPolicy",
	NULL
};

static void
entry_clear(struct dir_entry *e)
{
	size_t i, j;

	free(e->dn);
	for (i = 0; i < e->n_attrs; i++) {
		free(e->attrs[i].name);
		for (j = 0; j < e->attrs[i].n_vals; j++)
			free(e->attrs[i].vals[j].data);
		free(e->attrs[i].vals);
	}
	free(e->attrs);
	memset(e, 0, sizeof(*e));
}

static int
entry_copy(struct dir_entry *dst, const struct dir_entry *src)
{
	size_t i, j;

	memset(dst, 0, sizeof(*dst));
	dst->dn = strdup(src->dn);
	if (dst->dn == NULL)
		goto fail;
	if (src->n_attrs && (dst->attrs = calloc(src->n_attrs,
	    sizeof(*dst->attrs))) == NULL)
		goto fail;
	for (i = 0; i < src->n_attrs; i++) {
		const struct dir_attr *a = &src->attrs[i];
		struct dir_attr *b = &dst->attrs[i];

		dst->n_attrs = i + 1;
		b->name = strdup(a->name);
		if (b->name == NULL || (a->n_vals && (b->vals =
		    calloc(a->n_vals, sizeof(*b->vals))) == NULL))
			goto fail;
		for (j = 0; j < a->n_vals; j++) {
			b->n_vals = j + 1;
			b->vals[j].data = malloc(a->vals[j].len + 1);
			if (b->vals[j].data == NULL)
				goto fail;
			memcpy(b->vals[j].data, a->vals[j].data,
			    a->vals[j].len);
			b->vals[j].data[a->vals[j].len] = 0;
			b->vals[j].len = a->vals[j].len;
		}
	}
	return 0;
fail:
	entry_clear(dst);
	return -1;
}

struct policy_cache *
policy_cache_new(int64_t ttl)
{
	struct policy_cache *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->ttl = ttl;
	return c;
}

void
policy_cache_free(struct policy_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		entry_clear(&c->v[i].e);
	free(c);
}

static struct cached *
find(struct policy_cache *c, const char *dn)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcasecmp(c->v[i].e.dn, dn) == 0)
			return &c->v[i];
	return NULL;
}

const struct dir_entry *
policy_cache_get(struct policy_cache *c, const char *dn, int64_t now)
{
	struct cached *x;

	if (c == NULL || dn == NULL)
		return NULL;
	x = find(c, dn);
	if (x == NULL || now - x->fetched >= c->ttl || now < x->fetched)
		return NULL;
	return &x->e;
}

/* Replace an older copy, else take a free or the stalest slot. */
const struct dir_entry *
policy_cache_put(struct policy_cache *c, const struct dir_entry *e, int64_t now)
{
	struct cached *x = find(c, e->dn);
	size_t i;

	if (x == NULL && c->n < POLICY_CACHE_MAX)
		x = &c->v[c->n++];
	else if (x == NULL) {
		x = &c->v[0];
		for (i = 1; i < c->n; i++)
			if (c->v[i].fetched < x->fetched)
				x = &c->v[i];
	}
	entry_clear(&x->e);
	if (entry_copy(&x->e, e) != 0) {
		/* Keep the table dense: move the last slot here. */
		*x = c->v[--c->n];
		memset(&c->v[c->n], 0, sizeof(c->v[0]));
		return NULL;
	}
	x->fetched = now;
	return &x->e;
}

struct load {
	struct policy_cache *c;
	int64_t now;
	policy_load_cb cb;
	void *arg;
};

static void
load_done(void *arg, const struct kerr *err, const struct dir_entries *res)
{
	struct load *l = arg;
	const struct dir_entry *e = NULL;
	struct kerr k;

	kerr_clear(&k);
	if (err->code != 0)
		k = *err;
	else if (res->n != 1)
		kerr_set(&k, KRB_ERR_GENERIC, "policy object: %zu entries",
		    res->n);
	else if ((e = policy_cache_put(l->c, &res->v[0], l->now)) == NULL)
		kerr_set(&k, KRB_ERR_GENERIC, "out of memory");
	l->cb(l->arg, &k, e);
	free(l);
}

struct dir_search *
policy_cache_load(struct dir *d, struct policy_cache *c, const char *dn,
    int64_t now, policy_load_cb cb, void *arg, struct kerr *e)
{
	struct load *l = calloc(1, sizeof(*l));
	struct dir_search *s;

	if (l == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		return NULL;
	}
	l->c = c;
	l->now = now;
	l->cb = cb;
	l->arg = arg;
	s = dir_search(d, dn, DIR_SCOPE_BASE, "(objectClass=*)", policy_attrs,
	    load_done, l, e);
	if (s == NULL)
		free(l);
	return s;
}

const char *
policy_attr_str(const struct dir_entry *e, const char *name)
{
	const struct dir_attr *a = e ? dir_entry_attr(e, name) : NULL;

	return a != NULL && a->n_vals == 1 ? dir_value_string(a, 0) : NULL;
}

int
policy_attr_bool(const struct dir_entry *e, const char *name, int def)
{
	const char *s = policy_attr_str(e, name);

	if (s == NULL)
		return def;
	if (strcasecmp(s, "TRUE") == 0)
		return 1;
	if (strcasecmp(s, "FALSE") == 0)
		return 0;
	return def;
}

int
policy_attr_has_dn(const struct dir_entry *e, const char *name,
    const char *dn)
{
	const struct dir_attr *a = e ? dir_entry_attr(e, name) : NULL;
	size_t i;

	for (i = 0; a != NULL && i < a->n_vals; i++) {
		const char *v = dir_value_string(a, i);

		if (v != NULL && strcasecmp(v, dn) == 0)
			return 1;
	}
	return 0;
}
