/*
 * rng.h - the random streams: seeded, the same on every machine
 *
 * splitmix64 (Steele, Lea, Flood 2014) expands a 64-bit seed; xoshiro256**
 * 1.0 (Blackman, Vigna 2018) draws. Every random choice of stp (sampling,
 * weight initialisation, shuffles, seeded subsets) comes from here, so that
 * a seed means the same in every tool and a change of these functions
 * changes every run's bytes: tests/unit/test_rng.c holds known answers.
 */
#ifndef STP_RNG_H
#define STP_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng { uint64_t s[4]; };

/* Mix a list of 64-bit words into one seed (for (seed, statement hash, sample
 * index) and the like): h = splitmix64(h ^ word) over the words, starting
 * from a fixed constant ("STP-modl"). */
uint64_t rng_seed(const uint64_t *words, int n);

/* The stream of seed: its state is four splitmix64 outputs (never all zero). */
void rng_init(struct rng *r, uint64_t seed);

/* The next 64-bit draw (xoshiro256**). */
uint64_t rng_next(struct rng *r);

/* A float in [0, 1): the top 24 bits of a draw times 2^-24. */
float rng_float(struct rng *r);

/* v = 0 .. n-1 in a uniformly random order (Fisher-Yates, from the end). */
void rng_permutation(struct rng *r, size_t *v, size_t n);

/*
 * A seeded random subset kept in input order (the cut of conjectures to M,
 * the replayed examples under their share): each item carries its draw
 * (rank, e.g. rng_seed of the run's seed and the item's id) and its place in
 * the input (order). Sort by draw, take a prefix, sort the prefix back to
 * input order. The items are elements of size bytes whose first member is a
 * struct rng_ranked; n may be 0 (base NULL).
 */
struct rng_ranked {
	uint64_t rank;
	size_t order;
};

/* By draw, ties by place. */
void rng_ranked_by_draw(void *base, size_t n, size_t size);

/* Back to input order. */
void rng_ranked_by_order(void *base, size_t n, size_t size);

#endif
