/*
 * as_account.c - finding the client's directory account and checking that
 * the certificate belongs to it, as an AD domain controller does.
 *
 * Lookup ([MS-KILE] 3.3.5.6.1, [MS-PKCA] 3.1.5.2.1): the client name is a
 * hint.  NT-PRINCIPAL "name" is a sAMAccountName, then a computer's
 * "name$", then the UPN "name@realm"; NT-ENTERPRISE "user@suffix" is a
 * userPrincipalName with any suffix; "DOMAIN\user" is the sAMAccountName
 * "user" when DOMAIN is the realm's netbios_name.  When the name matches
 * nothing, is an NT-X500-PRINCIPAL, or the realm searches by certificate,
 * the account is found from the certificate: UPN SAN (userPrincipalName)
 * and dNSName SAN (dNSHostName) first, then every altSecurityIdentities
 * string the certificate could be mapped by, as indexable equality filters.
 * Several accounts are ambiguous (KDC_ERR_CLIENT_NAME_MISMATCH) unless the
 * hint picks one.
 *
 * Then map_bind() decides whether, and how strongly, the certificate is
 * bound; the account state is checked; its groups are resolved.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "as_account.h"
#include "as_req.h"
#include "cv_cert.h"
#include "dir_account.h"
#include "dir_groups.h"
#include "dir_ldap.h"
#include "dispatch.h"
#include "log.h"
#include "map_altsecid.h"
#include "pk_req.h"
#include "realm.h"

/* 100 ns intervals between 1601-01-01 and 1970-01-01. */
#define FILETIME_UNIX_EPOCH INT64_C(116444736000000000)
#define UAC_LOCKOUT 0x00000010u
#define MAX_CERT_KEYS 24

struct acct_map {
	const struct realm_rt *realm;
	struct cv_cert *cert;
	struct map_cert *mc;
	int32_t name_type;
	char *name;
	int64_t now;
	int phase;                        /* certificate search phase, 1-2 */
	struct dir_account_lookup *lookup;
	struct dir_search *search;
	struct dir_groups_req *groups;
	struct acct_map_out *out;
	acct_map_cb cb;
	void *arg;
};

static const char *
arg_or(const char *s, const char *dflt)
{
	return s != NULL ? s : dflt;
}

void
acct_map_out_free(struct acct_map_out *o)
{
	if (o == NULL)
		return;
	dir_account_free(o->acct);
	dir_groups_free(o->groups);
	free(o);
}

static void
map_free(struct acct_map *m)
{
	if (m == NULL)
		return;
	dir_account_cancel(m->lookup);
	dir_cancel(m->search);
	dir_groups_cancel(m->groups);
	map_cert_free(m->mc);
	cv_cert_free(m->cert);
	free(m->name);
	acct_map_out_free(m->out);
	free(m);
}

void
acct_map_cancel(struct acct_map *m)
{
	map_free(m);
}

/* Hand the result over and end. */
static void
done(struct acct_map *m, const struct kerr *err)
{
	struct acct_map_out *o = m->out;

	m->out = NULL;
	m->cb(m->arg, err, o);
	map_free(m);
}

kerr_t
acct_check_state(const struct dir_account *a, int64_t now, struct kerr *e)
{
	int64_t expires;

	if (a->user_account_control & DIR_UAC_ACCOUNTDISABLE)
		return kerr_set(e, KDC_ERR_CLIENT_REVOKED,
		    "account %s is disabled (userAccountControl 0x%x)", a->dn,
		    a->user_account_control);
	if (a->user_account_control & UAC_LOCKOUT)
		return kerr_set(e, KDC_ERR_CLIENT_REVOKED,
		    "account %s is locked out (userAccountControl 0x%x)", a->dn,
		    a->user_account_control);
	if (a->account_expires > 0 && a->account_expires != INT64_MAX) {
		expires = (a->account_expires - FILETIME_UNIX_EPOCH) / 10000000;
		if (expires <= now)
			return kerr_set(e, KDC_ERR_CLIENT_REVOKED,
			    "account %s expired (accountExpires %lld)", a->dn,
			    (long long)a->account_expires);
	}
	/* SMARTCARD_REQUIRED is satisfied: this is a certificate logon. */
	return 0;
}

static void
groups_cb(void *arg, const struct kerr *err, struct dir_groups *g)
{
	struct acct_map *m = arg;

	m->groups = NULL;
	m->out->groups = g;
	done(m, err);
}

