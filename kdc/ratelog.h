/*
 * ratelog.h - per-source rate limiting of log lines about hostile or
 * broken traffic.
 *
 * A flood of garbage datagrams, framing errors or connections beyond the
 * limit must not turn into one log line per packet: that would fill the
 * disk and bury the lines that matter.  For each (source address, kind)
 * the first event is logged; further events within RATELOG_INTERVAL
 * seconds are only counted, and the first event after the interval is
 * logged together with the number suppressed meanwhile.  The port is not
 * part of the key, so an attacker cycling source ports is still one
 * source.
 *
 * The table has a fixed number of slots; a new source takes the slot
 * least recently used, so memory stays bounded whatever the number of
 * sources (a forgotten source is simply logged again).
 */
#ifndef PKINIT_KDC_RATELOG_H
#define PKINIT_KDC_RATELOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RATELOG_INTERVAL 60   /* seconds between lines per source and kind */
#define RATELOG_SLOTS 256

enum ratelog_kind {
	RATELOG_GARBAGE,      /* not a Kerberos message / not a request */
	RATELOG_FRAMING,      /* TCP length prefix refused */
	RATELOG_MALFORMED,    /* a request that does not decode */
	RATELOG_CONN_LIMIT,   /* connection evicted or refused at the limit */
	RATELOG_CONN_CLOSE,   /* connection closed idle or inside a message */
	RATELOG_KINDS
};

struct ratelog;

struct ratelog *ratelog_new(void);
void ratelog_free(struct ratelog *rl);

/*
 * An event of kind from sa at monotonic time now (seconds).  Returns 1
 * when it should be logged, with *suppressed_out set to the number of
 * events of this kind from this source not logged since the previous
 * line; 0 when it is to be counted silently.  A NULL sa is one source.
 */
int ratelog_check(struct ratelog *rl, const struct sockaddr *sa,
    socklen_t sa_len, enum ratelog_kind kind, int64_t now,
    unsigned long *suppressed_out);

/* Monotonic clock in seconds, for callers without one at hand. */
int64_t ratelog_now(void);

#endif
