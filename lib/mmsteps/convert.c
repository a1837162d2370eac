/*
 * convert.c - normal proof -> steps text
 *
 * The normal proof is rebuilt as a tree (a step's arity is its number of
 * mandatory hypotheses), then written in prefix order: each non-syntax
 * assertion with the expressions of its variables that do not occur in its
 * conclusion, each hypothesis as Hi; the other syntax subtrees are dropped.
 * Not on a hot path: it allocates per call.
 */
#include "mmsteps/internal.h"
#include "mmsteps/steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

struct text {
	char *s;
	size_t len, cap;
	uint32_t ntok;
};

static void
put(struct text *t, const char *s)
{
	size_t n = strlen(s);

	xgrow(&t->s, &t->cap, t->len + n + 2, 1);
	if (t->len)
		t->s[t->len++] = ' ';
	memcpy(t->s + t->len, s, n + 1);
	t->len += n;
	t->ntok++;
}

struct ptree {
	const int32_t *refs;
	uint32_t n;
	uint32_t *kidoff;      /* (n) node i's children: kid[kidoff[i]..] */
	uint32_t *kid;
};

/* Rebuild the tree of a normal proof. Returns the root, or -1 with err. */
static long
rebuild(const struct mm_db *db, struct ptree *pt, struct mms_err *err)
{
	uint32_t *stack = xmalloc(((size_t)pt->n + 1) * sizeof *stack);
	size_t sp = 0, nk = 0;
	long root = -1;

	pt->kidoff = xmalloc(((size_t)pt->n + 1) * sizeof *pt->kidoff);
	pt->kid = xmalloc(((size_t)pt->n + 1) * sizeof *pt->kid);
	for (uint32_t i = 0; i < pt->n; i++) {
		int32_t r = pt->refs[i];
		uint32_t ar = 0;
		if (r >= db->nstmts || (r < 0 && r > MM_REF_CANDHYP(0))) {
			mms_fail(err, "step", i + 1, "not a statement (%d)", r);
			goto out;
		}
		if (r >= 0 && mm_is_assertion(&db->stmts[r]))
			ar = db->stmts[r].nhyps;
		if (sp < ar) {
			mms_fail(err, "step", i + 1, "'%s' needs %u hypotheses, the stack holds %zu",
			         db->stmts[r].label, ar, sp);
			goto out;
		}
		sp -= ar;
		pt->kidoff[i] = (uint32_t)nk;
		memcpy(pt->kid + nk, stack + sp, ar * sizeof *stack);
		nk += ar;
		stack[sp++] = i;
	}
	if (sp != 1)
		mms_fail(err, NULL, 0, "the proof leaves %zu entries on the stack, not 1", sp);
	else
		root = stack[0];
out:
	free(stack);
	return root;
}

/* Write the expression of syntax subtree `node` (iteratively: proofs can be
 * deep). Returns 0 or -1 with err. */
static int
put_expr(const struct mms_grammar *g, const struct ptree *pt, uint32_t node, struct text *t,
         struct mms_err *err)
{
	const struct mm_db *db = g->db;
	struct frame {
		uint32_t node, pos;
	} *st = NULL;
	size_t sp = 0, cap = 0;
	int rc = 0;

	xgrow(&st, &cap, 1, sizeof *st);
	st[sp++] = (struct frame){ node, 0 };
	while (sp) {
		struct frame *f = &st[sp - 1];
		int32_t r = pt->refs[f->node];
		uint32_t child;
		int16_t k;
		if (r >= 0 && db->stmts[r].kind == MM_F) {
			put(t, db->syms[mm_stmt_expr(db, r)[1]].name);
			sp--;
			continue;
		}
		if (r < 0 || g->bodymap[r] < 0) {
			mms_fail(err, "step", f->node + 1, "'%s' is not a syntax assertion",
			         r < 0 ? "H?" : db->stmts[r].label);
			rc = -1;
			break;
		}
		if (f->pos == db->stmts[r].len - 1) {
			sp--;
			continue;
		}
		k = g->kidmap[g->bodymap[r] + f->pos];
		if (k < 0) {
			put(t, db->syms[mm_stmt_expr(db, r)[1 + f->pos]].name);
			f->pos++;
			continue;
		}
		f->pos++;
		child = pt->kid[pt->kidoff[f->node] + (uint32_t)k];
		xgrow(&st, &cap, sp + 1, sizeof *st);   /* f is stale from here */
		st[sp++] = (struct frame){ child, 0 };
	}
	free(st);
	return rc;
}

