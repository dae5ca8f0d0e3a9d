/*
 * policy_dir.c - directory reads for authentication policies: a small
 * per-realm cache of policy and silo objects, and nested group SIDs.
 *
 * A policy object that cannot be read fails the request (the caller's
 * decision): skipping a policy would silently lift a restriction.
 */
#include "config.h"

#include <stdio.h>
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

/* ---- Group SIDs ------------------------------------------------------ */

struct policy_groups_req {
	struct dir *d;
	struct dir_search *s;
	char **seen;                    /* group DNs already visited */
	size_t n_seen;
	char **frontier;
	size_t n_frontier;
	struct sid sids[POLICY_GROUPS_MAX];
	size_t n_sids;
	int depth;
	int truncated;
	policy_groups_cb cb;
	void *arg;
};

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
policy_groups_cancel(struct policy_groups_req *r)
{
	if (r == NULL)
		return;
	dir_cancel(r->s);
	strv_free(r->seen, r->n_seen);
	strv_free(r->frontier, r->n_frontier);
	free(r);
}

static void groups_level_done(void *arg, const struct kerr *err,
    const struct dir_entries *res);

/* Search the groups having any frontier DN as member; 0 when there is
 * nothing left to search (the caller then finishes). */
static int
groups_next(struct policy_groups_req *r, struct kerr *e)
{
	static const char *const attrs[] = { "objectSid", NULL };
	char filter[DIR_FILTER_MAX];
	size_t i, o;

	if (r->n_frontier == 0)
		return 0;
	if (r->depth++ >= POLICY_GROUPS_DEPTH) {
		r->truncated = 1;
		return 0;
	}
	o = (size_t)snprintf(filter, sizeof(filter), "(|");
	for (i = 0; i < r->n_frontier; i++) {
		char one[DIR_FILTER_MAX];

		if (dir_filter_eq("member", r->frontier[i],
		    strlen(r->frontier[i]), one, sizeof(one)) != 0 ||
		    o + strlen(one) + 2 > sizeof(filter)) {
			r->truncated = 1;
			break;
		}
		memcpy(filter + o, one, strlen(one));
		o += strlen(one);
	}
	filter[o++] = ')';
	filter[o] = '\0';
	strv_free(r->frontier, r->n_frontier);
	r->frontier = NULL;
	r->n_frontier = 0;
	r->s = dir_search(r->d, NULL, DIR_SCOPE_SUB, filter, attrs,
	    groups_level_done, r, e);
	return r->s == NULL ? -1 : 1;
}

static int
seen(const struct policy_groups_req *r, const char *dn)
{
	size_t i;

	for (i = 0; i < r->n_seen; i++)
		if (strcasecmp(r->seen[i], dn) == 0)
			return 1;
	return 0;
}

static void
groups_finish(struct policy_groups_req *r, const struct kerr *err)
{
	r->cb(r->arg, err, r->sids, err->code ? 0 : r->n_sids, r->truncated);
	r->s = NULL;
	policy_groups_cancel(r);
}

static void
groups_level_done(void *arg, const struct kerr *err,
    const struct dir_entries *res)
{
	struct policy_groups_req *r = arg;
	struct kerr e;
	size_t i;
	int rc;

	r->s = NULL;
	if (err->code != 0) {
		groups_finish(r, err);
		return;
	}
	kerr_clear(&e);
	for (i = 0; i < res->n; i++) {
		const struct dir_entry *g = &res->v[i];
		const struct dir_attr *a = dir_entry_attr(g, "objectSid");
		char **ns, **nf;

		if (seen(r, g->dn))
			continue;
		if (r->n_seen >= POLICY_GROUPS_MAX) {
			r->truncated = 1;
			break;
		}
		ns = realloc(r->seen, (r->n_seen + 1) * sizeof(*ns));
		if (ns == NULL)
			goto nomem;
		r->seen = ns;
		if ((r->seen[r->n_seen] = strdup(g->dn)) == NULL)
			goto nomem;
		r->n_seen++;
		nf = realloc(r->frontier, (r->n_frontier + 1) * sizeof(*nf));
		if (nf == NULL)
			goto nomem;
		r->frontier = nf;
		if ((r->frontier[r->n_frontier] = strdup(g->dn)) == NULL)
			goto nomem;
		r->n_frontier++;
		if (a != NULL && a->n_vals == 1 &&
		    r->n_sids < POLICY_GROUPS_MAX &&
		    sid_from_binary(a->vals[0].data, a->vals[0].len,
		    &r->sids[r->n_sids], NULL, NULL) == 0)
			r->n_sids++;
	}
	rc = groups_next(r, &e);
	if (rc < 0) {
		groups_finish(r, &e);
		return;
	}
	if (rc == 0)
		groups_finish(r, &e);
	return;
nomem:
	kerr_set(&e, KRB_ERR_GENERIC, "out of memory resolving groups");
	groups_finish(r, &e);
}

struct policy_groups_req *
policy_groups_resolve(struct dir *d, const char *dn, policy_groups_cb cb,
    void *arg, struct kerr *e)
{
	struct policy_groups_req *r = calloc(1, sizeof(*r));

	if (r == NULL)
		goto nomem;
	r->d = d;
	r->cb = cb;
	r->arg = arg;
	r->frontier = calloc(1, sizeof(*r->frontier));
	if (r->frontier == NULL || (r->frontier[0] = strdup(dn)) == NULL)
		goto nomem;
	r->n_frontier = 1;
	if (groups_next(r, e) <= 0) {
		policy_groups_cancel(r);
		return NULL;
	}
	return r;
nomem:
	policy_groups_cancel(r);
	kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	return NULL;
}
