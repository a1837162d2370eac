/*
 * export.c - write a database theorem as a candidate: its statement, its
 * hypotheses and its proof in normal form with the hypotheses renamed H1..Hk
 */
#include "internal.h"

struct buf {
	char *p;
	size_t n, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	mm_grow(&b->p, &b->cap, b->n + n + 1, 1);
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

char *
mm_theorem_export(const struct mm_db *db, struct mm_work *w, int32_t s, struct mm_result *res)
{
	const struct mm_stmt *st = &db->stmts[s];
	const int32_t *mand = db->ilist + st->hyps;
	struct buf b = { NULL, 0, 0 };
	uint32_t n = 0;
	int32_t *refs = mm_theorem_normal(db, w, s, &n, res);

	if (!refs)
		return NULL;
	put(&b, "", 0);
	for (uint32_t i = 0; i < n; i++) {
		int32_t r = refs[i];
		char hname[16];
		const char *name = db->stmts[r].label;
		if (i)
			put(&b, " ", 1);
		if (db->stmts[r].kind == MM_E) {
			int k = 0;
			for (uint32_t j = 0; j < st->nhyps; j++) {
				if (db->stmts[mand[j]].kind != MM_E)
					continue;
				k++;
				if (mand[j] == r)
					break;
			}
			snprintf(hname, sizeof hname, "H%d", k);
			name = hname;
		}
		put(&b, name, strlen(name));
	}
	free(refs);
	return b.p;
}
