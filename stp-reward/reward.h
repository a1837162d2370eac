/*
 * reward.h - stp-reward's parts: per-statement tallies of verdicts
 */
#ifndef STP_REWARD_H
#define STP_REWARD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* What one iteration's verdicts say of one statement or conjecture. */
struct tally {
	char *id;
	int conjecture;        /* source "conjecture" */
	long attempts, correct;
	json_t *rec;           /* the first verdict's record (statement, hyps, lemma, seed...) */
	char *best_proof;      /* the shortest correct proof (characters) */
	size_t best_len;
	int uses_lemma;        /* a correct proof uses the seed lemma (or the lemma is trivial) */
	double weight;         /* matching weight (statement records' "weight", default 1) */
};

struct tallies {
	struct tally *t;       /* in order of first appearance */
	size_t n, cap;
	size_t *slot;          /* id -> index + 1 */
	size_t nslot;
	long attempts, correct, tokens, records;
};

/* Read verdict files, tallying per id. Dies with 65 on a bad record. */
void tallies_read(struct tallies *ts, char **files, int nfiles);
struct tally *tallies_get(const struct tallies *ts, const char *id);
void tallies_free(struct tallies *ts);

static inline double
tally_pass(const struct tally *t)
{
	return t->attempts ? (double)t->correct / (double)t->attempts : 0.0;
}

#endif
