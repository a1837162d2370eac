/*
 * sample.c - batched generation with a key/value cache, embeddings, the
 * random streams
 *
 * NEEDSWORK: one prompt per call (the common case, K samples of one
 * statement). Batching the samples of several prompts in one decode would
 * need a prompt cache per sequence; the kernels already allow it.
 *
 * Generation: the prompt runs once through the training forward pass
 * (prefill, CBLAS); its keys and values are shared by every sequence. Then
 * all live sequences advance one token per step (decode). Decoding uses
 * kernels whose every output element is computed the same way whatever the
 * other rows (matmul_rows: a chain of fused multiply-adds in k order, over
 * weights kept transposed), so a sequence's tokens depend on its own seed and
 * the prompt only: not on how many sequences run beside it, nor on threads.
 *
 * Cache layout (per layer): keys transposed, (H, hd, positions), so that the
 * scores of one query against many positions are vector lanes over positions
 * with a fused multiply-add chain over the head dimension; values (positions,
 * C). The prompt's part is shared, each sequence has its own for what it
 * generated.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

#include "msg.h"

/* ---------------------------------------------------------------------- */
/* Random streams                                                          */

/* splitmix64 (Steele, Lea, Flood 2014): the state advances by the golden
 * gamma and is mixed out. */
uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
model_rng_seed(const uint64_t *words, int n)
{
	uint64_t h = 0x5354502d6d6f646cULL, x;      /* "STP-modl" */
	int i;

	for (i = 0; i < n; i++) {
		x = h ^ words[i];
		h = splitmix64(&x);
	}
	return h;
}

uint64_t
model_iter_seed(uint64_t seed, long iter)
{
	uint64_t w[3] = { 0x69746572ULL, seed, (uint64_t)iter };   /* "iter" */

	return iter < 0 ? seed : model_rng_seed(w, 3);
}

void
model_rng_init(struct model_rng *r, uint64_t seed)
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

/* xoshiro256** 1.0 (Blackman, Vigna 2018) */
uint64_t
model_rng_next(struct model_rng *r)
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
model_rng_float(struct model_rng *r)
{
	return (float)(model_rng_next(r) >> 40) * 0x1.0p-24f;
}

/* ---------------------------------------------------------------------- */
/* Transposed weights for decoding                                         */

static void
transpose(float *dst, const float *src, int rows, int cols)
{
	int i, j, i0, j0;

	/* src (rows, cols) -> dst (cols, rows), in 32x32 tiles */
	for (i0 = 0; i0 < rows; i0 += 32)
		for (j0 = 0; j0 < cols; j0 += 32)
			for (i = i0; i < i0 + 32 && i < rows; i++)
				for (j = j0; j < j0 + 32 && j < cols; j++)
					dst[(size_t)j * rows + i] = src[(size_t)i * cols + j];
}

static void
dec_weights(struct model *m)
{
	size_t C = m->cfg.width, F = m->cfg.hidden, L = m->cfg.layers, V = m->cfg.vocab, l;
	float *a;

	if (m->dec_version == m->version && m->dec_mem)
		return;
	if (!m->dec_mem)
		m->dec_mem = xmalloc(sizeof(float) * (L * (3 * C * C + C * C + 2 * F * C + F * C) +
		                                      C * V));
	a = m->dec_mem;
	m->wqkv_t = a;  a += L * 3 * C * C;
	m->wo_t = a;    a += L * C * C;
	m->wgu_t = a;   a += L * 2 * F * C;
	m->wdown_t = a; a += L * F * C;
	m->head_t = a;
	for (l = 0; l < L; l++) {
		transpose(m->wqkv_t + l * 3 * C * C, m->params.wqkv + l * 3 * C * C, 3 * C, C);
		transpose(m->wo_t + l * C * C, m->params.wo + l * C * C, C, C);
		transpose(m->wgu_t + l * 2 * F * C, m->params.wgu + l * 2 * F * C, 2 * F, C);
		transpose(m->wdown_t + l * F * C, m->params.wdown + l * F * C, C, F);
	}
	transpose(m->head_t, m->params.lm_head, V, C);
	m->dec_version = m->version;
}

/* ---------------------------------------------------------------------- */
/* Decoding                                                                */

