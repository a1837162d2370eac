/*
 * kernels.c - the model's kernels: each fast one (CBLAS, threads, SIMD)
 * beside its plain reference (naive loops, double accumulators)
 *
 * Determinism rules every fast kernel keeps (see model.c):
 *   - its tasks are cut by the shape of the problem only; the thread count
 *     decides who runs a task, never what a task computes;
 *   - a task owns its output elements: no two tasks write the same float, and
 *     a reduction is never split between tasks;
 *   - sums run in an order fixed by the shape.
 * OpenBLAS is told to use one thread per call (model_new), so an sgemm call's
 * result depends on its arguments only.
 *
 * NEEDSWORK: AVX-512 is not used (its 32 registers would allow larger
 * decode tiles); the per-element results would not change.
 *
 * SIMD: AVX2+FMA through function attributes (the build uses no -march), or a
 * generic path picked at run time. Every per-element formula that the decoder
 * relies on (the exp polynomial, the products of matmul_rows) is written with
 * fused multiply-adds, so the AVX2 lanes, a narrower tail and the generic
 * fmaf() fallback give the same bits.
 */
#include "internal.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

#include "msg.h"

#define ROWS_PER_TASK 64        /* rows of an elementwise task */
#define ATT_BLOCK 64            /* query rows per block of causal attention */
#define EXP_LO (-87.0f)         /* below: exp is taken as 0 (masked logits too) */
#define EXP_HI 88.3f

static int
ceil_div(int a, int b)
{
	return (a + b - 1) / b;
}

static int
round_up(int a, int m)
{
	return ceil_div(a, m) * m;
}

/* ---------------------------------------------------------------------- */
/* SIMD helpers                                                            */

static int isa_avx2 = -1;
static pthread_once_t isa_once = PTHREAD_ONCE_INIT;

/*
 * The ISA is chosen once; threads read it with an atomic load (a plain
 * read beside the first writer is a data race, and ThreadSanitizer says so).
 */
static void
isa_init(void)
{
	int avx2;
#if HAVE_X86
	__builtin_cpu_init();
	avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	avx2 = 0;
#endif
	if (getenv("STP_MODEL_GENERIC"))
		avx2 = 0;
	__atomic_store_n(&isa_avx2, avx2, __ATOMIC_RELEASE);
}

static inline int
use_avx2(void)
{
	int v = __atomic_load_n(&isa_avx2, __ATOMIC_ACQUIRE);

	if (v < 0) {
		pthread_once(&isa_once, isa_init);
		v = __atomic_load_n(&isa_avx2, __ATOMIC_ACQUIRE);
	}
	return v;
}

const char *
kernels_isa(void)
{
	return use_avx2() ? "avx2" : "generic";
}

/*
 * exp(x): Cephes' expf. n = round(x log2 e); r = x - n ln2 (in two parts);
 * exp(r) by a degree-7 polynomial; times 2^n. Relative error about 2 ulp.
 * x < EXP_LO gives 0 (so -INFINITY does), x is clamped at EXP_HI.
 */
#define EXP_C1 0.693359375f
#define EXP_C2 (-2.12194440e-4f)
#define EXP_P0 1.9875691500E-4f
#define EXP_P1 1.3981999507E-3f
#define EXP_P2 8.3334519073E-3f
#define EXP_P3 4.1665795894E-2f
#define EXP_P4 1.6666665459E-1f
#define EXP_P5 5.0000001201E-1f

static inline float
exp_generic(float x)
{
	float n, r, y;
	union { float f; int32_t i; } u;

	if (!(x >= EXP_LO))     /* also NaN -> 0: masked */
		return 0.0f;
	if (x > EXP_HI)
		x = EXP_HI;
	n = nearbyintf(x * 1.44269504088896341f);
	r = fmaf(-n, EXP_C1, x);
	r = fmaf(-n, EXP_C2, r);
	y = fmaf(EXP_P0, r, EXP_P1);
	y = fmaf(y, r, EXP_P2);
	y = fmaf(y, r, EXP_P3);
	y = fmaf(y, r, EXP_P4);
	y = fmaf(y, r, EXP_P5);
	y = fmaf(y, r * r, r + 1.0f);
	u.i = ((int32_t)n + 127) << 23;
	return y * u.f;
}

#if HAVE_X86
__attribute__((target("avx2,fma"))) static inline __m256
exp8(__m256 x)
{
	__m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(EXP_LO), _CMP_GE_OQ);
	__m256 n, r, y, r2;
	__m256i e;

	x = _mm256_min_ps(x, _mm256_set1_ps(EXP_HI));
	x = _mm256_max_ps(x, _mm256_set1_ps(EXP_LO));
	n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
	                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	r = _mm256_fmadd_ps(_mm256_sub_ps(_mm256_setzero_ps(), n), _mm256_set1_ps(EXP_C1), x);
	r = _mm256_fmadd_ps(_mm256_sub_ps(_mm256_setzero_ps(), n), _mm256_set1_ps(EXP_C2), r);
	y = _mm256_fmadd_ps(_mm256_set1_ps(EXP_P0), r, _mm256_set1_ps(EXP_P1));
	y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(EXP_P2));
	y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(EXP_P3));
	y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(EXP_P4));
	y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(EXP_P5));
	r2 = _mm256_mul_ps(r, r);
	y = _mm256_fmadd_ps(y, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
	e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
	y = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
	return _mm256_and_ps(y, keep);
}

/* Sum of the 8 lanes in a fixed order: (0+4)+(2+6) + (1+5)+(3+7). */
__attribute__((target("avx2,fma"))) static inline float
hsum8(__m256 v)
{
	__m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	a = _mm_add_ps(a, _mm_movehl_ps(a, a));
	a = _mm_add_ss(a, _mm_shuffle_ps(a, a, 1));
	return _mm_cvtss_f32(a);
}

