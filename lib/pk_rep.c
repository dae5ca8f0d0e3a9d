/*
 * pk_rep.c - building the PA-PK-AS-REP and the reply key.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "asn1_pkinit.h"
#include "pk_cms.h"
#include "pk_der.h"
#include "pk_rep.h"
#include "secmem.h"

/* serverDHNonce length: as long as the longest reply key. */
#define SERVER_DH_NONCE_LEN 32
/* dhKeyExpiration: our DH keys are single-use; say how long the client
 * may consider this one current (Windows requires the field). */
#define DH_KEY_LIFETIME 600
/* RFC 4556 section 3.2.3.2: asChecksum uses key usage 6. */
#define KEY_USAGE_PA_PK_AS_REP_CKSUM 6

void
pk_rep_free(struct pk_rep *r)
{
	if (r == NULL)
		return;
	free(r->pa_value);
	kc_key_clear(&r->reply_key);
	free(r);
}

static const char *
kdf_name(enum pk_kdf kdf)
{
	switch (kdf) {
	case PK_KDF_AH_SHA1:
		return "sha1";
	case PK_KDF_AH_SHA256:
		return "sha256";
	case PK_KDF_AH_SHA512:
		return "sha512";
	default:
		return "octetstring2key";
	}
}

/* Encode PA-PK-AS-REP dhInfo around the signed KDCDHKeyInfo. */
static kerr_t
encode_dh_rep(const uint8_t *signed_ci, size_t signed_len,
    const uint8_t *server_nonce, size_t server_nonce_len, enum pk_kdf kdf,
    uint8_t **der_out, size_t *len_out, struct kerr *e)
{
	PKINIT_PA_PK_AS_REP *rep = PKINIT_PA_PK_AS_REP_new();
	PKINIT_DH_REP_INFO *dh = PKINIT_DH_REP_INFO_new();
	const uint8_t *oid;
	size_t oid_len;
	kerr_t ret = KRB_ERR_GENERIC;

	if (rep == NULL || dh == NULL)
		goto nomem;
	if (asn1krb_octets_set(&dh->dh_signed_data, signed_ci, signed_len))
		goto nomem;
	if (server_nonce != NULL &&
	    asn1krb_octets_set(&dh->server_dh_nonce, server_nonce,
	    server_nonce_len))
		goto nomem;
	if (kdf != PK_KDF_NONE) {
		oid = pk_kdf_oid_der(kdf, &oid_len);
		dh->kdf = PKINIT_KDF_ALG_ID_new();
		if (oid == NULL || dh->kdf == NULL ||
		    d2i_ASN1_OBJECT(&dh->kdf->kdf_id, &oid, (long)oid_len) == NULL)
			goto nomem;
	}
	rep->type = PKINIT_REP_DH_INFO;
	rep->value.dh_info = dh;
	dh = NULL;
	ret = ASN1KRB_ENCODE(PKINIT_PA_PK_AS_REP, rep, der_out, len_out, e);
	goto cleanup;
nomem:
	ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory building DHRepInfo");
cleanup:
	PKINIT_DH_REP_INFO_free(dh);
	PKINIT_PA_PK_AS_REP_free(rep);
	return ret;
}

