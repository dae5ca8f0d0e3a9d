/*
 * loadgen.c - PKINIT load generator for the benchmark (make bench).
 *
 * Several client processes each loop over complete certificate logons
 * with MIT libkrb5, exactly as kinit -X does: krb5_get_init_creds_password
 * with the X509_user_identity preauth option and a prompter that never
 * answers.  One logon ("exchange") is the whole initial-credentials
 * conversation, including the PREAUTH_REQUIRED round trip.
 *
 * Processes, pacing, windows and the KDC's CPU time are bench_stats.c's
 * (shared with tests/bench/pkload); output is one "key=value" per line,
 * for the benchmark script.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <krb5.h>

#include "bench_stats.h"

struct opts {
	const char *principal;
	const char *identity;
	int enterprise;
};

struct client {
	krb5_context ctx;
	krb5_principal princ;
	krb5_get_init_creds_opt *opt;
};

/* Any prompt means the identity was not usable: refuse. */
static krb5_error_code
no_prompter(krb5_context ctx, void *data, const char *name,
    const char *banner, int num_prompts, krb5_prompt prompts[])
{
	(void)ctx;
	(void)data;
	(void)name;
	(void)banner;
	(void)num_prompts;
	(void)prompts;
	return KRB5_LIBOS_CANTREADPWD;
}

static void
krb_msg(krb5_context ctx, krb5_error_code ret, char *err, size_t errlen)
{
	const char *m = krb5_get_error_message(ctx, ret);

	snprintf(err, errlen, "%s", m);
	krb5_free_error_message(ctx, m);
}

static void
client_free(void *state)
{
	struct client *c = state;

	if (c == NULL)
		return;
	if (c->opt != NULL)
		krb5_get_init_creds_opt_free(c->ctx, c->opt);
	if (c->princ != NULL)
		krb5_free_principal(c->ctx, c->princ);
	if (c->ctx != NULL)
		krb5_free_context(c->ctx);
	free(c);
}

static void *
client_new(void *arg, int idx, char *err, size_t errlen)
{
	const struct opts *o = arg;
	struct client *c = calloc(1, sizeof(*c));
	krb5_error_code ret;

	(void)idx;
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((ret = krb5_init_context(&c->ctx)) != 0) {
		snprintf(err, errlen, "krb5_init_context: %d", ret);
		free(c);
		return NULL;
	}
	/* An enterprise name (RFC 6806) is what a UPN logon asks for. */
	ret = krb5_parse_name_flags(c->ctx, o->principal, o->enterprise ?
	    KRB5_PRINCIPAL_PARSE_ENTERPRISE : 0, &c->princ);
	if (ret != 0)
		goto fail;
	/* The PKINIT module keeps the identity per context: set it once. */
	if ((ret = krb5_get_init_creds_opt_alloc(c->ctx, &c->opt)) != 0)
		goto fail;
	ret = krb5_get_init_creds_opt_set_pa(c->ctx, c->opt,
	    "X509_user_identity", o->identity);
	if (ret != 0)
		goto fail;
	if (o->enterprise)
		krb5_get_init_creds_opt_set_canonicalize(c->opt, 1);
	return c;
fail:
	krb_msg(c->ctx, ret, err, errlen);
	client_free(c);
	return NULL;
}

static int
client_logon(void *state, char *err, size_t errlen)
{
	struct client *c = state;
	krb5_creds creds;
	krb5_error_code ret;

	memset(&creds, 0, sizeof(creds));
	ret = krb5_get_init_creds_password(c->ctx, &creds, c->princ, NULL,
	    no_prompter, NULL, 0, NULL, c->opt);
	if (ret != 0) {
		krb_msg(c->ctx, ret, err, errlen);
		return -1;
	}
	krb5_free_cred_contents(c->ctx, &creds);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen -p PRINCIPAL [-E] -X IDENTITY [-c PROCS] [-d SECONDS]\n"
	    "               [-n TOTAL] [-W WARMUP] [-r RATE] [-k KDC_PID]\n"
	    "               [-m SECONDS]\n"
	    "  -E: PRINCIPAL is an enterprise name (user@upn-suffix).\n"
	    "  KRB5_CONFIG names the client configuration (KDC, anchors).\n"
	    "%s", bench_opts_usage);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench_opts bo;
	struct bench_client bc;
	struct opts o = { NULL, NULL, 0 };
	int c, r;

	bench_opts_init(&bo, "loadgen");
	while ((c = getopt(argc, argv, "c:d:n:W:r:k:m:p:X:E")) != -1) {
		if ((r = bench_opts_parse(&bo, c, optarg)) != 0) {
			if (r < 0)
				usage();
			continue;
		}
		switch (c) {
		case 'p':
			o.principal = optarg;
			break;
		case 'X':
			o.identity = optarg;
			break;
		case 'E':
			o.enterprise = 1;
			break;
		default:
			usage();
		}
	}
	if (o.principal == NULL || o.identity == NULL ||
	    bench_opts_check(&bo) != 0)
		usage();
	bc.setup = client_new;
	bc.exchange = client_logon;
	bc.teardown = client_free;
	bc.arg = &o;
	return bench_run(&bo, &bc);
}