struct gen {
	struct model *m;
	int nseq, plen, G;          /* sequences, prompt length, generated positions cached */
	int n;                      /* live rows this step */
	int *live;                  /* (nseq) row -> sequence */
	int pos;                    /* position of the tokens fed this step */
	int j;                      /* their index among the generated tokens */
	float *kp, *vp;             /* (L, H, hd, plen), (L, plen, C) the prompt's */
	float *kg, *vg;             /* (nseq, L, H, hd, G), (nseq, L, G, C) each sequence's */
	float *x, *ln, *qkv, *atty, *gu, *h, *logits;   /* (nseq, C|3C|C|2F|F|V) */
	float *scores;              /* (nthreads, plen + G) */
	int layer;
	/* sampling */
	const struct model_sample_opts *o;
	struct model_rng *rng;      /* (nseq) */
	int *tok;                   /* (nseq) the token each row samples */
	float *work;                /* (nthreads, V) */
	int *idx;                   /* (nthreads, V) */
};

/* scores[p] = sum_d q[d] kt[d][p] as fused chains over d, for p < n; stride
 * ldk between the rows of kt. */
#if HAVE_X86
__attribute__((target("avx2,fma"))) static void
qk_avx2(float *scores, const float *q, const float *kt, int hd, int n, int ldk)
{
	int p = 0, d;

	for (; p + 8 <= n; p += 8) {
		__m256 acc = _mm256_setzero_ps();

		for (d = 0; d < hd; d++)
			acc = _mm256_fmadd_ps(_mm256_set1_ps(q[d]),
			                      _mm256_loadu_ps(kt + (size_t)d * ldk + p), acc);
		_mm256_storeu_ps(scores + p, acc);
	}
	for (; p < n; p++) {
		float acc = 0.0f;

		for (d = 0; d < hd; d++)
			acc = fmaf(q[d], kt[(size_t)d * ldk + p], acc);
		scores[p] = acc;
	}
}

/* out[d] += sum_p w[p] v[p][d], a fused chain over p, for d < hd. */
__attribute__((target("avx2,fma"))) static void
pv_avx2(float *out, const float *w, const float *v, int hd, int n, int ldv)
{
	int p, d = 0;

	for (; d + 8 <= hd; d += 8) {
		__m256 acc = _mm256_loadu_ps(out + d);

		for (p = 0; p < n; p++)
			acc = _mm256_fmadd_ps(_mm256_set1_ps(w[p]),
			                      _mm256_loadu_ps(v + (size_t)p * ldv + d), acc);
		_mm256_storeu_ps(out + d, acc);
	}
	for (; d < hd; d++)
		for (p = 0; p < n; p++)
			out[d] = fmaf(w[p], v[(size_t)p * ldv + d], out[d]);
}
#endif

static void
qk(float *scores, const float *q, const float *kt, int hd, int n, int ldk)
{
	int p, d;

#if HAVE_X86
	if (strcmp(kernels_isa(), "avx2") == 0) {
		qk_avx2(scores, q, kt, hd, n, ldk);
		return;
	}
#endif
	for (p = 0; p < n; p++) {
		float acc = 0.0f;

		for (d = 0; d < hd; d++)
			acc = fmaf(q[d], kt[(size_t)d * ldk + p], acc);
		scores[p] = acc;
	}
}

static void
pv(float *out, const float *w, const float *v, int hd, int n, int ldv)
{
	int p, d;

#if HAVE_X86
	if (strcmp(kernels_isa(), "avx2") == 0) {
		pv_avx2(out, w, v, hd, n, ldv);
		return;
	}
#endif
	for (d = 0; d < hd; d++)
		for (p = 0; p < n; p++)
			out[d] = fmaf(w[p], v[(size_t)p * ldv + d], out[d]);
}

/* One (row, head): attention of the fed token over the prompt and its own
 * tokens 0..j (the one fed this step included). */
