/*
 * krb_error.c - building KRB-ERROR replies (RFC 4120 section 5.9.1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "asn1_krb5.h"
#include "krb_error.h"

/* Build a PrincipalName from a component array. */
static kerr_t
make_name(int32_t type, const char *const *comps, size_t n,
    KRB5_PRINCNAME **out, const char *what, struct kerr *e)
{
	if (comps == NULL || n == 0 || n > 32)
		return kerr_set(e, KRB_ERR_GENERIC, "KRB-ERROR: bad %s", what);
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
	kerr_t ret;

	if (info == NULL || info->realm == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "KRB-ERROR: no realm");
	if (info->susec < 0 || info->susec > 999999 ||
	    (info->cusec != NULL && (*info->cusec < 0 || *info->cusec > 999999)))
		return kerr_set(e, KRB_ERR_GENERIC,
		    "KRB-ERROR: microseconds out of range");
	err = KRB5_ERROR_new();
	if (err == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	ret = KRB_ERR_GENERIC;
	err->pvno = 5;
	err->msg_type = KRB5_MSG_ERROR;
	err->susec = info->susec;
	err->error_code = info->code;
	if (asn1krb_time_set(&err->stime, info->stime)) {
		kerr_set(e, ret, "KRB-ERROR: stime out of range");
		goto cleanup;
	}
	if (info->ctime != NULL && asn1krb_time_set(&err->ctime, *info->ctime)) {
		kerr_set(e, ret, "KRB-ERROR: ctime out of range");
		goto cleanup;
	}
	if (info->cusec != NULL && asn1krb_int_set(&err->cusec, *info->cusec)) {
		kerr_set(e, ret, "out of memory");
		goto cleanup;
	}
	if (info->crealm != NULL && asn1krb_str_set(&err->crealm, info->crealm)) {
		kerr_set(e, ret, "out of memory");
		goto cleanup;
	}
	if (info->cname != NULL && (ret = make_name(info->cname_type,
	    info->cname, info->cname_len, &err->cname, "cname", e)) != 0)
		goto cleanup;
	ret = KRB_ERR_GENERIC;
	if (asn1krb_str_set(&err->realm, info->realm)) {
		kerr_set(e, ret, "out of memory");
		goto cleanup;
	}
	/* KRB5_ERROR_new() allocated a default sname; replace it. */
	KRB5_PRINCNAME_free(err->sname);
	err->sname = NULL;
	if ((ret = make_name(info->sname_type, info->sname, info->sname_len,
	    &err->sname, "sname", e)) != 0)
		goto cleanup;
	ret = KRB_ERR_GENERIC;
	if (info->e_text != NULL && asn1krb_str_set(&err->e_text, info->e_text)) {
		kerr_set(e, ret, "out of memory");
		goto cleanup;
	}
	if (info->e_data != NULL && asn1krb_octets_set(&err->e_data,
	    info->e_data, info->e_data_len)) {
		kerr_set(e, ret, "KRB-ERROR: bad e-data");
		goto cleanup;
	}
	ret = ASN1KRB_ENCODE(KRB5_ERROR, err, der_out, len_out, e);
cleanup:
	KRB5_ERROR_free(err);
	return ret;
}
