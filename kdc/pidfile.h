/*
 * pidfile.h - the daemon's pid file.
 *
 * Created with O_EXCL once the listeners are bound.  A file left behind by
 * a dead process is replaced; one naming a live process makes the start
 * fail, so two daemons never share a pid file.
 */
#ifndef PKINIT_KDC_PIDFILE_H
#define PKINIT_KDC_PIDFILE_H

#include "kerror.h"

struct pidfile;

/* Write our pid to path; *pf_out is set on success (0), else -1 and e. */
int pidfile_create(const char *path, struct pidfile **pf_out, struct kerr *e);

/* Remove the file if it still holds our pid, and free pf (may be NULL). */
void pidfile_remove(struct pidfile *pf);

/* Forget pf without touching the file (used in a forked child). */
void pidfile_forget(struct pidfile *pf);

#endif
