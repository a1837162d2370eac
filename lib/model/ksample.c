/*
 * ksample.c - K samples of one text prompt, by the one seeding rule of the
 * sampling tools (see model.h)
 *
 * Sample i for the record whose id is ID draws from the stream seeded by
 * rng_seed({seed, hash64(ID), i}) (rng.h): what it is depends on neither K,
 * nor the other records, nor the thread count (model_generate's contract).
 * The seed of an iteration's samples is model_iter_seed's.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tokenizer.h"

#include "hash.h"
#include "msg.h"
#include "rng.h"

uint64_t
model_iter_seed(uint64_t seed, long iter)
{
	uint64_t w[3] = { 0x69746572ULL, seed, (uint64_t)iter };   /* "iter" */

	return iter < 0 ? seed : rng_seed(w, 3);
}

void
model_ksample_init(struct model_ksample *ks, int kmax, int max_tokens)
{
	memset(ks, 0, sizeof *ks);
	ks->temperature = 1.0f;
	ks->top_p = 1.0f;
	ks->max_tokens = max_tokens;
	ks->eos = -1;
	ks->kmax = kmax;
	ks->gen = xmalloc((size_t)kmax * (size_t)max_tokens * sizeof *ks->gen);
	ks->seeds = xmalloc((size_t)kmax * sizeof *ks->seeds);
	ks->res = xmalloc((size_t)kmax * sizeof *ks->res);
}

void
model_ksample_release(struct model_ksample *ks)
{
	free(ks->ids);
	free(ks->gen);
	free(ks->seeds);
	free(ks->res);
	memset(ks, 0, sizeof *ks);
}

int
model_ksample_prompt(struct model_ksample *ks, const struct model *m,
                     const struct tokenizer *tok, const char *text, char **unk)
{
	int ctx = model_config(m)->ctx;

	free(ks->ids);
	ks->ids = NULL;
	ks->n = 0;
	ks->max_new = 0;
	*unk = NULL;
	if (tokenizer_encode(tok, text, &ks->ids, &ks->n, unk) < 0 || ks->n >= ctx) {
		free(ks->ids);
		ks->ids = NULL;
		ks->n = 0;
		return -1;
	}
	ks->max_new = ks->max_tokens;
	if (ks->n && ks->max_new > ctx - ks->n)
		ks->max_new = ctx - ks->n;
	return 0;
}

void
model_ksample_run(struct model_ksample *ks, struct model *m, const char *id, int k,
                  model_mask_fn *mask, void *mask_ctx)
{
	uint64_t idh = hash64_str(id);
	struct model_sample_opts so;

	if (k > ks->kmax)
		die(EX_SOFTWARE, "model: %d samples asked for, room for %d", k, ks->kmax);
	for (int i = 0; i < k; i++) {
		uint64_t w[3] = { ks->seed, idh, (uint64_t)i };
		ks->seeds[i] = rng_seed(w, 3);
		ks->res[i].out = ks->gen + (size_t)i * (size_t)ks->max_tokens;
		ks->res[i].n = 0;
		ks->res[i].stop = MODEL_STOP_LENGTH;
	}
	if (!ks->n)
		return;
	so.temperature = ks->temperature;
	so.top_p = ks->top_p;
	so.max_new = ks->max_new;
	so.eos = ks->eos;
	so.mask = mask;
	so.mask_ctx = mask_ctx;
	model_generate(m, ks->ids, ks->n, k, ks->seeds, &so, ks->res);
}
