/*
 * fuzz_asn1_kdc_req.c - AS-REQ and TGS-REQ decoding (RFC 4120 section
 * 5.4.1), the first thing the KDC does with bytes from the network.
 *
 * The first byte picks the type as it does on the wire: 0x6c is
 * [APPLICATION 12] TGS-REQ, anything else is tried as an AS-REQ
 * ([APPLICATION 10], 0x6a), so the strict DER walk sees every input.
 * Besides surviving, a decoded request must re-encode to the input, its
 * message type must be sniffed right, and the raw KDC-REQ-BODY (hashed by
 * the PKINIT paChecksum, RFC 4556 section 3.2.1, and the FAST
 * req-checksum, RFC 6113 section 5.4.2) must be the DER of the decoded
 * req-body.
 */
#include "config.h"

#include "asn1_checks.h"

/* The raw-field lookups take any bytes; what they return stays inside. */
static void
raw_lookups(const uint8_t *data, size_t size)
{
	const uint8_t *f;
	size_t flen;
	unsigned int tag;
	struct kerr e;

	if (asn1krb_kdc_req_body_raw(data, size, &f, &flen, &e) == 0)
		FUZZ_ASSERT(f >= data && flen <= size &&
		    (size_t)(f - data) <= size - flen);
	for (tag = 0; tag < 5; tag++)
		if (asn1krb_seq_field_raw(data, size, tag, &f, &flen, &e) == 0)
			FUZZ_ASSERT(f >= data && flen <= size &&
			    (size_t)(f - data) <= size - flen);
}

static void
check_req(const KRB5_KDC_REQ *req, const uint8_t *data, size_t size,
    int msg_type)
{
	KRB5_KDC_REQ_BODY *body;
	const uint8_t *raw;
	uint8_t *der = NULL;
	size_t raw_len, der_len;
	struct kerr e;

	FUZZ_ASSERT(asn1krb_msg_type(data, size) == msg_type);
	FUZZ_ASSERT(req->req_body != NULL);
	if (asn1krb_kdc_req_body_raw(data, size, &raw, &raw_len, &e) != 0) {
		fprintf(stderr, "decoded request without a raw body: %s\n",
		    e.msg);
		abort();
	}
	body = FUZZ_DECODE(KRB5_KDC_REQ_BODY, raw, raw_len);
	FUZZ_ASSERT(body != NULL);
	FUZZ_ASSERT(ASN1KRB_ENCODE(KRB5_KDC_REQ_BODY, req->req_body, &der,
	    &der_len, &e) == 0);
	FUZZ_ASSERT(der_len == raw_len && memcmp(der, raw, raw_len) == 0);
	free(der);
	KRB5_KDC_REQ_BODY_free(body);

	fuzz_padata(req->padata);
	fuzz_req_body(req->req_body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	KRB5_KDC_REQ *req;

	(void)asn1krb_msg_type(data, size);
	raw_lookups(data, size);
	if (size > 0 && data[0] == 0x6c) {
		req = FUZZ_DECODE(KRB5_TGS_REQ, data, size);
		if (req != NULL)
			check_req(req, data, size, KRB5_MSG_TGS_REQ);
		KRB5_TGS_REQ_free(req);
	} else {
		req = FUZZ_DECODE(KRB5_AS_REQ, data, size);
		if (req != NULL)
			check_req(req, data, size, KRB5_MSG_AS_REQ);
		KRB5_AS_REQ_free(req);
	}
	ERR_clear_error();
	return 0;
}
