/*
 * req_error.c - KRB-ERROR fields shared by the AS and TGS pipelines
 * (RFC 4120 section 5.9.1, RFC 6113 section 5.4.3).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "req_error.h"

void
req_error_init(struct krb_error_info *info, kerr_t code, int64_t now,
    int32_t usec, const char *realm, const char **snames)
{
	memset(info, 0, sizeof(*info));
	info->code = code;
	info->stime = now;
	info->susec = usec;
	info->realm = realm;
	if (realm != NULL) {
		snames[0] = "krbtgt";
		snames[1] = realm;
		info->sname = snames;
		info->sname_len = 2;
		info->sname_type = KRB5_NT_SRV_INST;
	}
}

size_t
req_error_comps(const KRB5_PRINCNAME *p, const char **v)
{
	int i, n = asn1krb_princ_ncomp(p);

	if (n <= 0 || n > REQ_ERROR_MAX_COMPS)
		return 0;
	for (i = 0; i < n; i++)
		v[i] = (const char *)ASN1_STRING_get0_data(
		    sk_ASN1_GENERALSTRING_value(p->name_string, i));
	return (size_t)n;
}

void
req_error_armor(struct kdc_fast *f, uint32_t nonce,
    struct krb_error_info *info, const char **cnames, uint8_t **edata)
{
	uint8_t *wrapped = NULL;
	size_t wlen = 0;

	if (f == NULL || info->realm == NULL)
		return;
	if (fast_wrap_error(f, nonce, info, &wrapped, &wlen, NULL) == 0) {
		free(*edata);
		*edata = wrapped;
		info->e_data = wrapped;
		info->e_data_len = wlen;
	}
	if (fast_hide_client_names(f) && info->cname != NULL) {
		cnames[0] = FAST_ANON_NAME0;
		cnames[1] = FAST_ANON_NAME1;
		info->cname_len = 2;
		info->cname_type = FAST_NT_WELLKNOWN;
		info->crealm = FAST_ANON_REALM;
	}
}
