/*
 * test_wmatch.c - unit tests for lib/wmatch.c: the Wasserstein reweighting
 *
 * Hand-computed cases in the plane (the cap, matching weights k > 1, both),
 * then wmatch() against wmatch_naive() on random unit vectors: vectors of
 * +-1/sqrt(C) (C a power of 4), whose dot products are exact in float, so
 * that the two must agree to the bit, ties included; Gaussian directions;
 * and shapes that drain the top-M lists and force the full-scan fallback.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "unit.h"
#include "wmatch.h"

/* Unit vectors of the plane at the given angles (degrees). */
static float *
plane(const double *deg, size_t n)
{
	float *v = xmalloc(n * 2 * sizeof *v);

	for (size_t i = 0; i < n; i++) {
		v[2 * i] = (float)cos(deg[i] * M_PI / 180);
		v[2 * i + 1] = (float)sin(deg[i] * M_PI / 180);
	}
	return v;
}

static size_t *
identity(size_t n)
{
	size_t *o = xmalloc((n + 1) * sizeof *o);

	for (size_t i = 0; i < n; i++)
		o[i] = i;
	return o;
}

/* Both implementations, on 1 and 2 threads, give want[0..nx). */
static int
check_both(const float *X, size_t nx, const float *Y, size_t ny, int C, const int *k,
           const size_t *order, double cap, const double *want)
{
	double *w = xmalloc((nx + 1) * sizeof *w);
	int ok = 1;

	wmatch_naive(X, nx, Y, ny, C, k, order, cap, w);
	for (size_t i = 0; i < nx; i++)
		if (!CHECK(w[i] == want[i]))
			printf("# naive: w[%zu] = %.17g, want %.17g\n", i, w[i], want[i]), ok = 0;
	for (int t = 1; t <= 2; t++) {
		wmatch(X, nx, Y, ny, C, k, order, cap, t, w);
		for (size_t i = 0; i < nx; i++)
			if (!CHECK(w[i] == want[i]))
				printf("# wmatch -j %d: w[%zu] = %.17g, want %.17g\n", t, i, w[i],
				       want[i]), ok = 0;
	}
	free(w);
	return ok;
}

/* The cap: x0 is every y's nearest; each y gives |X| / |Y| = 6/4 = 1.5; after
 * three gifts x0 holds 4.5 >= 4 and is masked, so the fourth y goes to its
 * second choice, x1. */
static void
test_cap(void)
{
	static const double xd[] = { 0, 30, 60, 120, 180, 270 }, yd[] = { 5, 5, 5, 5 };
	static const double want[] = { 4.5, 1.5, 0, 0, 0, 0 };
	float *X = plane(xd, 6), *Y = plane(yd, 4);
	size_t *o = identity(4);

	check_both(X, 6, Y, 4, 2, NULL, o, 4, want);
	free(X);
	free(Y);
	free(o);
}

/* Matching weights: k = (2, 1, 3), sum 6, so each y gives |X| / 6 = 1 to each
 * of its k nearest: y0 (5 deg) to x0 and x1; y1 (175) to x4; y2 (265) to x5
 * (5 deg away), x4 (85) and x0 (95). */
static void
test_matching_weights(void)
{
	static const double xd[] = { 0, 30, 60, 120, 180, 270 }, yd[] = { 5, 175, 265 };
	static const int k[] = { 2, 1, 3 };
	static const double want[] = { 2, 1, 0, 0, 2, 1 };
	float *X = plane(xd, 6), *Y = plane(yd, 3);
	size_t *o = identity(3);

	check_both(X, 6, Y, 3, 2, k, o, 4, want);
	free(X);
	free(Y);
	free(o);
}

/* Both: cap 1, k = (1, 2), sum 3, |X| = 4, so a gift is 4/3. y0 masks x0
 * (4/3 >= 1); y1, at the same place, gives to its two nearest unmasked:
 * x1 and x2, not x0. */
static void
test_cap_and_weights(void)
{
	static const double xd[] = { 0, 40, 90, 200 }, yd[] = { 10, 10 };
	static const int k[] = { 1, 2 };
	const double g = 4.0 / 3.0;
	const double want[] = { g, g, g, 0 };
	float *X = plane(xd, 4), *Y = plane(yd, 2);
	size_t *o = identity(2);

	check_both(X, 4, Y, 2, 2, k, o, 1, want);
	free(X);
	free(Y);
	free(o);
}

/* The visiting order is the caller's: whoever comes second after x0 is
 * masked (cap 1, a gift of 3/2) goes to its own second choice: y0 (2 deg)
 * to x1 (30), y1 (340) to x2 (300). */
static void
test_order(void)
{
	static const double xd[] = { 0, 30, 300 }, yd[] = { 2, 340 };
	static const double want_fwd[] = { 1.5, 0, 1.5 }, want_rev[] = { 1.5, 1.5, 0 };
	static const size_t rev[] = { 1, 0 };
	float *X = plane(xd, 3), *Y = plane(yd, 2);
	size_t *o = identity(2);

	check_both(X, 3, Y, 2, 2, NULL, o, 1, want_fwd);
	check_both(X, 3, Y, 2, 2, NULL, rev, 1, want_rev);
	free(X);
	free(Y);
	free(o);
}

/* Nothing to match: all zero. */
static void
test_empty(void)
{
	static const double xd[] = { 0, 90 };
	static const double zero[] = { 0, 0 };
	float *X = plane(xd, 2);
	size_t o[1] = { 0 };

	check_both(X, 2, X, 0, 2, NULL, o, 4, zero);
	wmatch(X, 0, X, 2, 2, NULL, o, 4, 2, NULL);     /* no x: nothing written */
	wmatch_naive(X, 0, X, 2, 2, NULL, o, 4, NULL);
	free(X);
}

