/*
 * metrics.c - the process's counters, gauges and latency histogram, and
 * the Prometheus text format.
 *
 * Series live in a fixed array indexed by an open-addressing hash of their
 * full name, so counting is a hash and a compare and never allocates.
 * Families (the name before '{') keep their HELP text and type.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kerror.h"
#include "metrics.h"

#define MAX_FAMILIES 128
#define FAMILY_MAX 96
#define HELP_MAX 160
#define HASH_SLOTS (2 * METRICS_MAX_SERIES)   /* power of two */

struct family {
	char name[FAMILY_MAX];
	char help[HELP_MAX];
	enum metrics_kind kind;
};

struct series {
	char name[METRICS_NAME_MAX];
	int64_t value;
	unsigned int family;
};

/* Latency histogram by message type (RFC 4120 message names). */
static const double bucket_le[] = { 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define N_BUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]))
static const char *const hist_types[] = { "AS-REQ", "TGS-REQ", "other" };
#define N_HIST_TYPES 3

struct histogram {
	uint64_t bucket[N_BUCKETS];   /* not cumulative; summed when shown */
	uint64_t count;
	double sum;                   /* seconds */
};

/* Families exported from the start, so they read 0 before first use. */
static const struct {
	const char *name;            /* ending in '{': labelled, no bare series */
	enum metrics_kind kind;
	const char *help;
} known[] = {
	{ "requests_total{", METRICS_COUNTER,
	  "Requests answered, by message type and Kerberos result code" },
	{ "requests_in_flight", METRICS_GAUGE,
	  "Requests started and not yet answered" },
	{ "tcp_connections", METRICS_GAUGE, "Open TCP connections" },
	{ "tcp_connections_accepted_total", METRICS_COUNTER,
	  "TCP connections accepted" },
	{ "ldap_connects_total", METRICS_COUNTER,
	  "Directory connections established (after bind)" },
	{ "ldap_searches_total", METRICS_COUNTER, "Directory searches sent" },
	{ "ldap_search_errors_total", METRICS_COUNTER,
	  "Directory searches that failed or timed out" },
	{ "ocsp_fetches_total", METRICS_COUNTER, "OCSP requests sent" },
	{ "crl_fetches_total", METRICS_COUNTER, "CRL downloads started" },
	{ "revocation_cache_hits_total", METRICS_COUNTER,
	  "Revocation answers served from the cache" },
	{ "events_total{", METRICS_COUNTER,
	  "Certificate mapping and policy event lines written, by event id" },
	{ "metrics_dropped_total", METRICS_COUNTER,
	  "Updates dropped because the metrics registry was full" },
};

static struct {
	int ready;
	struct family fam[MAX_FAMILIES];
	unsigned int n_fam;
	struct series ser[METRICS_MAX_SERIES];
	unsigned int n_ser;
	int slot[HASH_SLOTS];         /* index into ser + 1; 0 = empty */
	struct histogram hist[N_HIST_TYPES];
} M;

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

/* Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*, then optional {labels}. */
static size_t
family_len(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0' && name[i] != '{'; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	if (name[i] == '{' && name[strlen(name) - 1] != '}')
		return 0;
	return i < FAMILY_MAX ? i : 0;
}

static int
family_find(const char *name, size_t len, enum metrics_kind kind)
{
	unsigned int i;

	for (i = 0; i < M.n_fam; i++)
		if (strncmp(M.fam[i].name, name, len) == 0 &&
		    M.fam[i].name[len] == '\0')
			return (int)i;
	if (M.n_fam >= MAX_FAMILIES)
		return -1;
	memcpy(M.fam[M.n_fam].name, name, len);
	M.fam[M.n_fam].name[len] = '\0';
	M.fam[M.n_fam].help[0] = '\0';
	M.fam[M.n_fam].kind = kind;
	return (int)M.n_fam++;
}

static void init_known(void);

/* The series called name, created if needed; NULL when full or bad. */
static struct series *
series_get(const char *name, enum metrics_kind kind)
{
	uint32_t h;
	size_t flen, len;
	unsigned int i;
	int f, idx;

	if (!M.ready)
		init_known();
	len = strlen(name);
	if (len >= METRICS_NAME_MAX)
		return NULL;
	h = hash(name);
	for (i = 0; i < HASH_SLOTS; i++) {
		unsigned int s = (h + i) & (HASH_SLOTS - 1);

		idx = M.slot[s];
		if (idx == 0) {
			if (M.n_ser >= METRICS_MAX_SERIES ||
			    (flen = family_len(name)) == 0 ||
			    (f = family_find(name, flen, kind)) < 0)
				return NULL;
			memcpy(M.ser[M.n_ser].name, name, len + 1);
			M.ser[M.n_ser].value = 0;
			M.ser[M.n_ser].family = (unsigned int)f;
			M.slot[s] = (int)++M.n_ser;
			return &M.ser[M.n_ser - 1];
		}
		if (strcmp(M.ser[idx - 1].name, name) == 0)
			return &M.ser[idx - 1];
	}
	return NULL;
}

/* A full registry must not lose updates silently. */
static void
dropped(void)
{
	struct series *s;
	unsigned int i;

	for (i = 0; i < M.n_ser; i++) {
		s = &M.ser[i];
		if (strcmp(s->name, "metrics_dropped_total") == 0) {
			s->value++;
			return;
		}
	}
}

int
metrics_describe(const char *name, enum metrics_kind kind, const char *help)
{
	size_t flen;
	int f;

	if (!M.ready)
		init_known();
	flen = family_len(name);
	if (flen == 0 || (f = family_find(name, flen, kind)) < 0)
		return -1;
	M.fam[f].kind = kind;
	snprintf(M.fam[f].help, sizeof(M.fam[f].help), "%s",
	    help != NULL ? help : "");
	/* A family without labels is a single series: export it now. */
	if (name[flen] == '\0' && series_get(name, kind) == NULL)
		return -1;
	return 0;
}

static void
init_known(void)
{
	size_t i, len;
	int f;

	M.ready = 1;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		len = strcspn(known[i].name, "{");
		if (known[i].name[len] == '\0') {
			metrics_describe(known[i].name, known[i].kind,
			    known[i].help);
			continue;
		}
		f = family_find(known[i].name, len, known[i].kind);
		if (f >= 0)
			snprintf(M.fam[f].help, sizeof(M.fam[f].help), "%s",
			    known[i].help);
	}
}

void
metrics_counter_add(const char *name, uint64_t v)
{
	struct series *s = series_get(name, METRICS_COUNTER);

	if (s == NULL) {
		dropped();
		return;
	}
	s->value += (int64_t)v;
}

void
metrics_gauge_set(const char *name, int64_t v)
{
	struct series *s = series_get(name, METRICS_GAUGE);

	if (s == NULL) {
		dropped();
		return;
	}
	s->value = v;
}

void
metrics_gauge_add(const char *name, int64_t delta)
{
	struct series *s = series_get(name, METRICS_GAUGE);

	if (s == NULL) {
		dropped();
		return;
	}
	s->value += delta;
}

int64_t
metrics_value(const char *name)
{
	uint32_t h = hash(name);
	unsigned int i;
	int idx;

	for (i = 0; i < HASH_SLOTS; i++) {
		idx = M.slot[(h + i) & (HASH_SLOTS - 1)];
		if (idx == 0)
			return 0;
		if (strcmp(M.ser[idx - 1].name, name) == 0)
			return M.ser[idx - 1].value;
	}
	return 0;
}

