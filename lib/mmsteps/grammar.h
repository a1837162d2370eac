/*
 * grammar.h - expressions of a Metamath database parsed by its own syntax axioms
 *
 * Untrusted, like everything in lib/mmsteps: a parse here is only ever a
 * suggestion that the kernel confirms (mm_verify_syntax, or
 * mm_verify_cand_refs on an expanded proof), so a bug can make a correct
 * proof or statement fail, never a wrong one pass.
 *
 * The grammar is the database's own: every syntax axiom (MM_SYNTAX: an
 * assertion whose typecode is a variable type such as wff, class, setvar)
 * is a production "TYPE -> body", a body variable standing for an expression
 * of its $f type; a variable alone is an expression of its type. The bodies
 * of each type are left-factored into a trie, and the parser is a memoised
 * top-down one over that trie: for each (type, position) it finds every end
 * at which an expression of the type can end, once, counting derivations so
 * that an input with two parses is reported as ambiguous, not resolved.
 * Only syntax axioms strictly before the parse's context statement are used.
 *
 * Syntax trees are prefix arrays of statement numbers: a syntax axiom, then
 * its children in the order of its mandatory $f hypotheses; a variable is the
 * $f statement of the variable. The arity of node s is g->arity[s], and the
 * postorder of a tree is its syntax proof for the kernel (mms_tree_rpn). In
 * patterns (parsed database assertions, struct mms_assert) a variable leaf
 * is MMS_PVAR(k) instead: the assertion's k-th mandatory hypothesis.
 *
 * Ownership: a grammar is built once per database (mms_grammar_new), is
 * immutable afterwards and lives until mms_grammar_free(); any number of
 * threads use it at once, each with its own struct mms_parser (scratch that
 * grows to the largest input seen and is then reused: no allocation in the
 * steady state). The database must outlive the grammar.
 *
 * Failure: functions that can fail return -1 (or 0 for a verdict) and fill a
 * caller-owned struct mms_err; out of memory dies (lib/msg.h, exit 71).
 *
 * NEEDSWORK: incremental parsing for the sampler ("which tokens can continue
 * a well-formed expression of type T from this prefix?") is not built yet.
 * Its state is the set of Earley items (trie node, origin) per position over
 * this same trie: a constant edge scans, a nonterminal edge predicts the
 * type's root (or a variable of the type), an accept completes; the allowed
 * next tokens are the constant edges of the current items (minax < context)
 * and the variables of the types predicted.
 */
#ifndef STP_MMSTEPS_GRAMMAR_H
#define STP_MMSTEPS_GRAMMAR_H

#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"

/* Why something failed: tok is the 1-based token (or math symbol) at fault,
 * 0 when none; msg is lowercase with no full stop and already names tok. */
struct mms_err {
	uint32_t tok;
	char msg[320];
};

/* A pattern's variable leaf: the assertion's k-th mandatory hypothesis. */
#define MMS_PVAR(k)      (-(int32_t)(k) - 1)
#define MMS_PVAR_IDX(x)  ((uint32_t)(-(x) - 1))

/* ----- the grammar: a trie of syntax-axiom bodies per type */

/* A trie edge: a constant (sym >= 0) or a nonterminal (type index). */
struct mms_edge {
	int32_t label;         /* mm_sym of a constant, or a type index */
	uint32_t to;           /* node */
};

/* A syntax axiom whose body ends at a trie node. */
struct mms_accept {
	int32_t stmt;          /* the syntax axiom */
	uint16_t nvar;         /* nonterminals in its body */
	uint16_t nkid;         /* children = mandatory $f hypotheses */
	uint32_t map;          /* g->kidmap[map + q]: child (frame index) of the
	                          q-th body nonterminal; may repeat */
};

struct mms_node {
	uint32_t cedge, ncedge;  /* g->edges[cedge..]: constant edges, sorted by symbol */
	uint32_t tedge, ntedge;  /* g->edges[tedge..]: nonterminal edges */
	uint32_t acc, nacc;      /* g->accepts[acc..]: axioms ending here, by statement */
	int32_t minax;           /* smallest statement number of an axiom ending at or
	                            below this node: skip it when minax >= context */
};