__attribute__((target("avx2,fma"))) static float
vexp_sum_avx2(float *x, int n, float sub, int store)
{
	__m256 acc = _mm256_setzero_ps(), s = _mm256_set1_ps(sub), v;
	float tail[8];
	int i, k;

	for (i = 0; i + 8 <= n; i += 8) {
		v = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
		if (store)
			_mm256_storeu_ps(x + i, v);
		acc = _mm256_add_ps(acc, v);
	}
	if (i < n) {
		for (k = 0; k < 8; k++)
			tail[k] = i + k < n ? x[i + k] : -INFINITY;
		v = exp8(_mm256_sub_ps(_mm256_loadu_ps(tail), s));
		_mm256_storeu_ps(tail, v);
		if (store)
			for (k = 0; i + k < n; k++)
				x[i + k] = tail[k];
		acc = _mm256_add_ps(acc, v);
	}
	return hsum8(acc);
}

__attribute__((target("avx2,fma"))) static float
vdot_avx2(const float *a, const float *b, int n)
{
	__m256 acc = _mm256_setzero_ps();
	float s;
	int i;

	for (i = 0; i + 8 <= n; i += 8)
		acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
	s = hsum8(acc);
	for (; i < n; i++)
		s = fmaf(a[i], b[i], s);
	return s;
}

__attribute__((target("avx2,fma"))) static float
vmax_avx2(const float *x, int n)
{
	__m256 m = _mm256_set1_ps(-INFINITY);
	float r, t[8];
	int i, k;

	for (i = 0; i + 8 <= n; i += 8)
		m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
	_mm256_storeu_ps(t, m);
	r = t[0];
	for (k = 1; k < 8; k++)
		r = t[k] > r ? t[k] : r;
	for (; i < n; i++)
		r = x[i] > r ? x[i] : r;
	return r;
}
#endif

/* The generic versions keep the same lane structure, so that a machine
 * without AVX2 gives the same bits (exp and fused products are exact-rounded
 * operations in both). */
static float
vexp_sum_generic(float *x, int n, float sub, int store)
{
	float acc[8] = { 0 }, v, a, b, c, d;
	int i;

	for (i = 0; i < n; i++) {
		v = exp_generic(x[i] - sub);
		if (store)
			x[i] = v;
		acc[i & 7] += v;
	}
	a = acc[0] + acc[4];
	b = acc[2] + acc[6];
	c = acc[1] + acc[5];
	d = acc[3] + acc[7];
	return ((a + b) + (c + d));
}

static float
vdot_generic(const float *a, const float *b, int n)
{
	float acc[8] = { 0 }, s, p, q, r, t;
	int i, n8 = n & ~7;

	for (i = 0; i < n8; i++)
		acc[i & 7] = fmaf(a[i], b[i], acc[i & 7]);
	p = acc[0] + acc[4];
	q = acc[2] + acc[6];
	r = acc[1] + acc[5];
	t = acc[3] + acc[7];
	s = (p + q) + (r + t);
	for (; i < n; i++)
		s = fmaf(a[i], b[i], s);
	return s;
}

float
vexp_sum(float *x, int n, float sub)
{
#if HAVE_X86
	if (use_avx2())
		return vexp_sum_avx2(x, n, sub, 1);
#endif
	return vexp_sum_generic(x, n, sub, 1);
}

/* Sum of exp(x[i] - sub) without storing. */
static float
vsumexp(const float *x, int n, float sub)
{
#if HAVE_X86
	if (use_avx2())
		return vexp_sum_avx2((float *)x, n, sub, 0);
#endif
	return vexp_sum_generic((float *)x, n, sub, 0);
}

void
vexp(float *x, int n)
{
	vexp_sum(x, n, 0.0f);
}

float
vdot(const float *a, const float *b, int n)
{
#if HAVE_X86
	if (use_avx2())
		return vdot_avx2(a, b, n);
#endif
	return vdot_generic(a, b, n);
}

static float
vmax(const float *x, int n)
{
	float r = -INFINITY;
	int i;

#if HAVE_X86
	if (use_avx2())
		return vmax_avx2(x, n);
#endif
	for (i = 0; i < n; i++)
		r = x[i] > r ? x[i] : r;
	return r;
}

/* ---------------------------------------------------------------------- */
/* Matrix products through CBLAS                                           */

/*
 * The task grid of a product with an (R, Cn) output: row blocks of 256 (64
 * when R is small) and, when that gives fewer than 8 tasks, column blocks too
 * (multiples of 16). A function of (R, Cn) only.
 */
struct grid {
	int rb, cb;         /* block sizes */
	int nr, nc;         /* blocks along rows, columns */
};

static struct grid
grid_of(int R, int Cn)
{
	struct grid g;

	g.rb = R >= 2048 ? 256 : 64;
	g.nr = ceil_div(R, g.rb);
	g.nc = 1;
	if (g.nr < 8)
		g.nc = ceil_div(8, g.nr);
	if (g.nc > ceil_div(Cn, 64))
		g.nc = ceil_div(Cn, 64);
	if (g.nc < 1)
		g.nc = 1;
	g.cb = round_up(ceil_div(Cn, g.nc), 16);
	g.nc = ceil_div(Cn, g.cb);
	return g;
}

struct mm_ctx {
	float *out, *din, *dw;
	const float *in, *w, *dout;
	int N, K, O, acc;
	struct grid g;
};

static void
mm_fwd_task(void *arg, int t, int worker)
{
	struct mm_ctx *c = arg;
	int r0 = (t / c->g.nc) * c->g.rb, c0 = (t % c->g.nc) * c->g.cb;
	int nr = c->N - r0 < c->g.rb ? c->N - r0 : c->g.rb;
	int nc = c->O - c0 < c->g.cb ? c->O - c0 : c->g.cb;

	/* out[r0.., c0..] (nr, nc) = in[r0..] (nr, K) . w[c0..]^T (K, nc) */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nr, nc, c->K, 1.0f,
	            c->in + (size_t)r0 * c->K, c->K, c->w + (size_t)c0 * c->K, c->K,
	            c->acc ? 1.0f : 0.0f, c->out + (size_t)r0 * c->O + c0, c->O);
}

