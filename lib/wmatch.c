/*
 * wmatch.c - the Wasserstein reweighting of conjectures (see wmatch.h)
 */
#include "wmatch.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

#define BY 256          /* rows of Y per similarity block */
#define BX 4096         /* rows of X per similarity block */

/* A candidate: similarity and index; "better" is a higher similarity, then a
 * lower index (a total order, so the top-M lists are well defined). */
struct cand {
	float s;
	unsigned x;
};

static int
better(struct cand a, struct cand b)
{
	return a.s > b.s || (a.s == b.s && a.x < b.x);
}

/* Min-heap on "better": the root is the worst of the kept candidates. */
static void
heap_push(struct cand *h, int *n, int M, struct cand c)
{
	int i;

	if (*n == M) {
		if (!better(c, h[0]))
			return;
		/* replace the root, sift down */
		h[0] = c;
		i = 0;
		for (;;) {
			int l = 2 * i + 1, r = l + 1, m = i;
			if (l < *n && better(h[m], h[l]))
				m = l;
			if (r < *n && better(h[m], h[r]))
				m = r;
			if (m == i)
				break;
			{
				struct cand t = h[i];
				h[i] = h[m];
				h[m] = t;
			}
			i = m;
		}
		return;
	}
	i = (*n)++;
	h[i] = c;
	while (i > 0) {
		int p = (i - 1) / 2;
		if (!better(h[p], h[i]))
			break;
		{
			struct cand t = h[i];
			h[i] = h[p];
			h[p] = t;
		}
		i = p;
	}
}

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (better(*x, *y))
		return -1;
	if (better(*y, *x))
		return 1;
	return 0;
}

struct topm {
	const float *X, *Y;
	size_t nx, ny;
	int C, M;
	struct cand *lists;     /* (ny, M), each sorted best first */
	int *len;               /* (ny) */
	size_t next_block;      /* next block of Y rows to do */
	pthread_mutex_t mu;
};

static void *
topm_worker(void *arg)
{
	struct topm *t = arg;
	float *S = xmalloc((size_t)BY * BX * sizeof *S);
	struct cand *heaps = xmalloc((size_t)BY * (size_t)t->M * sizeof *heaps);
	int *hn = xmalloc(BY * sizeof *hn);

	for (;;) {
		size_t y0, ny;
		pthread_mutex_lock(&t->mu);
		y0 = t->next_block;
		t->next_block += BY;
		pthread_mutex_unlock(&t->mu);
		if (y0 >= t->ny)
			break;
		ny = t->ny - y0 < BY ? t->ny - y0 : BY;
		for (size_t i = 0; i < ny; i++)
			hn[i] = 0;
		for (size_t x0 = 0; x0 < t->nx; x0 += BX) {
			size_t nx = t->nx - x0 < BX ? t->nx - x0 : BX;
			/* S (ny, nx) = Y[y0..] X[x0..]^T */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)ny, (int)nx, t->C,
			            1.0f, t->Y + y0 * (size_t)t->C, t->C, t->X + x0 * (size_t)t->C,
			            t->C, 0.0f, S, (int)nx);
			for (size_t i = 0; i < ny; i++) {
				struct cand *h = heaps + i * (size_t)t->M;
				const float *row = S + i * nx;
				float floor_s = hn[i] == t->M ? h[0].s : -2.0f;
				for (size_t j = 0; j < nx; j++) {
					if (row[j] < floor_s)
						continue;
					heap_push(h, &hn[i], t->M,
					          (struct cand){ row[j], (unsigned)(x0 + j) });
					if (hn[i] == t->M)
						floor_s = h[0].s;
				}
			}
		}
		for (size_t i = 0; i < ny; i++) {
			struct cand *dst = t->lists + (y0 + i) * (size_t)t->M;
			memcpy(dst, heaps + i * (size_t)t->M, (size_t)hn[i] * sizeof *dst);
			qsort(dst, (size_t)hn[i], sizeof *dst, cmp_cand);
			t->len[y0 + i] = hn[i];
		}
	}
	free(S);
	free(heaps);
	free(hn);
	return NULL;
}

static float
dot(const float *a, const float *b, int C)
{
	float s = 0;
	for (int i = 0; i < C; i++)
		s += a[i] * b[i];
	return s;
}

/* y's k best unmasked x by a full scan (candidates in out, best first). */
static int
scan_best(const float *X, size_t nx, const float *y, int C, const unsigned char *masked, int k,
          struct cand *out, const float *sims)
{
	int n = 0;

