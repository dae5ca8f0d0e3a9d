/*
 * map_altsecid.h - Active Directory altSecurityIdentities certificate
 * mappings ([MS-PKCA] 3.1.5.2.1.3): parsing the stored strings, writing
 * them for a certificate, matching them against one, and their strength
 * (KB5014754, [MS-PKCA] 3.1.5.2.1.5).
 *
 * Forms, exactly as AD stores them:
 *   X509:<I>issuer<S>subject     weak
 *   X509:<S>subject              weak
 *   X509:<I>issuer<SR>serial     strong; serial hex in reversed byte order
 *   X509:<SKI>hex                strong; subjectKeyIdentifier
 *   X509:<SHA1-PUKEY>hex         strong; SHA-1 of the whole DER certificate
 *   X509:<RFC822>email           weak; an rfc822Name SAN
 *   X509:<I>issuer<SID>sid       strong; the certificate's SID extension
 * Names are written most significant RDN first ("DC=test,DC=example,
 * CN=Example Issuing CA"), comma separated without spaces: the reverse of
 * RFC 4514 order, with RFC 4514 escaping kept inside each RDN.
 */
#ifndef PKINIT_KDC_MAP_ALTSECID_H
#define PKINIT_KDC_MAP_ALTSECID_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

struct cv_cert;
struct cv_blobs;

enum map_form {
	MAP_FORM_ISSUER_SUBJECT,   /* <I><S> */
	MAP_FORM_SUBJECT,          /* <S> */
	MAP_FORM_ISSUER_SERIAL,    /* <I><SR> */
	MAP_FORM_SKI,              /* <SKI> */
	MAP_FORM_SHA1,             /* <SHA1-PUKEY> */
	MAP_FORM_RFC822,           /* <RFC822> */
	MAP_FORM_ISSUER_SID,       /* <I><SID> */
};

#define MAP_FORM_COUNT 7

/* Longest altSecurityIdentities value we parse or write. */
#define MAP_ALTSECID_MAX 2048

/* One parsed value. */
struct map_altsecid {
	enum map_form form;
	char *issuer;        /* AD order, as written */
	char *subject;
	uint8_t *bin;        /* serial (big-endian, certificate order), SKI
			        or SHA-1 */
	size_t bin_len;
	char *text;          /* e-mail address or SID string */
};

/* What mapping needs from a certificate, computed once. */
struct map_cert {
	const struct cv_cert *cert;  /* borrowed */
	char *issuer_ad;             /* issuer DN in AD order */
	char *subject_ad;
	char *serial_rev;            /* serial, reversed bytes, upper hex */
	char *ski_hex;               /* lower hex, NULL if absent */
	char *sid;                   /* SID extension, NULL if absent */
	char *sid_url;               /* SAN URL tag:microsoft.com,2022-09-14:
				        sid:<SID>, the SID part, or NULL */
	struct cv_blobs *upns;
	struct cv_blobs *emails;
	struct cv_blobs *dns;
	char **pkinit_names;         /* id-pkinit-san as "name@REALM" */
	size_t n_pkinit_names;
	unsigned int refs;           /* map_cert_new / map_cert_free */
};

/* Weak/strong per KB5014754. */
int map_form_strong(enum map_form f);
/* "I+S", "S", "I+SR", "SKI", "SHA1-PUKEY", "RFC822", "I+SID". */
const char *map_form_name(enum map_form f);

/*
 * Parse one value.  Values not starting with "X509:" (e.g. "Kerberos:")
 * and malformed values give KDC_ERR_CLIENT_NAME_MISMATCH with a message
 * saying why; callers log and skip them.
 */
kerr_t map_altsecid_parse(const char *s, struct map_altsecid **out,
    struct kerr *e);
void map_altsecid_free(struct map_altsecid *m);

/* 1 if the parsed value designates the certificate. */
int map_altsecid_match(const struct map_altsecid *m,
    const struct map_cert *c);

/*
 * The mapping view of cert.  Made once per certificate: the certificate
 * keeps it (cv_cert_set_memo) and later calls return another reference
 * to the same immutable view, which must not outlive cert.
 */
kerr_t map_cert_new(const struct cv_cert *cert, struct map_cert **out,
    struct kerr *e);
void map_cert_free(struct map_cert *c);

/*
 * Every value the certificate could be mapped by, in the order of
 * enum map_form (several RFC822 values when there are several e-mail
 * SANs; no SKI / I+SID without the extension).  Up to max strings are
 * written into out[] (caller frees each); forms_out[i] says which form.
 * Returns the count, or -1 on allocation failure.
 */
int map_altsecid_all(const struct map_cert *c, char **out,
    enum map_form *forms_out, size_t max);

/*
 * Pure helpers, exposed for tests.
 * map_dn_reverse: "CN=a,OU=b,DC=c" (RFC 4514 order) <-> "DC=c,OU=b,CN=a";
 * splits on unescaped ',' (and '\r' / '\n', which AD may store instead),
 * keeps each RDN's escaping, renames ST to S and emailAddress to E as AD
 * writes them.  Returns 0, or -1 if out is too small or the DN is
 * malformed.
 * map_dn_equal: compares two DNs written in the same order RDN by RDN,
 * attribute types and values case-insensitively after unescaping.
 * map_serial_reverse: hex in one byte order to the other (also strips
 * separators); -1 on bad hex or short buffer.
 */
int map_dn_reverse(const char *dn, char *out, size_t outlen);
int map_dn_equal(const char *a, const char *b);
int map_serial_reverse(const char *hex, char *out, size_t outlen);

#endif
