/*
 * pkload_proto.c - the messages of a PKINIT logon for the native load
 * generator: AS-REQ without pre-authentication, the freshness token of
 * the PREAUTH_REQUIRED answer (RFC 8070), the AS-REQ with a signed
 * AuthPack (RFC 4556 section 3.2.1, RFC 5349, RFC 8636), and the client's
 * checks on the AS-REP (sections 3.2.3 and 3.2.4).  For pkload -P also
 * both requests built ahead of time, and the cheap checks on the answers
 * of the logons that are not verified in full.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "asn1_pkinit.h"
#include "kcrypto.h"
#include "pk_cms.h"
#include "pk_der.h"
#include "pk_kdf.h"
#include "pk_kex.h"
#include "pkload.h"
#include "secmem.h"

#define ID_PKINIT_KDF_SHA256    "1.3.6.1.5.2.3.6.2"
#define KEY_USAGE_AS_REP_ENCPART 3      /* RFC 4120 section 7.5.1 */
#define TICKET_LIFE (10 * 3600)

/* Offered in this order, as MIT clients do by default. */
static const int32_t offered_etypes[] = {
	KC_AES256_CTS_HMAC_SHA1_96, KC_AES128_CTS_HMAC_SHA1_96,
	KC_AES256_CTS_HMAC_SHA384_192, KC_AES128_CTS_HMAC_SHA256_128,
};

/* The most recent OpenSSL error, for a message. */
static const char *
ossl_err(void)
{
	unsigned long l = ERR_peek_last_error();

	ERR_clear_error();
	return l != 0 ? ERR_reason_error_string(l) : "no detail";
}

static uint32_t
random_nonce(void)
{
	uint32_t v = 0;

	/* 31 bits: some peers read UInt32 nonces as signed. */
	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		v = (uint32_t)time(NULL) ^ (uint32_t)clock();
	return v & 0x7fffffff;
}

