/*
 * tgs_policy.c - the authentication policy stage of the TGS pipeline.
 *
 * A short chain of directory reads, each resumed from the event loop:
 * service silo -> service policy -> client account -> client groups ->
 * (client silo) -> (device account -> device groups) -> decide.  Policy
 * and silo objects come from the realm's cache (policy_dir.c), group SIDs
 * from the nested group resolver (dir_groups.c) and the realm's group
 * cache.  A service with no policy, or a policy without an
 * AllowedToAuthenticateTo for the service's class, costs one cached read
 * at most.
 *
 * The token follows Windows and Samba ([MS-KILE] 3.3.5.7, MS-DTYP 2.5.3.2):
 * the client's SID, its groups, Everyone and Authenticated Users, and the
 * @USER.ad://ext/AuthenticationSilo claim naming the client's silo when
 * the client is a member of an enforced one; the device's SIDs (explicit
 * FAST armor, [MS-KILE] 3.3.5.7.4 compound identity) for
 * Device_Member_of; the access asked for is control access.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir_account.h"
#include "dir_groups.h"
#include "dispatch.h"
#include "fast.h"
#include "log.h"
#include "policy_dir.h"
#include "policy_eval.h"
#include "realm.h"
#include "sd.h"
#include "tgs_policy.h"
#include "tgs_req.h"

static const char *const class_to_attr[] = {
	"msDS-UserAllowedToAuthenticateTo",
	"msDS-ComputerAllowedToAuthenticateTo",
	"msDS-ServiceAllowedToAuthenticateTo",
};

#define TOKEN_MAX (DIR_GROUPS_MAX + 3)

struct tgs_policy {
	struct tgs_req *r;
	struct policy_sel sel;
	struct dir_search *search;
	struct dir_groups_req *groups;
	struct dir_account_lookup *lookup;
	unsigned char *to;              /* AllowedToAuthenticateTo value */
	size_t to_len;
	int client_found;
	char *client_dn;
	char *client_silo_dn;           /* its msDS-AssignedAuthNPolicySilo */
	char *client_silo;              /* set only when enforced */
	struct sid user_sids[TOKEN_MAX];
	size_t n_user_sids;
	int device_found;
	struct sid dev_sids[TOKEN_MAX];
	size_t n_dev_sids;
	char note[200];
};

static void step_policy(struct tgs_policy *p);
static void step_client(struct tgs_policy *p);
static void step_device(struct tgs_policy *p);
static void decide(struct tgs_policy *p);

void
tgs_policy_free(struct tgs_policy *p)
{
	if (p == NULL)
		return;
	dir_cancel(p->search);
	dir_groups_cancel(p->groups);
	dir_account_cancel(p->lookup);
	policy_sel_clear(&p->sel);
	free(p->to);
	free(p->client_dn);
	free(p->client_silo_dn);
	free(p->client_silo);
	free(p);
}

const char *
tgs_policy_note(const struct tgs_policy *p)
{
	return p != NULL ? p->note : "";
}

static void
fail(struct tgs_policy *p, kerr_t code, const char *what, const char *msg)
{
	char why[KERR_MSG_MAX + 128];

	snprintf(why, sizeof(why), "%s%s", what, msg);
	tgs_policy_done(p->r, code, why);
}

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ---- cached policy objects ------------------------------------------- */

typedef void (*next_fn)(struct tgs_policy *p, const struct dir_entry *e);

struct fetch {
	struct tgs_policy *p;
	next_fn next;
};

static void
fetch_done(void *arg, const struct kerr *err, const struct dir_entry *e)
{
	struct fetch *f = arg;
	struct tgs_policy *p = f->p;
	next_fn next = f->next;

	free(f);
	p->search = NULL;
	if (err->code != 0) {
		/* An unreadable policy must not lift a restriction. */
		fail(p, err->code == KDC_ERR_SVC_UNAVAILABLE ?
		    KDC_ERR_SVC_UNAVAILABLE : KDC_ERR_POLICY,
		    "authentication policy object unreadable: ",
		    err->msg);
		return;
	}
	next(p, e);
}

