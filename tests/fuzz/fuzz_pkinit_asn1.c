/*
 * fuzz_pkinit_asn1.c - PKINIT messages (RFC 4556 section 3.2, RFC 8070,
 * RFC 8636): PA-PK-AS-REQ and the AuthPack inside it, the ExternalPrincipal
 * Identifier lists, the id-pkinit-san KRB5PrincipalName of client
 * certificates, X9.42 domain parameters, and the reply side (PA-PK-AS-REP,
 * KDCDHKeyInfo, ReplyKeyPack, the TD-* e-data) that our encoder must be
 * able to read back.
 *
 * The first byte picks: 0xa0 and 0x81 are the two PA-PK-AS-REP choices,
 * every other input is tried as each SEQUENCE type.  Decoded values must
 * re-encode to the input (asn1_checks.h).
 */
#include "config.h"

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "asn1_pkinit.h"
#include "asn1_checks.h"

static void
algor(const X509_ALGOR *a)
{
	const ASN1_OBJECT *obj;
	char buf[128];

	if (a == NULL)
		return;
	X509_ALGOR_get0(&obj, NULL, NULL, a);
	(void)OBJ_obj2txt(buf, sizeof(buf), obj, 1);
}

static void
algors(const STACK_OF(X509_ALGOR) *sk)
{
	int i;

	for (i = 0; i < sk_X509_ALGOR_num(sk); i++)
		algor(sk_X509_ALGOR_value(sk, i));
}

static void
auth_pack(const PKINIT_AUTH_PACK *ap)
{
	const PKINIT_PK_AUTHENTICATOR *pa = ap->pk_authenticator;
	const PKINIT_KDF_ALG_ID *kdf;
	char buf[128];
	int i;

	FUZZ_ASSERT(pa != NULL);
	FUZZ_ASSERT(pa->cusec >= 0 && pa->cusec <= 999999);
	fuzz_time(pa->ctime);
	fuzz_uint32(pa->nonce);
	if (pa->pa_checksum2 != NULL)
		algor(pa->pa_checksum2->algorithm_identifier);
	algors(ap->supported_cms_types);
	for (i = 0; i < sk_PKINIT_KDF_ALG_ID_num(ap->supported_kdfs); i++) {
		kdf = sk_PKINIT_KDF_ALG_ID_value(ap->supported_kdfs, i);
		(void)OBJ_obj2txt(buf, sizeof(buf), kdf->kdf_id, 1);
	}
	/* clientPublicValue is kept as DER: one SubjectPublicKeyInfo. */
	if (ap->client_public_value != NULL)
		FUZZ_ASSERT(ASN1_STRING_length(ap->client_public_value) > 0 &&
		    ASN1_STRING_get0_data(ap->client_public_value)[0] == 0x30);
}

static void
sequences(const uint8_t *data, size_t size)
{
	PKINIT_PA_PK_AS_REQ *req;
	PKINIT_AUTH_PACK *ap;
	PKINIT_KDC_DH_KEY_INFO *dki;
	PKINIT_KRB5_PRINCNAME *kpn;
	PKINIT_REPLY_KEY_PACK *rkp;
	PKINIT_EPI_LIST *epi;
	PKINIT_DOMAIN_PARAMS *dp;
	PKINIT_TD_DH_PARAMETERS *tdh;
	PKINIT_TD_CERT_DIGEST_ALGS *tcd;

	if ((req = FUZZ_DECODE(PKINIT_PA_PK_AS_REQ, data, size)) != NULL) {
		FUZZ_ASSERT(req->signed_auth_pack != NULL);
		PKINIT_PA_PK_AS_REQ_free(req);
	}
	if ((ap = FUZZ_DECODE(PKINIT_AUTH_PACK, data, size)) != NULL) {
		auth_pack(ap);
		PKINIT_AUTH_PACK_free(ap);
	}
	if ((dki = FUZZ_DECODE(PKINIT_KDC_DH_KEY_INFO, data, size)) != NULL) {
		fuzz_uint32(dki->nonce);
		fuzz_time(dki->dh_key_expiration);
		PKINIT_KDC_DH_KEY_INFO_free(dki);
	}
	if ((kpn = FUZZ_DECODE(PKINIT_KRB5_PRINCNAME, data, size)) != NULL) {
		fuzz_princ(kpn->principal_name, kpn->realm);
		PKINIT_KRB5_PRINCNAME_free(kpn);
	}
	rkp = FUZZ_DECODE(PKINIT_REPLY_KEY_PACK, data, size);
	PKINIT_REPLY_KEY_PACK_free(rkp);
	epi = FUZZ_DECODE(PKINIT_EPI_LIST, data, size);
	PKINIT_EPI_LIST_free(epi);
	dp = FUZZ_DECODE(PKINIT_DOMAIN_PARAMS, data, size);
	PKINIT_DOMAIN_PARAMS_free(dp);
	if ((tdh = FUZZ_DECODE(PKINIT_TD_DH_PARAMETERS, data, size)) != NULL) {
		algors(tdh);
		PKINIT_TD_DH_PARAMETERS_free(tdh);
	}
	if ((tcd = FUZZ_DECODE(PKINIT_TD_CERT_DIGEST_ALGS, data, size))
	    != NULL) {
		algors(tcd->allowed_algorithms);
		algor(tcd->rejected_algorithm);
		PKINIT_TD_CERT_DIGEST_ALGS_free(tcd);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	PKINIT_PA_PK_AS_REP *rep;

	if (size > 0 && (data[0] == 0xa0 || data[0] == 0x81)) {
		rep = FUZZ_DECODE(PKINIT_PA_PK_AS_REP, data, size);
		if (rep != NULL) {
			FUZZ_ASSERT(rep->type == PKINIT_REP_DH_INFO ||
			    rep->type == PKINIT_REP_ENC_KEY_PACK);
			if (rep->type == PKINIT_REP_DH_INFO)
				FUZZ_ASSERT(rep->value.dh_info != NULL &&
				    rep->value.dh_info->dh_signed_data
				    != NULL);
		}
		PKINIT_PA_PK_AS_REP_free(rep);
	} else {
		sequences(data, size);
	}
	ERR_clear_error();
	return 0;
}
