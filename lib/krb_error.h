/*
 * krb_error.h - building a KRB-ERROR message (RFC 4120 section 5.9.1).
 *
 * The network layer answers undecodable or refused requests with this; the
 * AS/TGS pipelines fill in client names, e-text and e-data.
 */
#ifndef PKINIT_KDC_KRB_ERROR_H
#define PKINIT_KDC_KRB_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

struct krb_error_info {
	kerr_t code;                   /* error-code */
	int64_t stime;                 /* seconds since the epoch */
	int32_t susec;                 /* microseconds */
	const int64_t *ctime;          /* optional, echoed from the request */
	const int32_t *cusec;          /* optional */
	const char *crealm;            /* optional */
	int32_t cname_type;
	const char *const *cname;      /* optional; cname_len components */
	size_t cname_len;
	const char *realm;             /* server realm (required) */
	int32_t sname_type;
	const char *const *sname;      /* server name (required) */
	size_t sname_len;
	const char *e_text;            /* optional */
	const uint8_t *e_data;         /* optional, already-encoded DER */
	size_t e_data_len;
};

/*
 * DER-encode a KRB-ERROR.  *der_out is malloc'd; the caller frees it.
 * Returns 0 or KRB_ERR_GENERIC (with a message in *e) if encoding failed.
 */
kerr_t krb_error_encode(const struct krb_error_info *info, uint8_t **der_out,
    size_t *len_out, struct kerr *e);

#endif
