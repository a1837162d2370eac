/*
 * tally.c - per-statement tallies of verdicts (see reward.h)
 *
 * Memory grows with the number of distinct statements, not of proofs: a
 * statement keeps its first record and its shortest correct proof.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jsonl.h"
#include "msg.h"
#include "reward.h"

struct tally *
tallies_get(const struct tallies *ts, const char *id)
{
	size_t h;

	if (!ts->nslot)
		return NULL;
	h = hash64(id, strlen(id)) & (ts->nslot - 1);
	for (; ts->slot[h]; h = (h + 1) & (ts->nslot - 1))
		if (strcmp(ts->t[ts->slot[h] - 1].id, id) == 0)
			return &ts->t[ts->slot[h] - 1];
	return NULL;
}

static struct tally *
tallies_add(struct tallies *ts, const char *id)
{
	size_t h;

	if ((ts->n + 1) * 2 > ts->nslot) {
		size_t ns = ts->nslot ? ts->nslot * 2 : 4096;
		free(ts->slot);
		ts->slot = xcalloc(ns, sizeof *ts->slot);
		ts->nslot = ns;
		for (size_t i = 0; i < ts->n; i++) {
			h = hash64(ts->t[i].id, strlen(ts->t[i].id)) & (ns - 1);
			while (ts->slot[h])
				h = (h + 1) & (ns - 1);
			ts->slot[h] = i + 1;
		}
	}
	xgrow(&ts->t, &ts->cap, ts->n + 1, sizeof *ts->t);
	memset(&ts->t[ts->n], 0, sizeof ts->t[ts->n]);
	ts->t[ts->n].id = xstrdup(id);
	ts->t[ts->n].weight = 1;
	h = hash64(id, strlen(id)) & (ts->nslot - 1);
	while (ts->slot[h])
		h = (h + 1) & (ts->nslot - 1);
	ts->slot[h] = ts->n + 1;
	return &ts->t[ts->n++];
}

void
tallies_read(struct tallies *ts, char **files, int nfiles)
{
	struct jsonl_in *in = jsonl_in_open(files, nfiles, 0);
	struct jsonl_err err;
	const char *line, *file;
	size_t len;
	long lineno;
	int r;

	while ((r = jsonl_in_next(in, &line, &len, &file, &lineno, &err)) != 0) {
		json_t *o, *lem = NULL;
		const char *id, *source = NULL, *proof, *lemma = NULL;
		int ok;
		long long gt = 0;
		double wt = 1;
		struct tally *t;

		if (r < 0)
			die(err.status, "%s", err.msg);
		o = jsonl_parse(line, len, file, lineno, &err);
		if (!o || jsonl_get_str(o, "id", 1, &id, file, lineno, &err) < 0 ||
		    jsonl_get_bool(o, "ok", 1, &ok, file, lineno, &err) < 0 ||
		    jsonl_get_str(o, "proof", 1, &proof, file, lineno, &err) < 0 ||
		    jsonl_get_str(o, "source", 0, &source, file, lineno, &err) < 0 ||
		    jsonl_get_str(o, "lemma", 0, &lemma, file, lineno, &err) < 0 ||
		    jsonl_get_int(o, "gen_tokens", 0, &gt, file, lineno, &err) < 0 ||
		    jsonl_get_num(o, "weight", 0, &wt, file, lineno, &err) < 0 ||
		    (ok && jsonl_get_strarray(o, "lemmas", 1, &lem, file, lineno, &err) < 0))
			die(EX_DATAERR, "%s", err.msg);
		t = tallies_get(ts, id);
		if (!t) {
			t = tallies_add(ts, id);
			t->conjecture = source && strcmp(source, "conjecture") == 0;
			t->rec = o;
			json_incref(o);
			t->weight = wt >= 1 ? wt : 1;
		}
		t->attempts++;
		ts->attempts++;
		ts->tokens += gt;
		ts->records++;
		if (ok) {
			size_t pl = strlen(proof);
			t->correct++;
			ts->correct++;
			if (!t->best_proof || pl < t->best_len) {
				free(t->best_proof);
				t->best_proof = xstrdup(proof);
				t->best_len = pl;
			}
			if (!lemma || !*lemma) {
				t->uses_lemma = 1;
			} else {
				for (size_t i = 0; i < json_array_size(lem); i++)
					if (strcmp(json_string_value(json_array_get(lem, i)), lemma) == 0)
						t->uses_lemma = 1;
			}
		}
		json_decref(o);
	}
	jsonl_in_close(in);
}

void
tallies_free(struct tallies *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->t[i].id);
		free(ts->t[i].best_proof);
		json_decref(ts->t[i].rec);
	}
	free(ts->t);
	free(ts->slot);
	memset(ts, 0, sizeof *ts);
}