void
matmul_fwd(struct pool *p, float *out, const float *in, const float *w, int N, int K, int O,
           int acc)
{
	struct mm_ctx c = { .out = out, .in = in, .w = w, .N = N, .K = K, .O = O, .acc = acc };

	if (N <= 0 || O <= 0)
		return;
	c.g = grid_of(N, O);
	pool_run(p, c.g.nr * c.g.nc, mm_fwd_task, &c);
}

void
matmul_fwd_ref(float *out, const float *in, const float *w, int N, int K, int O, int acc)
{
	int n, o, k;

	for (n = 0; n < N; n++)
		for (o = 0; o < O; o++) {
			double s = acc ? out[(size_t)n * O + o] : 0.0;

			for (k = 0; k < K; k++)
				s += (double)in[(size_t)n * K + k] * w[(size_t)o * K + k];
			out[(size_t)n * O + o] = (float)s;
		}
}

/*
 * Tasks 0 .. ndin-1 compute din blocks; the rest dw row blocks. Each dw task
 * packs the whole of `in` (N, K): few, large blocks (DW_TASKS of them, rows a
 * multiple of 16) keep that copying small.
 */
#define DW_TASKS 4

static int
dw_block(int O)
{
	return round_up(ceil_div(O, DW_TASKS), 16);
}

static void
mm_bwd_task(void *arg, int t, int worker)
{
	struct mm_ctx *c = arg;
	int ndin = c->din ? c->g.nr * c->g.nc : 0;

	if (t < ndin) {
		int r0 = (t / c->g.nc) * c->g.rb, c0 = (t % c->g.nc) * c->g.cb;
		int nr = c->N - r0 < c->g.rb ? c->N - r0 : c->g.rb;
		int nc = c->K - c0 < c->g.cb ? c->K - c0 : c->g.cb;

		/* din[r0.., c0..] (nr, nc) = dout[r0..] (nr, O) . w[:, c0..] (O, nc) */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nr, nc, c->O, 1.0f,
		            c->dout + (size_t)r0 * c->O, c->O, c->w + c0, c->K,
		            c->acc ? 1.0f : 0.0f, c->din + (size_t)r0 * c->K + c0, c->K);
	} else {
		int bs = dw_block(c->O), o0 = (t - ndin) * bs;
		int no = c->O - o0 < bs ? c->O - o0 : bs;

		/* dw[o0..] (no, K) += dout[:, o0..]^T (no, N) . in (N, K) */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, no, c->K, c->N, 1.0f,
		            c->dout + o0, c->O, c->in, c->K, 1.0f, c->dw + (size_t)o0 * c->K, c->K);
	}
}

void
matmul_bwd(struct pool *p, float *din, float *dw, const float *dout, const float *in,
           const float *w, int N, int K, int O, int acc)
{
	struct mm_ctx c = { .din = din, .dw = dw, .dout = dout, .in = in, .w = w,
	                    .N = N, .K = K, .O = O, .acc = acc };
	int ndin;

	if (N <= 0)
		return;
	c.g = grid_of(N, K);
	ndin = din ? c.g.nr * c.g.nc : 0;
	pool_run(p, ndin + ceil_div(O, dw_block(O)), mm_bwd_task, &c);
}

void
matmul_bwd_ref(float *din, float *dw, const float *dout, const float *in, const float *w,
               int N, int K, int O, int acc)
{
	int n, o, k;

	if (din)
		for (n = 0; n < N; n++)
			for (k = 0; k < K; k++) {
				double s = acc ? din[(size_t)n * K + k] : 0.0;

				for (o = 0; o < O; o++)
					s += (double)dout[(size_t)n * O + o] * w[(size_t)o * K + k];
				din[(size_t)n * K + k] = (float)s;
			}
	for (o = 0; o < O; o++)
		for (k = 0; k < K; k++) {
			double s = dw[(size_t)o * K + k];

			for (n = 0; n < N; n++)
				s += (double)dout[(size_t)n * O + o] * in[(size_t)n * K + k];
			dw[(size_t)o * K + k] = (float)s;
		}
}

/* ---------------------------------------------------------------------- */
/* Row-independent products for decoding                                   */

/*
 * out (N, O) = in (N, K) . wt (K, O), wt being the weight transposed. Every
 * element is acc = 0; for k in 0..K-1: acc = fma(in[n][k], wt[k][o], acc):
 * the same sequence of correctly rounded operations whatever the tile it is
 * computed in, the vector width, N or the other rows. With acc, out += acc
 * (one rounded addition after the chain). Tasks are column blocks of
 * MR_COLS (a multiple of 24), all rows each.
 */
#define MR_COLS 96

#if HAVE_X86
/* Rows r0..r0+3 against 24 columns: 12 accumulators in registers. */
__attribute__((target("avx2,fma"))) static void
mr_tile4x24(float *out, const float *in, const float *wt, int K, int O, int ldo, int add)
{
	__m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
	__m256 a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00, w0, w1, w2, b;
	const float *i0 = in, *i1 = in + K, *i2 = in + 2 * (size_t)K, *i3 = in + 3 * (size_t)K;
	int k;

	for (k = 0; k < K; k++) {
		const float *wk = wt + (size_t)k * O;

		w0 = _mm256_loadu_ps(wk);
		w1 = _mm256_loadu_ps(wk + 8);
		w2 = _mm256_loadu_ps(wk + 16);
		b = _mm256_broadcast_ss(i0 + k);
		a00 = _mm256_fmadd_ps(b, w0, a00);
		a01 = _mm256_fmadd_ps(b, w1, a01);
		a02 = _mm256_fmadd_ps(b, w2, a02);
		b = _mm256_broadcast_ss(i1 + k);
		a10 = _mm256_fmadd_ps(b, w0, a10);
		a11 = _mm256_fmadd_ps(b, w1, a11);
		a12 = _mm256_fmadd_ps(b, w2, a12);
		b = _mm256_broadcast_ss(i2 + k);
		a20 = _mm256_fmadd_ps(b, w0, a20);
		a21 = _mm256_fmadd_ps(b, w1, a21);
		a22 = _mm256_fmadd_ps(b, w2, a22);
		b = _mm256_broadcast_ss(i3 + k);
		a30 = _mm256_fmadd_ps(b, w0, a30);
		a31 = _mm256_fmadd_ps(b, w1, a31);
		a32 = _mm256_fmadd_ps(b, w2, a32);
	}
#define MR_STORE(o, v) _mm256_storeu_ps((o), add ? _mm256_add_ps(_mm256_loadu_ps(o), (v)) : (v))
	MR_STORE(out, a00); MR_STORE(out + 8, a01); MR_STORE(out + 16, a02);
	out += ldo;
	MR_STORE(out, a10); MR_STORE(out + 8, a11); MR_STORE(out + 16, a12);
	out += ldo;
	MR_STORE(out, a20); MR_STORE(out + 8, a21); MR_STORE(out + 16, a22);
	out += ldo;
	MR_STORE(out, a30); MR_STORE(out + 8, a31); MR_STORE(out + 16, a32);
}

