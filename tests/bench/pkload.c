/*
 * pkload.c - native PKINIT load generator for the benchmark (make bench).
 *
 * Each client process performs complete certificate logons against one
 * KDC with its own PKINIT client (pkload_proto.c): an AS-REQ without
 * pre-authentication over UDP answered with PREAUTH_REQUIRED and a
 * freshness token, then over TCP the AS-REQ with a signed AuthPack
 * offering an ephemeral ECDH P-256 (RFC 5349) or DH MODP-2048 key, and
 * the AS-REP checked as a client must: the KDC's signature and nonce,
 * the reply key, the enc-part and its nonce.  A logon counts only when
 * all of this passes.  The identity is loaded once; keys, nonces and
 * freshness tokens are new for every logon.
 *
 * Unlike the MIT-based tests/bench/loadgen this client costs little CPU
 * and speaks ECDH, so it can load the KDC hard from the same machine.
 *
 * With -P (capacity mode) even that cost leaves the measured window:
 * before it, each client process fetches one freshness token and builds
 * every PKINIT AS-REQ it will send (each with its own nonce, ctime and
 * ephemeral key, its AuthPack signed).  In the window a logon still
 * sends both messages the KDC sees in a real one, the AS-REQ without
 * pre-authentication (answered PREAUTH_REQUIRED) and the PKINIT AS-REQ,
 * so the KDC does the same work; every -V'th reply is checked in full,
 * the others only for being an AS-REP with PA-PK-AS-REP for this client.
 * Only the requests to be checked in full keep their private key.
 * Processes, pacing, windows and /proc are bench_stats.c's; output is one
 * "key=value" per line, for the benchmark script.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench_stats.h"
#include "pkload.h"

#define MAX_REPLY (1024 * 1024)
#define IO_TIMEOUT_MS 10000
/* -P: requests one process may build (a few kB each). */
#define PREBUILT_MAX 200000
/* -P: how old the requests may get.  The KDC takes a PKAuthenticator
 * within its clock skew (300 s by default, RFC 4556 section 3.2.2) and a
 * freshness token for 600 s (kdc/fresh.h). */
#define PREBUILT_MAX_AGE 240.0
#define VERIFY_EVERY 16

struct opts {
	const char *server;
	const char *cert_file;
	const char *key_file;
	const char *kdc_file;
	const char *principal;
	const char *realm;
	int enterprise;
	int tcp_only;
	enum pk_group group;
	int prebuilt;                   /* -P */
	unsigned long verify_every;     /* -V */
	double bound;                   /* -B: highest rate, to size -P */
	const struct bench_opts *bo;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	/* Loaded once, before the clients fork. */
	struct pk_identity *id;
	struct cv_cert *kdc_cert;
};

/* A logon built ahead of time (-P). */
struct prebuilt {
	struct pkl_logon l;             /* PKINIT AS-REQ; key if checked */
	uint8_t *first;                 /* AS-REQ without pre-auth */
	size_t first_len;
};

struct client {
	const struct opts *o;
	struct pkl_client pc;
	struct prebuilt *pool;          /* -P */
	size_t pool_n, next;
	double built_at;                /* when the freshness token came */
};

/* ---- Transport (RFC 4120 section 7.2) -------------------------------- */

