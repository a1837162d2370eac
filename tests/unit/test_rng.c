/*
 * test_rng.c - unit tests for lib/rng.c
 *
 * Known answers: every seeded choice of a run (samples, initial weights,
 * shuffles, subsets) comes from these streams, so a change that moved them
 * would change every run's bytes.
 */
#include <stdint.h>

#include "msg.h"
#include "rng.h"
#include "unit.h"

/* xoshiro256** 1.0's reference output for the state {1, 2, 3, 4} */
static void
test_xoshiro_reference(void)
{
	struct rng r = { { 1, 2, 3, 4 } };

	CHECK_UINT_EQ(rng_next(&r), 11520ULL);
	CHECK_UINT_EQ(rng_next(&r), 0ULL);
	CHECK_UINT_EQ(rng_next(&r), 1509978240ULL);
}

static void
test_known_answers(void)
{
	uint64_t w[3] = { 1, 2, 3 };
	struct rng r;

	CHECK_UINT_EQ(rng_seed(w, 3), 0x91bc3bfe9daabdb9ULL);
	CHECK_UINT_EQ(rng_seed(w, 0), 0x5354502d6d6f646cULL);   /* "STP-modl" */
	rng_init(&r, 42);
	CHECK_UINT_EQ(rng_next(&r), 0x15780b2e0c2ec716ULL);
	CHECK_UINT_EQ(rng_next(&r), 0x6104d9866d113a7eULL);
	CHECK_UINT_EQ(rng_next(&r), 0xae17533239e499a1ULL);
	CHECK(rng_float(&r) == 0x1.d9715ap-1f);
	rng_init(&r, 0);
	CHECK_UINT_EQ(r.s[0], 0xe220a8397b1dcdafULL);
	CHECK_UINT_EQ(r.s[1], 0x6e789e6aa1b965f4ULL);
	CHECK_UINT_EQ(r.s[2], 0x06c45d188009454fULL);
	CHECK_UINT_EQ(r.s[3], 0xf88bb8a8724c81ecULL);
}

/* the order of the words matters */
static void
test_seed_order(void)
{
	uint64_t w1[2] = { 1, 2 }, w2[2] = { 2, 1 };

	CHECK(rng_seed(w1, 2) != rng_seed(w2, 2));
}

static void
test_float_range(void)
{
	struct rng r;
	int bad = 0;

	rng_init(&r, 0);
	for (int i = 0; i < 100000; i++) {
		float f = rng_float(&r);
		bad += !(f >= 0.0f && f < 1.0f);
	}
	CHECK_INT_EQ(bad, 0);
}

/* rng_permutation: every index once, the same order for the same seed, and
 * each of 3! orders drawn about equally often */
static void
test_permutation(void)
{
	struct rng r, r2;
	size_t v[50], w[50], seen[50] = { 0 }, a[3];
	int counts[6] = { 0 };

	rng_init(&r, 7);
	rng_init(&r2, 7);
	rng_permutation(&r, v, 50);
	rng_permutation(&r2, w, 50);
	for (int i = 0; i < 50; i++) {
		CHECK(v[i] < 50);
		seen[v[i]]++;
		CHECK(v[i] == w[i]);
	}
	for (int i = 0; i < 50; i++)
		CHECK_INT_EQ((int)seen[i], 1);
	rng_permutation(&r, v, 0);   /* nothing to do */
	for (int t = 0; t < 60000; t++) {
		rng_permutation(&r, a, 3);
		counts[a[0] * 2 + (a[1] > a[2])]++;
	}
	for (int i = 0; i < 6; i++)
		CHECK(counts[i] > 9500 && counts[i] < 10500);
}

/* rng_ranked_by_draw / _by_order: items of a larger struct sort by their
 * draw (ties by place), and a prefix goes back to input order */
struct item {
	struct rng_ranked r;
	int payload;
};

static void
test_ranked_subset(void)
{
	struct item v[5] = {
		{ { 30, 0 }, 100 }, { { 10, 1 }, 101 }, { { 30, 2 }, 102 },
		{ { 5, 3 }, 103 }, { { 20, 4 }, 104 },
	};
	int by_draw[5] = { 103, 101, 104, 100, 102 };
	int kept[3] = { 101, 103, 104 };

	rng_ranked_by_draw(v, 5, sizeof *v);
	for (int i = 0; i < 5; i++)
		CHECK_INT_EQ(v[i].payload, by_draw[i]);
	rng_ranked_by_order(v, 3, sizeof *v);   /* the three least draws */
	for (int i = 0; i < 3; i++)
		CHECK_INT_EQ(v[i].payload, kept[i]);
	rng_ranked_by_draw(NULL, 0, sizeof *v);   /* nothing to sort */
	rng_ranked_by_order(NULL, 0, sizeof *v);
}

int
main(int argc, char **argv)
{
	msg_init(argv[0]);
	RUN(test_xoshiro_reference);
	RUN(test_known_answers);
	RUN(test_seed_order);
	RUN(test_float_range);
	RUN(test_permutation);
	RUN(test_ranked_subset);
	return unit_done();
}
