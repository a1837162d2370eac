/*
 * constrain.h - which next tokens of a steps proof can still lead to a
 * correct proof: the proof-state constraint for sampling
 *
 * A language model writes a steps proof (steps.h) token by token; before
 * each token the sampler asks which tokens are still possible, and gives
 * probability only to those. The answer comes from a per-sample state
 * machine that reads the tokens exactly as mms_expand() does:
 *
 *   state     a stack of pending obligations: "a step proving goal G", and,
 *             after a label that takes expressions, "the run of math symbols
 *             for its written variables" (an incremental Earley parser over
 *             the grammar's trie, grammar.h)
 *   step G    Hi when hypothesis i is G; a label before the context whose
 *             conclusion matches G (found through an index of the
 *             conclusions, a discrimination tree: only candidates are
 *             matched); then its expressions, then its $e hypotheses,
 *             instantiated, become the next goals
 *   expr      the math symbols that continue a well-formed sequence of the
 *             expressions wanted (syntax and variables before the context);
 *             the run may end (the next token is a step, or END) only where
 *             the expander's own parser (mms_parse_raw) finds exactly one
 *             parse of it
 *   END       only when nothing is pending
 *
 * Budget: the state knows how many tokens may still be written, and a lower
 * bound on how many the pending obligations need (mmc_need): a step needs 1
 * token if its goal is a hypothesis or matches an assertion that takes
 * nothing (no $e, no written variable), else the cheapest matching label's
 * 1 + minimal expressions + 1 per $e; an expression needs the shortest
 * completion of the parse so far (minimal lengths per type and per trie node,
 * from the syntax before the context). A token is allowed only if the state
 * after it still fits. The bounds are lower bounds, so a proof that fits is
 * never cut; a state can still be a dead end (allowed() gives nothing) when
 * a goal's real shortest proof is longer than its bound: the sampler then
 * ends the sample as failed.
 *
 * Two rules cut subgoals that a shortest proof never has; endless chains of
 * them are how sampling runs away (bare-variable conclusions such as ax-mp's
 * match every goal):
 *   cycle   a subgoal equal to its goal G or to a goal above G on the same
 *           branch: a proof of G that needs G first is never the shortest
 *           ("syl ph" on ( ph -> ch ) wants ( ph -> ph ) and ( ph -> ch ))
 *   fresh   a subgoal that is a lone variable occurring in no hypothesis
 *           ("ax-mp la" wants |- la): provable only from inconsistent
 *           hypotheses, and then the same subproof with la replaced by the
 *           statement proves the statement, in fewer steps (applied only
 *           when the database and the statement have no $d conditions,
 *           which could forbid that substitution)
 * A label is not allowed when a subgoal that its match with G determines
 * breaks a rule; a subgoal that needs the written expressions is guarded
 * symbol by symbol: the run may not be completed into exactly the
 * expression(s) that would break one (found when the label is read, by
 * matching the hypothesis against G and each ancestor), so these rules lead
 * into no dead end. Not checked: a subgoal that needs only some of several
 * written expressions, and the fresh rule when there are several (rare).
 * Goals are compared by a hash (mod 2^61-1): a collision can only forbid a
 * token, never admit one. No human proof of mm-pc breaks either rule.
 *
 * The semantic rule (semantics.h) cuts subgoals that can never be proved.
 * In propositional calculus a formula is provable from the statement's
 * hypotheses (fixed formulas) iff every truth assignment that makes them
 * true makes it true, so a subgoal that is not such a consequence is a dead
 * end, however it is attacked. Truth tables decide it, for expressions built
 * from the database's propositional connectives (found by label, and
 * trusted only after a self-check of every axiom, definition and theorem
 * they cover when the index is built: mmc_index_semantic says whether it
 * passed); any other syntax is never judged. Where it applies:
 *   root    a statement that does not follow from its hypotheses is a dead
 *           end from the start (mmc_goal_entailed: also for conjectures)
 *   label   for goal G, a label is allowed only if some expressions for its
 *           written variables could make every instantiated $e hypothesis
 *           follow: those the match determines must follow, and on each row
 *           of the hypotheses' truth table some values of the written
 *           formulas (any truth function can be written) make all true
 *   run     while the expressions are written, each symbol must keep that
 *           possible: what is written is fixed, what is still open counts
 *           as any truth function (an exact test where only connectives can
 *           be written; elsewhere only the end of the run is judged)
 *   budget  lower bounds count only labels the rule allows; near the limit,
 *           a written formula's shortest fitting length (a variable, T., F.:
 *           1; the negation of one: 2; anything else: the shortest other
 *           body, 5 in set.mm) and the subgoals' own bounds when they become
 *           known
 * Inconsistent hypotheses entail everything: then nothing is cut. No token
 * of a correct proof is cut (the test: every human proof of mm-pc is
 * accepted with the rule on), as long as the connectives mean what their
 * truth tables say; MMC_NOSEMANTIC turns the rule off, for comparison.
 *
 * Correctness contract: a token sequence that reaches mmc_done() expands
 * with mms_expand() (same limits, struct mms_limits) and the kernel accepts
 * the expansion, except for conditions only the kernel checks: $d
 * conditions (mm-pc has none) and the kernel's own work limits (struct
 * mm_limits). Conversely every token of a proof that mms_expand() accepts
 * is allowed, unless the budget forbids it, a rule above forbids it
 * (MMC_NOCYCLE, MMC_NOFRESH turn them off; the semantic rule forbids no
 * correct proof's token), or it writes an expression with
 * a syntax axiom whose body repeats a variable (left out of the incremental
 * parser: it cannot compare subtrees; set.mm has none).
 *
 * Tokens: one number space per index (mmc_ntokens): END is 0; hypothesis i
 * (0-based, "H<i+1>") is 1 + i for i < MM_CAND_MAXHYPS; statement s (a
 * label) is 1 + MM_CAND_MAXHYPS + s; math symbol m is 1 + MM_CAND_MAXHYPS +
 * db->nstmts + m. mmc_token_lookup() maps a token's text the way the
 * expander classifies it, so a sampler maps its vocabulary once.
 *
 * Objects, and who owns what:
 *   struct mmc_index  per grammar: built once (mmc_index_new), read-only,
 *                     shared by any number of threads; the grammar must
 *                     outlive it
 *   struct mmc_goal   per statement: mmc_goal_new from a prepared goal
 *                     (steps.h), read-only, shared by every sample of the
 *                     statement; the mms_goal must outlive it
 *   struct mmc_work   per thread: a parser and scratch
 *   struct mmc_state  per sample: the proof state; buffers grow to the
 *                     largest proof seen and are reused (no allocation per
 *                     token in the steady state); mmc_state_copy forks one
 *
 * Use:
 *   once:           ix = mmc_index_new(g, NULL);
 *                   tok_of[v] = mmc_token_lookup(ix, text of vocabulary id v)
 *                   (the end-of-sequence id: MMC_END), and its inverse
 *   per thread:     w = mmc_work_new(ix);
 *   per statement:  cg = mmc_goal_new(ix, &goal);
 *                   mmc_state_init(s0, w, cg, max_new_tokens - 1, 0);
 *   per sample:     mmc_state_copy(s, s0);
 *                   loop: n = mmc_allowed(w, s, list); n == 0: failed, stop;
 *                         keep the logits of list[0..n) only; sample t;
 *                         mmc_advance(w, s, t); t == MMC_END: done
 *
 * Cost on mm-pc (test_constrain, one core): allowed() + advance() along
 * the human proofs 4.2 us per token with the semantic rule, 2.0 without;
 * the self-check 0.5 ms when the index is built.
 *
 * Out of memory dies (lib/msg.h, exit 71); nothing else fails loudly.
 */
