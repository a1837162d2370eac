/*
 * tally.c - per-statement tallies of verdicts (see reward.h)
 *
 * Memory grows with the number of distinct statements, not of records: a
 * statement keeps counts and the length of its shortest correct proof; a
 * conjecture also keeps its first verdict line; a distinct correct proof
 * costs a 16-byte entry and a slot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hash.h"
#include "jsonl.h"
#include "msg.h"
#include "reward.h"

const char *const budget_name[BUD_N] = {
	"open_unproved", "open_train", "conjecture_valid", "conjecture_not_valid",
	"conjecture_unjudged", "reprove", "other",
};

static int
budget_of(int conjecture, const char *category, const char *split, int valid)
{
	if (conjecture)
		return valid < 0 ? BUD_CONJ_UNKNOWN : valid ? BUD_CONJ_VALID : BUD_CONJ_INVALID;
	if (!category)
		return BUD_OTHER;
	if (strcmp(category, "reprove") == 0)
		return BUD_REPROVE;
	if (strcmp(category, "open") == 0)
		return split && strcmp(split, "train") == 0 ? BUD_OPEN_TRAIN : BUD_OPEN_UNPROVED;
	return BUD_OTHER;
}

struct tally *
tallies_get(const struct tallies *ts, const char *id)
{
	size_t at;

	for (size_t i = hindex_first(&ts->index, hash64_str(id), &at); i;
	     i = hindex_next(&ts->index, &at))
		if (strcmp(ts->t[i - 1].id, id) == 0)
			return &ts->t[i - 1];
	return NULL;
}

static uint64_t
tally_rehash(const void *ctx, size_t i)
{
	return hash64_str(((const struct tallies *)ctx)->t[i].id);
}

static struct tally *
tallies_add(struct tallies *ts, const char *id)
{
	xgrow(&ts->t, &ts->cap, ts->n + 1, sizeof *ts->t);
	memset(&ts->t[ts->n], 0, sizeof ts->t[ts->n]);
	ts->t[ts->n].id = xstrdup(id);
	hindex_add(&ts->index, hash64_str(id), tally_rehash, ts);
	return &ts->t[ts->n++];
}

struct tally *
tallies_intern(struct tallies *ts, const char *id)
{
	struct tally *t = tallies_get(ts, id);

	return t ? t : tallies_add(ts, id);
}

uint64_t
proof_key(const char *id, const char *proof, size_t plen)
{
	static struct hash_fields *h;

	if (!h)
		h = hash_fields_new();
	hash_fields_reset(h);
	hash_fields_add_str(h, id);
	hash_fields_add(h, proof, plen);
	return hash_fields_64(h);
}

static size_t
dp_hash(uint64_t k, size_t mask)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 17) & mask;
}

/* Add a distinct correct proof (no-op when the key is known). */
static void
dp_add(struct tallies *ts, uint64_t key, size_t tally, size_t len)
{
	size_t h;

	if ((ts->ndp + 1) * 2 > ts->ndpslot) {
		size_t ns = ts->ndpslot ? ts->ndpslot * 2 : 4096;
		free(ts->dpslot);
		ts->dpslot = xcalloc(ns, sizeof *ts->dpslot);
		ts->ndpslot = ns;
		for (size_t i = 0; i < ts->ndp; i++) {
			h = dp_hash(ts->dp[i].key, ns - 1);
			while (ts->dpslot[h])
				h = (h + 1) & (ns - 1);
			ts->dpslot[h] = (uint32_t)(i + 1);
		}
	}
	for (h = dp_hash(key, ts->ndpslot - 1); ts->dpslot[h]; h = (h + 1) & (ts->ndpslot - 1))
		if (ts->dp[ts->dpslot[h] - 1].key == key)
			return;
	if (ts->ndp >= UINT32_MAX - 1)
		die(EX_SOFTWARE, "more than %u distinct correct proofs", UINT32_MAX - 2);
	xgrow(&ts->dp, &ts->capdp, ts->ndp + 1, sizeof *ts->dp);
	ts->dp[ts->ndp].key = key;
	ts->dp[ts->ndp].tally = (uint32_t)tally;
	/* (a line is at most JSONL_MAX_LINE_DEFAULT bytes: never, in practice) */
	if (len > UINT32_MAX)
		die(EX_DATAERR, "a proof of more than %u characters", UINT32_MAX);
	ts->dp[ts->ndp].len = (uint32_t)len;
	ts->dpslot[h] = (uint32_t)(++ts->ndp);
}

static int
seterr(struct jsonl_err *err, const char *file, long lineno, const char *key, const char *what)
{
	err->status = EX_DATAERR;
	snprintf(err->msg, sizeof err->msg, "%s:%ld: field '%s': %s", file, lineno, key, what);
	return -1;
}

int
rscan_bool(struct jscan *s, const char *key, int required, int *out, const char *file,
           long lineno, struct jsonl_err *err)
{
	const struct jfield *f = jscan_get(s, key);

	if (!f || f->type == J_NULL)
		return required ? seterr(err, file, lineno, key, "missing") : 0;
	if (f->type != J_TRUE && f->type != J_FALSE)
		return seterr(err, file, lineno, key, "expected a boolean");
	*out = f->type == J_TRUE;
	return 1;
}

/* The scanner has checked the number's syntax, and a number inside an object
 * is always followed by a delimiter, so strtod/strtoll stop at its end. */