/* One row against 24 columns: the same chain per element. */
__attribute__((target("avx2,fma"))) static void
mr_tile1x24(float *out, const float *in, const float *wt, int K, int O, int add)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, b;
	int k;

	for (k = 0; k < K; k++) {
		const float *wk = wt + (size_t)k * O;

		b = _mm256_broadcast_ss(in + k);
		a0 = _mm256_fmadd_ps(b, _mm256_loadu_ps(wk), a0);
		a1 = _mm256_fmadd_ps(b, _mm256_loadu_ps(wk + 8), a1);
		a2 = _mm256_fmadd_ps(b, _mm256_loadu_ps(wk + 16), a2);
	}
	MR_STORE(out, a0); MR_STORE(out + 8, a1); MR_STORE(out + 16, a2);
#undef MR_STORE
}

__attribute__((target("avx2,fma"))) static void
mr_tile24_any(float *out, const float *in, const float *wt, int R, int K, int O, int ldo,
              int add)
{
	int r;

	if (R == 4) {
		mr_tile4x24(out, in, wt, K, O, ldo, add);
		return;
	}
	for (r = 0; r < R; r++)
		mr_tile1x24(out + (size_t)r * ldo, in + (size_t)r * K, wt, K, O, add);
}

__attribute__((target("avx2,fma"))) static void
mr_cols8(float *out, const float *in, const float *wt, int N, int K, int O, int ldo, int add)
{
	int n, k;

	for (n = 0; n < N; n++) {
		__m256 acc = _mm256_setzero_ps();

		for (k = 0; k < K; k++)
			acc = _mm256_fmadd_ps(_mm256_broadcast_ss(in + (size_t)n * K + k),
			                      _mm256_loadu_ps(wt + (size_t)k * O), acc);
		if (add)
			acc = _mm256_add_ps(_mm256_loadu_ps(out + (size_t)n * ldo), acc);
		_mm256_storeu_ps(out + (size_t)n * ldo, acc);
	}
}
#endif

/* One column at a time, for the last (O mod 8) columns and the generic path. */
static void
mr_col1(float *out, const float *in, const float *wt, int N, int K, int O, int ldo, int add)
{
	int n, k;

	for (n = 0; n < N; n++) {
		float acc = 0.0f;

		for (k = 0; k < K; k++)
			acc = fmaf(in[(size_t)n * K + k], wt[(size_t)k * O], acc);
		out[(size_t)n * ldo] = add ? out[(size_t)n * ldo] + acc : acc;
	}
}

struct mr_ctx {
	float *out;
	const float *in, *wt;
	int N, K, O, acc;
};

static void
mr_task(void *arg, int t, int worker)
{
	struct mr_ctx *c = arg;
	int c0 = t * MR_COLS, c1 = c0 + MR_COLS < c->O ? c0 + MR_COLS : c->O, j = c0, n;

#if HAVE_X86
	if (use_avx2()) {
		for (; j + 24 <= c1; j += 24)
			for (n = 0; n < c->N; n += 4)
				mr_tile24_any(c->out + (size_t)n * c->O + j, c->in + (size_t)n * c->K,
				              c->wt + j, c->N - n < 4 ? c->N - n : 4, c->K, c->O, c->O,
				              c->acc);
		for (; j + 8 <= c1; j += 8)
			mr_cols8(c->out + j, c->in, c->wt + j, c->N, c->K, c->O, c->O, c->acc);
	}
#endif
	for (; j < c1; j++)
		mr_col1(c->out + j, c->in, c->wt + j, c->N, c->K, c->O, c->O, c->acc);
	(void)n;
}

void
matmul_rows(struct pool *p, float *out, const float *in, const float *wt, int N, int K, int O,
            int acc)
{
	struct mr_ctx c = { .out = out, .in = in, .wt = wt, .N = N, .K = K, .O = O, .acc = acc };

	if (N <= 0)
		return;
	pool_run(p, ceil_div(O, MR_COLS), mr_task, &c);
}

/* ---------------------------------------------------------------------- */
/* RMSNorm                                                                 */

struct norm_ctx {
	float *out, *rstd, *dx, *dg;
	const float *x, *g, *dout, *crstd;
	int N, C;
	float eps;
};

static void
rmsnorm_row(float *out, float *rstd, const float *x, const float *g, int C, float eps)
{
	float ss = vdot(x, x, C), r = 1.0f / sqrtf(ss / C + eps);
	int i;

	*rstd = r;
	for (i = 0; i < C; i++)
		out[i] = x[i] * r * g[i];
}

static void
rmsnorm_fwd_task(void *arg, int t, int worker)
{
	struct norm_ctx *c = arg;
	int r, r1 = (t + 1) * ROWS_PER_TASK < c->N ? (t + 1) * ROWS_PER_TASK : c->N;

	for (r = t * ROWS_PER_TASK; r < r1; r++)
		rmsnorm_row(c->out + (size_t)r * c->C, c->rstd + r, c->x + (size_t)r * c->C, c->g,
		            c->C, c->eps);
}