/* Sign KDCDHKeyInfo (RFC 4556 section 3.2.3.1). */
static kerr_t
sign_dh_key_info(const struct pk_rep_params *p,
    const struct pk_dh_result *dh, int with_expiration, uint8_t **ci_out,
    size_t *ci_len_out, struct kerr *e)
{
	PKINIT_KDC_DH_KEY_INFO *ki = PKINIT_KDC_DH_KEY_INFO_new();
	uint8_t *der = NULL;
	size_t len = 0;
	kerr_t ret;

	if (ki == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	/* Our keys are never reused, so the nonce is the client's
	 * PKAuthenticator nonce, not 0.  _new() made a placeholder. */
	ASN1_INTEGER_free(ki->nonce);
	ki->nonce = asn1krb_uint32_new(p->req->nonce);
	if (ki->nonce == NULL ||
	    asn1krb_bitstr_set_octets(ki->subject_public_key, dh->kdc_public,
	    dh->kdc_public_len) != 0 ||
	    (with_expiration &&
	    asn1krb_time_set(&ki->dh_key_expiration, p->now + DH_KEY_LIFETIME))) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	ret = ASN1KRB_ENCODE(PKINIT_KDC_DH_KEY_INFO, ki, &der, &len, e);
	if (ret)
		goto cleanup;
	ret = pk_cms_sign(p->id, PK_CONTENT_DH_KEY_DATA, der, len, ci_out,
	    ci_len_out, e);
cleanup:
	free(der);
	PKINIT_KDC_DH_KEY_INFO_free(ki);
	return ret;
}

static kerr_t
derive_kdf_key(const struct pk_rep_params *p, enum pk_kdf kdf,
    const struct pk_dh_result *dh, const struct pk_rep *rep, uint8_t *key,
    size_t keylen, struct kerr *e)
{
	struct pk_kdf_input in;
	uint8_t *cprinc = NULL, *tprinc = NULL;
	size_t clen = 0, tlen = 0;
	const char *tgs[2];
	kerr_t ret;

	tgs[0] = "krbtgt";
	tgs[1] = p->realm;
	if (pk_der_krb5_principal(p->crealm, p->cname_type, p->cname,
	    p->cname_len, &cprinc, &clen) != 0 ||
	    pk_der_krb5_principal(p->realm, 2 /* NT-SRV-INST */, tgs, 2,
	    &tprinc, &tlen) != 0) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "cannot encode principal "
		    "names for the KDF");
		goto cleanup;
	}
	memset(&in, 0, sizeof(in));
	in.z = dh->secret;
	in.z_len = dh->secret_len;
	in.client_princ = cprinc;
	in.client_princ_len = clen;
	in.tgs_princ = tprinc;
	in.tgs_princ_len = tlen;
	in.enctype = p->enctype;
	in.as_req = p->as_req;
	in.as_req_len = p->as_req_len;
	in.pk_as_rep = rep->pa_value;
	in.pk_as_rep_len = rep->pa_len;
	ret = pk_kdf_derive(kdf, &in, key, keylen, e);
cleanup:
	free(cprinc);
	free(tprinc);
	return ret;
}

static kerr_t
make_dh(const struct pk_rep_params *p, struct pk_rep *rep, struct kerr *e)
{
	struct pk_dh_result *dh = NULL;
	uint8_t server_nonce[SERVER_DH_NONCE_LEN], key[PK_KDF_MAX_SEED];
	uint8_t *ci = NULL;
	size_t ci_len = 0, keylen = pk_kdf_seed_len(p->enctype);
	int nonces = p->req->client_dh_nonce != NULL;
	enum pk_kdf kdf = pk_req_choose_kdf(p->req);
	kerr_t ret;

	if (keylen == 0 || keylen > sizeof(key))
		return kerr_set(e, KDC_ERR_ETYPE_NOSUPP,
		    "no PKINIT key derivation for enctype %d", p->enctype);
	ret = pk_dh_agree(p->groups, p->req->client_spki,
	    p->req->client_spki_len, &dh, e);
	if (ret)
		goto cleanup;
	/* RFC 4556 section 3.2.3.1: when the client sent a clientDHNonce,
	 * answer with a serverDHNonce and dhKeyExpiration. */
	if (nonces && RAND_bytes(server_nonce, sizeof(server_nonce)) != 1) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "no randomness");
		goto cleanup;
	}
	ret = sign_dh_key_info(p, dh, nonces, &ci, &ci_len, e);
	if (ret)
		goto cleanup;
	ret = encode_dh_rep(ci, ci_len, nonces ? server_nonce : NULL,
	    sizeof(server_nonce), kdf, &rep->pa_value, &rep->pa_len, e);
	if (ret)
		goto cleanup;
	if (kdf != PK_KDF_NONE)
		ret = derive_kdf_key(p, kdf, dh, rep, key, keylen, e);
	else
		ret = pk_octetstring2key(dh->secret, dh->secret_len,
		    p->req->client_dh_nonce, p->req->client_dh_nonce_len,
		    nonces ? server_nonce : NULL, nonces ? sizeof(server_nonce) : 0,
		    key, keylen, e);
	if (ret)
		goto cleanup;
	ret = kc_random_to_key(p->enctype, key, keylen, &rep->reply_key, e);
	if (ret)
		goto cleanup;
	snprintf(rep->method, sizeof(rep->method), "%s %s, %s",
	    dh->group >= PK_GROUP_P256 ? "ECDH" : "DH", pk_group_name(dh->group),
	    kdf_name(kdf));
