/*
 * test_model.c - unit tests for lib/model: gradients, fast against reference
 * kernels, training, determinism, sampling, embeddings
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "msg.h"
#include "rng.h"
#include "unit.h"

/* ---- helpers ---- */

struct tensor {
	const char *name;
	float *p, *g;
	size_t n;
};

/* Every parameter tensor of m (the tied head is the embedding). */
static int
tensors(struct model *m, struct tensor *t)
{
	const struct model_config *c = model_config(m);
	struct model_params *p = model_params(m), *g = model_grads(m);
	size_t V = c->vocab, C = c->width, L = c->layers, F = c->hidden;
	int n = 0;

#define T(nm, f, sz) (t[n].name = nm, t[n].p = p->f, t[n].g = g->f, t[n].n = (sz), n++)
	T("wte", wte, V * C);
	T("attn_norm", attn_norm, L * C);
	T("wqkv", wqkv, L * 3 * C * C);
	T("wo", wo, L * C * C);
	T("mlp_norm", mlp_norm, L * C);
	T("wgu", wgu, L * 2 * F * C);
	T("wdown", wdown, L * C * F);
	T("norm", norm, C);
	if (!c->tie)
		T("lm_head", lm_head, V * C);
#undef T
	return n;
}

struct batch {
	int B, T;
	int *tok, *tgt;
	float *w;
};

/* A batch of random tokens; targets are the next token; weights 0 on the
 * first `prompt` positions of each row and on its padded tail. */
static struct batch
batch_random(int B, int T, int V, int prompt, uint64_t seed)
{
	struct batch b = { B, T, xmalloc(sizeof(int) * B * T), xmalloc(sizeof(int) * B * T),
	                   xmalloc(sizeof(float) * B * T) };
	struct rng r;
	int i, t;

	rng_init(&r, seed);
	for (i = 0; i < B * T; i++) {
		b.tok[i] = (int)(rng_next(&r) % V);
		b.tgt[i] = (int)(rng_next(&r) % V);
	}
	for (i = 0; i < B; i++) {
		int len = T - (int)(rng_next(&r) % (T / 3 + 1));
		float w = 0.5f + rng_float(&r);

		for (t = 0; t < T; t++)
			b.w[i * T + t] = t >= prompt && t < len ? w : 0.0f;
	}
	return b;
}

static void
batch_free(struct batch *b)
{
	free(b->tok);
	free(b->tgt);
	free(b->w);
}

static struct model_config
tiny_config(int tie)
{
	struct model_config c = {
		.vocab = 13, .ctx = 8, .layers = 2, .heads = 2, .width = 8, .hidden = 12,
		.rope_theta = 10000.0f, .norm_eps = 1e-5f, .tie = tie,
	};

	return c;
}

/* Perturb the weights by uniform(-amp/2, amp/2), so that the norm gains
 * are not all 1 and the activations not all tiny. */
static void
jitter_amp(struct model *m, uint64_t seed, float amp)
{
	size_t n, i;
	float *p = model_param_block(m, &n);
	struct rng r;

	rng_init(&r, seed);
	for (i = 0; i < n; i++)
		p[i] += amp * (rng_float(&r) - 0.5f);
}

static void
jitter(struct model *m, uint64_t seed)
{
	jitter_amp(m, seed, 0.3f);
}

/*
 * Central differences (the 4-point stencil, error O(h^4)) on every element of
 * every tensor. Per tensor: the max over elements of |fd - an| /
 * max(|fd| + |an|, floor), and the relative error of the whole vector,
 * ||fd - an|| / (||fd|| + ||an||). The weights are of order 1, as after
 * training: with the 0.02 of the initialisation the norms' inputs are tiny
 * and a step of h changes them by far more than h would suggest.
 */
