/*
 * rng.c - the random streams (see rng.h)
 */
#include <stdlib.h>

#include "rng.h"

/* splitmix64: the state advances by the golden gamma and is mixed out. */
static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
rng_seed(const uint64_t *words, int n)
{
	uint64_t h = 0x5354502d6d6f646cULL, x;      /* "STP-modl" */
	int i;

	for (i = 0; i < n; i++) {
		x = h ^ words[i];
		h = splitmix64(&x);
	}
	return h;
}

void
rng_init(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1;
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 */
uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

float
rng_float(struct rng *r)
{
	return (float)(rng_next(r) >> 40) * 0x1.0p-24f;
}

void
rng_permutation(struct rng *r, size_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(rng_next(r) % i), t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

static int
cmp_draw(const void *a, const void *b)
{
	const struct rng_ranked *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
cmp_order(const void *a, const void *b)
{
	const struct rng_ranked *x = a, *y = b;
	return x->order < y->order ? -1 : x->order > y->order;
}

void
rng_ranked_by_draw(void *base, size_t n, size_t size)
{
	if (n)
		qsort(base, n, size, cmp_draw);
}

void
rng_ranked_by_order(void *base, size_t n, size_t size)
{
	if (n)
		qsort(base, n, size, cmp_order);
}