cleanup:
	sec_wipe(key, sizeof(key));
	free(ci);
	pk_dh_result_free(dh);
	return ret;
}

/* RFC 4556 section 3.2.3.2: ReplyKeyPack, signed, enveloped. */
static kerr_t
make_rsa(const struct pk_rep_params *p, struct pk_rep *rep, struct kerr *e)
{
	PKINIT_REPLY_KEY_PACK *kp = PKINIT_REPLY_KEY_PACK_new();
	PKINIT_PA_PK_AS_REP *out = PKINIT_PA_PK_AS_REP_new();
	uint8_t cksum[KC_MAX_CKSUM_LEN], *kp_der = NULL, *signed_ci = NULL;
	uint8_t *env = NULL;
	size_t cklen = 0, kp_len = 0, signed_len = 0, env_len = 0;
	kerr_t ret;

	if (kp == NULL || out == NULL) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	ret = kc_key_random(p->enctype, &rep->reply_key, e);
	if (ret)
		goto cleanup;
	ret = kc_checksum(&rep->reply_key, KEY_USAGE_PA_PK_AS_REP_CKSUM, 0,
	    p->as_req, p->as_req_len, cksum, &cklen, e);
	if (ret)
		goto cleanup;
	kp->reply_key->keytype = rep->reply_key.enctype;
	kp->as_checksum->cksumtype =
	    kc_checksum_type_for_enctype(rep->reply_key.enctype);
	if (asn1krb_octets_set(&kp->reply_key->keyvalue, rep->reply_key.bytes,
	    rep->reply_key.length) ||
	    asn1krb_octets_set(&kp->as_checksum->checksum, cksum, cklen)) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	ret = ASN1KRB_ENCODE(PKINIT_REPLY_KEY_PACK, kp, &kp_der, &kp_len, e);
	if (ret)
		goto cleanup;
	ret = pk_cms_sign(p->id, PK_CONTENT_RKEY_DATA, kp_der, kp_len,
	    &signed_ci, &signed_len, e);
	if (ret)
		goto cleanup;
	ret = pk_cms_envelope(p->req->signer, signed_ci, signed_len, &env,
	    &env_len, e);
	if (ret)
		goto cleanup;
	out->type = PKINIT_REP_ENC_KEY_PACK;
	out->value.enc_key_pack = ASN1_OCTET_STRING_new();
	if (out->value.enc_key_pack == NULL ||
	    asn1krb_octets_set(&out->value.enc_key_pack, env, env_len)) {
		ret = kerr_set(e, KRB_ERR_GENERIC, "out of memory");
		goto cleanup;
	}
	ret = ASN1KRB_ENCODE(PKINIT_PA_PK_AS_REP, out, &rep->pa_value,
	    &rep->pa_len, e);
	snprintf(rep->method, sizeof(rep->method), "RSA key transport");
cleanup:
	if (kp_der != NULL)
		sec_free(kp_der, kp_len);
	free(signed_ci);
	free(env);
	PKINIT_REPLY_KEY_PACK_free(kp);
	PKINIT_PA_PK_AS_REP_free(out);
	return ret;
}

kerr_t
pk_rep_make(const struct pk_rep_params *p, struct pk_rep **rep_out,
    struct kerr *e)
{
	struct pk_rep *rep = calloc(1, sizeof(*rep));
	kerr_t ret;

	if (rep == NULL)
		return kerr_set(e, KRB_ERR_GENERIC, "out of memory");
	if (p->req->client_spki != NULL) {
		ret = make_dh(p, rep, e);
	} else if (!p->allow_rsa) {
		ret = kerr_set(e, KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED,
		    "client asked for RSA key transport, which this realm "
		    "refuses (pkinit_allow_rsa_protocol = false)");
	} else {
		ret = make_rsa(p, rep, e);
	}
	if (ret) {
		pk_rep_free(rep);
		return ret;
	}
	*rep_out = rep;
	return 0;
}