static int
wait_fd(int fd, short ev, int ms)
{
	struct pollfd p;
	int r;

	p.fd = fd;
	p.events = ev;
	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

static int
connect_to(const struct opts *o, int type, struct kerr *e)
{
	struct timeval tv = { IO_TIMEOUT_MS / 1000, 0 };
	int fd = socket(o->addr.ss_family, type, 0);

	if (fd < 0) {
		kerr_set(e, KRB_ERR_GENERIC, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (const struct sockaddr *)&o->addr, o->addr_len) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "connect %s: %s", o->server,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* One datagram out, one back; a new socket each time so that a late
 * answer to an earlier logon cannot be taken for this one. */
static kerr_t
send_udp(const struct opts *o, const uint8_t *msg, size_t len,
    uint8_t **rep_out, size_t *rep_len_out, struct kerr *e)
{
	uint8_t *buf = NULL;
	ssize_t n;
	int fd = connect_to(o, SOCK_DGRAM, e);

	if (fd < 0)
		return KRB_ERR_GENERIC;
	if (send(fd, msg, len, 0) != (ssize_t)len) {
		kerr_set(e, KRB_ERR_GENERIC, "UDP send: %s", strerror(errno));
		goto fail;
	}
	if (wait_fd(fd, POLLIN, IO_TIMEOUT_MS) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "UDP: no answer from %s",
		    o->server);
		goto fail;
	}
	if ((buf = malloc(65536)) == NULL)
		goto fail;
	n = recv(fd, buf, 65536, 0);
	if (n <= 0) {
		kerr_set(e, KRB_ERR_GENERIC, "UDP receive: %s",
		    n < 0 ? strerror(errno) : "empty datagram");
		goto fail;
	}
	close(fd);
	*rep_out = buf;
	*rep_len_out = (size_t)n;
	return 0;
fail:
	free(buf);
	close(fd);
	return KRB_ERR_GENERIC;
}

/* One request on a new connection, 4-octet length prefix each way. */
static kerr_t
send_tcp(const struct opts *o, const uint8_t *msg, size_t len,
    uint8_t **rep_out, size_t *rep_len_out, struct kerr *e)
{
	uint8_t hdr[4], *buf = NULL;
	uint32_t n;
	int fd = connect_to(o, SOCK_STREAM, e);

	if (fd < 0)
		return KRB_ERR_GENERIC;
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
	if (bench_io_all(fd, hdr, 4, 1) != 0 ||
	    bench_io_all(fd, (void *)msg, len, 1) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "TCP send: %s", strerror(errno));
		goto fail;
	}
	if (bench_io_all(fd, hdr, 4, 0) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "TCP: no answer from %s",
		    o->server);
		goto fail;
	}
	n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
	if (n == 0 || n > MAX_REPLY || (buf = malloc(n)) == NULL) {
		kerr_set(e, KRB_ERR_GENERIC, "TCP: reply length %u", n);
		goto fail;
	}
	if (bench_io_all(fd, buf, n, 0) != 0) {
		kerr_set(e, KRB_ERR_GENERIC, "TCP: short reply");
		goto fail;
	}
	close(fd);
	*rep_out = buf;
	*rep_len_out = n;
	return 0;
fail:
	free(buf);
	close(fd);
	return KRB_ERR_GENERIC;
}

/* ---- One logon ------------------------------------------------------ */

/*
 * The first request, by UDP unless -T, and its answer through check
 * (which leaves the freshness token in tok/tok_len when asked to); RFC
 * 4120 section 7.2.1: an answer too big for UDP is asked again on TCP.
 */
static kerr_t
first_round(const struct opts *o, const uint8_t *req, size_t req_len,
    uint8_t **tok, size_t *tok_len, struct kerr *e)
{
	uint8_t *rep = NULL;
	size_t rep_len = 0;
	kerr_t ret;
	int again = 0;

	ret = o->tcp_only ? send_tcp(o, req, req_len, &rep, &rep_len, e) :
	    send_udp(o, req, req_len, &rep, &rep_len, e);
	for (;;) {
		if (ret != 0)
			break;
		ret = tok != NULL ? pkl_freshness(rep, rep_len, tok, tok_len,
		    e) : pkl_first_check(rep, rep_len, e);
		if (ret != KRB_ERR_RESPONSE_TOO_BIG || o->tcp_only || again)
			break;
		again = 1;
		free(rep);
		rep = NULL;
		ret = send_tcp(o, req, req_len, &rep, &rep_len, e);
	}
	free(rep);
	return ret;
}

static int
logon(void *state, char *err, size_t errlen)
{
	struct client *c = state;
	const struct opts *o = c->o;
	struct pkl_logon l;
	struct kerr e;
	uint8_t *req = NULL, *rep = NULL, *tok = NULL;
	size_t req_len = 0, rep_len = 0, tok_len = 0;
	kerr_t ret;

	memset(&l, 0, sizeof(l));
	kerr_clear(&e);
	if ((ret = pkl_req_first(&c->pc, &l, &req, &req_len, &e)) != 0 ||
	    (ret = first_round(o, req, req_len, &tok, &tok_len, &e)) != 0)
		goto cleanup;
	/* The signed request is large: TCP, as clients do. */
	if ((ret = pkl_req_pk(&c->pc, &l, tok, tok_len, &e)) != 0 ||
	    (ret = send_tcp(o, l.as_req, l.as_req_len, &rep, &rep_len,
	    &e)) != 0)
		goto cleanup;
	ret = pkl_rep_check(&c->pc, &l, rep, rep_len, &e);
cleanup:
	if (ret != 0)
		snprintf(err, errlen, "%s", e.msg);
	pkl_logon_clear(&l);
	free(req);
	free(rep);
	free(tok);
	return ret != 0 ? -1 : 0;
}