static void
gradcheck(int ref, int tie)
{
	struct model_config c = tiny_config(tie);
	struct model *m = model_new(&c, 7, ref ? 1 : 2);
	struct batch b = batch_random(2, 7, c.vocab, 2, 11);
	struct tensor t[9];
	int nt, k;
	size_t i;
	const double h = 1e-2, floor = 1e-3;
	double worst = 0, worst_vec = 0;

	model_set_reference(m, ref);
	jitter_amp(m, 3, 1.0f);
	nt = tensors(m, t);
	model_zero_grad(m);
	model_forward(m, b.tok, b.tgt, b.w, b.B, b.T);
	model_backward(m);
	for (k = 0; k < nt; k++) {
		double emax = 0, dn = 0, fn = 0, an = 0;

		for (i = 0; i < t[k].n; i++) {
			float keep = t[k].p[i];
			double l[4], fd, a = t[k].g[i], e;
			static const double at[4] = { -2, -1, 1, 2 };
			int j;

			for (j = 0; j < 4; j++) {
				t[k].p[i] = (float)(keep + at[j] * h);
				l[j] = model_forward(m, b.tok, b.tgt, b.w, b.B, b.T);
			}
			t[k].p[i] = keep;
			fd = (l[0] - 8 * l[1] + 8 * l[2] - l[3]) / (12 * h);
			e = fabs(fd - a) / fmax(fabs(fd) + fabs(a), floor);
			if (e > emax)
				emax = e;
			dn += (fd - a) * (fd - a);
			fn += fd * fd;
			an += a * a;
		}
		dn = sqrt(dn) / (sqrt(fn) + sqrt(an) + 1e-12);
		printf("# gradcheck %s tie=%d %-10s n=%4zu  max elem rel err %.2e  vector rel err %.2e\n",
		       ref ? "ref " : "fast", tie, t[k].name, t[k].n, emax, dn);
		if (emax > worst)
			worst = emax;
		if (dn > worst_vec)
			worst_vec = dn;
		CHECK(an > 0);          /* every tensor gets a gradient */
	}
	CHECK(worst_vec < 1e-3);
	CHECK(worst < 5e-2);
	batch_free(&b);
	model_free(m);
}

static void
test_gradcheck_ref(void)
{
	gradcheck(1, 1);
	gradcheck(1, 0);
}

static void
test_gradcheck_fast(void)
{
	gradcheck(0, 1);
	gradcheck(0, 0);
}

/* A mid-sized config whose shapes cross the kernels' block edges (T > 64,
 * rows > 64, vocabulary > 128, width not a multiple of 24). */
static struct model_config
mid_config(void)
{
	struct model_config c = {
		.vocab = 301, .ctx = 96, .layers = 2, .heads = 4, .width = 40, .hidden = 72,
		.rope_theta = 10000.0f, .norm_eps = 1e-5f, .tie = 0,
	};

	return c;
}

static double
max_rel_diff(const float *a, const float *b, size_t n)
{
	double d = 0, s = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (fabs((double)a[i] - b[i]) > d)
			d = fabs((double)a[i] - b[i]);
		if (fabs((double)a[i]) > s)
			s = fabs((double)a[i]);
	}
	return s > 0 ? d / s : d;
}

static void
test_fast_matches_reference(void)
{
	struct model_config c = mid_config();
	struct model *f = model_new(&c, 5, 2), *r = model_new(&c, 5, 1);
	struct batch b = batch_random(3, 90, c.vocab, 20, 9);
	struct tensor tf[9], tr[9];
	float lf, lr;
	int nt, k, i;

	model_set_reference(r, 1);
	jitter(f, 1);
	jitter(r, 1);
	lf = model_forward(f, b.tok, b.tgt, b.w, b.B, b.T);
	lr = model_forward(r, b.tok, b.tgt, b.w, b.B, b.T);
	printf("# loss fast %.7f ref %.7f\n", lf, lr);
	CHECK(fabs(lf - lr) < 1e-5 * fabs(lr));
	for (i = 0; i < b.B * b.T; i += 37) {
		const float *a = model_logits_at(f, i / b.T, i % b.T), *z = model_logits_at(r, i / b.T, i % b.T);

		CHECK((a == NULL) == (b.w[i] == 0));
		if (a && z)
			CHECK(max_rel_diff(z, a, c.vocab) < 1e-5);
	}
	model_zero_grad(f);
	model_zero_grad(r);
	model_backward(f);
	model_backward(r);
	nt = tensors(f, tf);
	tensors(r, tr);
	for (k = 0; k < nt; k++) {
		double d = max_rel_diff(tr[k].g, tf[k].g, tf[k].n);

		printf("# fast vs ref grad %-10s max diff / max %.2e\n", tf[k].name, d);
		CHECK(d < 1e-4);
	}
	batch_free(&b);
	model_free(f);
	model_free(r);
}

