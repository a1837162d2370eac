/*
 * reward.h - stp-reward's parts: per-statement tallies of verdicts
 * (tally.c), the reward rules (rules.c), the stats (stats.c); main.c reads,
 * writes and wires them
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

#include <jansson.h>

#include "hash.h"
#include "jscan.h"

struct out;
struct state;

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
	struct hindex index;   /* by the hash of id */
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

/* ---- the settings */

struct ropts {
	const char *state, *statements, *seeds, *model, *prev_stats, *conj_stats, *out,
	           *state_out, *stats, *sft;
	const char *previous[8];
	int nprevious;
	long iter;
	int final, init_state, threads;
	uint64_t seed;
	double conj_pass_max, prover_pass_max, elegance_drop, w_cap, len_coef, time_coef;
	int window, final_max_proofs, wasserstein;
	int pooled_pass;       /* prover examples: P pooled over the window (1) or per file */
	int relabel_trivial;   /* in window, seed lemma unused: a trivial-lemma example */
	int final_random;      /* final: a random 16 a statement (1) or the shortest */
	struct tallies *pooled;   /* the window's tallies summed per id */
	struct cli *cl;        /* -k, and the malformed verdicts skipped */
	int openai;            /* reward.backend openai: embeddings from the server */
};

/* ---- rules.c: the rules of docs/algorithm.md step 5 ("Rewards"), "The state
 * and the metric" and "Final re-training", one function each */

/* The new state: each dataset statement's best pass rate, proved (and the
 * first iteration that proved it), attempts and correct attempts, after
 * this iteration's tallies. */
void new_state(struct state *st, const struct tallies *ts, long iter);

/* A window file: its names, and its tallies. */
struct wfile {
	char **files;
	int nfiles;
	struct tallies ts;
};

/* How many files the prover examples' window holds: this iteration's
 * verdicts and the first reward.window - 1 --previous ones. */
int prover_window(const struct ropts *o);

/* Sum the tallies of w[0..nw) per id into pooled (reward.pooled_pass). */
void pool_tallies(struct tallies *pooled, struct wfile *w, int nw);

/* Does a correct proof of t give a prover example? P <= prover_pass_max, P
 * pooled over the window (o->pooled) or in its own file; never `test`.
 * arg: the struct ropts. */
int prover_select(const struct tally *t, const void *arg);

/* A prover example's weight: exp(-len_coef chars - time_coef verify_ms / 1000)
 * / nproofs, the distinct proofs of its statement so selected. */
double prover_weight(const struct ropts *o, double chars, double verify_ms, long nproofs);

/* Does a correct proof of t go into the final re-training set? A dataset
 * statement's at any P, a conjecture's at P <= conj_pass_max; never `test`. */
int final_select(const struct tally *t, const void *arg);

/* A final example's weight: exp(-len_coef chars). */
double final_weight(const struct ropts *o, double chars);

/* A distinct correct proof, claimed by the window file that writes it. */
struct claim {
	uint64_t key;          /* proof_key(id, proof) */
	int used;              /* the slot holds a claim */
	int file;              /* the window file that writes it */
	int chosen;            /* --final: among the proofs picked for its statement */
	int done;              /* written */
};

struct claims {
	struct claim *c;       /* open addressing on key */
	size_t n, cap;
};

/* The claim of key; with create, a new one (file -1) when absent. */
struct claim *claims_find(struct claims *cs, uint64_t key, int create);

/* A claimed proof, for --final's pick. */
struct cand_proof {
	uint64_t key;
	size_t len, stmt;
	uint64_t rank;         /* the order of the pick within a statement */
};

/*
 * Claim the distinct proofs of w[0..nw) whose statements select() accepts:
 * each by the first file, in that order, that selects it, counted once per
 * statement in idc (tally.nproofs). With cands, also list each claimed proof
 * (key, length, statement's index in idc) there.
 */
void claim_proofs(struct claims *cs, struct tallies *idc, struct wfile *w, int nw,
                  int (*select)(const struct tally *, const void *), const void *arg,
                  struct cand_proof **cands, size_t *ncands);

/* The final re-training's pick: at most final_max_proofs of each statement's
 * cands[0..n) are chosen (in cs): a seeded random subset (reward.final_pick:
 * random) or the shortest (equal lengths: by key). Sorts cands. */
void final_pick(const struct ropts *o, struct cand_proof *cands, size_t n, struct claims *cs);

/* A conjecturer example's candidate. */
struct conj {
	struct tally *t;
	json_t *rec;           /* its first verdict (statement, hyps, lemma, seed) */
	const char *lemma;     /* the lemma of its example: "" when relabelled */
	double e;              /* elegance */
	size_t order;
	double w;              /* Wasserstein weight */
	int keep;
	int relabel;           /* seed lemma unused: an example of the trivial lemma */
};

/* Does conjecture t give a conjecturer example? 0 < P <= conj_pass_max; then
 * *relabel is 1 when no correct proof uses its seed's lemma (an example of
 * the trivial lemma; with reward.relabel_trivial off, no example at all). */
int conjecturer_select(const struct ropts *o, const struct tally *t, int *relabel);

/* Elegance E = (shortest correct proof) / (the conjecture: statement and
 * hypotheses of rec), in characters. */
double elegance(const struct tally *t, const json_t *rec);

/* Within each lemma's group of m of cj[0..n), the floor(elegance_drop m)
 * lowest E (equal E: the earlier first) get keep = 0; cj is left in its
 * order. */
void elegance_drop(const struct ropts *o, struct conj *cj, size_t n);

/* Wasserstein reweighting (lib/wmatch.h): weights w[0..nx) of the
 * conjectures X (nx, C) against the open dataset statements Y (ny, C),
 * ny >= 1, with matching weights k[0..ny), Y visited in a seeded shuffle. */
void wasserstein_weights(const struct ropts *o, const float *X, size_t nx, const float *Y,
                         size_t ny, int C, const int *k, double *w);

/* ---- stats.c */

/*
 * Write the iteration's stats to o->stats through out (finished, not yet
 * published): the cumulative pass rate and the statements proved per split,
 * the conjectures' counts (with stp-conjecture's), the pass-rate histogram,
 * this iteration's attempts, the running totals, the examples and the budget.
 */
void write_stats(const struct ropts *o, const struct tallies *ts, const struct state *st,
                 long nprover, long nconj, long ncand, long nelegant, long nrelabel,
                 struct out *out);

#endif
