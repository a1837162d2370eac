/*
 * model_bench.c - the driver behind bench/model-sgemm, bench/model-train and
 * bench/model-sample (built by those scripts against build/opt/libstp.a)
 *
 * usage: model_bench sgemm  [-t THREADS] [CONFIG]
 *        model_bench train  [-t THREADS] [-s STEPS] [CONFIG]
 *        model_bench sample [-t THREADS] [-n SAMPLES] [-p PROMPT] [-m MAX_NEW] [CONFIG]
 *        model_bench dump   [CONFIG] -o CKPT     (a random model, for torch_model.py --check)
 * CONFIG: [-V vocab] [-C width] [-L layers] [-H heads] [-F hidden] [-T seq] [-B batch]
 *         [-U] (an untied output head)
 *
 * Prints one line of "key value" pairs on stdout; timings never assert.
 */
#include <cblas.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/tokenizer.h"
#include "msg.h"
#include "rng.h"

struct bench {
	struct model_config cfg;
	int B, T, threads, steps, samples, prompt, max_new;
	const char *out;
};

/* Forward FLOPs per token of one training row: the matrix products (the head
 * included) and causal attention's useful half (q.k and p.v over T/2 keys on
 * average). Training = 3x forward. */
static double
fwd_flops_per_token(const struct model_config *c, int T)
{
	double C = c->width, F = c->hidden, V = c->vocab, L = c->layers;

	return L * 2 * (3 * C * C + C * C + 2 * F * C + F * C) + 2 * C * V + L * 2 * 2 * (T / 2.0) * C;
}

static double
time_sgemm(int tr_a, int M, int N, int K, int reps)
{
	float *A = xmalloc(sizeof(float) * (size_t)M * K), *B = xmalloc(sizeof(float) * (size_t)K * N);
	float *Cm = xcalloc((size_t)M * N, sizeof(float));
	double t0, best = 1e30;
	size_t i;
	int r, k;

	for (i = 0; i < (size_t)M * K; i++)
		A[i] = (float)((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
	for (i = 0; i < (size_t)K * N; i++)
		B[i] = (float)((i * 40503u) % 1000) * 1e-3f - 0.5f;
	for (k = 0; k < 3; k++) {       /* best of 3 batches of reps */
		t0 = now_seconds();
		for (r = 0; r < reps; r++)
			if (tr_a)       /* weight gradient: (M, K=rows)^T-shaped A */
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, N, K, 1.0f, A, M,
				            B, N, 1.0f, Cm, N);
			else            /* activations (M, K) times a weight (N, K)^T */
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K,
				            B, K, 0.0f, Cm, N);
		t0 = (now_seconds() - t0) / reps;
		if (t0 < best)
			best = t0;
	}
	free(A);
	free(B);
	free(Cm);
	return 2.0 * M * N * K / best / 1e9;
}

/* sgemm GFLOP/s at the training shapes of the config, and the mix weighted
 * by each shape's share of a training step's product FLOPs. */
static void
bench_sgemm(struct bench *b)
{
	const struct model_config *c = &b->cfg;
	int N = b->B * b->T, C = c->width, F = c->hidden, V = c->vocab, i;
	struct { const char *name; int tr, M, Nn, K; } s[] = {
		{ "qkv",       0, N, 3 * C, C },
		{ "o",         0, N, C, C },
		{ "gate_up",   0, N, 2 * F, C },
		{ "down",      0, N, C, F },
		{ "head",      0, N, V, C },
		{ "dW_qkv",    1, 3 * C, C, N },
		{ "dW_gate_up", 1, 2 * F, C, N },
		{ "dW_down",   1, C, F, N },
		{ "dX_gate_up", 0, N, C, 2 * F },   /* (N, 2F) . (2F, C): as NoTrans x Trans shape */
	};
	double tot_flop = 0, tot_time = 0;

	openblas_set_num_threads(b->threads);
	printf("threads %d", b->threads);
	for (i = 0; i < (int)(sizeof(s) / sizeof(s[0])); i++) {
		double flop = 2.0 * s[i].M * s[i].Nn * s[i].K;
		int reps = (int)(2e9 / flop) + 1;
		double g = time_sgemm(s[i].tr, s[i].M, s[i].Nn, s[i].K, reps);

		printf(" %s %.1f", s[i].name, g);
		tot_flop += flop;
		tot_time += flop / (g * 1e9);
	}
	printf(" mix_gflops %.1f\n", tot_flop / tot_time / 1e9);
}

static void
fill_batch(int *tok, int *tgt, float *w, int B, int T, int V, uint64_t seed)
{
	struct rng r;
	int i;

	rng_init(&r, seed);
	for (i = 0; i < B * T; i++) {
		tok[i] = (int)(rng_next(&r) % V);
		tgt[i] = (int)(rng_next(&r) % V);
		w[i] = 1.0f;
	}
}

static void
bench_train(struct bench *b)
{
	struct model *m = model_new(&b->cfg, 1, b->threads);
	int N = b->B * b->T, s;
	int *tok = xmalloc(sizeof(int) * N), *tgt = xmalloc(sizeof(int) * N);
	float *w = xmalloc(sizeof(float) * N), loss = 0;
	double t0, dt, tps, gf;

	fill_batch(tok, tgt, w, b->B, b->T, b->cfg.vocab, 5);
	for (s = 0; s < b->steps + 1; s++) {
		if (s == 1)     /* the first step allocates and warms up */
			t0 = now_seconds();
		model_zero_grad(m);
		loss = model_forward(m, tok, tgt, w, b->B, b->T);
		model_backward(m);
		model_update(m, 1e-3f, s + 1);
	}
	dt = now_seconds() - t0;
	tps = (double)N * b->steps / dt;
	gf = tps * 3 * fwd_flops_per_token(&b->cfg, b->T) / 1e9;
	printf("threads %d params %zu tokens_per_s %.1f step_ms %.2f gflops %.1f loss %.4f\n",
	       b->threads, model_config_nparams(&b->cfg), tps, dt * 1e3 / b->steps, gf, loss);
	free(tok);
	free(tgt);
	free(w);
	model_free(m);
}