/* Bind, check state, resolve groups. */
static void
have_account(struct acct_map *m, struct dir_account *acct)
{
	struct map_bind_params bp;
	char req[1100];
	struct kerr e;

	kerr_clear(&e);
	m->out->acct = acct;
	memset(&bp, 0, sizeof(bp));
	bp.mode = (enum map_mode)m->realm->map_mode;
	bp.backdating = m->realm->backdating;
	bp.allow_rfc822 = m->realm->allow_rfc822;
	bp.realm = m->realm->name;
	if (m->name != NULL && m->name_type != KRB5_NT_ENTERPRISE &&
	    m->name_type != AS_NT_X500_PRINCIPAL) {
		snprintf(req, sizeof(req), "%s@%s", m->name, m->realm->name);
		bp.request_name = req;
	}
	if (map_bind(m->mc, acct, &bp, &m->out->bind, &e) != 0 ||
	    acct_check_state(acct, m->now, &e) != 0) {
		done(m, &e);
		return;
	}
	m->out->groups = dir_groups_cached(m->realm->groups_cache, acct->dn, m->now);
	if (m->out->groups != NULL) {
		done(m, &e);
		return;
	}
	m->groups = dir_groups_resolve(m->realm->dir, m->realm->groups_cache, acct,
	    m->now, groups_cb, m, &e);
	if (m->groups == NULL)
		done(m, &e);
}

/* Does the hint name this account?  (To choose among several.) */
static int
hint_names(const struct acct_map *m, const struct dir_account *a)
{
	const char *n = m->name, *bs;
	size_t l;

	if (n == NULL)
		return 0;
	if ((bs = strchr(n, '\\')) != NULL && m->realm->netbios_name != NULL &&
	    (size_t)(bs - n) == strlen(m->realm->netbios_name) &&
	    strncasecmp(n, m->realm->netbios_name, (size_t)(bs - n)) == 0)
		n = bs + 1;
	if (strcasecmp(a->sam_account_name, n) == 0)
		return 1;
	l = strlen(n);
	if (strlen(a->sam_account_name) == l + 1 &&
	    strncasecmp(a->sam_account_name, n, l) == 0 &&
	    a->sam_account_name[l] == '$')
		return 1;
	if (a->user_principal_name == NULL)
		return 0;
	if (strcasecmp(a->user_principal_name, n) == 0)
		return 1;
	return strncasecmp(a->user_principal_name, n, l) == 0 &&
	    a->user_principal_name[l] == '@' &&
	    strcasecmp(a->user_principal_name + l + 1, m->realm->name) == 0;
}

static int cert_search(struct acct_map *m, struct kerr *e);

static void
on_cert_search(void *arg, const struct kerr *err,
    const struct dir_entries *res)
{
	struct acct_map *m = arg;
	struct dir_account *acct = NULL, *pick = NULL;
	size_t i, off = 0, n_pick = 0;
	char *cand = m->out->candidates;
	struct kerr e;

	m->search = NULL;
	kerr_clear(&e);
	if (err->code != 0) {
		e = *err;
		if (res->overflow)
			kerr_set(&e, KDC_ERR_CLIENT_NAME_MISMATCH, "certificate "
			    "'%s' maps to more accounts than the directory "
			    "entry limit", cv_cert_subject(m->cert));
		done(m, &e);
		return;
	}
	if (res->n == 0) {
		if (cert_search(m, &e) != 0)
			done(m, &e);
		return;
	}
	for (i = 0; i < res->n; i++) {
		if (off < sizeof(m->out->candidates))
			off += (size_t)snprintf(cand + off,
			    sizeof(m->out->candidates) - off, "%s%s",
			    off ? "; " : "", res->v[i].dn);
		if (dir_account_from_entry(&res->v[i], &acct, &e) != 0) {
			dir_account_free(pick);
			done(m, &e);
			return;
		}
		if (res->n == 1 || hint_names(m, acct)) {
			n_pick++;
			dir_account_free(pick);
			pick = acct;
		} else {
			dir_account_free(acct);
		}
		acct = NULL;
	}
	if (n_pick != 1) {
		dir_account_free(pick);
		kerr_set(&e, KDC_ERR_CLIENT_NAME_MISMATCH, "certificate '%s' "
		    "maps to %zu accounts (%s)%s; give a user-name hint naming "
		    "one", cv_cert_subject(m->cert), res->n, cand,
		    m->name ? " and the client name picks none" : "");
		done(m, &e);
		return;
	}
	m->out->by_certificate = 1;
	have_account(m, pick);
}

/* Append one key's filter; 1 added, 0 not expressible (cannot match),
 * -1 no room left (the filter stays valid without it). */
static int
add_key(char *filter, size_t *off, size_t max, enum dir_key_kind kind,
    const char *value)
{
	struct dir_account_key k;
	char one[DIR_FILTER_MAX];
	int n;

	k.kind = kind;
	k.value = value;
	k.value_len = 0;
	if (dir_account_filter(&k, one, sizeof(one)) != 0)
		return 0;
	if (strlen(one) + 2 >= max - *off)
		return -1;
	n = snprintf(filter + *off, max - *off, "%s", one);
	if (n < 0)
		return -1;
	*off += (size_t)n;
	return 1;
}

