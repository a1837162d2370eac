/*
 * test_hash.c - unit tests for lib/hash.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "hash.h"
#include "msg.h"
#include "unit.h"

/* Known answers from xxhash's own test vectors: a library change that moved
 * them would silently re-split the dataset and rename every conjecture. */
static void
test_known_answers(void)
{
	struct hash128 h = hash128("", 0);
	char hex[33];

	CHECK_UINT_EQ(hash64("", 0), 0x2D06800538D394C2ULL);
	CHECK_UINT_EQ(h.hi, 0x99AA06D3014798D8ULL);
	CHECK_UINT_EQ(h.lo, 0x6001C324468D497FULL);
	hash128_hex(h, hex);
	CHECK_STR_EQ(hex, "99aa06d3014798d86001c324468d497f");
}

static void
test_matches_library(void)
{
	const char *s = "|- ( ph -> ph )";
	XXH128_hash_t x = XXH3_128bits(s, strlen(s));
	struct hash128 h = hash128(s, strlen(s));

	CHECK_UINT_EQ(hash64(s, strlen(s)), XXH3_64bits(s, strlen(s)));
	CHECK_UINT_EQ(h.lo, x.low64);
	CHECK_UINT_EQ(h.hi, x.high64);
	CHECK_UINT_EQ(hash64_seed(s, strlen(s), 0), hash64(s, strlen(s)));
	CHECK_UINT_EQ(hash64_seed(s, strlen(s), 7), XXH3_64bits_withSeed(s, strlen(s), 7));
	CHECK(hash64_seed(s, strlen(s), 7) != hash64(s, strlen(s)));
}

static void
test_hex(void)
{
	char h16[17], h32[33];

	memset(h16, 'x', sizeof(h16));
	hash64_hex(0, h16);
	CHECK_STR_EQ(h16, "0000000000000000");
	hash64_hex(0xabcULL, h16);
	CHECK_STR_EQ(h16, "0000000000000abc");
	hash64_hex(UINT64_MAX, h16);
	CHECK_STR_EQ(h16, "ffffffffffffffff");
	hash128_hex((struct hash128){ .lo = 1, .hi = 0x10 }, h32);
	CHECK_STR_EQ(h32, "00000000000000100000000000000001");
}

/* The encoding hash_fields promises: u64 little-endian length, then the bytes. */
static size_t
encode(unsigned char *out, const char *s)
{
	uint64_t n = s ? strlen(s) : UINT64_MAX;
	size_t i;

	for (i = 0; i < 8; i++)
		out[i] = (unsigned char)(n >> (8 * i));
	if (s)
		memcpy(out + 8, s, strlen(s));
	return 8 + (s ? strlen(s) : 0);
}

static void
test_fields_encoding(void)
{
	struct hash_fields *h = hash_fields_new();
	unsigned char buf[256];
	size_t n = 0;
	XXH128_hash_t x;
	struct hash128 got;

	n += encode(buf + n, "metamath");
	n += encode(buf + n, NULL);
	n += encode(buf + n, "");
	n += encode(buf + n, "|- ph");
	hash_fields_add_str(h, "metamath");
	hash_fields_add_str(h, NULL);
	hash_fields_add(h, NULL, 0);
	hash_fields_add(h, "|- ph", 5);
	CHECK_UINT_EQ(hash_fields_64(h), XXH3_64bits(buf, n));
	x = XXH3_128bits(buf, n);
	got = hash_fields_128(h);
	CHECK_UINT_EQ(got.lo, x.low64);
	CHECK_UINT_EQ(got.hi, x.high64);
	/* Digests leave the state alone. */
	CHECK_UINT_EQ(hash_fields_64(h), XXH3_64bits(buf, n));
	hash_fields_free(h);
}

static uint64_t
fields2(const char *a, const char *b)
{
	struct hash_fields *h = hash_fields_new();
	uint64_t v;

	hash_fields_add_str(h, a);
	hash_fields_add_str(h, b);
	v = hash_fields_64(h);
	hash_fields_free(h);
	return v;
}

static void
test_fields_distinct(void)
{
	CHECK(fields2("ab", "c") != fields2("a", "bc"));
	CHECK(fields2("abc", "") != fields2("", "abc"));
	CHECK(fields2(NULL, "") != fields2("", NULL));
	CHECK(fields2(NULL, "") != fields2("", ""));
	CHECK(fields2(NULL, NULL) != fields2("", ""));
	CHECK(fields2("a", "b") != fields2("b", "a"));
	CHECK_UINT_EQ(fields2("a", "b"), fields2("a", "b"));
}