/* The decoding kernels against the training path: the logits of the last
 * prompt position and of each fed token equal a full forward's. */
static int
greedy_mask(void *ctx, int seq, const int *gen, int ngen, float *logits, int V)
{
	return 0;
}

static void
test_decode_matches_forward(void)
{
	struct model_config c = mid_config();
	struct model *m = model_new(&c, 5, 2);
	struct model_sample_opts o = { .temperature = 0, .top_p = 1, .max_new = 20, .eos = -1,
	                               .mask = greedy_mask };
	int prompt[10] = { 1, 5, 7, 9, 11, 13, 2, 4, 6, 8 }, out[20], seq[30], tg[30], i;
	float w[30];
	struct model_sample s = { out, 0, 0 };
	uint64_t seed = 1;

	jitter(m, 2);
	model_generate(m, prompt, 10, 1, &seed, &o, &s);
	CHECK_INT_EQ(s.n, 20);
	/* greedy: each generated token is the argmax of the full forward's logits */
	memcpy(seq, prompt, sizeof(prompt));
	memcpy(seq + 10, out, sizeof(int) * 19);
	for (i = 0; i < 29; i++) {
		tg[i] = seq[i + 1 < 29 ? i + 1 : 0];
		w[i] = i >= 9 ? 1.0f : 0.0f;
	}
	model_forward(m, seq, tg, w, 1, 29);
	for (i = 9; i < 29; i++) {
		const float *l = model_logits_at(m, 0, i);
		int j, best = 0;

		for (j = 1; j < c.vocab; j++)
			if (l[j] > l[best])
				best = j;
		CHECK_INT_EQ(best, out[i - 9]);
	}
	model_free(m);
}

/* A fixed-seed tiny run learns a repeating pattern. */
static void
test_training_loss_goes_down(void)
{
	struct model_config c = model_config_default(32, 32, 2, 64);
	struct model *m = model_new(&c, 1, 2);
	struct model_opt *o = model_optimizer(m);
	int B = 4, T = 48, i, step, tok[4 * 48], tgt[4 * 48];
	float w[4 * 48], first = 0, last = 0;

	o->lr = 1e-2f;
	o->lr_min = 1e-3f;
	o->warmup = 5;
	o->steps = 60;
	for (i = 0; i < B * T; i++) {
		tok[i] = (i * 7 + i / T) % 11 + 3;
		tgt[i] = ((i + 1) * 7 + i / T) % 11 + 3;
		w[i] = i % T >= 4 ? 1.0f : 0.0f;
	}
	for (step = 0; step < 60; step++) {
		float loss = model_forward(m, tok, tgt, w, B, T);

		model_zero_grad(m);
		model_backward(m);
		model_update(m, model_lr(o, step), step + 1);
		if (step == 0)
			first = loss;
		last = loss;
	}
	printf("# loss %.4f -> %.4f\n", first, last);
	CHECK(first > 3.0f);
	CHECK(last < 0.1f * first);
	model_free(m);
}

static void
train_steps(struct model *m, int steps)
{
	struct model_config c = *model_config(m);
	struct batch b = batch_random(4, 96, c.vocab, 10, 77);
	int s;

	for (s = 1; s <= steps; s++) {
		model_zero_grad(m);
		model_forward(m, b.tok, b.tgt, b.w, b.B, b.T);
		model_backward(m);
		model_update(m, 1e-3f, s);
	}
	batch_free(&b);
}

static void
test_threads_identical_weights(void)
{
	struct model_config c = mid_config();
	struct model *a = model_new(&c, 42, 1), *b = model_new(&c, 42, 2);
	size_t na, nb;
	float *pa, *pb;

	train_steps(a, 4);
	train_steps(b, 4);
	pa = model_param_block(a, &na);
	pb = model_param_block(b, &nb);
	CHECK_MEM_EQ(pa, na * sizeof(float), pb, nb * sizeof(float));
	pa = model_adam_block(a, &na);
	pb = model_adam_block(b, &nb);
	CHECK_MEM_EQ(pa, 2 * na * sizeof(float), pb, 2 * nb * sizeof(float));
	model_free(a);
	model_free(b);
}

