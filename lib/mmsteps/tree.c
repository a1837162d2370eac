/*
 * tree.c - syntax trees: postorder, text, one-way matching, instantiation
 */
#include "mmsteps/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

struct pending {
	int32_t s;
	uint32_t left;         /* children still to be written */
};

void
mms_tree_rpn(const struct mms_grammar *g, const int32_t *t, uint32_t n, int32_t *out)
{
	struct pending small[128], *st = small;
	size_t cap = 128, sp = 0, k = 0;

	for (uint32_t i = 0; i < n; i++) {
		int32_t x = t[i];
		uint16_t a = x >= 0 ? g->arity[x] : 0;
		if (a) {
			if (sp == cap) {
				struct pending *bigger = xreallocarray(st == small ? NULL : st, cap * 2,
				                                       sizeof *st);
				if (st == small)
					memcpy(bigger, small, sizeof small);
				st = bigger;
				cap *= 2;
			}
			st[sp++] = (struct pending){ x, a };
			continue;
		}
		out[k++] = x;
		while (sp && --st[sp - 1].left == 0)
			out[k++] = st[--sp].s;
	}
	if (st != small)
		free(st);
}

/* ---- text, for messages: truncated, never fails */

struct sink {
	char *buf;
	size_t cap, len;       /* len < cap; buf[len] = '\0' */
	int full;
};

static void
sink_put(struct sink *k, const char *s)
{
	size_t n = strlen(s);

	if (k->full)
		return;
	if (k->len && k->len + 1 < k->cap)
		k->buf[k->len++] = ' ';
	if (k->len + n + 1 > k->cap) {
		k->full = 1;
		if (k->cap >= 4) {
			size_t at = k->cap - 4 < k->len ? k->cap - 4 : k->len;
			memcpy(k->buf + at, "...", 4);
			k->len = at + 3;
		}
		return;
	}
	memcpy(k->buf + k->len, s, n + 1);
	k->len += n;
}

/* The name of a tree leaf: a $f's variable, or pattern variable of a. */
static const char *
leaf_name(const struct mms_grammar *g, int32_t a, int32_t x)
{
	const struct mm_db *db = g->db;

	if (x < 0) {
		uint32_t k = MMS_PVAR_IDX(x);
		if (a < 0 || k >= db->stmts[a].nhyps)
			return "?";
		x = mm_stmt_hyps(db, a)[k];
	}
	if (db->stmts[x].kind != MM_F)
		return "?";
	return db->syms[mm_stmt_expr(db, x)[1]].name;
}

static void
str_rec(const struct mms_grammar *g, int32_t a, const int32_t *t, uint32_t i, uint32_t depth,
        struct sink *k)
{
	const struct mm_db *db = g->db;
	int32_t x = t[i];
	const mm_sym *body;
	uint32_t len;

	if (k->full)
		return;
	if (x < 0 || db->stmts[x].kind == MM_F || g->bodymap[x] < 0) {
		sink_put(k, x < 0 || db->stmts[x].kind == MM_F ? leaf_name(g, a, x) : "?");
		return;
	}
	if (depth > 200) {
		sink_put(k, "...");
		k->full = 1;
		return;
	}
	body = mm_stmt_expr(db, x) + 1;
	len = db->stmts[x].len - 1;
	for (uint32_t p = 0; p < len && !k->full; p++) {
		int16_t f = g->kidmap[g->bodymap[x] + p];
		uint32_t c = i + 1;
		if (f < 0) {
			sink_put(k, db->syms[body[p]].name);
			continue;
		}
		for (int16_t s = 0; s < f; s++)
			c = mms_tree_skip(g, t, c);
		str_rec(g, a, t, c, depth + 1, k);
	}
}

size_t
mms_tree_str(const struct mms_grammar *g, int32_t a, const int32_t *t, uint32_t n, char *buf,
             size_t cap)
{
	struct sink k = { buf, cap, 0, 0 };

	if (!cap)
		return 0;
	buf[0] = '\0';
	if (n)
		str_rec(g, a, t, 0, 0, &k);
	return k.len;
}

/* ---- matching */

int
mms_match(const struct mms_grammar *g, const int32_t *pat, uint32_t np, const int32_t *goal,
          uint32_t ng, struct mms_span *sub)
{
	uint32_t i = 0, j = 0;

	while (i < np) {
		int32_t x = pat[i++];
		if (j >= ng)
			return 0;
		if (x < 0) {
			struct mms_span *v = &sub[MMS_PVAR_IDX(x)];
			uint32_t e = mms_tree_skip(g, goal, j);
			if (v->t) {
				if (!mms_tree_eq(v->t, v->n, goal + j, e - j))
					return 0;
			} else {
				v->t = goal + j;
				v->n = e - j;
			}
			j = e;
		} else if (x != goal[j++]) {
			return 0;
		}
	}
	return j == ng;
}

size_t
mms_instantiate(const int32_t *pat, uint32_t np, const struct mms_span *sub, int32_t *out,
                size_t cap)
{
	size_t n = 0;

	for (uint32_t i = 0; i < np; i++)
		n += pat[i] < 0 ? sub[MMS_PVAR_IDX(pat[i])].n : 1;
	if (n > cap)
		return n;
	for (uint32_t i = 0, k = 0; i < np; i++) {
		int32_t x = pat[i];
		if (x < 0) {
			const struct mms_span *v = &sub[MMS_PVAR_IDX(x)];
			if (v->n)
				memcpy(out + k, v->t, v->n * sizeof *out);
			k += v->n;
		} else {
			out[k++] = x;
		}
	}
	return n;
}
