/*
 * dedup.h - stp-conjecture's identities of statements, and the set of
 * statements seen of --backend openai
 *
 * A statement's identity is the xxh3-64 of its whitespace-normalised fields
 * (system, context, hypotheses, statement; lib/hash.h): a conjecture's id is
 * "c/" and its hex (docs/records.md), whichever backend wrote it. The
 * built-in backend drops duplicates up to renaming (filter.c, lib/canon.h);
 * --backend openai's Lean conjectures are compared as text, whitespace
 * aside, by the set below.
 */
#ifndef STP_CONJ_DEDUP_H
#define STP_CONJ_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

/* The identity of (system, context, hyps[0..nh), stmt); context may be NULL. */
uint64_t stmt_key(const char *system, const char *context, const char *stmt,
                  const char *const *hyps, size_t nh);

/* A conjecture's id: "c/" and the 16 hex digits of its stmt_key, NUL-terminated. */
#define CONJ_ID_SIZE (2 + 16 + 1)
void conj_id(char id[CONJ_ID_SIZE], const char *system, const char *context, const char *stmt,
             const char *const *hyps, size_t nh);

/* The statements seen: keys of (system, hyps, statement), no context. */
struct dedup {
	struct hset64 seen;
};

/* Add every statement of a dataset file ("system" defaults to metamath; any
 * number of "hyps"). Dies with 65 naming file:line on a bad record, 66 when
 * the file cannot be opened. */
void dedup_dataset(struct dedup *d, const char *path);

/* Add a statement without hypotheses: 1 when it is new, 0 when seen before. */
int dedup_add(struct dedup *d, const char *system, const char *stmt);

void dedup_release(struct dedup *d);

#endif