/* One logon of -P: both messages as built, the answers checked. */
static int
logon_prebuilt(void *state, char *err, size_t errlen)
{
	struct client *c = state;
	const struct opts *o = c->o;
	struct prebuilt *pb;
	struct kerr e;
	uint8_t *rep = NULL;
	size_t rep_len = 0;
	double age = bench_now() - c->built_at;
	kerr_t ret;

	if (c->next >= c->pool_n) {
		snprintf(err, errlen, "all %zu pre-built requests used: raise "
		    "-B (or give -n or -r)", c->pool_n);
		return 1;
	}
	if (age > PREBUILT_MAX_AGE) {
		snprintf(err, errlen, "pre-built requests are %.0f s old, "
		    "beyond %.0f s (KDC clock skew): shorten the run",
		    age, PREBUILT_MAX_AGE);
		return 1;
	}
	pb = &c->pool[c->next++];
	kerr_clear(&e);
	if ((ret = first_round(o, pb->first, pb->first_len, NULL, NULL,
	    &e)) != 0 ||
	    (ret = send_tcp(o, pb->l.as_req, pb->l.as_req_len, &rep, &rep_len,
	    &e)) != 0)
		goto cleanup;
	ret = pb->l.dh_key != NULL ?
	    pkl_rep_check(&c->pc, &pb->l, rep, rep_len, &e) :
	    pkl_rep_cheap(&c->pc, rep, rep_len, &e);
cleanup:
	if (ret != 0)
		snprintf(err, errlen, "%s", e.msg);
	/* Sent once only: give the memory back as the run goes. */
	pkl_logon_clear(&pb->l);
	free(pb->first);
	pb->first = NULL;
	free(rep);
	return ret != 0 ? -1 : 0;
}

/*
 * How many logons client process idx can start in the run: its -n quota
 * plus the warm-up, or warm-up and window, at the -r rate or the -B
 * bound (its share of either), with some room for pacing.  0 with a
 * message when that cannot be known or is too many.
 */
static size_t
pool_size(const struct opts *o, int idx, char *err, size_t errlen)
{
	const struct bench_opts *bo = o->bo;
	long quota = bench_quota(bo, idx);
	double rate = bo->rate > 0 ? bo->rate : o->bound;
	double per = rate / bo->procs, need;

	if (quota >= 0 && bo->warmup > 0 && per <= 0) {
		snprintf(err, errlen, "-P with -n and a warm-up needs -r or "
		    "-B to size the warm-up (or -W 0)");
		return 0;
	}
	if (quota < 0 && per <= 0) {
		snprintf(err, errlen, "-P with -d needs -r or -B to know how "
		    "many requests to build (or give -n)");
		return 0;
	}
	need = quota >= 0 ? (double)quota + bo->warmup * per :
	    (bo->warmup + bo->duration) * per;
	need += need / 50 + 4;
	if (need > PREBUILT_MAX) {
		snprintf(err, errlen, "-P would build %.0f requests per process "
		    "(limit %d): more processes, or a shorter run",
		    need, PREBUILT_MAX);
		return 0;
	}
	return (size_t)need;
}

/*
 * -P: one freshness token, then every request of this process.  Nonces
 * count up from a random start and ctime/cusec go strictly up, so no
 * two requests of a process are alike (the KDC's checks of the
 * PKAuthenticator, RFC 4556 section 3.2.2, see each as new).
 */
