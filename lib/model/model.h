/*
 * model.h - a small decoder-only transformer (Llama family), float32, on the CPU
 *
 * Architecture: token embedding; L blocks of
 *     x += attn(rmsnorm(x))      multi-head causal self-attention, rotary positions
 *     x += mlp(rmsnorm(x))       SwiGLU: down(silu(gate(x)) * up(x))
 * then a final rmsnorm and the output head (tied to the embedding when cfg.tie).
 * No biases. Rotary positions use the Hugging Face Llama convention (rotate_half:
 * dimension i pairs with i + head_size/2), so a checkpoint loads into
 * transformers' LlamaForCausalLM as it is.
 *
 * Layout (llm.c's): parameters live in ONE allocation, gradients in one, the
 * AdamW moments in one, the activations saved for backward in one; every
 * tensor is a pointer into its block (struct model_params, struct model_acts).
 * Matrices are stored as PyTorch stores nn.Linear weights: (out, in).
 *
 * Determinism: the same seed gives byte-identical weights, losses and samples
 * whatever the thread count, and samples do not depend on how many sequences
 * are decoded together. Work is cut into tasks by the SHAPE of the problem
 * only (never by the thread count); a task owns its output elements and sums
 * in a fixed order; OpenBLAS runs one thread per call (we parallelise around
 * it). See model.c's header comment.
 *
 * Errors: misuse (a token id out of range, a batch longer than the context)
 * is a bug in the caller and dies with EX_SOFTWARE (70). Loading a checkpoint
 * never dies on bad data: it returns an exit status and a message.
 *
 * Threads: a struct model is not safe to share between threads; it owns a pool
 * of nthreads - 1 workers (the calling thread is the other one).
 */
#ifndef STP_MODEL_H
#define STP_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct tokenizer;

struct model_config {
	int vocab;          /* V: vocabulary size (rows of the embedding) */
	int ctx;            /* maximum sequence length, positions 0..ctx-1 */
	int layers;         /* L */
	int heads;          /* H; head size C/H must be even (rotary pairs) */
	int width;          /* C: the residual stream */
	int hidden;         /* F: SwiGLU hidden size */
	float rope_theta;   /* rotary base, 10000 in Llama */
	float norm_eps;     /* rmsnorm epsilon, 1e-5 */
	int tie;            /* 1: the output head is the embedding (no lm_head tensor) */
};

/* Sensible defaults for width C (heads C/32, hidden about 8C/3 rounded up to 32). */
struct model_config model_config_default(int vocab, int width, int layers, int ctx);

/* NULL when cfg is usable, else a static message naming the bad field. */
const char *model_config_check(const struct model_config *cfg);

/* Number of parameters (floats) of cfg; the tied head counts once. */
size_t model_config_nparams(const struct model_config *cfg);

/* cfg as a compact JSON object string (caller frees), and back. model_config_parse
 * returns 0, or -1 with a message in err (the field named). */
char *model_config_json(const struct model_config *cfg);
int model_config_parse(const char *json, struct model_config *cfg, char *err, size_t errlen);

/* The parameter tensors, pointers into one block. */
struct model_params {
	float *wte;         /* (V, C) token embedding */
	float *attn_norm;   /* (L, C) input_layernorm */
	float *wqkv;        /* (L, 3C, C) q_proj, k_proj, v_proj rows, in that order */
	float *wo;          /* (L, C, C) o_proj */
	float *mlp_norm;    /* (L, C) post_attention_layernorm */
	float *wgu;         /* (L, 2F, C) gate_proj rows, then up_proj rows */
	float *wdown;       /* (L, C, F) down_proj */
	float *norm;        /* (C) final norm */
	float *lm_head;     /* (V, C); == wte when tied */
};

/* AdamW and the learning-rate schedule. */
struct model_opt {
	float beta1, beta2;     /* 0.9, 0.95 */
	float eps;              /* 1e-8 */
	float weight_decay;     /* 0.1, on matrices and the embedding, never on norm gains */
	float clip;             /* global gradient norm clip; <= 0: none (1.0) */
	float lr;               /* peak learning rate (3e-3) */
	float lr_min;           /* floor of the cosine decay (lr / 10) */
	int warmup;             /* steps of linear warm-up (100) */
	int steps;              /* total steps the cosine runs over; past it, lr_min */
};
struct model_opt model_opt_default(void);
/* Learning rate at step (0-based): linear warm-up from lr/warmup to lr over
 * `warmup` steps, then cosine down to lr_min at `steps`. */
