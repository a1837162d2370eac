/*
 * model-logits - our model's logits on text prompts, for the torch reference (tests)
 *
 * usage: model-logits CHECKPOINT NEW <PROMPTS
 *
 * For each line of standard input (a prompt, in the checkpoint's tokens):
 * NEW tokens at most drawn greedily (temperature 0; <eos> ends), the logits
 * the sampler saw at each step (prefill, then the key/value cache), and the
 * logits of the training forward over the prompt and the tokens drawn, at
 * every position. One JSON line a prompt:
 *   {"text":..., "ids":[prompt ids], "gen":[ids drawn],
 *    "logits":[[V floats] a position], "step_logits":[[V floats] a step]}
 * Step s was seen at position len(ids) - 1 + s.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/tokenizer.h"
#include "msg.h"

struct steps {
	json_t *rows;      /* the logits seen at each step */
};

static json_t *
row(const float *x, int V)
{
	json_t *a = json_array();

	for (int i = 0; i < V; i++)
		json_array_append_new(a, json_real((double)x[i]));
	return a;
}

static int
record(void *ctx, int seq, const int *gen, int ngen, float *logits, int V)
{
	struct steps *s = ctx;

	json_array_append_new(s->rows, row(logits, V));
	return 0;
}

int
main(int argc, char **argv)
{
	struct model *m;
	struct tokenizer *t;
	char err[512], *line = NULL, *unk;
	size_t cap = 0;
	ssize_t len;
	int st, nnew, eos, *ids, n;

	msg_init(argv[0]);
	if (argc != 3)
		die(EX_USAGE, "usage: model-logits CHECKPOINT NEW <PROMPTS");
	nnew = atoi(argv[2]);
	if ((st = model_load(argv[1], 1, &m, &t, err, sizeof err)))
		die(st, "%s", err);
	eos = tokenizer_id(t, "<eos>", 5);
	while ((len = getline(&line, &cap, stdin)) > 0) {
		const struct model_config *c = model_config(m);
		struct model_sample_opts so = { 0.0f, 1.0f, nnew, eos, record, NULL };
		struct steps steps = { json_array() };
		struct model_sample res;
		uint64_t seed = 1;
		int *gen = xcalloc(nnew + 1, sizeof(int)), *all, *tgt, T;
		float *w;
		json_t *o = json_object(), *a;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (tokenizer_encode(t, line, &ids, &n, &unk) < 0)
			die(EX_DATAERR, "'%s' is not in the vocabulary", unk);
		so.mask_ctx = &steps;
		res.out = gen;
		model_generate(m, ids, n, 1, &seed, &so, &res);
		T = n + res.n;
		all = xmalloc(sizeof(int) * T);
		tgt = xcalloc(T, sizeof(int));
		w = xmalloc(sizeof(float) * T);
		memcpy(all, ids, sizeof(int) * n);
		memcpy(all + n, gen, sizeof(int) * res.n);
		for (int i = 0; i < T; i++)
			w[i] = 1.0f;
		model_forward(m, all, tgt, w, 1, T);
		json_object_set_new(o, "text", json_string(line));
		a = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(a, json_integer(ids[i]));
		json_object_set_new(o, "ids", a);
		a = json_array();
		for (int i = 0; i < res.n; i++)
			json_array_append_new(a, json_integer(gen[i]));
		json_object_set_new(o, "gen", a);
		a = json_array();
		for (int i = 0; i < T; i++)
			json_array_append_new(a, row(model_logits_at(m, 0, i), c->vocab));
		json_object_set_new(o, "logits", a);
		json_object_set_new(o, "step_logits", steps.rows);
		if (json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(9)) != 0 ||
		    putchar('\n') == EOF)
			die(EX_IOERR, "write error:");
		json_decref(o);
		free(ids);
		free(gen);
		free(all);
		free(tgt);
		free(w);
	}
	free(line);
	model_free(m);
	tokenizer_free(t);
	close_stdout();
	return 0;
}
