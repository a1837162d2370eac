/*
 * rules.c - the reward rules, one function each, named as
 * docs/algorithm.md names them (step 5 "Rewards", "The state and the
 * metric", "Final re-training"); see reward.h
 *
 * Nothing here reads or writes a file: main.c reads the verdicts, seeds,
 * statements and model, and writes the examples and the state.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "reward.h"
#include "rng.h"
#include "state.h"
#include "wmatch.h"

static uint64_t
mix3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t w[3] = { a, b, c };
	return rng_seed(w, 3);
}

/* ---- the state */

void
new_state(struct state *st, const struct tallies *ts, long iter)
{
	for (size_t i = 0; i < ts->n; i++) {
		const struct tally *t = &ts->t[i];
		struct sstate *s = t->conjecture ? NULL : state_get(st, t->id);
		if (!s)
			continue;
		if (tally_pass(t) > s->best_pass)
			s->best_pass = tally_pass(t);
		if (t->correct && !s->proved) {
			s->proved = 1;
			s->first_iter = iter;
		}
		s->attempts += t->attempts;
		s->correct += t->correct;
	}
}

/* ---- prover examples: distinct correct proofs of selected statements
 *
 * Two passes over the window's files (this iteration's verdicts, then the
 * --previous ones; for --final, every file given). The first pass
 * (tallies_read) gives each file's tallies and distinct correct proofs; a
 * proof is claimed by the first file, in that order, in which its statement
 * is selected (by its P in that file's iteration), and counts once for its
 * statement. The second pass (main.c) reads the files again and writes each
 * claimed proof where it first occurs in the claiming file, with that
 * verdict's verify_ms. Memory: the tallies and a few dozen bytes per
 * distinct proof.
 */

int
prover_window(const struct ropts *o)
{
	return 1 + (o->nprevious < o->window - 1 ? o->nprevious : o->window - 1);
}

void
pool_tallies(struct tallies *pooled, struct wfile *w, int nw)
{
	memset(pooled, 0, sizeof *pooled);
	for (int f = 0; f < nw; f++)
		for (size_t i = 0; i < w[f].ts.n; i++) {
			struct tally *t = tallies_intern(pooled, w[f].ts.t[i].id);
			t->attempts += w[f].ts.t[i].attempts;
			t->correct += w[f].ts.t[i].correct;
		}
}

/* Prover examples: a correct proof of a statement or conjecture whose pass
 * rate, pooled over the window's iterations (the official code's rule) or in
 * its own iteration (reward.pooled_pass: false), is at most prover_pass_max. */
int
prover_select(const struct tally *t, const void *arg)
{
	const struct ropts *o = arg;
	const struct tally *pt = o->pooled ? tallies_get(o->pooled, t->id) : NULL;
	double p = tally_pass(pt ? pt : t);
	return t->correct > 0 && !t->held_out && p <= o->prover_pass_max;
}

double
prover_weight(const struct ropts *o, double chars, double verify_ms, long nproofs)
{
	return exp(-o->len_coef * chars - o->time_coef * verify_ms / 1000.0) / (double)nproofs;
}

int
final_select(const struct tally *t, const void *arg)
{
	const struct ropts *o = arg;
	if (!t->correct || t->held_out)
		return 0;
	return t->conjecture ? tally_pass(t) <= o->conj_pass_max : 1;
}

double
final_weight(const struct ropts *o, double chars)
{
	return exp(-o->len_coef * chars);
}

struct claim *
claims_find(struct claims *cs, uint64_t key, int create)
{
	size_t i;

	if (create && (cs->n + 1) * 2 > cs->cap) {
		struct claim *old = cs->c;
		size_t oc = cs->cap;
		cs->cap = oc ? oc * 2 : 4096;
		cs->c = xcalloc(cs->cap, sizeof *cs->c);
		for (size_t j = 0; j < oc; j++) {
			if (!old[j].used)
				continue;
			for (i = (size_t)(old[j].key * 0x9e3779b97f4a7c15ULL >> 17) & (cs->cap - 1);
			     cs->c[i].used; i = (i + 1) & (cs->cap - 1))
				;
			cs->c[i] = old[j];
		}
		free(old);
	}
	if (!cs->cap)
		return NULL;
	for (i = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 17) & (cs->cap - 1); cs->c[i].used;
	     i = (i + 1) & (cs->cap - 1))
		if (cs->c[i].key == key)
			return &cs->c[i];
	if (!create)
		return NULL;
	cs->c[i].used = 1;
	cs->c[i].key = key;
	cs->c[i].file = -1;
	cs->n++;
	return &cs->c[i];
}

void
claim_proofs(struct claims *cs, struct tallies *idc, struct wfile *w, int nw,
             int (*select)(const struct tally *, const void *), const void *arg,
             struct cand_proof **cands, size_t *ncands)
{
	size_t capc = 0;

