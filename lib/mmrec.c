/*
 * mmrec.c - a database statement's fields as they appear in records
 */
#include <stdlib.h>

#include "mmrec.h"

json_t *
mmrec_statement(const struct mm_db *db, int32_t s)
{
	char *t = mm_expr_text(db, db->pool + db->stmts[s].expr, db->stmts[s].len);
	json_t *j = json_string(t);

	free(t);
	return j;
}

json_t *
mmrec_hyps(const struct mm_db *db, int32_t s)
{
	const struct mm_stmt *st = &db->stmts[s];
	json_t *a = json_array();

	for (uint32_t i = 0; i < st->nhyps; i++) {
		const struct mm_hyp *h = &db->frames[st->frame + i];
		char *t;
		if (h->var >= 0)
			continue;
		t = mm_expr_text(db, db->pool + h->expr, h->len);
		json_array_append_new(a, json_string(t));
		free(t);
	}
	return a;
}