#ifndef STP_MMSTEPS_CONSTRAIN_H
#define STP_MMSTEPS_CONSTRAIN_H

#include <stdint.h>

#include "mmsteps/steps.h"

struct mmc_index;
struct mmc_goal;
struct mmc_work;
struct mmc_state;

/* ----- tokens */

enum mmc_kind {
	MMC_KEND = 0,
	MMC_KHYP,              /* val: hypothesis index, 0-based */
	MMC_KLABEL,            /* val: statement number */
	MMC_KSYM,              /* val: math symbol */
	MMC_KBAD,              /* not a token of the space */
};

#define MMC_END      0u
#define MMC_NOTOKEN  UINT32_MAX

/* The size of the token space: tokens are 0..mmc_ntokens(ix)-1. */
uint32_t mmc_ntokens(const struct mmc_index *ix);

/* The token of (kind, val), or MMC_NOTOKEN when val is out of range. */
uint32_t mmc_token(const struct mmc_index *ix, enum mmc_kind kind, int32_t val);

/* The kind of tok, and its value in *val (if val is not NULL). */
enum mmc_kind mmc_token_kind(const struct mmc_index *ix, uint32_t tok, int32_t *val);

/* The token of text[0..len) classified as the expander does ("H<n>", then a
 * label, then a math symbol), or MMC_NOTOKEN (unknown text, or H<n> beyond
 * MM_CAND_MAXHYPS). END has no text. */
uint32_t mmc_token_lookup(const struct mmc_index *ix, const char *text, size_t len);