/* Hi for hypothesis step r: MM_REF_CANDHYP, or an $e of theorem thm. */
static int
put_hyp(const struct mm_db *db, int32_t thm, int32_t r, uint32_t step, struct text *t,
        struct mms_err *err)
{
	char h[16];
	int k = 0;

	if (r < 0) {
		snprintf(h, sizeof h, "H%d", -r - 16 + 1);
		put(t, h);
		return 0;
	}
	if (thm >= 0 && db->stmts[r].kind == MM_E)
		for (uint32_t j = 0; j < db->stmts[thm].nhyps; j++) {
			int32_t hj = mm_stmt_hyps(db, thm)[j];
			if (db->stmts[hj].kind != MM_E)
				continue;
			k++;
			if (hj == r) {
				snprintf(h, sizeof h, "H%d", k);
				put(t, h);
				return 0;
			}
		}
	mms_fail(err, "step", step, "'%s' is not a hypothesis of the theorem", db->stmts[r].label);
	return -1;
}

/* Write the steps of proof node `node` and everything under it. */
static int
put_steps(const struct mms_grammar *g, int32_t thm, const struct ptree *pt, uint32_t root,
          struct text *t, struct mms_err *err)
{
	const struct mm_db *db = g->db;
	uint32_t *st = NULL;
	size_t sp = 0, cap = 0;
	int rc = 0;

	xgrow(&st, &cap, 1, sizeof *st);
	st[sp++] = root;
	while (sp && !rc) {
		uint32_t i = st[--sp];
		int32_t r = pt->refs[i];
		const struct mms_assert *a;
		if (r < 0 || db->stmts[r].kind == MM_E) {
			rc = put_hyp(db, thm, r, i + 1, t, err);
			continue;
		}
		a = mms_assert_get(g, r);
		if (!a || a->err) {
			mms_fail(err, "step", i + 1, "'%s' cannot be written in steps: %s",
			         db->stmts[r].label, a ? a->err : "a syntax step where a proof step belongs");
			rc = -1;
			continue;
		}
		put(t, db->stmts[r].label);
		for (uint32_t k = 0; k < a->nhyps && !rc; k++)
			if (g->ahyps[a->hyps + k].written)
				rc = put_expr(g, pt, pt->kid[pt->kidoff[i] + k], t, err);
		xgrow(&st, &cap, sp + a->nhyps, sizeof *st);
		for (uint32_t k = a->nhyps; k-- > 0;)
			if (g->ahyps[a->hyps + k].ess)
				st[sp++] = pt->kid[pt->kidoff[i] + k];
	}
	free(st);
	return rc;
}

char *
mms_steps_from_normal(const struct mms_grammar *g, int32_t thm, const int32_t *refs, uint32_t n,
                      uint32_t *ntokens, struct mms_err *err)
{
	struct ptree pt = { refs, n, NULL, NULL };
	struct text t = { NULL, 0, 0, 0 };
	long root;

	memset(err, 0, sizeof *err);
	*ntokens = 0;
	if (n == 0) {
		mms_fail(err, NULL, 0, "empty proof");
		return NULL;
	}
	root = rebuild(g->db, &pt, err);
	if (root >= 0 && put_steps(g, thm, &pt, (uint32_t)root, &t, err) == 0) {
		*ntokens = t.ntok;
	} else {
		free(t.s);
		t.s = NULL;
	}
	free(pt.kidoff);
	free(pt.kid);
	return t.s;
}

char *
mms_theorem_steps(const struct mms_grammar *g, struct mm_work *w, int32_t thm,
                  uint32_t *ntokens, uint32_t *nrefs, struct mms_err *err)
{
	struct mm_result res;
	uint32_t n = 0;
	int32_t *refs;
	char *s;

	*ntokens = 0;
	refs = mm_theorem_normal(g->db, w, thm, &n, &res);
	if (!refs) {
		mms_fail(err, NULL, 0, "%s", res.msg);
		return NULL;
	}
	if (nrefs)
		*nrefs = n;
	s = mms_steps_from_normal(g, thm, refs, n, ntokens, err);
	free(refs);
	return s;
}