/* A non-syntax assertion's hypothesis, in frame order. */
struct mms_ahyp {
	uint32_t pat, npat;    /* $e: its pattern in g->pat */
	mm_sym typecode;       /* $f: the variable's typecode; $e: the hypothesis' */
	int16_t type;          /* $f: its syntax type index */
	uint8_t ess;           /* 1: $e, 0: $f */
	uint8_t written;       /* $f whose variable does not occur in the conclusion:
	                          its expression is written in a steps proof */
};

/* A non-syntax assertion, parsed once when the grammar is built. */
struct mms_assert {
	int32_t stmt;
	const char *err;       /* NULL, or why it could not be parsed (owned by g) */
	mm_sym typecode;       /* of the conclusion */
	uint32_t concl, nconcl;  /* the conclusion's pattern in g->pat */
	uint32_t hyps;         /* g->ahyps[hyps..hyps + nhyps]: frame order */
	uint16_t nhyps;
	uint16_t nwritten;     /* $f hypotheses with written set */
	uint16_t ness;         /* $e hypotheses */
};

struct mms_grammar {
	const struct mm_db *db;

	int ntypes;            /* syntax types: the typecodes of $f statements */
	mm_sym *type_sym;      /* (ntypes) the typecode of each type */
	int16_t *sym_type;     /* (db->nsyms) syntax type of a typecode (a type's own, or
	                          a provable typecode mapped by $j / fallback), or -1 */
	int16_t *var_type;     /* (db->nsyms) a variable's type by its outermost $f, or -1 */

	struct mms_node *nodes;
	uint32_t nnodes;
	uint32_t *root;        /* (ntypes) the trie root of each type */
	struct mms_edge *edges;
	struct mms_accept *accepts;
	int16_t *kidmap;
	uint16_t *arity;       /* (db->nstmts) children of a tree node: a syntax
	                          assertion's mandatory $f count; 0 otherwise */
	uint8_t *in_grammar;   /* (db->nstmts) 1: a syntax axiom the parser uses ($a only:
	                          a syntax theorem such as set.mm's weq is derived, and
	                          as a rule it would make "x = y" ambiguous) */
	int32_t *bodymap;      /* (db->nstmts) for syntax assertions without $e: offset
	                          into kidmap of one entry per body symbol, the frame
	                          index of a variable or -1 for a constant; else -1 */
	int leftrec;           /* some type can begin with itself: parses that need it fail */

	int32_t *assert_of;    /* (db->nstmts) index into asserts, or -1 */
	struct mms_assert *asserts;
	uint32_t nasserts;
	struct mms_ahyp *ahyps;
	int32_t *pat;          /* patterns */
	size_t npat;
	uint16_t maxhyps;      /* largest nhyps of any assertion */

	char **notes;          /* grammar-level notes (skipped axioms...), owned */
	uint32_t nnotes;
};

/*
 * Build the grammar of db: the trie of its syntax axioms and the patterns of
 * every non-syntax assertion. Syntax axioms the parser cannot use (a body
 * that is empty or a lone variable of its own type, $e hypotheses) are left
 * out, with a note in g->notes. Assertions that do not parse keep the reason
 * in their err. Never fails except by dying on out of memory.
 */
struct mms_grammar *mms_grammar_new(const struct mm_db *db);
void mms_grammar_free(struct mms_grammar *g);

/* The syntax type (index) of a typecode: a variable type's own, or a provable
 * typecode ("|-") mapped by "$j syntax '|-' as 'wff';" (fallback: 'wff', else
 * the only type). -1 if none. */
int mms_type_of(const struct mms_grammar *g, mm_sym typecode);

/* ----- the parser */

struct mms_parser;

/* Per-thread scratch for parsing. max_depth bounds expression nesting (and
 * so the C stack): 0 means 1000. Freed with mms_parser_free(). */
struct mms_parser *mms_parser_new(const struct mms_grammar *g, uint32_t max_depth);
void mms_parser_free(struct mms_parser *p);
const struct mms_grammar *mms_parser_grammar(const struct mms_parser *p);

/*
 * Parse syms[0..n) as k consecutive expressions of the syntax types
 * types[0..k) using the syntax axioms strictly before context, variables by
 * their outermost-scope $f (which must be before context too). The trees are
 * written one after another into out[0..cap), tree i having lens[i] nodes.
 * Returns the total number of nodes, or -1 with err set (err->tok is the
 * 1-based index into syms): no parse ("expected ')' or '->', found 'x'"),
 * two parses ("ambiguous"), nesting beyond max_depth, more than cap nodes,
 * or a parse too costly (a bound on work keeps adversarial input linear-ish).
 */
