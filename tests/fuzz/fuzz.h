/*
 * fuzz.h - what every libFuzzer target in tests/fuzz shares: the entry
 * points libFuzzer calls and a check that crashes on a broken invariant,
 * so the fuzzer keeps the input that broke it.
 *
 * Targets must not crash, leak or abort on bad input: only a real bug
 * (a sanitizer report or a failed FUZZ_ASSERT) may end a run.
 */
#ifndef PKINIT_KDC_FUZZ_H
#define PKINIT_KDC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* A kerr message must be a terminated string: it goes into log lines. */
#define FUZZ_ASSERT_MSG(e) \
	FUZZ_ASSERT(memchr((e)->msg, '\0', sizeof((e)->msg)) != NULL)

/* NUL-terminated copy of the input, for text parsers; NULL if out of
 * memory (then the input is skipped). */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

#endif
