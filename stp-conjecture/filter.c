/*
 * filter.c - stp-conjecture's filters: well formed, new, valid, at most M
 *
 * Every conjecture text, sampled here or read back (--filter), goes through
 * cfilter_offer(): the rules of docs/algorithm.md step 2, in order, each
 * counted:
 *   well formed  the statement is a |- statement and it and each hypothesis
 *                parse by the database's syntax before the context (the
 *                parse confirmed by the kernel);
 *   new          not equal, up to renaming of variables and reordering of
 *                hypotheses (lib/canon.h), to a dataset statement of any
 *                split (`test` included: dropped and counted apart) nor to
 *                an earlier conjecture;
 *   valid        the truth tables judge it (lib/mmsteps/semantics.h):
 *                "valid" true or false is added, absent when not judged;
 *                with the prefilter those not valid are dropped;
 * and cfilter_finish() keeps a random subset of at most M of the rest (the
 * least seeded draws of their ids), written in the order offered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "conj.h"
#include "dedup.h"
#include "hash.h"
#include "jsonl.h"
#include "metrics.h"
#include "msg.h"
#include "rng.h"
#include "state.h"

void
cfilter_init(struct cfilter *f, const struct copts *o, struct mm_db *db)
{
	memset(f, 0, sizeof *f);
	f->o = o;
	f->db = db;
	f->g = mms_grammar_new(db);
	f->parser = mms_parser_new(f->g, 0);
	f->w = mm_work_new(db, NULL);
	f->turnstile = mm_db_sym(db, "|-", 2);
	f->sem = mms_sem_new(f->g);
	f->semw = mms_semwork_new(f->sem);
	if (o->prefilter && !mms_sem_on(f->sem))
		warn("validity prefilter off: %s", mms_sem_note(f->sem));
}

void
cfilter_release(struct cfilter *f)
{
	for (size_t i = 0; i < f->ncands; i++)
		json_decref(f->cands[i].rec);
	free(f->cands);
	free(f->syms);
	free(f->seen.v);
	free(f->dtest.v);
	free(f->dother.v);
	mms_semwork_free(f->semw);
	mms_sem_free(f->sem);
	mm_work_free(f->w);
	mms_parser_free(f->parser);
	mms_grammar_free(f->g);
}

void
cfilter_dataset(struct cfilter *f, const char *path)
{
	/* any number of hypotheses: a statement with more than a conjecture may
	 * have (MM_CAND_MAXHYPS) is equal to none, but is read all the same */
	canon_load_statements(f->db, path, &f->dtest, &f->dother);
}

/* Is text (typecode + symbols) well formed before the context? Of any
 * length: the buffer holds every symbol text can have (each is at least one
 * character, and symbols are separated; a record is at most a line, 4 MB). */
static int
wellformed(struct cfilter *f, int32_t context, const char *text)
{
	struct mm_result res;
	struct mms_err merr;
	size_t cap = strlen(text) / 2 + 1;
	int n;

	xgrow(&f->syms, &f->capsyms, cap, sizeof *f->syms);
	n = mm_cand_tokens(f->db, context, text, f->syms, cap, &res);
	return n > 0 && mms_wellformed(f->parser, f->w, context, f->syms, (uint32_t)n, &merr);
}

void
cfilter_offer(struct cfilter *f, json_t *base, const char *ctx, int32_t context,
              const char *statement, const char *const *hyps, size_t nh, const char *seed,
              const char *lemma)
{
	const struct copts *o = f->o;
	uint64_t ck;
	int ok, v;
	char id[CONJ_ID_SIZE];
	json_t *cj;

	f->ngen++;
	/* a conjecture proves something: its typecode is the database's
	 * provable one, and all of it parses */
	ok = strncmp(statement, "|- ", 3) == 0 && f->turnstile >= 0 && nh <= MM_CAND_MAXHYPS &&
	     wellformed(f, context, statement);
	for (size_t k = 0; ok && k < nh; k++)
		ok = wellformed(f, context, hyps[k]);
	if (!ok)
		return;
	f->nwf++;
	ck = canon_key(canon_mm_type, f->db, statement, hyps, nh);
	if (hset64_has(&f->dtest, ck)) {
		f->ndup_test++;
		return;
	}
	if (hset64_has(&f->dother, ck)) {
		f->ndup_data++;
		return;
	}
	if (!hset64_add(&f->seen, ck)) {
		f->ndup_self++;
		return;
	}
	f->nnew++;
	v = mms_sem_statement(f->sem, f->semw, f->parser, context, statement, hyps, nh);
	f->nvalid += v == MMS_SEM_YES;
	f->ninvalid += v == MMS_SEM_NO;
	f->nunknown += v == MMS_SEM_UNKNOWN;
	if (v == MMS_SEM_NO && o->prefilter) {
		f->nrefuted++;
		return;
	}

	conj_id(id, "metamath", ctx, statement, hyps, nh);
	if (base) {
		/* read back: every field kept, the filter's own set anew */
		cj = json_deep_copy(base);
		json_object_set_new(cj, "id", json_string(id));
		json_object_set_new(cj, "system", json_string("metamath"));
		json_object_set_new(cj, "split", json_string("conjecture"));
		json_object_set_new(cj, "source", json_string("conjecture"));
		json_object_del(cj, "valid");
		if (o->s.iter >= 0)
			json_object_set_new(cj, "iter", json_integer(o->s.iter));
	} else {
		json_t *hy = json_array();
		cj = json_object();
		json_object_set_new(cj, "id", json_string(id));
		json_object_set_new(cj, "system", json_string("metamath"));
		if (ctx)
			json_object_set_new(cj, "context", json_string(ctx));
		json_object_set_new(cj, "statement", json_string(statement));
		for (size_t k = 0; k < nh; k++)
			json_array_append_new(hy, json_string(hyps[k]));
		json_object_set_new(cj, "hyps", hy);
		json_object_set_new(cj, "split", json_string("conjecture"));
		json_object_set_new(cj, "source", json_string("conjecture"));
		json_object_set_new(cj, "seed", json_string(seed));
		json_object_set_new(cj, "lemma", json_string(lemma));
		json_object_set_new(cj, "iter", json_integer(o->s.iter < 0 ? 0 : o->s.iter));
	}
	if (v != MMS_SEM_UNKNOWN)
		json_object_set_new(cj, "valid", json_boolean(v == MMS_SEM_YES));
	xgrow(&f->cands, &f->capcands, f->ncands + 1, sizeof *f->cands);
	{
		uint64_t wd[3] = { o->s.seed, (uint64_t)(o->s.iter < 0 ? 0 : o->s.iter),
		                   hash64_str(id) };
		f->cands[f->ncands].r.rank = rng_seed(wd, 3);
	}
	f->cands[f->ncands].rec = cj;
	f->cands[f->ncands].r.order = f->ncands;
	f->ncands++;
}

