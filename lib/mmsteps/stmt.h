/*
 * stmt.h - a statement record made ready for the kernel and the expander
 *
 * The text of a statement record (context label, statement, hypotheses, $d
 * pairs) becomes a kernel candidate (struct mm_cand: symbols checked against
 * the database at the context) and the expander's parsed goal (struct
 * mms_goal). Used by stp-verify, stp-prove and stp-conjecture alike, so that
 * a statement means the same to each.
 *
 * A statement that does not make a candidate (an undeclared symbol, a
 * malformed expression) is not an error here: valid is 0 and msg says why;
 * the tools decide (a verdict "not ok", a malformed conjecture dropped).
 * Ownership: everything lives in the struct until mms_stmt_release().
 */
#ifndef STP_MMSTEPS_STMT_H
#define STP_MMSTEPS_STMT_H

#include "mm/mm.h"
#include "mmsteps/steps.h"

struct mms_stmt {
	int valid;
	char msg[400];
	struct mm_cand cand;
	struct mms_goal goal;
	mm_sym *syms;          /* cand's expressions */
	uint64_t *dv;          /* cand's $d pairs, sorted */
};

/*
 * Make s from the text. context is the statement number (db->nstmts for
 * "after everything"); dv holds 2 * ndv variable names, pairwise. p is any
 * parser of the database's grammar. Returns s->valid.
 */
int mms_stmt_init(struct mms_stmt *s, const struct mm_db *db, struct mms_parser *p,
                  int32_t context, const char *statement, const char *const *hyps,
                  size_t nhyps, const char *const *dv, size_t ndv);
void mms_stmt_release(struct mms_stmt *s);

#endif
