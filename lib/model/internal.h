/*
 * internal.h - what the files of lib/model share: the thread pool, the
 * kernels (each fast one beside its plain reference) and struct model
 *
 * Kernel conventions: row-major float32; a matrix argument named w is a
 * weight in PyTorch's (out, in) layout. "fast" kernels take the pool and cut
 * their work into tasks by shape only (see model.c); "ref" kernels are naive
 * loops with double accumulators, no BLAS, no threads: the tests' yardstick.
 */
#ifndef STP_MODEL_INTERNAL_H
#define STP_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* ---- thread pool (pool.c) ---- */

struct pool;
/* fn(ctx, task, worker): task in 0..ntasks-1, worker in 0..nthreads-1 (for
 * per-worker scratch memory only: results must not depend on it). */
typedef void pool_fn(void *ctx, int task, int worker);
struct pool *pool_new(int nthreads);
/* Run fn on every task and return when all are done. Not reentrant. */
void pool_run(struct pool *p, int ntasks, pool_fn *fn, void *ctx);
int pool_size(const struct pool *p);
void pool_free(struct pool *p);

/* ---- SIMD helpers (kernels.c) ---- */

/* x[i] = exp(x[i] - sub) for i < n; returns the sum of the new x[i], summed in
 * a fixed order that depends on n only. */
float vexp_sum(float *x, int n, float sub);
/* x[i] = exp(x[i]) with the same per-element function as vexp_sum. */
void vexp(float *x, int n);
/* dot(a, b) over n, in a fixed order that depends on n only. */
float vdot(const float *a, const float *b, int n);
/* The SIMD path in use: "avx2" or "generic". */
const char *kernels_isa(void);

/* ---- kernels (kernels.c); fast ones take the pool ---- */

/* out (N, O) = in (N, K) . w (O, K)^T, plus out when acc. */
void matmul_fwd(struct pool *p, float *out, const float *in, const float *w,
                int N, int K, int O, int acc);
void matmul_fwd_ref(float *out, const float *in, const float *w, int N, int K, int O,
                    int acc);
/* din (N, K) = dout (N, O) . w (O, K) (+ din when acc); dw (O, K) += dout^T . in.
 * din may be NULL (no input gradient wanted). */
void matmul_bwd(struct pool *p, float *din, float *dw, const float *dout, const float *in,
                const float *w, int N, int K, int O, int acc);
void matmul_bwd_ref(float *din, float *dw, const float *dout, const float *in,
                    const float *w, int N, int K, int O, int acc);
/* Row-independent product for decoding: out (N, O) = in (N, K) . wt (K, O),
 * wt the weight transposed; each element is a chain of fused multiply-adds
 * over k in order, so its bits depend neither on N nor on the other rows. */
void matmul_rows(struct pool *p, float *out, const float *in, const float *wt,
                 int N, int K, int O, int acc);

/* out (N, C) = x / rms(x) * g; rstd (N) = 1 / rms(x). */
void rmsnorm_fwd(struct pool *p, float *out, float *rstd, const float *x, const float *g,
                 int N, int C, float eps);
void rmsnorm_fwd_ref(float *out, float *rstd, const float *x, const float *g, int N, int C,
                     float eps);
/* dx (N, C) += d/dx; dg (C) += d/dg. */
void rmsnorm_bwd(struct pool *p, float *dx, float *dg, const float *dout, const float *x,
                 const float *rstd, const float *g, int N, int C);
void rmsnorm_bwd_ref(float *dx, float *dg, const float *dout, const float *x,
                     const float *rstd, const float *g, int N, int C);

/* Rotary tables: cos, sin (ctx, hd/2), angle t * theta^(-2i/hd). */
void rope_tables(float *cos_t, float *sin_t, int ctx, int hd, float theta);
/* Rotate q and k of qkv (B, T, 3C) in place, head size hd; inverse when inv
 * (the backward pass: a rotation's transpose is its inverse). Positions
 * pos0 + t. */
void rope(struct pool *p, float *qkv, const float *cos_t, const float *sin_t, int B, int T,
          int C, int hd, int pos0, int inv);
void rope_ref(float *qkv, const float *cos_t, const float *sin_t, int B, int T, int C,
              int hd, int pos0, int inv);

/* Causal attention. qkv (B, T, 3C), att (B, H, T, T) softmax probabilities
 * (entries above the diagonal unspecified), out (B, T, C). */
void attn_fwd(struct pool *p, float *out, float *att, const float *qkv, int B, int T,
              int C, int H, float *scratch);
void attn_fwd_ref(float *out, float *att, const float *qkv, int B, int T, int C, int H);
/* dqkv (B, T, 3C) = d/dqkv (overwritten); scratch: pool_size * T * T floats. */
void attn_bwd(struct pool *p, float *dqkv, const float *dout, const float *att,
              const float *qkv, int B, int T, int C, int H, float *scratch);
void attn_bwd_ref(float *dqkv, const float *dout, const float *att, const float *qkv, int B,
                  int T, int C, int H);

/* h (N, F) = silu(gu[:, :F]) * gu[:, F:], gu (N, 2F). */
void swiglu_fwd(struct pool *p, float *h, const float *gu, int N, int F);
void swiglu_fwd_ref(float *h, const float *gu, int N, int F);
/* dgu (N, 2F) = d/dgu (overwritten). */
void swiglu_bwd(struct pool *p, float *dgu, const float *dh, const float *gu, int N, int F);
void swiglu_bwd_ref(float *dgu, const float *dh, const float *gu, int N, int F);