/* A mask that forbids odd tokens after the third and stops sample 5 at 4;
 * ctx holds the index of the call's first sample. */
static int
odd_mask(void *ctx, int seq, const int *gen, int ngen, float *logits, int V)
{
	int i;

	if (*(int *)ctx + seq == 5 && ngen == 4)
		return 1;
	if (ngen >= 3)
		for (i = 1; i < V; i += 2)
			logits[i] = -INFINITY;
	return 0;
}

static void
generate(struct model *m, int nseq, const uint64_t *seeds, float top_p, int **out,
         struct model_sample *res, int first)
{
	int prompt[12] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8 }, base = first % 8, i;
	struct model_sample_opts o = { .temperature = 1.0f, .top_p = top_p, .max_new = 40,
	                               .eos = 2, .mask = odd_mask, .mask_ctx = &base };

	for (i = 0; i < nseq; i++)
		res[i].out = out[first + i];
	model_generate(m, prompt, 12, nseq, seeds, &o, res);
}

static void
test_samples_identical(void)
{
	struct model_config c = mid_config();
	struct model *m1 = model_new(&c, 3, 1), *m2 = model_new(&c, 3, 2);
	uint64_t seeds[8];
	struct model_sample batch[8], one[8], two[8];
	int *buf[24], i, distinct = 0;
	float top_p;

	for (i = 0; i < 24; i++)
		buf[i] = xcalloc(40, sizeof(int));
	for (i = 0; i < 8; i++) {
		uint64_t words[3] = { 1234, 99, (uint64_t)i };

		seeds[i] = rng_seed(words, 3);
	}
	for (top_p = 1.0f; top_p > 0.5f; top_p -= 0.3f) {
		generate(m2, 8, seeds, top_p, buf, batch, 0);
		for (i = 0; i < 8; i++)
			generate(m1, 1, seeds + i, top_p, buf, one + i, 8 + i);
		generate(m1, 8, seeds, top_p, buf, two, 16);
		for (i = 0; i < 8; i++) {
			CHECK_INT_EQ(batch[i].n, one[i].n);
			CHECK_INT_EQ(batch[i].stop, one[i].stop);
			CHECK_MEM_EQ(batch[i].out, sizeof(int) * batch[i].n, one[i].out,
			             sizeof(int) * one[i].n);
			CHECK_MEM_EQ(two[i].out, sizeof(int) * two[i].n, one[i].out,
			             sizeof(int) * one[i].n);
			if (i && (batch[i].n != batch[0].n ||
			          memcmp(batch[i].out, batch[0].out, sizeof(int) * batch[i].n)))
				distinct++;
		}
		CHECK_INT_EQ(batch[5].stop, MODEL_STOP_CALLBACK);
		CHECK_INT_EQ(batch[5].n, 4);
		for (i = 0; i < 8; i++) {
			int j;

			for (j = 3; j < batch[i].n; j++)
				CHECK(batch[i].out[j] % 2 == 0);
		}
	}
	CHECK(distinct > 4);        /* the seeds do give different samples */
	for (i = 0; i < 24; i++)
		free(buf[i]);
	model_free(m1);
	model_free(m2);
}

static int
forbid_all(void *ctx, int seq, const int *gen, int ngen, float *logits, int V)
{
	int i;

	for (i = 0; i < V; i++)
		logits[i] = -INFINITY;
	return 0;
}

