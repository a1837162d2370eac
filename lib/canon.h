/*
 * canon.h - statements equal up to renaming of variables and reordering of
 * hypotheses (docs/algorithm.md, "equal up to renaming")
 *
 * Two statements (a conclusion and hypotheses, each a whitespace-separated
 * token string) are equal in this sense when a bijection of their variables,
 * preserving each variable's type, and a permutation of the hypotheses make
 * one the other, token for token. Equal conclusions with different
 * hypotheses are different statements; so are different numbers of
 * hypotheses (a repeated hypothesis counts).
 *
 * canon_key() gives every statement of one class the same 64-bit key, and
 * (up to hash collisions) statements of different classes different keys.
 * It is the one rule behind the dataset's renaming classes (stp-mmdata),
 * the conjectures' dedup against every split (stp-conjecture) and the check
 * that no training example states a `test` statement (tests).
 *
 * How: the conclusion is written first, then the hypotheses, each
 * variable numbered by its first occurrence, constants by the hash of their
 * text; the key is the hash of the least such writing over the orders of the
 * hypotheses. The orders tried are cut down first by a colour refinement
 * that depends only on the class: each variable's colour is refined by where
 * it occurs (which expression, at which position), each hypothesis sorted by
 * the colours it shows, so that only hypotheses alike under every renaming
 * are permuted (the syl*anc family, with up to 10 hypotheses, then has no
 * ties left). Among those, a tie whose variables are all numbered already
 * writes the same text whichever is taken, and is not branched on.
 */
#ifndef STP_CANON_H
#define STP_CANON_H

#include <stddef.h>
#include <stdint.h>

struct mm_db;

/*
 * What a token is: a variable's type (any value >= 0: variables of
 * different types never map to each other) or -1 for a constant.
 */
typedef long (*canon_type_fn)(void *ctx, const char *tok, size_t len);

/*
 * The key of the statement (conclusion, hyps[0..nhyps)). Tokens are
 * separated by spaces, tabs or newlines. Never fails (out of memory dies,
 * lib/msg.h).
 */
uint64_t canon_key(canon_type_fn type, void *ctx, const char *conclusion,
                   const char *const *hyps, size_t nhyps);

/* A canon_type_fn for a Metamath database (ctx: the struct mm_db): a symbol
 * declared $v is a variable whose type is the typecode of its outermost $f
 * (or 0 without one); anything else is a constant. */
long canon_mm_type(void *db, const char *tok, size_t len);

/*
 * The keys of a statements file (records with "statement", optional "hyps"
 * and "split"; docs/records.md), Metamath's types from db: those of split
 * `test` are added to test, the others to other (NULL: not kept). Any number
 * of hypotheses. A record that is not such a statement dies (EX_DATAERR), an
 * unreadable file too (lib/jsonl.h). The one reader behind the conjectures'
 * dedup sets and stp-train's held-out check.
 */
struct hset64;
void canon_load_statements(struct mm_db *db, const char *path, struct hset64 *test,
                           struct hset64 *other);

/* How many orders the last canon_key() on this thread wrote out (for tests
 * and benchmarks of the refinement). */
unsigned long canon_last_orders(void);

#endif