float model_lr(const struct model_opt *o, int step);

struct model;

/*
 * A new model with weights drawn from seed (normal, std 0.02; the residual
 * projections o_proj and down_proj scaled by 1/sqrt(2L); norm gains 1),
 * computing on nthreads threads (<= 0: ncpus()). Dies with EX_SOFTWARE on a
 * bad config (check it first with model_config_check for a nicer message).
 */
struct model *model_new(const struct model_config *cfg, uint64_t seed, int nthreads);
void model_free(struct model *m);

const struct model_config *model_config(const struct model *m);
/* Parameters (and their gradients): the caller may read and write them. */
struct model_params *model_params(struct model *m);
struct model_params *model_grads(struct model *m);
float *model_param_block(struct model *m, size_t *n);   /* all parameters, n floats */
float *model_grad_block(struct model *m, size_t *n);
struct model_opt *model_optimizer(struct model *m);      /* settings; change freely */

/* 1: use the reference kernels (naive loops, no BLAS, no threads; for tests). */
void model_set_reference(struct model *m, int on);
int model_threads(const struct model *m);

/*
 * Training. tokens, targets: (B, T) ids; weights: (B, T) per-token loss weights
 * (0 on prompt and padding positions; there targets are not read). Returns
 * loss = sum(w * CE) / sum(w), 0 when every weight is 0. Sequences are left
 * aligned: position t of a row is t. targets and weights may be NULL (no
 * loss; returns 0). The activations are kept for model_backward; any other
 * call on the model (sampling, embedding) discards them.
 */
float model_forward(struct model *m, const int *tokens, const int *targets,
                    const float *weights, int B, int T);
void model_zero_grad(struct model *m);
/* Gradients of the last forward's loss, ADDED to the gradient block (so
 * several forward/backward pairs accumulate). */
void model_backward(struct model *m);
/* One AdamW step at learning rate lr, step the 1-based count of updates so far
 * (bias correction). Clips the gradient to the global norm opt.clip first.
 * Returns the global gradient norm before clipping. */
float model_update(struct model *m, float lr, int step);
/* AdamW moments, for checkpoints: m then v, n floats each. */
float *model_adam_block(struct model *m, size_t *n);

/* Logits of the last forward at row (b, t) over the vocabulary; valid only
 * for rows with a non-zero weight; NULL otherwise. For tests. */
const float *model_logits_at(const struct model *m, int b, int t);

/*
 * Embedding of a token sequence: the last hidden state (after the final norm)
 * mean-pooled over the n positions and L2-normalised, into out[C]. n >= 1,
 * n <= ctx. Independent of other calls and of the thread count.
 */
void model_embed(struct model *m, const int *tokens, int n, float *out);

/*
 * Sampling. A mask callback sees, for sequence seq (0..nseq-1), the tokens it
 * has generated so far and the logits over the vocabulary (V floats, before
 * temperature). It may set entries to -INFINITY to forbid tokens. It returns
 * 0 to go on, 1 to end the sequence here (reason MODEL_STOP_CALLBACK). It is
 * called from the calling thread only, in sequence order, once per step.
 */
typedef int model_mask_fn(void *ctx, int seq, const int *gen, int ngen,
                          float *logits, int V);

struct model_sample_opts {
	float temperature;      /* 1.0; 0: greedy (argmax, lowest id on ties) */
	float top_p;            /* 1.0: the whole distribution */
	int max_new;            /* tokens to generate at most per sequence */
	int eos;                /* token that ends a sequence (not stored); -1: none */
	model_mask_fn *mask;    /* NULL: no constraint */
	void *mask_ctx;
};

enum model_stop {
	MODEL_STOP_EOS = 0,     /* sampled eos */
	MODEL_STOP_LENGTH,      /* max_new tokens, or the context is full */
	MODEL_STOP_CALLBACK,    /* the mask callback said stop */
	MODEL_STOP_NOTOKEN,     /* every token was masked */
};

/* One sequence's result: out[max_new] generated ids (eos not included). */
struct model_sample {
	int *out;               /* (max_new), owned by the caller */
	int n;                  /* tokens generated */
	int stop;               /* enum model_stop */
};