static void
dec_attn_task(void *arg, int task, int worker)
{
	struct gen *g = arg;
	const struct model_config *c = &g->m->cfg;
	int C = c->width, H = c->heads, hd = C / H, L = c->layers, l = g->layer;
	int r = task / H, h = task % H, s = g->live[r], n = g->plen + g->j + 1, i;
	const float *q = g->qkv + (size_t)r * 3 * C + h * hd;
	const float *kp = g->kp + (((size_t)l * H + h) * hd) * g->plen;
	const float *kg = g->kg + ((((size_t)s * L + l) * H + h) * hd) * g->G;
	const float *vp = g->vp + (size_t)l * g->plen * C + h * hd;
	const float *vg = g->vg + (((size_t)s * L + l) * g->G) * C + h * hd;
	float *sc = g->scores + (size_t)worker * (g->plen + g->G), *out = g->atty + (size_t)r * C + h * hd;
	float scale = 1.0f / sqrtf((float)hd), mx, sum;

	qk(sc, q, kp, hd, g->plen, g->plen);
	qk(sc + g->plen, q, kg, hd, g->j + 1, g->G);
	for (i = 0; i < n; i++)
		sc[i] *= scale;
	mx = -INFINITY;
	for (i = 0; i < n; i++)
		mx = sc[i] > mx ? sc[i] : mx;
	sum = vexp_sum(sc, n, mx);
	memset(out, 0, sizeof(float) * hd);
	pv(out, sc, vp, hd, g->plen, C);
	pv(out, sc + g->plen, vg, hd, g->j + 1, C);
	for (i = 0; i < hd; i++)
		out[i] /= sum;
}

/* Append row r's k and v (of the token at index j) to its sequence's cache. */
static void
dec_store(struct gen *g, int l)
{
	const struct model_config *c = &g->m->cfg;
	int C = c->width, H = c->heads, hd = C / H, L = c->layers, r, h, d;

	for (r = 0; r < g->n; r++) {
		int s = g->live[r];
		const float *k = g->qkv + (size_t)r * 3 * C + C, *v = k + C;
		float *kt = g->kg + (((size_t)s * L + l) * H) * hd * g->G;

		for (h = 0; h < H; h++)
			for (d = 0; d < hd; d++)
				kt[((size_t)h * hd + d) * g->G + g->j] = k[h * hd + d];
		memcpy(g->vg + (((size_t)s * L + l) * g->G + g->j) * C, v, sizeof(float) * C);
	}
}

/* Logits of the g->n live rows whose next input tokens are g->tok[]. */
static void
dec_step(struct gen *g)
{
	struct model *m = g->m;
	const struct model_config *c = &m->cfg;
	int C = c->width, F = c->hidden, H = c->heads, hd = C / H, V = c->vocab, n = g->n, l, r;
	float *rstd = g->scores;    /* n floats; scores are not in use yet */

	for (r = 0; r < n; r++)
		memcpy(g->x + (size_t)r * C, m->params.wte + (size_t)g->tok[r] * C, sizeof(float) * C);
	for (l = 0; l < c->layers; l++) {
		g->layer = l;
		rmsnorm_fwd(m->pool, g->ln, rstd, g->x, m->params.attn_norm + (size_t)l * C, n, C,
		            c->norm_eps);
		matmul_rows(m->pool, g->qkv, g->ln, m->wqkv_t + (size_t)l * 3 * C * C, n, C, 3 * C, 0);
		rope(m->pool, g->qkv, m->rope_cos, m->rope_sin, n, 1, C, hd, g->pos, 0);
		dec_store(g, l);
		pool_run(m->pool, n * H, dec_attn_task, g);
		matmul_rows(m->pool, g->x, g->atty, m->wo_t + (size_t)l * C * C, n, C, C, 1);
		rmsnorm_fwd(m->pool, g->ln, rstd, g->x, m->params.mlp_norm + (size_t)l * C, n, C,
		            c->norm_eps);
		matmul_rows(m->pool, g->gu, g->ln, m->wgu_t + (size_t)l * 2 * F * C, n, C, 2 * F, 0);
		swiglu_fwd(m->pool, g->h, g->gu, n, F);
		matmul_rows(m->pool, g->x, g->h, m->wdown_t + (size_t)l * F * C, n, F, C, 1);
	}
	rmsnorm_fwd(m->pool, g->ln, rstd, g->x, m->params.norm, n, C, c->norm_eps);
	matmul_rows(m->pool, g->logits, g->ln, m->head_t, n, C, V, 0);
}

/* ---------------------------------------------------------------------- */
/* Sampling one token                                                      */

struct pidx {
	float p;
	int i;
};

