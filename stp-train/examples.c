/*
 * examples.c - training examples in, formatted shards out
 *
 * An example names its role and carries the fields its prompt is built from
 * (docs/records.md); the prompt functions of lib/prompt.c turn it into the text the
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

#include "canon.h"
#include "hash.h"
#include "jsonl.h"
#include "mm/mm.h"
#include "model/model.h"
#include "msg.h"
#include "prompt.h"
#include "rng.h"
#include "shard.h"
#include "train.h"

/* Format one example into prompt and target, and *stated: the statement it
 * teaches (the prover's statement; the conjecture or label target), valid
 * while o is and until the next call; -1 with err on a bad record. */
static int
format(json_t *o, struct pbuf *prompt, struct pbuf *target, const char **role, double *weight,
       struct pstmt *stated, const char *file, long line, struct jsonl_err *err)
{
	static __thread struct jsonl_strs h1, h2, h3;
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
		    jsonl_get_strs(o, "hyps", 0, &h1, file, line, err) < 0 ||
		    jsonl_get_str(o, "target", 1, &b, file, line, err) < 0)
			return -1;
		s = (struct pstmt){ a, h1.v, h1.n };
		prompt_mm_prover(prompt, &s);
		prompt_mm_prover_target(target, b);
		*stated = s;
	} else if (strcmp(*role, "conjecturer") == 0) {
		struct pstmt lem, thm, conj;
		if (jsonl_get_str(o, "lemma", 1, &a, file, line, err) < 0 ||
		    jsonl_get_str(o, "lemma_statement", 1, &b, file, line, err) < 0 ||
		    jsonl_get_strs(o, "lemma_hyps", 0, &h1, file, line, err) < 0 ||
		    jsonl_get_str(o, "theorem", 1, &c, file, line, err) < 0 ||
		    jsonl_get_strs(o, "theorem_hyps", 0, &h2, file, line, err) < 0 ||
		    jsonl_get_str(o, "theorem_proof", 1, &d, file, line, err) < 0 ||
		    jsonl_get_strs(o, "target_hyps", 0, &h3, file, line, err) < 0)
			return -1;
		lem = (struct pstmt){ b, h1.v, h1.n };
		thm = (struct pstmt){ c, h2.v, h2.n };
		if (jsonl_get_str(o, "target", 1, &b, file, line, err) < 0)
			return -1;
		conj = (struct pstmt){ b, h3.v, h3.n };
		prompt_mm_conjecturer(prompt, a, &lem, &thm, d);
		prompt_mm_conjecturer_target(target, &conj);
		*stated = conj;
	} else if (strcmp(*role, "label") == 0) {
		struct pstmt s;
		if (jsonl_get_str(o, "label", 1, &a, file, line, err) < 0 ||
		    jsonl_get_str(o, "target", 1, &b, file, line, err) < 0 ||
		    jsonl_get_strs(o, "target_hyps", 0, &h1, file, line, err) < 0)
			return -1;
		s = (struct pstmt){ b, h1.v, h1.n };
		prompt_mm_label(prompt, a);
		prompt_mm_conjecturer_target(target, &s);
		*stated = s;
	} else {
		err->status = EX_DATAERR;
		snprintf(err->msg, sizeof err->msg,
		         "%s:%ld: field 'role': expected \"prover\", \"conjecturer\" or \"label\"", file,
		         line);
		return -1;
	}
	return 0;
}

/* Whitespace tokens of s: the model's tokens (lib/model/tokenizer.h). */
static size_t
ntokens(const char *s)
{
	size_t n = 0;
	int in = 0;

	for (; *s; s++) {
		int ws = *s == ' ' || *s == '\t' || *s == '\n';
		n += !ws && !in;
		in = !ws;
	}
	return n;
}

/* ---- the held-out statements: no example may state one (docs/algorithm.md) */

struct heldout {
	struct mm_db *db;
	struct hset64 keys;        /* canon keys of the `test` statements */
};

static struct heldout held;

/* Load the `test` statements of path, and the database for variable types. */
static void
heldout_load(const struct train_opts *o)
{
	int io;
	char e[1024];

	held.db = mm_db_load(o->db, e, sizeof e, &io);
	if (!held.db)
		die(io ? EX_NOINPUT : EX_DATAERR, "%s", e);
	canon_load_statements(held.db, o->held_out, &held.keys, NULL);
}

/* Is the statement an example teaches (format()'s stated) a held-out one? */
static int
heldout_hit(const struct pstmt *stated)
{
	return hset64_has(&held.keys, canon_key(canon_mm_type, held.db, stated->statement,
	                                        stated->hyps, stated->nhyps));
}

/* A replayed example: its draw and its weighted target tokens. */
struct rex {
	struct rng_ranked r;   /* first: the draw, and the place in the replay files' order */
	double wtok;
	int keep;
};

