/*
 * stmt.c - a statement record made ready for the kernel and the expander
 * (see stmt.h)
 */
#include "mmsteps/stmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

#define STMT_MAX_SYMBOLS 65536   /* a statement and its hypotheses, in all */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void
copy_msg(char *dst, size_t cap, const char *a, const char *b)
{
	snprintf(dst, cap, "%s%.*s", a, (int)(cap - strlen(a) - 1), b);
}

int
mms_stmt_init(struct mms_stmt *s, const struct mm_db *db, struct mms_parser *p, int32_t context,
              const char *statement, const char *const *hyps, size_t nhyps,
              const char *const *dv, size_t ndv)
{
	struct mm_result res;
	struct mms_err merr;
	mm_sym *tmp;
	size_t used = 0, k = 0;

	memset(s, 0, sizeof *s);
	if (nhyps > MM_CAND_MAXHYPS) {
		snprintf(s->msg, sizeof s->msg, "more than %d hypotheses", MM_CAND_MAXHYPS);
		return 0;
	}
	s->cand.context = context;
	tmp = xmalloc(STMT_MAX_SYMBOLS * sizeof *tmp);
	for (size_t i = 0; i <= nhyps; i++) {
		const char *text = i == 0 ? statement : hyps[i - 1];
		int n = mm_cand_tokens(db, context, text, tmp + used, STMT_MAX_SYMBOLS - used, &res);
		if (n < 0) {
			if (i == 0)
				copy_msg(s->msg, sizeof s->msg, "statement: ", res.msg);
			else
				snprintf(s->msg, sizeof s->msg, "hypothesis %zu: %.300s", i, res.msg);
			free(tmp);
			return 0;
		}
		if (i == 0)
			s->cand.len = (uint32_t)n;
		else
			s->cand.hyplen[i - 1] = (uint32_t)n;
		used += (size_t)n;
	}
	/* a theorem prover's verdict covers provable statements (|- ...) only:
	 * a statement of a syntax typecode (wff, class...) "proved" by its
	 * syntax proof is not a theorem */
	{
		const struct mms_grammar *g = mms_parser_grammar(p);
		for (int t = 0; t < g->ntypes; t++)
			if (g->type_sym[t] == tmp[0]) {
				snprintf(s->msg, sizeof s->msg,
				         "statement: '%.40s' is a syntax typecode: only provable "
				         "statements are theorems", db->syms[tmp[0]].name);
				free(tmp);
				return 0;
			}
	}
	/* the symbols in storage of their own size, then the pointers */
	s->syms = xmalloc(used * sizeof *s->syms);
	memcpy(s->syms, tmp, used * sizeof *s->syms);
	free(tmp);
	s->cand.expr = s->syms;
	used = s->cand.len;
	for (size_t i = 0; i < nhyps; i++) {
		s->cand.hyp[i] = s->syms + used;
		used += s->cand.hyplen[i];
	}
	s->cand.nhyps = (uint32_t)nhyps;
	if (ndv) {
		s->dv = xmalloc((ndv + 1) * sizeof *s->dv);
		for (size_t i = 0; i < ndv; i++) {
			const char *a = dv[2 * i], *b = dv[2 * i + 1];
			mm_sym x = mm_db_sym(db, a, strlen(a)), y = mm_db_sym(db, b, strlen(b));
			if (x < 0 || y < 0 || x == y || db->symkind[x] != MM_VAR ||
			    db->symkind[y] != MM_VAR) {
				snprintf(s->msg, sizeof s->msg,
				         "dv: '%.40s' '%.40s' is not a pair of distinct variables", a, b);
				return 0;
			}
			s->dv[i] = MM_DV(x, y);
		}
		qsort(s->dv, ndv, sizeof *s->dv, cmp_u64);
		for (size_t i = 0; i < ndv; i++)
			if (k == 0 || s->dv[k - 1] != s->dv[i])
				s->dv[k++] = s->dv[i];
	}
	if (mm_cand_init(db, &s->cand, s->dv, (uint32_t)k, &res) < 0) {
		copy_msg(s->msg, sizeof s->msg, "statement: ", res.msg);
		return 0;
	}
	if (mms_goal_init(&s->goal, p, &s->cand, &merr) < 0) {
		copy_msg(s->msg, sizeof s->msg, "", merr.msg);
		return 0;
	}
	s->valid = 1;
	return 1;
}

void
mms_stmt_release(struct mms_stmt *s)
{
	if (s->valid)
		mms_goal_release(&s->goal);
	free(s->syms);
	free(s->dv);
	memset(s, 0, sizeof *s);
}