static int
prebuild(struct client *c, int idx, char *err, size_t errlen)
{
	const struct opts *o = c->o;
	struct pkl_logon l;
	struct timeval tv, last = { 0, 0 };
	struct kerr e;
	uint8_t *req = NULL, *tok = NULL, *first;
	size_t req_len = 0, tok_len = 0, i, n, first_len;
	uint32_t nonce;
	int ret = -1;

	if ((n = pool_size(o, idx, err, errlen)) == 0)
		return -1;
	memset(&l, 0, sizeof(l));
	kerr_clear(&e);
	c->built_at = bench_now();
	if (pkl_req_first(&c->pc, &l, &req, &req_len, &e) != 0 ||
	    first_round(o, req, req_len, &tok, &tok_len, &e) != 0) {
		snprintf(err, errlen, "freshness token: %s", e.msg);
		goto cleanup;
	}
	/* Its req-body nonce was random: the requests count on from it. */
	nonce = l.nonce;
	if ((c->pool = calloc(n, sizeof(*c->pool))) == NULL) {
		snprintf(err, errlen, "out of memory for %zu requests", n);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		gettimeofday(&tv, NULL);
		if (!timercmp(&tv, &last, >)) {
			tv = last;
			if (++tv.tv_usec == 1000000) {
				tv.tv_sec++;
				tv.tv_usec = 0;
			}
		}
		last = tv;
		nonce = (nonce + 1) & 0x7fffffff;
		/* Counted first: pool_free() releases a half-built one. */
		c->pool_n = i + 1;
		if (pkl_req_prebuilt(&c->pc, &c->pool[i].l, nonce, &tv, tok,
		    tok_len, &first, &first_len, &e) != 0) {
			snprintf(err, errlen, "request %zu: %s", i, e.msg);
			goto cleanup;
		}
		c->pool[i].first = first;
		c->pool[i].first_len = first_len;
		/* The private key only where the reply gets checked in full. */
		if (i % o->verify_every != 0) {
			EVP_PKEY_free(c->pool[i].l.dh_key);
			c->pool[i].l.dh_key = NULL;
		}
	}
	if (bench_now() - c->built_at + o->bo->warmup + (o->bo->total > 0 ?
	    0 : o->bo->duration) > PREBUILT_MAX_AGE) {
		snprintf(err, errlen, "building took %.0f s: with the run the "
		    "requests would get older than %.0f s (KDC clock skew)",
		    bench_now() - c->built_at, PREBUILT_MAX_AGE);
		goto cleanup;
	}
	ret = 0;
cleanup:
	pkl_logon_clear(&l);
	free(req);
	free(tok);
	return ret;
}

static void
pool_free(struct client *c)
{
	size_t i;

	for (i = 0; i < c->pool_n; i++) {
		pkl_logon_clear(&c->pool[i].l);
		free(c->pool[i].first);
	}
	free(c->pool);
	c->pool = NULL;
	c->pool_n = 0;
}

static void *
client_new(void *arg, int idx, char *err, size_t errlen)
{
	const struct opts *o = arg;
	struct client *c = calloc(1, sizeof(*c));
	struct kerr e;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->o = o;
	c->pc.id = o->id;
	c->pc.kdc_cert = o->kdc_cert;
	c->pc.group = o->group;
	if (pkl_client_names(&c->pc, o->principal, o->enterprise, o->realm,
	    &e) != 0) {
		snprintf(err, errlen, "%s", e.msg);
		pkl_client_clear(&c->pc);
		free(c);
		return NULL;
	}
	if (o->prebuilt && prebuild(c, idx, err, errlen) != 0) {
		pool_free(c);
		pkl_client_clear(&c->pc);
		free(c);
		return NULL;
	}
	return c;
}

static void
client_free(void *state)
{
	struct client *c = state;

	if (c == NULL)
		return;
	pool_free(c);
	pkl_client_clear(&c->pc);
	free(c);
}

/* ---- Setup ---------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: pkload -s HOST:PORT -i CERT.pem -x KEY.pem [-K KDC.crt]\n"
	    "              [-g P-256|MODP-2048] [-p PRINCIPAL] [-E] [-R REALM]\n"
	    "              [-T] [-P [-V N] [-B RATE]] [-c PROCS]\n"
	    "              [-d SECONDS | -n TOTAL] [-W WARMUP] [-r RATE]\n"
	    "              [-k KDC_PID] [-m SECONDS]\n"
	    "  -i CERT     client certificate (PEM; further certificates in\n"
	    "              the file are sent along as the chain)\n"
	    "  -x KEY      its private key (PEM, any type)\n"
	    "  -K KDC.crt  accept only replies signed with this certificate\n"
	    "              (default: check the signature only)\n"
	    "  -g GROUP    key agreement: P-256 (ECDH) or MODP-2048 (DH)\n"
	    "  -p NAME     client (default alice@example.test, enterprise)\n"
	    "  -E          NAME is an enterprise name (user@upn-suffix)\n"
	    "  -R REALM    realm (default EXAMPLE.TEST)\n"
	    "  -T          TCP for the first request too (default UDP)\n"
	    "  -P          capacity mode: build every request before the run\n"
	    "              (sized by -n, or -r or -B times warm-up + duration)\n"
	    "  -V N        with -P, check every Nth reply in full, the others\n"
	    "              cheaply (default 16; 1: all in full)\n"
	    "  -B RATE     with -P and no -r, the highest rate (logons/s, all\n"
	    "              processes) the run can reach: sizes the requests\n"
	    "%s", bench_opts_usage);
	exit(2);
}

static int
parse_server(struct opts *o)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon = strrchr(o->server, ':'), *h = o->server;
	size_t hl;

	if (colon == NULL)
		return -1;
	hl = (size_t)(colon - h);
	/* [::1]:88 */
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;
	memcpy(&o->addr, res->ai_addr, res->ai_addrlen);
	o->addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* The client identity as the KDC loads its own (pk_identity.h). */