/*
 * One pass over files: format each example; with w, write it to the shards
 * when keep is NULL or keep[its index] is set; add its weighted target
 * tokens to *wtok, and with rx list each (rank drawn from the seed).
 */
static void
pass_examples(const struct train_opts *o, char *const *files, int nfiles, struct shard_writer *w,
              const struct rex *keep, double *wtok, struct rex **rx, size_t *nrx, long *nok,
              long *nbad)
{
	struct jsonl_in *in = jsonl_in_open(files, nfiles, 0);
	struct pbuf prompt = { NULL, 0, 0 }, target = { NULL, 0, 0 };
	struct jsonl_line l;
	size_t index = 0, caprx = 0;
	struct jsonl_err err;
	json_t *ex;
	int r;

	while ((r = jsonl_in_object(in, &l, &ex, &err)) != 0) {
		json_t *rec;
		const char *role;
		struct pstmt stated;
		double weight;
		char *txt;
		size_t tl;

		if (ex && format(ex, &prompt, &target, &role, &weight, &stated, l.file, l.lineno, &err) < 0) {
			json_decref(ex);
			ex = NULL;
		}
		if (!ex) {
			if (!o->keep_going) {
				/* no shard set from a failed stage: the temporaries go */
				if (w)
					shard_writer_abort(w);
				die(err.status ? err.status : EX_DATAERR, "%s", err.msg);
			}
			if (rx || !keep) {   /* once per bad record: not in a replay's second pass */
				warn("%s (skipped)", err.msg);
				(*nbad)++;
			}
			continue;
		}
		if (held.db && heldout_hit(&stated))
			die(EX_DATAERR, "%s:%ld: the example states a `test` statement of %s (up to "
			    "renaming and hypothesis order): it must never be trained on", l.file,
			    l.lineno, o->held_out);
		{
			size_t my = index++;
			double t = weight * (double)ntokens(target.s);
			*wtok += t;
			if (rx) {
				uint64_t wd[2] = { o->seed, my };
				xgrow(rx, &caprx, *nrx + 1, sizeof **rx);
				(*rx)[*nrx].r.rank = rng_seed(wd, 2);
				(*rx)[*nrx].wtok = t;
				(*rx)[*nrx].r.order = my;
				(*rx)[*nrx].keep = 1;
				(*nrx)++;
			}
			if (!w || (keep && !keep[my].keep)) {
				json_decref(ex);
				continue;
			}
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
		(*nok)++;
	}
	jsonl_in_close(in);
	pbuf_free(&prompt);
	pbuf_free(&target);
}

int
examples_to_shards(const struct train_opts *o, const char *dir)
{
	struct shard_writer *w;
	long nbad = 0, nok = 0, nrep = 0;
	double wnew = 0;

	if (o->held_out)
		heldout_load(o);
	w = shard_writer_open(dir, "examples", o->shard_bytes, 6);

	pass_examples(o, o->files, o->nfiles, w, NULL, &wnew, NULL, NULL, &nok, &nbad);
	if (o->nreplay) {
		/* the replayed examples: a random subset whose weighted target
		 * tokens are at most replay_share of all (docs/algorithm.md) */
		struct rex *rx = NULL;
		size_t nrx = 0;
		double wrep = 0, cap, sum = 0;
		long before = nok, unused = 0;
		pass_examples(o, o->replay, o->nreplay, NULL, NULL, &wrep, &rx, &nrx, &unused, &nbad);
		cap = o->replay_share >= 1 ? wrep
		    : o->replay_share <= 0 ? 0 : o->replay_share / (1 - o->replay_share) * wnew;
		rng_ranked_by_draw(rx, nrx, sizeof *rx);
		for (size_t i = 0; i < nrx; i++) {
			rx[i].keep = sum + rx[i].wtok <= cap * (1 + 1e-9);
			if (rx[i].keep)
				sum += rx[i].wtok;
		}
		rng_ranked_by_order(rx, nrx, sizeof *rx);
		pass_examples(o, o->replay, o->nreplay, w, rx, &wrep, NULL, NULL, &nok, &nbad);
		nrep = nok - before;
		progress("replayed %ld of %zu examples: %.1f%% of the weighted target tokens "
		         "(at most %.0f%%)", nrep, nrx, wnew + sum > 0 ? 100 * sum / (wnew + sum) : 0.0,
		         100 * (o->replay_share < 1 ? o->replay_share : 1));
		free(rx);
	}
	shard_writer_close(w);
	if (held.db) {
		mm_db_free(held.db);
		free(held.keys.v);
		memset(&held, 0, sizeof held);
	}
	progress("%ld examples written to %s/examples-*.jsonl.gz", nok, dir);
	if (nbad) {
		error("%ld malformed example%s skipped", nbad, nbad == 1 ? "" : "s");
		return EX_DATAERR;
	}
	if (nok == 0)
		warn("no examples in the input");
	return 0;
}