kerr_t
pkl_client_names(struct pkl_client *c, const char *principal, int enterprise,
    const char *realm, struct kerr *e)
{
	const char *tgs[2] = { "krbtgt", realm };
	const char *const *comps;
	char *r = NULL, *parts[2] = { NULL, NULL };
	const unsigned char *p;
	size_t n, len, i;
	int32_t type;
	kerr_t ret;

	c->realm = realm;
	if (enterprise) {
		ret = asn1krb_princ_new(KRB5_NT_ENTERPRISE, &principal, 1,
		    &c->cname);
	} else {
		ret = asn1krb_princ_parse(principal, KRB5_NT_PRINCIPAL,
		    &c->cname, &r, e);
		free(r);
	}
	if (ret != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "bad client name %s",
		    principal);
	if (asn1krb_princ_new(KRB5_NT_SRV_INST, tgs, 2, &c->sname) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	/* RFC 8636 section 3 partyUInfo/partyVInfo: the names as sent. */
	n = (size_t)asn1krb_princ_ncomp(c->cname);
	if (n > 2)
		return kerr_set(e, KRB_ERR_GENERIC, "client name %s has more "
		    "than two components", principal);
	for (i = 0; i < n; i++) {
		p = asn1krb_princ_comp(c->cname, (int)i, &len);
		parts[i] = strndup((const char *)p, len);
		if (parts[i] == NULL)
			break;
	}
	comps = (const char *const *)parts;
	type = c->cname->name_type;
	ret = (i == n && pk_der_krb5_principal(realm, type, comps, n,
	    &c->cname_der, &c->cname_der_len) == 0 &&
	    pk_der_krb5_principal(realm, KRB5_NT_SRV_INST, tgs, 2,
	    &c->sname_der, &c->sname_der_len) == 0) ? 0 :
	    kerr_set(e, KRB_ERR_GENERIC, "cannot encode the principal names");
	free(parts[0]);
	free(parts[1]);
	return ret;
}

void
pkl_client_clear(struct pkl_client *c)
{
	KRB5_PRINCNAME_free(c->cname);
	KRB5_PRINCNAME_free(c->sname);
	KRB5_PRINCNAME_free(c->rep_cname);
	free(c->rep_crealm);
	free(c->cname_der);
	free(c->sname_der);
	c->cname = c->sname = c->rep_cname = NULL;
	c->rep_crealm = NULL;
	c->cname_der = c->sname_der = NULL;
}

void
pkl_logon_clear(struct pkl_logon *l)
{
	KRB5_KDC_REQ_BODY_free(l->body);
	EVP_PKEY_free(l->dh_key);
	free(l->as_req);
	memset(l, 0, sizeof(*l));
}

/* A req-body (RFC 4120 section 5.4.1) with nonce l->nonce, kept for
 * both requests. */
static kerr_t
make_body(const struct pkl_client *c, struct pkl_logon *l, struct kerr *e)
{
	KRB5_KDC_REQ_BODY *b = KRB5_KDC_REQ_BODY_new();
	ASN1_INTEGER *ai;
	size_t i;

	if (b == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	b->cname = ASN1_item_dup(ASN1_ITEM_rptr(KRB5_PRINCNAME), c->cname);
	b->sname = ASN1_item_dup(ASN1_ITEM_rptr(KRB5_PRINCNAME), c->sname);
	ASN1_INTEGER_free(b->nonce);
	b->nonce = asn1krb_uint32_new(l->nonce);
	/* The enterprise name is resolved by the KDC (RFC 6806 section 5). */
	if (b->cname == NULL || b->sname == NULL || b->nonce == NULL ||
	    asn1krb_flags_set(b->kdc_options, KRB5_KDCOPT_CANONICALIZE) ||
	    asn1krb_str_set(&b->realm, c->realm) ||
	    asn1krb_time_set(&b->till, (int64_t)time(NULL) + TICKET_LIFE))
		goto fail;
	for (i = 0; i < sizeof(offered_etypes) / sizeof(offered_etypes[0]);
	    i++) {
		ai = ASN1_INTEGER_new();
		if (ai == NULL || !ASN1_INTEGER_set_int64(ai,
		    offered_etypes[i]) || !sk_ASN1_INTEGER_push(b->etype, ai)) {
			ASN1_INTEGER_free(ai);
			goto fail;
		}
	}
	l->body = b;
	return 0;
fail:
	KRB5_KDC_REQ_BODY_free(b);
	return kerr_set(e, KRB_ERR_GENERIC, "cannot build the req-body");
}

/* AS-REQ of l->body with padata md (may be NULL). */
static kerr_t
encode_as_req(const struct pkl_logon *l, KRB5_METHOD_DATA *md,
    uint8_t **der_out, size_t *len_out, struct kerr *e)
{
	KRB5_AS_REQ *req = KRB5_AS_REQ_new();
	kerr_t ret;

	if (req == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	req->pvno = 5;
	req->msg_type = KRB5_MSG_AS_REQ;
	req->padata = md;
	KRB5_KDC_REQ_BODY_free(req->req_body);
	req->req_body = l->body;
	ret = ASN1KRB_ENCODE(KRB5_AS_REQ, req, der_out, len_out, e);
	/* Borrowed, not owned. */
	req->padata = NULL;
	req->req_body = NULL;
	KRB5_AS_REQ_free(req);
	return ret;
}

/*
 * The first AS-REQ of a logon: no pre-authentication, only an empty
 * PA-AS-FRESHNESS saying the client wants a freshness token (RFC 8070
 * section 4), as kinit sends it; a KDC may answer with a token only
 * when asked (MIT krb5kdc does).
 */
static kerr_t
encode_first(const struct pkl_logon *l, uint8_t **der_out, size_t *len_out,
    struct kerr *e)
{
	KRB5_METHOD_DATA *md = NULL;
	kerr_t ret;

	if (asn1krb_padata_add(&md, KRB5_PADATA_AS_FRESHNESS, NULL, 0) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	ret = encode_as_req(l, md, der_out, len_out, e);
	KRB5_METHOD_DATA_free(md);
	return ret;
}

kerr_t
pkl_req_first(const struct pkl_client *c, struct pkl_logon *l,
    uint8_t **der_out, size_t *len_out, struct kerr *e)
{
	kerr_t ret;

	l->nonce = random_nonce();
	if ((ret = make_body(c, l, e)) != 0)
		return ret;
	return encode_first(l, der_out, len_out, e);
}

/* A KRB-ERROR in rep, if it is one: its code, and text for the message. */
static kerr_t
krb_error(const uint8_t *rep, size_t len, KRB5_ERROR **err_out,
    struct kerr *e)
{
	KRB5_ERROR *err = NULL;
	char *text = NULL;
	kerr_t code;

	if (ASN1KRB_DECODE(KRB5_ERROR, rep, len, &err, e) != 0)
		return kerr_set(e, KRB_ERR_GENERIC, "undecodable KRB-ERROR");
	code = err->error_code;
	if (err_out != NULL && code == KDC_ERR_PREAUTH_REQUIRED) {
		*err_out = err;
		return code;
	}
	if (err->e_text != NULL)
		asn1krb_str_dup(err->e_text, &text);
	kerr_set(e, code != 0 ? code : KRB_ERR_GENERIC, "KDC answered %s%s%s",
	    kerr_name(code), text != NULL ? ": " : "",
	    text != NULL ? text : "");
	free(text);
	KRB5_ERROR_free(err);
	return code != 0 ? code : KRB_ERR_GENERIC;
}

/* The answer to the first AS-REQ: a KRB-ERROR; KDC_ERR_PREAUTH_REQUIRED
 * hands the decoded error to *err_out, any other code is the error. */
static kerr_t
first_answer(const uint8_t *rep, size_t len, KRB5_ERROR **err_out,
    struct kerr *e)
{
	if (asn1krb_msg_type(rep, len) != KRB5_MSG_ERROR)
		return kerr_set(e, KRB_ERR_GENERIC, "first request: expected a "
		    "KRB-ERROR, got message type %d",
		    asn1krb_msg_type(rep, len));
	return krb_error(rep, len, err_out, e);
}

kerr_t
pkl_freshness(const uint8_t *rep, size_t len, uint8_t **tok_out,
    size_t *toklen_out, struct kerr *e)
{
	KRB5_ERROR *err = NULL;
	KRB5_METHOD_DATA *md = NULL;
	KRB5_PADATA *pa;
	uint8_t *tok;
	kerr_t ret;

	ret = first_answer(rep, len, &err, e);
	if (ret != KDC_ERR_PREAUTH_REQUIRED)
		return ret;
	ret = KRB_ERR_GENERIC;
	if (err->e_data == NULL ||
	    ASN1KRB_DECODE(KRB5_METHOD_DATA, err->e_data->data,
	    (size_t)err->e_data->length, &md, e) != 0) {
		kerr_set(e, ret, "PREAUTH_REQUIRED without METHOD-DATA");
		goto cleanup;
	}
	if (asn1krb_padata_find(md, KRB5_PADATA_PK_AS_REQ, NULL) == NULL) {
		kerr_set(e, ret, "the KDC does not offer PA-PK-AS-REQ");
		goto cleanup;
	}
	pa = asn1krb_padata_find(md, KRB5_PADATA_AS_FRESHNESS, NULL);
	if (pa == NULL || pa->padata_value == NULL ||
	    pa->padata_value->length <= 0) {
		kerr_set(e, ret, "no PA-AS-FRESHNESS token");
		goto cleanup;
	}
	tok = malloc((size_t)pa->padata_value->length);
	if (tok == NULL) {
		kerr_set(e, ret, "out of memory");
		goto cleanup;
	}
	memcpy(tok, pa->padata_value->data, (size_t)pa->padata_value->length);
	*tok_out = tok;
	*toklen_out = (size_t)pa->padata_value->length;
	ret = 0;
cleanup:
	KRB5_METHOD_DATA_free(md);
	KRB5_ERROR_free(err);
	return ret;
}

/* AuthPack (section 3.2.1) over the req-body bytes. */
static kerr_t
auth_pack(const struct pkl_client *c, struct pkl_logon *l,
    const uint8_t *body, size_t body_len, const uint8_t *tok, size_t toklen,
    uint8_t **der_out, size_t *len_out, struct kerr *e)
{
	PKINIT_AUTH_PACK *ap = PKINIT_AUTH_PACK_new();
	PKINIT_PK_AUTHENTICATOR *pa;
	unsigned char md[20];
	uint8_t *spki = NULL;
	size_t spki_len = 0;
	kerr_t ret = KRB_ERR_GENERIC;

	if (ap == NULL)
		return kerr_set(e, ret, "out of memory");
	pa = ap->pk_authenticator;
	/* The KDC checks it against the req-body nonce (section 3.2.1). */
	l->pa_nonce = l->nonce;
	pa->cusec = (int32_t)l->ctime.tv_usec;
	ASN1_INTEGER_free(pa->nonce);
	pa->nonce = asn1krb_uint32_new(l->pa_nonce);
	/* paChecksum: SHA-1 of the KDC-REQ-BODY as sent. */
	if (pa->nonce == NULL ||
	    asn1krb_time_set(&pa->ctime, (int64_t)l->ctime.tv_sec) != 0 ||
	    EVP_Digest(body, body_len, md, NULL, EVP_sha1(), NULL) != 1 ||
	    asn1krb_octets_set(&pa->pa_checksum, md, sizeof(md)) != 0 ||
	    asn1krb_octets_set(&pa->freshness_token, tok, toklen) != 0) {
		kerr_set(e, ret, "cannot build the PKAuthenticator");
		goto cleanup;
	}
	/* A new ephemeral key for every logon (section 3.2.3.1). */
	if (pkx_client_key(c->group, &l->dh_key, &spki, &spki_len) != 0) {
		kerr_set(e, ret, "cannot make a %s key: %s",
		    pk_group_name(c->group), ossl_err());
		goto cleanup;
	}
	ap->client_public_value = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
	if (ap->client_public_value == NULL ||
	    !ASN1_STRING_set(ap->client_public_value, spki, (int)spki_len) ||
	    pkinit_asn1_kdf_add(&ap->supported_kdfs, ID_PKINIT_KDF_SHA256)) {
		kerr_set(e, ret, "cannot build the AuthPack");
		goto cleanup;
	}
	ret = ASN1KRB_ENCODE(PKINIT_AUTH_PACK, ap, der_out, len_out, e);
cleanup:
	free(spki);
	PKINIT_AUTH_PACK_free(ap);
	return ret;
}

/* The PKINIT AS-REQ of l->body, its PKAuthenticator dated l->ctime. */
static kerr_t
pk_request(const struct pkl_client *c, struct pkl_logon *l,
    const uint8_t *tok, size_t toklen, struct kerr *e)
{
	PKINIT_PA_PK_AS_REQ *pkreq = PKINIT_PA_PK_AS_REQ_new();
	KRB5_METHOD_DATA *md = NULL;
	uint8_t *body = NULL, *ap = NULL, *sd = NULL, *pa = NULL;
	size_t body_len = 0, ap_len = 0, sd_len = 0, pa_len = 0;
	kerr_t ret = KRB_ERR_GENERIC;

	if (pkreq == NULL)
		return kerr_set(e, ret, "out of memory");
	/* DER is unique: this is the encoding the AS-REQ will carry. */
	if ((ret = ASN1KRB_ENCODE(KRB5_KDC_REQ_BODY, l->body, &body,
	    &body_len, e)) != 0 ||
	    (ret = auth_pack(c, l, body, body_len, tok, toklen, &ap, &ap_len,
	    e)) != 0 ||
	    (ret = pk_cms_sign(c->id, PK_CONTENT_AUTH_DATA, ap, ap_len, &sd,
	    &sd_len, e)) != 0)
		goto cleanup;
	ret = KRB_ERR_GENERIC;
	if (asn1krb_octets_set(&pkreq->signed_auth_pack, sd, sd_len) != 0 ||
	    ASN1KRB_ENCODE(PKINIT_PA_PK_AS_REQ, pkreq, &pa, &pa_len, e) != 0 ||
	    asn1krb_padata_add(&md, KRB5_PADATA_PK_AS_REQ, pa, pa_len) != 0) {
		kerr_set(e, ret, "cannot build PA-PK-AS-REQ");
		goto cleanup;
	}
	free(l->as_req);
	l->as_req = NULL;
	ret = encode_as_req(l, md, &l->as_req, &l->as_req_len, e);
cleanup:
	KRB5_METHOD_DATA_free(md);
	PKINIT_PA_PK_AS_REQ_free(pkreq);
	free(body);
	free(ap);
	free(sd);
	free(pa);
	return ret;
}

kerr_t
pkl_req_pk(const struct pkl_client *c, struct pkl_logon *l,
    const uint8_t *tok, size_t toklen, struct kerr *e)
{
	gettimeofday(&l->ctime, NULL);
	return pk_request(c, l, tok, toklen, e);
}

kerr_t
pkl_req_prebuilt(const struct pkl_client *c, struct pkl_logon *l,
    uint32_t nonce, const struct timeval *ctime, const uint8_t *tok,
    size_t toklen, uint8_t **first_out, size_t *first_len_out,
    struct kerr *e)
{
	uint8_t *first = NULL;
	size_t first_len = 0;
	kerr_t ret;

	l->nonce = nonce;
	l->ctime = *ctime;
	if ((ret = make_body(c, l, e)) != 0 ||
	    (ret = encode_first(l, &first, &first_len, e)) != 0 ||
	    (ret = pk_request(c, l, tok, toklen, e)) != 0) {
		free(first);
		return ret;
	}
	/* Both messages are DER now; the decoded body is not needed. */
	KRB5_KDC_REQ_BODY_free(l->body);
	l->body = NULL;
	*first_out = first;
	*first_len_out = first_len;
	return 0;
}

kerr_t
pkl_first_check(const uint8_t *rep, size_t len, struct kerr *e)
{
	KRB5_ERROR *err = NULL;
	kerr_t ret;

	ret = first_answer(rep, len, &err, e);
	if (ret != KDC_ERR_PREAUTH_REQUIRED)
		return ret;
	/* The token in e-data is not looked at: the request to follow
	 * carries one fetched before the run. */
	ret = err->e_data != NULL && err->e_data->length > 0 ? 0 :
	    kerr_set(e, KRB_ERR_GENERIC, "PREAUTH_REQUIRED without e-data");
	KRB5_ERROR_free(err);
	return ret;
}

/*
 * Verify the KDC's SignedData over KDCDHKeyInfo (the KDC's own CMS
 * verifier serves here too) and decode its content.  The signer
 * certificate is not chain-validated: either it must be the pinned one,
 * or only the signature is checked.
 */
static kerr_t
kdc_signed_data(const struct pkl_client *c, const ASN1_OCTET_STRING *sd,
    PKINIT_KDC_DH_KEY_INFO **ki_out, struct kerr *e)
{
	struct pk_signed *s = NULL;
	const uint8_t *a, *b;
	size_t alen, blen;
	kerr_t ret;

	ret = pk_cms_verify(sd->data, (size_t)sd->length,
	    PK_CONTENT_DH_KEY_DATA, 0, &s, e);
	if (ret != 0) {
		kerr_prefix(e, "dhSignedData: ");
		return ret;
	}
	if (c->kdc_cert != NULL) {
		a = cv_cert_der(s->signer, &alen);
		b = cv_cert_der(c->kdc_cert, &blen);
		if (alen != blen || memcmp(a, b, alen) != 0) {
			ret = kerr_set(e, KDC_ERR_KDC_NOT_TRUSTED, "the reply is "
			    "signed by '%s', not the pinned KDC certificate",
			    cv_cert_subject(s->signer));
			goto cleanup;
		}
	}
	ret = ASN1KRB_DECODE(PKINIT_KDC_DH_KEY_INFO, s->content,
	    s->content_len, ki_out, e);
cleanup:
	pk_signed_free(s);
	return ret;
}

/* The reply key from the shared secret (section 3.2.3.1, RFC 8636). */
static kerr_t
reply_key(const struct pkl_client *c, const struct pkl_logon *l,
    const PKINIT_DH_REP_INFO *dh, const PKINIT_KDC_DH_KEY_INFO *ki,
    const ASN1_OCTET_STRING *pk_as_rep, int32_t enctype, struct kc_key *key,
    struct kerr *e)
{
	uint8_t *z = NULL, seed[PK_KDF_MAX_SEED];
	size_t z_len = 0, seed_len = pk_kdf_seed_len(enctype);
	struct pk_kdf_input in;
	enum pk_kdf kdf = PK_KDF_NONE;
	unsigned char *oid = NULL;
	kerr_t ret;
	int n;

	if (seed_len == 0)
		return kerr_set(e, KDC_ERR_ETYPE_NOSUPP, "reply enctype %d",
		    (int)enctype);
	if (dh->kdf != NULL) {
		n = i2d_ASN1_OBJECT(dh->kdf->kdf_id, &oid);
		if (n > 0)
			kdf = pk_kdf_from_oid_der(oid, (size_t)n);
		OPENSSL_free(oid);
		if (kdf == PK_KDF_NONE)
			return kerr_set(e, KDC_ERR_NO_ACCEPTABLE_KDF,
			    "the KDC chose a KDF we did not offer");
	}
	if (pkx_client_secret(l->dh_key, c->group,
	    ki->subject_public_key->data,
	    (size_t)ki->subject_public_key->length, &z, &z_len) != 0)
		return kerr_set(e, KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED,
		    "bad KDC public value: %s", ossl_err());
	if (kdf != PK_KDF_NONE) {
		/* RFC 8636 section 3: the AS-REQ and PA-PK-AS-REP exactly as
		 * they were sent. */
		memset(&in, 0, sizeof(in));
		in.z = z;
		in.z_len = z_len;
		in.client_princ = c->cname_der;
		in.client_princ_len = c->cname_der_len;
		in.tgs_princ = c->sname_der;
		in.tgs_princ_len = c->sname_der_len;
		in.enctype = enctype;
		in.as_req = l->as_req;
		in.as_req_len = l->as_req_len;
		in.pk_as_rep = pk_as_rep->data;
		in.pk_as_rep_len = (size_t)pk_as_rep->length;
		ret = pk_kdf_derive(kdf, &in, seed, seed_len, e);
	} else {
		ret = pk_octetstring2key(z, z_len, NULL, 0,
		    dh->server_dh_nonce != NULL ? dh->server_dh_nonce->data :
		    NULL, dh->server_dh_nonce != NULL ?
		    (size_t)dh->server_dh_nonce->length : 0, seed, seed_len, e);
	}
	if (ret == 0)
		ret = kc_random_to_key(enctype, seed, seed_len, key, e);
	sec_wipe(seed, sizeof(seed));
	sec_free(z, z_len);
	return ret;
}

/* Decrypt the EncASRepPart and check its nonce (RFC 4120 section
 * 3.1.5). */
static kerr_t
check_enc_part(const struct pkl_logon *l, const KRB5_ENCDATA *enc,
    const struct kc_key *key, struct kerr *e)
{
	KRB5_ENC_KDC_REP_PART *part = NULL;
	unsigned char *plain = NULL;
	size_t plain_len = 0;
	uint32_t nonce;
	kerr_t ret;

	ret = kc_decrypt(key, KEY_USAGE_AS_REP_ENCPART, enc->cipher->data,
	    (size_t)enc->cipher->length, &plain, &plain_len, e);
	if (ret != 0) {
		kerr_prefix(e, "enc-part: ");
		return ret;
	}
	/* Some KDCs tag it EncTGSRepPart (RFC 4120 section 5.4.2). */
	if (ASN1KRB_DECODE(KRB5_ENC_AS_REP_PART, plain, plain_len, &part,
	    e) != 0 && ASN1KRB_DECODE(KRB5_ENC_TGS_REP_PART, plain, plain_len,
	    &part, e) != 0) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "undecodable EncASRepPart");
		goto cleanup;
	}
	if (asn1krb_uint32_get(part->nonce, &nonce) != 0 || nonce != l->nonce)
		ret = kerr_set(e, KRB_AP_ERR_MODIFIED, "EncASRepPart nonce "
		    "does not match the request");
cleanup:
	KRB5_ENC_KDC_REP_PART_free(part);
	sec_free(plain, plain_len);
	return ret;
}

/* The reply names the client and realm a fully checked reply did. */
static kerr_t
names_match(const struct pkl_client *c, const KRB5_AS_REP *asrep,
    struct kerr *e)
{
	if (c->rep_cname == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "no reply checked in full "
		    "yet to compare the client name with");
	if (asrep->cname == NULL || asrep->crealm == NULL ||
	    !asn1krb_princ_eq(asrep->cname, c->rep_cname) ||
	    asrep->cname->name_type != c->rep_cname->name_type ||
	    !asn1krb_str_eq(asrep->crealm, c->rep_crealm))
		return kerr_set(e, KRB_AP_ERR_MODIFIED, "AS-REP names another "
		    "client or realm than the verified replies");
	return 0;
}

/* Remember the names of a reply that passed every check. */
static kerr_t
names_learn(struct pkl_client *c, const KRB5_AS_REP *asrep, struct kerr *e)
{
	if (c->rep_cname != NULL)
		return 0;
	if (asrep->cname == NULL || asrep->crealm == NULL ||
	    asn1krb_str_dup(asrep->crealm, &c->rep_crealm) != 0 ||
	    (c->rep_cname = ASN1_item_dup(ASN1_ITEM_rptr(KRB5_PRINCNAME),
	    asrep->cname)) == NULL) {
		free(c->rep_crealm);
		c->rep_crealm = NULL;
		return kerr_set(e, KRB_ERR_GENERIC, "AS-REP without a usable "
		    "cname and crealm");
	}
	return 0;
}

kerr_t
pkl_rep_cheap(const struct pkl_client *c, const uint8_t *rep, size_t len,
    struct kerr *e)
{
	KRB5_AS_REP *asrep = NULL;
	KRB5_PADATA *pa;
	kerr_t ret;
	int type = asn1krb_msg_type(rep, len);

	if (type == KRB5_MSG_ERROR)
		return krb_error(rep, len, NULL, e);
	if (type != KRB5_MSG_AS_REP)
		return kerr_set(e, KRB_ERR_GENERIC, "expected an AS-REP, got "
		    "message type %d", type);
	if ((ret = ASN1KRB_DECODE(KRB5_AS_REP, rep, len, &asrep, e)) != 0)
		return ret;
	if ((ret = names_match(c, asrep, e)) == 0) {
		pa = asn1krb_padata_find(asrep->padata, KRB5_PADATA_PK_AS_REP,
		    NULL);
		if (pa == NULL || pa->padata_value == NULL ||
		    pa->padata_value->length <= 0)
			ret = kerr_set(e, KRB_ERR_GENERIC,
			    "AS-REP without PA-PK-AS-REP");
	}
	KRB5_AS_REP_free(asrep);
	return ret;
}

kerr_t
pkl_rep_check(struct pkl_client *c, const struct pkl_logon *l,
    const uint8_t *rep, size_t len, struct kerr *e)
{
	KRB5_AS_REP *asrep = NULL;
	KRB5_PADATA *pa;
	PKINIT_PA_PK_AS_REP *pkrep = NULL;
	PKINIT_KDC_DH_KEY_INFO *ki = NULL;
	struct kc_key key;
	uint32_t nonce;
	kerr_t ret;
	int type = asn1krb_msg_type(rep, len);

	memset(&key, 0, sizeof(key));
	if (type == KRB5_MSG_ERROR)
		return krb_error(rep, len, NULL, e);
	if (type != KRB5_MSG_AS_REP)
		return kerr_set(e, KRB_ERR_GENERIC, "expected an AS-REP, got "
		    "message type %d", type);
	if ((ret = ASN1KRB_DECODE(KRB5_AS_REP, rep, len, &asrep, e)) != 0)
		return ret;
	if (c->rep_cname != NULL && (ret = names_match(c, asrep, e)) != 0)
		goto cleanup;
	ret = KRB_ERR_GENERIC;
	pa = asn1krb_padata_find(asrep->padata, KRB5_PADATA_PK_AS_REP, NULL);
	if (pa == NULL || pa->padata_value == NULL) {
		kerr_set(e, ret, "AS-REP without PA-PK-AS-REP");
		goto cleanup;
	}
	if (ASN1KRB_DECODE(PKINIT_PA_PK_AS_REP, pa->padata_value->data,
	    (size_t)pa->padata_value->length, &pkrep, e) != 0)
		goto cleanup;
	if (pkrep->type != PKINIT_REP_DH_INFO) {
		kerr_set(e, ret, "PA-PK-AS-REP is not DHRepInfo");
		goto cleanup;
	}
	if ((ret = kdc_signed_data(c, pkrep->value.dh_info->dh_signed_data,
	    &ki, e)) != 0)
		goto cleanup;
	/* Section 3.2.3.1: the nonce of our PKAuthenticator. */
	if (asn1krb_uint32_get(ki->nonce, &nonce) != 0 ||
	    nonce != l->pa_nonce) {
		ret = kerr_set(e, KRB_AP_ERR_MODIFIED, "KDCDHKeyInfo nonce "
		    "does not match the AuthPack");
		goto cleanup;
	}
	if ((ret = reply_key(c, l, pkrep->value.dh_info, ki, pa->padata_value,
	    asrep->enc_part->etype, &key, e)) != 0)
		goto cleanup;
	if ((ret = check_enc_part(l, asrep->enc_part, &key, e)) == 0)
		ret = names_learn(c, asrep, e);
cleanup:
	kc_key_clear(&key);
	PKINIT_KDC_DH_KEY_INFO_free(ki);
	PKINIT_PA_PK_AS_REP_free(pkrep);
	KRB5_AS_REP_free(asrep);
	return ret;
}
