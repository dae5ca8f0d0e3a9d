/*
 * dir_groups.c - nested group membership on top of the asynchronous
 * directory layer, bounded and cached.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir_account.h"
#include "dir_groups.h"
#include "dir_ldap.h"

struct cache_ent {
	char *dn;
	struct dir_groups *g;
	int64_t expires;
};

struct dir_groups_cache {
	int64_t ttl;
	struct cache_ent v[DIR_GROUPS_CACHE_MAX];
	size_t n;
};

struct dir_groups_req {
	struct dir *dir;
	struct dir_groups_cache *cache;
	char *account_dn;
	int64_t now;
	struct dir_groups *g;
	size_t level_start;       /* this level's groups: [level_start, */
	size_t level_end;         /* level_end) of g->dns */
	size_t next;              /* next one of the level to search for */
	unsigned int depth;
	struct dir_search *search;
	dir_groups_cb cb;
	void *arg;
};

static const char *const no_attrs[] = { "objectClass", NULL };

void
dir_groups_free(struct dir_groups *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++)
		free(g->dns[i]);
	free(g->dns);
	free(g);
}

static struct dir_groups *
groups_copy(const struct dir_groups *g)
{
	struct dir_groups *c = calloc(1, sizeof(*c));
	size_t i;

	if (c == NULL)
		return NULL;
	c->truncated = g->truncated;
	if (g->n > 0 && (c->dns = calloc(g->n, sizeof(char *))) == NULL)
		goto fail;
	for (i = 0; i < g->n; i++) {
		if ((c->dns[i] = strdup(g->dns[i])) == NULL)
			goto fail;
		c->n++;
	}
	return c;
fail:
	dir_groups_free(c);
	return NULL;
}

struct dir_groups_cache *
dir_groups_cache_new(int64_t ttl)
{
	struct dir_groups_cache *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->ttl = ttl;
	return c;
}

void
dir_groups_cache_free(struct dir_groups_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->v[i].dn);
		dir_groups_free(c->v[i].g);
	}
	free(c);
}

struct dir_groups *
dir_groups_cached(struct dir_groups_cache *c, const char *dn, int64_t now)
{
	size_t i;

	for (i = 0; c != NULL && i < c->n; i++) {
		if (strcasecmp(c->v[i].dn, dn) == 0 && c->v[i].expires > now)
			return groups_copy(c->v[i].g);
	}
	return NULL;
}

/* Replace dn's entry, else an expired one, else the oldest. */
static void
cache_put(struct dir_groups_cache *c, const char *dn,
    const struct dir_groups *g, int64_t now)
{
	struct cache_ent *slot = NULL;
	struct dir_groups *copy;
	char *d;
	size_t i;

	if (c == NULL || c->ttl <= 0)
		return;
	for (i = 0; i < c->n && slot == NULL; i++) {
		if (strcasecmp(c->v[i].dn, dn) == 0 || c->v[i].expires <= now)
			slot = &c->v[i];
	}
	if (slot == NULL && c->n < DIR_GROUPS_CACHE_MAX)
		slot = &c->v[c->n++];
	for (i = 0; slot == NULL && i < c->n; i++) {
		if (slot == NULL || c->v[i].expires < slot->expires)
			slot = &c->v[i];
	}
	copy = groups_copy(g);
	d = strdup(dn);
	if (copy == NULL || d == NULL) {
		dir_groups_free(copy);
		free(d);
		return;
	}
	free(slot->dn);
	dir_groups_free(slot->g);
	slot->dn = d;
	slot->g = copy;
	slot->expires = now + c->ttl;
}

/* Add a group DN unless already known; 1 if added, 0 if known or full,
 * -1 on allocation failure. */
static int
add_group(struct dir_groups *g, const char *dn)
{
	char **nv;
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (strcasecmp(g->dns[i], dn) == 0)
			return 0;
	}
	if (g->n >= DIR_GROUPS_MAX) {
		g->truncated = 1;
		return 0;
	}
	if ((nv = realloc(g->dns, (g->n + 1) * sizeof(*nv))) == NULL)
		return -1;
	g->dns = nv;
	if ((g->dns[g->n] = strdup(dn)) == NULL)
		return -1;
	g->n++;
	return 1;
}

static void
req_free(struct dir_groups_req *r)
{
	if (r == NULL)
		return;
	dir_cancel(r->search);
	dir_groups_free(r->g);
	free(r->account_dn);
	free(r);
}

