/*
 * util_explain.h - "pkinit-kdc-util explain CERT": run every check the
 * KDC would run on a client certificate and say why it would be refused.
 */
#ifndef PKINIT_KDC_UTIL_EXPLAIN_H
#define PKINIT_KDC_UTIL_EXPLAIN_H

/* argv after the command name; returns the exit status (0: a TGT would
 * be issued, 1: refused or error, 2: usage). */
int util_explain(const char *config, int argc, char **argv);

#endif
