/*
 * examples.c - training examples in, formatted shards out
 *
 * An example names its role and carries the fields its prompt is built from
 * (SPEC §3); the prompt functions of lib/prompt.c turn it into the text the
 * model reads and the text it must write. The shards hold exactly that, so an
 * external trainer needs nothing of ours:
 *
 *   {"role":"prover","prompt":"<bos> <prover> ... <proof>","target":"... <eos>","weight":1.0}
 *
 * Roles and their fields:
 *   prover       statement, hyps (optional), target (the steps proof), weight
 *   conjecturer  lemma ("" for the trivial lemma), lemma_statement, lemma_hyps,
 *                theorem, theorem_hyps, theorem_proof, target (the new
 *                statement), target_hyps, weight
 *   label        label, target (its statement), target_hyps, weight: teaches
 *                what a label states
 * weight defaults to 1 and must be a finite number >= 0.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "msg.h"
#include "prompt.h"
#include "shard.h"
#include "train.h"

struct strs {
	const char **v;
	size_t n, cap;
};

static int
get_hyps(json_t *o, const char *key, struct strs *s, const char *file, long line,
         struct jsonl_err *err)
{
	json_t *a;
	int r = jsonl_get_strarray(o, key, 0, &a, file, line, err);

	s->n = 0;
	if (r <= 0)
		return r;
	for (size_t i = 0; i < json_array_size(a); i++) {
		xgrow(&s->v, &s->cap, s->n + 1, sizeof *s->v);
		s->v[s->n++] = json_string_value(json_array_get(a, i));
	}
	return 1;
}

/* Format one example into prompt and target; -1 with err on a bad record. */
static int
format(json_t *o, struct pbuf *prompt, struct pbuf *target, const char **role, double *weight,
       const char *file, long line, struct jsonl_err *err)
{
	static __thread struct strs h1, h2, h3;
	const char *a, *b, *c, *d;

	pbuf_reset(prompt);
	pbuf_reset(target);
	*weight = 1;
	if (jsonl_get_str(o, "role", 1, role, file, line, err) < 0 ||
	    jsonl_get_num(o, "weight", 0, weight, file, line, err) < 0)
		return -1;
	if (!isfinite(*weight) || *weight < 0) {
		err->status = EX_DATAERR;
		snprintf(err->msg, sizeof err->msg, "%s:%ld: field 'weight': expected a number >= 0",
		         file, line);
		return -1;
	}
	if (strcmp(*role, "prover") == 0) {
		struct pstmt s;
		if (jsonl_get_str(o, "statement", 1, &a, file, line, err) < 0 ||
		    get_hyps(o, "hyps", &h1, file, line, err) < 0 ||
		    jsonl_get_str(o, "target", 1, &b, file, line, err) < 0)
			return -1;
		s = (struct pstmt){ a, h1.v, h1.n };
		prompt_mm_prover(prompt, &s);
		prompt_mm_prover_target(target, b);
	} else if (strcmp(*role, "conjecturer") == 0) {
		struct pstmt lem, thm, conj;
		if (jsonl_get_str(o, "lemma", 1, &a, file, line, err) < 0 ||
		    jsonl_get_str(o, "lemma_statement", 1, &b, file, line, err) < 0 ||
		    get_hyps(o, "lemma_hyps", &h1, file, line, err) < 0 ||
		    jsonl_get_str(o, "theorem", 1, &c, file, line, err) < 0 ||
		    get_hyps(o, "theorem_hyps", &h2, file, line, err) < 0 ||
		    jsonl_get_str(o, "theorem_proof", 1, &d, file, line, err) < 0 ||
		    get_hyps(o, "target_hyps", &h3, file, line, err) < 0)
			return -1;
		lem = (struct pstmt){ b, h1.v, h1.n };
		thm = (struct pstmt){ c, h2.v, h2.n };
		if (jsonl_get_str(o, "target", 1, &b, file, line, err) < 0)
			return -1;
		conj = (struct pstmt){ b, h3.v, h3.n };
		prompt_mm_conjecturer(prompt, a, &lem, &thm, d);
		prompt_mm_conjecturer_target(target, &conj);
	} else if (strcmp(*role, "label") == 0) {
		struct pstmt s;
		if (jsonl_get_str(o, "label", 1, &a, file, line, err) < 0 ||
		    jsonl_get_str(o, "target", 1, &b, file, line, err) < 0 ||
		    get_hyps(o, "target_hyps", &h1, file, line, err) < 0)
			return -1;
		s = (struct pstmt){ b, h1.v, h1.n };
		prompt_mm_label(prompt, a);
		prompt_mm_conjecturer_target(target, &s);
	} else {
		err->status = EX_DATAERR;
		snprintf(err->msg, sizeof err->msg,
		         "%s:%ld: field 'role': expected \"prover\", \"conjecturer\" or \"label\"", file,
		         line);
		return -1;
	}
	return 0;
}

int
examples_to_shards(const struct train_opts *o, const char *dir)
{
	struct jsonl_in *in = jsonl_in_open(o->files, o->nfiles, 0);
	struct shard_writer *w = shard_writer_open(dir, "examples", o->shard_bytes, 6);
	struct pbuf prompt = { NULL, 0, 0 }, target = { NULL, 0, 0 };
	const char *line, *file;
	size_t len;
	long lineno, nbad = 0, nok = 0;
	struct jsonl_err err;
	int r;

	while ((r = jsonl_in_next(in, &line, &len, &file, &lineno, &err)) != 0) {
		json_t *ex, *rec;
		const char *role;
		double weight;
		char *txt;
		size_t tl;

		if (r > 0) {
			ex = jsonl_parse(line, len, file, lineno, &err);
			if (ex && format(ex, &prompt, &target, &role, &weight, file, lineno, &err) < 0) {
				json_decref(ex);
				ex = NULL;
			}
		} else {
			ex = NULL;
		}
		if (!ex) {
			if (!o->keep_going) {
				shard_writer_close(w);
				die(err.status ? err.status : EX_DATAERR, "%s", err.msg);
			}
			warn("%s (skipped)", err.msg);
			nbad++;
			continue;
		}
		rec = json_object();
		json_object_set_new(rec, "role", json_string(role));
		json_object_set_new(rec, "prompt", json_string(prompt.s));
		json_object_set_new(rec, "target", json_string(target.s));
		json_object_set_new(rec, "weight", json_real(weight));
		txt = jsonl_dump(rec, &tl);
		shard_writer_add(w, txt, tl - 1);
		free(txt);
		json_decref(rec);
		json_decref(ex);
		nok++;
	}
	shard_writer_close(w);
	jsonl_in_close(in);
	pbuf_free(&prompt);
	pbuf_free(&target);
	progress("%ld examples written to %s/examples-*.jsonl.gz", nok, dir);
	if (nbad) {
		error("%ld malformed example%s skipped", nbad, nbad == 1 ? "" : "s");
		return EX_DATAERR;
	}
	if (nok == 0)
		warn("no examples in the input");
	return 0;
}
