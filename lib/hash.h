/*
 * hash.h - xxh3 ids and hashes (libxxhash)
 *
 * Ids and keys that name content are XXH3 hashes; where several fields are
 * hashed together each is preceded by its length, so ("ab","c") and ("a","bc")
 * differ.
 */
#ifndef STP_HASH_H
#define STP_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash128 {
	uint64_t lo, hi;
};

uint64_t hash64(const void *data, size_t len);                 /* XXH3_64bits, seed 0 */
uint64_t hash64_seed(const void *data, size_t len, uint64_t seed);
uint64_t hash64_str(const char *s);                            /* hash64 of its bytes */
struct hash128 hash128(const void *data, size_t len);          /* XXH3_128bits */

/* Streaming hash of several fields, each length-prefixed. */
struct hash_fields;  /* opaque; holds an XXH3 state */
struct hash_fields *hash_fields_new(void);
void hash_fields_reset(struct hash_fields *h);
void hash_fields_add(struct hash_fields *h, const void *data, size_t len);
void hash_fields_add_str(struct hash_fields *h, const char *s);  /* NULL adds a distinct "absent" marker */
uint64_t hash_fields_64(struct hash_fields *h);
struct hash128 hash_fields_128(struct hash_fields *h);
void hash_fields_free(struct hash_fields *h);

/* The id of a file's content, as the "model" field of an attempt names a
 * checkpoint: hash64_seed chained over its 64 KiB blocks (each block's hash
 * the next one's seed, from 0). 0, or -1 with errno when it cannot be read. */
int hash64_file(const char *path, uint64_t *h);

/* Lowercase hex, zero padded: 16 digits (+NUL) and 32 digits (+NUL). */
void hash64_hex(uint64_t h, char out[17]);
void hash128_hex(struct hash128 h, char out[33]);

/*
 * Whitespace-normalised copy of s: runs of spaces, tabs and newlines become one
 * space, leading and trailing whitespace dropped. Caller frees.
 */
char *hash_normalize_ws(const char *s);

/*
 * A set of 64-bit keys (open addressing; 0 is stored as 1, so keys 0 and 1
 * are one). Start from { NULL, 0, 0 }; free v when done.
 */
struct hset64 {
	uint64_t *v;
	size_t cap, n;
};

/* Add k; 1 when it was new, 0 when already there. */
int hset64_add(struct hset64 *h, uint64_t k);
/* Is k there? */
int hset64_has(const struct hset64 *h, uint64_t k);

/*
 * An index of the items 0, 1, 2, ... of a caller's array by a 64-bit hash of
 * their key (open addressing, at most half full). The index holds positions
 * only; the caller compares keys. Start from { NULL, 0, 0 }:
 *
 *	hindex_add(&x, hash(key), rehash, items);     (item x.n, the next one)
 *	for (i = hindex_first(&x, hash(key), &at); i; i = hindex_next(&x, &at))
 *		if (equal(items[i - 1], key)) ...      (i is the index + 1)
 */
struct hindex {
	size_t *slot;          /* index + 1; 0: empty */
	size_t nslot, n;
};

/* Item i's hash, for the rebuild when the index grows. */
typedef uint64_t (*hindex_rehash_fn)(const void *ctx, size_t i);

/* Add the next item (x->n) with hash h. */
void hindex_add(struct hindex *x, uint64_t h, hindex_rehash_fn rehash, const void *ctx);
/* The first candidate for hash h (index + 1), or 0; *at keeps the probe. */
size_t hindex_first(const struct hindex *x, uint64_t h, size_t *at);
/* The next candidate, or 0. */
size_t hindex_next(const struct hindex *x, size_t *at);
void hindex_free(struct hindex *x);

#endif
