/* pki_fixture.h - a throw-away test PKI made by tests/integration/pki.sh. */
#ifndef PKINIT_KDC_PKI_FIXTURE_H
#define PKINIT_KDC_PKI_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* Create the PKI (realm EXAMPLE.TEST) in a fresh temporary directory;
 * returns its path or aborts. */
const char *pki_setup(void);
/* Remove the directory again. */
void pki_teardown(void);
/* "<dir>/<name>" in a static rotating buffer. */
const char *pki_path(const char *name);
/* Whole file into a malloc'd buffer. */
uint8_t *pki_read(const char *path, size_t *len_out);
/* Write len bytes to path. */
void pki_write(const char *path, const void *p, size_t len);

#endif