/* How many conjectures to keep: the dataset statements of the state still
 * unproved (conjecture.keep: open, the paper's rule) or all of them (n). */
static long
keep_max(const char *path, int keep_n)
{
	struct state st;
	long m = 0;

	state_load(&st, path);
	for (size_t i = 0; i < st.n; i++)
		m += keep_n || !st.s[i].proved;
	state_free(&st);
	return m;
}

void
cfilter_finish(struct cfilter *f, FILE *fp)
{
	const struct copts *o = f->o;

	f->max = o->max;
	if (f->max < 0 && o->state)
		f->max = keep_max(o->state, o->keep_n);
	rng_ranked_by_draw(f->cands, f->ncands, sizeof *f->cands);
	f->nkept = f->max >= 0 && (long)f->ncands > f->max ? f->max : (long)f->ncands;
	for (size_t i = (size_t)f->nkept; i < f->ncands; i++)
		json_decref(f->cands[i].rec);
	rng_ranked_by_order(f->cands, (size_t)f->nkept, sizeof *f->cands);
	for (long i = 0; i < f->nkept; i++) {
		if (jsonl_write(fp, f->cands[i].rec) < 0)
			die(EX_IOERR, "write error:");
		json_decref(f->cands[i].rec);
	}
	f->ncands = 0;
}

json_t *
cfilter_stats(const struct cfilter *f)
{
	json_t *j = json_object();

	json_object_set_new(j, "seeds", json_integer(f->nseeds));
	json_object_set_new(j, "generated", json_integer(f->ngen));
	json_object_set_new(j, "well_formed", json_integer(f->nwf));
	json_object_set_new(j, "duplicate_test", json_integer(f->ndup_test));
	json_object_set_new(j, "duplicate_dataset", json_integer(f->ndup_data));
	json_object_set_new(j, "duplicate", json_integer(f->ndup_self));
	json_object_set_new(j, "new", json_integer(f->nnew));
	json_object_set_new(j, "valid", json_integer(f->nvalid));
	json_object_set_new(j, "not_valid", json_integer(f->ninvalid));
	json_object_set_new(j, "validity_unknown", json_integer(f->nunknown));
	json_object_set_new(j, "refuted_dropped", json_integer(f->nrefuted));
	json_object_set_new(j, "max", json_integer(f->max));
	json_object_set_new(j, "kept", json_integer(f->nkept));
	return j;
}

void
cfilter_progress(const struct cfilter *f)
{
	double g = f->ngen ? (double)f->ngen : 1;
	char most[64] = "";

	if (f->max >= 0)
		snprintf(most, sizeof most, " of at most %ld", f->max);

	{
		json_t *st = cfilter_stats(f), *v;
		const char *k;
		json_object_foreach(st, k, v)
			metrics_num(k, (double)json_integer_value(v));
		json_decref(st);
	}
	metrics_done("%ld seeds: %ld conjectures generated, %ld well formed (%.1f%%), %ld new (%.1f%%; "
	         "%ld equal to a test statement, %ld to another dataset statement, %ld repeats), "
	         "%ld valid, %ld not valid (%s), %ld kept%s", f->nseeds, f->ngen,
	         f->nwf, 100.0 * (double)f->nwf / g, f->nnew, 100.0 * (double)f->nnew / g,
	         f->ndup_test, f->ndup_data, f->ndup_self, f->nvalid, f->ninvalid,
	         f->o->prefilter ? "dropped" : "kept", f->nkept,
	         most);
}