/* Cross-entropy over logits (N, V): lse (N) = log-sum-exp of each row. */
void lse_fwd(struct pool *p, float *lse, const float *logits, int N, int V);
void lse_fwd_ref(float *lse, const float *logits, int N, int V);
/* logits become d loss / d logits = (softmax - onehot(target)) * scale[row]. */
void ce_bwd(struct pool *p, float *logits, const float *lse, const int *target,
            const float *scale, int N, int V);
void ce_bwd_ref(float *logits, const float *lse, const int *target, const float *scale,
                int N, int V);

/* dwte (V, C) += scatter of dx (N, C) by token: a task owns a range of
 * vocabulary rows and adds the positions in order. */
void embed_bwd(struct pool *p, float *dwte, const float *dx, const int *tokens, int N, int C,
               int V);
void embed_bwd_ref(float *dwte, const float *dx, const int *tokens, int N, int C, int V);

/* ---- the model (model.c) ---- */

struct model_acts {
	float *x0;          /* (B, T, C) the embeddings: the stream into layer 0 */
	float *ln1;         /* (L, B, T, C) rmsnorm before attention */
	float *rstd1;       /* (L, B, T) */
	float *qkv;         /* (L, B, T, 3C) q, k rotated */
	float *att;         /* (L, B, H, T, T) attention probabilities */
	float *atty;        /* (L, B, T, C) attention output, before o_proj */
	float *xa;          /* (L, B, T, C) the stream after attention */
	float *ln2;         /* (L, B, T, C) rmsnorm before the MLP */
	float *rstd2;       /* (L, B, T) */
	float *gu;          /* (L, B, T, 2F) gate and up, before the activation */
	float *hmid;        /* (L, B, T, F) silu(gate) * up */
	float *xm;          /* (L, B, T, C) the stream after the MLP */
	float *lnf;         /* (B, T, C) final norm */
	float *rstdf;       /* (B, T) */
	float *hrows;       /* (B*T, C) lnf rows of weighted positions, gathered */
	float *logits;      /* (B*T, V) logits of those rows; d logits after backward */
	float *lse;         /* (B*T) their log-sum-exp */
	float *scale;       /* (B*T) weight / sum of weights */
	int *rows;          /* (B*T) index (b*T + t) of each weighted row */
	int *tgt;           /* (B*T) its target */
	int *tokens;        /* (B, T) a copy of the input */
};

/* Scratch for backward: the gradient flowing through one layer at a time. */
struct model_dacts {
	float *dx;          /* (B, T, C) d stream */
	float *dln;         /* (B, T, C) d rmsnorm output */
	float *dqkv;        /* (B, T, 3C) */
	float *datty;       /* (B, T, C) */
	float *dgu;         /* (B, T, 2F) */
	float *dh;          /* (B, T, F) */
	float *dhrows;      /* (B*T, C) d of the gathered rows */
	float *scratch;     /* (nthreads, T, T) attention backward */
};

struct model {
	struct model_config cfg;
	struct model_opt opt;
	size_t nparams;             /* floats in params (and grads, m, v) */
	float *param_mem;           /* (nparams) */
	float *grad_mem;            /* (nparams) */
	float *adam_mem;            /* (2 * nparams): m then v; NULL until the first update */
	struct model_params params;
	struct model_params grads;
	float *rope_cos, *rope_sin; /* (ctx, hd/2) */

	/* activations for the last forward, sized for B*T <= cap_bt, T <= cap_t */
	float *act_mem;
	int *act_imem;
	float *dact_mem;
	int cap_bt, cap_t;
	struct model_acts acts;
	struct model_dacts dacts;
	int B, T;                   /* shape of the last forward */
	int nrows;                  /* weighted rows of the last forward */
	int have_fwd;               /* the acts belong to a forward with a loss */

	struct pool *pool;
	int nthreads;
	int ref;                    /* use the reference kernels */

	/* the weights transposed for decoding (sample.c), rebuilt when stale */
	uint64_t version;           /* bumped whenever the parameters may change */
	uint64_t dec_version;       /* version dec_mem was built from; 0: none */
	float *dec_mem;
	float *wqkv_t;              /* (L, C, 3C) */
	float *wo_t;                /* (L, C, C) */
	float *wgu_t;               /* (L, C, 2F) */
	float *wdown_t;             /* (L, F, C) */
	float *head_t;              /* (C, V) */
};

/* Size the activation blocks for (B, T) (grow only). */
void model_ensure_acts(struct model *m, int B, int T);
/* The body of the forward pass up to the final norm (acts.lnf). */
void model_forward_body(struct model *m, const int *tokens, int B, int T);
/* Point a params struct into a block laid out for cfg. */
void model_params_point(struct model_params *p, float *mem, const struct model_config *cfg);

/* model_save, but only finished into *fin (written, flushed and checked
 * under its temporary name; atomic.h's out_finish): the caller publishes it
 * with out_publish, beside other files that must appear with it (hf.c). */
struct out;
void model_save_finish(struct model *m, const struct tokenizer *tok, const char *path,
                       struct out *fin);

#endif
