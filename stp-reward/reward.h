/*
 * reward.h - stp-reward's parts: per-statement tallies of verdicts
 *
 * Verdict files are read with the zero-copy scanner (lib/jscan.h): a tally
 * keeps counts per statement or conjecture, not records, so that memory grows
 * with the number of distinct statements and, by about 24 bytes each, with the
 * distinct correct proofs (a 64-bit key per proof, for the prover examples'
 * dedup and their weights' denominators). The examples are written by a
 * second pass over the same files (hence: files, not stdin).
 */
#ifndef STP_REWARD_H
#define STP_REWARD_H

#include <stddef.h>
#include <stdint.h>

#include "jscan.h"

/* Where a statement's proofs went (the budget accounting, docs/algorithm.md):
 * from the prover input's "category" (stp-seed --select), its split and a
 * conjecture's "valid" (stp-conjecture's truth tables). */
enum budget {
	BUD_OPEN_UNPROVED,     /* an open statement of `unproved`: the metric's targets */
	BUD_OPEN_TRAIN,        /* an open statement of `train` */
	BUD_CONJ_VALID,        /* a conjecture the truth tables confirm */
	BUD_CONJ_INVALID,      /* a conjecture they refute: it can never be proved */
	BUD_CONJ_UNKNOWN,      /* a conjecture they did not judge */
	BUD_REPROVE,           /* a dataset statement proved before, proved again */
	BUD_OTHER,             /* anything without a category (an evaluation) */
	BUD_N
};

extern const char *const budget_name[BUD_N];

/* What one iteration's verdicts say of one statement or conjecture. */
struct tally {
	char *id;
	int conjecture;        /* source "conjecture" */
	int held_out;          /* split "test": never a training example (docs/algorithm.md, 5. Rewards) */
	int budget;            /* enum budget, from its first verdict */
	long attempts, correct, tokens;
	size_t best_len;       /* characters of the shortest correct proof */
	int uses_lemma;        /* a correct proof uses the seed lemma (or the lemma is trivial) */
	char *line;            /* conjectures: their first verdict as read (statement, hyps, lemma,
	                        * seed); NULL for dataset statements */
	const char *file;      /* where the first verdict is: a name from the caller's list */
	long lineno;
	long nproofs;          /* (in a window map) distinct proofs chosen for examples */
};

/* A distinct correct proof: the key of (id, proof), whose tally, its length. */
struct dproof {
	uint64_t key;
	uint32_t tally;        /* index into t */
	uint32_t len;          /* characters */
};

struct tallies {
	struct tally *t;       /* in order of first appearance */
	size_t n, cap;
	size_t *slot;          /* id -> index + 1 */
	size_t nslot;
	long attempts, correct, tokens, records;
	struct dproof *dp;     /* distinct correct proofs, in order of first appearance */
	size_t ndp, capdp;
	uint32_t *dpslot;      /* key -> index + 1 */
	size_t ndpslot;
};

/* The fields of a verdict that stp-reward reads (pointing into the line). */
struct verdict {
	const char *id, *statement, *proof, *source, *split, *lemma, *category;
	const char **hyps, **lemmas;   /* lemmas: of a correct proof only */
	size_t idlen, plen, nhyps, nlemmas;
	int ok, valid;                 /* valid: -1 absent */
	long long gen_tokens;
	double weight, verify_ms;
};

/* Scan one verdict line, each field checked for its type: 0, or -1 with
 * err ("FILE:LINE: field 'ok': expected a boolean"). */
int verdict_scan(struct jscan *js, const char *line, size_t len, const char *file, long lineno,
                 struct verdict *v, struct jsonl_err *err);

/*
 * Read verdict files (named: the names handed back in tally.file point into
 * files[]), tallying per id. A bad record dies with 65 naming file:line and
 * the field, a file that cannot be opened with 66; with -k (cl->keep_going)
 * either is skipped with a warning and counted in cl (cli.h).
 */
struct cli;
void tallies_read(struct tallies *ts, char **files, int nfiles, struct cli *cl);
struct tally *tallies_get(const struct tallies *ts, const char *id);
/* The tally of id, made (all zero) if absent. */
struct tally *tallies_intern(struct tallies *ts, const char *id);
void tallies_free(struct tallies *ts);

/* The key of a proof of id (distinct proofs are distinct keys). */
uint64_t proof_key(const char *id, const char *proof, size_t plen);

/*
 * Typed fields of a scanned record, in the manner of jsonl_get_*: 1 present,
 * 0 absent (or null) and !required, -1 with err ("FILE:LINE: field 'ok':
 * expected a boolean").
 */
int rscan_bool(struct jscan *s, const char *key, int required, int *out, const char *file,
               long lineno, struct jsonl_err *err);
int rscan_int(struct jscan *s, const char *key, int required, long long *out, const char *file,
              long lineno, struct jsonl_err *err);
int rscan_num(struct jscan *s, const char *key, int required, double *out, const char *file,
              long lineno, struct jsonl_err *err);

static inline double
tally_pass(const struct tally *t)
{
	return t->attempts ? (double)t->correct / (double)t->attempts : 0.0;
}

/* Characters (UTF-8 code points) of s[0..n): lengths are "in characters of
 * the text as written" (docs/algorithm.md, 5. Rewards). */
static inline size_t
utf8_chars(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

#endif