int
rscan_int(struct jscan *s, const char *key, int required, long long *out, const char *file,
          long lineno, struct jsonl_err *err)
{
	const struct jfield *f = jscan_get(s, key);

	if (!f || f->type == J_NULL)
		return required ? seterr(err, file, lineno, key, "missing") : 0;
	if (f->type != J_NUMBER || memchr(f->val, '.', f->vlen) || memchr(f->val, 'e', f->vlen) ||
	    memchr(f->val, 'E', f->vlen))
		return seterr(err, file, lineno, key, "expected an integer");
	errno = 0;
	*out = strtoll(f->val, NULL, 10);
	if (errno)
		return seterr(err, file, lineno, key, "expected an integer");
	return 1;
}

int
rscan_num(struct jscan *s, const char *key, int required, double *out, const char *file,
          long lineno, struct jsonl_err *err)
{
	const struct jfield *f = jscan_get(s, key);

	if (!f || f->type == J_NULL)
		return required ? seterr(err, file, lineno, key, "missing") : 0;
	if (f->type != J_NUMBER)
		return seterr(err, file, lineno, key, "expected a number");
	*out = strtod(f->val, NULL);
	return 1;
}

/* The caller's name for the file the reader is in (tallies keep pointers). */
static const char *
file_name(char **files, int nfiles, const char *file)
{
	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i], file) == 0)
			return files[i];
	return "<stdin>";
}

int
verdict_scan(struct jscan *js, const char *line, size_t len, const char *file, long lineno,
             struct verdict *v, struct jsonl_err *err)
{
	memset(v, 0, sizeof *v);
	v->valid = -1;
	v->weight = 1;
	if (jscan_object(js, line, len, file, lineno, err) < 0 ||
	    jscan_str(js, "id", 1, &v->id, &v->idlen, file, lineno, err) < 0 ||
	    jscan_str(js, "statement", 1, &v->statement, NULL, file, lineno, err) < 0 ||
	    jscan_strarray(js, "hyps", 0, &v->hyps, &v->nhyps, file, lineno, err) < 0 ||
	    rscan_bool(js, "ok", 1, &v->ok, file, lineno, err) < 0 ||
	    jscan_str(js, "proof", 1, &v->proof, &v->plen, file, lineno, err) < 0 ||
	    jscan_str(js, "source", 0, &v->source, NULL, file, lineno, err) < 0 ||
	    jscan_str(js, "split", 0, &v->split, NULL, file, lineno, err) < 0 ||
	    jscan_str(js, "lemma", 0, &v->lemma, NULL, file, lineno, err) < 0 ||
	    rscan_int(js, "gen_tokens", 0, &v->gen_tokens, file, lineno, err) < 0 ||
	    rscan_num(js, "weight", 0, &v->weight, file, lineno, err) < 0 ||
	    rscan_num(js, "verify_ms", 0, &v->verify_ms, file, lineno, err) < 0 ||
	    jscan_str(js, "category", 0, &v->category, NULL, file, lineno, err) < 0 ||
	    rscan_bool(js, "valid", 0, &v->valid, file, lineno, err) < 0 ||
	    (v->ok && jscan_strarray(js, "lemmas", 1, &v->lemmas, &v->nlemmas, file, lineno,
	                             err) < 0))
		return -1;
	if (memchr(v->id, '\0', v->idlen)) {
		err->status = EX_DATAERR;
		snprintf(err->msg, sizeof err->msg, "%s:%ld: field 'id': contains a NUL character",
		         file, lineno);
		return -1;
	}
	return 0;
}

void
tallies_read(struct tallies *ts, char **files, int nfiles, struct cli *cl)
{
	struct jsonl_in *in = jsonl_in_open(files, nfiles, 0);
	struct jsonl_err err;
	struct jscan js;
	struct jsonl_line l;
	const char *last_file = NULL, *name = NULL;
	int r;

	jscan_init(&js);
	while ((r = jsonl_in_read(in, &l, &err)) != 0) {
		struct verdict v;
		struct tally *t;

		if (r < 0 || verdict_scan(&js, l.text, l.len, l.file, l.lineno, &v, &err) < 0) {
			cli_skip(cl, &err);
			continue;
		}
		if (l.file != last_file) {
			name = file_name(files, nfiles, l.file);
			last_file = l.file;
		}
		t = tallies_get(ts, v.id);
		if (!t) {
			t = tallies_add(ts, v.id);
			t->conjecture = v.source && strcmp(v.source, "conjecture") == 0;
			t->held_out = v.split && strcmp(v.split, "test") == 0;
			t->budget = budget_of(t->conjecture, v.category, v.split, v.valid);
			t->file = name;
			t->lineno = l.lineno;
			if (t->conjecture)
				t->line = xstrndup(l.text, l.len);
		}
		t->attempts++;
		t->tokens += v.gen_tokens;
		ts->attempts++;
		ts->tokens += v.gen_tokens;
		ts->records++;
		if (v.ok) {
			size_t pl = utf8_chars(v.proof, v.plen);
			if (!t->correct || pl < t->best_len)
				t->best_len = pl;
			t->correct++;
			ts->correct++;
			if (!v.lemma || !*v.lemma) {
				t->uses_lemma = 1;
			} else {
				for (size_t i = 0; i < v.nlemmas; i++)
					if (strcmp(v.lemmas[i], v.lemma) == 0)
						t->uses_lemma = 1;
			}
			dp_add(ts, proof_key(v.id, v.proof, v.plen), (size_t)(t - ts->t), pl);
		}
	}
	jscan_release(&js);
	jsonl_in_close(in);
}

void
tallies_free(struct tallies *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->t[i].id);
		free(ts->t[i].line);
	}
	free(ts->t);
	hindex_free(&ts->index);
	free(ts->dp);
	free(ts->dpslot);
	memset(ts, 0, sizeof *ts);
}