void
metrics_request_done(const char *req_type, int32_t code, double ms)
{
	char name[METRICS_NAME_MAX];
	struct histogram *hg;
	double secs = ms / 1000.0;
	size_t t, b;

	if (req_type == NULL)
		req_type = "unknown";
	/* Type names are ours ("AS-REQ", "msg-type-5"): no escaping needed. */
	snprintf(name, sizeof(name),
	    "requests_total{type=\"%s\",code=\"%d\",result=\"%s\"}", req_type,
	    (int)code, code == 0 ? "ISSUED" : kerr_name(code));
	metrics_counter_add(name, 1);
	for (t = 0; t < N_HIST_TYPES - 1; t++)
		if (strcmp(req_type, hist_types[t]) == 0)
			break;
	hg = &M.hist[t];
	for (b = 0; b < N_BUCKETS; b++) {
		if (secs <= bucket_le[b]) {
			hg->bucket[b]++;
			break;
		}
	}
	hg->count++;
	hg->sum += secs > 0 ? secs : 0;
}

/* A bounded growing text buffer. */
struct text {
	char *buf;
	size_t len, cap;
	int failed;
};

static void
text_printf(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t want;
	char *nb;
	int n;

	if (t->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = 1;
		return;
	}
	if ((size_t)n < t->cap - t->len) {
		t->len += (size_t)n;
		return;
	}
	want = t->cap * 2;
	while (want < t->len + (size_t)n + 1)
		want *= 2;
	if (want > METRICS_TEXT_MAX || (nb = realloc(t->buf, want)) == NULL) {
		t->failed = 1;
		return;
	}
	t->buf = nb;
	t->cap = want;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void
render_histogram(struct text *t)
{
	const char *fam = METRICS_PREFIX "request_duration_seconds";
	uint64_t cum;
	size_t i, b;

	text_printf(t, "# HELP %s Time from receiving a request to sending "
	    "its answer\n# TYPE %s histogram\n", fam, fam);
	for (i = 0; i < N_HIST_TYPES; i++) {
		const struct histogram *h = &M.hist[i];

		cum = 0;
		for (b = 0; b < N_BUCKETS; b++) {
			cum += h->bucket[b];
			text_printf(t, "%s_bucket{type=\"%s\",le=\"%g\"} %llu\n",
			    fam, hist_types[i], bucket_le[b],
			    (unsigned long long)cum);
		}
		text_printf(t, "%s_bucket{type=\"%s\",le=\"+Inf\"} %llu\n",
		    fam, hist_types[i], (unsigned long long)h->count);
		text_printf(t, "%s_sum{type=\"%s\"} %.6f\n", fam,
		    hist_types[i], h->sum);
		text_printf(t, "%s_count{type=\"%s\"} %llu\n", fam,
		    hist_types[i], (unsigned long long)h->count);
	}
}

int
metrics_render(char **text_out, size_t *len_out)
{
	struct text t = { NULL, 0, 4096, 0 };
	unsigned int f, i;

	if (!M.ready)
		init_known();
	t.buf = malloc(t.cap);
	if (t.buf == NULL)
		return -1;
	t.buf[0] = '\0';
	for (f = 0; f < M.n_fam; f++) {
		const struct family *fa = &M.fam[f];

		/* Exposition format: HELP and TYPE once, then every sample
		 * of the family together. */
		text_printf(&t, "# HELP %s%s %s\n# TYPE %s%s %s\n",
		    METRICS_PREFIX, fa->name, fa->help[0] ? fa->help :
		    fa->name, METRICS_PREFIX, fa->name,
		    fa->kind == METRICS_COUNTER ? "counter" : "gauge");
		for (i = 0; i < M.n_ser; i++)
			if (M.ser[i].family == f)
				text_printf(&t, "%s%s %lld\n", METRICS_PREFIX,
				    M.ser[i].name, (long long)M.ser[i].value);
	}
	render_histogram(&t);
	if (t.failed) {
		free(t.buf);
		return -1;
	}
	*text_out = t.buf;
	*len_out = t.len;
	return 0;
}

void
metrics_reset(void)
{
	memset(&M, 0, sizeof(M));
}
