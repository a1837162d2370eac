/*
 * vcache.h - the verdict cache: a proof attempt verified once is never
 * verified again, across runs
 *
 * Keyed by a 128-bit xxh3 of everything a verdict depends on (the caller
 * builds it: verifier version, database, system, context, hypotheses, $d
 * pairs, statement, format, proof). The value is the JSON object of the
 * fields the verifier adds ({"ok":...,"lemmas":...,...}), kept as text.
 *
 * The file is JSONL, one {"key":"<32 hex>","v":{...}} per line. It is read
 * whole at open; new entries are kept in memory and vcache_save() writes the
 * old and the new entries to a temporary file and renames it into place, so
 * an interrupted run leaves the previous cache intact. Lookups and insertions
 * are thread-safe.
 */
#ifndef STP_VCACHE_H
#define STP_VCACHE_H

#include <stddef.h>

#include "hash.h"

struct vcache;

/* Open (a missing file is an empty cache). A malformed line dies with 65
 * naming FILE:LINE; an unreadable file dies with 66. */
struct vcache *vcache_open(const char *path);
/* The stored value text for key (a malloc'd copy the caller frees), or NULL. */
char *vcache_get(struct vcache *c, struct hash128 key);
/* Store value (JSON object text, copied) under key; a key already present is kept. */
void vcache_put(struct vcache *c, struct hash128 key, const char *value, size_t len);
/* Entries read, entries added. */
size_t vcache_size(const struct vcache *c);
size_t vcache_added(const struct vcache *c);
/* Write the cache if anything was added (atomically); dies with 74 on error. */
void vcache_save(struct vcache *c);
void vcache_free(struct vcache *c);

#endif