/* tok as text ("H3", a label, a symbol; "" for END) into buf[cap],
 * NUL-terminated; returns the length it needed, like snprintf. */
size_t mmc_token_str(const struct mmc_index *ix, uint32_t tok, char *buf, size_t cap);

/* ----- the shared parts */

/* The index of g: conclusions, syntax tables. lim: the expander's limits to
 * mirror (NULL: the defaults, as mms_expander_new(g, NULL)). */
struct mmc_index *mmc_index_new(const struct mms_grammar *g, const struct mms_limits *lim);
void mmc_index_free(struct mmc_index *ix);

/* Is the semantic rule usable with this database (its connectives found,
 * and its self-check passed)? *note (if note is not NULL) gets one line for
 * the user: what the self-check evaluated, or why the rule is off (owned by
 * ix). A tool should warn when it is off. */
int mmc_index_semantic(const struct mmc_index *ix, const char **note);

/* A statement's tables (minimal lengths by the syntax before its context,
 * its hypotheses' hashes...). gl must outlive it. Never fails. */
struct mmc_goal *mmc_goal_new(const struct mmc_index *ix, const struct mms_goal *gl);
void mmc_goal_free(struct mmc_goal *cg);

/* Does the statement follow from its hypotheses by truth tables? 1 yes,
 * 0 no: it can never be proved (an unprovable conjecture), -1 not judged
 * (syntax beyond the connectives, more than 16 variables, the rule off).
 * Inconsistent hypotheses entail everything: 1. */
int mmc_goal_entailed(const struct mmc_goal *cg);

/* Per-thread scratch: a parser (with the index's max_depth) and buffers. */
struct mmc_work *mmc_work_new(const struct mmc_index *ix);
void mmc_work_free(struct mmc_work *w);

/* ----- the per-sample state */

/* flags of mmc_state_init */
#define MMC_NOBUDGET  0x1  /* no budget mask: only the index's max_tokens holds
                              (the caller stops the sample at its own limit) */
#define MMC_NOCYCLE   0x2  /* no cycle rule */
#define MMC_NOFRESH   0x4  /* no fresh-variable rule */
#define MMC_NOSEMANTIC 0x8 /* no semantic rule (truth tables) */

struct mmc_state *mmc_state_new(void);
void mmc_state_free(struct mmc_state *st);

/*
 * Start a proof of cg's statement: one step obligation for its goal, budget
 * tokens to write it with (END not counted; capped at the index's
 * max_tokens). Returns 0, or -1 when not even the shortest proof fits the
 * budget (the state is then a dead end: nothing is allowed).
 */
int mmc_state_init(struct mmc_state *st, struct mmc_work *w, const struct mmc_goal *cg,
                   uint32_t budget, unsigned flags);

/* Make dst a copy of src (dst's buffers are reused). Cost: the used part of
 * src: its pending goals' trees, and the parse of a run in progress. */
void mmc_state_copy(struct mmc_state *dst, const struct mmc_state *src);

/*
 * The tokens allowed next, each once, in no particular order, into out[],
 * which must hold mmc_ntokens(ix) entries (far fewer are ever written).
 * Returns their number; 0 at a dead end and after END. st is not changed.
 */
uint32_t mmc_allowed(struct mmc_work *w, const struct mmc_state *st, uint32_t *out);

/* The same as a bitmask: bit t of mask[t / 64] is set iff token t is
 * allowed; mask has (mmc_ntokens(ix) + 63) / 64 words. Returns the count. */
uint32_t mmc_allowed_mask(struct mmc_work *w, const struct mmc_state *st, uint64_t *mask);

/* Is tok allowed next? Exactly when mmc_allowed() lists it. */
int mmc_check(struct mmc_work *w, const struct mmc_state *st, uint32_t tok);

/* Read token tok. Returns 0, or -1 when it is not allowed (st unchanged). */
int mmc_advance(struct mmc_work *w, struct mmc_state *st, uint32_t tok);

/* Do the tokens so far form a complete proof (END is allowed, or was read)? */
int mmc_done(const struct mmc_state *st);

/* Tokens read (END not counted), tokens that may still be written, and the
 * lower bound on the tokens the pending obligations need (with the budget
 * mask, mmc_need <= mmc_left whenever something is allowed). In the middle
 * of expressions the pending $e hypotheses count 1 each until the run ends
 * (their goals are known then), so mmc_need can grow there. */
uint32_t mmc_ntok(const struct mmc_state *st);
uint32_t mmc_left(const struct mmc_state *st);
uint32_t mmc_need(const struct mmc_state *st);

/* Is the state in the middle of a label's expressions? */
int mmc_in_expr(const struct mmc_state *st);

#endif
