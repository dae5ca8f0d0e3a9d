/*
 * util.c - pkinit-kdc-util, the administrator's companion to the daemon.
 *
 *   altsecid CERT        every altSecurityIdentities value the certificate
 *                        can be mapped by, marked strong or weak
 *   map CERT [HINT]      which account the running configuration maps the
 *                        certificate to, and why (the daemon's own code)
 *
 * Subcommands live in one table; each gets argc/argv after its name.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "as_account.h"
#include "asn1_krb5.h"
#include "cv_cert.h"
#include "dir_account.h"
#include "dir_groups.h"
#include "kdc_config.h"
#include "log.h"
#include "loop.h"
#include "map_altsecid.h"
#include "map_bind.h"
#include "realm.h"

struct util_cmd {
	const char *name;
	const char *args;
	const char *help;
	int (*run)(const char *config, int argc, char **argv);
};

static int
load_cert(const char *path, struct cv_cert **c, struct map_cert **mc)
{
	struct kerr e;

	kerr_clear(&e);
	if (cv_cert_from_file(path, c, &e) != 0 ||
	    map_cert_new(*c, mc, &e) != 0) {
		fprintf(stderr, "pkinit-kdc-util: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int
cmd_altsecid(const char *config, int argc, char **argv)
{
	char *strs[32];
	enum map_form forms[32];
	struct cv_cert *c = NULL;
	struct map_cert *mc = NULL;
	int n, i, rc = 1;

	(void)config;
	if (argc != 1) {
		fprintf(stderr, "usage: pkinit-kdc-util altsecid CERT.pem\n");
		return 2;
	}
	if (load_cert(argv[0], &c, &mc) != 0)
		goto cleanup;
	n = map_altsecid_all(mc, strs, forms, 32);
	if (n < 0) {
		fprintf(stderr, "pkinit-kdc-util: out of memory\n");
		goto cleanup;
	}
	printf("# %s\n# issued by %s, serial %s\n", cv_cert_subject(c),
	    cv_cert_issuer(c), cv_cert_serial_hex(c));
	if (mc->sid != NULL)
		printf("# SID extension %s (strong by itself when it equals "
		    "objectSid)\n", mc->sid);
	for (i = 0; i < n; i++) {
		printf("# %s, %s\naltSecurityIdentities: %s\n",
		    map_form_name(forms[i]),
		    map_form_strong(forms[i]) ? "strong" : "weak", strs[i]);
		free(strs[i]);
	}
	rc = 0;
cleanup:
	map_cert_free(mc);
	cv_cert_free(c);
	return rc;
}

struct map_run {
	struct loop *loop;
	int rc;
};

static void
map_done(void *arg, const struct kerr *err, struct acct_map_out *out)
{
	struct map_run *mr = arg;
	size_t i;

	if (out != NULL && out->candidates[0] != '\0')
		printf("candidates: %s\n", out->candidates);
	if (out != NULL && out->acct != NULL)
		printf("account: %s (sAMAccountName %s)%s\n", out->acct->dn,
		    out->acct->sam_account_name, out->by_certificate ?
		    ", found from the certificate" : ", named by the hint");
	if (out != NULL && out->bind.strength != MAP_NOT_BOUND)
		printf("binding: %s, %s\n", out->bind.how,
		    map_strength_name(out->bind.strength));
	if (out != NULL && out->bind.n_ignored > 0)
		printf("ignored: %u altSecurityIdentities value(s): %s\n",
		    out->bind.n_ignored, out->bind.ignored);
	if (out != NULL && out->bind.event != 0)
		printf("event: %d%s%s\n", out->bind.event,
		    out->bind.warning[0] ? " " : "", out->bind.warning);
	if (err->code == 0) {
		printf("result: mapped\n");
		for (i = 0; out->groups != NULL && i < out->groups->n; i++)
			printf("group: %s\n", out->groups->dns[i]);
		mr->rc = 0;
	} else {
		printf("result: %s (%d): %s\n", kerr_name(err->code),
		    (int)err->code, err->msg);
		mr->rc = 1;
	}
	acct_map_out_free(out);
	loop_break(mr->loop);
}

static int
cmd_map(const char *config, int argc, char **argv)
{
	struct kdc_config *cfg = NULL;
	struct realm_set *rs = NULL;
	struct acct_map_in in;
	struct acct_map *m;
	struct map_run mr;
	struct cv_cert *c = NULL;
	char err[512], *hint = NULL, *at;
	struct kerr e;

	memset(&mr, 0, sizeof(mr));
	mr.rc = 1;
	kerr_clear(&e);
	if (argc < 1 || argc > 2) {
		fprintf(stderr, "usage: pkinit-kdc-util [-c kdc.conf] map "
		    "CERT.pem [HINT]\n");
		return 2;
	}
	if (config_load(config, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "pkinit-kdc-util: %s\n", err);
		return 1;
	}
	if ((mr.loop = loop_new()) == NULL ||
	    realm_set_load(cfg, mr.loop, &rs, &e) != 0 ||
	    cv_cert_from_file(argv[0], &c, &e) != 0) {
		fprintf(stderr, "pkinit-kdc-util: %s\n", e.msg);
		goto cleanup;
	}
	if (rs->n == 0) {
		fprintf(stderr, "pkinit-kdc-util: %s configures no realm\n",
		    config);
		goto cleanup;
	}
	memset(&in, 0, sizeof(in));
	in.realm = &rs->v[0];
	in.cert = c;
	in.now = (int64_t)time(NULL);
	in.name_type = KRB5_NT_PRINCIPAL;
	if (argc == 2) {
		/* HINT: name, name@REALM, or user@suffix (enterprise). */
		if ((hint = strdup(argv[1])) == NULL)
			goto cleanup;
		if ((at = strrchr(hint, '@')) != NULL) {
			const struct realm_rt *r = realm_set_find(rs, at + 1);

			if (r != NULL) {
				*at = '\0';
				in.realm = r;
			} else {
				in.name_type = KRB5_NT_ENTERPRISE;
			}
		}
		in.name = hint;
	}
	printf("realm: %s, strong_certificate_binding = %s\n", in.realm->name,
	    map_mode_name((enum map_mode)in.realm->map_mode));
	m = acct_map_start(&in, map_done, &mr, &e);
	if (m == NULL) {
		printf("result: %s (%d): %s\n", kerr_name(e.code), (int)e.code,
		    e.msg);
		goto cleanup;
	}
	loop_run(mr.loop);
cleanup:
	free(hint);
	cv_cert_free(c);
	realm_set_unref(rs);
	loop_free(mr.loop);
	config_free(cfg);
	return mr.rc;
}

static const struct util_cmd cmds[] = {
	{ "altsecid", "CERT.pem",
	  "print every altSecurityIdentities value for the certificate",
	  cmd_altsecid },
	{ "map", "CERT.pem [HINT]",
	  "show which account the configuration maps the certificate to",
	  cmd_map },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pkinit-kdc-util [-c kdc.conf] COMMAND ARGS\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %-16s %s\n", cmds[i].name, cmds[i].args,
		    cmds[i].help);
}

int
main(int argc, char **argv)
{
	const char *config = config_default_path();
	size_t i;
	int opt;

	log_init("pkinit-kdc-util");
	while ((opt = getopt(argc, argv, "+c:h")) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name) == 0)
			return cmds[i].run(config, argc - optind - 1,
			    argv + optind + 1);
	}
	fprintf(stderr, "pkinit-kdc-util: unknown command '%s'\n",
	    argv[optind]);
	usage(stderr);
	return 2;
}
