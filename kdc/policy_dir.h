/*
 * policy_dir.h - what authentication policies need from the directory:
 * msDS-AuthNPolicy / msDS-AuthNPolicySilo objects, cached per realm for a
 * fixed lifetime (the cache belongs to the realm set, so SIGHUP re-reads
 * everything), and the SIDs of the groups an account belongs to, nested.
 */
#ifndef PKINIT_KDC_POLICY_DIR_H
#define PKINIT_KDC_POLICY_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "dir_ldap.h"
#include "kerror.h"
#include "sid.h"

#define POLICY_CACHE_TTL 300        /* seconds an object is trusted */
#define POLICY_CACHE_MAX 256        /* objects per realm */
#define POLICY_GROUPS_MAX 256       /* group SIDs kept per account */
#define POLICY_GROUPS_DEPTH 8       /* nesting levels followed */

struct policy_cache;

struct policy_cache *policy_cache_new(int64_t ttl);
void policy_cache_free(struct policy_cache *c);

/* The cached object named dn if still fresh, else NULL. */
const struct dir_entry *policy_cache_get(struct policy_cache *c,
    const char *dn, int64_t now);

/* Store a copy of e as fetched at now; the copy, or NULL (no memory). */
const struct dir_entry *policy_cache_put(struct policy_cache *c,
    const struct dir_entry *e, int64_t now);

/*
 * Called once from the event loop; entry is the cached copy (valid until
 * the next call into the cache), NULL when the search failed.
 */
typedef void (*policy_load_cb)(void *arg, const struct kerr *err,
    const struct dir_entry *entry);

/* Read the object dn (base search) into the cache. */
struct dir_search *policy_cache_load(struct dir *d, struct policy_cache *c,
    const char *dn, int64_t now, policy_load_cb cb, void *arg,
    struct kerr *e);

/* Attribute helpers over cached objects. */
const char *policy_attr_str(const struct dir_entry *e, const char *name);
/* TRUE/FALSE (LDAP Boolean); def when absent or malformed. */
int policy_attr_bool(const struct dir_entry *e, const char *name, int def);
/* 1 if attribute name holds value (DN compared case-insensitively). */
int policy_attr_has_dn(const struct dir_entry *e, const char *name,
    const char *dn);

/* ---- Group SIDs ------------------------------------------------------ */

struct policy_groups_req;

/* sids (n of them) belong to the callee only during the call. */
typedef void (*policy_groups_cb)(void *arg, const struct kerr *err,
    const struct sid *sids, size_t n, int truncated);

/*
 * The objectSid of every group that has dn as a member, directly or
 * through other groups, by one (|(member=...)...) search per level.
 */
struct policy_groups_req *policy_groups_resolve(struct dir *d,
    const char *dn, policy_groups_cb cb, void *arg, struct kerr *e);
void policy_groups_cancel(struct policy_groups_req *r);

#endif
