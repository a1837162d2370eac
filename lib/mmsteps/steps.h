/*
 * steps.h - the "steps" proof format (docs/steps.md): expand to a normal proof for
 * the kernel, and convert database proofs to it
 *
 *   step := Hi | LABEL expr* step*
 *
 * in prefix order: Hi is the statement's i-th hypothesis; LABEL is a
 * non-syntax assertion strictly before the context, followed by one
 * expression for each of its variables that does not occur in its conclusion
 * (in the order of its $f hypotheses; the others follow from matching its
 * conclusion against the current goal), then one step for each of its $e
 * hypotheses in order. Example, id (|- ( ph -> ph )): "mpd ( ph -> ph ) ax-1
 * ax-1".
 *
 * Tokens are separated by whitespace (space, tab, newline, CR, FF). "H"
 * followed by a number (H1..H99999) is always a hypothesis, then a label,
 * then a math symbol. A label's expressions are the whole run of math symbols
 * after it (labels and math symbols never coincide), which must split into
 * exactly the expressions wanted.
 *
 * Untrusted: the expander's output is checked by mm_verify_cand_refs(), so a
 * bug here can only make a correct proof fail. The input is model output:
 * every failure is a reason string naming the 1-based token at fault, and
 * limits bound tokens, nodes, output and nesting.
 *
 * Use, per thread:
 *   struct mms_expander *x = mms_expander_new(g, &lim);
 *   per statement:  mms_goal_init(&goal, mms_expander_parser(x), &cand, &err);
 *   per attempt:    mms_expand(x, &goal, text, len, &refs, &n, &err);
 *                   mm_verify_cand_refs(db, w, &cand, refs, n, &res);
 *                   mms_goal_release(&goal) when the statement is done
 */
#ifndef STP_MMSTEPS_STEPS_H
#define STP_MMSTEPS_STEPS_H

#include "mmsteps/grammar.h"

/* A hypothesis token, "H1".."H99999" (no leading zero): its 0-based index,
 * or -1 when t[0..n) is not one. The one reading of Hi, for the expander
 * and the prover's constraints (constrain.h) alike. */
int32_t mms_hyp_index(const char *t, size_t n);

/* Bounds on one expansion; 0 picks the default. */
struct mms_limits {
	uint32_t max_tokens;   /* tokens of a steps proof (default 65536) */
	uint32_t max_nodes;    /* syntax-tree nodes built for subgoals and expressions,
	                          reserved once per expander (default 1 << 20) */
	uint32_t max_refs;     /* steps of the normal proof written (default 1 << 22) */
	uint32_t max_depth;    /* expression nesting (default 1000) */
};

/* A candidate statement parsed once, for expanding many proofs of it. */
struct mms_goal {
	const struct mm_cand *cand;  /* borrowed: must outlive the goal */
	int32_t *trees;              /* owned: the statement's tree, then each hypothesis' */
	uint32_t off[MM_CAND_MAXHYPS + 1];   /* [0]: statement, [1 + i]: Hi+1 */
	uint32_t len[MM_CAND_MAXHYPS + 1];
};

/*
 * Parse the candidate's statement and hypotheses (c->context, c->expr,
 * c->hyp[]: as given to mm_cand_init). Returns 0, or -1 with err
 * ("statement: symbol 3: ..." / "hypothesis 2: ..."); on failure nothing
 * needs releasing. p is any parser of the grammar (mms_expander_parser()).
 */
int mms_goal_init(struct mms_goal *gl, struct mms_parser *p, const struct mm_cand *c,
                  struct mms_err *err);
void mms_goal_release(struct mms_goal *gl);

struct mms_expander;

/* Per-thread expansion state (with its own parser). lim may be NULL. */
struct mms_expander *mms_expander_new(const struct mms_grammar *g,
                                      const struct mms_limits *lim);
void mms_expander_free(struct mms_expander *x);
struct mms_parser *mms_expander_parser(struct mms_expander *x);

/*
 * Expand the steps proof text[0..len) of gl's statement into a normal proof:
 * statement numbers and MM_REF_CANDHYP(i), in the kernel's order (for each
 * step: its mandatory hypotheses in frame order, the syntax proof of a $f's
 * expression or the subproof of an $e, then the label). *refs is owned by x
 * and valid until its next expansion. Returns 0, or -1 with err:
 * "token 4 ('ax-2'): its conclusion '...' does not match the goal '...'".
 */
int mms_expand(struct mms_expander *x, const struct mms_goal *gl, const char *text,
               size_t len, const int32_t **refs, uint32_t *n, struct mms_err *err);

/* Tokens of the last proof given to mms_expand (as far as it was read). */
uint32_t mms_expander_ntokens(const struct mms_expander *x);

/* The 1-based token that produced step `step` (1-based) of the last
 * successful expansion, 0 if none: maps a kernel failure (a $d violation,
 * res.step) back to the steps proof. */
uint32_t mms_expander_token(const struct mms_expander *x, uint32_t step);

/* The last expansion as rpn text: labels and H1..Hk, space-separated (for
 * display, and for Debian's metamath). Owned by x, valid until its next
 * expansion; "" if the last expansion failed. */
const char *mms_expander_rpn(struct mms_expander *x, size_t *len);

/*
 * Convert a normal proof (refs[0..n): statement numbers, every syntax step
 * included, as from mm_theorem_normal) into steps text. Hypotheses become Hi:
 * MM_REF_CANDHYP(i) is H(i+1), and an $e of theorem thm (-1 if none) is Hi
 * with i its position among thm's $e hypotheses in frame order. Syntax
 * subtrees are dropped except for the expressions steps need. Returns a
 * malloc'd NUL-terminated string (caller frees) and its token count in
 * *ntokens, or NULL with err (a proof that is not a tree, a step the grammar
 * cannot write). refs should be a proof the kernel accepted.
 */
char *mms_steps_from_normal(const struct mms_grammar *g, int32_t thm, const int32_t *refs,
                            uint32_t n, uint32_t *ntokens, struct mms_err *err);

/* mm_theorem_normal() then mms_steps_from_normal(): a database theorem's own
 * proof as steps; *nrefs (if not NULL) gets the normal proof's length. */
char *mms_theorem_steps(const struct mms_grammar *g, struct mm_work *w, int32_t thm,
                        uint32_t *ntokens, uint32_t *nrefs, struct mms_err *err);

#endif
