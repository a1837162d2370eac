/*
 * wmatch.h - the Wasserstein reweighting of conjectures (docs/algorithm.md, 5. Rewards)
 *
 * Weights w over the selected conjectures X that bring the weighted set
 * close, in Wasserstein distance with cost -cos(emb(x), emb(y)), to the
 * uniform distribution over the unproved dataset statements Y. STP's greedy
 * approximation: visit Y in a shuffled order; each y (with matching weight
 * k_y, default 1) gives +|X| / sum(k) to each of its k_y most similar
 * unmasked x; an x is masked once its weight reaches the cap (4).
 *
 * Embeddings are L2-normalised rows of C floats, so the similarity is a dot
 * product. Every y's most similar candidates are found once, in blocks, with
 * CBLAS sgemm (a top-M list per y); the greedy pass takes from that list and
 * falls back to a full scan of X only when all of a y's candidates are
 * masked. The result equals the plain greedy algorithm's (up to ties in
 * float similarity, broken by the lower index) and depends on nothing but
 * the inputs (the blocking is fixed by the shapes, not the thread count).
 */
#ifndef STP_WMATCH_H
#define STP_WMATCH_H

#include <stddef.h>

/*
 * X: (nx, C), Y: (ny, C); k: (ny) matching weights >= 1 (NULL: all 1);
 * order: (ny) the visiting order of Y, a permutation of 0..ny-1; cap: the
 * weight at which an x is masked. Writes w[nx]. nthreads: threads for the
 * similarity blocks (the result does not depend on it).
 */
void wmatch(const float *X, size_t nx, const float *Y, size_t ny, int C, const int *k,
            const size_t *order, double cap, int nthreads, double *w);

/* The same, by the definition: every y scans all of X. For tests. */
void wmatch_naive(const float *X, size_t nx, const float *Y, size_t ny, int C, const int *k,
                  const size_t *order, double cap, double *w);

#endif
