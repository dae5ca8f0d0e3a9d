/*
 * policy_eval.h - the parts of authentication policy evaluation shared
 * by the AS (AllowedToAuthenticateFrom) and TGS (AllowedToAuthenticateTo)
 * stages: which policy applies to an account, and the access check of a
 * policy's descriptor against a security token.
 */
#ifndef KDC_POLICY_EVAL_H
#define KDC_POLICY_EVAL_H

#include <stddef.h>

#include "dir_account.h"
#include "dir_ldap.h"
#include "kerror.h"
#include "sd.h"

enum policy_class { POLICY_CLASS_USER, POLICY_CLASS_COMPUTER,
	POLICY_CLASS_SERVICE };

/* The policy selected for one account (MS-KILE 3.3.5.4/3.3.5.5). */
struct policy_sel {
	enum policy_class cls;
	int silo_applies;
	char *silo_name;                /* cn of the account's silo */
	char *policy_dn;
	char *policy_name;
	int enforced;
};

/* Start a selection for account a: its class and, when it has no silo,
 * its directly assigned policy. */
void policy_sel_init(struct policy_sel *s, const struct dir_account *a);
void policy_sel_clear(struct policy_sel *s);

/* The account's silo was read: its policy for the account's class when
 * the account is a member, else the directly assigned one. */
void policy_sel_silo(struct policy_sel *s, const struct dir_entry *silo,
    const struct dir_account *a);

/* The selected policy was read: its name, and its enforcement flag
 * unless the silo's applies. */
void policy_sel_policy(struct policy_sel *s, const struct dir_entry *pol);

/* A copy of the first value of attribute name of pol (NULL, 0 when
 * absent or empty); -1 when out of memory. */
int policy_value_copy(const struct dir_entry *pol, const char *name,
    unsigned char **buf_out, size_t *len_out);

/* The cn of silo when dn is among its members and it is enforced, else
 * NULL (the AuthenticationSilo claim exists only then). */
char *policy_enforced_silo(const struct dir_entry *silo, const char *dn);

/*
 * Control access (CR) on the descriptor value buf against the token of
 * user SIDs usids and device SIDs dsids with silo, when not NULL, as the
 * @USER.ad://ext/AuthenticationSilo claim; domain_of, when not NULL, is
 * the SID whose domain resolves domain-relative aliases.  Sets
 * *granted_out; fails only when the descriptor cannot be parsed.
 */
kerr_t policy_check_sd(const unsigned char *buf, size_t len,
    const struct sid *domain_of, const struct sid *usids, size_t n_usids,
    const struct sid *dsids, size_t n_dsids, const char *silo,
    int *granted_out, struct kerr *e);

#endif
