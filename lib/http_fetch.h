/*
 * http_fetch.h - asynchronous HTTP GET and POST inside the event loop, for
 * CRL and OCSP retrieval (RFC 5280 section 4.2.1.13, RFC 6960 appendix A).
 *
 * Only http:// URLs: CRLs and OCSP responses are signed objects, verified
 * after retrieval, and RFC 5280 / RFC 6960 expect plain HTTP (https would
 * need revocation checking of its own).  Host names are resolved without
 * blocking.  Every fetch has a connect timeout, a total timeout and a
 * maximum body size; the answer is the body of a 200 response.  The
 * callback runs from the event loop, never from inside the start call.
 */
#ifndef PKINIT_KDC_HTTP_FETCH_H
#define PKINIT_KDC_HTTP_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"

struct loop;
struct http_client;
struct http_fetch;

struct http_limits {
	unsigned int connect_timeout_ms;  /* 0: 2000 */
	unsigned int total_timeout_ms;    /* 0: 5000 */
	size_t max_body;                  /* 0: 1 MiB */
};

#define HTTP_URL_MAX 2048

/*
 * err->code is 0 on success (body holds the response body, valid during
 * the call only), else KRB_ERR_GENERIC with a message naming the URL and
 * what went wrong (refused, timed out, HTTP status, too large).
 */
typedef void (*http_fetch_cb)(void *arg, const struct kerr *err,
    const uint8_t *body, size_t len);

struct http_client *http_client_new(struct loop *l,
    const struct http_limits *lim, struct kerr *e);
/* Outstanding fetches end without callbacks.  Safe to call from inside a
 * fetch callback (the client then goes away when the callback returns). */
void http_client_free(struct http_client *c);

/* Start a GET (post == NULL) or a POST of post[post_len] with the given
 * content type.  NULL when the URL is not an acceptable http:// URL or
 * memory ran out (e says which). */
struct http_fetch *http_fetch_start(struct http_client *c, const char *url,
    const char *content_type, const uint8_t *post, size_t post_len,
    http_fetch_cb cb, void *arg, struct kerr *e);

/* Abandon a fetch; its callback will not be called.  NULL is ignored. */
void http_fetch_cancel(struct http_fetch *f);

/*
 * Split an http:// URL into host (brackets of an IPv6 literal removed),
 * port (default 80) and path with query ("/" when empty).  0 or -1.
 */
int http_url_split(const char *url, char *host, size_t hostlen,
    unsigned int *port_out, char *path, size_t pathlen);

#endif
