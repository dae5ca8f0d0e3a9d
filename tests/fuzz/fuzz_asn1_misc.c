/*
 * fuzz_asn1_misc.c - the other Kerberos messages the KDC decodes from
 * clients: AP-REQ (TGS-REQ PA-TGS-REQ and FAST armor, RFC 4120 section
 * 5.5.1), KRB-ERROR, the FAST request (RFC 6113 section 5.4.2), and once
 * decrypted EncTicketPart, Authenticator and PA-ENC-TS-ENC, plus the
 * smaller padata values and the text form of principal names.
 *
 * The first byte picks the type as it appears on the wire (an APPLICATION
 * or context tag); SEQUENCE inputs are tried as every bare SEQUENCE type.
 * Decoded values must re-encode to the input (asn1_checks.h) and survive
 * the accessors the KDC uses on them.
 */
#include "config.h"

#include "asn1_checks.h"

static void
ticket(const KRB5_TICKET *t)
{
	if (t == NULL)
		return;
	fuzz_princ(t->sname, t->realm);
	if (t->enc_part != NULL)
		fuzz_uint32(t->enc_part->kvno);
}

static void
ap_req(const uint8_t *data, size_t size)
{
	KRB5_AP_REQ *v = FUZZ_DECODE(KRB5_AP_REQ, data, size);

	if (v == NULL)
		return;
	FUZZ_ASSERT(asn1krb_msg_type(data, size) == KRB5_MSG_AP_REQ);
	(void)asn1krb_flags_get(v->ap_options);
	ticket(v->ticket);
	if (v->authenticator != NULL)
		fuzz_uint32(v->authenticator->kvno);
	KRB5_AP_REQ_free(v);
}

static void
krb_error(const uint8_t *data, size_t size)
{
	KRB5_ERROR *v = FUZZ_DECODE(KRB5_ERROR, data, size);
	const ASN1_OCTET_STRING *ed;
	KRB5_METHOD_DATA *md;
	KRB5_TYPED_DATA *td;
	char *text = NULL;

	if (v == NULL)
		return;
	FUZZ_ASSERT(asn1krb_msg_type(data, size) == KRB5_MSG_ERROR);
	fuzz_time(v->ctime);
	fuzz_time(v->stime);
	fuzz_uint32(v->cusec);
	fuzz_princ(v->cname, v->crealm);
	fuzz_princ(v->sname, v->realm);
	if (v->e_text != NULL && asn1krb_str_dup(v->e_text, &text) == 0)
		free(text);
	/* e-data is METHOD-DATA or TYPED-DATA depending on the code. */
	ed = v->e_data;
	if (ed != NULL) {
		md = FUZZ_DECODE(KRB5_METHOD_DATA, ed->data,
		    (size_t)ed->length);
		fuzz_padata(md);
		KRB5_METHOD_DATA_free(md);
		td = FUZZ_DECODE(KRB5_TYPED_DATA, ed->data, (size_t)ed->length);
		KRB5_TYPED_DATA_free(td);
	}
	KRB5_ERROR_free(v);
}

static void
fx_fast_request(const uint8_t *data, size_t size)
{
	KRB5_PA_FX_FAST_REQUEST *v;
	const KRB5_FAST_ARMORED_REQ *ar;
	const ASN1_OCTET_STRING *av;
	KRB5_AP_REQ *ap;

	v = FUZZ_DECODE(KRB5_PA_FX_FAST_REQUEST, data, size);
	if (v == NULL)
		return;
	FUZZ_ASSERT(v->type == KRB5_FAST_CHOICE_ARMORED_DATA);
	ar = v->value.armored_data;
	FUZZ_ASSERT(ar != NULL);
	if (ar->enc_fast_req != NULL)
		fuzz_uint32(ar->enc_fast_req->kvno);
	/* The armor of type 1 is an AP-REQ (RFC 6113 section 5.4.1.1). */
	if (ar->armor != NULL && (av = ar->armor->armor_value) != NULL) {
		ap = FUZZ_DECODE(KRB5_AP_REQ, av->data, (size_t)av->length);
		if (ap != NULL)
			ticket(ap->ticket);
		KRB5_AP_REQ_free(ap);
	}
	KRB5_PA_FX_FAST_REQUEST_free(v);
}

static void
enc_ticket_part(const uint8_t *data, size_t size)
{
	KRB5_ENC_TICKET_PART *v = FUZZ_DECODE(KRB5_ENC_TICKET_PART, data,
	    size);

	if (v == NULL)
		return;
	(void)asn1krb_flags_get(v->flags);
	fuzz_princ(v->cname, v->crealm);
	fuzz_time(v->authtime);
	fuzz_time(v->starttime);
	fuzz_time(v->endtime);
	fuzz_time(v->renew_till);
	KRB5_ENC_TICKET_PART_free(v);
}