static int
load_identity(struct opts *o)
{
	struct kerr e;
	char *spec;
	size_t n;

	n = strlen(o->cert_file) + strlen(o->key_file) + 7;
	if ((spec = malloc(n)) == NULL)
		return -1;
	snprintf(spec, n, "FILE:%s,%s", o->cert_file, o->key_file);
	if (pk_identity_load(spec, NULL, o->realm, &o->id, NULL, &e) != 0) {
		fprintf(stderr, "pkload: %s\n", e.msg);
		free(spec);
		return -1;
	}
	free(spec);
	if (o->kdc_file != NULL &&
	    cv_cert_from_file(o->kdc_file, &o->kdc_cert, &e) != 0) {
		fprintf(stderr, "pkload: %s\n", e.msg);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench_opts bo;
	struct bench_client bc;
	struct opts o;
	char *end, err[BENCH_ERR_MAX];
	size_t n = 0;
	int c, r, status;

	/* A KDC that closes a connection early is a failed logon, not the
	 * end of the client (writes to sockets go through write(2)). */
	signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	o.principal = "alice@example.test";
	o.enterprise = -1;
	o.realm = "EXAMPLE.TEST";
	o.group = PK_GROUP_P256;
	o.verify_every = VERIFY_EVERY;
	o.bo = &bo;
	bench_opts_init(&bo, "pkload");
	while ((c = getopt(argc, argv,
	    "c:d:n:W:r:k:m:s:i:x:K:g:p:ER:TPV:B:")) != -1) {
		if ((r = bench_opts_parse(&bo, c, optarg)) != 0) {
			if (r < 0)
				usage();
			continue;
		}
		switch (c) {
		case 's':
			o.server = optarg;
			break;
		case 'i':
			o.cert_file = optarg;
			break;
		case 'x':
			o.key_file = optarg;
			break;
		case 'K':
			o.kdc_file = optarg;
			break;
		case 'g':
			if (strcmp(optarg, "P-256") == 0)
				o.group = PK_GROUP_P256;
			else if (strcmp(optarg, "MODP-2048") == 0)
				o.group = PK_GROUP_MODP14;
			else
				usage();
			break;
		case 'p':
			o.principal = optarg;
			if (o.enterprise < 0)
				o.enterprise = 0;
			break;
		case 'E':
			o.enterprise = 1;
			break;
		case 'R':
			o.realm = optarg;
			break;
		case 'T':
			o.tcp_only = 1;
			break;
		case 'P':
			o.prebuilt = 1;
			break;
		case 'V':
			o.verify_every = strtoul(optarg, &end, 10);
			if (*end != '\0' || o.verify_every == 0)
				usage();
			break;
		case 'B':
			o.bound = strtod(optarg, &end);
			if (*end != '\0' || !(o.bound > 0))
				usage();
			break;
		default:
			usage();
		}
	}
	/* The default client is an enterprise name. */
	if (o.enterprise < 0)
		o.enterprise = 1;
	if (optind != argc || o.server == NULL || o.cert_file == NULL ||
	    o.key_file == NULL || bench_opts_check(&bo) != 0)
		usage();
	if (parse_server(&o) != 0) {
		fprintf(stderr, "pkload: bad address %s (HOST:PORT, numeric)\n",
		    o.server);
		return 2;
	}
	/* Process 0 has the largest share: if it fits, all do. */
	if (o.prebuilt && (n = pool_size(&o, 0, err, sizeof(err))) == 0) {
		fprintf(stderr, "pkload: %s\n", err);
		return 2;
	}
	if (load_identity(&o) != 0)
		return 2;
	printf("group=%s\n", pk_group_name(o.group));
	if (o.prebuilt) {
		printf("client_mode=prebuilt\n");
		printf("prebuilt_per_proc=%zu\n", n);
		printf("verify_every=%lu\n", o.verify_every);
	} else {
		printf("client_mode=live\n");
	}
	bc.setup = client_new;
	bc.exchange = o.prebuilt ? logon_prebuilt : logon;
	bc.teardown = client_free;
	bc.arg = &o;
	status = bench_run(&bo, &bc);
	pk_identity_free(o.id);
	cv_cert_free(o.kdc_cert);
	return status;
}
