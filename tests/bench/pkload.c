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
 * Processes, pacing, windows and /proc are bench_stats.c's; output is one
 * "key=value" per line, for the benchmark script.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
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
	struct sockaddr_storage addr;
	socklen_t addr_len;
	/* Loaded once, before the clients fork. */
	struct pk_identity *id;
	struct cv_cert *kdc_cert;
};

struct client {
	const struct opts *o;
	struct pkl_client pc;
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

static int
io_all(int fd, void *buf, size_t len, int out)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = out ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
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
	if (io_all(fd, hdr, 4, 1) != 0 || io_all(fd, (void *)msg, len, 1)) {
		kerr_set(e, KRB_ERR_GENERIC, "TCP send: %s", strerror(errno));
		goto fail;
	}
	if (io_all(fd, hdr, 4, 0) != 0) {
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
	if (io_all(fd, buf, n, 0) != 0) {
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
	if ((ret = pkl_req_first(&c->pc, &l, &req, &req_len, &e)) != 0)
		goto cleanup;
	ret = o->tcp_only ? send_tcp(o, req, req_len, &rep, &rep_len, &e) :
	    send_udp(o, req, req_len, &rep, &rep_len, &e);
	if (ret != 0)
		goto cleanup;
	ret = pkl_freshness(rep, rep_len, &tok, &tok_len, &e);
	/* RFC 4120 section 7.2.1: a reply too big for UDP, again on TCP. */
	if (ret == KRB_ERR_RESPONSE_TOO_BIG && !o->tcp_only) {
		free(rep);
		rep = NULL;
		if ((ret = send_tcp(o, req, req_len, &rep, &rep_len, &e)) == 0)
			ret = pkl_freshness(rep, rep_len, &tok, &tok_len, &e);
	}
	if (ret != 0)
		goto cleanup;
	free(rep);
	rep = NULL;
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

static void *
client_new(void *arg, int idx, char *err, size_t errlen)
{
	const struct opts *o = arg;
	struct client *c = calloc(1, sizeof(*c));
	struct kerr e;

	(void)idx;
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
	return c;
}

static void
client_free(void *state)
{
	struct client *c = state;

	if (c == NULL)
		return;
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
	    "              [-T] [-c PROCS] [-d SECONDS | -n TOTAL] [-W WARMUP]\n"
	    "              [-r RATE] [-k KDC_PID] [-m SECONDS]\n"
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
	int c, r, status;

	memset(&o, 0, sizeof(o));
	o.principal = "alice@example.test";
	o.enterprise = -1;
	o.realm = "EXAMPLE.TEST";
	o.group = PK_GROUP_P256;
	bench_opts_init(&bo, "pkload");
	while ((c = getopt(argc, argv, "c:d:n:W:r:k:m:s:i:x:K:g:p:ER:T")) !=
	    -1) {
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
	if (load_identity(&o) != 0)
		return 2;
	printf("group=%s\n", pk_group_name(o.group));
	bc.setup = client_new;
	bc.exchange = logon;
	bc.teardown = client_free;
	bc.arg = &o;
	status = bench_run(&bo, &bc);
	pk_identity_free(o.id);
	cv_cert_free(o.kdc_cert);
	return status;
}