static void
fetch(struct tgs_policy *p, const char *dn, next_fn next)
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

/* ---- the service's silo and policy ------------------------------------ */

static void
got_silo(struct tgs_policy *p, const struct dir_entry *silo)
{
	policy_sel_silo(&p->sel, silo, p->r->svc_acct);
	step_policy(p);
}

static void
got_policy(struct tgs_policy *p, const struct dir_entry *pol)
{
	policy_sel_policy(&p->sel, pol);
	if (policy_value_copy(pol, class_to_attr[p->sel.cls], &p->to,
	    &p->to_len) != 0) {
		fail(p, KRB_ERR_GENERIC, "", "out of memory");
		return;
	}
	if (p->to == NULL) {
		decide(p);
		return;
	}
	step_client(p);
}

static void
step_policy(struct tgs_policy *p)
{
	if (p->sel.policy_dn == NULL) {
		decide(p);
		return;
	}
	fetch(p, p->sel.policy_dn, got_policy);
}

/* ---- the client and the device ----------------------------------------- */

/* The single-component name of princ in our realm, for a sAMAccountName
 * lookup; 0 when it is not one. */
static int
local_name(const struct tgs_policy *p, const KRB5_PRINCNAME *princ,
    const char *realm, char *name, size_t namelen)
{
	const unsigned char *c;
	size_t len;

	if (princ == NULL || realm == NULL ||
	    strcmp(realm, p->r->realm->name) != 0 ||
	    asn1krb_princ_ncomp(princ) != 1 ||
	    (c = asn1krb_princ_comp(princ, 0, &len)) == NULL ||
	    len == 0 || len >= namelen || memchr(c, 0, len) != NULL)
		return 0;
	memcpy(name, c, len);
	name[len] = '\0';
	return 1;
}

static struct dir_account_lookup *
find_sam(struct tgs_policy *p, const char *name, dir_account_cb cb,
    struct kerr *k)
{
	struct dir_account_query q;

	memset(&q, 0, sizeof(q));
	q.keys[0].kind = DIR_KEY_SAM;
	q.keys[0].value = name;
	q.n_keys = 1;
	return dir_find_account(p->r->realm->dir, &q, cb, p, k);
}

static void
add_sid(struct sid *v, size_t *n, const struct sid *s)
{
	if (*n < TOKEN_MAX)
		v[(*n)++] = *s;
}

static void
add_well_known(struct sid *v, size_t *n)
{
	struct sid s;

	/* Everyone and Authenticated Users are in every token. */
	if (sid_from_string("S-1-1-0", &s, NULL) == 0)
		add_sid(v, n, &s);
	if (sid_from_string("S-1-5-11", &s, NULL) == 0)
		add_sid(v, n, &s);
}

static void
device_groups_done(void *arg, const struct kerr *err, struct dir_groups *g)
{
	struct tgs_policy *p = arg;
	size_t i;

	p->groups = NULL;
	if (err->code != 0) {
		fail(p, err->code, "device group lookup: ", err->msg);
		return;
	}
	for (i = 0; i < g->n_sids; i++)
		add_sid(p->dev_sids, &p->n_dev_sids, &g->sids[i]);
	dir_groups_free(g);
	decide(p);
}

static void
device_found(void *arg, const struct kerr *err, struct dir_account *acct)
{
	struct tgs_policy *p = arg;
	struct kerr k;
	struct sid s;

	p->lookup = NULL;
	if (err->code == KDC_ERR_SVC_UNAVAILABLE) {
		fail(p, err->code, "device lookup: ", err->msg);
		return;
	}
	if (err->code != 0) {
		/* Armor without an account: a device with no groups. */
		decide(p);
		return;
	}
	p->device_found = 1;
	if (acct->object_sid != NULL && sid_from_binary(acct->object_sid,
	    acct->object_sid_len, &s, NULL, NULL) == 0)
		add_sid(p->dev_sids, &p->n_dev_sids, &s);
	kerr_clear(&k);
	p->groups = dir_groups_resolve(p->r->realm->dir,
	    p->r->realm->groups_cache, acct, p->r->now, device_groups_done, p,
	    &k);
	dir_account_free(acct);
	if (p->groups == NULL)
		fail(p, k.code ? k.code : KRB_ERR_GENERIC,
		    "device group lookup: ", k.msg);
}

