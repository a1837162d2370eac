/*
 * engine.h - verify one attempt record: the per-thread part of stp-verify
 *
 * struct engine_shared holds what all threads read: the database, the steps
 * grammar, the verdict cache. struct engine is one thread's scratch state:
 * the kernel's work area, the expander's, a cache of prepared statements
 * (32 attempts per statement are typical, so a statement is tokenised and
 * parsed once, not 32 times).
 */
#ifndef STP_ENGINE_H
#define STP_ENGINE_H

#include <stddef.h>

#include "jsonl.h"
#include "verify.h"

struct engine_shared;
struct engine;

/* Load the database (dies 66 if it cannot be read, 65 if it is malformed)
 * and open the cache. */
struct engine_shared *engine_shared_new(const struct verify_opts *o);
/* Write the cache if it grew. */
void engine_shared_save(struct engine_shared *sh);
void engine_shared_free(struct engine_shared *sh);

struct engine *engine_new(struct engine_shared *sh, const struct verify_opts *o);
void engine_free(struct engine *e);

/*
 * Verify one record (line[0..len), NUL-terminated) and append its verdict line
 * to *out (a growable buffer of *outlen bytes, capacity *outcap). Returns 0
 * (with *ok the verdict), or -1 for a malformed record, described in *err.
 */
int engine_line(struct engine *e, const char *line, size_t len, const char *file, long lineno,
                char **out, size_t *outlen, size_t *outcap, int *ok, struct jsonl_err *err);

#endif