static void
test_fields_reset(void)
{
	struct hash_fields *h = hash_fields_new();
	uint64_t first, empty;

	empty = hash_fields_64(h);
	hash_fields_add_str(h, "x");
	first = hash_fields_64(h);
	hash_fields_add_str(h, "y");
	CHECK(hash_fields_64(h) != first);
	hash_fields_reset(h);
	CHECK_UINT_EQ(hash_fields_64(h), empty);
	CHECK_UINT_EQ(empty, hash64("", 0));
	hash_fields_add_str(h, "x");
	CHECK_UINT_EQ(hash_fields_64(h), first);
	hash_fields_free(h);
	hash_fields_free(NULL);
}

/* A field longer than XXH3's internal buffer streams like a one-shot hash. */
static void
test_fields_long(void)
{
	size_t n = 1 << 20;
	unsigned char *buf = malloc(n + 8);
	struct hash_fields *h = hash_fields_new();
	size_t i;

	for (i = 0; i < n; i++)
		buf[8 + i] = (unsigned char)(i * 131 + 7);
	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)((uint64_t)n >> (8 * i));
	hash_fields_add(h, buf + 8, n);
	CHECK_UINT_EQ(hash_fields_64(h), XXH3_64bits(buf, n + 8));
	hash_fields_free(h);
	free(buf);
}

static void
check_norm(const char *in, const char *want)
{
	char *got = hash_normalize_ws(in);

	CHECK_STR_EQ(got, want);
	free(got);
}

static void
test_normalize_ws(void)
{
	check_norm("", "");
	check_norm("   \t\n ", "");
	check_norm("a", "a");
	check_norm("|- ( ph -> ph )", "|- ( ph -> ph )");
	check_norm("  |-  (\tph\n->\n\nph )  ", "|- ( ph -> ph )");
	check_norm("a\r\nb\r\n", "a b");
	check_norm("x\v\fy", "x y");
	check_norm("\xce\xbb x  \xe2\x86\x92 y", "\xce\xbb x \xe2\x86\x92 y");
}

/* struct hset64: adds, finds, grows; 0 and 1 are one key */
static void
test_hset64(void)
{
	struct hset64 h = { NULL, 0, 0 };
	int fresh = 1;

	CHECK(!hset64_has(&h, 42));
	for (uint64_t k = 2; k < 5000; k++)
		fresh &= hset64_add(&h, k * 0x9e3779b97f4a7c15ull);
	CHECK(fresh);
	CHECK_UINT_EQ(h.n, 4998);
	for (uint64_t k = 2; k < 5000; k++)
		if (!CHECK(hset64_has(&h, k * 0x9e3779b97f4a7c15ull)))
			break;
	CHECK(!hset64_add(&h, 77 * 0x9e3779b97f4a7c15ull));
	CHECK(!hset64_has(&h, 1));
	CHECK(hset64_add(&h, 0));
	CHECK(hset64_has(&h, 1));
	CHECK(!hset64_add(&h, 1));
	free(h.v);
}

/* Items whose hash is their value mod 8: many collisions, forcing probes
 * and rebuilds past the first 1,024 slots. */
static uint64_t
weak_hash(const void *ctx, size_t i)
{
	return ((const uint64_t *)ctx)[i] % 8;
}

static size_t
hindex_lookup(const struct hindex *x, const uint64_t *items, uint64_t key)
{
	size_t at;

	for (size_t i = hindex_first(x, key % 8, &at); i; i = hindex_next(x, &at))
		if (items[i - 1] == key)
			return i;
	return 0;
}

static void
test_hindex(void)
{
	struct hindex x = { NULL, 0, 0 };
	uint64_t items[3000];
	size_t at;

	CHECK_UINT_EQ(hindex_first(&x, 5, &at), 0);
	for (size_t i = 0; i < 3000; i++) {
		items[i] = 7 * i + 3;
		hindex_add(&x, weak_hash(items, i), weak_hash, items);
	}
	CHECK_UINT_EQ(x.n, 3000);
	CHECK(x.nslot >= 6000);
	for (size_t i = 0; i < 3000; i++)
		CHECK_UINT_EQ(hindex_lookup(&x, items, items[i]), i + 1);
	CHECK_UINT_EQ(hindex_lookup(&x, items, 1), 0);
	CHECK_UINT_EQ(hindex_lookup(&x, items, 7 * 3000 + 3), 0);
	hindex_free(&x);
	CHECK(x.slot == NULL && x.n == 0);
}

int
main(int argc, char **argv)
{
	msg_init(argv[0]);
	RUN(test_known_answers);
	RUN(test_matches_library);
	RUN(test_hex);
	RUN(test_fields_encoding);
	RUN(test_fields_distinct);
	RUN(test_fields_reset);
	RUN(test_fields_long);
	RUN(test_normalize_ws);
	RUN(test_hset64);
	RUN(test_hindex);
	return unit_done();
}
