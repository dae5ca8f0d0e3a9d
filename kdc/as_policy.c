/*
 * as_policy.c - the authentication policy stage of the AS pipeline.
 *
 * The stage is a short chain of directory reads, each resumed from the
 * event loop: user silo -> user policy -> user groups -> (device account
 * -> device groups -> device silo) -> decide.  Policy and silo objects
 * come from the realm's cache (policy_dir.c).  Which policy applies
 * (MS-KILE 3.3.5.4/3.3.5.5): the silo's policy for the account's class
 * when the account is both assigned to the silo and listed among its
 * members, enforcement then coming from the silo; otherwise the directly
 * assigned policy with its own enforcement flag.
 *
 * The AllowedToAuthenticateFrom check follows Samba 4.20 and Windows: the
 * security token is the armor device's (its SID, its groups, Everyone and
 * Authenticated Users), the device's silo becomes the
 * @USER.ad://ext/AuthenticationSilo claim when that silo is enforced, and
 * the access asked for is control access (CR) on the descriptor's DACL.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "as_issue.h"
#include "as_policy.h"
#include "as_req.h"
#include "dir_account.h"
#include "dispatch.h"
#include "fast.h"
#include "log.h"
#include "policy_dir.h"
#include "realm.h"
#include "sd.h"

#define SILO_CLAIM "ad://ext/AuthenticationSilo"
#define INTERVAL_PER_SEC 10000000   /* AD Interval: 100 ns units */

enum acct_class { CLASS_USER, CLASS_COMPUTER, CLASS_SERVICE };

static const char *const class_policy_attr[] = {
	"msDS-UserAuthNPolicy", "msDS-ComputerAuthNPolicy",
	"msDS-ServiceAuthNPolicy",
};
static const char *const class_lifetime_attr[] = {
	"msDS-UserTGTLifetime", "msDS-ComputerTGTLifetime",
	"msDS-ServiceTGTLifetime",
};
/* Computers have no From restriction (ADSC msDS-AuthNPolicy). */
static const char *const class_from_attr[] = {
	"msDS-UserAllowedToAuthenticateFrom", NULL,
	"msDS-ServiceAllowedToAuthenticateFrom",
};

struct as_policy {
	struct as_req *r;
	enum acct_class cls;
	struct dir_search *search;
	struct policy_groups_req *groups;
	struct dir_account_lookup *lookup;
	int silo_applies;
	char *silo_name;                /* cn of the user's silo */
	char *policy_dn;
	char *policy_name;
	int enforced;
	int64_t lifetime;               /* seconds; 0: none */
	unsigned char *from;            /* AllowedToAuthenticateFrom value */
	size_t from_len;
	struct sid user_sids[POLICY_GROUPS_MAX + 1];
	size_t n_user_sids;
	int protected_user;
	struct dir_account *device;
	struct sid dev_sids[POLICY_GROUPS_MAX + 3];
	size_t n_dev_sids;
	char *device_silo;              /* set only when enforced */
	/* decision */
	int64_t life_cap;
	int renew_cap;
	uint32_t forbid;
	char note[200];
};

static void step_policy(struct as_policy *p);
static void step_user_groups(struct as_policy *p);
static void step_device(struct as_policy *p);
static void step_device_silo(struct as_policy *p);
static void decide(struct as_policy *p);

void
as_policy_free(struct as_policy *p)
{
	if (p == NULL)
		return;
	dir_cancel(p->search);
	policy_groups_cancel(p->groups);
	dir_account_cancel(p->lookup);
	dir_account_free(p->device);
	free(p->silo_name);
	free(p->policy_dn);
	free(p->policy_name);
	free(p->from);
	free(p->device_silo);
	free(p);
}

/* what: a short context ("group lookup: "), msg the error. */
static void
fail(struct as_policy *p, kerr_t code, const char *what, const char *msg)
{
	char why[KERR_MSG_MAX + 128];

	snprintf(why, sizeof(why), "%s%s", what, msg);
	as_policy_done(p->r, code, why);
}

