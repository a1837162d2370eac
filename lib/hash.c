/*
 * hash.c - xxh3 ids and hashes (see hash.h)
 *
 * hash_fields encodes each field as an 8-byte little-endian length followed by
 * the field's bytes; an absent string (NULL) is the length UINT64_MAX with no
 * bytes, which no real field can have. The encoding is the contract: ids
 * written to disk depend on it, so it must never change.
 */
#include "hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "msg.h"

struct hash_fields {
	XXH3_state_t *st;   /* seed 0, default secret */
};

uint64_t
hash64(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

uint64_t
hash64_str(const char *s)
{
	return hash64(s, strlen(s));
}

uint64_t
hash64_seed(const void *data, size_t len, uint64_t seed)
{
	return XXH3_64bits_withSeed(data, len, seed);
}

struct hash128
hash128(const void *data, size_t len)
{
	XXH128_hash_t h = XXH3_128bits(data, len);

	return (struct hash128){ .lo = h.low64, .hi = h.high64 };
}

/*
 * A new, reset field hasher; the caller frees it with hash_fields_free().
 * Never returns NULL (dies with EX_OSERR when out of memory).
 */
struct hash_fields *
hash_fields_new(void)
{
	struct hash_fields *h = xmalloc(sizeof(*h));

	h->st = XXH3_createState();
	if (!h->st)
		die(EX_OSERR, "out of memory (xxh3 state)");
	hash_fields_reset(h);
	return h;
}

/*
 * Start over with no fields. The 64- and 128-bit XXH3 streaming variants
 * share one state layout, reset and update (xxhash 0.8); the unit tests check
 * both digests against the one-shot functions, so a library that broke this
 * would be caught there.
 */
void
hash_fields_reset(struct hash_fields *h)
{
	XXH3_128bits_reset(h->st);
}

static void
put_len(struct hash_fields *h, uint64_t n)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(n >> (8 * i));
	XXH3_128bits_update(h->st, b, sizeof(b));
}

/* Add one field of len bytes; data may be NULL when len is 0 (an empty field). */
void
hash_fields_add(struct hash_fields *h, const void *data, size_t len)
{
	put_len(h, (uint64_t)len);
	if (len)
		XXH3_128bits_update(h->st, data, len);
}

/* Add a C string, or the "absent" marker when s is NULL. */
void
hash_fields_add_str(struct hash_fields *h, const char *s)
{
	if (!s) {
		put_len(h, UINT64_MAX);
		return;
	}
	hash_fields_add(h, s, strlen(s));
}

/* Digests do not change the state: more fields may be added afterwards. */
uint64_t
hash_fields_64(struct hash_fields *h)
{
	return XXH3_64bits_digest(h->st);
}

struct hash128
hash_fields_128(struct hash_fields *h)
{
	XXH128_hash_t d = XXH3_128bits_digest(h->st);

	return (struct hash128){ .lo = d.low64, .hi = d.high64 };
}

/* Free h and its state; NULL is a no-op. */
void
hash_fields_free(struct hash_fields *h)
{
	if (!h)
		return;
	XXH3_freeState(h->st);
	free(h);
}

static void
hex_u64(uint64_t v, char *out)
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 15; i >= 0; i--) {
		out[i] = digits[v & 15];
		v >>= 4;
	}
}

int
hash64_file(const char *path, uint64_t *h)
{
	FILE *f = fopen(path, "rb");
	char buf[1 << 16];
	size_t k;
	int bad;

	*h = 0;
	if (!f)
		return -1;
	while ((k = fread(buf, 1, sizeof buf, f)) > 0)
		*h = hash64_seed(buf, k, *h);
	bad = ferror(f);
	fclose(f);
	if (bad) {
		errno = EIO;
		return -1;
	}
	return 0;
}

void
hash64_hex(uint64_t h, char out[17])
{
	hex_u64(h, out);
	out[16] = '\0';
}

/* The canonical XXH128 order (as xxhsum prints it): high half first. */
void
hash128_hex(struct hash128 h, char out[33])
{
	hex_u64(h.hi, out);
	hex_u64(h.lo, out + 16);
	out[32] = '\0';
}

/*
 * Whitespace is the C locale's isspace() set: space, \t, \n, \v, \f and \r,
 * so a CRLF text normalises like its LF twin. Never returns NULL.
 */
char *
hash_normalize_ws(const char *s)
{
	size_t n = strlen(s), j = 0;
	char *out = xmalloc(n + 1);
	int pending = 0;

	for (; *s; s++) {
		switch (*s) {
		case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
			pending = j > 0;
			break;
		default:
			if (pending)
				out[j++] = ' ';
			pending = 0;
			out[j++] = *s;
		}
	}
	out[j] = '\0';
	return out;
}

/* ---- struct hset64 */

static size_t
hset64_slot(uint64_t k, size_t cap)
{
	return (size_t)(k * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

int
hset64_add(struct hset64 *h, uint64_t k)
{
	size_t i;

	if (k == 0)
		k = 1;
	if ((h->n + 1) * 2 > h->cap) {
		uint64_t *old = h->v;
		size_t oc = h->cap;
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->v = xcalloc(h->cap, sizeof *h->v);
		h->n = 0;
		for (size_t j = 0; j < oc; j++)
			if (old[j])
				hset64_add(h, old[j]);
		free(old);
	}
	for (i = hset64_slot(k, h->cap); h->v[i]; i = (i + 1) & (h->cap - 1))
		if (h->v[i] == k)
			return 0;
	h->v[i] = k;
	h->n++;
	return 1;
}

int
hset64_has(const struct hset64 *h, uint64_t k)
{
	if (k == 0)
		k = 1;
	if (!h->cap)
		return 0;
	for (size_t i = hset64_slot(k, h->cap); h->v[i]; i = (i + 1) & (h->cap - 1))
		if (h->v[i] == k)
			return 1;
	return 0;
}

/* ---- struct hindex */

static void
hindex_put(struct hindex *x, uint64_t h, size_t i)
{
	size_t k = (size_t)h & (x->nslot - 1);

	while (x->slot[k])
		k = (k + 1) & (x->nslot - 1);
	x->slot[k] = i + 1;
}

void
hindex_add(struct hindex *x, uint64_t h, hindex_rehash_fn rehash, const void *ctx)
{
	if ((x->n + 1) * 2 > x->nslot) {
		free(x->slot);
		x->nslot = x->nslot ? x->nslot * 2 : 1024;
		x->slot = xcalloc(x->nslot, sizeof *x->slot);
		for (size_t i = 0; i < x->n; i++)
			hindex_put(x, rehash(ctx, i), i);
	}
	hindex_put(x, h, x->n++);
}

size_t
hindex_first(const struct hindex *x, uint64_t h, size_t *at)
{
	if (!x->nslot)
		return 0;
	*at = (size_t)h & (x->nslot - 1);
	return x->slot[*at];
}

size_t
hindex_next(const struct hindex *x, size_t *at)
{
	*at = (*at + 1) & (x->nslot - 1);
	return x->slot[*at];
}

void
hindex_free(struct hindex *x)
{
	free(x->slot);
	memset(x, 0, sizeof *x);
}