long mms_parse_seq(struct mms_parser *p, int32_t context, const int *types, uint32_t k,
                   const mm_sym *syms, uint32_t n, int32_t *out, size_t cap,
                   uint32_t *lens, struct mms_err *err);

/* One expression of type `type`: mms_parse_seq with k = 1. */
long mms_parse(struct mms_parser *p, int32_t context, int type, const mm_sym *syms,
               uint32_t n, int32_t *out, size_t cap, struct mms_err *err);

/*
 * Parse a whole statement (typecode first, as from mm_cand_tokens) in the
 * context: the typecode gives the type by mms_type_of. Like mms_parse.
 */
long mms_parse_stmt(struct mms_parser *p, int32_t context, const mm_sym *expr,
                    uint32_t len, int32_t *out, size_t cap, struct mms_err *err);

/*
 * Well-formedness, cheaply and soundly: parse the statement expr[0..len)
 * ("|- ( ph -> ps )") and have the kernel confirm the syntax proof of the
 * parse with mm_verify_syntax (w is the caller's per-thread kernel state).
 * Returns 1 if well-formed, else 0 with err set.
 */
int mms_wellformed(struct mms_parser *p, struct mm_work *w, int32_t context,
                   const mm_sym *expr, uint32_t len, struct mms_err *err);

/* ----- trees and patterns */

/* The end of the subtree of t that starts at i. */
static inline uint32_t
mms_tree_skip(const struct mms_grammar *g, const int32_t *t, uint32_t i)
{
	uint32_t need = 1;

	while (need) {
		int32_t x = t[i++];
		need = need - 1 + (x >= 0 ? g->arity[x] : 0);
	}
	return i;
}

/* Write the postorder of tree t[0..n) (its syntax proof) into out[0..n).
 * Pattern leaves are copied as they are. */
void mms_tree_rpn(const struct mms_grammar *g, const int32_t *t, uint32_t n, int32_t *out);

/* The expression of tree t[0..n) as text (without a typecode), for messages:
 * cut short with "..." to fit buf[cap] (NUL-terminated if cap > 0); returns
 * the length written. Pattern leaves print as the assertion a's variables (a
 * may be -1 if t has none). */
size_t mms_tree_str(const struct mms_grammar *g, int32_t a, const int32_t *t, uint32_t n,
                    char *buf, size_t cap);

/* A substitution entry: the tree a pattern variable stands for. */
struct mms_span {
	const int32_t *t;      /* NULL: not bound yet */
	uint32_t n;
};

/*
 * One-way matching: bind the variables of pattern pat[0..np) (MMS_PVAR
 * leaves) so that it equals the tree goal[0..ng) (whose $f leaves are rigid).
 * sub[] has an entry per mandatory hypothesis of the pattern's assertion; the
 * caller clears it; entries already bound must match. Returns 1 on a match
 * (sub points into goal), 0 otherwise (sub is then partly written).
 */
int mms_match(const struct mms_grammar *g, const int32_t *pat, uint32_t np,
              const int32_t *goal, uint32_t ng, struct mms_span *sub);

/* The number of nodes of pattern pat[0..np) under sub (every variable of it
 * bound), and the instance itself in out[0..cap) if it fits. */
size_t mms_instantiate(const int32_t *pat, uint32_t np, const struct mms_span *sub,
                       int32_t *out, size_t cap);

/* Are trees a and b equal? */
static inline int
mms_tree_eq(const int32_t *a, uint32_t na, const int32_t *b, uint32_t nb)
{
	if (na != nb)
		return 0;
	for (uint32_t i = 0; i < na; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* The parsed assertion stmt, or NULL if stmt is not a non-syntax assertion. */
static inline const struct mms_assert *
mms_assert_get(const struct mms_grammar *g, int32_t stmt)
{
	int32_t i = stmt >= 0 && stmt < g->db->nstmts ? g->assert_of[stmt] : -1;
	return i < 0 ? NULL : &g->asserts[i];
}

#endif
