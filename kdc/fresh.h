/*
 * fresh.h - RFC 8070 PKINIT freshness tokens.
 *
 * The token is opaque to clients.  Ours is a timestamp encrypted under a
 * key derived from the realm's krbtgt key (tgs_keys.h), prefixed by the
 * kvno and enctype of that key, so every KDC holding the krbtgt key can
 * check it and no state is kept per token.
 */
#ifndef PKINIT_KDC_FRESH_H
#define PKINIT_KDC_FRESH_H

#include <stddef.h>
#include <stdint.h>

#include "kerror.h"
#include "tgs_keys.h"

#define PA_AS_FRESHNESS 150
#define FRESH_TOKEN_LIFETIME 600   /* seconds a token stays acceptable */
#define FRESH_TOKEN_MAX 256        /* bytes; anything longer is forged */

/* Make a token for the time now (seconds, microseconds). */
kerr_t fresh_token_make(const struct tgs_keys *keys, int64_t now,
    int32_t now_usec, uint8_t **token_out, size_t *len_out, struct kerr *e);

/*
 * Check a token returned in a PKAuthenticator.  Returns 0 if it was made
 * by a holder of the krbtgt key within FRESH_TOKEN_LIFETIME (allowing
 * clockskew for tokens from a replica whose clock runs ahead), else
 * KDC_ERR_PREAUTH_EXPIRED with the reason in *e.
 */
kerr_t fresh_token_check(const struct tgs_keys *keys, const uint8_t *token,
    size_t len, int64_t now, int64_t clockskew, struct kerr *e);

#endif