static void on_result(void *arg, const struct kerr *err,
    const struct dir_entries *res);

static void
finish(struct dir_groups_req *r, const struct kerr *err)
{
	struct dir_groups *g = NULL;

	if (err->code == 0) {
		cache_put(r->cache, r->account_dn, r->g, r->now);
		g = r->g;
		r->g = NULL;
	}
	r->cb(r->arg, err, g);
	req_free(r);
}

/*
 * Search for the groups holding any of dns as member, as many as fit in
 * one filter; returns 0, or fills e.
 */
static int
search_members(struct dir_groups_req *r, const char *const *dns, size_t n,
    size_t *used_out, struct kerr *e)
{
	char filter[DIR_FILTER_MAX], one[DIR_FILTER_MAX];
	size_t off, i;
	int k;

	off = (size_t)snprintf(filter, sizeof(filter),
	    "(&(objectClass=group)(|");
	for (i = 0; i < n; i++) {
		if (dir_filter_eq("member", dns[i], strlen(dns[i]), one,
		    sizeof(one)) != 0)
			continue;
		if (off + strlen(one) + 3 > sizeof(filter))
			break;
		k = snprintf(filter + off, sizeof(filter) - off, "%s", one);
		off += (size_t)k;
	}
	if (i == 0) {
		kerr_set(e, KRB_ERR_GENERIC, "group DN too long for a filter");
		return -1;
	}
	snprintf(filter + off, sizeof(filter) - off, "))");
	*used_out = i;
	r->search = dir_search(r->dir, NULL, DIR_SCOPE_SUB, filter, no_attrs,
	    on_result, r, e);
	return r->search == NULL ? -1 : 0;
}

/* Next search of the current level, the next level, or the end. */
static void
step(struct dir_groups_req *r)
{
	struct kerr e;
	size_t used;

	kerr_clear(&e);
	if (r->next >= r->level_end) {
		r->level_start = r->level_end;
		r->level_end = r->g->n;
		r->next = r->level_start;
		if (r->level_start == r->level_end) {
			finish(r, &e);
			return;
		}
		if (++r->depth > DIR_GROUPS_MAX_DEPTH) {
			r->g->truncated = 1;
			finish(r, &e);
			return;
		}
	}
	if (search_members(r, (const char *const *)r->g->dns + r->next,
	    r->level_end - r->next, &used, &e) != 0) {
		finish(r, &e);
		return;
	}
	r->next += used;
}

static void
on_result(void *arg, const struct kerr *err, const struct dir_entries *res)
{
	struct dir_groups_req *r = arg;
	struct kerr e;
	size_t i;

	r->search = NULL;
	if (err->code != 0) {
		e = *err;
		kerr_prefix(&e, "group membership of %s: ", r->account_dn);
		finish(r, &e);
		return;
	}
	for (i = 0; i < res->n; i++) {
		if (add_group(r->g, res->v[i].dn) < 0) {
			kerr_set(&e, KRB_ERR_GENERIC, "out of memory");
			finish(r, &e);
			return;
		}
	}
	step(r);
}

struct dir_groups_req *
dir_groups_resolve(struct dir *d, struct dir_groups_cache *c,
    const struct dir_account *a, int64_t now, dir_groups_cb cb, void *arg,
    struct kerr *err)
{
	struct dir_groups_req *r;
	const char *self[1];
	size_t i, used;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->g = calloc(1, sizeof(*r->g))) == NULL ||
	    (r->account_dn = strdup(a->dn)) == NULL)
		goto nomem;
	r->dir = d;
	r->cache = c;
	r->now = now;
	r->cb = cb;
	r->arg = arg;
	if (a->n_member_of > 0) {
		/* The directory keeps memberOf: the first level is known, the
		 * search is for the groups holding those groups. */
		for (i = 0; i < a->n_member_of; i++) {
			if (add_group(r->g, a->member_of[i]) < 0)
				goto nomem;
		}
		r->level_end = r->g->n;
		r->depth = 1;
		if (search_members(r, (const char *const *)r->g->dns,
		    r->level_end, &used, err) != 0)
			goto fail;
		r->next = used;
	} else {
		self[0] = a->dn;
		if (search_members(r, self, 1, &used, err) != 0)
			goto fail;
	}
	return r;
nomem:
	kerr_set(err, KRB_ERR_GENERIC, "out of memory");
fail:
	req_free(r);
	return NULL;
}

void
dir_groups_cancel(struct dir_groups_req *r)
{
	req_free(r);
}