static enum acct_class
account_class(const struct dir_account *a)
{
	size_t i;

	for (i = 0; i < a->n_object_classes; i++)
		if (strcasecmp(a->object_classes[i],
		    "msDS-ManagedServiceAccount") == 0 ||
		    strcasecmp(a->object_classes[i],
		    "msDS-GroupManagedServiceAccount") == 0)
			return CLASS_SERVICE;
	return a->is_computer ? CLASS_COMPUTER : CLASS_USER;
}

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Fetch dn through the cache, then call next(p, entry). */
typedef void (*next_fn)(struct as_policy *p, const struct dir_entry *e);

struct fetch {
	struct as_policy *p;
	next_fn next;
};

static void
fetch_done(void *arg, const struct kerr *err, const struct dir_entry *e)
{
	struct fetch *f = arg;
	struct as_policy *p = f->p;
	next_fn next = f->next;

	free(f);
	p->search = NULL;
	if (err->code != 0) {
		/* An unreadable policy must not lift a restriction. */
		fail(p, err->code == KDC_ERR_SVC_UNAVAILABLE ?
		    KDC_ERR_SVC_UNAVAILABLE : KDC_ERR_POLICY,
		    "authentication policy object unreadable: ", err->msg);
		return;
	}
	next(p, e);
}

static void
fetch(struct as_policy *p, const char *dn, next_fn next)
{
	const struct realm_rt *realm = p->r->realm;
	const struct dir_entry *e;
	struct fetch *f;
	struct kerr k;

	e = policy_cache_get(realm->policies, dn, p->r->now);
	if (e != NULL) {
		next(p, e);
		return;
	}
	kerr_clear(&k);
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		fail(p, KRB_ERR_GENERIC, "", "out of memory");
		return;
	}
	f->p = p;
	f->next = next;
	p->search = policy_cache_load(realm->dir, realm->policies, dn,
	    p->r->now, fetch_done, f, &k);
	if (p->search == NULL) {
		free(f);
		fail(p, k.code ? k.code : KRB_ERR_GENERIC,
		    "authentication policy lookup: ", k.msg);
	}
}

/* ---- user silo and policy ---------------------------------------------- */

static void
got_user_silo(struct as_policy *p, const struct dir_entry *silo)
{
	const struct dir_account *a = p->r->acct;

	/* MS-KILE 3.3.5.4: assignment and membership are both needed. */
	if (policy_attr_has_dn(silo, "msDS-AuthNPolicySiloMembers", a->dn)) {
		p->silo_applies = 1;
		p->silo_name = xstrdup(policy_attr_str(silo, "cn"));
		if (p->silo_name == NULL)
			p->silo_name = xstrdup(silo->dn);
		p->enforced = policy_attr_bool(silo,
		    "msDS-AuthNPolicySiloEnforced", 0);
		p->policy_dn = xstrdup(policy_attr_str(silo,
		    class_policy_attr[p->cls]));
	} else
		p->policy_dn = xstrdup(a->assigned_authn_policy);
	step_policy(p);
}

static void
got_policy(struct as_policy *p, const struct dir_entry *pol)
{
	const struct dir_attr *from;
	const char *life;
	int64_t v;

	p->policy_name = xstrdup(policy_attr_str(pol, "cn"));
	if (p->policy_name == NULL)
		p->policy_name = xstrdup(pol->dn);
	if (!p->silo_applies)
		p->enforced = policy_attr_bool(pol, "msDS-AuthNPolicyEnforced",
		    0);
	life = policy_attr_str(pol, class_lifetime_attr[p->cls]);
	if (life != NULL && dir_parse_int64(life, 0, INT64_MAX, &v) == 0 &&
	    v / INTERVAL_PER_SEC > 0)
		p->lifetime = v / INTERVAL_PER_SEC;
	from = class_from_attr[p->cls] ?
	    dir_entry_attr(pol, class_from_attr[p->cls]) : NULL;
	if (from != NULL && from->n_vals >= 1 && from->vals[0].len > 0) {
		p->from = malloc(from->vals[0].len);
		if (p->from == NULL) {
			fail(p, KRB_ERR_GENERIC, "", "out of memory");
			return;
		}
		memcpy(p->from, from->vals[0].data, from->vals[0].len);
		p->from_len = from->vals[0].len;
	}
	step_user_groups(p);
}