static void
step_device(struct tgs_policy *p)
{
	char name[256];
	struct kerr k;

	if (p->r->fast == NULL || fast_device_princ(p->r->fast) == NULL) {
		decide(p);
		return;
	}
	add_well_known(p->dev_sids, &p->n_dev_sids);
	if (!local_name(p, fast_device_princ(p->r->fast),
	    fast_device_realm(p->r->fast), name, sizeof(name))) {
		decide(p);
		return;
	}
	kerr_clear(&k);
	p->lookup = find_sam(p, name, device_found, &k);
	if (p->lookup == NULL)
		fail(p, k.code ? k.code : KRB_ERR_GENERIC, "device lookup: ",
		    k.msg);
}

static void
got_client_silo(struct tgs_policy *p, const struct dir_entry *silo)
{
	p->client_silo = policy_enforced_silo(silo, p->client_dn);
	step_device(p);
}

static void
client_groups_done(void *arg, const struct kerr *err, struct dir_groups *g)
{
	struct tgs_policy *p = arg;
	size_t i;

	p->groups = NULL;
	if (err->code != 0) {
		fail(p, err->code, "client group lookup: ", err->msg);
		return;
	}
	for (i = 0; i < g->n_sids; i++)
		add_sid(p->user_sids, &p->n_user_sids, &g->sids[i]);
	dir_groups_free(g);
	if (p->client_silo_dn != NULL)
		fetch(p, p->client_silo_dn, got_client_silo);
	else
		step_device(p);
}

static void
client_found(void *arg, const struct kerr *err, struct dir_account *acct)
{
	struct tgs_policy *p = arg;
	struct kerr k;
	struct sid s;

	p->lookup = NULL;
	if (err->code == KDC_ERR_SVC_UNAVAILABLE) {
		fail(p, err->code, "client lookup: ", err->msg);
		return;
	}
	if (err->code != 0) {
		/* A client without an account has no groups: only grants to
		 * Everyone or Authenticated Users admit it. */
		step_device(p);
		return;
	}
	p->client_found = 1;
	p->client_dn = xstrdup(acct->dn);
	p->client_silo_dn = xstrdup(acct->assigned_authn_policy_silo);
	if (p->client_dn == NULL) {
		dir_account_free(acct);
		fail(p, KRB_ERR_GENERIC, "", "out of memory");
		return;
	}
	if (acct->object_sid != NULL && sid_from_binary(acct->object_sid,
	    acct->object_sid_len, &s, NULL, NULL) == 0) {
		/* The user SID first: it names the domain (check_to). */
		memmove(&p->user_sids[1], &p->user_sids[0],
		    p->n_user_sids * sizeof(p->user_sids[0]));
		p->user_sids[0] = s;
		p->n_user_sids++;
	}
	kerr_clear(&k);
	p->groups = dir_groups_resolve(p->r->realm->dir,
	    p->r->realm->groups_cache, acct, p->r->now, client_groups_done, p,
	    &k);
	dir_account_free(acct);
	if (p->groups == NULL)
		fail(p, k.code ? k.code : KRB_ERR_GENERIC,
		    "client group lookup: ", k.msg);
}

static void
step_client(struct tgs_policy *p)
{
	char name[256], *crealm = NULL;
	struct kerr k;
	int ok;

	add_well_known(p->user_sids, &p->n_user_sids);
	if (asn1krb_str_dup(p->r->tgt->crealm, &crealm) != 0) {
		fail(p, KRB_ERR_GENERIC, "", "out of memory");
		return;
	}
	ok = local_name(p, p->r->tgt->cname, crealm, name, sizeof(name));
	free(crealm);
	if (!ok) {
		step_device(p);
		return;
	}
	kerr_clear(&k);
	p->lookup = find_sam(p, name, client_found, &k);
	if (p->lookup == NULL)
		fail(p, k.code ? k.code : KRB_ERR_GENERIC, "client lookup: ",
		    k.msg);
}