void
rmsnorm_fwd(struct pool *p, float *out, float *rstd, const float *x, const float *g, int N,
            int C, float eps)
{
	struct norm_ctx c = { .out = out, .rstd = rstd, .x = x, .g = g, .N = N, .C = C,
	                      .eps = eps };

	pool_run(p, ceil_div(N, ROWS_PER_TASK), rmsnorm_fwd_task, &c);
}

void
rmsnorm_fwd_ref(float *out, float *rstd, const float *x, const float *g, int N, int C,
                float eps)
{
	int n, i;

	for (n = 0; n < N; n++) {
		const float *xr = x + (size_t)n * C;
		double ss = 0;
		float r;

		for (i = 0; i < C; i++)
			ss += (double)xr[i] * xr[i];
		r = (float)(1.0 / sqrt(ss / C + eps));
		rstd[n] = r;
		for (i = 0; i < C; i++)
			out[(size_t)n * C + i] = xr[i] * r * g[i];
	}
}

/*
 * y = x r g with r = (mean(x^2) + eps)^-1/2:
 *   dx = r (dy g) - x r^3 mean(dy g x),   dg = sum over rows of dy x r.
 * Tasks 0 .. nrow-1 are row blocks (dx); the rest are column blocks of 64
 * (dg), each summing over every row in order.
 */
#define NORM_COLS 64
#define NORM_CHUNK 256

static void
rmsnorm_bwd_task(void *arg, int t, int worker)
{
	struct norm_ctx *c = arg;
	int nrow = ceil_div(c->N, ROWS_PER_TASK), r, i, C = c->C;

	if (t < nrow) {
		int r1 = (t + 1) * ROWS_PER_TASK < c->N ? (t + 1) * ROWS_PER_TASK : c->N;

		float dyg[NORM_CHUNK];
		int j, n;

		for (r = t * ROWS_PER_TASK; r < r1; r++) {
			const float *dy = c->dout + (size_t)r * C, *x = c->x + (size_t)r * C;
			float *dx = c->dx + (size_t)r * C, rs = c->crstd[r], s = 0, k;

			/* s = sum dy g x, by chunks in order */
			for (j = 0; j < C; j += NORM_CHUNK) {
				n = C - j < NORM_CHUNK ? C - j : NORM_CHUNK;
				for (i = 0; i < n; i++)
					dyg[i] = dy[j + i] * c->g[j + i];
				s += vdot(dyg, x + j, n);
			}
			k = s * rs * rs * rs / C;
			for (i = 0; i < C; i++)
				dx[i] += rs * (dy[i] * c->g[i]) - x[i] * k;
		}
	} else {
		int c0 = (t - nrow) * NORM_COLS, c1 = c0 + NORM_COLS < C ? c0 + NORM_COLS : C;

		for (r = 0; r < c->N; r++) {
			const float *dy = c->dout + (size_t)r * C, *x = c->x + (size_t)r * C;
			float rs = c->crstd[r];

			for (i = c0; i < c1; i++)
				c->dg[i] += dy[i] * x[i] * rs;
		}
	}
}

void
rmsnorm_bwd(struct pool *p, float *dx, float *dg, const float *dout, const float *x,
            const float *rstd, const float *g, int N, int C)
{
	struct norm_ctx c = { .dx = dx, .dg = dg, .dout = dout, .x = x, .crstd = rstd, .g = g,
	                      .N = N, .C = C };

	pool_run(p, ceil_div(N, ROWS_PER_TASK) + ceil_div(C, NORM_COLS), rmsnorm_bwd_task, &c);
}

