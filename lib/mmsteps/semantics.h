/*
 * semantics.h - truth tables for the propositional fragment of a database:
 * which goals can never be proved from a statement's hypotheses
 *
 * In propositional calculus (modus ponens and the axiom schemes, with the
 * hypotheses H1..Hk fixed: their variables are not instantiable), a formula
 * G is derivable from H1..Hk iff every truth assignment that makes every Hi
 * true makes G true (soundness and strong completeness). A subgoal that is
 * not such a consequence can never be proved: a sampler may forbid the
 * choices that create one. The test is exact for propositional calculus and
 * a necessary condition wherever the database's logic is classical and
 * sound; it is decided here, by truth tables, and trusted nowhere: a wrong
 * verdict can only cut a proof the sampler would have found, never pass a
 * wrong one (the kernel checks every proof).
 *
 *   connectives  the syntax axioms of set.mm's propositional calculus,
 *                found by label and checked for shape (wn wi wb wo wa w3o
 *                w3a wnan wxo wif whad wcad wtru wfal: the label, the number
 *                of arguments, every argument and the result of the formula
 *                type); the arguments of a tree node are in the frame order
 *                of the axiom's $f hypotheses, and are mapped back to the
 *                order in which the body writes them
 *   unknown      any other syntax (A. x, =, class terms...), and variables
 *                that are not formulas: an expression that uses it is never
 *                judged (MMS_SEM_UNKNOWN), because a predicate-calculus
 *                subformula is not an independent atom (A. x ph -> ph)
 *   self-check   when built, every |- assertion of the database whose syntax
 *                is covered is evaluated: each axiom and definition must be a
 *                tautology, or a consequence of its $e hypotheses, under
 *                these truth functions, and so must each theorem with a
 *                complete proof. If one fails the semantics is off for the
 *                whole database (mms_sem_on() is 0, mms_sem_note() says why),
 *                so that a database whose connectives mean something else
 *                turns the filter off instead of making it wrong
 *   tables       bit-parallel: with v variables, 2^v rows in 64-bit words
 *                (one word up to 6 variables); at most MMS_SEM_MAXVARS
 *                variables in the hypotheses and a goal together, beyond
 *                that nothing is judged
 *
 * Objects, and who owns what:
 *   struct mms_sem       per grammar: built once, read-only, shared by
 *                        threads; the grammar must outlive it
 *   struct mms_semhyps   per statement: the truth table of its hypotheses
 *   struct mms_semwork   per thread: scratch, and one prepared goal
 *
 * Out of memory dies (lib/msg.h, exit 71); nothing else fails.
 */
#ifndef STP_MMSTEPS_SEMANTICS_H
#define STP_MMSTEPS_SEMANTICS_H

#include <stdint.h>

#include "mmsteps/grammar.h"

#define MMS_SEM_MAXVARS 16

/* verdicts */
#define MMS_SEM_NO       0     /* not a consequence: can never be proved */
#define MMS_SEM_YES      1     /* a consequence of the hypotheses */
#define MMS_SEM_UNKNOWN  (-1)  /* not judged: other syntax, too many variables, off */

struct mms_sem;
struct mms_semhyps;
struct mms_semwork;

/* The truth functions of g's connectives, and the self-check. Never fails. */
struct mms_sem *mms_sem_new(const struct mms_grammar *g);
void mms_sem_free(struct mms_sem *s);

/* Is the semantics usable: connectives found and the self-check passed? */
int mms_sem_on(const struct mms_sem *s);

/* One line for the user: what was checked, or why the semantics is off
 * ("'df-an' is not a tautology under the truth tables"). Owned by s. */
const char *mms_sem_note(const struct mms_sem *s);

/* Assertions the self-check evaluated (axioms and definitions, theorems). */
void mms_sem_checked(const struct mms_sem *s, uint32_t *naxioms, uint32_t *ntheorems);

struct mms_semwork *mms_semwork_new(const struct mms_sem *s);
void mms_semwork_free(struct mms_semwork *w);

/*
 * The hypotheses of a statement in context ctx: trees hyp[i][0..len[i]) (the
 * syntax trees of their expressions, grammar.h), i < n. If one is not judged
 * (other syntax, more than MMS_SEM_MAXVARS variables) or the semantics is
 * off, every verdict for the statement is MMS_SEM_UNKNOWN. writable (ntypes
 * flags, or NULL): the syntax types of which an expression can be written
 * in the context, and nvars, the formula variables usable there, for the
 * judgement of written runs and their lengths. w is scratch (NULL: a
 * temporary one).
 */
struct mms_semhyps *mms_semhyps_new(const struct mms_sem *s, struct mms_semwork *w,
                                    int32_t ctx, const uint8_t *writable, uint32_t nvars,
                                    const int32_t *const *hyp, const uint32_t *len,
                                    uint32_t n);
void mms_semhyps_free(struct mms_semhyps *h);

/* Does the filter apply to the statement (judged, and the hypotheses
 * consistent: from inconsistent ones everything follows)? */
int mms_semhyps_active(const struct mms_semhyps *h);