static void
step_policy(struct as_policy *p)
{
	if (p->policy_dn == NULL) {
		step_user_groups(p);
		return;
	}
	fetch(p, p->policy_dn, got_policy);
}

/* ---- groups ------------------------------------------------------------- */

static int
is_protected_users(const struct sid *s)
{
	/* S-1-5-21-<domain>-525 */
	return s->authority == 5 && s->nsub == 5 && s->sub[0] == 21 &&
	    s->sub[4] == SID_RID_PROTECTED_USERS;
}

static void
user_groups_done(void *arg, const struct kerr *err, const struct sid *sids,
    size_t n, int truncated)
{
	struct as_policy *p = arg;
	size_t i;

	p->groups = NULL;
	if (err->code != 0) {
		fail(p, err->code, "group lookup: ", err->msg);
		return;
	}
	(void)truncated;
	for (i = 0; i < n && p->n_user_sids < POLICY_GROUPS_MAX + 1; i++) {
		p->user_sids[p->n_user_sids++] = sids[i];
		if (is_protected_users(&sids[i]))
			p->protected_user = 1;
	}
	step_device(p);
}

static void
step_user_groups(struct as_policy *p)
{
	const struct dir_account *a = p->r->acct;
	struct kerr k;

	if (a->object_sid != NULL && sid_from_binary(a->object_sid,
	    a->object_sid_len, &p->user_sids[0], NULL, NULL) == 0)
		p->n_user_sids = 1;
	kerr_clear(&k);
	p->groups = policy_groups_resolve(p->r->realm->dir, a->dn,
	    user_groups_done, p, &k);
	if (p->groups == NULL)
		fail(p, k.code ? k.code : KRB_ERR_GENERIC, "group lookup: ",
		    k.msg);
}

/* ---- device ------------------------------------------------------------- */

static void
device_groups_done(void *arg, const struct kerr *err, const struct sid *sids,
    size_t n, int truncated)
{
	struct as_policy *p = arg;
	size_t i;

	p->groups = NULL;
	(void)truncated;
	if (err->code != 0) {
		fail(p, err->code, "device group lookup: ", err->msg);
		return;
	}
	for (i = 0; i < n && p->n_dev_sids < POLICY_GROUPS_MAX + 1; i++)
		p->dev_sids[p->n_dev_sids++] = sids[i];
	step_device_silo(p);
}

static void
device_found(void *arg, const struct kerr *err, struct dir_account *acct)
{
	struct as_policy *p = arg;
	struct kerr k;

	p->lookup = NULL;
	if (err->code == KDC_ERR_SVC_UNAVAILABLE) {
		fail(p, err->code, "device lookup: ", err->msg);
		return;
	}
	if (err->code != 0) {
		/* An armor principal without an account is a device with
		 * no groups: only unconditional grants can admit it. */
		decide(p);
		return;
	}
	p->device = acct;
	if (acct->object_sid != NULL && sid_from_binary(acct->object_sid,
	    acct->object_sid_len, &p->dev_sids[p->n_dev_sids], NULL,
	    NULL) == 0)
		p->n_dev_sids++;
	kerr_clear(&k);
	p->groups = policy_groups_resolve(p->r->realm->dir, acct->dn,
	    device_groups_done, p, &k);
	if (p->groups == NULL)
		fail(p, k.code ? k.code : KRB_ERR_GENERIC,
		    "device group lookup: ", k.msg);
}

