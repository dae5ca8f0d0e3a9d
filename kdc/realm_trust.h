/*
 * realm_trust.h - a realm's NTAuth issuer store (from files or kept in
 * step with the directory) and its revocation engine, built from the
 * realm's options.
 */
#ifndef PKINIT_KDC_REALM_TRUST_H
#define PKINIT_KDC_REALM_TRUST_H

#include "kerror.h"

struct cv_ntauth;
struct cv_revoke;
struct dir;
struct loop;
struct realm_config;
struct realm_ntauth;

/*
 * NULL in *out when pkinit_ntauth is not set (no NTAuth check).  FILE:/DIR:
 * sources are read now.  LDAP starts a read of the NTAuthCertificates
 * entry now and again every pkinit_ntauth_refresh; a failed read keeps
 * the last good set.  Until the first read answers the store is empty.
 */
kerr_t realm_ntauth_new(const struct realm_config *rc, struct dir *dir,
    struct loop *loop, struct realm_ntauth **out, struct kerr *e);
/* Stops the timer and any read in progress (before the dir is freed). */
void realm_ntauth_free(struct realm_ntauth *n);
/* The current store (NULL until a first LDAP read succeeded). */
const struct cv_ntauth *realm_ntauth_store(const struct realm_ntauth *n);

/* NULL in *out when nothing is to be checked (pkinit_revocation_check =
 * none and no pkinit_revoke). */
kerr_t realm_revoke_new(const struct realm_config *rc, struct loop *loop,
    struct cv_revoke **out, struct kerr *e);

#endif