/* Is tree t[0..n) (a formula: no pattern leaves) a consequence of h?
 * Variables that occur only in t count (for every value of them). */
int mms_sem_entailed(struct mms_semwork *w, const struct mms_semhyps *h, const int32_t *t,
                     uint32_t n);

/*
 * Prepare goal t[0..n) for mms_sem_viable (the truth table of each of its
 * subtrees). t must stay in place until the last mms_sem_viable for it.
 * Returns 1 when prepared, 0 when nothing will be judged.
 */
int mms_sem_goal(struct mms_semwork *w, const struct mms_semhyps *h, const int32_t *t,
                 uint32_t n);

/*
 * May assertion a prove the prepared goal, its conclusion matched with sub
 * (sub[k] spans of the goal's tree for the variables of the conclusion;
 * written variables unbound)? 0 when, for every choice of the written
 * expressions, some instantiated $e hypothesis is not a consequence of h:
 * the assertion can never be the step. Else 1 (also when not judged).
 * Exact when the written variables are formulas: a written expression can be
 * any truth function of the variables, so it suffices that on each row
 * where h holds some truth values of them make every $e hypothesis true.
 * Hypotheses that cannot be judged are left out (a weaker test).
 */
int mms_sem_viable(struct mms_semwork *w, const struct mms_semhyps *h,
                   const struct mms_assert *a, const struct mms_span *sub);

/*
 * The same while a's written expressions are being written, in two steps.
 * mms_sem_run reads run[0..n), the math symbols so far (a prefix of the
 * expressions, in the order of a's written variables), after mms_sem_goal
 * for the goal a proves (sub as for mms_sem_viable). Returns 1 when the
 * prefix is judged, 0 when not: other syntax could be written in the
 * context (the parser here knows only the connectives, so it judges only
 * where they are all that can be written), a written variable is not a
 * formula, the run is not read as expected.
 *
 * mms_sem_run_next then judges a next symbol x: MMS_SEM_NO when no
 * completion of the run with x can make every $e hypothesis follow,
 * MMS_SEM_YES when one can, MMS_SEM_UNKNOWN when not judged. The formulas
 * written so far count as written; what is still open can be any truth
 * function: each argument not yet written is its own subtree, so on each
 * row it takes either value independently of the rest, and an open
 * connective may still become any of the bodies it has begun. O(words) a
 * symbol: the open connectives are composed into one map of value sets
 * when the run is read. Valid until the next mms_sem_run.
 */
int mms_sem_run(struct mms_semwork *w, const struct mms_semhyps *h, const struct mms_assert *a,
                const struct mms_span *sub, const mm_sym *run, uint32_t n);
int mms_sem_run_next(struct mms_semwork *w, const struct mms_semhyps *h, mm_sym x,
                     uint32_t *extra);

/* Forget the run: mms_sem_run_next judges nothing until the next
 * mms_sem_run. (Only mms_sem_run and this change what it reads: a run stays
 * valid across mms_sem_goal, mms_sem_viable, mms_sem_entailed.) */
void mms_sem_run_clear(struct mms_semwork *w);

/*
 * Lengths. A written formula whose value is constrained may need more than
 * the one symbol the grammar's bound counts for it: a formula of 1 symbol
 * is a variable, T. or F., one of 2 the negation of one, and one of 3 or 4
 * a double negation of those (every other connective writes 4 constants or
 * more), so a constraint that none of them meets needs 5 symbols or more.
 * mms_sem_run_next's *extra (if extra is not NULL; 0 unless MMS_SEM_YES):
 * the symbols beyond one that the next argument to be written after x
 * needs, where it is certain which one that is. mms_sem_written_extra:
 * the same, summed, for the written formulas of a at the prepared goal
 * (mms_sem_goal) before any is written. Both are lower bounds, 0 when not
 * judged; they hold only in a context where nothing but the connectives
 * can be written.
 */
uint32_t mms_sem_written_extra(struct mms_semwork *w, const struct mms_semhyps *h,
                               const struct mms_assert *a, const struct mms_span *sub);

/*
 * The validity prefilter (docs/algorithm.md): is the statement text
 * (conclusion, hyps[0..nh)), read before context ctx, a consequence of its
 * hypotheses by the truth tables? MMS_SEM_YES, MMS_SEM_NO (it can never be
 * proved), or MMS_SEM_UNKNOWN (not judged: other syntax, too many
 * variables, the semantics off, or text that does not parse). p is the
 * caller's parser of s's grammar, w its scratch.
 */
int mms_sem_statement(const struct mms_sem *s, struct mms_semwork *w, struct mms_parser *p,
                      int32_t ctx, const char *statement, const char *const *hyps, size_t nh);

/* Does the conclusion of assertion ai (its index in g->asserts) imply,
 * under the truth tables, that some values of its written variables make
 * every $e hypothesis true? Then at a goal that follows from the hypotheses
 * it is always viable (mms_sem_viable). */
int mms_sem_trivial(const struct mms_sem *s, uint32_t ai);

/* The largest extra either can give for the statement (0: none): a caller
 * with that much slack need not ask. */
uint32_t mms_semhyps_maxextra(const struct mms_semhyps *h);

#endif