void
rmsnorm_bwd_ref(float *dx, float *dg, const float *dout, const float *x, const float *rstd,
                const float *g, int N, int C)
{
	int n, i;

	for (n = 0; n < N; n++) {
		const float *dy = dout + (size_t)n * C, *xr = x + (size_t)n * C;
		double s = 0, r = rstd[n];

		for (i = 0; i < C; i++)
			s += (double)dy[i] * g[i] * xr[i];
		for (i = 0; i < C; i++) {
			dx[(size_t)n * C + i] += (float)(r * dy[i] * g[i] - xr[i] * r * r * r * s / C);
			dg[i] += (float)((double)dy[i] * xr[i] * r);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Rotary positions (Hugging Face rotate_half: pairs (i, i + hd/2))        */

void
rope_tables(float *cos_t, float *sin_t, int ctx, int hd, float theta)
{
	int t, i, half = hd / 2;

	for (t = 0; t < ctx; t++)
		for (i = 0; i < half; i++) {
			/* as transformers computes it: inv_freq in float32, angle t * inv_freq */
			float inv = (float)(1.0 / pow((double)theta, (double)(2 * i) / hd));
			float a = (float)t * inv;

			cos_t[(size_t)t * half + i] = (float)cos((double)a);
			sin_t[(size_t)t * half + i] = (float)sin((double)a);
		}
}

static void
rope_vec(float *v, const float *cs, const float *sn, int half, int inv)
{
	int i;

	for (i = 0; i < half; i++) {
		float a = v[i], b = v[i + half], c = cs[i], s = inv ? -sn[i] : sn[i];

		v[i] = a * c - b * s;
		v[i + half] = b * c + a * s;
	}
}

struct rope_ctx {
	float *qkv;
	const float *cos_t, *sin_t;
	int B, T, C, hd, pos0, inv;
};

static void
rope_rows(struct rope_ctx *c, int r0, int r1)
{
	int r, h, half = c->hd / 2, H = c->C / c->hd;

	for (r = r0; r < r1; r++) {
		int t = r % c->T + c->pos0;
		float *row = c->qkv + (size_t)r * 3 * c->C;
		const float *cs = c->cos_t + (size_t)t * half, *sn = c->sin_t + (size_t)t * half;

		for (h = 0; h < 2 * H; h++)     /* q heads, then k heads */
			rope_vec(row + h * c->hd, cs, sn, half, c->inv);
	}
}

static void
rope_task(void *arg, int t, int worker)
{
	struct rope_ctx *c = arg;
	int N = c->B * c->T;

	rope_rows(c, t * ROWS_PER_TASK, (t + 1) * ROWS_PER_TASK < N ? (t + 1) * ROWS_PER_TASK : N);
}

void
rope(struct pool *p, float *qkv, const float *cos_t, const float *sin_t, int B, int T, int C,
     int hd, int pos0, int inv)
{
	struct rope_ctx c = { qkv, cos_t, sin_t, B, T, C, hd, pos0, inv };

	pool_run(p, ceil_div(B * T, ROWS_PER_TASK), rope_task, &c);
}

void
rope_ref(float *qkv, const float *cos_t, const float *sin_t, int B, int T, int C, int hd,
         int pos0, int inv)
{
	int r, h, i, half = hd / 2, H = C / hd;

	for (r = 0; r < B * T; r++) {
		int t = r % T + pos0;

		for (h = 0; h < 2 * H; h++) {
			float *v = qkv + (size_t)r * 3 * C + h * hd;

			for (i = 0; i < half; i++) {
				double a = v[i], b = v[i + half], c = cos_t[(size_t)t * half + i];
				double s = sin_t[(size_t)t * half + i];

				if (inv)
					s = -s;
				v[i] = (float)(a * c - b * s);
				v[i + half] = (float)(b * c + a * s);
			}
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Causal self-attention                                                   */

/*
 * One task per (b, h). Query rows go in blocks of ATT_BLOCK; block [r0, r1)
 * needs keys 0 .. r1-1 only, so the products skip most of the masked upper
 * triangle. P (T, T) holds the probabilities of row i in columns 0..i and
 * zeros in columns i+1 .. r1-1 of its block (the rest is never read).
 */
struct attn_ctx {
	float *out, *att, *dqkv, *scratch;
	const float *qkv, *dout, *catt;
	int B, T, C, H;
};

static void
attn_fwd_task(void *arg, int task, int worker)
{
	struct attn_ctx *c = arg;
	int b = task / c->H, h = task % c->H, T = c->T, C = c->C, hd = C / c->H, ld = 3 * C;
	const float *q = c->qkv + (size_t)b * T * ld + h * hd, *k = q + C, *v = q + 2 * C;
	float *P = c->att + ((size_t)b * c->H + h) * T * T, *o = c->out + (size_t)b * T * C + h * hd;
	float scale = 1.0f / sqrtf((float)hd);
	int r0, r1, i, j;

	for (r0 = 0; r0 < T; r0 = r1) {
		r1 = r0 + ATT_BLOCK < T ? r0 + ATT_BLOCK : T;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, r1, hd, scale,
		            q + (size_t)r0 * ld, ld, k, ld, 0.0f, P + (size_t)r0 * T, T);
		for (i = r0; i < r1; i++) {
			float *row = P + (size_t)i * T, mx = vmax(row, i + 1), s;

			s = vexp_sum(row, i + 1, mx);
			s = 1.0f / s;
			for (j = 0; j <= i; j++)
				row[j] *= s;
			for (j = i + 1; j < r1; j++)
				row[j] = 0.0f;
		}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, hd, r1, 1.0f,
		            P + (size_t)r0 * T, T, v, ld, 0.0f, o + (size_t)r0 * C, C);
	}
}

void
attn_fwd(struct pool *p, float *out, float *att, const float *qkv, int B, int T, int C, int H,
         float *scratch)
{
	struct attn_ctx c = { .out = out, .att = att, .qkv = qkv, .B = B, .T = T, .C = C, .H = H };

	pool_run(p, B * H, attn_fwd_task, &c);
}

void
attn_fwd_ref(float *out, float *att, const float *qkv, int B, int T, int C, int H)
{
	int b, h, i, j, d, hd = C / H;
	double scale = 1.0 / sqrt((double)hd);

	for (b = 0; b < B; b++)
		for (h = 0; h < H; h++)
			for (i = 0; i < T; i++) {
				const float *q = qkv + ((size_t)b * T + i) * 3 * C + h * hd;
				float *P = att + (((size_t)b * H + h) * T + i) * T;
				double mx = -INFINITY, s = 0;

				for (j = 0; j <= i; j++) {
					const float *k = qkv + ((size_t)b * T + j) * 3 * C + C + h * hd;
					double dot = 0;

					for (d = 0; d < hd; d++)
						dot += (double)q[d] * k[d];
					P[j] = (float)(dot * scale);
					if (P[j] > mx)
						mx = P[j];
				}
				for (j = 0; j <= i; j++) {
					P[j] = (float)exp(P[j] - mx);
					s += P[j];
				}
				for (j = 0; j <= i; j++)
					P[j] = (float)(P[j] / s);
				for (j = i + 1; j < T; j++)
					P[j] = 0.0f;
				for (d = 0; d < hd; d++) {
					double a = 0;

					for (j = 0; j <= i; j++)
						a += (double)P[j] *
						     qkv[((size_t)b * T + j) * 3 * C + 2 * C + h * hd + d];
					out[((size_t)b * T + i) * C + h * hd + d] = (float)a;
				}
			}
}

/*
 * With S = scale Q K^T, P = softmax(S), O = P V and dO given:
 *   dP = dO V^T;  dS = P * (dP - rowsum(P * dP));
 *   dQ = scale dS K;  dK = scale dS^T Q;  dV = P^T dO.
 * Per (b, h) task, dS in the worker's scratch (T, T), blocked as forward.
 */
static void
attn_bwd_task(void *arg, int task, int worker)
{
	struct attn_ctx *c = arg;
	int b = task / c->H, h = task % c->H, T = c->T, C = c->C, hd = C / c->H, ld = 3 * C;
	const float *q = c->qkv + (size_t)b * T * ld + h * hd, *k = q + C, *v = q + 2 * C;
	const float *P = c->catt + ((size_t)b * c->H + h) * T * T;
	const float *dout = c->dout + (size_t)b * T * C + h * hd;
	float *dq = c->dqkv + (size_t)b * T * ld + h * hd, *dk = dq + C, *dv = dq + 2 * C;
	float *dS = c->scratch + (size_t)worker * T * T;
	float scale = 1.0f / sqrtf((float)hd);
	int r0, r1, i, j;

	for (r0 = 0; r0 < T; r0 = r1) {
		r1 = r0 + ATT_BLOCK < T ? r0 + ATT_BLOCK : T;
		/* dP rows r0..r1-1, columns 0..r1-1 */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, r1, hd, 1.0f,
		            dout + (size_t)r0 * C, C, v, ld, 0.0f, dS + (size_t)r0 * T, T);
		for (i = r0; i < r1; i++) {
			const float *pr = P + (size_t)i * T;
			float *dr = dS + (size_t)i * T, s = vdot(pr, dr, i + 1);

			for (j = 0; j <= i; j++)
				dr[j] = pr[j] * (dr[j] - s);
			for (j = i + 1; j < r1; j++)
				dr[j] = 0.0f;
		}
		/* dQ rows r0..r1-1 = scale dS[r0..r1, 0..r1] K[0..r1] */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, hd, r1, scale,
		            dS + (size_t)r0 * T, T, k, ld, 0.0f, dq + (size_t)r0 * ld, ld);
	}
	/* dK, dV by key blocks [c0, c1): rows c0..T-1 of dS and P hold them */
	for (r0 = 0; r0 < T; r0 = r1) {
		r1 = r0 + ATT_BLOCK < T ? r0 + ATT_BLOCK : T;
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r1 - r0, hd, T - r0, scale,
		            dS + (size_t)r0 * T + r0, T, q + (size_t)r0 * ld, ld, 0.0f,
		            dk + (size_t)r0 * ld, ld);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r1 - r0, hd, T - r0, 1.0f,
		            P + (size_t)r0 * T + r0, T, dout + (size_t)r0 * C, C, 0.0f,
		            dv + (size_t)r0 * ld, ld);
	}
}

