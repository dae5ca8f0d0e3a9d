/* pki_fixture.c - run pki.sh once per test program into a temp dir. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pki_fixture.h"

#ifndef PKI_SH
#error "PKI_SH must name tests/integration/pki.sh"
#endif

static char dir[256];

const char *
pki_setup(void)
{
	char cmd[1024];
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/pkitest.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s/pki' EXAMPLE.TEST", PKI_SH,
	    dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "pki.sh failed\n");
		abort();
	}
	strncat(dir, "/pki", sizeof(dir) - strlen(dir) - 1);
	return dir;
}

void
pki_teardown(void)
{
	char cmd[600];
	char *slash;

	if (dir[0] == '\0')
		return;
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	dir[0] = '\0';
}

const char *
pki_path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

uint8_t *
pki_read(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(n > 0 ? (size_t)n : 1);
	if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len_out = (size_t)n;
	return p;
}

void
pki_write(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	/* Private: some of these files hold keys, and the identity loader
	 * warns about keys readable by others. */
	if (f == NULL || fchmod(fileno(f), 0600) != 0 ||
	    fwrite(p, 1, len, f) != len)
		abort();
	fclose(f);
}