static void
step_device(struct as_policy *p)
{
	const KRB5_PRINCNAME *dp = fast_device_princ(p->r->fast);
	struct dir_account_query q;
	const unsigned char *c;
	char name[256];
	struct kerr k;
	size_t len;

	/* Everyone and Authenticated Users are in every device token. */
	sid_from_string("S-1-1-0", &p->dev_sids[p->n_dev_sids++], NULL);
	sid_from_string("S-1-5-11", &p->dev_sids[p->n_dev_sids++], NULL);
	if (p->from == NULL || dp == NULL ||
	    strcmp(fast_device_realm(p->r->fast), p->r->realm->name) != 0 ||
	    asn1krb_princ_ncomp(dp) != 1 ||
	    (c = asn1krb_princ_comp(dp, 0, &len)) == NULL ||
	    len == 0 || len >= sizeof(name) || memchr(c, 0, len) != NULL) {
		decide(p);
		return;
	}
	memcpy(name, c, len);
	name[len] = '\0';
	memset(&q, 0, sizeof(q));
	q.keys[0].kind = DIR_KEY_SAM;
	q.keys[0].value = name;
	q.n_keys = 1;
	kerr_clear(&k);
	p->lookup = dir_find_account(p->r->realm->dir, &q, device_found, p,
	    &k);
	if (p->lookup == NULL)
		fail(p, k.code ? k.code : KRB_ERR_GENERIC, "device lookup: ",
		    k.msg);
}

static void
got_device_silo(struct as_policy *p, const struct dir_entry *silo)
{
	/* The claim exists only for a member of an enforced silo. */
	if (policy_attr_has_dn(silo, "msDS-AuthNPolicySiloMembers",
	    p->device->dn) &&
	    policy_attr_bool(silo, "msDS-AuthNPolicySiloEnforced", 0)) {
		p->device_silo = xstrdup(policy_attr_str(silo, "cn"));
	}
	decide(p);
}

static void
step_device_silo(struct as_policy *p)
{
	if (p->device == NULL ||
	    p->device->assigned_authn_policy_silo == NULL) {
		decide(p);
		return;
	}
	fetch(p, p->device->assigned_authn_policy_silo, got_device_silo);
}

/* ---- decision ----------------------------------------------------------- */

/* One event line per policy refusal, with the ids of the Windows
 * AuthenticationPolicyFailures-DomainController log (105: TGT refused;
 * 305: would have been refused, audit mode), naming the account (the
 * request's identity fields), the device, the policy and the silo. */
static void
event(struct as_policy *p, int id, const char *why)
{
	log_event(id, id == LOG_EV_POLICY_TGT_DENIED ? LOG_LVL_WARNING :
	    LOG_LVL_NOTICE, dispatch_log(p->r->h),
	    "device", p->r->fast ? fast_device_name(p->r->fast) : "-",
	    "policy", p->policy_name ? p->policy_name : "-",
	    "silo", p->silo_name ? p->silo_name : "-",
	    "action", id == LOG_EV_POLICY_TGT_DENIED ? "denied" : "audit",
	    "reason", why, (const char *)NULL);
}

/* 1 when the device may be used, 0 when not; why says which. */
static int
check_from(struct as_policy *p, char *why, size_t whylen)
{
	struct sd_desc *sd = NULL;
	struct sid dom, *domp = NULL;
	const char *vals[1];
	struct sd_claim claim;
	struct sd_token tok;
	struct kerr k;
	int granted = 0;

	if (p->r->fast == NULL) {
		snprintf(why, whylen, "AllowedToAuthenticateFrom needs a FAST "
		    "armored request (the device is unknown)");
		return 0;
	}
	/* Domain-relative aliases resolve against the user's domain. */
	if (p->n_user_sids > 0 && p->user_sids[0].nsub > 1) {
		dom = p->user_sids[0];
		dom.nsub--;
		domp = &dom;
	}
	kerr_clear(&k);
	if (sd_parse_value(p->from, p->from_len, domp, &sd, &k) != 0) {
		snprintf(why, whylen, "AllowedToAuthenticateFrom descriptor "
		    "cannot be parsed: %s", k.msg);
		return 0;
	}
	memset(&tok, 0, sizeof(tok));
	tok.user_sids = p->dev_sids;
	tok.n_user_sids = p->n_dev_sids;
	tok.device_sids = p->dev_sids;
	tok.n_device_sids = p->n_dev_sids;
	if (p->device_silo != NULL) {
		vals[0] = p->device_silo;
		claim.name = SILO_CLAIM;
		claim.type = SD_CLAIM_STRING;
		claim.nvalues = 1;
		claim.strings = vals;
		claim.ints = NULL;
		tok.user_claims = &claim;
		tok.n_user_claims = 1;
	}
	if (sd_access_check(sd, SD_RIGHT_DS_CONTROL_ACCESS, &tok, &granted,
	    &k) != 0)
		granted = 0;
	sd_free(sd);
	if (!granted)
		snprintf(why, whylen, "device %s is not allowed by "
		    "AllowedToAuthenticateFrom%s",
		    fast_device_name(p->r->fast),
		    p->device ? "" : " (no directory account)");
	return granted;
}