void
attn_bwd(struct pool *p, float *dqkv, const float *dout, const float *att, const float *qkv,
         int B, int T, int C, int H, float *scratch)
{
	struct attn_ctx c = { .dqkv = dqkv, .dout = dout, .catt = att, .qkv = qkv, .B = B,
	                      .T = T, .C = C, .H = H, .scratch = scratch };

	pool_run(p, B * H, attn_bwd_task, &c);
}

void
attn_bwd_ref(float *dqkv, const float *dout, const float *att, const float *qkv, int B, int T,
             int C, int H)
{
	int b, h, i, j, d, hd = C / H, ld = 3 * C;
	double scale = 1.0 / sqrt((double)hd);
	double *dP = xmalloc(sizeof(double) * T);

	memset(dqkv, 0, sizeof(float) * (size_t)B * T * ld);
	for (b = 0; b < B; b++)
		for (h = 0; h < H; h++)
			for (i = 0; i < T; i++) {
				const float *P = att + (((size_t)b * H + h) * T + i) * T;
				const float *dO = dout + ((size_t)b * T + i) * C + h * hd;
				const float *qi = qkv + ((size_t)b * T + i) * ld + h * hd;
				float *dqi = dqkv + ((size_t)b * T + i) * ld + h * hd;
				double s = 0;

				for (j = 0; j <= i; j++) {
					const float *vj = qkv + ((size_t)b * T + j) * ld + 2 * C + h * hd;
					float *dvj = dqkv + ((size_t)b * T + j) * ld + 2 * C + h * hd;
					double a = 0;

					for (d = 0; d < hd; d++) {
						a += (double)dO[d] * vj[d];
						dvj[d] += (float)((double)P[j] * dO[d]);
					}
					dP[j] = a;
					s += P[j] * a;
				}
				for (j = 0; j <= i; j++) {
					const float *kj = qkv + ((size_t)b * T + j) * ld + C + h * hd;
					float *dkj = dqkv + ((size_t)b * T + j) * ld + C + h * hd;
					double ds = P[j] * (dP[j] - s) * scale;

					for (d = 0; d < hd; d++) {
						dqi[d] += (float)(ds * kj[d]);
						dkj[d] += (float)(ds * qi[d]);
					}
				}
			}
	free(dP);
}

/* ---------------------------------------------------------------------- */
/* SwiGLU                                                                  */

#define SWI_CHUNK 256

struct swi_ctx {
	float *h, *dgu;
	const float *gu, *dh;
	int N, F;
};

static void
swiglu_fwd_task(void *arg, int t, int worker)
{
	struct swi_ctx *c = arg;
	float e[SWI_CHUNK];
	int r, i, j, n, F = c->F, r1 = (t + 1) * ROWS_PER_TASK < c->N ? (t + 1) * ROWS_PER_TASK : c->N;

	for (r = t * ROWS_PER_TASK; r < r1; r++) {
		const float *g = c->gu + (size_t)r * 2 * F, *u = g + F;
		float *h = c->h + (size_t)r * F;

		for (j = 0; j < F; j += SWI_CHUNK) {
			n = F - j < SWI_CHUNK ? F - j : SWI_CHUNK;
			for (i = 0; i < n; i++)
				e[i] = -g[j + i];
			vexp(e, n);
			for (i = 0; i < n; i++)
				h[j + i] = g[j + i] / (1.0f + e[i]) * u[j + i];
		}
	}
}

void
swiglu_fwd(struct pool *p, float *h, const float *gu, int N, int F)
{
	struct swi_ctx c = { .h = h, .gu = gu, .N = N, .F = F };

	pool_run(p, ceil_div(N, ROWS_PER_TASK), swiglu_fwd_task, &c);
}

void
swiglu_fwd_ref(float *h, const float *gu, int N, int F)
{
	int r, i;

	for (r = 0; r < N; r++)
		for (i = 0; i < F; i++) {
			double g = gu[(size_t)r * 2 * F + i], u = gu[(size_t)r * 2 * F + F + i];

			h[(size_t)r * F + i] = (float)(g / (1.0 + exp(-g)) * u);
		}
}

/* h = silu(g) u, silu(g) = g s, s = sigmoid(g):
 * dg = dh u s (1 + g (1 - s)),  du = dh g s. */