	for (size_t x = 0; x < nx; x++) {
		struct cand c;
		if (masked[x])
			continue;
		c.s = sims ? sims[x] : dot(X + x * (size_t)C, y, C);
		c.x = (unsigned)x;
		heap_push(out, &n, k, c);
	}
	qsort(out, (size_t)n, sizeof *out, cmp_cand);
	return n;
}

static void
give(double *w, unsigned char *masked, unsigned x, double inc, double cap)
{
	w[x] += inc;
	if (w[x] >= cap)
		masked[x] = 1;
}

void
wmatch(const float *X, size_t nx, const float *Y, size_t ny, int C, const int *k,
       const size_t *order, double cap, int nthreads, double *w)
{
	struct topm t;
	unsigned char *masked;
	double sumk = 0, inc;
	int kmax = 1;
	pthread_t *tid;
	struct cand *buf;
	float *sims;

	for (size_t i = 0; i < nx; i++)
		w[i] = 0;
	if (!nx || !ny)
		return;
	for (size_t i = 0; i < ny; i++) {
		int ki = k ? k[i] : 1;
		sumk += ki;
		if (ki > kmax)
			kmax = ki;
	}
	inc = (double)nx / sumk;
	memset(&t, 0, sizeof t);
	t.X = X;
	t.Y = Y;
	t.nx = nx;
	t.ny = ny;
	t.C = C;
	t.M = 4 * kmax + 28;
	if ((size_t)t.M > nx)
		t.M = (int)nx;
	t.lists = xmalloc(ny * (size_t)t.M * sizeof *t.lists);
	t.len = xmalloc(ny * sizeof *t.len);
	pthread_mutex_init(&t.mu, NULL);
	if (nthreads < 1)
		nthreads = 1;
	/* one BLAS thread per call: the blocks are our threads' work (as in
	 * lib/model/model.c; OpenBLAS's own threads on top of ours would
	 * oversubscribe the cores, about 30% slower) */
	openblas_set_num_threads(1);
	tid = xcalloc((size_t)nthreads, sizeof *tid);
	for (int i = 1; i < nthreads; i++)
		if (pthread_create(&tid[i], NULL, topm_worker, &t) != 0)
			die(EX_OSERR, "cannot start a thread:");
	topm_worker(&t);
	for (int i = 1; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&t.mu);
	free(tid);

	masked = xcalloc(nx, 1);
	buf = xmalloc((size_t)kmax * sizeof *buf);
	sims = xmalloc(nx * sizeof *sims);
	for (size_t q = 0; q < ny; q++) {
		size_t y = order[q];
		int ky = k ? k[y] : 1, got = 0;
		const struct cand *l = t.lists + y * (size_t)t.M;
		/* the first ky unmasked of the list are the best unmasked overall,
		 * if the list holds ky unmasked ones */
		for (int i = 0; i < t.len[y] && got < ky; i++)
			if (!masked[l[i].x])
				buf[got++] = l[i];
		if (got < ky) {
			/* the list ran dry: scan everything, with the same kernel */
			cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)nx, C, 1.0f, X, C,
			            Y + y * (size_t)C, 1, 0.0f, sims, 1);
			got = scan_best(X, nx, Y + y * (size_t)C, C, masked, ky, buf, sims);
		}
		for (int i = 0; i < got; i++)
			give(w, masked, buf[i].x, inc, cap);
	}
	free(buf);
	free(sims);
	free(masked);
	free(t.lists);
	free(t.len);
}

void
wmatch_naive(const float *X, size_t nx, const float *Y, size_t ny, int C, const int *k,
             const size_t *order, double cap, double *w)
{
	unsigned char *masked = xcalloc(nx + 1, 1);
	double sumk = 0, inc;
	int kmax = 1;
	struct cand *buf;

	for (size_t i = 0; i < nx; i++)
		w[i] = 0;
	if (!nx || !ny) {
		free(masked);
		return;
	}
	for (size_t i = 0; i < ny; i++) {
		sumk += k ? k[i] : 1;
		if (k && k[i] > kmax)
			kmax = k[i];
	}
	inc = (double)nx / sumk;
	buf = xmalloc((size_t)kmax * sizeof *buf);
	for (size_t q = 0; q < ny; q++) {
		size_t y = order[q];
		int got = scan_best(X, nx, Y + y * (size_t)C, C, masked, k ? k[y] : 1, buf, NULL);
		for (int i = 0; i < got; i++)
			give(w, masked, buf[i].x, inc, cap);
	}
	free(buf);
	free(masked);
}