static void
bench_sample(struct bench *b)
{
	struct model *m = model_new(&b->cfg, 1, b->threads);
	struct model_sample_opts o = { .temperature = 1.0f, .top_p = 1.0f, .max_new = b->max_new,
	                               .eos = -1 };
	struct model_sample *res = xcalloc(b->samples, sizeof(*res));
	uint64_t *seeds = xmalloc(sizeof(uint64_t) * b->samples);
	int *prompt = xmalloc(sizeof(int) * b->prompt), i, rep, reps = 3;
	long gen = 0;
	double t0, dt;

	for (i = 0; i < b->prompt; i++)
		prompt[i] = (i * 7 + 3) % b->cfg.vocab;
	for (i = 0; i < b->samples; i++) {
		res[i].out = xmalloc(sizeof(int) * b->max_new);
		seeds[i] = (uint64_t)i + 1;
	}
	model_generate(m, prompt, b->prompt, b->samples, seeds, &o, res);     /* warm-up */
	t0 = now_seconds();
	for (rep = 0; rep < reps; rep++) {
		model_generate(m, prompt, b->prompt, b->samples, seeds, &o, res);
		for (i = 0; i < b->samples; i++)
			gen += res[i].n;
	}
	dt = now_seconds() - t0;
	printf("threads %d samples %d prompt %d max_new %d tokens_per_s %.1f ms_per_prompt %.1f\n",
	       b->threads, b->samples, b->prompt, b->max_new, gen / dt, dt * 1e3 / reps);
	for (i = 0; i < b->samples; i++)
		free(res[i].out);
	free(res);
	free(seeds);
	free(prompt);
	model_free(m);
}

/* A random model and a vocabulary "t0".."tN" for torch_model.py --check;
 * prints the logits of a fixed sequence. */
static void
bench_dump(struct bench *b)
{
	struct model *m = model_new(&b->cfg, 3, b->threads);
	const char **names = xmalloc(sizeof(char *) * b->cfg.vocab);
	struct tokenizer *tok;
	char err[200];
	int i, T = b->T, *seq = xmalloc(sizeof(int) * T), *tg = xmalloc(sizeof(int) * T);
	float *w = xmalloc(sizeof(float) * T), loss;

	for (i = 0; i < b->cfg.vocab; i++)
		names[i] = xasprintf("t%d", i);
	tok = tokenizer_from_list(names, b->cfg.vocab, err, sizeof(err));
	if (!tok)
		die(EX_SOFTWARE, "%s", err);
	model_save(m, tok, b->out);
	for (i = 0; i < T; i++) {
		seq[i] = (i * 37 + 11) % b->cfg.vocab;
		tg[i] = (i * 53 + 5) % b->cfg.vocab;
		w[i] = 1.0f;
	}
	loss = model_forward(m, seq, tg, w, 1, T);
	printf("loss %.6f\n", loss);
	for (i = 0; i < b->cfg.vocab; i++)
		free((char *)names[i]);
	free(names);
	tokenizer_free(tok);
	free(seq);
	free(tg);
	free(w);
	model_free(m);
}

int
main(int argc, char **argv)
{
	struct bench b = { .B = 16, .T = 256, .threads = 2, .steps = 5, .samples = 32,
	                   .prompt = 32, .max_new = 64 };
	const char *cmd;
	int opt, L = 4, C = 256, V = 2000, H = 0, F = 0, untied = 0;

	msg_init(argv[0]);
	if (argc < 2)
		die(EX_USAGE, "usage: model_bench sgemm|train|sample|dump [options]");
	cmd = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "V:C:L:H:F:T:B:t:s:n:p:m:o:U")) != -1)
		switch (opt) {
		case 'V': V = atoi(optarg); break;
		case 'C': C = atoi(optarg); break;
		case 'L': L = atoi(optarg); break;
		case 'H': H = atoi(optarg); break;
		case 'F': F = atoi(optarg); break;
		case 'T': b.T = atoi(optarg); break;
		case 'B': b.B = atoi(optarg); break;
		case 't': b.threads = atoi(optarg); break;
		case 's': b.steps = atoi(optarg); break;
		case 'n': b.samples = atoi(optarg); break;
		case 'p': b.prompt = atoi(optarg); break;
		case 'm': b.max_new = atoi(optarg); break;
		case 'o': b.out = optarg; break;
		case 'U': untied = 1; break;
		default: die(EX_USAGE, "bad option");
		}
	b.cfg = model_config_default(V, C, L, b.T > 512 ? b.T : 512);
	if (H)
		b.cfg.heads = H;
	if (F)
		b.cfg.hidden = F;
	b.cfg.tie = !untied;
	if (model_config_check(&b.cfg))
		die(EX_USAGE, "bad config: %s", model_config_check(&b.cfg));
	if (strcmp(cmd, "sgemm") == 0)
		bench_sgemm(&b);
	else if (strcmp(cmd, "train") == 0)
		bench_train(&b);
	else if (strcmp(cmd, "sample") == 0)
		bench_sample(&b);
	else if (strcmp(cmd, "dump") == 0 && b.out)
		bench_dump(&b);
	else
		die(EX_USAGE, "unknown command '%s'", cmd);
	return 0;
}