static void
authenticator(const uint8_t *data, size_t size)
{
	KRB5_AUTHENTICATOR *v = FUZZ_DECODE(KRB5_AUTHENTICATOR, data, size);

	if (v == NULL)
		return;
	FUZZ_ASSERT(v->cusec >= 0 && v->cusec <= 999999);
	fuzz_princ(v->cname, v->crealm);
	fuzz_time(v->ctime);
	fuzz_uint32(v->seq_number);
	KRB5_AUTHENTICATOR_free(v);
}

/* Bare SEQUENCEs: the FAST request and padata values. */
static void
sequences(const uint8_t *data, size_t size)
{
	KRB5_FAST_REQ *fr;
	KRB5_PA_ENC_TS_ENC *ts;
	KRB5_PA_PAC_REQUEST *pac;
	KRB5_METHOD_DATA *md;
	KRB5_TYPED_DATA *td;
	KRB5_ENCDATA *ed;
	KRB5_ETYPE_INFO2 *ei;
	KRB5_CHECKSUM *ck;

	if ((fr = FUZZ_DECODE(KRB5_FAST_REQ, data, size)) != NULL) {
		(void)asn1krb_flags_get(fr->fast_options);
		fuzz_padata(fr->padata);
		fuzz_req_body(fr->req_body);
		KRB5_FAST_REQ_free(fr);
	}
	if ((ts = FUZZ_DECODE(KRB5_PA_ENC_TS_ENC, data, size)) != NULL) {
		fuzz_time(ts->patimestamp);
		fuzz_uint32(ts->pausec);
		KRB5_PA_ENC_TS_ENC_free(ts);
	}
	pac = FUZZ_DECODE(KRB5_PA_PAC_REQUEST, data, size);
	KRB5_PA_PAC_REQUEST_free(pac);
	md = FUZZ_DECODE(KRB5_METHOD_DATA, data, size);
	fuzz_padata(md);
	KRB5_METHOD_DATA_free(md);
	td = FUZZ_DECODE(KRB5_TYPED_DATA, data, size);
	KRB5_TYPED_DATA_free(td);
	if ((ed = FUZZ_DECODE(KRB5_ENCDATA, data, size)) != NULL) {
		fuzz_uint32(ed->kvno);
		KRB5_ENCDATA_free(ed);
	}
	ei = FUZZ_DECODE(KRB5_ETYPE_INFO2, data, size);
	KRB5_ETYPE_INFO2_free(ei);
	ck = FUZZ_DECODE(KRB5_CHECKSUM, data, size);
	KRB5_CHECKSUM_free(ck);
}

/* "comp/comp@REALM" as found in kdc.conf and the directory. */
static void
princ_text(const uint8_t *data, size_t size)
{
	KRB5_PRINCNAME *p = NULL;
	ASN1_GENERALSTRING *rs = NULL;
	char *s, *realm = NULL;
	struct kerr e;

	if ((s = fuzz_strndup(data, size)) == NULL)
		return;
	if (asn1krb_princ_parse(s, KRB5_NT_PRINCIPAL, &p, &realm, &e) == 0) {
		if (realm != NULL)
			rs = asn1krb_str_new(realm);
		if (realm == NULL || rs != NULL)
			fuzz_princ(p, rs);
	} else {
		FUZZ_ASSERT_MSG(&e);
	}
	ASN1_GENERALSTRING_free(rs);
	KRB5_PRINCNAME_free(p);
	free(realm);
	p = NULL;
	/* Without a place for the realm, a realm is refused. */
	if (asn1krb_princ_parse(s, KRB5_NT_PRINCIPAL, &p, NULL, &e) == 0)
		fuzz_princ(p, NULL);
	KRB5_PRINCNAME_free(p);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	switch (size > 0 ? data[0] : 0) {
	case 0x6e:      /* [APPLICATION 14] */
		ap_req(data, size);
		break;
	case 0x7e:      /* [APPLICATION 30] */
		krb_error(data, size);
		break;
	case 0xa0:      /* CHOICE armored-data [0] */
		fx_fast_request(data, size);
		break;
	case 0x63:      /* [APPLICATION 3] */
		enc_ticket_part(data, size);
		break;
	case 0x62:      /* [APPLICATION 2] */
		authenticator(data, size);
		break;
	case 0x30:      /* SEQUENCE */
		sequences(data, size);
		break;
	default:
		princ_text(data, size);
		break;
	}
	ERR_clear_error();
	return 0;
}
