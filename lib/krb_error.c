/*
 * krb_error.c - building KRB-ERROR replies (RFC 4120 section 5.9.1).
 *
 * pvno and msg-type are fixed; every other field comes from the caller's
 * struct krb_error_info.  The result is DER from asn1krb_encode(), so it
 * passes the same checks we apply to what we receive.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "asn1_krb5.h"
#include "krb_error.h"

#define KRB_ERROR_MAX_COMPS 32

static int
usec_ok(int32_t v)
{
	return v >= 0 && v <= 999999;
}

/* Build a PrincipalName from a component array. */
static kerr_t
make_name(int32_t type, const char *const *comps, size_t n,
    KRB5_PRINCNAME **out, const char *what, struct kerr *e)
{
	size_t i;

	if (comps == NULL || n == 0 || n > KRB_ERROR_MAX_COMPS)
		return kerr_set(e, KRB_ERR_GENERIC, "KRB-ERROR: bad %s", what);
	for (i = 0; i < n; i++)
		if (comps[i] == NULL)
			return kerr_set(e, KRB_ERR_GENERIC,
			    "KRB-ERROR: %s component %zu is NULL", what, i);
	if (asn1krb_princ_new(type, comps, n, out))
		return kerr_set(e, KRB_ERR_GENERIC, "KRB-ERROR: cannot build %s",
		    what);
	return 0;
}

kerr_t
krb_error_encode(const struct krb_error_info *info, uint8_t **der_out,
    size_t *len_out, struct kerr *e)
{
	KRB5_ERROR *err = NULL;
	const char *what = NULL;
	kerr_t ret = KRB_ERR_GENERIC;

	if (info == NULL || info->realm == NULL)
		return kerr_set(e, ret, "KRB-ERROR: no realm");
	if (!usec_ok(info->susec) ||
	    (info->cusec != NULL && !usec_ok(*info->cusec)))
		return kerr_set(e, ret, "KRB-ERROR: microseconds out of range");
	err = KRB5_ERROR_new();
	if (err == NULL)
		return kerr_set(e, ret, "KRB-ERROR: out of memory");
	err->pvno = 5;
	err->msg_type = KRB5_MSG_ERROR;
	err->susec = info->susec;
	err->error_code = info->code;
	if (asn1krb_time_set(&err->stime, info->stime)) {
		what = "stime out of range";
		goto cleanup;
	}
	if (info->ctime != NULL && asn1krb_time_set(&err->ctime, *info->ctime)) {
		what = "ctime out of range";
		goto cleanup;
	}
	what = "out of memory";
	if (info->cusec != NULL && asn1krb_int_set(&err->cusec, *info->cusec))
		goto cleanup;
	if (info->crealm != NULL && asn1krb_str_set(&err->crealm, info->crealm))
		goto cleanup;
	if (asn1krb_str_set(&err->realm, info->realm))
		goto cleanup;
	if (info->e_text != NULL && asn1krb_str_set(&err->e_text, info->e_text))
		goto cleanup;
	if (info->e_data != NULL && asn1krb_octets_set(&err->e_data,
	    info->e_data, info->e_data_len))
		goto cleanup;
	what = NULL;    /* the calls below set their own messages */
	if (info->cname != NULL && make_name(info->cname_type, info->cname,
	    info->cname_len, &err->cname, "cname", e))
		goto cleanup;
	/* KRB5_ERROR_new() allocated an empty sname; replace it. */
	KRB5_PRINCNAME_free(err->sname);
	err->sname = NULL;
	if (make_name(info->sname_type, info->sname, info->sname_len,
	    &err->sname, "sname", e))
		goto cleanup;
	ret = ASN1KRB_ENCODE(KRB5_ERROR, err, der_out, len_out, e);
cleanup:
	if (ret && what != NULL)
		kerr_set(e, ret, "KRB-ERROR: %s", what);
	KRB5_ERROR_free(err);
	return ret;
}