/* ---- decision ----------------------------------------------------------- */

/* One event line per policy refusal (106: service ticket refused; 306:
 * would have been, audit mode), naming the client and service (the
 * request's fields), the device, the policy and the silo. */
static void
event(struct tgs_policy *p, int id, const char *why)
{
	const char *dev = p->r->fast ? fast_device_name(p->r->fast) : NULL;

	log_event(id, id == LOG_EV_POLICY_TGS_DENIED ? LOG_LVL_WARNING :
	    LOG_LVL_NOTICE, dispatch_log(p->r->h),
	    "device", dev ? dev : "-",
	    "policy", p->sel.policy_name ? p->sel.policy_name : "-",
	    "silo", p->sel.silo_name ? p->sel.silo_name : "-",
	    "action", id == LOG_EV_POLICY_TGS_DENIED ? "denied" : "audit",
	    "reason", why, (const char *)NULL);
}

/* 1 when the client may have a ticket to the service; why says why not. */
static int
check_to(struct tgs_policy *p, char *why, size_t whylen)
{
	struct kerr k;
	int granted = 0;

	/* Domain-relative aliases resolve against the client's domain. */
	kerr_clear(&k);
	if (policy_check_sd(p->to, p->to_len,
	    p->client_found ? &p->user_sids[0] : NULL, p->user_sids,
	    p->n_user_sids, p->dev_sids, p->n_dev_sids, p->client_silo,
	    &granted, &k) != 0) {
		snprintf(why, whylen, "AllowedToAuthenticateTo descriptor "
		    "cannot be parsed: %s", k.msg);
		return 0;
	}
	if (!granted)
		snprintf(why, whylen, "client %s is not allowed by "
		    "AllowedToAuthenticateTo%s",
		    p->r->client_name ? p->r->client_name : "-",
		    p->client_found ? "" : " (no directory account)");
	return granted;
}

static void
decide(struct tgs_policy *p)
{
	char why[KERR_MSG_MAX + 128];
	char reason[KERR_MSG_MAX + 256];
	int denied = 0;

	if (p->to != NULL && !check_to(p, why, sizeof(why))) {
		if (p->sel.enforced) {
			event(p, LOG_EV_POLICY_TGS_DENIED, why);
			snprintf(reason, sizeof(reason), "service's "
			    "authentication policy \"%s\"%s%s%s: %s",
			    p->sel.policy_name ? p->sel.policy_name : "-",
			    p->sel.silo_name ? " (silo \"" : "",
			    p->sel.silo_name ? p->sel.silo_name : "",
			    p->sel.silo_name ? "\")" : "", why);
			tgs_policy_done(p->r, KDC_ERR_POLICY, reason);
			return;
		}
		event(p, LOG_EV_POLICY_TGS_AUDIT, why);
		denied = 1;
	}
	snprintf(p->note, sizeof(p->note), "%s%s%s%s%s%s",
	    p->sel.policy_name ? "; service policy " : "",
	    p->sel.policy_name ? p->sel.policy_name : "",
	    p->sel.policy_name ?
	    (p->sel.enforced ? " (enforced)" : " (audit)") : "",
	    p->sel.silo_name ? "; silo " : "",
	    p->sel.silo_name ? p->sel.silo_name : "",
	    denied ? "; would be refused" : "");
	tgs_policy_done(p->r, 0, NULL);
}

kerr_t
tgs_policy_start(struct tgs_req *r, struct kerr *e)
{
	struct tgs_policy *p;

	if (r->svc_acct == NULL || r->realm->dir == NULL ||
	    r->realm->policies == NULL) {
		tgs_policy_done(r, 0, NULL);
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	p->r = r;
	policy_sel_init(&p->sel, r->svc_acct);
	r->pol = p;
	if (r->svc_acct->assigned_authn_policy_silo != NULL)
		fetch(p, r->svc_acct->assigned_authn_policy_silo, got_silo);
	else
		step_policy(p);
	return 0;
}
