/*
 * dir_acache.h - the account lookup cache, as dir_account.c uses it.
 * The public side (create, free) is in dir_account.h.
 */
#ifndef PKINIT_KDC_DIR_ACACHE_H
#define PKINIT_KDC_DIR_ACACHE_H

#include "dir_account.h"
#include "kerror.h"

struct loop;

/* The loop the cache's hits are delivered from. */
struct loop *dir_acache_loop(const struct dir_account_cache *c);

/*
 * A fresh result for key: 1 with either *acct_out (a copy, the caller's)
 * or a negative answer in *err; 0 when there is none.
 */
int dir_acache_get(struct dir_account_cache *c, const char *key,
    struct dir_account **acct_out, struct kerr *err);

/* Remember an account (copied) or a cacheable negative answer
 * (acct NULL, err->code KDC_ERR_C_PRINCIPAL_UNKNOWN or
 * KDC_ERR_PRINCIPAL_NOT_UNIQUE); anything else is ignored. */
void dir_acache_put(struct dir_account_cache *c, const char *key,
    const struct dir_account *acct, const struct kerr *err);

#endif
