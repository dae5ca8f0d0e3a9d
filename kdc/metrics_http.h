/*
 * metrics_http.h - the optional HTTP endpoint serving lib/metrics.h in the
 * Prometheus text format (kdc.conf [kdcdefaults] metrics_listen).
 *
 * GET /metrics answers the counters of this process.  With several worker
 * processes each keeps its own registry and a scrape sees the counters of
 * the worker that accepted the connection.
 */
#ifndef PKINIT_KDC_METRICS_HTTP_H
#define PKINIT_KDC_METRICS_HTTP_H

#include <stddef.h>

struct kdc_server;

/*
 * Bind the configured metrics addresses (none: nothing is served) and
 * register a reload hook that follows changes to metrics_listen.
 * -1 with a message in errbuf when an address cannot be bound.
 */
int metrics_http_start(struct kdc_server *srv, char *errbuf, size_t errlen);

/* Close the endpoint of srv (NULL or a server never started: no-op). */
void metrics_http_stop(struct kdc_server *srv);

#endif
