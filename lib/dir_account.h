/*
 * dir_account.h - find one account in the directory by the names a
 * Kerberos client gives (sAMAccountName, userPrincipalName, ...).
 *
 * A query is an ordered list of keys; the first key that matches anything
 * decides.  One match gives the account; several give
 * KDC_ERR_PRINCIPAL_NOT_UNIQUE (with the count in the message); no match
 * for any key gives KDC_ERR_C_PRINCIPAL_UNKNOWN.  Which keys to try, and in
 * which order (e.g. "name", then "name$", then "name@realm"), is the
 * caller's decision.
 */
#ifndef PKINIT_KDC_DIR_ACCOUNT_H
#define PKINIT_KDC_DIR_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "dir_ldap.h"
#include "kerror.h"

#define DIR_ACCOUNT_MAX_KEYS 8

/* userAccountControl bits used by callers ([MS-ADTS] 2.2.16). */
#define DIR_UAC_ACCOUNTDISABLE 0x00000002u
#define DIR_UAC_NORMAL_ACCOUNT 0x00000200u
#define DIR_UAC_WORKSTATION_TRUST_ACCOUNT 0x00001000u
#define DIR_UAC_SERVER_TRUST_ACCOUNT 0x00002000u
#define DIR_UAC_DONT_EXPIRE_PASSWORD 0x00010000u
#define DIR_UAC_SMARTCARD_REQUIRED 0x00040000u
#define DIR_UAC_NOT_DELEGATED 0x00100000u

/* accountExpires values meaning "never" ([MS-ADA1] accountExpires). */
#define DIR_ACCOUNT_EXPIRES_NEVER INT64_MAX

enum dir_key_kind {
	DIR_KEY_SAM,          /* sAMAccountName=value */
	DIR_KEY_UPN,          /* userPrincipalName=value (case-insensitive) */
	DIR_KEY_ALTSECID,     /* altSecurityIdentities=value */
	DIR_KEY_DNSHOSTNAME,  /* dNSHostName=value */
	DIR_KEY_SPN,          /* servicePrincipalName=value */
	DIR_KEY_SID,          /* objectSid=binary value (value_len bytes) */
};

struct dir_account_key {
	enum dir_key_kind kind;
	const void *value;   /* text, or binary for DIR_KEY_SID */
	size_t value_len;    /* 0: strlen(value) */
};

struct dir_account_cache;

struct dir_account_query {
	struct dir_account_key keys[DIR_ACCOUNT_MAX_KEYS];
	size_t n_keys;
	const char *base;    /* NULL: the directory's base DN */
	struct dir_account_cache *cache;  /* NULL: always ask the directory */
};

struct dir_account {
	char *dn;
	char *sam_account_name;
	char *user_principal_name;      /* NULL if absent */
	uint32_t user_account_control;
	int is_computer;                /* objectClass computer */
	char **object_classes;
	size_t n_object_classes;
	int64_t account_expires;        /* 100 ns since 1601; 0 and INT64_MAX
					   (and absent) mean never */
	int64_t when_created;           /* seconds since 1970; 0 if absent */
	unsigned char *object_sid;      /* binary SID, NULL if absent */
	size_t object_sid_len;
	char **alt_security_identities;
	size_t n_alt_security_identities;
	char **member_of;
	size_t n_member_of;
	char **service_principal_names;
	size_t n_service_principal_names;
	char *dns_host_name;            /* NULL if absent */
	char *assigned_authn_policy;    /* msDS-AssignedAuthNPolicy DN */
	char *assigned_authn_policy_silo;
};

struct dir_account_lookup;

/*
 * Called once with the result, from the event loop.  On success err->code
 * is 0 and acct is the caller's (free with dir_account_free); otherwise
 * acct is NULL.
 */
typedef void (*dir_account_cb)(void *arg, const struct kerr *err,
    struct dir_account *acct);

/*
 * Start a lookup.  Returns a handle valid until the callback ran or
 * dir_account_cancel(); NULL (with *err set) for invalid queries or no
 * memory.
 */
struct dir_account_lookup *dir_find_account(struct dir *d,
    const struct dir_account_query *q, dir_account_cb cb, void *arg,
    struct kerr *err);

void dir_account_cancel(struct dir_account_lookup *lk);

void dir_account_free(struct dir_account *a);

/* A deep copy of a (NULL when out of memory). */
struct dir_account *dir_account_dup(const struct dir_account *a);

/*
 * A cache of lookup results (dir_acache.c) for ttl_s seconds: accounts
 * and the answers "no such account" / "not unique", never directory
 * failures; 1024 entries at most.  Hits are delivered from the loop like
 * directory answers.  NULL when ttl_s is 0 or out of memory.
 */
struct dir_account_cache *dir_account_cache_new(struct loop *loop,
    unsigned int ttl_s);
void dir_account_cache_free(struct dir_account_cache *c);

struct dir_account_cache_stats {
	unsigned long long hits;
	unsigned long long misses;
};
void dir_account_cache_stats(const struct dir_account_cache *c,
    struct dir_account_cache_stats *out);

/* Build the filter for one key into out: 0, or -1 if it does not fit. */
int dir_account_filter(const struct dir_account_key *k, char *out,
    size_t outlen);

/*
 * Parse a directory entry into an account (pure; used by the lookup and by
 * tests).  Required: DN, sAMAccountName, userAccountControl.  Bad data
 * (multiple values where one is allowed, invalid UTF-8, malformed numbers,
 * times or SIDs) gives KRB_ERR_GENERIC naming the entry and attribute.
 */
kerr_t dir_account_from_entry(const struct dir_entry *e,
    struct dir_account **out, struct kerr *err);

/* The attributes dir_find_account asks for (NULL-terminated). */
extern const char *const dir_account_attrs[];

#endif
