/*
 * metrics.h - counters, gauges and the request latency histogram, and
 * their rendering in the Prometheus text exposition format (version
 * 0.0.4).  kdc/metrics_http.c serves the text over HTTP.
 *
 * The registry belongs to the process and has no locks: the KDC serves
 * from one thread per process, and each worker process keeps its own
 * counters.  Any module may count things without setting anything up:
 *
 *     metrics_counter_add("ldap_searches_total", 1);
 *
 * Names are given without the "pkinit_kdc_" prefix, which rendering adds.
 * A name may carry labels, written as Prometheus does:
 * "requests_total{type=\"AS-REQ\",code=\"0\"}".  Everything before '{' is
 * the family, which gets one HELP and TYPE line.  The registry is bounded
 * (METRICS_MAX_SERIES); series beyond it are counted in
 * metrics_dropped_total instead of growing memory.
 */
#ifndef PKINIT_KDC_METRICS_H
#define PKINIT_KDC_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_PREFIX "pkinit_kdc_"
#define METRICS_MAX_SERIES 512
#define METRICS_NAME_MAX 160
/* The rendered text never grows beyond this. */
#define METRICS_TEXT_MAX (256 * 1024)

enum metrics_kind {
	METRICS_COUNTER,
	METRICS_GAUGE,
};

/* Add v to a counter (created at 0 on first use). */
void metrics_counter_add(const char *name, uint64_t v);

/* Set or move a gauge (created at 0 on first use). */
void metrics_gauge_set(const char *name, int64_t v);
void metrics_gauge_add(const char *name, int64_t delta);

/*
 * Give a family its HELP text and type, and create it at zero so it is
 * exported before the first event (a counter that appears only after its
 * first increment defeats rate() in alerts).  -1 if the registry is full
 * or the name is not a valid metric name.
 */
int metrics_describe(const char *name, enum metrics_kind kind,
    const char *help);

/* One finished request: counts it by message type and result code and
 * records its duration in the latency histogram. */
void metrics_request_done(const char *req_type, int32_t code, double ms);

/* The current value of a series (tests, and the endpoint's own checks);
 * 0 for a series that does not exist. */
int64_t metrics_value(const char *name);

/*
 * Render everything as Prometheus text into a new buffer (NUL-terminated;
 * free() it).  -1 on allocation failure.
 */
int metrics_render(char **text_out, size_t *len_out);

/* Forget every series (tests). */
void metrics_reset(void);

#endif