	for (int f = 0; f < nw; f++) {
		const struct tallies *ts = &w[f].ts;
		for (size_t i = 0; i < ts->ndp; i++) {
			const struct tally *t = &ts->t[ts->dp[i].tally];
			struct claim *c;
			struct tally *it;
			if (!select(t, arg))
				continue;
			c = claims_find(cs, ts->dp[i].key, 1);
			if (c->file >= 0)
				continue;
			c->file = f;
			it = tallies_intern(idc, t->id);
			it->nproofs++;
			if (cands) {
				xgrow(cands, &capc, *ncands + 1, sizeof **cands);
				(*cands)[*ncands].key = ts->dp[i].key;
				(*cands)[*ncands].len = ts->dp[i].len;
				(*cands)[*ncands].stmt = (size_t)(it - idc->t);
				(*ncands)++;
			}
		}
	}
}

/* ---- final re-training */

static int
cmp_cand_proof(const void *a, const void *b)
{
	const struct cand_proof *x = a, *y = b;
	if (x->stmt != y->stmt)
		return x->stmt < y->stmt ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* At most final_max_proofs distinct proofs per statement: a random subset
 * (the paper; a seeded draw per proof), or with reward.final_pick: shortest
 * the shortest (equal lengths: by key). */
void
final_pick(const struct ropts *o, struct cand_proof *cands, size_t n, struct claims *cs)
{
	for (size_t i = 0; i < n; i++)
		cands[i].rank = o->final_random ? mix3(o->seed, cands[i].key, 0x66696e616cULL)
		                                : (uint64_t)cands[i].len;
	if (n)
		qsort(cands, n, sizeof *cands, cmp_cand_proof);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && cands[j].stmt == cands[i].stmt)
			j++;
		for (size_t a = i; a < j && a < i + (size_t)o->final_max_proofs; a++)
			claims_find(cs, cands[a].key, 0)->chosen = 1;
		i = j;
	}
}

/* ---- conjecturer examples */

int
conjecturer_select(const struct ropts *o, const struct tally *t, int *relabel)
{
	double p = tally_pass(t);

	if (!t->conjecture || t->correct == 0 || p > o->conj_pass_max)
		return 0;
	/* in the window, but no correct proof uses the seed lemma: an
	 * example of the trivial lemma instead (the official code's rule) */
	*relabel = !t->uses_lemma;
	return !*relabel || o->relabel_trivial;
}

/* The conjecture's length in characters: its statement and hypotheses as
 * written (tallies_read checked that they are strings). */
static size_t
stmt_chars(const json_t *rec)
{
	json_t *st = json_object_get(rec, "statement"), *h = json_object_get(rec, "hyps");
	size_t n = utf8_chars(json_string_value(st), json_string_length(st));

	for (size_t i = 0; h && i < json_array_size(h); i++)
		n += utf8_chars(json_string_value(json_array_get(h, i)),
		                json_string_length(json_array_get(h, i)));
	return n;
}

double
elegance(const struct tally *t, const json_t *rec)
{
	size_t chars = stmt_chars(rec);

	return (double)t->best_len / (double)(chars ? chars : 1);
}

static int
cmp_conj_group(const void *a, const void *b)
{
	const struct conj *x = a, *y = b;
	int c = strcmp(x->lemma, y->lemma);
	if (c)
		return c;
	if (x->e != y->e)
		return x->e < y->e ? -1 : 1;
	return x->order < y->order ? -1 : 1;
}

static int
cmp_conj_order(const void *a, const void *b)
{
	const struct conj *x = a, *y = b;
	return x->order < y->order ? -1 : x->order > y->order;
}

void
elegance_drop(const struct ropts *o, struct conj *cj, size_t n)
{
	if (n)
		qsort(cj, n, sizeof *cj, cmp_conj_group);
	for (size_t i = 0; i < n;) {
		size_t j = i, drop;
		while (j < n && strcmp(cj[j].lemma, cj[i].lemma) == 0)
			j++;
		drop = (size_t)floor(o->elegance_drop * (double)(j - i));
		for (size_t a = i; a < i + drop; a++)
			cj[a].keep = 0;
		i = j;
	}
	if (n)
		qsort(cj, n, sizeof *cj, cmp_conj_order);
}

void
wasserstein_weights(const struct ropts *o, const float *X, size_t nx, const float *Y,
                    size_t ny, int C, const int *k, double *w)
{
	size_t *order = xmalloc((ny + 1) * sizeof *order);
	struct rng rng;

	/* Y in a random order */
	rng_init(&rng, mix3(o->seed, (uint64_t)o->iter, 0x77617373ULL));
	rng_permutation(&rng, order, ny);
	wmatch(X, nx, Y, ny, C, k, order, o->w_cap, o->threads, w);
	free(order);
}