/* ---- random cases */

static uint64_t rs = 0x243f6a8885a308d3ULL;

static uint64_t
rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

/* Rows of +-1/sqrt(C): unit vectors whose dot products are exact. */
static float *
signs(size_t n, int C)
{
	float *v = xmalloc(n * (size_t)C * sizeof *v), a = (float)(1 / sqrt((double)C));

	for (size_t i = 0; i < n * (size_t)C; i++)
		v[i] = rnd() & 1 ? a : -a;
	return v;
}

/* Gaussian directions, normalised. */
static float *
gauss(size_t n, int C)
{
	float *v = xmalloc(n * (size_t)C * sizeof *v);

	for (size_t i = 0; i < n; i++) {
		double s = 0;
		for (int j = 0; j < C; j++) {
			double u1 = ((double)(rnd() >> 11) + 1) * 0x1.0p-53;
			double u2 = (double)(rnd() >> 11) * 0x1.0p-53;
			double g = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
			v[i * (size_t)C + (size_t)j] = (float)g;
			s += g * g;
		}
		for (int j = 0; j < C; j++)
			v[i * (size_t)C + (size_t)j] = (float)(v[i * (size_t)C + (size_t)j] / sqrt(s));
	}
	return v;
}

static size_t *
shuffled(size_t n)
{
	size_t *o = identity(n);

	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(rnd() % i), t = o[i - 1];
		o[i - 1] = o[j];
		o[j] = t;
	}
	return o;
}

/* wmatch == wmatch_naive on one random case; also checks the invariants: each
 * y gives k_y gifts of |X|/sum(k) while k_y unmasked x remain, so the
 * weights sum to |X| unless too few were left, and no weight passes cap + k
 * gifts. */
static int
one_case(float *(*gen)(size_t, int), size_t nx, size_t ny, int C, int kmax, double cap)
{
	float *X = gen(nx, C), *Y = gen(ny, C);
	int *k = NULL;
	size_t *o = shuffled(ny);
	double *wn = xmalloc(nx * sizeof *wn), *w = xmalloc(nx * sizeof *w), sum = 0, sumk = 0;
	int ok = 1, capped = 0;

	if (kmax > 1) {
		k = xmalloc(ny * sizeof *k);
		for (size_t i = 0; i < ny; i++)
			k[i] = 1 + (int)(rnd() % (uint64_t)kmax);
	}
	for (size_t i = 0; i < ny; i++)
		sumk += k ? k[i] : 1;
	wmatch_naive(X, nx, Y, ny, C, k, o, cap, wn);
	for (int t = 1; t <= 2; t++) {
		wmatch(X, nx, Y, ny, C, k, o, cap, t, w);
		for (size_t i = 0; i < nx && ok; i++)
			if (!CHECK(w[i] == wn[i])) {
				printf("# nx %zu ny %zu C %d kmax %d cap %g -j %d: w[%zu] = %.17g, "
				       "naive %.17g\n", nx, ny, C, kmax, cap, t, i, w[i], wn[i]);
				ok = 0;
			}
	}
	for (size_t i = 0; i < nx; i++) {
		sum += wn[i];
		capped += wn[i] >= cap;
		ok &= CHECK(wn[i] < cap + (double)nx / sumk * (k ? kmax : 1) + 1e-9);
	}
	/* every y found its k unmasked x when k of them are left at the end */
	ok &= CHECK(sum < (double)nx * (1 + 1e-9));
	if (nx - (size_t)capped >= (size_t)(k ? kmax : 1))
		ok &= CHECK(fabs(sum - (double)nx) < 1e-6 * (double)nx);
	free(X);
	free(Y);
	free(k);
	free(o);
	free(w);
	free(wn);
	return ok;
}

/* Exact dot products: ties everywhere (C = 16 gives 17 values), broken the
 * same way (the lower index) by both. */
static void
test_random_exact(void)
{
	static const struct { size_t nx, ny; int C, kmax; double cap; } c[] = {
		{ 1, 1, 4, 1, 4 },      { 7, 3, 4, 1, 4 },     { 50, 200, 16, 1, 4 },
		{ 300, 100, 16, 3, 4 }, { 300, 900, 64, 1, 4 }, { 1000, 1000, 16, 2, 4 },
		{ 5000, 300, 64, 1, 4 }, { 64, 3000, 16, 4, 1 },
	};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		if (!one_case(signs, c[i].nx, c[i].ny, c[i].C, c[i].kmax, c[i].cap))
			return;
}

static void
test_random_gauss(void)
{
	static const struct { size_t nx, ny; int C, kmax; double cap; } c[] = {
		{ 200, 300, 32, 1, 4 }, { 500, 200, 256, 2, 4 }, { 40, 400, 8, 1, 2 },
	};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		if (!one_case(gauss, c[i].nx, c[i].ny, c[i].C, c[i].kmax, c[i].cap))
			return;
}

/* More y than the x can take: the top-M lists (M = 4 kmax + 28) run dry and
 * the full scan takes over; in the end every x is masked and later y give
 * nothing. */
static void
test_lists_run_dry(void)
{
	one_case(signs, 100, 2000, 16, 1, 0.5);
	one_case(gauss, 100, 2000, 16, 3, 0.5);
	one_case(signs, 33, 500, 4, 2, 4);
}

int
main(void)
{
	RUN(test_cap);
	RUN(test_matching_weights);
	RUN(test_cap_and_weights);
	RUN(test_order);
	RUN(test_empty);
	RUN(test_random_exact);
	RUN(test_random_gauss);
	RUN(test_lists_run_dry);
	return unit_done();
}