/*
 * Generate nseq continuations of one prompt (plen >= 1 tokens, plen < ctx).
 * The prompt is run once (prefill) and its keys/values shared by every
 * sequence; sequence i draws from its own stream seeded by seeds[i] (see
 * rng.h). The result of sequence i depends only on the weights, the
 * prompt, seeds[i], the options and the callback's answers for it: not on
 * nseq, the other sequences or the thread count.
 */
void model_generate(struct model *m, const int *prompt, int plen, int nseq,
                    const uint64_t *seeds, const struct model_sample_opts *o,
                    struct model_sample *res);

/*
 * K samples of one text prompt, the way every sampling tool draws them:
 * sample i for the record whose id is ID draws from the stream seeded by
 * rng_seed({seed, hash64(ID), i}) (rng.h, hash.h), so that what it is
 * depends on neither K, the other records, nor the thread count. A struct
 * model_ksample holds the settings (the caller sets them after init) and the
 * buffers for up to kmax samples of max_tokens each (ksample.c).
 */
struct model_ksample {
	float temperature, top_p;   /* 1.0, 1.0 */
	int max_tokens;             /* new tokens per sample at most */
	uint64_t seed;              /* the run's seed (0) */
	int eos;                    /* the token that ends a sample (-1: none) */
	int kmax;
	int *ids, n;                /* (n) the prompt's tokens; n 0: none */
	int max_new;                /* the prompt's budget: max_tokens, less where the
	                             * context ends */
	int *gen;                   /* (kmax, max_tokens) the samples' tokens */
	uint64_t *seeds;            /* (kmax) */
	struct model_sample *res;   /* (kmax) sample i: res[i].out, .n, .stop */
};

void model_ksample_init(struct model_ksample *ks, int kmax, int max_tokens);
void model_ksample_release(struct model_ksample *ks);
/*
 * The prompt of the next model_ksample_run: text in tok's ids, and its budget.
 * Returns 0, or -1 when m cannot read it (no prompt then): *unk (malloc'd,
 * the caller frees it) is the token not in the vocabulary, or NULL when the
 * prompt does not fit the context with room for one new token.
 */
int model_ksample_prompt(struct model_ksample *ks, const struct model *m,
                         const struct tokenizer *tok, const char *text, char **unk);
/*
 * k (<= kmax) samples of the prompt for the record id, through mask (NULL:
 * none; see model_generate): ks->res[0..k). Without a prompt every sample
 * is empty (n 0, MODEL_STOP_LENGTH).
 */
void model_ksample_run(struct model_ksample *ks, struct model *m, const char *id, int k,
                       model_mask_fn *mask, void *mask_ctx);

/*
 * The sampling seed of an iteration (docs/algorithm.md, "Determinism"): the
 * run's seed mixed with the iteration, so that each iteration (and each round
 * of expert iteration) draws fresh samples even when the model did not
 * change; without an iteration (iter < 0: an evaluation) the seed itself
 * (ksample.c).
 */
uint64_t model_iter_seed(uint64_t seed, long iter);

/*
 * Checkpoints: safetensors (8-byte little-endian header length, a JSON header,
 * then the tensors' float32 data), Hugging Face Llama tensor names and PyTorch
 * shapes. "__metadata__" holds "format": "pt", "stp_config" (the config as
 * JSON), "stp_vocab" (the token strings joined by '\n') and "stp_xxh3" (the
 * 16-hex-digit XXH3-64 of the whole data section). Written atomically
 * (atomic.h); dies only on write errors (as atomic.h does).
 *
 * model_load returns 0 and sets *mp and *tokp (the caller frees both), or
 * returns EX_NOINPUT (cannot open/read) or EX_DATAERR (corrupt, truncated,
 * inconsistent) with a message in err ("'PATH': ..."); it never dies on bad
 * data. nthreads as in model_new.
 */
void model_save(struct model *m, const struct tokenizer *tok, const char *path);
int model_load(const char *path, int nthreads, struct model **mp,
               struct tokenizer **tokp, char *err, size_t errlen);

/*
 * Optimizer state beside a checkpoint: a safetensors file holding
 * "adamw.exp_avg" and "adamw.exp_avg_sq" (P floats each) and, in its
 * metadata, the step and the parameter count. model_load_state returns 0 and
 * sets *step, or an exit status with a message, like model_load.
 */
void model_save_state(struct model *m, int step, const char *path);
int model_load_state(struct model *m, const char *path, int *step, char *err,
                     size_t errlen);

#endif
