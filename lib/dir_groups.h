/*
 * dir_groups.h - the groups an account belongs to, nested, for policy
 * decisions made after the account is found.
 *
 * The first level comes from the account's memberOf when the directory
 * keeps it, else from a (member=<account DN>) search; each further level
 * from one (|(member=g1)(member=g2)...) search over the groups found so
 * far.  Depth and count are bounded (a cycle or a huge tree ends the walk
 * with truncated set), and results are cached per account DN for the
 * realm's group_cache_lifetime.
 */
#ifndef PKINIT_KDC_DIR_GROUPS_H
#define PKINIT_KDC_DIR_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

struct dir;
struct dir_account;
struct dir_groups_cache;
struct dir_groups_req;

#define DIR_GROUPS_MAX 256        /* groups kept per account */
#define DIR_GROUPS_MAX_DEPTH 8    /* nesting levels followed */
#define DIR_GROUPS_CACHE_MAX 1024 /* accounts cached per realm */

struct dir_groups {
	char **dns;
	size_t n;
	int truncated;            /* a bound was reached */
};

struct dir_groups_cache *dir_groups_cache_new(int64_t ttl);
void dir_groups_cache_free(struct dir_groups_cache *c);

/* A copy of the cached groups of account_dn if still fresh, else NULL. */
struct dir_groups *dir_groups_cached(struct dir_groups_cache *c,
    const char *account_dn, int64_t now);

void dir_groups_free(struct dir_groups *g);

/* Called once from the event loop; g is the callee's (on success). */
typedef void (*dir_groups_cb)(void *arg, const struct kerr *err,
    struct dir_groups *g);

/*
 * Resolve the groups of a and store them in c (may be NULL).  Returns a
 * handle valid until the callback ran or dir_groups_cancel(); NULL with
 * *err set if the search cannot start.
 */
struct dir_groups_req *dir_groups_resolve(struct dir *d,
    struct dir_groups_cache *c, const struct dir_account *a, int64_t now,
    dir_groups_cb cb, void *arg, struct kerr *err);
void dir_groups_cancel(struct dir_groups_req *r);

#endif
