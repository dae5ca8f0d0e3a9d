/*
 * as_account.h - from a certificate and a client name to a checked account:
 * lookup by name hint or by certificate, binding (map_bind), account
 * state and group membership.  Used by the AS pipeline and by
 * pkinit-kdc-util's "map" command, so both give the same answer.
 */
#ifndef PKINIT_KDC_AS_ACCOUNT_H
#define PKINIT_KDC_AS_ACCOUNT_H

#include <stdint.h>

#include "kerror.h"
#include "map_bind.h"

struct realm_rt;
struct cv_cert;
struct dir_account;
struct dir_groups;
struct acct_map;

/* NT-X500-PRINCIPAL ([MS-KILE] 2.2.2): the name is the certificate's
 * subject, so the account is found from the certificate. */
#define AS_NT_X500_PRINCIPAL 6

struct acct_map_in {
	const struct realm_rt *realm;
	struct cv_cert *cert;
	int32_t name_type;        /* KRB5_NT_* of the hint */
	const char *name;         /* one-component hint, or NULL for none */
	int64_t now;
};

struct acct_map_out {
	struct dir_account *acct;
	struct dir_groups *groups;
	struct map_bind_result bind;
	int by_certificate;       /* found from the certificate, not the name */
	char candidates[512];     /* DNs seen when several accounts matched */
};

/* Called once from the event loop; on success (err->code 0) out is the
 * callee's, free with acct_map_out_free(); on failure out may still say
 * how far mapping got (bind, candidates) and is freed by the caller too. */
typedef void (*acct_map_cb)(void *arg, const struct kerr *err,
    struct acct_map_out *out);

struct acct_map *acct_map_start(const struct acct_map_in *in, acct_map_cb cb,
    void *arg, struct kerr *e);
void acct_map_cancel(struct acct_map *m);
void acct_map_out_free(struct acct_map_out *o);

/* The state checks: disabled, locked out, expired -> CLIENT_REVOKED. */
kerr_t acct_check_state(const struct dir_account *a, int64_t now,
    struct kerr *e);

#endif
