/*
 * internal.h - helpers shared by lib/mmsteps/ files only
 */
#ifndef STP_MMSTEPS_INTERNAL_H
#define STP_MMSTEPS_INTERNAL_H

#include <stdarg.h>

#include "mmsteps/grammar.h"

/* Set err: tok and the message "WHERE N: ..." (no prefix when tok is 0). */
void mms_fail(struct mms_err *err, const char *where, uint32_t tok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Put prefix before err->msg (truncating the end to fit). */
void mms_err_prefix(struct mms_err *err, const char *prefix);

/* The internal parse: like mms_parse_seq, but err->msg carries no position
 * prefix (err->tok is still set), for callers that number tokens their own way. */
long mms_parse_raw(struct mms_parser *p, int32_t context, const int *types, uint32_t k,
                   const mm_sym *syms, uint32_t n, const int32_t *varf, int32_t *out,
                   size_t cap, uint32_t *lens, struct mms_err *err);

/* A token or name quoted in a message: at most 40 bytes of it. */
#define MMS_QLEN(n) ((int)((n) > 40 ? 40 : (n)))

#endif