static void
test_sample_stops(void)
{
	struct model_config c = mid_config();
	struct model *m = model_new(&c, 3, 2);
	int prompt[3] = { 1, 2, 3 }, out[100];
	struct model_sample s = { out, 0, 0 };
	struct model_sample_opts o = { .temperature = 1, .top_p = 1, .max_new = 100, .eos = -1 };
	uint64_t seed = 5;

	/* the context (96) ends it: tokens 0..93 are fed at positions 3..95 */
	model_generate(m, prompt, 3, 1, &seed, &o, &s);
	CHECK_INT_EQ(s.n, 94);
	CHECK_INT_EQ(s.stop, MODEL_STOP_LENGTH);
	o.max_new = 7;
	model_generate(m, prompt, 3, 1, &seed, &o, &s);
	CHECK_INT_EQ(s.n, 7);
	CHECK_INT_EQ(s.stop, MODEL_STOP_LENGTH);
	o.mask = forbid_all;
	model_generate(m, prompt, 3, 1, &seed, &o, &s);
	CHECK_INT_EQ(s.n, 0);
	CHECK_INT_EQ(s.stop, MODEL_STOP_NOTOKEN);
	model_free(m);
}

static void
test_embed(void)
{
	struct model_config c = mid_config();
	struct model *m1 = model_new(&c, 8, 1), *m2 = model_new(&c, 8, 2);
	int a[9] = { 5, 6, 7, 8, 9, 10, 11, 12, 13 }, b[4] = { 20, 21, 22, 23 }, i;
	float e1[40], e2[40], e3[40];
	double n = 0;

	model_embed(m1, a, 9, e1);
	model_embed(m2, b, 4, e3);
	model_embed(m2, a, 9, e2);
	CHECK_MEM_EQ(e1, sizeof(e1), e2, sizeof(e2));
	for (i = 0; i < 40; i++)
		n += (double)e1[i] * e1[i];
	CHECK(fabs(n - 1.0) < 1e-5);
	CHECK(memcmp(e1, e3, sizeof(e1)) != 0);
	model_free(m1);
	model_free(m2);
}

/* model_ksample: sample i for a record is model_generate's from the seed
 * rng_seed({seed, hash64(id), i}), whatever k; a prompt the model
 * cannot read gives k empty samples. */
static void
test_ksample(void)
{
	struct model_config c = mid_config();
	struct model *m = model_new(&c, 3, 2);
	struct model_ksample ks;
	struct model_sample one;
	struct model_sample_opts o = { .temperature = 0.9f, .top_p = 0.95f, .max_new = 20,
	                               .eos = 2 };
	const char *toks[301];
	char names[301][8], *unk, *longp = xcalloc(4 * 96 + 1, 1);
	int prompt[5] = { 3, 1, 4, 1, 5 }, out[20], first[2][20], n[2];
	struct tokenizer *tok;
	uint64_t idh = hash64("x/1", 3);

	for (int i = 0; i < 301; i++) {
		snprintf(names[i], sizeof names[i], i == 2 ? "<eos>" : "t%d", i);
		toks[i] = names[i];
	}
	tok = tokenizer_from_list(toks, 301, NULL, 0);
	model_ksample_init(&ks, 5, 20);
	ks.temperature = 0.9f;
	ks.top_p = 0.95f;
	ks.seed = 77;
	ks.eos = 2;
	CHECK_INT_EQ(model_ksample_prompt(&ks, m, tok, "t3 t1 t4 t1 t5", &unk), 0);
	CHECK_INT_EQ(ks.max_new, 20);
	model_ksample_run(&ks, m, "x/1", 2, NULL, NULL);
	for (int i = 0; i < 2; i++) {
		n[i] = ks.res[i].n;
		memcpy(first[i], ks.res[i].out, sizeof(int) * (size_t)n[i]);
	}
	model_ksample_run(&ks, m, "x/1", 5, NULL, NULL);
	for (int i = 0; i < 5; i++) {
		uint64_t w[3] = { 77, idh, (uint64_t)i }, seed = rng_seed(w, 3);
		one.out = out;
		model_generate(m, prompt, 5, 1, &seed, &o, &one);
		CHECK_INT_EQ(ks.res[i].n, one.n);
		CHECK_INT_EQ(ks.res[i].stop, one.stop);
		CHECK_MEM_EQ(ks.res[i].out, sizeof(int) * (size_t)ks.res[i].n, out,
		             sizeof(int) * (size_t)one.n);
		if (i < 2)
			CHECK_MEM_EQ(first[i], sizeof(int) * (size_t)n[i], out,
			             sizeof(int) * (size_t)one.n);
	}
	/* an unknown token, a prompt that fills the context: no prompt */
	CHECK_INT_EQ(model_ksample_prompt(&ks, m, tok, "t3 t1 t4 t1 zz", &unk), -1);
	CHECK_STR_EQ(unk, "zz");
	free(unk);
	model_ksample_run(&ks, m, "x/1", 3, NULL, NULL);
	for (int i = 0; i < 3; i++) {
		CHECK_INT_EQ(ks.res[i].n, 0);
		CHECK_INT_EQ(ks.res[i].stop, MODEL_STOP_LENGTH);
	}
	for (int i = 0; i < 96; i++)
		memcpy(longp + 3 * i, "t7 ", 3);
	CHECK_INT_EQ(model_ksample_prompt(&ks, m, tok, longp, &unk), -1);
	CHECK_STR_EQ(unk, NULL);
	/* 90 tokens leave room for 6 new ones */
	longp[3 * 90] = '\0';
	CHECK_INT_EQ(model_ksample_prompt(&ks, m, tok, longp, &unk), 0);
	CHECK_INT_EQ(ks.max_new, 6);
	free(longp);
	model_ksample_release(&ks);
	tokenizer_free(tok);
	model_free(m);
}