/*
 * Start the next phase of the search by certificate: 1 = UPN SAN and
 * dNSName SAN, 2 = altSecurityIdentities.  Returns 0 when a search was
 * started, else the error (C_PRINCIPAL_UNKNOWN when nothing is left).
 */
static int
cert_search(struct acct_map *m, struct kerr *e)
{
	char filter[DIR_FILTER_MAX], *strs[MAX_CERT_KEYS];
	enum map_form forms[MAX_CERT_KEYS];
	size_t off, i;
	int n, k, any = 0;

	while (++m->phase <= 2) {
		off = (size_t)snprintf(filter, sizeof(filter), "(|");
		if (m->phase == 1) {
			for (i = 0; m->mc->upns && i < m->mc->upns->n; i++) {
				k = add_key(filter, &off, sizeof(filter),
				    DIR_KEY_UPN,
				    (const char *)m->mc->upns->v[i].data);
				any |= k > 0;
			}
			for (i = 0; m->mc->dns && i < m->mc->dns->n; i++) {
				k = add_key(filter, &off, sizeof(filter),
				    DIR_KEY_DNSHOSTNAME,
				    (const char *)m->mc->dns->v[i].data);
				any |= k > 0;
			}
		} else {
			n = map_altsecid_all(m->mc, strs, forms, MAX_CERT_KEYS);
			if (n < 0)
				return kerr_set(e, KRB_ERR_GENERIC,
				    "out of memory");
			for (k = 0; k < n; k++) {
				if (add_key(filter, &off, sizeof(filter),
				    DIR_KEY_ALTSECID, strs[k]) > 0)
					any = 1;
				free(strs[k]);
			}
		}
		if (!any)
			continue;
		snprintf(filter + off, sizeof(filter) - off, ")");
		m->search = dir_search(m->realm->dir, NULL, DIR_SCOPE_SUB,
		    filter, dir_account_attrs, on_cert_search, m, e);
		return m->search == NULL ?
		    (e->code ? e->code : KRB_ERR_GENERIC) : 0;
	}
	return kerr_set(e, KDC_ERR_C_PRINCIPAL_UNKNOWN, "no account matches "
	    "%s%s%s, and none is mapped to certificate '%s' by UPN, dNSName "
	    "or altSecurityIdentities", m->name ? "client name '" : "",
	    arg_or(m->name, "(no client name)"), m->name ? "'" : "",
	    cv_cert_subject(m->cert));
}

static void
hint_cb(void *arg, const struct kerr *err, struct dir_account *acct)
{
	struct acct_map *m = arg;
	struct kerr e;

	m->lookup = NULL;
	if (err->code == KDC_ERR_C_PRINCIPAL_UNKNOWN) {
		/* The name matches nothing: find the account from the
		 * certificate ([MS-PKCA] 3.1.5.2.1). */
		kerr_clear(&e);
		if (cert_search(m, &e) != 0)
			done(m, &e);
		return;
	}
	if (err->code != 0) {
		done(m, err);
		return;
	}
	have_account(m, acct);
}

/* Keys for the name hint; 0 when the hint cannot name an account. */
static size_t
hint_keys(struct acct_map *m, struct dir_account_query *q, char *dollar,
    char *upn, size_t len)
{
	const char *n = m->name, *bs;

	memset(q, 0, sizeof(*q));
	if (n == NULL || m->name_type == AS_NT_X500_PRINCIPAL)
		return 0;
	if (m->name_type == KRB5_NT_ENTERPRISE) {
		q->keys[0].kind = DIR_KEY_UPN;
		q->keys[0].value = n;
		return q->n_keys = 1;
	}
	if ((bs = strchr(n, '\\')) != NULL) {
		const char *nb = m->realm->netbios_name;

		if (nb == NULL || (size_t)(bs - n) != strlen(nb) ||
		    strncasecmp(n, nb, strlen(nb)) != 0 || bs[1] == '\0')
			return 0;
		q->keys[0].kind = DIR_KEY_SAM;
		q->keys[0].value = bs + 1;
		return q->n_keys = 1;
	}
	snprintf(dollar, len, "%s$", n);
	snprintf(upn, len, "%s@%s", n, m->realm->name);
	q->keys[0].kind = DIR_KEY_SAM;
	q->keys[0].value = n;
	q->keys[1].kind = DIR_KEY_SAM;
	q->keys[1].value = dollar;
	q->keys[2].kind = DIR_KEY_UPN;
	q->keys[2].value = upn;
	return q->n_keys = 3;
}

