/*
 * conj.h - stp-conjecture's parts
 */
#ifndef STP_CONJ_H
#define STP_CONJ_H

#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include <jansson.h>

#include "hash.h"
#include "mm/mm.h"
#include "mmsteps/grammar.h"
#include "mmsteps/semantics.h"
#include "backend/openai.h"
#include "rng.h"
#include "sampling.h"

struct copts {
	struct sampling s;         /* -n, --model, --db, ..., --backend (lib/sampling.h) */
	const char *dataset, *out, *stats, *state;
	int prefilter;             /* conjecture.prefilter: drop what truth tables refute */
	int keep_n;                /* conjecture.keep: n (1) or open (0, the default) */
	int filter;                /* --filter: conjecture records in, the filters only */
	long nbad;                 /* malformed records skipped (-k) */
	int keep_going;
	long max;                  /* --max (-1: not given) */
	/* --backend openai (remote.c) */
	const char *config;        /* -c, read again for the 'openai' section */
	struct oai_cli cli;
	char **files;
	int nfiles;
};

/* ---- filter.c: well formed, new, valid, at most M (docs/algorithm.md) */

struct ccand {
	struct rng_ranked r;       /* first: the seeded draw that decides the cut to M,
	                              and the place offered */
	json_t *rec;
};

struct cfilter {
	const struct copts *o;
	struct mm_db *db;
	struct mms_grammar *g;
	struct mms_parser *parser;
	struct mm_work *w;
	struct mms_sem *sem;
	struct mms_semwork *semw;
	mm_sym turnstile;
	struct hset64 seen, dtest, dother;   /* keys up to renaming (lib/canon.h) */
	struct ccand *cands;
	size_t ncands, capcands;
	mm_sym *syms;              /* a statement's symbols (wellformed()) */
	size_t capsyms;
	long max;                  /* the cut, once decided (-1: none) */
	long nseeds, ngen, nwf, ndup_test, ndup_data, ndup_self, nnew, nvalid, ninvalid,
	     nunknown, nrefuted, nkept;
};

void cfilter_init(struct cfilter *f, const struct copts *o, struct mm_db *db);
/* The dataset statements (every split) conjectures must differ from. */
void cfilter_dataset(struct cfilter *f, const char *path);
/* One conjecture: base is the record it was read from (kept, with the
 * filter's fields set anew) or NULL (a new record from the rest). */
void cfilter_offer(struct cfilter *f, json_t *base, const char *ctx, int32_t context,
                   const char *statement, const char *const *hyps, size_t nh,
                   const char *seed, const char *lemma);
/* The cut to at most M, and the records written to fp in the order offered. */
void cfilter_finish(struct cfilter *f, FILE *fp);
json_t *cfilter_stats(const struct cfilter *f);
void cfilter_progress(const struct cfilter *f);
void cfilter_release(struct cfilter *f);

/* stp-conjecture --backend openai: the whole run; returns the exit status. */
int conjecture_remote(struct copts *o);

#endif