static int
pidx_cmp(const void *a, const void *b)
{
	const struct pidx *x = a, *y = b;

	if (x->p != y->p)
		return x->p > y->p ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * A token from logits (V), modified in place; -1 when every token is masked.
 * Exactly one draw from r per call when temperature > 0, none when greedy.
 */
static int
sample_token(float *logits, int V, float temperature, float top_p, struct model_rng *r,
             struct pidx *tmp)
{
	float mx = -INFINITY, sum, u, cum, inv;
	int i, best = -1, n;

	for (i = 0; i < V; i++)
		if (logits[i] > mx) {
			mx = logits[i];
			best = i;
		}
	if (best < 0 || mx == -INFINITY || isnan(mx))
		return -1;
	if (temperature <= 0.0f)
		return best;
	inv = 1.0f / temperature;
	for (i = 0; i < V; i++)
		logits[i] = (logits[i] - mx) * inv;
	sum = vexp_sum(logits, V, 0.0f);    /* probabilities times sum */
	u = model_rng_float(r);
	if (top_p >= 1.0f) {
		u *= sum;
		cum = 0.0f;
		for (i = 0; i < V; i++) {
			if (logits[i] <= 0.0f)
				continue;
			best = i;
			cum += logits[i];
			if (cum > u)
				return i;
		}
		return best;    /* rounding: the last token with mass */
	}
	for (i = n = 0; i < V; i++)
		if (logits[i] > 0.0f) {
			tmp[n].p = logits[i];
			tmp[n].i = i;
			n++;
		}
	qsort(tmp, n, sizeof(*tmp), pidx_cmp);
	cum = 0.0f;
	for (i = 0; i < n; i++) {
		cum += tmp[i].p;
		if (cum >= top_p * sum)
			break;
	}
	n = i < n ? i + 1 : n;      /* the nucleus: tmp[0..n-1] */
	for (i = 0, sum = 0.0f; i < n; i++)
		sum += tmp[i].p;
	u *= sum;
	for (i = 0, cum = 0.0f; i < n; i++) {
		cum += tmp[i].p;
		if (cum > u)
			return tmp[i].i;
	}
	return tmp[n - 1].i;
}

static void
sample_task(void *arg, int r, int worker)
{
	struct gen *g = arg;
	int V = g->m->cfg.vocab;

	if (g->tok[r] == -2)    /* the callback stopped it */
		return;
	g->tok[r] = sample_token(g->logits + (size_t)r * V, V, g->o->temperature, g->o->top_p,
	                         &g->rng[g->live[r]], (struct pidx *)(g->idx) + (size_t)worker * V);
}

/* ---------------------------------------------------------------------- */
/* Generation                                                              */

void
model_generate(struct model *m, const int *prompt, int plen, int nseq, const uint64_t *seeds,
               const struct model_sample_opts *o, struct model_sample *res)
{
	const struct model_config *c = &m->cfg;
	int C = c->width, F = c->hidden, H = c->heads, hd = C / H, L = c->layers, V = c->vocab;
	int l, r, s, d, h, nt = m->nthreads, maxtok, nlive;
	struct gen g;
	float *x;

	if (nseq <= 0)
		return;
	if (plen < 1 || plen >= c->ctx)
		die(EX_SOFTWARE, "model: prompt of %d tokens does not fit the context %d", plen,
		    c->ctx);
	for (s = 0; s < nseq; s++) {
		res[s].n = 0;
		res[s].stop = MODEL_STOP_LENGTH;
	}
	/* tokens j = 0 .. maxtok-1; token j-1 is fed at position plen + j - 1 < ctx */
	maxtok = o->max_new < c->ctx - plen + 1 ? o->max_new : c->ctx - plen + 1;
	if (maxtok <= 0)
		return;
	dec_weights(m);

	memset(&g, 0, sizeof(g));
	g.m = m;
	g.nseq = nseq;
	g.plen = plen;
	g.G = maxtok;
	g.o = o;
	g.live = xmalloc(sizeof(int) * nseq);
	g.tok = xmalloc(sizeof(int) * nseq);
	g.rng = xmalloc(sizeof(*g.rng) * nseq);
	g.kp = xmalloc(sizeof(float) * (size_t)L * plen * C * 2);
	g.vp = g.kp + (size_t)L * plen * C;
	g.kg = xmalloc(sizeof(float) * (size_t)nseq * L * g.G * C * 2);
	g.vg = g.kg + (size_t)nseq * L * g.G * C;
	g.x = x = xmalloc(sizeof(float) * (size_t)nseq * (C + C + 3 * C + C + 2 * F + F + V));
	g.ln = x + (size_t)nseq * C;
	g.qkv = g.ln + (size_t)nseq * C;
	g.atty = g.qkv + (size_t)nseq * 3 * C;
	g.gu = g.atty + (size_t)nseq * C;
	g.h = g.gu + (size_t)nseq * 2 * F;
	g.logits = g.h + (size_t)nseq * F;
	g.scores = xmalloc(sizeof(float) * (size_t)nt * (plen + g.G + nseq));
	g.idx = xmalloc(sizeof(struct pidx) * (size_t)nt * V);
	for (s = 0; s < nseq; s++)
		model_rng_init(&g.rng[s], seeds[s]);

	/* prefill: the training forward pass over the prompt, B = 1 */
	model_forward_body(m, prompt, 1, plen);
	for (l = 0; l < L; l++) {
		const float *qkv = m->acts.qkv + (size_t)l * plen * 3 * C;

		for (r = 0; r < plen; r++) {
			for (h = 0; h < H; h++)
				for (d = 0; d < hd; d++)
					g.kp[(((size_t)l * H + h) * hd + d) * plen + r] =
					        qkv[(size_t)r * 3 * C + C + h * hd + d];
			memcpy(g.vp + ((size_t)l * plen + r) * C, qkv + (size_t)r * 3 * C + 2 * C,
			       sizeof(float) * C);
		}
	}
	/* the first token's logits, the same for every sequence */
	matmul_rows(m->pool, g.logits, m->acts.lnf + (size_t)(plen - 1) * C, m->head_t, 1, C, V, 0);
	for (s = 1; s < nseq; s++)
		memcpy(g.logits + (size_t)s * V, g.logits, sizeof(float) * V);
	for (s = 0; s < nseq; s++)
		g.live[s] = s;
	g.n = nseq;

	for (g.j = 0;; g.j++) {
		/* the logits of token j are in g.logits for the live rows.
		 * NEEDSWORK: the callbacks run one after another on this thread
		 * (simple for the caller: no locking); a costly constrained
		 * sampler could run them in the pool, one task per sequence. */
		if (o->mask)
			for (r = 0; r < g.n; r++) {
				s = g.live[r];
				if (o->mask(o->mask_ctx, s, res[s].out, res[s].n,
				            g.logits + (size_t)r * V, V))
					g.tok[r] = -2;          /* the callback said stop */
				else
					g.tok[r] = 0;
			}
		else
			for (r = 0; r < g.n; r++)
				g.tok[r] = 0;
		/* sample the rows the callback did not stop; compact those that go on */
		pool_run(m->pool, g.n, sample_task, &g);
		nlive = 0;
		for (r = 0; r < g.n; r++) {
			int t = g.tok[r];

			s = g.live[r];
			if (t == -2) {
				res[s].stop = MODEL_STOP_CALLBACK;
				continue;
			}
			if (t < 0) {
				res[s].stop = MODEL_STOP_NOTOKEN;
				continue;
			}
			if (t == o->eos) {
				res[s].stop = MODEL_STOP_EOS;
				continue;
			}
			res[s].out[res[s].n++] = t;
			if (res[s].n >= maxtok) {
				res[s].stop = MODEL_STOP_LENGTH;
				continue;
			}
			g.live[nlive] = s;
			g.tok[nlive] = t;
			nlive++;
		}
		g.n = nlive;
		if (g.n == 0)
			break;
		/* feed token j at position plen + j: the logits of token j + 1 */
		g.pos = plen + g.j;
		dec_step(&g);
	}

	free(g.live);
	free(g.tok);
	free(g.rng);
	free(g.kp);
	free(g.kg);
	free(g.x);
	free(g.scores);
	free(g.idx);
}

/* ---------------------------------------------------------------------- */
/* Embeddings                                                              */

void
model_embed(struct model *m, const int *tokens, int n, float *out)
{
	int C = m->cfg.width, t, i;
	double *acc = xcalloc(C, sizeof(double)), norm = 0;

	model_forward_body(m, tokens, 1, n);
	for (t = 0; t < n; t++)
		for (i = 0; i < C; i++)
			acc[i] += m->acts.lnf[(size_t)t * C + i];
	for (i = 0; i < C; i++) {
		acc[i] /= n;
		norm += acc[i] * acc[i];
	}
	norm = sqrt(norm);
	for (i = 0; i < C; i++)
		out[i] = (float)(norm > 0 ? acc[i] / norm : 0.0);
	free(acc);
}