static void
swiglu_bwd_task(void *arg, int t, int worker)
{
	struct swi_ctx *c = arg;
	float e[SWI_CHUNK];
	int r, i, j, n, F = c->F, r1 = (t + 1) * ROWS_PER_TASK < c->N ? (t + 1) * ROWS_PER_TASK : c->N;

	for (r = t * ROWS_PER_TASK; r < r1; r++) {
		const float *g = c->gu + (size_t)r * 2 * F, *u = g + F, *dh = c->dh + (size_t)r * F;
		float *dg = c->dgu + (size_t)r * 2 * F, *du = dg + F;

		for (j = 0; j < F; j += SWI_CHUNK) {
			n = F - j < SWI_CHUNK ? F - j : SWI_CHUNK;
			for (i = 0; i < n; i++)
				e[i] = -g[j + i];
			vexp(e, n);
			for (i = 0; i < n; i++) {
				float s = 1.0f / (1.0f + e[i]), gg = g[j + i];

				dg[j + i] = dh[j + i] * u[j + i] * s * (1.0f + gg * (1.0f - s));
				du[j + i] = dh[j + i] * gg * s;
			}
		}
	}
}

void
swiglu_bwd(struct pool *p, float *dgu, const float *dh, const float *gu, int N, int F)
{
	struct swi_ctx c = { .dgu = dgu, .dh = dh, .gu = gu, .N = N, .F = F };

	pool_run(p, ceil_div(N, ROWS_PER_TASK), swiglu_bwd_task, &c);
}

void
swiglu_bwd_ref(float *dgu, const float *dh, const float *gu, int N, int F)
{
	int r, i;

	for (r = 0; r < N; r++)
		for (i = 0; i < F; i++) {
			double g = gu[(size_t)r * 2 * F + i], u = gu[(size_t)r * 2 * F + F + i];
			double s = 1.0 / (1.0 + exp(-g)), d = dh[(size_t)r * F + i];

			dgu[(size_t)r * 2 * F + i] = (float)(d * u * s * (1.0 + g * (1.0 - s)));
			dgu[(size_t)r * 2 * F + F + i] = (float)(d * g * s);
		}
}

/* ---------------------------------------------------------------------- */
/* Cross-entropy                                                           */

struct ce_ctx {
	float *lse, *logits;
	const float *clogits, *clse, *scale;
	const int *target;
	int N, V;
};

#define CE_ROWS 16

static void
lse_task(void *arg, int t, int worker)
{
	struct ce_ctx *c = arg;
	int r, r1 = (t + 1) * CE_ROWS < c->N ? (t + 1) * CE_ROWS : c->N;

	for (r = t * CE_ROWS; r < r1; r++) {
		const float *x = c->clogits + (size_t)r * c->V;
		float mx = vmax(x, c->V);

		c->lse[r] = mx + logf(vsumexp(x, c->V, mx));
	}
}

void
lse_fwd(struct pool *p, float *lse, const float *logits, int N, int V)
{
	struct ce_ctx c = { .lse = lse, .clogits = logits, .N = N, .V = V };

	pool_run(p, ceil_div(N, CE_ROWS), lse_task, &c);
}

void
lse_fwd_ref(float *lse, const float *logits, int N, int V)
{
	int r, j;

	for (r = 0; r < N; r++) {
		const float *x = logits + (size_t)r * V;
		double mx = -INFINITY, s = 0;

		for (j = 0; j < V; j++)
			if (x[j] > mx)
				mx = x[j];
		for (j = 0; j < V; j++)
			s += exp(x[j] - mx);
		lse[r] = (float)(mx + log(s));
	}
}

static void
ce_bwd_task(void *arg, int t, int worker)
{
	struct ce_ctx *c = arg;
	int r, j, r1 = (t + 1) * CE_ROWS < c->N ? (t + 1) * CE_ROWS : c->N;

	for (r = t * CE_ROWS; r < r1; r++) {
		float *x = c->logits + (size_t)r * c->V, s = c->scale[r];

		vexp_sum(x, c->V, c->clse[r]);
		for (j = 0; j < c->V; j++)
			x[j] *= s;
		x[c->target[r]] -= s;
	}
}

void
ce_bwd(struct pool *p, float *logits, const float *lse, const int *target, const float *scale,
       int N, int V)
{
	struct ce_ctx c = { .logits = logits, .clse = lse, .target = target, .scale = scale,
	                    .N = N, .V = V };

	pool_run(p, ceil_div(N, CE_ROWS), ce_bwd_task, &c);
}

void
ce_bwd_ref(float *logits, const float *lse, const int *target, const float *scale, int N, int V)
{
	int r, j;

	for (r = 0; r < N; r++) {
		float *x = logits + (size_t)r * V;

		for (j = 0; j < V; j++)
			x[j] = (float)(exp((double)x[j] - lse[r]) * scale[r]);
		x[target[r]] -= scale[r];
	}
}

/* ---------------------------------------------------------------------- */
/* Embedding backward                                                      */

#define EMB_ROWS 128    /* vocabulary rows per task */

struct emb_ctx {
	float *dwte;
	const float *dx;
	const int *tokens;
	int N, C, V;
};

static void
embed_bwd_task(void *arg, int t, int worker)
{
	struct emb_ctx *c = arg;
	int v0 = t * EMB_ROWS, v1 = v0 + EMB_ROWS, r, i;

	for (r = 0; r < c->N; r++) {
		int v = c->tokens[r];

		if (v < v0 || v >= v1)
			continue;
		for (i = 0; i < c->C; i++)
			c->dwte[(size_t)v * c->C + i] += c->dx[(size_t)r * c->C + i];
	}
}

void
embed_bwd(struct pool *p, float *dwte, const float *dx, const int *tokens, int N, int C, int V)
{
	struct emb_ctx c = { dwte, dx, tokens, N, C, V };

	pool_run(p, ceil_div(V, EMB_ROWS), embed_bwd_task, &c);
}

void
embed_bwd_ref(float *dwte, const float *dx, const int *tokens, int N, int C, int V)
{
	int r, i;

	for (r = 0; r < N; r++)
		for (i = 0; i < C; i++)
			dwte[(size_t)tokens[r] * C + i] += dx[(size_t)r * C + i];
}