static void
test_lr_schedule(void)
{
	struct model_opt o = model_opt_default();

	o.lr = 1.0f;
	o.lr_min = 0.1f;
	o.warmup = 10;
	o.steps = 110;
	CHECK(fabsf(model_lr(&o, 0) - 0.1f) < 1e-6f);
	CHECK(fabsf(model_lr(&o, 9) - 1.0f) < 1e-6f);
	CHECK(fabsf(model_lr(&o, 10) - 1.0f) < 1e-6f);
	CHECK(fabsf(model_lr(&o, 60) - 0.55f) < 1e-6f);
	CHECK(fabsf(model_lr(&o, 110) - 0.1f) < 1e-6f);
	CHECK(fabsf(model_lr(&o, 1000) - 0.1f) < 1e-6f);
}

/* docs/algorithm.md, 3: each iteration its own samples; no iteration, the seed */
static void
test_iter_seed(void)
{
	CHECK_UINT_EQ(model_iter_seed(7, -1), 7ULL);
	CHECK_UINT_EQ(model_iter_seed(7, 3), model_iter_seed(7, 3));
	CHECK(model_iter_seed(7, 1) != model_iter_seed(7, 2));
	CHECK(model_iter_seed(7, 1) != model_iter_seed(8, 1));
	CHECK(model_iter_seed(7, 0) != 7ULL);
}

static void
test_config_json(void)
{
	struct model_config c = model_config_default(2000, 256, 4, 512), d;
	char *s = model_config_json(&c), err[200];

	CHECK_INT_EQ(model_config_parse(s, &d, err, sizeof(err)), 0);
	CHECK_MEM_EQ(&c, sizeof(c), &d, sizeof(d));
	CHECK_INT_EQ(c.heads, 8);
	CHECK_INT_EQ(c.hidden, 704);
	free(s);
	CHECK_INT_EQ(model_config_parse("{\"vocab\":1}", &d, err, sizeof(err)), -1);
	CHECK_STR_EQ(err, "config field 'ctx': missing");
	CHECK_INT_EQ(model_config_parse("{\"vocab\":10,\"ctx\":8,\"layers\":1,\"heads\":3,"
	                                "\"width\":8,\"hidden\":8,\"rope_theta\":1e4,"
	                                "\"norm_eps\":1e-5,\"tie\":true}", &d, err, sizeof(err)), -1);
	CHECK_STR_EQ(err, "config: heads must divide width");
}

int
main(void)
{
	RUN(test_gradcheck_ref);
	RUN(test_gradcheck_fast);
	RUN(test_fast_matches_reference);
	RUN(test_decode_matches_forward);
	RUN(test_training_loss_goes_down);
	RUN(test_threads_identical_weights);
	RUN(test_samples_identical);
	RUN(test_sample_stops);
	RUN(test_embed);
	RUN(test_ksample);
	RUN(test_lr_schedule);
	RUN(test_iter_seed);
	RUN(test_config_json);
	return unit_done();
}
