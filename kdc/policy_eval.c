/*
 * policy_eval.c - policy selection and descriptor evaluation shared by
 * the AS and TGS authentication policy stages.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy_dir.h"
#include "policy_eval.h"

#define SILO_CLAIM "ad://ext/AuthenticationSilo"

static const char *const class_policy_attr[] = {
	"msDS-UserAuthNPolicy", "msDS-ComputerAuthNPolicy",
	"msDS-ServiceAuthNPolicy",
};

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static enum policy_class
account_class(const struct dir_account *a)
{
	size_t i;

	for (i = 0; i < a->n_object_classes; i++)
		if (strcasecmp(a->object_classes[i],
		    "msDS-ManagedServiceAccount") == 0 ||
		    strcasecmp(a->object_classes[i],
		    "msDS-GroupManagedServiceAccount") == 0)
			return POLICY_CLASS_SERVICE;
	return a->is_computer ? POLICY_CLASS_COMPUTER : POLICY_CLASS_USER;
}

void
policy_sel_init(struct policy_sel *s, const struct dir_account *a)
{
	memset(s, 0, sizeof(*s));
	s->cls = account_class(a);
	if (a->assigned_authn_policy_silo == NULL)
		s->policy_dn = xstrdup(a->assigned_authn_policy);
}

void
policy_sel_clear(struct policy_sel *s)
{
	if (s == NULL)
		return;
	free(s->silo_name);
	free(s->policy_dn);
	free(s->policy_name);
	memset(s, 0, sizeof(*s));
}

void
policy_sel_silo(struct policy_sel *s, const struct dir_entry *silo,
    const struct dir_account *a)
{
	/* MS-KILE 3.3.5.4: assignment and membership are both needed. */
	if (policy_attr_has_dn(silo, "msDS-AuthNPolicySiloMembers", a->dn)) {
		s->silo_applies = 1;
		s->silo_name = xstrdup(policy_attr_str(silo, "cn"));
		if (s->silo_name == NULL)
			s->silo_name = xstrdup(silo->dn);
		s->enforced = policy_attr_bool(silo,
		    "msDS-AuthNPolicySiloEnforced", 0);
		s->policy_dn = xstrdup(policy_attr_str(silo,
		    class_policy_attr[s->cls]));
	} else
		s->policy_dn = xstrdup(a->assigned_authn_policy);
}

void
policy_sel_policy(struct policy_sel *s, const struct dir_entry *pol)
{
	s->policy_name = xstrdup(policy_attr_str(pol, "cn"));
	if (s->policy_name == NULL)
		s->policy_name = xstrdup(pol->dn);
	if (!s->silo_applies)
		s->enforced = policy_attr_bool(pol, "msDS-AuthNPolicyEnforced",
		    0);
}

int
policy_value_copy(const struct dir_entry *pol, const char *name,
    unsigned char **buf_out, size_t *len_out)
{
	const struct dir_attr *a = name ? dir_entry_attr(pol, name) : NULL;
	unsigned char *buf;

	*buf_out = NULL;
	*len_out = 0;
	if (a == NULL || a->n_vals < 1 || a->vals[0].len == 0)
		return 0;
	buf = malloc(a->vals[0].len);
	if (buf == NULL)
		return -1;
	memcpy(buf, a->vals[0].data, a->vals[0].len);
	*buf_out = buf;
	*len_out = a->vals[0].len;
	return 0;
}

char *
policy_enforced_silo(const struct dir_entry *silo, const char *dn)
{
	if (policy_attr_has_dn(silo, "msDS-AuthNPolicySiloMembers", dn) &&
	    policy_attr_bool(silo, "msDS-AuthNPolicySiloEnforced", 0))
		return xstrdup(policy_attr_str(silo, "cn"));
	return NULL;
}

kerr_t
policy_check_sd(const unsigned char *buf, size_t len,
    const struct sid *domain_of, const struct sid *usids, size_t n_usids,
    const struct sid *dsids, size_t n_dsids, const char *silo,
    int *granted_out, struct kerr *e)
{
	struct sd_desc *sd = NULL;
	struct sid dom, *domp = NULL;
	const char *vals[1];
	struct sd_claim claim;
	struct sd_token tok;
	struct kerr k;
	kerr_t ret;
	int granted = 0;

	if (domain_of != NULL && domain_of->nsub > 1) {
		dom = *domain_of;
		dom.nsub--;
		domp = &dom;
	}
	ret = sd_parse_value(buf, len, domp, &sd, e);
	if (ret != 0)
		return ret;
	memset(&tok, 0, sizeof(tok));
	tok.user_sids = usids;
	tok.n_user_sids = n_usids;
	tok.device_sids = dsids;
	tok.n_device_sids = n_dsids;
	if (silo != NULL) {
		vals[0] = silo;
		claim.name = SILO_CLAIM;
		claim.type = SD_CLAIM_STRING;
		claim.nvalues = 1;
		claim.strings = vals;
		claim.ints = NULL;
		tok.user_claims = &claim;
		tok.n_user_claims = 1;
	}
	kerr_clear(&k);
	if (sd_access_check(sd, SD_RIGHT_DS_CONTROL_ACCESS, &tok, &granted,
	    &k) != 0)
		granted = 0;
	sd_free(sd);
	*granted_out = granted;
	return 0;
}