struct acct_map *
acct_map_start(const struct acct_map_in *in, acct_map_cb cb, void *arg,
    struct kerr *e)
{
	struct dir_account_query q;
	struct acct_map *m;
	char dollar[1100], upn[1100];

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->out = calloc(1, sizeof(*m->out))) == NULL ||
	    (in->name != NULL && (m->name = strdup(in->name)) == NULL)) {
		kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto fail;
	}
	m->realm = in->realm;
	m->cert = cv_cert_ref(in->cert);
	m->name_type = in->name_type;
	m->now = in->now;
	m->cb = cb;
	m->arg = arg;
	if (map_cert_new(m->cert, &m->mc, e) != 0)
		goto fail;
	if (!m->realm->search_by_cert &&
	    hint_keys(m, &q, dollar, upn, sizeof(dollar)) > 0) {
		q.cache = m->realm->acache;
		m->lookup = dir_find_account(m->realm->dir, &q, hint_cb, m, e);
		if (m->lookup == NULL)
			goto fail;
		return m;
	}
	if (cert_search(m, e) != 0)
		goto fail;
	return m;
fail:
	map_free(m);
	return NULL;
}

/* ---- the AS pipeline stage ---- */

static void
map_cb(void *arg, const struct kerr *err, struct acct_map_out *out)
{
	struct as_req *r = arg;
	struct dir_account *acct = NULL;

	r->map = NULL;
	if (out != NULL) {
		snprintf(r->binding_buf, sizeof(r->binding_buf), "%s (%s)",
		    out->bind.how, map_strength_name(out->bind.strength));
		r->binding = r->binding_buf;
		r->cname_from_cert = out->by_certificate;
		if (out->bind.n_ignored > 0)
			log_msg(LOG_LVL_WARNING, "account %s: %u "
			    "altSecurityIdentities value(s) ignored: %s",
			    out->acct ? out->acct->dn : "?",
			    out->bind.n_ignored, out->bind.ignored);
		if (err->code == 0 && out->bind.event == 39)
			log_msg(LOG_LVL_WARNING, "weak certificate mapping "
			    "(event 39): %s", out->bind.warning);
		acct = out->acct;
		out->acct = NULL;
		r->groups = out->groups;
		out->groups = NULL;
	}
	acct_map_out_free(out);
	if (err->code != 0 && acct != NULL) {
		/* Found, but not bound or not usable: the message names the
		 * account and the check, and so does the log line. */
		r->acct = acct;
		dispatch_log(r->h)->account = acct->dn;
		as_finish_error(r, err->code, err->msg);
		return;
	}
	as_account_done(r, err, err->code == 0 ? acct : NULL);
}

kerr_t
as_account_start(struct as_req *r, struct kerr *e)
{
	const KRB5_PRINCNAME *cn = r->req->req_body->cname;
	struct acct_map_in in;
	const unsigned char *c;
	char *name = NULL;
	size_t clen;
	int nc = asn1krb_princ_ncomp(cn);

	memset(&in, 0, sizeof(in));
	if (cn->name_type != AS_NT_X500_PRINCIPAL) {
		if (nc != 1)
			return kerr_set(e, KDC_ERR_C_PRINCIPAL_UNKNOWN,
			    "client %s has %d name components; accounts have "
			    "one", r->client_name, nc);
		c = asn1krb_princ_comp(cn, 0, &clen);
		if (clen == 0 || memchr(c, '\0', clen) != NULL || clen > 1024)
			return kerr_set(e, KDC_ERR_C_PRINCIPAL_UNKNOWN,
			    "client name is empty, too long or contains NUL");
		if ((name = strndup((const char *)c, clen)) == NULL)
			return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	}
	in.realm = r->realm;
	in.cert = r->pk->signer;
	in.name_type = cn->name_type;
	in.name = name;
	in.now = r->now;
	r->map = acct_map_start(&in, map_cb, r, e);
	free(name);
	if (r->map == NULL)
		return e != NULL && e->code ? e->code : KDC_ERR_SVC_UNAVAILABLE;
	return 0;
}

void
as_account_cancel(struct as_req *r)
{
	acct_map_cancel(r->map);
	r->map = NULL;
	dir_groups_free(r->groups);
	r->groups = NULL;
}

kerr_t
as_account_check(struct as_req *r, struct kerr *e)
{
	/* Binding and state were decided before the account was handed
	 * over; a last guard against an account without a binding. */
	if (r->binding == NULL)
		return kerr_set(e, KDC_ERR_CLIENT_NAME_MISMATCH,
		    "certificate '%s' is not bound to account %s",
		    cv_cert_subject(r->pk->signer), r->acct->dn);
	return 0;
}
