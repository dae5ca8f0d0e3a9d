/*
 * as_policy.c - the authentication policy stage of the AS pipeline.
 *
 * The stage is a short chain of directory reads, each resumed from the
 * event loop: user silo -> user policy -> (device account -> device
 * groups -> device silo) -> decide.  Policy and silo objects come from
 * the realm's cache (policy_dir.c); the user's groups, with their SIDs,
 * are those the account mapping stage resolved (r->groups), the device's
 * come from the same resolver (dir_groups.c) and the realm's group
 * cache.  Which policy applies (MS-KILE 3.3.5.4/3.3.5.5): the silo's
 * policy for the account's class when the account is both assigned to
 * the silo and listed among its members, enforcement then coming from the
 * silo; otherwise the directly assigned policy with its own enforcement
 * flag.
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
#include "dir_groups.h"
#include "dispatch.h"
#include "fast.h"
#include "log.h"
#include "policy_dir.h"
#include "policy_eval.h"
#include "realm.h"
#include "sd.h"

#define INTERVAL_PER_SEC 10000000   /* AD Interval: 100 ns units */

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
	struct policy_sel sel;
	struct dir_search *search;
	struct dir_groups_req *groups;
	struct dir_account_lookup *lookup;
	int64_t lifetime;               /* seconds; 0: none */
	unsigned char *from;            /* AllowedToAuthenticateFrom value */
	size_t from_len;
	struct sid user_sids[DIR_GROUPS_MAX + 1];
	size_t n_user_sids;
	int protected_user;
	struct dir_account *device;
	struct sid dev_sids[DIR_GROUPS_MAX + 3];
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
	dir_groups_cancel(p->groups);
	dir_account_cancel(p->lookup);
	dir_account_free(p->device);
	policy_sel_clear(&p->sel);
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
	policy_sel_silo(&p->sel, silo, p->r->acct);
	step_policy(p);
}

static void
got_policy(struct as_policy *p, const struct dir_entry *pol)
{
	const char *life;
	int64_t v;

	policy_sel_policy(&p->sel, pol);
	life = policy_attr_str(pol, class_lifetime_attr[p->sel.cls]);
	if (life != NULL && dir_parse_int64(life, 0, INT64_MAX, &v) == 0 &&
	    v / INTERVAL_PER_SEC > 0)
		p->lifetime = v / INTERVAL_PER_SEC;
	if (policy_value_copy(pol, class_from_attr[p->sel.cls], &p->from,
	    &p->from_len) != 0) {
		fail(p, KRB_ERR_GENERIC, "", "out of memory");
		return;
	}
	step_user_groups(p);
}

static void
step_policy(struct as_policy *p)
{
	if (p->sel.policy_dn == NULL) {
		step_user_groups(p);
		return;
	}
	fetch(p, p->sel.policy_dn, got_policy);
}

/* ---- groups ------------------------------------------------------------- */

static int
is_protected_users(const struct sid *s)
{
	/* S-1-5-21-<domain>-525 */
	return s->authority == 5 && s->nsub == 5 && s->sub[0] == 21 &&
	    s->sub[4] == SID_RID_PROTECTED_USERS;
}

/* The account mapping stage resolved the user's groups (or failed the
 * request); without them the stage fails closed, since a missing
 * Protected Users membership would lift its restrictions. */
static void
step_user_groups(struct as_policy *p)
{
	const struct dir_account *a = p->r->acct;
	const struct dir_groups *g = p->r->groups;
	size_t i;

	if (g == NULL) {
		fail(p, KRB_ERR_GENERIC, "group lookup: ",
		    "the account's groups were not resolved");
		return;
	}
	if (a->object_sid != NULL && sid_from_binary(a->object_sid,
	    a->object_sid_len, &p->user_sids[0], NULL, NULL) == 0)
		p->n_user_sids = 1;
	for (i = 0; i < g->n_sids && p->n_user_sids < DIR_GROUPS_MAX + 1;
	    i++) {
		p->user_sids[p->n_user_sids++] = g->sids[i];
		if (is_protected_users(&g->sids[i]))
			p->protected_user = 1;
	}
	step_device(p);
}

/* ---- device ------------------------------------------------------------- */

static void
device_groups_done(void *arg, const struct kerr *err, struct dir_groups *g)
{
	struct as_policy *p = arg;
	size_t i;

	p->groups = NULL;
	if (err->code != 0) {
		fail(p, err->code, "device group lookup: ", err->msg);
		return;
	}
	for (i = 0; i < g->n_sids && p->n_dev_sids < DIR_GROUPS_MAX + 1; i++)
		p->dev_sids[p->n_dev_sids++] = g->sids[i];
	dir_groups_free(g);
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
	p->groups = dir_groups_resolve(p->r->realm->dir,
	    p->r->realm->groups_cache, acct, p->r->now, device_groups_done, p,
	    &k);
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
	p->device_silo = policy_enforced_silo(silo, p->device->dn);
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
	    "policy", p->sel.policy_name ? p->sel.policy_name : "-",
	    "silo", p->sel.silo_name ? p->sel.silo_name : "-",
	    "action", id == LOG_EV_POLICY_TGT_DENIED ? "denied" : "audit",
	    "reason", why, (const char *)NULL);
}

/* 1 when the device may be used, 0 when not; why says which. */
static int
check_from(struct as_policy *p, char *why, size_t whylen)
{
	struct kerr k;
	int granted = 0;

	if (p->r->fast == NULL) {
		snprintf(why, whylen, "AllowedToAuthenticateFrom needs a FAST "
		    "armored request (the device is unknown)");
		return 0;
	}
	/* Domain-relative aliases resolve against the user's domain. */
	kerr_clear(&k);
	if (policy_check_sd(p->from, p->from_len,
	    p->n_user_sids > 0 ? &p->user_sids[0] : NULL, p->dev_sids,
	    p->n_dev_sids, p->dev_sids, p->n_dev_sids, p->device_silo,
	    &granted, &k) != 0) {
		snprintf(why, whylen, "AllowedToAuthenticateFrom descriptor "
		    "cannot be parsed: %s", k.msg);
		return 0;
	}
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
		if (p->sel.enforced) {
			event(p, LOG_EV_POLICY_TGT_DENIED, why);
			snprintf(reason, sizeof(reason), "authentication "
			    "policy \"%s\"%s%s%s: %s",
			    p->sel.policy_name ? p->sel.policy_name : "-",
			    p->sel.silo_name ? " (silo \"" : "",
			    p->sel.silo_name ? p->sel.silo_name : "",
			    p->sel.silo_name ? "\")" : "", why);
			as_policy_done(p->r, KDC_ERR_POLICY, reason);
			return;
		}
		event(p, LOG_EV_POLICY_TGT_AUDIT, why);
	}
	if (p->sel.enforced && p->lifetime > 0) {
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
	    p->sel.policy_name ? "; policy " : "",
	    p->sel.policy_name ? p->sel.policy_name : "",
	    p->sel.policy_name ?
	    (p->sel.enforced ? " (enforced)" : " (audit)") : "",
	    p->sel.silo_name ? "; silo " : "",
	    p->sel.silo_name ? p->sel.silo_name : "",
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
	policy_sel_init(&p->sel, r->acct);
	r->pol = p;
	if (r->acct->assigned_authn_policy_silo != NULL)
		fetch(p, r->acct->assigned_authn_policy_silo, got_user_silo);
	else
		step_policy(p);
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
