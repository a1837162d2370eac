/*
 * internal.h - private helpers shared by the kernel's files (lib/mm/ only)
 */
#ifndef STP_MM_INTERNAL_H
#define STP_MM_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm.h"

/* The kernel reports out-of-memory by aborting: it cannot continue, and a
 * library without the tools' message helpers has no better channel. */
void *mm_alloc(size_t n);
void *mm_realloc(void *p, size_t n);
/* Grow an array *p of *cap elements of size sz to hold need elements. */
void mm_grow(void *pp, size_t *cap, size_t need, size_t sz);

/* Open-addressing string table: name -> int32 value. One slot holds all a
 * probe needs, so a lookup costs one cache miss. */
struct mm_slot {
	const char *key;       /* NULL: empty */
	uint64_t head;         /* the key's first 8 bytes (zero padded) */
	uint32_t len;
	int32_t val;
};

struct mm_strtab {
	struct mm_slot *slots;
	uint32_t cap;          /* power of two */
	uint32_t n;
};

/* The first min(n, 8) bytes of s as a little word, zero padded. */
static inline uint64_t
mm_load8(const char *s, size_t n)
{
	uint64_t v = 0;

	if (n >= 8) {
		memcpy(&v, s, 8);
		return v;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return v;
}

/* Tokens are short: mix them eight bytes at a time (a multiply-xorshift in
 * the style of splitmix; not cryptographic, just well spread). */
static inline uint64_t
mm_strhash(const char *s, size_t n)
{
	uint64_t h = mm_load8(s, n) ^ ((uint64_t)n << 56);

	for (size_t i = 8; i < n; i += 8) {
		h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
		h ^= mm_load8(s + i, n - i);
	}
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}
void mm_strtab_init(struct mm_strtab *t, uint32_t cap);
void mm_strtab_free(struct mm_strtab *t);
/* Value of key, or -1. */
int32_t mm_strtab_get(const struct mm_strtab *t, const char *s, size_t n);
/* Insert key (the pointer is kept: it must outlive the table). */
void mm_strtab_put(struct mm_strtab *t, const char *s, size_t n, int32_t v);

struct mm_index {
	struct mm_strtab labels;  /* label -> statement */
	struct mm_strtab syms;    /* math symbol -> symbol */
	char *strings;            /* NUL-terminated names, in blocks */
	size_t nstrings, capstrings;
	char **blocks;            /* earlier string blocks */
	size_t nblocks;
	uint32_t *stmt_pos;       /* (nstmts) byte offset of each label in its file */
};

/* Byte offset -> 1-based line of a file of the database. */
int mm_line_of(const struct mm_db *db, int file, uint32_t pos);

/* snprintf into res->msg, ok = 0. */
void mm_fail(struct mm_result *res, int32_t step, int32_t label, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Is pair p in the sorted array dv[0..n-1]? */
static inline int
mm_dv_has(const uint64_t *dv, uint32_t n, uint64_t p)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (dv[mid] < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && dv[lo] == p;
}

#endif