static void
decide(struct as_policy *p)
{
	char why[KERR_MSG_MAX + 128];
	char reason[KERR_MSG_MAX + 256];

	if (p->from != NULL && !check_from(p, why, sizeof(why))) {
		if (p->enforced) {
			event(p, LOG_EV_POLICY_TGT_DENIED, why);
			snprintf(reason, sizeof(reason), "authentication "
			    "policy \"%s\"%s%s%s: %s",
			    p->policy_name ? p->policy_name : "-",
			    p->silo_name ? " (silo \"" : "",
			    p->silo_name ? p->silo_name : "",
			    p->silo_name ? "\")" : "", why);
			as_policy_done(p->r, KDC_ERR_POLICY, reason);
			return;
		}
		event(p, LOG_EV_POLICY_TGT_AUDIT, why);
	}
	if (p->enforced && p->lifetime > 0) {
		p->life_cap = p->lifetime;
		p->renew_cap = 1;
	}
	if (p->protected_user) {
		/* MS-KILE: 4 h unless a policy sets the lifetime; Samba and
		 * Windows also drop forwardable and proxiable.  Only AES
		 * enctypes exist here, so the RC4/DES ban holds already. */
		if (p->life_cap == 0) {
			p->life_cap = AS_POLICY_PROTECTED_LIFE;
			p->renew_cap = 1;
		}
		p->forbid |= KRB5_TKT_FORWARDABLE | KRB5_TKT_PROXIABLE;
	}
	snprintf(p->note, sizeof(p->note), "%s%s%s%s%s%s",
	    p->policy_name ? "; policy " : "",
	    p->policy_name ? p->policy_name : "",
	    p->policy_name ? (p->enforced ? " (enforced)" : " (audit)") : "",
	    p->silo_name ? "; silo " : "",
	    p->silo_name ? p->silo_name : "",
	    p->protected_user ? "; Protected Users" : "");
	as_policy_done(p->r, 0, NULL);
}

kerr_t
as_policy_start(struct as_req *r, struct kerr *e)
{
	struct as_policy *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	p->r = r;
	p->cls = account_class(r->acct);
	r->pol = p;
	if (r->acct->assigned_authn_policy_silo != NULL)
		fetch(p, r->acct->assigned_authn_policy_silo, got_user_silo);
	else {
		p->policy_dn = xstrdup(r->acct->assigned_authn_policy);
		step_policy(p);
	}
	return 0;
}

void
as_policy_apply(const struct as_policy *p, struct as_issue_params *ip,
    char *note, size_t notelen)
{
	if (note != NULL && notelen > 0)
		note[0] = '\0';
	if (p == NULL)
		return;
	if (p->life_cap > 0) {
		ip->life_cap = ip->life_cap > 0 && ip->life_cap < p->life_cap ?
		    ip->life_cap : p->life_cap;
		ip->renew_cap = ip->renew_cap || p->renew_cap;
	}
	ip->forbid_flags |= p->forbid;
	if (note != NULL)
		snprintf(note, notelen, "%s", p->note);
}
